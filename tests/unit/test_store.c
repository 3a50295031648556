/*
 * test_store.c - storage on signed nodes of the simulated overlay: Store,
 * Fetch, Stat, Find in the three data models; access control; the rules
 * of section 7.4.1.1 (unknown kinds, sizes, counts, generations, storage
 * times, signatures); expiry; replication through crashes and joins
 * (reload/store)
 */
#include <openssl/evp.h>

#include "relo/ring.h"
#include "simworld.h"
#include "test.h"

#define K_SINGLE 0xF0000101u /* single value, USER-MATCH */
#define K_ARRAY 0xF0000102u  /* array, USER-MATCH, at most 4 values */
#define K_DICT 0xF0000103u   /* dictionary, USER-NODE-MATCH */
#define K_NODE 0xF0000104u   /* array, NODE-MATCH */
#define K_MULTI 0xF0000105u  /* single value, NODE-MULTIPLE up to 3 */
#define K_BULK 0xF0000106u   /* single value, NODE-MULTIPLE up to 16: many resources */
#define K_SHARED 0xF0000107u /* dictionary, USER-CHAIN-ACL (RFC 8076) */

static int add_kind(struct world *w, uint32_t id, enum relo_model model, enum relo_acl acl,
		    uint32_t max_count, uint32_t max_size, uint32_t multiple)
{
	struct relo_kind_def k;

	memset(&k, 0, sizeof(k));
	k.id = id;
	k.model = model;
	k.acl = acl;
	k.max_count = max_count;
	k.max_size = max_size;
	k.max_node_multiple = multiple;
	return relo_config_add_kind(w->cfg, &k);
}

static int world_with_kinds(struct world *w, uint64_t seed)
{
	if (world_init(w, seed, true))
		return -1;
	w->stores = true;
	if (add_kind(w, K_SINGLE, RELO_MODEL_SINGLE, RELO_ACL_USER_MATCH, 1, 64, 0) ||
	    add_kind(w, K_ARRAY, RELO_MODEL_ARRAY, RELO_ACL_USER_MATCH, 4, 64, 0) ||
	    add_kind(w, K_DICT, RELO_MODEL_DICTIONARY, RELO_ACL_USER_NODE_MATCH, 8, 64, 0) ||
	    add_kind(w, K_NODE, RELO_MODEL_ARRAY, RELO_ACL_NODE_MATCH, 4, 64, 0) ||
	    add_kind(w, K_MULTI, RELO_MODEL_SINGLE, RELO_ACL_NODE_MULTIPLE, 1, 64, 3) ||
	    add_kind(w, K_BULK, RELO_MODEL_SINGLE, RELO_ACL_NODE_MULTIPLE, 1, 256, 16) ||
	    add_kind(w, K_SHARED, RELO_MODEL_DICTIONARY, RELO_ACL_USER_CHAIN_ACL, 16, 256, 0) ||
	    add_kind(w, RELO_KIND_ACCESS_CONTROL_LIST, RELO_MODEL_ARRAY, RELO_ACL_USER_CHAIN_ACL,
		     64, 256, 0))
		return -1;
	return 0;
}

/* ---- waiting for answers ---- */

struct outcome {
	bool done;
	int err;
	uint16_t error;
	uint64_t generation;         /* StoreAns / FetchAns, first kind */
	size_t n_replicas;
	size_t n_values, n_invalid;  /* FetchAns, first kind */
	struct relo_fetched first;   /* its first value (views: see bytes below) */
	uint8_t bytes[256];          /* the first value's bytes */
	uint8_t key[64];             /* and its dictionary key */
	char user[RELO_USER_MAX];     /* the first value's signer */
	uint32_t indices[8];
};

static bool outcome_done(void *arg)
{
	return ((struct outcome *)arg)->done;
}

static void put_cb(void *arg, int err, uint16_t error, const struct relo_body *b)
{
	struct outcome *o = arg;

	o->done = true;
	o->err = err;
	o->error = error;
	if (!err && !error && b->u.store_ans.n_kinds) {
		o->generation = b->u.store_ans.kinds[0].generation;
		o->n_replicas = b->u.store_ans.kinds[0].n_replicas;
	}
	if (error == RELO_ERR_GENERATION_COUNTER_TOO_LOW) {
		/* error_info is a StoreAns with the generations stored */
		struct relo_wirecfg wc;
		struct relo_arena *a;
		struct relo_store_ans sa;
		struct relo_rd r;
		relo_wirecfg_default(&wc);
		relo_arena_alloc(&a, 0, 0);
		relo_rd_init(&r, b->u.error.info.p, b->u.error.info.len);
		relo_store_ans_read(&r, &wc, a, &sa);
		if (!r.err && sa.n_kinds)
			o->generation = sa.kinds[0].generation;
		relo_arena_free(a);
	}
}

