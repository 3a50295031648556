/*
 * chorus - the Chorus command line: credentials and overlays, and a
 * running chorusd through its control API
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/http.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "relo/config.h"
#include "relo/net.h"
#include "relo/print.h"
#include "relo/sec.h"
#include "chorus.h"

#define DEFAULT_API "127.0.0.1:7084"
#define DAYS 365

static void usage(FILE *f)
{
	fputs("usage: chorus COMMAND [options]\n"
	      "\n"
	      "credentials and overlays:\n"
	      "  overlay init NAME [--dir DIR] [--self-signed] [--bootstrap ADDR:PORT]...\n"
	      "                    [--landmark ADDR:PORT]... [--node-id-length 16..20]\n"
	      "                    [--update-interval S]\n"
	      "        a new overlay: an enrollment CA (unless --self-signed) and a\n"
	      "        configuration document, DIR/overlay.xml (DIR defaults to NAME)\n"
	      "  ca init --overlay NAME [--dir DIR] [--rsa]\n"
	      "        an enrollment CA: DIR/ca.crt, DIR/ca.key\n"
	      "  ca issue --user NAME [--nodes N] [--dir DIR] [--out PREFIX] [--rsa]\n"
	      "           [--node-id-length 16..20] [--id-prefix HEX]\n"
	      "        a node certificate with N random Node-IDs from the CA in DIR:\n"
	      "        PREFIX.crt and PREFIX.key (mode 0600)\n"
	      "  cert selfsigned --overlay NAME --user NAME [--nodes N] [--digest sha1|sha256]\n"
	      "                  [--out PREFIX] [--node-id-length 16..20] [--rsa]\n"
	      "        a self-signed certificate whose Node-IDs are its key's digest\n"
	      "\n"
	      "a running chorusd (--api ADDR:PORT, or $CHORUS_API, default " DEFAULT_API "):\n"
	      "  status [--json|--raw]  Node-ID, ring, links, counters (--raw: key value lines)\n"
	      "  ping NODE-ID [--json]  a RELOAD Ping through the overlay\n"
	      "  route RESOURCE [--json]  where a resource name lives (--id: a hex Resource-ID)\n"
	      "  pingall [--raw]        Pings to every Node-ID read from standard input\n"
	      "  put KIND RESOURCE VALUE|- [--index N|--append] [--key K|--key-hex H|--key-node]\n"
	      "      [--lifetime S] [--delete] [--generation G] [--hex] [--id]\n"
	      "  put KIND VALUE|- --multiple I ...  at H(our Node-ID || I) (NODE-MULTIPLE)\n"
	      "        store a value (-: from standard input; --hex: VALUE is hex) of a kind\n"
	      "        the overlay declares (its name or Kind-ID), signed by the node\n"
	      "  get KIND RESOURCE [--index N|--range A-B] [--key K|--key-hex H|--key-node]\n"
	      "      [--id] [--json|--raw]\n"
	      "        fetch values, each verified: signer, lifetime, value\n"
	      "  stat KIND RESOURCE [as get]  the values' length, SHA-256 and lifetime\n"
	      "  register [AOR]         register this node's AOR (its certificate's user\n"
	      "                         name) in the overlay, kept registered (RFC 7904)\n"
	      "  unregister             remove that registration\n"
	      "  lookup AOR [--json|--raw]  the peers an AOR leads to, and where their SIP\n"
	      "                         listens (AppAttach 5060)\n"
	      "  conf create [NAME]     a conference on this node (chorusd --sip); prints its URI\n"
	      "  conf list              the conferences hosted here and their sizes\n"
	      "  conf members NAME      who is in one\n"
	      "  conf invite NAME URI   the focus calls URI into it (RFC 4579 dial-out)\n"
	      "  conf destroy NAME      hang up on everyone in it and end it\n"
	      "  conf join URI [call options]  call a conference and show its roster\n"
	      "                         (RFC 4575 subscription) while in it\n"
	      "  conf roster [ID]       the roster a call to a conference holds\n"
	      "  call URI [--play F.wav] [--tone HZ] [--record F.wav] [--seconds S]\n"
	      "       [--plain] [--direct] [--detach]\n"
	      "        call URI from the node's user agent (chorusd --sip): an AOR registered\n"
	      "        in the overlay is reached through it (RFC 7904), others (and with\n"
	      "        --direct, all) as plain SIP; send a WAV file or a tone, record what\n"
	      "        is heard; hang up after S s, on Ctrl-C, or (--detach) leave it up\n"
	      "  calls                  the node's calls, newest first\n"
	      "  hangup [ID]            hang up one call, or all\n"
	      "  leave                  leave the overlay and stop the node\n"
	      "\n"
	      "overlay init --kind ID:MODEL:POLICY[:MAX-COUNT[:MAX-SIZE[:MAX-NODE-MULTIPLE]]]\n"
	      "  declares a kind besides Chorus's own (MODEL single|array|dictionary,\n"
	      "  POLICY USER-MATCH|NODE-MATCH|USER-NODE-MATCH|NODE-MULTIPLE|USER-CHAIN-ACL)\n",
	      f);
}

/* ---- options ---- */

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "out", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, 'u' },
		{ "overlay", required_argument, NULL, 'O' },
		{ "api", required_argument, NULL, 'a' },
		{ "digest", required_argument, NULL, 'D' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "node-id-length", required_argument, NULL, 'L' },
		{ "update-interval", required_argument, NULL, 'U' },
		{ "self-signed", no_argument, NULL, 's' },
		{ "rsa", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "id", no_argument, NULL, 'i' },
		{ "raw", no_argument, NULL, 'R' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "landmark", required_argument, NULL, 'l' },
		{ "index", required_argument, NULL, 1001 },
		{ "range", required_argument, NULL, 1002 },
		{ "key", required_argument, NULL, 1003 },
		{ "key-hex", required_argument, NULL, 1004 },
		{ "key-node", no_argument, NULL, 1005 },
		{ "lifetime", required_argument, NULL, 1006 },
		{ "delete", no_argument, NULL, 1007 },
		{ "generation", required_argument, NULL, 1008 },
		{ "append", no_argument, NULL, 1009 },
		{ "hex", no_argument, NULL, 1010 },
		{ "kind", required_argument, NULL, 1011 },
		{ "multiple", required_argument, NULL, 1012 },
		{ "id-prefix", required_argument, NULL, 1013 },
		{ "play", required_argument, NULL, 1014 },
		{ "record", required_argument, NULL, 1015 },
		{ "tone", required_argument, NULL, 1016 },
		{ "seconds", required_argument, NULL, 1017 },
		{ "plain", no_argument, NULL, 1018 },
		{ "direct", no_argument, NULL, 1019 },
		{ "detach", no_argument, NULL, 1020 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->nodes = 1;
	o->node_id_len = 16;
	o->api = getenv("CHORUS_API") ? getenv("CHORUS_API") : DEFAULT_API;
	o->digest = "sha256";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd': o->dir = optarg; break;
		case 'o': o->out = optarg; break;
		case 'u': o->user = optarg; break;
		case 'O': o->overlay = optarg; break;
		case 'a': o->api = optarg; break;
		case 'D': o->digest = optarg; break;
		case 'n': o->nodes = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'L': o->node_id_len = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'U': o->update_interval = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': o->self_signed = true; break;
		case 'r': o->rsa = true; break;
		case 'j': o->json = true; break;
		case 'i': o->id = true; break;
		case 'R': o->raw = true; break;
		case 'b':
			if (o->n_bootstrap < 16)
				o->bootstrap[o->n_bootstrap++] = optarg;
			break;
		case 'l':
			if (o->n_landmark < 16)
				o->landmark[o->n_landmark++] = optarg;
			break;
		case 1001: o->index = optarg; break;
		case 1002: o->range = optarg; break;
		case 1003: o->key = optarg; break;
		case 1004: o->key_hex = optarg; break;
		case 1005: o->key_node = true; break;
		case 1006: o->lifetime = (unsigned)strtoul(optarg, NULL, 10); break;
		case 1007: o->del = true; break;
		case 1008: o->generation = optarg; break;
		case 1009: o->append = true; break;
		case 1010: o->hex = true; break;
		case 1012: o->multiple = optarg; break;
		case 1013: o->id_prefix = optarg; break;
		case 1014: o->play = optarg; break;
		case 1015: o->record = optarg; break;
		case 1016: o->tone = optarg; break;
		case 1017: o->seconds = (unsigned)strtoul(optarg, NULL, 10); break;
		case 1018: o->plain = true; break;
		case 1019: o->direct = true; break;
		case 1020: o->detach = true; break;
		case 1011:
			if (o->n_kinds < 16)
				o->kinds[o->n_kinds++] = optarg;
			break;
		case 'h': usage(stdout); exit(0);
		default: return -1;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	if (o->node_id_len < 16 || o->node_id_len > 20 || !o->nodes || o->nodes > 16) {
		fprintf(stderr, "chorus: --node-id-length is 16..20 and --nodes 1..16\n");
		return -1;
	}
	return 0;
}

