/*
 * rtcp.c - RTCP compound packets (RFC 3550 6.4-6.7, A.2)
 */
#include <string.h>

#include "cursor.h"
#include "mix/rtcp.h"

#define RB_LEN 24

static void rd_rb(struct mix_rd *r, struct mix_rtcp_rb *rb)
{
	uint32_t lost;

	rb->ssrc = mix_rd_u32(r);
	rb->fraction = mix_rd_u8(r);
	lost = mix_rd_u24(r);
	/* 24-bit two's complement */
	rb->lost = (int32_t)(lost & 0x800000 ? lost | 0xff000000u : lost);
	rb->ext_seq = mix_rd_u32(r);
	rb->jitter = mix_rd_u32(r);
	rb->lsr = mix_rd_u32(r);
	rb->dlsr = mix_rd_u32(r);
}

static void wr_rb(struct mix_wr *w, const struct mix_rtcp_rb *rb)
{
	int32_t lost = rb->lost;

	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	mix_wr_u32(w, rb->ssrc);
	mix_wr_u8(w, rb->fraction);
	mix_wr_u24(w, (uint32_t)lost & 0xffffff);
	mix_wr_u32(w, rb->ext_seq);
	mix_wr_u32(w, rb->jitter);
	mix_wr_u32(w, rb->lsr);
	mix_wr_u32(w, rb->dlsr);
}

/* Skips to the next 32-bit boundary relative to base; the skipped bytes must be zero. */
static void rd_align(struct mix_rd *r, const uint8_t *base)
{
	size_t off = (size_t)(r->p - base);
	size_t n = (4 - off % 4) % 4;
	const uint8_t *p = mix_rd_take(r, n);
	size_t i;

	for (i = 0; p && i < n; i++)
		if (p[i])
			mix_rd_fail(r, -EBADMSG);
}

static int dec_sdes(struct mix_rd *r, struct mix_rtcp_pkt *pkt)
{
	const uint8_t *base = r->p;
	unsigned i;

	for (i = 0; i < pkt->count; i++) {
		struct mix_rtcp_chunk *c = &pkt->chunk[i];

		c->ssrc = mix_rd_u32(r);
		for (;;) {
			uint8_t type = mix_rd_u8(r), len;
			const uint8_t *d;

			if (r->err)
				return -EBADMSG;
			if (type == MIX_SDES_END)
				break;
			len = mix_rd_u8(r);
			d = mix_rd_take(r, len);
			if (r->err)
				return -EBADMSG;
			if (type == MIX_SDES_CNAME && !c->cname) {
				c->cname = d;
				c->cname_len = len;
			} else if (type == MIX_SDES_NAME && !c->name) {
				c->name = d;
				c->name_len = len;
			}
		}
		rd_align(r, base);
	}
	return r->err ? -EBADMSG : 0;
}

static int dec_bye(struct mix_rd *r, struct mix_rtcp_pkt *pkt)
{
	const uint8_t *base = r->p;
	unsigned i;

	for (i = 0; i < pkt->count; i++)
		pkt->src[i] = mix_rd_u32(r);
	if (mix_rd_left(r)) {
		pkt->reason_len = mix_rd_u8(r);
		pkt->reason = mix_rd_take(r, pkt->reason_len);
		rd_align(r, base);
	}
	return r->err ? -EBADMSG : 0;
}

static int decode_one(const uint8_t *p, size_t total, bool pad, struct mix_rtcp_pkt *pkt)
{
	struct mix_rd r;
	size_t body;
	unsigned i;
	int err = 0;

	body = total - 4;
	if (pad) {
		uint8_t n = p[total - 1];

		if (n == 0 || n > body)
			return -EBADMSG;
		body -= n;
	}
	mix_rd_init(&r, p + 4, body);
	switch (pkt->pt) {
	case MIX_RTCP_SR:
	case MIX_RTCP_RR:
		pkt->ssrc = mix_rd_u32(&r);
		if (pkt->pt == MIX_RTCP_SR) {
			pkt->ntp = mix_rd_u64(&r);
			pkt->rtp_ts = mix_rd_u32(&r);
			pkt->pkt_count = mix_rd_u32(&r);
			pkt->octet_count = mix_rd_u32(&r);
		}
		if (mix_rd_left(&r) < (size_t)pkt->count * RB_LEN)
			return -EBADMSG;
		for (i = 0; i < pkt->count; i++)
			rd_rb(&r, &pkt->rb[i]);
		/* What follows is a profile-specific extension: kept as data. */
		pkt->data = r.p;
		pkt->data_len = mix_rd_left(&r);
		break;
	case MIX_RTCP_SDES:
		err = dec_sdes(&r, pkt);
		if (!err && mix_rd_left(&r))
			err = -EBADMSG;
		break;
	case MIX_RTCP_BYE:
		err = dec_bye(&r, pkt);
		if (!err && mix_rd_left(&r))
			err = -EBADMSG;
		break;
	case MIX_RTCP_APP: {
		const uint8_t *name;

		pkt->ssrc = mix_rd_u32(&r);
		name = mix_rd_take(&r, 4);
		if (name)
			memcpy(pkt->name, name, 4);
		pkt->data = r.p;
		pkt->data_len = mix_rd_left(&r);
		break;
	}
	default:
		pkt->data = r.p;
		pkt->data_len = mix_rd_left(&r);
		break;
	}
	if (r.err)
		return -EBADMSG;
	return err;
}

void mix_rtcp_iter_init(struct mix_rtcp_iter *it, const uint8_t *buf, size_t len)
{
	static const uint8_t nothing[1];

	it->p = buf ? buf : nothing;
	it->end = it->p + (buf ? len : 0);
	it->index = 0;
	it->err = 0;
}

