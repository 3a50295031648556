/*
 * relo/sec.h - identities, certificates and signatures (RFC 6940 sections
 * 4.1, 6.3.4, 7.1, 11.3, 11.3.1)
 *
 * An identity is a private key and the X.509 certificate naming what the
 * key may act as: one or more Node-IDs, as reload:// URIs in the
 * SubjectAltName, and one user name, as an rfc822Name. Certificates come
 * from an enrollment CA (relo_ca_*) or are self-signed, in which case each
 * Node-ID is a digest of the public key. A trust context, made from the
 * overlay configuration, decides which certificates are valid and checks
 * message and stored-data signatures.
 *
 * Keys are ECDSA P-256 by default (fast to sign on every message) or
 * RSA-2048; RSASSA-PKCS1-v1_5 with SHA-256, which every node must support,
 * and ECDSA with SHA-256 are both verified.
 */
#ifndef RELO_SEC_H
#define RELO_SEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "relo/arena.h"
#include "relo/body.h"
#include "relo/config.h"
#include "relo/msg.h"

#define RELO_CERT_MAX_NODEIDS 16
#define RELO_USER_MAX 256

/* OpenSSL types, without including OpenSSL in every user of this header. */
typedef struct x509_st X509;
typedef struct evp_pkey_st EVP_PKEY;

enum relo_key_type { RELO_KEY_EC_P256 = 0, RELO_KEY_RSA2048 = 1 };

/** What a certificate says about its holder. */
struct relo_certinfo {
	struct relo_nodeid nodeids[RELO_CERT_MAX_NODEIDS];
	size_t n_nodeids;
	char user[RELO_USER_MAX];   /* the rfc822Name, "" if none */
	bool self_signed;
	time_t not_before, not_after;
	uint8_t hash[32];           /* SHA-256 of the DER: the cert_hash signer */
};

/**
 * Reads the Node-IDs (reload:// URIs whose Destination List is a single
 * node_id of node_id_len bytes and whose overlay is `overlay`, when not
 * NULL) and the user name from a DER certificate. -EBADMSG if it is not a
 * certificate, -ENOENT if it names no Node-ID for this overlay.
 */
RELO_API int relo_cert_parse(const uint8_t *der, size_t len, const char *overlay,
			     uint8_t node_id_len, struct relo_certinfo *info);

/* ---- identities ---- */

struct relo_ident;

/** Loads a PEM certificate and its PEM private key (the key must match). */
RELO_API int relo_ident_load(struct relo_ident **ip, const char *cert_path, const char *key_path,
			     const char *overlay, uint8_t node_id_len, char *err, size_t errlen);
/** Same, from memory. */
RELO_API int relo_ident_from_pem(struct relo_ident **ip, const char *cert_pem, size_t cert_len,
				 const char *key_pem, size_t key_len, const char *overlay,
				 uint8_t node_id_len, char *err, size_t errlen);
/** Takes references to an OpenSSL certificate and key. */
RELO_API int relo_ident_from_x509(struct relo_ident **ip, X509 *cert, EVP_PKEY *key,
				  const char *overlay, uint8_t node_id_len, char *err,
				  size_t errlen);
RELO_API void relo_ident_free(struct relo_ident *id);
RELO_API const struct relo_certinfo *relo_ident_info(const struct relo_ident *id);
/** The first Node-ID of the identity (the one a single-ID node uses). */
RELO_API const struct relo_nodeid *relo_ident_nodeid(const struct relo_ident *id);
RELO_API struct relo_bytes relo_ident_cert_der(const struct relo_ident *id);
RELO_API X509 *relo_ident_x509(const struct relo_ident *id);
RELO_API EVP_PKEY *relo_ident_key(const struct relo_ident *id);

/** Sets a Signature's algorithms and its cert_hash SignerIdentity. */
RELO_API void relo_ident_signer(const struct relo_ident *id, struct relo_sig *sig);
/** Signs bytes; the signature value is allocated in a. */
RELO_API int relo_ident_sign(const struct relo_ident *id, struct relo_arena *a, const uint8_t *in,
			     size_t len, struct relo_bytes *value);
/**
 * Signs a message as its sender: sets the signer, puts the identity's
 * certificate in the security block (unless with_cert is false: the
 * receiver already has it), signs overlay || transaction_id ||
 * MessageContents || SignerIdentity. Memory comes from a.
 */
RELO_API int relo_msg_sign(const struct relo_ident *id, struct relo_arena *a, struct relo_msg *m,
			   bool with_cert);
/** Signs a stored value for Resource-ID resource and kind (section 7.1). */
RELO_API int relo_stored_sign(const struct relo_ident *id, struct relo_arena *a,
			      struct relo_bytes resource, uint32_t kind,
			      struct relo_stored_data *sd);

/* ---- trust ---- */

struct relo_trust;

/**
 * A trust context for one overlay: its root certificates, whether
 * self-signed certificates are permitted (and their digest), its bad
 * Node-IDs, its name and Node-ID length. Copies what it needs from c.
 */
