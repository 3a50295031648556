/*
 * mix/srtp.h - SRTP and SRTCP (RFC 3711) through libsrtp2, keyed with SDP
 * security descriptions (RFC 4568 a=crypto lines).
 *
 * A struct mix_srtp protects or unprotects one direction of one RTP
 * session (RTP and RTCP, any SSRC): with SDES each side sends with its own
 * key, so a participant has one context for what it sends (our key) and
 * one for what it receives (the key from its a=crypto line).
 *
 * Keys are generated with OpenSSL's RNG; every copy we hold is wiped when
 * it is no longer needed (libsrtp keeps its own expanded keys and wipes
 * them when the context is freed).
 */
#ifndef MIX_SRTP_H
#define MIX_SRTP_H

#include "mix/mix.h"

enum mix_srtp_suite {
	MIX_SRTP_NONE = 0,
	MIX_SRTP_AES_CM_128_HMAC_SHA1_80,  /* RFC 4568, the mandatory one */
	MIX_SRTP_AES_CM_128_HMAC_SHA1_32,  /* RFC 4568 */
	MIX_SRTP_AES_256_CM_HMAC_SHA1_80,  /* RFC 6188 */
	MIX_SRTP_AEAD_AES_128_GCM,         /* RFC 7714 */
	MIX_SRTP_AEAD_AES_256_GCM,         /* RFC 7714 */
	MIX_SRTP_SUITE_MAX
};

#define MIX_SRTP_MAX_KEY 46     /* master key + master salt, the longest suite */
#define MIX_SRTP_OVERHEAD 20    /* most bytes protect adds: SRTCP index + 16-byte tag */

/** Session parameters of RFC 4568 6.3 that change what is protected. */
#define MIX_SRTP_UNENCRYPTED_SRTP 1u
#define MIX_SRTP_UNENCRYPTED_SRTCP 2u
#define MIX_SRTP_UNAUTHENTICATED_SRTP 4u

MIX_API const char *mix_srtp_suite_name(enum mix_srtp_suite s);
/** The suite named by the n bytes at name, or MIX_SRTP_NONE. */
MIX_API enum mix_srtp_suite mix_srtp_suite_from_name(const char *name, size_t n);
/** Master key + salt length of a suite (0 for an unknown one). */
MIX_API size_t mix_srtp_key_len(enum mix_srtp_suite s);

enum mix_srtp_dir { MIX_SRTP_TX, MIX_SRTP_RX };

struct mix_srtp;

/** What a context has seen: counters a caller reports (see docs/mixer.md). */
struct mix_srtp_stats {
	uint64_t ok;          /* packets protected or unprotected */
	uint64_t auth_fail;   /* refused: authentication tag wrong */
	uint64_t replay;      /* refused: replayed or too old for the window */
	uint64_t bad;         /* refused: too short, or any other libsrtp error */
};

/**
 * Makes a context for one direction. key is master key || master salt of
 * mix_srtp_key_len(suite) bytes; flags are MIX_SRTP_UNENCRYPTED_* bits;
 * window is the replay window (0: 128; at least 64). The caller may wipe
 * its key right after. Returns 0, -EINVAL, -ENOTSUP (a suite libsrtp was
 * built without) or -ENOMEM.
 */
/**
 * Who does SRTP's AES and HMAC in this process: "OpenSSL" (ours, under
 * libsrtp2's crypto kernel), or "libsrtp2" (its own, with Debian's NSS)
 * when CHORUS_SRTP_CRYPTO=libsrtp or a known-answer test refused ours.
 */
MIX_API const char *mix_srtp_crypto(void);

MIX_API int mix_srtp_alloc(struct mix_srtp **sp, enum mix_srtp_suite suite, const uint8_t *key,
			   size_t key_len, enum mix_srtp_dir dir, unsigned flags, unsigned window);
MIX_API void mix_srtp_free(struct mix_srtp *s);

