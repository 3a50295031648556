/*
 * node.c - a RELOAD node's message layer: the Connection Table, receiving,
 * forwarding (symmetric recursive routing with Via lists), delivering,
 * transactions with end-to-end retransmission, and answers
 * (RFC 6940 sections 6.1, 6.2, 6.3)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node_int.h"
#include "relo/print.h"

const char *relo_log_level_name(enum relo_log_level l)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	return (unsigned)l < 4 ? names[l] : "?";
}

const char *node_hex(const struct relo_nodeid *id, char *buf)
{
	return relo_nodeid_hex(id, buf, 2 * RELO_NODEID_MAX + 1);
}

static void node_vlog(struct relo_node *n, enum relo_log_level l, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void node_vlog(struct relo_node *n, enum relo_log_level l, const char *fmt, va_list ap)
{
	char msg[512];
	int o;

	if (l > n->log_level || !n->ops->log)
		return;
	/* Every line says which node it is about (the first bytes of its ID). */
	o = snprintf(msg, sizeof(msg), "node %.8s: ", HEX(&n->self));
	vsnprintf(msg + o, sizeof(msg) - (size_t)o, fmt, ap);
	n->ops->log(n->env, l, msg);
}

void node_log(struct relo_node *n, enum relo_log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_vlog(n, l, fmt, ap);
	va_end(ap);
}

void relo_node_log(struct relo_node *n, enum relo_log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	node_vlog(n, l, fmt, ap);
	va_end(ap);
}

uint64_t node_now(const struct relo_node *n)
{
	return n->ops->now_ms(n->env);
}

struct relo_timer *node_timer(struct relo_node *n, void (*fire)(void *), void *arg)
{
	return n->ops->timer_new(n->env, fire, arg);
}

static void timer_free(struct relo_node *n, struct relo_timer **t)
{
	if (*t) {
		n->ops->timer_cancel(*t);
		n->ops->timer_free(*t);
		*t = NULL;
	}
}

uint64_t relo_node_now(const struct relo_node *n)
{
	return node_now(n);
}

struct relo_timer *relo_node_timer_new(struct relo_node *n, void (*fire)(void *arg), void *arg)
{
	return node_timer(n, fire, arg);
}

void relo_node_timer_set(struct relo_node *n, struct relo_timer *t, uint64_t delay_ms)
{
	n->ops->timer_set(t, delay_ms);
}

void relo_node_timer_free(struct relo_node *n, struct relo_timer *t)
{
	timer_free(n, &t);
}

void relo_node_random(struct relo_node *n, void *buf, size_t len)
{
	n->ops->random(n->env, buf, len);
}

/* ---- the Connection Table ---- */

struct conn *node_conn_by_peer(const struct relo_node *n, const struct relo_nodeid *peer)
{
	size_t i;

	for (i = 0; i < n->n_conns; i++)
		if (relo_nodeid_eq(&n->conns[i]->peer, peer))
			return n->conns[i];
	return NULL;
}

static struct conn *conn_by_link(const struct relo_node *n, const struct relo_link *l)
{
	size_t i;

	for (i = 0; i < n->n_conns; i++)
		if (n->conns[i]->link == l)
			return n->conns[i];
	return NULL;
}

static void conn_remove(struct relo_node *n, struct conn *c)
{
	size_t i;

	for (i = 0; i < n->n_conns; i++) {
		if (n->conns[i] == c) {
			n->conns[i] = n->conns[--n->n_conns];
			break;
		}
	}
	free(c);
}

void node_close(struct relo_node *n, struct conn *c)
{
	n->ops->close(n->env, c->link);
}

static void attempt_free(struct relo_node *n, struct attempt *at)
{
	struct attempt **pp;

	for (pp = &n->attempts; *pp; pp = &(*pp)->next) {
		if (*pp == at) {
			*pp = at->next;
			break;
		}
	}
	free(at);
}

int node_connect(struct relo_node *n, const struct relo_ipport *addr, const struct relo_nodeid *peer,
		 bool bootstrap, bool send_update)
{
	struct attempt *at;
	int err;

	for (at = n->attempts; peer && at; at = at->next) {
		if (!at->done && relo_nodeid_eq(&at->peer, peer)) {
			at->send_update |= send_update; /* once up, as both asked */
			return -EALREADY;
		}
	}
	at = calloc(1, sizeof(*at));
	if (!at)
		return -ENOMEM;
	at->node = n;
	if (peer)
		at->peer = *peer;
	at->bootstrap = bootstrap;
	at->send_update = send_update;
	at->next = n->attempts;
	n->attempts = at;
	err = n->ops->connect(n->env, addr, peer, at);
	if (err) {
		node_log(n, RELO_LOG_WARN, "cannot connect to %s: %s",
			 relo_ipport_str(addr, (char[64]){ 0 }, 64), strerror(-err));
		attempt_free(n, at); /* the env will not call back */
	}
	return err;
}

/* ---- sending ---- */

static void count_out(struct relo_node *n, struct conn *c, size_t len)
{
	n->st.msgs_out++;
	c->msgs_out++;
	c->bytes_out += len;
	c->last_used = node_now(n);
}

static int send_on(struct relo_node *n, struct conn *c, const uint8_t *msg, size_t len)
{
	int err = n->ops->send(n->env, c->link, msg, len);

	if (!err)
		count_out(n, c, len);
	return err;
}

/* Queues a message this node addressed to itself, for the next turn. */
static int send_local(struct relo_node *n, const uint8_t *msg, size_t len)
{
	struct node_loop *q = &n->loop;
	struct loopback *lb;

	lb = malloc(sizeof(*lb) + len);
	if (!lb)
		return -ENOMEM;
	lb->msg = (uint8_t *)(lb + 1);
	memcpy(lb->msg, msg, len);
	lb->len = len;
	lb->next = NULL;
	*q->tail = lb;
	q->tail = &lb->next;
	n->ops->timer_set(q->timer, 0);
	return 0;
}

/*
 * Where a message for the first entry of its Destination List goes: a
 * connection, or this node itself (*local). NULL without local: nowhere.
 */
