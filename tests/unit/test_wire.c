/*
 * test_wire.c - unit tests of the RELOAD wire codec (reload/wire)
 *
 * Fixed vectors written from the RFC's structures, round trips of a sample
 * of every message type, every truncation, the RFC's rejection rules,
 * framing, ACK windows, fragmentation and reassembly, allocation failure,
 * and random corruption.
 */
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "relo/body.h"
#include "relo/frame.h"
#include "relo/msg.h"
#include "samples.h"
#include "test.h"
#include "vectors.h"

#define KIND_X 0xf0000010u /* single value */
#define KIND_Y 0xf0000011u /* array */
#define KIND_Z 0xf0000012u /* dictionary */

static enum relo_model vec_model(void *arg, uint32_t kind)
{
	(void)arg;
	switch (kind) {
	case KIND_X: return RELO_MODEL_SINGLE;
	case KIND_Y: return RELO_MODEL_ARRAY;
	case KIND_Z: return RELO_MODEL_DICTIONARY;
	}
	return relo_model_builtin(NULL, kind);
}

static void vec_cfg(struct relo_wirecfg *cfg)
{
	relo_wirecfg_default(cfg);
	cfg->model = vec_model;
}

static const uint8_t node_a[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const uint8_t node_b[16] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
				    0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20 };

static struct relo_arena *arena(void)
{
	struct relo_arena *a = NULL;
	if (relo_arena_alloc(&a, 512, 0))
		abort();
	return a;
}

/* Encodes m (with its raw body) and compares with want. */
static int reencodes(const struct relo_wirecfg *cfg, const struct relo_msg *m, const uint8_t *want,
		     size_t len)
{
	struct relo_wr w;
	int err, same;

	relo_wr_init_dyn(&w, 0);
	err = relo_msg_encode(cfg, m, &w);
	same = !err && w.len == len && memcmp(w.buf, want, len) == 0;
	relo_wr_free(&w);
	return same ? 0 : (err ? err : -EPROTO);
}

/* Encodes a body and compares it with the bytes it was decoded from. */
static int body_reencodes(const struct relo_wirecfg *cfg, const struct relo_body *b,
			  struct relo_bytes want)
{
	struct relo_wr w;
	int same;

	relo_wr_init_dyn(&w, 0);
	relo_body_write(&w, cfg, b);
	same = !w.err && relo_bytes_eq(relo_bytes_of(w.buf, w.len), want);
	relo_wr_free(&w);
	return same ? 0 : -EPROTO;
}

/* ---- cursor ---- */

static int test_cursor_reads(void)
{
	static const uint8_t b[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				     0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
				     0x11, 0x12 };
	struct relo_rd r;

	relo_rd_init(&r, b, sizeof(b));
	CHECK_EQ(relo_rd_u8(&r), 0x01);
	CHECK_EQ(relo_rd_u16(&r), 0x0203);
	CHECK_EQ(relo_rd_u24(&r), 0x040506);
	CHECK_EQ(relo_rd_u32(&r), 0x0708090a);
	CHECK(relo_rd_u64(&r) == 0x0b0c0d0e0f101112ull);
	CHECK_EQ(r.err, 0);
	CHECK_EQ(relo_rd_left(&r), 0);
	/* Reading past the end: zero, and the error sticks. */
	CHECK_EQ(relo_rd_u8(&r), 0);
	CHECK_EQ(r.err, -EBADMSG);
	relo_rd_init(&r, b, 3);
	CHECK_EQ(relo_rd_u32(&r), 0);
	CHECK_EQ(r.err, -EBADMSG);
	CHECK_EQ(relo_rd_u8(&r), 0); /* even though a byte was left */
	CHECK_EQ(relo_rd_left(&r), 0);
	return 0;
}

static int test_cursor_vectors(void)
{
	static const uint8_t v1[] = { 3, 'a', 'b', 'c', 0xff };
	static const uint8_t v3[] = { 0, 0, 2, 'h', 'i' };
	static const uint8_t v4[] = { 0, 0, 0, 9, 'x' };
	static const uint8_t boolean[] = { 2 };
	struct relo_rd r, sub;
	struct relo_bytes b;
	unsigned lb;

	relo_rd_init(&r, v1, sizeof(v1));
	b = relo_rd_vec(&r, 1, 255);
	CHECK(r.err == 0 && b.len == 3 && memcmp(b.p, "abc", 3) == 0);
	relo_rd_init(&r, v1, sizeof(v1));
	relo_rd_vec(&r, 1, 2); /* longer than allowed */
	CHECK_EQ(r.err, -EMSGSIZE);
	relo_rd_init(&r, v3, sizeof(v3));
	b = relo_rd_vec(&r, 3, 0xffffff);
	CHECK(r.err == 0 && b.len == 2);
	relo_rd_init(&r, v4, sizeof(v4));
	relo_rd_vec(&r, 4, 0xffffffffu); /* claims 9 bytes, has 1 */
	CHECK_EQ(r.err, -EBADMSG);
	for (lb = 1; lb <= 4; lb++) {
		/* Every truncation of a length prefix fails. */
		relo_rd_init(&r, v4, lb - 1);
		relo_rd_vec(&r, lb, 0xffffffffu);
		CHECK_EQ(r.err, -EBADMSG);
	}
	/* A sub-reader must be consumed to the end. */
	relo_rd_init(&r, v1, sizeof(v1));
	relo_rd_open(&r, 1, 255, &sub);
	relo_rd_u16(&sub);
	CHECK_EQ(relo_rd_close(&r, &sub), -EBADMSG);
	relo_rd_init(&r, v1, sizeof(v1));
	relo_rd_open(&r, 1, 255, &sub);
	relo_rd_u16(&sub);
	relo_rd_u8(&sub);
	CHECK_EQ(relo_rd_close(&r, &sub), 0);
	CHECK_EQ(relo_rd_u8(&r), 0xff);
	/* An error inside propagates out. */
	relo_rd_init(&r, v1, sizeof(v1));
	relo_rd_open(&r, 1, 255, &sub);
	relo_rd_u32(&sub);
	CHECK_EQ(relo_rd_close(&r, &sub), -EBADMSG);
	/* Booleans are 0 or 1. */
	relo_rd_init(&r, boolean, 1);
	relo_rd_bool(&r);
	CHECK_EQ(r.err, -EBADMSG);
	return 0;
}

static int test_writer(void)
{
	uint8_t buf[8];
	struct relo_wr w;
	uint8_t big[300];
	size_t mark;

	relo_wr_init(&w, buf, sizeof(buf));
	relo_wr_u32(&w, 0xd2454c4f);
	relo_wr_u24(&w, 0x010203);
	CHECK_EQ(w.err, 0);
	relo_wr_u16(&w, 7); /* 9 bytes into 8 */
	CHECK_EQ(w.err, -ENOSPC);
	CHECK_EQ(w.len, 7);
	CHECK_MEM(buf, "\xd2\x45\x4c\x4f\x01\x02\x03", 7);

	relo_wr_init_dyn(&w, 0);
	relo_wr_u24(&w, 0x1000000);
	CHECK_EQ(w.err, -EMSGSIZE);
	relo_wr_free(&w);

	memset(big, 'x', sizeof(big));
	relo_wr_init_dyn(&w, 0);
	relo_wr_vec(&w, 1, 255, relo_bytes_of(big, 256)); /* does not fit a byte */
	CHECK_EQ(w.err, -EMSGSIZE);
	relo_wr_free(&w);

	relo_wr_init_dyn(&w, 0);
	mark = relo_wr_open(&w, 2);
	relo_wr_bytes(&w, big, 300);
	relo_wr_close(&w, mark, 2, 0xffff);
	CHECK_EQ(w.err, 0);
	CHECK_EQ(w.len, 302);
	CHECK(w.buf[0] == 0x01 && w.buf[1] == 0x2c);
	mark = relo_wr_open(&w, 1);
	relo_wr_bytes(&w, big, 10);
	relo_wr_close(&w, mark, 1, 9); /* a vector with a smaller maximum */
	CHECK_EQ(w.err, -EMSGSIZE);
	relo_wr_free(&w);

	relo_wr_init_dyn(&w, 16); /* a growing writer with a cap */
	relo_wr_bytes(&w, big, 16);
	CHECK_EQ(w.err, 0);
	relo_wr_u8(&w, 1);
	CHECK_EQ(w.err, -EMSGSIZE);
	relo_wr_free(&w);
	return 0;
}

static int test_arena(void)
{
	struct relo_arena *a;
	uint32_t *arr = NULL;
	size_t n = 0, cap = 0, i;
	void *p;

	CHECK_EQ(relo_arena_alloc(&a, 64, 4096), 0);
	for (i = 0; i < 5000; i++) {
		uint32_t *l = relo_arena_push(a, arr, &n, &cap, sizeof(*arr));
		if (!l)
			break;
		arr = l;
		CHECK_EQ(arr[n - 1], 0); /* zeroed */
		arr[n - 1] = (uint32_t)i * 7;
	}
	CHECK(n > 500 && n < 1024); /* the 4 KiB budget ran out */
	for (i = 0; i < n; i++)
		CHECK_EQ(arr[i], i * 7); /* growth kept every element */
	CHECK(relo_arena_used(a) <= 4096);
	CHECK(relo_arena_get(a, 4096) == NULL);
	relo_arena_reset(a);
	CHECK_EQ(relo_arena_used(a), 0);
	p = relo_arena_get(a, 1000);
	CHECK(p != NULL);
	CHECK_EQ(((uintptr_t)p) % 8, 0);
	relo_arena_free(a);
	return 0;
}

