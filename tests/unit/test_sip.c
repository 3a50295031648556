/*
 * test_sip.c - the SIP usage (RFC 7904): SipRegistration encoding, AORs,
 * registering, refreshing, looking up through URI registrations, and
 * AppAttach to the registered peer, on signed simulated nodes
 * (reload/usage/sip.c)
 */
#include "relo/ring.h"
#include "relo/sip.h"
#include "simworld.h"
#include "test.h"

static int test_sipreg_codec(void)
{
	struct relo_dest d[2] = { { .type = RELO_DEST_NODE }, { .type = RELO_DEST_NODE } };
	struct relo_sipreg r = { .type = RELO_SIPREG_ROUTE }, back;
	struct relo_wirecfg wc;
	struct relo_arena *a;
	struct relo_wr w;
	size_t cut;

	relo_wirecfg_default(&wc);
	CHECK_EQ(relo_arena_alloc(&a, 0, 0), 0);
	d[0].u.node.len = d[1].u.node.len = 16;
	memset(d[0].u.node.id, 0x11, 16);
	memset(d[1].u.node.id, 0x22, 16);
	r.contact_prefs = relo_bytes_str("(sip.schemes=SIP)");
	r.dst = d;
	r.n_dst = 2;
	relo_wr_init_dyn(&w, 0);
	relo_sipreg_write(&w, &wc, &r);
	CHECK_EQ(w.err, 0);
	/* type, length of the rest, contact_prefs<2>, destination_list<2> */
	CHECK_EQ(w.buf[0], RELO_SIPREG_ROUTE);
	CHECK_EQ(w.buf[1] << 8 | w.buf[2], w.len - 3);
	CHECK_EQ(relo_sipreg_decode(&wc, a, relo_bytes_of(w.buf, w.len), &back), 0);
	CHECK_EQ(back.n_dst, 2);
	CHECK(relo_nodeid_eq(&back.dst[1].u.node, &d[1].u.node));
	CHECK(relo_bytes_eq(back.contact_prefs, r.contact_prefs));
	/* Every truncation, and a byte too many, is refused. */
	for (cut = 0; cut < w.len; cut++)
		CHECK(relo_sipreg_decode(&wc, a, relo_bytes_of(w.buf, cut), &back) != 0);
	relo_wr_grow(&w, 1)[0] = 0;
	CHECK(relo_sipreg_decode(&wc, a, relo_bytes_of(w.buf, w.len), &back) != 0);
	relo_wr_free(&w);

	/* A URI registration. */
	memset(&r, 0, sizeof(r));
	r.type = RELO_SIPREG_URI;
	r.uri = relo_bytes_str("bob@example.org");
	relo_wr_init_dyn(&w, 0);
	relo_sipreg_write(&w, &wc, &r);
	CHECK_EQ(relo_sipreg_decode(&wc, a, relo_bytes_of(w.buf, w.len), &back), 0);
	CHECK_EQ(back.type, RELO_SIPREG_URI);
	CHECK(relo_bytes_eq(back.uri, r.uri));
	/* An unknown type; a route with an empty destination list. */
	w.buf[0] = 9;
	CHECK_EQ(relo_sipreg_decode(&wc, a, relo_bytes_of(w.buf, w.len), &back), -ENOTSUP);
	relo_wr_free(&w);
	{
		static const uint8_t empty_dl[] = { 2, 0, 4, 0, 0, 0, 0 };
		CHECK(relo_sipreg_decode(&wc, a, relo_bytes_of(empty_dl, sizeof(empty_dl)), &back));
	}
	relo_arena_free(a);
	return 0;
}

static int test_aor(void)
{
	char out[RELO_SIP_AOR_MAX];

	CHECK_EQ(relo_sip_aor("sip:alice@example.org", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "alice@example.org"));
	CHECK_EQ(relo_sip_aor("SIPS:al%69ce@example.org;transport=tcp?x=y", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "alice@example.org"));
	CHECK_EQ(relo_sip_aor("bob@dht.example.com", out, sizeof(out)), 0);
	CHECK(!strcmp(out, "bob@dht.example.com"));
	CHECK_EQ(relo_sip_aor("sip:example.org", out, sizeof(out)), -EINVAL);
	CHECK_EQ(relo_sip_aor("sip:a@b@c", out, sizeof(out)), -EINVAL);
	CHECK_EQ(relo_sip_aor("sip:a%4@b", out, sizeof(out)), -EINVAL);
	CHECK_EQ(relo_sip_aor("sip:a%00@b", out, sizeof(out)), -EINVAL);
	CHECK_EQ(relo_sip_aor("sip:@b", out, sizeof(out)), -EINVAL);
	return 0;
}

