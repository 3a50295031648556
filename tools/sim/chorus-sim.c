/*
 * chorus-sim - many RELOAD nodes in one process on the simulated network:
 * the same routing and CHORD-RELOAD code as chorusd over in-memory links,
 * a virtual clock and a latency model. Builds an overlay, measures lookup
 * hop counts against log2(N)/2, then runs a churn model (exponential or
 * heavy-tailed session times) and measures lookups under churn.
 * With --values N, every node also runs the storage (reload/store, the
 * unsigned simulation mode): N values are stored before the churn, fetched
 * back during and after it, and their copies counted (data survival).
 *
 * Prints progress on stderr, a summary, and a JSON line last.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relo/ring.h"
#include "relo/sim.h"
#include "relo/store.h"

#define VALUE_KIND 0xF0000F01u /* private: single value, 64 bytes at most */
#define VALUE_LEN 32
#define VALUE_LIFETIME 86400   /* s: nothing expires during a run */
#define CHECK_EVERY_MS 60000   /* fetches during churn, every virtual minute */
#define PUT_DEADLINE_MS 60000  /* puts still unanswered then count as failed */
#define ROUND_LIMIT_MS 120000  /* once the churn is over, a round of fetches ends */

struct peer {
	struct relo_sim_host *h;
	struct relo_node *n;
	struct relo_store *store;  /* with --values */
	struct relo_nodeid id;
	bool alive;
	uint64_t dies_at;          /* virtual ms, churn phase */
};

struct run {
	struct relo_sim *sim;
	struct relo_config *cfg;
	struct peer *p;
	size_t n, cap, alive;
	/* options */
	size_t nodes, lookups;
	uint64_t seed;
	bool pareto;
	double session_s, churn_s;
	bool verbose, quiet, check;
	/* lookups */
	uint64_t sent, ok, failed, hop_hist[64];
	/* values (--values) */
	size_t values;
	struct value *vals;
	struct vop *ops;           /* one per value: its put, then its fetches */
	size_t pending;            /* ops under way */
	uint64_t dead_pushes, dead_push_failures; /* of stores freed with their node */
	uint64_t reissued;         /* fetches asked again: the asking node died */
	uint64_t unsent;           /* fetches that could not be sent at first */
};

struct value {
	uint8_t res[16];
	uint8_t bytes[VALUE_LEN];
	bool stored;
};

/* What became of a value's put or fetch. */
enum vstate {
	V_IDLE,
	V_PENDING,
	V_OK,       /* put: stored; fetch: found with the right bytes */
	V_MISSING,  /* fetch answered without the value */
	V_WRONG,    /* fetch answered with other bytes */
	V_REFUSED,  /* an Error answer */
	V_FAILED,   /* no answer: timed out, unroutable, or still out at the deadline */
};

struct vop {
	struct run *r;
	size_t v;                  /* the value */
	size_t asker;              /* the peer that asked */
	enum vstate state;
	bool unsent;               /* pending, but not sent: ask again */
	unsigned tries;
	uint16_t error;            /* V_REFUSED: its code */
};

/* One round of fetches, and how it went. */
struct tally {
	size_t asked, ok, missing, wrong, refused, failed;
};

struct lookup {
	struct run *r;
};

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void log_line(void *arg, const char *line)
{
	struct run *r = arg;
	if (r->verbose)
		fprintf(stderr, "%s\n", line);
}

static double uniform(struct run *r)
{
	return ((double)(relo_sim_random(r->sim) >> 11) + 0.5) / 9007199254740992.0;
}

/* A session time: exponential, or Pareto (shape 1.5) with the same mean. */
static uint64_t session_ms(struct run *r)
{
	double u = uniform(r), mean = r->session_s * 1000.0;

	if (r->pareto) {
		double shape = 1.5, xm = mean * (shape - 1) / shape;
		return (uint64_t)(xm / pow(u, 1.0 / shape));
	}
	return (uint64_t)(-log(u) * mean);
}

/* storage_time's clock: the virtual one (runs repeat exactly). */
static uint64_t sim_wall_ms(void *arg)
{
	struct run *r = arg;

	return 1700000000000ull + relo_sim_now(r->sim);
}

