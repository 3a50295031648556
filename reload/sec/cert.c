/*
 * cert.c - certificates: reading the Node-IDs and user name they name,
 * reload:// URIs, self-signed Node-IDs, an enrollment CA, PEM files
 * (RFC 6940 sections 11.3, 11.3.1, 14.15)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sec_int.h"

#define URI_SCHEME "reload://"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sec_hex_decode(const char *hex, size_t n, uint8_t *out, size_t max)
{
	size_t i;

	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)(n / 2);
}

int relo_uri_format(const struct relo_nodeid *n, const char *overlay, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o, i;
	int w;

	/* The destination is a Destination List: one node_id Destination. */
	w = snprintf(buf, size, URI_SCHEME "01%02x", n->len);
	if (w < 0 || (size_t)w >= size)
		return -ENOSPC;
	o = (size_t)w;
	for (i = 0; i < n->len; i++) {
		if (o + 2 >= size)
			return -ENOSPC;
		buf[o++] = hex[n->id[i] >> 4];
		buf[o++] = hex[n->id[i] & 15];
	}
	w = snprintf(buf + o, size - o, "@%s/", overlay);
	if (w < 0 || (size_t)w >= size - o)
		return -ENOSPC;
	return 0;
}

int relo_uri_parse(const char *uri, uint8_t node_id_len, struct relo_nodeid *n, char *overlay,
		   size_t overlay_size)
{
	struct relo_wirecfg cfg;
	struct relo_dest d;
	struct relo_rd r;
	const char *at, *slash;
	uint8_t list[64];
	int len;

	relo_wirecfg_default(&cfg);
	cfg.node_id_len = node_id_len;
	if (relo_wirecfg_check(&cfg) || strncmp(uri, URI_SCHEME, strlen(URI_SCHEME)) != 0)
		return -EINVAL;
	uri += strlen(URI_SCHEME);
	at = strchr(uri, '@');
	if (!at)
		return -EINVAL;
	slash = strchr(at, '/');
	if (!slash || slash == at + 1 || slash[1] != '\0')
		return -EINVAL; /* a peer's URI: overlay, then no specifier */
	len = sec_hex_decode(uri, (size_t)(at - uri), list, sizeof(list));
	if (len <= 0)
		return -EINVAL;
	relo_rd_init(&r, list, (size_t)len);
	relo_dest_read(&r, &cfg, &d);
	if (r.err || relo_rd_left(&r) || d.type != RELO_DEST_NODE)
		return -EINVAL; /* exactly one node_id Destination */
	*n = d.u.node;
	if (overlay) {
		size_t ol = (size_t)(slash - at - 1);
		if (ol >= overlay_size)
			return -ENOSPC;
		memcpy(overlay, at + 1, ol);
		overlay[ol] = '\0';
	}
	return 0;
}

static time_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return timegm(&tm);
}

int sec_info_from_x509(X509 *x, const char *overlay, uint8_t node_id_len,
		       struct relo_certinfo *info)
{
	GENERAL_NAMES *names;
	unsigned char *der = NULL;
	int i, n, der_len;

	memset(info, 0, sizeof(*info));
	der_len = i2d_X509(x, &der);
	if (der_len <= 0)
		return -EBADMSG;
	SHA256(der, (size_t)der_len, info->hash);
	OPENSSL_free(der);
	info->self_signed = (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
	info->not_before = asn1_time(X509_get0_notBefore(x));
	info->not_after = asn1_time(X509_get0_notAfter(x));
	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	n = names ? sk_GENERAL_NAME_num(names) : 0;
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		const ASN1_IA5STRING *s;
		char buf[512], ov[256];
		struct relo_nodeid id;

		if (g->type != GEN_URI && g->type != GEN_EMAIL)
			continue;
		s = g->type == GEN_URI ? g->d.uniformResourceIdentifier : g->d.rfc822Name;
		if (s->length <= 0 || (size_t)s->length >= sizeof(buf) ||
		    memchr(s->data, 0, (size_t)s->length))
			continue; /* embedded NULs or absurd lengths: not ours */
		memcpy(buf, s->data, (size_t)s->length);
		buf[s->length] = '\0';
		if (g->type == GEN_EMAIL) {
			if (!info->user[0] && (size_t)s->length < sizeof(info->user))
				memcpy(info->user, buf, (size_t)s->length + 1);
			continue;
		}
		if (relo_uri_parse(buf, node_id_len, &id, ov, sizeof(ov)) != 0)
			continue;
		if (overlay && strcmp(ov, overlay) != 0)
			continue;
		if (info->n_nodeids < RELO_CERT_MAX_NODEIDS)
			info->nodeids[info->n_nodeids++] = id;
	}
	GENERAL_NAMES_free(names);
	return info->n_nodeids ? 0 : -ENOENT;
}

