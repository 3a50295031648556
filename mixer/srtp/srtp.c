/*
 * srtp.c - SRTP/SRTCP contexts over libsrtp2
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "mix/srtp.h"
#include "ossl.h"

struct mix_srtp {
	srtp_t ctx;
	enum mix_srtp_dir dir;
	enum mix_srtp_suite suite;
	struct mix_srtp_stats st;
};

static const struct {
	const char *name;
	size_t key_len;
} suites[MIX_SRTP_SUITE_MAX] = {
	[MIX_SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 30 },
	[MIX_SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 30 },
	[MIX_SRTP_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 46 },
	[MIX_SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 28 },
	[MIX_SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 44 },
};

const char *mix_srtp_suite_name(enum mix_srtp_suite s)
{
	if (s <= MIX_SRTP_NONE || s >= MIX_SRTP_SUITE_MAX)
		return "NONE";
	return suites[s].name;
}

enum mix_srtp_suite mix_srtp_suite_from_name(const char *name, size_t n)
{
	int s;

	for (s = MIX_SRTP_NONE + 1; s < MIX_SRTP_SUITE_MAX; s++)
		if (strlen(suites[s].name) == n && memcmp(suites[s].name, name, n) == 0)
			return (enum mix_srtp_suite)s;
	return MIX_SRTP_NONE;
}

size_t mix_srtp_key_len(enum mix_srtp_suite s)
{
	if (s <= MIX_SRTP_NONE || s >= MIX_SRTP_SUITE_MAX)
		return 0;
	return suites[s].key_len;
}

/*
 * libsrtp's global crypto kernel: initialized once per process, with
 * OpenSSL for AES and HMAC-SHA1 (ossl.c) unless CHORUS_SRTP_CRYPTO=libsrtp
 * asks for libsrtp2's own (for comparisons).
 */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t init_status;
static const char *backend = "libsrtp2";

static void init_lib(void)
{
	const char *want = getenv("CHORUS_SRTP_CRYPTO");
	init_status = srtp_init();
	if (init_status == srtp_err_status_ok && !(want && strcmp(want, "libsrtp") == 0))
		backend = mix_srtp_ossl_install() == 0 ? "OpenSSL" : "libsrtp2 (OpenSSL refused)";
}

const char *mix_srtp_crypto(void)
{
	pthread_once(&init_once, init_lib);
	return backend;
}

static int policy_for(srtp_policy_t *p, enum mix_srtp_suite suite, unsigned flags)
{
	switch (suite) {
	case MIX_SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_rtp_default(&p->rtp);
		srtp_crypto_policy_set_rtcp_default(&p->rtcp);
		break;
	case MIX_SRTP_AES_CM_128_HMAC_SHA1_32:
		/* RFC 4568 6.2: SRTCP keeps the 80-bit tag. */
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_rtcp_default(&p->rtcp);
		break;
	case MIX_SRTP_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case MIX_SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	case MIX_SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	default:
		return -EINVAL;
	}
	if (flags & ~(MIX_SRTP_UNENCRYPTED_SRTP | MIX_SRTP_UNENCRYPTED_SRTCP |
		      MIX_SRTP_UNAUTHENTICATED_SRTP))
		return -EINVAL;
	if (flags) {
		/* AEAD has no "encrypt only" or "authenticate only" variant here. */
		if (suite == MIX_SRTP_AEAD_AES_128_GCM || suite == MIX_SRTP_AEAD_AES_256_GCM)
			return -ENOTSUP;
		if ((flags & MIX_SRTP_UNENCRYPTED_SRTP) && (flags & MIX_SRTP_UNAUTHENTICATED_SRTP))
			p->rtp.sec_serv = sec_serv_none;
		else if (flags & MIX_SRTP_UNENCRYPTED_SRTP)
			p->rtp.sec_serv = sec_serv_auth;
		else if (flags & MIX_SRTP_UNAUTHENTICATED_SRTP)
			p->rtp.sec_serv = sec_serv_conf;
		if (flags & MIX_SRTP_UNENCRYPTED_SRTCP)
			p->rtcp.sec_serv = sec_serv_auth;
	}
	return 0;
}

