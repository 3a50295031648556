/*
 * chord.c - the CHORD-RELOAD topology (RFC 6940 section 10): the neighbor
 * and finger tables, routing, joining, Updates, reactive recovery,
 * stabilization and leaving
 *
 * The routing table is the set of routable connections (peers that sent
 * an Update); the neighbor table (successors and predecessors) and the
 * finger table are derived from it, so they can never name a peer this
 * node cannot reach. Peers heard of but not connected are kept as
 * candidates and attached to when they belong in the neighbor table.
 */
#include <stdlib.h>
#include <string.h>

#include "../route/node_int.h"

#define ATTACHING_MAX 32

/* Attaches this node has asked for and not seen answered, by target. */
struct attaching {
	struct relo_nodeid peer;
	uint64_t since;
	bool neighbor;            /* counts toward joining */
};

struct chord_state {
	struct attaching att[ATTACHING_MAX];
	size_t n_att;
	uint64_t finger_tried[NODE_MAX_FINGERS];
};

/* The chord state hangs off the node (allocated by chord_init). */
static struct chord_state *cs(const struct relo_node *n);

static bool joined(const struct relo_node *n)
{
	return n->join == JOIN_DONE;
}

/* ---- tables ---- */

static bool in_list(const struct relo_nodeid *list, size_t n, const struct relo_nodeid *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (relo_nodeid_eq(&list[i], id))
			return true;
	return false;
}

/*
 * Keeps the m ids nearest to `from` (clockwise distance from it for
 * successors, to it for predecessors), nearest first, in out; returns how
 * many. Each distance is computed once: O(k * m) compares.
 */
static size_t nearest(const struct relo_nodeid *ids, size_t k, const struct relo_nodeid *from,
		      bool clockwise, size_t m, struct relo_nodeid *out)
{
	struct relo_nodeid dist[NODE_MAX_FINGERS];
	size_t have = 0, i, j;

	if (m > NODE_MAX_FINGERS)
		m = NODE_MAX_FINGERS;
	for (i = 0; i < k; i++) {
		struct relo_nodeid d;

		if (clockwise)
			relo_id_distance(&d, from, &ids[i]);
		else
			relo_id_distance(&d, &ids[i], from);
		if (have == m && relo_id_cmp(&d, &dist[m - 1]) >= 0)
			continue;
		j = have < m ? have++ : m - 1;
		for (; j > 0 && relo_id_cmp(&dist[j - 1], &d) > 0; j--) {
			dist[j] = dist[j - 1];
			out[j] = out[j - 1];
		}
		dist[j] = d;
		out[j] = ids[i];
	}
	return have;
}

bool chord_recompute(struct relo_node *n)
{
	struct relo_nodeid ids[NODE_MAX_CONNS * 2], old_s[NODE_MAX_NEIGHBORS],
		old_p[NODE_MAX_NEIGHBORS];
	size_t k = 0, i, os = n->n_succ, op = n->n_pred;

	memcpy(old_s, n->succ, os * sizeof(*old_s));
	memcpy(old_p, n->pred, op * sizeof(*old_p));
	for (i = 0; i < n->n_conns; i++)
		if (n->conns[i]->routable)
			ids[k++] = n->conns[i]->peer;
	n->n_succ = nearest(ids, k, &n->self, true, n->n_succ_max, n->succ);
	n->n_pred = nearest(ids, k, &n->self, false, n->n_pred_max, n->pred);
	if (os == n->n_succ && op == n->n_pred && memcmp(old_s, n->succ, os * sizeof(*old_s)) == 0 &&
	    memcmp(old_p, n->pred, op * sizeof(*old_p)) == 0)
		return false;
	node_neighbors_changed(n);
	return true;
}

bool chord_responsible(const struct relo_node *n, const struct relo_nodeid *id)
{
	if (!joined(n))
		return false;
	if (!n->n_pred)
		return true; /* alone on the ring */
	return relo_id_in_half_open(id, &n->pred[0], &n->self);
}

/* Is any link to a peer (one that sent us an Update)? */
bool chord_has_peers(const struct relo_node *n)
{
	size_t i;

	for (i = 0; i < n->n_conns; i++)
		if (n->conns[i]->routable)
			return true;
	return false;
}

/*
 * Section 10.3: the peer with the largest Node-ID in (self, target); if
 * none, the peer with the smallest Node-ID after target. Only links to
 * peers carry messages for others (6.5.1), except while joining with
 * none yet: then the bootstrap node's link is the way in (10.5).
 */
