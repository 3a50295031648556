/*
 * mix/dsp.h - the signal processing of the mix: a soft limiter that takes
 * a 32-bit sum to 16 bits without hard clipping, and gain ramps.
 */
#ifndef MIX_DSP_H
#define MIX_DSP_H

#include "mix/mix.h"

#define MIX_LIMIT_THRESHOLD 29205 /* -1 dBFS: the limiter keeps peaks below */
#define MIX_LIMIT_BLOCK 48        /* 1 ms at 48 kHz: the gain is set per block */

/**
 * The limiter state of one output signal. Its gain follows the peaks of
 * the input, 1 ms block by block, looking one block ahead inside a frame
 * (the frame is all there before it is encoded), so the gain is already
 * down when a peak comes, and recovers with a ~50 ms release. What still
 * exceeds the threshold (a peak right at the start of a frame) goes
 * through a tanh knee that never reaches full scale: there is no hard
 * clipping anywhere.
 */
struct mix_limiter {
	float g;      /* gain reached at the end of the last frame */
	float ga;     /* gain applied at the last sample */
	uint64_t active; /* frames in which the gain was below 1 */
};

MIX_API void mix_limiter_init(struct mix_limiter *l);

/** Limits n samples (a multiple of MIX_LIMIT_BLOCK) from in to out. */
MIX_API void mix_limit(struct mix_limiter *l, const int32_t *in, int16_t *out, size_t n);

/**
 * out[i] = pcm[i] * gain, the gain moving linearly from g0 to g1 over the
 * n samples (g0 == g1: constant). Gains are 0..8.
 */
MIX_API void mix_gain(const int16_t *pcm, int32_t *out, float g0, float g1, size_t n);

#endif
