/*
 * netlab.h - RELOAD nodes over real TLS 1.3 links on loopback, in one
 * process and one libevent loop, for the tests and benchmarks of what runs
 * on real links: a CA of the lab's own, a certificate per node, optionally
 * a store on each.
 */
#ifndef CHORUS_NETLAB_H
#define CHORUS_NETLAB_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "relo/net.h"
#include "relo/store.h"

#define LAB_MAX 64

struct lab_peer {
	struct relo_ident *ident;
	struct relo_trust *trust;   /* the lab's, or its own (own_trust) */
	struct relo_net *net;
	struct relo_node *node;
	struct relo_store *store;   /* with lab.stores */
};

struct lab {
	struct event_base *base;
	struct relo_config *cfg;
	struct relo_trust *trust;   /* shared; made by the first lab_add */
	X509 *ca;
	EVP_PKEY *ca_key;
	struct lab_peer p[LAB_MAX];
	size_t n;
	/* How lab_add makes nodes: set these before the first one. */
	bool plaintext;             /* plaintext links (tshark tests only) */
	bool own_trust;             /* a trust context per node, as per process */
	bool unsigned_msgs;         /* messages and values unsigned; TLS still
				     * authenticates each link's Node-ID */
	bool stores;                /* a store on every node */
	uint32_t update_interval_ms; /* 0: the configuration's */
	bool verbose;               /* logs on stderr (TEST_VERBOSE sets it) */
};

/* A lab and its overlay configuration (kinds may be added before nodes). */
int lab_init(struct lab *lab, const char *overlay, bool plaintext);
/* Makes a node listening on 127.0.0.1 and starts it: alone, or (join)
 * through node 0. */
int lab_add(struct lab *lab, bool join);
/* Frees the stores, then the nodes (their requests end, -ECANCELED), then
 * the links and the rest. */
void lab_free(struct lab *lab);
/* Runs the loop until cond holds (checked every 20 ms) or seconds pass;
 * returns whether it holds. */
bool lab_run_until(struct lab *lab, bool (*cond)(struct lab *lab, void *arg), void *arg,
		   unsigned seconds);
/* Every node joined, with its true successor. */
bool lab_ring_ok(struct lab *lab, void *arg);
/* Every node joined, and its whole neighbor tables (up to 5 successors
 * and predecessors, the default) the right nodes. */
bool lab_tables_ok(struct lab *lab, void *arg);

#endif
