/*
 * ring.c - arithmetic on the CHORD-RELOAD ring (relo/ring.h)
 */
#include <string.h>

#include <openssl/sha.h>

#include "relo/ring.h"

int relo_id_cmp(const struct relo_nodeid *a, const struct relo_nodeid *b)
{
	return memcmp(a->id, b->id, a->len < b->len ? a->len : b->len);
}

bool relo_id_in_half_open(const struct relo_nodeid *x, const struct relo_nodeid *a,
			  const struct relo_nodeid *b)
{
	int ab = relo_id_cmp(a, b), ax = relo_id_cmp(a, x), xb = relo_id_cmp(x, b);

	if (ab < 0)
		return ax < 0 && xb <= 0;
	if (ab > 0)
		return ax < 0 || xb <= 0; /* the interval wraps past zero */
	return true;
}

bool relo_id_in_open(const struct relo_nodeid *x, const struct relo_nodeid *a,
		     const struct relo_nodeid *b)
{
	return relo_id_in_half_open(x, a, b) && relo_id_cmp(x, b) != 0;
}

void relo_id_add_pow2(struct relo_nodeid *out, const struct relo_nodeid *a, unsigned bit)
{
	int i = a->len - 1 - (int)(bit / 8);
	unsigned carry = 1u << (bit % 8);

	*out = *a;
	for (; i >= 0 && carry; i--) {
		unsigned v = out->id[i] + carry;
		out->id[i] = (uint8_t)v;
		carry = v >> 8;
	}
}

void relo_id_add_u32(struct relo_nodeid *out, const struct relo_nodeid *a, uint32_t v)
{
	uint64_t carry = v;
	int i;

	*out = *a;
	for (i = a->len - 1; i >= 0 && carry; i--) {
		carry += out->id[i];
		out->id[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

void relo_id_distance(struct relo_nodeid *out, const struct relo_nodeid *a,
		      const struct relo_nodeid *b)
{
	int borrow = 0, i;

	*out = *b;
	for (i = b->len - 1; i >= 0; i--) {
		int v = (int)b->id[i] - (int)a->id[i] - borrow;
		borrow = v < 0;
		out->id[i] = (uint8_t)(v + (borrow ? 256 : 0));
	}
}

uint32_t relo_id_fraction_ppb(const struct relo_nodeid *a, const struct relo_nodeid *b)
{
	struct relo_nodeid d;
	uint64_t top = 0;
	int i;

	if (relo_id_cmp(a, b) == 0)
		return 1000000000u;
	relo_id_distance(&d, a, b);
	/* The top 64 bits are precise enough for parts per billion. */
	for (i = 0; i < 8 && i < d.len; i++)
		top = top << 8 | d.id[i];
	return (uint32_t)((double)top / 18446744073709551616.0 * 1e9);
}

double relo_id_position(const struct relo_nodeid *a)
{
	uint64_t top = 0;
	int i;

	for (i = 0; i < 8 && i < a->len; i++)
		top = top << 8 | a->id[i];
	return (double)top / 18446744073709551616.0;
}

void relo_id_from_resource(struct relo_nodeid *out, struct relo_bytes res, uint8_t len)
{
	memset(out, 0, sizeof(*out));
	out->len = len > RELO_NODEID_MAX ? RELO_NODEID_MAX : len;
	memcpy(out->id, res.p, res.len < out->len ? res.len : out->len);
}

void relo_resource_id(const void *name, size_t len, uint8_t out[RELO_CHORD_RESID_LEN])
{
	uint8_t md[SHA_DIGEST_LENGTH];

	SHA1(name, len, md);
	memcpy(out, md, RELO_CHORD_RESID_LEN);
}

int relo_id_parse(const char *hex, uint8_t len, struct relo_nodeid *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (len < RELO_NODEID_MIN || len > RELO_NODEID_MAX || strlen(hex) != 2u * len)
		return -EINVAL;
	for (i = 0; i < 2u * len; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (v < 0)
			return -EINVAL;
		out->id[i / 2] = (uint8_t)(out->id[i / 2] << 4 | v);
	}
	out->len = len;
	return 0;
}
