/*
 * mix/wav.h - WAV files in and out, as the mixer hears them: 48 kHz mono
 * 16-bit PCM.
 *
 * Reading takes RIFF/WAVE with 16-bit PCM, mono or stereo (mixed down),
 * at any rate from 8 to 192 kHz (linearly resampled to 48 kHz). Files are
 * outside input: every chunk length is checked against what is there, and
 * a cap on the duration bounds the memory a file can make us allocate.
 * Writing is streamed (a recording of unknown length), the header's
 * lengths patched when the file is closed.
 *
 * Errors: -EBADMSG not a WAV file or a malformed one, -ENOTSUP a WAV we do
 * not read (not PCM, not 16-bit, more than two channels, a rate out of
 * range), -EMSGSIZE longer than the cap, -ENOMEM, -EIO, or -errno of the
 * file operation.
 */
#ifndef MIX_WAV_H
#define MIX_WAV_H

#include <stdio.h>

#include "mix/mix.h"

#define MIX_WAV_MAX_SECONDS 3600 /* default duration cap when reading */

/** Audio at 48 kHz mono. */
struct mix_pcm {
	int16_t *s;
	size_t n;
};

/**
 * Decodes a WAV file held in memory into *out (freed with mix_pcm_free()).
 * max_seconds caps the duration (0: MIX_WAV_MAX_SECONDS). On error, err
 * (when given) says what.
 */
MIX_API int mix_wav_decode(const uint8_t *buf, size_t len, unsigned max_seconds,
			   struct mix_pcm *out, char *err, size_t errlen);
/** Reads the file at path with mix_wav_decode(). */
MIX_API int mix_wav_read(const char *path, unsigned max_seconds, struct mix_pcm *out, char *err,
			 size_t errlen);
MIX_API void mix_pcm_free(struct mix_pcm *p);

/** A WAV file being written, 48 kHz mono. */
struct mix_wav_writer {
	FILE *f;
	uint64_t samples;
	int err;                  /* the first write error, kept for close */
};

MIX_API int mix_wav_create(struct mix_wav_writer *w, const char *path);
MIX_API int mix_wav_append(struct mix_wav_writer *w, const int16_t *s, size_t n);
/** Patches the lengths and closes; returns the first error of the whole write. */
MIX_API int mix_wav_close(struct mix_wav_writer *w);
/** Writes n samples as a whole file. */
MIX_API int mix_wav_write(const char *path, const int16_t *s, size_t n);

#endif