struct conn *chord_next(const struct relo_node *n, const struct relo_nodeid *target)
{
	struct conn *below = NULL, *above = NULL;
	struct relo_nodeid best_below, best_above, d;
	bool any = !joined(n) && !chord_has_peers(n);
	size_t i;

	for (i = 0; i < n->n_conns; i++) {
		struct conn *c = n->conns[i];

		if (!any && !c->routable)
			continue;
		if (relo_nodeid_eq(&c->peer, target))
			return c;
		if (relo_id_in_open(&c->peer, &n->self, target)) {
			relo_id_distance(&d, &n->self, &c->peer);
			if (!below || relo_id_cmp(&d, &best_below) > 0) {
				below = c;
				best_below = d;
			}
		} else {
			relo_id_distance(&d, target, &c->peer);
			if (!above || relo_id_cmp(&d, &best_above) < 0) {
				above = c;
				best_above = d;
			}
		}
	}
	return below ? below : above;
}

/* Finger i (from 1) aims at self + 2^(bits - i). */
static void finger_target(const struct relo_node *n, unsigned i, struct relo_nodeid *t)
{
	relo_id_add_pow2(t, &n->self, 8u * n->self.len - i);
}

size_t chord_fingers(const struct relo_node *n, struct relo_nodeid *out, size_t max)
{
	unsigned i;
	size_t j;

	for (i = 1; i <= n->n_fingers && i <= max; i++) {
		struct relo_nodeid t, end, d, best_d;
		const struct conn *best = NULL;

		finger_target(n, i, &t);
		if (i == 1)
			end = n->self;
		else
			finger_target(n, i - 1, &end);
		for (j = 0; j < n->n_conns; j++) {
			const struct conn *c = n->conns[j];
			/* valid in [target, target of the entry before) */
			if (!c->routable || !(relo_nodeid_eq(&c->peer, &t) ||
					      relo_id_in_open(&c->peer, &t, &end)))
				continue;
			relo_id_distance(&d, &t, &c->peer);
			if (!best || relo_id_cmp(&d, &best_d) < 0) {
				best = c;
				best_d = d;
			}
		}
		if (best)
			out[i - 1] = best->peer;
		else
			memset(&out[i - 1], 0, sizeof(out[i - 1]));
	}
	return i - 1;
}

/* ---- updates ---- */

void chord_update_body(struct relo_node *n, uint8_t type, struct relo_arena *a,
		       struct relo_body *b)
{
	struct relo_chord_update *u = &b->u.update_req;

	memset(b, 0, sizeof(*b));
	b->code = RELO_UPDATE_REQ;
	u->uptime = (uint32_t)((node_now(n) - n->started_at) / 1000);
	u->type = type;
	if (type == RELO_CHORD_PEER_READY)
		return;
	u->pred = n->pred;
	u->n_pred = n->n_pred;
	u->succ = n->succ;
	u->n_succ = n->n_succ;
	if (type == RELO_CHORD_FULL) {
		/* The finger table, distinct and in ascending order. */
		struct relo_nodeid *f = relo_arena_get(a, n->n_fingers * sizeof(*f));
		size_t k = 0, i, m;

		if (!f)
			return;
		struct relo_nodeid zero, *sorted = relo_arena_get(a, n->n_fingers * sizeof(*sorted));

		if (!sorted)
			return;
		m = chord_fingers(n, f, n->n_fingers);
		for (i = 0; i < m; i++)
			if (f[i].len && !in_list(f, k, &f[i]))
				f[k++] = f[i];
		memset(&zero, 0, sizeof(zero));
		zero.len = n->self.len;
		u->fingers = sorted;
		u->n_fingers = nearest(f, k, &zero, true, k, sorted); /* ascending */
	}
}

struct update_ctx {
	struct relo_node *node;
	struct relo_nodeid peer;
	uint64_t conn_id;        /* the connection it went out on */
};

/* An Update that goes unanswered means the neighbor is gone. */
static void update_answered(void *arg, int err, const struct relo_msg *ans,
			    const struct relo_body *body)
{
	struct update_ctx *u = arg;
	struct conn *c;

	(void)ans;
	(void)body;
	if (err == -ECANCELED) {
		free(u);
		return;
	}
	/* Only the link it went out on: the peer may have come back since. */
	if (err == -ETIMEDOUT && (c = node_conn_by_peer(u->node, &u->peer)) != NULL &&
	    c->id == u->conn_id) {
		node_log(u->node, RELO_LOG_INFO, "%.8s does not answer Updates: closing its link",
			 HEX(&u->peer));
		node_close(u->node, c);
	}
	free(u);
}

