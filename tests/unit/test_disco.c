/*
 * test_disco.c - conferences as shared resources: the owner creates, foci
 * it authorizes register, others are refused, revocation, finding the foci;
 * focus capacity adverts and recruiting (reload/usage/disco.c, with the
 * USER-CHAIN-ACL policy and variable resource names of reload/store)
 */
#include "relo/coord.h"
#include "relo/disco.h"
#include "simworld.h"
#include "test.h"

#define CONF "sip:standup-conf-user2@sim"

struct box {
	bool done;
	int err;
	uint16_t error;
	size_t n;
	struct relo_disco_focus foci[8];
	struct relo_disco_offer offers[8];
};

static void done_cb(void *arg, int err, uint16_t error)
{
	struct box *b = arg;

	b->done = true;
	b->err = err;
	b->error = error;
}

static void found_cb(void *arg, int err, const struct relo_disco_focus *f, size_t n)
{
	struct box *b = arg;

	b->done = true;
	b->err = err;
	b->n = n;
	memcpy(b->foci, f, (n < 8 ? n : 8) * sizeof(*f));
}

static void recruited_cb(void *arg, int err, const struct relo_disco_offer *o, size_t n)
{
	struct box *b = arg;

	b->done = true;
	b->err = err;
	b->n = n;
	memcpy(b->offers, o, (n < 8 ? n : 8) * sizeof(*o));
}

static bool box_done(void *arg)
{
	return ((struct box *)arg)->done;
}

static int wait(struct world *w, struct box *b, int rc)
{
	if (rc)
		return rc;
	return relo_sim_run_until(w->sim, relo_sim_now(w->sim) + 60000, box_done, b) ? 0 : -1;
}

static int add(struct world *w, uint32_t id, enum relo_model model, enum relo_acl acl,
	       uint32_t multiple, bool names)
{
	static char pattern[] = ".*-conf-$USER@$DOMAIN";
	static char *patterns[] = { pattern };
	struct relo_kind_def k = { .id = id, .model = model, .acl = acl, .max_count = 64,
				   .max_size = 512, .max_node_multiple = multiple };

	if (names) {
		k.variable_names = true;
		k.name_patterns = patterns;
		k.n_name_patterns = 1;
	}
	return relo_config_add_kind(w->cfg, &k);
}

struct usage {
	struct relo_disco *d[MAX_NODES];
};

static int disco_world(struct world *w, struct usage *u, uint64_t seed, size_t n)
{
	size_t i;

	if (world_init(w, seed, true) ||
	    add(w, RELO_KIND_ACCESS_CONTROL_LIST, RELO_MODEL_ARRAY, RELO_ACL_USER_CHAIN_ACL, 0,
		true) ||
	    add(w, RELO_KIND_DISCO_REGISTRATION, RELO_MODEL_DICTIONARY, RELO_ACL_USER_CHAIN_ACL, 0,
		true) ||
	    add(w, RELO_KIND_FOCUS_CAPACITY, RELO_MODEL_SINGLE, RELO_ACL_NODE_MULTIPLE, 4, false))
		return -1;
	w->stores = true;
	if (build_ring(w, n))
		return -1;
	for (i = 0; i < n; i++)
		if (relo_disco_alloc(&u->d[i], &(struct relo_disco_opts){
						       .node = w->m[i].n, .store = w->m[i].store,
						       .cfg = w->cfg, .user = w->m[i].user }))
			return -1;
	return 0;
}

static void disco_free(struct world *w, struct usage *u)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		relo_disco_free(u->d[i]);
	world_free(w);
}

static int find(struct world *w, struct usage *u, size_t from, const char *conf, struct box *b)
{
	memset(b, 0, sizeof(*b));
	return wait(w, b, relo_disco_find(u->d[from], conf, found_cb, b));
}

static bool has_focus(const struct box *b, const struct world *w, size_t i)
{
	size_t k;

	for (k = 0; k < b->n; k++)
		if (relo_nodeid_eq(&b->foci[k].node, &w->m[i].id))
			return true;
	return false;
}

