/*
 * samples.c - one encoded instance of every RELOAD message type
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "relo/codes.h"
#include "samples.h"

#define OVERLAY_NAME "chorus.example"
#define STORAGE_TIME UINT64_C(1795000000000) /* ms since 1970, 2026-11 */

struct builder {
	struct relo_wirecfg cfg;
	struct relo_arena *a;
	EVP_PKEY *key;
	uint8_t cert_hash[32];
	uint32_t overlay;
	struct sample_set *set;
	uint8_t resource[16];
};

static enum relo_model sample_model(void *arg, uint32_t kind)
{
	(void)arg;
	if (kind == SAMPLE_PRIVATE_KIND)
		return RELO_MODEL_DICTIONARY;
	return relo_model_builtin(NULL, kind);
}

void samples_cfg(struct relo_wirecfg *cfg)
{
	relo_wirecfg_default(cfg);
	cfg->max_msg_size = 16384;
	cfg->model = sample_model;
}

void sample_nodeid(struct relo_nodeid *n, unsigned which)
{
	static const uint8_t alice[16] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					   0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	unsigned i;

	memset(n, 0, sizeof(*n));
	n->len = 16;
	memcpy(n->id, alice, 16);
	/* Neighbours: spread around the ring from alice. */
	for (i = 0; i < 16 && which; i++)
		n->id[i] = (uint8_t)(n->id[i] + which * (0x11 + i));
}

static void *bytes_dup(struct builder *b, const void *p, size_t n)
{
	void *d = relo_arena_get(b->a, n);
	if (d && n)
		memcpy(d, p, n);
	return d;
}

/* RSASSA-PKCS1-v1_5 with SHA-256, the algorithm every node must support. */
static int sign(struct builder *b, const struct relo_wr *input, struct relo_sig *sig)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 0;
	uint8_t *out;
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, b->key) == 1 &&
	     EVP_DigestSign(ctx, NULL, &n, input->buf, input->len) == 1;
	out = ok ? relo_arena_get(b->a, n) : NULL;
	ok = out && EVP_DigestSign(ctx, out, &n, input->buf, input->len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -EINVAL;
	sig->value = relo_bytes_of(out, n);
	return 0;
}

static void signer_init(struct builder *b, struct relo_sig *sig)
{
	memset(sig, 0, sizeof(*sig));
	sig->hash_alg = RELO_HASH_SHA256;
	sig->sig_alg = RELO_SIG_RSA;
	sig->signer.type = RELO_SIGNER_CERT_HASH;
	sig->signer.hash_alg = RELO_HASH_SHA256;
	sig->signer.hash = relo_bytes_of(b->cert_hash, sizeof(b->cert_hash));
}

static int sign_stored(struct builder *b, uint32_t kind, struct relo_stored_data *sd)
{
	struct relo_wr w;
	int err;

	signer_init(b, &sd->sig);
	relo_wr_init_dyn(&w, 0);
	err = relo_stored_sig_input(relo_bytes_of(b->resource, 16), kind, sd, &w);
	if (!err)
		err = sign(b, &w, &sd->sig);
	relo_wr_free(&w);
	return err;
}

static EVP_PKEY *load_key(void)
{
	BIO *bio = BIO_new_mem_buf(sample_key_pem, -1);
	EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;

	BIO_free(bio);
	return k;
}

