/*
 * relo/node.h - a RELOAD overlay peer: symmetric recursive routing,
 * transactions and retransmission (RFC 6940 sections 6.1, 6.2), the
 * link-management and topology methods (Attach in No-ICE mode, Ping,
 * Probe, RouteQuery, Join, Update, Leave) and the CHORD-RELOAD topology
 * (section 10).
 *
 * A node does no I/O of its own. Everything outside it (the clock, timers,
 * randomness, transport links, logging) comes through a relo_env_ops
 * table, so the same code runs in chorusd (libevent, TLS over TCP) and in
 * the simulator (a virtual clock and in-memory links), and a process can
 * host any number of nodes. A node is used from one thread.
 */
#ifndef RELO_NODE_H
#define RELO_NODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/body.h"
#include "relo/config.h"
#include "relo/msg.h"
#include "relo/sec.h"

struct relo_node;
struct relo_link;  /* a transport connection; the env owns it */
struct relo_timer; /* a one-shot timer; the env owns it */

enum relo_log_level { RELO_LOG_ERR = 0, RELO_LOG_WARN, RELO_LOG_INFO, RELO_LOG_DEBUG };

RELO_API const char *relo_log_level_name(enum relo_log_level l);

/** What a node needs from the world around it. */
struct relo_env_ops {
	uint64_t (*now_ms)(void *env);
	struct relo_timer *(*timer_new)(void *env, void (*fire)(void *arg), void *arg);
	/** Arms (or re-arms) a timer to fire once, delay_ms from now. */
	void (*timer_set)(struct relo_timer *t, uint64_t delay_ms);
	void (*timer_cancel)(struct relo_timer *t);
	void (*timer_free)(struct relo_timer *t);
	void (*random)(void *env, void *buf, size_t len);
	/**
	 * Opens a link to addr. The env authenticates the peer (TLS: its
	 * certificate must be valid and, when expect is not NULL, name that
	 * Node-ID), then calls relo_node_link_up() with cookie, or
	 * relo_node_link_failed(). Returns 0, or a negative errno when it
	 * cannot even try.
	 */
	int (*connect)(void *env, const struct relo_ipport *addr, const struct relo_nodeid *expect,
		       void *cookie);
	/** Sends one whole RELOAD message on a link (framed by the env). */
	int (*send)(void *env, struct relo_link *l, const uint8_t *msg, size_t len);
	/** Closes a link; the env then calls relo_node_link_down(). */
	void (*close)(void *env, struct relo_link *l);
	void (*log)(void *env, enum relo_log_level level, const char *msg);
};

/** How a node is made. */
struct relo_node_opts {
	const struct relo_config *cfg;   /* the overlay; must outlive the node */
	const struct relo_ident *ident;  /* signs every message */
	struct relo_trust *trust;        /* verifies every message received */
	/*
	 * Without ident and trust messages go unsigned and unverified, under
	 * this Node-ID: for simulations of large overlays only (chorusd
	 * always signs).
	 */
	struct relo_nodeid id;
	struct relo_ipport listen;       /* our No-ICE candidate */
	const struct relo_env_ops *ops;
	void *env;
	unsigned n_succ, n_pred;         /* neighbor table sizes (default 5, >= 3) */
	unsigned n_fingers;              /* finger table size (default 16) */
	/* Timers in ms; 0: from the configuration (chord-update-interval,
	 * chord-ping-interval, overlay-reliability-timer). */
	uint32_t update_interval_ms;
	uint32_t finger_interval_ms;
	uint32_t reliability_ms;
	/* How long an attempt to join may take before starting over (ms). */
	uint32_t join_timeout_ms;
	/* Answers kept to answer retransmitted requests alike (default 256). */
	unsigned answer_cache;
	/*
	 * When none of the bootstrap nodes lets this node in (they may all be
	 * starting too), start a new overlay rather than wait: for the one
	 * node an overlay's configuration names first among its bootstrap
	 * nodes (chorusd decides so), so that exactly one does.
	 */
	bool seed;
	enum relo_log_level log_level;   /* default RELO_LOG_INFO */
};