static int add_peer(struct run *r)
{
	struct relo_node_opts o;
	struct relo_ipport boot[3];
	struct peer *pe;
	size_t nb = 0, tries;
	int err;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		struct peer *np = realloc(r->p, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		r->p = np;
		r->cap = cap;
	}
	pe = &r->p[r->n];
	memset(pe, 0, sizeof(*pe));
	err = relo_sim_host_add(r->sim, uniform(r), uniform(r), &pe->h);
	if (err)
		return err;
	pe->id.len = 16;
	for (size_t i = 0; i < 16; i += 8) {
		uint64_t x = relo_sim_random(r->sim);
		memcpy(pe->id.id + i, &x, 8);
	}
	memset(&o, 0, sizeof(o));
	o.cfg = r->cfg;
	o.id = pe->id;
	o.listen = relo_sim_host_addr(pe->h);
	o.ops = relo_sim_ops();
	o.env = relo_sim_host_env(pe->h);
	o.update_interval_ms = 30000;
	o.finger_interval_ms = 60000;
	o.answer_cache = 32; /* lookups are sparse: a small cache per node saves memory at 10,000 */
	o.log_level = r->verbose ? RELO_LOG_DEBUG : RELO_LOG_ERR;
	err = relo_node_alloc(&pe->n, &o);
	if (err)
		return err;
	relo_sim_host_set_node(pe->h, pe->n, &pe->id);
	if (r->values) {
		/* Unsigned: no identity, no trust, no access control. */
		struct relo_store_opts so = { .node = pe->n, .cfg = r->cfg,
					      .wall_ms = sim_wall_ms, .wall_arg = r };
		err = relo_store_alloc(&pe->store, &so);
		if (err) {
			relo_node_free(pe->n);
			return err;
		}
	}
	/* Bootstrap through a few random live peers, as a node's cache would. */
	for (tries = 0; r->alive && nb < 3 && tries < 20; tries++) {
		struct peer *b = &r->p[relo_sim_random(r->sim) % r->n];
		if (b->alive && relo_node_joined(b->n))
			boot[nb++] = relo_sim_host_addr(b->h);
	}
	pe->alive = true;
	r->n++;
	r->alive++;
	return relo_node_start(pe->n, boot, nb);
}

static void kill_peer(struct run *r, struct peer *pe)
{
	relo_sim_host_crash(pe->h);
	if (pe->store) {
		struct relo_store_stats st;
		relo_store_stats(pe->store, &st);
		r->dead_pushes += st.replica_pushes;
		r->dead_push_failures += st.replica_push_failures;
		relo_store_free(pe->store);
		pe->store = NULL;
	}
	relo_node_free(pe->n);
	pe->n = NULL;
	pe->alive = false;
	r->alive--;
}

static int cmp_id(const void *a, const void *b)
{
	return relo_id_cmp(a, b);
}

/* How many live nodes have joined with their true successor. */
static size_t ring_correct(struct run *r, size_t *joined)
{
	struct relo_nodeid *ids = malloc(r->alive * sizeof(*ids)), s;
	size_t k = 0, i, good = 0;

	*joined = 0;
	if (!ids)
		return 0;
	for (i = 0; i < r->n; i++)
		if (r->p[i].alive)
			ids[k++] = r->p[i].id;
	qsort(ids, k, sizeof(*ids), cmp_id);
	for (i = 0; i < r->n; i++) {
		struct peer *pe = &r->p[i];
		struct relo_nodeid *pos;
		if (!pe->alive || !relo_node_joined(pe->n))
			continue;
		(*joined)++;
		pos = bsearch(&pe->id, ids, k, sizeof(*ids), cmp_id);
		if (k == 1 || (pos && relo_node_successors(pe->n, &s, 1) == 1 &&
			       relo_nodeid_eq(&s, &ids[(size_t)(pos - ids + 1) % k])))
			good++;
	}
	free(ids);
	return good;
}

static void lookup_done(void *arg, int err, const struct relo_msg *ans, const struct relo_body *b)
{
	struct run *r = arg;

	if (err == -ECANCELED)
		return; /* the asking node crashed */
	if (!err && b->code == RELO_PING_ANS) {
		/* links crossed: the peers that forwarded it, plus one */
		unsigned hops = r->cfg->initial_ttl - ans->fwd.ttl + 1u;
		r->ok++;
		r->hop_hist[hops < 63 ? hops : 63]++;
	} else {
		r->failed++;
	}
}

