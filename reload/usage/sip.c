/*
 * sip.c - the SIP usage (RFC 7904): SipRegistration, registering,
 * looking up, AppAttach to the registered peers
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relo/print.h"
#include "relo/ring.h"
#include "relo/sip.h"

#define LOOKUP_DEPTH 4

/* ---- SipRegistration ---- */

int relo_sipreg_decode(const struct relo_wirecfg *cfg, struct relo_arena *a, struct relo_bytes in,
		       struct relo_sipreg *out)
{
	struct relo_rd r, sub, dl;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	relo_rd_init(&r, in.p, in.len);
	out->type = relo_rd_u8(&r);
	relo_rd_open(&r, 2, 0xffff, &sub);
	if (r.err)
		return -EBADMSG;
	switch (out->type) {
	case RELO_SIPREG_URI:
		out->uri = relo_rd_vec(&sub, 2, 0xffff);
		break;
	case RELO_SIPREG_ROUTE:
		out->contact_prefs = relo_rd_vec(&sub, 2, 0xffff);
		relo_rd_open(&sub, 2, 0xffff, &dl);
		if (!dl.err && relo_rd_left(&dl) < 3)
			relo_rd_fail(&dl, -EBADMSG); /* destination_list<3..2^16-1> */
		while (relo_rd_more(&dl)) {
			struct relo_dest *d;
			if (out->n_dst == cap) {
				size_t nc = cap ? 2 * cap : 4;
				struct relo_dest *nd = relo_arena_get(a, nc * sizeof(*nd));
				if (!nd)
					return -ENOMEM;
				if (out->n_dst)
					memcpy(nd, out->dst, out->n_dst * sizeof(*nd));
				out->dst = nd;
				cap = nc;
			}
			d = &out->dst[out->n_dst++];
			relo_dest_read(&dl, cfg, d);
		}
		relo_rd_close(&sub, &dl);
		break;
	case 0:
		return -EBADMSG; /* invalid */
	default:
		return -ENOTSUP;
	}
	relo_rd_close(&r, &sub);
	if (!r.err && relo_rd_left(&r))
		return -EBADMSG;
	return r.err ? -EBADMSG : 0;
}

void relo_sipreg_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
		       const struct relo_sipreg *r)
{
	size_t mark, dl, i;

	relo_wr_u8(w, r->type);
	mark = relo_wr_open(w, 2);
	if (r->type == RELO_SIPREG_URI) {
		relo_wr_vec(w, 2, 0xffff, r->uri);
	} else {
		relo_wr_vec(w, 2, 0xffff, r->contact_prefs);
		dl = relo_wr_open(w, 2);
		for (i = 0; i < r->n_dst; i++)
			relo_dest_write(w, cfg, &r->dst[i]);
		relo_wr_close(w, dl, 2, 0xffff);
	}
	relo_wr_close(w, mark, 2, 0xffff);
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : isxdigit(c) ? tolower(c) - 'a' + 10 : -1;
}

int relo_sip_aor(const char *uri, char *out, size_t size)
{
	const char *p = uri, *end;
	size_t o = 0;

	if (!strncasecmp(p, "sip:", 4))
		p += 4;
	else if (!strncasecmp(p, "sips:", 5))
		p += 5;
	end = p + strcspn(p, ";?>");
	for (; p < end; p++) {
		int c = (unsigned char)*p;
		if (c == '%') {
			int hi = p + 2 < end ? hexval(p[1]) : -1, lo = hi >= 0 ? hexval(p[2]) : -1;
			if (lo < 0)
				return -EINVAL;
			c = hi << 4 | lo;
			p += 2;
		}
		if (!c || c <= ' ' || o + 1 >= size)
			return -EINVAL;
		out[o++] = (char)c;
	}
	out[o] = 0;
	/* user@host, one '@', both sides non-empty */
	if (!o || !strchr(out, '@') || out[0] == '@' || out[o - 1] == '@' ||
	    strchr(out, '@') != strrchr(out, '@'))
		return -EINVAL;
	return 0;
}

/* ---- the usage on a node ---- */

struct relo_sip {
	struct relo_node *node;
	struct relo_store *store;
	const struct relo_config *cfg;
	struct relo_wirecfg wc;
	char aor[RELO_SIP_AOR_MAX];
	char contact_prefs[128];
	uint32_t lifetime;
	bool registered;              /* keep refreshing */
	struct relo_timer *refresh;
	struct lookup *lookups;
	struct done_ctx *stores;      /* our stores still out */
};

