/*
 * fuzz.h - shared by the fuzz targets: the codec configuration they use
 * (that of the sample messages in the seed corpus) and a check that
 * aborts, so libFuzzer records the input.
 */
#ifndef CHORUS_FUZZ_H
#define CHORUS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "samples.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                            \
	do {                                                                         \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond);   \
			abort();                                                     \
		}                                                                    \
	} while (0)

#endif