RELO_API int relo_trust_alloc(struct relo_trust **tp, const struct relo_config *c);
RELO_API void relo_trust_free(struct relo_trust *t);
/** Sets the clock used for validity periods (tests); NULL: time(). */
RELO_API void relo_trust_set_clock(struct relo_trust *t, time_t (*now)(void));

/**
 * Checks a certificate: it chains to a root certificate (PKIX, with basic
 * constraints), or, when the overlay permits it, it is self-signed and
 * each Node-ID is the digest of its public key (section 11.3.1); it is
 * within its validity period; it names at least one Node-ID of this
 * overlay and none is a bad-node. Fills info. Returns 0, -EBADMSG (not a
 * certificate) or -EACCES with the reason in why.
 */
RELO_API int relo_trust_check_cert(struct relo_trust *t, const uint8_t *der, size_t len,
				   struct relo_certinfo *info, char *why, size_t whylen);

/**
 * Verifies a message's signature (section 6.3.4): the signer's certificate
 * is found in the security block by its cert_hash, checked with
 * relo_trust_check_cert(), and the signature verified over the message as
 * received. Fills info with the signer. -EACCES when it does not verify.
 */
RELO_API int relo_msg_verify(struct relo_trust *t, const struct relo_msg *m,
			     struct relo_certinfo *info, char *why, size_t whylen);

/**
 * Verifies a stored value's signature (section 7.1) with the certificates
 * of the message that carried it. -EACCES when it does not verify,
 * including the synthesized unsigned values of a FetchAns.
 */
RELO_API int relo_stored_verify(struct relo_trust *t, const struct relo_secblock *certs,
				struct relo_bytes resource, uint32_t kind,
				const struct relo_stored_data *sd, struct relo_certinfo *info,
				char *why, size_t whylen);

/* ---- making credentials ---- */

/** Generates a private key. */
RELO_API int relo_key_generate(EVP_PKEY **kp, enum relo_key_type type);

/**
 * Creates an enrollment CA: a key and a self-signed CA certificate
 * (basicConstraints CA:TRUE, keyUsage keyCertSign and cRLSign) named
 * "Chorus enrollment CA for <overlay>", valid for days.
 */
RELO_API int relo_ca_create(X509 **certp, EVP_PKEY **keyp, const char *overlay,
			    enum relo_key_type type, unsigned days);

/**
 * Issues a node certificate (section 11.3): subject DN empty;
 * SubjectAltName with n_nodeids cryptographically random Node-IDs as
 * reload://<Destination List>@<overlay>/ URIs and the user name as an
 * rfc822Name; signed by the CA. The subject's key is generated when *keyp
 * is NULL. The Node-IDs chosen are written to nodeids (n_nodeids of them).
 */
RELO_API int relo_ca_issue(X509 *ca_cert, EVP_PKEY *ca_key, const char *overlay,
			   uint8_t node_id_len, const char *user, unsigned n_nodeids,
			   enum relo_key_type type, unsigned days, X509 **certp, EVP_PKEY **keyp,
			   struct relo_nodeid *nodeids);
/** As relo_ca_issue, every Node-ID starting with prefix (up to 4 bytes):
 * landmark-prefixed Node-IDs (relo/coord.h), the rest still random. */
RELO_API int relo_ca_issue_prefix(X509 *ca_cert, EVP_PKEY *ca_key, const char *overlay,
				  uint8_t node_id_len, const char *user, unsigned n_nodeids,
				  enum relo_key_type type, unsigned days, struct relo_bytes prefix,
				  X509 **certp, EVP_PKEY **keyp, struct relo_nodeid *nodeids);

/**
 * Creates a self-signed certificate (section 11.3.1): each Node-ID is the
 * high-order node_id_len bytes of digest(SubjectPublicKeyInfo), with a
 * 4-byte big-endian index (1..n) prepended to it when n_nodeids > 1.
 */
RELO_API int relo_selfsigned_create(const char *overlay, uint8_t node_id_len,
				    enum relo_digest digest, const char *user,
				    unsigned n_nodeids, enum relo_key_type type, unsigned days,
				    X509 **certp, EVP_PKEY **keyp);

/** The Node-ID a self-signed certificate's key gives (index 0: only one). */
RELO_API int relo_selfsigned_nodeid(EVP_PKEY *key, enum relo_digest digest, uint8_t node_id_len,
				    unsigned index, struct relo_nodeid *out);

/**
 * Writes a certificate (PEM, mode 0644) and, when key is not NULL, its key
 * (PEM, mode 0600, created so, never readable by others on the way).
 */
RELO_API int relo_pem_save(const char *cert_path, X509 *cert, const char *key_path, EVP_PKEY *key);
RELO_API int relo_pem_load(const char *cert_path, X509 **certp, const char *key_path,
			   EVP_PKEY **keyp);

/** Formats a reload:// URI for a Node-ID (section 14.15). */
RELO_API int relo_uri_format(const struct relo_nodeid *n, const char *overlay, char *buf,
			     size_t size);
/** Parses a reload:// URI naming a single node; overlay gets the overlay name. */
RELO_API int relo_uri_parse(const char *uri, uint8_t node_id_len, struct relo_nodeid *n,
			    char *overlay, size_t overlay_size);

#endif
