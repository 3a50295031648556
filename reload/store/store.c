/*
 * store.c - the stored values of a peer and the Store, Fetch, Stat and
 * Find methods (RFC 6940 section 7)
 */
#include <openssl/evp.h>
#include <time.h>

#include "store_int.h"

/* ---- the table of resources ---- */

static size_t bucket_of(const struct relo_store *s, const uint8_t *id, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ id[i]) * UINT64_C(1099511628211);
	return (size_t)(h & (s->n_buckets - 1));
}

struct sres *store_find(struct relo_store *s, struct relo_bytes id)
{
	struct sres *r;

	if (id.len > RELO_RESID_MAX)
		return NULL;
	for (r = s->buckets[bucket_of(s, id.p, id.len)]; r; r = r->next)
		if (r->len == id.len && memcmp(r->id, id.p, id.len) == 0)
			return r;
	return NULL;
}

static int grow_table(struct relo_store *s)
{
	size_t nb = s->n_buckets * 2, i;
	struct sres **b = calloc(nb, sizeof(*b)), **old = s->buckets;

	if (!b)
		return -ENOMEM;
	s->buckets = b;
	s->n_buckets = nb;
	for (i = 0; i < nb / 2; i++) {
		struct sres *r = old[i], *next;
		for (; r; r = next) {
			size_t k = bucket_of(s, r->id, r->len);
			next = r->next;
			r->next = b[k];
			b[k] = r;
		}
	}
	free(old);
	return 0;
}

static struct sres *res_get(struct relo_store *s, struct relo_bytes id)
{
	struct sres *r = store_find(s, id);
	size_t k;

	if (r)
		return r;
	if (s->n_res >= s->n_buckets && grow_table(s))
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	memcpy(r->id, id.p, id.len);
	r->len = (uint8_t)id.len;
	relo_id_from_resource(&r->pos, id, s->id_len);
	k = bucket_of(s, r->id, r->len);
	r->next = s->buckets[k];
	s->buckets[k] = r;
	s->n_res++;
	return r;
}

struct skind *store_kind(struct sres *r, uint32_t kind)
{
	size_t i;

	for (i = 0; r && i < r->nk; i++)
		if (r->k[i].def->id == kind)
			return &r->k[i];
	return NULL;
}

/* ---- certificates ---- */

static struct scert *cert_ref(struct relo_store *s, const struct relo_certinfo *info,
			      struct relo_bytes der)
{
	const uint8_t *hash = info->hash;
	struct scert *c;

	for (c = s->certs; c; c = c->next) {
		if (memcmp(c->hash, hash, 32) == 0) {
			c->refs++;
			return c;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->der = malloc(der.len))) {
		free(c);
		return NULL;
	}
	memcpy(c->hash, hash, 32);
	snprintf(c->user, sizeof(c->user), "%s", info->user);
	memcpy(c->der, der.p, der.len);
	c->len = der.len;
	c->refs = 1;
	c->next = s->certs;
	s->certs = c;
	return c;
}

void store_unref_cert(struct relo_store *s, struct scert *c)
{
	struct scert **pp;

	if (!c || --c->refs)
		return;
	for (pp = &s->certs; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	free(c->der);
	free(c);
}

/* The certificate in the message's security block with this SHA-256. */
static struct relo_bytes cert_in(const struct relo_secblock *sec, const uint8_t hash[32])
{
	uint8_t h[32];
	unsigned hl;
	size_t i;

	for (i = 0; i < sec->n_certs; i++) {
		if (EVP_Digest(sec->certs[i].der.p, sec->certs[i].der.len, h, &hl, EVP_sha256(),
			       NULL) == 1 &&
		    memcmp(h, hash, 32) == 0)
			return sec->certs[i].der;
	}
	return relo_bytes_of(NULL, 0);
}

int store_certs_of(struct relo_arena *a, struct sval *const *vals, size_t n,
		   const struct relo_bytes **certs, size_t *n_certs)
{
	struct relo_bytes *out = n ? relo_arena_get(a, n * sizeof(*out)) : NULL;
	const struct scert *seen[64];
	size_t i, j, k = 0, m = 0;

	*certs = out;
	*n_certs = 0;
	if (n && !out)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		const struct scert *c = vals[i]->cert;
		bool dup = false;
		if (!c)
			continue;
		for (j = 0; j < m && !dup; j++)
			dup = seen[j] == c;
		if (dup)
			continue;
		if (m < sizeof(seen) / sizeof(seen[0]))
			seen[m++] = c;
		out[k++] = relo_bytes_of(c->der, c->len);
	}
	*n_certs = k;
	return 0;
}

/* ---- values ---- */

static void sval_free(struct relo_store *s, struct sval *v)
{
	store_unref_cert(s, v->cert);
	free(v->raw);
	v->raw = NULL;
	v->cert = NULL;
}