/* ---- fixed vectors ---- */

static int check_secblock(const struct relo_msg *m)
{
	CHECK_EQ(m->sec.n_certs, 0);
	CHECK_EQ(m->sec.sig.hash_alg, RELO_HASH_SHA256);
	CHECK_EQ(m->sec.sig.sig_alg, RELO_SIG_RSA);
	CHECK_EQ(m->sec.sig.signer.type, RELO_SIGNER_CERT_HASH);
	CHECK_EQ(m->sec.sig.signer.hash.len, 32);
	CHECK_EQ(m->sec.sig.signer.hash.p[0], 0xc0);
	CHECK(relo_bytes_eq(m->sec.sig.value, relo_bytes_str("sig!")));
	return 0;
}

static int test_vector_fwd(void)
{
	static const uint8_t res[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
					 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	struct relo_msg m;
	struct relo_body b;
	struct relo_fwd f;
	size_t hdr_len = 0;
	int rc = -1;

	vec_cfg(&cfg);
	CHECK_EQ(relo_fwd_decode(&cfg, a, vec_fwd, sizeof(vec_fwd), &f, &hdr_len), 0);
	CHECK_EQ(hdr_len, 101);
	CHECK_EQ(relo_msg_decode(&cfg, a, vec_fwd, sizeof(vec_fwd), &m), 0);
	CHECK_EQ(m.fwd.overlay, 0x92450759);
	CHECK_EQ(m.fwd.config_seq, 7);
	CHECK_EQ(m.fwd.version, 0x0a);
	CHECK_EQ(m.fwd.ttl, 100);
	CHECK_EQ(m.fwd.fragment, 0xc0000000u);
	CHECK_EQ(m.fwd.length, 160);
	CHECK(m.fwd.trans_id == 0x0102030405060708ull);
	CHECK_EQ(m.fwd.max_resp_len, 4096);
	CHECK_EQ(m.fwd.n_via, 2);
	CHECK_EQ(m.fwd.via[0].type, RELO_DEST_NODE);
	CHECK_MEM(m.fwd.via[0].u.node.id, node_a, 16);
	CHECK_EQ(m.fwd.via[1].type, RELO_DEST_COMPRESSED);
	CHECK_EQ(m.fwd.via[1].u.compressed, 0x8001);
	CHECK_EQ(m.fwd.n_dst, 2);
	CHECK_EQ(m.fwd.dst[0].type, RELO_DEST_NODE);
	CHECK_MEM(m.fwd.dst[0].u.node.id, node_b, 16);
	CHECK_EQ(m.fwd.dst[1].type, RELO_DEST_RESOURCE);
	CHECK(relo_bytes_eq(m.fwd.dst[1].u.resource, relo_bytes_of(res, 16)));
	CHECK_EQ(m.fwd.n_opt, 1);
	CHECK_EQ(m.fwd.opt[0].type, RELO_FWDOPT_EXP_FORWARD);
	CHECK_EQ(m.fwd.opt[0].flags, RELO_FWDOPT_RESPONSE_COPY);
	CHECK(relo_bytes_eq(m.fwd.opt[0].value, relo_bytes_str("ok")));
	CHECK_EQ(m.c.code, RELO_PING_REQ);
	CHECK_EQ(m.c.n_ext, 0);
	CHECK_EQ(m.contents_raw.len, 12);
	CHECK_EQ(check_secblock(&m), 0);
	CHECK_EQ(relo_body_decode(&cfg, a, m.c.code, m.c.body, &b), 0);
	CHECK_EQ(b.u.ping_req.padding.len, 0);
	CHECK_EQ(reencodes(&cfg, &m, vec_fwd, sizeof(vec_fwd)), 0);
	rc = 0;
	relo_arena_free(a);
	return rc;
}

static int test_vector_ping_ans(void)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	struct relo_msg m;
	struct relo_body b;

	vec_cfg(&cfg);
	CHECK_EQ(relo_msg_decode(&cfg, a, vec_ping_ans, sizeof(vec_ping_ans), &m), 0);
	CHECK_EQ(m.fwd.n_via, 0);
	CHECK_EQ(m.fwd.n_dst, 1);
	CHECK_MEM(m.fwd.dst[0].u.node.id, node_a, 16);
	CHECK_EQ(m.c.code, RELO_PING_ANS);
	CHECK_EQ(relo_body_decode(&cfg, a, m.c.code, m.c.body, &b), 0);
	CHECK(b.u.ping_ans.response_id == 0x1122334455667788ull);
	CHECK(b.u.ping_ans.time == 1795000000000ull);
	CHECK_EQ(check_secblock(&m), 0);
	CHECK_EQ(reencodes(&cfg, &m, vec_ping_ans, sizeof(vec_ping_ans)), 0);
	CHECK_EQ(body_reencodes(&cfg, &b, m.c.body), 0);
	relo_arena_free(a);
	return 0;
}

static int decode_store(const uint8_t *v, size_t len, struct relo_arena *a, struct relo_msg *m,
			struct relo_store_req **sr)
{
	static struct relo_body b;
	struct relo_wirecfg cfg;

	vec_cfg(&cfg);
	CHECK_EQ(relo_msg_decode(&cfg, a, v, len, m), 0);
	CHECK_EQ(m->c.code, RELO_STORE_REQ);
	CHECK_EQ(relo_body_decode(&cfg, a, m->c.code, m->c.body, &b), 0);
	CHECK(relo_bytes_eq(b.u.store_req.resource, relo_bytes_str("1234")));
	CHECK_EQ(b.u.store_req.replica_number, 0);
	CHECK_EQ(b.u.store_req.n_kinds, 1);
	CHECK_EQ(reencodes(&cfg, m, v, len), 0);
	CHECK_EQ(body_reencodes(&cfg, &b, m->c.body), 0);
	*sr = &b.u.store_req;
	return 0;
}

static int check_stored_sig(const struct relo_stored_data *sd)
{
	CHECK_EQ(sd->sig.hash_alg, RELO_HASH_SHA256);
	CHECK_EQ(sd->sig.signer.type, RELO_SIGNER_CERT_HASH);
	CHECK_EQ(sd->sig.signer.hash.len, 32);
	CHECK(relo_bytes_eq(sd->sig.value, relo_bytes_str("sig!")));
	return 0;
}

static int test_vector_store_single(void)
{
	struct relo_arena *a = arena();
	struct relo_store_req *sr;
	const struct relo_stored_data *sd;
	struct relo_msg m;

	CHECK_EQ(decode_store(vec_store_single, sizeof(vec_store_single), a, &m, &sr), 0);
	CHECK_EQ(sr->kinds[0].kind, KIND_X);
	CHECK_EQ(sr->kinds[0].generation, 99);
	CHECK_EQ(sr->kinds[0].n_values, 1);
	sd = &sr->kinds[0].values[0];
	CHECK(sd->storage_time == 1795000000000ull);
	CHECK_EQ(sd->lifetime, 86400);
	CHECK_EQ(sd->value.model, RELO_MODEL_SINGLE);
	CHECK(sd->value.v.exists);
	CHECK(relo_bytes_eq(sd->value.v.value, relo_bytes_str("abc")));
	CHECK_EQ(check_stored_sig(sd), 0);
	relo_arena_free(a);
	return 0;
}

static int test_vector_store_array(void)
{
	struct relo_arena *a = arena();
	struct relo_store_req *sr;
	const struct relo_stored_data *sd;
	struct relo_msg m;

	CHECK_EQ(decode_store(vec_store_array, sizeof(vec_store_array), a, &m, &sr), 0);
	CHECK_EQ(sr->kinds[0].kind, KIND_Y);
	CHECK_EQ(sr->kinds[0].generation, 107);
	CHECK_EQ(sr->kinds[0].n_values, 2);
	sd = sr->kinds[0].values;
	CHECK_EQ(sd[0].value.model, RELO_MODEL_ARRAY);
	CHECK_EQ(sd[0].value.index, 0);
	CHECK(relo_bytes_eq(sd[0].value.v.value, relo_bytes_str("foo")));
	CHECK_EQ(sd[0].lifetime, 86400);
	CHECK_EQ(sd[1].value.index, 1);
	CHECK(relo_bytes_eq(sd[1].value.v.value, relo_bytes_str("bar")));
	CHECK_EQ(sd[1].lifetime, 33200);
	CHECK_EQ(check_stored_sig(&sd[1]), 0);
	relo_arena_free(a);
	return 0;
}

static int test_vector_store_dict(void)
{
	struct relo_arena *a = arena();
	struct relo_store_req *sr;
	const struct relo_stored_data *sd;
	struct relo_msg m;

	CHECK_EQ(decode_store(vec_store_dict, sizeof(vec_store_dict), a, &m, &sr), 0);
	CHECK_EQ(sr->kinds[0].kind, KIND_Z);
	CHECK_EQ(sr->kinds[0].n_values, 2);
	sd = sr->kinds[0].values;
	CHECK_EQ(sd[0].value.model, RELO_MODEL_DICTIONARY);
	CHECK(relo_bytes_eq(sd[0].value.key, relo_bytes_str("alice")));
	CHECK(sd[0].value.v.exists);
	CHECK(relo_bytes_eq(sd[0].value.v.value, relo_bytes_str("sip:alice@192.0.2.1")));
	CHECK(relo_bytes_eq(sd[1].value.key, relo_bytes_str("bob")));
	CHECK(!sd[1].value.v.exists); /* a removal */
	CHECK_EQ(sd[1].value.v.value.len, 0);
	relo_arena_free(a);
	return 0;
}

