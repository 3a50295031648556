/*
 * bench_wire.c - throughput of the relo wire codec against memcpy
 *
 * Measures, for a few typical messages built and signed with the real
 * codec (tools/wire/samples.h):
 *   decode  relo_msg_decode() then relo_body_decode(): everything a
 *           destination node parses, into an arena reset every message;
 *   encode  relo_body_write() then relo_msg_encode() of the decoded
 *           structures into reused writers: what a node does to send it;
 *   memcpy  a plain memcpy of the same bytes, the reference measured in the
 *           same run: the figures to compare are the ratios to it.
 *
 * Each measurement takes BENCH_SECONDS (default 0.3) of wall time after a
 * short warm-up: five rounds interleaving decode, encode and memcpy, in
 * batches timed with CLOCK_MONOTONIC; each reports its best round. The
 * output is a table, then one JSON line, last; MB are 10^6 bytes of the
 * encoded message. It only reports: there are no thresholds. It exits
 * non-zero if a message does not decode and re-encode to its own bytes, or
 * on any codec error.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "relo/arena.h"
#include "relo/body.h"
#include "relo/codes.h"
#include "relo/msg.h"
#include "relo/wire.h"
#include "samples.h"

#ifndef CHORUS_BENCH_BUILD
#define CHORUS_BENCH_BUILD "unknown"
#endif

#define DEFAULT_SECONDS 0.3
#define MAX_SECONDS 3600.0
#define ARENA_CHUNK (64u * 1024u) /* one block holds any decoded case */
#define STORAGE_TIME UINT64_C(1795000000000)
#define N_IDS 24
#define ROUNDS 5 /* per measurement; the best one is reported */

enum op { OP_DECODE, OP_ENCODE, OP_MEMCPY, N_OPS };

static const char *const op_names[N_OPS] = { "decode", "encode", "memcpy" };

struct bcase {
	const char *name;
	uint16_t code;
	uint8_t *msg;               /* the encoded message, from sample_encode() */
	size_t len;
	/* Every operation reads the message from in; memcpy copies it to copy.
	 * Both sit in mem, 64-byte aligned and 2 KiB apart modulo 4 KiB, so
	 * that the reference does not depend on where malloc put them. */
	uint8_t *mem;
	uint8_t *in;
	/* decode */
	struct relo_arena *scratch; /* reset before every decode */
	/* encode: the message decoded once, kept in its own arena */
	struct relo_arena *keep;
	struct relo_msg m;
	struct relo_body body;
	struct relo_wr bw;          /* body, reused */
	struct relo_wr mw;          /* whole message, reused */
	uint8_t *copy;
	double ns[N_OPS];           /* per message */
};

/* ---- the messages ---- */

static struct relo_nodeid ids[N_IDS];
static uint8_t resource[16];

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 37u);
}

/* A Signature laid out like a real one: SHA-256, RSA, signer cert_hash. */
static void fake_sig(struct relo_sig *s, const uint8_t *cert_hash, const uint8_t *value)
{
	memset(s, 0, sizeof(*s));
	s->hash_alg = RELO_HASH_SHA256;
	s->sig_alg = RELO_SIG_RSA;
	s->signer.type = RELO_SIGNER_CERT_HASH;
	s->signer.hash_alg = RELO_HASH_SHA256;
	s->signer.hash = relo_bytes_of(cert_hash, 32);
	s->value = relo_bytes_of(value, 256);
}

/* SipRegistration (RFC 7904): type uri(1), uint16 length, opaque<0..2^16-1>. */
static struct relo_bytes sip_value(uint8_t *buf, size_t cap, const char *uri)
{
	struct relo_wr w;
	size_t mark;

	relo_wr_init(&w, buf, cap);
	relo_wr_u8(&w, 1);
	mark = relo_wr_open(&w, 2);
	relo_wr_vec(&w, 2, 0xffff, relo_bytes_str(uri));
	relo_wr_close(&w, mark, 2, 0xffff);
	return relo_bytes_of(buf, w.err ? 0 : w.len);
}

/*
 * Wraps body in a message as it reaches its destination: a request came
 * through two peers (Via) to dst; an answer retraces them in reverse (and
 * ignores dst).
 */
static int build_msg(const struct relo_wirecfg *cfg, const struct relo_body *body,
		     struct relo_dest dst, uint64_t tid, struct bcase *c)
{
	struct relo_dest hops[2], back[2];
	struct relo_msg m;
	bool req = relo_code_is_request(body->code);