/* A lookup: a Ping to a random Resource-ID from a random joined node. */
static void lookup(struct run *r)
{
	struct relo_dest d;
	struct relo_body b;
	uint8_t res[16];
	uint64_t x[2] = { relo_sim_random(r->sim), relo_sim_random(r->sim) };
	size_t tries;

	memcpy(res, x, 16);
	d.type = RELO_DEST_RESOURCE;
	d.u.resource = relo_bytes_of(res, 16);
	memset(&b, 0, sizeof(b));
	b.code = RELO_PING_REQ;
	for (tries = 0; tries < 50; tries++) {
		struct peer *pe = &r->p[relo_sim_random(r->sim) % r->n];
		if (pe->alive && relo_node_joined(pe->n)) {
			if (relo_node_request(pe->n, &d, 1, &b, lookup_done, r) == 0)
				r->sent++;
			return;
		}
	}
}

/* ---- values (--values) ---- */

/* A random live peer that has joined, or NULL (the run's random stream). */
static struct peer *random_joined(struct run *r)
{
	size_t tries;

	for (tries = 0; tries < 100; tries++) {
		struct peer *pe = &r->p[relo_sim_random(r->sim) % r->n];
		if (pe->alive && relo_node_joined(pe->n))
			return pe;
	}
	return NULL;
}

static int add_value_kind(struct relo_config *cfg)
{
	struct relo_kind_def k;

	memset(&k, 0, sizeof(k));
	k.id = VALUE_KIND;
	k.model = RELO_MODEL_SINGLE;
	k.acl = RELO_ACL_USER_MATCH; /* not checked: the stores are unsigned */
	k.max_count = 1;
	k.max_size = 64;
	return relo_config_add_kind(cfg, &k);
}

static void op_end(struct vop *o, enum vstate st, uint16_t error)
{
	if (o->state != V_PENDING)
		return; /* given up on already */
	o->state = st;
	o->error = error;
	o->r->pending--;
}

static void put_done(void *arg, int err, uint16_t error, const struct relo_body *b)
{
	struct vop *o = arg;

	(void)b;
	if (o->state != V_PENDING)
		return;
	if (!err && !error) {
		o->r->vals[o->v].stored = true;
		op_end(o, V_OK, 0);
	} else {
		op_end(o, error ? V_REFUSED : V_FAILED, error);
	}
}

static void fetch_done(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k,
		       size_t n)
{
	struct vop *o = arg;
	const struct value *v = &o->r->vals[o->v];
	size_t i, j;

	if (err) {
		op_end(o, V_FAILED, 0);
		return;
	}
	if (error) {
		op_end(o, V_REFUSED, error);
		return;
	}
	for (i = 0; i < n; i++) {
		if (k[i].kind != VALUE_KIND)
			continue;
		for (j = 0; j < k[i].n_values; j++) {
			const struct relo_data_value *dv = &k[i].values[j].sd.value.v;
			if (!dv->exists)
				continue;
			if (dv->value.len == VALUE_LEN && !memcmp(dv->value.p, v->bytes, VALUE_LEN))
				op_end(o, V_OK, 0);
			else
				op_end(o, V_WRONG, 0);
			return;
		}
	}
	op_end(o, V_MISSING, 0);
}

/*
 * Asks a random joined peer to fetch value o->v. A request that cannot be
 * sent at all (its first hop's link broke: the peer behind it crashed and
 * the asker has not noticed yet) says nothing about the data: it stays
 * pending, marked unsent, and fetch_reissue asks again a second later.
 */
static void fetch_start(struct run *r, struct vop *o)
{
	struct relo_specifier spec = { .kind = VALUE_KIND, .model = RELO_MODEL_SINGLE };
	struct peer *pe = random_joined(r);

	if (o->state != V_PENDING) {
		o->state = V_PENDING;
		o->tries = 0;
		r->pending++;
	}
	o->unsent = false;
	if (!pe || ++o->tries > 5) {
		op_end(o, V_FAILED, 0);
		return;
	}
	o->asker = (size_t)(pe - r->p);
	/* On a synchronous error the callback is not called. */
	if (relo_store_fetch(pe->store, relo_bytes_of(r->vals[o->v].res, 16), &spec, 1,
			     fetch_done, o)) {
		o->unsent = true;
		r->unsent++;
	}
}

