/*
 * disco.c - distributed conference control: conference registrations as
 * shared resources (RFC 8076), focus capacity adverts (see relo/disco.h)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relo/disco.h"
#include "relo/ring.h"
#include "relo/sip.h"

/* ---- values ---- */

/* A ResourceNameExtension (type pattern) at the start of in. */
static struct relo_bytes name_ext_read(struct relo_rd *r)
{
	struct relo_rd sub;
	struct relo_bytes name;

	if (relo_rd_u8(r) != 1)
		relo_rd_fail(r, -EBADMSG);
	relo_rd_open(r, 2, 0xffff, &sub);
	name = relo_rd_vec(&sub, 2, 0xffff);
	relo_rd_close(r, &sub);
	return name;
}

int relo_disco_reg_decode(const struct relo_wirecfg *cfg, struct relo_bytes in,
			  struct relo_disco_reg *out)
{
	struct relo_rd r;

	memset(out, 0, sizeof(*out));
	relo_rd_init(&r, in.p, in.len);
	out->conference = name_ext_read(&r);
	out->coordinate = relo_rd_vec(&r, 2, RELO_COORD_MAX);
	relo_nodeid_read(&r, cfg, &out->focus);
	if (!r.err && relo_rd_left(&r))
		return -EBADMSG;
	return r.err ? -EBADMSG : 0;
}

void relo_disco_reg_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			  const struct relo_disco_reg *r)
{
	relo_resource_name_write(w, r->conference);
	relo_wr_vec(w, 2, RELO_COORD_MAX, r->coordinate);
	relo_nodeid_write(w, cfg, &r->focus);
}

int relo_focus_advert_decode(const struct relo_wirecfg *cfg, struct relo_bytes in,
			     struct relo_focus_advert *out)
{
	struct relo_rd r;

	memset(out, 0, sizeof(*out));
	relo_rd_init(&r, in.p, in.len);
	out->spare = relo_rd_u32(&r);
	out->capacity = relo_rd_u32(&r);
	out->coordinate = relo_rd_vec(&r, 2, RELO_COORD_MAX);
	relo_nodeid_read(&r, cfg, &out->node);
	if (!r.err && (relo_rd_left(&r) || out->spare > out->capacity))
		return -EBADMSG;
	return r.err ? -EBADMSG : 0;
}

void relo_focus_advert_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			     const struct relo_focus_advert *a)
{
	relo_wr_u32(w, a->spare);
	relo_wr_u32(w, a->capacity);
	relo_wr_vec(w, 2, RELO_COORD_MAX, a->coordinate);
	relo_nodeid_write(w, cfg, &a->node);
}

int relo_disco_name(const char *uri, char *out, size_t size)
{
	return relo_sip_aor(uri, out, size); /* a conference URI is a SIP URI */
}

/* ---- the usage ---- */

struct relo_disco {
	struct relo_node *node;
	struct relo_store *store;
	const struct relo_config *cfg;
	struct relo_wirecfg wc;
	char user[RELO_USER_MAX];
	uint32_t lifetime;
	struct dop *ops;              /* outstanding */
};

/* One outstanding operation (a store, a lookup, a recruitment). */
struct dop {
	struct relo_disco *d;         /* NULL once the usage is freed */
	struct dop *next;
	void (*h)(void);              /* the caller's handler, cast back when called */
	void *arg;
	unsigned pending;
	int err;
	size_t n;
	union {
		struct relo_disco_focus foci[RELO_DISCO_FOCI_MAX];
		struct relo_disco_offer offers[RELO_DISCO_FOCI_MAX];
	} u;
};

static struct dop *dop_new(struct relo_disco *d, void (*h)(void), void *arg)
{
	struct dop *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->d = d;
	op->h = h;
	op->arg = arg;
	op->next = d->ops;
	d->ops = op;
	return op;
}

