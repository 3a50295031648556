/*
 * coord.c - proximity coordinates (see relo/coord.h)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "relo/coord.h"

int relo_coord_encode(const struct relo_coord *c, uint8_t *out, size_t max)
{
	struct relo_wr w;
	unsigned i;

	if (c->n > RELO_COORD_LANDMARKS)
		return -EINVAL;
	relo_wr_init(&w, out, max);
	relo_wr_u8(&w, 1);
	relo_wr_u8(&w, c->n);
	for (i = 0; i < c->n; i++)
		relo_wr_u16(&w, c->rtt_ms[i]);
	return w.err ? -ENOSPC : (int)w.len;
}

int relo_coord_decode(struct relo_bytes in, struct relo_coord *out)
{
	struct relo_rd r;
	unsigned i;

	memset(out, 0, sizeof(*out));
	relo_rd_init(&r, in.p, in.len);
	if (relo_rd_u8(&r) != 1)
		return -EBADMSG;
	out->n = relo_rd_u8(&r);
	if (out->n > RELO_COORD_LANDMARKS)
		return -EBADMSG;
	for (i = 0; i < out->n; i++)
		out->rtt_ms[i] = relo_rd_u16(&r);
	return r.err || relo_rd_left(&r) ? -EBADMSG : 0;
}

double relo_coord_distance(const struct relo_coord *a, const struct relo_coord *b)
{
	double sum = 0;
	unsigned i, k = 0;

	for (i = 0; i < a->n && i < b->n; i++) {
		double d;
		if (a->rtt_ms[i] == RELO_COORD_UNKNOWN || b->rtt_ms[i] == RELO_COORD_UNKNOWN)
			continue;
		d = (double)a->rtt_ms[i] - (double)b->rtt_ms[i];
		sum += d * d;
		k++;
	}
	return k ? sqrt(sum) : -1;
}

static unsigned level(uint16_t rtt)
{
	return rtt < 20 ? 0 : rtt < 100 ? 1 : 2;
}

/* Landmark indexes, nearest first (unmeasured ones left out). */
static unsigned order(const struct relo_coord *c, uint8_t *idx)
{
	unsigned i, j, k = 0;

	for (i = 0; i < c->n && i < RELO_COORD_LANDMARKS; i++) {
		if (c->rtt_ms[i] == RELO_COORD_UNKNOWN)
			continue;
		for (j = k; j > 0 && c->rtt_ms[idx[j - 1]] > c->rtt_ms[i]; j--)
			idx[j] = idx[j - 1];
		idx[j] = (uint8_t)i;
		k++;
	}
	return k;
}

void relo_coord_bin(const struct relo_coord *c, char *out, size_t size)
{
	uint8_t idx[RELO_COORD_LANDMARKS];
	unsigned k = order(c, idx), i;
	size_t o = 0;

	if (size)
		out[0] = 0;
	for (i = 0; i < k && o + 4 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%u", i ? "." : "", idx[i]);
	for (i = 0; i < k && o + 4 < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%u", i ? "." : ":", level(c->rtt_ms[idx[i]]));
}

int relo_coord_prefix(const struct relo_coord *c, uint8_t *prefix)
{
	uint8_t idx[RELO_COORD_LANDMARKS];

	if (!order(c, idx))
		return -ENOENT;
	*prefix = (uint8_t)(idx[0] << 4 | level(c->rtt_ms[idx[0]]));
	return 0;
}
