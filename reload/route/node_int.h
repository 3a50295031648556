/*
 * node_int.h - the inside of a RELOAD node, shared by route/ (messages,
 * routing, transactions) and topo/ (CHORD-RELOAD)
 */
#ifndef RELO_NODE_INT_H
#define RELO_NODE_INT_H

#include "relo/frame.h"
#include "relo/node.h"
#include "relo/ring.h"

#define NODE_MAX_CONNS 96     /* connections kept before idle ones are pruned */
#define NODE_MAX_NEIGHBORS 16
#define NODE_MAX_FINGERS 128
#define NODE_MAX_KNOWN 64     /* peers heard of, not connected: replacements */
#define NODE_ANSWER_CACHE 256 /* answers kept for retransmitted requests (default) */
#define NODE_REQUEST_LIFETIME_MS 15000 /* maximum request lifetime (6.2) */
#define NODE_HOP_BUCKETS 64
#define NODE_IDLE_MS 60000   /* a link unused this long may be pruned */
#define NODE_MAX_DEST 32      /* Destination List entries routed */

/* A link in the Connection Table. */
struct conn {
	uint64_t id;            /* unique in this node's life (links' memory is reused) */
	struct relo_link *link;
	struct relo_nodeid peer;
	struct relo_ipport remote;
	bool routable;          /* the peer sent an Update: it is a peer, route through it */
	bool outgoing;
	bool send_update;       /* send it a full Update once up (Attach with send_update) */
	uint64_t up_since;
	uint64_t last_used;
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
};

/* An outgoing connection attempt (the connect cookie). */
struct attempt {
	struct relo_node *node;
	struct relo_nodeid peer;  /* expected; len 0 for a bootstrap node */
	bool bootstrap;
	bool send_update;
	bool done;
	struct attempt *next;
};

/* A request this node sent and is waiting for an answer to. */
struct txn {
	uint64_t id;
	uint16_t code;
	uint8_t *msg;             /* encoded, for retransmission */
	size_t len;
	unsigned tries;
	uint64_t sent_at;
	struct relo_nodeid target; /* the Node-ID it was sent to, len 0 for a resource */
	relo_answer_h *h;
	void *arg;
	struct relo_timer *timer;
	struct relo_node *node;
	struct txn *next;
};

struct cached_answer {
	uint64_t trans_id;
	uint64_t at;
	struct relo_nodeid from;  /* the requester, so no one else replays it */
	uint8_t *tail;            /* contents and security block */
	size_t len;
};

/* Messages this node sends to itself wait for the next turn of the loop. */
struct loopback {
	uint8_t *msg;
	size_t len;
	struct loopback *next;
};

struct node_loop {
	struct loopback *head, **tail;
	struct relo_timer *timer;
};

struct handler {
	uint16_t code;
	relo_request_h *h;
	void *arg;
};

enum join_state {
	JOIN_IDLE = 0,    /* not started */
	JOIN_BOOTSTRAP,   /* connecting to a bootstrap node */
	JOIN_ATTACH,      /* Attach to our own Node-ID + 1 sent: waiting for the admitting peer */
	JOIN_NEIGHBORS,   /* attaching to the neighbors the admitting peer told us of */
	JOIN_JOIN,        /* Join sent to the admitting peer */
	JOIN_DONE,        /* part of the ring */
};

struct chord_state;

struct relo_node {
	const struct relo_config *cfg;
	const struct relo_ident *ident;
	struct relo_trust *trust;
	struct relo_wirecfg wc;
	uint32_t overlay;               /* the forwarding header's overlay hash */
	struct relo_rules rules;
	struct relo_nodeid self;
	struct relo_ipport listen;
	const struct relo_env_ops *ops;
	void *env;
	enum relo_log_level log_level;
	unsigned n_succ_max, n_pred_max, n_fingers;
	uint32_t update_ms, finger_ms, reliability_ms, join_timeout_ms;
	uint64_t started_at;

	struct conn *conns[NODE_MAX_CONNS * 2];
	size_t n_conns;
	uint64_t next_conn_id;
	struct attempt *attempts;

	/* Derived from the routable connections (chord.c keeps them current). */
	struct relo_nodeid succ[NODE_MAX_NEIGHBORS], pred[NODE_MAX_NEIGHBORS];
	size_t n_succ, n_pred;
	/* Peers heard of in Updates and Leaves, for replacing neighbors. */
	struct relo_nodeid known[NODE_MAX_KNOWN];
	size_t n_known;

	struct txn *txns;
	struct cached_answer *answers;
	size_t n_answers, answer_next;
	struct handler handlers[32];
	size_t n_handlers;
	struct {
		uint16_t application;
		struct relo_ipport addr;
	} apps[8];                      /* AppAttach answers (relo_node_app) */
	size_t n_apps;
	uint32_t (*num_resources)(void *arg); /* Probe's num-resources (the store) */
	void *num_resources_arg;

