/*
 * netlab.c - see netlab.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlab.h"
#include "relo/ring.h"

#define LAB_NEIGHBORS 5 /* a node's default n_succ and n_pred */

static void log_cb(void *arg, enum relo_log_level l, const char *line)
{
	struct lab *lab = arg;

	if (lab->verbose || l == RELO_LOG_ERR)
		fprintf(stderr, "[%s] %s\n", relo_log_level_name(l), line);
}

int lab_init(struct lab *lab, const char *overlay, bool plaintext)
{
	unsigned char *der = NULL;
	int n;

	memset(lab, 0, sizeof(*lab));
	lab->plaintext = plaintext;
	lab->verbose = getenv("TEST_VERBOSE") != NULL;
	lab->base = event_base_new();
	if (!lab->base || relo_config_new(&lab->cfg, overlay) ||
	    relo_ca_create(&lab->ca, &lab->ca_key, overlay, RELO_KEY_EC_P256, 30))
		return -1;
	n = i2d_X509(lab->ca, &der);
	lab->cfg->root_certs = calloc(1, sizeof(*lab->cfg->root_certs));
	if (n <= 0 || !lab->cfg->root_certs || !(lab->cfg->root_certs[0].p = malloc((size_t)n))) {
		OPENSSL_free(der);
		return -1;
	}
	memcpy(lab->cfg->root_certs[0].p, der, (size_t)n);
	lab->cfg->root_certs[0].len = (size_t)n;
	lab->cfg->n_root_certs = 1;
	OPENSSL_free(der);
	lab->cfg->reliability_timer_ms = 1000;
	return 0;
}

int lab_add(struct lab *lab, bool join)
{
	struct lab_peer *p = &lab->p[lab->n];
	struct relo_net_opts no;
	struct relo_node_opts o;
	struct relo_nodeid id;
	struct relo_ipport boot;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	char user[64], err[128];
	int rc;

	if (lab->n == LAB_MAX)
		return -ENOSPC;
	/* The trust context copies the configuration: made once kinds are in. */
	if (!lab->trust && relo_trust_alloc(&lab->trust, lab->cfg))
		return -ENOMEM;
	snprintf(user, sizeof(user), "node%zu@chorus.example", lab->n);
	rc = relo_ca_issue(lab->ca, lab->ca_key, lab->cfg->instance_name, lab->cfg->node_id_len,
			   user, 1, RELO_KEY_EC_P256, 30, &cert, &key, &id);
	if (!rc)
		rc = relo_ident_from_x509(&p->ident, cert, key, lab->cfg->instance_name,
					  lab->cfg->node_id_len, err, sizeof(err));
	X509_free(cert);
	EVP_PKEY_free(key);
	if (rc)
		return rc;
	lab->n++; /* from here on lab_free frees what is made */
	p->trust = lab->trust;
	if (lab->own_trust && relo_trust_alloc(&p->trust, lab->cfg))
		return -ENOMEM;
	memset(&no, 0, sizeof(no));
	no.base = lab->base;
	no.cfg = lab->cfg;
	no.ident = p->ident;
	no.trust = p->trust;
	relo_ipport_parse("127.0.0.1:0", &no.listen);
	no.plaintext = lab->plaintext;
	no.plaintext_allowed = lab->plaintext;
	no.log = log_cb;
	no.log_arg = lab;
	no.log_level = lab->verbose ? RELO_LOG_DEBUG : RELO_LOG_WARN;
	rc = relo_net_alloc(&p->net, &no);
	if (rc)
		return rc;
	memset(&o, 0, sizeof(o));
	o.cfg = lab->cfg;
	if (lab->unsigned_msgs) {
		o.id = *relo_ident_nodeid(p->ident);
	} else {
		o.ident = p->ident;
		o.trust = p->trust;
	}
	o.listen = relo_net_listen_addr(p->net);
	o.ops = relo_net_ops();
	o.env = relo_net_env(p->net);
	o.log_level = lab->verbose ? RELO_LOG_DEBUG : RELO_LOG_WARN;
	o.update_interval_ms = lab->update_interval_ms;
	rc = relo_node_alloc(&p->node, &o);
	if (rc)
		return rc;
	relo_net_set_node(p->net, p->node);
	if (lab->stores) {
		struct relo_store_opts so = { .node = p->node, .cfg = lab->cfg };

		if (!lab->unsigned_msgs) {
			so.ident = p->ident;
			so.trust = p->trust;
		}
		rc = relo_store_alloc(&p->store, &so);
		if (rc)
			return rc;
	}
	boot = relo_net_listen_addr(lab->p[0].net);
	return relo_node_start(p->node, &boot, join && lab->n > 1 ? 1 : 0);
}

