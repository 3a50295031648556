/*
 * fuzz_msg.c - RELOAD messages: forwarding header, contents, security
 * block and every method body. Whatever decodes must re-encode to the
 * same bytes, and the receive rules and the printer must cope with it.
 */
#include "fuzz.h"
#include "relo/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct relo_rules rules = { .config_seq = 7, .initial_ttl = 100 };
	struct relo_wirecfg cfg;
	struct relo_arena *a;
	struct relo_check chk;
	struct relo_msg m;
	struct relo_body b;
	struct relo_wr w;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	samples_cfg(&cfg);
	if (relo_arena_alloc(&a, 0, 1 << 20))
		return 0;
	if (relo_msg_decode(&cfg, a, data, size, &m) == 0) {
		relo_wr_init_dyn(&w, 0);
		FUZZ_ASSERT(relo_msg_encode(&cfg, &m, &w) == 0);
		FUZZ_ASSERT(w.len == size && memcmp(w.buf, data, size) == 0);
		relo_msg_check(&rules, &m.fwd, m.c.code, &m.c, RELO_ROLE_DESTINATION, &chk);
		relo_msg_check(&rules, &m.fwd, m.c.code, NULL, RELO_ROLE_FORWARDER, &chk);
		if (relo_body_decode(&cfg, a, m.c.code, m.c.body, &b) == 0) {
			relo_wr_reset(&w);
			relo_body_write(&w, &cfg, &b);
			FUZZ_ASSERT(w.err == 0 && relo_bytes_eq(relo_bytes_of(w.buf, w.len),
								m.c.body));
		}
		if (devnull)
			relo_msg_print(devnull, &cfg, &m);
		relo_wr_free(&w);
	}
	relo_arena_free(a);
	return 0;
}
