/*
 * relo/wire.h - bounds-checked cursor reader and writer for RELOAD (RFC 6940)
 *
 * Every encoder and decoder in librelo goes through these two cursors.
 * Both carry a sticky error: after the first failure every further read
 * returns zero and every further write is ignored, so a decoder can read
 * a block of fields and check the error once.
 *
 * Errors (negative errno):
 *   -EBADMSG   input too short, or a length field points past its container
 *   -EMSGSIZE  a length exceeds the configured maximum for that field
 *   -ENOMEM    the writer could not grow its buffer
 *   -ENOSPC    the writer's fixed buffer is full
 */
#ifndef RELO_WIRE_H
#define RELO_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define RELO_API __attribute__((visibility("default")))
#else
#define RELO_API
#endif

/** A view of bytes owned by someone else (usually the decoded buffer). */
struct relo_bytes {
	const uint8_t *p;
	size_t len;
};

static inline struct relo_bytes relo_bytes_of(const void *p, size_t len)
{
	struct relo_bytes b = { (const uint8_t *)p, len };
	return b;
}

static inline struct relo_bytes relo_bytes_str(const char *s)
{
	return relo_bytes_of(s, s ? strlen(s) : 0);
}

static inline bool relo_bytes_eq(struct relo_bytes a, struct relo_bytes b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */
/* ------------------------------------------------------------------ */

struct relo_rd {
	const uint8_t *p;   /* next byte */
	const uint8_t *end; /* one past the last readable byte */
	int err;            /* 0, or the first error seen */
};

static inline void relo_rd_init(struct relo_rd *r, const void *buf, size_t len)
{
	static const uint8_t nothing[1];

	/* No arithmetic on a null pointer, even adding zero (it is undefined). */
	r->p = buf ? (const uint8_t *)buf : nothing;
	r->end = r->p + (buf ? len : 0);
	r->err = 0;
}

static inline size_t relo_rd_left(const struct relo_rd *r)
{
	return r->err ? 0 : (size_t)(r->end - r->p);
}

/** Record an error (the first one sticks). Returns the sticky error. */
static inline int relo_rd_fail(struct relo_rd *r, int err)
{
	if (!r->err)
		r->err = err;
	return r->err;
}

/* Returns a pointer to n readable bytes and advances, or NULL. */
static inline const uint8_t *relo_rd_take(struct relo_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->err || (size_t)(r->end - r->p) < n) {
		relo_rd_fail(r, -EBADMSG);
		return NULL;
	}
	p = r->p;
	r->p += n;
	return p;
}

static inline uint8_t relo_rd_u8(struct relo_rd *r)
{
	const uint8_t *p = relo_rd_take(r, 1);
	return p ? p[0] : 0;
}

static inline uint16_t relo_rd_u16(struct relo_rd *r)
{
	const uint8_t *p = relo_rd_take(r, 2);
	return p ? (uint16_t)((unsigned)p[0] << 8 | p[1]) : 0;
}

static inline uint32_t relo_rd_u24(struct relo_rd *r)
{
	const uint8_t *p = relo_rd_take(r, 3);
	return p ? (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2] : 0;
}

static inline uint32_t relo_rd_u32(struct relo_rd *r)
{
	const uint8_t *p = relo_rd_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
			   (uint32_t)p[2] << 8 | p[3]
		 : 0;
}

static inline uint64_t relo_rd_u64(struct relo_rd *r)
{
	uint64_t hi = relo_rd_u32(r);
	return hi << 32 | relo_rd_u32(r);
}

/** Reads a Boolean (RFC 6940: one byte, 0 or 1; anything else is malformed). */
static inline bool relo_rd_bool(struct relo_rd *r)
{
	uint8_t v = relo_rd_u8(r);
	if (v > 1)
		relo_rd_fail(r, -EBADMSG);
	return v == 1;
}

/** Reads n fixed bytes as a view. */
static inline struct relo_bytes relo_rd_fixed(struct relo_rd *r, size_t n)
{
	const uint8_t *p = relo_rd_take(r, n);
	return relo_bytes_of(p, p ? n : 0);
}

/**
 * Reads a length of lenbytes (1, 2, 3 or 4) bytes. The length must fit in
 * what is left (-EBADMSG) and must not exceed max (-EMSGSIZE).
 */
RELO_API size_t relo_rd_len(struct relo_rd *r, unsigned lenbytes, size_t max);

/** Reads an opaque vector opaque<0..2^(8*lenbytes)-1> of at most max bytes. */
static inline struct relo_bytes relo_rd_vec(struct relo_rd *r, unsigned lenbytes,
					    size_t max)
{
	size_t n = relo_rd_len(r, lenbytes, max);
	return relo_rd_fixed(r, n);
}

/**
 * Opens a sub-reader over the next length-prefixed vector (for vectors of
 * structures). The parent advances past the whole vector at once; finish
 * the sub-reader with relo_rd_close().
 */
