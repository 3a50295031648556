/*
 * frag.c - fragmentation and reassembly (RFC 6940 section 6.7)
 *
 * Every fragment carries a full copy of the forwarding header; the bytes
 * after it are a slice of the original message's bytes after its header,
 * at the offset given in the fragment field. Only the destination
 * reassembles, keyed by transaction id.
 */
#include <stdlib.h>
#include <string.h>

#include "relo/frame.h"

#define SPLIT_MARGIN 32     /* room left for the Via list to grow */
#define MIN_FRAG_BODY 256

/* The parts of a forwarding header fragmentation needs. */
struct hdr_info {
	size_t hdr_len;
	uint32_t fragment;
	uint64_t trans_id;
	uint32_t overlay;
};

static int hdr_parse(const uint8_t *msg, size_t len, struct hdr_info *h)
{
	struct relo_rd r;
	uint32_t token, length;
	uint8_t version;
	size_t lists;

	relo_rd_init(&r, msg, len);
	token = relo_rd_u32(&r);
	h->overlay = relo_rd_u32(&r);
	relo_rd_u16(&r);
	version = relo_rd_u8(&r);
	relo_rd_u8(&r);
	h->fragment = relo_rd_u32(&r);
	length = relo_rd_u32(&r);
	h->trans_id = relo_rd_u64(&r);
	relo_rd_u32(&r);
	lists = relo_rd_u16(&r);
	lists += relo_rd_u16(&r);
	lists += relo_rd_u16(&r);
	if (r.err)
		return r.err;
	if (token != RELO_TOKEN || version != RELO_VERSION || !(h->fragment & RELO_FRAG_MUST))
		return -EPROTO;
	if (length != len || lists > relo_rd_left(&r))
		return -EBADMSG;
	h->hdr_len = RELO_FWD_FIXED_LEN + lists;
	return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int relo_frag_split(const struct relo_wirecfg *cfg, const uint8_t *msg, size_t len, size_t mtu,
		    relo_frag_h *h, void *arg)
{
	struct hdr_info hi;
	size_t body, room, nfrag, chunk, off;
	uint32_t base;
	uint8_t *frag;
	int err;

	if (len > cfg->max_msg_size)
		return -EMSGSIZE;
	err = hdr_parse(msg, len, &hi);
	if (err)
		return err;
	if (mtu < SPLIT_MARGIN || len <= mtu - SPLIT_MARGIN)
		return mtu < SPLIT_MARGIN ? -EINVAL : h(msg, len, arg);
	body = len - hi.hdr_len;
	room = mtu - SPLIT_MARGIN > hi.hdr_len ? mtu - SPLIT_MARGIN - hi.hdr_len : 0;
	if (room < MIN_FRAG_BODY)
		return -EMSGSIZE;
	nfrag = (body + room - 1) / room;
	chunk = (body + nfrag - 1) / nfrag;
	/* Equal slices, but never under 256 bytes (room is at least that); only
	 * the last may then be shorter. */
	if (chunk < MIN_FRAG_BODY)
		chunk = MIN_FRAG_BODY;
	/* A message already fragmented upstream is split within its slice. */
	base = hi.fragment & RELO_FRAG_OFFSET;
	if (base + body > RELO_FRAG_OFFSET)
		return -EMSGSIZE;
	frag = malloc(hi.hdr_len + chunk);
	if (!frag)
		return -ENOMEM;
	memcpy(frag, msg, hi.hdr_len);
	for (off = 0; off < body && !err; off += chunk) {
		size_t n = body - off < chunk ? body - off : chunk;
		bool last = off + n == body && (hi.fragment & RELO_FRAG_LAST);
		uint32_t fv = (hi.fragment & RELO_FRAG_RESERVED) | RELO_FRAG_MUST |
			      (last ? RELO_FRAG_LAST : 0) | (uint32_t)(base + off);

		put32(frag + 12, fv);
		put32(frag + 16, (uint32_t)(hi.hdr_len + n));
		memcpy(frag + hi.hdr_len, msg + hi.hdr_len + off, n);
		err = h(frag, hi.hdr_len + n, arg);
	}
	free(frag);
	return err;
}

struct range {
	size_t start, end;
};

struct pending {
	struct pending *next;
	uint64_t trans_id;
	uint32_t overlay;
	uint64_t since_ms;
	uint8_t *hdr;          /* the header of the first fragment seen */
	size_t hdr_len;
	bool hdr_from_first;   /* hdr came from the offset-0 fragment */
	uint8_t *data;         /* body bytes by offset */
	size_t cap;
	struct range *got;     /* disjoint byte ranges held, unordered */
	size_t n_got, got_cap;
	bool have_last;
	size_t total;          /* body length, known once the last fragment came */
};

struct relo_reasm {
	struct relo_reasm_cfg cfg;
	struct pending *list;
	unsigned n_pending;
	size_t bytes;
};

int relo_reasm_alloc(struct relo_reasm **rp, const struct relo_wirecfg *wc,
		     const struct relo_reasm_cfg *rc)
{
	struct relo_reasm *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	if (rc)
		r->cfg = *rc;
	if (!r->cfg.max_msg)
		r->cfg.max_msg = wc ? wc->max_msg_size : RELO_DEFAULT_MAX_MSG;
	if (!r->cfg.max_bytes)
		r->cfg.max_bytes = 64 * r->cfg.max_msg;
	if (!r->cfg.max_pending)
		r->cfg.max_pending = 64;
	if (!r->cfg.timeout_ms)
		r->cfg.timeout_ms = 15000;
	*rp = r;
	return 0;
}

static void pending_drop(struct relo_reasm *r, struct pending *p)
{
	struct pending **pp;

	for (pp = &r->list; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	r->bytes -= p->hdr_len + p->cap + p->got_cap * sizeof(*p->got);
	r->n_pending--;
	free(p->hdr);
	free(p->data);
	free(p->got);
	free(p);
}

void relo_reasm_free(struct relo_reasm *r)
{
	if (!r)
		return;
	while (r->list)
		pending_drop(r, r->list);
	free(r);
}

unsigned relo_reasm_expire(struct relo_reasm *r, uint64_t now_ms)
{
	struct pending *p = r->list, *next;
	unsigned n = 0;

	for (; p; p = next) {
		next = p->next;
		/* A clock that went backwards restarts the wait, not ends it. */
		if (now_ms < p->since_ms)
			p->since_ms = now_ms;
		if (now_ms - p->since_ms >= r->cfg.timeout_ms) {
			pending_drop(r, p);
			n++;
		}
	}
	return n;
}

void relo_reasm_usage(const struct relo_reasm *r, unsigned *pending, size_t *bytes)
{
	*pending = r->n_pending;
	*bytes = r->bytes;
}

static int set_hdr(struct relo_reasm *r, struct pending *p, const uint8_t *frag, size_t hdr_len)
{
	uint8_t *h;

	if (hdr_len > p->hdr_len && hdr_len - p->hdr_len > r->cfg.max_bytes - r->bytes)
		return -ENOBUFS;
	h = malloc(hdr_len);
	if (!h)
		return -ENOMEM;
	memcpy(h, frag, hdr_len);
	r->bytes = r->bytes - p->hdr_len + hdr_len;
	free(p->hdr);
	p->hdr = h;
	p->hdr_len = hdr_len;
	return 0;
}

/* Checks bytes that overlap what is held already, then records [s, e). */
static int add_range(struct relo_reasm *r, struct pending *p, const uint8_t *src, size_t s,
		     size_t e)
{
	struct range merged = { s, e };
	size_t i, j;

	for (i = 0; i < p->n_got; i++) {
		size_t os = p->got[i].start > s ? p->got[i].start : s;
		size_t oe = p->got[i].end < e ? p->got[i].end : e;
		if (os < oe && memcmp(p->data + os, src + (os - s), oe - os) != 0)
			return -EBADMSG; /* overlapping fragments disagree */
	}
	if (p->n_got == p->got_cap) {
		size_t cap = p->got_cap ? 2 * p->got_cap : 8;
		size_t grow = (cap - p->got_cap) * sizeof(*p->got);
		struct range *g;

		if (grow > r->cfg.max_bytes - r->bytes)
			return -ENOBUFS;
		g = realloc(p->got, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		r->bytes += grow;
		p->got = g;
		p->got_cap = cap;
	}
	memcpy(p->data + s, src, e - s);
	/* Merge every range touching [s, e) into one. */
	for (i = j = 0; i < p->n_got; i++) {
		if (p->got[i].end < merged.start || p->got[i].start > merged.end) {
			p->got[j++] = p->got[i];
			continue;
		}
		if (p->got[i].start < merged.start)
			merged.start = p->got[i].start;
		if (p->got[i].end > merged.end)
			merged.end = p->got[i].end;
	}
	p->got[j++] = merged;
	p->n_got = j;
	return 0;
}

int relo_reasm_add(struct relo_reasm *r, const uint8_t *frag, size_t len, uint64_t now_ms,
		   uint8_t **out, size_t *out_len)
{
	struct hdr_info hi;
	struct pending *p;
	size_t off, n, end;
	bool last;
	uint8_t *msg;
	int err;

	*out = NULL;
	*out_len = 0;
	relo_reasm_expire(r, now_ms);
	if (len > r->cfg.max_msg)
		return -EMSGSIZE;
	err = hdr_parse(frag, len, &hi);
	if (err)
		return err;
	off = hi.fragment & RELO_FRAG_OFFSET;
	last = hi.fragment & RELO_FRAG_LAST;
	n = len - hi.hdr_len;
	end = off + n;
	if (hi.hdr_len + end > r->cfg.max_msg)
		return -EMSGSIZE;
	for (p = r->list; p; p = p->next)
		if (p->trans_id == hi.trans_id && p->overlay == hi.overlay)
			break;
	if (!p && off == 0 && last) {
		msg = malloc(len);
		if (!msg)
			return -ENOMEM;
		memcpy(msg, frag, len);
		*out = msg;
		*out_len = len;
		return 0;
	}
	if (!p) {
		if (r->n_pending >= r->cfg.max_pending)
			return -ENOBUFS;
		p = calloc(1, sizeof(*p));
		if (!p)
			return -ENOMEM;
		p->trans_id = hi.trans_id;
		p->overlay = hi.overlay;
		p->since_ms = now_ms;
		p->next = r->list;
		r->list = p;
		r->n_pending++;
	}
	if (!p->hdr || (off == 0 && !p->hdr_from_first)) {
		err = set_hdr(r, p, frag, hi.hdr_len);
		if (err)
			goto drop;
		p->hdr_from_first = off == 0;
	}
	if ((p->have_last && end > p->total) || (last && p->have_last && end != p->total)) {
		err = -EBADMSG;
		goto drop;
	}
	if (last) {
		size_t i;
		for (i = 0; i < p->n_got; i++) {
			if (p->got[i].end > end) {
				err = -EBADMSG;
				goto drop;
			}
		}
		p->have_last = true;
		p->total = end;
	}
	if (end > p->cap) {
		size_t cap = p->have_last ? p->total : end;
		uint8_t *d;

		if (cap - p->cap > r->cfg.max_bytes - r->bytes) {
			err = -ENOBUFS;
			goto drop;
		}
		d = realloc(p->data, cap);
		if (!d) {
			err = -ENOMEM;
			goto drop;
		}
		r->bytes += cap - p->cap;
		p->data = d;
		p->cap = cap;
	}
	if (n) {
		err = add_range(r, p, frag + hi.hdr_len, off, end);
		if (err)
			goto drop;
	}
	if (!p->have_last || p->n_got != 1 || p->got[0].start != 0 ||
	    p->got[0].end != p->total)
		return 0;
	if (p->hdr_len + p->total > r->cfg.max_msg) {
		err = -EMSGSIZE; /* whole, with the header it will carry */
		goto drop;
	}
	msg = malloc(p->hdr_len + p->total);
	if (!msg) {
		err = -ENOMEM;
		goto drop;
	}
	memcpy(msg, p->hdr, p->hdr_len);
	memcpy(msg + p->hdr_len, p->data, p->total);
	put32(msg + 12, RELO_FRAG_WHOLE);
	put32(msg + 16, (uint32_t)(p->hdr_len + p->total));
	*out = msg;
	*out_len = p->hdr_len + p->total;
	pending_drop(r, p);
	return 0;
drop:
	pending_drop(r, p);
	return err;
}
