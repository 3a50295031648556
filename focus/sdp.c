/*
 * focus/sdp.c - reading and writing the SDP of one audio stream
 * (RFC 4566, RFC 3264, RFC 7587, RFC 4568, RFC 6464).
 */
#include "focus/sdp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define LEVEL_URI "urn:ietf:params:rtp-hdrext:ssrc-audio-level"

/* A piece of the input: not NUL-terminated. */
struct span {
	const char *p;
	size_t n;
};

struct dec {
	struct fsdp *s;
	struct fsdp_media *m;   /* the current m-line; NULL: session level */
	char sess_addr[FSDP_ADDR_LEN];
	int sess_family;
	enum fsdp_dir sess_dir;
	unsigned line;
	char *err;
	size_t errlen;
};

static int fail(struct dec *d, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct dec *d, int ret, const char *fmt, ...)
{
	if (d->err && d->errlen) {
		int n = snprintf(d->err, d->errlen, "line %u: ", d->line);
		va_list ap;
		va_start(ap, fmt);
		if (n >= 0 && (size_t)n < d->errlen)
			vsnprintf(d->err + n, d->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static bool span_eq(struct span a, const char *s)
{
	return a.n == strlen(s) && memcmp(a.p, s, a.n) == 0;
}

/* The next space-separated token of *v (NULL-free; n 0 at the end). */
static struct span token(struct span *v)
{
	while (v->n && *v->p == ' ') {
		v->p++;
		v->n--;
	}
	struct span t = {v->p, 0};
	while (t.n < v->n && v->p[t.n] != ' ')
		t.n++;
	v->p += t.n;
	v->n -= t.n;
	return t;
}

/* Splits t at the first c: *t keeps what is before, the rest is returned
 * (n 0 and found false when there is no c). */
static struct span split(struct span *t, char c, bool *found)
{
	const char *q = memchr(t->p, c, t->n);
	struct span rest = {t->p + t->n, 0};
	*found = q != NULL;
	if (q) {
		rest.p = q + 1;
		rest.n = t->n - (size_t)(q - t->p) - 1;
		t->n = (size_t)(q - t->p);
	}
	return rest;
}

static int num(struct span t, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	if (t.n == 0 || t.n > 20)
		return -1;
	for (size_t i = 0; i < t.n; i++) {
		if (t.p[i] < '0' || t.p[i] > '9')
			return -1;
		unsigned dgt = (unsigned)(t.p[i] - '0');
		if (v > (UINT64_MAX - dgt) / 10)
			return -1;
		v = v * 10 + dgt;
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static int copy(char *dst, size_t size, struct span t)
{
	if (t.n >= size)
		return -1;
	memcpy(dst, t.p, t.n);
	dst[t.n] = 0;
	return 0;
}

static int dir_of(struct span a, enum fsdp_dir *d)
{
	static const char *const names[] = {"sendrecv", "sendonly", "recvonly", "inactive"};
	for (unsigned i = 0; i < 4; i++) {
		if (span_eq(a, names[i])) {
			*d = (enum fsdp_dir)i;
			return 0;
		}
	}
	return -1;
}

const char *fsdp_dir_name(enum fsdp_dir d)
{
	switch (d) {
	case FSDP_SENDONLY: return "sendonly";
	case FSDP_RECVONLY: return "recvonly";
	case FSDP_INACTIVE: return "inactive";
	default: return "sendrecv";
	}
}

/* c=IN IP4 addr[/ttl[/n]] */
static int conn_line(struct dec *d, struct span v, char *addr, int *family)
{
	struct span nt = token(&v), at = token(&v), a = token(&v);
	bool f;
	if (!span_eq(nt, "IN") || a.n == 0 || token(&v).n)
		return fail(d, -EBADMSG, "c= is not 'IN <addrtype> <address>'");
	split(&a, '/', &f);
	if (copy(addr, FSDP_ADDR_LEN, a))
		return fail(d, -E2BIG, "c= address too long");
	unsigned char buf[16];
	if (span_eq(at, "IP4") && inet_pton(AF_INET, addr, buf) == 1)
		*family = AF_INET;
	else if (span_eq(at, "IP6") && inet_pton(AF_INET6, addr, buf) == 1)
		*family = AF_INET6;
	else if (span_eq(at, "IP4") || span_eq(at, "IP6"))
		*family = 0; /* a host name: readable, but not usable by us */
	else
		return fail(d, -EBADMSG, "c= address type is not IP4 or IP6");
	return 0;
}

/* o=<username> <sess-id> <sess-version> IN <addrtype> <address> */
static int origin_line(struct dec *d, struct span v)
{
	struct span u = token(&v), id = token(&v), ver = token(&v), nt = token(&v),
		    at = token(&v), a = token(&v);
	if (a.n == 0 || token(&v).n || !span_eq(nt, "IN") || at.n == 0)
		return fail(d, -EBADMSG, "o= does not have six fields");
	if (num(id, UINT64_MAX, &d->s->sess_id) || num(ver, UINT64_MAX, &d->s->sess_version))
		return fail(d, -EBADMSG, "o= session id or version is not a number");
	if (copy(d->s->user, sizeof(d->s->user), u) ||
	    copy(d->s->origin_addr, sizeof(d->s->origin_addr), a))
		return fail(d, -E2BIG, "o= field too long");
	return 0;
}

/* m=<media> <port>[/<n>] <proto> <fmt> ... */
static int media_line(struct dec *d, struct span v)
{
	if (d->s->nmedia == FSDP_MAX_MEDIA)
		return fail(d, -E2BIG, "more than %d m-lines", FSDP_MAX_MEDIA);
	struct fsdp_media *m = &d->s->media[d->s->nmedia++];
	memset(m, 0, sizeof(*m));
	d->m = m;
	struct span type = token(&v), port = token(&v), proto = token(&v);
	bool f;
	uint64_t x;
	split(&port, '/', &f);
	if (proto.n == 0)
		return fail(d, -EBADMSG, "m= has no protocol");
	if (copy(m->type, sizeof(m->type), type) || copy(m->proto_text, sizeof(m->proto_text), proto))
		return fail(d, -E2BIG, "m= field too long");
	if (num(port, 65535, &x))
		return fail(d, -EBADMSG, "m= port is not 0 to 65535");
	m->port = (uint16_t)x;
	static const struct { const char *name; enum fsdp_proto p; } protos[] = {
		{"RTP/AVP", FSDP_RTP_AVP}, {"RTP/SAVP", FSDP_RTP_SAVP},
		{"RTP/AVPF", FSDP_RTP_AVPF}, {"RTP/SAVPF", FSDP_RTP_SAVPF},
	};
	for (unsigned i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (span_eq(proto, protos[i].name))
			m->proto = protos[i].p;
	while (v.n && *v.p == ' ') {
		v.p++;
		v.n--;
	}
	if (v.n == 0)
		return fail(d, -EBADMSG, "m= has no formats");
	if (copy(m->fmt_text, sizeof(m->fmt_text), v))
		return fail(d, -E2BIG, "m= format list too long");
	if (m->proto == FSDP_PROTO_OTHER)
		return 0;
	for (struct span t = token(&v); t.n; t = token(&v)) {
		if (num(t, 127, &x))
			return fail(d, -EBADMSG, "m= payload type is not 0 to 127");
		if (m->nfmt == FSDP_MAX_FMT)
			return fail(d, -E2BIG, "more than %d payload types", FSDP_MAX_FMT);
		m->fmt[m->nfmt++].pt = (uint8_t)x;
	}
	m->family = d->sess_family;
	memcpy(m->addr, d->sess_addr, sizeof(m->addr));
	m->dir = d->sess_dir;
	return 0;
}

static struct fsdp_fmt *fmt_find(struct fsdp_media *m, uint64_t pt)
{
	for (unsigned i = 0; i < m->nfmt; i++)
		if (m->fmt[i].pt == pt)
			return &m->fmt[i];
	return NULL;
}

/* a=<name>[:<value>] */
static int attr_line(struct dec *d, struct span v)
{
	bool has;
	struct span name = v, val = split(&name, ':', &has);
	struct fsdp_media *m = d->m;
	enum fsdp_dir dir;
	uint64_t x;

	if (!has && dir_of(name, &dir) == 0) {
		if (m)
			m->dir = dir;
		else
			d->sess_dir = dir;
		return 0;
	}
	if (!m)
		return 0; /* no other session-level attribute matters to us */
	if (span_eq(name, "rtcp-mux")) {
		m->rtcp_mux = true;
	} else if (span_eq(name, "rtpmap") || span_eq(name, "fmtp")) {
		struct span pt = token(&val);
		while (val.n && *val.p == ' ') {
			val.p++;
			val.n--;
		}
		if (num(pt, 127, &x) || val.n == 0)
			return fail(d, -EBADMSG, "a=%.*s is not '<payload type> <value>'",
				    (int)name.n, name.p);
		struct fsdp_fmt *f = fmt_find(m, x);
		if (!f)
			return 0; /* for a payload type not offered: no meaning */
		if (span_eq(name, "fmtp"))
			return copy(f->fmtp, sizeof(f->fmtp), val) ?
				fail(d, -E2BIG, "a=fmtp too long") : 0;
		bool f1, f2;
		struct span enc = val, rate = split(&enc, '/', &f1), ch = split(&rate, '/', &f2);
		uint64_t r, c = 1;
		if (!f1 || num(rate, 1000000, &r) || r == 0 || (f2 && (num(ch, 255, &c) || c == 0)))
			return fail(d, -EBADMSG, "a=rtpmap is not '<pt> <name>/<rate>[/<channels>]'");
		if (copy(f->name, sizeof(f->name), enc))
			return fail(d, -E2BIG, "a=rtpmap encoding name too long");
		f->rate = (uint32_t)r;
		f->channels = (uint8_t)c;
	} else if (span_eq(name, "crypto")) {
		if (m->ncrypto == FSDP_MAX_CRYPTO)
			return fail(d, -E2BIG, "more than %d a=crypto lines", FSDP_MAX_CRYPTO);
		if (val.n == 0 || copy(m->crypto[m->ncrypto], FSDP_CRYPTO_LEN, val))
			return fail(d, val.n ? -E2BIG : -EBADMSG, "a=crypto empty or too long");
		m->ncrypto++;
	} else if (span_eq(name, "extmap")) {
		struct span id = token(&val), uri = token(&val), attrs = token(&val);
		bool f;
		split(&id, '/', &f);
		if (num(id, 4096, &x) || uri.n == 0)
			return fail(d, -EBADMSG, "a=extmap is not '<id>[/<dir>] <uri>'");
		/* One-byte header ids only (RFC 8285: 1 to 14). */
		if (span_eq(uri, LEVEL_URI) && x >= 1 && x <= 14) {
			m->level_ext_id = (uint8_t)x;
			m->level_vad = span_eq(attrs, "vad=on");
		}
	} else if (span_eq(name, "ptime") || span_eq(name, "maxptime")) {
		if (num(val, 10000, &x))
			return fail(d, -EBADMSG, "a=%.*s is not a number of ms", (int)name.n, name.p);
		*(span_eq(name, "ptime") ? &m->ptime : &m->maxptime) = (uint32_t)x;
	} else if (span_eq(name, "ssrc") && m->ssrc == 0) {
		if (num(token(&val), UINT32_MAX, &x))
			return fail(d, -EBADMSG, "a=ssrc is not a 32-bit number");
		m->ssrc = (uint32_t)x;
	}
	return 0;
}

int fsdp_decode(struct fsdp *s, const char *buf, size_t len, char *err, size_t errlen)
{
	struct dec d = {.s = s, .err = err, .errlen = errlen};
	int ret = 0;
	bool have_o = false, have_s = false;

	memset(s, 0, sizeof(*s));
	if (err && errlen)
		err[0] = 0;
	if (len > FSDP_MAX_LEN)
		return fail(&d, -E2BIG, "SDP of %zu bytes, more than %d", len, FSDP_MAX_LEN);
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		struct span l = {buf + pos, end - pos};
		pos = end + 1;
		d.line++;
		if (l.n && l.p[l.n - 1] == '\r')
			l.n--;
		if (l.n == 0)
			continue; /* tolerated: blank lines, a final CRLF */
		for (size_t i = 0; i < l.n; i++) {
			unsigned char c = (unsigned char)l.p[i];
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return fail(&d, -EBADMSG, "control character 0x%02x", c);
		}
		if (l.n < 2 || l.p[1] != '=' || l.p[0] < 'a' || l.p[0] > 'z')
			return fail(&d, -EBADMSG, "not '<type>=<value>'");
		char type = l.p[0];
		struct span v = {l.p + 2, l.n - 2};
		if (d.line == 1 && type != 'v')
			return fail(&d, -EBADMSG, "the first line is not v=");
		switch (type) {
		case 'v':
			if (d.line != 1 || !span_eq(v, "0"))
				return fail(&d, -EBADMSG, "v= is not the first line or not 0");
			break;
		case 'o':
			if (have_o || d.m)
				return fail(&d, -EBADMSG, "o= twice or after m=");
			have_o = true;
			ret = origin_line(&d, v);
			break;
		case 's':
			if (have_s || d.m)
				return fail(&d, -EBADMSG, "s= twice or after m=");
			have_s = true;
			if (copy(s->session_name, sizeof(s->session_name), v))
				s->session_name[0] = 0; /* free text we only echo: keep none */
			break;
		case 'c':
			if (d.m)
				ret = conn_line(&d, v, d.m->addr, &d.m->family);
			else
				ret = conn_line(&d, v, d.sess_addr, &d.sess_family);
			break;
		case 'm':
			ret = media_line(&d, v);
			break;
		case 'a':
			ret = attr_line(&d, v);
			break;
		default:
			break; /* i u e p b t r z k: nothing we need */
		}
		if (ret)
			return ret;
	}
	if (d.line == 0 || !have_o || !have_s)
		return fail(&d, -EBADMSG, "no v=, o= or s= line");
	return 0;
}

/* An appending writer with a sticky overflow. */
struct out {
	char *buf;
	size_t size, len;
	bool full;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	if (o->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->full = true;
	else
		o->len += (size_t)n;
}

static const char *addr_type(int family)
{
	return family == AF_INET6 ? "IP6" : "IP4";
}

int fsdp_encode(const struct fsdp *s, char *buf, size_t size)
{
	struct out o = {buf, size, 0, size == 0};
	const char *oa = s->origin_addr[0] ? s->origin_addr : "0.0.0.0";
	put(&o, "v=0\r\no=%s %" PRIu64 " %" PRIu64 " IN %s %s\r\ns=%s\r\nt=0 0\r\n",
	    s->user[0] ? s->user : "-", s->sess_id, s->sess_version,
	    strchr(oa, ':') ? "IP6" : "IP4", oa, s->session_name[0] ? s->session_name : "-");
	for (unsigned i = 0; i < s->nmedia; i++) {
		const struct fsdp_media *m = &s->media[i];
		put(&o, "m=%s %u %s %s\r\n", m->type, m->port, m->proto_text, m->fmt_text);
		if (m->addr[0])
			put(&o, "c=IN %s %s\r\n", addr_type(m->family), m->addr);
		if (m->port == 0)
			continue;
		for (unsigned k = 0; k < m->nfmt; k++) {
			const struct fsdp_fmt *f = &m->fmt[k];
			if (f->name[0] && f->channels > 1)
				put(&o, "a=rtpmap:%u %s/%u/%u\r\n", f->pt, f->name, f->rate, f->channels);
			else if (f->name[0])
				put(&o, "a=rtpmap:%u %s/%u\r\n", f->pt, f->name, f->rate);
			if (f->fmtp[0])
				put(&o, "a=fmtp:%u %s\r\n", f->pt, f->fmtp);
		}
		if (m->ptime)
			put(&o, "a=ptime:%u\r\n", m->ptime);
		if (m->maxptime)
			put(&o, "a=maxptime:%u\r\n", m->maxptime);
		for (unsigned k = 0; k < m->ncrypto; k++)
			put(&o, "a=crypto:%s\r\n", m->crypto[k]);
		if (m->level_ext_id)
			put(&o, "a=extmap:%u " LEVEL_URI "%s\r\n", m->level_ext_id,
			    m->level_vad ? " vad=on" : "");
		if (m->rtcp_mux)
			put(&o, "a=rtcp-mux\r\n");
		if (m->ssrc)
			put(&o, "a=ssrc:%u cname:chorus\r\n", m->ssrc);
		put(&o, "a=%s\r\n", fsdp_dir_name(m->dir));
	}
	return o.full ? -ENOSPC : (int)o.len;
}

static bool is_opus(const struct fsdp_fmt *f)
{
	return strcasecmp(f->name, "opus") == 0 && f->rate == 48000 && f->channels == 2;
}

int fsdp_audio_pick(const struct fsdp *offer, bool allow_plain, const struct fsdp_fmt **fmt)
{
	for (unsigned i = 0; i < offer->nmedia; i++) {
		const struct fsdp_media *m = &offer->media[i];
		if (strcmp(m->type, "audio") || m->port == 0 || m->family == 0)
			continue;
		bool srtp = m->proto == FSDP_RTP_SAVP || m->proto == FSDP_RTP_SAVPF;
		bool plain = m->proto == FSDP_RTP_AVP || m->proto == FSDP_RTP_AVPF;
		if (!(srtp && m->ncrypto) && !(plain && allow_plain))
			continue;
		for (unsigned k = 0; k < m->nfmt; k++) {
			if (is_opus(&m->fmt[k])) {
				if (fmt)
					*fmt = &m->fmt[k];
				return (int)i;
			}
		}
	}
	return -ENOTSUP;
}

static void local_media(const struct fsdp_local *l, struct fsdp_media *m, uint8_t pt,
			const char *fmtp)
{
	snprintf(m->type, sizeof(m->type), "audio");
	m->port = l->port;
	m->proto = l->crypto ? FSDP_RTP_SAVP : FSDP_RTP_AVP;
	snprintf(m->proto_text, sizeof(m->proto_text), "%s", l->crypto ? "RTP/SAVP" : "RTP/AVP");
	snprintf(m->fmt_text, sizeof(m->fmt_text), "%u", pt);
	m->nfmt = 1;
	m->fmt[0].pt = pt;
	snprintf(m->fmt[0].name, sizeof(m->fmt[0].name), "opus");
	m->fmt[0].rate = 48000;
	m->fmt[0].channels = 2;
	snprintf(m->fmt[0].fmtp, sizeof(m->fmt[0].fmtp), "%s", fmtp);
	snprintf(m->addr, sizeof(m->addr), "%s", l->addr);
	m->family = strchr(l->addr, ':') ? AF_INET6 : AF_INET;
	m->ptime = 20;
	if (l->crypto) {
		snprintf(m->crypto[0], sizeof(m->crypto[0]), "%s", l->crypto);
		m->ncrypto = 1;
	}
	m->level_ext_id = l->level_ext_id;
	m->rtcp_mux = l->rtcp_mux;
	m->dir = l->dir;
}

static void local_session(const struct fsdp_local *l, struct fsdp *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->user, sizeof(s->user), "%s", l->user ? l->user : "chorus");
	s->sess_id = l->sess_id;
	s->sess_version = l->sess_version;
	snprintf(s->origin_addr, sizeof(s->origin_addr), "%s", l->addr);
	snprintf(s->session_name, sizeof(s->session_name), "chorus");
}

/* What we may do given what the offer does and what we would do. */
static enum fsdp_dir answer_dir(enum fsdp_dir offered, enum fsdp_dir want)
{
	bool we_send = want == FSDP_SENDRECV || want == FSDP_SENDONLY;
	bool we_recv = want == FSDP_SENDRECV || want == FSDP_RECVONLY;
	if (offered == FSDP_SENDONLY || offered == FSDP_INACTIVE)
		we_send = false;
	if (offered == FSDP_RECVONLY || offered == FSDP_INACTIVE)
		we_recv = false;
	return we_send && we_recv ? FSDP_SENDRECV :
	       we_send ? FSDP_SENDONLY : we_recv ? FSDP_RECVONLY : FSDP_INACTIVE;
}

int fsdp_answer(const struct fsdp *offer, int idx, const struct fsdp_local *local,
		struct fsdp *answer)
{
	if (idx < 0 || idx >= offer->nmedia || !local->addr)
		return -EINVAL;
	const struct fsdp_media *om = &offer->media[idx];
	const struct fsdp_fmt *opus = NULL;
	for (unsigned k = 0; k < om->nfmt && !opus; k++)
		if (is_opus(&om->fmt[k]))
			opus = &om->fmt[k];
	if (!opus)
		return -ENOTSUP;
	bool srtp = om->proto == FSDP_RTP_SAVP || om->proto == FSDP_RTP_SAVPF;
	if (srtp && !local->crypto)
		return -EINVAL; /* an SRTP offer is answered with one of its suites */
	local_session(local, answer);
	answer->nmedia = offer->nmedia;
	for (unsigned i = 0; i < offer->nmedia; i++) {
		struct fsdp_media *am = &answer->media[i];
		if ((int)i == idx) {
			local_media(local, am, opus->pt, local->fmtp ? local->fmtp : FSDP_OPUS_FMTP);
			snprintf(am->proto_text, sizeof(am->proto_text), "%s", om->proto_text);
			am->proto = om->proto;
			am->dir = answer_dir(om->dir, local->dir);
			if (!srtp) {
				am->ncrypto = 0;
				am->crypto[0][0] = 0;
			}
			am->rtcp_mux = local->rtcp_mux && om->rtcp_mux;
			if (!om->level_ext_id)
				am->level_ext_id = 0;
			else if (local->level_ext_id)
				am->level_ext_id = om->level_ext_id; /* the offerer's id */
			continue;
		}
		/* Refused: port 0, the same media, protocol and formats. */
		memcpy(am->type, offer->media[i].type, sizeof(am->type));
		memcpy(am->proto_text, offer->media[i].proto_text, sizeof(am->proto_text));
		memcpy(am->fmt_text, offer->media[i].fmt_text, sizeof(am->fmt_text));
		am->proto = offer->media[i].proto;
	}
	return 0;
}

int fsdp_offer(const struct fsdp_local *local, struct fsdp *offer)
{
	if (!local->addr)
		return -EINVAL;
	local_session(local, offer);
	offer->nmedia = 1;
	local_media(local, &offer->media[0], local->pt ? local->pt : 111,
		    local->fmtp ? local->fmtp : FSDP_OPUS_FMTP);
	return 0;
}

int fsdp_media_sockaddr(const struct fsdp_media *m, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (m->family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(m->port);
		return inet_pton(AF_INET, m->addr, &a->sin_addr) == 1 ? 0 : -EINVAL;
	}
	if (m->family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(m->port);
		return inet_pton(AF_INET6, m->addr, &a->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	return -EINVAL;
}


int fsdp_crypto_pick(const struct fsdp_media *m, struct mix_sdes *rx)
{
	struct mix_sdes offers[FSDP_MAX_CRYPTO];
	int map[FSDP_MAX_CRYPTO], n = 0, ret = -ENOTSUP;
	for (unsigned i = 0; i < m->ncrypto; i++) {
		if (mix_sdes_parse(&offers[n], m->crypto[i], strlen(m->crypto[i])) == 0)
			map[n++] = (int)i;
	}
	int sel = n ? mix_sdes_select(offers, (size_t)n) : -ENOTSUP;
	if (sel >= 0) {
		*rx = offers[sel];
		ret = map[sel];
	}
	for (int i = 0; i < n; i++)
		mix_sdes_wipe(&offers[i]);
	return ret;
}


/* The value of key in an fmtp's "k=v;k=v" list, as a number in [lo, hi]. */
static bool fmtp_num(const char *fmtp, const char *key, unsigned long lo, unsigned long hi,
		     unsigned long *out)
{
	size_t kl = strlen(key);
	for (const char *p = fmtp; p && *p;) {
		while (*p == ' ' || *p == ';')
			p++;
		if (strncasecmp(p, key, kl) == 0 && p[kl] == '=') {
			char *end;
			errno = 0;
			unsigned long v = strtoul(p + kl + 1, &end, 10);
			if (errno || end == p + kl + 1 || (*end && *end != ';' && *end != ' ') ||
			    v < lo || v > hi)
				return false;
			*out = v;
			return true;
		}
		p = strchr(p, ';');
	}
	return false;
}

void fsdp_opus_cfg(const struct fsdp_fmt *f, struct mix_opus_cfg *c)
{
	unsigned long v;
	mix_opus_cfg_default(c);
	if (!f)
		return;
	if (fmtp_num(f->fmtp, "maxaveragebitrate", 6000, 510000, &v) && v < c->bitrate)
		c->bitrate = (unsigned)v;
	if (fmtp_num(f->fmtp, "maxplaybackrate", 8000, 48000, &v))
		c->max_rate = (unsigned)v;
	if (fmtp_num(f->fmtp, "useinbandfec", 0, 1, &v))
		c->fec = v == 1;
	if (fmtp_num(f->fmtp, "usedtx", 0, 1, &v))
		c->dtx = v == 1;
	if (fmtp_num(f->fmtp, "cbr", 0, 1, &v))
		c->cbr = v == 1;
}