static inline void relo_rd_open(struct relo_rd *r, unsigned lenbytes, size_t max,
				struct relo_rd *sub)
{
	struct relo_bytes b = relo_rd_vec(r, lenbytes, max);
	relo_rd_init(sub, b.p, b.len);
	sub->err = r->err;
}

/** Opens a sub-reader over the next n bytes (a length given elsewhere). */
static inline void relo_rd_open_n(struct relo_rd *r, size_t n, struct relo_rd *sub)
{
	struct relo_bytes b = relo_rd_fixed(r, n);
	relo_rd_init(sub, b.p, b.len);
	sub->err = r->err;
}

/**
 * Closes a sub-reader: it must be fully consumed (-EBADMSG otherwise), and
 * its error, if any, becomes the parent's. Returns the parent's error.
 */
static inline int relo_rd_close(struct relo_rd *r, struct relo_rd *sub)
{
	if (!sub->err && sub->p != sub->end)
		sub->err = -EBADMSG;
	if (sub->err)
		relo_rd_fail(r, sub->err);
	return r->err;
}

/** True while a sub-reader has bytes left and no error. */
static inline bool relo_rd_more(const struct relo_rd *r)
{
	return !r->err && r->p < r->end;
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */
/* ------------------------------------------------------------------ */

struct relo_wr {
	uint8_t *buf;
	size_t len;  /* bytes written */
	size_t cap;  /* bytes allocated */
	size_t max;  /* never grow beyond this */
	bool dyn;    /* buf is ours to realloc and free */
	int err;
};

/** A writer over a caller's fixed buffer (never grows; -ENOSPC when full). */
RELO_API void relo_wr_init(struct relo_wr *w, void *buf, size_t cap);
/** A growing writer owning its buffer, limited to max bytes (0: 16 MiB). */
RELO_API void relo_wr_init_dyn(struct relo_wr *w, size_t max);
/** Frees a growing writer's buffer. */
RELO_API void relo_wr_free(struct relo_wr *w);
/** Hands over a growing writer's buffer (caller frees); NULL on error. */
RELO_API uint8_t *relo_wr_steal(struct relo_wr *w, size_t *len);
/** Forgets what was written, keeps the buffer. */
static inline void relo_wr_reset(struct relo_wr *w)
{
	w->len = 0;
	w->err = 0;
}

static inline int relo_wr_fail(struct relo_wr *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

RELO_API uint8_t *relo_wr_grow(struct relo_wr *w, size_t n);

/* Reserves n bytes to write; NULL on error (sticky). */
static inline uint8_t *relo_wr_space(struct relo_wr *w, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	if (w->cap - w->len < n)
		return relo_wr_grow(w, n);
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static inline void relo_wr_u8(struct relo_wr *w, uint8_t v)
{
	uint8_t *p = relo_wr_space(w, 1);
	if (p)
		p[0] = v;
}

static inline void relo_wr_u16(struct relo_wr *w, uint16_t v)
{
	uint8_t *p = relo_wr_space(w, 2);
	if (p) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

static inline void relo_wr_u24(struct relo_wr *w, uint32_t v)
{
	uint8_t *p;

	if (v > 0xffffff) {
		relo_wr_fail(w, -EMSGSIZE);
		return;
	}
	p = relo_wr_space(w, 3);
	if (p) {
		p[0] = (uint8_t)(v >> 16);
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)v;
	}
}

static inline void relo_wr_u32(struct relo_wr *w, uint32_t v)
{
	uint8_t *p = relo_wr_space(w, 4);
	if (p) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}

static inline void relo_wr_u64(struct relo_wr *w, uint64_t v)
{
	relo_wr_u32(w, (uint32_t)(v >> 32));
	relo_wr_u32(w, (uint32_t)v);
}

static inline void relo_wr_bool(struct relo_wr *w, bool v)
{
	relo_wr_u8(w, v ? 1 : 0);
}

static inline void relo_wr_bytes(struct relo_wr *w, const void *src, size_t n)
{
	uint8_t *p = relo_wr_space(w, n);
	if (p && n)
		memcpy(p, src, n);
}

/** Writes an opaque vector: a lenbytes-byte length then the bytes. */
RELO_API void relo_wr_vec(struct relo_wr *w, unsigned lenbytes, size_t max,
			  struct relo_bytes b);

/**
 * Opens a length-prefixed vector of structures: reserves lenbytes for the
 * length and returns a mark for relo_wr_close(), which fills it in.
 */
static inline size_t relo_wr_open(struct relo_wr *w, unsigned lenbytes)
{
	size_t mark = w->len;
	relo_wr_space(w, lenbytes);
	return mark;
}

/** Closes a vector opened at mark; -EMSGSIZE if longer than max. */
RELO_API void relo_wr_close(struct relo_wr *w, size_t mark, unsigned lenbytes,
			    size_t max);

/** Writes an unsigned value of lenbytes (1..4) bytes at position pos. */
RELO_API void relo_wr_patch(struct relo_wr *w, size_t pos, unsigned lenbytes,
			    uint32_t v);

#endif