static struct conn *first_hop(struct relo_node *n, const struct relo_dest *d, bool *local)
{
	struct relo_nodeid target;
	struct conn *c;

	*local = false;
	switch (d->type) {
	case RELO_DEST_NODE:
		if (relo_nodeid_eq(&d->u.node, &n->self)) {
			*local = true;
			return NULL;
		}
		c = node_conn_by_peer(n, &d->u.node);
		if (c)
			return c; /* directly connected: straight there */
		target = d->u.node;
		break;
	case RELO_DEST_RESOURCE:
		relo_id_from_resource(&target, d->u.resource, n->wc.node_id_len);
		if (chord_responsible(n, &target)) {
			*local = true; /* ours: no one else to ask */
			return NULL;
		}
		break;
	default:
		return NULL; /* this node never compresses lists */
	}
	if (chord_responsible(n, &target))
		return NULL; /* a Node-ID we would reach, but it is not connected */
	return chord_next(n, &target);
}

/* Sends an encoded message along its Destination List. */
static int route_out(struct relo_node *n, const struct relo_dest *d, const uint8_t *msg, size_t len)
{
	bool local;
	struct conn *c = first_hop(n, d, &local);

	if (local)
		return send_local(n, msg, len);
	if (!c) {
		n->st.dropped_no_route++;
		return -EHOSTUNREACH;
	}
	return send_on(n, c, msg, len);
}

/* Builds, signs and encodes a message of this node. */
static int build(struct relo_node *n, struct relo_arena *a, const struct relo_dest *dst,
		 size_t n_dst, uint64_t tid, uint16_t code, struct relo_bytes body,
		 uint32_t max_resp, const struct relo_bytes *certs, size_t n_certs,
		 struct relo_wr *out)
{
	struct relo_msg m;
	size_t i;
	int err;

	relo_msg_init(&m);
	m.fwd.overlay = n->overlay;
	m.fwd.config_seq = n->cfg->sequence;
	m.fwd.ttl = n->cfg->initial_ttl;
	m.fwd.trans_id = tid;
	m.fwd.max_resp_len = max_resp;
	m.fwd.dst = (struct relo_dest *)(uintptr_t)dst;
	m.fwd.n_dst = n_dst;
	m.c.code = code;
	m.c.body = body;
	if (n->ident) {
		err = relo_msg_sign(n->ident, a, &m, true);
		if (err)
			return err;
		if (n_certs) {
			/* Certificates are not signed over: add them after ours. */
			struct relo_cert *c = relo_arena_get(a, (n_certs + 1) * sizeof(*c));
			if (!c)
				return -ENOMEM;
			c[0] = m.sec.certs[0];
			for (i = 0; i < n_certs; i++) {
				c[i + 1].type = RELO_CERT_X509;
				c[i + 1].der = certs[i];
			}
			m.sec.certs = c;
			m.sec.n_certs = n_certs + 1;
		}
	} else {
		m.sec.sig.signer.type = RELO_SIGNER_NONE;
	}
	relo_wr_init_dyn(out, n->wc.max_msg_size);
	return relo_msg_encode(&n->wc, &m, out);
}

/* ---- transactions ---- */