/* Unlinks op; false if the usage is gone (then nobody is told). */
static bool dop_end(struct dop *op)
{
	struct dop **pp;

	if (!op->d)
		return false;
	for (pp = &op->d->ops; *pp; pp = &(*pp)->next) {
		if (*pp == op) {
			*pp = op->next;
			break;
		}
	}
	return true;
}

static void stored(void *arg, int err, uint16_t error, const struct relo_body *b)
{
	struct dop *op = arg;

	(void)b;
	if (dop_end(op) && op->h)
		((relo_disco_done_h *)op->h)(op->arg, err, error);
	free(op);
}

static int put(struct relo_disco *d, const char *name, const struct relo_put *p, size_t n,
	       relo_disco_done_h *h, void *arg)
{
	uint8_t res[RELO_CHORD_RESID_LEN];
	struct dop *op = dop_new(d, (void (*)(void))h, arg);
	int err;

	if (!op)
		return -ENOMEM;
	relo_resource_id(name, strlen(name), res);
	err = relo_store_put(d->store, relo_bytes_of(res, sizeof(res)), p, n, stored, op);
	if (err) {
		dop_end(op);
		free(op);
	}
	return err;
}

/* Our registration for conference name (exists: else its removal). */
static void reg_value(struct relo_disco *d, const char *name, struct relo_bytes coordinate,
		      bool exists, struct relo_wr *w, struct relo_put *p)
{
	const struct relo_nodeid *me = relo_node_id(d->node);
	struct relo_disco_reg r = { .conference = relo_bytes_str(name), .coordinate = coordinate,
				    .focus = *me };

	if (exists)
		relo_disco_reg_write(w, &d->wc, &r);
	memset(p, 0, sizeof(*p));
	p->kind = RELO_KIND_DISCO_REGISTRATION;
	p->value.model = RELO_MODEL_DICTIONARY;
	p->value.key = relo_bytes_of(me->id, me->len); /* isolated data: our Node-ID */
	p->value.v.exists = exists;
	p->value.v.value = relo_bytes_of(w->buf, w->len);
	p->lifetime = d->lifetime;
}

/* An ACL item of ours delegating DISCO-REGISTRATION to user. */
static void acl_value(struct relo_disco *d, const char *name, const char *user, bool delegate,
		      uint8_t sub, struct relo_wr *w, struct relo_put *p)
{
	const struct relo_kind_def *acl = relo_config_kind(d->cfg, RELO_KIND_ACCESS_CONTROL_LIST);
	struct relo_acl_item it = { .to_user = relo_bytes_str(user),
				    .kind = RELO_KIND_DISCO_REGISTRATION,
				    .allow_delegation = delegate };

	if (acl && acl->variable_names) {
		it.has_name = true;
		it.name = relo_bytes_str(name);
	}
	relo_acl_item_write(w, &it);
	memset(p, 0, sizeof(*p));
	p->kind = RELO_KIND_ACCESS_CONTROL_LIST;
	p->value.model = RELO_MODEL_ARRAY;
	p->value.index = relo_share_index(relo_node_id(d->node), sub);
	p->value.v.exists = true;
	p->value.v.value = relo_bytes_of(w->buf, w->len);
	p->lifetime = d->lifetime;
}

int relo_disco_create(struct relo_disco *d, const char *conference, struct relo_bytes coordinate,
		      relo_disco_done_h *h, void *arg)
{
	char name[RELO_DISCO_NAME_MAX];
	struct relo_wr w1, w2;
	struct relo_put p[2];
	int err;

	if (relo_disco_name(conference, name, sizeof(name)) || coordinate.len > RELO_COORD_MAX)
		return -EINVAL;
	relo_wr_init_dyn(&w1, 2048);
	relo_wr_init_dyn(&w2, 2048);
	/* The root item delegates to ourselves, with the right to delegate. */
	acl_value(d, name, d->user, true, 1, &w1, &p[0]);
	reg_value(d, name, coordinate, true, &w2, &p[1]);
	err = w1.err ? w1.err : w2.err ? w2.err : put(d, name, p, 2, h, arg);
	relo_wr_free(&w1);
	relo_wr_free(&w2);
	return err;
}