	/* Joining. */
	enum join_state join;
	struct relo_ipport *bootstrap;
	size_t n_bootstrap, bootstrap_next;
	size_t boot_tries;              /* bootstrap nodes tried since last joined */
	uint32_t boot_backoff_ms;       /* before the next round of them */
	bool seed;                      /* may start the overlay alone */
	struct relo_nodeid admitting;   /* the admitting peer */
	unsigned pending_attaches;      /* neighbor Attaches outstanding while joining */
	struct relo_timer *join_timer;
	struct relo_timer *update_timer;
	struct relo_timer *finger_timer;
	unsigned finger_next;
	bool leaving;
	struct chord_state *chord;

	void (*on_neighbors)(void *arg);
	void *on_neighbors_arg;
	struct relo_timer *neighbors_timer;

	struct node_loop loop;
	struct relo_reasm *reasm;
	struct relo_arena *rx;          /* one received message at a time */
	struct relo_node_stats st;
	uint64_t hops[NODE_HOP_BUCKETS];
};

/* ---- route/node.c ---- */
void node_log(struct relo_node *n, enum relo_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *node_hex(const struct relo_nodeid *id, char *buf);
#define HEX(id) node_hex((id), (char[2 * RELO_NODEID_MAX + 1]){ 0 })
uint64_t node_now(const struct relo_node *n);
/* The neighbor table changed: tell the usage, on the next turn. */
void node_neighbors_changed(struct relo_node *n);
struct conn *node_conn_by_peer(const struct relo_node *n, const struct relo_nodeid *peer);
/* Sends a request directly to a connected peer (dest: its Node-ID), or
 * through peer `via` to `to` (a source route) when via is not NULL. */
int node_request_to(struct relo_node *n, const struct relo_nodeid *via,
		    const struct relo_nodeid *to, const struct relo_body *body, relo_answer_h *h,
		    void *arg);
int node_connect(struct relo_node *n, const struct relo_ipport *addr,
		 const struct relo_nodeid *peer, bool bootstrap, bool send_update);
void node_close(struct relo_node *n, struct conn *c);
struct relo_timer *node_timer(struct relo_node *n, void (*fire)(void *), void *arg);

/* ---- topo/chord.c ---- */
int chord_init(struct relo_node *n);
void chord_fini(struct relo_node *n);
void chord_start(struct relo_node *n);
void chord_boot_failed(struct relo_node *n);
bool chord_has_peers(const struct relo_node *n);
/* Recomputes the neighbor table from the routable connections; returns
 * true if it changed. */
bool chord_recompute(struct relo_node *n);
bool chord_responsible(const struct relo_node *n, const struct relo_nodeid *id);
/* The connection a message for target goes to next, or NULL (this node is
 * responsible, or knows no one). */
struct conn *chord_next(const struct relo_node *n, const struct relo_nodeid *target);
void chord_link_up(struct relo_node *n, struct conn *c, bool incoming);
void chord_link_down(struct relo_node *n, const struct relo_nodeid *peer, bool was_neighbor);
int chord_on_update(struct relo_node *n, struct conn *from, const struct relo_nodeid *sender,
		    const struct relo_chord_update *u);
int chord_on_join(struct relo_node *n, struct conn *from, const struct relo_nodeid *sender,
		  const struct relo_join_req *j, const char **why);
int chord_on_leave(struct relo_node *n, struct conn *from, const struct relo_nodeid *sender,
		   const struct relo_leave_req *l, const char **why);
/* Fills an Update body (type neighbors or full); memory from a. */
void chord_update_body(struct relo_node *n, uint8_t type, struct relo_arena *a,
		       struct relo_body *b);
void chord_send_update(struct relo_node *n, struct conn *c, uint8_t type);
void chord_learn(struct relo_node *n, const struct relo_nodeid *ids, size_t count,
		 const struct relo_nodeid *via);
size_t chord_fingers(const struct relo_node *n, struct relo_nodeid *out, size_t max);
void chord_attach_answered(struct relo_node *n, const struct relo_nodeid *peer);
/* True while this node waits for an answer to its Attach to peer. */
bool chord_attaching(struct relo_node *n, const struct relo_nodeid *peer);

/* ---- route/methods.c ---- */
/* Answers a request of a built-in method; returns 0 with *ans filled, a
 * RELOAD error code with *why, or -ENOENT when the method is not built in. */
int methods_answer(struct relo_node *n, struct conn *from, const struct relo_msg *req,
		   const struct relo_nodeid *sender, const struct relo_body *body,
		   struct relo_arena *a, struct relo_body *ans, const char **why);
/* Sends an Attach (No-ICE, our candidate) to dst; send_update asks for the
 * answerer's routing table. */
int methods_attach(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
		   bool send_update, relo_answer_h *h, void *arg);

#endif