void lab_free(struct lab *lab)
{
	size_t i;

	for (i = 0; i < lab->n; i++) {
		relo_store_free(lab->p[i].store);
		lab->p[i].store = NULL;
	}
	for (i = 0; i < lab->n; i++) {
		if (lab->p[i].net)
			relo_net_set_node(lab->p[i].net, NULL);
		relo_node_free(lab->p[i].node);
		lab->p[i].node = NULL;
	}
	for (i = 0; i < lab->n; i++) {
		if (lab->p[i].net)
			relo_net_free(lab->p[i].net);
		if (lab->p[i].trust && lab->p[i].trust != lab->trust)
			relo_trust_free(lab->p[i].trust);
		relo_ident_free(lab->p[i].ident);
	}
	relo_trust_free(lab->trust);
	relo_config_free(lab->cfg);
	X509_free(lab->ca);
	EVP_PKEY_free(lab->ca_key);
	if (lab->base)
		event_base_free(lab->base);
	memset(lab, 0, sizeof(*lab));
}

struct waiter {
	struct lab *lab;
	bool (*cond)(struct lab *lab, void *arg);
	void *arg;
	bool met, expired;
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

static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct waiter *w = arg;

	(void)fd;
	(void)what;
	w->expired = true;
	event_base_loopbreak(w->lab->base);
}

/* Not event_base_loopexit(): its timer would stay armed, and end a later
 * run early, when the condition ends this one first. */
bool lab_run_until(struct lab *lab, bool (*cond)(struct lab *lab, void *arg), void *arg,
		   unsigned seconds)
{
	struct waiter w = { lab, cond, arg, false, false };
	struct timeval tick = { 0, 20000 }, limit = { (time_t)seconds, 0 };
	struct event *poll = event_new(lab->base, -1, EV_PERSIST, poll_cb, &w);
	struct event *expire = evtimer_new(lab->base, expire_cb, &w);

	if (poll && expire && !event_add(poll, &tick) && !evtimer_add(expire, &limit))
		while (!w.met && !w.expired)
			event_base_dispatch(lab->base);
	if (poll)
		event_free(poll);
	if (expire)
		event_free(expire);
	return w.met || cond(lab, arg);
}

static int cmp_id(const void *a, const void *b)
{
	return relo_id_cmp(a, b);
}

/* Every node joined, and its first `depth` successors and predecessors
 * (fewer in a small ring) are the next nodes on the sorted ring. */
static bool tables_right(struct lab *lab, size_t depth)
{
	struct relo_nodeid ids[LAB_MAX], s[LAB_NEIGHBORS], pr[LAB_NEIGHBORS];
	size_t i, j, q, k = lab->n, want = k - 1 < depth ? k - 1 : depth;

	for (i = 0; i < k; i++)
		ids[i] = *relo_node_id(lab->p[i].node);
	qsort(ids, k, sizeof(ids[0]), cmp_id);
	for (i = 0; i < k; i++) {
		struct relo_node *n = lab->p[i].node;

		if (!relo_node_joined(n))
			return false;
		for (j = 0; !relo_nodeid_eq(&ids[j], relo_node_id(n)); j++)
			;
		if (relo_node_successors(n, s, LAB_NEIGHBORS) < want ||
		    (depth > 1 && relo_node_predecessors(n, pr, LAB_NEIGHBORS) < want))
			return false;
		for (q = 0; q < want; q++)
			if (!relo_nodeid_eq(&s[q], &ids[(j + 1 + q) % k]) ||
			    (depth > 1 && !relo_nodeid_eq(&pr[q], &ids[(j + k - 1 - q) % k])))
				return false;
	}
	return true;
}

bool lab_ring_ok(struct lab *lab, void *arg)
{
	(void)arg;
	return tables_right(lab, 1);
}

bool lab_tables_ok(struct lab *lab, void *arg)
{
	(void)arg;
	return tables_right(lab, LAB_NEIGHBORS);
}
