/*
 * test_sec.c - unit tests of identities, certificates and signatures
 * (reload/sec)
 */
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "relo/sec.h"
#include "test.h"

#define OVERLAY "chorus.example"

static time_t fake_now;

static time_t fake_clock(void)
{
	return fake_now;
}

/* A configuration as the trust context reads it. */
static void config_init(struct relo_config *c, struct relo_blob *roots, size_t n_roots,
			bool self_signed, enum relo_digest digest)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->instance_name, sizeof(c->instance_name), "%s", OVERLAY);
	c->node_id_len = 16;
	c->root_certs = roots;
	c->n_root_certs = n_roots;
	c->self_signed_permitted = self_signed;
	c->self_signed_digest = digest;
}

static struct relo_blob der_of(X509 *x)
{
	struct relo_blob b = { NULL, 0 };
	int n = i2d_X509(x, &b.p);

	b.len = n > 0 ? (size_t)n : 0;
	return b;
}

struct ca {
	X509 *cert;
	EVP_PKEY *key;
	struct relo_blob der;
};

static int ca_make(struct ca *ca)
{
	if (relo_ca_create(&ca->cert, &ca->key, OVERLAY, RELO_KEY_EC_P256, 3650))
		return -1;
	ca->der = der_of(ca->cert);
	return 0;
}

static void ca_free(struct ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	OPENSSL_free(ca->der.p);
}

static int test_uri(void)
{
	struct relo_nodeid n, back;
	char uri[256], ov[64];
	unsigned i;

	n.len = 16;
	for (i = 0; i < 16; i++)
		n.id[i] = (uint8_t)(0xa0 + i);
	CHECK_EQ(relo_uri_format(&n, OVERLAY, uri, sizeof(uri)), 0);
	/* The destination is a Destination List: type node (01), length 16 (10). */
	CHECK(!strcmp(uri, "reload://0110a0a1a2a3a4a5a6a7a8a9aaabacadaeaf@chorus.example/"));
	CHECK_EQ(relo_uri_parse(uri, 16, &back, ov, sizeof(ov)), 0);
	CHECK(relo_nodeid_eq(&n, &back));
	CHECK(!strcmp(ov, OVERLAY));
	CHECK_EQ(relo_uri_parse(uri, 20, &back, ov, sizeof(ov)), -EINVAL); /* 16 bytes, not 20 */
	CHECK_EQ(relo_uri_parse("sip:0110a0@x/", 16, &back, NULL, 0), -EINVAL);
	CHECK_EQ(relo_uri_parse("reload://0110a0a1@x/", 16, &back, NULL, 0), -EINVAL);
	CHECK_EQ(relo_uri_parse("reload://0110a0a1a2a3a4a5a6a7a8a9aaabacadaeaf/", 16, &back, NULL, 0),
		 -EINVAL);
	CHECK_EQ(relo_uri_parse("reload://0110a0a1a2a3a4a5a6a7a8a9aaabacadaeaf@x/0a", 16, &back,
				NULL, 0),
		 -EINVAL); /* a specifier addresses data, not a peer */
	CHECK_EQ(relo_uri_parse("reload://0211100102030405060708090a0b0c0d0e0f10@x/", 16, &back,
				NULL, 0),
		 -EINVAL); /* a resource is not a peer */
	CHECK_EQ(relo_uri_parse("reload://0110a0a1a2a3a4a5a6a7a8a9aaabacadaeaf8001@x/", 16, &back,
				NULL, 0),
		 -EINVAL); /* two destinations */
	CHECK_EQ(relo_uri_parse("reload://0110a0a1a2a3a4a5a6a7a8a9aaabacadaeaG@x/", 16, &back,
				NULL, 0),
		 -EINVAL);
	return 0;
}

