/*
 * chorus-sim - many RELOAD nodes in one process on the simulated network:
 * the same routing and CHORD-RELOAD code as chorusd over in-memory links,
 * a virtual clock and a latency model. Builds an overlay, measures lookup
 * hop counts against log2(N)/2, then runs a churn model (exponential or
 * heavy-tailed session times) and measures lookups under churn.
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

struct peer {
	struct relo_sim_host *h;
	struct relo_node *n;
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
	      "                  [--check]\n"
	      "--check: exit 1 unless the ring formed correctly and every lookup on the\n"
	      "stable overlay was answered (a correctness check, not a speed goal)\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' },  { "lookups", required_argument, NULL, 'l' },
		{ "seed", required_argument, NULL, 's' },   { "churn", required_argument, NULL, 'c' },
		{ "session", required_argument, NULL, 'S' }, { "churn-time", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },      { "quiet", no_argument, NULL, 'q' },
		{ "check", no_argument, NULL, 'k' },
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

	/* 3. Churn: each node lives a session; a new one joins for each death. */
	memset(r.hop_hist, 0, sizeof(r.hop_hist));
	r.sent = r.ok = r.failed = 0;
	vt = relo_sim_now(r.sim);
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
		for (k = 0; k < 20; k++)
			lookup(&r);
		relo_sim_run(r.sim, relo_sim_now(r.sim) + 1000);
	}
	relo_sim_run(r.sim, relo_sim_now(r.sim) + 30000);
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
	printf("{\"bench\":\"overlay_sim\",\"nodes\":%zu,\"seed\":%llu,\"build_wall_s\":%.2f,"
	       "\"lookups\":%llu,\"lookup_success\":%.5f,\"hops_mean\":%.3f,\"hops_p99\":%u,"
	       "\"hops_max\":%u,\"half_log2_n\":%.3f,\"hops_mean_vs_half_log2_n\":%.3f,"
	       "\"churn\":\"%s\",\"session_mean_s\":%.0f,\"churn_s\":%.0f,\"churn_deaths\":%llu,"
	       "\"churn_lookups\":%llu,\"churn_lookup_success\":%.5f,\"churn_hops_mean\":%.3f,"
	       "\"churn_hops_p99\":%u,\"ring_correct_after\":%.4f,\"messages\":%llu,"
	       "\"wall_s\":%.2f}\n",
	       r.nodes, (unsigned long long)r.seed, build_wall, (unsigned long long)stable_sent,
	       stable_success, stable_mean, stable_p99, stable_max, log2((double)r.nodes) / 2,
	       stable_mean / (log2((double)r.nodes) / 2), r.pareto ? "pareto" : "exponential",
	       r.session_s, r.churn_s, (unsigned long long)churn_deaths,
	       (unsigned long long)r.sent, churn_success, mean, p99,
	       r.alive ? (double)good / (double)r.alive : 0, (unsigned long long)ss.messages,
	       wall() - t0);
	c = r.check && (!ring_ok_after_build || stable_ok != stable_sent) ? 1 : 0;
	if (c)
		fprintf(stderr, "chorus-sim: check failed: ring %s, %llu of %llu lookups answered\n",
			ring_ok_after_build ? "correct" : "NOT correct", (unsigned long long)stable_ok,
			(unsigned long long)stable_sent);
	for (i = 0; i < r.n; i++)
		if (r.p[i].alive)
			kill_peer(&r, &r.p[i]);
	free(r.p);
	relo_config_free(r.cfg);
	relo_sim_free(r.sim);
	return c;
}