static void put_start(struct run *r, struct vop *o)
{
	struct value *v = &r->vals[o->v];
	struct relo_put put = { .kind = VALUE_KIND, .lifetime = VALUE_LIFETIME };
	struct peer *pe = random_joined(r);

	o->state = V_PENDING;
	r->pending++;
	if (!pe) {
		op_end(o, V_FAILED, 0);
		return;
	}
	o->asker = (size_t)(pe - r->p);
	put.value.model = RELO_MODEL_SINGLE;
	put.value.v.exists = true;
	put.value.v.value = relo_bytes_of(v->bytes, VALUE_LEN);
	if (relo_store_put(pe->store, relo_bytes_of(v->res, 16), &put, 1, put_done, o))
		op_end(o, V_FAILED, 0);
}

/*
 * A fetch whose asking peer crashed never hears its answer (the store
 * goes first, its requests end silently): ask again from another peer, as
 * for one that could not be sent. Called after each round of deaths.
 */
static void fetch_reissue(struct run *r)
{
	size_t i;

	if (!r->pending)
		return;
	for (i = 0; i < r->values; i++) {
		struct vop *o = &r->ops[i];
		if (o->state == V_PENDING && (o->unsent || !r->p[o->asker].alive)) {
			if (!o->unsent)
				r->reissued++;
			fetch_start(r, o);
		}
	}
}

static bool nothing_pending(void *arg)
{
	return ((struct run *)arg)->pending == 0;
}

/* Runs (no churn) until every fetch of the round is answered, at most limit_ms. */
static void finish_round(struct run *r, uint64_t limit_ms)
{
	uint64_t end = relo_sim_now(r->sim) + limit_ms;

	while (r->pending && relo_sim_now(r->sim) < end) {
		fetch_reissue(r);
		relo_sim_run_until(r->sim, relo_sim_now(r->sim) + 1000, nothing_pending, r);
	}
}

/* Stores the N values from random peers and waits for every answer. */
static size_t put_values(struct run *r, size_t *failures, uint16_t *last_error)
{
	size_t i, stored = 0;

	for (i = 0; i < r->values; i++) {
		struct value *v = &r->vals[i];
		uint64_t x[2] = { relo_sim_random(r->sim), relo_sim_random(r->sim) };
		uint64_t y = relo_sim_random(r->sim);
		char text[64];

		memcpy(v->res, x, 16);
		snprintf(text, sizeof(text), "value %zu %016llx", i, (unsigned long long)y);
		memcpy(v->bytes, text, strlen(text) < VALUE_LEN ? strlen(text) : VALUE_LEN);
		r->ops[i] = (struct vop){ .r = r, .v = i };
		put_start(r, &r->ops[i]);
		if (i % 100 == 99)
			relo_sim_run(r->sim, relo_sim_now(r->sim) + 50);
	}
	relo_sim_run_until(r->sim, relo_sim_now(r->sim) + PUT_DEADLINE_MS, nothing_pending, r);
	*failures = 0;
	*last_error = 0;
	for (i = 0; i < r->values; i++) {
		struct vop *o = &r->ops[i];
		if (o->state == V_OK) {
			stored++;
			continue;
		}
		(*failures)++;
		if (o->state == V_REFUSED)
			*last_error = o->error;
		if (o->state == V_PENDING) { /* never answered: no callback is coming */
			o->state = V_FAILED;
			r->pending--;
		}
	}
	/* The original Stores answered; let the replica Stores land. */
	relo_sim_run(r->sim, relo_sim_now(r->sim) + 5000);
	return stored;
}

/* Starts a round of fetches: every stored value, each from a random peer. */
static void check_start(struct run *r)
{
	size_t i;

	for (i = 0; i < r->values; i++) {
		r->ops[i].state = V_IDLE;
		if (r->vals[i].stored)
			fetch_start(r, &r->ops[i]);
	}
}

/* Ends a round: counts its outcomes; fetches still out count as failed. */
static void check_end(struct run *r, struct tally *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < r->values; i++) {
		struct vop *o = &r->ops[i];
		switch (o->state) {
		case V_IDLE: continue;
		case V_PENDING: o->state = V_FAILED; r->pending--; t->failed++; break;
		case V_OK: t->ok++; break;
		case V_MISSING: t->missing++; break;
		case V_WRONG: t->wrong++; break;
		case V_REFUSED: t->refused++; break;
		case V_FAILED: t->failed++; break;
		}
		t->asked++;
	}
}