static int test_ca_issue(void)
{
	struct relo_nodeid ids[3];
	struct relo_certinfo info;
	struct ca ca;
	struct relo_blob der;
	EVP_PKEY *key = NULL;
	X509 *cert;
	unsigned i;

	CHECK_EQ(ca_make(&ca), 0);
	CHECK_EQ(relo_ca_issue(ca.cert, ca.key, OVERLAY, 16, "alice@chorus.example", 3,
			       RELO_KEY_EC_P256, 365, &cert, &key, ids),
		 0);
	der = der_of(cert);
	CHECK_EQ(relo_cert_parse(der.p, der.len, OVERLAY, 16, &info), 0);
	CHECK_EQ(info.n_nodeids, 3);
	for (i = 0; i < 3; i++)
		CHECK(relo_nodeid_eq(&info.nodeids[i], &ids[i]));
	CHECK(!relo_nodeid_eq(&ids[0], &ids[1])); /* random */
	CHECK(!strcmp(info.user, "alice@chorus.example"));
	CHECK(!info.self_signed);
	CHECK(info.not_after > info.not_before);
	CHECK_EQ(X509_NAME_entry_count(X509_get_subject_name(cert)), 0); /* empty subject */
	/* Another overlay's name: no Node-ID for it. */
	CHECK_EQ(relo_cert_parse(der.p, der.len, "other.example", 16, &info), -ENOENT);
	CHECK_EQ(relo_cert_parse(der.p, der.len - 1, OVERLAY, 16, &info), -EBADMSG);
	CHECK_EQ(relo_cert_parse((const uint8_t *)"garbage", 7, OVERLAY, 16, &info), -EBADMSG);
	/* The CA's own certificate names no Node-ID. */
	CHECK_EQ(relo_cert_parse(ca.der.p, ca.der.len, OVERLAY, 16, &info), -ENOENT);
	OPENSSL_free(der.p);
	X509_free(cert);
	EVP_PKEY_free(key);
	ca_free(&ca);
	return 0;
}

static int test_trust_chain(void)
{
	struct relo_nodeid ids[1], bad;
	struct relo_certinfo info;
	struct relo_config cfg;
	struct relo_trust *t;
	struct ca ca, other;
	struct relo_blob der, oder;
	EVP_PKEY *key = NULL, *okey = NULL;
	X509 *cert, *ocert;
	char why[256];

	CHECK_EQ(ca_make(&ca), 0);
	CHECK_EQ(ca_make(&other), 0);
	CHECK_EQ(relo_ca_issue(ca.cert, ca.key, OVERLAY, 16, "alice@chorus.example", 1,
			       RELO_KEY_EC_P256, 30, &cert, &key, ids),
		 0);
	CHECK_EQ(relo_ca_issue(other.cert, other.key, OVERLAY, 16, "mallory@chorus.example", 1,
			       RELO_KEY_EC_P256, 30, &ocert, &okey, &bad),
		 0);
	der = der_of(cert);
	oder = der_of(ocert);
	config_init(&cfg, &ca.der, 1, false, RELO_DIGEST_SHA1);
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), 0);
	CHECK(relo_nodeid_eq(&info.nodeids[0], &ids[0]));
	/* Twice: the second from the cache. */
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), 0);
	/* Another CA's certificate does not chain. */
	CHECK_EQ(relo_trust_check_cert(t, oder.p, oder.len, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "root-cert") != NULL);
	/* The CA certificate itself names no Node-ID. */
	CHECK_EQ(relo_trust_check_cert(t, ca.der.p, ca.der.len, &info, why, sizeof(why)), -EACCES);
	/* Expired, cached or not. */
	fake_now = time(NULL) + 31 * 86400;
	relo_trust_set_clock(t, fake_clock);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "expired") != NULL);
	relo_trust_free(t);
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	relo_trust_set_clock(t, fake_clock);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), -EACCES);
	relo_trust_free(t);
	/* A bad-node, given by a prefix as the RFC's example does. */
	bad = ids[0];
	bad.len = 8;
	cfg.bad_nodes = &bad;
	cfg.n_bad_nodes = 1;
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "bad-node") != NULL);
	relo_trust_free(t);
	/* No root and no self-signed: nothing is valid. */
	config_init(&cfg, NULL, 0, false, RELO_DIGEST_SHA1);
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), -EACCES);
	relo_trust_free(t);
	OPENSSL_free(der.p);
	OPENSSL_free(oder.p);
	X509_free(cert);
	X509_free(ocert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(okey);
	ca_free(&ca);
	ca_free(&other);
	return 0;
}