int relo_disco_authorize(struct relo_disco *d, const char *conference, const char *user,
			 bool delegate, uint8_t sub, relo_disco_done_h *h, void *arg)
{
	char name[RELO_DISCO_NAME_MAX];
	struct relo_put p;
	struct relo_wr w;
	int err;

	if (relo_disco_name(conference, name, sizeof(name)) || !user || !*user || !sub)
		return -EINVAL;
	relo_wr_init_dyn(&w, 2048);
	acl_value(d, name, user, delegate, sub, &w, &p);
	err = w.err ? w.err : put(d, name, &p, 1, h, arg);
	relo_wr_free(&w);
	return err;
}

int relo_disco_revoke(struct relo_disco *d, const char *conference, uint8_t sub,
		      relo_disco_done_h *h, void *arg)
{
	char name[RELO_DISCO_NAME_MAX];
	struct relo_put p = { .kind = RELO_KIND_ACCESS_CONTROL_LIST };

	if (relo_disco_name(conference, name, sizeof(name)) || !sub)
		return -EINVAL;
	p.value.model = RELO_MODEL_ARRAY;
	p.value.index = relo_share_index(relo_node_id(d->node), sub);
	p.value.v.exists = false; /* RFC 8076 section 6.2 */
	p.lifetime = d->lifetime;
	return put(d, name, &p, 1, h, arg);
}

static int reg_put(struct relo_disco *d, const char *conference, struct relo_bytes coordinate,
		   bool exists, relo_disco_done_h *h, void *arg)
{
	char name[RELO_DISCO_NAME_MAX];
	struct relo_put p;
	struct relo_wr w;
	int err;

	if (relo_disco_name(conference, name, sizeof(name)) || coordinate.len > RELO_COORD_MAX)
		return -EINVAL;
	relo_wr_init_dyn(&w, 2048);
	reg_value(d, name, coordinate, exists, &w, &p);
	err = w.err ? w.err : put(d, name, &p, 1, h, arg);
	relo_wr_free(&w);
	return err;
}

int relo_disco_register(struct relo_disco *d, const char *conference,
			struct relo_bytes coordinate, relo_disco_done_h *h, void *arg)
{
	return reg_put(d, conference, coordinate, true, h, arg);
}

int relo_disco_unregister(struct relo_disco *d, const char *conference, relo_disco_done_h *h,
			  void *arg)
{
	return reg_put(d, conference, relo_bytes_of(NULL, 0), false, h, arg);
}

/* ---- finding foci ---- */

static void found(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k,
		  size_t n)
{
	struct dop *op = arg;
	size_t i;

	if (!dop_end(op)) {
		free(op);
		return;
	}
	if (!err && error)
		err = error == RELO_ERR_NOT_FOUND ? -ENOENT : -EPROTO;
	for (i = 0; !err && n && i < k[0].n_values && op->n < RELO_DISCO_FOCI_MAX; i++) {
		const struct relo_fetched *f = &k[0].values[i];
		struct relo_disco_focus *out = &op->u.foci[op->n];
		struct relo_disco_reg r;

		if (!f->sd.value.v.exists ||
		    relo_disco_reg_decode(&op->d->wc, f->sd.value.v.value, &r))
			continue;
		/* The key says which node registered (isolated data): it must be the focus. */
		if (f->sd.value.key.len != r.focus.len ||
		    memcmp(f->sd.value.key.p, r.focus.id, r.focus.len))
			continue;
		out->node = r.focus;
		snprintf(out->signer, sizeof(out->signer), "%s", f->signer.user);
		memcpy(out->coordinate, r.coordinate.p, r.coordinate.len);
		out->coordinate_len = r.coordinate.len;
		op->n++;
	}
	((relo_disco_find_h *)op->h)(op->arg, err ? err : op->n ? 0 : -ENOENT, op->u.foci, op->n);
	free(op);
}

