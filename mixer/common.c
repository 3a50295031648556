/*
 * common.c - what every part of the mixer library shares
 */
#include "mix/mix.h"

const char *mix_log_level_name(enum mix_log_level l)
{
	switch (l) {
	case MIX_LOG_ERR: return "error";
	case MIX_LOG_WARN: return "warn";
	case MIX_LOG_INFO: return "info";
	case MIX_LOG_DEBUG: return "debug";
	}
	return "?";
}

void mix_wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}