static void path(char *buf, size_t size, const char *dir, const char *file)
{
	snprintf(buf, size, "%s/%s", dir ? dir : ".", file);
}

int fail(const char *what, int err)
{
	fprintf(stderr, "chorus: %s: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

/* ---- credentials ---- */

static int ca_init(const char *dir, const char *overlay, bool rsa)
{
	char crt[4096], key[4096];
	X509 *cert;
	EVP_PKEY *k;
	int err;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return fail(dir, errno);
	path(crt, sizeof(crt), dir, "ca.crt");
	path(key, sizeof(key), dir, "ca.key");
	if (access(key, F_OK) == 0) {
		fprintf(stderr, "chorus: %s exists already; not replacing a CA\n", key);
		return 1;
	}
	err = relo_ca_create(&cert, &k, overlay, rsa ? RELO_KEY_RSA2048 : RELO_KEY_EC_P256, 3650);
	if (!err)
		err = relo_pem_save(crt, cert, key, k);
	X509_free(cert);
	EVP_PKEY_free(k);
	if (err)
		return fail("creating the CA", err);
	printf("enrollment CA for %s: %s (key %s, mode 0600)\n", overlay, crt, key);
	return 0;
}

/* The overlay a CA of ours serves: "Chorus enrollment CA for NAME". */
static int ca_overlay(X509 *ca, char *buf, size_t size)
{
	char cn[300];
	const char *prefix = "Chorus enrollment CA for ";

	if (X509_NAME_get_text_by_NID(X509_get_subject_name(ca), NID_commonName, cn,
				      sizeof(cn)) <= 0 ||
	    strncmp(cn, prefix, strlen(prefix)) != 0)
		return -EINVAL;
	snprintf(buf, size, "%s", cn + strlen(prefix));
	return 0;
}

static int hexval(int c);

static int ca_issue(const struct opts *o)
{
	struct relo_nodeid ids[16];
	char crt[4096], key[4096], out_crt[4096], out_key[4096], overlay[300], hex[41];
	X509 *ca, *cert;
	EVP_PKEY *ca_key, *k = NULL;
	unsigned i;
	int err;

	if (!o->user) {
		fprintf(stderr, "chorus: ca issue needs --user NAME\n");
		return 2;
	}
	path(crt, sizeof(crt), o->dir, "ca.crt");
	path(key, sizeof(key), o->dir, "ca.key");
	err = relo_pem_load(crt, &ca, key, &ca_key);
	if (err)
		return fail(crt, err);
	if (ca_overlay(ca, overlay, sizeof(overlay))) {
		fprintf(stderr, "chorus: %s is not a Chorus enrollment CA\n", crt);
		X509_free(ca);
		EVP_PKEY_free(ca_key);
		return 1;
	}
	snprintf(out_crt, sizeof(out_crt), "%s.crt", o->out ? o->out : o->user);
	snprintf(out_key, sizeof(out_key), "%s.key", o->out ? o->out : o->user);
	uint8_t prefix[4];
	size_t plen = 0;

	if (o->id_prefix) {
		const char *h = o->id_prefix;
		for (plen = 0; plen < sizeof(prefix) && hexval(h[2 * plen]) >= 0 &&
			       hexval(h[2 * plen + 1]) >= 0;
		     plen++)
			prefix[plen] = (uint8_t)(hexval(h[2 * plen]) << 4 | hexval(h[2 * plen + 1]));
		if (!plen || h[2 * plen]) {
			fprintf(stderr, "chorus: --id-prefix wants 1 to 4 bytes of hex (e.g. the "
					"landmark_prefix chorus status --raw shows)\n");
			X509_free(ca);
			EVP_PKEY_free(ca_key);
			return 2;
		}
	}
	err = relo_ca_issue_prefix(ca, ca_key, overlay, (uint8_t)o->node_id_len, o->user, o->nodes,
				   o->rsa ? RELO_KEY_RSA2048 : RELO_KEY_EC_P256, DAYS,
				   relo_bytes_of(prefix, plen), &cert, &k, ids);
	if (!err)
		err = relo_pem_save(out_crt, cert, out_key, k);
	if (!err) {
		printf("%s: %s for %s in %s\n", out_crt, o->user, o->nodes > 1 ? "Node-IDs" : "Node-ID",
		       overlay);
		for (i = 0; i < o->nodes; i++)
			printf("  %s\n", relo_nodeid_hex(&ids[i], hex, sizeof(hex)));
		X509_free(cert);
		EVP_PKEY_free(k);
	}
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	return err ? fail("issuing", err) : 0;
}

static int selfsigned(const struct opts *o)
{
	char out_crt[4096], out_key[4096], hex[41];
	struct relo_certinfo info;
	enum relo_digest dg;
	unsigned char *der = NULL;
	X509 *cert;
	EVP_PKEY *k;
	size_t i;
	int n, err;

	if (!o->overlay || !o->user) {
		fprintf(stderr, "chorus: cert selfsigned needs --overlay NAME and --user NAME\n");
		return 2;
	}
	dg = !strcmp(o->digest, "sha1") ? RELO_DIGEST_SHA1 : RELO_DIGEST_SHA256;
	err = relo_selfsigned_create(o->overlay, (uint8_t)o->node_id_len, dg, o->user, o->nodes,
				     o->rsa ? RELO_KEY_RSA2048 : RELO_KEY_EC_P256, DAYS, &cert, &k);
	if (err)
		return fail("creating the certificate", err);
	snprintf(out_crt, sizeof(out_crt), "%s.crt", o->out ? o->out : o->user);
	snprintf(out_key, sizeof(out_key), "%s.key", o->out ? o->out : o->user);
	err = relo_pem_save(out_crt, cert, out_key, k);
	n = i2d_X509(cert, &der);
	if (!err && n > 0 &&
	    relo_cert_parse(der, (size_t)n, o->overlay, (uint8_t)o->node_id_len, &info) == 0) {
		printf("%s: self-signed for %s in %s (digest %s)\n", out_crt, o->user, o->overlay,
		       o->digest);
		for (i = 0; i < info.n_nodeids; i++)
			printf("  %s\n", relo_nodeid_hex(&info.nodeids[i], hex, sizeof(hex)));
	}
	OPENSSL_free(der);
	X509_free(cert);
	EVP_PKEY_free(k);
	return err ? fail(out_crt, err) : 0;
}

/* ID:MODEL:POLICY[:MAX-COUNT[:MAX-SIZE[:MAX-NODE-MULTIPLE]]] */
static int parse_kind(const char *spec, struct relo_kind_def *k)
{
	static const char *const models[] = { "single", "array", "dictionary" };
	static const enum relo_acl acls[] = { RELO_ACL_USER_MATCH, RELO_ACL_NODE_MATCH,
					      RELO_ACL_USER_NODE_MATCH, RELO_ACL_NODE_MULTIPLE,
					      RELO_ACL_USER_CHAIN_ACL };
	char buf[256], *f[6], *save = NULL, *p;
	size_t n = 0, i;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (p = strtok_r(buf, ":", &save); p && n < 6; p = strtok_r(NULL, ":", &save))
		f[n++] = p;
	if (n < 3 || p)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->id = relo_kind_by_name(f[0]) ? relo_kind_by_name(f[0])
					: (uint32_t)strtoul(f[0], NULL, 0);
	for (i = 0; i < 3; i++)
		if (!strcmp(f[1], models[i]))
			k->model = (enum relo_model)(RELO_MODEL_SINGLE + i);
	for (i = 0; i < 5; i++)
		if (!strcmp(f[2], relo_acl_name(acls[i])))
			k->acl = acls[i];
	k->max_count = n > 3 ? (uint32_t)strtoul(f[3], NULL, 10) : 16;
	k->max_size = n > 4 ? (uint32_t)strtoul(f[4], NULL, 10) : 1024;
	k->max_node_multiple = n > 5 ? (uint32_t)strtoul(f[5], NULL, 10)
				     : k->acl == RELO_ACL_NODE_MULTIPLE ? 16 : 0;
	return k->id && k->model && k->acl ? 0 : -EINVAL;
}

/*
 * The kinds Chorus uses (RFC 7904's SIP registrations, RFC 6940's
 * certificates, RFC 8076's access control lists, conference registrations
 * and focus capacity: docs/disco.md), then --kind ones.
 */
static int add_kinds(struct relo_config *c, const struct opts *o)
{
	static const char *const ours[] = {
		"SIP-REGISTRATION:dictionary:USER-NODE-MATCH:16:1024",
		"CERTIFICATE_BY_NODE:array:NODE-MATCH:4:8192",
		"CERTIFICATE_BY_USER:array:USER-MATCH:4:8192",
		"ACCESS-CONTROL-LIST:array:USER-CHAIN-ACL:256:1024",
		"0xF0000001:dictionary:USER-CHAIN-ACL:64:512", /* DISCO-REGISTRATION */
		"0xF0000002:single:NODE-MULTIPLE:1:256:4",     /* FOCUS-CAPACITY */
	};
	struct relo_kind_def k;
	size_t i;

	static char conf_pattern[] = ".*-conf-$USER@$DOMAIN";
	static char *patterns[] = { conf_pattern };

	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (parse_kind(ours[i], &k))
			return -EINVAL;
		/* Conferences (docs/disco.md) are named <x>-conf-<owner>. */
		if (k.acl == RELO_ACL_USER_CHAIN_ACL) {
			k.variable_names = true;
			k.name_patterns = patterns;
			k.n_name_patterns = 1;
		}
		if (relo_config_add_kind(c, &k))
			return -EINVAL;
	}
	for (i = 0; i < o->n_kinds; i++) {
		if (parse_kind(o->kinds[i], &k) || relo_config_add_kind(c, &k)) {
			fprintf(stderr, "chorus: bad --kind %s (ID:MODEL:POLICY[:MAX-COUNT"
					"[:MAX-SIZE[:MAX-NODE-MULTIPLE]]])\n",
				o->kinds[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static int overlay_init(const struct opts *o)
{
	const char *name = o->argc ? o->argv[0] : NULL;
	const char *dir = o->dir ? o->dir : name;
	struct relo_config *c;
	char crt[4096], file[4096];
	size_t i;
	int err;

	if (!name) {
		fprintf(stderr, "chorus: overlay init NAME\n");
		return 2;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return fail(dir, errno);
	err = relo_config_new(&c, name);
	if (err)
		return fail("configuration", err);
	c->node_id_len = (uint8_t)o->node_id_len;
	if (o->update_interval)
		c->chord_update_interval = o->update_interval;
	if (o->self_signed) {
		c->self_signed_permitted = true;
		c->self_signed_digest = RELO_DIGEST_SHA256;
	} else {
		X509 *ca;
		unsigned char *der = NULL;
		int n;

		if (ca_init(dir, name, o->rsa)) {
			relo_config_free(c);
			return 1;
		}
		path(crt, sizeof(crt), dir, "ca.crt");
		if (relo_pem_load(crt, &ca, NULL, NULL) != 0 || (n = i2d_X509(ca, &der)) <= 0) {
			relo_config_free(c);
			return fail(crt, -EBADMSG);
		}
		X509_free(ca);
		c->root_certs = calloc(1, sizeof(*c->root_certs));
		if (!c->root_certs) {
			OPENSSL_free(der);
			relo_config_free(c);
			return fail("configuration", -ENOMEM);
		}
		c->root_certs[0].p = malloc((size_t)n);
		if (c->root_certs[0].p)
			memcpy(c->root_certs[0].p, der, (size_t)n);
		c->root_certs[0].len = (size_t)n;
		c->n_root_certs = 1;
		OPENSSL_free(der);
	}
	c->bootstrap = calloc(o->n_bootstrap + 1, sizeof(*c->bootstrap));
	c->landmarks = calloc(o->n_landmark + 1, sizeof(*c->landmarks));
	for (i = 0; i < o->n_bootstrap && c->bootstrap; i++) {
		struct relo_ipport a;
		if (relo_ipport_parse(o->bootstrap[i], &a)) {
			relo_config_free(c);
			fprintf(stderr, "chorus: bad --bootstrap %s\n", o->bootstrap[i]);
			return 2;
		}
		inet_ntop(a.type == RELO_ADDR_IPV6 ? AF_INET6 : AF_INET, a.addr,
			  c->bootstrap[i].address, sizeof(c->bootstrap[i].address));
		c->bootstrap[i].port = a.port;
		c->n_bootstrap++;
	}
	for (i = 0; i < o->n_landmark && c->landmarks; i++) {
		struct relo_ipport a;
		if (relo_ipport_parse(o->landmark[i], &a)) {
			relo_config_free(c);
			fprintf(stderr, "chorus: bad --landmark %s\n", o->landmark[i]);
			return 2;
		}
		inet_ntop(a.type == RELO_ADDR_IPV6 ? AF_INET6 : AF_INET, a.addr,
			  c->landmarks[i].address, sizeof(c->landmarks[i].address));
		c->landmarks[i].port = a.port;
		c->n_landmarks++;
	}
	err = add_kinds(c, o);
	if (err) {
		relo_config_free(c);
		return 2;
	}
	path(file, sizeof(file), dir, "overlay.xml");
	err = relo_config_save(c, file);
	relo_config_free(c);
	if (err)
		return fail(file, err);
	printf("overlay %s: configuration %s%s\n", name, file,
	       o->self_signed ? " (self-signed certificates)" : "");
	if (!o->self_signed)
		printf("next: chorus ca issue --dir %s --user alice@%s\n", dir, name);
	return 0;
}

/* ---- the control API ---- */

/* GET path from the API; the body, NUL-terminated, in *out (caller frees). */
static int http_get(const char *api, const char *method, const char *path_q, const char *body_in,
		    size_t body_len, char **out)
{
	struct relo_ipport a;
	struct sockaddr_in sin;
	char req[6144], *buf = NULL, *body;
	size_t len = 0, cap = 0;
	int fd, status = 0;

	if (relo_ipport_parse(api, &a) || a.type != RELO_ADDR_IPV4) {
		fprintf(stderr, "chorus: --api wants an IPv4 ADDR:PORT, not %s\n", api);
		return -EINVAL;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(a.port);
	memcpy(&sin.sin_addr, a.addr, 4);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		int err = -errno;
		close(fd);
		fprintf(stderr, "chorus: no chorusd control API at %s: %s\n", api, strerror(-err));
		return err;
	}
	snprintf(req, sizeof(req),
		 "%s %s HTTP/1.0\r\nHost: %s\r\nX-Chorus-Client: 1\r\n"
		 "Content-Length: %zu\r\n\r\n",
		 method, path_q, api, body_len);
	if (write(fd, req, strlen(req)) < 0 ||
	    (body_len && write(fd, body_in, body_len) != (ssize_t)body_len)) {
		close(fd);
		return -EIO;
	}
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, 30000) <= 0) {
			free(buf);
			close(fd);
			fprintf(stderr, "chorus: chorusd did not answer within 30 s\n");
			return -ETIMEDOUT;
		}
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 8192);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return -EIO;
	buf[len] = '\0';
	sscanf(buf, "HTTP/%*s %d", &status);
	body = strstr(buf, "\r\n\r\n");
	body = body ? body + 4 : buf + len;
	*out = strdup(body);
	free(buf);
	if (!*out)
		return -ENOMEM;
	return status == 200 ? 0 : -status;
}

/* The value of "key value..." in a text reply, or NULL. */
const char *field(const char *text, const char *key, char *buf, size_t size)
{
	size_t kl = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			const char *e = strchr(p + kl + 1, '\n');
			size_t n = e ? (size_t)(e - p - kl - 1) : strlen(p + kl + 1);
			if (n >= size)
				n = size - 1;
			memcpy(buf, p + kl + 1, n);
			buf[n] = '\0';
			return buf;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

int api_call_len(const struct opts *o, const char *method, const char *path_q,
			const char *body_in, size_t body_len, char **body)
{
	char q[4096];
	int err;

	snprintf(q, sizeof(q), "%s%sformat=%s", path_q, strchr(path_q, '?') ? "&" : "?",
		 o->json ? "json" : "text");
	err = http_get(o->api, method, q, body_in, body_len, body);
	if (err && *body && !o->json) {
		char e[256];
		if (field(*body, "error", e, sizeof(e)))
			fprintf(stderr, "chorus: %s\n", e);
	}
	return err;
}

int api_call(const struct opts *o, const char *method, const char *path_q,
		    const char *body_in, char **body)
{
	return api_call_len(o, method, path_q, body_in, body_in ? strlen(body_in) : 0, body);
}

static void short_list(const char *line, int limit)
{
	char buf[2048];
	const char *p = line;
	int k = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (p = strtok(buf, " "); p && k < limit; p = strtok(NULL, " "), k++)
		printf("%s%.8s", k ? " " : "", p);
	if (p)
		printf(" ...");
	putchar('\n');
}

static int status_cmd(const struct opts *o)
{
	char *body = NULL, v[2048];
	const char *p;
	int err = api_call(o, "GET", "/status", NULL, &body);

	if (err || o->json || o->raw) {
		if (body && (o->json || o->raw))
			fputs(body, stdout);
		free(body);
		return err ? 1 : 0;
	}
	printf("node         %s\n", field(body, "node_id", v, sizeof(v)) ? v : "?");
	printf("overlay      %s\n", field(body, "overlay", v, sizeof(v)) ? v : "?");
	printf("joined       %s\n", field(body, "joined", v, sizeof(v)) ? v : "?");
	printf("listening    %s\n", field(body, "listen", v, sizeof(v)) ? v : "?");
	printf("up           %s s\n", field(body, "uptime_s", v, sizeof(v)) ? v : "?");
	printf("successors   ");
	short_list(field(body, "successors", v, sizeof(v)) ? v : "", 8);
	printf("predecessors ");
	short_list(field(body, "predecessors", v, sizeof(v)) ? v : "", 8);
	printf("fingers      ");
	short_list(field(body, "fingers", v, sizeof(v)) ? v : "", 16);
	printf("links        %s\n", field(body, "links", v, sizeof(v)) ? v : "?");
	for (p = strstr(body, "\nlink "); p; p = strstr(p + 1, "\nlink ")) {
		char peer[41], remote[64], state[16], dir[8];
		unsigned srtt, rto;
		unsigned long long in, out;
		if (sscanf(p + 6, "%40s %63s %15s %7s %u %u %llu %llu", peer, remote, state, dir,
			   &srtt, &rto, &in, &out) == 8)
			printf("  %.8s %-21s %-8s %-3s rtt %3u ms  rto %4u ms  %llu in, %llu out\n",
			       peer, remote, state, dir, srtt, rto, in, out);
	}
	printf("counters    ");
	for (p = strstr(body, "\ncounter "); p; p = strstr(p + 1, "\ncounter ")) {
		char name[64];
		unsigned long long n;
		if (sscanf(p + 9, "%63s %llu", name, &n) == 2 && n)
			printf(" %s=%llu", name, n);
	}
	putchar('\n');
	free(body);
	return 0;
}

static int ping_cmd(const struct opts *o, const char *what, bool route)
{
	char q[1024], v[128], by[128], ms[32], hops[32], next[128], *body = NULL;
	int err;

	char *enc = evhttp_encode_uri(what);

	if (!enc)
		return fail(what, -ENOMEM);
	if (route)
		snprintf(q, sizeof(q), "/route?%s=%s", o->id ? "id" : "resource", enc);
	else
		snprintf(q, sizeof(q), "/ping?node=%s", enc);
	free(enc);
	err = api_call(o, "GET", q, NULL, &body);
	if (!err && !o->json) {
		if (!field(body, "ok", v, sizeof(v)) || strcmp(v, "yes")) {
			fprintf(stderr, "chorus: %s %s: %s\n", route ? "route" : "ping", what,
				field(body, "error", v, sizeof(v)) ? v : "failed");
			err = 1;
		} else if (route) {
			printf("%s: stored at node %s, %s hops, %s ms (next hop from here: %s)\n",
			       what, field(body, "answered_by", by, sizeof(by)) ? by : "?",
			       field(body, "hops", hops, sizeof(hops)) ? hops : "?",
			       field(body, "time_ms", ms, sizeof(ms)) ? ms : "?",
			       field(body, "next_hop", next, sizeof(next)) ? next : "?");
		} else {
			printf("reply from %s: %s hops, time %s ms (next hop: %s)\n",
			       field(body, "answered_by", by, sizeof(by)) ? by : "?",
			       field(body, "hops", hops, sizeof(hops)) ? hops : "?",
			       field(body, "time_ms", ms, sizeof(ms)) ? ms : "?",
			       field(body, "next_hop", next, sizeof(next)) ? next : "?");
		}
	} else if (body && o->json) {
		fputs(body, stdout);
	}
	free(body);
	return err ? 1 : 0;
}

/* ---- storage ---- */

/* All of standard input, NUL-terminated; *len without the NUL. */
static char *read_all(FILE *f, size_t *len)
{
	char *in = NULL;
	size_t cap = 0, n;

	*len = 0;
	for (;;) {
		if (*len + 4097 > cap) {
			char *nb = realloc(in, cap = *len + 65536);
			if (!nb) {
				free(in);
				return NULL;
			}
			in = nb;
		}
		n = fread(in + *len, 1, cap - *len - 1, f);
		if (!n)
			break;
		*len += n;
	}
	if (in)
		in[*len] = '\0';
	return in;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* The query naming kind, resource and the place in the kind's model. */
static int store_query(const struct opts *o, const char *endpoint, char *q, size_t size)
{
	char *kind = evhttp_encode_uri(o->argv[0]);
	char *res = evhttp_encode_uri(o->multiple ? o->multiple : o->argv[1]);
	char *key = o->key ? evhttp_encode_uri(o->key) : NULL;
	int n;

	if (!kind || !res || (o->key && !key)) {
		free(kind);
		free(res);
		free(key);
		return -ENOMEM;
	}
	n = snprintf(q, size, "/%s?kind=%s&%s=%s", endpoint, kind,
		     o->multiple ? "multiple" : o->id ? "id" : "resource", res);
	if (o->append)
		n += snprintf(q + n, size - (size_t)n, "&index=append");
	else if (o->index)
		n += snprintf(q + n, size - (size_t)n, "&index=%s", o->index);
	if (o->range)
		n += snprintf(q + n, size - (size_t)n, "&range=%s", o->range);
	if (key)
		n += snprintf(q + n, size - (size_t)n, "&key=%s", key);
	if (o->key_hex)
		n += snprintf(q + n, size - (size_t)n, "&key_hex=%s", o->key_hex);
	if (o->key_node)
		n += snprintf(q + n, size - (size_t)n, "&key_node=1");
	if (o->lifetime)
		n += snprintf(q + n, size - (size_t)n, "&lifetime=%u", o->lifetime);
	if (o->del)
		n += snprintf(q + n, size - (size_t)n, "&delete=1");
	if (o->generation)
		n += snprintf(q + n, size - (size_t)n, "&generation=%s", o->generation);
	free(kind);
	free(res);
	free(key);
	return n < (int)size ? 0 : -ENAMETOOLONG;
}

static int put_cmd(const struct opts *o)
{
	char q[4096], v[1024], *value = NULL, *body = NULL;
	size_t len = 0, i;
	int err;

	/* With --multiple the resource is H(our Node-ID || I): no RESOURCE. */
	const char *arg = o->argc == 3 - !!o->multiple ? o->argv[2 - !!o->multiple] : NULL;
	const char *what = o->multiple ? "" : o->argc > 1 ? o->argv[1] : "";

	if (!arg && !(o->del && o->argc == 2 - !!o->multiple)) {
		fprintf(stderr, "chorus: put KIND RESOURCE VALUE|- (or --delete; with --multiple I, "
				"no RESOURCE)\n");
		return 2;
	}
	if (o->del) {
		value = strdup("");
	} else if (!strcmp(arg, "-")) {
		value = read_all(stdin, &len);
	} else if (o->hex) {
		const char *h = arg;
		value = malloc(strlen(h) / 2 + 1);
		for (i = 0; value && h[2 * i] && h[2 * i + 1]; i++) {
			int a = hexval(h[2 * i]), b = hexval(h[2 * i + 1]);
			if (a < 0 || b < 0)
				break;
			value[i] = (char)(a << 4 | b);
		}
		if (value && (strlen(h) % 2 || h[2 * i])) {
			free(value);
			fprintf(stderr, "chorus: --hex wants an even number of hex digits\n");
			return 2;
		}
		len = i;
	} else {
		value = strdup(arg);
		len = value ? strlen(value) : 0;
	}
	if (!value)
		return fail("value", -ENOMEM);
	err = store_query(o, "put", q, sizeof(q));
	if (!err)
		err = api_call_len(o, "POST", q, value, len, &body);
	free(value);
	if (body && o->json) {
		fputs(body, stdout);
	} else if (!err && body) {
		if (!field(body, "ok", v, sizeof(v)) || strcmp(v, "yes")) {
			char r[512];
			fprintf(stderr, "chorus: put %s %s: %s%s%s\n", o->argv[0], what,
				field(body, "error", v, sizeof(v)) ? v : "refused",
				field(body, "reason", r, sizeof(r)) ? ": " : "",
				field(body, "reason", r, sizeof(r)) ? r : "");
			err = 1;
		} else {
			char rep[512], ms[32], res[300];
			printf("stored %s %s: generation %s, %s ms, replicas: %s\n", o->argv[0],
			       field(body, "resource", res, sizeof(res)) ? res : what,
			       field(body, "generation", v, sizeof(v)) ? v : "?",
			       field(body, "time_ms", ms, sizeof(ms)) ? ms : "?",
			       field(body, "replicas", rep, sizeof(rep)) && *rep ? rep : "none");
		}
	}
	free(body);
	return err ? 1 : 0;
}

/* get and stat: the query, the call, and the raw answer or the error.
 * Returns -1 when the caller is to print *body (the caller frees it),
 * else the exit code. */
static int store_ask(const struct opts *o, const char *what, char **body)
{
	char q[4096], v[1024];
	int err;

	*body = NULL;
	if (o->argc != 2) {
		fprintf(stderr, "chorus: %s KIND RESOURCE\n", what);
		return 2;
	}
	err = store_query(o, what, q, sizeof(q));
	if (!err)
		err = api_call(o, "GET", q, NULL, body);
	if (*body && (o->json || o->raw)) {
		fputs(*body, stdout);
		return err ? 1 : 0;
	}
	if (err || !*body)
		return 1;
	if (!field(*body, "ok", v, sizeof(v)) || strcmp(v, "yes")) {
		fprintf(stderr, "chorus: %s %s %s: %s\n", what, o->argv[0], o->argv[1],
			field(*body, "error", v, sizeof(v)) ? v : "failed");
		return 1;
	}
	return -1;
}

/* Field name of value i of an answer ("" when absent). */
static bool vfield(const char *body, unsigned long i, const char *name, char *out, size_t size)
{
	char k[64];
	snprintf(k, sizeof(k), "value.%lu.%s", i, name);
	out[0] = 0;
	return field(body, k, out, size);
}

/* "[index] " or "[key K] " of value i. */
static void value_where(const char *body, unsigned long i, char *where, size_t size)
{
	char v[600];
	where[0] = 0;
	if (vfield(body, i, "index", v, sizeof(v)))
		snprintf(where, size, "[%.32s] ", v);
	if (vfield(body, i, "key", v, sizeof(v)))
		snprintf(where, size, "[key %.512s] ", v);
}

static int get_cmd(const struct opts *o)
{
	char v[1024], gen[32], inv[32], ms[32], dropped[64] = "", *body;
	int ret = store_ask(o, "get", &body);

	if (ret < 0) {
		unsigned long n = field(body, "values", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
		if (field(body, "invalid", inv, sizeof(inv)) && strcmp(inv, "0"))
			snprintf(dropped, sizeof(dropped), " (%s dropped: bad signature)", inv);
		printf("%s %s: %lu value%s, generation %s, %s ms%s\n", o->argv[0], o->argv[1], n,
		       n == 1 ? "" : "s", field(body, "generation", gen, sizeof(gen)) ? gen : "?",
		       field(body, "time_ms", ms, sizeof(ms)) ? ms : "?", dropped);
		for (unsigned long i = 0; i < n; i++) {
			char where[600], signer[300], life[32], ex[8], text[700];
			value_where(body, i, where, sizeof(where));
			vfield(body, i, "signer", signer, sizeof(signer));
			vfield(body, i, "lifetime", life, sizeof(life));
			vfield(body, i, "exists", ex, sizeof(ex));
			if (!vfield(body, i, "text", text, sizeof(text)) &&
			    vfield(body, i, "hex", v, sizeof(v)))
				snprintf(text, sizeof(text), "0x%.600s", v);
			if (!strcmp(ex, "no"))
				snprintf(text, sizeof(text), "(removed)");
			printf("  %s%s   signed by %s, %s s left\n", where, text, signer, life);
		}
		ret = 0;
	}
	free(body);
	return ret;
}

static int stat_cmd(const struct opts *o)
{
	char v[1024], gen[32], *body;
	int ret = store_ask(o, "stat", &body);

	if (ret < 0) {
		unsigned long n = field(body, "values", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
		printf("%s %s: %lu value%s, generation %s\n", o->argv[0], o->argv[1], n,
		       n == 1 ? "" : "s", field(body, "generation", gen, sizeof(gen)) ? gen : "?");
		for (unsigned long i = 0; i < n; i++) {
			char where[600], len[32], life[32], ex[8], hash[80];
			value_where(body, i, where, sizeof(where));
			vfield(body, i, "length", len, sizeof(len));
			vfield(body, i, "lifetime", life, sizeof(life));
			vfield(body, i, "exists", ex, sizeof(ex));
			vfield(body, i, "sha256", hash, sizeof(hash));
			printf("  %s%s bytes%s, %s s left, SHA-256 %.16s...\n", where, len,
			       strcmp(ex, "no") ? "" : " (removed)", life, hash);
		}
		ret = 0;
	}
	free(body);
	return ret;
}

static int register_cmd(const struct opts *o, bool on)
{
	char q[1024], v[512], *body = NULL, *enc = NULL;
	int err;

	if (on && o->argc > 1) {
		fprintf(stderr, "chorus: register [AOR]\n");
		return 2;
	}
	if (on && o->argc == 1 && !(enc = evhttp_encode_uri(o->argv[0])))
		return fail("register", -ENOMEM);
	snprintf(q, sizeof(q), "/%s%s%s", on ? "register" : "unregister", enc ? "?aor=" : "",
		 enc ? enc : "");
	free(enc);
	err = api_call(o, "POST", q, NULL, &body);
	if (body && o->json) {
		fputs(body, stdout);
	} else if (!err && body) {
		if (!field(body, "ok", v, sizeof(v)) || strcmp(v, "yes")) {
			fprintf(stderr, "chorus: %s: %s\n", on ? "register" : "unregister",
				field(body, "error", v, sizeof(v)) ? v : "failed");
			err = 1;
		} else {
			char ms[32];
			printf("%s %s (%s ms)\n", on ? "registered" : "unregistered",
			       field(body, "aor", v, sizeof(v)) ? v : "?",
			       field(body, "time_ms", ms, sizeof(ms)) ? ms : "?");
		}
	}
	free(body);
	return err ? 1 : 0;
}

static int lookup_cmd(const struct opts *o)
{
	char q[1024], v[512], *body = NULL, *enc;
	unsigned long n, i;
	int err;

	if (o->argc != 1) {
		fprintf(stderr, "chorus: lookup AOR\n");
		return 2;
	}
	enc = evhttp_encode_uri(o->argv[0]);
	if (!enc)
		return fail("lookup", -ENOMEM);
	snprintf(q, sizeof(q), "/lookup?aor=%s", enc);
	free(enc);
	err = api_call(o, "GET", q, NULL, &body);
	if (body && (o->json || o->raw)) {
		fputs(body, stdout);
	} else if (!err && body) {
		if (!field(body, "ok", v, sizeof(v)) || strcmp(v, "yes")) {
			fprintf(stderr, "chorus: lookup %s: %s\n", o->argv[0],
				field(body, "error", v, sizeof(v)) ? v : "failed");
			err = 1;
		} else {
			char ms[32];
			n = field(body, "targets", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
			printf("%s: %lu peer%s (%s ms)\n", o->argv[0], n, n == 1 ? "" : "s",
			       field(body, "time_ms", ms, sizeof(ms)) ? ms : "?");
			for (i = 0; i < n; i++) {
				char k[64], node[64], aor[300], who[300], sip[80];
				snprintf(k, sizeof(k), "target.%lu.node", i);
				field(body, k, node, sizeof(node));
				snprintf(k, sizeof(k), "target.%lu.aor", i);
				field(body, k, aor, sizeof(aor));
				snprintf(k, sizeof(k), "target.%lu.signer", i);
				field(body, k, who, sizeof(who));
				snprintf(k, sizeof(k), "target.%lu.sip", i);
				if (!field(body, k, sip, sizeof(sip))) {
					snprintf(k, sizeof(k), "target.%lu.attach_error", i);
					if (field(body, k, v, sizeof(v)))
						snprintf(sip, sizeof(sip), "AppAttach: %.60s", v);
					else
						snprintf(sip, sizeof(sip), "not attached");
				}
				printf("  node %s  SIP at %s  (registered as %s by %s)\n", node, sip,
				       aor, who);
			}
			if (!n)
				err = 1;
		}
	}
	free(body);
	return err ? 1 : 0;
}

/* conf create [NAME] | list | members NAME | invite NAME URI | destroy NAME */
static int conf_cmd(const struct opts *o)
{
	const char *sub = o->argc ? o->argv[0] : "";
	char q[1024], v[512], *body = NULL, *e1 = NULL, *e2 = NULL;
	bool post = true;
	int err;

	if (!strcmp(sub, "create") && o->argc <= 2) {
		e1 = o->argc == 2 ? evhttp_encode_uri(o->argv[1]) : NULL;
		snprintf(q, sizeof(q), "/conf/create%s%s", e1 ? "?name=" : "", e1 ? e1 : "");
	} else if (!strcmp(sub, "list") && o->argc == 1) {
		snprintf(q, sizeof(q), "/conf/list");
		post = false;
	} else if ((!strcmp(sub, "members") || !strcmp(sub, "destroy")) && o->argc == 2) {
		e1 = evhttp_encode_uri(o->argv[1]);
		snprintf(q, sizeof(q), "/conf/%s?name=%s", sub, e1 ? e1 : "");
		post = !strcmp(sub, "destroy");
	} else if (!strcmp(sub, "invite") && o->argc == 3) {
		e1 = evhttp_encode_uri(o->argv[1]);
		e2 = evhttp_encode_uri(o->argv[2]);
		snprintf(q, sizeof(q), "/conf/invite?name=%s&uri=%s", e1 ? e1 : "", e2 ? e2 : "");
	} else {
		fprintf(stderr, "chorus: conf create [NAME] | list | members NAME | invite NAME URI"
				" | destroy NAME\n");
		return 2;
	}
	free(e1);
	free(e2);
	err = api_call(o, post ? "POST" : "GET", q, NULL, &body);
	if (body && (o->json || o->raw)) {
		fputs(body, stdout);
	} else if (!err && body) {
		if (!strcmp(sub, "create")) {
			printf("conference %s\n", field(body, "uri", v, sizeof(v)) ? v : "?");
		} else if (!strcmp(sub, "list")) {
			unsigned long n = field(body, "conferences", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
			char sip[128], k[64], name[80], m[16];
			printf("%lu conference%s hosted here (SIP at %s)\n", n, n == 1 ? "" : "s",
			       field(body, "sip", sip, sizeof(sip)) ? sip : "?");
			for (unsigned long i = 0; i < n; i++) {
				snprintf(k, sizeof(k), "conference.%lu.name", i);
				field(body, k, name, sizeof(name));
				snprintf(k, sizeof(k), "conference.%lu.members", i);
				field(body, k, m, sizeof(m));
				printf("  sip:%s@%s  %s member%s\n", name, sip, m, strcmp(m, "1") ? "s" : "");
			}
		} else if (!strcmp(sub, "members")) {
			unsigned long n = field(body, "members", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
			printf("%s: %lu member%s\n", o->argv[1], n, n == 1 ? "" : "s");
			for (unsigned long i = 0; i < n; i++) {
				char k[64], uri[200], disp[80], srtp[8], hold[8];
				snprintf(k, sizeof(k), "member.%lu.uri", i);
				field(body, k, uri, sizeof(uri));
				snprintf(k, sizeof(k), "member.%lu.display", i);
				field(body, k, disp, sizeof(disp));
				snprintf(k, sizeof(k), "member.%lu.srtp", i);
				field(body, k, srtp, sizeof(srtp));
				snprintf(k, sizeof(k), "member.%lu.hold", i);
				field(body, k, hold, sizeof(hold));
				printf("  %-40s %-20s %s%s\n", uri, strcmp(disp, "-") ? disp : "",
				       strcmp(srtp, "yes") ? "plain RTP" : "SRTP",
				       strcmp(hold, "yes") ? "" : ", on hold");
			}
		} else {
			printf("%s %s: done\n", sub, o->argv[1]);
		}
	}
	free(body);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	const char *cmd = argc > 1 ? argv[1] : NULL, *sub = argc > 2 ? argv[2] : NULL;

	if (!cmd || !strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(cmd ? stdout : stderr);
		return cmd ? 0 : 2;
	}
	if (!strcmp(cmd, "overlay") && sub && !strcmp(sub, "init")) {
		if (parse_opts(argc - 2, argv + 2, &o))
			return 2;
		return overlay_init(&o);
	}
	if (!strcmp(cmd, "ca") && sub && !strcmp(sub, "init")) {
		if (parse_opts(argc - 2, argv + 2, &o) || !o.overlay) {
			fprintf(stderr, "chorus: ca init --overlay NAME [--dir DIR]\n");
			return 2;
		}
		return ca_init(o.dir ? o.dir : ".", o.overlay, o.rsa);
	}
	if (!strcmp(cmd, "ca") && sub && !strcmp(sub, "issue")) {
		if (parse_opts(argc - 2, argv + 2, &o))
			return 2;
		return ca_issue(&o);
	}
	if (!strcmp(cmd, "cert") && sub && !strcmp(sub, "selfsigned")) {
		if (parse_opts(argc - 2, argv + 2, &o))
			return 2;
		return selfsigned(&o);
	}
	if (parse_opts(argc - 1, argv + 1, &o))
		return 2;
	if (!strcmp(cmd, "status"))
		return status_cmd(&o);
	if (!strcmp(cmd, "ping") && o.argc == 1)
		return ping_cmd(&o, o.argv[0], false);
	if (!strcmp(cmd, "route") && o.argc == 1)
		return ping_cmd(&o, o.argv[0], true);
	if (!strcmp(cmd, "pingall")) {
		char *in, *body = NULL;
		size_t len;
		int err;

		/* Node-IDs on standard input, whitespace separated. */
		in = read_all(stdin, &len);
		if (!in)
			return fail("reading Node-IDs", -ENOMEM);
		err = api_call(&o, "POST", "/pingall", in, &body);
		if (body)
			fputs(body, stdout);
		free(in);
		free(body);
		return err ? 1 : 0;
	}
	if (!strcmp(cmd, "put"))
		return put_cmd(&o);
	if (!strcmp(cmd, "register"))
		return register_cmd(&o, true);
	if (!strcmp(cmd, "unregister"))
		return register_cmd(&o, false);
	if (!strcmp(cmd, "lookup"))
		return lookup_cmd(&o);
	if (!strcmp(cmd, "get"))
		return get_cmd(&o);
	if (!strcmp(cmd, "stat"))
		return stat_cmd(&o);
	if (!strcmp(cmd, "conf") && o.argc >= 1 && !strcmp(o.argv[0], "join")) {
		o.argc--;
		o.argv++;
		return call_cmd(&o, true);
	}
	if (!strcmp(cmd, "conf") && o.argc >= 1 && !strcmp(o.argv[0], "roster"))
		return roster_cmd(&o, o.argc > 1 ? o.argv[1] : NULL);
	if (!strcmp(cmd, "conf"))
		return conf_cmd(&o);
	if (!strcmp(cmd, "call"))
		return call_cmd(&o, false);
	if (!strcmp(cmd, "calls"))
		return calls_cmd(&o);
	if (!strcmp(cmd, "hangup"))
		return hangup_cmd(&o);
	if (!strcmp(cmd, "leave")) {
		char *body = NULL;
		int err = api_call(&o, "POST", "/leave", NULL, &body);
		free(body);
		if (!err)
			printf("the node is leaving the overlay\n");
		return err ? 1 : 0;
	}
	usage(stderr);
	return 2;
}