static int test_vector_attach(void)
{
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	const struct relo_attach *at;
	struct relo_msg m;
	struct relo_body b;
	char s[64];

	vec_cfg(&cfg);
	CHECK_EQ(relo_msg_decode(&cfg, a, vec_attach, sizeof(vec_attach), &m), 0);
	CHECK_EQ(m.c.code, RELO_ATTACH_REQ);
	CHECK_EQ(relo_body_decode(&cfg, a, m.c.code, m.c.body, &b), 0);
	at = &b.u.attach;
	CHECK(relo_bytes_eq(at->ufrag, relo_bytes_str("ufrg")));
	CHECK(relo_bytes_eq(at->password, relo_bytes_str("pwd0pwd1pwd2")));
	CHECK(relo_bytes_eq(at->role, relo_bytes_str("passive")));
	CHECK(at->send_update);
	CHECK_EQ(at->n_cand, 3);
	CHECK_EQ(at->cand[0].addr.type, RELO_ADDR_IPV4);
	CHECK(!strcmp(relo_ipport_str(&at->cand[0].addr, s, sizeof(s)), "192.0.2.1:6084"));
	CHECK_EQ(at->cand[0].link, RELO_LINK_TLS_TCP_FH_NO_ICE);
	CHECK(relo_bytes_eq(at->cand[0].foundation, relo_bytes_str("1")));
	CHECK_EQ(at->cand[0].priority, 0x7effffff);
	CHECK_EQ(at->cand[0].type, RELO_CAND_HOST);
	CHECK_EQ(at->cand[0].n_ext, 0);
	CHECK_EQ(at->cand[1].type, RELO_CAND_SRFLX);
	CHECK(!strcmp(relo_ipport_str(&at->cand[1].addr, s, sizeof(s)), "198.51.100.7:6084"));
	CHECK(!strcmp(relo_ipport_str(&at->cand[1].rel, s, sizeof(s)), "192.0.2.1:6084"));
	CHECK_EQ(at->cand[1].n_ext, 1);
	CHECK(relo_bytes_eq(at->cand[1].ext[0].name, relo_bytes_str("a")));
	CHECK(relo_bytes_eq(at->cand[1].ext[0].value, relo_bytes_str("b")));
	CHECK_EQ(at->cand[2].type, RELO_CAND_RELAY);
	CHECK_EQ(at->cand[2].addr.type, RELO_ADDR_IPV6);
	CHECK_MEM(at->cand[2].addr.addr, v6, 16);
	CHECK(!strcmp(relo_ipport_str(&at->cand[2].addr, s, sizeof(s)), "[2001:db8::1]:6084"));
	CHECK_EQ(reencodes(&cfg, &m, vec_attach, sizeof(vec_attach)), 0);
	CHECK_EQ(body_reencodes(&cfg, &b, m.c.body), 0);
	relo_arena_free(a);
	return 0;
}

static const struct {
	const char *name;
	const uint8_t *p;
	size_t len;
} vectors[] = {
	{ "fwd", vec_fwd, sizeof(vec_fwd) },
	{ "ping_ans", vec_ping_ans, sizeof(vec_ping_ans) },
	{ "store_single", vec_store_single, sizeof(vec_store_single) },
	{ "store_array", vec_store_array, sizeof(vec_store_array) },
	{ "store_dict", vec_store_dict, sizeof(vec_store_dict) },
	{ "attach", vec_attach, sizeof(vec_attach) },
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * Every prefix of every vector fails to decode. With the forwarding
 * header's length patched to the prefix length, the decoder gets past the
 * header check and must find the truncation in the structure it is in.
 * Every prefix of every body fails as well.
 */
static int test_vectors_truncated(void)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	uint8_t buf[4096];
	size_t v, cut;

	vec_cfg(&cfg);
	for (v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		struct relo_msg m;
		struct relo_body b;

		for (cut = 0; cut < vectors[v].len; cut++) {
			memcpy(buf, vectors[v].p, cut);
			relo_arena_reset(a);
			if (relo_msg_decode(&cfg, a, buf, cut, &m) == 0)
				TEST_FAIL("%s cut at %zu decoded", vectors[v].name, cut);
			if (cut >= 20) {
				put32(buf + 16, (uint32_t)cut);
				relo_arena_reset(a);
				if (relo_msg_decode(&cfg, a, buf, cut, &m) == 0)
					TEST_FAIL("%s cut at %zu (length patched) decoded",
						  vectors[v].name, cut);
			}
		}
		relo_arena_reset(a);
		CHECK_EQ(relo_msg_decode(&cfg, a, vectors[v].p, vectors[v].len, &m), 0);
		for (cut = 0; cut < m.c.body.len; cut++) {
			if (relo_body_decode(&cfg, a, m.c.code, relo_bytes_of(m.c.body.p, cut), &b) ==
			    0)
				TEST_FAIL("%s body cut at %zu decoded", vectors[v].name, cut);
		}
	}
	relo_arena_free(a);
	return 0;
}

/* ---- samples of every type ---- */

static int test_samples_roundtrip(void)
{
	struct sample_set set;
	struct relo_arena *a = arena();
	bool seen[0x30] = { false };
	bool seen_error = false;
	size_t i;
	unsigned code;

	CHECK_EQ(samples_build(&set), 0);
	CHECK(set.n >= 50);
	for (i = 0; i < set.n; i++) {
		const struct sample *s = &set.s[i];
		struct relo_msg m;
		struct relo_body b;
		int err;

		relo_arena_reset(a);
		err = relo_msg_decode(&set.cfg, a, s->bytes, s->len, &m);
		if (err)
			TEST_FAIL("%s: %s", s->name, strerror(-err));
		CHECK_EQ(m.c.code, s->code);
		err = relo_body_decode(&set.cfg, a, m.c.code, m.c.body, &b);
		if (err)
			TEST_FAIL("%s body: %s", s->name, strerror(-err));
		if (reencodes(&set.cfg, &m, s->bytes, s->len))
			TEST_FAIL("%s does not re-encode to the same bytes", s->name);
		if (body_reencodes(&set.cfg, &b, m.c.body))
			TEST_FAIL("%s body does not re-encode to the same bytes", s->name);
		if (s->code < 0x30)
			seen[s->code] = true;
		seen_error |= s->code == RELO_ERROR;
	}
	/* Every request and answer of RFC 6940 has a sample. */
	for (code = 1; code <= RELO_CONFIG_UPDATE_ANS; code++)
		if (relo_code_known((uint16_t)code) && !seen[code])
			TEST_FAIL("no sample of %s", relo_code_name((uint16_t)code));
	CHECK(seen_error);
	samples_free(&set);
	relo_arena_free(a);
	return 0;
}

static int verify(EVP_PKEY *pub, const struct relo_wr *in, struct relo_bytes sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
		 EVP_DigestVerify(ctx, sig.p, sig.len, in->buf, in->len) == 1;

	EVP_MD_CTX_free(ctx);
	return ok;
}

/*
 * The samples are signed over relo_msg_sig_input / relo_stored_sig_input
 * of the structures they were built from; the same inputs computed from
 * the decoded messages must verify with the certificate in each message.
 */
static int test_samples_signatures(void)
{
	struct sample_set set;
	struct relo_arena *a = arena();
	struct relo_wr w;
	size_t i, k, j, stored = 0;

	CHECK_EQ(samples_build(&set), 0);
	relo_wr_init_dyn(&w, 0);
	for (i = 0; i < set.n; i++) {
		const struct sample *s = &set.s[i];
		const uint8_t *der;
		struct relo_msg m;
		struct relo_body b;
		X509 *x;
		EVP_PKEY *pub;
		uint8_t hash[32];

		relo_arena_reset(a);
		CHECK_EQ(relo_msg_decode(&set.cfg, a, s->bytes, s->len, &m), 0);
		CHECK_EQ(m.sec.n_certs, 1);
		der = m.sec.certs[0].der.p;
		x = d2i_X509(NULL, &der, (long)m.sec.certs[0].der.len);
		CHECK(x != NULL);
		pub = X509_get0_pubkey(x);
		/* cert_hash identifies the certificate by its SHA-256 */
		SHA256(m.sec.certs[0].der.p, m.sec.certs[0].der.len, hash);
		CHECK(relo_bytes_eq(m.sec.sig.signer.hash, relo_bytes_of(hash, 32)));
		relo_wr_reset(&w);
		CHECK_EQ(relo_msg_sig_input(&m, &w), 0);
		if (!verify(pub, &w, m.sec.sig.value)) {
			X509_free(x);
			TEST_FAIL("%s: message signature does not verify", s->name);
		}
		/* Tampering with the contents breaks the signature. */
		w.buf[w.len / 2] ^= 1;
		CHECK(!verify(pub, &w, m.sec.sig.value));
		if (s->code == RELO_STORE_REQ) {
			CHECK_EQ(relo_body_decode(&set.cfg, a, m.c.code, m.c.body, &b), 0);
			for (k = 0; k < b.u.store_req.n_kinds; k++) {
				const struct relo_kind_data *sk = &b.u.store_req.kinds[k];
				for (j = 0; j < sk->n_values; j++) {
					relo_wr_reset(&w);
					CHECK_EQ(relo_stored_sig_input(b.u.store_req.resource,
								       sk->kind, &sk->values[j], &w),
						 0);
					if (!verify(pub, &w, sk->values[j].sig.value)) {
						X509_free(x);
						TEST_FAIL("%s: stored value %zu/%zu does not verify",
							  s->name, k, j);
					}
					stored++;
				}
			}
		}
		X509_free(x);
	}
	CHECK(stored >= 8);
	relo_wr_free(&w);
	samples_free(&set);
	relo_arena_free(a);
	return 0;
}

