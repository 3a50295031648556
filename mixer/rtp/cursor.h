/*
 * cursor.h - bounds-checked big-endian reader and writer over a caller's
 * buffer, with a sticky error (the approach of reload/wire, kept private
 * to the mixer: after the first failure every read returns zero and every
 * write is ignored, so a decoder reads a block of fields and checks once).
 */
#ifndef MIX_CURSOR_H
#define MIX_CURSOR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mix_rd {
	const uint8_t *p;
	const uint8_t *end;
	int err;
};

static inline void mix_rd_init(struct mix_rd *r, const void *buf, size_t len)
{
	static const uint8_t nothing[1];

	r->p = buf ? (const uint8_t *)buf : nothing;
	r->end = r->p + (buf ? len : 0);
	r->err = 0;
}

static inline size_t mix_rd_left(const struct mix_rd *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

static inline int mix_rd_fail(struct mix_rd *r, int err)
{
	if (!r->err)
		r->err = err;
	return r->err;
}

static inline const uint8_t *mix_rd_take(struct mix_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || (size_t)(r->end - r->p) < n) {
		mix_rd_fail(r, -EBADMSG);
		return NULL;
	}
	p = r->p;
	r->p += n;
	return p;
}

static inline uint8_t mix_rd_u8(struct mix_rd *r)
{
	const uint8_t *p = mix_rd_take(r, 1);
	return p ? p[0] : 0;
}

static inline uint16_t mix_rd_u16(struct mix_rd *r)
{
	const uint8_t *p = mix_rd_take(r, 2);
	return p ? (uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

static inline uint32_t mix_rd_u24(struct mix_rd *r)
{
	const uint8_t *p = mix_rd_take(r, 3);
	return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

static inline uint32_t mix_rd_u32(struct mix_rd *r)
{
	const uint8_t *p = mix_rd_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		 : 0;
}

static inline uint64_t mix_rd_u64(struct mix_rd *r)
{
	uint64_t hi = mix_rd_u32(r);
	return hi << 32 | mix_rd_u32(r);
}

/** Opens a sub-reader over the next n bytes; the parent skips them. */
static inline void mix_rd_sub(struct mix_rd *r, size_t n, struct mix_rd *sub)
{
	const uint8_t *p = mix_rd_take(r, n);

	mix_rd_init(sub, p, p ? n : 0);
	sub->err = r->err;
}

struct mix_wr {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;
};

static inline void mix_wr_init(struct mix_wr *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = buf ? cap : 0;
	w->err = 0;
}

static inline uint8_t *mix_wr_space(struct mix_wr *w, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (w->cap - w->len < n) {
		w->err = -ENOSPC;
		return NULL;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static inline void mix_wr_u8(struct mix_wr *w, uint8_t v)
{
	uint8_t *p = mix_wr_space(w, 1);
	if (p)
		p[0] = v;
}

static inline void mix_wr_u16(struct mix_wr *w, uint16_t v)
{
	uint8_t *p = mix_wr_space(w, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void mix_wr_u24(struct mix_wr *w, uint32_t v)
{
	uint8_t *p = mix_wr_space(w, 3);
	if (p) {
		p[0] = (uint8_t)(v >> 16);
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)v;
	}
}

static inline void mix_wr_u32(struct mix_wr *w, uint32_t v)
{
	uint8_t *p = mix_wr_space(w, 4);
	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void mix_wr_u64(struct mix_wr *w, uint64_t v)
{
	mix_wr_u32(w, (uint32_t)(v >> 32));
	mix_wr_u32(w, (uint32_t)v);
}

static inline void mix_wr_bytes(struct mix_wr *w, const void *src, size_t n)
{
	uint8_t *p = mix_wr_space(w, n);
	if (p && n)
		memcpy(p, src, n);
}

static inline void mix_wr_zero(struct mix_wr *w, size_t n)
{
	uint8_t *p = mix_wr_space(w, n);
	if (p && n)
		memset(p, 0, n);
}

/** Overwrites a 16-bit value already written at pos. */
static inline void mix_wr_patch16(struct mix_wr *w, size_t pos, uint16_t v)
{
	if (w->err || pos + 2 > w->len)
		return;
	w->buf[pos] = (uint8_t)(v >> 8);
	w->buf[pos + 1] = (uint8_t)v;
}

#endif
