/*
 * rtp.c - RTP packets (RFC 3550 5.1), RFC 8285 header extensions and the
 * RFC 6464 audio level.
 */
#include <math.h>
#include <string.h>

#include "cursor.h"
#include "mix/rtp.h"

int mix_rtp_decode(struct mix_rtp *h, const uint8_t *buf, size_t len)
{
	struct mix_rd r;
	uint8_t b0, b1;
	unsigned i;
	size_t left;

	memset(h, 0, sizeof(*h));
	mix_rd_init(&r, buf, len);
	b0 = mix_rd_u8(&r);
	b1 = mix_rd_u8(&r);
	h->seq = mix_rd_u16(&r);
	h->ts = mix_rd_u32(&r);
	h->ssrc = mix_rd_u32(&r);
	if (r.err || b0 >> 6 != 2)
		return -EBADMSG;
	h->marker = b1 >> 7;
	h->pt = b1 & 0x7f;
	h->cc = b0 & 0x0f;
	for (i = 0; i < h->cc; i++)
		h->csrc[i] = mix_rd_u32(&r);
	if (b0 & 0x10) {
		size_t words;

		h->ext = true;
		h->ext_profile = mix_rd_u16(&r);
		words = mix_rd_u16(&r);
		h->ext_len = words * 4;
		h->ext_data = mix_rd_take(&r, h->ext_len);
	}
	if (r.err)
		return -EBADMSG;
	left = mix_rd_left(&r);
	if (b0 & 0x20) {
		/* The last octet counts the padding, itself included. */
		if (left == 0 || r.end[-1] == 0 || r.end[-1] > left)
			return -EBADMSG;
		h->pad = r.end[-1];
		left -= h->pad;
	}
	h->payload = r.p;
	h->payload_len = left;
	return 0;
}

static bool ext_one_byte_ok(const struct mix_rtp_ext *ext, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ext[i].id < 1 || ext[i].id > 14 || ext[i].len < 1 || ext[i].len > 16)
			return false;
	return true;
}

int mix_rtp_encode(uint8_t *buf, size_t cap, const struct mix_rtp *h,
		   const struct mix_rtp_ext *ext, size_t n_ext, size_t *len)
{
	struct mix_wr w;
	unsigned i;

	if (!buf || !h || !len || h->pt > 127 || h->cc > MIX_RTP_MAX_CSRC ||
	    (n_ext && !ext) || n_ext > MIX_RTP_MAX_EXT || (h->payload_len && !h->payload) ||
	    (!n_ext && h->ext && (h->ext_len % 4 || h->ext_len > 0xffffu * 4 ||
				  (h->ext_len && !h->ext_data))))
		return -EINVAL;
	mix_wr_init(&w, buf, cap);
	mix_wr_u8(&w, (uint8_t)(2u << 6 | (h->pad ? 0x20 : 0) |
				(n_ext || h->ext ? 0x10 : 0) | h->cc));
	mix_wr_u8(&w, (uint8_t)((h->marker ? 0x80 : 0) | h->pt));
	mix_wr_u16(&w, h->seq);
	mix_wr_u32(&w, h->ts);
	mix_wr_u32(&w, h->ssrc);
	for (i = 0; i < h->cc; i++)
		mix_wr_u32(&w, h->csrc[i]);
	if (n_ext) {
		bool one = ext_one_byte_ok(ext, n_ext);
		size_t start, body;

		mix_wr_u16(&w, one ? MIX_RTP_EXT_ONE_BYTE : MIX_RTP_EXT_TWO_BYTE);
		mix_wr_u16(&w, 0);
		start = w.len;
		for (i = 0; i < n_ext; i++) {
			if (ext[i].id == 0 || (ext[i].len && !ext[i].data))
				return -EINVAL;
			if (one) {
				mix_wr_u8(&w, (uint8_t)(ext[i].id << 4 | (ext[i].len - 1)));
			} else {
				mix_wr_u8(&w, ext[i].id);
				mix_wr_u8(&w, ext[i].len);
			}
			mix_wr_bytes(&w, ext[i].data, ext[i].len);
		}
		body = w.len - start;
		mix_wr_zero(&w, (4 - body % 4) % 4);
		if (!w.err && (w.len - start) / 4 > 0xffff)
			return -EINVAL;
		mix_wr_patch16(&w, start - 2, (uint16_t)((w.len - start) / 4));
	} else if (h->ext) {
		mix_wr_u16(&w, h->ext_profile);
		mix_wr_u16(&w, (uint16_t)(h->ext_len / 4));
		mix_wr_bytes(&w, h->ext_data, h->ext_len);
	}
	mix_wr_bytes(&w, h->payload, h->payload_len);
	if (h->pad) {
		mix_wr_zero(&w, h->pad - 1u);
		mix_wr_u8(&w, h->pad);
	}
	if (w.err)
		return w.err;
	*len = w.len;
	return 0;
}