static int test_conference_acl(void)
{
	struct relo_bytes here = relo_bytes_str("coord-A"), there = relo_bytes_str("coord-B");
	struct usage u = { 0 };
	struct world w;
	struct box b;

	CHECK_EQ(disco_world(&w, &u, 41, 8), 0);
	/* Nobody registered yet. */
	CHECK_EQ(find(&w, &u, 5, CONF, &b), 0);
	CHECK_EQ(b.n, 0);
	/* The owner (the name's pattern says user2) creates it. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_create(u.d[2], CONF, here, done_cb, &b)), 0);
	CHECK_EQ(b.err, 0);
	CHECK_EQ(b.error, 0);
	CHECK_EQ(find(&w, &u, 5, CONF, &b), 0);
	CHECK_EQ(b.n, 1);
	CHECK(has_focus(&b, &w, 2));
	CHECK(!strcmp(b.foci[0].signer, "user2@sim"));
	CHECK_EQ(b.foci[0].coordinate_len, 7);
	CHECK(!memcmp(b.foci[0].coordinate, "coord-A", 7));
	/* Someone else's conference name cannot be taken. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_create(u.d[4], CONF, here, done_cb, &b)), 0);
	CHECK_EQ(b.error, RELO_ERR_FORBIDDEN);
	/* A focus not authorized is refused; once authorized, it registers. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_register(u.d[3], CONF, there, done_cb, &b)), 0);
	CHECK_EQ(b.error, RELO_ERR_FORBIDDEN);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_authorize(u.d[2], CONF, "user3@sim", false, 2, done_cb,
						   &b)),
		 0);
	CHECK_EQ(b.error, 0);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_register(u.d[3], CONF, there, done_cb, &b)), 0);
	CHECK_EQ(b.error, 0);
	CHECK_EQ(find(&w, &u, 6, CONF, &b), 0);
	CHECK_EQ(b.n, 2);
	CHECK(has_focus(&b, &w, 2) && has_focus(&b, &w, 3));
	/* user3 may not delegate (its item says so). */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_authorize(u.d[3], CONF, "user4@sim", false, 1, done_cb,
						   &b)),
		 0);
	CHECK_EQ(b.error, RELO_ERR_FORBIDDEN);
	/* Another user's own conference works alike. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_create(u.d[4], "sip:party-conf-user4@sim", there,
						done_cb, &b)),
		 0);
	CHECK_EQ(b.error, 0);
	/* The owner revokes user3: its registration cannot be renewed. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_revoke(u.d[2], CONF, 2, done_cb, &b)), 0);
	CHECK_EQ(b.error, 0);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_register(u.d[3], CONF, here, done_cb, &b)), 0);
	CHECK_EQ(b.error, RELO_ERR_FORBIDDEN);
	/* A focus leaves: its registration goes. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_unregister(u.d[2], CONF, done_cb, &b)), 0);
	CHECK_EQ(b.error, 0);
	CHECK_EQ(find(&w, &u, 1, CONF, &b), 0);
	CHECK(!has_focus(&b, &w, 2));
	disco_free(&w, &u);
	return 0;
}

static int test_focus_capacity(void)
{
	struct usage u = { 0 };
	struct world w;
	struct box b;
	size_t i, k;

	CHECK_EQ(disco_world(&w, &u, 42, 10), 0);
	for (i = 1; i <= 5; i++) {
		memset(&b, 0, sizeof(b));
		CHECK_EQ(wait(&w, &b, relo_disco_advertise(u.d[i], (uint32_t)(10 * i), 100,
							   relo_bytes_str("c"), 3, done_cb, &b)),
			 0);
		CHECK_EQ(b.error, 0);
	}
	/* Not one of our Node-IDs: NODE-MULTIPLE refuses more copies than declared. */
	CHECK_EQ(relo_disco_advertise(u.d[1], 1, 2, relo_bytes_str("c"), 5, done_cb, &b), -EINVAL);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 3000);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(wait(&w, &b, relo_disco_recruit(u.d[0], 16, recruited_cb, &b)), 0);
	printf("  16 Finds from random places found %zu of 5 offering peers\n", b.n);
	CHECK(b.n >= 1);
	for (k = 0; k < b.n && k < 8; k++) {
		bool known = false;
		for (i = 1; i <= 5; i++)
			known |= relo_nodeid_eq(&b.offers[k].node, &w.m[i].id) &&
				 b.offers[k].spare == 10 * i && b.offers[k].capacity == 100;
		CHECK(known);
	}
	disco_free(&w, &u);
	return 0;
}