int sample_encode(const struct relo_wirecfg *cfg, struct relo_msg *m, const struct relo_body *body,
		  uint8_t **out, size_t *len)
{
	struct builder b;
	struct relo_wr bw, sw, mw;
	struct relo_cert cert = { RELO_CERT_X509,
				  { sample_cert_der, 0 } };
	int err;

	memset(&b, 0, sizeof(b));
	cert.der.len = sample_cert_der_len;
	err = relo_arena_alloc(&b.a, 0, 0);
	if (err)
		return err;
	b.key = load_key();
	SHA256(sample_cert_der, sample_cert_der_len, b.cert_hash);
	relo_wr_init_dyn(&bw, 0);
	relo_wr_init_dyn(&sw, 0);
	relo_wr_init_dyn(&mw, cfg->max_msg_size);
	relo_body_write(&bw, cfg, body);
	err = bw.err;
	if (err)
		goto out;
	m->c.code = body->code;
	m->c.body = relo_bytes_of(bw.buf, bw.len);
	m->sec.certs = &cert;
	m->sec.n_certs = 1;
	signer_init(&b, &m->sec.sig);
	err = b.key ? relo_msg_sig_input(m, &sw) : -EINVAL;
	if (!err)
		err = sign(&b, &sw, &m->sec.sig);
	if (!err)
		err = relo_msg_encode(cfg, m, &mw);
	if (!err)
		*out = relo_wr_steal(&mw, len);
	if (!err && !*out)
		err = -ENOMEM;
out:
	m->sec.certs = NULL;
	m->sec.n_certs = 0;
	memset(&m->sec.sig, 0, sizeof(m->sec.sig));
	m->c.body = relo_bytes_of(NULL, 0);
	relo_wr_free(&bw);
	relo_wr_free(&sw);
	relo_wr_free(&mw);
	EVP_PKEY_free(b.key);
	relo_arena_free(b.a);
	return err;
}

