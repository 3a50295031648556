/*
 * test_net.c - RELOAD nodes over real TLS 1.3 links on loopback, in one
 * process and one libevent loop (reload/link/net.c)
 */
#include <stdlib.h>

#include "netlab.h"
#include "relo/ring.h"
#include "test.h"

#define OVERLAY "net.chorus.example"
/* A lab of TLS (or plaintext) nodes with quick Updates. */
static int net_lab(struct lab *lab, bool plaintext)
{
	int rc = lab_init(lab, OVERLAY, plaintext);

	lab->update_interval_ms = 10000;
	return rc;
}

struct pings {
	size_t sent, ok;
};

static void ping_done(void *arg, int err, const struct relo_msg *ans, const struct relo_body *b)
{
	struct pings *p = arg;

	(void)ans;
	if (!err && b->code == RELO_PING_ANS)
		p->ok++;
}

static bool pings_done(struct lab *lab, void *arg)
{
	struct pings *p = arg;
	(void)lab;
	return p->ok == p->sent;
}

static int ring_and_pings(bool plaintext)
{
	struct lab lab;
	struct pings p = { 0, 0 };
	struct relo_body b;
	size_t i, j;

	CHECK_EQ(net_lab(&lab, plaintext), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(lab_add(&lab, true), 0);
	if (!lab_run_until(&lab, lab_ring_ok, NULL, 30))
		TEST_FAIL("no ring of 5 over %s within 30 s", plaintext ? "plaintext" : "TLS");
	memset(&b, 0, sizeof(b));
	b.code = RELO_PING_REQ;
	for (i = 0; i < lab.n; i++) {
		for (j = 0; j < lab.n; j++) {
			struct relo_dest d = { .type = RELO_DEST_NODE };
			if (i == j)
				continue;
			d.u.node = *relo_node_id(lab.p[j].node);
			CHECK_EQ(relo_node_request(lab.p[i].node, &d, 1, &b, ping_done, &p), 0);
			p.sent++;
		}
	}
	if (!lab_run_until(&lab, pings_done, &p, 20))
		TEST_FAIL("%zu of %zu pings answered", p.ok, p.sent);
	{
		uint32_t srtt, rto;
		struct relo_nodeid s;
		relo_node_successors(lab.p[0].node, &s, 1);
		CHECK_EQ(relo_net_link_rtt(lab.p[0].net, &s, &srtt, &rto), 0);
		CHECK(rto >= 200); /* measured from the framing ACKs */
	}
	lab_free(&lab);
	return 0;
}

static int test_tls_ring(void)
{
	return ring_and_pings(false);
}

static int test_plaintext_ring(void)
{
	return ring_and_pings(true);
}

static int test_plaintext_refused(void)
{
	struct relo_net_opts no;
	struct relo_net *net = NULL;
	struct lab lab;

	CHECK_EQ(net_lab(&lab, false), 0);
	CHECK_EQ(lab_add(&lab, false), 0);
	memset(&no, 0, sizeof(no));
	no.base = lab.base;
	no.cfg = lab.cfg;
	no.ident = lab.p[0].ident;
	no.trust = lab.trust;
	relo_ipport_parse("127.0.0.1:0", &no.listen);
	no.plaintext = true; /* but not allowed */
	CHECK_EQ(relo_net_alloc(&net, &no), -EPERM);
	lab_free(&lab);
	return 0;
}

static bool refused(struct lab *lab, void *arg)
{
	struct relo_net_stats st;

	(void)arg;
	relo_net_stats(lab->p[0].net, &st);
	return st.auth_failures + st.handshake_failures > 0;
}

/* A node from another CA cannot join: its TLS certificate is refused. */
static int test_foreign_ca_refused(void)
{
	struct lab lab, other;
	struct relo_net_stats st;

	CHECK_EQ(net_lab(&lab, false), 0);
	CHECK_EQ(net_lab(&other, false), 0);
	CHECK_EQ(lab_add(&lab, false), 0);
	/* The outsider's loop is the lab's: one process, one loop. */
	event_base_free(other.base);
	other.base = lab.base;
	{
		struct relo_ipport boot = relo_net_listen_addr(lab.p[0].net);
		CHECK_EQ(lab_add(&other, false), 0);
		relo_node_free(other.p[0].node);
		other.p[0].node = NULL;
		relo_net_set_node(other.p[0].net, NULL);
		{
			struct relo_node_opts o;
			memset(&o, 0, sizeof(o));
			o.cfg = other.cfg;
			o.ident = other.p[0].ident;
			o.trust = other.trust;
			o.listen = relo_net_listen_addr(other.p[0].net);
			o.ops = relo_net_ops();
			o.env = relo_net_env(other.p[0].net);
			o.log_level = RELO_LOG_ERR;
			CHECK_EQ(relo_node_alloc(&other.p[0].node, &o), 0);
			relo_net_set_node(other.p[0].net, other.p[0].node);
			CHECK_EQ(relo_node_start(other.p[0].node, &boot, 1), 0);
		}
	}
	CHECK(lab_run_until(&lab, refused, NULL, 10));
	lab_run_until(&lab, lab_ring_ok, NULL, 1); /* and it keeps trying, in vain */
	CHECK(!relo_node_joined(other.p[0].node));
	relo_net_stats(lab.p[0].net, &st);
	CHECK(st.auth_failures + st.handshake_failures > 0);
	other.base = NULL;
	lab_free(&other);
	lab_free(&lab);
	return 0;
}

static const struct test tests[] = {
	{ "tls_ring", test_tls_ring },
	{ "plaintext_ring", test_plaintext_ring },
	{ "plaintext_refused", test_plaintext_refused },
	{ "foreign_ca_refused", test_foreign_ca_refused },
};

TEST_MAIN(tests)