int relo_cert_parse(const uint8_t *der, size_t len, const char *overlay, uint8_t node_id_len,
		    struct relo_certinfo *info)
{
	const unsigned char *p = der;
	X509 *x;
	int err;

	memset(info, 0, sizeof(*info));
	if (len > 65535)
		return -EBADMSG;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		return -EBADMSG;
	}
	err = sec_info_from_x509(x, overlay, node_id_len, info);
	X509_free(x);
	return err;
}

int relo_key_generate(EVP_PKEY **kp, enum relo_key_type type)
{
	*kp = type == RELO_KEY_RSA2048 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
				       : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return *kp ? 0 : -ENOMEM;
}

int relo_selfsigned_nodeid(EVP_PKEY *key, enum relo_digest digest, uint8_t node_id_len,
			   unsigned index, struct relo_nodeid *out)
{
	unsigned char *spki = NULL;
	uint8_t md[EVP_MAX_MD_SIZE], idx[4];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int n, ok;

	if (node_id_len < RELO_NODEID_MIN || node_id_len > RELO_NODEID_MAX)
		return -EINVAL;
	n = i2d_PUBKEY(key, &spki); /* the SubjectPublicKeyInfo, DER */
	if (n <= 0)
		return -EINVAL;
	idx[0] = (uint8_t)(index >> 24);
	idx[1] = (uint8_t)(index >> 16);
	idx[2] = (uint8_t)(index >> 8);
	idx[3] = (uint8_t)index;
	ctx = EVP_MD_CTX_new();
	ok = ctx &&
	     EVP_DigestInit_ex(ctx, digest == RELO_DIGEST_SHA256 ? EVP_sha256() : EVP_sha1(), NULL) &&
	     (index == 0 || EVP_DigestUpdate(ctx, idx, 4)) &&
	     EVP_DigestUpdate(ctx, spki, (size_t)n) && EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(spki);
	if (!ok || mdlen < node_id_len)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->len = node_id_len;
	memcpy(out->id, md, node_id_len); /* the high-order bits */
	return 0;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
	if (!ext)
		return -EINVAL;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -ENOMEM;
}

/* A certificate with a random serial, valid from an hour ago for days. */
static X509 *cert_new(EVP_PKEY *key, unsigned days)
{
	X509 *x = X509_new();
	uint8_t serial[16];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *sn = NULL;
	int ok;

	if (!x)
		return NULL;
	ok = RAND_bytes(serial, sizeof(serial)) == 1;
	serial[0] &= 0x7f; /* positive */
	ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) &&
	     (sn = BN_to_ASN1_INTEGER(bn, NULL)) && X509_set_version(x, 2) &&
	     X509_set_serialNumber(x, sn) && X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) && X509_set_pubkey(x, key);
	BN_free(bn);
	ASN1_INTEGER_free(sn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int set_cn(X509_NAME *name, const char *cn)
{
	return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					  -1, 0)
		       ? 0
		       : -EINVAL;
}