/* A self-signed certificate claiming a Node-ID that is not its key's. */
static X509 *forged_selfsigned(EVP_PKEY **kp)
{
	struct relo_nodeid n = { .len = 16 };
	char uri[256], san[300];
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	X509 *x = X509_new();

	relo_key_generate(kp, RELO_KEY_EC_P256);
	RAND_bytes(n.id, 16);
	relo_uri_format(&n, OVERLAY, uri, sizeof(uri));
	snprintf(san, sizeof(san), "URI:%s", uri);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, *kp);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
				   (const unsigned char *)"thief", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	X509_sign(x, *kp, EVP_sha256());
	return x;
}

static int test_selfsigned(void)
{
	struct relo_certinfo info;
	struct relo_config cfg;
	struct relo_trust *t;
	struct relo_nodeid want;
	struct relo_blob der, der3, fder;
	EVP_PKEY *key, *key3, *fkey;
	X509 *cert, *cert3, *forged;
	char why[256];

	CHECK_EQ(relo_selfsigned_create(OVERLAY, 16, RELO_DIGEST_SHA1, "bob@chorus.example", 1,
					RELO_KEY_EC_P256, 30, &cert, &key),
		 0);
	CHECK_EQ(relo_selfsigned_create(OVERLAY, 16, RELO_DIGEST_SHA1, "carol@chorus.example", 3,
					RELO_KEY_RSA2048, 30, &cert3, &key3),
		 0);
	forged = forged_selfsigned(&fkey);
	der = der_of(cert);
	der3 = der_of(cert3);
	fder = der_of(forged);
	CHECK_EQ(relo_cert_parse(der.p, der.len, OVERLAY, 16, &info), 0);
	CHECK(info.self_signed);
	CHECK_EQ(relo_selfsigned_nodeid(key, RELO_DIGEST_SHA1, 16, 0, &want), 0);
	CHECK(relo_nodeid_eq(&info.nodeids[0], &want));
	CHECK(!strcmp(info.user, "bob@chorus.example"));

	config_init(&cfg, NULL, 0, true, RELO_DIGEST_SHA1);
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), 0);
	/* Several Node-IDs: digest(index || key), index from 1. */
	CHECK_EQ(relo_trust_check_cert(t, der3.p, der3.len, &info, why, sizeof(why)), 0);
	CHECK_EQ(info.n_nodeids, 3);
	CHECK_EQ(relo_selfsigned_nodeid(key3, RELO_DIGEST_SHA1, 16, 2, &want), 0);
	CHECK(relo_nodeid_eq(&info.nodeids[1], &want));
	/* A Node-ID that is not the key's digest: Node-ID theft. */
	CHECK_EQ(relo_trust_check_cert(t, fder.p, fder.len, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "digest") != NULL);
	relo_trust_free(t);
	/* The overlay's digest is SHA-256: SHA-1 Node-IDs do not match. */
	config_init(&cfg, NULL, 0, true, RELO_DIGEST_SHA256);
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), -EACCES);
	relo_trust_free(t);
	/* Self-signed not permitted. */
	config_init(&cfg, NULL, 0, false, RELO_DIGEST_SHA1);
	CHECK_EQ(relo_trust_alloc(&t, &cfg), 0);
	CHECK_EQ(relo_trust_check_cert(t, der.p, der.len, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "not permitted") != NULL);
	relo_trust_free(t);
	OPENSSL_free(der.p);
	OPENSSL_free(der3.p);
	OPENSSL_free(fder.p);
	X509_free(cert);
	X509_free(cert3);
	X509_free(forged);
	EVP_PKEY_free(key);
	EVP_PKEY_free(key3);
	EVP_PKEY_free(fkey);
	return 0;
}

