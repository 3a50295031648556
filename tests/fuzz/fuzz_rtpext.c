/*
 * fuzz_rtpext.c - the RFC 8285 header-extension block alone (both forms,
 * padding, every ID and length) and the RFC 6464 level in it: the first
 * two bytes are the "defined by profile" field, the rest the block's body.
 * What parses must find each element again and survive a re-encode.
 */
#include <string.h>

#include "fuzz.h"
#include "mix/rtp.h"

static uint8_t out[70000];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mix_rtp h, d;
	struct mix_rtp_ext e[MIX_RTP_MAX_EXT], e2[MIX_RTP_MAX_EXT], one;
	size_t n = 0, n2 = 0, len, i;
	uint8_t level;
	bool vad;
	int err;

	if (size < 2 || size > 4 * 16384)
		return 0;
	memset(&h, 0, sizeof(h));
	h.pt = 111;
	h.ext = true;
	h.ext_profile = (uint16_t)(data[0] << 8 | data[1]);
	h.ext_data = data + 2;
	h.ext_len = (size - 2) & ~(size_t)3;
	err = mix_rtp_ext_parse(&h, e, MIX_RTP_MAX_EXT, &n);
	FUZZ_ASSERT(err == 0 || err == -ENOTSUP || err == -EBADMSG || err == -EMSGSIZE);
	for (i = 1; i < 256; i++) {
		int f = mix_rtp_ext_find(&h, (uint8_t)i, &one);

		FUZZ_ASSERT(f == 0 || f == -ENOENT || f == -ENOTSUP || f == -EBADMSG);
		if (f == 0)
			FUZZ_ASSERT(one.id == i && one.data >= h.ext_data &&
				    one.data + one.len <= h.ext_data + h.ext_len);
	}
	if (mix_rtp_level_get(&h, 1, &vad, &level) == 0)
		FUZZ_ASSERT(level <= 127);
	if (err || n == 0)
		return 0;
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(e[i].data >= h.ext_data && e[i].data + e[i].len <= h.ext_data + h.ext_len);
	/* the elements again, as our encoder writes them */
	FUZZ_ASSERT(mix_rtp_encode(out, sizeof(out), &h, e, n, &len) == 0);
	FUZZ_ASSERT(mix_rtp_decode(&d, out, len) == 0);
	FUZZ_ASSERT(mix_rtp_ext_parse(&d, e2, MIX_RTP_MAX_EXT, &n2) == 0 && n2 == n);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(e2[i].id == e[i].id && e2[i].len == e[i].len &&
			    memcmp(e2[i].data, e[i].data, e[i].len) == 0);
	return 0;
}