RELO_API int relo_node_alloc(struct relo_node **np, const struct relo_node_opts *o);
/** Frees a node at once (no Leave: use relo_node_leave() first to be polite). */
RELO_API void relo_node_free(struct relo_node *n);

/**
 * Starts the node: with no bootstrap address it forms a new overlay on its
 * own; otherwise it joins through the first bootstrap node that answers
 * (section 10.5), and keeps trying while none does.
 */
RELO_API int relo_node_start(struct relo_node *n, const struct relo_ipport *bootstrap,
			     size_t n_bootstrap);
/** Leaves politely (section 10.9): Leave to every neighbor, then done(). */
RELO_API void relo_node_leave(struct relo_node *n, void (*done)(void *arg), void *arg);

/* ---- called by the env ---- */

/** A link is up and authenticated as peer (incoming when cookie is NULL). */
RELO_API void relo_node_link_up(struct relo_node *n, struct relo_link *l,
				const struct relo_nodeid *peer, const struct relo_ipport *remote,
				void *cookie);
/** An outgoing connection attempt failed. */
RELO_API void relo_node_link_failed(struct relo_node *n, void *cookie, int err);
/** A link went down (closed by either side, or failed). */
RELO_API void relo_node_link_down(struct relo_node *n, struct relo_link *l);
/** One whole RELOAD message arrived on a link. */
RELO_API void relo_node_recv(struct relo_node *n, struct relo_link *l, const uint8_t *msg,
			     size_t len);

/* ---- requests ---- */

/**
 * The outcome of a request: err is 0 with the answer (which may be an
 * Error answer: body->code == RELO_ERROR), or -ETIMEDOUT after the last
 * retransmission, or -ECANCELED when the node is being freed (then the
 * handler must not use the node).
 */
typedef void(relo_answer_h)(void *arg, int err, const struct relo_msg *ans,
			    const struct relo_body *body);

/**
 * Sends a request to a Destination List (a Node-ID, a Resource-ID, or a
 * source route) and calls h exactly once with its answer. The body is
 * encoded at once; nothing of it needs to live after the call.
 */
RELO_API int relo_node_request(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
			       const struct relo_body *body, relo_answer_h *h, void *arg);

/** More for a request than its body (relo_node_request_ex). */
struct relo_request_opts {
	/* Certificates (DER) to put in the security block besides ours: the
	 * signers of stored values the request carries. */
	const struct relo_bytes *certs;
	size_t n_certs;
};

RELO_API int relo_node_request_ex(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
				  const struct relo_body *body, const struct relo_request_opts *o,
				  relo_answer_h *h, void *arg);

/** A request as a handler sees it. */
struct relo_request {
	const struct relo_msg *msg;         /* as received (its security block, its header) */
	const struct relo_body *body;
	struct relo_nodeid sender;          /* the signer; unsigned nodes: the first Via entry */
	const struct relo_certinfo *signer; /* the signer's certificate; NULL on unsigned nodes */
	bool direct;                        /* it came straight from the sender, on one link */
};

/** What a handler answers. */
struct relo_answer {
	/* The answer, or an Error answer (code RELO_ERROR) with its
	 * error_info. Memory from the handler's arena. */
	struct relo_body body;
	const struct relo_bytes *certs;     /* as in relo_request_opts */
	size_t n_certs;
};

/**
 * A handler for requests a usage serves (Store, Fetch, AppAttach...): it
 * fills *ans (any memory from a) and returns 0, or returns a RELOAD error
 * code (enum relo_error) with a reason in why.
 */
typedef int(relo_request_h)(void *arg, struct relo_node *n, const struct relo_request *req,
			    struct relo_arena *a, struct relo_answer *ans, const char **why);
/** Sets the handler of a method (replacing any); h NULL removes it. */
RELO_API int relo_node_handle(struct relo_node *n, uint16_t code, relo_request_h *h, void *arg);

/**
 * AppAttach (section 6.5.2, No-ICE): this node answers for application
 * (5060 SIP, 5061 SIPS, ...) with addr, where the application listens;
 * addr NULL stops answering (others get Error_Not_Found).
 */
RELO_API int relo_node_app(struct relo_node *n, uint16_t application,
			   const struct relo_ipport *addr);