/*
 * Walks the RFC 8285 elements of h's extension block. With want != 0 it
 * stops at element want (returning 0 with *out set, or -ENOENT); else it
 * stores every element in ext[0..max).
 */
static int ext_scan(const struct mix_rtp *h, struct mix_rtp_ext *ext, size_t max, size_t *n,
		    uint8_t want, struct mix_rtp_ext *out)
{
	struct mix_rd r;
	bool one;

	*n = 0;
	if (!h->ext)
		return want ? -ENOENT : 0;
	if (h->ext_profile == MIX_RTP_EXT_ONE_BYTE)
		one = true;
	else if ((h->ext_profile & 0xfff0) == MIX_RTP_EXT_TWO_BYTE)
		one = false;
	else
		return -ENOTSUP;
	mix_rd_init(&r, h->ext_data, h->ext_len);
	while (mix_rd_left(&r)) {
		struct mix_rtp_ext e;

		if (one) {
			uint8_t b = mix_rd_u8(&r);

			if (b == 0)
				continue; /* padding */
			e.id = b >> 4;
			if (e.id == 0)
				return -EBADMSG; /* 0 is padding: only a zero byte */
			if (e.id == 15)
				break; /* reserved: stop processing (RFC 8285 4.2) */
			e.len = (uint8_t)((b & 0x0f) + 1);
		} else {
			e.id = mix_rd_u8(&r);
			if (e.id == 0)
				continue; /* padding */
			e.len = mix_rd_u8(&r);
		}
		e.data = mix_rd_take(&r, e.len);
		if (r.err)
			return -EBADMSG;
		if (want) {
			if (e.id == want) {
				*out = e;
				return 0;
			}
			continue;
		}
		if (*n >= max)
			return -EMSGSIZE;
		ext[(*n)++] = e;
	}
	if (r.err)
		return -EBADMSG;
	return want ? -ENOENT : 0;
}

int mix_rtp_ext_parse(const struct mix_rtp *h, struct mix_rtp_ext *ext, size_t max, size_t *n)
{
	return ext_scan(h, ext, max, n, 0, NULL);
}

int mix_rtp_ext_find(const struct mix_rtp *h, uint8_t id, struct mix_rtp_ext *out)
{
	size_t n;

	if (id == 0)
		return -EINVAL;
	return ext_scan(h, NULL, 0, &n, id, out);
}

int mix_rtp_level_decode(const struct mix_rtp_ext *e, bool *vad, uint8_t *level)
{
	/* RFC 6464 3: one byte of data (the one-byte form's len field is 0). */
	if (e->len != 1 || !e->data)
		return -EBADMSG;
	*vad = e->data[0] >> 7;
	*level = e->data[0] & 0x7f;
	return 0;
}

int mix_rtp_level_get(const struct mix_rtp *h, uint8_t id, bool *vad, uint8_t *level)
{
	struct mix_rtp_ext e;
	int err = mix_rtp_ext_find(h, id, &e);

	if (err == -ENOTSUP)
		return -ENOENT;
	if (err)
		return err;
	return mix_rtp_level_decode(&e, vad, level);
}

void mix_rtp_level_ext(struct mix_rtp_ext *e, uint8_t *b, uint8_t id, bool vad, uint8_t level)
{
	*b = (uint8_t)((vad ? 0x80 : 0) | (level > 127 ? 127 : level));
	e->id = id;
	e->len = 1;
	e->data = b;
}

uint8_t mix_level_of(const int16_t *pcm, size_t n)
{
	double sum = 0, db;
	size_t i;

	for (i = 0; i < n; i++)
		sum += (double)pcm[i] * pcm[i];
	if (n == 0 || sum <= 0)
		return MIX_LEVEL_SILENT;
	/* 0 dBov: a full-scale square wave, RMS 32767. */
	db = 10.0 * log10(sum / (double)n / (32767.0 * 32767.0));
	if (db >= 0)
		return 0;
	if (db <= -127)
		return MIX_LEVEL_SILENT;
	return (uint8_t)lrint(-db);
}
