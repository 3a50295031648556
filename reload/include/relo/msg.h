/*
 * relo/msg.h - RELOAD messages: forwarding header, message contents and
 * security block (RFC 6940 section 6.3)
 *
 * Decoded structures point into the decoded buffer (relo_bytes views) and
 * keep their lists in a relo_arena. Encoders take the same structures.
 */
#ifndef RELO_MSG_H
#define RELO_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "relo/arena.h"
#include "relo/codes.h"
#include "relo/wire.h"

#define RELO_NODEID_MIN 16
#define RELO_NODEID_MAX 20
/* "ResourceIds are variable length, up to 254 bytes" (section 6.3.1.1) */
#define RELO_RESID_MAX 254
/* Fixed part of the forwarding header: token..options_length. */
#define RELO_FWD_FIXED_LEN 38
/* The overlay default of max-message-size when the configuration is silent. */
#define RELO_DEFAULT_MAX_MSG 5000

struct relo_kind_model;

/**
 * What a codec needs to know of the overlay. node_id_len comes from the
 * configuration (16..20); max_msg_size bounds every message and frame;
 * model() tells the data model of a Kind-ID (RELO_MODEL_UNKNOWN when the
 * kind is not known: such stored values are kept raw, not rejected).
 */
struct relo_wirecfg {
	uint8_t node_id_len;
	uint32_t max_msg_size;
	enum relo_model (*model)(void *arg, uint32_t kind);
	void *model_arg;
};

/** -EINVAL unless node_id_len is 16..20 and max_msg_size can hold a header.
 * Every entry point checks its configuration with this. */
RELO_API int relo_wirecfg_check(const struct relo_wirecfg *cfg);
/** The registered kinds' models; use as relo_wirecfg.model with arg NULL. */
RELO_API enum relo_model relo_model_builtin(void *arg, uint32_t kind);
/** A configuration with 16-byte Node-IDs, max_msg_size 5000, builtin kinds. */
RELO_API void relo_wirecfg_default(struct relo_wirecfg *cfg);

struct relo_nodeid {
	uint8_t len;
	uint8_t id[RELO_NODEID_MAX];
};

/** The wildcard Node-ID (all ones) of the given length. */
RELO_API void relo_nodeid_wildcard(struct relo_nodeid *n, uint8_t len);
static inline bool relo_nodeid_eq(const struct relo_nodeid *a, const struct relo_nodeid *b)
{
	uint64_t x, y;

	if (a->len != b->len)
		return false;
	if (a->len < 8)
		return memcmp(a->id, b->id, a->len) == 0;
	memcpy(&x, a->id, 8); /* most Node-IDs differ in their first bytes */
	memcpy(&y, b->id, 8);
	return x == y && memcmp(a->id + 8, b->id + 8, a->len - 8u) == 0;
}

/* Reads/writes a NodeId of cfg->node_id_len bytes. */
RELO_API void relo_nodeid_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			       struct relo_nodeid *n);
RELO_API void relo_nodeid_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
				const struct relo_nodeid *n);

/** A Destination (section 6.3.2.2). */
struct relo_dest {
	uint16_t type; /* enum relo_dest_type, or another 7-bit type kept raw */
	union {
		struct relo_nodeid node;    /* RELO_DEST_NODE */
		struct relo_bytes resource; /* RELO_DEST_RESOURCE: the ResourceId */
		struct relo_bytes opaque;   /* RELO_DEST_OPAQUE: the opaque_id */
		struct relo_bytes raw;      /* unknown type: destination_data */
		uint16_t compressed;        /* RELO_DEST_COMPRESSED, top bit set */
	} u;
};

RELO_API void relo_dest_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			     struct relo_dest *d);
RELO_API void relo_dest_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			      const struct relo_dest *d);

struct relo_fwd_opt {
	uint8_t type;
	uint8_t flags;
	struct relo_bytes value;
};

/** The forwarding header (section 6.3.2). */
struct relo_fwd {
	uint32_t overlay;
	uint16_t config_seq;
	uint8_t version;
	uint8_t ttl;
	uint32_t fragment;
	uint32_t length;       /* whole message; filled in by the encoder */
	uint64_t trans_id;
	uint32_t max_resp_len;
	struct relo_dest *via;
	size_t n_via;
	struct relo_dest *dst;
	size_t n_dst;
	struct relo_fwd_opt *opt;
	size_t n_opt;
};

struct relo_ext {
	uint16_t type;
	bool critical;
	struct relo_bytes value;
};

/** MessageContents (section 6.3.3); body is decoded with relo/body.h. */
struct relo_contents {
	uint16_t code;
	struct relo_bytes body;
	struct relo_ext *ext;
	size_t n_ext;
};

struct relo_cert {
	uint8_t type; /* RELO_CERT_X509 */
	struct relo_bytes der;
};

/** SignerIdentity (section 6.3.4). */
struct relo_signer {
	uint8_t type;            /* enum relo_signer_type */
	uint8_t hash_alg;        /* cert_hash, cert_hash_node_id */
	struct relo_bytes hash;  /* cert_hash, cert_hash_node_id */
	struct relo_bytes raw;   /* an unknown type's identity bytes */
};

/** Signature (section 6.3.4). */
struct relo_sig {
	uint8_t hash_alg;
	uint8_t sig_alg;
	struct relo_signer signer;
	struct relo_bytes value;
};

struct relo_secblock {
	struct relo_cert *certs;
	size_t n_certs;
	struct relo_sig sig;
};

RELO_API void relo_sig_read(struct relo_rd *r, struct relo_sig *s);
RELO_API void relo_sig_write(struct relo_wr *w, const struct relo_sig *s);
RELO_API void relo_signer_write(struct relo_wr *w, const struct relo_signer *s);

