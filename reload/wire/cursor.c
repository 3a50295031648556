/*
 * cursor.c - out-of-line parts of the reader and writer (relo/wire.h)
 */
#include <stdlib.h>

#include "relo/wire.h"

#define WR_DEFAULT_MAX (16u << 20)

size_t relo_rd_len(struct relo_rd *r, unsigned lenbytes, size_t max)
{
	size_t n;

	switch (lenbytes) {
	case 1: n = relo_rd_u8(r); break;
	case 2: n = relo_rd_u16(r); break;
	case 3: n = relo_rd_u24(r); break;
	case 4: n = relo_rd_u32(r); break;
	default:
		relo_rd_fail(r, -EINVAL);
		return 0;
	}
	if (r->err)
		return 0;
	if (n > max) {
		relo_rd_fail(r, -EMSGSIZE);
		return 0;
	}
	if (n > (size_t)(r->end - r->p)) {
		relo_rd_fail(r, -EBADMSG);
		return 0;
	}
	return n;
}

void relo_wr_init(struct relo_wr *w, void *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = buf ? cap : 0;
	w->max = w->cap;
	w->dyn = false;
	w->err = 0;
}

void relo_wr_init_dyn(struct relo_wr *w, size_t max)
{
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	w->max = max ? max : WR_DEFAULT_MAX;
	w->dyn = true;
	w->err = 0;
}

void relo_wr_free(struct relo_wr *w)
{
	if (w->dyn)
		free(w->buf);
	w->buf = NULL;
	w->len = w->cap = 0;
}

uint8_t *relo_wr_steal(struct relo_wr *w, size_t *len)
{
	uint8_t *p;

	if (w->err || !w->dyn) {
		relo_wr_free(w);
		return NULL;
	}
	p = w->buf;
	if (!p)
		p = malloc(1);
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return p;
}

uint8_t *relo_wr_grow(struct relo_wr *w, size_t n)
{
	size_t need, cap;
	uint8_t *p;

	if (w->err)
		return NULL;
	if (n > w->max - w->len) {
		relo_wr_fail(w, w->dyn ? -EMSGSIZE : -ENOSPC);
		return NULL;
	}
	need = w->len + n;
	if (need > w->cap) {
		if (!w->dyn) {
			relo_wr_fail(w, -ENOSPC);
			return NULL;
		}
		cap = w->cap ? w->cap : 256;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		if (cap > w->max)
			cap = w->max;
		p = realloc(w->buf, cap);
		if (!p) {
			relo_wr_fail(w, -ENOMEM);
			return NULL;
		}
		w->buf = p;
		w->cap = cap;
	}
	p = w->buf + w->len;
	w->len += n;
	return p;
}

static size_t len_limit(unsigned lenbytes)
{
	return lenbytes >= 4 ? 0xffffffffu : ((size_t)1 << (8 * lenbytes)) - 1;
}

void relo_wr_patch(struct relo_wr *w, size_t pos, unsigned lenbytes, uint32_t v)
{
	unsigned i;

	if (w->err)
		return;
	if (lenbytes < 1 || lenbytes > 4 || pos + lenbytes > w->len) {
		relo_wr_fail(w, -EINVAL);
		return;
	}
	for (i = 0; i < lenbytes; i++)
		w->buf[pos + i] = (uint8_t)(v >> (8 * (lenbytes - 1 - i)));
}

void relo_wr_vec(struct relo_wr *w, unsigned lenbytes, size_t max, struct relo_bytes b)
{
	if (b.len > max || b.len > len_limit(lenbytes)) {
		relo_wr_fail(w, -EMSGSIZE);
		return;
	}
	if (lenbytes < 1 || lenbytes > 4) {
		relo_wr_fail(w, -EINVAL);
		return;
	}
	relo_wr_patch(w, relo_wr_open(w, lenbytes), lenbytes, (uint32_t)b.len);
	relo_wr_bytes(w, b.p, b.len);
}

void relo_wr_close(struct relo_wr *w, size_t mark, unsigned lenbytes, size_t max)
{
	size_t n;

	if (w->err)
		return;
	n = w->len - mark - lenbytes;
	if (n > max || n > len_limit(lenbytes)) {
		relo_wr_fail(w, -EMSGSIZE);
		return;
	}
	relo_wr_patch(w, mark, lenbytes, (uint32_t)n);
}
