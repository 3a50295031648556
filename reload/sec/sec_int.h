/*
 * sec_int.h - internal interfaces of reload/sec
 */
#ifndef RELO_SEC_INT_H
#define RELO_SEC_INT_H

#include "relo/sec.h"

/* Decodes n hex digits into out (at most max bytes); returns the byte
 * count or -EINVAL. */
int sec_hex_decode(const char *hex, size_t n, uint8_t *out, size_t max);
/* Fills info from a parsed certificate. */
int sec_info_from_x509(X509 *x, const char *overlay, uint8_t node_id_len,
		       struct relo_certinfo *info);
/* The TLS SignatureAlgorithm of a key: RELO_SIG_RSA, RELO_SIG_ECDSA, or 0. */
uint8_t sec_sig_alg(EVP_PKEY *key);
/* Verifies value over in with key, SHA-256; 0 or -EACCES. */
int sec_verify(EVP_PKEY *key, const uint8_t *in, size_t len, struct relo_bytes value);

#endif