/** A whole message. */
struct relo_msg {
	struct relo_fwd fwd;
	struct relo_contents c;
	struct relo_secblock sec;
	/* Set by the decoder: the MessageContents bytes, for signatures. */
	struct relo_bytes contents_raw;
};

/** Fills a message with the defaults: version 1.0, TTL 100, fragment
 * 0xC0000000. The signer is left unset (type 0), which the encoder refuses:
 * every message is signed by its sender. */
RELO_API void relo_msg_init(struct relo_msg *m);

/**
 * Decodes a forwarding header from buf. Checks the token, the version, the
 * fragment field's mandatory bit, that length equals len, and every list.
 * *hdr_len gets the header's size. This is all an intermediate peer reads.
 * Returns 0, -EBADMSG (malformed), -EPROTO (well-formed but not RELOAD
 * 1.0: token, version, fragment bit), -EINVAL (bad cfg) or -EMSGSIZE: a
 * message longer than cfg->max_msg_size, whose header *f and *hdr_len
 * still hold, for an Error_Message_Too_Large answer.
 */
RELO_API int relo_fwd_decode(const struct relo_wirecfg *cfg, struct relo_arena *a,
			     const uint8_t *buf, size_t len, struct relo_fwd *f,
			     size_t *hdr_len);
/** Encodes a forwarding header; f->length is written as given. */
RELO_API void relo_fwd_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			     const struct relo_fwd *f);

/** Decodes MessageContents from r (a reader exactly over them or more). */
RELO_API void relo_contents_read(struct relo_rd *r, struct relo_arena *a,
				 struct relo_contents *c);
RELO_API void relo_contents_write(struct relo_wr *w, const struct relo_contents *c);

RELO_API void relo_secblock_read(struct relo_rd *r, struct relo_arena *a,
				 struct relo_secblock *s);
RELO_API void relo_secblock_write(struct relo_wr *w, const struct relo_secblock *s);

/**
 * Decodes a whole, unfragmented message. Everything after the header must
 * be exactly MessageContents followed by SecurityBlock. A fragment (not
 * offset 0 with the last bit) gets -EINPROGRESS: reassemble it first.
 */
RELO_API int relo_msg_decode(const struct relo_wirecfg *cfg, struct relo_arena *a,
			     const uint8_t *buf, size_t len, struct relo_msg *m);

/**
 * Encodes a message, filling in the forwarding header's length. Appends to
 * w. Returns 0, -EMSGSIZE (longer than cfg->max_msg_size or a field
 * longer than its vector allows), -EINVAL (something the decoder would
 * refuse: no destination, a zero code or type, no signer set), -ENOMEM
 * or -ENOSPC. On error nothing is appended and w keeps the error.
 */
RELO_API int relo_msg_encode(const struct relo_wirecfg *cfg, const struct relo_msg *m,
			     struct relo_wr *w);

/**
 * The bytes a message signature covers (section 6.3.4):
 * overlay || transaction_id || MessageContents || SignerIdentity.
 * For a decoded message the MessageContents are the bytes received.
 */
RELO_API int relo_msg_sig_input(const struct relo_msg *m, struct relo_wr *w);

/** What a node must do with a message it received (section 6). */
enum relo_verdict {
	RELO_ACCEPT = 0,
	RELO_REJECT,  /* answer with Error <error> (requests only) */
	RELO_DROP,    /* discard without an answer */
};

enum relo_role {
	RELO_ROLE_FORWARDER,   /* the node would forward the message */
	RELO_ROLE_DESTINATION, /* the node would answer or consume it */
};

struct relo_check {
	enum relo_verdict verdict;
	uint16_t error;        /* enum relo_error when verdict == RELO_REJECT */
	const char *why;       /* for the error_info and the log */
};

/** What the receiving node knows, for relo_msg_check(). */
struct relo_rules {
	uint16_t config_seq;   /* of the node's configuration document */
	uint8_t initial_ttl;   /* initial-ttl of the configuration (100) */
	/* Forwarding options and message extensions the node implements;
	 * NULL: none. */
	bool (*option_known)(void *arg, uint8_t type);
	bool (*extension_known)(void *arg, uint16_t type);
	void *arg;
};

/**
 * Applies the rules RFC 6940 sets for a received message, in order:
 * a resource anywhere but last in the Destination list, or in the Via
 * list, is dropped (6.1.1, 6.3.2.2); TTL above initial-ttl, or exhausted
 * at a forwarder: Error_TTL_Exceeded; a FORWARD_CRITICAL (forwarder) or
 * DESTINATION_CRITICAL (destination) option the node does not implement:
 * Error_Unsupported_Forwarding_Option; at the destination, a request's
 * configuration sequence other than ours: Error_Config_Too_Old/New
 * (modulo 65535; 65535 is accepted on a ConfigUpdate only, so senders of
 * ConfigUpdate use it); an unknown message code: Error_Invalid_Message
 * for a request, dropped for an answer; a critical extension the node
 * does not implement: Error_Unknown_Extension. An answer is never
 * answered: what would be an error for it is a drop.
 * code comes from relo_msg_peek_code() at a forwarder; c (for the
 * extensions) may be NULL there.
 */
RELO_API void relo_msg_check(const struct relo_rules *rules, const struct relo_fwd *f,
			     uint16_t code, const struct relo_contents *c, enum relo_role role,
			     struct relo_check *out);

/** The message code, read after a header of hdr_len bytes (for a forwarder,
 * which does not decode the contents). */
RELO_API int relo_msg_peek_code(const uint8_t *buf, size_t len, size_t hdr_len,
				uint16_t *code);

#endif