	hops[0].type = RELO_DEST_NODE;
	hops[0].u.node = ids[0];
	hops[1].type = RELO_DEST_NODE;
	hops[1].u.node = ids[5];
	back[0] = hops[1];
	back[1] = hops[0];
	relo_msg_init(&m);
	m.fwd.overlay = 0x8e5f2c41u;
	m.fwd.config_seq = 7;
	m.fwd.ttl = req ? 98 : 100;
	m.fwd.trans_id = tid;
	m.fwd.max_resp_len = req ? cfg->max_msg_size : 0;
	if (req) {
		m.fwd.via = hops;
		m.fwd.n_via = 2;
		m.fwd.dst = &dst;
		m.fwd.n_dst = 1;
	} else {
		m.fwd.dst = back;
		m.fwd.n_dst = 2;
	}
	c->code = body->code;
	return sample_encode(cfg, &m, body, &c->msg, &c->len);
}

enum { C_FETCH_REQ, C_FETCH_ANS, C_STORE_1K, C_UPDATE_NEIGHBORS, C_UPDATE_FULL, N_CASES };

static int build_cases(const struct relo_wirecfg *cfg, struct bcase *cases)
{
	static const char *const uris[3] = { "sip:alice@192.0.2.1:5060",
					     "sip:alice@198.51.100.7:5060;transport=tcp",
					     "sip:alice@[2001:db8::9]:5061;transport=tls" };
	uint8_t cert_hash[32], sigval[3][256], sipbuf[3][96], value[1024];
	struct relo_array_range range = { 0, 3 };
	struct relo_bytes key;
	struct relo_specifier spec[2];
	struct relo_stored_data sd[3];
	struct relo_kind_data fk[2];
	struct relo_kind_data sk;
	struct relo_dest to_res, to_node;
	struct relo_body b;
	unsigned i;
	int err;

	for (i = 0; i < N_IDS; i++)
		sample_nodeid(&ids[i], i);
	fill(resource, sizeof(resource), 0xa7);
	fill(cert_hash, sizeof(cert_hash), 0x3c);
	for (i = 0; i < 3; i++)
		fill(sigval[i], sizeof(sigval[i]), (uint8_t)(0x51 + i));
	fill(value, sizeof(value), 0x0f);
	to_res.type = RELO_DEST_RESOURCE;
	to_res.u.resource = relo_bytes_of(resource, sizeof(resource));
	to_node.type = RELO_DEST_NODE;
	to_node.u.node = ids[1];

	/* Fetch one registration (dictionary, one key) and a certificate range. */
	memset(spec, 0, sizeof(spec));
	key = relo_bytes_of(ids[0].id, ids[0].len);
	spec[0].kind = RELO_KIND_SIP_REGISTRATION;
	spec[0].generation = 4;
	spec[0].model = RELO_MODEL_DICTIONARY;
	spec[0].keys = &key;
	spec[0].n_keys = 1;
	spec[1].kind = RELO_KIND_CERTIFICATE_BY_USER;
	spec[1].model = RELO_MODEL_ARRAY;
	spec[1].ranges = &range;
	spec[1].n_ranges = 1;
	memset(&b, 0, sizeof(b));
	b.code = RELO_FETCH_REQ;
	b.u.fetch_req.resource = relo_bytes_of(resource, sizeof(resource));
	b.u.fetch_req.spec = spec;
	b.u.fetch_req.n_spec = 2;
	cases[C_FETCH_REQ].name = "fetch_req";
	err = build_msg(cfg, &b, to_res, 1, &cases[C_FETCH_REQ]);
	if (err)
		return err;

	/* The answer to a fetch of a user's registrations: three signed
	 * SIP-REGISTRATION entries keyed by Node-ID, no certificate stored. */
	memset(sd, 0, sizeof(sd));
	for (i = 0; i < 3; i++) {
		sd[i].storage_time = STORAGE_TIME + i;
		sd[i].lifetime = 600;
		sd[i].value.model = RELO_MODEL_DICTIONARY;
		sd[i].value.key = relo_bytes_of(ids[i].id, ids[i].len);
		sd[i].value.v.exists = true;
		sd[i].value.v.value = sip_value(sipbuf[i], sizeof(sipbuf[i]), uris[i]);
		if (!sd[i].value.v.value.len)
			return -EMSGSIZE;
		fake_sig(&sd[i].sig, cert_hash, sigval[i]);
	}
	fk[0] = (struct relo_kind_data){ RELO_KIND_SIP_REGISTRATION, 4, sd, 3 };
	fk[1] = (struct relo_kind_data){ RELO_KIND_CERTIFICATE_BY_USER, 0, NULL, 0 };
	memset(&b, 0, sizeof(b));
	b.code = RELO_FETCH_ANS;
	b.u.fetch_ans.kinds = fk;
	b.u.fetch_ans.n_kinds = 2;
	cases[C_FETCH_ANS].name = "fetch_ans";
	err = build_msg(cfg, &b, to_node, 2, &cases[C_FETCH_ANS]);
	if (err)
		return err;

	/* Store one 1 KiB value of the private dictionary kind (max-size 1024). */
	memset(sd, 0, sizeof(sd));
	sd[0].storage_time = STORAGE_TIME;
	sd[0].lifetime = 3600;
	sd[0].value.model = RELO_MODEL_DICTIONARY;
	sd[0].value.key = relo_bytes_of(ids[0].id, ids[0].len);
	sd[0].value.v.exists = true;
	sd[0].value.v.value = relo_bytes_of(value, sizeof(value));
	fake_sig(&sd[0].sig, cert_hash, sigval[0]);
	sk = (struct relo_kind_data){ SAMPLE_PRIVATE_KIND, 11, sd, 1 };
	memset(&b, 0, sizeof(b));
	b.code = RELO_STORE_REQ;
	b.u.store_req.resource = relo_bytes_of(resource, sizeof(resource));
	b.u.store_req.kinds = &sk;
	b.u.store_req.n_kinds = 1;
	cases[C_STORE_1K].name = "store_1k";
	err = build_msg(cfg, &b, to_res, 3, &cases[C_STORE_1K]);
	if (err)
		return err;

	/* CHORD-RELOAD Update, neighbors: three predecessors, three successors. */
	memset(&b, 0, sizeof(b));
	b.code = RELO_UPDATE_REQ;
	b.u.update_req.uptime = 3600;
	b.u.update_req.type = RELO_CHORD_NEIGHBORS;
	b.u.update_req.pred = &ids[2];
	b.u.update_req.n_pred = 3;
	b.u.update_req.succ = &ids[5];
	b.u.update_req.n_succ = 3;
	cases[C_UPDATE_NEIGHBORS].name = "update_neighbors";
	err = build_msg(cfg, &b, to_node, 4, &cases[C_UPDATE_NEIGHBORS]);
	if (err)
		return err;

	/* The same with the full finger table: sixteen fingers. */
	b.u.update_req.type = RELO_CHORD_FULL;
	b.u.update_req.fingers = &ids[8];
	b.u.update_req.n_fingers = 16;
	cases[C_UPDATE_FULL].name = "update_full";
	return build_msg(cfg, &b, to_node, 5, &cases[C_UPDATE_FULL]);
}