static void fetch_cb(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k,
		     size_t n)
{
	struct outcome *o = arg;
	size_t i;

	o->done = true;
	o->err = err;
	o->error = error;
	if (err || error || !n)
		return;
	o->generation = k[0].generation;
	o->n_values = k[0].n_values;
	o->n_invalid = k[0].n_invalid;
	for (i = 0; i < k[0].n_values && i < 8; i++)
		o->indices[i] = k[0].values[i].sd.value.index;
	if (k[0].n_values) {
		const struct relo_fetched *f = &k[0].values[0];
		size_t len = f->sd.value.v.value.len < sizeof(o->bytes) ? f->sd.value.v.value.len
									: sizeof(o->bytes);
		o->first = *f;
		memcpy(o->bytes, f->sd.value.v.value.p, len);
		o->first.sd.value.v.value = relo_bytes_of(o->bytes, len);
		len = f->sd.value.key.len < sizeof(o->key) ? f->sd.value.key.len : sizeof(o->key);
		if (len)
			memcpy(o->key, f->sd.value.key.p, len);
		o->first.sd.value.key = relo_bytes_of(o->key, len);
		o->first.sd.sig = (struct relo_sig){ 0 }; /* not kept */
		snprintf(o->user, sizeof(o->user), "%s", f->signer.user);
	}
}

static int wait_for(struct world *w, struct outcome *o)
{
	return relo_sim_run_until(w->sim, relo_sim_now(w->sim) + 60000, outcome_done, o) ? 0 : -1;
}

/* Node i stores one value; waits for the answer. */
static int put1(struct world *w, size_t i, struct relo_bytes res, uint32_t kind,
		const struct relo_stored_value *v, uint32_t lifetime, uint64_t generation,
		struct outcome *o)
{
	struct relo_put p = { .kind = kind, .value = *v, .lifetime = lifetime,
			      .generation = generation };

	memset(o, 0, sizeof(*o));
	if (relo_store_put(w->m[i].store, res, &p, 1, put_cb, o))
		return -1;
	return wait_for(w, o);
}

static int fetch1(struct world *w, size_t i, struct relo_bytes res,
		  const struct relo_specifier *spec, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	if (relo_store_fetch(w->m[i].store, res, spec, 1, fetch_cb, o))
		return -1;
	return wait_for(w, o);
}

static struct relo_stored_value single(const char *s)
{
	struct relo_stored_value v = { .model = RELO_MODEL_SINGLE };

	v.v.exists = true;
	v.v.value = relo_bytes_str(s);
	return v;
}

static struct relo_stored_value entry(uint32_t index, const char *s)
{
	struct relo_stored_value v = { .model = RELO_MODEL_ARRAY, .index = index };

	v.v.exists = true;
	v.v.value = relo_bytes_str(s);
	return v;
}

static struct relo_stored_value keyed(struct relo_bytes key, const char *s)
{
	struct relo_stored_value v = { .model = RELO_MODEL_DICTIONARY, .key = key };

	v.v.exists = true;
	v.v.value = relo_bytes_str(s);
	return v;
}

/* Resource-IDs: of a user name, a Node-ID, a Node-ID and i. */
static struct relo_bytes res_user(const struct member *m, uint8_t out[16])
{
	relo_resource_id(m->user, strlen(m->user), out);
	return relo_bytes_of(out, 16);
}

static struct relo_bytes res_node(const struct member *m, uint8_t out[16])
{
	relo_resource_id(m->id.id, m->id.len, out);
	return relo_bytes_of(out, 16);
}

static struct relo_bytes res_multi(const struct member *m, uint8_t i, uint8_t out[16])
{
	uint8_t buf[RELO_NODEID_MAX + 1];

	memcpy(buf, m->id.id, m->id.len);
	buf[m->id.len] = i;
	relo_resource_id(buf, m->id.len + 1u, out);
	return relo_bytes_of(out, 16);
}

/* ---- tests ---- */