struct done_ctx {
	struct relo_sip *s;           /* NULL once the usage is freed */
	struct done_ctx *next;
	relo_sip_done_h *h;
	void *arg;
};

static void stored(void *arg, int err, uint16_t error, const struct relo_body *b)
{
	struct done_ctx *d = arg, **pp;

	(void)b;
	if (d->s) {
		for (pp = &d->s->stores; *pp; pp = &(*pp)->next) {
			if (*pp == d) {
				*pp = d->next;
				break;
			}
		}
		if (d->h)
			d->h(d->arg, err, error);
	}
	free(d);
}

/* Stores our registration (exists: a route to us; else a removal). */
static int store_registration(struct relo_sip *s, bool exists, relo_sip_done_h *h, void *arg)
{
	const struct relo_nodeid *me = relo_node_id(s->node);
	struct relo_dest d = { .type = RELO_DEST_NODE };
	struct relo_sipreg reg = { .type = RELO_SIPREG_ROUTE };
	uint8_t res[RELO_CHORD_RESID_LEN];
	struct done_ctx *ctx;
	struct relo_put p;
	struct relo_wr w;
	int err;

	d.u.node = *me;
	reg.contact_prefs = relo_bytes_str(s->contact_prefs);
	reg.dst = &d;
	reg.n_dst = 1;
	relo_wr_init_dyn(&w, 4096);
	if (exists)
		relo_sipreg_write(&w, &s->wc, &reg);
	if (w.err) {
		relo_wr_free(&w);
		return w.err;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		relo_wr_free(&w);
		return -ENOMEM;
	}
	ctx->s = s;
	ctx->h = h;
	ctx->arg = arg;
	memset(&p, 0, sizeof(p));
	p.kind = RELO_KIND_SIP_REGISTRATION;
	p.value.model = RELO_MODEL_DICTIONARY;
	p.value.key = relo_bytes_of(me->id, me->len);
	p.value.v.exists = exists;
	p.value.v.value = relo_bytes_of(w.buf, w.len);
	p.lifetime = s->lifetime;
	relo_resource_id(s->aor, strlen(s->aor), res);
	err = relo_store_put(s->store, relo_bytes_of(res, sizeof(res)), &p, 1, stored, ctx);
	if (err) {
		free(ctx); /* relo_store_put did not take it */
	} else {
		ctx->next = s->stores;
		s->stores = ctx;
	}
	relo_wr_free(&w);
	return err;
}

static void refresh_done(void *arg, int err, uint16_t error)
{
	struct relo_sip *s = arg;

	if (err == -ECANCELED)
		return;
	if (err || error)
		relo_node_log(s->node, RELO_LOG_WARN, "refreshing the registration of %s failed: %s",
			      s->aor, err ? strerror(-err) : relo_error_name(error));
	/* After a failure, try again sooner. */
	if (s->registered)
		relo_node_timer_set(s->node, s->refresh,
				    err || error ? 10000 : (uint64_t)s->lifetime * 2000 / 3);
}

static void refresh_fire(void *arg)
{
	struct relo_sip *s = arg;

	if (s->registered && store_registration(s, true, refresh_done, s))
		relo_node_timer_set(s->node, s->refresh, 10000);
}

struct first_ctx {
	struct relo_sip *s;
	relo_sip_done_h *h;
	void *arg;
};

static void first_done(void *arg, int err, uint16_t error)
{
	struct first_ctx *f = arg;

	if (err != -ECANCELED && f->s->registered)
		relo_node_timer_set(f->s->node, f->s->refresh,
				    err || error ? 10000 : (uint64_t)f->s->lifetime * 2000 / 3);
	if (f->h)
		f->h(f->arg, err, error);
	free(f);
}

int relo_sip_register(struct relo_sip *s, relo_sip_done_h *h, void *arg)
{
	struct first_ctx *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	f->s = s;
	f->h = h;
	f->arg = arg;
	s->registered = true;
	err = store_registration(s, true, first_done, f);
	if (err) {
		s->registered = false;
		free(f);
	}
	return err;
}

int relo_sip_unregister(struct relo_sip *s, relo_sip_done_h *h, void *arg)
{
	s->registered = false;
	relo_node_timer_set(s->node, s->refresh, UINT32_MAX); /* parked */
	return store_registration(s, false, h, arg);
}

/* ---- looking up ---- */