/* Encodes a Ping request from id to node `to`, signed, and decodes it. */
static int signed_ping(const struct relo_ident *id, bool with_cert, struct relo_arena *a,
		       struct relo_wr *w, struct relo_msg *out)
{
	struct relo_wirecfg cfg;
	struct relo_dest d;
	struct relo_msg m;
	static const uint8_t body[] = { 0, 3, 'p', 'a', 'd' };

	relo_wirecfg_default(&cfg);
	relo_msg_init(&m);
	m.fwd.overlay = 0x92450759;
	m.fwd.trans_id = 77;
	d.type = RELO_DEST_NODE;
	memset(&d.u.node, 0, sizeof(d.u.node));
	d.u.node.len = 16;
	m.fwd.dst = &d;
	m.fwd.n_dst = 1;
	m.c.code = RELO_PING_REQ;
	m.c.body = relo_bytes_of(body, sizeof(body));
	if (relo_msg_sign(id, a, &m, with_cert))
		return -1;
	relo_wr_init_dyn(w, 0);
	if (relo_msg_encode(&cfg, &m, w))
		return -1;
	return relo_msg_decode(&cfg, a, w->buf, w->len, out);
}

/* An identity issued by a CA, with its trust context. */
struct fixture {
	struct ca ca;
	struct relo_ident *id;
	struct relo_trust *t;
	struct relo_config cfg;
	struct relo_arena *a;
};

static int fixture_make(struct fixture *f, enum relo_key_type type)
{
	struct relo_nodeid ids[2];
	EVP_PKEY *key = NULL;
	X509 *cert;
	char err[256];
	int rc;

	memset(f, 0, sizeof(*f));
	if (ca_make(&f->ca) ||
	    relo_ca_issue(f->ca.cert, f->ca.key, OVERLAY, 16, "alice@chorus.example", 2, type, 30,
			  &cert, &key, ids))
		return -1;
	rc = relo_ident_from_x509(&f->id, cert, key, OVERLAY, 16, err, sizeof(err));
	X509_free(cert);
	EVP_PKEY_free(key);
	config_init(&f->cfg, &f->ca.der, 1, false, RELO_DIGEST_SHA1);
	if (rc || relo_trust_alloc(&f->t, &f->cfg) || relo_arena_alloc(&f->a, 0, 0))
		return -1;
	return 0;
}

static void fixture_free(struct fixture *f)
{
	relo_ident_free(f->id);
	relo_trust_free(f->t);
	relo_arena_free(f->a);
	ca_free(&f->ca);
}

static int check_message_signatures(enum relo_key_type type)
{
	struct relo_certinfo info;
	struct relo_trust *fresh;
	struct fixture f;
	struct relo_msg m;
	struct relo_wr w;
	char why[256];

	CHECK_EQ(fixture_make(&f, type), 0);
	CHECK_EQ(signed_ping(f.id, true, f.a, &w, &m), 0);
	CHECK_EQ(m.sec.sig.sig_alg, type == RELO_KEY_RSA2048 ? RELO_SIG_RSA : RELO_SIG_ECDSA);
	CHECK_EQ(relo_msg_verify(f.t, &m, &info, why, sizeof(why)), 0);
	CHECK(relo_nodeid_eq(&info.nodeids[0], relo_ident_nodeid(f.id)));
	CHECK(!strcmp(info.user, "alice@chorus.example"));
	/* Any change to what is signed breaks it: transaction, overlay, body. */
	m.fwd.trans_id++;
	CHECK_EQ(relo_msg_verify(f.t, &m, &info, why, sizeof(why)), -EACCES);
	m.fwd.trans_id--;
	m.fwd.overlay ^= 1;
	CHECK_EQ(relo_msg_verify(f.t, &m, &info, why, sizeof(why)), -EACCES);
	m.fwd.overlay ^= 1;
	/* the padding, in the received bytes the contents view points into */
	w.buf[(size_t)(m.contents_raw.p - w.buf) + m.contents_raw.len - 5] ^= 1;
	CHECK_EQ(relo_msg_verify(f.t, &m, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "does not verify") != NULL);
	relo_wr_free(&w);
	/* Without the certificate: known from the cache, unknown to a fresh node. */
	CHECK_EQ(signed_ping(f.id, false, f.a, &w, &m), 0);
	CHECK_EQ(m.sec.n_certs, 0);
	CHECK_EQ(relo_msg_verify(f.t, &m, &info, why, sizeof(why)), 0);
	CHECK_EQ(relo_trust_alloc(&fresh, &f.cfg), 0);
	CHECK_EQ(relo_msg_verify(fresh, &m, &info, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "security block") != NULL);
	relo_trust_free(fresh);
	/* Unsigned. */
	m.sec.sig.signer.type = RELO_SIGNER_NONE;
	CHECK_EQ(relo_msg_verify(f.t, &m, &info, why, sizeof(why)), -EACCES);
	relo_wr_free(&w);
	fixture_free(&f);
	return 0;
}