void chord_send_update(struct relo_node *n, struct conn *c, uint8_t type)
{
	struct relo_arena *a;
	struct update_ctx *u;
	struct relo_body b;

	if (relo_arena_alloc(&a, 1024, 0))
		return;
	u = malloc(sizeof(*u));
	if (u) {
		u->node = n;
		u->peer = c->peer;
		u->conn_id = c->id;
		chord_update_body(n, type, a, &b);
		n->st.updates_out++;
		if (node_request_to(n, NULL, &c->peer, &b, update_answered, u))
			free(u);
	}
	relo_arena_free(a);
}

static void update_neighbors(struct relo_node *n)
{
	struct relo_nodeid ids[2 * NODE_MAX_NEIGHBORS];
	size_t k = 0, i;

	for (i = 0; i < n->n_succ; i++)
		ids[k++] = n->succ[i];
	for (i = 0; i < n->n_pred; i++)
		if (!in_list(ids, k, &n->pred[i]))
			ids[k++] = n->pred[i];
	for (i = 0; i < k; i++) {
		struct conn *c = node_conn_by_peer(n, &ids[i]);
		if (c)
			chord_send_update(n, c, RELO_CHORD_NEIGHBORS);
	}
}

/* ---- attaching ---- */

static struct attaching *attaching_find(struct relo_node *n, const struct relo_nodeid *id)
{
	struct chord_state *s = cs(n);
	size_t i;

	for (i = 0; i < s->n_att; i++)
		if (relo_nodeid_eq(&s->att[i].peer, id))
			return &s->att[i];
	return NULL;
}

static void attaching_drop(struct relo_node *n, const struct relo_nodeid *id)
{
	struct chord_state *s = cs(n);
	size_t i;

	for (i = 0; i < s->n_att; i++) {
		if (relo_nodeid_eq(&s->att[i].peer, id)) {
			s->att[i] = s->att[--s->n_att];
			return;
		}
	}
}

static void maybe_send_join(struct relo_node *n);
static void known_drop(struct relo_node *n, const struct relo_nodeid *id);

/* Forgets Attaches that never got an answer (lost, or their node gone). */
static void attaching_expire(struct relo_node *n)
{
	struct chord_state *s = cs(n);
	uint64_t now = node_now(n);
	size_t i;

	for (i = s->n_att; i-- > 0;)
		if (now - s->att[i].since > 4u * n->reliability_ms)
			s->att[i] = s->att[--s->n_att];
}

struct attach_ctx {
	struct relo_node *node;
	struct relo_nodeid peer;
};

static void neighbor_attach_answered(void *arg, int err, const struct relo_msg *ans,
				     const struct relo_body *body)
{
	struct attach_ctx *ac = arg;
	struct relo_node *n = ac->node;

	(void)ans;
	if (err == -ECANCELED) {
		free(ac);
		return;
	}
	/* Success: the answerer connects to us. Failure: forget it. */
	if (err || body->code == RELO_ERROR) {
		node_log(n, RELO_LOG_DEBUG, "Attach to %.8s failed: %s", HEX(&ac->peer),
			 err ? strerror(-err) : relo_error_name(body->u.error.code));
		attaching_drop(n, &ac->peer);
		known_drop(n, &ac->peer); /* not a replacement to count on */
		if (n->join == JOIN_NEIGHBORS)
			maybe_send_join(n);
	}
	free(ac);
}

/* Attaches to a peer heard of, through the peer that told us (10.6). */
static void attach_to(struct relo_node *n, const struct relo_nodeid *peer,
		      const struct relo_nodeid *via, bool neighbor)
{
	struct chord_state *s = cs(n);
	struct attaching *at = attaching_find(n, peer);
	struct attach_ctx *ac;
	struct relo_dest d[2];
	size_t k = 0;
	uint64_t now = node_now(n);

	if (relo_nodeid_eq(peer, &n->self) || node_conn_by_peer(n, peer))
		return;
	if (at && now - at->since < 2u * n->reliability_ms)
		return; /* asked already */
	if (!at) {
		if (s->n_att == ATTACHING_MAX)
			attaching_expire(n);
		if (s->n_att == ATTACHING_MAX)
			return;
		at = &s->att[s->n_att++];
		at->peer = *peer;
	}
	at->since = now;
	at->neighbor = neighbor;
	ac = malloc(sizeof(*ac));
	if (!ac)
		return;
	ac->node = n;
	ac->peer = *peer;
	if (via && !relo_nodeid_eq(via, &n->self) && node_conn_by_peer(n, via)) {
		d[k].type = RELO_DEST_NODE;
		d[k++].u.node = *via;
	}
	d[k].type = RELO_DEST_NODE;
	d[k++].u.node = *peer;
	if (methods_attach(n, d, k, false, neighbor_attach_answered, ac)) {
		attaching_drop(n, peer);
		free(ac);
	}
}