/* ---- rules of RFC 6940 for received messages ---- */

/* Builds a message with the given code, option and extension. */
static int build(struct relo_wr *w, uint16_t code, const struct relo_fwd_opt *opt,
		 const struct relo_ext *ext, uint8_t ttl, uint16_t cseq)
{
	struct relo_wirecfg cfg;
	struct relo_dest d;
	struct relo_fwd_opt o;
	struct relo_ext e;
	struct relo_msg m;

	relo_wirecfg_default(&cfg);
	relo_msg_init(&m);
	m.fwd.overlay = 0x92450759;
	m.fwd.config_seq = cseq;
	m.fwd.ttl = ttl;
	m.fwd.trans_id = 42;
	d.type = RELO_DEST_NODE;
	d.u.node.len = 16;
	memcpy(d.u.node.id, node_b, 16);
	m.fwd.dst = &d;
	m.fwd.n_dst = 1;
	if (opt) {
		o = *opt;
		m.fwd.opt = &o;
		m.fwd.n_opt = 1;
	}
	if (ext) {
		e = *ext;
		m.c.ext = &e;
		m.c.n_ext = 1;
	}
	m.c.code = code;
	m.sec.sig.signer.type = RELO_SIGNER_NONE;
	relo_wr_init_dyn(w, 0);
	return relo_msg_encode(&cfg, &m, w);
}

static bool know_option_99(void *arg, uint8_t type)
{
	(void)arg;
	return type == 0x63;
}

static bool know_extension_7777(void *arg, uint16_t type)
{
	(void)arg;
	return type == 0x7777;
}

/* Encodes, decodes and checks a message as a node with configuration
 * sequence 7 and initial-ttl 100 would; knows: options and extensions the
 * node implements (0x63 and 0x7777) or none. */
static int check_rules(uint16_t code, const struct relo_fwd_opt *opt, const struct relo_ext *ext,
		       uint8_t ttl, uint16_t cseq, enum relo_role role, bool knows,
		       enum relo_verdict want, uint16_t want_err)
{
	struct relo_rules rules = { .config_seq = 7, .initial_ttl = 100 };
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	struct relo_check chk;
	struct relo_msg m;
	struct relo_wr w;
	size_t hdr_len;
	uint16_t peeked = 0;
	int rc = 0;

	if (knows) {
		rules.option_known = know_option_99;
		rules.extension_known = know_extension_7777;
	}
	relo_wirecfg_default(&cfg);
	if (build(&w, code, opt, ext, ttl, cseq) ||
	    relo_msg_decode(&cfg, a, w.buf, w.len, &m) != 0 ||
	    relo_fwd_decode(&cfg, a, w.buf, w.len, &m.fwd, &hdr_len) != 0 ||
	    relo_msg_peek_code(w.buf, w.len, hdr_len, &peeked) != 0 || peeked != code) {
		rc = -1;
	} else {
		/* A forwarder knows the header and the code, not the contents. */
		relo_msg_check(&rules, &m.fwd, peeked, role == RELO_ROLE_FORWARDER ? NULL : &m.c,
			       role, &chk);
		if (chk.verdict != want || (want == RELO_REJECT && chk.error != want_err)) {
			fprintf(stderr, "  code 0x%04x role %d: verdict %d error %u (%s), want %d/%u\n",
				code, role, chk.verdict, chk.error, chk.why ? chk.why : "-", want,
				want_err);
			rc = -1;
		}
		if (want != RELO_ACCEPT && !chk.why)
			rc = -1;
		if (want == RELO_REJECT && !relo_error_name(chk.error))
			rc = -1;
	}
	relo_wr_free(&w);
	relo_arena_free(a);
	return rc;
}

static int check_verdict(uint16_t code, const struct relo_fwd_opt *opt, const struct relo_ext *ext,
			 uint8_t ttl, uint16_t cseq, enum relo_role role, enum relo_verdict want,
			 uint16_t want_err)
{
	return check_rules(code, opt, ext, ttl, cseq, role, false, want, want_err);
}

static int test_unknown_message_code(void)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	struct relo_body b;
	struct relo_msg m;
	struct relo_wr w;
	size_t hdr_len = 0;

	relo_wirecfg_default(&cfg);
	/* An unassigned request code (0x05, between attach and store). */
	CHECK_EQ(check_verdict(0x0005, NULL, NULL, 100, 7, RELO_ROLE_DESTINATION, RELO_REJECT,
			       RELO_ERR_INVALID_MESSAGE),
		 0);
	/* The old remove_req, reserved codes and unknown answers. */
	CHECK_EQ(check_verdict(0x000b, NULL, NULL, 100, 7, RELO_ROLE_DESTINATION, RELO_REJECT,
			       RELO_ERR_INVALID_MESSAGE),
		 0);
	CHECK_EQ(check_verdict(0x8001, NULL, NULL, 100, 7, RELO_ROLE_DESTINATION, RELO_REJECT,
			       RELO_ERR_INVALID_MESSAGE),
		 0);
	CHECK_EQ(check_verdict(0x0006, NULL, NULL, 100, 7, RELO_ROLE_DESTINATION, RELO_DROP, 0), 0);
	/* A forwarder passes what it does not understand. */
	CHECK_EQ(check_verdict(0x0005, NULL, NULL, 100, 7, RELO_ROLE_FORWARDER, RELO_ACCEPT, 0), 0);
	/* Known codes pass. */
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_ACCEPT, 0),
		 0);
	/* The body of an unknown code cannot be decoded; the contents can. */
	CHECK_EQ(build(&w, 0x0005, NULL, NULL, 100, 7), 0);
	CHECK_EQ(relo_msg_decode(&cfg, a, w.buf, w.len, &m), 0);
	CHECK_EQ(relo_body_decode(&cfg, a, m.c.code, m.c.body, &b), -ENOTSUP);
	relo_wr_free(&w);
	/* Code 0 is invalidMessageCode: the encoder refuses it, the decoder
	 * finds it malformed. */
	CHECK_EQ(build(&w, 0, NULL, NULL, 100, 7), -EINVAL);
	relo_wr_free(&w);
	CHECK_EQ(build(&w, 0x0005, NULL, NULL, 100, 7), 0);
	CHECK_EQ(relo_fwd_decode(&cfg, a, w.buf, w.len, &m.fwd, &hdr_len), 0);
	w.buf[hdr_len] = w.buf[hdr_len + 1] = 0;
	CHECK_EQ(relo_msg_decode(&cfg, a, w.buf, w.len, &m), -EBADMSG);
	relo_wr_free(&w);
	relo_arena_free(a);
	return 0;
}

static int test_forwarding_options(void)
{
	struct relo_fwd_opt fc = { 0x63, RELO_FWDOPT_FORWARD_CRITICAL, { NULL, 0 } };
	struct relo_fwd_opt dc = { 0x63, RELO_FWDOPT_DESTINATION_CRITICAL, { NULL, 0 } };
	struct relo_fwd_opt none = { 0x63, RELO_FWDOPT_RESPONSE_COPY, { (const uint8_t *)"v", 1 } };

	CHECK_EQ(check_verdict(RELO_PING_REQ, &fc, NULL, 100, 7, RELO_ROLE_FORWARDER, RELO_REJECT,
			       RELO_ERR_UNSUPPORTED_FORWARDING_OPTION),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, &fc, NULL, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_ACCEPT, 0),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, &dc, NULL, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_UNSUPPORTED_FORWARDING_OPTION),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, &dc, NULL, 100, 7, RELO_ROLE_FORWARDER, RELO_ACCEPT,
			       0),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, &none, NULL, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_ACCEPT, 0),
		 0);
	/* A node that implements the option processes it. */
	CHECK_EQ(check_rules(RELO_PING_REQ, &fc, NULL, 100, 7, RELO_ROLE_FORWARDER, true,
			     RELO_ACCEPT, 0),
		 0);
	CHECK_EQ(check_rules(RELO_PING_REQ, &dc, NULL, 100, 7, RELO_ROLE_DESTINATION, true,
			     RELO_ACCEPT, 0),
		 0);
	/* Flags in an answer (where they must not be) are ignored. */
	CHECK_EQ(check_verdict(RELO_PING_ANS, &dc, NULL, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_ACCEPT, 0),
		 0);
	/* An answer is never answered with an error: it is dropped. */
	CHECK_EQ(check_verdict(RELO_PING_ANS, NULL, NULL, 0, 7, RELO_ROLE_FORWARDER, RELO_DROP, 0),
		 0);
	return 0;
}

