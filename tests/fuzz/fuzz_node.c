/*
 * fuzz_node.c - messages as a peer would send them, into a live node of a
 * small simulated overlay: routing decisions, forwarding, answering, the
 * built-in methods, CHORD-RELOAD's handling of Updates, Joins and
 * Leaves, and the storage (Store, Fetch, Stat, Find, replicas), all on
 * input nobody vetted. The nodes run unsigned (as in large
 * simulations) so that the input reaches past signature checks.
 *
 * The overlay persists across inputs, as a real node's state would.
 */
#include "fuzz.h"
#include "relo/sim.h"
#include "relo/store.h"

struct harness {
	struct relo_sim *sim;
	struct relo_config *cfg;
	struct relo_sim_host *h[3];
	struct relo_node *n[3];
	struct relo_store *store[3];
	struct relo_nodeid ghost;
};

static struct harness *harness(void)
{
	static struct harness w; /* the fuzzer's one overlay */
	struct relo_sim_opts so = { .seed = 7, .base_ms = 2, .per_unit_ms = 10 };
	size_t i;

	if (w.sim)
		return &w;
	if (relo_sim_alloc(&w.sim, &so) || relo_config_new(&w.cfg, "chorus.example"))
		abort();
	w.cfg->max_message_size = 16384;
	w.cfg->reliability_timer_ms = 500;
	/* Kinds of each data model, for the storage behind the nodes. */
	for (i = 0; i < 3; i++) {
		struct relo_kind_def k = { .id = 0xF0000001u + (uint32_t)i,
					   .model = (enum relo_model)(RELO_MODEL_SINGLE + i),
					   .acl = RELO_ACL_USER_MATCH, .max_count = 16,
					   .max_size = 1024 };
		if (relo_config_add_kind(w.cfg, &k))
			abort();
	}
	for (i = 0; i < 3; i++) {
		struct relo_node_opts o;
		struct relo_ipport boot;

		memset(&o, 0, sizeof(o));
		relo_sim_host_add(w.sim, 0.1 * (double)i, 0, &w.h[i]);
		o.cfg = w.cfg;
		o.id.len = 16;
		memset(o.id.id, 0x30 + (int)i * 0x50, 16);
		o.listen = relo_sim_host_addr(w.h[i]);
		o.ops = relo_sim_ops();
		o.env = relo_sim_host_env(w.h[i]);
		o.log_level = RELO_LOG_ERR;
		if (relo_node_alloc(&w.n[i], &o))
			abort();
		relo_sim_host_set_node(w.h[i], w.n[i], &o.id);
		if (relo_store_alloc(&w.store[i], &(struct relo_store_opts){ .node = w.n[i],
									      .cfg = w.cfg }))
			abort();
		boot = relo_sim_host_addr(w.h[0]);
		relo_node_start(w.n[i], &boot, i ? 1 : 0);
		relo_sim_run(w.sim, relo_sim_now(w.sim) + 1000);
	}
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 10000);
	w.ghost.len = 16;
	memset(w.ghost.id, 0xee, 16);
	return &w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct harness *w = harness();

	relo_sim_inject(w->sim, w->h[1], &w->ghost, data, size);
	/* Long enough for answers, forwards and a retransmission or two. */
	relo_sim_run(w->sim, relo_sim_now(w->sim) + 1500);
	FUZZ_ASSERT(relo_node_id(w->n[1])->len == 16);
	return 0;
}