static int test_message_signature_ecdsa(void)
{
	return check_message_signatures(RELO_KEY_EC_P256);
}

static int test_message_signature_rsa(void)
{
	return check_message_signatures(RELO_KEY_RSA2048);
}

/* cert_hash_node_id names which of a certificate's Node-IDs signed. */
static int test_cert_hash_node_id(void)
{
	const struct relo_certinfo *mine;
	struct relo_certinfo info;
	struct relo_wirecfg cfg;
	struct fixture f;
	struct relo_msg m, back;
	struct relo_dest d;
	struct relo_wr w, in;
	uint8_t hash[32];
	struct relo_bytes der;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char why[256];

	CHECK_EQ(fixture_make(&f, RELO_KEY_EC_P256), 0);
	mine = relo_ident_info(f.id);
	der = relo_ident_cert_der(f.id);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, mine->nodeids[1].id, 16);
	EVP_DigestUpdate(md, der.p, der.len);
	EVP_DigestFinal_ex(md, hash, NULL);
	EVP_MD_CTX_free(md);
	relo_wirecfg_default(&cfg);
	relo_msg_init(&m);
	d.type = RELO_DEST_NODE;
	d.u.node = mine->nodeids[0];
	m.fwd.dst = &d;
	m.fwd.n_dst = 1;
	m.c.code = RELO_LEAVE_ANS;
	CHECK_EQ(relo_msg_sign(f.id, f.a, &m, true), 0);
	m.sec.sig.signer.type = RELO_SIGNER_CERT_HASH_NODE_ID;
	m.sec.sig.signer.hash = relo_bytes_of(hash, 32);
	relo_wr_init_dyn(&in, 0);
	CHECK_EQ(relo_msg_sig_input(&m, &in), 0);
	CHECK_EQ(relo_ident_sign(f.id, f.a, in.buf, in.len, &m.sec.sig.value), 0);
	relo_wr_init_dyn(&w, 0);
	CHECK_EQ(relo_msg_encode(&cfg, &m, &w), 0);
	CHECK_EQ(relo_msg_decode(&cfg, f.a, w.buf, w.len, &back), 0);
	CHECK_EQ(relo_msg_verify(f.t, &back, &info, why, sizeof(why)), 0);
	CHECK_EQ(info.n_nodeids, 1);
	CHECK(relo_nodeid_eq(&info.nodeids[0], &mine->nodeids[1]));
	relo_wr_free(&w);
	relo_wr_free(&in);
	fixture_free(&f);
	return 0;
}