static int test_extensions_and_header_rules(void)
{
	struct relo_ext crit = { 0x7777, true, { (const uint8_t *)"?", 1 } };
	struct relo_ext soft = { 0x7777, false, { (const uint8_t *)"?", 1 } };

	CHECK_EQ(check_verdict(RELO_STORE_REQ, NULL, &crit, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_UNKNOWN_EXTENSION),
		 0);
	CHECK_EQ(check_verdict(RELO_STORE_REQ, NULL, &soft, 100, 7, RELO_ROLE_DESTINATION,
			       RELO_ACCEPT, 0),
		 0);
	CHECK_EQ(check_rules(RELO_STORE_REQ, NULL, &crit, 100, 7, RELO_ROLE_DESTINATION, true,
			     RELO_ACCEPT, 0),
		 0);
	/* TTL above initial-ttl, and TTL exhausted at a forwarder. */
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 101, 7, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_TTL_EXCEEDED),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 0, 7, RELO_ROLE_FORWARDER, RELO_REJECT,
			       RELO_ERR_TTL_EXCEEDED),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 0, 7, RELO_ROLE_DESTINATION, RELO_ACCEPT,
			       0),
		 0);
	/* Configuration sequence, modulo 2^16 (ours is 7). */
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 100, 6, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_CONFIG_TOO_OLD),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 100, 8, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_CONFIG_TOO_NEW),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 100, 0xfff0, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_CONFIG_TOO_OLD),
		 0);
	/* ...except a ConfigUpdate with sequence 65535. */
	CHECK_EQ(check_verdict(RELO_CONFIG_UPDATE_REQ, NULL, NULL, 100, 0xffff,
			       RELO_ROLE_DESTINATION, RELO_ACCEPT, 0),
		 0);
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 100, 0xffff, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_INVALID_MESSAGE),
		 0);
	/* Sequence numbers wrap at 65535: 65534 is just before 0. */
	CHECK_EQ(check_verdict(RELO_PING_REQ, NULL, NULL, 100, 65534, RELO_ROLE_DESTINATION,
			       RELO_REJECT, RELO_ERR_CONFIG_TOO_OLD),
		 0);
	/* Answers are not checked against our sequence. */
	CHECK_EQ(check_verdict(RELO_PING_ANS, NULL, NULL, 100, 8, RELO_ROLE_DESTINATION,
			       RELO_ACCEPT, 0),
		 0);
	return 0;
}

static int test_destination_rules(void)
{
	struct relo_rules rules = { .config_seq = 7, .initial_ttl = 100 };
	struct relo_dest d[2];
	struct relo_fwd f;
	struct relo_check chk;

	memset(&f, 0, sizeof(f));
	memset(d, 0, sizeof(d));
	f.ttl = 100;
	f.config_seq = 7;
	d[0].type = RELO_DEST_NODE;
	d[0].u.node.len = 16;
	d[1].type = RELO_DEST_RESOURCE;
	d[1].u.resource = relo_bytes_str("1234");
	f.dst = d;
	f.n_dst = 2;
	relo_msg_check(&rules, &f, RELO_PING_REQ, NULL, RELO_ROLE_DESTINATION, &chk);
	CHECK_EQ(chk.verdict, RELO_ACCEPT); /* node, then resource: fine */
	f.dst = &d[1];
	f.via = &d[1];
	f.n_dst = f.n_via = 1;
	relo_msg_check(&rules, &f, RELO_PING_REQ, NULL, RELO_ROLE_FORWARDER, &chk);
	CHECK_EQ(chk.verdict, RELO_DROP); /* a resource in the Via list */
	d[0] = d[1];
	d[1].type = RELO_DEST_NODE;
	f.dst = d;
	f.n_dst = 2;
	f.n_via = 0;
	relo_msg_check(&rules, &f, RELO_PING_REQ, NULL, RELO_ROLE_DESTINATION, &chk);
	CHECK_EQ(chk.verdict, RELO_DROP); /* a resource, then more: dropped silently */
	return 0;
}

/* Decodes buf after applying one byte change at off. */
static int decode_patched(const uint8_t *v, size_t len, size_t off, uint8_t val, int *err)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	uint8_t buf[4096];
	struct relo_msg m;

	vec_cfg(&cfg);
	memcpy(buf, v, len);
	buf[off] = val;
	*err = relo_msg_decode(&cfg, a, buf, len, &m);
	relo_arena_free(a);
	return 0;
}

static int test_header_rejects(void)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	uint8_t buf[512];
	struct relo_msg m;
	int err;

	vec_cfg(&cfg);
	decode_patched(vec_fwd, sizeof(vec_fwd), 0, 0x52, &err); /* token */
	CHECK_EQ(err, -EPROTO);
	decode_patched(vec_fwd, sizeof(vec_fwd), 10, 0x01, &err); /* version 0.1 */
	CHECK_EQ(err, -EPROTO);
	decode_patched(vec_fwd, sizeof(vec_fwd), 12, 0x40, &err); /* high fragment bit clear */
	CHECK_EQ(err, -EPROTO);
	decode_patched(vec_fwd, sizeof(vec_fwd), 19, 0xa1, &err); /* length off by one */
	CHECK_EQ(err, -EBADMSG);
	decode_patched(vec_fwd, sizeof(vec_fwd), 38, 0x00, &err); /* via type 0 */
	CHECK_EQ(err, -EBADMSG);
	decode_patched(vec_fwd, sizeof(vec_fwd), 39, 0x0f, &err); /* Node-ID of 15 bytes */
	CHECK_EQ(err, -EBADMSG);
	decode_patched(vec_fwd, sizeof(vec_fwd), 77, 0x12, &err); /* ResourceId overruns */
	CHECK_EQ(err, -EBADMSG);
	decode_patched(vec_fwd, sizeof(vec_fwd), 12, 0x80, &err); /* fragment, not last: */
	CHECK_EQ(err, -EINPROGRESS);                                /* reassemble first */
	/* An unknown destination type is kept (its length says how long). */
	decode_patched(vec_fwd, sizeof(vec_fwd), 38, 0x05, &err);
	CHECK_EQ(err, 0);
	/* Trailing bytes after the security block. */
	memcpy(buf, vec_ping_ans, sizeof(vec_ping_ans));
	buf[sizeof(vec_ping_ans)] = 0;
	put32(buf + 16, sizeof(vec_ping_ans) + 1);
	CHECK_EQ(relo_msg_decode(&cfg, a, buf, sizeof(vec_ping_ans) + 1, &m), -EBADMSG);
	/* Above max-message-size: refused, with the header there for the answer. */
	cfg.max_msg_size = 128;
	CHECK_EQ(relo_msg_decode(&cfg, a, vec_ping_ans, sizeof(vec_ping_ans), &m), -EMSGSIZE);
	CHECK(m.fwd.trans_id == 0x0102030405060708ull);
	CHECK_EQ(m.fwd.n_dst, 1);
	vec_cfg(&cfg);
	/* A configuration the codec cannot work with. */
	cfg.node_id_len = 24;
	CHECK_EQ(relo_msg_decode(&cfg, a, vec_ping_ans, sizeof(vec_ping_ans), &m), -EINVAL);
	cfg.node_id_len = 0;
	CHECK_EQ(relo_msg_decode(&cfg, a, vec_ping_ans, sizeof(vec_ping_ans), &m), -EINVAL);
	vec_cfg(&cfg);
	/* No destination at all. */
	memcpy(buf, vec_ping_ans, sizeof(vec_ping_ans));
	buf[35] = 0;
	CHECK(relo_msg_decode(&cfg, a, buf, sizeof(vec_ping_ans), &m) < 0);
	relo_arena_free(a);
	return 0;
}

static int expect_body(uint16_t code, const uint8_t *p, size_t n, int want)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	struct relo_body b;
	int err;

	vec_cfg(&cfg);
	err = relo_body_decode(&cfg, a, code, relo_bytes_of(p, n), &b);
	relo_arena_free(a);
	if (err != want)
		fprintf(stderr, "  %s body: got %d, want %d\n", relo_code_name(code), err, want);
	return err == want ? 0 : -1;
}

