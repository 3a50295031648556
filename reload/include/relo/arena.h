/*
 * relo/arena.h - bump allocator for decoded messages
 *
 * A decoder puts every list it builds (Via entries, candidates, stored
 * values...) into one arena; freeing or resetting the arena frees the whole
 * decoded message at once. Byte fields are not copied: they stay views into
 * the buffer that was decoded, which must outlive the decoded structures.
 *
 * An arena has a byte budget. Every list item a decoder builds consumes at
 * least one input byte, so what it allocates is bounded by its input times
 * the largest item (a compressed Destination: 2 bytes in, 40 out) times
 * the slack of growing arrays by doubling: well under 100 times the input
 * in the worst case. The budget turns a runaway into -ENOMEM; tests use a
 * tiny budget to exercise every allocation failure path.
 */
#ifndef RELO_ARENA_H
#define RELO_ARENA_H

#include <stddef.h>

#include "relo/wire.h"

struct relo_arena;

/**
 * Creates an arena. chunk: size of each block taken from malloc (0: 4 KiB);
 * budget: most bytes it will hand out before failing (0: 64 MiB).
 * Returns 0 or -ENOMEM.
 */
RELO_API int relo_arena_alloc(struct relo_arena **ap, size_t chunk, size_t budget);
RELO_API void relo_arena_free(struct relo_arena *a);
/** Forgets every allocation but keeps the first block for reuse. */
RELO_API void relo_arena_reset(struct relo_arena *a);
/** Zeroed, 8-byte aligned memory, or NULL when out of memory or budget. */
RELO_API void *relo_arena_get(struct relo_arena *a, size_t size);
/**
 * Grows an array of elsize-byte elements from n to n + 1 elements,
 * doubling its capacity *cap when full (in place when it is the arena's
 * last allocation). Returns the (possibly moved) array or NULL.
 */
RELO_API void *relo_arena_push(struct relo_arena *a, void *arr, size_t *n, size_t *cap,
			       size_t elsize);
/** Bytes handed out so far. */
RELO_API size_t relo_arena_used(const struct relo_arena *a);

#endif
