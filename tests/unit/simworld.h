/*
 * simworld.h - a world of RELOAD nodes on the simulated network, for the
 * unit tests of the overlay and of what runs on it (storage, usages):
 * signed or unsigned nodes, each with a self-signed certificate naming
 * user<i>@sim, optionally with a store on each.
 */
#ifndef CHORUS_SIMWORLD_H
#define CHORUS_SIMWORLD_H

#include <stdbool.h>
#include <stdint.h>

#include "relo/node.h"
#include "relo/sim.h"
#include "relo/store.h"

#define MAX_NODES 64

struct member {
	struct relo_sim_host *h;
	struct relo_node *n;
	struct relo_store *store;   /* with world.stores */
	struct relo_ident *ident;
	struct relo_nodeid id;
	char user[32];              /* user<i>@sim */
	bool alive;
};

struct world {
	struct relo_sim *sim;
	struct relo_config *cfg;
	struct relo_trust *trust;
	struct member m[MAX_NODES];
	size_t n;
	bool sign;
	bool stores;                /* give every node a store */
	bool verbose;               /* TEST_VERBOSE set: logs to stderr */
};

/* A world with a fresh configuration (kinds may be added before nodes). */
int world_init(struct world *w, uint64_t seed, bool sign);
void world_free(struct world *w);
/* Makes a node at a random place (seed: it may start the overlay alone). */
int world_make(struct world *w, bool seed);
/* Adds a node at a random place; it joins through the first node. */
int world_add(struct world *w);
/* Every live node joined, with its true successor and predecessor. */
bool ring_ok(void *arg);
/* Adds count nodes, one every 1.5 s, and waits for the ring. */
int build_ring(struct world *w, size_t count);
/* Kill -9 of node i. */
void crash(struct world *w, size_t i);
/* The storage_time clock of the world: its virtual time. */
uint64_t world_wall_ms(void *arg);

#endif
