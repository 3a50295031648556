/*
 * relo/sim.h - a simulated network for many RELOAD nodes in one process:
 * a virtual clock, an event queue, in-memory links with a latency model,
 * crashes. Each simulated host provides the relo_env_ops a node runs on,
 * so the simulator runs the very same routing and topology code as
 * chorusd, message bytes and all; only sockets and TLS are left out.
 */
#ifndef RELO_SIM_H
#define RELO_SIM_H

#include <stdint.h>

#include "relo/node.h"

struct relo_sim;
struct relo_sim_host;

struct relo_sim_opts {
	uint64_t seed;            /* for every random choice: runs repeat exactly */
	double base_ms;           /* one-way latency of every link */
	double per_unit_ms;       /* plus this per unit of distance between hosts */
	uint32_t detect_ms;       /* how long a crashed peer's links take to fail */
	double loss;              /* share of messages lost on the way (0..1), as
				   * when an overloaded peer drops what it forwards */
	void (*log)(void *arg, const char *line); /* NULL: logs are dropped */
	void *log_arg;
};

RELO_API int relo_sim_alloc(struct relo_sim **sp, const struct relo_sim_opts *o);
/** Frees the world; free the nodes first. */
RELO_API void relo_sim_free(struct relo_sim *s);

/** A host at (x, y) of the latency plane, with address 10.x.y.z:6084. */
RELO_API int relo_sim_host_add(struct relo_sim *s, double x, double y,
			       struct relo_sim_host **hp);
RELO_API const struct relo_env_ops *relo_sim_ops(void);
RELO_API void *relo_sim_host_env(struct relo_sim_host *h);
RELO_API struct relo_ipport relo_sim_host_addr(const struct relo_sim_host *h);
/** The node living on the host, and the Node-ID its links authenticate as. */
RELO_API void relo_sim_host_set_node(struct relo_sim_host *h, struct relo_node *n,
				     const struct relo_nodeid *id);
/**
 * The host crashes: its node hears nothing more; each peer's end of its
 * links fails detect_ms later. Free the node afterwards.
 */
RELO_API void relo_sim_host_crash(struct relo_sim_host *h);
/** Injects raw bytes on a link from a host that is not a node (tests of bad
 * input): the receiving node sees a link from `from_id` come up, one
 * message on it, and the link go down. */
RELO_API int relo_sim_inject(struct relo_sim *s, struct relo_sim_host *to,
			     const struct relo_nodeid *from_id, const uint8_t *msg, size_t len);

/** Changes the share of messages lost from now on. */
RELO_API void relo_sim_set_loss(struct relo_sim *s, double loss);
RELO_API uint64_t relo_sim_now(const struct relo_sim *s);
/** Runs events until the clock reaches until_ms or nothing is left. */
RELO_API void relo_sim_run(struct relo_sim *s, uint64_t until_ms);
/** Runs until cond(arg) holds (checked after each event), or until
 * until_ms; returns true if it held. */
RELO_API bool relo_sim_run_until(struct relo_sim *s, uint64_t until_ms, bool (*cond)(void *arg),
				 void *arg);
/** Deterministic random numbers of the world. */
RELO_API uint64_t relo_sim_random(struct relo_sim *s);

struct relo_sim_stats {
	uint64_t events, messages, bytes, links, connects_failed, lost;
};

RELO_API void relo_sim_stats(const struct relo_sim *s, struct relo_sim_stats *out);

#endif
