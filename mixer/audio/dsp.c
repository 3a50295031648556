/*
 * dsp.c - the soft limiter and gain ramps (mix/dsp.h)
 */
#include <math.h>
#include <stdlib.h>

#include "mix/dsp.h"

#define CEIL 32700.0f /* the knee tends to this, never reaching full scale */
#define RELEASE 0.02f /* per 1 ms block: ~50 ms to recover */
#define MAX_BLOCKS 128

void mix_limiter_init(struct mix_limiter *l)
{
	l->g = 1.0f;
	l->ga = 1.0f;
	l->active = 0;
}

static inline int16_t knee(float y)
{
	const float t = (float)MIX_LIMIT_THRESHOLD, room = CEIL - t;
	float a = fabsf(y);

	if (a <= t)
		return (int16_t)lrintf(y);
	a = t + room * tanhf((a - t) / room);
	return (int16_t)lrintf(y < 0 ? -a : a);
}

void mix_limit(struct mix_limiter *l, const int32_t *in, int16_t *out, size_t n)
{
	float gt[MAX_BLOCKS], gs[MAX_BLOCKS], G[MAX_BLOCKS], prev, from;
	size_t nb = n / MIX_LIMIT_BLOCK, b, i;
	int32_t peak = 0;

	for (i = 0; i < n; i++) {
		int32_t a = in[i] < 0 ? -in[i] : in[i];
		if (a > peak)
			peak = a;
	}
	if (peak <= MIX_LIMIT_THRESHOLD && l->g >= 1.0f && l->ga >= 1.0f) {
		/* the usual case: nothing to do */
		for (i = 0; i < n; i++)
			out[i] = (int16_t)in[i];
		return;
	}
	if (nb > MAX_BLOCKS)
		nb = MAX_BLOCKS;
	if (nb == 0) {
		for (i = 0; i < n; i++)
			out[i] = knee((float)in[i] * l->ga);
		return;
	}
	/* the gain each block needs, then the release limit */
	prev = l->g;
	for (b = 0; b < nb; b++) {
		int32_t p = 0;

		for (i = b * MIX_LIMIT_BLOCK; i < (b + 1) * MIX_LIMIT_BLOCK; i++) {
			int32_t a = in[i] < 0 ? -in[i] : in[i];
			if (a > p)
				p = a;
		}
		gt[b] = p > MIX_LIMIT_THRESHOLD ? (float)MIX_LIMIT_THRESHOLD / (float)p : 1.0f;
		gs[b] = prev + (1.0f - prev) * RELEASE;
		if (gt[b] < gs[b])
			gs[b] = gt[b];
		prev = gs[b];
	}
	/* one block of look-ahead: be down before the peak's block starts */
	for (b = 0; b < nb; b++)
		G[b] = (b + 1 < nb && gs[b + 1] < gs[b]) ? gs[b + 1] : gs[b];
	from = l->ga;
	for (b = 0; b < nb; b++) {
		float step = (G[b] - from) / MIX_LIMIT_BLOCK;

		for (i = 0; i < MIX_LIMIT_BLOCK; i++) {
			float g = from + step * (float)(i + 1);
			size_t k = b * MIX_LIMIT_BLOCK + i;
			out[k] = knee((float)in[k] * g);
		}
		from = G[b];
	}
	for (i = nb * MIX_LIMIT_BLOCK; i < n; i++)
		out[i] = knee((float)in[i] * from);
	l->g = gs[nb - 1];
	l->ga = from;
	if (l->g > 0.9999f && l->ga > 0.9999f)
		l->g = l->ga = 1.0f;
	l->active++;
}

void mix_gain(const int16_t *pcm, int32_t *out, float g0, float g1, size_t n)
{
	size_t i;

	if (g0 == g1) {
		if (g0 == 1.0f) {
			for (i = 0; i < n; i++)
				out[i] = pcm[i];
		} else {
			int32_t q = (int32_t)lrintf(g0 * 4096.0f);
			for (i = 0; i < n; i++)
				out[i] = (pcm[i] * q) >> 12;
		}
		return;
	}
	for (i = 0; i < n; i++) {
		float g = g0 + (g1 - g0) * (float)(i + 1) / (float)n;
		out[i] = (int32_t)lrintf((float)pcm[i] * g);
	}
}
