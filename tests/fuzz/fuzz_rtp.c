/*
 * fuzz_rtp.c - an RTP packet as the mixer receives it after SRTP: the
 * header, CSRCs, padding, the RFC 8285 extension elements and the RFC
 * 6464 level; what decodes must re-encode to the same fields.
 */
#include <string.h>

#include "fuzz.h"
#include "mix/rtp.h"

static uint8_t out[70000];

static void same(const struct mix_rtp *a, const struct mix_rtp *b)
{
	FUZZ_ASSERT(a->marker == b->marker && a->pt == b->pt && a->seq == b->seq &&
		    a->ts == b->ts && a->ssrc == b->ssrc && a->cc == b->cc);
	FUZZ_ASSERT(memcmp(a->csrc, b->csrc, sizeof(a->csrc)) == 0);
	FUZZ_ASSERT(a->payload_len == b->payload_len && a->pad == b->pad);
	FUZZ_ASSERT(a->payload_len == 0 || memcmp(a->payload, b->payload, a->payload_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mix_rtp h, d;
	struct mix_rtp_ext e[MIX_RTP_MAX_EXT], e2[MIX_RTP_MAX_EXT], one;
	size_t n, n2, len, i;
	uint8_t level;
	bool vad;
	int err;

	if (size > 65536 || mix_rtp_decode(&h, data, size))
		return 0;
	FUZZ_ASSERT(h.payload >= data && h.payload + h.payload_len <= data + size);
	FUZZ_ASSERT(!h.ext || (h.ext_data >= data && h.ext_data + h.ext_len <= data + size));
	if (mix_rtp_level_get(&h, 1, &vad, &level) == 0)
		FUZZ_ASSERT(level <= 127);

	/* the raw block round trip */
	FUZZ_ASSERT(mix_rtp_encode(out, sizeof(out), &h, NULL, 0, &len) == 0);
	FUZZ_ASSERT(len == size);
	FUZZ_ASSERT(mix_rtp_decode(&d, out, len) == 0);
	same(&h, &d);
	FUZZ_ASSERT(d.ext == h.ext && d.ext_len == h.ext_len &&
		    (!h.ext_len || memcmp(d.ext_data, h.ext_data, h.ext_len) == 0));

	/* the parsed elements round trip */
	err = mix_rtp_ext_parse(&h, e, MIX_RTP_MAX_EXT, &n);
	if (err || n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(e[i].data >= h.ext_data && e[i].data + e[i].len <= h.ext_data + h.ext_len);
		FUZZ_ASSERT(mix_rtp_ext_find(&h, e[i].id, &one) == 0);
	}
	FUZZ_ASSERT(mix_rtp_encode(out, sizeof(out), &h, e, n, &len) == 0);
	FUZZ_ASSERT(mix_rtp_decode(&d, out, len) == 0);
	same(&h, &d);
	FUZZ_ASSERT(mix_rtp_ext_parse(&d, e2, MIX_RTP_MAX_EXT, &n2) == 0 && n2 == n);
	for (i = 0; i < n; i++)
		FUZZ_ASSERT(e2[i].id == e[i].id && e2[i].len == e[i].len &&
			    memcmp(e2[i].data, e[i].data, e[i].len) == 0);
	return 0;
}
