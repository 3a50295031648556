/*
 * body_store.c - Store, Fetch, Stat and Find bodies and StoredData
 * (RFC 6940 section 7)
 */
#include <string.h>

#include "wire_int.h"

/* The model values of a kind are decoded with: RAW unless it is known. */
static enum relo_model known_model(enum relo_model m)
{
	return m == RELO_MODEL_SINGLE || m == RELO_MODEL_ARRAY || m == RELO_MODEL_DICTIONARY
		       ? m
		       : RELO_MODEL_RAW;
}

static enum relo_model kind_model(const struct relo_wirecfg *cfg, uint32_t kind)
{
	return known_model(cfg->model ? cfg->model(cfg->model_arg, kind) : RELO_MODEL_UNKNOWN);
}

static void data_value_read(struct relo_rd *r, struct relo_data_value *v)
{
	v->exists = relo_rd_bool(r);
	v->value = relo_rd_vec(r, 4, 0xffffffffu);
}

static void data_value_write(struct relo_wr *w, const struct relo_data_value *v)
{
	relo_wr_bool(w, v->exists);
	relo_wr_vec(w, 4, 0xffffffffu, v->value);
}

/* StoredDataValue of a known model. */
static void stored_value_read(struct relo_rd *r, enum relo_model model,
			      struct relo_stored_value *v)
{
	v->model = model;
	switch (model) {
	case RELO_MODEL_SINGLE:
		break;
	case RELO_MODEL_ARRAY:
		v->index = relo_rd_u32(r);
		break;
	case RELO_MODEL_DICTIONARY:
		v->key = relo_rd_vec(r, 2, 0xffff);
		break;
	default:
		relo_rd_fail(r, -EINVAL);
		return;
	}
	data_value_read(r, &v->v);
}

void relo_stored_value_write(struct relo_wr *w, const struct relo_stored_value *v)
{
	switch (v->model) {
	case RELO_MODEL_SINGLE:
		break;
	case RELO_MODEL_ARRAY:
		relo_wr_u32(w, v->index);
		break;
	case RELO_MODEL_DICTIONARY:
		relo_wr_vec(w, 2, 0xffff, v->key);
		break;
	default:
		relo_wr_fail(w, -EINVAL); /* RAW has no StoredDataValue of its own */
		return;
	}
	data_value_write(w, &v->v);
}

void relo_stored_data_read(struct relo_rd *r, enum relo_model model, struct relo_stored_data *sd)
{
	struct relo_rd sub;

	memset(sd, 0, sizeof(*sd));
	model = known_model(model);
	relo_rd_open(r, 4, 0xffffffffu, &sub);
	sd->storage_time = relo_rd_u64(&sub);
	sd->lifetime = relo_rd_u32(&sub);
	if (model == RELO_MODEL_RAW) {
		sd->value.model = RELO_MODEL_RAW;
		sd->raw = relo_rd_fixed(&sub, relo_rd_left(&sub));
	} else {
		stored_value_read(&sub, model, &sd->value);
		relo_sig_read(&sub, &sd->sig);
	}
	relo_rd_close(r, &sub);
}

void relo_stored_data_write(struct relo_wr *w, const struct relo_stored_data *sd)
{
	size_t mark = relo_wr_open(w, 4);

	relo_wr_u64(w, sd->storage_time);
	relo_wr_u32(w, sd->lifetime);
	if (sd->value.model == RELO_MODEL_RAW) {
		relo_wr_bytes(w, sd->raw.p, sd->raw.len);
	} else {
		relo_stored_value_write(w, &sd->value);
		relo_sig_write(w, &sd->sig);
	}
	relo_wr_close(w, mark, 4, 0xffffffffu);
}

int relo_stored_sig_input(struct relo_bytes resource, uint32_t kind,
			  const struct relo_stored_data *sd, struct relo_wr *w)
{
	struct relo_stored_value v = sd->value;

	if (v.model != known_model(v.model))
		return relo_wr_fail(w, -EINVAL);
	v.index = 0; /* section 7.4.2.2: arrays are signed with index 0 */
	relo_wr_vec(w, 1, RELO_RESID_MAX, resource); /* a ResourceId, as on the wire */
	relo_wr_u32(w, kind);
	relo_wr_u64(w, sd->storage_time);
	relo_stored_value_write(w, &v);
	relo_signer_write(w, &sd->sig.signer);
	return w->err;
}

