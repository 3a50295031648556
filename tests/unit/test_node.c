/*
 * test_node.c - RELOAD nodes on the simulated network: joining, the ring
 * and its tables, routing to Node-IDs and Resource-IDs, the built-in
 * methods, signatures, crashes and healing, polite leaving, bad input
 * (reload/route, reload/topo, reload/link/sim.c)
 */
#include <stdlib.h>

#include "relo/ring.h"
#include "simworld.h"
#include "test.h"

struct pings {
	size_t sent, answered, errors;
};

static void ping_done(void *arg, int err, const struct relo_msg *ans, const struct relo_body *b)
{
	struct pings *p = arg;

	(void)ans;
	if (err == -ECANCELED)
		return;
	if (!err && b->code == RELO_PING_ANS)
		p->answered++;
	else
		p->errors++;
}

static bool pings_done(void *arg)
{
	struct pings *p = arg;
	return p->answered + p->errors == p->sent;
}

/* Every live node pings every other by Node-ID, and a few Resource-IDs. */
static int route_all(struct world *w, struct pings *p, uint64_t deadline)
{
	struct relo_body b;
	size_t i, j;

	memset(p, 0, sizeof(*p));
	memset(&b, 0, sizeof(b));
	b.code = RELO_PING_REQ;
	for (i = 0; i < w->n; i++) {
		if (!w->m[i].alive)
			continue;
		for (j = 0; j < w->n; j++) {
			struct relo_dest d;
			uint8_t res[16];

			if (!w->m[j].alive || i == j)
				continue;
			d.type = RELO_DEST_NODE;
			d.u.node = w->m[j].id;
			if (relo_node_request(w->m[i].n, &d, 1, &b, ping_done, p) == 0)
				p->sent++;
			relo_resource_id(&j, sizeof(j), res);
			d.type = RELO_DEST_RESOURCE;
			d.u.resource = relo_bytes_of(res, 16);
			if (j % 4 == 0 && relo_node_request(w->m[i].n, &d, 1, &b, ping_done, p) == 0)
				p->sent++;
		}
	}
	return relo_sim_run_until(w->sim, deadline, pings_done, p) ? 0 : -1;
}

static int join_and_route(size_t count, bool sign, uint64_t seed)
{
	struct world w;
	struct pings p;
	size_t i;

	CHECK_EQ(world_init(&w, seed, sign), 0);
	for (i = 0; i < count; i++) {
		CHECK_EQ(world_add(&w), 0);
		relo_sim_run(w.sim, relo_sim_now(w.sim) + 2000);
	}
	if (!relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 120000, ring_ok, &w))
		TEST_FAIL("the ring of %zu did not form", count);
	CHECK_EQ(route_all(&w, &p, relo_sim_now(w.sim) + 60000), 0);
	if (p.answered != p.sent)
		TEST_FAIL("%zu of %zu pings answered", p.answered, p.sent);
	world_free(&w);
	return 0;
}

static int test_first_node(void)
{
	return join_and_route(1, false, 1);
}

static int test_two_nodes(void)
{
	return join_and_route(2, false, 2);
}

static int test_ring_of_10(void)
{
	return join_and_route(10, false, 3);
}

static int test_ring_of_40(void)
{
	return join_and_route(40, false, 4);
}

static int test_signed_ring_of_8(void)
{
	return join_and_route(8, true, 5);
}

/* Kill -9 a third of 30 nodes at once: the ring heals, routing works. */
static int test_crash_third(void)
{
	struct world w;
	struct pings p;
	uint64_t t0;
	size_t i, killed = 0;

	CHECK_EQ(world_init(&w, 6, false), 0);
	CHECK_EQ(build_ring(&w, 30), 0);
	for (i = 0; killed < 10; i = (i + 7) % 30) {
		if (!w.m[i].alive)
			continue;
		crash(&w, i);
		killed++;
	}
	t0 = relo_sim_now(w.sim);
	if (!relo_sim_run_until(w.sim, t0 + 180000, ring_ok, &w))
		TEST_FAIL("the ring did not heal within 180 s of virtual time");
	printf("  ring healed %.1f s after 10 of 30 nodes crashed\n",
	       (double)(relo_sim_now(w.sim) - t0) / 1000.0);
	CHECK_EQ(route_all(&w, &p, relo_sim_now(w.sim) + 60000), 0);
	if (p.answered != p.sent)
		TEST_FAIL("%zu of %zu pings answered after healing", p.answered, p.sent);
	world_free(&w);
	return 0;
}

