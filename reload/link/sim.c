/*
 * sim.c - a simulated network: virtual clock, event heap, in-memory links
 * with latency, crashes (relo/sim.h)
 *
 * Link ends and timers are referenced by queued events, so they are
 * recycled only when no event refers to them any more.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relo/sim.h"

#define SIM_EPOCH_MS UINT64_C(1795000000000) /* virtual time starts in 2026 */

enum ev_type { EV_TIMER, EV_DELIVER, EV_LINK_UP, EV_LINK_FAILED, EV_LINK_DOWN };

struct relo_link {
	struct relo_sim_host *host;   /* NULL: a ghost end (injected input) */
	struct relo_link *peer;
	bool open;                    /* this side may still send */
	bool up;                      /* link_up was told */
	bool down_told;
	void *cookie;                 /* the initiator's attempt */
	struct relo_nodeid ghost_id;  /* who a ghost peer claims to be */
	struct relo_link *next_all;   /* every end, freed with the world */
};

struct relo_timer {
	struct relo_sim_host *host;
	void (*fire)(void *arg);
	void *arg;
	uint32_t gen;
	unsigned pending;             /* queued events naming this timer */
	bool armed, freed;
	struct relo_timer *next_free;
};

struct event {
	uint64_t when, seq;
	enum ev_type type;
	union {
		struct {
			struct relo_timer *t;
			uint32_t gen;
		} timer;
		struct {
			struct relo_link *to;
			uint8_t *msg;
			size_t len;
		} deliver;
		struct {
			struct relo_link *end;
		} link;
		struct {
			struct relo_sim_host *host;
			void *cookie;
			int err;
		} failed;
	} u;
};

struct relo_sim_host {
	struct relo_sim *sim;
	size_t index;
	double x, y;
	struct relo_ipport addr;
	struct relo_node *node;
	struct relo_nodeid id;
	bool crashed;
	struct relo_link **ends;
	size_t n_ends, cap_ends;
};

struct relo_sim {
	struct relo_sim_opts o;
	uint64_t now, seq, rng;
	struct event *heap;
	size_t n_heap, cap_heap;
	struct relo_sim_host **hosts;
	size_t n_hosts, cap_hosts;
	struct relo_link *all_ends;
	struct relo_timer *free_timers;
	struct relo_timer **all_timers;  /* every timer block, freed with the world */
	size_t n_timer_blocks, cap_timer_blocks;
	struct relo_sim_stats st;
};

/* ---- randomness and time ---- */