/* ---- the operations ---- */

/* Makes the compiler assume p's memory is read and changed: keeps memcpy. */
static inline void clobber(const void *p)
{
#if defined(__GNUC__)
	__asm__ volatile("" : : "r"(p) : "memory");
#else
	static volatile uint8_t sink;
	sink = *(const volatile uint8_t *)p;
#endif
}

static int decode_once(const struct relo_wirecfg *cfg, struct relo_arena *a, const uint8_t *buf,
		       size_t len, struct relo_msg *m, struct relo_body *body)
{
	int err = relo_msg_decode(cfg, a, buf, len, m);

	if (!err)
		err = relo_body_decode(cfg, a, m->c.code, m->c.body, body);
	return err;
}

/* Encodes the body into c->bw, then the message around it into c->mw. */
static int encode_once(const struct relo_wirecfg *cfg, struct bcase *c)
{
	relo_wr_reset(&c->bw);
	relo_body_write(&c->bw, cfg, &c->body);
	if (c->bw.err)
		return c->bw.err;
	c->m.c.body = relo_bytes_of(c->bw.buf, c->bw.len);
	relo_wr_reset(&c->mw);
	return relo_msg_encode(cfg, &c->m, &c->mw);
}

static int run_batch(const struct relo_wirecfg *cfg, struct bcase *c, enum op op, uint64_t n)
{
	struct relo_msg m;
	struct relo_body body;
	uint64_t i;
	int err;

	switch (op) {
	case OP_DECODE:
		for (i = 0; i < n; i++) {
			relo_arena_reset(c->scratch);
			err = decode_once(cfg, c->scratch, c->in, c->len, &m, &body);
			if (err)
				return err;
			clobber(&body);
		}
		return 0;
	case OP_ENCODE:
		for (i = 0; i < n; i++) {
			err = encode_once(cfg, c);
			if (err)
				return err;
			clobber(c->mw.buf);
		}
		return 0;
	case OP_MEMCPY:
		for (i = 0; i < n; i++) {
			memcpy(c->copy, c->in, c->len);
			clobber(c->copy);
		}
		return 0;
	case N_OPS:
		break;
	}
	return -EINVAL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Warm-up: runs op for about warm seconds while doubling the batch until
 * one batch lasts a slice (so reading the clock costs nothing). Sets *batch.
 */
static int warm_up(const struct relo_wirecfg *cfg, struct bcase *c, enum op op, double warm,
		   double slice, uint64_t *batch)
{
	double t0, t1, end;
	uint64_t n = 1;
	int err;

	t0 = now_s();
	end = t0 + warm;
	for (;;) {
		err = run_batch(cfg, c, op, n);
		if (err)
			return err;
		t1 = now_s();
		if (t1 - t0 < slice && n < (UINT64_C(1) << 40))
			n *= 2;
		else if (t1 >= end)
			break;
		t0 = t1;
	}
	*batch = n;
	return 0;
}

/* Runs batches of op for seconds; sets *ns to the time per message. */
static int timed(const struct relo_wirecfg *cfg, struct bcase *c, enum op op, uint64_t batch,
		 double seconds, double *ns)
{
	uint64_t iters = 0;
	double t0 = now_s(), t;
	int err;

	do {
		err = run_batch(cfg, c, op, batch);
		if (err)
			return err;
		iters += batch;
		t = now_s() - t0;
	} while (t < seconds);
	*ns = t * 1e9 / (double)iters;
	return 0;
}

/*
 * Measures the three operations of a case in ROUNDS interleaved rounds
 * sharing the wall time, so that the codec and its memcpy reference see
 * the same machine; keeps each one's best round.
 */
static int measure(const struct relo_wirecfg *cfg, struct bcase *c, double seconds)
{
	double slice = seconds / ROUNDS / 20 < 0.002 ? seconds / ROUNDS / 20 : 0.002;
	uint64_t batch[N_OPS];
	double ns;
	int op, r, err;

	for (op = 0; op < N_OPS; op++) {
		err = warm_up(cfg, c, (enum op)op, seconds / 10, slice, &batch[op]);
		if (err)
			return err;
		c->ns[op] = INFINITY;
	}
	for (r = 0; r < ROUNDS; r++) {
		for (op = 0; op < N_OPS; op++) {
			err = timed(cfg, c, (enum op)op, batch[op], seconds / ROUNDS, &ns);
			if (err)
				return err;
			if (ns < c->ns[op])
				c->ns[op] = ns;
		}
	}
	return 0;
}

/* ---- setup, check and report ---- */

static int case_init(const struct relo_wirecfg *cfg, struct bcase *c)
{
	size_t span = (c->len + 4095) & ~(size_t)4095;
	int err;

	relo_wr_init_dyn(&c->bw, cfg->max_msg_size);
	relo_wr_init_dyn(&c->mw, cfg->max_msg_size);
	c->mem = aligned_alloc(4096, 2 * span + 4096);
	if (!c->mem)
		return -ENOMEM;
	c->in = c->mem;
	c->copy = c->mem + span + 2048;
	memcpy(c->in, c->msg, c->len);
	err = relo_arena_alloc(&c->scratch, ARENA_CHUNK, 0);
	if (!err)
		err = relo_arena_alloc(&c->keep, ARENA_CHUNK, 0);
	return err;
}

static void case_free(struct bcase *c)
{
	relo_wr_free(&c->bw);
	relo_wr_free(&c->mw);
	relo_arena_free(c->scratch);
	relo_arena_free(c->keep);
	free(c->mem);
	free(c->msg);
}

/* The codec must reproduce the message before its speed means anything. */
static int check_roundtrip(const struct relo_wirecfg *cfg, struct bcase *c)
{
	int err = decode_once(cfg, c->keep, c->in, c->len, &c->m, &c->body);

	if (err) {
		fprintf(stderr, "bench_wire: %s: decode failed: %s\n", c->name, strerror(-err));
		return err;
	}
	if (c->m.c.code != c->code || c->body.code != c->code) {
		fprintf(stderr, "bench_wire: %s: decoded code 0x%04x, built 0x%04x\n", c->name,
			c->m.c.code, c->code);
		return -EBADMSG;
	}
	err = encode_once(cfg, c);
	if (err) {
		fprintf(stderr, "bench_wire: %s: encode failed: %s\n", c->name, strerror(-err));
		return err;
	}
	if (c->mw.len != c->len || memcmp(c->mw.buf, c->in, c->len) != 0) {
		fprintf(stderr, "bench_wire: %s: re-encoding gives %zu bytes that differ from the "
			"%zu decoded\n", c->name, c->mw.len, c->len);
		return -EBADMSG;
	}
	return 0;
}

static double get_seconds(void)
{
	const char *s = getenv("BENCH_SECONDS");
	char *end;
	double v;

	if (!s || !*s)
		return DEFAULT_SECONDS;
	v = strtod(s, &end);
	if (*end || !isfinite(v) || v <= 0 || v > MAX_SECONDS)
		return -1;
	return v;
}

static double per_s(double ns)
{
	return 1e9 / ns;
}

static double mb_per_s(double ns, size_t bytes)
{
	return (double)bytes * 1e3 / ns; /* bytes / ns * 1e9 / 1e6 */
}

static void report(const struct bcase *cases, size_t n, double seconds)
{
	size_t i;
	int op;

	printf("relo wire codec vs memcpy of the same bytes: %.3g s per measurement "
	       "(best of %d rounds), MB = 10^6 bytes, build %s\n\n", seconds, ROUNDS,
	       CHORUS_BENCH_BUILD);
	printf("%-17s %-6s %6s %12s %10s %10s %10s\n", "case", "op", "bytes", "msgs/s", "MB/s",
	       "ns/msg", "vs memcpy");
	for (i = 0; i < n; i++) {
		const struct bcase *c = &cases[i];

		for (op = 0; op < N_OPS; op++)
			printf("%-17s %-6s %6zu %12.0f %10.1f %10.1f %9.2fx\n", c->name,
			       op_names[op], c->len, per_s(c->ns[op]), mb_per_s(c->ns[op], c->len),
			       c->ns[op], c->ns[op] / c->ns[OP_MEMCPY]);
	}
	printf("\n{\"bench\":\"wire\",\"seconds\":%g,\"build\":\"%s\",\"cases\":[", seconds,
	       CHORUS_BENCH_BUILD);
	for (i = 0; i < n; i++) {
		const struct bcase *c = &cases[i];

		printf("%s{\"name\":\"%s\",\"bytes\":%zu", i ? "," : "", c->name, c->len);
		for (op = 0; op < N_OPS; op++)
			printf(",\"%s_msgs_per_s\":%.1f,\"%s_mb_per_s\":%.1f,\"%s_ns_per_msg\":%.2f",
			       op_names[op], per_s(c->ns[op]), op_names[op],
			       mb_per_s(c->ns[op], c->len), op_names[op], c->ns[op]);
		printf(",\"decode_vs_memcpy\":%.3f,\"encode_vs_memcpy\":%.3f}",
		       c->ns[OP_DECODE] / c->ns[OP_MEMCPY], c->ns[OP_ENCODE] / c->ns[OP_MEMCPY]);
	}
	printf("]}\n");
}

int main(int argc, char **argv)
{
	struct relo_wirecfg cfg;
	struct bcase cases[N_CASES];
	double seconds = get_seconds();
	size_t i;
	int err;

	(void)argv;
	if (argc > 1 || seconds < 0) {
		fprintf(stderr, "usage: [BENCH_SECONDS=s] bench_wire\n"
			"  BENCH_SECONDS: wall time of each measurement, 0 < s <= %g "
			"(default %g)\n", MAX_SECONDS, DEFAULT_SECONDS);
		return 2;
	}
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
	fprintf(stderr, "bench_wire: warning: unoptimized or sanitized build, figures are not "
		"representative\n");
#endif
	memset(cases, 0, sizeof(cases));
	samples_cfg(&cfg);
	err = build_cases(&cfg, cases);
	if (err)
		fprintf(stderr, "bench_wire: building the messages failed: %s\n", strerror(-err));
	for (i = 0; i < N_CASES && !err; i++) {
		err = case_init(&cfg, &cases[i]);
		if (err)
			fprintf(stderr, "bench_wire: %s\n", strerror(-err));
		else
			err = check_roundtrip(&cfg, &cases[i]);
	}
	for (i = 0; i < N_CASES && !err; i++) {
		err = measure(&cfg, &cases[i], seconds);
		if (err)
			fprintf(stderr, "bench_wire: %s: %s\n", cases[i].name, strerror(-err));
	}
	if (!err)
		report(cases, N_CASES, seconds);
	for (i = 0; i < N_CASES; i++)
		case_free(&cases[i]);
	return err ? 1 : 0;
}
