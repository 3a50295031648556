/*
 * relo/config.h - the overlay configuration document (RFC 6940 section 11.1)
 *
 * Reads and writes the XML document (application/p2p-overlay+xml) with
 * libxml2: one <configuration> of an <overlay>, its parameters, the
 * CHORD-RELOAD parameters, the required kinds, and the Chorus extension
 * (namespace RELO_CONFIG_NS_CHORUS) that names the landmark peers used for
 * proximity coordinates. A document that does not follow the RELAX NG
 * grammar of section 11.1.1, or whose values are out of range, is refused
 * with a message that names the element (or attribute) at fault.
 */
#ifndef RELO_CONFIG_H
#define RELO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "relo/codes.h"
#include "relo/msg.h"
#include "relo/wire.h"

#define RELO_CONFIG_NS_BASE "urn:ietf:params:xml:ns:p2p:config-base"
#define RELO_CONFIG_NS_CHORD "urn:ietf:params:xml:ns:p2p:config-chord"
#define RELO_CONFIG_NS_CHORUS "urn:chorus:params:xml:ns:p2p:config-chorus"
#define RELO_CONFIG_NS_SHARE "urn:ietf:params:xml:ns:p2p:config-base:share" /* RFC 8076 */
#define RELO_DEFAULT_PORT 6084

/* Access control policies (RFC 6940 section 7.3, RFC 8076). */
enum relo_acl {
	RELO_ACL_UNKNOWN = 0,
	RELO_ACL_USER_MATCH,
	RELO_ACL_NODE_MATCH,
	RELO_ACL_USER_NODE_MATCH,
	RELO_ACL_NODE_MULTIPLE,
	RELO_ACL_USER_CHAIN_ACL, /* RFC 8076 */
};

RELO_API const char *relo_acl_name(enum relo_acl acl);

/**
 * One kind-block of required-kinds. For a registered kind, model and acl
 * are those of its registration whatever the document says (section 11.1:
 * clients ignore the document's in favor of the IANA ones).
 */
struct relo_kind_def {
	uint32_t id;              /* Kind-ID: from the id attribute, or the registered name */
	char name[64];            /* the name attribute, "" when given by id */
	enum relo_model model;
	enum relo_acl acl;
	uint32_t max_count;
	uint32_t max_size;
	uint32_t max_node_multiple; /* NODE-MULTIPLE only, else 0 */
	/*
	 * RFC 8076 section 5.3 (USER-CHAIN-ACL kinds only): the kind-block's
	 * <share:variable-resource-names enable="true"> and its
	 * <share:pattern>s, POSIX extended regular expressions in which $USER
	 * and $DOMAIN stand for the parts of a certificate's user name. The
	 * kind's values then start with a ResourceNameExtension.
	 */
	bool variable_names;
	char **name_patterns;
	size_t n_name_patterns;
	uint8_t *kind_xml;        /* the <kind> element's bytes as they were (signed) */
	size_t kind_xml_len;
	uint8_t *signature;       /* kind-signature, base64-decoded; NULL if absent */
	size_t signature_len;
};

/** A bootstrap node or a landmark: an IP address (v4 or v6) and a port. */
struct relo_peer_addr {
	char address[64];         /* as written: "192.0.2.1", "2001:db8::1" */
	uint16_t port;            /* default RELO_DEFAULT_PORT */
};

struct relo_blob {
	uint8_t *p;
	size_t len;
};

enum relo_digest { RELO_DIGEST_SHA1 = 1, RELO_DIGEST_SHA256 = 2 };