uint32_t store_remaining(const struct sval *v, uint64_t now)
{
	uint64_t held = (now - v->stored_at) / 1000;

	return held >= v->sd.lifetime ? 0 : v->sd.lifetime - (uint32_t)held;
}

void store_outgoing(const struct sval *v, uint64_t now, struct relo_stored_data *out)
{
	*out = v->sd;
	out->lifetime = store_remaining(v, now);
}

/* A copy of sd (index as given) in its own buffer, decoded again so that
 * its views point into that buffer. */
static int sval_make(struct sval *v, const struct relo_stored_data *sd, uint32_t index,
		     enum relo_model model)
{
	struct relo_stored_data copy = *sd;
	struct relo_wr w;
	struct relo_rd r;
	size_t len;

	memset(v, 0, sizeof(*v));
	copy.value.index = index;
	relo_wr_init_dyn(&w, 0);
	relo_stored_data_write(&w, &copy);
	if (w.err) {
		relo_wr_free(&w);
		return w.err;
	}
	v->raw = relo_wr_steal(&w, &len);
	v->raw_len = len;
	if (!v->raw)
		return -ENOMEM;
	relo_rd_init(&r, v->raw, len);
	relo_stored_data_read(&r, model, &v->sd);
	return r.err;
}

static int key_cmp(struct relo_bytes a, struct relo_bytes b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n ? memcmp(a.p, b.p, n) : 0;

	return c ? c : (a.len > b.len) - (a.len < b.len);
}