int relo_disco_find(struct relo_disco *d, const char *conference, relo_disco_find_h *h,
		    void *arg)
{
	struct relo_specifier spec = { .kind = RELO_KIND_DISCO_REGISTRATION,
				       .model = RELO_MODEL_DICTIONARY };
	char name[RELO_DISCO_NAME_MAX];
	uint8_t res[RELO_CHORD_RESID_LEN];
	struct dop *op;
	int err;

	if (relo_disco_name(conference, name, sizeof(name)))
		return -EINVAL;
	op = dop_new(d, (void (*)(void))h, arg);
	if (!op)
		return -ENOMEM;
	relo_resource_id(name, strlen(name), res);
	err = relo_store_fetch(d->store, relo_bytes_of(res, sizeof(res)), &spec, 1, found, op);
	if (err) {
		dop_end(op);
		free(op);
	}
	return err;
}

/* ---- focus capacity ---- */

int relo_disco_advertise(struct relo_disco *d, uint32_t spare, uint32_t capacity,
			 struct relo_bytes coordinate, unsigned copies, relo_disco_done_h *h,
			 void *arg)
{
	const struct relo_nodeid *me = relo_node_id(d->node);
	struct relo_focus_advert ad = { .spare = spare, .capacity = capacity,
					.coordinate = coordinate, .node = *me };
	const struct relo_kind_def *k = relo_config_kind(d->cfg, RELO_KIND_FOCUS_CAPACITY);
	struct relo_put p = { .kind = RELO_KIND_FOCUS_CAPACITY, .lifetime = d->lifetime };
	uint8_t buf[RELO_NODEID_MAX + 1], res[RELO_CHORD_RESID_LEN];
	struct relo_wr w;
	unsigned i;
	int err = 0;

	if (!k || !copies || copies > 16 || copies > k->max_node_multiple || spare > capacity ||
	    coordinate.len > RELO_COORD_MAX)
		return -EINVAL;
	relo_wr_init_dyn(&w, 1024);
	relo_focus_advert_write(&w, &d->wc, &ad);
	p.value.model = RELO_MODEL_SINGLE;
	p.value.v.exists = true;
	p.value.v.value = relo_bytes_of(w.buf, w.len);
	memcpy(buf, me->id, me->len);
	/* One store per copy; the caller hears of the last. */
	for (i = 1; i <= copies && !err && !w.err; i++) {
		struct dop *op = dop_new(d, i == copies ? (void (*)(void))h : NULL, arg);
		if (!op) {
			err = -ENOMEM;
			break;
		}
		buf[me->len] = (uint8_t)i;
		relo_resource_id(buf, me->len + 1u, res);
		err = relo_store_put(d->store, relo_bytes_of(res, sizeof(res)), &p, 1, stored, op);
		if (err) {
			dop_end(op);
			free(op);
		}
	}
	err = w.err ? w.err : err;
	relo_wr_free(&w);
	return err;
}

struct probe {
	struct dop *op;
	uint8_t res[RELO_RESID_MAX];
	size_t res_len;
};

static void recruit_step_done(struct dop *op)
{
	if (--op->pending)
		return;
	if (dop_end(op))
		((relo_disco_recruit_h *)op->h)(op->arg, op->n ? 0 : -ENOENT, op->u.offers, op->n);
	free(op);
}