static int test_body_rejects(void)
{
	/* RouteQueryReq with send_update = 2 */
	static const uint8_t rq[] = { 2, 1, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
				      14, 15, 16, 0, 0 };
	/* ChordUpdate neighbors, predecessor list of 15 bytes */
	static const uint8_t up[] = { 0, 0, 0, 1, 2, 0, 15, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
				      11, 12, 13, 14, 15, 0, 0 };
	/* ChordUpdate of type 9 */
	static const uint8_t up9[] = { 0, 0, 0, 1, 9 };
	/* FindReq with kinds<> of 3 bytes */
	static const uint8_t fr[] = { 1, 'r', 3, 0, 0, 1 };
	/* AttachReqAns whose candidate type is 3 (RESERVED) */
	static const uint8_t at[] = { 0, 0, 0, 0, 17, 1, 6, 192, 0, 2, 1, 0x17, 0xc4, 4,
				      0, 0, 0, 0, 1, 3, 0, 0, 0 };
	/* PingAns one byte short, and one byte long */
	static const uint8_t pa[17] = { 0 };
	/* LeaveAns and UpdateAns must be empty */
	static const uint8_t junk[] = { 0 };
	/* IpAddressPort of type 0 inside an Attach */
	static const uint8_t at0[] = { 0, 0, 0, 0, 17, 0, 6, 192, 0, 2, 1, 0x17, 0xc4, 4,
				       0, 0, 0, 0, 1, 1, 0, 0, 0 };

	CHECK_EQ(expect_body(RELO_ROUTE_QUERY_REQ, rq, sizeof(rq), -EBADMSG), 0);
	{
		uint8_t ok[sizeof(rq)];
		memcpy(ok, rq, sizeof(rq));
		ok[0] = 1;
		CHECK_EQ(expect_body(RELO_ROUTE_QUERY_REQ, ok, sizeof(ok), 0), 0);
	}
	CHECK_EQ(expect_body(RELO_UPDATE_REQ, up, sizeof(up), -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_UPDATE_REQ, up9, sizeof(up9), -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_FIND_REQ, fr, sizeof(fr), -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_ATTACH_REQ, at, sizeof(at), -EBADMSG), 0);
	{
		uint8_t ok[sizeof(at)];
		memcpy(ok, at, sizeof(at));
		ok[19] = RELO_CAND_HOST;
		CHECK_EQ(expect_body(RELO_ATTACH_REQ, ok, sizeof(ok), 0), 0);
	}
	CHECK_EQ(expect_body(RELO_ATTACH_REQ, at0, sizeof(at0), -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_PING_ANS, pa, 15, -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_PING_ANS, pa, 16, 0), 0);
	CHECK_EQ(expect_body(RELO_PING_ANS, pa, 17, -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_LEAVE_ANS, junk, 1, -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_UPDATE_ANS, junk, 1, -EBADMSG), 0);
	CHECK_EQ(expect_body(RELO_LEAVE_ANS, junk, 0, 0), 0);
	return 0;
}

/*
 * Kinds the configuration does not declare: their stored values cannot be
 * parsed, but StoredData's length keeps them whole, so a node can refuse
 * them with Error_Unknown_Kind (or pass them on) without losing bytes.
 */
static int test_unknown_kind_kept(void)
{
	struct relo_wirecfg cfg;
	struct relo_arena *a = arena();
	struct sample_set set;
	size_t i, k, raw = 0;

	CHECK_EQ(samples_build(&set), 0);
	relo_wirecfg_default(&cfg); /* the private kind is unknown here */
	cfg.max_msg_size = set.cfg.max_msg_size;
	for (i = 0; i < set.n; i++) {
		const struct sample *s = &set.s[i];
		struct relo_msg m;
		struct relo_body b;

		relo_arena_reset(a);
		CHECK_EQ(relo_msg_decode(&cfg, a, s->bytes, s->len, &m), 0);
		if (relo_body_decode(&cfg, a, m.c.code, m.c.body, &b))
			TEST_FAIL("%s does not decode without the private kind", s->name);
		if (body_reencodes(&cfg, &b, m.c.body))
			TEST_FAIL("%s loses bytes without the private kind", s->name);
		if (s->code == RELO_STORE_REQ || s->code == RELO_FETCH_ANS) {
			const struct relo_fetch_ans *fa = &b.u.fetch_ans;
			const struct relo_store_req *sr = &b.u.store_req;
			size_t n = s->code == RELO_STORE_REQ ? sr->n_kinds : fa->n_kinds;
			for (k = 0; k < n; k++) {
				uint32_t kind = s->code == RELO_STORE_REQ ? sr->kinds[k].kind
									  : fa->kinds[k].kind;
				const struct relo_stored_data *sd =
					s->code == RELO_STORE_REQ ? sr->kinds[k].values
								  : fa->kinds[k].values;
				if (kind == SAMPLE_PRIVATE_KIND) {
					CHECK_EQ(sd[0].value.model, RELO_MODEL_RAW);
					CHECK(sd[0].raw.len > 0);
					raw++;
				}
			}
		}
		if (s->code == RELO_FETCH_REQ) {
			CHECK_EQ(b.u.fetch_req.spec[3].model, RELO_MODEL_RAW);
			raw++;
		}
	}
	CHECK(raw >= 4);
	samples_free(&set);
	relo_arena_free(a);
	return 0;
}

static int test_error_info(void)
{
	struct sample_set set;
	struct relo_arena *a = arena();
	size_t i, found = 0;

	CHECK_EQ(samples_build(&set), 0);
	for (i = 0; i < set.n; i++) {
		const struct sample *s = &set.s[i];
		struct relo_msg m;
		struct relo_body b;
		struct relo_rd r;
		struct relo_store_ans sa;
		uint32_t *kinds;
		size_t n;

		if (s->code != RELO_ERROR)
			continue;
		relo_arena_reset(a);
		CHECK_EQ(relo_msg_decode(&set.cfg, a, s->bytes, s->len, &m), 0);
		CHECK_EQ(relo_body_decode(&set.cfg, a, m.c.code, m.c.body, &b), 0);
		CHECK(relo_error_name(b.u.error.code) != NULL);
		if (b.u.error.code == RELO_ERR_GENERATION_COUNTER_TOO_LOW) {
			relo_rd_init(&r, b.u.error.info.p, b.u.error.info.len);
			relo_store_ans_read(&r, &set.cfg, a, &sa);
			CHECK_EQ(r.err, 0);
			CHECK_EQ(relo_rd_left(&r), 0);
			CHECK_EQ(sa.n_kinds, 2);
			CHECK_EQ(sa.kinds[0].generation, 5);
			CHECK_EQ(sa.kinds[0].n_replicas, 0);
			found++;
		}
		if (b.u.error.code == RELO_ERR_UNKNOWN_KIND) {
			CHECK_EQ(relo_unknown_kinds_decode(b.u.error.info, a, &kinds, &n), 0);
			CHECK_EQ(n, 2);
			CHECK_EQ(kinds[1], SAMPLE_PRIVATE_KIND);
			CHECK_EQ(relo_unknown_kinds_decode(relo_bytes_of(b.u.error.info.p, 5), a,
							   &kinds, &n),
				 -EBADMSG);
			found++;
		}
	}
	CHECK_EQ(found, 2);
	samples_free(&set);
	relo_arena_free(a);
	return 0;
}

/* ---- framing ---- */

static int test_frames(void)
{
	struct relo_frame f;
	struct relo_wr w;
	size_t used, cut, off;
	uint8_t bad[9] = { 130, 0, 0, 0, 0, 0, 0, 0, 0 };

	relo_wr_init_dyn(&w, 0);
	relo_frame_write_data(&w, 0x01020304, relo_bytes_of(vec_ping_ans, sizeof(vec_ping_ans)));
	relo_frame_write_ack(&w, 0x01020304, 0x80000002u);
	CHECK_EQ(w.err, 0);
	CHECK_EQ(w.len, 8 + sizeof(vec_ping_ans) + 9);
	CHECK_EQ(w.buf[0], 128);
	CHECK(w.buf[5] == 0 && w.buf[6] == 0 && w.buf[7] == sizeof(vec_ping_ans));
	/* A stream: frames come out one after the other. */
	CHECK_EQ(relo_frame_decode(w.buf, w.len, 5000, &f, &used), 0);
	CHECK_EQ(f.type, RELO_FRAME_DATA);
	CHECK_EQ(f.seq, 0x01020304);
	CHECK(relo_bytes_eq(f.msg, relo_bytes_of(vec_ping_ans, sizeof(vec_ping_ans))));
	off = used;
	CHECK_EQ(relo_frame_decode(w.buf + off, w.len - off, 5000, &f, &used), 0);
	CHECK_EQ(f.type, RELO_FRAME_ACK);
	CHECK_EQ(f.received, 0x80000002u);
	CHECK_EQ(off + used, w.len);
	/* Every partial frame asks for more bytes. */
	for (cut = 0; cut < off; cut++)
		CHECK_EQ(relo_frame_decode(w.buf, cut, 5000, &f, &used), -EAGAIN);
	for (cut = off; cut < w.len; cut++)
		CHECK_EQ(relo_frame_decode(w.buf + off, cut - off, 5000, &f, &used), -EAGAIN);
	/* A message above max-message-size, and an unknown frame type. */
	CHECK_EQ(relo_frame_decode(w.buf, w.len, 100, &f, &used), -EMSGSIZE);
	CHECK_EQ(relo_frame_decode(bad, sizeof(bad), 5000, &f, &used), -EBADMSG);
	relo_wr_free(&w);
	return 0;
}

static int test_ack_window(void)
{
	struct relo_ackwin win;
	uint32_t bits, s;

	relo_ackwin_init(&win);
	CHECK_EQ(relo_ackwin_add(&win, 0), 0);
	CHECK_EQ(relo_ackwin_add(&win, 1), 0x2);           /* 0 is N-1 */
	CHECK_EQ(relo_ackwin_add(&win, 3), (1u << 2) | (1u << 3)); /* 1 and 0; 2 was lost */
	for (s = 4; s < 40; s++)
		bits = relo_ackwin_add(&win, s);
	CHECK_EQ(bits, 0xfffffffeu); /* the 31 before 39 were all seen */
	CHECK(relo_ack_covers(39, bits, 39));
	CHECK(relo_ack_covers(39, bits, 8));
	CHECK(!relo_ack_covers(39, bits, 7)); /* 32 back: out of the window */
	CHECK(!relo_ack_covers(39, bits, 40));
	/* Sequence numbers wrap around. */
	relo_ackwin_init(&win);
	relo_ackwin_add(&win, 0xfffffffeu);
	relo_ackwin_add(&win, 0xffffffffu);
	bits = relo_ackwin_add(&win, 1);
	CHECK_EQ(bits, (1u << 2) | (1u << 3));
	CHECK(relo_ack_covers(1, bits, 0xffffffffu));
	CHECK(!relo_ack_covers(1, bits, 0));
	/* Only the 32 most recent are remembered. */
	relo_ackwin_init(&win);
	relo_ackwin_add(&win, 100);
	for (s = 0; s < 32; s++)
		relo_ackwin_add(&win, 1000 + s);
	CHECK_EQ(relo_ackwin_add(&win, 101), 0);
	return 0;
}