/** One overlay's configuration. Defaults are those of section 11.1. */
struct relo_config {
	char instance_name[256];  /* the overlay name */
	uint16_t sequence;        /* 0..65534 */
	time_t expiration;        /* 0: none */
	char topology[32];        /* "CHORD-RELOAD" */
	uint8_t node_id_len;      /* 16..20, default 16 */
	struct relo_blob *root_certs; /* DER, base64-decoded */
	size_t n_root_certs;
	char **enrollment_servers;
	size_t n_enrollment_servers;
	bool self_signed_permitted;
	enum relo_digest self_signed_digest; /* default SHA1 */
	struct relo_peer_addr *bootstrap;
	size_t n_bootstrap;
	uint8_t turn_density;     /* default 1 */
	bool clients_permitted;   /* default true */
	bool no_ice;              /* default false */
	uint32_t chord_update_interval; /* seconds, default 600 */
	uint32_t chord_ping_interval;   /* seconds, default 3600 */
	bool chord_reactive;      /* default true */
	char *shared_secret;      /* NULL: none */
	uint32_t max_message_size; /* default 5000 */
	uint8_t initial_ttl;      /* default 100 */
	uint32_t reliability_timer_ms; /* overlay-reliability-timer, default 3000, >= 200 */
	char **link_protocols;    /* default {"TLS"} */
	size_t n_link_protocols;
	/* Hex Node-IDs of 1..20 bytes as written (the RFC's example has 8-byte
	 * ones), left-aligned, len = their bytes: compare with node_id_len. */
	struct relo_nodeid *config_signers;
	size_t n_config_signers;
	struct relo_nodeid *kind_signers;
	size_t n_kind_signers;
	struct relo_nodeid *bad_nodes;
	size_t n_bad_nodes;
	char **mandatory_extensions;
	size_t n_mandatory_extensions;
	struct relo_kind_def *kinds;
	size_t n_kinds;
	/* Chorus extension: landmark peers for proximity coordinates. */
	struct relo_peer_addr *landmarks;
	size_t n_landmarks;
	/* The <configuration> element exactly as read (what its signature
	 * covers), and the following <signature>, base64-decoded (a
	 * SecurityBlock); both NULL for a document built in memory. */
	struct relo_blob configuration_xml;
	struct relo_blob signature;
};

/** A configuration with every default of section 11.1 and the given name. */
RELO_API int relo_config_new(struct relo_config **cp, const char *instance_name);
RELO_API void relo_config_free(struct relo_config *c);

/**
 * Parses a configuration document. instance: the instance-name of the
 * <configuration> to read, or NULL for the first. Entity expansion,
 * external entities and network access are off; documents over 4 MiB are
 * refused. On error returns -EBADMSG (not well-formed, or not following
 * the grammar), -EINVAL (a value out of range), -ENOENT (no such
 * instance), -EMSGSIZE (over 4 MiB) or -ENOMEM, and writes a message
 * naming the element into err (set to "" on success).
 */
RELO_API int relo_config_parse(struct relo_config **cp, const char *xml, size_t len,
			       const char *instance, char *err, size_t errlen);
/** relo_config_parse() of a file; also -errno of open/read (-ENOENT: no
 * file), -EINVAL if not a regular file; err names the file then. */
RELO_API int relo_config_load(struct relo_config **cp, const char *path, const char *instance,
			      char *err, size_t errlen);

/**
 * Writes c as a document with one <configuration> (and its <signature>
 * when c->signature is set). *out is NUL-terminated, malloc'd; the
 * caller frees it. Parsing the output gives back an equal configuration;
 * -EINVAL if c could not be read back so (a value out of range, a string
 * empty, with surrounding whitespace or characters XML cannot carry, a
 * kind breaking the rules or its registration, no link protocol).
 */
RELO_API int relo_config_write(const struct relo_config *c, char **out, size_t *len);
/** relo_config_write() into a file (mode 0644, replaced atomically). */
RELO_API int relo_config_save(const struct relo_config *c, const char *path);

/** The kind with this Kind-ID, or NULL. */
RELO_API const struct relo_kind_def *relo_config_kind(const struct relo_config *c, uint32_t id);
/** Adds (or replaces, by id) a kind; copies def (and its buffers) and applies
 * the registration of a registered kind; -EINVAL if it breaks the rules. */
RELO_API int relo_config_add_kind(struct relo_config *c, const struct relo_kind_def *def);
/** Kind-ID of a registered kind name ("SIP-REGISTRATION" ...), or 0. */
RELO_API uint32_t relo_kind_by_name(const char *name);

/** The forwarding header's overlay field: the low 32 bits of SHA-1(name). */
RELO_API uint32_t relo_overlay_hash(const char *instance_name);

/**
 * Fills a wire codec configuration from c: node_id_len, max_message_size,
 * and a kind model lookup over c's kinds (falling back to the registered
 * kinds). The lookup keeps a pointer to c, which must outlive cfg.
 */
RELO_API void relo_config_wirecfg(const struct relo_config *c, struct relo_wirecfg *cfg);

#endif
