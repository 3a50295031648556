/*
 * client.c - storing and fetching as a client of the overlay's storage:
 * values signed with our identity on the way out, every value's
 * signature verified on the way back (RFC 6940 sections 7.4.1, 7.4.2.2)
 */
#include "store_int.h"

static void put_done(struct spend *p, int err, const struct relo_msg *ans,
		     const struct relo_body *body)
{
	relo_put_h *h = (relo_put_h *)p->h;

	(void)ans;
	if (err)
		h(p->arg, err, 0, NULL);
	else if (body->code == RELO_ERROR)
		h(p->arg, 0, body->u.error.code, body);
	else if (body->code != RELO_STORE_ANS)
		h(p->arg, -EBADMSG, 0, body);
	else
		h(p->arg, 0, 0, body);
}

int relo_store_put(struct relo_store *s, struct relo_bytes resource, const struct relo_put *v,
		   size_t n, relo_put_h *h, void *arg)
{
	struct relo_kind_data *kd;
	struct relo_stored_data *sd;
	struct relo_arena *a;
	struct relo_dest d;
	struct relo_body b;
	struct spend *p;
	uint64_t t;
	size_t i, j, nk = 0;
	int err;

	if (!n || !resource.len || resource.len > RELO_RESID_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct relo_kind_def *def = relo_config_kind(s->cfg, v[i].kind);
		if (!def)
			return -ENOENT;
		if (def->model != v[i].value.model)
			return -EINVAL;
	}
	err = relo_arena_alloc(&a, 0, 0);
	if (err)
		return err;
	kd = relo_arena_get(a, n * sizeof(*kd));
	sd = relo_arena_get(a, n * sizeof(*sd));
	if (!kd || !sd) {
		relo_arena_free(a);
		return -ENOMEM;
	}
	/* Never an older storage_time than one we used: no Error_Data_Too_Old
	 * against ourselves when the clock steps back. */
	t = s->wall_ms(s->wall_arg);
	if (t <= s->last_storage_time)
		t = s->last_storage_time + 1;
	s->last_storage_time = t;
	/* Group the values by kind, in the order their kinds first appear. */
	for (i = 0; i < n; i++) {
		for (j = 0; j < nk && kd[j].kind != v[i].kind; j++)
			;
		if (j < nk)
			continue;
		kd[nk].kind = v[i].kind;
		kd[nk].generation = v[i].generation;
		kd[nk].values = &sd[i];
		kd[nk].n_values = 0;
		nk++;
	}
	{
		/* Lay the values out kind by kind. */
		size_t at = 0, q;
		for (j = 0; j < nk; j++) {
			kd[j].values = &sd[at];
			for (q = 0; q < n; q++) {
				if (v[q].kind != kd[j].kind)
					continue;
				memset(&sd[at], 0, sizeof(sd[at]));
				sd[at].storage_time = t;
				sd[at].lifetime = v[q].lifetime;
				sd[at].value = v[q].value;
				if (s->ident)
					err = relo_stored_sign(s->ident, a, resource, v[q].kind,
							       &sd[at]);
				else
					sd[at].sig.signer.type = RELO_SIGNER_NONE;
				if (err) {
					relo_arena_free(a);
					return err;
				}
				kd[j].n_values++;
				at++;
			}
		}
	}
	memset(&b, 0, sizeof(b));
	b.code = RELO_STORE_REQ;
	b.u.store_req.resource = resource;
	b.u.store_req.kinds = kd;
	b.u.store_req.n_kinds = nk;
	p = store_pending_new(s, put_done);
	if (!p) {
		relo_arena_free(a);
		return -ENOMEM;
	}
	p->h = (void *)h;
	p->arg = arg;
	d.type = RELO_DEST_RESOURCE;
	d.u.resource = resource;
	err = relo_node_request(s->node, &d, 1, &b, store_pending_answer, p);
	if (err) {
		p->done = NULL; /* the caller hears the error from us */
		store_pending_answer(p, err, NULL, NULL);
	}
	relo_arena_free(a);
	return err;
}