static void txn_unlink(struct relo_node *n, struct txn *t)
{
	struct txn **pp;

	for (pp = &n->txns; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	timer_free(n, &t->timer);
	free(t->msg);
	free(t);
}

static void txn_fire(void *arg)
{
	struct txn *t = arg;
	struct relo_node *n = t->node;
	struct relo_dest d;
	size_t hdr_len;
	struct relo_fwd f;

	/* Five transmissions in all, each after overlay-reliability-timer. */
	if (t->tries >= 5) {
		relo_answer_h *h = t->h;
		void *harg = t->arg;

		n->st.timeouts++;
		node_log(n, RELO_LOG_DEBUG, "%s 0x%016llx timed out after %u tries",
			 relo_code_name(t->code), (unsigned long long)t->id, t->tries);
		txn_unlink(n, t);
		if (h)
			h(harg, -ETIMEDOUT, NULL, NULL);
		return;
	}
	t->tries++;
	n->st.retransmits++;
	relo_arena_reset(n->rx);
	if (relo_fwd_decode(&n->wc, n->rx, t->msg, t->len, &f, &hdr_len) == 0) {
		d = f.dst[0];
		route_out(n, &d, t->msg, t->len);
	}
	n->ops->timer_set(t->timer, n->reliability_ms);
}

static int txn_start(struct relo_node *n, uint64_t tid, uint16_t code, const struct relo_dest *dst,
		     size_t n_dst, struct relo_wr *w, relo_answer_h *h, void *arg)
{
	struct txn *t = calloc(1, sizeof(*t));
	size_t len;
	int err;

	if (!t)
		return -ENOMEM;
	t->id = tid;
	t->code = code;
	t->node = n;
	t->h = h;
	t->arg = arg;
	/* The answer comes from the last entry (a source route ends there). */
	if (dst[n_dst - 1].type == RELO_DEST_NODE)
		t->target = dst[n_dst - 1].u.node;
	t->msg = relo_wr_steal(w, &len);
	t->len = len;
	t->timer = node_timer(n, txn_fire, t);
	if (!t->msg || !t->timer) {
		timer_free(n, &t->timer);
		free(t->msg);
		free(t);
		return -ENOMEM;
	}
	t->tries = 1;
	t->sent_at = node_now(n);
	t->next = n->txns;
	n->txns = t;
	n->st.requests_sent++;
	err = route_out(n, dst, t->msg, t->len);
	if (err && err != -EHOSTUNREACH) {
		t->h = NULL;
		txn_unlink(n, t);
		return err;
	}
	/* Not routable yet: the retransmissions will try again. */
	n->ops->timer_set(t->timer, n->reliability_ms);
	return 0;
}

int relo_node_request(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
		      const struct relo_body *body, relo_answer_h *h, void *arg)
{
	return relo_node_request_ex(n, dst, n_dst, body, NULL, h, arg);
}

int relo_node_request_ex(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
			 const struct relo_body *body, const struct relo_request_opts *o,
			 relo_answer_h *h, void *arg)
{
	struct relo_arena *a;
	struct relo_wr bw, w;
	uint64_t tid;
	int err;

	if (!n_dst || !relo_code_is_request(body->code))
		return -EINVAL;
	err = relo_arena_alloc(&a, 0, 0);
	if (err)
		return err;
	relo_wr_init_dyn(&bw, n->wc.max_msg_size);
	relo_body_write(&bw, &n->wc, body);
	err = bw.err;
	n->ops->random(n->env, &tid, sizeof(tid));
	if (!err)
		err = build(n, a, dst, n_dst, tid, body->code, relo_bytes_of(bw.buf, bw.len),
			    n->wc.max_msg_size, o ? o->certs : NULL, o ? o->n_certs : 0, &w);
	if (!err)
		err = txn_start(n, tid, body->code, dst, n_dst, &w, h, arg);
	else
		relo_wr_free(&w);
	relo_wr_free(&bw);
	relo_arena_free(a);
	return err;
}

int node_request_to(struct relo_node *n, const struct relo_nodeid *via, const struct relo_nodeid *to,
		    const struct relo_body *body, relo_answer_h *h, void *arg)
{
	struct relo_dest d[2];
	size_t k = 0;

	if (via) {
		d[k].type = RELO_DEST_NODE;
		d[k++].u.node = *via;
	}
	d[k].type = RELO_DEST_NODE;
	d[k++].u.node = *to;
	return relo_node_request(n, d, k, body, h, arg);
}

/* ---- answering ---- */

static const struct cached_answer *answer_cached(const struct relo_node *n, uint64_t tid,
						 const struct relo_nodeid *from)
{
	uint64_t now = node_now(n);
	size_t i;

	for (i = 0; i < n->n_answers; i++) {
		const struct cached_answer *ca = &n->answers[i];
		if (ca->tail && ca->trans_id == tid && relo_nodeid_eq(&ca->from, from) &&
		    now - ca->at < NODE_REQUEST_LIFETIME_MS)
			return ca;
	}
	return NULL;
}

/* Keeps what follows an answer's header: the contents and the security
 * block, which the signature covers, not the route. */
static void answer_cache(struct relo_node *n, uint64_t tid, const struct relo_nodeid *from,
			 const uint8_t *tail, size_t len)
{
	struct cached_answer *ca = &n->answers[n->answer_next++ % n->n_answers];
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	free(ca->tail);
	memcpy(copy, tail, len);
	ca->trans_id = tid;
	ca->at = node_now(n);
	ca->from = *from;
	ca->tail = copy;
	ca->len = len;
}

/*
 * The route of an answer: the Via List of the request, with the node it
 * came from appended, reversed (sections 6.1.2, 6.2.2).
 */
static struct relo_dest *answer_route(struct relo_node *n, const struct relo_fwd *req,
				      const struct relo_nodeid *prev, struct relo_arena *a,
				      size_t *n_dst)
{
	struct relo_dest *dst = relo_arena_get(a, (req->n_via + 1) * sizeof(*dst));
	size_t i;

	*n_dst = 0;
	if (!dst)
		return NULL;
	if (prev && !relo_nodeid_eq(prev, &n->self)) {
		dst[*n_dst].type = RELO_DEST_NODE;
		dst[(*n_dst)++].u.node = *prev;
	}
	for (i = req->n_via; i-- > 0;)
		dst[(*n_dst)++] = req->via[i];
	if (!*n_dst) {
		dst[0].type = RELO_DEST_NODE; /* asked by ourselves */
		dst[0].u.node = n->self;
		*n_dst = 1;
	}
	return dst;
}

/* Sends an answer's contents and security block behind a fresh header. */
static void send_tail(struct relo_node *n, const struct relo_dest *dst, size_t n_dst, uint64_t tid,
		      const uint8_t *tail, size_t len)
{
	struct relo_fwd f;
	struct relo_wr w;

	memset(&f, 0, sizeof(f));
	f.overlay = n->overlay;
	f.config_seq = n->cfg->sequence;
	f.version = RELO_VERSION;
	f.ttl = n->cfg->initial_ttl;
	f.fragment = RELO_FRAG_WHOLE;
	f.trans_id = tid;
	f.dst = (struct relo_dest *)(uintptr_t)dst;
	f.n_dst = n_dst;
	relo_wr_init_dyn(&w, n->wc.max_msg_size);
	relo_fwd_write(&w, &n->wc, &f);
	relo_wr_bytes(&w, tail, len);
	relo_wr_patch(&w, 16, 4, (uint32_t)w.len);
	if (!w.err)
		route_out(n, &dst[0], w.buf, w.len);
	relo_wr_free(&w);
}

/* Bytes of a forwarding header this node encoded. */
static size_t header_len(const uint8_t *msg)
{
	return RELO_FWD_FIXED_LEN + ((size_t)msg[32] << 8 | msg[33]) +
	       ((size_t)msg[34] << 8 | msg[35]) + ((size_t)msg[36] << 8 | msg[37]);
}

/* Answers a request; an answer above the request's max_response_length
 * becomes Error_Response_Too_Large, which is sent whatever its size. */
static void answer(struct relo_node *n, const struct relo_fwd *req, const struct relo_nodeid *prev,
		   const struct relo_nodeid *requester, const struct relo_body *ans,
		   const struct relo_bytes *certs, size_t n_certs, struct relo_arena *a)
{
	struct relo_body too_large;
	struct relo_dest *dst;
	struct relo_wr bw, w;
	size_t n_dst, hl;
	int err;

	dst = answer_route(n, req, prev, a, &n_dst);
	if (!dst)
		return;
	relo_wr_init_dyn(&bw, n->wc.max_msg_size);
	relo_body_write(&bw, &n->wc, ans);
	err = bw.err ? bw.err
		     : build(n, a, dst, n_dst, req->trans_id, ans->code,
			     relo_bytes_of(bw.buf, bw.len), 0, certs, n_certs, &w);
	if (!err && req->max_resp_len && w.len > req->max_resp_len && ans->code != RELO_ERROR) {
		memset(&too_large, 0, sizeof(too_large));
		too_large.code = RELO_ERROR;
		too_large.u.error.code = RELO_ERR_RESPONSE_TOO_LARGE;
		too_large.u.error.info = relo_bytes_str("answer above max_response_length");
		relo_wr_free(&w);
		relo_wr_reset(&bw);
		relo_body_write(&bw, &n->wc, &too_large);
		ans = &too_large;
		err = bw.err ? bw.err
			     : build(n, a, dst, n_dst, req->trans_id, RELO_ERROR,
				     relo_bytes_of(bw.buf, bw.len), 0, NULL, 0, &w);
	}
	if (!err) {
		if (ans->code == RELO_ERROR)
			n->st.errors_sent++;
		hl = header_len(w.buf);
		answer_cache(n, req->trans_id, requester, w.buf + hl, w.len - hl);
		route_out(n, &dst[0], w.buf, w.len);
	} else {
		node_log(n, RELO_LOG_WARN, "cannot encode %s answer: %s", relo_code_name(ans->code),
			 strerror(-err));
	}
	relo_wr_free(&w);
	relo_wr_free(&bw);
}

static void answer_error(struct relo_node *n, const struct relo_fwd *req,
			 const struct relo_nodeid *prev, const struct relo_nodeid *requester,
			 uint16_t code, const char *why, struct relo_arena *a)
{
	struct relo_body e;

	memset(&e, 0, sizeof(e));
	e.code = RELO_ERROR;
	e.u.error.code = code;
	e.u.error.info = relo_bytes_str(why ? why : "");
	node_log(n, RELO_LOG_DEBUG, "answering %s to %.8s: %s", relo_error_name(code),
		 HEX(requester), why ? why : "");
	answer(n, req, prev, requester, &e, NULL, 0, a);
}

/* ---- receiving ---- */

/* Overlay links a message crossed: the peers that forwarded it (each took
 * one off its TTL), plus one; none when it never left this node. */
static void hops_count(struct relo_node *n, const struct conn *from, uint8_t ttl)
{
	unsigned h = !from ? 0 : ttl <= n->cfg->initial_ttl ? n->cfg->initial_ttl - ttl + 1u : 1u;

	n->hops[h < NODE_HOP_BUCKETS ? h : NODE_HOP_BUCKETS - 1]++;
}

static void take_answer(struct relo_node *n, const struct conn *from, const struct relo_msg *m,
			const struct relo_certinfo *signer)
{
	struct relo_body body;
	struct txn *t;
	relo_answer_h *h;
	void *harg;
	int err;

	for (t = n->txns; t; t = t->next)
		if (t->id == m->fwd.trans_id)
			break;
	if (!t) {
		n->st.dropped_other++; /* late, or a duplicate: already answered */
		return;
	}
	/* An answer to a message sent to a Node-ID comes from that node. */
	if (signer && t->target.len && !relo_nodeid_eq(&signer->nodeids[0], &t->target)) {
		struct relo_nodeid wild;
		relo_nodeid_wildcard(&wild, n->wc.node_id_len);
		if (!relo_nodeid_eq(&t->target, &wild)) {
			n->st.dropped_bad_signature++;
			node_log(n, RELO_LOG_WARN, "answer to 0x%016llx signed by %.8s, not %.8s",
				 (unsigned long long)t->id, HEX(&signer->nodeids[0]),
				 HEX(&t->target));
			return;
		}
	}
	err = relo_body_decode(&n->wc, n->rx, m->c.code, m->c.body, &body);
	if (err) {
		n->st.dropped_malformed++;
		node_log(n, RELO_LOG_WARN, "malformed %s body: %s", relo_code_name(m->c.code),
			 strerror(-err));
		return;
	}
	n->st.answers++;
	hops_count(n, from, m->fwd.ttl);
	h = t->h;
	harg = t->arg;
	txn_unlink(n, t);
	if (h)
		h(harg, 0, m, &body);
}

static int run_handler(struct relo_node *n, struct conn *from, const struct relo_msg *m,
		       const struct relo_nodeid *sender, const struct relo_certinfo *signer,
		       const struct relo_body *body, struct relo_answer *ans, const char **why)
{
	struct relo_request req;
	size_t i;
	int rc;

	rc = methods_answer(n, from, m, sender, body, n->rx, &ans->body, why);
	if (rc != -ENOENT)
		return rc;
	for (i = 0; i < n->n_handlers; i++) {
		if (n->handlers[i].code != m->c.code)
			continue;
		req.msg = m;
		req.body = body;
		req.sender = *sender;
		req.signer = signer;
		req.direct = from && relo_nodeid_eq(&from->peer, sender);
		return n->handlers[i].h(n->handlers[i].arg, n, &req, n->rx, ans, why);
	}
	*why = "method not served by this node";
	return RELO_ERR_FORBIDDEN;
}

/* A message whose Destination List ends at this node. */
static void deliver(struct relo_node *n, struct conn *from, const uint8_t *buf, size_t len,
		    struct relo_fwd *f, size_t hdr_len)
{
	const struct relo_nodeid *prev = from ? &from->peer : &n->self;
	struct relo_certinfo signer, *sp = NULL;
	struct relo_nodeid sender;
	const struct cached_answer *ca;
	struct relo_check chk;
	struct relo_answer ans;
	struct relo_body body;
	struct relo_msg m;
	const char *why = NULL;
	char reason[160];
	uint16_t code = 0;
	int err;

	n->st.delivered++;
	/* Who sent it: the first Via entry, or the node it came from. */
	sender = f->n_via && f->via[0].type == RELO_DEST_NODE ? f->via[0].u.node : *prev;
	err = relo_msg_decode(&n->wc, n->rx, buf, len, &m);
	if (err) {
		n->st.dropped_malformed++;
		node_log(n, RELO_LOG_WARN, "malformed message from %.8s: %s", HEX(prev),
			 strerror(-err));
		if (relo_msg_peek_code(buf, len, hdr_len, &code) == 0 && relo_code_is_request(code))
			answer_error(n, f, prev, &sender, RELO_ERR_INVALID_MESSAGE,
				     "malformed contents", n->rx);
		return;
	}
	if (n->trust) {
		err = relo_msg_verify(n->trust, &m, &signer, reason, sizeof(reason));
		if (err) {
			n->st.dropped_bad_signature++;
			node_log(n, RELO_LOG_WARN, "%s from %.8s dropped: %s",
				 relo_code_name(m.c.code) ? relo_code_name(m.c.code) : "message",
				 HEX(prev), reason);
			return;
		}
		sp = &signer;
		sender = signer.nodeids[0];
	}
	relo_msg_check(&n->rules, &m.fwd, m.c.code, &m.c, RELO_ROLE_DESTINATION, &chk);
	if (chk.verdict == RELO_DROP) {
		n->st.dropped_other++;
		node_log(n, RELO_LOG_DEBUG, "dropped message from %.8s: %s", HEX(prev), chk.why);
		return;
	}
	if (chk.verdict == RELO_REJECT) {
		answer_error(n, &m.fwd, prev, &sender, chk.error, chk.why, n->rx);
		return;
	}
	if (!relo_code_is_request(m.c.code)) {
		take_answer(n, from, &m, sp);
		return;
	}
	hops_count(n, from, m.fwd.ttl);
	ca = answer_cached(n, m.fwd.trans_id, &sender);
	if (ca) {
		/* A retransmission: the same answer again (section 6.2), along the
		 * route this copy of the request took. */
		size_t n_dst;
		struct relo_dest *dst = answer_route(n, &m.fwd, prev, n->rx, &n_dst);
		n->st.answers_replayed++;
		if (dst)
			send_tail(n, dst, n_dst, m.fwd.trans_id, ca->tail, ca->len);
		return;
	}
	err = relo_body_decode(&n->wc, n->rx, m.c.code, m.c.body, &body);
	if (err) {
		n->st.dropped_malformed++;
		node_log(n, RELO_LOG_WARN, "malformed %s from %.8s: %s", relo_code_name(m.c.code),
			 HEX(&sender), strerror(-err));
		answer_error(n, &m.fwd, prev, &sender, RELO_ERR_INVALID_MESSAGE,
			     err == -ENOTSUP ? "unknown method" : "malformed body", n->rx);
		return;
	}
	memset(&ans, 0, sizeof(ans));
	err = run_handler(n, from, &m, &sender, sp, &body, &ans, &why);
	if (err > 0) {
		answer_error(n, &m.fwd, prev, &sender, (uint16_t)err, why, n->rx);
		return;
	}
	if (err < 0) {
		node_log(n, RELO_LOG_WARN, "%s from %.8s not answered: %s", relo_code_name(m.c.code),
			 HEX(&sender), strerror(-err));
		return;
	}
	answer(n, &m.fwd, prev, &sender, &ans.body, ans.certs, ans.n_certs, n->rx);
}

/*
 * A message for someone else: rewrite the header (TTL one less; for a
 * request, the node it came from appended to the Via List; this node
 * removed from the front of the Destination List) and pass it on.
 */
static void forward(struct relo_node *n, struct conn *from, const uint8_t *buf, size_t len,
		    const struct relo_fwd *f, size_t hdr_len, size_t pop)
{
	struct relo_dest *via = NULL;
	struct relo_check chk;
	struct relo_fwd out = *f;
	struct relo_wr w;
	uint16_t code = 0;
	const struct relo_nodeid *prev = from ? &from->peer : &n->self;
	const struct relo_nodeid *sender =
		f->n_via && f->via[0].type == RELO_DEST_NODE ? &f->via[0].u.node : prev;
	bool request;
	size_t i;

	relo_msg_peek_code(buf, len, hdr_len, &code);
	request = relo_code_is_request(code);
	if (from && !relo_node_joined(n)) {
		/* Not a peer yet: routes nothing for others (section 6.5.1). */
		n->st.dropped_no_route++;
		if (request)
			answer_error(n, f, prev, sender, RELO_ERR_NOT_FOUND,
				     "not a peer yet: routes nothing", n->rx);
		return;
	}
	relo_msg_check(&n->rules, f, code, NULL, RELO_ROLE_FORWARDER, &chk);
	if (chk.verdict == RELO_REJECT) {
		answer_error(n, f, prev, sender, chk.error, chk.why, n->rx);
		return;
	}
	if (chk.verdict == RELO_DROP) {
		n->st.dropped_ttl++;
		return;
	}
	out.dst += pop;
	out.n_dst -= pop;
	out.ttl--;
	if (request && from) {
		/* A request that went through this node already: a loop. */
		for (i = 0; i < f->n_via; i++) {
			if (f->via[i].type == RELO_DEST_NODE &&
			    relo_nodeid_eq(&f->via[i].u.node, &n->self)) {
				n->st.dropped_loop++;
				node_log(n, RELO_LOG_DEBUG, "routing loop for 0x%016llx",
					 (unsigned long long)f->trans_id);
				return;
			}
		}
		via = relo_arena_get(n->rx, (f->n_via + 1) * sizeof(*via));
		if (!via)
			return;
		if (f->n_via)
			memcpy(via, f->via, f->n_via * sizeof(*via));
		via[f->n_via].type = RELO_DEST_NODE;
		via[f->n_via].u.node = from->peer;
		out.via = via;
		out.n_via = f->n_via + 1;
	}
	relo_wr_init_dyn(&w, n->wc.max_msg_size);
	relo_fwd_write(&w, &n->wc, &out);
	relo_wr_bytes(&w, buf + hdr_len, len - hdr_len);
	relo_wr_patch(&w, 16, 4, (uint32_t)w.len);
	if (w.err) {
		n->st.dropped_other++;
		if (w.err == -EMSGSIZE && request)
			answer_error(n, f, prev, sender, RELO_ERR_MESSAGE_TOO_LARGE,
				     "no room to add this hop to the Via List", n->rx);
	} else if (route_out(n, &out.dst[0], w.buf, w.len) == 0) {
		n->st.forwarded++;
	}
	relo_wr_free(&w);
}

/*
 * A Destination List this node will route: at most NODE_MAX_DEST entries
 * and no node twice (source routes through one node twice are loops).
 */
static bool dest_list_ok(const struct relo_fwd *f)
{
	size_t i, j;

	if (f->n_dst > NODE_MAX_DEST)
		return false;
	for (i = 0; i < f->n_dst; i++) {
		if (f->dst[i].type != RELO_DEST_NODE)
			continue;
		for (j = i + 1; j < f->n_dst; j++)
			if (f->dst[j].type == RELO_DEST_NODE &&
			    relo_nodeid_eq(&f->dst[i].u.node, &f->dst[j].u.node))
				return false;
	}
	return true;
}

/* The routing decision of section 6.1 for a received (or looped) message. */
static void dispatch(struct relo_node *n, struct conn *from, const uint8_t *buf, size_t len)
{
	const struct relo_nodeid *prev = from ? &from->peer : &n->self;
	struct relo_nodeid target;
	struct relo_fwd f;
	size_t hdr_len = 0, pop = 0;
	uint16_t code = 0;
	int err;

	relo_arena_reset(n->rx);
	err = relo_fwd_decode(&n->wc, n->rx, buf, len, &f, &hdr_len);
	if (err) {
		if (err == -EMSGSIZE && relo_msg_peek_code(buf, len, hdr_len, &code) == 0 &&
		    relo_code_is_request(code)) {
			answer_error(n, &f, prev, prev, RELO_ERR_MESSAGE_TOO_LARGE,
				     "above max-message-size", n->rx);
		}
		n->st.dropped_malformed++;
		node_log(n, RELO_LOG_WARN, "bad message from %.8s: %s", HEX(prev),
			 err == -EPROTO ? "not RELOAD 1.0" : strerror(-err));
		return;
	}
	if (f.overlay != n->overlay) {
		n->st.dropped_malformed++;
		node_log(n, RELO_LOG_WARN, "message from %.8s for another overlay (0x%08x)", HEX(prev),
			 f.overlay);
		if (relo_msg_peek_code(buf, len, hdr_len, &code) == 0 && relo_code_is_request(code))
			answer_error(n, &f, prev, prev, RELO_ERR_INCOMPATIBLE_WITH_OVERLAY,
				     "overlay hash does not match", n->rx);
		return;
	}
	if (!dest_list_ok(&f)) {
		n->st.dropped_malformed++;
		node_log(n, RELO_LOG_WARN, "message from %.8s: a Destination List of %zu entries%s",
			 HEX(prev), f.n_dst, f.n_dst > NODE_MAX_DEST ? "" : " naming a node twice");
		if (relo_msg_peek_code(buf, len, hdr_len, &code) == 0 && relo_code_is_request(code))
			answer_error(n, &f, prev, prev, RELO_ERR_INVALID_MESSAGE,
				     "Destination List too long or naming a node twice", n->rx);
		return;
	}
	for (;;) {
		const struct relo_dest *d = &f.dst[pop];
		bool last = pop + 1 == f.n_dst;

		if (d->type == RELO_DEST_NODE) {
			struct relo_nodeid wild;

			relo_nodeid_wildcard(&wild, n->wc.node_id_len);
			if (relo_nodeid_eq(&d->u.node, &wild))
				break; /* consumed here, never forwarded */
			if (relo_nodeid_eq(&d->u.node, &n->self)) {
				if (last)
					break;
				pop++; /* source routing: on to the next entry */
				continue;
			}
			if (node_conn_by_peer(n, &d->u.node)) {
				forward(n, from, buf, len, &f, hdr_len, pop);
				return;
			}
			if (chord_responsible(n, &d->u.node) && relo_node_joined(n)) {
				n->st.dropped_no_route++; /* ours to reach, but not connected */
				return;
			}
			forward(n, from, buf, len, &f, hdr_len, pop);
			return;
		}
		if (d->type == RELO_DEST_RESOURCE) {
			relo_id_from_resource(&target, d->u.resource, n->wc.node_id_len);
			if (!chord_responsible(n, &target)) {
				forward(n, from, buf, len, &f, hdr_len, pop);
				return;
			}
			if (!last) {
				n->st.dropped_other++; /* a resource must be last */
				return;
			}
			break;
		}
		n->st.dropped_other++; /* an opaque ID: this node never made one */
		return;
	}
	if ((f.fragment & ~RELO_FRAG_RESERVED) != RELO_FRAG_WHOLE) {
		uint8_t *whole = NULL;
		size_t whole_len = 0;

		err = relo_reasm_add(n->reasm, buf, len, node_now(n), &whole, &whole_len);
		if (err || !whole)
			return;
		dispatch(n, from, whole, whole_len);
		free(whole);
		return;
	}
	deliver(n, from, buf, len, &f, hdr_len);
}

void relo_node_recv(struct relo_node *n, struct relo_link *l, const uint8_t *msg, size_t len)
{
	struct conn *c = conn_by_link(n, l);

	if (!c)
		return;
	n->st.msgs_in++;
	c->msgs_in++;
	c->bytes_in += len;
	c->last_used = node_now(n);
	dispatch(n, c, msg, len);
}

/* ---- loopback ---- */

static void loop_fire(void *arg)
{
	struct relo_node *n = arg;
	struct loopback *lb;

	while ((lb = n->loop.head) != NULL) {
		n->loop.head = lb->next;
		if (!n->loop.head)
			n->loop.tail = &n->loop.head;
		dispatch(n, NULL, lb->msg, lb->len);
		free(lb);
	}
}

/* ---- neighbors ---- */

static void neighbors_fire(void *arg)
{
	struct relo_node *n = arg;

	if (n->on_neighbors)
		n->on_neighbors(n->on_neighbors_arg);
}

void node_neighbors_changed(struct relo_node *n)
{
	if (n->on_neighbors && n->neighbors_timer)
		n->ops->timer_set(n->neighbors_timer, 0);
}

void relo_node_on_probe(struct relo_node *n, uint32_t (*num_resources)(void *arg), void *arg)
{
	n->num_resources = num_resources;
	n->num_resources_arg = arg;
}

void relo_node_on_neighbors(struct relo_node *n, void (*cb)(void *arg), void *arg)
{
	n->on_neighbors = cb;
	n->on_neighbors_arg = arg;
}

/* ---- links ---- */

/*
 * Two links to one peer: both sides must keep the same one. Made by
 * different sides (both attached at once): the one the smaller Node-ID
 * made. Made by the same side: the new one, as the old one is likely the
 * remains of a peer that restarted.
 */
static bool keep_new_link(const struct relo_node *n, const struct conn *old,
			  const struct relo_nodeid *peer, bool new_by_us)
{
	bool we_are_smaller = relo_id_cmp(&n->self, peer) < 0;

	if (new_by_us == old->outgoing)
		return true;
	return new_by_us == we_are_smaller;
}

void relo_node_link_up(struct relo_node *n, struct relo_link *l, const struct relo_nodeid *peer,
		       const struct relo_ipport *remote, void *cookie)
{
	struct attempt *at = cookie;
	struct conn *c, *old;

	if (at)
		at->done = true;
	if (relo_nodeid_eq(peer, &n->self)) {
		node_log(n, RELO_LOG_WARN, "refusing a link to ourselves");
		n->ops->close(n->env, l);
		goto out;
	}
	old = node_conn_by_peer(n, peer);
	if (old && !keep_new_link(n, old, peer, at != NULL)) {
		node_log(n, RELO_LOG_DEBUG, "second link to %.8s closed", HEX(peer));
		if (at && at->send_update)
			old->send_update = true;
		n->ops->close(n->env, l);
		if (old->send_update && relo_node_joined(n)) {
			old->send_update = false;
			chord_send_update(n, old, RELO_CHORD_FULL);
		}
		goto out;
	}
	if (n->n_conns >= sizeof(n->conns) / sizeof(n->conns[0]) ||
	    !(c = calloc(1, sizeof(*c)))) {
		node_log(n, RELO_LOG_WARN, "connection table full: link to %.8s closed", HEX(peer));
		n->ops->close(n->env, l);
		goto out;
	}
	c->id = ++n->next_conn_id;
	c->link = l;
	c->peer = *peer;
	if (remote)
		c->remote = *remote;
	c->outgoing = at != NULL;
	c->send_update = at && at->send_update;
	if (old) {
		/* The new link takes the old one's place in the table at once. */
		node_log(n, RELO_LOG_DEBUG, "new link to %.8s replaces the old one", HEX(peer));
		c->routable = old->routable;
		c->send_update |= old->send_update;
		n->ops->close(n->env, old->link);
		conn_remove(n, old);
	}
	c->up_since = c->last_used = node_now(n);
	n->conns[n->n_conns++] = c;
	n->st.links_up++;
	node_log(n, RELO_LOG_DEBUG, "link %s %.8s up", c->outgoing ? "to" : "from", HEX(peer));
	chord_link_up(n, c, at == NULL);
	if (at && at->bootstrap)
		chord_start(n);
out:
	if (at)
		attempt_free(n, at);
}

void relo_node_link_failed(struct relo_node *n, void *cookie, int err)
{
	struct attempt *at = cookie;
	bool boot = at && at->bootstrap;

	node_log(n, RELO_LOG_DEBUG, "connection to %.8s failed: %s",
		 at && at->peer.len ? HEX(&at->peer) : "bootstrap node", strerror(-err));
	if (at)
		attempt_free(n, at);
	if (boot && n->join == JOIN_BOOTSTRAP)
		chord_boot_failed(n);
}

void relo_node_link_down(struct relo_node *n, struct relo_link *l)
{
	struct conn *c = conn_by_link(n, l);
	struct relo_nodeid peer;
	bool neighbor = false;
	size_t i;

	if (!c)
		return;
	peer = c->peer;
	for (i = 0; i < n->n_succ; i++)
		neighbor |= relo_nodeid_eq(&n->succ[i], &peer);
	for (i = 0; i < n->n_pred; i++)
		neighbor |= relo_nodeid_eq(&n->pred[i], &peer);
	node_log(n, neighbor ? RELO_LOG_INFO : RELO_LOG_DEBUG, "link to %s%.8s down",
		 neighbor ? "neighbor " : "", HEX(&peer));
	conn_remove(n, c);
	n->st.links_down++;
	chord_link_down(n, &peer, neighbor);
}

/* ---- life ---- */

/* A configuration interval in seconds, in ms; a day at most. */
static uint32_t interval_ms(uint32_t s)
{
	uint64_t ms = (uint64_t)s * 1000u;

	return ms > 86400000u ? 86400000u : (uint32_t)ms;
}

int relo_node_alloc(struct relo_node **np, const struct relo_node_opts *o)
{
	struct relo_node *n;
	int err;

	if (!o->cfg || !o->ops || (!o->ident && !o->id.len) || (!!o->ident != !!o->trust))
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->cfg = o->cfg;
	n->ident = o->ident;
	n->trust = o->trust;
	relo_config_wirecfg(o->cfg, &n->wc);
	n->overlay = relo_overlay_hash(o->cfg->instance_name);
	n->rules.config_seq = o->cfg->sequence;
	n->rules.initial_ttl = o->cfg->initial_ttl;
	n->self = o->ident ? *relo_ident_nodeid(o->ident) : o->id;
	if (n->self.len != n->wc.node_id_len) {
		free(n);
		return -EINVAL;
	}
	n->listen = o->listen;
	n->ops = o->ops;
	n->env = o->env;
	n->log_level = o->log_level ? o->log_level : RELO_LOG_INFO;
	n->n_succ_max = o->n_succ ? o->n_succ : 5;
	n->n_pred_max = o->n_pred ? o->n_pred : 5;
	if (n->n_succ_max < 3 || n->n_succ_max > NODE_MAX_NEIGHBORS || n->n_pred_max < 3 ||
	    n->n_pred_max > NODE_MAX_NEIGHBORS) {
		free(n);
		return -EINVAL;
	}
	n->n_fingers = o->n_fingers ? o->n_fingers : 16;
	if (n->n_fingers > 8u * n->wc.node_id_len)
		n->n_fingers = 8u * n->wc.node_id_len;
	if (n->n_fingers > NODE_MAX_FINGERS)
		n->n_fingers = NODE_MAX_FINGERS;
	n->update_ms = o->update_interval_ms ? o->update_interval_ms
					     : interval_ms(o->cfg->chord_update_interval);
	n->finger_ms = o->finger_interval_ms ? o->finger_interval_ms
					     : interval_ms(o->cfg->chord_ping_interval);
	n->seed = o->seed;
	n->reliability_ms = o->reliability_ms ? o->reliability_ms : o->cfg->reliability_timer_ms;
	n->join_timeout_ms = o->join_timeout_ms ? o->join_timeout_ms : 5 * n->reliability_ms;
	n->loop.tail = &n->loop.head;
	n->started_at = node_now(n);
	n->n_answers = o->answer_cache ? o->answer_cache : NODE_ANSWER_CACHE;
	n->answers = calloc(n->n_answers, sizeof(*n->answers));
	if (!n->answers) {
		free(n);
		return -ENOMEM;
	}
	err = relo_arena_alloc(&n->rx, 0, 4u * n->wc.max_msg_size + 65536);
	if (!err)
		err = relo_reasm_alloc(&n->reasm, &n->wc, NULL);
	if (!err && !(n->loop.timer = node_timer(n, loop_fire, n)))
		err = -ENOMEM;
	if (!err && !(n->neighbors_timer = node_timer(n, neighbors_fire, n)))
		err = -ENOMEM;
	if (!err)
		err = chord_init(n);
	if (err) {
		relo_node_free(n);
		return err;
	}
	*np = n;
	return 0;
}

void relo_node_free(struct relo_node *n)
{
	size_t i;

	if (!n)
		return;
	/* Every handler hears once: -ECANCELED, and must not use the node. */
	while (n->txns) {
		struct txn *t = n->txns;
		relo_answer_h *h = t->h;
		void *harg = t->arg;

		txn_unlink(n, t);
		if (h)
			h(harg, -ECANCELED, NULL, NULL);
	}
	chord_fini(n);
	while (n->attempts)
		attempt_free(n, n->attempts);
	for (i = 0; i < n->n_conns; i++) {
		n->ops->close(n->env, n->conns[i]->link);
		free(n->conns[i]);
	}
	n->n_conns = 0;
	while (n->loop.head) {
		struct loopback *lb = n->loop.head;
		n->loop.head = lb->next;
		free(lb);
	}
	timer_free(n, &n->loop.timer);
	timer_free(n, &n->neighbors_timer);
	for (i = 0; i < n->n_answers; i++)
		free(n->answers[i].tail);
	free(n->answers);
	free(n->bootstrap);
	relo_reasm_free(n->reasm);
	relo_arena_free(n->rx);
	free(n);
}

int relo_node_start(struct relo_node *n, const struct relo_ipport *bootstrap, size_t n_bootstrap)
{
	if (n->join != JOIN_IDLE)
		return -EALREADY;
	if (n_bootstrap) {
		n->bootstrap = calloc(n_bootstrap, sizeof(*n->bootstrap));
		if (!n->bootstrap)
			return -ENOMEM;
		memcpy(n->bootstrap, bootstrap, n_bootstrap * sizeof(*bootstrap));
		n->n_bootstrap = n_bootstrap;
	}
	n->started_at = node_now(n);
	chord_start(n);
	return 0;
}

int relo_node_handle(struct relo_node *n, uint16_t code, relo_request_h *h, void *arg)
{
	size_t i;

	if (!relo_code_is_request(code))
		return -EINVAL;
	for (i = 0; i < n->n_handlers; i++) {
		if (n->handlers[i].code != code)
			continue;
		if (h)
			n->handlers[i] = (struct handler){ code, h, arg };
		else
			n->handlers[i] = n->handlers[--n->n_handlers];
		return 0;
	}
	if (!h)
		return 0;
	if (n->n_handlers == sizeof(n->handlers) / sizeof(n->handlers[0]))
		return -ENOSPC;
	n->handlers[n->n_handlers++] = (struct handler){ code, h, arg };
	return 0;
}

/* ---- state ---- */

const struct relo_nodeid *relo_node_id(const struct relo_node *n)
{
	return &n->self;
}

bool relo_node_joined(const struct relo_node *n)
{
	return n->join == JOIN_DONE;
}

bool relo_node_responsible(const struct relo_node *n, const struct relo_nodeid *id)
{
	return relo_node_joined(n) && chord_responsible(n, id);
}

size_t relo_node_successors(const struct relo_node *n, struct relo_nodeid *out, size_t max)
{
	size_t k = n->n_succ < max ? n->n_succ : max;

	memcpy(out, n->succ, k * sizeof(*out));
	return k;
}

size_t relo_node_predecessors(const struct relo_node *n, struct relo_nodeid *out, size_t max)
{
	size_t k = n->n_pred < max ? n->n_pred : max;

	memcpy(out, n->pred, k * sizeof(*out));
	return k;
}

size_t relo_node_fingers(const struct relo_node *n, struct relo_nodeid *out, size_t max)
{
	return chord_fingers(n, out, max);
}

int relo_node_next_hop(const struct relo_node *n, const struct relo_nodeid *target,
		       struct relo_nodeid *next)
{
	const struct conn *c = node_conn_by_peer(n, target);

	if (!c && chord_responsible(n, target)) {
		*next = n->self;
		return 1;
	}
	if (!c)
		c = chord_next(n, target);
	if (!c)
		return -ENOENT;
	*next = c->peer;
	return 0;
}

size_t relo_node_links(const struct relo_node *n, struct relo_link_info *out, size_t max)
{
	size_t i;

	for (i = 0; i < n->n_conns && i < max; i++) {
		const struct conn *c = n->conns[i];
		out[i] = (struct relo_link_info){ c->peer,     c->remote,  c->routable,
						  c->outgoing, c->up_since, c->msgs_in,
						  c->msgs_out, c->bytes_in, c->bytes_out };
	}
	return i;
}

void relo_node_stats(const struct relo_node *n, struct relo_node_stats *out)
{
	*out = n->st;
	out->uptime_ms = node_now(n) - n->started_at;
}

void relo_node_hops(const struct relo_node *n, uint64_t *hist, size_t buckets)
{
	size_t i;

	memset(hist, 0, buckets * sizeof(*hist));
	for (i = 0; i < NODE_HOP_BUCKETS && buckets; i++)
		hist[i < buckets ? i : buckets - 1] += n->hops[i];
}