static void stored_data_list_read(struct relo_rd *r, struct relo_arena *a, enum relo_model model,
				  struct relo_stored_data **list, size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	relo_rd_open(r, 4, 0xffffffffu, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_stored_data *sd = RD_PUSH(&sub, a, *list, *n, cap);
		if (!sd)
			break;
		relo_stored_data_read(&sub, model, sd);
	}
	relo_rd_close(r, &sub);
}

static void stored_data_list_write(struct relo_wr *w, const struct relo_stored_data *list,
				   size_t n)
{
	size_t mark = relo_wr_open(w, 4), i;

	for (i = 0; i < n; i++)
		relo_stored_data_write(w, &list[i]);
	relo_wr_close(w, mark, 4, 0xffffffffu);
}

/* StoreKindData kind_data<0..2^32-1> and FetchKindResponse
 * kind_responses<0..2^32-1>: the same structure. */
static void kind_data_list_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
				struct relo_arena *a, struct relo_kind_data **list, size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	relo_rd_open(r, 4, 0xffffffffu, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_kind_data *k = RD_PUSH(&sub, a, *list, *n, cap);
		if (!k)
			break;
		k->kind = relo_rd_u32(&sub);
		k->generation = relo_rd_u64(&sub);
		stored_data_list_read(&sub, a, kind_model(cfg, k->kind), &k->values, &k->n_values);
	}
	relo_rd_close(r, &sub);
}

static void kind_data_list_write(struct relo_wr *w, const struct relo_kind_data *list, size_t n)
{
	size_t mark = relo_wr_open(w, 4), i;

	for (i = 0; i < n; i++) {
		relo_wr_u32(w, list[i].kind);
		relo_wr_u64(w, list[i].generation);
		stored_data_list_write(w, list[i].values, list[i].n_values);
	}
	relo_wr_close(w, mark, 4, 0xffffffffu);
}

void body_store_req_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_store_req *b)
{
	b->resource = relo_rd_vec(r, 1, RELO_RESID_MAX);
	b->replica_number = relo_rd_u8(r);
	kind_data_list_read(r, cfg, a, &b->kinds, &b->n_kinds);
}

void body_store_req_write(struct relo_wr *w, const struct relo_store_req *b)
{
	relo_wr_vec(w, 1, RELO_RESID_MAX, b->resource);
	relo_wr_u8(w, b->replica_number);
	kind_data_list_write(w, b->kinds, b->n_kinds);
}

void relo_store_ans_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_store_ans *s)
{
	struct relo_rd sub;
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_store_kind_ans *k = RD_PUSH(&sub, a, s->kinds, s->n_kinds, cap);
		if (!k)
			break;
		k->kind = relo_rd_u32(&sub);
		k->generation = relo_rd_u64(&sub);
		nodeid_list_read(&sub, cfg, a, 2, &k->replicas, &k->n_replicas);
	}
	relo_rd_close(r, &sub);
}

void relo_store_ans_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			  const struct relo_store_ans *s)
{
	size_t mark = relo_wr_open(w, 2), i;

	for (i = 0; i < s->n_kinds; i++) {
		relo_wr_u32(w, s->kinds[i].kind);
		relo_wr_u64(w, s->kinds[i].generation);
		nodeid_list_write(w, cfg, 2, s->kinds[i].replicas, s->kinds[i].n_replicas);
	}
	relo_wr_close(w, mark, 2, 0xffff);
}

/* StoredDataSpecifier: kind, generation, uint16 length, model_specifier. */
static void specifier_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			   struct relo_arena *a, struct relo_specifier *s)
{
	struct relo_rd rest, sub;
	size_t cap = 0;

	s->kind = relo_rd_u32(r);
	s->generation = relo_rd_u64(r);
	s->model = kind_model(cfg, s->kind);
	relo_rd_open(r, 2, 0xffff, &rest);
	switch (s->model) {
	case RELO_MODEL_SINGLE:
		break;
	case RELO_MODEL_ARRAY:
		relo_rd_open(&rest, 2, 0xffff, &sub);
		if (!sub.err && relo_rd_left(&sub) % 8)
			relo_rd_fail(&sub, -EBADMSG);
		while (relo_rd_more(&sub)) {
			struct relo_array_range *ar = RD_PUSH(&sub, a, s->ranges, s->n_ranges, cap);
			if (!ar)
				break;
			ar->first = relo_rd_u32(&sub);
			ar->last = relo_rd_u32(&sub);
		}
		relo_rd_close(&rest, &sub);
		break;
	case RELO_MODEL_DICTIONARY:
		relo_rd_open(&rest, 2, 0xffff, &sub);
		while (relo_rd_more(&sub)) {
			struct relo_bytes *k = RD_PUSH(&sub, a, s->keys, s->n_keys, cap);
			if (!k)
				break;
			*k = relo_rd_vec(&sub, 2, 0xffff);
		}
		relo_rd_close(&rest, &sub);
		break;
	default:
		s->raw = relo_rd_fixed(&rest, relo_rd_left(&rest));
		break;
	}
	relo_rd_close(r, &rest);
}