int relo_ca_create(X509 **certp, EVP_PKEY **keyp, const char *overlay, enum relo_key_type type,
		   unsigned days)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	char cn[320];
	int err;

	*certp = NULL;
	*keyp = NULL;
	err = relo_key_generate(&key, type);
	if (err)
		return err;
	x = cert_new(key, days);
	if (!x) {
		err = -ENOMEM;
		goto out;
	}
	snprintf(cn, sizeof(cn), "Chorus enrollment CA for %s", overlay);
	err = set_cn(X509_get_subject_name(x), cn);
	if (!err && !X509_set_issuer_name(x, X509_get_subject_name(x)))
		err = -ENOMEM;
	if (!err)
		err = add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
	if (!err)
		err = add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (!err)
		err = add_ext(x, x, NID_subject_key_identifier, "hash");
	if (!err && !X509_sign(x, key, EVP_sha256()))
		err = -EINVAL;
out:
	if (err) {
		X509_free(x);
		EVP_PKEY_free(key);
		return err;
	}
	*certp = x;
	*keyp = key;
	return 0;
}

/* SubjectAltName value: the reload:// URIs and the user name. */
static int san_value(char *buf, size_t size, const struct relo_nodeid *ids, unsigned n,
		     const char *overlay, const char *user, bool critical)
{
	size_t o = 0;
	unsigned i;
	int w;

	w = snprintf(buf, size, "%s", critical ? "critical" : "");
	o = (size_t)w;
	for (i = 0; i < n; i++) {
		char uri[400];
		int err = relo_uri_format(&ids[i], overlay, uri, sizeof(uri));
		if (err)
			return err;
		w = snprintf(buf + o, size - o, "%sURI:%s", o ? "," : "", uri);
		if (w < 0 || (size_t)w >= size - o)
			return -ENOSPC;
		o += (size_t)w;
	}
	if (user && *user) {
		if (strpbrk(user, ",\\\n\r") || strlen(user) >= RELO_USER_MAX)
			return -EINVAL; /* only names that survive the SAN syntax */
		w = snprintf(buf + o, size - o, "%semail:%s", o ? "," : "", user);
		if (w < 0 || (size_t)w >= size - o)
			return -ENOSPC;
	}
	return 0;
}

static int leaf_extensions(X509 *x, X509 *issuer)
{
	int err = add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");

	if (!err)
		err = add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
	if (!err)
		err = add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth");
	return err;
}

int relo_ca_issue(X509 *ca_cert, EVP_PKEY *ca_key, const char *overlay, uint8_t node_id_len,
		  const char *user, unsigned n_nodeids, enum relo_key_type type, unsigned days,
		  X509 **certp, EVP_PKEY **keyp, struct relo_nodeid *nodeids)
{
	return relo_ca_issue_prefix(ca_cert, ca_key, overlay, node_id_len, user, n_nodeids, type,
				    days, relo_bytes_of(NULL, 0), certp, keyp, nodeids);
}

int relo_ca_issue_prefix(X509 *ca_cert, EVP_PKEY *ca_key, const char *overlay,
			 uint8_t node_id_len, const char *user, unsigned n_nodeids,
			 enum relo_key_type type, unsigned days, struct relo_bytes prefix,
			 X509 **certp, EVP_PKEY **keyp, struct relo_nodeid *nodeids)
{
	EVP_PKEY *key = *keyp;
	X509 *x = NULL;
	char san[RELO_CERT_MAX_NODEIDS * 160 + RELO_USER_MAX + 32];
	unsigned i;
	int err = 0;

	*certp = NULL;
	if (!n_nodeids || n_nodeids > RELO_CERT_MAX_NODEIDS || node_id_len < RELO_NODEID_MIN ||
	    node_id_len > RELO_NODEID_MAX || prefix.len > 4)
		return -EINVAL;
	if (!key) {
		err = relo_key_generate(&key, type);
		if (err)
			return err;
	}
	for (i = 0; i < n_nodeids && !err; i++) {
		memset(&nodeids[i], 0, sizeof(nodeids[i]));
		nodeids[i].len = node_id_len;
		if (RAND_bytes(nodeids[i].id, node_id_len) != 1)
			err = -EIO;
		if (prefix.len)
			memcpy(nodeids[i].id, prefix.p, prefix.len);
	}
	if (!err && !(x = cert_new(key, days)))
		err = -ENOMEM;
	/* The subject is empty, so the SubjectAltName is critical (RFC 5280). */
	if (!err && !X509_set_issuer_name(x, X509_get_subject_name(ca_cert)))
		err = -ENOMEM;
	if (!err)
		err = san_value(san, sizeof(san), nodeids, n_nodeids, overlay, user, true);
	if (!err)
		err = add_ext(x, ca_cert, NID_subject_alt_name, san);
	if (!err)
		err = leaf_extensions(x, ca_cert);
	if (!err)
		err = add_ext(x, ca_cert, NID_authority_key_identifier, "keyid:always");
	if (!err && !X509_sign(x, ca_key, EVP_sha256()))
		err = -EINVAL;
	if (err) {
		X509_free(x);
		if (key != *keyp)
			EVP_PKEY_free(key);
		return err;
	}
	*certp = x;
	*keyp = key;
	return 0;
}

