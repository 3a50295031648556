/*
 * fuzz_usage.c - the values usages store in the overlay, as any peer may
 * write them: SipRegistration (RFC 7904), AccessControlListItem and
 * ResourceNameExtension (RFC 8076), and SIP AORs. The first byte picks
 * the decoder; what decodes must encode back to the same bytes. Also the
 * conference registrations and focus capacity adverts of relo/disco.h, and
 * proximity coordinates (relo/coord.h).
 */
#include "fuzz.h"
#include "relo/coord.h"
#include "relo/disco.h"
#include "relo/sip.h"
#include "relo/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relo_bytes in = relo_bytes_of(data + 1, size ? size - 1 : 0);
	struct relo_wirecfg wc;
	struct relo_arena *a;
	struct relo_wr w;

	if (!size)
		return 0;
	relo_wirecfg_default(&wc);
	FUZZ_ASSERT(relo_arena_alloc(&a, 0, 1 << 20) == 0);
	relo_wr_init_dyn(&w, 0);
	switch (data[0] % 7) {
	case 0: {
		struct relo_sipreg r;
		if (relo_sipreg_decode(&wc, a, in, &r) == 0) {
			relo_sipreg_write(&w, &wc, &r);
			FUZZ_ASSERT(w.err == 0 && w.len == in.len && !memcmp(w.buf, in.p, in.len));
		}
		break;
	}
	case 1:
	case 2: {
		struct relo_acl_item it;
		if (relo_acl_item_decode(in, data[0] % 7 == 2, &it) == 0) {
			relo_acl_item_write(&w, &it);
			FUZZ_ASSERT(w.err == 0 && w.len == in.len && !memcmp(w.buf, in.p, in.len));
		}
		break;
	}
	case 4: {
		struct relo_disco_reg r;
		if (relo_disco_reg_decode(&wc, in, &r) == 0) {
			relo_disco_reg_write(&w, &wc, &r);
			FUZZ_ASSERT(w.err == 0 && w.len == in.len && !memcmp(w.buf, in.p, in.len));
		}
		break;
	}
	case 5: {
		struct relo_focus_advert f;
		if (relo_focus_advert_decode(&wc, in, &f) == 0) {
			relo_focus_advert_write(&w, &wc, &f);
			FUZZ_ASSERT(w.err == 0 && w.len == in.len && !memcmp(w.buf, in.p, in.len));
		}
		break;
	}
	case 6: {
		struct relo_coord c;
		uint8_t out[64];
		char bin[64];
		uint8_t prefix;
		if (relo_coord_decode(in, &c) == 0) {
			int n = relo_coord_encode(&c, out, sizeof(out));
			FUZZ_ASSERT(n == (int)in.len && !memcmp(out, in.p, in.len));
			FUZZ_ASSERT(relo_coord_distance(&c, &c) <= 0);
			relo_coord_bin(&c, bin, sizeof(bin));
			FUZZ_ASSERT(strlen(bin) < sizeof(bin));
			(void)relo_coord_prefix(&c, &prefix);
		}
		break;
	}
	default: {
		char uri[512], aor[RELO_SIP_AOR_MAX];
		size_t n = in.len < sizeof(uri) - 1 ? in.len : sizeof(uri) - 1;
		memcpy(uri, in.p, n);
		uri[n] = 0;
		if (relo_sip_aor(uri, aor, sizeof(aor)) == 0)
			FUZZ_ASSERT(strchr(aor, '@') && strlen(aor) < sizeof(aor));
		break;
	}
	}
	relo_wr_free(&w);
	relo_arena_free(a);
	return 0;
}