size_t store_slot_of(const struct sval *vals, size_t n, const struct relo_stored_value *sv,
		     bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	if (sv->model == RELO_MODEL_SINGLE) {
		*found = n > 0;
		return 0;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = sv->model == RELO_MODEL_ARRAY
				? (vals[mid].sd.value.index > sv->index) -
					  (vals[mid].sd.value.index < sv->index)
				: key_cmp(vals[mid].sd.value.key, sv->key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- Store ---- */

/* What a Store will change in one kind, before it is committed. */
struct plan {
	struct skind *k;         /* NULL: the kind is new at this resource */
	const struct relo_kind_def *def;
	struct sval *v;          /* the kind's values after the Store */
	size_t n, cap;
	bool *fresh;             /* v[i] made by this Store */
	bool changed;
	uint64_t generation;
};

static void plan_free(struct relo_store *s, struct plan *p, bool commit)
{
	size_t i;

	if (!commit) {
		for (i = 0; i < p->n; i++)
			if (p->fresh[i])
				sval_free(s, &p->v[i]);
	}
	free(p->v);
	free(p->fresh);
	p->v = NULL;
	p->fresh = NULL;
}

static int plan_insert(struct plan *p, size_t at, const struct sval *v)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 4;
		struct sval *nv = realloc(p->v, cap * sizeof(*nv));
		bool *nf;
		if (!nv)
			return -ENOMEM;
		p->v = nv;
		nf = realloc(p->fresh, cap * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		p->fresh = nf;
		p->cap = cap;
	}
	memmove(&p->v[at + 1], &p->v[at], (p->n - at) * sizeof(*p->v));
	memmove(&p->fresh[at + 1], &p->fresh[at], (p->n - at) * sizeof(*p->fresh));
	p->v[at] = *v;
	p->fresh[at] = true;
	p->n++;
	return 0;
}

/* Applies one value to a plan: RELOAD error code, or 0. */
static int plan_value(struct relo_store *s, struct plan *p, const struct relo_stored_data *sd,
		      struct scert *cert, const char **why)
{
	struct relo_stored_value where = sd->value;
	struct sval nv;
	bool found;
	size_t at;

	if (where.model == RELO_MODEL_ARRAY && where.index == 0xffffffffu)
		where.index = p->n ? p->v[p->n - 1].sd.value.index + 1 : 0; /* append */
	if (where.model == RELO_MODEL_ARRAY && where.index == 0xffffffffu) {
		*why = "the array is full";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	at = store_slot_of(p->v, p->n, &where, &found);
	if (found) {
		const struct sval *old = &p->v[at];
		if (sd->storage_time < old->sd.storage_time) {
			*why = "older than the value stored";
			return RELO_ERR_DATA_TOO_OLD;
		}
		if (sd->storage_time == old->sd.storage_time) {
			/* The same value again (a replica, a retry) changes nothing. */
			if (relo_bytes_eq(sd->sig.value, old->sd.sig.value) &&
			    relo_bytes_eq(sd->value.v.value, old->sd.value.v.value) &&
			    sd->value.v.exists == old->sd.value.v.exists)
				return 0;
			*why = "as old as the value stored";
			return RELO_ERR_DATA_TOO_OLD;
		}
	}
	if (sval_make(&nv, sd, where.index, p->def->model)) {
		free(nv.raw);
		*why = "out of memory";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	nv.stored_at = relo_node_now(s->node);
	nv.cert = cert;
	if (cert)
		cert->refs++;
	if (found) {
		if (p->fresh[at])
			sval_free(s, &p->v[at]);
		p->v[at] = nv;
		p->fresh[at] = true;
	} else if (plan_insert(p, at, &nv)) {
		sval_free(s, &nv);
		*why = "out of memory";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	p->changed = true;
	if (p->n > p->def->max_count) {
		*why = "more values than the kind's max-count";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	return 0;
}

static size_t vals_bytes(const struct sval *v, size_t n)
{
	size_t i, b = 0;

	for (i = 0; i < n; i++)
		b += v[i].raw_len;
	return b;
}

/* Replaces the kind's values with the plan's; frees those replaced. */
static int plan_commit(struct relo_store *s, struct sres *r, struct plan *p, bool replica,
		       uint64_t generation)
{
	struct skind *k = p->k;
	size_t i, j;

	if (!k) {
		struct skind *nk = realloc(r->k, (r->nk + 1) * sizeof(*nk));
		if (!nk)
			return -ENOMEM;
		r->k = nk;
		k = &r->k[r->nk++];
		memset(k, 0, sizeof(*k));
		k->def = p->def;
	}
	/* The old values that are not in the plan any more were replaced. */
	for (i = 0; i < k->n; i++) {
		bool kept = false;
		for (j = 0; j < p->n && !kept; j++)
			kept = !p->fresh[j] && p->v[j].raw == k->v[i].raw;
		if (!kept)
			sval_free(s, &k->v[i]);
	}
	r->bytes -= vals_bytes(k->v, k->n);
	s->st.values -= k->n;
	free(k->v);
	k->v = p->v;
	k->n = k->cap = p->n;
	p->v = NULL;
	r->bytes += vals_bytes(k->v, k->n);
	s->st.values += k->n;
	if (replica)
		k->generation = generation;
	else if (p->changed)
		k->generation++;
	if (!k->generation)
		k->generation = 1;
	return 0;
}

void store_drop_res(struct relo_store *s, struct sres *r)
{
	struct sres **pp = &s->buckets[bucket_of(s, r->id, r->len)];
	size_t i, j;

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	for (i = 0; i < r->nk; i++) {
		for (j = 0; j < r->k[i].n; j++)
			sval_free(s, &r->k[i].v[j]);
		s->st.values -= r->k[i].n;
		free(r->k[i].v);
	}
	s->st.bytes -= r->bytes;
	free(r->k);
	free(r);
	s->n_res--;
}

static int refuse(struct relo_store *s, int code)
{
	s->st.stores_refused++;
	return code;
}

/* Error_Unknown_Kind, with the kinds in its error_info. */
static int unknown_kinds(struct relo_arena *a, const uint32_t *kinds, size_t n,
			 struct relo_answer *ans)
{
	struct relo_wr w;
	uint8_t *copy;

	relo_wr_init_dyn(&w, 2048);
	relo_unknown_kinds_write(&w, kinds, n);
	copy = w.err ? NULL : relo_arena_get(a, w.len);
	if (copy)
		memcpy(copy, w.buf, w.len);
	ans->body.code = RELO_ERROR;
	ans->body.u.error.code = RELO_ERR_UNKNOWN_KIND;
	ans->body.u.error.info = relo_bytes_of(copy, copy ? w.len : 0);
	relo_wr_free(&w);
	return 0;
}

/* Error_Generation_Counter_Too_Low: a StoreAns of the counters we have. */
static int generation_too_low(struct relo_store *s, struct relo_arena *a,
			      const struct relo_store_req *sr, struct sres *r,
			      struct relo_answer *ans)
{
	struct relo_store_ans sa;
	struct relo_wr w;
	uint8_t *copy;
	size_t i;

	sa.n_kinds = sr->n_kinds;
	sa.kinds = relo_arena_get(a, sr->n_kinds * sizeof(*sa.kinds) + 1);
	if (!sa.kinds)
		return RELO_ERR_GENERATION_COUNTER_TOO_LOW;
	for (i = 0; i < sr->n_kinds; i++) {
		struct skind *k = store_kind(r, sr->kinds[i].kind);
		memset(&sa.kinds[i], 0, sizeof(sa.kinds[i]));
		sa.kinds[i].kind = sr->kinds[i].kind;
		sa.kinds[i].generation = k ? k->generation : 0;
	}
	relo_wr_init_dyn(&w, 0);
	relo_store_ans_write(&w, &s->wc, &sa);
	copy = w.err ? NULL : relo_arena_get(a, w.len + 1);
	if (copy)
		memcpy(copy, w.buf, w.len);
	ans->body.code = RELO_ERROR;
	ans->body.u.error.code = RELO_ERR_GENERATION_COUNTER_TOO_LOW;
	ans->body.u.error.info = relo_bytes_of(copy, copy ? w.len : 0);
	relo_wr_free(&w);
	s->st.stores_refused++;
	return 0;
}

/* A reason that outlives the call, for *why. */
static const char *keep_why(struct relo_arena *a, const char *what, const char *reason)
{
	size_t n = strlen(what) + strlen(reason) + 3;
	char *p = relo_arena_get(a, n);

	if (!p)
		return what;
	snprintf(p, n, "%s: %s", what, reason);
	return p;
}

/* The checks of section 7.4.1.1 on one value: signature, policy, size. */
static int check_value(struct relo_store *s, const struct relo_request *req,
		       const struct relo_store_req *sr, const struct relo_kind_def *def,
		       const struct relo_stored_data *sd, struct relo_arena *a,
		       struct scert **cert, const char **why)
{
	struct relo_certinfo info;
	struct relo_bytes der;
	char reason[160];
	int err;

	*cert = NULL;
	if (sd->value.model != def->model) {
		*why = "a value of another data model than its kind's";
		return RELO_ERR_INVALID_MESSAGE;
	}
	if (sd->value.v.value.len > def->max_size) {
		*why = "a value larger than the kind's max-size";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	if (!s->trust)
		return 0; /* an unsigned overlay */
	err = relo_stored_verify(s->trust, &req->msg->sec, sr->resource, def->id, sd, &info, reason,
				 sizeof(reason));
	if (err) {
		*why = keep_why(a, "a value's signature", reason);
		return RELO_ERR_FORBIDDEN;
	}
	err = acl_check(s, store_find(s, sr->resource), def, sr->resource, &sd->value, &info, why);
	if (err)
		return err;
	/* An original store: its sender must be allowed to write it too. */
	if (!sr->replica_number && req->signer) {
		err = acl_check(s, store_find(s, sr->resource), def, sr->resource, &sd->value,
				req->signer, why);
		if (err) {
			*why = keep_why(a, "the StoreReq's signer", *why);
			return err;
		}
	}
	der = cert_in(&req->msg->sec, info.hash);
	if (!der.len) {
		*why = "the value's certificate is not in the message";
		return RELO_ERR_FORBIDDEN;
	}
	*cert = cert_ref(s, &info, der);
	if (!*cert) {
		*why = "out of memory";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	return 0;
}

static int on_store(void *arg, struct relo_node *n, const struct relo_request *req,
		    struct relo_arena *a, struct relo_answer *ans, const char **why)
{
	struct relo_store *s = arg;
	const struct relo_store_req *sr = &req->body->u.store_req;
	bool replica = sr->replica_number != 0;
	uint32_t unknown[255];
	size_t n_unknown = 0, i, j, bytes_after;
	struct plan *plans = NULL;
	struct relo_nodeid pos;
	struct sres *r;
	int rc = 0;

	if (replica)
		s->st.replica_stores_in++;
	else
		s->st.stores_in++;
	if (!sr->resource.len) {
		*why = "an empty Resource-ID";
		return refuse(s, RELO_ERR_INVALID_MESSAGE);
	}
	relo_id_from_resource(&pos, sr->resource, s->id_len);
	if (!replica && !relo_node_responsible(n, &pos)) {
		*why = "not responsible for this Resource-ID";
		return refuse(s, RELO_ERR_NOT_FOUND);
	}
	if (replica && !replica_plausible(s, &pos, &req->sender)) {
		*why = "a replica store from a node not near the replica set";
		return refuse(s, RELO_ERR_FORBIDDEN);
	}
	for (i = 0; i < sr->n_kinds; i++) {
		for (j = 0; j < i; j++) {
			if (sr->kinds[j].kind == sr->kinds[i].kind) {
				*why = "a kind twice in one Store";
				return refuse(s, RELO_ERR_INVALID_MESSAGE);
			}
		}
		if (!relo_config_kind(s->cfg, sr->kinds[i].kind) && n_unknown < 255)
			unknown[n_unknown++] = sr->kinds[i].kind;
		if (replica && !sr->kinds[i].generation) {
			*why = "a replica store with generation 0";
			return refuse(s, RELO_ERR_INVALID_MESSAGE);
		}
	}
	if (n_unknown) {
		s->st.stores_refused++;
		return unknown_kinds(a, unknown, n_unknown, ans);
	}
	r = store_find(s, sr->resource);
	if (!replica) {
		for (i = 0; i < sr->n_kinds; i++) {
			struct skind *k = store_kind(r, sr->kinds[i].kind);
			if (sr->kinds[i].generation && sr->kinds[i].generation != (k ? k->generation : 0))
				return generation_too_low(s, a, sr, r, ans);
		}
	}
	plans = calloc(sr->n_kinds + 1, sizeof(*plans));
	if (!plans) {
		*why = "out of memory";
		return refuse(s, RELO_ERR_DATA_TOO_LARGE);
	}
	/* Plan every change; commit only if all of them pass (atomic). */
	bytes_after = s->st.bytes;
	for (i = 0; i < sr->n_kinds && !rc; i++) {
		const struct relo_kind_data *kd = &sr->kinds[i];
		struct plan *p = &plans[i];

		p->def = relo_config_kind(s->cfg, kd->kind);
		p->k = store_kind(r, kd->kind);
		if (p->k && p->k->n) {
			p->v = malloc(p->k->n * sizeof(*p->v));
			p->fresh = calloc(p->k->n, sizeof(*p->fresh));
			if (!p->v || !p->fresh) {
				*why = "out of memory";
				rc = RELO_ERR_DATA_TOO_LARGE;
				break;
			}
			memcpy(p->v, p->k->v, p->k->n * sizeof(*p->v));
			p->n = p->cap = p->k->n;
		}
		for (j = 0; j < kd->n_values && !rc; j++) {
			struct scert *cert = NULL;

			rc = check_value(s, req, sr, p->def, &kd->values[j], a, &cert, why);
			if (!rc)
				rc = plan_value(s, p, &kd->values[j], cert, why);
			store_unref_cert(s, cert);
		}
		bytes_after += vals_bytes(p->v, p->n) - (p->k ? vals_bytes(p->k->v, p->k->n) : 0);
	}
	if (!rc && bytes_after > s->max_bytes) {
		*why = "this peer's storage is full";
		rc = RELO_ERR_DATA_TOO_LARGE;
	}
	if (!rc && !(r = res_get(s, sr->resource))) {
		*why = "out of memory";
		rc = RELO_ERR_DATA_TOO_LARGE;
	}
	if (rc) {
		for (i = 0; i < sr->n_kinds; i++)
			plan_free(s, &plans[i], false);
		free(plans);
		if (r && !r->nk)
			store_drop_res(s, r);
		return refuse(s, rc);
	}
	s->st.bytes -= r->bytes;
	for (i = 0; i < sr->n_kinds; i++) {
		/* plan_commit may move r->k: find the kind again */
		plans[i].k = store_kind(r, sr->kinds[i].kind);
		if (plan_commit(s, r, &plans[i], replica, sr->kinds[i].generation))
			plan_free(s, &plans[i], false);
		else
			plan_free(s, &plans[i], true);
	}
	s->st.bytes += r->bytes;
	free(plans);
	if (replica)
		replica_holder(r, &req->sender);
	/* The answer: the generations, and where the values go next. */
	ans->body.code = RELO_STORE_ANS;
	ans->body.u.store_ans.n_kinds = sr->n_kinds;
	ans->body.u.store_ans.kinds =
		relo_arena_get(a, sr->n_kinds * sizeof(*ans->body.u.store_ans.kinds) + 1);
	if (!ans->body.u.store_ans.kinds)
		return RELO_ERR_DATA_TOO_LARGE;
	for (i = 0; i < sr->n_kinds; i++) {
		struct relo_store_kind_ans *ka = &ans->body.u.store_ans.kinds[i];
		struct skind *k = store_kind(r, sr->kinds[i].kind);

		memset(ka, 0, sizeof(*ka));
		ka->kind = sr->kinds[i].kind;
		ka->generation = k ? k->generation : 0;
		if (!replica) {
			ka->replicas = relo_arena_get(a, 2 * sizeof(*ka->replicas));
			if (ka->replicas)
				ka->n_replicas = relo_node_successors(n, ka->replicas, 2);
		}
	}
	if (!replica)
		replica_push_new(s, r);
	return 0;
}

/* ---- Fetch and Stat ---- */

/* A synthesized nonexistent value (section 7.4.2.2): unsigned, empty. */
static void synth(struct relo_stored_data *sd, enum relo_model model, uint32_t index,
		  struct relo_bytes key)
{
	memset(sd, 0, sizeof(*sd));
	sd->value.model = model;
	sd->value.index = index;
	sd->value.key = key;
	sd->sig.signer.type = RELO_SIGNER_NONE;
}

/* The values one specifier selects: real ones (vals) and synthesized. */
struct selection {
	struct relo_stored_data *sd;
	struct sval **real;      /* per sd: the value, or NULL if synthesized */
	size_t n, cap;
};

static int sel_add(struct relo_arena *a, struct selection *sel, struct sval *v,
		   const struct relo_stored_data *synthesized, uint64_t now)
{
	struct relo_stored_data *sd;
	struct sval **real;

	if (sel->n == sel->cap) {
		size_t cap = sel->cap ? 2 * sel->cap : 8;
		sd = relo_arena_get(a, cap * sizeof(*sd));
		real = relo_arena_get(a, cap * sizeof(*real));
		if (!sd || !real)
			return -ENOMEM;
		if (sel->n) {
			memcpy(sd, sel->sd, sel->n * sizeof(*sd));
			memcpy(real, sel->real, sel->n * sizeof(*real));
		}
		sel->sd = sd;
		sel->real = real;
		sel->cap = cap;
	}
	if (v)
		store_outgoing(v, now, &sel->sd[sel->n]);
	else
		sel->sd[sel->n] = *synthesized;
	sel->real[sel->n++] = v;
	return 0;
}

static bool live(const struct sval *v, uint64_t now)
{
	return store_remaining(v, now) > 0;
}

/* Selects what spec asks for from k (NULL: nothing stored). */
static int select_values(struct relo_arena *a, const struct relo_specifier *spec,
			 const struct relo_kind_def *def, struct skind *k, uint64_t now,
			 struct selection *sel, const char **why)
{
	struct relo_stored_data syn;
	size_t i, r;
	bool found;

	switch (def->model) {
	case RELO_MODEL_SINGLE:
		if (k && k->n && live(&k->v[0], now))
			return sel_add(a, sel, &k->v[0], NULL, now);
		synth(&syn, RELO_MODEL_SINGLE, 0, relo_bytes_of(NULL, 0));
		return sel_add(a, sel, NULL, &syn, now);
	case RELO_MODEL_ARRAY:
		for (r = 0; r < spec->n_ranges; r++) {
			uint32_t first = spec->ranges[r].first, last = spec->ranges[r].last;
			uint64_t idx;
			size_t q;

			if (first > last) {
				*why = "an array range whose first is after its last";
				return RELO_ERR_INVALID_MESSAGE;
			}
			for (q = 0; q < r; q++) {
				if (!(last < spec->ranges[q].first || first > spec->ranges[q].last)) {
					*why = "overlapping array ranges";
					return RELO_ERR_INVALID_MESSAGE;
				}
			}
			if (last == 0xffffffffu) {
				if (!k || !k->n || first > k->v[k->n - 1].sd.value.index)
					continue; /* nothing from first on */
				last = k->v[k->n - 1].sd.value.index;
			}
			if ((uint64_t)last - first >= STORE_MAX_RANGE) {
				*why = "an array range too long";
				return RELO_ERR_INVALID_MESSAGE;
			}
			for (idx = first; idx <= last; idx++) {
				struct relo_stored_value at = { .model = RELO_MODEL_ARRAY,
								.index = (uint32_t)idx };
				size_t s = k ? store_slot_of(k->v, k->n, &at, &found) : 0;
				if (k && found && live(&k->v[s], now)) {
					if (sel_add(a, sel, &k->v[s], NULL, now))
						return -ENOMEM;
					continue;
				}
				synth(&syn, RELO_MODEL_ARRAY, (uint32_t)idx, relo_bytes_of(NULL, 0));
				if (sel_add(a, sel, NULL, &syn, now))
					return -ENOMEM;
			}
		}
		return 0;
	case RELO_MODEL_DICTIONARY:
		if (!spec->n_keys) {
			for (i = 0; k && i < k->n; i++)
				if (live(&k->v[i], now) && sel_add(a, sel, &k->v[i], NULL, now))
					return -ENOMEM;
			return 0;
		}
		for (i = 0; i < spec->n_keys; i++) {
			struct relo_stored_value at = { .model = RELO_MODEL_DICTIONARY,
							.key = spec->keys[i] };
			size_t s = k ? store_slot_of(k->v, k->n, &at, &found) : 0;
			if (k && found && live(&k->v[s], now)) {
				if (sel_add(a, sel, &k->v[s], NULL, now))
					return -ENOMEM;
				continue;
			}
			synth(&syn, RELO_MODEL_DICTIONARY, 0, spec->keys[i]);
			if (sel_add(a, sel, NULL, &syn, now))
				return -ENOMEM;
		}
		return 0;
	default:
		*why = "a kind of unknown data model";
		return RELO_ERR_UNKNOWN_KIND;
	}
}

static void meta_of(const struct relo_stored_data *sd, struct relo_arena *a,
		    struct relo_stored_meta *m)
{
	uint8_t len4[4], *hash = relo_arena_get(a, 32);
	uint32_t vl = (uint32_t)sd->value.v.value.len;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned hl = 0;

	memset(m, 0, sizeof(*m));
	m->storage_time = sd->storage_time;
	m->lifetime = sd->lifetime;
	m->model = sd->value.model;
	m->index = sd->value.index;
	m->key = sd->value.key;
	m->meta.exists = sd->value.v.exists;
	m->meta.value_length = vl;
	/* The digest covers the value with its 4 leading length bytes. */
	len4[0] = (uint8_t)(vl >> 24);
	len4[1] = (uint8_t)(vl >> 16);
	len4[2] = (uint8_t)(vl >> 8);
	len4[3] = (uint8_t)vl;
	if (hash && ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, len4, 4) == 1 &&
	    (!vl || EVP_DigestUpdate(ctx, sd->value.v.value.p, vl) == 1) &&
	    EVP_DigestFinal_ex(ctx, hash, &hl) == 1) {
		m->meta.hash_alg = RELO_HASH_SHA256;
		m->meta.hash = relo_bytes_of(hash, hl);
	}
	EVP_MD_CTX_free(ctx);
}

static int on_fetch_or_stat(struct relo_store *s, struct relo_node *n,
			    const struct relo_request *req, struct relo_arena *a,
			    struct relo_answer *ans, const char **why, bool stat)
{
	const struct relo_fetch_req *fr = &req->body->u.fetch_req;
	uint64_t now = relo_node_now(n);
	struct sval **all = NULL;
	size_t n_all = 0, i, j, n_unknown = 0;
	uint32_t unknown[255];
	struct relo_nodeid pos;
	struct sres *r;

	if (stat)
		s->st.stats_in++;
	else
		s->st.fetches_in++;
	r = store_find(s, fr->resource);
	relo_id_from_resource(&pos, fr->resource, s->id_len);
	if (!r && !relo_node_responsible(n, &pos)) {
		*why = "not responsible for this Resource-ID";
		return RELO_ERR_NOT_FOUND;
	}
	for (i = 0; i < fr->n_spec; i++)
		if (!relo_config_kind(s->cfg, fr->spec[i].kind) && n_unknown < 255)
			unknown[n_unknown++] = fr->spec[i].kind;
	if (n_unknown)
		return unknown_kinds(a, unknown, n_unknown, ans);
	if (stat) {
		ans->body.code = RELO_STAT_ANS;
		ans->body.u.stat_ans.n_kinds = fr->n_spec;
		ans->body.u.stat_ans.kinds =
			relo_arena_get(a, fr->n_spec * sizeof(*ans->body.u.stat_ans.kinds) + 1);
	} else {
		ans->body.code = RELO_FETCH_ANS;
		ans->body.u.fetch_ans.n_kinds = fr->n_spec;
		ans->body.u.fetch_ans.kinds =
			relo_arena_get(a, fr->n_spec * sizeof(*ans->body.u.fetch_ans.kinds) + 1);
	}
	if (stat ? !ans->body.u.stat_ans.kinds : !ans->body.u.fetch_ans.kinds)
		return -ENOMEM;
	for (i = 0; i < fr->n_spec; i++) {
		const struct relo_specifier *spec = &fr->spec[i];
		const struct relo_kind_def *def = relo_config_kind(s->cfg, spec->kind);
		struct skind *k = store_kind(r, spec->kind);
		uint64_t gen = k ? k->generation : 0;
		struct selection sel = { 0 };
		int rc = 0;

		/* The requester has this generation already: nothing to send. */
		if (!(spec->generation && spec->generation == gen))
			rc = select_values(a, spec, def, k, now, &sel, why);
		if (rc)
			return rc;
		if (stat) {
			struct relo_stat_kind *sk = &ans->body.u.stat_ans.kinds[i];
			sk->kind = spec->kind;
			sk->generation = gen;
			sk->n_values = sel.n;
			sk->values = relo_arena_get(a, sel.n * sizeof(*sk->values) + 1);
			if (!sk->values)
				return -ENOMEM;
			for (j = 0; j < sel.n; j++)
				meta_of(&sel.sd[j], a, &sk->values[j]);
			continue;
		}
		ans->body.u.fetch_ans.kinds[i] = (struct relo_kind_data){
			.kind = spec->kind, .generation = gen, .values = sel.sd, .n_values = sel.n
		};
		/* Gather the real values, for their signers' certificates. */
		if (sel.n) {
			struct sval **grown = relo_arena_get(a, (n_all + sel.n) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			if (n_all)
				memcpy(grown, all, n_all * sizeof(*grown));
			for (j = 0; j < sel.n; j++)
				if (sel.real[j])
					grown[n_all++] = sel.real[j];
			all = grown;
		}
	}
	if (!stat && store_certs_of(a, all, n_all, &ans->certs, &ans->n_certs))
		return -ENOMEM;
	return 0;
}

static int on_fetch(void *arg, struct relo_node *n, const struct relo_request *req,
		    struct relo_arena *a, struct relo_answer *ans, const char **why)
{
	return on_fetch_or_stat(arg, n, req, a, ans, why, false);
}

static int on_stat(void *arg, struct relo_node *n, const struct relo_request *req,
		   struct relo_arena *a, struct relo_answer *ans, const char **why)
{
	return on_fetch_or_stat(arg, n, req, a, ans, why, true);
}

/* ---- Find ---- */

static int on_find(void *arg, struct relo_node *n, const struct relo_request *req,
		   struct relo_arena *a, struct relo_answer *ans, const char **why)
{
	struct relo_store *s = arg;
	const struct relo_find_req *fq = &req->body->u.find_req;
	struct relo_find_ans *fa = &ans->body.u.find_ans;
	uint64_t now = relo_node_now(n);
	struct relo_nodeid pos;
	size_t i, j, b;

	s->st.finds_in++;
	relo_id_from_resource(&pos, fq->resource, s->id_len);
	if (!relo_node_responsible(n, &pos)) {
		*why = "not responsible for this Resource-ID";
		return RELO_ERR_NOT_FOUND;
	}
	for (i = 0; i < fq->n_kinds; i++) {
		for (j = 0; j < i; j++) {
			if (fq->kinds[i] == fq->kinds[j]) {
				*why = "a kind twice in one Find";
				return RELO_ERR_INVALID_MESSAGE;
			}
		}
	}
	ans->body.code = RELO_FIND_ANS;
	fa->n = fq->n_kinds;
	fa->results = relo_arena_get(a, fq->n_kinds * sizeof(*fa->results) + 1);
	if (!fa->results)
		return -ENOMEM;
	for (i = 0; i < fq->n_kinds; i++) {
		const struct sres *best = NULL;
		struct relo_nodeid d, best_d;

		fa->results[i].kind = fq->kinds[i];
		fa->results[i].closest = relo_bytes_of(NULL, 0); /* none known: 0 */
		if (!relo_config_kind(s->cfg, fq->kinds[i]))
			continue;
		/* The nearest resource at or after the target (a walk goes on from it). */
		for (b = 0; b < s->n_buckets; b++) {
			struct sres *r;
			for (r = s->buckets[b]; r; r = r->next) {
				struct skind *k = store_kind(r, fq->kinds[i]);
				bool any = false;
				for (j = 0; k && j < k->n && !any; j++)
					any = live(&k->v[j], now);
				if (!any)
					continue;
				relo_id_distance(&d, &pos, &r->pos);
				if (!best || relo_id_cmp(&d, &best_d) < 0) {
					best = r;
					best_d = d;
				}
			}
		}
		if (best) {
			uint8_t *copy = relo_arena_get(a, best->len);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, best->id, best->len);
			fa->results[i].closest = relo_bytes_of(copy, best->len);
		}
	}
	return 0;
}

/* ---- outstanding requests ---- */

struct spend *store_pending_new(struct relo_store *s,
				void (*done)(struct spend *p, int err, const struct relo_msg *ans,
					     const struct relo_body *body))
{
	struct spend *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->s = s;
	p->done = done;
	p->next = s->pending;
	s->pending = p;
	return p;
}

void store_pending_answer(void *arg, int err, const struct relo_msg *ans,
			  const struct relo_body *body)
{
	struct spend *p = arg, **pp;

	if (p->s) {
		for (pp = &p->s->pending; *pp; pp = &(*pp)->next) {
			if (*pp == p) {
				*pp = p->next;
				break;
			}
		}
	}
	/* A store freed before its node: its requests end without it. */
	if (p->s && p->done)
		p->done(p, err, ans, body);
	free(p);
}

/* ---- life ---- */

static uint64_t system_wall_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int relo_store_alloc(struct relo_store **sp, const struct relo_store_opts *o)
{
	struct relo_store *s;
	int err;

	if (!o->node || !o->cfg || !!o->ident != !!o->trust)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->node = o->node;
	s->cfg = o->cfg;
	s->ident = o->ident;
	s->trust = o->trust;
	s->wall_ms = o->wall_ms ? o->wall_ms : system_wall_ms;
	s->wall_arg = o->wall_arg;
	s->sync_delay_ms = o->sync_delay_ms ? o->sync_delay_ms : 1000;
	s->sync_interval_ms = o->sync_interval_ms ? o->sync_interval_ms : 60000;
	s->sweep_ms = o->sweep_ms ? o->sweep_ms : 5000;
	s->max_bytes = o->max_bytes ? o->max_bytes : (size_t)256 << 20;
	relo_config_wirecfg(o->cfg, &s->wc);
	s->id_len = s->wc.node_id_len;
	s->n_buckets = 64;
	s->buckets = calloc(s->n_buckets, sizeof(*s->buckets));
	if (!s->buckets) {
		free(s);
		return -ENOMEM;
	}
	err = relo_node_handle(s->node, RELO_STORE_REQ, on_store, s);
	if (!err)
		err = relo_node_handle(s->node, RELO_FETCH_REQ, on_fetch, s);
	if (!err)
		err = relo_node_handle(s->node, RELO_STAT_REQ, on_stat, s);
	if (!err)
		err = relo_node_handle(s->node, RELO_FIND_REQ, on_find, s);
	if (!err)
		err = replica_init(s);
	if (err) {
		relo_store_free(s);
		return err;
	}
	*sp = s;
	return 0;
}

void relo_store_free(struct relo_store *s)
{
	struct spend *p;
	size_t b;

	if (!s)
		return;
	replica_fini(s);
	relo_node_handle(s->node, RELO_STORE_REQ, NULL, NULL);
	relo_node_handle(s->node, RELO_FETCH_REQ, NULL, NULL);
	relo_node_handle(s->node, RELO_STAT_REQ, NULL, NULL);
	relo_node_handle(s->node, RELO_FIND_REQ, NULL, NULL);
	/* Requests still out answer later, to nobody. */
	for (p = s->pending; p; p = p->next)
		p->s = NULL;
	for (b = 0; b < s->n_buckets; b++)
		while (s->buckets[b])
			store_drop_res(s, s->buckets[b]);
	free(s->buckets);
	free(s);
}

void relo_store_stats(const struct relo_store *s, struct relo_store_stats *out)
{
	*out = s->st;
	out->resources = s->n_res;
}