struct holdings {
	uint64_t copies, pushes, push_failures;
};

/* Copies held by the live peers; replica pushes by every store so far. */
static void holdings(const struct run *r, struct holdings *h)
{
	size_t i;

	h->copies = 0;
	h->pushes = r->dead_pushes;
	h->push_failures = r->dead_push_failures;
	for (i = 0; i < r->n; i++) {
		struct relo_store_stats st;
		if (!r->p[i].alive || !r->p[i].store)
			continue;
		relo_store_stats(r->p[i].store, &st);
		h->copies += st.values;
		h->pushes += st.replica_pushes;
		h->push_failures += st.replica_push_failures;
	}
}

static void hop_stats(const struct run *r, double *mean, unsigned *p99, unsigned *max)
{
	uint64_t total = 0, acc = 0, sum = 0;
	unsigned h;

	for (h = 0; h < 64; h++) {
		total += r->hop_hist[h];
		sum += r->hop_hist[h] * h;
	}
	*mean = total ? (double)sum / (double)total : 0;
	*p99 = *max = 0;
	for (h = 0; h < 64; h++) {
		acc += r->hop_hist[h];
		if (r->hop_hist[h])
			*max = h;
		if (!*p99 && acc * 100 >= total * 99)
			*p99 = h;
	}
}