int relo_selfsigned_create(const char *overlay, uint8_t node_id_len, enum relo_digest digest,
			   const char *user, unsigned n_nodeids, enum relo_key_type type,
			   unsigned days, X509 **certp, EVP_PKEY **keyp)
{
	struct relo_nodeid ids[RELO_CERT_MAX_NODEIDS];
	char san[RELO_CERT_MAX_NODEIDS * 160 + RELO_USER_MAX + 32];
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	unsigned i;
	int err;

	*certp = NULL;
	*keyp = NULL;
	if (!n_nodeids || n_nodeids > RELO_CERT_MAX_NODEIDS)
		return -EINVAL;
	err = relo_key_generate(&key, type);
	for (i = 0; i < n_nodeids && !err; i++)
		err = relo_selfsigned_nodeid(key, digest, node_id_len, n_nodeids > 1 ? i + 1 : 0,
					     &ids[i]);
	if (!err && !(x = cert_new(key, days)))
		err = -ENOMEM;
	/* Self-signed: the user name as the subject, which is also the issuer. */
	if (!err)
		err = set_cn(X509_get_subject_name(x), user && *user ? user : "chorus node");
	if (!err && !X509_set_issuer_name(x, X509_get_subject_name(x)))
		err = -ENOMEM;
	if (!err)
		err = san_value(san, sizeof(san), ids, n_nodeids, overlay, user, false);
	if (!err)
		err = add_ext(x, x, NID_subject_alt_name, san);
	if (!err)
		err = leaf_extensions(x, x);
	if (!err && !X509_sign(x, key, EVP_sha256()))
		err = -EINVAL;
	if (err) {
		X509_free(x);
		EVP_PKEY_free(key);
		return err;
	}
	*certp = x;
	*keyp = key;
	return 0;
}

/* Writes through a temporary file created with mode, then renames it. */
static int save_pem(const char *path, mode_t mode, X509 *cert, EVP_PKEY *key)
{
	char tmp[4096];
	FILE *f;
	int fd, ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) != 0 || !(f = fdopen(fd, "w"))) {
		int err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	ok = cert ? PEM_write_X509(f, cert) : PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
	ok = fflush(f) == 0 && ok && fsync(fileno(f)) == 0;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

int relo_pem_save(const char *cert_path, X509 *cert, const char *key_path, EVP_PKEY *key)
{
	int err = 0;

	if (key && key_path)
		err = save_pem(key_path, 0600, NULL, key);
	if (!err && cert && cert_path)
		err = save_pem(cert_path, 0644, cert, NULL);
	return err;
}

int relo_pem_load(const char *cert_path, X509 **certp, const char *key_path, EVP_PKEY **keyp)
{
	FILE *f;

	if (certp) {
		*certp = NULL;
		f = fopen(cert_path, "r");
		if (!f)
			return -errno;
		*certp = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
		if (!*certp)
			return -EBADMSG;
	}
	if (keyp) {
		int err = 0;

		*keyp = NULL;
		f = fopen(key_path, "r");
		if (!f) {
			err = -errno;
		} else {
			*keyp = PEM_read_PrivateKey(f, NULL, NULL, NULL);
			fclose(f);
			if (!*keyp)
				err = -EBADMSG;
		}
		if (err && certp) {
			X509_free(*certp);
			*certp = NULL;
		}
		return err;
	}
	return 0;
}