static void specifier_write(struct relo_wr *w, const struct relo_specifier *s)
{
	size_t rest, inner, i;

	relo_wr_u32(w, s->kind);
	relo_wr_u64(w, s->generation);
	rest = relo_wr_open(w, 2);
	switch (s->model) {
	case RELO_MODEL_SINGLE:
		break;
	case RELO_MODEL_ARRAY:
		inner = relo_wr_open(w, 2);
		for (i = 0; i < s->n_ranges; i++) {
			relo_wr_u32(w, s->ranges[i].first);
			relo_wr_u32(w, s->ranges[i].last);
		}
		relo_wr_close(w, inner, 2, 0xffff);
		break;
	case RELO_MODEL_DICTIONARY:
		inner = relo_wr_open(w, 2);
		for (i = 0; i < s->n_keys; i++)
			relo_wr_vec(w, 2, 0xffff, s->keys[i]);
		relo_wr_close(w, inner, 2, 0xffff);
		break;
	case RELO_MODEL_RAW:
		relo_wr_bytes(w, s->raw.p, s->raw.len);
		break;
	default:
		relo_wr_fail(w, -EINVAL);
		break;
	}
	relo_wr_close(w, rest, 2, 0xffff);
}

void body_fetch_req_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_fetch_req *b)
{
	struct relo_rd sub;
	size_t cap = 0;

	b->resource = relo_rd_vec(r, 1, RELO_RESID_MAX);
	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_specifier *s = RD_PUSH(&sub, a, b->spec, b->n_spec, cap);
		if (!s)
			break;
		specifier_read(&sub, cfg, a, s);
	}
	relo_rd_close(r, &sub);
}

void body_fetch_req_write(struct relo_wr *w, const struct relo_fetch_req *b)
{
	size_t mark, i;

	relo_wr_vec(w, 1, RELO_RESID_MAX, b->resource);
	mark = relo_wr_open(w, 2);
	for (i = 0; i < b->n_spec; i++)
		specifier_write(w, &b->spec[i]);
	relo_wr_close(w, mark, 2, 0xffff);
}

void body_fetch_ans_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_fetch_ans *b)
{
	kind_data_list_read(r, cfg, a, &b->kinds, &b->n_kinds);
}

void body_fetch_ans_write(struct relo_wr *w, const struct relo_fetch_ans *b)
{
	kind_data_list_write(w, b->kinds, b->n_kinds);
}

static void meta_read(struct relo_rd *r, enum relo_model model, struct relo_stored_meta *m)
{
	struct relo_rd sub;

	relo_rd_open(r, 4, 0xffffffffu, &sub);
	m->storage_time = relo_rd_u64(&sub);
	m->lifetime = relo_rd_u32(&sub);
	m->model = model;
	switch (model) {
	default:
		m->raw = relo_rd_fixed(&sub, relo_rd_left(&sub));
		goto out;
	case RELO_MODEL_ARRAY:
		m->index = relo_rd_u32(&sub);
		break;
	case RELO_MODEL_DICTIONARY:
		m->key = relo_rd_vec(&sub, 2, 0xffff);
		break;
	case RELO_MODEL_SINGLE:
		break;
	}
	m->meta.exists = relo_rd_bool(&sub);
	m->meta.value_length = relo_rd_u32(&sub);
	m->meta.hash_alg = relo_rd_u8(&sub);
	m->meta.hash = relo_rd_vec(&sub, 1, 0xff);
out:
	relo_rd_close(r, &sub);
}

static void meta_write(struct relo_wr *w, const struct relo_stored_meta *m)
{
	size_t mark = relo_wr_open(w, 4);

	relo_wr_u64(w, m->storage_time);
	relo_wr_u32(w, m->lifetime);
	switch (m->model) {
	case RELO_MODEL_RAW:
		relo_wr_bytes(w, m->raw.p, m->raw.len);
		goto out;
	default:
		relo_wr_fail(w, -EINVAL);
		goto out;
	case RELO_MODEL_ARRAY:
		relo_wr_u32(w, m->index);
		break;
	case RELO_MODEL_DICTIONARY:
		relo_wr_vec(w, 2, 0xffff, m->key);
		break;
	case RELO_MODEL_SINGLE:
		break;
	}
	relo_wr_bool(w, m->meta.exists);
	relo_wr_u32(w, m->meta.value_length);
	relo_wr_u8(w, m->meta.hash_alg);
	relo_wr_vec(w, 1, 0xff, m->meta.hash);
out:
	relo_wr_close(w, mark, 4, 0xffffffffu);
}