struct lookup {
	struct relo_sip *s;
	struct lookup *next;
	relo_sip_lookup_h *h;
	void *arg;
	bool attach, failed, cancelled;
	int first_err;
	unsigned pending;
	char seen[LOOKUP_DEPTH * 4][RELO_SIP_AOR_MAX]; /* AORs fetched */
	size_t n_seen;
	struct relo_sip_target t[RELO_SIP_TARGETS_MAX];
	struct relo_dest route[RELO_SIP_TARGETS_MAX][8]; /* each target's destination list */
	size_t route_len[RELO_SIP_TARGETS_MAX];
	size_t n;
};

struct step {
	struct lookup *l;
	unsigned depth;
	size_t target;                /* AppAttach: which */
	char aor[RELO_SIP_AOR_MAX];
};

static void lookup_end(struct lookup *l)
{
	struct lookup **pp;

	for (pp = l->s ? &l->s->lookups : &l->next; l->s && *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	if (!l->cancelled)
		l->h(l->arg, l->n ? 0 : l->first_err, l->t, l->n);
	free(l);
}

static void step_done(struct lookup *l)
{
	if (--l->pending == 0)
		lookup_end(l);
}

static int fetch_aor(struct lookup *l, const char *aor, unsigned depth);

static void attached(void *arg, int err, const struct relo_msg *ans, const struct relo_body *b)
{
	struct step *st = arg;
	struct lookup *l = st->l;
	struct relo_sip_target *t = &l->t[st->target];
	size_t i;

	(void)ans;
	if (err == -ECANCELED || l->cancelled) {
		free(st);
		step_done(l);
		return;
	}
	if (err)
		t->attach_err = err;
	else if (b->code == RELO_ERROR)
		t->attach_err = b->u.error.code;
	else if (b->code != RELO_APP_ATTACH_ANS)
		t->attach_err = -EBADMSG;
	else {
		t->attach_err = -ENOENT;
		for (i = 0; i < b->u.app_attach.n_cand; i++) {
			if (b->u.app_attach.cand[i].addr.type) {
				t->sip = b->u.app_attach.cand[i].addr;
				t->attach_err = 0;
				break;
			}
		}
	}
	free(st);
	step_done(l);
}

static bool route_known(struct lookup *l, const struct relo_sipreg *reg)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->route_len[i] == reg->n_dst &&
		    !memcmp(l->route[i], reg->dst, reg->n_dst * sizeof(*reg->dst)))
			return true;
	return false;
}

static void fetched(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k,
		    size_t n)
{
	struct step *st = arg;
	struct lookup *l = st->l;
	struct relo_arena *a = NULL;
	size_t i;

	if (err == -ECANCELED || l->cancelled) {
		free(st);
		step_done(l);
		return;
	}
	if ((err || error) && !l->first_err)
		l->first_err = err ? err : -EPROTO;
	for (i = 0; !err && !error && n && i < k[0].n_values; i++) {
		const struct relo_fetched *f = &k[0].values[i];
		struct relo_sipreg reg;

		if (!f->sd.value.v.exists)
			continue;
		if (!a && relo_arena_alloc(&a, 0, 0))
			break;
		if (relo_sipreg_decode(&l->s->wc, a, f->sd.value.v.value, &reg)) {
			relo_node_log(l->s->node, RELO_LOG_WARN,
				      "a malformed SIP registration of %s ignored", st->aor);
			continue;
		}
		if (reg.type == RELO_SIPREG_URI) {
			char next[RELO_SIP_AOR_MAX], uri[RELO_SIP_AOR_MAX];
			size_t len = reg.uri.len < sizeof(uri) - 1 ? reg.uri.len : sizeof(uri) - 1;
			memcpy(uri, reg.uri.p, len);
			uri[len] = 0;
			/* Another AOR: look that up too (GRUUs are not followed: no ;gr). */
			if (!strstr(uri, ";gr") && relo_sip_aor(uri, next, sizeof(next)) == 0 &&
			    st->depth + 1 < LOOKUP_DEPTH)
				fetch_aor(l, next, st->depth + 1);
			continue;
		}
		if (!reg.n_dst || reg.n_dst > 8 || reg.dst[reg.n_dst - 1].type != RELO_DEST_NODE ||
		    l->n == RELO_SIP_TARGETS_MAX || route_known(l, &reg))
			continue;
		{
			struct relo_sip_target *t = &l->t[l->n];
			size_t cp = reg.contact_prefs.len < sizeof(t->contact_prefs) - 1
					    ? reg.contact_prefs.len
					    : sizeof(t->contact_prefs) - 1;
			memset(t, 0, sizeof(*t));
			snprintf(t->aor, sizeof(t->aor), "%s", st->aor);
			snprintf(t->signer, sizeof(t->signer), "%s", f->signer.user);
			t->node = reg.dst[reg.n_dst - 1].u.node;
			memcpy(t->contact_prefs, reg.contact_prefs.p, cp);
			t->contact_prefs[cp] = 0;
			t->attach_err = -EAGAIN; /* not tried */
			memcpy(l->route[l->n], reg.dst, reg.n_dst * sizeof(*reg.dst));
			l->route_len[l->n] = reg.n_dst;
			if (l->attach) {
				struct step *as = calloc(1, sizeof(*as));
				if (as) {
					as->l = l;
					as->target = l->n;
					l->pending++;
					if (relo_node_app_attach(l->s->node, reg.dst, reg.n_dst,
								 RELO_APP_SIP, attached, as)) {
						l->pending--;
						free(as);
						t->attach_err = -EHOSTUNREACH;
					}
				}
			}
			l->n++;
		}
	}
	relo_arena_free(a);
	free(st);
	step_done(l);
}