static int test_stored_signature(void)
{
	struct relo_certinfo info;
	struct relo_secblock sec;
	struct relo_stored_data sd;
	struct relo_cert cert;
	struct fixture f;
	struct relo_bytes res = relo_bytes_str("resource");
	char why[256];

	CHECK_EQ(fixture_make(&f, RELO_KEY_EC_P256), 0);
	memset(&sd, 0, sizeof(sd));
	sd.storage_time = 1795000000000ull;
	sd.lifetime = 60;
	sd.value.model = RELO_MODEL_ARRAY;
	sd.value.index = 0xffffffffu; /* appended: signed as index 0 */
	sd.value.v.exists = true;
	sd.value.v.value = relo_bytes_str("value");
	CHECK_EQ(relo_stored_sign(f.id, f.a, res, 0xf0000001u, &sd), 0);
	cert.type = RELO_CERT_X509;
	cert.der = relo_ident_cert_der(f.id);
	sec.certs = &cert;
	sec.n_certs = 1;
	CHECK_EQ(relo_stored_verify(f.t, &sec, res, 0xf0000001u, &sd, &info, why, sizeof(why)), 0);
	sd.value.index = 7; /* where the storing peer put it: still verifies */
	CHECK_EQ(relo_stored_verify(f.t, &sec, res, 0xf0000001u, &sd, &info, why, sizeof(why)), 0);
	CHECK_EQ(relo_stored_verify(f.t, &sec, res, 0xf0000002u, &sd, &info, why, sizeof(why)),
		 -EACCES); /* another kind */
	CHECK_EQ(relo_stored_verify(f.t, &sec, relo_bytes_str("resourcf"), 0xf0000001u, &sd, &info,
				    why, sizeof(why)),
		 -EACCES); /* another resource */
	sd.storage_time++;
	CHECK_EQ(relo_stored_verify(f.t, &sec, res, 0xf0000001u, &sd, &info, why, sizeof(why)),
		 -EACCES); /* replayed with another time */
	sd.storage_time--;
	sd.sig.signer.type = RELO_SIGNER_NONE; /* a FetchAns's synthesized value */
	CHECK_EQ(relo_stored_verify(f.t, &sec, res, 0xf0000001u, &sd, &info, why, sizeof(why)),
		 -EACCES);
	fixture_free(&f);
	return 0;
}

static int test_pem_files(void)
{
	char dir[] = "/tmp/chorus-sec-XXXXXX", cert_path[128], key_path[128], err[256];
	struct relo_ident *id = NULL;
	struct relo_nodeid ids[1];
	struct stat st;
	struct ca ca;
	EVP_PKEY *key = NULL, *other = NULL;
	X509 *cert;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(cert_path, sizeof(cert_path), "%s/node.crt", dir);
	snprintf(key_path, sizeof(key_path), "%s/node.key", dir);
	CHECK_EQ(ca_make(&ca), 0);
	CHECK_EQ(relo_ca_issue(ca.cert, ca.key, OVERLAY, 16, "dave@chorus.example", 1,
			       RELO_KEY_EC_P256, 30, &cert, &key, ids),
		 0);
	CHECK_EQ(relo_pem_save(cert_path, cert, key_path, key), 0);
	CHECK_EQ(stat(key_path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0600);
	CHECK_EQ(stat(cert_path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0644);
	CHECK_EQ(relo_ident_load(&id, cert_path, key_path, OVERLAY, 16, err, sizeof(err)), 0);
	CHECK(relo_nodeid_eq(relo_ident_nodeid(id), &ids[0]));
	relo_ident_free(id);
	/* A key that is not the certificate's. */
	CHECK_EQ(relo_key_generate(&other, RELO_KEY_EC_P256), 0);
	CHECK_EQ(relo_pem_save(NULL, NULL, key_path, other), 0);
	CHECK_EQ(relo_ident_load(&id, cert_path, key_path, OVERLAY, 16, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "does not match") != NULL);
	CHECK_EQ(relo_ident_load(&id, "/nonexistent.crt", key_path, OVERLAY, 16, err, sizeof(err)),
		 -ENOENT);
	unlink(cert_path);
	unlink(key_path);
	rmdir(dir);
	X509_free(cert);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	ca_free(&ca);
	return 0;
}

static const struct test tests[] = {
	{ "uri", test_uri },
	{ "ca_issue", test_ca_issue },
	{ "trust_chain", test_trust_chain },
	{ "selfsigned", test_selfsigned },
	{ "message_signature_ecdsa", test_message_signature_ecdsa },
	{ "message_signature_rsa", test_message_signature_rsa },
	{ "cert_hash_node_id", test_cert_hash_node_id },
	{ "stored_signature", test_stored_signature },
	{ "pem_files", test_pem_files },
};

TEST_MAIN(tests)