static void fetch_done(struct spend *p, int err, const struct relo_msg *ans,
		       const struct relo_body *body)
{
	struct relo_store *s = p->s;
	relo_fetch_h *h = (relo_fetch_h *)p->h;
	struct relo_bytes resource = relo_bytes_of(p->res, p->res_len);
	const struct relo_fetch_ans *fa;
	struct relo_fetched_kind *out;
	struct relo_arena *a;
	char why[160];
	size_t i, j;

	if (err) {
		h(p->arg, err, 0, NULL, 0);
		return;
	}
	if (body->code == RELO_ERROR) {
		h(p->arg, 0, body->u.error.code, NULL, 0);
		return;
	}
	if (body->code != RELO_FETCH_ANS || relo_arena_alloc(&a, 0, 0)) {
		h(p->arg, body->code != RELO_FETCH_ANS ? -EBADMSG : -ENOMEM, 0, NULL, 0);
		return;
	}
	fa = &body->u.fetch_ans;
	out = relo_arena_get(a, (fa->n_kinds + 1) * sizeof(*out));
	for (i = 0; out && i < fa->n_kinds; i++) {
		const struct relo_kind_data *kd = &fa->kinds[i];
		struct relo_fetched_kind *ok = &out[i];

		memset(ok, 0, sizeof(*ok));
		ok->kind = kd->kind;
		ok->generation = kd->generation;
		ok->values = relo_arena_get(a, (kd->n_values + 1) * sizeof(*ok->values));
		if (!ok->values) {
			out = NULL;
			break;
		}
		for (j = 0; j < kd->n_values; j++) {
			const struct relo_stored_data *sd = &kd->values[j];
			struct relo_fetched *f = &ok->values[ok->n_values];

			/* A synthesized "nothing here" carries no value. */
			if (sd->sig.signer.type == RELO_SIGNER_NONE && !sd->value.v.exists &&
			    s->trust)
				continue;
			memset(f, 0, sizeof(*f));
			if (s->trust && relo_stored_verify(s->trust, &ans->sec, resource, kd->kind,
							   sd, &f->signer, why, sizeof(why))) {
				relo_node_log(s->node, RELO_LOG_WARN,
					      "fetched value of kind %u dropped: %s", kd->kind, why);
				ok->n_invalid++;
				continue;
			}
			if (!s->trust && !sd->value.v.exists && !sd->storage_time)
				continue; /* synthesized, unsigned overlay */
			f->sd = *sd;
			ok->n_values++;
		}
	}
	if (out)
		h(p->arg, 0, 0, out, fa->n_kinds);
	else
		h(p->arg, -ENOMEM, 0, NULL, 0);
	relo_arena_free(a);
}

int relo_store_fetch(struct relo_store *s, struct relo_bytes resource,
		     const struct relo_specifier *spec, size_t n, relo_fetch_h *h, void *arg)
{
	struct relo_dest d;
	struct relo_body b;
	struct spend *p;
	int err;

	if (!resource.len || resource.len > RELO_RESID_MAX)
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	b.code = RELO_FETCH_REQ;
	b.u.fetch_req.resource = resource;
	b.u.fetch_req.spec = (struct relo_specifier *)(uintptr_t)spec;
	b.u.fetch_req.n_spec = n;
	p = store_pending_new(s, fetch_done);
	if (!p)
		return -ENOMEM;
	p->h = (void *)h;
	p->arg = arg;
	memcpy(p->res, resource.p, resource.len);
	p->res_len = (uint8_t)resource.len;
	d.type = RELO_DEST_RESOURCE;
	d.u.resource = resource;
	err = relo_node_request(s->node, &d, 1, &b, store_pending_answer, p);
	if (err) {
		p->done = NULL;
		store_pending_answer(p, err, NULL, NULL);
	}
	return err;
}