static int fetch_aor(struct lookup *l, const char *aor, unsigned depth)
{
	struct relo_specifier spec = { .kind = RELO_KIND_SIP_REGISTRATION,
				       .model = RELO_MODEL_DICTIONARY };
	uint8_t res[RELO_CHORD_RESID_LEN];
	struct step *st;
	size_t i;
	int err;

	for (i = 0; i < l->n_seen; i++)
		if (!strcmp(l->seen[i], aor))
			return 0; /* a loop of URI registrations */
	if (l->n_seen == sizeof(l->seen) / sizeof(l->seen[0]))
		return 0;
	snprintf(l->seen[l->n_seen++], RELO_SIP_AOR_MAX, "%s", aor);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->l = l;
	st->depth = depth;
	snprintf(st->aor, sizeof(st->aor), "%s", aor);
	relo_resource_id(aor, strlen(aor), res);
	l->pending++;
	err = relo_store_fetch(l->s->store, relo_bytes_of(res, sizeof(res)), &spec, 1, fetched, st);
	if (err) {
		l->pending--;
		free(st);
	}
	return err;
}

int relo_sip_lookup(struct relo_sip *s, const char *aor, bool attach, relo_sip_lookup_h *h,
		    void *arg)
{
	char name[RELO_SIP_AOR_MAX];
	struct lookup *l;
	int err;

	if (relo_sip_aor(aor, name, sizeof(name)))
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->s = s;
	l->h = h;
	l->arg = arg;
	l->attach = attach;
	l->first_err = -ENOENT;
	l->next = s->lookups;
	s->lookups = l;
	l->pending = 1; /* held while starting */
	err = fetch_aor(l, name, 0);
	if (err) {
		s->lookups = l->next;
		free(l);
		return err;
	}
	step_done(l);
	return 0;
}

int relo_sip_alloc(struct relo_sip **sp, const struct relo_sip_opts *o)
{
	struct relo_sip *s;
	int err = 0;

	if (!o->node || !o->store || !o->cfg || !o->aor)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->node = o->node;
	s->store = o->store;
	s->cfg = o->cfg;
	relo_config_wirecfg(o->cfg, &s->wc);
	if (relo_sip_aor(o->aor, s->aor, sizeof(s->aor))) {
		free(s);
		return -EINVAL;
	}
	snprintf(s->contact_prefs, sizeof(s->contact_prefs), "%s",
		 o->contact_prefs ? o->contact_prefs : "");
	s->lifetime = o->lifetime ? o->lifetime : 3600;
	s->refresh = relo_node_timer_new(s->node, refresh_fire, s);
	if (!s->refresh)
		err = -ENOMEM;
	if (!err && o->sip_addr.type)
		err = relo_node_app(s->node, RELO_APP_SIP, &o->sip_addr);
	if (err) {
		relo_sip_free(s);
		return err;
	}
	*sp = s;
	return 0;
}

void relo_sip_free(struct relo_sip *s)
{
	struct done_ctx *d;
	struct lookup *l;

	if (!s)
		return;
	relo_node_app(s->node, RELO_APP_SIP, NULL);
	relo_node_timer_free(s->node, s->refresh);
	/* Lookups and stores still out end when their requests do, telling nobody. */
	for (l = s->lookups; l; l = l->next) {
		l->cancelled = true;
		l->s = NULL;
	}
	for (d = s->stores; d; d = d->next)
		d->s = NULL;
	free(s);
}
