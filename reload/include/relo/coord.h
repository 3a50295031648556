/*
 * relo/coord.h - proximity coordinates from round-trip times to the
 * overlay's landmark peers (the configuration's <chorus:landmark>s)
 *
 * A node measures its RTT to each landmark; the vector of RTTs is its
 * coordinate, and the Euclidean distance between two vectors estimates how
 * far apart two nodes are (landmark vectors, as in GNP without the fitted
 * space). Landmark binning (Ratnasamy et al., "Topologically-aware overlay
 * construction", 2002) gives a coarse name for a node's place: the
 * landmarks ordered nearest first, and the level of each RTT (under 20 ms,
 * under 100 ms, more); nodes with the same bin are close. The bin's first
 * landmark and its level make a one-byte prefix for landmark-prefixed
 * Node-IDs, so that ID closeness follows network closeness.
 */
#ifndef RELO_COORD_H
#define RELO_COORD_H

#include <stddef.h>
#include <stdint.h>

#include "relo/wire.h"

#define RELO_COORD_LANDMARKS 16
#define RELO_COORD_UNKNOWN 0xffff /* landmark not measured or not reachable */

struct relo_coord {
	uint8_t n;                                  /* landmarks, in configuration order */
	uint16_t rtt_ms[RELO_COORD_LANDMARKS];
};

/** Wire form (the opaque coordinate of DisCo values): version 1, n, n ×
 * uint16 RTT in ms. Returns its length, or -ENOSPC. */
RELO_API int relo_coord_encode(const struct relo_coord *c, uint8_t *out, size_t max);
/** -EBADMSG unless exactly a version-1 coordinate. */
RELO_API int relo_coord_decode(struct relo_bytes in, struct relo_coord *out);
/** Distance in ms over the landmarks both measured; -1 if none. */
RELO_API double relo_coord_distance(const struct relo_coord *a, const struct relo_coord *b);
/** The landmark bin, e.g. "2.0.1:0.1.2" (order : levels); "" if nothing measured. */
RELO_API void relo_coord_bin(const struct relo_coord *c, char *out, size_t size);
/** The Node-ID prefix byte: nearest landmark (high nibble), its level (low). */
RELO_API int relo_coord_prefix(const struct relo_coord *c, uint8_t *prefix);

#endif
