/*
 * relo/sip.h - the SIP usage of RELOAD (RFC 7904): SIP-REGISTRATION
 * values, registering an AOR, looking one up and reaching its peers with
 * AppAttach
 *
 * A registration maps an AOR (without scheme, %-decoded: the user name of
 * a certificate) to a destination list reaching the peer that acts for
 * the user (a route registration), or to another AOR (a URI
 * registration). Values live in a dictionary keyed by the registering
 * peer's Node-ID, under the USER-NODE-MATCH policy, so every device of a
 * user has its own entry. Looking up follows URI registrations (4 deep at
 * most, each AOR once) and then sends AppAttach (application 5060) along
 * each destination list; the answer says where that peer's SIP listens.
 */
#ifndef RELO_SIP_H
#define RELO_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/node.h"
#include "relo/store.h"

#define RELO_APP_SIP 5060
#define RELO_APP_SIPS 5061
#define RELO_SIP_AOR_MAX 256

enum relo_sipreg_type { RELO_SIPREG_URI = 1, RELO_SIPREG_ROUTE = 2 };

/** SipRegistration (RFC 7904 section 3.2). */
struct relo_sipreg {
	uint8_t type;
	struct relo_bytes uri;            /* RELO_SIPREG_URI: an AOR */
	struct relo_bytes contact_prefs;  /* RELO_SIPREG_ROUTE: RFC 3840 predicates */
	struct relo_dest *dst;            /* RELO_SIPREG_ROUTE: at least one entry */
	size_t n_dst;
};

/** Decodes a SipRegistration (the whole of in). -EBADMSG if malformed,
 * -ENOTSUP for a type this version does not know. */
RELO_API int relo_sipreg_decode(const struct relo_wirecfg *cfg, struct relo_arena *a,
				struct relo_bytes in, struct relo_sipreg *out);
RELO_API void relo_sipreg_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
				const struct relo_sipreg *r);

/**
 * The Resource Name of a SIP or SIPS URI: its AOR without scheme, URI
 * parameters and headers, %-decoded ("sip:alice@example.org;gr" ->
 * "alice@example.org"). -EINVAL if it is not user@host.
 */
RELO_API int relo_sip_aor(const char *uri, char *out, size_t size);

struct relo_sip;

struct relo_sip_opts {
	struct relo_node *node;
	struct relo_store *store;
	const struct relo_config *cfg;
	const char *aor;                  /* ours: the certificate's user name */
	struct relo_ipport sip_addr;      /* where our SIP listens (type 0: nowhere) */
	const char *contact_prefs;        /* e.g. "(sip.schemes=SIP)"; NULL: none */
	uint32_t lifetime;                /* of our registration, s (default 3600) */
};

RELO_API int relo_sip_alloc(struct relo_sip **sp, const struct relo_sip_opts *o);
RELO_API void relo_sip_free(struct relo_sip *s);

/** err 0 and error 0: done; error: the RELOAD error answered; err < 0. */
typedef void(relo_sip_done_h)(void *arg, int err, uint16_t error);

/**
 * Registers our AOR to this node (a route registration, our Node-ID as
 * key and as destination), and keeps it registered: it is stored again
 * when two thirds of its lifetime have passed. h hears of the first store.
 */
RELO_API int relo_sip_register(struct relo_sip *s, relo_sip_done_h *h, void *arg);
/** Removes our registration (a nonexistent value) and stops refreshing. */
RELO_API int relo_sip_unregister(struct relo_sip *s, relo_sip_done_h *h, void *arg);

/** One peer an AOR leads to. */
struct relo_sip_target {
	char aor[RELO_SIP_AOR_MAX];       /* the AOR it is registered under */
	char signer[RELO_USER_MAX];       /* who registered it */
	struct relo_nodeid node;          /* the destination list's last entry */
	char contact_prefs[128];
	int attach_err;                   /* 0; -errno, or a RELOAD error code (> 0) */
	struct relo_ipport sip;           /* where its SIP listens (AppAttach answer) */
};

#define RELO_SIP_TARGETS_MAX 16

/** err < 0: the lookup itself failed; n 0: not registered. Valid during the call. */
typedef void(relo_sip_lookup_h)(void *arg, int err, const struct relo_sip_target *t, size_t n);

/** Looks aor up (a URI or an AOR); with attach, AppAttaches to each peer. */
RELO_API int relo_sip_lookup(struct relo_sip *s, const char *aor, bool attach,
			     relo_sip_lookup_h *h, void *arg);

#endif
