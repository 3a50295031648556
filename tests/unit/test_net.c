/*
 * test_net.c - RELOAD nodes over real TLS 1.3 links on loopback, in one
 * process and one libevent loop (reload/link/net.c)
 */
#include <stdlib.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "relo/net.h"
#include "relo/ring.h"
#include "test.h"

#define OVERLAY "net.chorus.example"
#define MAX 8

struct peer {
	struct relo_ident *ident;
	struct relo_net *net;
	struct relo_node *node;
};

struct lab {
	struct event_base *base;
	struct relo_config *cfg;
	struct relo_trust *trust;
	X509 *ca;
	EVP_PKEY *ca_key;
	struct peer p[MAX];
	size_t n;
	bool plaintext;
};

static void log_cb(void *arg, enum relo_log_level l, const char *line)
{
	(void)arg;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "[%s] %s\n", relo_log_level_name(l), line);
}

static int lab_init(struct lab *lab, bool plaintext)
{
	unsigned char *der = NULL;
	int n;

	memset(lab, 0, sizeof(*lab));
	lab->plaintext = plaintext;
	lab->base = event_base_new();
	if (!lab->base || relo_config_new(&lab->cfg, OVERLAY) ||
	    relo_ca_create(&lab->ca, &lab->ca_key, OVERLAY, RELO_KEY_EC_P256, 30))
		return -1;
	n = i2d_X509(lab->ca, &der);
	lab->cfg->root_certs = calloc(1, sizeof(*lab->cfg->root_certs));
	if (n <= 0 || !lab->cfg->root_certs)
		return -1;
	lab->cfg->root_certs[0].p = malloc((size_t)n);
	memcpy(lab->cfg->root_certs[0].p, der, (size_t)n);
	lab->cfg->root_certs[0].len = (size_t)n;
	lab->cfg->n_root_certs = 1;
	OPENSSL_free(der);
	lab->cfg->reliability_timer_ms = 1000;
	return relo_trust_alloc(&lab->trust, lab->cfg);
}

static int lab_add(struct lab *lab, bool join)
{
	struct peer *p = &lab->p[lab->n];
	struct relo_net_opts no;
	struct relo_node_opts o;
	struct relo_nodeid ids[1];
	struct relo_ipport boot;
	EVP_PKEY *key = NULL;
	X509 *cert;
	char err[128];
	int rc;

	rc = relo_ca_issue(lab->ca, lab->ca_key, OVERLAY, 16, "node@chorus.example", 1,
			   RELO_KEY_EC_P256, 30, &cert, &key, ids);
	if (!rc)
		rc = relo_ident_from_x509(&p->ident, cert, key, OVERLAY, 16, err, sizeof(err));
	X509_free(cert);
	EVP_PKEY_free(key);
	if (rc)
		return rc;
	memset(&no, 0, sizeof(no));
	no.base = lab->base;
	no.cfg = lab->cfg;
	no.ident = p->ident;
	no.trust = lab->trust;
	relo_ipport_parse("127.0.0.1:0", &no.listen);
	no.plaintext = lab->plaintext;
	no.plaintext_allowed = lab->plaintext;
	no.log = log_cb;
	no.log_level = RELO_LOG_DEBUG;
	rc = relo_net_alloc(&p->net, &no);
	if (rc)
		return rc;
	memset(&o, 0, sizeof(o));
	o.cfg = lab->cfg;
	o.ident = p->ident;
	o.trust = lab->trust;
	o.listen = relo_net_listen_addr(p->net);
	o.ops = relo_net_ops();
	o.env = relo_net_env(p->net);
	o.log_level = getenv("TEST_VERBOSE") ? RELO_LOG_DEBUG : RELO_LOG_WARN;
	o.update_interval_ms = 10000;
	rc = relo_node_alloc(&p->node, &o);
	if (rc)
		return rc;
	relo_net_set_node(p->net, p->node);
	boot = relo_net_listen_addr(lab->p[0].net);
	lab->n++;
	return relo_node_start(p->node, &boot, join && lab->n > 1 ? 1 : 0);
}

static void lab_free(struct lab *lab)
{
	size_t i;

	for (i = 0; i < lab->n; i++) {
		relo_net_set_node(lab->p[i].net, NULL);
		relo_node_free(lab->p[i].node);
		relo_net_free(lab->p[i].net);
		relo_ident_free(lab->p[i].ident);
	}
	relo_trust_free(lab->trust);
	relo_config_free(lab->cfg);
	X509_free(lab->ca);
	EVP_PKEY_free(lab->ca_key);
	if (lab->base)
		event_base_free(lab->base);
}

struct waiter {
	struct lab *lab;
	bool (*cond)(struct lab *lab, void *arg);
	void *arg;
	bool met;
};

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	(void)fd;
	(void)what;
	if (w->cond(w->lab, w->arg)) {
		w->met = true;
		event_base_loopbreak(w->lab->base);
	}
}

/* Runs the loop until cond holds (checked every 20 ms) or seconds pass. */
static bool run_until(struct lab *lab, bool (*cond)(struct lab *, void *), void *arg,
		      unsigned seconds)
{
	struct waiter w = { lab, cond, arg, false };
	struct timeval tick = { 0, 20000 }, limit = { seconds, 0 };
	struct event *ev = event_new(lab->base, -1, EV_PERSIST, poll_cb, &w);

	event_add(ev, &tick);
	event_base_loopexit(lab->base, &limit);
	event_base_dispatch(lab->base);
	event_free(ev);
	return w.met || cond(lab, arg);
}

static int cmp_id(const void *a, const void *b)
{
	return relo_id_cmp(a, b);
}

static bool ring_ok(struct lab *lab, void *arg)
{
	struct relo_nodeid ids[MAX], s;
	size_t i, j;

	(void)arg;
	for (i = 0; i < lab->n; i++)
		ids[i] = *relo_node_id(lab->p[i].node);
	qsort(ids, lab->n, sizeof(ids[0]), cmp_id);
	for (i = 0; i < lab->n; i++) {
		struct relo_node *n = lab->p[i].node;
		if (!relo_node_joined(n))
			return false;
		for (j = 0; !relo_nodeid_eq(&ids[j], relo_node_id(n)); j++)
			;
		if (lab->n > 1 && (relo_node_successors(n, &s, 1) != 1 ||
				   !relo_nodeid_eq(&s, &ids[(j + 1) % lab->n])))
			return false;
	}
	return true;
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

	CHECK_EQ(lab_init(&lab, plaintext), 0);
	for (i = 0; i < 5; i++)
		CHECK_EQ(lab_add(&lab, true), 0);
	if (!run_until(&lab, ring_ok, NULL, 30))
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
	if (!run_until(&lab, pings_done, &p, 20))
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

	CHECK_EQ(lab_init(&lab, false), 0);
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

	CHECK_EQ(lab_init(&lab, false), 0);
	CHECK_EQ(lab_init(&other, false), 0);
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
	CHECK(run_until(&lab, refused, NULL, 10));
	run_until(&lab, ring_ok, NULL, 1); /* and it keeps trying, in vain */
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