static void offer_fetched(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k,
			  size_t n)
{
	struct probe *pr = arg;
	struct dop *op = pr->op;
	size_t i, j;

	for (i = 0; op->d && !err && !error && n && i < k[0].n_values; i++) {
		struct relo_focus_advert ad;
		bool dup = false;

		if (!k[0].values[i].sd.value.v.exists || op->n == RELO_DISCO_FOCI_MAX ||
		    relo_focus_advert_decode(&op->d->wc, k[0].values[i].sd.value.v.value, &ad))
			continue;
		for (j = 0; j < op->n && !dup; j++)
			dup = relo_nodeid_eq(&op->u.offers[j].node, &ad.node);
		/* An advert is the word of the node it names: it must have signed it. */
		for (j = 0; !dup && j < k[0].values[i].signer.n_nodeids; j++)
			if (relo_nodeid_eq(&k[0].values[i].signer.nodeids[j], &ad.node))
				break;
		if (dup || (op->d->store && k[0].values[i].signer.n_nodeids &&
			    j == k[0].values[i].signer.n_nodeids))
			continue;
		op->u.offers[op->n].node = ad.node;
		op->u.offers[op->n].spare = ad.spare;
		op->u.offers[op->n].capacity = ad.capacity;
		memcpy(op->u.offers[op->n].coordinate, ad.coordinate.p, ad.coordinate.len);
		op->u.offers[op->n].coordinate_len = ad.coordinate.len;
		op->n++;
	}
	free(pr);
	recruit_step_done(op);
}

static void find_answered(void *arg, int err, const struct relo_msg *ans,
			  const struct relo_body *b)
{
	struct probe *pr = arg;
	struct dop *op = pr->op;
	struct relo_specifier spec = { .kind = RELO_KIND_FOCUS_CAPACITY,
				       .model = RELO_MODEL_SINGLE };

	(void)ans;
	if (op->d && !err && b->code == RELO_FIND_ANS && b->u.find_ans.n &&
	    b->u.find_ans.results[0].closest.len &&
	    b->u.find_ans.results[0].closest.len <= RELO_RESID_MAX) {
		pr->res_len = b->u.find_ans.results[0].closest.len;
		memcpy(pr->res, b->u.find_ans.results[0].closest.p, pr->res_len);
		if (relo_store_fetch(op->d->store, relo_bytes_of(pr->res, pr->res_len), &spec, 1,
				     offer_fetched, pr) == 0)
			return;
	}
	free(pr);
	recruit_step_done(op);
}

int relo_disco_recruit(struct relo_disco *d, unsigned probes, relo_disco_recruit_h *h, void *arg)
{
	struct relo_dest dst = { .type = RELO_DEST_RESOURCE };
	uint32_t kind = RELO_KIND_FOCUS_CAPACITY;
	struct relo_body b;
	struct dop *op;
	unsigned i;

	if (!probes || probes > 32)
		return -EINVAL;
	op = dop_new(d, (void (*)(void))h, arg);
	if (!op)
		return -ENOMEM;
	op->pending = 1; /* held while sending */
	for (i = 0; i < probes; i++) {
		struct probe *pr = calloc(1, sizeof(*pr));
		if (!pr)
			break;
		pr->op = op;
		pr->res_len = RELO_CHORD_RESID_LEN;
		relo_node_random(d->node, pr->res, pr->res_len);
		memset(&b, 0, sizeof(b));
		b.code = RELO_FIND_REQ;
		b.u.find_req.resource = relo_bytes_of(pr->res, pr->res_len);
		b.u.find_req.kinds = &kind;
		b.u.find_req.n_kinds = 1;
		dst.u.resource = b.u.find_req.resource;
		op->pending++;
		if (relo_node_request(d->node, &dst, 1, &b, find_answered, pr)) {
			op->pending--;
			free(pr);
		}
	}
	recruit_step_done(op);
	return 0;
}

int relo_disco_alloc(struct relo_disco **dp, const struct relo_disco_opts *o)
{
	struct relo_disco *d;

	if (!o->node || !o->store || !o->cfg || !o->user || !*o->user)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->node = o->node;
	d->store = o->store;
	d->cfg = o->cfg;
	relo_config_wirecfg(o->cfg, &d->wc);
	snprintf(d->user, sizeof(d->user), "%s", o->user);
	d->lifetime = o->lifetime ? o->lifetime : 3600;
	*dp = d;
	return 0;
}

void relo_disco_free(struct relo_disco *d)
{
	struct dop *op;

	if (!d)
		return;
	/* What is still out ends when its request does, telling nobody. */
	for (op = d->ops; op; op = op->next)
		op->d = NULL;
	free(d);
}
