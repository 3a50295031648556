/*
 * ossl.h - OpenSSL 3 for libsrtp2's AES and HMAC-SHA1 (ossl.c)
 */
#ifndef MIX_SRTP_OSSL_H
#define MIX_SRTP_OSSL_H

/**
 * Replaces libsrtp2's AES-ICM, AES-GCM and HMAC-SHA1 with ours, each after
 * libsrtp2's known-answer tests pass on it. Once per process, after
 * srtp_init(). 0, or -1 when one was refused (libsrtp2 keeps its own for
 * that one and those after it).
 */
int mix_srtp_ossl_install(void);

#endif
