/*
 * ossl.c - OpenSSL 3 under libsrtp2's crypto kernel
 *
 * libsrtp2 does SRTP itself (key derivation, packet indices and the
 * rollover counter, replay windows, the packet layouts) and asks its
 * crypto kernel for AES and HMAC. Debian builds it over NSS, whose PKCS#11
 * layer sets up a context for every packet: in a mixer thread serving
 * hundreds of participants that costs more than the mixing (see
 * docs/mixer.md, "SRTP"). libsrtp2 lets an application replace the
 * implementation of a cipher or authentication type
 * (srtp_replace_cipher_type, srtp_replace_auth_type): here AES-ICM
 * (128/192/256), AES-GCM (128/256) and HMAC-SHA1 run on OpenSSL EVP
 * contexts made once per SRTP session key and reused for every packet.
 *
 * libsrtp2 runs its known-answer tests on each replacement before taking
 * it (the test cases it exports; RFC 3711 B.2 for AES-ICM, the GCM
 * specification's, RFC 2202's for HMAC-SHA1): a type that fails is not
 * taken, and libsrtp2 keeps its own.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#include "ossl.h"

/* libsrtp2's own test cases: exported by the library, not declared in its
 * installed headers. */
extern const srtp_cipher_test_case_t srtp_aes_icm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_192_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_icm_256_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_128_test_case_0;
extern const srtp_cipher_test_case_t srtp_aes_gcm_256_test_case_0;
extern const srtp_auth_test_case_t srtp_hmac_test_case_0;

#define GCM_IV_LEN 12

static const srtp_cipher_type_t icm_128, icm_192, icm_256, gcm_128, gcm_256;
static const srtp_auth_type_t hmac_sha1;

/* ---- AES-ICM (AES in counter mode, RFC 3711 4.1.1) ---- */

struct icm {
	EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *evp;
	int key_size;                 /* 16, 24 or 32 */
	uint8_t offset[16];           /* the session salt, its last 2 octets 0 */
};

static srtp_err_status_t cipher_free(srtp_cipher_t *c, EVP_CIPHER_CTX *ctx, size_t state_len)
{
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(c->state, state_len);
	OPENSSL_free(c->state);
	OPENSSL_free(c);
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	int key_size = key_len - SRTP_SALT_LEN;
	const EVP_CIPHER *evp;
	const srtp_cipher_type_t *type;
	(void)tag_len;

	switch (key_size) {
	case 16: evp = EVP_aes_128_ctr(); type = &icm_128; break;
	case 24: evp = EVP_aes_192_ctr(); type = &icm_192; break;
	case 32: evp = EVP_aes_256_ctr(); type = &icm_256; break;
	default: return srtp_err_status_bad_param;
	}
	srtp_cipher_t *c = OPENSSL_zalloc(sizeof(*c));
	struct icm *s = OPENSSL_zalloc(sizeof(*s));
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!c || !s || !ctx) {
		EVP_CIPHER_CTX_free(ctx);
		OPENSSL_free(s);
		OPENSSL_free(c);
		return srtp_err_status_alloc_fail;
	}
	s->ctx = ctx;
	s->evp = evp;
	s->key_size = key_size;
	c->type = type;
	c->state = s;
	c->key_len = key_len;
	c->algorithm = type->id;
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_dealloc(srtp_cipher_t *c)
{
	struct icm *s = c->state;
	return cipher_free(c, s->ctx, sizeof(*s));
}

/* key: the session key, then the 14-octet session salt */
static srtp_err_status_t icm_init(void *state, const uint8_t *key)
{
	struct icm *s = state;
	memset(s->offset, 0, sizeof(s->offset));
	memcpy(s->offset, key + s->key_size, SRTP_SALT_LEN);
	if (!EVP_CIPHER_CTX_reset(s->ctx) || !EVP_EncryptInit_ex(s->ctx, s->evp, NULL, key, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/* The counter block: the salt XOR the IV libsrtp2 made of SSRC and index. */
static srtp_err_status_t icm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct icm *s = state;
	uint8_t ctr[16];
	(void)dir;
	for (int i = 0; i < 16; i++)
		ctr[i] = s->offset[i] ^ iv[i];
	if (!EVP_EncryptInit_ex(s->ctx, NULL, NULL, NULL, ctr))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t icm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct icm *s = state;
	int out = 0;
	if (*len > INT32_MAX || !EVP_EncryptUpdate(s->ctx, buf, &out, buf, (int)*len))
		return srtp_err_status_cipher_fail;
	*len = (unsigned int)out;
	return srtp_err_status_ok;
}

/* The same functions for each key size: libsrtp2 keeps one type per id,
 * with its own test case. */
static const srtp_cipher_type_t icm_128 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_encrypt, icm_encrypt, icm_set_iv, NULL,
	"AES-ICM-128 on OpenSSL (Chorus)", &srtp_aes_icm_128_test_case_0, SRTP_AES_ICM_128,
};
static const srtp_cipher_type_t icm_192 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_encrypt, icm_encrypt, icm_set_iv, NULL,
	"AES-ICM-192 on OpenSSL (Chorus)", &srtp_aes_icm_192_test_case_0, SRTP_AES_ICM_192,
};
static const srtp_cipher_type_t icm_256 = {
	icm_alloc, icm_dealloc, icm_init, NULL, icm_encrypt, icm_encrypt, icm_set_iv, NULL,
	"AES-ICM-256 on OpenSSL (Chorus)", &srtp_aes_icm_256_test_case_0, SRTP_AES_ICM_256,
};

