/*
 * relo/disco.h - distributed conference control (after
 * draft-ietf-p2psip-disco-02): where a conference's foci are, who may
 * register as one, and which peers offer to become one
 *
 * A conference is a shared resource (RFC 8076) at the Resource-ID of its
 * name: its URI's AOR, e.g. standup-conf-alice@example.org, which the
 * kind's variable resource name pattern (".*-conf-$USER@$DOMAIN") ties to
 * its owner alice@example.org. The owner stores the ACL's root item and
 * its own DISCO-REGISTRATION; it authorizes other foci with ACL items;
 * each focus registers itself under its Node-ID (dictionary key). A
 * registration says where the focus is (a proximity coordinate) and which
 * node it is. The draft never got a Kind-ID and its text is not at hand:
 * the layout and the private Kind-IDs are ours (docs/disco.md).
 *
 * Peers willing to serve as secondary foci advertise their spare capacity
 * under FOCUS-CAPACITY (NODE-MULTIPLE, at H(Node-ID || i), i = 1..n, as
 * RFC 6940's TURN-SERVICE); a focus looking for one Finds that kind from
 * random Resource-IDs and fetches what it finds.
 */
#ifndef RELO_DISCO_H
#define RELO_DISCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/node.h"
#include "relo/store.h"

#define RELO_KIND_DISCO_REGISTRATION 0xF0000001u
#define RELO_KIND_FOCUS_CAPACITY 0xF0000002u
#define RELO_DISCO_NAME_MAX 256
#define RELO_COORD_MAX 64   /* bytes of an opaque coordinate */

/**
 * DISCO-REGISTRATION value: ResourceNameExtension (the conference's
 * name) || opaque coordinate<0..2^16-1> || NodeId focus.
 */
struct relo_disco_reg {
	struct relo_bytes conference;
	struct relo_bytes coordinate;
	struct relo_nodeid focus;
};

RELO_API int relo_disco_reg_decode(const struct relo_wirecfg *cfg, struct relo_bytes in,
				   struct relo_disco_reg *out);
RELO_API void relo_disco_reg_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
				   const struct relo_disco_reg *r);

/**
 * FOCUS-CAPACITY value: uint32 spare (participants it can still take) ||
 * uint32 capacity || opaque coordinate<0..2^16-1> || NodeId node.
 */
struct relo_focus_advert {
	uint32_t spare, capacity;
	struct relo_bytes coordinate;
	struct relo_nodeid node;
};

RELO_API int relo_focus_advert_decode(const struct relo_wirecfg *cfg, struct relo_bytes in,
				      struct relo_focus_advert *out);
RELO_API void relo_focus_advert_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
				      const struct relo_focus_advert *a);

/** A conference URI's name (its AOR: no scheme, %-decoded). */
RELO_API int relo_disco_name(const char *uri, char *out, size_t size);

struct relo_disco;

struct relo_disco_opts {
	struct relo_node *node;
	struct relo_store *store;
	const struct relo_config *cfg;
	const char *user;                 /* the certificate's user name */
	uint32_t lifetime;                /* of what we store, s (default 3600) */
};

RELO_API int relo_disco_alloc(struct relo_disco **dp, const struct relo_disco_opts *o);
RELO_API void relo_disco_free(struct relo_disco *d);

/** err 0 and error 0: stored; error: the RELOAD error; err < 0. */
typedef void(relo_disco_done_h)(void *arg, int err, uint16_t error);

/** As the conference's owner: the ACL's root item and our registration. */
RELO_API int relo_disco_create(struct relo_disco *d, const char *conference,
			       struct relo_bytes coordinate, relo_disco_done_h *h, void *arg);
/** Lets user register as a focus of the conference (and delegate further
 * if delegate); sub (1..255) numbers our ACL items. */
RELO_API int relo_disco_authorize(struct relo_disco *d, const char *conference,
				  const char *user, bool delegate, uint8_t sub,
				  relo_disco_done_h *h, void *arg);
/** Withdraws our ACL item sub (its delegation, and all made through it). */
RELO_API int relo_disco_revoke(struct relo_disco *d, const char *conference, uint8_t sub,
			       relo_disco_done_h *h, void *arg);
/** Registers this node as a focus of the conference. */
RELO_API int relo_disco_register(struct relo_disco *d, const char *conference,
				 struct relo_bytes coordinate, relo_disco_done_h *h, void *arg);
/** Removes our registration. */
RELO_API int relo_disco_unregister(struct relo_disco *d, const char *conference,
				   relo_disco_done_h *h, void *arg);

/** A focus of a conference, as found (its registration verified). */
struct relo_disco_focus {
	struct relo_nodeid node;
	char signer[RELO_USER_MAX];
	uint8_t coordinate[RELO_COORD_MAX];
	size_t coordinate_len;
};

#define RELO_DISCO_FOCI_MAX 64

/** err -ENOENT and n 0: no focus registered. Valid during the call. */
typedef void(relo_disco_find_h)(void *arg, int err, const struct relo_disco_focus *f, size_t n);

RELO_API int relo_disco_find(struct relo_disco *d, const char *conference,
			     relo_disco_find_h *h, void *arg);

/** Advertises spare focus capacity at H(Node-ID || i), i = 1..copies (1..16). */
RELO_API int relo_disco_advertise(struct relo_disco *d, uint32_t spare, uint32_t capacity,
				  struct relo_bytes coordinate, unsigned copies,
				  relo_disco_done_h *h, void *arg);

struct relo_disco_offer {
	struct relo_nodeid node;
	uint32_t spare, capacity;
	uint8_t coordinate[RELO_COORD_MAX];
	size_t coordinate_len;
};

typedef void(relo_disco_recruit_h)(void *arg, int err, const struct relo_disco_offer *o,
				   size_t n);

/** Looks for peers offering focus capacity: Find from `probes` random
 * Resource-IDs, then Fetch what was found; each offering node once. */
RELO_API int relo_disco_recruit(struct relo_disco *d, unsigned probes, relo_disco_recruit_h *h,
				void *arg);

#endif