/** Sends an AppAttach for application to dst; the answer's candidate
 * says where to connect. */
RELO_API int relo_node_app_attach(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
				  uint16_t application, relo_answer_h *h, void *arg);

/**
 * Calls cb (on a later turn of the loop, changes coalesced) whenever the
 * node's neighbor table changed: joining, a neighbor found or lost. The
 * range this node is responsible for, and the replica sets, may have
 * moved. One callback per node; NULL removes it.
 */
RELO_API void relo_node_on_neighbors(struct relo_node *n, void (*cb)(void *arg), void *arg);
/** What Probe's num-resources answers (the storage says); NULL: 0. */
RELO_API void relo_node_on_probe(struct relo_node *n, uint32_t (*num_resources)(void *arg),
				 void *arg);

/* ---- the node's environment, for the usages on it ---- */

/** The node's clock (ms; monotonic, or virtual in the simulator). */
RELO_API uint64_t relo_node_now(const struct relo_node *n);
/** A one-shot timer on the node's clock. */
RELO_API struct relo_timer *relo_node_timer_new(struct relo_node *n, void (*fire)(void *arg),
						void *arg);
RELO_API void relo_node_timer_set(struct relo_node *n, struct relo_timer *t, uint64_t delay_ms);
/** Cancels and frees; NULL is fine. */
RELO_API void relo_node_timer_free(struct relo_node *n, struct relo_timer *t);
/** Random bytes from the node's source. */
RELO_API void relo_node_random(struct relo_node *n, void *buf, size_t len);
/** A log line through the node's logger, with its prefix ("node 1a2b3c4d: "). */
RELO_API void relo_node_log(struct relo_node *n, enum relo_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- state ---- */

RELO_API const struct relo_nodeid *relo_node_id(const struct relo_node *n);
/** True once the node is part of the ring. */
RELO_API bool relo_node_joined(const struct relo_node *n);
/** True if this node is responsible for the ring position id. */
RELO_API bool relo_node_responsible(const struct relo_node *n, const struct relo_nodeid *id);
/** Successors, nearest first; returns how many (at most max). */
RELO_API size_t relo_node_successors(const struct relo_node *n, struct relo_nodeid *out,
				     size_t max);
/** Predecessors, nearest first. */
RELO_API size_t relo_node_predecessors(const struct relo_node *n, struct relo_nodeid *out,
				       size_t max);
/** The finger table: entry i (from 1) is the first peer at or after
 * id + 2^(bits - i); an entry with no peer has len 0. */
RELO_API size_t relo_node_fingers(const struct relo_node *n, struct relo_nodeid *out, size_t max);
/** Where a message for target would go next; -ENOENT if nowhere (alone),
 * 1 if this node is responsible. */
RELO_API int relo_node_next_hop(const struct relo_node *n, const struct relo_nodeid *target,
				struct relo_nodeid *next);

struct relo_link_info {
	struct relo_nodeid peer;
	struct relo_ipport remote;
	bool routable;     /* the peer sent an Update: messages may go through it */
	bool outgoing;
	uint64_t up_since_ms;
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
};

RELO_API size_t relo_node_links(const struct relo_node *n, struct relo_link_info *out, size_t max);

struct relo_node_stats {
	uint64_t msgs_in, msgs_out, forwarded, delivered;
	uint64_t requests_sent, retransmits, answers, timeouts;
	uint64_t answers_replayed;      /* retransmitted requests answered from the cache */
	uint64_t errors_sent;           /* Error answers this node generated */
	uint64_t dropped_malformed, dropped_bad_signature, dropped_loop, dropped_no_route;
	uint64_t dropped_ttl, dropped_other;
	uint64_t joins, rejoins, updates_in, updates_out, attaches_in, attaches_out;
	uint64_t links_up, links_down;
	uint64_t uptime_ms;
};

RELO_API void relo_node_stats(const struct relo_node *n, struct relo_node_stats *out);
/** The hop counts of answers received so far: hist[h] answers took h hops
 * (the last bucket holds the rest). */
RELO_API void relo_node_hops(const struct relo_node *n, uint64_t *hist, size_t buckets);

#endif