static void left(void *arg)
{
	*(bool *)arg = true;
}

/* A node that leaves politely is replaced by its neighbors at once. */
static int test_leave(void)
{
	struct world w;
	struct pings p;
	bool done = false;
	uint64_t t0;

	CHECK_EQ(world_init(&w, 7, true), 0);
	CHECK_EQ(build_ring(&w, 8), 0);
	relo_node_leave(w.m[3].n, left, &done);
	CHECK(done);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 500); /* the Leaves go out */
	crash(&w, 3);
	t0 = relo_sim_now(w.sim);
	/* Faster than any crash detection: the Leave said it all. */
	if (!relo_sim_run_until(w.sim, t0 + 1000, ring_ok, &w))
		TEST_FAIL("the ring did not close within 1 s of the Leave");
	CHECK_EQ(route_all(&w, &p, relo_sim_now(w.sim) + 30000), 0);
	CHECK_EQ(p.answered, p.sent);
	world_free(&w);
	return 0;
}

struct answer_box {
	bool done;
	int err;
	struct relo_body body;
	uint32_t values[4];
	struct relo_nodeid next;
};

static void boxed(void *arg, int err, const struct relo_msg *ans, const struct relo_body *b)
{
	struct answer_box *box = arg;
	size_t i;

	(void)ans;
	box->done = true;
	box->err = err;
	if (err)
		return;
	box->body.code = b->code;
	if (b->code == RELO_PROBE_ANS)
		for (i = 0; i < b->u.probe_ans.n && i < 4; i++)
			box->values[i] = b->u.probe_ans.info[i].type << 24 |
					 (b->u.probe_ans.info[i].value & 0xffffff);
	if (b->code == RELO_ROUTE_QUERY_ANS)
		box->next = b->u.route_query_ans.next_peer;
}

static bool box_done(void *arg)
{
	return ((struct answer_box *)arg)->done;
}

/* Probe and RouteQuery answered as sections 6.4.2.4-5 and 10.8 say. */
static int test_probe_and_route_query(void)
{
	static const uint8_t want[] = { RELO_PROBE_UPTIME, 99, RELO_PROBE_RESPONSIBLE_SET };
	struct answer_box box;
	struct relo_body b;
	struct relo_dest d;
	struct relo_nodeid expect;
	struct world w;

	CHECK_EQ(world_init(&w, 9, true), 0);
	CHECK_EQ(build_ring(&w, 6), 0);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 12000);
	memset(&b, 0, sizeof(b));
	b.code = RELO_PROBE_REQ;
	b.u.probe_req.types = relo_bytes_of(want, sizeof(want));
	d.type = RELO_DEST_NODE;
	d.u.node = w.m[4].id;
	memset(&box, 0, sizeof(box));
	CHECK_EQ(relo_node_request(w.m[1].n, &d, 1, &b, boxed, &box), 0);
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 10000, box_done, &box));
	CHECK_EQ(box.err, 0);
	CHECK_EQ(box.body.code, RELO_PROBE_ANS);
	/* In the order asked, the unknown type (99) left out. */
	CHECK_EQ(box.values[0] >> 24, RELO_PROBE_UPTIME);
	CHECK((box.values[0] & 0xffffff) >= 12); /* seconds up */
	CHECK_EQ(box.values[1] >> 24, RELO_PROBE_RESPONSIBLE_SET);
	CHECK((box.values[1] & 0xffffff) != 0);
	CHECK_EQ(box.values[2], 0);

	/* RouteQuery: where would node 4 send a message for node 1's Node-ID? */
	memset(&b, 0, sizeof(b));
	b.code = RELO_ROUTE_QUERY_REQ;
	b.u.route_query_req.dest.type = RELO_DEST_NODE;
	b.u.route_query_req.dest.u.node = w.m[1].id;
	memset(&box, 0, sizeof(box));
	CHECK_EQ(relo_node_request(w.m[2].n, &d, 1, &b, boxed, &box), 0);
	CHECK(relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 10000, box_done, &box));
	CHECK_EQ(box.body.code, RELO_ROUTE_QUERY_ANS);
	CHECK_EQ(relo_node_next_hop(w.m[4].n, &w.m[1].id, &expect), 0);
	CHECK(relo_nodeid_eq(&box.next, &expect));
	world_free(&w);
	return 0;
}

/*
 * A cold start: five nodes whose configuration names all five as
 * bootstrap nodes start at once. Only the seed may start the overlay;
 * the others wait for it, and all end up on one ring.
 */