int mix_rtcp_next(struct mix_rtcp_iter *it, struct mix_rtcp_pkt *pkt)
{
	size_t left = (size_t)(it->end - it->p), total;
	uint8_t b0;
	int err;

	if (it->err)
		return it->err;
	if (left == 0)
		return 0;
	memset(pkt, 0, sizeof(*pkt));
	if (left < 4)
		goto bad;
	b0 = it->p[0];
	pkt->pt = it->p[1];
	pkt->count = b0 & 0x1f;
	pkt->padding = (b0 & 0x20) != 0;
	total = ((size_t)((unsigned)it->p[2] << 8 | it->p[3]) + 1) * 4;
	if (b0 >> 6 != 2 || total > left || pkt->pt < 192 || pkt->pt > 223)
		goto bad;
	err = decode_one(it->p, total, pkt->padding, pkt);
	if (err)
		goto bad;
	it->p += total;
	it->index++;
	return 1;
bad:
	it->err = -EBADMSG;
	return it->err;
}

int mix_rtcp_validate(const uint8_t *buf, size_t len, unsigned flags)
{
	struct mix_rtcp_iter it;
	struct mix_rtcp_pkt pkt;
	unsigned n = 0;
	int rc;

	if (!buf || len < 4)
		return -EBADMSG;
	mix_rtcp_iter_init(&it, buf, len);
	while ((rc = mix_rtcp_next(&it, &pkt)) == 1) {
		if (n == 0 && !(flags & MIX_RTCP_REDUCED) && pkt.pt != MIX_RTCP_SR &&
		    pkt.pt != MIX_RTCP_RR)
			return -EBADMSG;
		/* Only the last packet of a compound may be padded. */
		if (pkt.padding && it.p != it.end)
			return -EBADMSG;
		n++;
	}
	return rc < 0 ? rc : 0;
}

static int enc_sdes(struct mix_wr *w, const struct mix_rtcp_pkt *pkt)
{
	unsigned i;

	for (i = 0; i < pkt->count; i++) {
		const struct mix_rtcp_chunk *c = &pkt->chunk[i];
		size_t start = w->len;

		if ((c->cname_len && !c->cname) || (c->name_len && !c->name))
			return -EINVAL;
		mix_wr_u32(w, c->ssrc);
		if (c->cname) {
			mix_wr_u8(w, MIX_SDES_CNAME);
			mix_wr_u8(w, c->cname_len);
			mix_wr_bytes(w, c->cname, c->cname_len);
		}
		if (c->name) {
			mix_wr_u8(w, MIX_SDES_NAME);
			mix_wr_u8(w, c->name_len);
			mix_wr_bytes(w, c->name, c->name_len);
		}
		/* At least one null octet, then to the next 32-bit boundary. */
		mix_wr_u8(w, 0);
		mix_wr_zero(w, (4 - (w->len - start) % 4) % 4);
	}
	return 0;
}

int mix_rtcp_encode(uint8_t *buf, size_t cap, const struct mix_rtcp_pkt *pkts, size_t n,
		    size_t *len)
{
	struct mix_wr w;
	size_t k;
	unsigned i;
	int err;

	if (!buf || !len || (n && !pkts))
		return -EINVAL;
	mix_wr_init(&w, buf, cap);
	for (k = 0; k < n; k++) {
		const struct mix_rtcp_pkt *pkt = &pkts[k];
		size_t start = w.len, words;

		if (pkt->count > MIX_RTCP_MAX_COUNT || pkt->pt < 192 || pkt->pt > 223 ||
		    (pkt->data_len && !pkt->data))
			return -EINVAL;
		mix_wr_u8(&w, (uint8_t)(2u << 6 | pkt->count));
		mix_wr_u8(&w, pkt->pt);
		mix_wr_u16(&w, 0);
		switch (pkt->pt) {
		case MIX_RTCP_SR:
		case MIX_RTCP_RR:
			mix_wr_u32(&w, pkt->ssrc);
			if (pkt->pt == MIX_RTCP_SR) {
				mix_wr_u64(&w, pkt->ntp);
				mix_wr_u32(&w, pkt->rtp_ts);
				mix_wr_u32(&w, pkt->pkt_count);
				mix_wr_u32(&w, pkt->octet_count);
			}
			for (i = 0; i < pkt->count; i++)
				wr_rb(&w, &pkt->rb[i]);
			if (pkt->data_len % 4)
				return -EINVAL;
			mix_wr_bytes(&w, pkt->data, pkt->data_len);
			break;
		case MIX_RTCP_SDES:
			err = enc_sdes(&w, pkt);
			if (err)
				return err;
			break;
		case MIX_RTCP_BYE:
			for (i = 0; i < pkt->count; i++)
				mix_wr_u32(&w, pkt->src[i]);
			if (pkt->reason) {
				size_t at = w.len;

				mix_wr_u8(&w, pkt->reason_len);
				mix_wr_bytes(&w, pkt->reason, pkt->reason_len);
				mix_wr_zero(&w, (4 - (w.len - at) % 4) % 4);
			}
			break;
		case MIX_RTCP_APP:
			if (pkt->data_len % 4)
				return -EINVAL;
			mix_wr_u32(&w, pkt->ssrc);
			mix_wr_bytes(&w, pkt->name, 4);
			mix_wr_bytes(&w, pkt->data, pkt->data_len);
			break;
		default:
			if (pkt->data_len % 4)
				return -EINVAL;
			mix_wr_bytes(&w, pkt->data, pkt->data_len);
			break;
		}
		if (w.err)
			return w.err;
		words = (w.len - start) / 4 - 1;
		if (words > 0xffff)
			return -EINVAL;
		mix_wr_patch16(&w, start + 2, (uint16_t)words);
	}
	if (w.err)
		return w.err;
	*len = w.len;
	return 0;
}