void chord_attach_answered(struct relo_node *n, const struct relo_nodeid *peer)
{
	attaching_drop(n, peer);
}

/* Would id belong among our successors or predecessors? */
static bool wanted(const struct relo_node *n, const struct relo_nodeid *id)
{
	struct relo_nodeid d, far;

	if (relo_nodeid_eq(id, &n->self))
		return false;
	if (n->n_succ < n->n_succ_max || n->n_pred < n->n_pred_max)
		return true;
	relo_id_distance(&d, &n->self, id);
	relo_id_distance(&far, &n->self, &n->succ[n->n_succ - 1]);
	if (relo_id_cmp(&d, &far) < 0)
		return true;
	relo_id_distance(&d, id, &n->self);
	relo_id_distance(&far, &n->pred[n->n_pred - 1], &n->self);
	return relo_id_cmp(&d, &far) < 0;
}

static void known_add(struct relo_node *n, const struct relo_nodeid *id)
{
	size_t i;

	if (relo_nodeid_eq(id, &n->self))
		return;
	for (i = 0; i < n->n_known; i++)
		if (relo_nodeid_eq(&n->known[i], id))
			return;
	if (n->n_known == NODE_MAX_KNOWN)
		memmove(n->known, n->known + 1, (--n->n_known) * sizeof(*n->known));
	n->known[n->n_known++] = *id;
}

static void known_drop(struct relo_node *n, const struct relo_nodeid *id)
{
	size_t i;

	for (i = 0; i < n->n_known; i++) {
		if (relo_nodeid_eq(&n->known[i], id)) {
			memmove(&n->known[i], &n->known[i + 1],
				(n->n_known - i - 1) * sizeof(*n->known));
			n->n_known--;
			return;
		}
	}
}

void chord_learn(struct relo_node *n, const struct relo_nodeid *ids, size_t count,
		 const struct relo_nodeid *via)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (!ids[i].len || relo_nodeid_eq(&ids[i], &n->self) ||
		    ids[i].len != n->self.len)
			continue;
		known_add(n, &ids[i]);
		if (!node_conn_by_peer(n, &ids[i]) && wanted(n, &ids[i]))
			attach_to(n, &ids[i], via, n->join == JOIN_NEIGHBORS);
	}
}

/* Attach to known peers that would fill holes in the neighbor table. */
static void repair(struct relo_node *n)
{
	size_t i;

	for (i = 0; i < n->n_known; i++)
		if (!node_conn_by_peer(n, &n->known[i]) && wanted(n, &n->known[i]))
			attach_to(n, &n->known[i], NULL, false);
}

/* ---- joining ---- */

static void become_joined(struct relo_node *n)
{
	size_t i;

	n->join = JOIN_DONE;
	n->boot_tries = 0;
	n->boot_backoff_ms = 0;
	n->ops->timer_cancel(n->join_timer);
	chord_recompute(n);
	node_neighbors_changed(n); /* responsible for a range now */
	node_log(n, RELO_LOG_INFO, "joined the overlay%s (%zu successors, %zu predecessors)",
		 n->n_conns ? "" : " as its first node", n->n_succ, n->n_pred);
	/* Tell every peer we are connected to that we are a peer now. */
	for (i = 0; i < n->n_conns; i++)
		chord_send_update(n, n->conns[i], RELO_CHORD_NEIGHBORS);
	n->ops->timer_set(n->update_timer, n->update_ms);
	n->finger_next = 1;
	n->ops->timer_set(n->finger_timer, 0); /* fill the finger table at once */
}

static void join_answered(void *arg, int err, const struct relo_msg *ans,
			  const struct relo_body *body)
{
	struct relo_node *n = arg;

	(void)ans;
	if (err == -ECANCELED || n->join != JOIN_JOIN)
		return;
	if (err || body->code != RELO_JOIN_ANS) {
		node_log(n, RELO_LOG_WARN, "Join refused by %.8s: %s", HEX(&n->admitting),
			 err			       ? strerror(-err)
			 : body->code == RELO_ERROR ? relo_error_name(body->u.error.code)
						    : relo_code_name(body->code));
		n->join = JOIN_BOOTSTRAP;
		n->ops->timer_set(n->join_timer, n->reliability_ms);
		return;
	}
	n->st.joins++;
	become_joined(n);
}

