/*
 * trust.c - which certificates an overlay accepts, and signature checks on
 * messages and stored values (RFC 6940 sections 6.3.4, 7.1, 11.3, 11.3.1)
 *
 * Checking a certificate (parsing, chain, digests) costs far more than a
 * signature check, and a node sees the same few certificates over and
 * over, so certificates that passed are cached by their SHA-256 with
 * their public key; validity periods are re-checked on every use.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "sec_int.h"

#define CACHE_SIZE 256 /* direct-mapped on the first byte of the hash */

struct cached {
	bool used;
	EVP_PKEY *key;
	struct relo_certinfo info;
};

struct relo_trust {
	X509_STORE *store;
	size_t n_roots;
	bool self_signed;
	enum relo_digest digest;
	struct relo_nodeid *bad;
	size_t n_bad;
	char overlay[256];
	uint8_t node_id_len;
	time_t (*now)(void);
	struct cached cache[CACHE_SIZE];
};

static time_t wall_clock(void)
{
	return time(NULL);
}

int relo_trust_alloc(struct relo_trust **tp, const struct relo_config *c)
{
	struct relo_trust *t = calloc(1, sizeof(*t));
	size_t i;
	int err = 0;

	if (!t)
		return -ENOMEM;
	t->store = X509_STORE_new();
	if (!t->store) {
		free(t);
		return -ENOMEM;
	}
	for (i = 0; i < c->n_root_certs && !err; i++) {
		const unsigned char *p = c->root_certs[i].p;
		X509 *x = d2i_X509(NULL, &p, (long)c->root_certs[i].len);
		if (!x || !X509_STORE_add_cert(t->store, x))
			err = -EBADMSG;
		X509_free(x);
		t->n_roots++;
	}
	if (!err && c->n_bad_nodes) {
		t->bad = calloc(c->n_bad_nodes, sizeof(*t->bad));
		if (!t->bad)
			err = -ENOMEM;
		else
			memcpy(t->bad, c->bad_nodes, c->n_bad_nodes * sizeof(*t->bad));
		t->n_bad = c->n_bad_nodes;
	}
	ERR_clear_error();
	if (err) {
		relo_trust_free(t);
		return err;
	}
	t->self_signed = c->self_signed_permitted;
	t->digest = c->self_signed_digest;
	snprintf(t->overlay, sizeof(t->overlay), "%s", c->instance_name);
	t->node_id_len = c->node_id_len;
	t->now = wall_clock;
	*tp = t;
	return 0;
}

void relo_trust_free(struct relo_trust *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < CACHE_SIZE; i++)
		EVP_PKEY_free(t->cache[i].key);
	X509_STORE_free(t->store);
	free(t->bad);
	free(t);
}

void relo_trust_set_clock(struct relo_trust *t, time_t (*now)(void))
{
	t->now = now ? now : wall_clock;
}

static int deny(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int deny(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EACCES;
}

/* Checks that hold for a cached certificate too: time and bad nodes. */
static int check_current(const struct relo_trust *t, const struct relo_certinfo *info, char *why,
			 size_t whylen)
{
	time_t now = t->now();
	size_t i, j;

	if (now < info->not_before)
		return deny(why, whylen, "certificate not valid yet");
	if (now > info->not_after)
		return deny(why, whylen, "certificate expired");
	for (i = 0; i < t->n_bad; i++) {
		for (j = 0; j < info->n_nodeids; j++) {
			/* bad-node entries may be shorter than a Node-ID: a prefix */
			if (t->bad[i].len && t->bad[i].len <= info->nodeids[j].len &&
			    memcmp(t->bad[i].id, info->nodeids[j].id, t->bad[i].len) == 0)
				return deny(why, whylen, "Node-ID listed as bad-node");
		}
	}
	return 0;
}

static int check_selfsigned(const struct relo_trust *t, X509 *x, const struct relo_certinfo *info,
			    char *why, size_t whylen)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	size_t i;

	if (!key || X509_verify(x, key) != 1)
		return deny(why, whylen, "self-signed certificate with a bad signature");
	for (i = 0; i < info->n_nodeids; i++) {
		struct relo_nodeid want;
		unsigned index = info->n_nodeids > 1 ? (unsigned)i + 1 : 0;

		if (relo_selfsigned_nodeid(key, t->digest, t->node_id_len, index, &want) ||
		    !relo_nodeid_eq(&want, &info->nodeids[i]))
			return deny(why, whylen,
				    "self-signed Node-ID is not the digest of the public key");
	}
	return 0;
}

static int check_chain(const struct relo_trust *t, X509 *x, char *why, size_t whylen)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok, code;

	if (!ctx || !X509_STORE_CTX_init(ctx, t->store, x, NULL)) {
		X509_STORE_CTX_free(ctx);
		return -ENOMEM;
	}
	if (t->now != wall_clock)
		X509_STORE_CTX_set_time(ctx, 0, t->now());
	ok = X509_verify_cert(ctx) == 1;
	code = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return deny(why, whylen, "certificate does not chain to a root-cert: %s",
			    X509_verify_cert_error_string(code));
	return 0;
}

int relo_trust_check_cert(struct relo_trust *t, const uint8_t *der, size_t len,
			  struct relo_certinfo *info, char *why, size_t whylen)
{
	uint8_t hash[32];
	struct cached *c;
	const unsigned char *p = der;
	X509 *x = NULL;
	int err;