/* ---- AES-GCM (RFC 7714) ---- */

struct gcm {
	EVP_CIPHER_CTX *ctx;
	const EVP_CIPHER *evp;
	int tag_len;
	srtp_cipher_direction_t dir;
};

static srtp_err_status_t gcm_alloc(srtp_cipher_t **cp, int key_len, int tag_len)
{
	const EVP_CIPHER *evp;
	const srtp_cipher_type_t *type;

	switch (key_len) {
	case SRTP_AES_GCM_128_KEY_LEN_WSALT:
		evp = EVP_aes_128_gcm();
		type = &gcm_128;
		break;
	case SRTP_AES_GCM_256_KEY_LEN_WSALT:
		evp = EVP_aes_256_gcm();
		type = &gcm_256;
		break;
	default:
		return srtp_err_status_bad_param;
	}
	if (tag_len != 16 && tag_len != 8)
		return srtp_err_status_bad_param;
	srtp_cipher_t *c = OPENSSL_zalloc(sizeof(*c));
	struct gcm *s = OPENSSL_zalloc(sizeof(*s));
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!c || !s || !ctx) {
		EVP_CIPHER_CTX_free(ctx);
		OPENSSL_free(s);
		OPENSSL_free(c);
		return srtp_err_status_alloc_fail;
	}
	s->ctx = ctx;
	s->evp = evp;
	s->tag_len = tag_len;
	s->dir = srtp_direction_any;
	c->type = type;
	c->state = s;
	c->key_len = key_len;
	c->algorithm = type->id;
	*cp = c;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_t *c)
{
	struct gcm *s = c->state;
	return cipher_free(c, s->ctx, sizeof(*s));
}

/* key: the session key (libsrtp2 makes the IV from the salt itself) */
static srtp_err_status_t gcm_init(void *state, const uint8_t *key)
{
	struct gcm *s = state;
	s->dir = srtp_direction_any;
	if (!EVP_CIPHER_CTX_reset(s->ctx) ||
	    !EVP_CipherInit_ex(s->ctx, s->evp, NULL, key, NULL, 0) ||
	    !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_IVLEN, GCM_IV_LEN, NULL))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_set_iv(void *state, uint8_t *iv, srtp_cipher_direction_t dir)
{
	struct gcm *s = state;
	if (dir != srtp_direction_encrypt && dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	s->dir = dir;
	if (!EVP_CipherInit_ex(s->ctx, NULL, NULL, NULL, iv, dir == srtp_direction_encrypt))
		return srtp_err_status_init_fail;
	return srtp_err_status_ok;
}

/* The RTP header (or SRTCP's authenticated part): authenticated, not
 * encrypted. */
static srtp_err_status_t gcm_set_aad(void *state, const uint8_t *aad, uint32_t len)
{
	struct gcm *s = state;
	int out = 0;
	if (s->dir != srtp_direction_encrypt && s->dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	if (len > INT32_MAX || !EVP_CipherUpdate(s->ctx, NULL, &out, aad, (int)len))
		return srtp_err_status_algo_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t gcm_encrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct gcm *s = state;
	int out = 0;
	if (s->dir != srtp_direction_encrypt)
		return srtp_err_status_bad_param;
	if (*len > INT32_MAX || !EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)*len))
		return srtp_err_status_cipher_fail;
	return srtp_err_status_ok;
}

/* After gcm_encrypt: the tag, to append. */
static srtp_err_status_t gcm_get_tag(void *state, uint8_t *tag, uint32_t *len)
{
	struct gcm *s = state;
	int out = 0;
	uint8_t none[16];
	if (!EVP_CipherFinal_ex(s->ctx, none, &out) ||
	    !EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_GET_TAG, s->tag_len, tag))
		return srtp_err_status_algo_fail;
	*len = (uint32_t)s->tag_len;
	return srtp_err_status_ok;
}