static void maybe_send_join(struct relo_node *n)
{
	struct chord_state *s = cs(n);
	struct relo_body b;
	size_t i;

	if (n->join != JOIN_NEIGHBORS)
		return;
	for (i = 0; i < s->n_att; i++)
		if (s->att[i].neighbor)
			return; /* still attaching to a neighbor (10.5, last paragraph) */
	n->join = JOIN_JOIN;
	memset(&b, 0, sizeof(b));
	b.code = RELO_JOIN_REQ;
	b.u.join_req.peer = n->self;
	node_log(n, RELO_LOG_DEBUG, "sending Join to %.8s", HEX(&n->admitting));
	if (node_request_to(n, NULL, &n->admitting, &b, join_answered, n)) {
		n->join = JOIN_BOOTSTRAP;
		n->ops->timer_set(n->join_timer, n->reliability_ms);
	}
}

static void join_attach_answered(void *arg, int err, const struct relo_msg *ans,
				 const struct relo_body *body)
{
	struct relo_node *n = arg;

	(void)ans;
	if (err == -ECANCELED || n->join != JOIN_ATTACH)
		return;
	if (err || body->code == RELO_ERROR) {
		node_log(n, RELO_LOG_WARN, "joining: Attach to our own Node-ID + 1 failed: %s",
			 err ? strerror(-err) : relo_error_name(body->u.error.code));
		n->join = JOIN_BOOTSTRAP;
		n->ops->timer_set(n->join_timer, n->reliability_ms);
	}
	/* Otherwise the admitting peer connects and sends its routing table. */
}

/* Step 2 of 10.5: Attach to Resource-ID n + 1 through what we have. */
static void join_attach(struct relo_node *n)
{
	struct relo_nodeid next;
	struct relo_dest d;

	relo_id_add_u32(&next, &n->self, 1);
	d.type = RELO_DEST_RESOURCE;
	d.u.resource = relo_bytes_of(next.id, RELO_CHORD_RESID_LEN < next.len
						     ? RELO_CHORD_RESID_LEN
						     : next.len);
	/* (A Resource-ID is 128 bits: with longer Node-IDs this aims at the
	 * high-order bits of n + 1, which is where n sits.) */
	n->join = JOIN_ATTACH;
	node_log(n, RELO_LOG_DEBUG, "joining: Attach to our own Node-ID + 1");
	if (methods_attach(n, &d, 1, true, join_attach_answered, n))
		n->join = JOIN_BOOTSTRAP;
	n->ops->timer_set(n->join_timer, n->join_timeout_ms);
}

static bool same_ipport(const struct relo_ipport *a, const struct relo_ipport *b)
{
	return a->type == b->type && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->type == RELO_ADDR_IPV4 ? 4 : 16) == 0;
}

/* Have we a link we made to this address (a bootstrap node's)? */
static bool connected_to(const struct relo_node *n, const struct relo_ipport *a)
{
	size_t i;

	for (i = 0; i < n->n_conns; i++)
		if (n->conns[i]->outgoing && same_ipport(&n->conns[i]->remote, a))
			return true;
	return false;
}

void chord_start(struct relo_node *n)
{
	size_t tries;

	if (n->leaving || joined(n))
		return;
	if (n->join == JOIN_IDLE)
		n->join = JOIN_BOOTSTRAP;
	if (n->join != JOIN_BOOTSTRAP)
		return;
	if (!n->n_bootstrap ||
	    (n->seed && n->boot_tries >= n->n_bootstrap && !chord_has_peers(n))) {
		if (n->n_bootstrap)
			node_log(n, RELO_LOG_INFO,
				 "no bootstrap node let us in after %zu tries: starting the overlay "
				 "as its seed", n->boot_tries);
		n->st.joins++;
		become_joined(n); /* the first node: a new overlay */
		return;
	}
	n->boot_tries++;
	if (n->n_conns)
		join_attach(n);
	if (chord_has_peers(n))
		return;
	/* No peer to join through yet: the next bootstrap node that is not
	 * ourselves nor linked to already (as well, when links to nodes still
	 * joining exist). */
	for (tries = 0; tries < n->n_bootstrap; tries++) {
		const struct relo_ipport *b = &n->bootstrap[n->bootstrap_next++ % n->n_bootstrap];

		if (same_ipport(b, &n->listen) || connected_to(n, b))
			continue;
		node_log(n, RELO_LOG_DEBUG, "joining through bootstrap node %s",
			 relo_ipport_str(b, (char[64]){ 0 }, 64));
		if (node_connect(n, b, NULL, true, false) == 0) {
			n->ops->timer_set(n->join_timer, n->join_timeout_ms);
			return;
		}
	}
	/* Nothing to try now: again in a while. */
	n->ops->timer_set(n->join_timer, n->join_timeout_ms);
}

