/*
 * relo/store.h - a peer's storage (RFC 6940 section 7) with CHORD-RELOAD's
 * replication (sections 10.4 and 10.7.3)
 *
 * A store serves Store, Fetch, Stat and Find for the kinds its overlay's
 * configuration declares, in the three data models, with generation
 * counters, storage times (no rollback), lifetimes, nonexistent values,
 * the configuration's max-count and max-size, and the access control
 * policies USER-MATCH, NODE-MATCH, USER-NODE-MATCH and NODE-MULTIPLE.
 * Every value is signed by its writer; the store verifies the signature
 * and the policy before keeping it, keeps the signer's certificate with
 * it, and hands both on when it answers a Fetch or makes a replica.
 *
 * The peer responsible for a Resource-ID keeps its values and copies them
 * to its next two successors (replica stores). When the neighbor table
 * changes, each holder sends the values to the members of the replica set
 * that are new to it, and a peer no longer among the three nearest to a
 * resource forgets it. Values expire when their lifetime runs out.
 *
 * The client side (relo_store_put, relo_store_fetch) signs values with
 * the node's identity and verifies what comes back.
 *
 * Unsigned overlays (nodes made without identity, for large simulations)
 * store unsigned values, and access control is not checked.
 */
#ifndef RELO_STORE_H
#define RELO_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/body.h"
#include "relo/config.h"
#include "relo/node.h"
#include "relo/sec.h"

struct relo_store;

struct relo_store_opts {
	struct relo_node *node;          /* the store registers its methods on it */
	const struct relo_config *cfg;   /* the kinds; must outlive the store */
	const struct relo_ident *ident;  /* signs our values; NULL: unsigned overlay */
	struct relo_trust *trust;        /* verifies values; NULL iff ident is NULL */
	/* storage_time's clock: ms since 1970 (NULL: the system's). */
	uint64_t (*wall_ms)(void *arg);
	void *wall_arg;
	uint32_t sync_delay_ms;          /* neighbor change to replica check (default 1000) */
	uint32_t sync_interval_ms;       /* full replica check (default 60000) */
	uint32_t sweep_ms;               /* expiry check (default 5000) */
	size_t max_bytes;                /* all values together (default 256 MiB) */
};

RELO_API int relo_store_alloc(struct relo_store **sp, const struct relo_store_opts *o);
/** Frees the store (before its node). */
RELO_API void relo_store_free(struct relo_store *s);

struct relo_store_stats {
	uint64_t resources, values, bytes;          /* held now */
	uint64_t stores_in, replica_stores_in, stores_refused;
	uint64_t fetches_in, stats_in, finds_in;
	uint64_t replica_pushes, replica_push_failures;
	uint64_t expired, forgotten;                /* by lifetime; out of the replica set */
};

RELO_API void relo_store_stats(const struct relo_store *s, struct relo_store_stats *out);

/* ---- the client side ---- */

/** One value to store: its kind, where in the kind's model, and for how long. */
struct relo_put {
	uint32_t kind;
	struct relo_stored_value value;  /* model must be the kind's */
	uint32_t lifetime;               /* seconds */
	uint64_t generation;             /* the kind's expected generation; 0: no check
					  * (the kind's first value says it) */
};

/**
 * The outcome of a put: err 0 and error 0 with the StoreAns; or error, the
 * RELOAD error code the responsible peer answered (with the Error body in
 * ans_body); or err < 0 (-ETIMEDOUT, -ECANCELED, ...).
 */
typedef void(relo_put_h)(void *arg, int err, uint16_t error, const struct relo_body *ans_body);

/**
 * Signs and stores values at a Resource-ID (values of one kind together).
 * storage_time is the wall clock, or one more than the last we used,
 * whichever is later.
 */
RELO_API int relo_store_put(struct relo_store *s, struct relo_bytes resource,
			    const struct relo_put *v, size_t n, relo_put_h *h, void *arg);

/** A fetched value whose signature verified. */
struct relo_fetched {
	struct relo_stored_data sd;
	struct relo_certinfo signer;     /* zero on unsigned overlays */
};

struct relo_fetched_kind {
	uint32_t kind;
	uint64_t generation;
	struct relo_fetched *values;
	size_t n_values;
	size_t n_invalid;                /* values dropped: their signature did not verify */
};

/** As relo_put_h; kinds is valid only during the call. */
typedef void(relo_fetch_h)(void *arg, int err, uint16_t error,
			   const struct relo_fetched_kind *kinds, size_t n);

/** Fetches (section 7.4.2) and verifies every value. */
RELO_API int relo_store_fetch(struct relo_store *s, struct relo_bytes resource,
			      const struct relo_specifier *spec, size_t n, relo_fetch_h *h,
			      void *arg);

/* ---- shared resources (RFC 8076) ---- */

/** An AccessControlListItem (the ACCESS-CONTROL-LIST kind's values). */
struct relo_acl_item {
	bool has_name;
	struct relo_bytes name;          /* its ResourceNameExtension's Resource Name */
	struct relo_bytes to_user;
	uint32_t kind;
	bool allow_delegation;
};

/** Decodes an item (with_name: it starts with a ResourceNameExtension, as
 * when the kind has variable resource names). -EBADMSG if malformed. */
RELO_API int relo_acl_item_decode(struct relo_bytes value, bool with_name,
				  struct relo_acl_item *out);
RELO_API void relo_acl_item_write(struct relo_wr *w, const struct relo_acl_item *it);
/** A ResourceNameExtension (type pattern) with this name. */
RELO_API void relo_resource_name_write(struct relo_wr *w, struct relo_bytes name);
/** The array index an item or value of a shared kind takes (RFC 8076
 * section 3.1): the low 24 bits of the signer's Node-ID, then sub. */
RELO_API uint32_t relo_share_index(const struct relo_nodeid *signer, uint8_t sub);

#endif
