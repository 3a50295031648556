/*
 * fuzz_rtcp.c - an RTCP compound packet as the mixer receives it after
 * SRTCP: validation, every packet decoded, and each one re-encoded and
 * decoded again to the same fields.
 */
#include <string.h>

#include "fuzz.h"
#include "mix/rtcp.h"

static uint8_t out[70000];

static void same(const struct mix_rtcp_pkt *a, const struct mix_rtcp_pkt *b)
{
	unsigned i;

	FUZZ_ASSERT(a->pt == b->pt && a->count == b->count);
	switch (a->pt) {
	case MIX_RTCP_SR:
		FUZZ_ASSERT(a->ntp == b->ntp && a->rtp_ts == b->rtp_ts &&
			    a->pkt_count == b->pkt_count && a->octet_count == b->octet_count);
		/* fall through */
	case MIX_RTCP_RR:
		FUZZ_ASSERT(a->ssrc == b->ssrc);
		for (i = 0; i < a->count; i++)
			FUZZ_ASSERT(memcmp(&a->rb[i], &b->rb[i], sizeof(a->rb[i])) == 0);
		break;
	case MIX_RTCP_SDES:
		for (i = 0; i < a->count; i++) {
			FUZZ_ASSERT(a->chunk[i].ssrc == b->chunk[i].ssrc);
			FUZZ_ASSERT(a->chunk[i].cname_len == b->chunk[i].cname_len);
			FUZZ_ASSERT(a->chunk[i].name_len == b->chunk[i].name_len);
			FUZZ_ASSERT(!a->chunk[i].cname_len ||
				    !memcmp(a->chunk[i].cname, b->chunk[i].cname, a->chunk[i].cname_len));
		}
		break;
	case MIX_RTCP_BYE:
		FUZZ_ASSERT(memcmp(a->src, b->src, a->count * sizeof(a->src[0])) == 0);
		FUZZ_ASSERT(a->reason_len == b->reason_len);
		break;
	default:
		FUZZ_ASSERT(a->data_len == b->data_len);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mix_rtcp_pkt p, q;
	struct mix_rtcp_iter it, it2;
	size_t len;
	int rc;

	if (size > 65536)
		return 0;
	(void)mix_rtcp_validate(data, size, 0);
	(void)mix_rtcp_validate(data, size, MIX_RTCP_REDUCED);
	mix_rtcp_iter_init(&it, data, size);
	while ((rc = mix_rtcp_next(&it, &p)) == 1) {
		FUZZ_ASSERT(p.count <= MIX_RTCP_MAX_COUNT);
		FUZZ_ASSERT(!p.data_len || (p.data >= data && p.data + p.data_len <= data + size));
		if (mix_rtcp_encode(out, sizeof(out), &p, 1, &len) != 0)
			continue; /* e.g. a body left unaligned by padding */
		mix_rtcp_iter_init(&it2, out, len);
		FUZZ_ASSERT(mix_rtcp_next(&it2, &q) == 1);
		same(&p, &q);
		FUZZ_ASSERT(mix_rtcp_next(&it2, &q) == 0);
	}
	FUZZ_ASSERT(rc == 0 || rc == -EBADMSG);
	return 0;
}