/*
 * A bootstrap node could not be reached: on to the next one; after a
 * whole round of them, wait (250 ms, doubling up to 30 s) so that a node
 * whose overlay is down does not spin.
 */
void chord_boot_failed(struct relo_node *n)
{
	uint32_t wait;

	if (n->seed || n->boot_tries % n->n_bootstrap) {
		chord_start(n);
		return;
	}
	wait = n->boot_backoff_ms ? n->boot_backoff_ms : 250;
	n->boot_backoff_ms = wait >= 15000 ? 30000 : 2 * wait;
	node_log(n, RELO_LOG_DEBUG, "no bootstrap node reachable: trying again in %u ms", wait);
	n->ops->timer_set(n->join_timer, wait);
}

static void join_timeout(void *arg)
{
	struct relo_node *n = arg;

	if (joined(n) || n->leaving)
		return;
	if (n->join == JOIN_NEIGHBORS) {
		/* Some neighbors never answered: join with those we have. */
		struct chord_state *s = cs(n);
		size_t i;
		for (i = 0; i < s->n_att; i++)
			s->att[i].neighbor = false;
		maybe_send_join(n);
		n->ops->timer_set(n->join_timer, n->join_timeout_ms);
		return;
	}
	if (n->join != JOIN_BOOTSTRAP)
		node_log(n, RELO_LOG_INFO, "joining timed out %s: starting over",
			 n->join == JOIN_ATTACH ? "attaching to our place" : "waiting for Join");
	n->st.rejoins++;
	n->join = JOIN_BOOTSTRAP;
	chord_start(n);
}

/* ---- events ---- */

void chord_link_up(struct relo_node *n, struct conn *c, bool incoming)
{
	struct attaching *at = attaching_find(n, &c->peer);

	(void)incoming;
	if (at) {
		attaching_drop(n, &c->peer);
		if (n->join == JOIN_NEIGHBORS)
			maybe_send_join(n);
	}
	known_drop(n, &c->peer);
	if (joined(n)) {
		/* Say we are a peer; our tables only to those they concern. */
		uint8_t type = c->send_update	  ? RELO_CHORD_FULL
			       : wanted(n, &c->peer) ? RELO_CHORD_NEIGHBORS
						      : RELO_CHORD_PEER_READY;
		chord_send_update(n, c, type);
		c->send_update = false;
	}
}

bool chord_attaching(struct relo_node *n, const struct relo_nodeid *peer)
{
	struct attaching *at = attaching_find(n, peer);

	return at && node_now(n) - at->since < 2u * n->reliability_ms;
}

void chord_link_down(struct relo_node *n, const struct relo_nodeid *peer, bool was_neighbor)
{
	if (!joined(n)) {
		chord_recompute(n); /* tables stay true while (re)joining */
		if (n->join == JOIN_NEIGHBORS && relo_nodeid_eq(peer, &n->admitting)) {
			n->join = JOIN_BOOTSTRAP;
			n->ops->timer_set(n->join_timer, 0);
		}
		return;
	}
	if (!chord_recompute(n) && !was_neighbor)
		return;
	/* Reactive recovery (10.7.1): tell the neighbors, find replacements. */
	update_neighbors(n);
	repair(n);
	if (!n->n_succ && n->n_conns) {
		node_log(n, RELO_LOG_INFO, "lost every successor: joining again");
		n->st.rejoins++;
		n->join = JOIN_BOOTSTRAP;
		chord_start(n);
	} else if (!n->n_conns && n->n_bootstrap) {
		node_log(n, RELO_LOG_INFO, "lost every link: joining again");
		n->st.rejoins++;
		n->join = JOIN_BOOTSTRAP;
		chord_start(n);
	}
}