/**
 * Protects the RTP packet in pkt[0..*len) in place; cap is the buffer
 * size, which must leave MIX_SRTP_OVERHEAD bytes. Returns 0 (*len grows),
 * -ENOSPC, -EBADMSG (not RTP) or -EINVAL (an RX context).
 */
MIX_API int mix_srtp_protect(struct mix_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
/**
 * Unprotects an SRTP packet in place. Returns 0 (*len shrinks), -EACCES
 * (authentication failed), -EALREADY (replayed) or -EBADMSG.
 */
MIX_API int mix_srtp_unprotect(struct mix_srtp *s, uint8_t *pkt, size_t *len);
MIX_API int mix_srtp_protect_rtcp(struct mix_srtp *s, uint8_t *pkt, size_t *len, size_t cap);
MIX_API int mix_srtp_unprotect_rtcp(struct mix_srtp *s, uint8_t *pkt, size_t *len);

MIX_API void mix_srtp_stats_get(const struct mix_srtp *s, struct mix_srtp_stats *st);

/* ---- RFC 4568 security descriptions ---- */

#define MIX_SDES_MAX_KEYS 4

struct mix_sdes_key {
	uint8_t key[MIX_SRTP_MAX_KEY]; /* master key || master salt */
	size_t key_len;
	uint64_t lifetime;             /* in packets; 0 when not given */
	uint64_t mki;                  /* MKI value, when mki_len > 0 */
	uint8_t mki_len;               /* bytes, 1..128; 0: no MKI */
};

struct mix_sdes {
	uint32_t tag;                  /* 1..999999999 */
	enum mix_srtp_suite suite;
	struct mix_sdes_key keys[MIX_SDES_MAX_KEYS];
	size_t n_keys;
	unsigned flags;                /* MIX_SRTP_UNENCRYPTED_* / UNAUTHENTICATED */
	unsigned kdr;                  /* KDR=n, 0..24; 0 when not given */
	unsigned wsh;                  /* WSH=n, replay window hint; 0 when not given */
};

/**
 * Parses one crypto attribute: "a=crypto:1 AES_CM_128_HMAC_SHA1_80
 * inline:...|2^20|1:4 KDR=1", with or without the "a=" or "a=crypto:"
 * prefix and a trailing CR LF. Checks the grammar of RFC 4568 9.1/9.2,
 * the key length the suite needs, lifetimes and MKIs. Returns 0,
 * -EBADMSG (malformed), -ENOTSUP (well formed, but an unknown suite, key
 * method, or mandatory session parameter: skip this line) or -EMSGSIZE
 * (more than MIX_SDES_MAX_KEYS keys).
 */
MIX_API int mix_sdes_parse(struct mix_sdes *out, const char *line, size_t len);

/**
 * Formats d as "a=crypto:..." (no CR LF) into buf, NUL-terminated.
 * Returns 0, -EINVAL or -ENOSPC.
 */
MIX_API int mix_sdes_format(const struct mix_sdes *d, char *buf, size_t cap);

/** A fresh description: one random key from OpenSSL's RNG. 0, -EINVAL or -EIO. */
MIX_API int mix_sdes_generate(struct mix_sdes *d, uint32_t tag, enum mix_srtp_suite suite);

/**
 * Offer/answer: picks from offers the one we prefer (AEAD_AES_128_GCM,
 * then AES_CM_128_HMAC_SHA1_80, then the others) that has a single key
 * without MKI. Returns its index, or -ENOTSUP when none will do.
 */
MIX_API int mix_sdes_select(const struct mix_sdes *offers, size_t n);

/** A context from a description (its first key). -ENOTSUP with an MKI. */
MIX_API int mix_srtp_from_sdes(struct mix_srtp **sp, const struct mix_sdes *d,
			       enum mix_srtp_dir dir);

/** Wipes the keys of a description. */
MIX_API void mix_sdes_wipe(struct mix_sdes *d);

#endif