static void usage(FILE *f)
{
	fputs("usage: chorus-sim [--nodes N] [--lookups L] [--seed S] [--churn exp|pareto]\n"
	      "                  [--session SECONDS] [--churn-time SECONDS] [--verbose] [--quiet]\n"
	      "                  [--values N] [--check]\n"
	      "--values N: every node runs the storage; N values (a private single-value\n"
	      "kind, 32 bytes, lifetime 86400 s) are stored at random Resource-IDs before\n"
	      "the churn, all fetched back from random peers every 60 s of churn and\n"
	      "after it, and the copies held counted against 3 N (default 0: off)\n"
	      "--check: exit 1 unless the ring formed correctly and every lookup on the\n"
	      "stable overlay was answered, and with --values every value was stored and\n"
	      "is found after the churn (a correctness check, not a speed goal)\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },  { "lookups", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },   { "churn", required_argument, NULL, 'c' },
		{ "session", required_argument, NULL, 'S' }, { "churn-time", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },      { "quiet", no_argument, NULL, 'q' },
		{ "check", no_argument, NULL, 'k' },        { "values", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	struct run r = { .nodes = 1000, .lookups = 20000, .seed = 1, .session_s = 600,
			 .churn_s = 600 };
	struct relo_sim_opts so;
	struct relo_sim_stats ss;
	double t0 = wall(), build_wall, mean, stable_mean, stable_success, churn_success;
	unsigned p99, max, stable_p99, stable_max;
	uint64_t vt, stable_sent, stable_ok, churn_deaths = 0, churn_births = 0;
	size_t joined, good, i;
	bool ring_ok_after_build;
	/* values */
	size_t stored = 0, put_failures = 0, rounds = 0;
	uint16_t put_error = 0;
	struct tally t, t_end, t_worst;
	struct holdings h_start = { 0 }, h_end = { 0 };
	double surv, surv_min = 1, surv_end = 0;
	bool round_open = false;
	uint64_t next_check = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': r.nodes = strtoul(optarg, NULL, 10); break;
		case 'l': r.lookups = strtoul(optarg, NULL, 10); break;
		case 's': r.seed = strtoull(optarg, NULL, 10); break;
		case 'c': r.pareto = !strcmp(optarg, "pareto"); break;
		case 'S': r.session_s = strtod(optarg, NULL); break;
		case 'T': r.churn_s = strtod(optarg, NULL); break;
		case 'v': r.verbose = true; break;
		case 'q': r.quiet = true; break;
		case 'k': r.check = true; break;
		case 'V': r.values = strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (r.nodes < 2 || r.session_s <= 0) {
		usage(stderr);
		return 2;
	}
	memset(&so, 0, sizeof(so));
	so.seed = r.seed;
	so.base_ms = 5;
	so.per_unit_ms = 80; /* up to ~120 ms one way across the plane */
	so.detect_ms = 5000;
	so.log = log_line;
	so.log_arg = &r;
	if (relo_sim_alloc(&r.sim, &so) || relo_config_new(&r.cfg, "sim.chorus.example")) {
		fprintf(stderr, "chorus-sim: out of memory\n");
		return 1;
	}
	r.cfg->max_message_size = 16384;
	if (r.values) {
		r.vals = calloc(r.values, sizeof(*r.vals));
		r.ops = calloc(r.values, sizeof(*r.ops));
		if (!r.vals || !r.ops || add_value_kind(r.cfg)) {
			fprintf(stderr, "chorus-sim: out of memory\n");
			return 1;
		}
	}
	memset(&t_worst, 0, sizeof(t_worst));
	memset(&t_end, 0, sizeof(t_end));

	/* 1. Build: a node joins every 200 ms of virtual time. */
	for (i = 0; i < r.nodes; i++) {
		if (add_peer(&r)) {
			fprintf(stderr, "chorus-sim: cannot add node %zu\n", i);
			return 1;
		}
		relo_sim_run(r.sim, relo_sim_now(r.sim) + 200);
		if (!r.quiet && (i + 1) % (r.nodes / 10 ? r.nodes / 10 : 1) == 0)
			fprintf(stderr, "chorus-sim: %zu nodes added (%.1f s virtual, %.1f s wall)\n",
				i + 1, (double)relo_sim_now(r.sim) / 1000, wall() - t0);
	}
	vt = relo_sim_now(r.sim);
	do {
		relo_sim_run(r.sim, relo_sim_now(r.sim) + 5000);
		good = ring_correct(&r, &joined);
	} while (good < r.alive && relo_sim_now(r.sim) < vt + 600000);
	build_wall = wall() - t0;
	if (r.verbose || getenv("CHORUS_SIM_STATS")) {
		struct relo_node_stats st, sum;
		memset(&sum, 0, sizeof(sum));
		for (i = 0; i < r.n; i++) {
			if (!r.p[i].alive)
				continue;
			relo_node_stats(r.p[i].n, &st);
			sum.msgs_out += st.msgs_out;
			sum.updates_out += st.updates_out;
			sum.attaches_out += st.attaches_out;
			sum.forwarded += st.forwarded;
			sum.links_up += st.links_up;
			sum.requests_sent += st.requests_sent;
			sum.retransmits += st.retransmits;
			sum.timeouts += st.timeouts;
			sum.dropped_no_route += st.dropped_no_route;
		}
		fprintf(stderr, "chorus-sim: per node: %.0f messages out, %.0f requests, %.0f updates, "
				"%.0f attaches, %.0f forwarded, %.0f links up, %.1f retransmits, %.1f "
				"timeouts, %.1f unroutable\n",
			(double)sum.msgs_out / r.alive, (double)sum.requests_sent / r.alive,
			(double)sum.updates_out / r.alive, (double)sum.attaches_out / r.alive,
			(double)sum.forwarded / r.alive, (double)sum.links_up / r.alive,
			(double)sum.retransmits / r.alive, (double)sum.timeouts / r.alive,
			(double)sum.dropped_no_route / r.alive);
	}
	if (!r.quiet)
		fprintf(stderr, "chorus-sim: ring %s: %zu of %zu nodes joined, %zu with the right "
				"successor, %.1f s virtual after the last join\n",
			good == r.alive ? "correct" : "NOT correct", joined, r.alive, good,
			(double)(relo_sim_now(r.sim) - vt) / 1000);

	/* 2. Lookups on the stable overlay. */
	for (i = 0; i < r.lookups; i++) {
		lookup(&r);
		if (i % 100 == 99)
			relo_sim_run(r.sim, relo_sim_now(r.sim) + 50);
	}
	relo_sim_run(r.sim, relo_sim_now(r.sim) + 30000);
	hop_stats(&r, &stable_mean, &stable_p99, &stable_max);
	ring_ok_after_build = good == r.alive;
	stable_sent = r.sent;
	stable_ok = r.ok;
	stable_success = r.sent ? (double)r.ok / (double)r.sent : 0;
	if (!r.quiet)
		fprintf(stderr, "chorus-sim: %llu lookups, %.4f answered, hops mean %.2f p99 %u max %u "
				"(log2(N)/2 = %.2f)\n",
			(unsigned long long)r.sent, stable_success, stable_mean, stable_p99,
			stable_max, log2((double)r.alive) / 2);

	/* 2b. Values: stored from random peers, every answer awaited. */
	if (r.values) {
		stored = put_values(&r, &put_failures, &put_error);
		holdings(&r, &h_start);
		if (!r.quiet)
			fprintf(stderr, "chorus-sim: %zu of %zu values stored (%zu failed%s%s), %llu "
					"copies held (3 N = %zu)\n",
				stored, r.values, put_failures, put_error ? ", last: " : "",
				put_error ? relo_error_name(put_error) : "",
				(unsigned long long)h_start.copies, 3 * stored);
	}

	/* 3. Churn: each node lives a session; a new one joins for each death. */
	memset(r.hop_hist, 0, sizeof(r.hop_hist));
	r.sent = r.ok = r.failed = 0;
	vt = relo_sim_now(r.sim);
	next_check = vt;
	for (i = 0; i < r.n; i++)
		if (r.p[i].alive)
			r.p[i].dies_at = vt + session_ms(&r);
	while (relo_sim_now(r.sim) < vt + (uint64_t)(r.churn_s * 1000)) {
		size_t k, n_now = r.n;
		for (k = 0; k < n_now; k++) {
			struct peer *pe = &r.p[k];
			if (pe->alive && pe->dies_at <= relo_sim_now(r.sim)) {
				kill_peer(&r, pe);
				churn_deaths++;
				if (add_peer(&r) == 0) {
					r.p[r.n - 1].dies_at = relo_sim_now(r.sim) + session_ms(&r);
					churn_births++;
				}
			}
		}
		if (r.values && stored) {
			/* A round of fetches every minute; it ends when all are answered. */
			fetch_reissue(&r);
			if (round_open && !r.pending) {
				check_end(&r, &t);
				round_open = false;
				rounds++;
				surv = (double)t.ok / (double)t.asked;
				if (rounds == 1 || surv < surv_min) {
					surv_min = surv;
					t_worst = t;
				}
				if (!r.quiet) {
					struct holdings hn;
					holdings(&r, &hn);
					fprintf(stderr, "chorus-sim: churn %.0f s: %zu of %zu values found "
							"(%zu missing, %zu wrong, %zu refused, %zu failed), "
							"%llu copies held\n",
						(double)(relo_sim_now(r.sim) - vt) / 1000, t.ok, t.asked,
						t.missing, t.wrong, t.refused, t.failed,
						(unsigned long long)hn.copies);
				}
			}
			if (!round_open && relo_sim_now(r.sim) >= next_check) {
				check_start(&r);
				round_open = true;
				next_check += CHECK_EVERY_MS;
			}
		}
		for (k = 0; k < 20; k++)
			lookup(&r);
		relo_sim_run(r.sim, relo_sim_now(r.sim) + 1000);
	}
	if (round_open) { /* the last round under way: no more deaths */
		finish_round(&r, ROUND_LIMIT_MS);
		check_end(&r, &t);
		rounds++;
		surv = (double)t.ok / (double)t.asked;
		if (rounds == 1 || surv < surv_min) {
			surv_min = surv;
			t_worst = t;
		}
	}
	relo_sim_run(r.sim, relo_sim_now(r.sim) + 30000);
	if (r.values && stored) {
		/* 4. After the churn: every value, once more. */
		check_start(&r);
		finish_round(&r, ROUND_LIMIT_MS);
		check_end(&r, &t_end);
		surv_end = (double)t_end.ok / (double)t_end.asked;
		if (!rounds)
			surv_min = surv_end;
		holdings(&r, &h_end);
	}
	hop_stats(&r, &mean, &p99, &max);
	churn_success = r.sent ? (double)r.ok / (double)r.sent : 0;
	good = ring_correct(&r, &joined);
	relo_sim_stats(r.sim, &ss);
	printf("nodes %zu, seed %llu: build %.1f s wall; lookups %.4f answered, hops mean %.2f, "
	       "p99 %u (log2(N)/2 = %.2f)\n",
	       r.nodes, (unsigned long long)r.seed, build_wall, stable_success, stable_mean,
	       stable_p99, log2((double)r.nodes) / 2);
	printf("churn (%s sessions, mean %.0f s, %.0f s): %llu deaths, %llu joins, lookups %.4f "
	       "answered, hops mean %.2f p99 %u; ring after: %zu of %zu right\n",
	       r.pareto ? "Pareto" : "exponential", r.session_s, r.churn_s,
	       (unsigned long long)churn_deaths, (unsigned long long)churn_births, churn_success,
	       mean, p99, good, r.alive);
	if (r.values)
		printf("values: %zu of %zu stored; after the churn %zu found (%.4f; %zu missing, %zu "
		       "wrong, %zu refused, %zu failed), worst of %zu rounds during it %.4f (%zu "
		       "missing, %zu refused, %zu failed); copies %llu before, %llu after (3 N = "
		       "%zu); %llu replica stores during and after the churn (%llu failed); "
		       "fetches asked again: %llu unsent, %llu from a peer that died\n",
		       stored, r.values, t_end.ok, surv_end, t_end.missing, t_end.wrong,
		       t_end.refused, t_end.failed, rounds, surv_min, t_worst.missing,
		       t_worst.refused, t_worst.failed, (unsigned long long)h_start.copies,
		       (unsigned long long)h_end.copies, 3 * stored,
		       (unsigned long long)(h_end.pushes - h_start.pushes),
		       (unsigned long long)(h_end.push_failures - h_start.push_failures),
		       (unsigned long long)r.unsent, (unsigned long long)r.reissued);
	printf("{\"bench\":\"overlay_sim\",\"nodes\":%zu,\"seed\":%llu,\"build_wall_s\":%.2f,"
	       "\"lookups\":%llu,\"lookup_success\":%.5f,\"hops_mean\":%.3f,\"hops_p99\":%u,"
	       "\"hops_max\":%u,\"half_log2_n\":%.3f,\"hops_mean_vs_half_log2_n\":%.3f,"
	       "\"churn\":\"%s\",\"session_mean_s\":%.0f,\"churn_s\":%.0f,\"churn_deaths\":%llu,"
	       "\"churn_lookups\":%llu,\"churn_lookup_success\":%.5f,\"churn_hops_mean\":%.3f,"
	       "\"churn_hops_p99\":%u,\"ring_correct_after\":%.4f,\"messages\":%llu,",
	       r.nodes, (unsigned long long)r.seed, build_wall, (unsigned long long)stable_sent,
	       stable_success, stable_mean, stable_p99, stable_max, log2((double)r.nodes) / 2,
	       stable_mean / (log2((double)r.nodes) / 2), r.pareto ? "pareto" : "exponential",
	       r.session_s, r.churn_s, (unsigned long long)churn_deaths,
	       (unsigned long long)r.sent, churn_success, mean, p99,
	       r.alive ? (double)good / (double)r.alive : 0, (unsigned long long)ss.messages);
	printf("\"values\":%zu,", r.values);
	if (r.values)
		printf("\"values_stored\":%zu,\"values_found_end\":%zu,\"value_survival_end\":%.5f,"
		       "\"value_survival_min\":%.5f,\"value_rounds\":%zu,\"copies_start\":%llu,"
		       "\"copies_end\":%llu,\"copies_expected\":%zu,\"replica_pushes\":%llu,"
		       "\"replica_push_failures\":%llu,\"value_fetches_unsent\":%llu,",
		       stored, t_end.ok, surv_end, surv_min, rounds,
		       (unsigned long long)h_start.copies, (unsigned long long)h_end.copies,
		       3 * stored, (unsigned long long)(h_end.pushes - h_start.pushes),
		       (unsigned long long)(h_end.push_failures - h_start.push_failures),
		       (unsigned long long)r.unsent);
	printf("\"wall_s\":%.2f}\n", wall() - t0);
	c = r.check && (!ring_ok_after_build || stable_ok != stable_sent) ? 1 : 0;
	if (c)
		fprintf(stderr, "chorus-sim: check failed: ring %s, %llu of %llu lookups answered\n",
			ring_ok_after_build ? "correct" : "NOT correct", (unsigned long long)stable_ok,
			(unsigned long long)stable_sent);
	if (r.check && r.values && (stored != r.values || t_end.ok != stored)) {
		fprintf(stderr, "chorus-sim: check failed: %zu of %zu values stored, %zu found "
				"after the churn\n",
			stored, r.values, t_end.ok);
		c = 1;
	}
	for (i = 0; i < r.n; i++)
		if (r.p[i].alive)
			kill_peer(&r, &r.p[i]);
	free(r.p);
	free(r.vals);
	free(r.ops);
	relo_config_free(r.cfg);
	relo_sim_free(r.sim);
	return c;
}