int chord_on_update(struct relo_node *n, struct conn *from, const struct relo_nodeid *sender,
		    const struct relo_chord_update *u)
{
	node_log(n, RELO_LOG_DEBUG, "Update (%s) from %.8s%s: %zu predecessors, %zu successors",
		 u->type == RELO_CHORD_FULL	 ? "full"
		 : u->type == RELO_CHORD_NEIGHBORS ? "neighbors"
						   : "peer_ready",
		 HEX(sender), from ? "" : " (routed)", u->n_pred, u->n_succ);
	if (from && relo_nodeid_eq(&from->peer, sender))
		from->routable = true;
	if (n->join == JOIN_ATTACH && u->type == RELO_CHORD_FULL && from &&
	    relo_nodeid_eq(&from->peer, sender)) {
		/* The admitting peer's routing table: our neighbors to be. */
		n->admitting = *sender;
		n->join = JOIN_NEIGHBORS;
		node_log(n, RELO_LOG_DEBUG, "admitting peer %.8s: attaching to neighbors",
			 HEX(sender));
		chord_recompute(n);
		chord_learn(n, u->pred, u->n_pred, sender);
		chord_learn(n, u->succ, u->n_succ, sender);
		n->ops->timer_set(n->join_timer, n->join_timeout_ms);
		maybe_send_join(n);
		return 0;
	}
	/* Neighbors send Updates directly; a routed one may come from anyone,
	 * so what it says about the ring is not taken. */
	if (!from || !relo_nodeid_eq(&from->peer, sender))
		return 0;
	chord_learn(n, u->pred, u->n_pred, sender);
	chord_learn(n, u->succ, u->n_succ, sender);
	chord_learn(n, u->fingers, u->n_fingers, sender);
	if (chord_recompute(n) && joined(n))
		update_neighbors(n); /* our neighbors changed: tell them (10.7.3) */
	return 0;
}

int chord_on_join(struct relo_node *n, struct conn *from, const struct relo_nodeid *sender,
		  const struct relo_join_req *j, const char **why)
{
	if (!joined(n)) {
		*why = "not part of the overlay yet";
		return RELO_ERR_NOT_FOUND;
	}
	/* The joining peer is who signed, over its own link (6.4.2.1). */
	if (!relo_nodeid_eq(&j->peer, sender) || !from || !relo_nodeid_eq(&from->peer, sender)) {
		*why = "joining_peer_id is not the sender, or not over its own link";
		return RELO_ERR_FORBIDDEN;
	}
	node_log(n, RELO_LOG_INFO, "%.8s joins as a neighbor", HEX(sender));
	from->routable = true;
	if (chord_recompute(n))
		update_neighbors(n); /* including the new peer (10.5 steps 7, 8) */
	else
		chord_send_update(n, from, RELO_CHORD_NEIGHBORS);
	return 0;
}

int chord_on_leave(struct relo_node *n, struct conn *from, const struct relo_nodeid *sender,
		   const struct relo_leave_req *l, const char **why)
{
	if (!relo_nodeid_eq(&l->peer, sender) || !from || !relo_nodeid_eq(&from->peer, sender)) {
		*why = "leaving_peer_id is not the sender, or not over its own link";
		return RELO_ERR_FORBIDDEN;
	}
	node_log(n, RELO_LOG_INFO, "%.8s leaves", HEX(sender));
	from->routable = false;
	if (l->has_chord)
		chord_learn(n, l->chord.ids, l->chord.n, NULL);
	if (chord_recompute(n) && joined(n)) {
		update_neighbors(n);
		repair(n);
	}
	return 0;
}

/* ---- stabilization ---- */

/*
 * Above NODE_MAX_CONNS links (Attaches from others, answers to probes),
 * close those idle for a minute that are neither neighbors nor fingers.
 */
static void prune(struct relo_node *n)
{
	struct relo_nodeid f[NODE_MAX_FINGERS];
	size_t nf, i, excess;
	uint64_t now = node_now(n);

	if (n->n_conns <= NODE_MAX_CONNS)
		return;
	excess = n->n_conns - NODE_MAX_CONNS;
	nf = chord_fingers(n, f, n->n_fingers);
	for (i = n->n_conns; i-- > 0 && excess;) {
		struct conn *c = n->conns[i];

		if (now - c->last_used < NODE_IDLE_MS || in_list(n->succ, n->n_succ, &c->peer) ||
		    in_list(n->pred, n->n_pred, &c->peer) || in_list(f, nf, &c->peer))
			continue;
		node_log(n, RELO_LOG_DEBUG, "closing idle link to %.8s (%zu links)", HEX(&c->peer),
			 n->n_conns);
		node_close(n, c);
		excess--;
	}
}

static void update_tick(void *arg)
{
	struct relo_node *n = arg;
	uint32_t jitter = 0;

	if (!joined(n))
		return;
	update_neighbors(n); /* 10.7.4.1, which also finds dead neighbors */
	repair(n);
	prune(n);
	n->ops->random(n->env, &jitter, sizeof(jitter));
	n->ops->timer_set(n->update_timer, n->update_ms - n->update_ms / 10 +
						   jitter % (n->update_ms / 5 + 1));
}

/* Attach to Resource-ID target: the peer responsible for it answers. */
static void finger_attach(struct relo_node *n, const struct relo_nodeid *target)
{
	struct relo_dest d;

	d.type = RELO_DEST_RESOURCE;
	d.u.resource = relo_bytes_of(target->id, RELO_CHORD_RESID_LEN < target->len
						       ? RELO_CHORD_RESID_LEN
						       : target->len);
	methods_attach(n, &d, 1, false, NULL, NULL);
}