int mix_srtp_alloc(struct mix_srtp **sp, enum mix_srtp_suite suite, const uint8_t *key,
		   size_t key_len, enum mix_srtp_dir dir, unsigned flags, unsigned window)
{
	uint8_t k[MIX_SRTP_MAX_KEY];
	srtp_policy_t p;
	struct mix_srtp *s = NULL;
	srtp_err_status_t st;
	int ret;

	if (!sp || !key || key_len != mix_srtp_key_len(suite) ||
	    (dir != MIX_SRTP_TX && dir != MIX_SRTP_RX) || (window && window < 64) ||
	    window > 0x7fff)
		return -EINVAL;
	pthread_once(&init_once, init_lib);
	if (init_status != srtp_err_status_ok)
		return -ENOTSUP;
	memset(&p, 0, sizeof(p));
	ret = policy_for(&p, suite, flags);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(k, key, key_len);
	p.key = k;
	p.ssrc.type = dir == MIX_SRTP_TX ? ssrc_any_outbound : ssrc_any_inbound;
	p.window_size = window ? window : 128;
	p.allow_repeat_tx = 0;
	st = srtp_create(&s->ctx, &p);
	mix_wipe(k, sizeof(k));
	if (st != srtp_err_status_ok) {
		free(s);
		return st == srtp_err_status_alloc_fail ? -ENOMEM : -ENOTSUP;
	}
	s->dir = dir;
	s->suite = suite;
	*sp = s;
	return 0;
}

void mix_srtp_free(struct mix_srtp *s)
{
	if (!s)
		return;
	srtp_dealloc(s->ctx);
	free(s);
}

static int map_err(struct mix_srtp *s, srtp_err_status_t st)
{
	switch (st) {
	case srtp_err_status_ok:
		s->st.ok++;
		return 0;
	case srtp_err_status_auth_fail:
		s->st.auth_fail++;
		return -EACCES;
	case srtp_err_status_replay_fail:
	case srtp_err_status_replay_old:
		s->st.replay++;
		return -EALREADY;
	default:
		s->st.bad++;
		return -EBADMSG;
	}
}

static int protect(struct mix_srtp *s, uint8_t *pkt, size_t *len, size_t cap, bool rtcp)
{
	int l, err;

	if (!s || !pkt || !len || s->dir != MIX_SRTP_TX)
		return -EINVAL;
	if (*len < (rtcp ? 8u : 12u) || *len > 65535) {
		s->st.bad++;
		return -EBADMSG;
	}
	if (cap < *len || cap - *len < MIX_SRTP_OVERHEAD)
		return -ENOSPC;
	l = (int)*len;
	err = map_err(s, rtcp ? srtp_protect_rtcp(s->ctx, pkt, &l) : srtp_protect(s->ctx, pkt, &l));
	if (err)
		return err;
	*len = (size_t)l;
	return 0;
}

static int unprotect(struct mix_srtp *s, uint8_t *pkt, size_t *len, bool rtcp)
{
	int l, err;

	if (!s || !pkt || !len || s->dir != MIX_SRTP_RX)
		return -EINVAL;
	/* libsrtp reads the header before it checks the length: check it here. */
	if (*len < (rtcp ? 8u : 12u) || *len > 65535 || (pkt[0] >> 6) != 2) {
		s->st.bad++;
		return -EBADMSG;
	}
	l = (int)*len;
	err = map_err(s, rtcp ? srtp_unprotect_rtcp(s->ctx, pkt, &l)
			      : srtp_unprotect(s->ctx, pkt, &l));
	if (err)
		return err;
	*len = (size_t)l;
	return 0;
}

int mix_srtp_protect(struct mix_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	return protect(s, pkt, len, cap, false);
}

int mix_srtp_unprotect(struct mix_srtp *s, uint8_t *pkt, size_t *len)
{
	return unprotect(s, pkt, len, false);
}

int mix_srtp_protect_rtcp(struct mix_srtp *s, uint8_t *pkt, size_t *len, size_t cap)
{
	return protect(s, pkt, len, cap, true);
}

int mix_srtp_unprotect_rtcp(struct mix_srtp *s, uint8_t *pkt, size_t *len)
{
	return unprotect(s, pkt, len, true);
}

void mix_srtp_stats_get(const struct mix_srtp *s, struct mix_srtp_stats *st)
{
	*st = s->st;
}

int mix_srtp_from_sdes(struct mix_srtp **sp, const struct mix_sdes *d, enum mix_srtp_dir dir)
{
	if (!d || d->n_keys < 1)
		return -EINVAL;
	if (d->n_keys > 1 || d->keys[0].mki_len)
		return -ENOTSUP;
	return mix_srtp_alloc(sp, d->suite, d->keys[0].key, d->keys[0].key_len, dir, d->flags,
			      d->wsh > 0x7fff ? 0x7fff : d->wsh);
}