/* ---- fragmentation ---- */

struct frags {
	uint8_t *f[64];
	size_t len[64];
	size_t n;
};

static int collect(const uint8_t *frag, size_t len, void *arg)
{
	struct frags *fs = arg;

	if (fs->n == 64)
		return -ENOBUFS;
	fs->f[fs->n] = malloc(len);
	if (!fs->f[fs->n])
		return -ENOMEM;
	memcpy(fs->f[fs->n], frag, len);
	fs->len[fs->n++] = len;
	return 0;
}

static void frags_free(struct frags *fs)
{
	while (fs->n)
		free(fs->f[--fs->n]);
}

/* Feeds fragments in the given order; 0 if exactly the last one completes
 * the message and it equals want. */
static int reassemble(const struct relo_wirecfg *cfg, struct frags *fs, const size_t *order,
		      const uint8_t *want, size_t want_len)
{
	struct relo_reasm *r;
	uint8_t *out = NULL;
	size_t out_len = 0, i;
	int rc = 0;

	if (relo_reasm_alloc(&r, cfg, NULL))
		return -1;
	for (i = 0; i < fs->n && !rc; i++) {
		size_t k = order ? order[i] : i;
		if (relo_reasm_add(r, fs->f[k], fs->len[k], 1000 + i, &out, &out_len))
			rc = -1;
		else if ((out != NULL) != (i == fs->n - 1))
			rc = -1;
	}
	if (!rc && (!out || out_len != want_len || memcmp(out, want, want_len)))
		rc = -1;
	free(out);
	relo_reasm_free(r);
	return rc;
}

static int test_fragmentation(void)
{
	struct sample_set set;
	struct relo_arena *a = arena();
	const struct sample *big = NULL;
	struct frags fs = { .n = 0 }, sub = { .n = 0 };
	size_t i, order[64], hdr_len = 0, body_total = 0;
	struct relo_fwd f;

	CHECK_EQ(samples_build(&set), 0);
	for (i = 0; i < set.n; i++)
		if (!big || set.s[i].len > big->len)
			big = &set.s[i];
	CHECK(big->len > 3000);
	/* A message that fits goes out whole. */
	CHECK_EQ(relo_frag_split(&set.cfg, big->bytes, big->len, big->len + 32, collect, &fs), 0);
	CHECK_EQ(fs.n, 1);
	CHECK_EQ(fs.len[0], big->len);
	frags_free(&fs);
	/* Too small an MTU for 256 bytes of body: left to IP fragmentation. */
	CHECK_EQ(relo_frag_split(&set.cfg, big->bytes, big->len, 300, collect, &fs), -EMSGSIZE);
	CHECK_EQ(fs.n, 0);

	CHECK_EQ(relo_frag_split(&set.cfg, big->bytes, big->len, 1000, collect, &fs), 0);
	CHECK(fs.n >= 4);
	for (i = 0; i < fs.n; i++) {
		/* Each fragment: a full, valid header, equal slices, right fields. */
		relo_arena_reset(a);
		CHECK_EQ(relo_fwd_decode(&set.cfg, a, fs.f[i], fs.len[i], &f, &hdr_len), 0);
		CHECK(fs.len[i] <= 1000 - 32);
		CHECK_EQ(f.fragment & RELO_FRAG_OFFSET, body_total);
		CHECK_EQ(!!(f.fragment & RELO_FRAG_LAST), i == fs.n - 1);
		CHECK(f.fragment & RELO_FRAG_MUST);
		CHECK_EQ(f.length, fs.len[i]);
		if (i + 1 < fs.n) {
			CHECK_EQ(fs.len[i], fs.len[0]);
			CHECK(fs.len[i] - hdr_len >= 256);
		}
		body_total += fs.len[i] - hdr_len;
		CHECK_EQ(relo_msg_decode(&set.cfg, a, fs.f[i], fs.len[i],
					 &(struct relo_msg){ .c.code = 0 }),
			 -EINPROGRESS);
	}
	CHECK_EQ(body_total + hdr_len, big->len);
	/* In order, reversed, shuffled, and with a duplicate. */
	CHECK_EQ(reassemble(&set.cfg, &fs, NULL, big->bytes, big->len), 0);
	for (i = 0; i < fs.n; i++)
		order[i] = fs.n - 1 - i;
	CHECK_EQ(reassemble(&set.cfg, &fs, order, big->bytes, big->len), 0);
	for (i = 0; i < fs.n; i++)
		order[i] = (i * 3 + 1) % fs.n;
	if (fs.n % 3 != 0)
		CHECK_EQ(reassemble(&set.cfg, &fs, order, big->bytes, big->len), 0);
	{
		struct relo_reasm *r;
		uint8_t *out = NULL;
		size_t out_len;

		CHECK_EQ(relo_reasm_alloc(&r, &set.cfg, NULL), 0);
		CHECK_EQ(relo_reasm_add(r, fs.f[0], fs.len[0], 0, &out, &out_len), 0);
		CHECK_EQ(relo_reasm_add(r, fs.f[0], fs.len[0], 0, &out, &out_len), 0); /* dup */
		CHECK(out == NULL);
		/* A conflicting overlap drops the message. */
		fs.f[1][fs.len[1] - 1] ^= 0xff;
		CHECK_EQ(relo_reasm_add(r, fs.f[1], fs.len[1], 0, &out, &out_len), 0);
		fs.f[1][fs.len[1] - 1] ^= 0xff;
		CHECK_EQ(relo_reasm_add(r, fs.f[1], fs.len[1], 0, &out, &out_len), -EBADMSG);
		/* Incomplete messages time out after 15 s. */
		CHECK_EQ(relo_reasm_add(r, fs.f[0], fs.len[0], 100, &out, &out_len), 0);
		CHECK_EQ(relo_reasm_expire(r, 100 + 14999), 0);
		CHECK_EQ(relo_reasm_expire(r, 100 + 15000), 1);
		relo_reasm_free(r);
	}
	{
		/* Limits: messages pending at once and buffer bytes. */
		struct relo_reasm_cfg rc = { .max_pending = 1, .max_bytes = 100000 };
		struct relo_reasm *r;
		uint8_t *out = NULL, other[2048];
		size_t out_len;

		CHECK_EQ(relo_reasm_alloc(&r, &set.cfg, &rc), 0);
		CHECK_EQ(relo_reasm_add(r, fs.f[0], fs.len[0], 0, &out, &out_len), 0);
		memcpy(other, fs.f[1], fs.len[1]);
		other[20] ^= 1; /* another transaction */
		CHECK_EQ(relo_reasm_add(r, other, fs.len[1], 0, &out, &out_len), -ENOBUFS);
		relo_reasm_free(r);
		rc.max_pending = 8;
		rc.max_bytes = 1000;
		CHECK_EQ(relo_reasm_alloc(&r, &set.cfg, &rc), 0);
		CHECK_EQ(relo_reasm_add(r, fs.f[0], fs.len[0], 0, &out, &out_len), 0);
		CHECK_EQ(relo_reasm_add(r, fs.f[1], fs.len[1], 0, &out, &out_len), -ENOBUFS);
		relo_reasm_free(r);
	}
	/* Slices never go under 256 bytes, even when equal ones would. */
	{
		struct frags few = { .n = 0 };
		size_t mtu = 32 + hdr_len + 300;

		CHECK_EQ(relo_frag_split(&set.cfg, big->bytes, big->len, mtu, collect, &few), 0);
		for (i = 0; i + 1 < few.n; i++)
			CHECK(few.len[i] - hdr_len >= 256 && few.len[i] <= mtu - 32);
		CHECK_EQ(reassemble(&set.cfg, &few, NULL, big->bytes, big->len), 0);
		frags_free(&few);
	}
	/* A fragment fragmented again on a smaller MTU still reassembles. */
	for (i = 0; i < fs.n; i++)
		CHECK_EQ(relo_frag_split(&set.cfg, fs.f[i], fs.len[i], 700, collect, &sub), 0);
	CHECK(sub.n > fs.n);
	CHECK_EQ(reassemble(&set.cfg, &sub, NULL, big->bytes, big->len), 0);
	frags_free(&sub);
	frags_free(&fs);
	samples_free(&set);
	relo_arena_free(a);
	return 0;
}

/*
 * The encoder refuses what the decoder would refuse, and leaves nothing
 * half-written behind.
 */