static int test_values(void)
{
	struct relo_disco_reg r = { .conference = relo_bytes_str("standup-conf-a@x"),
				    .coordinate = relo_bytes_str("c1") }, back;
	struct relo_focus_advert a = { .spare = 3, .capacity = 9, .coordinate = relo_bytes_str("z") },
				 aback;
	struct relo_wirecfg wc;
	struct relo_wr w;
	size_t cut;

	relo_wirecfg_default(&wc);
	r.focus.len = a.node.len = 16;
	memset(r.focus.id, 7, 16);
	memset(a.node.id, 8, 16);
	relo_wr_init_dyn(&w, 0);
	relo_disco_reg_write(&w, &wc, &r);
	CHECK_EQ(relo_disco_reg_decode(&wc, relo_bytes_of(w.buf, w.len), &back), 0);
	CHECK(relo_bytes_eq(back.conference, r.conference));
	CHECK(relo_bytes_eq(back.coordinate, r.coordinate));
	CHECK(relo_nodeid_eq(&back.focus, &r.focus));
	for (cut = 0; cut < w.len; cut++)
		CHECK(relo_disco_reg_decode(&wc, relo_bytes_of(w.buf, cut), &back) != 0);
	relo_wr_free(&w);
	relo_wr_init_dyn(&w, 0);
	relo_focus_advert_write(&w, &wc, &a);
	CHECK_EQ(relo_focus_advert_decode(&wc, relo_bytes_of(w.buf, w.len), &aback), 0);
	CHECK_EQ(aback.spare, 3);
	CHECK(relo_nodeid_eq(&aback.node, &a.node));
	for (cut = 0; cut < w.len; cut++)
		CHECK(relo_focus_advert_decode(&wc, relo_bytes_of(w.buf, cut), &aback) != 0);
	w.buf[3] = 10; /* spare above capacity */
	CHECK(relo_focus_advert_decode(&wc, relo_bytes_of(w.buf, w.len), &aback) != 0);
	relo_wr_free(&w);
	return 0;
}

/* Coordinates: wire form, distance, bins, prefixes. */
static int test_coordinates(void)
{
	struct relo_coord a = { .n = 3, .rtt_ms = { 2, 30, 55 } }, b = { .n = 3, .rtt_ms = { 31, 1, 72 } },
			  c = { .n = 3, .rtt_ms = { 3, 29, 54 } }, back;
	uint8_t buf[64], prefix;
	char bin[64];
	int len = relo_coord_encode(&a, buf, sizeof(buf));

	CHECK_EQ(len, 2 + 3 * 2);
	CHECK_EQ(relo_coord_decode(relo_bytes_of(buf, (size_t)len), &back), 0);
	CHECK_EQ(back.n, 3);
	CHECK_EQ(back.rtt_ms[2], 55);
	CHECK(relo_coord_decode(relo_bytes_of(buf, (size_t)len - 1), &back) != 0);
	buf[0] = 2; /* another version */
	CHECK(relo_coord_decode(relo_bytes_of(buf, (size_t)len), &back) != 0);
	CHECK_EQ(relo_coord_encode(&a, buf, 5), -ENOSPC);
	/* Same region close, other far. */
	CHECK(relo_coord_distance(&a, &c) < 2.0);
	CHECK(relo_coord_distance(&a, &b) > 30.0);
	relo_coord_bin(&a, bin, sizeof(bin));
	CHECK(!strcmp(bin, "0.1.2:0.1.1"));
	CHECK_EQ(relo_coord_prefix(&b, &prefix), 0);
	CHECK_EQ(prefix, 0x10);
	/* Unknown landmarks do not count. */
	c.rtt_ms[0] = c.rtt_ms[1] = c.rtt_ms[2] = RELO_COORD_UNKNOWN;
	CHECK(relo_coord_distance(&a, &c) < 0);
	CHECK_EQ(relo_coord_prefix(&c, &prefix), -ENOENT);
	return 0;
}

static const struct test tests[] = {
	{ "coordinates", test_coordinates },
	{ "values", test_values },
	{ "conference_acl", test_conference_acl },
	{ "focus_capacity", test_focus_capacity },
};

TEST_MAIN(tests)
