/*
 * tone.h - sine tones and the Goertzel algorithm, for tests that check
 * what a participant hears: which tones are in a signal, and how loud.
 */
#ifndef CHORUS_TONE_H
#define CHORUS_TONE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define TONE_PI 3.14159265358979323846

struct tone {
	double freq, amp, phase; /* amp in sample units (32767 = full scale) */
};

/* Appends n samples of the tone (continuing its phase) to pcm, adding. */
static inline void tone_add(struct tone *t, int16_t *pcm, size_t n, unsigned rate)
{
	double step = 2 * TONE_PI * t->freq / rate;
	size_t i;

	for (i = 0; i < n; i++) {
		double v = pcm[i] + t->amp * sin(t->phase);
		pcm[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : lrint(v));
		t->phase += step;
		if (t->phase > 2 * TONE_PI)
			t->phase -= 2 * TONE_PI;
	}
}

/*
 * The amplitude of frequency f in pcm[0..n) by the Goertzel algorithm
 * (exact for a whole number of cycles in the window; a Hann window keeps
 * the neighbours out otherwise).
 */
static inline double goertzel_amp(const int16_t *pcm, size_t n, double f, unsigned rate)
{
	double w = 2 * TONE_PI * f / rate, c = 2 * cos(w), s0, s1 = 0, s2 = 0, re, im, wsum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		double win = 0.5 - 0.5 * cos(2 * TONE_PI * (double)i / (double)(n - 1));
		wsum += win;
		s0 = win * pcm[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	re = s1 - s2 * cos(w);
	im = s2 * sin(w);
	return 2 * sqrt(re * re + im * im) / wsum;
}

static inline double db(double ratio)
{
	return 20 * log10(ratio > 1e-12 ? ratio : 1e-12);
}

#endif