static int test_encoder_refuses(void)
{
	struct relo_wirecfg cfg;
	struct relo_stored_data sd;
	struct relo_dest d;
	struct relo_msg m;
	struct relo_wr w;

	relo_wirecfg_default(&cfg);
	relo_msg_init(&m);
	d.type = RELO_DEST_NODE;
	d.u.node.len = 16;
	memcpy(d.u.node.id, node_a, 16);
	m.fwd.dst = &d;
	m.fwd.n_dst = 1;
	m.c.code = RELO_PING_REQ;
	relo_wr_init_dyn(&w, 0);
	relo_wr_bytes(&w, "keep", 4);
	CHECK_EQ(relo_msg_encode(&cfg, &m, &w), -EINVAL); /* no signer set */
	CHECK_EQ(w.len, 4);
	relo_wr_reset(&w);
	m.sec.sig.signer.type = RELO_SIGNER_NONE;
	m.fwd.n_dst = 0;
	CHECK_EQ(relo_msg_encode(&cfg, &m, &w), -EINVAL); /* going nowhere */
	relo_wr_reset(&w);
	m.fwd.n_dst = 1;
	d.u.node.len = 20; /* not this overlay's Node-ID length */
	CHECK_EQ(relo_msg_encode(&cfg, &m, &w), -EINVAL);
	relo_wr_reset(&w);
	d.u.node.len = 16;
	CHECK_EQ(relo_msg_encode(&cfg, &m, &w), 0);
	relo_wr_reset(&w);
	/* A stored value whose model was never set is not silently cut. */
	memset(&sd, 0, sizeof(sd));
	sd.value.v.exists = true;
	sd.value.v.value = relo_bytes_str("data");
	relo_stored_data_write(&w, &sd);
	CHECK_EQ(w.err, -EINVAL);
	relo_wr_free(&w);
	return 0;
}

/*
 * Overlays may use Node-IDs of 16 to 20 bytes: the samples' shapes with
 * 20-byte Node-IDs round-trip, and do not decode as 16-byte ones.
 */
static int test_nodeid_20(void)
{
	struct relo_wirecfg cfg20, cfg16;
	struct relo_arena *a = arena();
	struct relo_nodeid ids[4];
	struct relo_dest via[2], dst[1];
	struct relo_body b, out;
	struct relo_msg m, dm;
	struct relo_wr w, bw;
	unsigned i, j;

	relo_wirecfg_default(&cfg20);
	cfg20.node_id_len = 20;
	relo_wirecfg_default(&cfg16);
	for (i = 0; i < 4; i++) {
		ids[i].len = 20;
		for (j = 0; j < 20; j++)
			ids[i].id[j] = (uint8_t)(i * 40 + j);
	}
	via[0].type = RELO_DEST_NODE;
	via[0].u.node = ids[0];
	via[1].type = RELO_DEST_COMPRESSED;
	via[1].u.compressed = 0x8abc;
	dst[0].type = RELO_DEST_NODE;
	dst[0].u.node = ids[3];
	memset(&b, 0, sizeof(b));
	b.code = RELO_UPDATE_REQ;
	b.u.update_req.type = RELO_CHORD_FULL;
	b.u.update_req.uptime = 9;
	b.u.update_req.pred = ids;
	b.u.update_req.n_pred = 2;
	b.u.update_req.succ = ids + 2;
	b.u.update_req.n_succ = 2;
	b.u.update_req.fingers = ids;
	b.u.update_req.n_fingers = 4;
	relo_wr_init_dyn(&bw, 0);
	relo_body_write(&bw, &cfg20, &b);
	CHECK_EQ(bw.err, 0);
	relo_msg_init(&m);
	m.fwd.via = via;
	m.fwd.n_via = 2;
	m.fwd.dst = dst;
	m.fwd.n_dst = 1;
	m.c.code = b.code;
	m.c.body = relo_bytes_of(bw.buf, bw.len);
	m.sec.sig.signer.type = RELO_SIGNER_NONE;
	relo_wr_init_dyn(&w, 0);
	CHECK_EQ(relo_msg_encode(&cfg20, &m, &w), 0);
	CHECK_EQ(relo_msg_decode(&cfg20, a, w.buf, w.len, &dm), 0);
	CHECK(relo_nodeid_eq(&dm.fwd.via[0].u.node, &ids[0]));
	CHECK(relo_nodeid_eq(&dm.fwd.dst[0].u.node, &ids[3]));
	CHECK_EQ(relo_body_decode(&cfg20, a, dm.c.code, dm.c.body, &out), 0);
	CHECK_EQ(out.u.update_req.n_fingers, 4);
	CHECK(relo_nodeid_eq(&out.u.update_req.fingers[3], &ids[3]));
	CHECK_EQ(reencodes(&cfg20, &dm, w.buf, w.len), 0);
	/* The same bytes in a 16-byte overlay are malformed. */
	CHECK_EQ(relo_msg_decode(&cfg16, a, w.buf, w.len, &dm), -EBADMSG);
	CHECK_EQ(relo_body_decode(&cfg16, a, m.c.code, m.c.body, &out), -EBADMSG);
	relo_wr_free(&w);
	relo_wr_free(&bw);
	relo_arena_free(a);
	return 0;
}

/* ---- allocation failure and corruption ---- */

/*
 * Decodes every sample with an arena budget growing from nothing: each
 * attempt either fails with -ENOMEM or succeeds, never anything else.
 */
static int test_allocation_failure(void)
{
	struct sample_set set;
	size_t i, budget, failures = 0;

	CHECK_EQ(samples_build(&set), 0);
	for (i = 0; i < set.n; i++) {
		const struct sample *s = &set.s[i];
		for (budget = 8;; budget += 8) {
			struct relo_arena *a;
			struct relo_msg m;
			struct relo_body b;
			int err;

			CHECK_EQ(relo_arena_alloc(&a, 64, budget), 0);
			err = relo_msg_decode(&set.cfg, a, s->bytes, s->len, &m);
			if (!err)
				err = relo_body_decode(&set.cfg, a, m.c.code, m.c.body, &b);
			relo_arena_free(a);
			if (!err)
				break;
			if (err != -ENOMEM)
				TEST_FAIL("%s with %zu bytes: %s", s->name, budget, strerror(-err));
			failures++;
			if (budget > 65536)
				TEST_FAIL("%s never decodes", s->name);
		}
	}
	CHECK(failures > set.n);
	samples_free(&set);
	return 0;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/*
 * Random corruption of every sample (bit flips, bytes set, with and without
 * the length field kept consistent): decoding never crashes (the sanitizer
 * build watches), and whatever does decode re-encodes to the same bytes,
 * so no decoded structure loses or alters data.
 */
static int test_corruption(void)
{
	struct sample_set set;
	struct relo_arena *a = arena();
	uint8_t *buf;
	size_t i, round, ok = 0, total = 0;

	CHECK_EQ(samples_build(&set), 0);
	buf = malloc(set.cfg.max_msg_size);
	CHECK(buf != NULL);
	for (i = 0; i < set.n; i++) {
		const struct sample *s = &set.s[i];
		for (round = 0; round < 300; round++) {
			struct relo_msg m;
			struct relo_body b;
			size_t len = s->len, k, flips = 1 + rnd() % 4;

			memcpy(buf, s->bytes, len);
			for (k = 0; k < flips; k++) {
				size_t at = rnd() % len;
				if (rnd() & 1)
					buf[at] ^= (uint8_t)(1u << (rnd() % 8));
				else
					buf[at] = (uint8_t)rnd();
			}
			if (round % 3 == 0) {
				len = 20 + rnd() % (s->len - 20);
				put32(buf + 16, (uint32_t)len);
			}
			relo_arena_reset(a);
			total++;
			if (relo_msg_decode(&set.cfg, a, buf, len, &m))
				continue;
			if (reencodes(&set.cfg, &m, buf, len))
				TEST_FAIL("%s round %zu: decoded but re-encodes differently", s->name,
					  round);
			if (relo_body_decode(&set.cfg, a, m.c.code, m.c.body, &b))
				continue;
			if (body_reencodes(&set.cfg, &b, m.c.body))
				TEST_FAIL("%s round %zu: body re-encodes differently", s->name, round);
			ok++;
		}
	}
	printf("  %zu corrupted messages, %zu still decoded whole\n", total, ok);
	free(buf);
	samples_free(&set);
	relo_arena_free(a);
	return 0;
}

static const struct test tests[] = {
	{ "cursor_reads", test_cursor_reads },
	{ "cursor_vectors", test_cursor_vectors },
	{ "writer", test_writer },
	{ "arena", test_arena },
	{ "vector_fwd", test_vector_fwd },
	{ "vector_ping_ans", test_vector_ping_ans },
	{ "vector_store_single", test_vector_store_single },
	{ "vector_store_array", test_vector_store_array },
	{ "vector_store_dict", test_vector_store_dict },
	{ "vector_attach", test_vector_attach },
	{ "vectors_truncated", test_vectors_truncated },
	{ "samples_roundtrip", test_samples_roundtrip },
	{ "samples_signatures", test_samples_signatures },
	{ "unknown_message_code", test_unknown_message_code },
	{ "forwarding_options", test_forwarding_options },
	{ "extensions_and_header_rules", test_extensions_and_header_rules },
	{ "destination_rules", test_destination_rules },
	{ "header_rejects", test_header_rejects },
	{ "body_rejects", test_body_rejects },
	{ "unknown_kind_kept", test_unknown_kind_kept },
	{ "error_info", test_error_info },
	{ "frames", test_frames },
	{ "ack_window", test_ack_window },
	{ "fragmentation", test_fragmentation },
	{ "encoder_refuses", test_encoder_refuses },
	{ "nodeid_20", test_nodeid_20 },
	{ "allocation_failure", test_allocation_failure },
	{ "corruption", test_corruption },
};

TEST_MAIN(tests)
