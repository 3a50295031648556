/*
 * bench_store.c - Store and Fetch on 30 nodes over real TLS 1.3 links on
 * loopback, in one process and one libevent loop (tests/unit/netlab.c):
 * each node has its own CA-issued EC P-256 certificate, its own trust
 * context and store, as a chorusd process has.
 *
 * Measured on a signed overlay (every message and value signed by its
 * sender or writer, verified by its receiver), each operation timed from
 * the call to its answer:
 *   ping   a Ping to a random other node: the reference, routing only;
 *   store  relo_store_put() of a 256-byte value from a random node (its
 *          answer comes once the responsible peer kept the value and sent
 *          it on to its two replicas);
 *   fetch  relo_store_fetch() of a stored value from a random node: it
 *          must come back verified and equal to what was stored;
 * one outstanding (latency percentiles), then --window outstanding
 * (throughput: operations / wall time). The same is measured again on an
 * overlay of unsigned nodes over the same kind of TLS links: the share of
 * the time that goes to message and value security (signing, verifying,
 * carrying and checking certificates) is 1 - unsigned / signed, of the
 * median latency, and of the throughput, where the one thread is
 * saturated. The ECDSA costs of one value's signature and verification
 * are timed too, for context: a Store on a stable ring makes about 7
 * signatures and 8 verifications.
 *
 * The kind: 0xF0000F02 (private), single value, NODE-MULTIPLE up to 255
 * per node, so that node i writes its j-th value at H(Node-ID_i || j).
 *
 * It only reports: no thresholds on time. It exits non-zero if an overlay
 * does not form or any operation fails. A JSON line comes last.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "netlab.h"
#include "relo/arena.h"
#include "relo/ring.h"

#ifndef CHORUS_BENCH_BUILD
#define CHORUS_BENCH_BUILD "unknown"
#endif

#define KIND 0xF0000F02u
#define MAX_MULTIPLE 255
#define VALUE_SIZE 256
#define LIFETIME 3600
#define SETUP_LIMIT_S 60 /* for a node to join; for the tables to be right */
#define PHASE_LIMIT_S 120

enum opk { OP_PING, OP_STORE, OP_FETCH };

struct bench;

/* A value written: by whom, as its j-th. */
struct rec {
	size_t writer;
	uint8_t j;
	uint8_t res[RELO_CHORD_RESID_LEN];
};

struct phase;

struct op {
	struct phase *ph;
	size_t rec;
	double t0;
	bool pending;
};

/* A run of `total` operations of one kind, `window` outstanding. */
struct phase {
	struct lab *lab;
	struct bench *b;
	enum opk kind;
	size_t total, issued, done, failed;
	double *lat_ms, t_start, t_end;
	struct op *ops;   /* window of them */
	size_t window;
	struct event *kick;
};

struct bench {
	size_t nodes, ops, window;
	uint64_t rng;
	struct rec *recs;
	size_t n_recs;
	unsigned next_j[LAB_MAX];
};

struct lat {
	double p50, p90, p99, per_s;
};