/*
 * 10.7.4.2: look for peers for finger entries that have none. Right after
 * joining every entry is tried once; afterwards one entry each tick,
 * early entries more often, at a random point of the entry's range.
 */
static void finger_tick(void *arg)
{
	struct relo_node *n = arg;
	struct chord_state *s = cs(n);
	struct relo_nodeid f[NODE_MAX_FINGERS], t;
	uint64_t now = node_now(n);
	size_t m;
	unsigned i, tried = 0;

	if (!joined(n))
		return;
	m = chord_fingers(n, f, n->n_fingers);
	for (i = 1; i <= m; i++) {
		if (f[i - 1].len)
			continue;
		finger_target(n, i, &t);
		if (chord_responsible(n, &t))
			continue; /* no one else there to find */
		if (s->finger_tried[i - 1] && now - s->finger_tried[i - 1] < n->finger_ms)
			continue;
		if (n->finger_next == 0) {
			uint8_t coin;
			n->ops->random(n->env, &coin, 1);
			if (coin & 1)
				continue; /* probability 1/2 per invalid entry */
		}
		if (n->finger_next == 0 && i < 8u * n->self.len) {
			/* a random point of [target, target + 2^(bits - i)) */
			struct relo_nodeid r;
			unsigned bit;
			n->ops->random(n->env, r.id, sizeof(r.id));
			for (bit = 0; bit + 1 < 8u * n->self.len - i; bit++)
				if (r.id[bit / 8] & (1u << (bit % 8)))
					relo_id_add_pow2(&t, &t, bit);
		}
		s->finger_tried[i - 1] = now;
		finger_attach(n, &t);
		if (++tried == (n->finger_next ? n->n_fingers : 1))
			break;
	}
	n->finger_next = 0;
	n->ops->timer_set(n->finger_timer, n->finger_ms);
}

/* ---- leaving ---- */

void relo_node_leave(struct relo_node *n, void (*done)(void *arg), void *arg)
{
	struct relo_arena *a;
	struct relo_body b;
	size_t i;

	n->leaving = true;
	if (joined(n) && relo_arena_alloc(&a, 1024, 0) == 0) {
		/* 10.9: to predecessors our successors, to successors our predecessors. */
		for (i = 0; i < n->n_conns; i++) {
			struct conn *c = n->conns[i];
			bool succ = in_list(n->succ, n->n_succ, &c->peer);
			bool pred = in_list(n->pred, n->n_pred, &c->peer);

			if (!succ && !pred)
				continue;
			memset(&b, 0, sizeof(b));
			b.code = RELO_LEAVE_REQ;
			b.u.leave_req.peer = n->self;
			b.u.leave_req.has_chord = true;
			b.u.leave_req.chord.type = pred ? RELO_CHORD_FROM_SUCC : RELO_CHORD_FROM_PRED;
			b.u.leave_req.chord.ids = pred ? n->succ : n->pred;
			b.u.leave_req.chord.n = pred ? n->n_succ : n->n_pred;
			node_request_to(n, NULL, &c->peer, &b, NULL, NULL);
		}
		relo_arena_free(a);
		node_log(n, RELO_LOG_INFO, "leaving the overlay");
	}
	n->join = JOIN_IDLE;
	n->ops->timer_cancel(n->update_timer);
	n->ops->timer_cancel(n->finger_timer);
	n->ops->timer_cancel(n->join_timer);
	if (done)
		done(arg);
}

/* ---- setup ---- */

static struct chord_state *cs(const struct relo_node *n)
{
	return n->chord;
}

int chord_init(struct relo_node *n)
{
	n->chord = calloc(1, sizeof(struct chord_state));
	n->join_timer = node_timer(n, join_timeout, n);
	n->update_timer = node_timer(n, update_tick, n);
	n->finger_timer = node_timer(n, finger_tick, n);
	return n->chord && n->join_timer && n->update_timer && n->finger_timer ? 0 : -ENOMEM;
}

void chord_fini(struct relo_node *n)
{
	struct relo_timer **t[3];
	size_t i;

	t[0] = &n->join_timer;
	t[1] = &n->update_timer;
	t[2] = &n->finger_timer;
	for (i = 0; i < 3; i++) {
		if (*t[i]) {
			n->ops->timer_cancel(*t[i]);
			n->ops->timer_free(*t[i]);
			*t[i] = NULL;
		}
	}
	free(n->chord);
	n->chord = NULL;
}