void body_stat_ans_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			struct relo_stat_ans *b)
{
	struct relo_rd sub, vals;
	size_t cap = 0;

	relo_rd_open(r, 4, 0xffffffffu, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_stat_kind *k = RD_PUSH(&sub, a, b->kinds, b->n_kinds, cap);
		enum relo_model model;
		size_t vcap = 0;

		if (!k)
			break;
		k->kind = relo_rd_u32(&sub);
		k->generation = relo_rd_u64(&sub);
		model = kind_model(cfg, k->kind);
		relo_rd_open(&sub, 4, 0xffffffffu, &vals);
		while (relo_rd_more(&vals)) {
			struct relo_stored_meta *m = RD_PUSH(&vals, a, k->values, k->n_values, vcap);
			if (!m)
				break;
			meta_read(&vals, model, m);
		}
		relo_rd_close(&sub, &vals);
	}
	relo_rd_close(r, &sub);
}

void body_stat_ans_write(struct relo_wr *w, const struct relo_stat_ans *b)
{
	size_t mark = relo_wr_open(w, 4), i, j;

	for (i = 0; i < b->n_kinds; i++) {
		const struct relo_stat_kind *k = &b->kinds[i];
		size_t vals;

		relo_wr_u32(w, k->kind);
		relo_wr_u64(w, k->generation);
		vals = relo_wr_open(w, 4);
		for (j = 0; j < k->n_values; j++)
			meta_write(w, &k->values[j]);
		relo_wr_close(w, vals, 4, 0xffffffffu);
	}
	relo_wr_close(w, mark, 4, 0xffffffffu);
}

/* KindId kinds<0..2^8-1>, in FindReq and in Error_Unknown_Kind. */
void kind_id_list_read(struct relo_rd *r, struct relo_arena *a, uint32_t **kinds, size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	relo_rd_open(r, 1, 0xff, &sub);
	if (!sub.err && relo_rd_left(&sub) % 4)
		relo_rd_fail(&sub, -EBADMSG);
	while (relo_rd_more(&sub)) {
		uint32_t *k = RD_PUSH(&sub, a, *kinds, *n, cap);
		if (!k)
			break;
		*k = relo_rd_u32(&sub);
	}
	relo_rd_close(r, &sub);
}

void kind_id_list_write(struct relo_wr *w, const uint32_t *kinds, size_t n)
{
	size_t mark = relo_wr_open(w, 1), i;

	for (i = 0; i < n; i++)
		relo_wr_u32(w, kinds[i]);
	relo_wr_close(w, mark, 1, 0xff);
}

void body_find_req_read(struct relo_rd *r, struct relo_arena *a, struct relo_find_req *b)
{
	b->resource = relo_rd_vec(r, 1, RELO_RESID_MAX);
	kind_id_list_read(r, a, &b->kinds, &b->n_kinds);
}

void body_find_req_write(struct relo_wr *w, const struct relo_find_req *b)
{
	relo_wr_vec(w, 1, RELO_RESID_MAX, b->resource);
	kind_id_list_write(w, b->kinds, b->n_kinds);
}

void body_find_ans_read(struct relo_rd *r, struct relo_arena *a, struct relo_find_ans *b)
{
	struct relo_rd sub;
	size_t cap = 0;

	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_find_kind *k = RD_PUSH(&sub, a, b->results, b->n, cap);
		if (!k)
			break;
		k->kind = relo_rd_u32(&sub);
		k->closest = relo_rd_vec(&sub, 1, RELO_RESID_MAX);
	}
	relo_rd_close(r, &sub);
}

void body_find_ans_write(struct relo_wr *w, const struct relo_find_ans *b)
{
	size_t mark = relo_wr_open(w, 2), i;

	for (i = 0; i < b->n; i++) {
		relo_wr_u32(w, b->results[i].kind);
		relo_wr_vec(w, 1, RELO_RESID_MAX, b->results[i].closest);
	}
	relo_wr_close(w, mark, 2, 0xffff);
}
