/*
 * relo/ring.h - arithmetic on the CHORD-RELOAD ring (RFC 6940 section 10)
 *
 * Node-IDs and Resource-IDs are unsigned big-endian numbers modulo
 * 2^(8 * node_id_len). A Resource-ID (128 bits for CHORD-RELOAD) is placed
 * on a ring of longer Node-IDs by its high-order bytes.
 */
#ifndef RELO_RING_H
#define RELO_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "relo/msg.h"

#define RELO_CHORD_RESID_LEN 16 /* SHA-1 truncated to 128 bits (10.2) */

/** Compares a and b (of the same length) as numbers: <0, 0 or >0. */
RELO_API int relo_id_cmp(const struct relo_nodeid *a, const struct relo_nodeid *b);
/** True if x lies in (a, b] going clockwise; a == b is the whole ring. */
RELO_API bool relo_id_in_half_open(const struct relo_nodeid *x, const struct relo_nodeid *a,
				   const struct relo_nodeid *b);
/** True if x lies in (a, b) going clockwise; a == b: everything but a. */
RELO_API bool relo_id_in_open(const struct relo_nodeid *x, const struct relo_nodeid *a,
			      const struct relo_nodeid *b);
/** out = a + 2^bit (mod the ring); bit < 8 * len. */
RELO_API void relo_id_add_pow2(struct relo_nodeid *out, const struct relo_nodeid *a, unsigned bit);
/** out = a + v (mod the ring). */
RELO_API void relo_id_add_u32(struct relo_nodeid *out, const struct relo_nodeid *a, uint32_t v);
/** out = b - a (mod the ring): the clockwise distance from a to b. */
RELO_API void relo_id_distance(struct relo_nodeid *out, const struct relo_nodeid *a,
			       const struct relo_nodeid *b);
/** The clockwise distance from a to b as a fraction of the ring, in parts
 * per billion (ProbeInformation responsible_ppb). a == b: the whole ring. */
RELO_API uint32_t relo_id_fraction_ppb(const struct relo_nodeid *a, const struct relo_nodeid *b);
/** The position of a on the ring as a fraction in [0, 1) (for pictures). */
RELO_API double relo_id_position(const struct relo_nodeid *a);
/** A Resource-ID as a ring position of len bytes (high-order aligned). */
RELO_API void relo_id_from_resource(struct relo_nodeid *out, struct relo_bytes res, uint8_t len);
/** CHORD-RELOAD's Resource-ID of a name: SHA-1, first 128 bits. */
RELO_API void relo_resource_id(const void *name, size_t len, uint8_t out[RELO_CHORD_RESID_LEN]);
/** Parses hex into a Node-ID of len bytes; -EINVAL unless exactly 2*len digits. */
RELO_API int relo_id_parse(const char *hex, uint8_t len, struct relo_nodeid *out);

#endif
