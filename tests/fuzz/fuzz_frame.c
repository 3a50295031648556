/*
 * fuzz_frame.c - a byte stream as a TLS/TCP overlay link delivers it:
 * framing, ACK bookkeeping, then fragment reassembly of every message.
 */
#include "fuzz.h"
#include "relo/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relo_wirecfg cfg;
	struct relo_reasm *r;
	struct relo_ackwin win;
	struct relo_frame f;
	struct relo_arena *a;
	size_t off = 0, used;
	uint64_t now = 0;

	samples_cfg(&cfg);
	relo_ackwin_init(&win);
	if (relo_reasm_alloc(&r, &cfg, NULL))
		return 0;
	if (relo_arena_alloc(&a, 0, 1 << 20)) {
		relo_reasm_free(r);
		return 0;
	}
	while (off < size) {
		uint8_t *msg;
		size_t len;
		int err = relo_frame_decode(data + off, size - off, cfg.max_msg_size, &f, &used);

		if (err)
			break;
		FUZZ_ASSERT(used > 0 && used <= size - off);
		off += used;
		now += 1000;
		if (f.type == RELO_FRAME_ACK) {
			(void)relo_ack_covers(f.seq, f.received, f.seq - 3);
			continue;
		}
		(void)relo_ackwin_add(&win, f.seq);
		if (relo_reasm_add(r, f.msg.p, f.msg.len, now, &msg, &len) == 0 && msg) {
			struct relo_msg m;
			relo_arena_reset(a);
			(void)relo_msg_decode(&cfg, a, msg, len, &m);
			free(msg);
		}
	}
	relo_arena_free(a);
	relo_reasm_free(r);
	return 0;
}