static int test_seed_cold_start(void)
{
	struct relo_ipport boot[5];
	struct relo_node_stats st;
	struct world w;
	struct pings p;
	size_t i, joins = 0;

	CHECK_EQ(world_init(&w, 10, true), 0);
	for (i = 0; i < 5; i++) {
		CHECK_EQ(world_make(&w, i == 2), 0);
		boot[i] = relo_sim_host_addr(w.m[i].h);
	}
	for (i = 0; i < 5; i++)
		CHECK_EQ(relo_node_start(w.m[i].n, boot, 5), 0);
	if (!relo_sim_run_until(w.sim, relo_sim_now(w.sim) + 180000, ring_ok, &w))
		TEST_FAIL("five bootstrap nodes starting at once made no ring");
	/* Exactly one overlay was started: by the seed, the others joined. */
	for (i = 0; i < 5; i++) {
		relo_node_stats(w.m[i].n, &st);
		joins += st.joins;
	}
	CHECK_EQ(joins, 5);
	CHECK_EQ(route_all(&w, &p, relo_sim_now(w.sim) + 60000), 0);
	CHECK_EQ(p.answered, p.sent);
	world_free(&w);
	return 0;
}

/* With no seed and its bootstrap node down, a node retries ever more
 * slowly (250 ms doubling to 30 s), and joins once the node is up. */
static int test_bootstrap_backoff(void)
{
	struct relo_sim_stats ss;
	struct relo_ipport boot;
	struct world w;

	CHECK_EQ(world_init(&w, 11, false), 0);
	CHECK_EQ(world_make(&w, false), 0); /* the bootstrap node, not started */
	CHECK_EQ(world_make(&w, false), 0);
	boot = relo_sim_host_addr(w.m[0].h);
	crash(&w, 0); /* nobody listens there */
	CHECK_EQ(relo_node_start(w.m[1].n, &boot, 1), 0);
	relo_sim_run(w.sim, relo_sim_now(w.sim) + 600000);
	CHECK(!relo_node_joined(w.m[1].n));
	relo_sim_stats(w.sim, &ss);
	printf("  %llu connection attempts in 10 minutes\n", (unsigned long long)ss.connects_failed);
	/* 10 minutes: 0.25+0.5+...+16 s, then every 30 s: about 25 tries. */
	if (ss.connects_failed < 15 || ss.connects_failed > 40)
		TEST_FAIL("%llu connection attempts in 10 minutes",
			  (unsigned long long)ss.connects_failed);
	world_free(&w);
	return 0;
}

/*
 * One message in ten lost on the way: requests are retransmitted (6.2.1),
 * and a retransmitted request the responder has answered already gets
 * the same answer from its cache rather than a second run.
 */
static int test_lossy_network(void)
{
	struct relo_node_stats st;
	uint64_t retransmits = 0, replayed = 0;
	struct world w;
	struct pings p;
	size_t i;

	CHECK_EQ(world_init(&w, 12, true), 0);
	CHECK_EQ(build_ring(&w, 10), 0);
	relo_sim_set_loss(w.sim, 0.1);
	CHECK_EQ(route_all(&w, &p, relo_sim_now(w.sim) + 120000), 0);
	for (i = 0; i < w.n; i++) {
		relo_node_stats(w.m[i].n, &st);
		retransmits += st.retransmits;
		replayed += st.answers_replayed;
	}
	printf("  %zu of %zu pings answered, %llu retransmissions, %llu answers replayed\n",
	       p.answered, p.sent, (unsigned long long)retransmits, (unsigned long long)replayed);
	CHECK(retransmits > 0);
	CHECK(replayed > 0);
	/* Three tries of a 10%-lossy route of a few hops: nearly all get through. */
	CHECK(p.answered * 100 >= p.sent * 95);
	world_free(&w);
	return 0;
}

static const struct test tests[] = {
	{ "first_node", test_first_node },
	{ "two_nodes", test_two_nodes },
	{ "ring_of_10", test_ring_of_10 },
	{ "ring_of_40", test_ring_of_40 },
	{ "signed_ring_of_8", test_signed_ring_of_8 },
	{ "crash_third", test_crash_third },
	{ "leave", test_leave },
	{ "probe_and_route_query", test_probe_and_route_query },
	{ "seed_cold_start", test_seed_cold_start },
	{ "bootstrap_backoff", test_bootstrap_backoff },
	{ "lossy_network", test_lossy_network },
};

TEST_MAIN(tests)