static void expect(struct sample *s, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void expect(struct sample *s, const char *field, const char *fmt, ...)
{
	va_list ap;

	if (s->n_expect >= SAMPLE_MAX_EXPECT)
		abort(); /* a sample lists more than the table holds */
	s->expect[s->n_expect].field = field;
	va_start(ap, fmt);
	vsnprintf(s->expect[s->n_expect].value, sizeof(s->expect[0].value), fmt, ap);
	va_end(ap);
	s->n_expect++;
}

/* Routing state shared by the samples: alice -> n1 -> n2 -> resource. */
static struct relo_dest via[3], dst_req[1], dst_ans[3];

static void routes_init(struct builder *b)
{
	static const uint8_t opaque[] = { 0x5a, 0x17, 0x0c };

	via[0].type = RELO_DEST_NODE;
	sample_nodeid(&via[0].u.node, 0);
	via[1].type = RELO_DEST_COMPRESSED;
	via[1].u.compressed = 0x8123;
	via[2].type = RELO_DEST_OPAQUE;
	via[2].u.opaque = relo_bytes_of(opaque, sizeof(opaque));
	dst_req[0].type = RELO_DEST_RESOURCE;
	dst_req[0].u.resource = relo_bytes_of(b->resource, 16);
	/* An answer retraces the Via list in reverse. */
	dst_ans[0] = via[2];
	dst_ans[1] = via[1];
	dst_ans[2] = via[0];
}

static struct sample *add(struct builder *b, const char *name, const struct relo_body *body,
			  struct relo_fwd_opt *opt, size_t n_opt, struct relo_ext *ext, size_t n_ext)
{
	struct sample_set *set = b->set;
	struct sample *s, *l;
	struct relo_msg m;
	bool req = relo_code_is_request(body->code);
	uint64_t tid = 0x5c4f52550000ull << 16 | (uint64_t)(set->n + 1);

	l = realloc(set->s, (set->n + 1) * sizeof(*l));
	if (!l)
		return NULL;
	set->s = l;
	s = &l[set->n];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->code = body->code;
	relo_msg_init(&m);
	m.fwd.overlay = b->overlay;
	m.fwd.config_seq = 7;
	m.fwd.ttl = req ? 97 : 100;
	m.fwd.trans_id = tid;
	m.fwd.max_resp_len = req ? 16384 : 0;
	if (req) {
		m.fwd.via = via;
		m.fwd.n_via = 3;
		m.fwd.dst = dst_req;
		m.fwd.n_dst = 1;
	} else {
		m.fwd.dst = dst_ans;
		m.fwd.n_dst = 3;
	}
	m.fwd.opt = opt;
	m.fwd.n_opt = n_opt;
	m.c.ext = ext;
	m.c.n_ext = n_ext;
	if (sample_encode(&b->cfg, &m, body, &s->bytes, &s->len))
		return NULL;
	set->n++;
	expect(s, "reload.message.code", "%u", body->code);
	expect(s, "reload.forwarding.trans_id", "0x%016" PRIx64, tid);
	return s;
}

/* Sample ICE candidates: IPv4 host, IPv4 srflx, IPv6 relay. */
static struct relo_ice_cand cands[3];

static void cands_init(void)
{
	static const uint8_t v4a[4] = { 192, 0, 2, 1 }, v4b[4] = { 198, 51, 100, 7 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	static struct relo_ice_ext ext = { { (const uint8_t *)"x-chorus", 8 },
					   { (const uint8_t *)"1", 1 } };
	unsigned i;

	memset(cands, 0, sizeof(cands));
	for (i = 0; i < 3; i++) {
		cands[i].link = RELO_LINK_TLS_TCP_FH_NO_ICE;
		cands[i].addr.port = (uint16_t)(6084 + i);
	}
	cands[0].addr.type = RELO_ADDR_IPV4;
	memcpy(cands[0].addr.addr, v4a, 4);
	cands[0].foundation = relo_bytes_str("1");
	cands[0].priority = 2130706431u;
	cands[0].type = RELO_CAND_HOST;
	cands[0].ext = &ext;
	cands[0].n_ext = 1;
	cands[1].addr.type = RELO_ADDR_IPV4;
	memcpy(cands[1].addr.addr, v4b, 4);
	cands[1].foundation = relo_bytes_str("2");
	cands[1].priority = 1694498815u;
	cands[1].type = RELO_CAND_SRFLX;
	cands[1].rel = cands[0].addr;
	cands[2].addr.type = RELO_ADDR_IPV6;
	memcpy(cands[2].addr.addr, v6, 16);
	cands[2].foundation = relo_bytes_str("3");
	cands[2].priority = 16777215u;
	cands[2].type = RELO_CAND_RELAY;
	cands[2].rel = cands[1].addr;
}

/* TURN-SERVICE value (section 9): iteration, then an IpAddressPort. */
static struct relo_bytes turn_value(struct builder *b)
{
	struct relo_wr w;
	struct relo_bytes v;

	relo_wr_init_dyn(&w, 0);
	relo_wr_u8(&w, 3);
	relo_ipport_write(&w, &cands[1].addr);
	v = relo_bytes_of(bytes_dup(b, w.buf, w.len), w.len);
	relo_wr_free(&w);
	return v;
}

/* SipRegistration (RFC 7904): type sip_registration_uri(1), uint16 length,
 * then the URI as opaque<0..2^16-1>. */
static struct relo_bytes sip_value(struct builder *b, const char *uri)
{
	struct relo_wr w;
	struct relo_bytes v;
	size_t mark;

	relo_wr_init_dyn(&w, 0);
	relo_wr_u8(&w, 1);
	mark = relo_wr_open(&w, 2);
	relo_wr_vec(&w, 2, 0xffff, relo_bytes_str(uri));
	relo_wr_close(&w, mark, 2, 0xffff);
	v = relo_bytes_of(bytes_dup(b, w.buf, w.len), w.len);
	relo_wr_free(&w);
	return v;
}

static int build_store(struct builder *b, struct relo_stored_data *sd, struct relo_kind_data *k,
		       struct relo_nodeid *ids)
{
	int err = 0;
	unsigned i;

	memset(sd, 0, 4 * sizeof(*sd));
	/* TURN-SERVICE: single value */
	sd[0].storage_time = STORAGE_TIME;
	sd[0].lifetime = 86400;
	sd[0].value.model = RELO_MODEL_SINGLE;
	sd[0].value.v.exists = true;
	sd[0].value.v.value = turn_value(b);
	/* CERTIFICATE_BY_USER: array, appended */
	sd[1].storage_time = STORAGE_TIME + 1;
	sd[1].lifetime = 3600;
	sd[1].value.model = RELO_MODEL_ARRAY;
	sd[1].value.index = 0xffffffffu;
	sd[1].value.v.exists = true;
	sd[1].value.v.value = relo_bytes_of(sample_cert_der, sample_cert_der_len);
	/* SIP-REGISTRATION: dictionary keyed by Node-ID */
	sd[2].storage_time = STORAGE_TIME + 2;
	sd[2].lifetime = 600;
	sd[2].value.model = RELO_MODEL_DICTIONARY;
	sd[2].value.key = relo_bytes_of(ids[0].id, ids[0].len);
	sd[2].value.v.exists = true;
	sd[2].value.v.value = sip_value(b, "sip:alice@192.0.2.1:5060");
	/* The private DISCO-like kind: dictionary, a removal (exists = false) */
	sd[3].storage_time = STORAGE_TIME + 3;
	sd[3].lifetime = 600;
	sd[3].value.model = RELO_MODEL_DICTIONARY;
	sd[3].value.key = relo_bytes_of(ids[1].id, ids[1].len);
	sd[3].value.v.exists = false;
	k[0] = (struct relo_kind_data){ RELO_KIND_TURN_SERVICE, 0, &sd[0], 1 };
	k[1] = (struct relo_kind_data){ RELO_KIND_CERTIFICATE_BY_USER, 0, &sd[1], 1 };
	k[2] = (struct relo_kind_data){ RELO_KIND_SIP_REGISTRATION, 4, &sd[2], 1 };
	k[3] = (struct relo_kind_data){ SAMPLE_PRIVATE_KIND, 9, &sd[3], 1 };
	for (i = 0; i < 4 && !err; i++)
		err = sign_stored(b, k[i].kind, &sd[i]);
	return err;
}

static int build_all(struct builder *b)
{
	static const uint8_t probe_types[] = { RELO_PROBE_RESPONSIBLE_SET, RELO_PROBE_NUM_RESOURCES,
					       RELO_PROBE_UPTIME };
	static const char *const err_info[] = {
		[RELO_ERR_FORBIDDEN] = "writer not authorized for this kind",
		[RELO_ERR_NOT_FOUND] = "no such node",
		[RELO_ERR_REQUEST_TIMEOUT] = "no answer within 3 s",
		[RELO_ERR_INCOMPATIBLE_WITH_OVERLAY] = "overlay hash mismatch",
		[RELO_ERR_UNSUPPORTED_FORWARDING_OPTION] = "option 1 is critical",
		[RELO_ERR_DATA_TOO_LARGE] = "value above max-size",
		[RELO_ERR_DATA_TOO_OLD] = "storage_time precedes stored value",
		[RELO_ERR_TTL_EXCEEDED] = "ttl 0",
		[RELO_ERR_MESSAGE_TOO_LARGE] = "above max-message-size",
		[RELO_ERR_UNKNOWN_EXTENSION] = "extension 1 is critical",
		[RELO_ERR_RESPONSE_TOO_LARGE] = "answer would exceed 1024",
		[RELO_ERR_CONFIG_TOO_OLD] = "config 6 < 7",
		[RELO_ERR_CONFIG_TOO_NEW] = "config 8 > 7",
		[RELO_ERR_IN_PROGRESS] = "attach in progress",
		[RELO_ERR_EXP_A] = "experiment a",
		[RELO_ERR_EXP_B] = "experiment b",
		[RELO_ERR_INVALID_MESSAGE] = "unknown message code 0x0005",
	};
	struct relo_nodeid ids[6];
	struct relo_stored_data sd[4];
	struct relo_kind_data sk[4];
	struct relo_store_kind_ans ska[2];
	struct relo_probe_info pinfo[3];
	struct relo_specifier spec[4];
	struct relo_array_range ranges[2] = { { 0, 3 }, { 7, 0xffffffffu } };
	struct relo_bytes keys[1];
	struct relo_kind_data fk[4];
	struct relo_stored_meta meta[3];
	struct relo_stat_kind stk[3];
	uint32_t find_kinds[2] = { RELO_KIND_SIP_REGISTRATION, SAMPLE_PRIVATE_KIND };
	struct relo_find_kind fkd[2];
	struct relo_bytes kinddescs[2];
	struct relo_fwd_opt opt = { RELO_FWDOPT_EXP_FORWARD, RELO_FWDOPT_RESPONSE_COPY,
				    { (const uint8_t *)"hop", 3 } };
	struct relo_ext ext = { RELO_EXT_EXP, false, { (const uint8_t *)"ext", 3 } };
	struct relo_body body;
	struct sample *s;
	char name[48];
	struct relo_wr w;
	unsigned i;
	int err;

	for (i = 0; i < 6; i++)
		sample_nodeid(&ids[i], i);

#define ADD(n) \
	do { if (!(s = add(b, (n), &body, NULL, 0, NULL, 0))) return -ENOMEM; } while (0)
#define BODY(c) \
	do { memset(&body, 0, sizeof(body)); body.code = (c); } while (0)

	BODY(RELO_PROBE_REQ);
	body.u.probe_req.types = relo_bytes_of(probe_types, sizeof(probe_types));
	ADD("probe_req");
	BODY(RELO_PROBE_ANS);
	pinfo[0] = (struct relo_probe_info){ RELO_PROBE_RESPONSIBLE_SET, 166666666, { 0 } };
	pinfo[1] = (struct relo_probe_info){ RELO_PROBE_NUM_RESOURCES, 1234, { 0 } };
	pinfo[2] = (struct relo_probe_info){ RELO_PROBE_UPTIME, 86400, { 0 } };
	body.u.probe_ans.info = pinfo;
	body.u.probe_ans.n = 3;
	ADD("probe_ans");
	expect(s, "reload.num_resources", "1234");

	BODY(RELO_ATTACH_REQ);
	body.u.attach.ufrag = relo_bytes_str("8hhY");
	body.u.attach.password = relo_bytes_str("asd88fgpdd777uzjYhagZg");
	body.u.attach.role = relo_bytes_str("passive");
	body.u.attach.cand = cands;
	body.u.attach.n_cand = 3;
	body.u.attach.send_update = true;
	ADD("attach_req");
	expect(s, "reload.port", "6084,6085,6084,6086,6085");
	BODY(RELO_ATTACH_ANS);
	body.u.attach.ufrag = relo_bytes_str("9uB6");
	body.u.attach.password = relo_bytes_str("YH75Fviy6338Vbrhrlp8Yh");
	body.u.attach.role = relo_bytes_str("active");
	body.u.attach.cand = cands;
	body.u.attach.n_cand = 1;
	ADD("attach_ans");

	err = build_store(b, sd, sk, ids);
	if (err)
		return err;
	for (i = 0; i < 4; i++) {
		BODY(RELO_STORE_REQ);
		body.u.store_req.resource = relo_bytes_of(b->resource, 16);
		body.u.store_req.kinds = &sk[i];
		body.u.store_req.n_kinds = 1;
		snprintf(name, sizeof(name), "store_req_%s%s",
			 relo_model_name(sd[i].value.model), i == 3 ? "_private" : "");
		ADD(name);
		expect(s, "reload.kinddata.kind", "%" PRIu32, sk[i].kind);
		expect(s, "reload.storeddata.lifetime", "%" PRIu32, sd[i].lifetime);
	}
	BODY(RELO_STORE_REQ);
	body.u.store_req.resource = relo_bytes_of(b->resource, 16);
	body.u.store_req.replica_number = 1;
	body.u.store_req.kinds = sk;
	body.u.store_req.n_kinds = 4;
	ADD("store_req_replica_all_models");
	expect(s, "reload.store.replica_number", "1");

	BODY(RELO_STORE_ANS);
	ska[0] = (struct relo_store_kind_ans){ RELO_KIND_SIP_REGISTRATION, 5, &ids[1], 2 };
	ska[1] = (struct relo_store_kind_ans){ SAMPLE_PRIVATE_KIND, 10, &ids[1], 2 };
	body.u.store_ans.kinds = ska;
	body.u.store_ans.n_kinds = 2;
	ADD("store_ans");
	expect(s, "reload.generation_counter", "5,10");

	memset(spec, 0, sizeof(spec));
	spec[0].kind = RELO_KIND_TURN_SERVICE;
	spec[0].model = RELO_MODEL_SINGLE;
	spec[1].kind = RELO_KIND_CERTIFICATE_BY_USER;
	spec[1].model = RELO_MODEL_ARRAY;
	spec[1].ranges = ranges;
	spec[1].n_ranges = 2;
	spec[2].kind = RELO_KIND_SIP_REGISTRATION;
	spec[2].model = RELO_MODEL_DICTIONARY;
	spec[2].generation = 4;
	keys[0] = relo_bytes_of(ids[0].id, 16);
	spec[2].keys = keys;
	spec[2].n_keys = 1;
	spec[3].kind = SAMPLE_PRIVATE_KIND;
	spec[3].model = RELO_MODEL_DICTIONARY; /* no keys: wildcard */
	BODY(RELO_FETCH_REQ);
	body.u.fetch_req.resource = relo_bytes_of(b->resource, 16);
	body.u.fetch_req.spec = spec;
	body.u.fetch_req.n_spec = 4;
	ADD("fetch_req");
	expect(s, "reload.kinddata.kind", "2,16,1,%u", SAMPLE_PRIVATE_KIND);
	BODY(RELO_FETCH_ANS);
	for (i = 0; i < 4; i++)
		fk[i] = (struct relo_kind_data){ sk[i].kind, (uint64_t)(i + 1) * 3, &sd[i], 1 };
	sd[1].value.index = 0; /* the append came back at index 0 */
	body.u.fetch_ans.kinds = fk;
	body.u.fetch_ans.n_kinds = 4;
	ADD("fetch_ans");
	expect(s, "reload.storeddata.lifetime", "%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32,
	       sd[0].lifetime, sd[1].lifetime, sd[2].lifetime, sd[3].lifetime);
	BODY(RELO_STAT_REQ);
	body.u.fetch_req.resource = relo_bytes_of(b->resource, 16);
	body.u.fetch_req.spec = spec;
	body.u.fetch_req.n_spec = 3;
	ADD("stat_req");
	BODY(RELO_STAT_ANS);
	memset(meta, 0, sizeof(meta));
	for (i = 0; i < 3; i++) {
		struct relo_data_value *v = &sd[i].value.v;
		relo_wr_init(&w, NULL, 0);
		meta[i].storage_time = sd[i].storage_time;
		meta[i].lifetime = sd[i].lifetime;
		meta[i].model = sd[i].value.model;
		meta[i].index = sd[i].value.index;
		meta[i].key = sd[i].value.key;
		meta[i].meta.exists = v->exists;
		meta[i].meta.value_length = (uint32_t)v->value.len;
		meta[i].meta.hash_alg = RELO_HASH_SHA256;
		/* The digest covers the value with its 4 length bytes. */
		{
			uint8_t lenb[4] = { (uint8_t)(v->value.len >> 24), (uint8_t)(v->value.len >> 16),
					    (uint8_t)(v->value.len >> 8), (uint8_t)v->value.len };
			EVP_MD_CTX *ctx = EVP_MD_CTX_new();
			uint8_t *h = relo_arena_get(b->a, 32);
			if (!ctx || !h)
				return -ENOMEM;
			EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
			EVP_DigestUpdate(ctx, lenb, 4);
			EVP_DigestUpdate(ctx, v->value.p, v->value.len);
			EVP_DigestFinal_ex(ctx, h, NULL);
			EVP_MD_CTX_free(ctx);
			meta[i].meta.hash = relo_bytes_of(h, 32);
		}
		stk[i] = (struct relo_stat_kind){ sk[i].kind, (uint64_t)(i + 1) * 3, &meta[i], 1 };
	}
	body.u.stat_ans.kinds = stk;
	body.u.stat_ans.n_kinds = 3;
	ADD("stat_ans");
	expect(s, "reload.metadata.value_length", "%zu,%zu,%zu", sd[0].value.v.value.len,
	       sd[1].value.v.value.len, sd[2].value.v.value.len);

	BODY(RELO_FIND_REQ);
	body.u.find_req.resource = relo_bytes_of(b->resource, 16);
	body.u.find_req.kinds = find_kinds;
	body.u.find_req.n_kinds = 2;
	ADD("find_req");
	expect(s, "reload.kindid", "1,%u", SAMPLE_PRIVATE_KIND);
	BODY(RELO_FIND_ANS);
	fkd[0] = (struct relo_find_kind){ RELO_KIND_SIP_REGISTRATION, relo_bytes_of(b->resource, 16) };
	fkd[1] = (struct relo_find_kind){ SAMPLE_PRIVATE_KIND, relo_bytes_of(ids[2].id, 16) };
	body.u.find_ans.results = fkd;
	body.u.find_ans.n = 2;
	ADD("find_ans");

	BODY(RELO_JOIN_REQ);
	body.u.join_req.peer = ids[0];
	ADD("join_req");
	BODY(RELO_JOIN_ANS);
	ADD("join_ans");
	BODY(RELO_LEAVE_REQ);
	body.u.leave_req.peer = ids[0];
	body.u.leave_req.has_chord = true;
	body.u.leave_req.chord.type = RELO_CHORD_FROM_PRED;
	body.u.leave_req.chord.ids = &ids[3];
	body.u.leave_req.chord.n = 3;
	ADD("leave_req");
	expect(s, "reload.chordleavedata.type", "2");
	BODY(RELO_LEAVE_ANS);
	ADD("leave_ans");

	BODY(RELO_UPDATE_REQ);
	body.u.update_req.uptime = 3600;
	body.u.update_req.type = RELO_CHORD_FULL;
	body.u.update_req.pred = &ids[3];
	body.u.update_req.n_pred = 3;
	body.u.update_req.succ = &ids[1];
	body.u.update_req.n_succ = 2;
	body.u.update_req.fingers = &ids[1];
	body.u.update_req.n_fingers = 5;
	ADD("update_req_full");
	expect(s, "reload.chordupdate.type", "3");
	BODY(RELO_UPDATE_REQ);
	body.u.update_req.uptime = 60;
	body.u.update_req.type = RELO_CHORD_NEIGHBORS;
	body.u.update_req.pred = &ids[4];
	body.u.update_req.n_pred = 2;
	body.u.update_req.succ = &ids[1];
	body.u.update_req.n_succ = 3;
	ADD("update_req_neighbors");
	expect(s, "reload.chordupdate.type", "2");
	BODY(RELO_UPDATE_REQ);
	body.u.update_req.uptime = 1;
	body.u.update_req.type = RELO_CHORD_PEER_READY;
	ADD("update_req_peer_ready");
	expect(s, "reload.chordupdate.type", "1");
	BODY(RELO_UPDATE_ANS);
	ADD("update_ans");

	BODY(RELO_ROUTE_QUERY_REQ);
	body.u.route_query_req.send_update = true;
	body.u.route_query_req.dest = dst_req[0];
	ADD("route_query_req");
	BODY(RELO_ROUTE_QUERY_ANS);
	body.u.route_query_ans.next_peer = ids[2];
	ADD("route_query_ans");

	BODY(RELO_PING_REQ);
	ADD("ping_req");
	BODY(RELO_PING_ANS);
	body.u.ping_ans.response_id = 0x0123456789abcdefull;
	body.u.ping_ans.time = STORAGE_TIME + 42;
	ADD("ping_ans");
	expect(s, "reload.ping.response_id", "%" PRIu64, (uint64_t)0x0123456789abcdefull);

	BODY(RELO_APP_ATTACH_REQ);
	body.u.app_attach.ufrag = relo_bytes_str("Kq3m");
	body.u.app_attach.password = relo_bytes_str("b47T4lkAq9zr0pk1VXu8pq");
	body.u.app_attach.application = 5060;
	body.u.app_attach.role = relo_bytes_str("passive");
	body.u.app_attach.cand = cands;
	body.u.app_attach.n_cand = 2;
	ADD("app_attach_req");
	expect(s, "reload.application", "5060");
	BODY(RELO_APP_ATTACH_ANS);
	body.u.app_attach.ufrag = relo_bytes_str("Vx1p");
	body.u.app_attach.password = relo_bytes_str("kdu28Xn5pLc0aa90Qkc7ZW");
	body.u.app_attach.application = 5060;
	body.u.app_attach.role = relo_bytes_str("active");
	body.u.app_attach.cand = cands;
	body.u.app_attach.n_cand = 1;
	ADD("app_attach_ans");

	BODY(RELO_CONFIG_UPDATE_REQ);
	body.u.config_update_req.type = RELO_CONFIG_UPDATE_CONFIG;
	body.u.config_update_req.config = relo_bytes_str(
		"<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\">"
		"<configuration instance-name=\"chorus.example\" sequence=\"8\">"
		"<topology-plugin>CHORD-RELOAD</topology-plugin>"
		"<node-id-length>16</node-id-length></configuration></overlay>");
	ADD("config_update_req_config");
	expect(s, "reload.configupdatereq.type", "1");
	BODY(RELO_CONFIG_UPDATE_REQ);
	kinddescs[0] = relo_bytes_str("<kind id=\"4026531841\"><data-model>DICTIONARY</data-model>"
				      "<access-control>USER-CHAIN-ACL</access-control>"
				      "<max-count>32</max-count><max-size>1024</max-size></kind>");
	kinddescs[1] = relo_bytes_str("<kind name=\"SIP-REGISTRATION\"><max-count>10</max-count>"
				      "<max-size>1000</max-size></kind>");
	body.u.config_update_req.type = RELO_CONFIG_UPDATE_KIND;
	body.u.config_update_req.kinds = kinddescs;
	body.u.config_update_req.n_kinds = 2;
	ADD("config_update_req_kind");
	expect(s, "reload.configupdatereq.type", "2");
	BODY(RELO_CONFIG_UPDATE_ANS);
	ADD("config_update_ans");

	/* Every error code; two carry structured error_info. */
	for (i = RELO_ERR_FORBIDDEN; i <= RELO_ERR_INVALID_MESSAGE; i++) {
		BODY(RELO_ERROR);
		body.u.error.code = (uint16_t)i;
		relo_wr_init_dyn(&w, 0);
		if (i == RELO_ERR_GENERATION_COUNTER_TOO_LOW) {
			struct relo_store_ans ans = { ska, 2 };
			ska[0].n_replicas = ska[1].n_replicas = 0; /* "which will be empty" */
			relo_store_ans_write(&w, &b->cfg, &ans);
		} else if (i == RELO_ERR_UNKNOWN_KIND) {
			relo_unknown_kinds_write(&w, find_kinds, 2);
		} else {
			relo_wr_bytes(&w, err_info[i], strlen(err_info[i]));
		}
		body.u.error.info = relo_bytes_of(bytes_dup(b, w.buf, w.len), w.len);
		relo_wr_free(&w);
		snprintf(name, sizeof(name), "error_%s", relo_error_name((uint16_t)i));
		ADD(name);
		expect(s, "reload.error_response.code", "%u", i);
	}

	/* The header's extensible parts: a forwarding option and an extension. */
	BODY(RELO_PING_REQ);
	body.u.ping_req.padding = relo_bytes_of(b->resource, 16);
	if (!(s = add(b, "ping_req_option_extension", &body, &opt, 1, &ext, 1)))
		return -ENOMEM;
	expect(s, "reload.message_extension.type", "1");
	return 0;
#undef ADD
#undef BODY
}

int samples_build(struct sample_set *set)
{
	struct builder b;
	uint8_t digest[SHA_DIGEST_LENGTH];
	int err;

	memset(set, 0, sizeof(*set));
	memset(&b, 0, sizeof(b));
	samples_cfg(&set->cfg);
	b.cfg = set->cfg;
	b.set = set;
	err = relo_arena_alloc(&b.a, 0, 0);
	if (err)
		return err;
	b.key = load_key();
	if (!b.key) {
		relo_arena_free(b.a);
		return -EINVAL;
	}
	SHA256(sample_cert_der, sample_cert_der_len, b.cert_hash);
	/* Overlay field: the lower 32 bits of SHA-1 of the overlay name. */
	SHA1((const uint8_t *)OVERLAY_NAME, strlen(OVERLAY_NAME), digest);
	b.overlay = (uint32_t)digest[16] << 24 | (uint32_t)digest[17] << 16 |
		    (uint32_t)digest[18] << 8 | digest[19];
	/* CHORD-RELOAD Resource-ID: SHA-1 of the name, first 128 bits. */
	SHA1((const uint8_t *)"sip:alice@chorus.example", 24, digest);
	memcpy(b.resource, digest, 16);
	routes_init(&b);
	cands_init();
	err = build_all(&b);
	EVP_PKEY_free(b.key);
	relo_arena_free(b.a);
	if (err)
		samples_free(set);
	return err;
}

void samples_free(struct sample_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->s[i].bytes);
	free(set->s);
	set->s = NULL;
	set->n = 0;
}
