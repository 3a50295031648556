/*
 * store_int.h - the storage's insides, shared by store.c (the table and
 * the methods), acl.c (access control), replica.c (replication and
 * expiry) and client.c (put and fetch)
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "relo/print.h"
#include "relo/ring.h"
#include "relo/store.h"

#define STORE_GROUP 3            /* the responsible peer and its two replicas */
#define STORE_MAX_RANGE 4096     /* array entries one range may ask for */

/* A signer's certificate, kept while values it signed are. */
struct scert {
	uint8_t hash[32];        /* SHA-256 of the DER */
	char user[RELO_USER_MAX]; /* its user name */
	uint8_t *der;
	size_t len;
	unsigned refs;
	struct scert *next;
};

/* One stored value. */
struct sval {
	uint8_t *raw;            /* the StoredData as received, re-encoded */
	size_t raw_len;
	struct relo_stored_data sd; /* decoded, pointing into raw */
	uint64_t stored_at;      /* node clock (ms) when it arrived here */
	struct scert *cert;      /* NULL on unsigned overlays */
};

/* One kind's values at a resource. Arrays are kept sorted by index,
 * dictionaries by key. */
struct skind {
	const struct relo_kind_def *def;
	uint64_t generation;
	struct sval *v;
	size_t n, cap;
};

struct sres {
	struct sres *next;       /* hash chain */
	uint8_t id[RELO_RESID_MAX];
	uint8_t len;
	struct relo_nodeid pos;  /* the ring position */
	struct skind *k;
	size_t nk;
	/* Members of the replica set known to hold it (we sent it, or they
	 * sent it to us), so that only newcomers get it again. */
	struct relo_nodeid holders[STORE_GROUP + 1];
	size_t n_holders;
	size_t bytes;
};

struct relo_store {
	struct relo_node *node;
	const struct relo_config *cfg;
	const struct relo_ident *ident;
	struct relo_trust *trust;
	uint64_t (*wall_ms)(void *arg);
	void *wall_arg;
	uint32_t sync_delay_ms, sync_interval_ms, sweep_ms;
	size_t max_bytes;
	uint8_t id_len;          /* Node-ID length of the overlay */
	struct relo_wirecfg wc;

	struct sres **buckets;
	size_t n_buckets, n_res;
	struct scert *certs;
	struct relo_timer *sweep_timer, *sync_timer;
	uint64_t last_storage_time;
	struct relo_store_stats st;
	struct spend *pending;   /* our outstanding requests */
};

/* An outstanding request of ours (replica push, put, fetch). */
struct spend {
	struct relo_store *s;
	struct spend *next;
	void (*done)(struct spend *p, int err, const struct relo_msg *ans,
		     const struct relo_body *body);
	/* what it is about */
	struct relo_nodeid target;
	uint8_t res[RELO_RESID_MAX];
	uint8_t res_len;
	void *h;
	void *arg;
};

/* ---- store.c ---- */
struct sres *store_find(struct relo_store *s, struct relo_bytes id);
struct skind *store_kind(struct sres *r, uint32_t kind);
void store_drop_res(struct relo_store *s, struct sres *r);
void store_unref_cert(struct relo_store *s, struct scert *c);
/* Remaining lifetime of a value (seconds), at node time now. */
uint32_t store_remaining(const struct sval *v, uint64_t now);
/* The certificates of the values in list (each once), from arena a. */
int store_certs_of(struct relo_arena *a, struct sval *const *vals, size_t n,
		   const struct relo_bytes **certs, size_t *n_certs);
/* A StoredData for sending: v's, lifetime set to what is left. */
void store_outgoing(const struct sval *v, uint64_t now, struct relo_stored_data *out);
struct spend *store_pending_new(struct relo_store *s,
				void (*done)(struct spend *p, int err, const struct relo_msg *ans,
					     const struct relo_body *body));
void store_pending_answer(void *arg, int err, const struct relo_msg *ans,
			  const struct relo_body *body);

/* Where value sv goes in a sorted list: its slot (*found) or where to insert. */
size_t store_slot_of(const struct sval *vals, size_t n, const struct relo_stored_value *sv,
		     bool *found);

/* ---- acl.c ---- */
/*
 * May the holder of this certificate write value v of kind def at
 * resource, r holding what is stored there now (NULL: nothing)? 0, or a
 * RELOAD error code with the reason in *why.
 */
int acl_check(struct relo_store *s, struct sres *r, const struct relo_kind_def *def,
	      struct relo_bytes resource, const struct relo_stored_value *v,
	      const struct relo_certinfo *signer, const char **why);

/* ---- share.c (RFC 8076) ---- */
/* A ResourceNameExtension at the start of value: the name, and its size. */
int share_name_ext(struct relo_bytes value, struct relo_bytes *name, size_t *used);
/* The USER-CHAIN-ACL policy (as acl_check). */
int share_check(struct relo_store *s, struct sres *r, const struct relo_kind_def *def,
		struct relo_bytes resource, const struct relo_stored_value *v,
		const struct relo_certinfo *signer, const char **why);

/* ---- replica.c ---- */
int replica_init(struct relo_store *s);
void replica_fini(struct relo_store *s);
/* An original store changed r: copy its values to the replicas now. */
void replica_push_new(struct relo_store *s, struct sres *r);
/* Is sender a plausible source of a replica store for position pos? */
bool replica_plausible(struct relo_store *s, const struct relo_nodeid *pos,
		       const struct relo_nodeid *sender);
void replica_holder(struct sres *r, const struct relo_nodeid *id);

#endif