/* The three data models stored by one node and fetched by another. */
static int test_store_and_fetch(void)
{
	struct relo_specifier spec = { .kind = K_SINGLE, .model = RELO_MODEL_SINGLE };
	struct relo_array_range all = { 0, 0xffffffffu };
	struct relo_stored_value v;
	struct outcome o;
	struct world w;
	uint8_t r[16];
	struct relo_bytes res;

	CHECK_EQ(world_with_kinds(&w, 21), 0);
	CHECK_EQ(build_ring(&w, 8), 0);
	res = res_user(&w.m[2], r);

	v = single("hello");
	CHECK_EQ(put1(&w, 2, res, K_SINGLE, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.err, 0);
	CHECK_EQ(o.error, 0);
	CHECK_EQ(o.generation, 1);
	CHECK_EQ(o.n_replicas, 2);
	CHECK_EQ(fetch1(&w, 5, res, &spec, &o), 0);
	CHECK_EQ(o.error, 0);
	CHECK_EQ(o.n_values, 1);
	CHECK_EQ(o.n_invalid, 0);
	CHECK(relo_bytes_eq(o.first.sd.value.v.value, relo_bytes_str("hello")));
	CHECK(strcmp(o.user, "user2@sim") == 0);
	CHECK_EQ(o.generation, 1);
	/* Overwritten: the generation goes up. */
	v = single("hello again");
	CHECK_EQ(put1(&w, 2, res, K_SINGLE, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.generation, 2);
	CHECK_EQ(fetch1(&w, 6, res, &spec, &o), 0);
	CHECK(relo_bytes_eq(o.first.sd.value.v.value, relo_bytes_str("hello again")));
	/* Asking with the generation we have: nothing to send. */
	spec.generation = 2;
	CHECK_EQ(fetch1(&w, 6, res, &spec, &o), 0);
	CHECK_EQ(o.n_values, 0);
	CHECK_EQ(o.generation, 2);

	/* An array: appends get the next index; a store past the end. */
	v = entry(0xffffffffu, "a");
	CHECK_EQ(put1(&w, 2, res, K_ARRAY, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	v = entry(0xffffffffu, "b");
	CHECK_EQ(put1(&w, 2, res, K_ARRAY, &v, 3600, 0, &o), 0);
	v = entry(5, "f");
	CHECK_EQ(put1(&w, 2, res, K_ARRAY, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	spec = (struct relo_specifier){ .kind = K_ARRAY, .model = RELO_MODEL_ARRAY,
					 .ranges = &all, .n_ranges = 1 };
	CHECK_EQ(fetch1(&w, 7, res, &spec, &o), 0);
	/* 0, 1 and 5 signed; 2-4 synthesized "nonexistent" are not values. */
	CHECK_EQ(o.n_values, 3);
	CHECK_EQ(o.indices[0], 0);
	CHECK_EQ(o.indices[1], 1);
	CHECK_EQ(o.indices[2], 5);

	/* A dictionary keyed by the writer's Node-ID (USER-NODE-MATCH). */
	v = keyed(relo_bytes_of(w.m[2].id.id, 16), "contact");
	CHECK_EQ(put1(&w, 2, res, K_DICT, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	spec = (struct relo_specifier){ .kind = K_DICT, .model = RELO_MODEL_DICTIONARY };
	CHECK_EQ(fetch1(&w, 1, res, &spec, &o), 0);
	CHECK_EQ(o.n_values, 1);
	CHECK(relo_bytes_eq(o.first.sd.value.key, relo_bytes_of(w.m[2].id.id, 16)));

	/* Removing: a nonexistent value, signed, takes the place. */
	v = single("");
	v.v.exists = false;
	CHECK_EQ(put1(&w, 2, res, K_SINGLE, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	spec = (struct relo_specifier){ .kind = K_SINGLE, .model = RELO_MODEL_SINGLE };
	CHECK_EQ(fetch1(&w, 4, res, &spec, &o), 0);
	CHECK_EQ(o.n_values, 1);
	CHECK(!o.first.sd.value.v.exists);
	CHECK(strcmp(o.user, "user2@sim") == 0);
	world_free(&w);
	return 0;
}

/* Each policy refuses a writer it must refuse, with Error_Forbidden. */
static int test_access_control(void)
{
	struct relo_stored_value v = single("x");
	struct outcome o;
	struct world w;
	uint8_t r[16];

	CHECK_EQ(world_with_kinds(&w, 22), 0);
	CHECK_EQ(build_ring(&w, 6), 0);
	/* USER-MATCH: user3 writing at user2's Resource-ID. */
	CHECK_EQ(put1(&w, 3, res_user(&w.m[2], r), K_SINGLE, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	CHECK_EQ(put1(&w, 2, res_user(&w.m[2], r), K_SINGLE, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	/* USER-NODE-MATCH: the key must be the writer's own Node-ID. */
	v = keyed(relo_bytes_of(w.m[4].id.id, 16), "x");
	CHECK_EQ(put1(&w, 2, res_user(&w.m[2], r), K_DICT, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	v = keyed(relo_bytes_of(w.m[2].id.id, 16), "x");
	CHECK_EQ(put1(&w, 3, res_user(&w.m[2], r), K_DICT, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	/* NODE-MATCH: at the hash of the writer's Node-ID only. */
	v = entry(0, "x");
	CHECK_EQ(put1(&w, 3, res_node(&w.m[2], r), K_NODE, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	CHECK_EQ(put1(&w, 3, res_node(&w.m[3], r), K_NODE, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	/* NODE-MULTIPLE: H(Node-ID || i) for i up to max-node-multiple (3). */
	v = single("x");
	CHECK_EQ(put1(&w, 1, res_multi(&w.m[1], 3, r), K_MULTI, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	CHECK_EQ(put1(&w, 1, res_multi(&w.m[1], 4, r), K_MULTI, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	CHECK_EQ(put1(&w, 5, res_multi(&w.m[1], 1, r), K_MULTI, &v, 60, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	world_free(&w);
	return 0;
}

/* ---- hand-made Stores, for what our client would never send ---- */

struct raw_store {
	uint64_t storage_time;
	uint64_t generation;
	uint32_t kind;
	struct relo_stored_value value;
	bool tamper;                 /* change the value after signing */
	uint8_t replica_number;
};

static void raw_answered(void *arg, int err, const struct relo_msg *ans,
			 const struct relo_body *b)
{
	struct outcome *o = arg;

	(void)ans;
	o->done = true;
	o->err = err;
	if (!err && b->code == RELO_ERROR)
		o->error = b->u.error.code;
	if (!err && b->code == RELO_STORE_ANS && b->u.store_ans.n_kinds)
		o->generation = b->u.store_ans.kinds[0].generation;
}

static int raw_put(struct world *w, size_t i, struct relo_bytes res, const struct raw_store *rs,
		   struct outcome *o)
{
	struct relo_stored_data sd;
	struct relo_kind_data kd;
	struct relo_arena *a;
	struct relo_dest d = { .type = RELO_DEST_RESOURCE };
	struct relo_body b;
	int rc;

	memset(o, 0, sizeof(*o));
	memset(&sd, 0, sizeof(sd));
	relo_arena_alloc(&a, 0, 0);
	sd.storage_time = rs->storage_time;
	sd.lifetime = 600;
	sd.value = rs->value;
	rc = relo_stored_sign(w->m[i].ident, a, res, rs->kind, &sd);
	if (rs->tamper)
		sd.value.v.value = relo_bytes_str("tampered");
	kd = (struct relo_kind_data){ .kind = rs->kind, .generation = rs->generation,
				      .values = &sd, .n_values = 1 };
	memset(&b, 0, sizeof(b));
	b.code = RELO_STORE_REQ;
	b.u.store_req.resource = res;
	b.u.store_req.replica_number = rs->replica_number;
	b.u.store_req.kinds = &kd;
	b.u.store_req.n_kinds = 1;
	d.u.resource = res;
	if (!rc)
		rc = relo_node_request(w->m[i].n, &d, 1, &b, raw_answered, o);
	relo_arena_free(a);
	return rc ? rc : wait_for(w, o);
}

/* The checks of section 7.4.1.1, each with its error; data left alone. */
static int test_store_rules(void)
{
	struct relo_specifier spec = { .kind = K_SINGLE, .model = RELO_MODEL_SINGLE };
	struct relo_array_range all = { 0, 0xffffffffu };
	struct relo_stored_value v = single("first");
	struct raw_store rs;
	struct outcome o;
	struct world w;
	uint8_t r[16];
	struct relo_bytes res;
	char big[100];
	int i;

	CHECK_EQ(world_with_kinds(&w, 23), 0);
	CHECK_EQ(build_ring(&w, 6), 0);
	res = res_user(&w.m[1], r);
	CHECK_EQ(put1(&w, 1, res, K_SINGLE, &v, 600, 0, &o), 0);
	CHECK_EQ(o.generation, 1);

	/* A kind the overlay does not have. */
	memset(&rs, 0, sizeof(rs));
	rs.kind = 0xF00000FFu;
	rs.storage_time = world_wall_ms(&w);
	rs.value = single("x");
	CHECK_EQ(raw_put(&w, 1, res, &rs, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_UNKNOWN_KIND);
	/* Above max-size (64). */
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	v = single(big);
	CHECK_EQ(put1(&w, 1, res, K_SINGLE, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_DATA_TOO_LARGE);
	/* A stale generation: refused, and told the one stored. */
	v = single("second");
	CHECK_EQ(put1(&w, 1, res, K_SINGLE, &v, 600, 7, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_GENERATION_COUNTER_TOO_LOW);
	CHECK_EQ(o.generation, 1);
	CHECK_EQ(put1(&w, 1, res, K_SINGLE, &v, 600, 1, &o), 0);
	CHECK_EQ(o.error, 0);
	CHECK_EQ(o.generation, 2);
	/* A replay of an older value (storage_time before the stored one). */
	rs.kind = K_SINGLE;
	rs.storage_time = world_wall_ms(&w) - 60000;
	rs.value = single("first");
	CHECK_EQ(raw_put(&w, 1, res, &rs, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_DATA_TOO_OLD);
	/* A value changed after it was signed. */
	rs.storage_time = world_wall_ms(&w) + 1000;
	rs.tamper = true;
	CHECK_EQ(raw_put(&w, 1, res, &rs, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	/* Not a replica, but claiming to be one (from a non-neighbor, maybe). */
	rs.tamper = false;
	rs.replica_number = 1;
	rs.generation = 0;
	CHECK_EQ(raw_put(&w, 1, res, &rs, &o), 0);
	CHECK(o.error == RELO_ERR_INVALID_MESSAGE || o.error == RELO_ERR_FORBIDDEN);
	/* None of that touched the value. */
	CHECK_EQ(fetch1(&w, 4, res, &spec, &o), 0);
	CHECK(relo_bytes_eq(o.first.sd.value.v.value, relo_bytes_str("second")));
	CHECK_EQ(o.generation, 2);

	/* Above max-count (4 in the array): refused whole, nothing changed. */
	for (i = 0; i < 4; i++) {
		v = entry(0xffffffffu, "e");
		CHECK_EQ(put1(&w, 1, res, K_ARRAY, &v, 600, 0, &o), 0);
		CHECK_EQ(o.error, 0);
	}
	v = entry(0xffffffffu, "too many");
	CHECK_EQ(put1(&w, 1, res, K_ARRAY, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_DATA_TOO_LARGE);
	spec = (struct relo_specifier){ .kind = K_ARRAY, .model = RELO_MODEL_ARRAY,
					 .ranges = &all, .n_ranges = 1 };
	CHECK_EQ(fetch1(&w, 3, res, &spec, &o), 0);
	CHECK_EQ(o.n_values, 4);
	CHECK_EQ(o.generation, 4);
	world_free(&w);
	return 0;
}

struct stat_box {
	bool done;
	uint16_t code, error;
	struct relo_stored_meta meta;
	uint8_t hash[32];
	uint8_t closest[16];
	size_t closest_len;
};

static void stat_answered(void *arg, int err, const struct relo_msg *ans,
			  const struct relo_body *b)
{
	struct stat_box *x = arg;

	(void)ans;
	x->done = true;
	if (err)
		return;
	x->code = b->code;
	if (b->code == RELO_ERROR)
		x->error = b->u.error.code;
	if (b->code == RELO_STAT_ANS && b->u.stat_ans.n_kinds &&
	    b->u.stat_ans.kinds[0].n_values) {
		x->meta = b->u.stat_ans.kinds[0].values[0];
		if (x->meta.meta.hash.len == 32)
			memcpy(x->hash, x->meta.meta.hash.p, 32);
	}
	if (b->code == RELO_FIND_ANS && b->u.find_ans.n &&
	    b->u.find_ans.results[0].closest.len <= 16) {
		x->closest_len = b->u.find_ans.results[0].closest.len;
		memcpy(x->closest, b->u.find_ans.results[0].closest.p, x->closest_len);
	}
}

static bool stat_done(void *arg)
{
	return ((struct stat_box *)arg)->done;
}

/* Stat gives the length and SHA-256 of the value; Find the nearest resource. */
static int test_stat_and_find(void)
{
	struct relo_specifier spec = { .kind = K_SINGLE, .model = RELO_MODEL_SINGLE };
	struct relo_stored_value v = single("metadata");
	struct relo_dest d = { .type = RELO_DEST_RESOURCE };
	uint8_t r[16], want[32], len4[4] = { 0, 0, 0, 8 };
	struct stat_box x;
	struct relo_body b;
	struct outcome o;
	struct world w;
	unsigned hl;
	EVP_MD_CTX *ctx;
	uint32_t kind = K_SINGLE;

	CHECK_EQ(world_with_kinds(&w, 24), 0);
	CHECK_EQ(build_ring(&w, 6), 0);
	CHECK_EQ(put1(&w, 2, res_user(&w.m[2], r), K_SINGLE, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	memset(&b, 0, sizeof(b));
	b.code = RELO_STAT_REQ;
	b.u.fetch_req.resource = relo_bytes_of(r, 16);
	b.u.fetch_req.spec = &spec;
	b.u.fetch_req.n_spec = 1;
	d.u.resource = relo_bytes_of(r, 16);
	memset(&x, 0, sizeof(x));
	CHECK_EQ(relo_node_request(w.m[4].n, &d, 1, &b, stat_answered, &x), 0);
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 30000, stat_done, &x));
	CHECK_EQ(x.code, RELO_STAT_ANS);
	CHECK(x.meta.meta.exists);
	CHECK_EQ(x.meta.meta.value_length, 8);
	CHECK_EQ(x.meta.meta.hash_alg, RELO_HASH_SHA256);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, len4, 4);
	EVP_DigestUpdate(ctx, "metadata", 8);
	EVP_DigestFinal_ex(ctx, want, &hl);
	EVP_MD_CTX_free(ctx);
	CHECK_MEM(x.hash, want, 32);

	/* Find from the resource's own position: the resource itself. */
	memset(&b, 0, sizeof(b));
	b.code = RELO_FIND_REQ;
	b.u.find_req.resource = relo_bytes_of(r, 16);
	b.u.find_req.kinds = &kind;
	b.u.find_req.n_kinds = 1;
	memset(&x, 0, sizeof(x));
	CHECK_EQ(relo_node_request(w.m[0].n, &d, 1, &b, stat_answered, &x), 0);
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 30000, stat_done, &x));
	CHECK_EQ(x.code, RELO_FIND_ANS);
	CHECK_EQ(x.closest_len, 16);
	CHECK_MEM(x.closest, r, 16);
	world_free(&w);
	return 0;
}

static uint64_t held(struct world *w)
{
	struct relo_store_stats st;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (!w->m[i].alive)
			continue;
		relo_store_stats(w->m[i].store, &st);
		sum += st.values;
	}
	return sum;
}

/* Values whose lifetime ran out are gone, from the replicas too. */
static int test_expiry(void)
{
	struct relo_specifier spec = { .kind = K_SINGLE, .model = RELO_MODEL_SINGLE };
	struct relo_stored_value v = single("brief");
	struct outcome o;
	struct world w;
	uint8_t r[16];

	CHECK_EQ(world_with_kinds(&w, 25), 0);
	CHECK_EQ(build_ring(&w, 6), 0);
	CHECK_EQ(put1(&w, 3, res_user(&w.m[3], r), K_SINGLE, &v, 10, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 3000);
	CHECK_EQ(held(&w), 3); /* the responsible peer and two replicas */
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 20000);
	CHECK_EQ(held(&w), 0);
	CHECK_EQ(fetch1(&w, 1, relo_bytes_of(r, 16), &spec, &o), 0);
	CHECK_EQ(o.error, 0);
	CHECK_EQ(o.n_values, 0);
	world_free(&w);
	return 0;
}

#define BULK_PER_NODE 4

/* Every stored value can be fetched back, by any live node. */
static int fetch_all(struct world *w, size_t writers, size_t *found)
{
	struct relo_specifier spec = { .kind = K_BULK, .model = RELO_MODEL_SINGLE };
	size_t i, from = 0;
	uint8_t j, r[16];
	struct outcome o;

	*found = 0;
	for (i = 0; i < writers; i++) {
		for (j = 1; j <= BULK_PER_NODE; j++) {
			char want[32];
			while (!w->m[from % w->n].alive)
				from++;
			snprintf(want, sizeof(want), "value %zu.%u", i, j);
			if (fetch1(w, from++ % w->n, res_multi(&w->m[i], j, r), &spec, &o))
				return -1;
			if (o.n_values == 1 &&
			    relo_bytes_eq(o.first.sd.value.v.value, relo_bytes_str(want)))
				(*found)++;
		}
	}
	return 0;
}

/*
 * 18 nodes each store 4 values; then nodes crash one at a time, with time
 * for the replicas to be made again between crashes, until a third are
 * gone: every value is still there. Then new nodes join and take over
 * their share.
 */
static int test_replication(void)
{
	size_t i, found, n0 = 18, killed = 0, victim = 1;
	struct relo_store_stats st;
	struct outcome o;
	struct world w;
	uint8_t j, r[16];

	CHECK_EQ(world_with_kinds(&w, 26), 0);
	CHECK_EQ(build_ring(&w, n0), 0);
	for (i = 0; i < n0; i++) {
		for (j = 1; j <= BULK_PER_NODE; j++) {
			char val[32];
			struct relo_stored_value v;
			snprintf(val, sizeof(val), "value %zu.%u", i, j);
			v = single(val);
			CHECK_EQ(put1(&w, i, res_multi(&w.m[i], j, r), K_BULK, &v, 3600, 0, &o), 0);
			CHECK_EQ(o.error, 0);
		}
	}
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 5000);
	CHECK_EQ(held(&w), 3 * n0 * BULK_PER_NODE);
	while (killed < n0 / 3) {
		crash(&w, victim);
		killed++;
		victim += 3;
		/* The links fail after 2 s; the replicas are made 1 s later. */
		if (!relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 60000, ring_ok, &w))
			TEST_FAIL("the ring did not heal after %zu crashes", killed);
		relo_sim_run(w.sim, relo_sim_now(w.sim) + 5000);
		if (held(&w) < 3 * n0 * BULK_PER_NODE)
			TEST_FAIL("after %zu crashes %llu copies, want %zu", killed,
				  (unsigned long long)held(&w), 3 * n0 * BULK_PER_NODE);
	}
	CHECK_EQ(fetch_all(&w, n0, &found), 0);
	printf("  %zu of %zu values found after %zu of %zu nodes crashed\n", found,
	       n0 * BULK_PER_NODE, killed, n0);
	CHECK_EQ(found, n0 * BULK_PER_NODE);

	/* Joins: the new nodes take over their ranges. */
	for (i = 0; i < 6; i++) {
		CHECK_EQ(world_add(&w), 0);
		relo_sim_run(w.sim, relo_sim_now(w.sim) + 1500);
	}
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 60000, ring_ok, &w));
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 5000);
	for (i = n0, found = 0; i < w.n; i++) {
		relo_store_stats(w.m[i].store, &st);
		found += st.values;
	}
	printf("  the 6 nodes that joined hold %zu copies\n", found);
	CHECK(found > 0);
	CHECK_EQ(fetch_all(&w, n0, &found), 0);
	CHECK_EQ(found, n0 * BULK_PER_NODE);
	world_free(&w);
	return 0;
}

/* The live member with this Node-ID. */
static size_t member_of(const struct world *w, const struct relo_nodeid *id)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->m[i].alive && relo_nodeid_eq(&w->m[i].id, id))
			break;
	return i;
}

/*
 * A node that joins inside a replica set pushes the last replica out of
 * it, and that one forgets the resource; when the newcomer crashes, the
 * old replica is back in the set and must be sent the values again (it
 * is no holder any more). Unsigned nodes, so that the Resource-ID can be
 * picked to put the newcomer there.
 */
static int test_replica_back_in_set(void)
{
	struct relo_specifier spec = { .kind = K_SINGLE, .model = RELO_MODEL_SINGLE };
	struct relo_stored_value v = single("back in the set");
	struct relo_nodeid ids[MAX_NODES], t;
	struct relo_store_stats st;
	struct relo_ipport boot;
	size_t n0 = 8, i, j, b, newcomer;
	struct outcome o;
	struct world w;

	CHECK_EQ(world_init(&w, 28, false), 0);
	w.stores = true;
	CHECK_EQ(add_kind(&w, K_SINGLE, RELO_MODEL_SINGLE, RELO_ACL_USER_MATCH, 1, 64, 0), 0);
	CHECK_EQ(build_ring(&w, n0), 0);
	/* The newcomer, made but not started yet: where will it be? */
	CHECK_EQ(world_make(&w, false), 0);
	newcomer = w.n - 1;
	for (i = 0; i < n0; i++)
		ids[i] = w.m[i].id;
	for (i = 1; i < n0; i++)
		for (j = i; j > 0 && relo_id_cmp(&ids[j - 1], &ids[j]) > 0; j--)
			t = ids[j], ids[j] = ids[j - 1], ids[j - 1] = t;
	for (b = 0; b < n0 && relo_id_cmp(&ids[b], &w.m[newcomer].id) < 0; b++)
		;
	b %= n0; /* the first node after the newcomer: the resource's last replica */
	/* The resource at the Node-ID two before b: that node is responsible,
	 * the next two (b - 1 and b) are the replicas. */
	t = ids[(b + n0 - 2) % n0];
	CHECK_EQ(put1(&w, 0, relo_bytes_of(t.id, 16), K_SINGLE, &v, 3600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 3000);
	CHECK_EQ(held(&w), 3);
	i = member_of(&w, &ids[b]);
	CHECK(i < w.n);

	/* It joins: the set is now the responsible node, b - 1 and it. */
	boot = relo_sim_host_addr(w.m[0].h);
	CHECK_EQ(relo_node_start(w.m[newcomer].n, &boot, 1), 0);
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 60000, ring_ok, &w));
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 5000);
	CHECK_EQ(held(&w), 3);
	relo_store_stats(w.m[i].store, &st);
	CHECK_EQ(st.values, 0); /* out of the set: forgotten */

	/* It crashes: b is back in the set and gets the value again. */
	crash(&w, newcomer);
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 60000, ring_ok, &w));
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 5000);
	relo_store_stats(w.m[i].store, &st);
	CHECK_EQ(st.values, 1);
	CHECK_EQ(held(&w), 3);
	CHECK_EQ(fetch1(&w, i, relo_bytes_of(t.id, 16), &spec, &o), 0);
	CHECK_EQ(o.n_values, 1);
	world_free(&w);
	return 0;
}

/* ---- shared resources (RFC 8076) ---- */

/* An AccessControlListItem (no ResourceNameExtension). */
static struct relo_stored_value acl_item(const struct member *signer, uint8_t sub,
					 const char *to_user, uint32_t kind, bool ad, uint8_t *buf)
{
	struct relo_stored_value v = { .model = RELO_MODEL_ARRAY };
	const uint8_t *id = signer->id.id;
	size_t n = strlen(to_user);

	/* Section 3.1: 24 bits of the signer's Node-ID, then its own 8. */
	v.index = (uint32_t)id[13] << 24 | (uint32_t)id[14] << 16 | (uint32_t)id[15] << 8 | sub;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, to_user, n);
	buf[2 + n] = (uint8_t)(kind >> 24);
	buf[3 + n] = (uint8_t)(kind >> 16);
	buf[4 + n] = (uint8_t)(kind >> 8);
	buf[5 + n] = (uint8_t)kind;
	buf[6 + n] = ad;
	v.v.exists = true;
	v.v.value = relo_bytes_of(buf, n + 7);
	return v;
}

static struct relo_stored_value shared(const struct member *m, const char *s)
{
	return keyed(relo_bytes_of(m->id.id, 16), s);
}

/*
 * USER-CHAIN-ACL: the owner writes; others only through a chain of
 * delegations from the owner's root item; delegation needs
 * allow_delegation; data stays isolated; revoking an item cuts off its
 * subtree.
 */
static int test_shared_resource(void)
{
	struct relo_stored_value v;
	struct outcome o;
	struct world w;
	uint8_t r[16], buf[128];
	struct relo_bytes res;

	CHECK_EQ(world_with_kinds(&w, 27), 0);
	CHECK_EQ(build_ring(&w, 7), 0);
	res = res_user(&w.m[2], r); /* user2's: user2 owns it */

	/* Before any ACL only the owner writes. */
	v = shared(&w.m[3], "three");
	CHECK_EQ(put1(&w, 3, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	v = shared(&w.m[2], "owner");
	CHECK_EQ(put1(&w, 2, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	/* Only the owner stores a root item (a delegation to oneself). */
	v = acl_item(&w.m[3], 1, "user3@sim", K_SHARED, true, buf);
	CHECK_EQ(put1(&w, 3, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	v = acl_item(&w.m[2], 1, "user2@sim", K_SHARED, true, buf);
	CHECK_EQ(put1(&w, 2, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	/* Appending is not how shared arrays are indexed. */
	v.index = 0xffffffffu;
	CHECK_EQ(put1(&w, 2, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);

	/* The owner delegates to user3, who may delegate further. */
	v = acl_item(&w.m[2], 2, "user3@sim", K_SHARED, true, buf);
	CHECK_EQ(put1(&w, 2, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	v = shared(&w.m[3], "three");
	CHECK_EQ(put1(&w, 3, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	/* Isolated data: user3 cannot write under user2's key. */
	v = shared(&w.m[2], "overwritten by three");
	CHECK_EQ(put1(&w, 3, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	/* user3 delegates to user4 without the right to delegate. */
	v = acl_item(&w.m[3], 1, "user4@sim", K_SHARED, false, buf);
	CHECK_EQ(put1(&w, 3, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	v = shared(&w.m[4], "four");
	CHECK_EQ(put1(&w, 4, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	v = acl_item(&w.m[4], 1, "user5@sim", K_SHARED, false, buf);
	CHECK_EQ(put1(&w, 4, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	/* A delegation of another kind gives nothing for this one. */
	v = acl_item(&w.m[2], 3, "user5@sim", K_DICT, true, buf);
	CHECK_EQ(put1(&w, 2, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	v = shared(&w.m[5], "five");
	CHECK_EQ(put1(&w, 5, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	/* Someone else's ACL item stays theirs. */
	v = acl_item(&w.m[2], 2, "user3@sim", K_SHARED, true, buf);
	CHECK_EQ(put1(&w, 3, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);

	/* The owner revokes user3: user3 and those it delegated to are out. */
	v = acl_item(&w.m[2], 2, "user3@sim", K_SHARED, true, buf);
	v.v.exists = false;
	v.v.value = relo_bytes_of(NULL, 0);
	CHECK_EQ(put1(&w, 2, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, 0);
	v = shared(&w.m[3], "three again");
	CHECK_EQ(put1(&w, 3, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	v = shared(&w.m[4], "four again");
	CHECK_EQ(put1(&w, 4, res, K_SHARED, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_FORBIDDEN);
	/* Not an AccessControlListItem at all. */
	v = entry((uint32_t)w.m[2].id.id[13] << 24 | (uint32_t)w.m[2].id.id[14] << 16 |
			  (uint32_t)w.m[2].id.id[15] << 8 | 9,
		  "garbage");
	CHECK_EQ(put1(&w, 2, res, RELO_KIND_ACCESS_CONTROL_LIST, &v, 600, 0, &o), 0);
	CHECK_EQ(o.error, RELO_ERR_INVALID_MESSAGE);
	world_free(&w);
	return 0;
}

static const struct test tests[] = {
	{ "store_and_fetch", test_store_and_fetch },
	{ "access_control", test_access_control },
	{ "store_rules", test_store_rules },
	{ "stat_and_find", test_stat_and_find },
	{ "expiry", test_expiry },
	{ "replication", test_replication },
	{ "replica_back_in_set", test_replica_back_in_set },
	{ "shared_resource", test_shared_resource },
};

TEST_MAIN(tests)