/* What one overlay measured. */
struct result {
	struct lat ping, store, fetch, store_w, fetch_w;
	double setup_s, replicas_per_store;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t rnd_below(struct bench *b, size_t n)
{
	/* xorshift64*: the same choices for the same --seed */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return (size_t)((b->rng * UINT64_C(2685821657736338717)) % n);
}

static void resource_of(const struct relo_nodeid *writer, uint8_t j, uint8_t out[16])
{
	uint8_t buf[RELO_NODEID_MAX + 1];

	memcpy(buf, writer->id, writer->len);
	buf[writer->len] = j;
	relo_resource_id(buf, (size_t)writer->len + 1, out);
}

/* The bytes node `writer` stores as its j-th value. */
static void value_of(size_t writer, uint8_t j, uint8_t out[VALUE_SIZE])
{
	uint64_t x = ((uint64_t)writer << 8 | j) * UINT64_C(0x9E3779B97F4A7C15) + 1;
	size_t i;

	for (i = 0; i < VALUE_SIZE; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = (uint8_t)x;
	}
}

/* ---- operations ---- */

static void op_end(struct op *op, const char *failure)
{
	struct phase *ph = op->ph;

	op->pending = false;
	ph->lat_ms[ph->done++] = now_ms() - op->t0;
	if (failure && ph->failed++ < 5)
		fprintf(stderr, "bench_store: an operation failed: %s\n", failure);
	if (ph->done == ph->total)
		ph->t_end = now_ms();
	else
		event_active(ph->kick, EV_TIMEOUT, 0); /* the next, on the next turn */
}

static const char *error_text(uint16_t error)
{
	const char *s = relo_error_name(error);

	return s ? s : "an Error answer";
}

static void put_cb(void *arg, int err, uint16_t error, const struct relo_body *ans)
{
	struct op *op = arg;

	(void)ans;
	if (err == -ECANCELED)
		return; /* torn down */
	op_end(op, err ? strerror(-err) : error ? error_text(error) : NULL);
}

static void fetch_cb(void *arg, int err, uint16_t error, const struct relo_fetched_kind *k,
		     size_t n)
{
	struct op *op = arg;
	const struct rec *r;
	uint8_t want[VALUE_SIZE];

	if (err == -ECANCELED)
		return;
	if (err || error) {
		op_end(op, err ? strerror(-err) : error_text(error));
		return;
	}
	r = &op->ph->b->recs[op->rec];
	value_of(r->writer, r->j, want);
	if (n != 1 || k[0].n_invalid || k[0].n_values != 1 || !k[0].values[0].sd.value.v.exists)
		op_end(op, "the value not found, or not verified");
	else if (!relo_bytes_eq(k[0].values[0].sd.value.v.value, relo_bytes_of(want, VALUE_SIZE)))
		op_end(op, "not the value stored");
	else
		op_end(op, NULL);
}

static void ping_cb(void *arg, int err, const struct relo_msg *ans, const struct relo_body *body)
{
	struct op *op = arg;

	(void)ans;
	if (err == -ECANCELED)
		return;
	op_end(op, err ? strerror(-err) : body->code != RELO_PING_ANS ? "an Error answer" : NULL);
}

static int issue(struct phase *ph, struct op *op)
{
	struct bench *b = ph->b;
	struct lab *lab = ph->lab;
	size_t c = rnd_below(b, lab->n);
	int err;

	op->ph = ph;
	op->pending = true;
	op->t0 = now_ms();
	ph->issued++;
	if (ph->kind == OP_STORE) {
		struct relo_put put = { .kind = KIND, .lifetime = LIFETIME };
		uint8_t value[VALUE_SIZE];
		struct rec *r = &b->recs[b->n_recs];

		while (b->next_j[c] == MAX_MULTIPLE) /* main() made sure there is room */
			c = (c + 1) % lab->n;
		op->rec = b->n_recs++;
		r->writer = c;
		r->j = (uint8_t)++b->next_j[c];
		resource_of(relo_node_id(lab->p[c].node), r->j, r->res);
		value_of(c, r->j, value);
		put.value.model = RELO_MODEL_SINGLE;
		put.value.v.exists = true;
		put.value.v.value = relo_bytes_of(value, VALUE_SIZE);
		err = relo_store_put(lab->p[c].store, relo_bytes_of(r->res, 16), &put, 1, put_cb,
				     op);
	} else if (ph->kind == OP_FETCH) {
		struct relo_specifier spec = { .kind = KIND, .model = RELO_MODEL_SINGLE };

		op->rec = (ph->issued - 1) % b->n_recs;
		err = relo_store_fetch(lab->p[c].store, relo_bytes_of(b->recs[op->rec].res, 16),
				       &spec, 1, fetch_cb, op);
	} else {
		struct relo_body body = { .code = RELO_PING_REQ };
		struct relo_dest d = { .type = RELO_DEST_NODE };
		size_t t = (c + 1 + rnd_below(b, lab->n - 1)) % lab->n;

		d.u.node = *relo_node_id(lab->p[t].node);
		err = relo_node_request(lab->p[c].node, &d, 1, &body, ping_cb, op);
	}
	if (err) /* no handler will be called */
		op_end(op, strerror(-err));
	return err;
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct phase *ph = arg;
	size_t i;

	(void)fd;
	(void)what;
	for (i = 0; i < ph->window && ph->issued < ph->total; i++)
		if (!ph->ops[i].pending)
			issue(ph, &ph->ops[i]);
}

static bool phase_done(struct lab *lab, void *arg)
{
	(void)lab;
	return ((struct phase *)arg)->done == ((struct phase *)arg)->total;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

/* Nearest rank: the smallest value with at least q of them at or below. */
static double percentile(const double *sorted, size_t n, double q)
{
	size_t k = (size_t)ceil(q * (double)n);

	return sorted[k ? k - 1 : 0];
}

/* Runs a phase to its end; its figures in *out. */
static int run_phase(struct lab *lab, struct bench *b, struct phase *ph, enum opk kind,
		     size_t total, size_t window, struct lat *out)
{
	memset(ph, 0, sizeof(*ph));
	ph->lab = lab;
	ph->b = b;
	ph->kind = kind;
	ph->total = total;
	ph->window = window < total ? window : total;
	ph->lat_ms = calloc(total, sizeof(*ph->lat_ms));
	ph->ops = calloc(ph->window, sizeof(*ph->ops));
	ph->kick = event_new(lab->base, -1, 0, kick_cb, ph);
	if (!ph->lat_ms || !ph->ops || !ph->kick)
		return -ENOMEM;
	ph->t_start = now_ms();
	kick_cb(-1, 0, ph);
	if (!lab_run_until(lab, phase_done, ph, PHASE_LIMIT_S)) {
		fprintf(stderr, "bench_store: %zu of %zu done after %d s\n", ph->done, total,
			PHASE_LIMIT_S);
		return -ETIMEDOUT;
	}
	qsort(ph->lat_ms, total, sizeof(double), cmp_double);
	out->p50 = percentile(ph->lat_ms, total, 0.50);
	out->p90 = percentile(ph->lat_ms, total, 0.90);
	out->p99 = percentile(ph->lat_ms, total, 0.99);
	out->per_s = (double)total * 1e3 / (ph->t_end - ph->t_start);
	return ph->failed ? -EIO : 0;
}

/* After the lab is freed: requests still out (a phase that timed out)
 * ended with it. */
static void phase_free(struct phase *ph)
{
	free(ph->lat_ms);
	free(ph->ops);
	memset(ph, 0, sizeof(*ph));
}

/* ---- one overlay ---- */

static bool joined(struct lab *lab, void *arg)
{
	(void)arg;
	return relo_node_joined(lab->p[lab->n - 1].node);
}

static bool never(struct lab *lab, void *arg)
{
	(void)lab;
	(void)arg;
	return false;
}

static int add_kind(struct relo_config *cfg)
{
	struct relo_kind_def k;

	memset(&k, 0, sizeof(k));
	k.id = KIND;
	k.model = RELO_MODEL_SINGLE;
	k.acl = RELO_ACL_NODE_MULTIPLE;
	k.max_count = 1;
	k.max_size = 1024;
	k.max_node_multiple = MAX_MULTIPLE;
	return relo_config_add_kind(cfg, &k);
}

/*
 * Builds the overlay (one node at a time, each joined before the next),
 * waits until every neighbor table is right and the replica checks that
 * follow the last change (1 s later) are done, then measures.
 */
static int measure(struct bench *b, bool sign, struct lab *lab, struct phase ph[5],
		   struct result *res)
{
	struct relo_store_stats st;
	uint64_t stores = 0, replicas = 0;
	double t0 = now_ms();
	size_t i;
	int err;

	memset(res, 0, sizeof(*res));
	b->n_recs = 0;
	memset(b->next_j, 0, sizeof(b->next_j));
	if (lab_init(lab, "bench.chorus.example", false) || add_kind(lab->cfg))
		return -ENOMEM;
	lab->own_trust = true;
	lab->unsigned_msgs = !sign;
	lab->stores = true;
	for (i = 0; i < b->nodes; i++) {
		err = lab_add(lab, true);
		if (err)
			return err;
		if (!lab_run_until(lab, joined, NULL, SETUP_LIMIT_S)) {
			fprintf(stderr, "bench_store: node %zu did not join\n", i);
			return -ETIMEDOUT;
		}
	}
	if (!lab_run_until(lab, lab_tables_ok, NULL, SETUP_LIMIT_S)) {
		fprintf(stderr, "bench_store: the neighbor tables were not right\n");
		return -ETIMEDOUT;
	}
	lab_run_until(lab, never, NULL, 2);
	res->setup_s = (now_ms() - t0) / 1e3;

	if ((err = run_phase(lab, b, &ph[0], OP_PING, b->ops, 1, &res->ping)) ||
	    (err = run_phase(lab, b, &ph[1], OP_STORE, b->ops, 1, &res->store)) ||
	    (err = run_phase(lab, b, &ph[2], OP_FETCH, b->ops, 1, &res->fetch)) ||
	    (err = run_phase(lab, b, &ph[3], OP_STORE, b->ops, b->window, &res->store_w)) ||
	    (err = run_phase(lab, b, &ph[4], OP_FETCH, b->ops, b->window, &res->fetch_w)))
		return err;
	for (i = 0; i < lab->n; i++) {
		relo_store_stats(lab->p[i].store, &st);
		stores += st.stores_in;
		replicas += st.replica_stores_in;
	}
	res->replicas_per_store = stores ? (double)replicas / (double)stores : 0;
	return 0;
}

/* Measures one overlay and frees it: the lab, then what its requests used. */
static int overlay(struct bench *b, bool sign, struct result *res)
{
	struct phase ph[5];
	struct lab lab;
	size_t i;
	int err;

	memset(ph, 0, sizeof(ph));
	err = measure(b, sign, &lab, ph, res);
	for (i = 0; i < 5; i++)
		if (ph[i].kick)
			event_free(ph[i].kick);
	lab_free(&lab);
	for (i = 0; i < 5; i++)
		phase_free(&ph[i]);
	if (err)
		fprintf(stderr, "bench_store: the %s overlay: %s\n", sign ? "signed" : "unsigned",
			strerror(-err));
	return err;
}

/* ---- one value's signature, for context ---- */

static double median(double *t, size_t n)
{
	qsort(t, n, sizeof(*t), cmp_double);
	return t[n / 2];
}

/* The medians of relo_stored_sign() and relo_stored_verify() of a value. */
static int ecdsa_costs(double *sign_ms, double *verify_ms)
{
	enum { ITERS = 200 };
	uint8_t res[16] = { 1 }, value[VALUE_SIZE];
	struct relo_stored_data sd;
	struct relo_certinfo info;
	struct relo_cert cert;
	struct relo_secblock sec;
	struct relo_arena *a = NULL;
	double t[ITERS];
	char why[128];
	struct lab lab;
	size_t i;
	int err;

	err = lab_init(&lab, "bench.chorus.example", false);
	if (!err)
		err = add_kind(lab.cfg);
	if (!err)
		err = lab_add(&lab, false);
	if (!err)
		err = relo_arena_alloc(&a, 0, 0);
	value_of(0, 1, value);
	memset(&sd, 0, sizeof(sd));
	sd.storage_time = 1700000000000ull;
	sd.lifetime = LIFETIME;
	sd.value.model = RELO_MODEL_SINGLE;
	sd.value.v.exists = true;
	sd.value.v.value = relo_bytes_of(value, VALUE_SIZE);
	for (i = 0; i < ITERS && !err; i++) {
		double t0 = now_ms();

		relo_arena_reset(a);
		err = relo_stored_sign(lab.p[0].ident, a, relo_bytes_of(res, 16), KIND, &sd);
		t[i] = now_ms() - t0;
	}
	if (!err)
		*sign_ms = median(t, ITERS);
	cert.type = RELO_CERT_X509;
	cert.der = err ? relo_bytes_of(NULL, 0) : relo_ident_cert_der(lab.p[0].ident);
	memset(&sec, 0, sizeof(sec));
	sec.certs = &cert;
	sec.n_certs = 1;
	for (i = 0; i < ITERS && !err; i++) {
		double t0 = now_ms();

		err = relo_stored_verify(lab.p[0].trust, &sec, relo_bytes_of(res, 16), KIND, &sd,
					 &info, why, sizeof(why));
		t[i] = now_ms() - t0;
	}
	if (!err)
		*verify_ms = median(t, ITERS);
	relo_arena_free(a);
	lab_free(&lab);
	return err;
}

/* ---- the report ---- */

static void print_lat(const char *what, const struct lat *l)
{
	printf("  %-22s p50 %7.3f  p90 %7.3f  p99 %7.3f ms  (%.0f/s)\n", what, l->p50, l->p90,
	       l->p99, l->per_s);
}

static void print_result(const char *title, const struct result *r, size_t window)
{
	char w[64];

	printf("%s (up in %.1f s; %.2f replica stores per store)\n", title, r->setup_s,
	       r->replicas_per_store);
	print_lat("ping", &r->ping);
	print_lat("store", &r->store);
	print_lat("fetch", &r->fetch);
	snprintf(w, sizeof(w), "store, %zu outstanding", window);
	print_lat(w, &r->store_w);
	snprintf(w, sizeof(w), "fetch, %zu outstanding", window);
	print_lat(w, &r->fetch_w);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_store [--nodes N] [--ops N] [--window W] [--seed S] [--verbose]\n"
		   "  --nodes N   nodes in each overlay, 5..%d (default 30)\n"
		   "  --ops N     operations per measurement (default 1000)\n"
		   "  --window W  operations outstanding in the throughput runs (default 32)\n",
		LAB_MAX);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "nodes", required_argument, NULL, 'n' }, { "ops", required_argument, NULL, 'o' },
		{ "window", required_argument, NULL, 'w' }, { "seed", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },     { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bench b = { .nodes = 30, .ops = 1000, .window = 32, .rng = 1 };
	struct result sig, uns;
	double sign_ms = 0, verify_ms = 0;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': b.nodes = strtoul(optarg, NULL, 10); break;
		case 'o': b.ops = strtoul(optarg, NULL, 10); break;
		case 'w': b.window = strtoul(optarg, NULL, 10); break;
		case 's': b.rng = strtoull(optarg, NULL, 10) | 1; break;
		case 'v': setenv("TEST_VERBOSE", "1", 1); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	/* Two store runs write 2 ops values, at most 255 per node. */
	if (b.nodes < 5 || b.nodes > LAB_MAX || !b.ops || !b.window ||
	    2 * b.ops > b.nodes * MAX_MULTIPLE) {
		usage(stderr);
		return 2;
	}
	b.recs = calloc(2 * b.ops, sizeof(*b.recs));
	if (!b.recs)
		return 1;
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
	fprintf(stderr, "bench_store: a sanitized or unoptimized build: the figures mean little\n");
#endif
	signal(SIGPIPE, SIG_IGN);
	if (overlay(&b, true, &sig) || overlay(&b, false, &uns) ||
	    ecdsa_costs(&sign_ms, &verify_ms)) {
		free(b.recs);
		return 1;
	}
	free(b.recs);

	printf("Store and Fetch on %zu nodes over TLS 1.3 on loopback, one thread, values of %d "
	       "bytes, %zu operations each (build %s)\n", b.nodes, VALUE_SIZE, b.ops,
	       CHORUS_BENCH_BUILD);
	print_result("signed (EC P-256), the real thing", &sig, b.window);
	print_result("unsigned, the reference", &uns, b.window);
	printf("one value: ECDSA sign %.4f ms, verify %.4f ms (median of 200)\n", sign_ms,
	       verify_ms);
	printf("security's share (signed vs unsigned): of the median store %.0f%%, fetch %.0f%%; of the thread at "
	       "%zu outstanding: stores %.0f%%, fetches %.0f%%\n",
	       100 * (1 - uns.store.p50 / sig.store.p50), 100 * (1 - uns.fetch.p50 / sig.fetch.p50),
	       b.window, 100 * (1 - sig.store_w.per_s / uns.store_w.per_s),
	       100 * (1 - sig.fetch_w.per_s / uns.fetch_w.per_s));
	printf("{\"bench\":\"store_tls\",\"build\":\"%s\",\"nodes\":%zu,\"ops\":%zu,\"window\":%zu,"
	       "\"value_bytes\":%d,\"ping_p50_ms\":%.4f,\"ping_p99_ms\":%.4f,"
	       "\"store_p50_ms\":%.4f,\"store_p90_ms\":%.4f,\"store_p99_ms\":%.4f,"
	       "\"fetch_p50_ms\":%.4f,\"fetch_p90_ms\":%.4f,\"fetch_p99_ms\":%.4f,"
	       "\"stores_per_s\":%.1f,\"fetches_per_s\":%.1f,"
	       "\"store_vs_ping\":%.3f,\"fetch_vs_ping\":%.3f,"
	       "\"unsigned_store_p50_ms\":%.4f,\"unsigned_fetch_p50_ms\":%.4f,"
	       "\"unsigned_stores_per_s\":%.1f,\"unsigned_fetches_per_s\":%.1f,"
	       "\"security_share_store_p50\":%.3f,\"security_share_fetch_p50\":%.3f,"
	       "\"security_share_store_cpu\":%.3f,\"security_share_fetch_cpu\":%.3f,"
	       "\"ecdsa_sign_ms\":%.4f,\"ecdsa_verify_ms\":%.4f,\"replicas_per_store\":%.3f}\n",
	       CHORUS_BENCH_BUILD, b.nodes, b.ops, b.window, VALUE_SIZE, sig.ping.p50, sig.ping.p99,
	       sig.store.p50, sig.store.p90, sig.store.p99, sig.fetch.p50, sig.fetch.p90,
	       sig.fetch.p99, sig.store_w.per_s, sig.fetch_w.per_s, sig.store.p50 / sig.ping.p50,
	       sig.fetch.p50 / sig.ping.p50, uns.store.p50, uns.fetch.p50, uns.store_w.per_s,
	       uns.fetch_w.per_s, 1 - uns.store.p50 / sig.store.p50,
	       1 - uns.fetch.p50 / sig.fetch.p50, 1 - sig.store_w.per_s / uns.store_w.per_s,
	       1 - sig.fetch_w.per_s / uns.fetch_w.per_s, sign_ms, verify_ms,
	       sig.replicas_per_store);
	return 0;
}