/* ---- on the overlay ---- */

struct sipbox {
	bool done;
	int err;
	uint16_t error;
	size_t n;
	struct relo_sip_target t[4];
};

static void done_cb(void *arg, int err, uint16_t error)
{
	struct sipbox *b = arg;

	b->done = true;
	b->err = err;
	b->error = error;
}

static void lookup_cb(void *arg, int err, const struct relo_sip_target *t, size_t n)
{
	struct sipbox *b = arg;

	b->done = true;
	b->err = err;
	b->n = n;
	memcpy(b->t, t, (n < 4 ? n : 4) * sizeof(*t));
}

static bool box_done(void *arg)
{
	return ((struct sipbox *)arg)->done;
}

static int run(struct world *w, struct sipbox *b)
{
	return relo_sim_run_until(w->sim, relo_sim_now(w->sim) + 60000, box_done, b) ? 0 : -1;
}

struct usage {
	struct relo_sip *sip[MAX_NODES];
};

static int with_sip(struct world *w, struct usage *u, size_t i, uint32_t lifetime, bool listen)
{
	struct relo_sip_opts o = { .node = w->m[i].n, .store = w->m[i].store, .cfg = w->cfg,
				   .aor = w->m[i].user, .contact_prefs = "(sip.schemes=SIP)",
				   .lifetime = lifetime };

	if (listen) {
		o.sip_addr = relo_sim_host_addr(w->m[i].h);
		o.sip_addr.port = 5060;
	}
	return relo_sip_alloc(&u->sip[i], &o);
}

static void free_sip(struct world *w, struct usage *u)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		relo_sip_free(u->sip[i]);
}

static int lookup(struct world *w, struct usage *u, size_t from, const char *aor,
		  struct sipbox *b)
{
	memset(b, 0, sizeof(*b));
	if (relo_sip_lookup(u->sip[from], aor, true, lookup_cb, b))
		return -1;
	return run(w, b);
}

static void put_ignored(void *arg, int err, uint16_t error, const struct relo_body *body)
{
	struct sipbox *b = arg;

	(void)body;
	b->done = true;
	b->err = err;
	b->error = error;
}

/* Stores a URI registration for node i's user, pointing at uri. */
static int store_uri_wait(struct world *w, size_t i, const char *uri)
{
	struct relo_sipreg r = { .type = RELO_SIPREG_URI };
	struct relo_put p = { .kind = RELO_KIND_SIP_REGISTRATION, .lifetime = 600 };
	struct relo_wirecfg wc;
	struct sipbox b;
	uint8_t res[16];
	struct relo_wr wr;
	int rc;

	memset(&b, 0, sizeof(b));
	relo_config_wirecfg(w->cfg, &wc);
	r.uri = relo_bytes_str(uri);
	relo_wr_init_dyn(&wr, 0);
	relo_sipreg_write(&wr, &wc, &r);
	p.value.model = RELO_MODEL_DICTIONARY;
	p.value.key = relo_bytes_of(w->m[i].id.id, 16);
	p.value.v.exists = true;
	p.value.v.value = relo_bytes_of(wr.buf, wr.len);
	relo_resource_id(w->m[i].user, strlen(w->m[i].user), res);
	rc = relo_store_put(w->m[i].store, relo_bytes_of(res, 16), &p, 1, put_ignored, &b);
	relo_wr_free(&wr);
	if (!rc)
		rc = run(w, &b);
	return rc ? rc : b.err ? b.err : b.error;
}

static int sip_world(struct world *w, uint64_t seed, size_t n)
{
	struct relo_kind_def k = { .id = RELO_KIND_SIP_REGISTRATION, .model = RELO_MODEL_DICTIONARY,
				   .acl = RELO_ACL_USER_NODE_MATCH, .max_count = 8,
				   .max_size = 1024 };

	if (world_init(w, seed, true) || relo_config_add_kind(w->cfg, &k))
		return -1;
	w->stores = true;
	return build_ring(w, n);
}

