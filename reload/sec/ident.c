/*
 * ident.c - a node's identity: key and certificate; signing messages and
 * stored values (RFC 6940 sections 6.3.4, 7.1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sec_int.h"

struct relo_ident {
	X509 *cert;
	EVP_PKEY *key;
	uint8_t *der;
	size_t der_len;
	uint8_t sig_alg;
	struct relo_certinfo info;
};

uint8_t sec_sig_alg(EVP_PKEY *key)
{
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_RSA: return RELO_SIG_RSA;
	case EVP_PKEY_EC: return RELO_SIG_ECDSA;
	}
	return 0;
}

int sec_verify(EVP_PKEY *key, const uint8_t *in, size_t len, struct relo_bytes value)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestVerify(ctx, value.p, value.len, in, len) == 1;

	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok ? 0 : -EACCES;
}

int relo_ident_from_x509(struct relo_ident **ip, X509 *cert, EVP_PKEY *key, const char *overlay,
			 uint8_t node_id_len, char *err, size_t errlen)
{
	struct relo_ident *id;
	unsigned char *der = NULL;
	int n, rc;

	*ip = NULL;
	if (X509_check_private_key(cert, key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "the private key does not match the certificate");
		return -EINVAL;
	}
	if (!sec_sig_alg(key)) {
		snprintf(err, errlen, "unsupported key type (RSA or ECDSA only)");
		return -EINVAL;
	}
	id = calloc(1, sizeof(*id));
	if (!id)
		return -ENOMEM;
	rc = sec_info_from_x509(cert, overlay, node_id_len, &id->info);
	if (rc) {
		snprintf(err, errlen, "the certificate names no %u-byte Node-ID of overlay %s",
			 node_id_len, overlay ? overlay : "(any)");
		free(id);
		return rc;
	}
	n = i2d_X509(cert, &der);
	if (n <= 0) {
		free(id);
		return -ENOMEM;
	}
	id->der = malloc((size_t)n);
	if (!id->der) {
		OPENSSL_free(der);
		free(id);
		return -ENOMEM;
	}
	memcpy(id->der, der, (size_t)n);
	OPENSSL_free(der);
	id->der_len = (size_t)n;
	X509_up_ref(cert);
	EVP_PKEY_up_ref(key);
	id->cert = cert;
	id->key = key;
	id->sig_alg = sec_sig_alg(key);
	*ip = id;
	return 0;
}

int relo_ident_from_pem(struct relo_ident **ip, const char *cert_pem, size_t cert_len,
			const char *key_pem, size_t key_len, const char *overlay,
			uint8_t node_id_len, char *err, size_t errlen)
{
	BIO *cb = BIO_new_mem_buf(cert_pem, (int)cert_len);
	BIO *kb = BIO_new_mem_buf(key_pem, (int)key_len);
	X509 *cert = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	int rc;

	BIO_free(cb);
	BIO_free(kb);
	ERR_clear_error();
	if (!cert || !key) {
		snprintf(err, errlen, "%s is not PEM", cert ? "the key" : "the certificate");
		rc = -EBADMSG;
	} else {
		rc = relo_ident_from_x509(ip, cert, key, overlay, node_id_len, err, errlen);
	}
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

int relo_ident_load(struct relo_ident **ip, const char *cert_path, const char *key_path,
		    const char *overlay, uint8_t node_id_len, char *err, size_t errlen)
{
	X509 *cert;
	EVP_PKEY *key;
	int rc;

	*ip = NULL;
	rc = relo_pem_load(cert_path, &cert, key_path, &key);
	if (rc) {
		snprintf(err, errlen, "cannot read %s or %s: %s", cert_path, key_path,
			 rc == -EBADMSG ? "not PEM" : strerror(-rc));
		ERR_clear_error();
		return rc;
	}
	rc = relo_ident_from_x509(ip, cert, key, overlay, node_id_len, err, errlen);
	X509_free(cert);
	EVP_PKEY_free(key);
	return rc;
}

void relo_ident_free(struct relo_ident *id)
{
	if (!id)
		return;
	X509_free(id->cert);
	EVP_PKEY_free(id->key);
	free(id->der);
	free(id);
}

const struct relo_certinfo *relo_ident_info(const struct relo_ident *id)
{
	return &id->info;
}

const struct relo_nodeid *relo_ident_nodeid(const struct relo_ident *id)
{
	return &id->info.nodeids[0];
}

struct relo_bytes relo_ident_cert_der(const struct relo_ident *id)
{
	return relo_bytes_of(id->der, id->der_len);
}

X509 *relo_ident_x509(const struct relo_ident *id)
{
	return id->cert;
}

EVP_PKEY *relo_ident_key(const struct relo_ident *id)
{
	return id->key;
}

void relo_ident_signer(const struct relo_ident *id, struct relo_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	sig->hash_alg = RELO_HASH_SHA256;
	sig->sig_alg = id->sig_alg;
	sig->signer.type = RELO_SIGNER_CERT_HASH;
	sig->signer.hash_alg = RELO_HASH_SHA256;
	sig->signer.hash = relo_bytes_of(id->info.hash, sizeof(id->info.hash));
}

int relo_ident_sign(const struct relo_ident *id, struct relo_arena *a, const uint8_t *in, size_t len,
		    struct relo_bytes *value)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	uint8_t *out = NULL;
	int ok;

	ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, id->key) == 1 &&
	     EVP_DigestSign(ctx, NULL, &n, in, len) == 1 && (out = relo_arena_get(a, n)) &&
	     EVP_DigestSign(ctx, out, &n, in, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		ERR_clear_error();
		return out ? -EINVAL : -ENOMEM;
	}
	*value = relo_bytes_of(out, n);
	return 0;
}

int relo_msg_sign(const struct relo_ident *id, struct relo_arena *a, struct relo_msg *m,
		  bool with_cert)
{
	struct relo_msg tbs;
	struct relo_wr w;
	int err;

	relo_ident_signer(id, &m->sec.sig);
	if (with_cert) {
		struct relo_cert *c = relo_arena_get(a, sizeof(*c));
		if (!c)
			return -ENOMEM;
		c->type = RELO_CERT_X509;
		c->der = relo_ident_cert_der(id);
		m->sec.certs = c;
		m->sec.n_certs = 1;
	}
	/* Sign the contents as they will be encoded, not as once received. */
	tbs = *m;
	tbs.contents_raw = relo_bytes_of(NULL, 0);
	relo_wr_init_dyn(&w, 0);
	err = relo_msg_sig_input(&tbs, &w);
	if (!err)
		err = relo_ident_sign(id, a, w.buf, w.len, &m->sec.sig.value);
	relo_wr_free(&w);
	return err;
}

int relo_stored_sign(const struct relo_ident *id, struct relo_arena *a, struct relo_bytes resource,
		     uint32_t kind, struct relo_stored_data *sd)
{
	struct relo_wr w;
	int err;

	relo_ident_signer(id, &sd->sig);
	relo_wr_init_dyn(&w, 0);
	err = relo_stored_sig_input(resource, kind, sd, &w);
	if (!err)
		err = relo_ident_sign(id, a, w.buf, w.len, &sd->sig.value);
	relo_wr_free(&w);
	return err;
}