	SHA256(der, len, hash);
	c = &t->cache[hash[0] % CACHE_SIZE];
	if (c->used && memcmp(c->info.hash, hash, 32) == 0) {
		*info = c->info;
		return check_current(t, info, why, whylen);
	}
	if (len > 65535 || !(x = d2i_X509(NULL, &p, (long)len)) || p != der + len) {
		X509_free(x);
		ERR_clear_error();
		return -EBADMSG;
	}
	err = sec_info_from_x509(x, t->overlay, t->node_id_len, info);
	if (err == -ENOENT)
		err = deny(why, whylen, "certificate names no Node-ID of overlay %s", t->overlay);
	if (!err)
		err = check_current(t, info, why, whylen);
	if (!err) {
		if (info->self_signed && t->self_signed)
			err = check_selfsigned(t, x, info, why, whylen);
		else if (t->n_roots)
			err = check_chain(t, x, why, whylen);
		else
			err = deny(why, whylen, "self-signed certificates are not permitted in %s",
				   t->overlay);
	}
	if (!err) {
		EVP_PKEY *key = X509_get_pubkey(x);
		if (key) {
			EVP_PKEY_free(c->key);
			c->key = key;
			c->info = *info;
			c->used = true;
		}
	}
	X509_free(x);
	return err;
}

/* The cache entry of the certificate behind a SignerIdentity, checked. */
static struct cached *find_signer(struct relo_trust *t, const struct relo_secblock *sec,
				  const struct relo_sig *sig, struct relo_certinfo *info,
				  char *why, size_t whylen, int *err)
{
	const struct relo_signer *s = &sig->signer;
	uint8_t hash[32];
	size_t i, j;

	*err = -EACCES;
	if (s->type != RELO_SIGNER_CERT_HASH && s->type != RELO_SIGNER_CERT_HASH_NODE_ID) {
		deny(why, whylen, "unsigned (signer identity type %s)",
		     s->type == RELO_SIGNER_NONE ? "none" : "unknown");
		return NULL;
	}
	if (s->hash_alg != RELO_HASH_SHA256 || s->hash.len != 32) {
		deny(why, whylen, "signer identity hash is not SHA-256");
		return NULL;
	}
	for (i = 0; i < sec->n_certs; i++) {
		struct relo_bytes der = sec->certs[i].der;
		struct cached *c;

		if (sec->certs[i].type != RELO_CERT_X509)
			continue;
		if (s->type == RELO_SIGNER_CERT_HASH) {
			SHA256(der.p, der.len, hash);
			if (memcmp(hash, s->hash.p, 32) != 0)
				continue;
		}
		*err = relo_trust_check_cert(t, der.p, der.len, info, why, whylen);
		if (*err)
			return NULL;
		if (s->type == RELO_SIGNER_CERT_HASH_NODE_ID) {
			/* H(NodeId || certificate): which of its Node-IDs signed */
			for (j = 0; j < info->n_nodeids; j++) {
				EVP_MD_CTX *md = EVP_MD_CTX_new();
				int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
					 EVP_DigestUpdate(md, info->nodeids[j].id,
							  info->nodeids[j].len) &&
					 EVP_DigestUpdate(md, der.p, der.len) &&
					 EVP_DigestFinal_ex(md, hash, NULL);
				EVP_MD_CTX_free(md);
				if (ok && memcmp(hash, s->hash.p, 32) == 0)
					break;
			}
			if (j == info->n_nodeids)
				continue;
			info->nodeids[0] = info->nodeids[j];
			info->n_nodeids = 1;
		}
		c = &t->cache[info->hash[0] % CACHE_SIZE];
		if (!c->used || memcmp(c->info.hash, info->hash, 32) != 0) {
			*err = -ENOMEM; /* checked but not cached: no key to verify with */
			return NULL;
		}
		*err = 0;
		return c;
	}
	/* A certificate sent earlier may be known already. */
	if (s->type == RELO_SIGNER_CERT_HASH) {
		struct cached *c = &t->cache[s->hash.p[0] % CACHE_SIZE];
		if (c->used && memcmp(c->info.hash, s->hash.p, 32) == 0) {
			*info = c->info;
			*err = check_current(t, info, why, whylen);
			return *err ? NULL : c;
		}
	}
	deny(why, whylen, "the signer's certificate is not in the security block");
	return NULL;
}

static int verify_with(const struct cached *c, const struct relo_sig *sig, const struct relo_wr *in,
		       char *why, size_t whylen)
{
	if (sig->hash_alg != RELO_HASH_SHA256 || sig->sig_alg != sec_sig_alg(c->key))
		return deny(why, whylen, "signature algorithm does not match the key");
	if (sec_verify(c->key, in->buf, in->len, sig->value))
		return deny(why, whylen, "signature does not verify");
	return 0;
}

int relo_msg_verify(struct relo_trust *t, const struct relo_msg *m, struct relo_certinfo *info,
		    char *why, size_t whylen)
{
	struct relo_wr w;
	struct cached *c;
	int err;

	c = find_signer(t, &m->sec, &m->sec.sig, info, why, whylen, &err);
	if (!c)
		return err;
	relo_wr_init_dyn(&w, 0);
	err = relo_msg_sig_input(m, &w);
	if (!err)
		err = verify_with(c, &m->sec.sig, &w, why, whylen);
	relo_wr_free(&w);
	return err;
}

int relo_stored_verify(struct relo_trust *t, const struct relo_secblock *certs,
		       struct relo_bytes resource, uint32_t kind, const struct relo_stored_data *sd,
		       struct relo_certinfo *info, char *why, size_t whylen)
{
	struct relo_wr w;
	struct cached *c;
	int err;

	if (sd->value.model == RELO_MODEL_RAW)
		return deny(why, whylen, "value of an unknown kind");
	c = find_signer(t, certs, &sd->sig, info, why, whylen, &err);
	if (!c)
		return err;
	relo_wr_init_dyn(&w, 0);
	err = relo_stored_sig_input(resource, kind, sd, &w);
	if (!err)
		err = verify_with(c, &sd->sig, &w, why, whylen);
	relo_wr_free(&w);
	return err;
}
