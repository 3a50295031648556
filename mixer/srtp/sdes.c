/*
 * sdes.c - SDP security descriptions for SRTP (RFC 4568): the crypto
 * attribute's grammar (9.1, 9.2), key generation and selection.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "mix/srtp.h"

/* ---- strict base64 (RFC 4648 alphabet; '=' padding optional) ---- */

static int b64_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decodes s[0..n) into out (at most cap bytes). Returns the length or -EBADMSG. */
static int b64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, len = 0, pad = 0, bits = 0, data;

	while (pad < 2 && n > 0 && s[n - 1] == '=') {
		n--;
		pad++;
	}
	data = n;
	if (data % 4 == 1 || (pad && (data + pad) % 4))
		return -EBADMSG;
	for (i = 0; i < data; i++) {
		int v = b64_val(s[i]);

		if (v < 0)
			return -EBADMSG;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (len >= cap)
				return -EMSGSIZE;
			out[len++] = (uint8_t)(acc >> bits);
		}
	}
	/* Leftover bits must be zero (canonical encoding). */
	if (acc & ((1u << bits) - 1))
		return -EBADMSG;
	return (int)len;
}

static size_t b64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = tab[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = tab[v >> 18];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = tab[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* ---- a tiny scanner over the line ---- */

struct scan {
	const char *p, *end;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_vchar(char c)
{
	return c > 0x20 && c < 0x7f;
}

/* A decimal of 1..maxdigits digits into *v (no overflow beyond 2^64-1). */
static int scan_num(struct scan *s, unsigned maxdigits, uint64_t *v)
{
	unsigned n = 0;

	*v = 0;
	while (s->p < s->end && is_digit(*s->p)) {
		if (++n > maxdigits)
			return -EBADMSG;
		*v = *v * 10 + (uint64_t)(*s->p - '0');
		s->p++;
	}
	return n ? 0 : -EBADMSG;
}

static size_t scan_wsp(struct scan *s)
{
	size_t n = 0;

	while (s->p < s->end && is_wsp(*s->p)) {
		s->p++;
		n++;
	}
	return n;
}

/* The next run of characters up to a space: [*tok, *tok + *n). */
static void scan_token(struct scan *s, const char **tok, size_t *n)
{
	*tok = s->p;
	while (s->p < s->end && !is_wsp(*s->p))
		s->p++;
	*n = (size_t)(s->p - *tok);
}

/*
 * key-info for "inline": key-salt ["|" lifetime] ["|" mki], where lifetime
 * is ["2^"] 1*DIGIT and mki is 1*DIGIT ":" 1*3DIGIT (RFC 4568 9.2).
 */
static int parse_inline(const char *p, size_t n, enum mix_srtp_suite suite,
			struct mix_sdes_key *k)
{
	const char *end = p + n, *bar = memchr(p, '|', n);
	size_t klen = bar ? (size_t)(bar - p) : n;
	int len, field;

	memset(k, 0, sizeof(*k));
	len = b64_decode(p, klen, k->key, sizeof(k->key));
	if (len < 0)
		return len == -EMSGSIZE ? -EBADMSG : len;
	if ((size_t)len != mix_srtp_key_len(suite))
		return -EBADMSG;
	k->key_len = (size_t)len;
	for (field = 0; bar; field++) {
		struct scan s = { bar + 1, end };
		const char *next = memchr(bar + 1, '|', (size_t)(end - bar - 1));
		uint64_t v, w;

		if (next)
			s.end = next;
		if (field >= 2)
			return -EBADMSG;
		if (memchr(s.p, ':', (size_t)(s.end - s.p))) {
			/* MKI: value ":" length (bytes, 1..128) */
			if (k->mki_len || scan_num(&s, 20, &v) || s.p >= s.end || *s.p++ != ':' ||
			    scan_num(&s, 3, &w) || s.p != s.end || w < 1 || w > 128)
				return -EBADMSG;
			if (w < 8 && v >> (8 * w))
				return -EBADMSG; /* the value does not fit its length */
			k->mki = v;
			k->mki_len = (uint8_t)w;
		} else {
			if (field > 0 || k->mki_len)
				return -EBADMSG; /* the lifetime comes first */
			if (s.end - s.p > 2 && s.p[0] == '2' && s.p[1] == '^') {
				s.p += 2;
				if (scan_num(&s, 2, &v) || v > 48)
					return -EBADMSG;
				v = UINT64_C(1) << v;
			} else if (scan_num(&s, 15, &v)) {
				return -EBADMSG;
			}
			/* SRTP: at most 2^48 packets (RFC 3711 9.2). */
			if (s.p != s.end || v == 0 || v > (UINT64_C(1) << 48))
				return -EBADMSG;
			k->lifetime = v;
		}
		bar = next;
	}
	return 0;
}

static bool tok_is(const char *t, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(t, lit, n) == 0;
}

/* One session parameter (RFC 4568 6.3). */
static int parse_param(struct mix_sdes *d, const char *t, size_t n)
{
	uint64_t v;

	for (size_t i = 0; i < n; i++)
		if (!is_vchar(t[i]))
			return -EBADMSG;
	if (tok_is(t, n, "UNENCRYPTED_SRTP")) {
		d->flags |= MIX_SRTP_UNENCRYPTED_SRTP;
	} else if (tok_is(t, n, "UNENCRYPTED_SRTCP")) {
		d->flags |= MIX_SRTP_UNENCRYPTED_SRTCP;
	} else if (tok_is(t, n, "UNAUTHENTICATED_SRTP")) {
		d->flags |= MIX_SRTP_UNAUTHENTICATED_SRTP;
	} else if (n > 4 && memcmp(t, "KDR=", 4) == 0) {
		struct scan s = { t + 4, t + n };

		if (scan_num(&s, 2, &v) || s.p != s.end || v > 24)
			return -EBADMSG;
		/* libsrtp derives keys once: a key derivation rate is not supported. */
		if (v != 0)
			return -ENOTSUP;
		d->kdr = (unsigned)v;
	} else if (n > 4 && memcmp(t, "WSH=", 4) == 0) {
		struct scan s = { t + 4, t + n };

		if (scan_num(&s, 5, &v) || s.p != s.end || v < 64)
			return -EBADMSG;
		d->wsh = v > 0x7fff ? 0x7fff : (unsigned)v;
	} else if (t[0] == '-') {
		/* optional extensions may be ignored (6.3.7) */
	} else {
		/* FEC_ORDER, FEC_KEY and unknown mandatory parameters */
		return -ENOTSUP;
	}
	return 0;
}

int mix_sdes_parse(struct mix_sdes *d, const char *line, size_t len)
{
	struct scan s;
	const char *tok, *kp;
	size_t n;
	uint64_t tag;
	int err, unsup = 0;

	if (!d || !line)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	s.p = line;
	s.end = line + len;
	while (s.end > s.p && (s.end[-1] == '\r' || s.end[-1] == '\n' || is_wsp(s.end[-1])))
		s.end--;
	if (s.end - s.p >= 2 && memcmp(s.p, "a=", 2) == 0)
		s.p += 2;
	if (s.end - s.p >= 7 && memcmp(s.p, "crypto:", 7) == 0)
		s.p += 7;
	for (tok = s.p; tok < s.end; tok++)
		if (*tok == '\0')
			return -EBADMSG;

	/* tag = 1*9DIGIT */
	if (scan_num(&s, 9, &tag) || tag == 0 || !scan_wsp(&s))
		return -EBADMSG;
	d->tag = (uint32_t)tag;
	/* crypto-suite = 1*(ALPHA / DIGIT / "_") */
	scan_token(&s, &tok, &n);
	if (n == 0)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if (!(is_digit(tok[i]) || (tok[i] >= 'A' && tok[i] <= 'Z') ||
		      (tok[i] >= 'a' && tok[i] <= 'z') || tok[i] == '_'))
			return -EBADMSG;
	d->suite = mix_srtp_suite_from_name(tok, n);
	if (!scan_wsp(&s))
		return -EBADMSG;
	/* key-params = key-param *(";" key-param) */
	scan_token(&s, &kp, &n);
	if (n == 0)
		return -EBADMSG;
	while (n > 0) {
		const char *semi = memchr(kp, ';', n);
		size_t kn = semi ? (size_t)(semi - kp) : n;

		if (kn < 7 || memcmp(kp, "inline:", 7) != 0) {
			/* another key method: well formed if "method:info" */
			const char *colon = memchr(kp, ':', kn);
			if (!colon || colon == kp || colon == kp + kn - 1)
				return -EBADMSG;
			unsup = -ENOTSUP;
		} else if (d->suite == MIX_SRTP_NONE) {
			unsup = -ENOTSUP; /* cannot check a key of an unknown suite */
		} else {
			if (d->n_keys == MIX_SDES_MAX_KEYS)
				return -EMSGSIZE;
			err = parse_inline(kp + 7, kn - 7, d->suite, &d->keys[d->n_keys]);
			if (err)
				return err;
			d->n_keys++;
		}
		if (!semi)
			break;
		if (kn + 1 == n)
			return -EBADMSG; /* a trailing ';' */
		n -= kn + 1;
		kp = semi + 1;
	}
	/* Several keys are told apart by their MKIs (RFC 4568 6.1). */
	if (d->n_keys > 1)
		for (size_t i = 0; i < d->n_keys; i++)
			if (!d->keys[i].mki_len)
				return -EBADMSG;
	/* *(1*WSP session-param) */
	while (scan_wsp(&s) && s.p < s.end) {
		scan_token(&s, &tok, &n);
		err = parse_param(d, tok, n);
		if (err == -ENOTSUP)
			unsup = err;
		else if (err)
			return err;
	}
	if (s.p != s.end)
		return -EBADMSG;
	if (d->suite == MIX_SRTP_NONE)
		unsup = -ENOTSUP;
	if (unsup)
		mix_sdes_wipe(d);
	return unsup;
}

int mix_sdes_format(const struct mix_sdes *d, char *buf, size_t cap)
{
	char b64[(MIX_SRTP_MAX_KEY + 2) / 3 * 4 + 1];
	size_t i, o;
	int n;

	if (!d || !buf || d->tag == 0 || d->tag > 999999999 || d->n_keys < 1 ||
	    d->n_keys > MIX_SDES_MAX_KEYS || mix_srtp_key_len(d->suite) == 0)
		return -EINVAL;
	n = snprintf(buf, cap, "a=crypto:%u %s ", d->tag, mix_srtp_suite_name(d->suite));
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	o = (size_t)n;
	for (i = 0; i < d->n_keys; i++) {
		const struct mix_sdes_key *k = &d->keys[i];

		if (k->key_len != mix_srtp_key_len(d->suite) || (d->n_keys > 1 && !k->mki_len) ||
		    k->mki_len > 128 || (k->mki_len && k->mki_len < 8 && k->mki >> (8 * k->mki_len)))
			return -EINVAL;
		b64_encode(k->key, k->key_len, b64);
		n = snprintf(buf + o, cap - o, "%sinline:%s", i ? ";" : "", b64);
		mix_wipe(b64, sizeof(b64));
		if (n < 0 || (size_t)n >= cap - o)
			goto nospc;
		o += (size_t)n;
		if (k->lifetime) {
			unsigned e = 0;

			while (e < 48 && (UINT64_C(1) << e) < k->lifetime)
				e++;
			if ((UINT64_C(1) << e) == k->lifetime)
				n = snprintf(buf + o, cap - o, "|2^%u", e);
			else
				n = snprintf(buf + o, cap - o, "|%llu", (unsigned long long)k->lifetime);
			if (n < 0 || (size_t)n >= cap - o)
				goto nospc;
			o += (size_t)n;
		}
		if (k->mki_len) {
			n = snprintf(buf + o, cap - o, "|%llu:%u", (unsigned long long)k->mki,
				     k->mki_len);
			if (n < 0 || (size_t)n >= cap - o)
				goto nospc;
			o += (size_t)n;
		}
	}
	n = snprintf(buf + o, cap - o, "%s%s%s%s", (d->flags & MIX_SRTP_UNENCRYPTED_SRTP) ? " UNENCRYPTED_SRTP" : "",
		     (d->flags & MIX_SRTP_UNENCRYPTED_SRTCP) ? " UNENCRYPTED_SRTCP" : "",
		     (d->flags & MIX_SRTP_UNAUTHENTICATED_SRTP) ? " UNAUTHENTICATED_SRTP" : "", "");
	if (n < 0 || (size_t)n >= cap - o)
		goto nospc;
	o += (size_t)n;
	if (d->wsh) {
		n = snprintf(buf + o, cap - o, " WSH=%u", d->wsh);
		if (n < 0 || (size_t)n >= cap - o)
			goto nospc;
	}
	return 0;
nospc:
	mix_wipe(buf, cap);
	return -ENOSPC;
}

int mix_sdes_generate(struct mix_sdes *d, uint32_t tag, enum mix_srtp_suite suite)
{
	size_t len = mix_srtp_key_len(suite);

	if (!d || !len || tag == 0 || tag > 999999999)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->tag = tag;
	d->suite = suite;
	d->n_keys = 1;
	d->keys[0].key_len = len;
	if (RAND_bytes(d->keys[0].key, (int)len) != 1) {
		mix_sdes_wipe(d);
		return -EIO;
	}
	return 0;
}

int mix_sdes_select(const struct mix_sdes *offers, size_t n)
{
	static const enum mix_srtp_suite pref[] = {
		MIX_SRTP_AEAD_AES_128_GCM, MIX_SRTP_AES_CM_128_HMAC_SHA1_80,
		MIX_SRTP_AEAD_AES_256_GCM, MIX_SRTP_AES_256_CM_HMAC_SHA1_80,
		MIX_SRTP_AES_CM_128_HMAC_SHA1_32,
	};
	size_t p, i;

	if (!offers && n)
		return -EINVAL;
	for (p = 0; p < sizeof(pref) / sizeof(pref[0]); p++)
		for (i = 0; i < n; i++)
			if (offers[i].suite == pref[p] && offers[i].n_keys == 1 &&
			    !offers[i].keys[0].mki_len && i <= 0x7fffffff &&
			    !((offers[i].flags) && (pref[p] == MIX_SRTP_AEAD_AES_128_GCM ||
						    pref[p] == MIX_SRTP_AEAD_AES_256_GCM)))
				return (int)i;
	return -ENOTSUP;
}

void mix_sdes_wipe(struct mix_sdes *d)
{
	if (d)
		mix_wipe(d->keys, sizeof(d->keys));
}