uint64_t relo_sim_random(struct relo_sim *s)
{
	uint64_t z = (s->rng += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t relo_sim_now(const struct relo_sim *s)
{
	return s->now;
}

static uint64_t latency(const struct relo_sim_host *a, const struct relo_sim_host *b)
{
	const struct relo_sim *s = a->sim;
	double d = hypot(a->x - b->x, a->y - b->y);

	return (uint64_t)llround(s->o.base_ms + s->o.per_unit_ms * d);
}

/* ---- the event heap ---- */

static bool ev_before(const struct event *a, const struct event *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static int push(struct relo_sim *s, struct event ev)
{
	size_t i;

	if (s->n_heap == s->cap_heap) {
		size_t cap = s->cap_heap ? 2 * s->cap_heap : 1024;
		struct event *h = realloc(s->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		s->heap = h;
		s->cap_heap = cap;
	}
	ev.seq = s->seq++;
	i = s->n_heap++;
	while (i > 0 && ev_before(&ev, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = ev;
	return 0;
}

static struct event pop(struct relo_sim *s)
{
	struct event top = s->heap[0], last = s->heap[--s->n_heap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->n_heap)
			break;
		if (c + 1 < s->n_heap && ev_before(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!ev_before(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n_heap)
		s->heap[i] = last;
	return top;
}

/* ---- timers ---- */

static struct relo_timer *timer_alloc(struct relo_sim *s)
{
	struct relo_timer *t = s->free_timers;

	if (t) {
		s->free_timers = t->next_free;
		memset(t, 0, sizeof(*t));
		return t;
	}
	if (s->n_timer_blocks == s->cap_timer_blocks) {
		size_t cap = s->cap_timer_blocks ? 2 * s->cap_timer_blocks : 64;
		struct relo_timer **b = realloc(s->all_timers, cap * sizeof(*b));
		if (!b)
			return NULL;
		s->all_timers = b;
		s->cap_timer_blocks = cap;
	}
	t = calloc(1, sizeof(*t));
	if (t)
		s->all_timers[s->n_timer_blocks++] = t;
	return t;
}

static void timer_recycle(struct relo_sim *s, struct relo_timer *t)
{
	if (t->freed && !t->pending) {
		t->next_free = s->free_timers;
		s->free_timers = t;
	}
}

static struct relo_timer *op_timer_new(void *env, void (*fire)(void *), void *arg)
{
	struct relo_sim_host *h = env;
	struct relo_timer *t = timer_alloc(h->sim);

	if (t) {
		t->host = h;
		t->fire = fire;
		t->arg = arg;
	}
	return t;
}

static void op_timer_set(struct relo_timer *t, uint64_t delay_ms)
{
	struct relo_sim *s = t->host->sim;
	struct event ev = { .when = s->now + delay_ms, .type = EV_TIMER };

	t->gen++;
	t->armed = true;
	ev.u.timer.t = t;
	ev.u.timer.gen = t->gen;
	if (push(s, ev) == 0)
		t->pending++;
}

static void op_timer_cancel(struct relo_timer *t)
{
	t->gen++;
	t->armed = false;
}

static void op_timer_free(struct relo_timer *t)
{
	op_timer_cancel(t);
	t->freed = true;
	timer_recycle(t->host->sim, t);
}

/* ---- links ---- */

static struct relo_link *end_new(struct relo_sim *s, struct relo_sim_host *h)
{
	struct relo_link *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->host = h;
	e->open = true;
	e->next_all = s->all_ends;
	s->all_ends = e;
	if (h) {
		size_t i, k = 0;
		/* Forget ends that are done with, then remember this one. */
		for (i = 0; i < h->n_ends; i++)
			if (h->ends[i]->open || !h->ends[i]->down_told)
				h->ends[k++] = h->ends[i];
		h->n_ends = k;
		if (h->n_ends == h->cap_ends) {
			size_t cap = h->cap_ends ? 2 * h->cap_ends : 16;
			struct relo_link **a = realloc(h->ends, cap * sizeof(*a));
			if (!a)
				return NULL; /* the end stays in all_ends and is freed with it */
			h->ends = a;
			h->cap_ends = cap;
		}
		h->ends[h->n_ends++] = e;
	}
	return e;
}

static struct relo_sim_host *host_by_addr(struct relo_sim *s, const struct relo_ipport *a)
{
	size_t idx;

	if (a->type != RELO_ADDR_IPV4 || a->addr[0] != 10 || a->port != 6084)
		return NULL;
	idx = ((size_t)a->addr[1] << 16 | (size_t)a->addr[2] << 8 | a->addr[3]) - 1;
	return idx < s->n_hosts ? s->hosts[idx] : NULL;
}

static int op_connect(void *env, const struct relo_ipport *addr, const struct relo_nodeid *expect,
		      void *cookie)
{
	struct relo_sim_host *h = env, *t;
	struct relo_sim *s = h->sim;
	struct relo_link *a, *b;
	struct event ev;
	uint64_t lat;

	t = host_by_addr(s, addr);
	if (!t || t->crashed || !t->node || t == h ||
	    (expect && !relo_nodeid_eq(expect, &t->id))) {
		/* Refused, or the peer is not who we expected: the handshake fails. */
		ev = (struct event){ .when = s->now + (t ? 4 * latency(h, t) : 1000),
				     .type = EV_LINK_FAILED };
		ev.u.failed.host = h;
		ev.u.failed.cookie = cookie;
		ev.u.failed.err = !t || t->crashed || !t->node ? -ECONNREFUSED : -EACCES;
		s->st.connects_failed++;
		return push(s, ev);
	}
	a = end_new(s, h);
	b = end_new(s, t);
	if (!a || !b)
		return -ENOMEM;
	a->peer = b;
	b->peer = a;
	a->cookie = cookie;
	s->st.links++;
	lat = latency(h, t);
	/* TCP and TLS: the acceptor is up after 1.5 round trips, the initiator
	 * after 2, before any data the other side sends can arrive. */
	ev = (struct event){ .when = s->now + 3 * lat, .type = EV_LINK_UP };
	ev.u.link.end = b;
	push(s, ev);
	ev = (struct event){ .when = s->now + 4 * lat, .type = EV_LINK_UP };
	ev.u.link.end = a;
	return push(s, ev);
}

static int op_send(void *env, struct relo_link *l, const uint8_t *msg, size_t len)
{
	struct relo_sim_host *h = env;
	struct relo_sim *s = h->sim;
	struct event ev = { .type = EV_DELIVER };
	uint8_t *copy;

	if (!l->open || !l->peer->open)
		return -EPIPE;
	if (!l->peer->host)
		return 0; /* to a ghost: gone */
	if (s->o.loss > 0 && (double)(relo_sim_random(s) >> 11) * 0x1p-53 < s->o.loss) {
		s->st.lost++;
		return 0;
	}
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, msg, len);
	ev.when = s->now + latency(h, l->peer->host);
	ev.u.deliver.to = l->peer;
	ev.u.deliver.msg = copy;
	ev.u.deliver.len = len;
	s->st.messages++;
	s->st.bytes += len;
	if (push(s, ev)) {
		free(copy);
		return -ENOMEM;
	}
	return 0;
}

static void op_close(void *env, struct relo_link *l)
{
	struct relo_sim_host *h = env;
	struct relo_sim *s = h->sim;
	struct event ev = { .when = s->now, .type = EV_LINK_DOWN };

	if (!l->open)
		return;
	l->open = false;
	l->peer->open = false;
	ev.u.link.end = l;
	push(s, ev);
	if (l->peer->host) {
		ev.when = s->now + latency(h, l->peer->host);
		ev.u.link.end = l->peer;
		push(s, ev);
	}
}

static uint64_t op_now(void *env)
{
	struct relo_sim_host *h = env;
	return SIM_EPOCH_MS + h->sim->now;
}

static void op_random(void *env, void *buf, size_t len)
{
	struct relo_sim_host *h = env;
	uint8_t *p = buf;

	while (len) {
		uint64_t r = relo_sim_random(h->sim);
		size_t k = len < 8 ? len : 8;
		memcpy(p, &r, k);
		p += k;
		len -= k;
	}
}

static void op_log(void *env, enum relo_log_level level, const char *msg)
{
	struct relo_sim_host *h = env;
	struct relo_sim *s = h->sim;
	char line[640];

	if (!s->o.log)
		return;
	snprintf(line, sizeof(line), "%8.3f s [%s] host %zu %s", (double)s->now / 1000.0,
		 relo_log_level_name(level), h->index, msg);
	s->o.log(s->o.log_arg, line);
}

static const struct relo_env_ops sim_ops = {
	.now_ms = op_now,
	.timer_new = op_timer_new,
	.timer_set = op_timer_set,
	.timer_cancel = op_timer_cancel,
	.timer_free = op_timer_free,
	.random = op_random,
	.connect = op_connect,
	.send = op_send,
	.close = op_close,
	.log = op_log,
};

const struct relo_env_ops *relo_sim_ops(void)
{
	return &sim_ops;
}

/* ---- running ---- */

static bool alive(const struct relo_sim_host *h)
{
	return h && !h->crashed && h->node;
}

static void run_event(struct relo_sim *s, struct event *ev)
{
	struct relo_link *e;
	struct relo_timer *t;

	s->now = ev->when;
	s->st.events++;
	switch (ev->type) {
	case EV_TIMER:
		t = ev->u.timer.t;
		t->pending--;
		if (t->freed) {
			timer_recycle(s, t);
			break;
		}
		if (t->gen != ev->u.timer.gen || !t->armed || t->host->crashed)
			break;
		t->armed = false;
		t->fire(t->arg);
		break;
	case EV_DELIVER:
		e = ev->u.deliver.to;
		if (alive(e->host) && e->up && !e->down_told)
			relo_node_recv(e->host->node, e, ev->u.deliver.msg, ev->u.deliver.len);
		free(ev->u.deliver.msg);
		break;
	case EV_LINK_UP:
		e = ev->u.link.end;
		if (!alive(e->host))
			break;
		if (!e->open || !e->peer->open) {
			if (e->cookie) /* the other side went away during the handshake */
				relo_node_link_failed(e->host->node, e->cookie, -ECONNRESET);
			break;
		}
		e->up = true;
		relo_node_link_up(e->host->node, e, e->peer->host ? &e->peer->host->id : &e->ghost_id,
				  e->peer->host ? &e->peer->host->addr : NULL, e->cookie);
		break;
	case EV_LINK_FAILED:
		if (alive(ev->u.failed.host))
			relo_node_link_failed(ev->u.failed.host->node, ev->u.failed.cookie,
					      ev->u.failed.err);
		break;
	case EV_LINK_DOWN:
		e = ev->u.link.end;
		if (alive(e->host) && e->up && !e->down_told) {
			e->down_told = true;
			relo_node_link_down(e->host->node, e);
		}
		break;
	}
}

bool relo_sim_run_until(struct relo_sim *s, uint64_t until_ms, bool (*cond)(void *), void *arg)
{
	while (s->n_heap && s->heap[0].when <= until_ms) {
		struct event ev = pop(s);
		run_event(s, &ev);
		if (cond && cond(arg))
			return true;
	}
	if (s->now < until_ms)
		s->now = until_ms;
	return cond ? cond(arg) : true;
}

void relo_sim_run(struct relo_sim *s, uint64_t until_ms)
{
	relo_sim_run_until(s, until_ms, NULL, NULL);
}

/* ---- the world ---- */

int relo_sim_alloc(struct relo_sim **sp, const struct relo_sim_opts *o)
{
	struct relo_sim *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->o = *o;
	if (!s->o.detect_ms)
		s->o.detect_ms = 3000;
	s->rng = o->seed;
	*sp = s;
	return 0;
}

void relo_sim_free(struct relo_sim *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n_heap; i++)
		if (s->heap[i].type == EV_DELIVER)
			free(s->heap[i].u.deliver.msg);
	free(s->heap);
	while (s->all_ends) {
		struct relo_link *e = s->all_ends;
		s->all_ends = e->next_all;
		free(e);
	}
	for (i = 0; i < s->n_timer_blocks; i++)
		free(s->all_timers[i]);
	free(s->all_timers);
	for (i = 0; i < s->n_hosts; i++) {
		free(s->hosts[i]->ends);
		free(s->hosts[i]);
	}
	free(s->hosts);
	free(s);
}

int relo_sim_host_add(struct relo_sim *s, double x, double y, struct relo_sim_host **hp)
{
	struct relo_sim_host *h;
	size_t idx = s->n_hosts + 1;

	if (idx >= (1u << 24))
		return -ENOSPC;
	if (s->n_hosts == s->cap_hosts) {
		size_t cap = s->cap_hosts ? 2 * s->cap_hosts : 64;
		struct relo_sim_host **a = realloc(s->hosts, cap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		s->hosts = a;
		s->cap_hosts = cap;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sim = s;
	h->index = s->n_hosts;
	h->x = x;
	h->y = y;
	h->addr.type = RELO_ADDR_IPV4;
	h->addr.addr[0] = 10;
	h->addr.addr[1] = (uint8_t)(idx >> 16);
	h->addr.addr[2] = (uint8_t)(idx >> 8);
	h->addr.addr[3] = (uint8_t)idx;
	h->addr.port = 6084;
	s->hosts[s->n_hosts++] = h;
	*hp = h;
	return 0;
}

void *relo_sim_host_env(struct relo_sim_host *h)
{
	return h;
}

struct relo_ipport relo_sim_host_addr(const struct relo_sim_host *h)
{
	return h->addr;
}

void relo_sim_host_set_node(struct relo_sim_host *h, struct relo_node *n,
			    const struct relo_nodeid *id)
{
	h->node = n;
	if (id)
		h->id = *id;
}

void relo_sim_set_loss(struct relo_sim *s, double loss)
{
	s->o.loss = loss;
}

void relo_sim_host_crash(struct relo_sim_host *h)
{
	struct relo_sim *s = h->sim;
	size_t i;

	h->crashed = true;
	for (i = 0; i < h->n_ends; i++) {
		struct relo_link *e = h->ends[i];
		struct event ev = { .when = s->now + s->o.detect_ms, .type = EV_LINK_DOWN };

		if (!e->open)
			continue;
		e->open = false;
		e->peer->open = false;
		if (e->peer->host) {
			ev.u.link.end = e->peer;
			push(s, ev);
		}
	}
}

int relo_sim_inject(struct relo_sim *s, struct relo_sim_host *to, const struct relo_nodeid *from_id,
		    const uint8_t *msg, size_t len)
{
	struct relo_link *g, *e;
	struct event ev;
	uint8_t *copy;

	/* The far end is a ghost: no host, no node. */
	g = end_new(s, NULL);
	e = end_new(s, to);
	copy = malloc(len ? len : 1);
	if (!g || !e || !copy) {
		free(copy);
		return -ENOMEM;
	}
	g->peer = e;
	e->peer = g;
	g->up = true;
	e->ghost_id = *from_id;
	ev = (struct event){ .when = s->now, .type = EV_LINK_UP };
	ev.u.link.end = e;
	push(s, ev);
	memcpy(copy, msg, len);
	ev = (struct event){ .when = s->now + 1, .type = EV_DELIVER };
	ev.u.deliver.to = e;
	ev.u.deliver.msg = copy;
	ev.u.deliver.len = len;
	if (push(s, ev))
		return -ENOMEM;
	/* ...and the ghost hangs up right after. */
	ev = (struct event){ .when = s->now + 2, .type = EV_LINK_DOWN };
	ev.u.link.end = e;
	return push(s, ev);
}

void relo_sim_stats(const struct relo_sim *s, struct relo_sim_stats *out)
{
	*out = s->st;
}