/* Register, look up from elsewhere, AppAttach: the peer and its SIP address. */
static int test_register_and_lookup(void)
{
	struct usage u = { 0 };
	struct sipbox b;
	struct world w;
	size_t i;

	CHECK_EQ(sip_world(&w, 31, 8), 0);
	for (i = 0; i < w.n; i++)
		CHECK_EQ(with_sip(&w, &u, i, 600, i != 6), 0);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(relo_sip_register(u.sip[2], done_cb, &b), 0);
	CHECK_EQ(run(&w, &b), 0);
	CHECK_EQ(b.err, 0);
	CHECK_EQ(b.error, 0);

	CHECK_EQ(lookup(&w, &u, 5, "sip:user2@sim", &b), 0);
	CHECK_EQ(b.err, 0);
	CHECK_EQ(b.n, 1);
	CHECK(relo_nodeid_eq(&b.t[0].node, &w.m[2].id));
	CHECK(!strcmp(b.t[0].signer, "user2@sim"));
	CHECK(!strcmp(b.t[0].aor, "user2@sim"));
	CHECK(!strcmp(b.t[0].contact_prefs, "(sip.schemes=SIP)"));
	CHECK_EQ(b.t[0].attach_err, 0);
	CHECK_EQ(b.t[0].sip.port, 5060);
	CHECK(!memcmp(b.t[0].sip.addr, relo_sim_host_addr(w.m[2].h).addr, 4));

	/* Nobody registered under this AOR. */
	CHECK_EQ(lookup(&w, &u, 5, "sip:user4@sim", &b), 0);
	CHECK_EQ(b.n, 0);
	CHECK_EQ(b.err, -ENOENT);

	/* A URI registration leads on to another AOR; a loop ends. */
	CHECK_EQ(store_uri_wait(&w, 3, "sip:user2@sim"), 0);
	CHECK_EQ(store_uri_wait(&w, 4, "sip:user4@sim"), 0);
	CHECK_EQ(lookup(&w, &u, 1, "user3@sim", &b), 0);
	CHECK_EQ(b.n, 1);
	CHECK(relo_nodeid_eq(&b.t[0].node, &w.m[2].id));
	CHECK(!strcmp(b.t[0].aor, "user2@sim"));
	CHECK_EQ(lookup(&w, &u, 1, "user4@sim", &b), 0);
	CHECK_EQ(b.n, 0);

	/* A peer whose SIP listens nowhere: AppAttach says Error_Not_Found. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(relo_sip_register(u.sip[6], done_cb, &b), 0);
	CHECK_EQ(run(&w, &b), 0);
	CHECK_EQ(lookup(&w, &u, 0, "sip:user6@sim", &b), 0);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.t[0].attach_err, RELO_ERR_NOT_FOUND);

	/* Unregistered: gone. */
	memset(&b, 0, sizeof(b));
	CHECK_EQ(relo_sip_unregister(u.sip[2], done_cb, &b), 0);
	CHECK_EQ(run(&w, &b), 0);
	CHECK_EQ(b.error, 0);
	CHECK_EQ(lookup(&w, &u, 5, "sip:user2@sim", &b), 0);
	CHECK_EQ(b.n, 0);
	free_sip(&w, &u);
	world_free(&w);
	return 0;
}

/* A registration of 30 s stays reachable for minutes: it is refreshed. */
static int test_refresh(void)
{
	struct usage u = { 0 };
	struct sipbox b;
	struct world w;

	CHECK_EQ(sip_world(&w, 32, 6), 0);
	CHECK_EQ(with_sip(&w, &u, 1, 30, true), 0);
	CHECK_EQ(with_sip(&w, &u, 4, 30, true), 0);
	memset(&b, 0, sizeof(b));
	CHECK_EQ(relo_sip_register(u.sip[1], done_cb, &b), 0);
	CHECK_EQ(run(&w, &b), 0);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 180000);
	CHECK_EQ(lookup(&w, &u, 4, "sip:user1@sim", &b), 0);
	CHECK_EQ(b.n, 1);
	CHECK_EQ(b.t[0].attach_err, 0);
	/* Without refreshing (freed usage), it expires. */
	relo_sip_free(u.sip[1]);
	u.sip[1] = NULL;
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 60000);
	CHECK_EQ(lookup(&w, &u, 4, "sip:user1@sim", &b), 0);
	CHECK_EQ(b.n, 0);
	free_sip(&w, &u);
	world_free(&w);
	return 0;
}

static const struct test tests[] = {
	{ "sipreg_codec", test_sipreg_codec },
	{ "aor", test_aor },
	{ "register_and_lookup", test_register_and_lookup },
	{ "refresh", test_refresh },
};

TEST_MAIN(tests)
