/*
 * arena.c - bump allocator for decoded messages (relo/arena.h)
 */
#include <stdlib.h>
#include <string.h>

#include "relo/arena.h"

#define ALIGN 8u
#define DEFAULT_CHUNK 4096u
#define DEFAULT_BUDGET (64u << 20)

struct block {
	struct block *next;
	size_t size;  /* usable bytes in data[] */
	size_t used;
	_Alignas(8) unsigned char data[];
};

struct relo_arena {
	struct block *head;  /* current block; older ones follow */
	struct block *first; /* the first chunk, kept by a reset */
	size_t chunk;
	size_t budget;
	size_t handed;       /* bytes handed out */
	void *last;          /* the latest allocation, for growing in place */
	size_t last_size;
};

static size_t round_up(size_t n)
{
	return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

int relo_arena_alloc(struct relo_arena **ap, size_t chunk, size_t budget)
{
	struct relo_arena *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->chunk = chunk ? round_up(chunk) : DEFAULT_CHUNK;
	a->budget = budget ? budget : DEFAULT_BUDGET;
	*ap = a;
	return 0;
}

static void free_blocks(struct block *b)
{
	while (b) {
		struct block *next = b->next;
		free(b);
		b = next;
	}
}

void relo_arena_free(struct relo_arena *a)
{
	if (!a)
		return;
	free_blocks(a->head);
	free(a);
}

void relo_arena_reset(struct relo_arena *a)
{
	struct block *b, *next;

	if (!a || !a->head)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		if (b != a->first)
			free(b);
	}
	a->head = a->first;
	if (a->first) {
		a->first->next = NULL;
		a->first->used = 0;
	}
	a->handed = 0;
	a->last = NULL;
	a->last_size = 0;
}

size_t relo_arena_used(const struct relo_arena *a)
{
	return a ? a->handed : 0;
}

void *relo_arena_get(struct relo_arena *a, size_t size)
{
	struct block *b;
	void *p;

	size = round_up(size ? size : 1);
	if (size > a->budget - a->handed)
		return NULL;
	b = a->head;
	if (!b || b->size - b->used < size) {
		size_t bs = size > a->chunk ? size : a->chunk;
		b = malloc(sizeof(*b) + bs);
		if (!b)
			return NULL;
		b->size = bs;
		b->used = 0;
		if (!a->first && bs == a->chunk)
			a->first = b;
		/* Keep the block with more room in front. */
		if (a->head && a->head->size - a->head->used > bs - size) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += size;
	a->handed += size;
	a->last = p;
	a->last_size = size;
	memset(p, 0, size);
	return p;
}

void *relo_arena_push(struct relo_arena *a, void *arr, size_t *n, size_t *cap, size_t elsize)
{
	size_t want;
	unsigned char *p;

	if (arr && *n < *cap) {
		p = arr;
		memset(p + *n * elsize, 0, elsize);
		(*n)++;
		return arr;
	}
	want = *cap ? *cap * 2 : 4;
	if (want > (SIZE_MAX / 2) / elsize)
		return NULL;
	/* Grow in place when arr is the latest allocation of the head block. */
	if (arr && arr == a->last && a->head) {
		struct block *b = a->head;
		size_t extra = round_up(want * elsize) - a->last_size;
		unsigned char *end = (unsigned char *)arr + a->last_size;

		if (end == b->data + b->used && b->size - b->used >= extra &&
		    extra <= a->budget - a->handed) {
			b->used += extra;
			a->handed += extra;
			a->last_size += extra;
			*cap = want;
			memset((unsigned char *)arr + *n * elsize, 0, elsize);
			(*n)++;
			return arr;
		}
	}
	p = relo_arena_get(a, want * elsize);
	if (!p)
		return NULL;
	if (arr && *n)
		memcpy(p, arr, *n * elsize);
	*cap = want;
	(*n)++;
	return p;
}
