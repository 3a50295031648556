/*
 * fuzz_wav.c - a WAV file as `chorus call --play` and chorus-wav read it;
 * what decodes is 48 kHz audio no longer than the cap allows, and the
 * same bytes decode the same way again.
 */
#include <string.h>

#include "fuzz.h"
#include "mix/wav.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mix_pcm a, b;
	char err[160];

	/* 1 s: a cap the fuzzer can reach (8 kHz mono is 16 kB) */
	if (mix_wav_decode(data, size, 1, &a, err, sizeof(err)) != 0) {
		FUZZ_ASSERT(a.s == NULL && a.n == 0 && err[0]);
		return 0;
	}
	FUZZ_ASSERT(a.n <= 48000); /* at most 1 s at 48 kHz */
	FUZZ_ASSERT(mix_wav_decode(data, size, 1, &b, NULL, 0) == 0);
	FUZZ_ASSERT(a.n == b.n && (a.n == 0 || memcmp(a.s, b.s, a.n * sizeof(*a.s)) == 0));
	mix_pcm_free(&a);
	mix_pcm_free(&b);
	return 0;
}