/* buf: the ciphertext and its tag; on success *len loses the tag. */
static srtp_err_status_t gcm_decrypt(void *state, uint8_t *buf, unsigned int *len)
{
	struct gcm *s = state;
	int out = 0, fin = 0;
	uint8_t none[16];
	if (s->dir != srtp_direction_decrypt)
		return srtp_err_status_bad_param;
	if (*len < (unsigned int)s->tag_len || *len > INT32_MAX)
		return srtp_err_status_bad_param;
	unsigned int n = *len - (unsigned int)s->tag_len;
	if (!EVP_CIPHER_CTX_ctrl(s->ctx, EVP_CTRL_GCM_SET_TAG, s->tag_len, buf + n))
		return srtp_err_status_auth_fail;
	if (!EVP_CipherUpdate(s->ctx, buf, &out, buf, (int)n))
		return srtp_err_status_cipher_fail;
	if (EVP_CipherFinal_ex(s->ctx, none, &fin) <= 0)
		return srtp_err_status_auth_fail;
	*len = n;
	return srtp_err_status_ok;
}

static const srtp_cipher_type_t gcm_128 = {
	gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv,
	gcm_get_tag, "AES-GCM-128 on OpenSSL (Chorus)", &srtp_aes_gcm_128_test_case_0,
	SRTP_AES_GCM_128,
};
static const srtp_cipher_type_t gcm_256 = {
	gcm_alloc, gcm_dealloc, gcm_init, gcm_set_aad, gcm_encrypt, gcm_decrypt, gcm_set_iv,
	gcm_get_tag, "AES-GCM-256 on OpenSSL (Chorus)", &srtp_aes_gcm_256_test_case_0,
	SRTP_AES_GCM_256,
};

/* ---- HMAC-SHA1 (RFC 3711 4.2.1) ---- */

struct hmac {
	EVP_MAC_CTX *ctx;
};

static srtp_err_status_t hmac_alloc(srtp_auth_t **ap, int key_len, int out_len)
{
	if (key_len < 0 || key_len > 20 || out_len < 0 || out_len > 20)
		return srtp_err_status_bad_param;
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	srtp_auth_t *a = OPENSSL_zalloc(sizeof(*a));
	struct hmac *s = OPENSSL_zalloc(sizeof(*s));
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac); /* the context holds its own reference */
	if (!a || !s || !ctx) {
		EVP_MAC_CTX_free(ctx);
		OPENSSL_free(s);
		OPENSSL_free(a);
		return srtp_err_status_alloc_fail;
	}
	s->ctx = ctx;
	a->type = &hmac_sha1;
	a->state = s;
	a->out_len = out_len;
	a->key_len = key_len;
	a->prefix_len = 0;
	*ap = a;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_dealloc(srtp_auth_t *a)
{
	struct hmac *s = a->state;
	EVP_MAC_CTX_free(s->ctx);
	OPENSSL_cleanse(s, sizeof(*s));
	OPENSSL_free(s);
	OPENSSL_free(a);
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_init(void *state, const uint8_t *key, int key_len)
{
	struct hmac *s = state;
	char sha1[] = "SHA1";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha1, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!EVP_MAC_init(s->ctx, key, (size_t)key_len, params))
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

/* A new message with the same key: OpenSSL keeps the keyed state. */
static srtp_err_status_t hmac_start(void *state)
{
	struct hmac *s = state;
	return EVP_MAC_init(s->ctx, NULL, 0, NULL) ? srtp_err_status_ok :
						     srtp_err_status_auth_fail;
}

static srtp_err_status_t hmac_update(void *state, const uint8_t *msg, int len)
{
	struct hmac *s = state;
	if (len < 0 || !EVP_MAC_update(s->ctx, msg, (size_t)len))
		return srtp_err_status_auth_fail;
	return srtp_err_status_ok;
}

static srtp_err_status_t hmac_compute(void *state, const uint8_t *msg, int len, int tag_len,
				      uint8_t *tag)
{
	struct hmac *s = state;
	uint8_t md[20];
	size_t n = 0;
	if (tag_len < 0 || tag_len > 20 || hmac_update(state, msg, len) ||
	    !EVP_MAC_final(s->ctx, md, &n, sizeof(md)) || n != sizeof(md))
		return srtp_err_status_auth_fail;
	memcpy(tag, md, (size_t)tag_len);
	return srtp_err_status_ok;
}

static const srtp_auth_type_t hmac_sha1 = {
	hmac_alloc, hmac_dealloc, hmac_init, hmac_compute, hmac_update, hmac_start,
	"HMAC-SHA1 on OpenSSL (Chorus)", &srtp_hmac_test_case_0, SRTP_HMAC_SHA1,
};

int mix_srtp_ossl_install(void)
{
	static const srtp_cipher_type_t *const ciphers[] = {
		&icm_128, &icm_192, &icm_256, &gcm_128, &gcm_256,
	};
	for (size_t i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++)
		if (srtp_replace_cipher_type(ciphers[i], ciphers[i]->id) != srtp_err_status_ok)
			return -1;
	if (srtp_replace_auth_type(&hmac_sha1, SRTP_HMAC_SHA1) != srtp_err_status_ok)
		return -1;
	return 0;
}
