/*
 * fuzz_sdes.c - an SDP a=crypto line (RFC 4568) as an offer or answer
 * carries it; what parses must format and parse back to the same keys.
 */
#include <string.h>

#include "fuzz.h"
#include "mix/srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mix_sdes d, e;
	char out[2048];
	size_t i;

	if (size > 4096 || mix_sdes_parse(&d, (const char *)data, size) != 0)
		return 0;
	FUZZ_ASSERT(d.tag >= 1 && d.tag <= 999999999);
	FUZZ_ASSERT(d.n_keys >= 1 && d.n_keys <= MIX_SDES_MAX_KEYS);
	FUZZ_ASSERT(mix_sdes_format(&d, out, sizeof(out)) == 0);
	FUZZ_ASSERT(mix_sdes_parse(&e, out, strlen(out)) == 0);
	FUZZ_ASSERT(e.tag == d.tag && e.suite == d.suite && e.n_keys == d.n_keys &&
		    e.flags == d.flags && e.wsh == d.wsh);
	for (i = 0; i < d.n_keys; i++) {
		FUZZ_ASSERT(e.keys[i].key_len == d.keys[i].key_len &&
			    memcmp(e.keys[i].key, d.keys[i].key, d.keys[i].key_len) == 0);
		FUZZ_ASSERT(e.keys[i].lifetime == d.keys[i].lifetime &&
			    e.keys[i].mki == d.keys[i].mki && e.keys[i].mki_len == d.keys[i].mki_len);
	}
	(void)mix_sdes_select(&d, 1);
	mix_sdes_wipe(&d);
	mix_sdes_wipe(&e);
	return 0;
}
