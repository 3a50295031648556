/*
 * test_config.c - unit tests of the overlay configuration document
 * (reload/config, relo/config.h; RFC 6940 sections 11.1 and 11.1.1)
 *
 * The RFC's own example, defaults, every range and grammar error with the
 * element named in the message, namespaces matched by URI, foreign
 * elements, several configurations, addresses, booleans, base64, the
 * signed bytes of <configuration> and <kind>, RFC 8076's variable
 * resource names (section 5.3), write/read round trips, saving and
 * loading files, hostile documents, the wire configuration and the
 * overlay hash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "relo/config.h"
#include "test.h"

#define NS_ATTRS                                                                                   \
	" xmlns=\"" RELO_CONFIG_NS_BASE "\" xmlns:chord=\"" RELO_CONFIG_NS_CHORD                 \
	"\" xmlns:chorus=\"" RELO_CONFIG_NS_CHORUS "\" xmlns:share=\"" RELO_CONFIG_NS_SHARE       \
	"\" xmlns:x=\"urn:example:foreign\""

/* The example document of RFC 6940 section 11.1, as printed (page breaks
 * taken out). It is read as it is: its SIP-REGISTRATION kind says
 * SINGLE/USER-MATCH where the registration says DICTIONARY/USER-NODE-MATCH
 * (the registration wins), and its second root-cert "YmFkIGNlcnQK" is
 * "bad cert\n", not a certificate (the grammar only says base64). */
static const char rfc_doc[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-base\"\n"
	"   xmlns:ext=\"urn:ietf:params:xml:ns:p2p:config-ext1\"\n"
	"   xmlns:chord=\"urn:ietf:params:xml:ns:p2p:config-chord\">\n"
	"   <configuration instance-name=\"overlay.example.org\" sequence=\"22\"\n"
	"       expiration=\"2002-10-10T07:00:00Z\" ext:ext-example=\"stuff\" >\n"
	"       <topology-plugin> CHORD-RELOAD </topology-plugin>\n"
	"       <node-id-length>16</node-id-length>\n"
	"       <root-cert>\n"
	"MIIDJDCCAo2gAwIBAgIBADANBgkqhkiG9w0BAQUFADBwMQswCQYDVQQGEwJVUzET\n"
	"MBEGA1UECBMKQ2FsaWZvcm5pYTERMA8GA1UEBxMIU2FuIEpvc2UxDjAMBgNVBAoT\n"
	"BXNpcGl0MSkwJwYDVQQLEyBTaXBpdCBUZXN0IENlcnRpZmljYXRlIEF1dGhvcml0\n"
	"eTAeFw0wMzA3MTgxMjIxNTJaFw0xMzA3MTUxMjIxNTJaMHAxCzAJBgNVBAYTAlVT\n"
	"MRMwEQYDVQQIEwpDYWxpZm9ybmlhMREwDwYDVQQHEwhTYW4gSm9zZTEOMAwGA1UE\n"
	"ChMFc2lwaXQxKTAnBgNVBAsTIFNpcGl0IFRlc3QgQ2VydGlmaWNhdGUgQXV0aG9y\n"
	"aXR5MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDDIh6DkcUDLDyK9BEUxkud\n"
	"+nJ4xrCVGKfgjHm6XaSuHiEtnfELHM+9WymzkBNzZpJu30yzsxwfKoIKugdNUrD4\n"
	"N3viCicwcN35LgP/KnbN34cavXHr4ZlqxH+OdKB3hQTpQa38A7YXdaoz6goW2ft5\n"
	"Mi74z03GNKP/G9BoKOGd5QIDAQABo4HNMIHKMB0GA1UdDgQWBBRrRhcU6pR2JYBU\n"
	"bhNU2qHjVBShtjCBmgYDVR0jBIGSMIGPgBRrRhcU6pR2JYBUbhNU2qHjVBShtqF0\n"
	"pHIwcDELMAkGA1UEBhMCVVMxEzARBgNVBAgTCkNhbGlmb3JuaWExETAPBgNVBAcT\n"
	"CFNhbiBKb3NlMQ4wDAYDVQQKEwVzaXBpdDEpMCcGA1UECxMgU2lwaXQgVGVzdCBD\n"
	"ZXJ0aWZpY2F0ZSBBdXRob3JpdHmCAQAwDAYDVR0TBAUwAwEB/zANBgkqhkiG9w0B\n"
	"AQUFAAOBgQCWbRvv1ZGTRXxbH8/EqkdSCzSoUPrs+rQqR0xdQac9wNY/nlZbkR3O\n"
	"qAezG6Sfmklvf+DOg5RxQq/+Y6I03LRepc7KeVDpaplMFGnpfKsibETMipwzayNQ\n"
	"QgUf4cKBiF+65Ue7hZuDJa2EMv8qW4twEhGDYclpFU9YozyS1OhvUg==\n"
	"       </root-cert>\n"
	"       <root-cert> YmFkIGNlcnQK </root-cert>\n"
	"       <enrollment-server>https://example.org</enrollment-server>\n"
	"       <enrollment-server>https://example.net</enrollment-server>\n"
	"       <self-signed-permitted\n"
	"                 digest=\"sha1\">false</self-signed-permitted>\n"
	"       <bootstrap-node address=\"192.0.0.1\" port=\"6084\" />\n"
	"       <bootstrap-node address=\"192.0.2.2\" port=\"6084\" />\n"
	"       <bootstrap-node address=\"2001:DB8::1\" port=\"6084\" />\n"
	"       <turn-density> 20 </turn-density>\n"
	"       <clients-permitted> false </clients-permitted>\n"
	"       <no-ice> false </no-ice>\n"
	"       <chord:chord-update-interval>\n"
	"           400</chord:chord-update-interval>\n"
	"       <chord:chord-ping-interval>30</chord:chord-ping-interval>\n"
	"       <chord:chord-reactive> true </chord:chord-reactive>\n"
	"       <shared-secret> password </shared-secret>\n"
	"       <max-message-size>4000</max-message-size>\n"
	"       <initial-ttl> 30 </initial-ttl>\n"
	"       <overlay-reliability-timer> 3000 </overlay-reliability-timer>\n"
	"       <overlay-link-protocol>TLS</overlay-link-protocol>\n"
	"       <configuration-signer>47112162e84c69ba</configuration-signer>\n"
	"       <kind-signer> 47112162e84c69ba </kind-signer>\n"
	"       <kind-signer> 6eba45d31a900c06 </kind-signer>\n"
	"       <bad-node> 6ebc45d31a900c06 </bad-node>\n"
	"       <bad-node> 6ebc45d31a900ca6 </bad-node>\n"
	"       <ext:example-extension> foo </ext:example-extension>\n"
	"       <mandatory-extension>\n"
	"           urn:ietf:params:xml:ns:p2p:config-ext1\n"
	"       </mandatory-extension>\n"
	"       <required-kinds>\n"
	"         <kind-block>\n"
	"           <kind name=\"SIP-REGISTRATION\">\n"
	"               <data-model>SINGLE</data-model>\n"
	"               <access-control>USER-MATCH</access-control>\n"
	"               <max-count>1</max-count>\n"
	"               <max-size>100</max-size>\n"
	"           </kind>\n"
	"           <kind-signature>\n"
	"                VGhpcyBpcyBub3QgcmlnaHQhCg==\n"
	"           </kind-signature>\n"
	"         </kind-block>\n"
	"         <kind-block>\n"
	"           <kind id=\"2000\">\n"
	"               <data-model>ARRAY</data-model>\n"
	"               <access-control>NODE-MULTIPLE</access-control>\n"
	"               <max-node-multiple>3</max-node-multiple>\n"
	"               <max-count>22</max-count>\n"
	"               <max-size>4</max-size>\n"
	"               <ext:example-kind-extension> 1\n"
	"                       </ext:example-kind-extension>\n"
	"           </kind>\n"
	"           <kind-signature>\n"
	"              VGhpcyBpcyBub3QgcmlnaHQhCg==\n"
	"           </kind-signature>\n"
	"         </kind-block>\n"
	"       </required-kinds>\n"
	"   </configuration>\n"
	"   <signature> VGhpcyBpcyBub3QgcmlnaHQhCg== </signature>\n"
	"   <configuration instance-name=\"other.example.net\">\n"
	"   </configuration>\n"
	"   <signature> VGhpcyBpcyBub3QgcmlnaHQhCg== </signature>\n"
	" </overlay>\n";

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

/* A document with one configuration "t" (more attributes in attrs) holding body. */
static char *doc1(const char *attrs, const char *body)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<overlay" NS_ATTRS
				   ">\n<configuration instance-name=\"t\"";
	static const char tail[] = "</configuration>\n</overlay>\n";
	size_t n = sizeof(head) + strlen(attrs) + 1 + strlen(body) + sizeof(tail);
	char *d = malloc(n);

	if (!d)
		abort();
	snprintf(d, n, "%s%s>%s%s", head, attrs, body, tail);
	return d;
}

static int parse_s(struct relo_config **c, const char *doc, const char *inst, char *err,
		   size_t errlen)
{
	return relo_config_parse(c, doc, strlen(doc), inst, err, errlen);
}

/* Parses a configuration "t" holding body; NULL on failure (message on stderr). */
static struct relo_config *parse_body(const char *attrs, const char *body)
{
	struct relo_config *c = NULL;
	char err[256];
	char *d = doc1(attrs, body);
	int rc = parse_s(&c, d, NULL, err, sizeof(err));

	if (rc)
		fprintf(stderr, "  parse of %.200s: %d %s\n", body, rc, err);
	free(d);
	return c;
}

struct bad_case {
	const char *attrs;
	const char *body;
	int rc;
	const char *msg; /* the whole message */
};

/* Each case must fail with its code and exactly its message. */
static int run_bad(const struct bad_case *cases, size_t n)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		struct relo_config *c = (struct relo_config *)&bad; /* must be reset */
		char err[256];
		char *d = doc1(cases[i].attrs ? cases[i].attrs : "", cases[i].body);
		int rc = parse_s(&c, d, NULL, err, sizeof(err));

		if (rc != cases[i].rc || c != NULL || strcmp(err, cases[i].msg) != 0) {
			fprintf(stderr,
				"  case %zu <%.120s>:\n    got  %d \"%s\"\n    want %d \"%s\"\n", i,
				cases[i].body, rc, err, cases[i].rc, cases[i].msg);
			if (rc == 0)
				relo_config_free(c);
			bad++;
		}
		free(d);
	}
	if (bad)
		TEST_FAIL("%zu of %zu cases wrong", bad, n);
	return 0;
}

static bool blob_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool ids_eq(const struct relo_nodeid *a, size_t na, const struct relo_nodeid *b,
		   size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!relo_nodeid_eq(&a[i], &b[i]))
			return false;
	return true;
}

static bool peers_eq(const struct relo_peer_addr *a, size_t na, const struct relo_peer_addr *b,
		     size_t nb)
{
	size_t i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].address, b[i].address) != 0 || a[i].port != b[i].port)
			return false;
	return true;
}

#define SAME(cond)                                                                                 \
	do {                                                                                       \
		if (!(cond))                                                                       \
			TEST_FAIL("configurations differ: %s", #cond);                             \
	} while (0)

/* Every field but the bytes as read (configuration_xml, kind_xml). */
static int cfg_eq(const struct relo_config *a, const struct relo_config *b)
{
	size_t i;

	SAME(strcmp(a->instance_name, b->instance_name) == 0);
	SAME(a->sequence == b->sequence);
	SAME(a->expiration == b->expiration);
	SAME(strcmp(a->topology, b->topology) == 0);
	SAME(a->node_id_len == b->node_id_len);
	SAME(a->n_root_certs == b->n_root_certs);
	for (i = 0; i < a->n_root_certs; i++)
		SAME(blob_eq(a->root_certs[i].p, a->root_certs[i].len, b->root_certs[i].p,
			     b->root_certs[i].len));
	SAME(strv_eq(a->enrollment_servers, a->n_enrollment_servers, b->enrollment_servers,
		     b->n_enrollment_servers));
	SAME(a->self_signed_permitted == b->self_signed_permitted);
	SAME(a->self_signed_digest == b->self_signed_digest);
	SAME(peers_eq(a->bootstrap, a->n_bootstrap, b->bootstrap, b->n_bootstrap));
	SAME(a->turn_density == b->turn_density);
	SAME(a->clients_permitted == b->clients_permitted);
	SAME(a->no_ice == b->no_ice);
	SAME(a->chord_update_interval == b->chord_update_interval);
	SAME(a->chord_ping_interval == b->chord_ping_interval);
	SAME(a->chord_reactive == b->chord_reactive);
	SAME(!a->shared_secret == !b->shared_secret);
	SAME(!a->shared_secret || strcmp(a->shared_secret, b->shared_secret) == 0);
	SAME(a->max_message_size == b->max_message_size);
	SAME(a->initial_ttl == b->initial_ttl);
	SAME(a->reliability_timer_ms == b->reliability_timer_ms);
	SAME(strv_eq(a->link_protocols, a->n_link_protocols, b->link_protocols,
		     b->n_link_protocols));
	SAME(ids_eq(a->config_signers, a->n_config_signers, b->config_signers,
		    b->n_config_signers));
	SAME(ids_eq(a->kind_signers, a->n_kind_signers, b->kind_signers, b->n_kind_signers));
	SAME(ids_eq(a->bad_nodes, a->n_bad_nodes, b->bad_nodes, b->n_bad_nodes));
	SAME(strv_eq(a->mandatory_extensions, a->n_mandatory_extensions, b->mandatory_extensions,
		     b->n_mandatory_extensions));
	SAME(a->n_kinds == b->n_kinds);
	for (i = 0; i < a->n_kinds; i++) {
		const struct relo_kind_def *x = &a->kinds[i], *y = &b->kinds[i];
		SAME(x->id == y->id);
		SAME(strcmp(x->name, y->name) == 0);
		SAME(x->model == y->model);
		SAME(x->acl == y->acl);
		SAME(x->max_count == y->max_count);
		SAME(x->max_size == y->max_size);
		SAME(x->max_node_multiple == y->max_node_multiple);
		SAME(x->variable_names == y->variable_names);
		SAME(strv_eq(x->name_patterns, x->n_name_patterns, y->name_patterns,
			     y->n_name_patterns));
		SAME(blob_eq(x->signature, x->signature_len, y->signature, y->signature_len));
	}
	SAME(peers_eq(a->landmarks, a->n_landmarks, b->landmarks, b->n_landmarks));
	SAME(blob_eq(a->signature.p, a->signature.len, b->signature.p, b->signature.len));
	return 0;
}

/* True if [p, p+len) is a substring of doc starting at the given text. */
static bool bytes_in(const char *doc, const uint8_t *p, size_t len, const char *starts,
		     const char *ends)
{
	return p && len >= strlen(starts) + strlen(ends) &&
	       memmem(doc, strlen(doc), p, len) != NULL && memcmp(p, starts, strlen(starts)) == 0 &&
	       memcmp(p + len - strlen(ends), ends, strlen(ends)) == 0;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		abort();
	return d;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		abort();
	return p;
}

static struct relo_nodeid nodeid(uint8_t len, uint8_t seed)
{
	struct relo_nodeid id;
	uint8_t i;

	memset(&id, 0, sizeof(id));
	id.len = len;
	for (i = 0; i < len; i++)
		id.id[i] = (uint8_t)(seed + 37 * i);
	return id;
}

static uint8_t *bytes(size_t n, uint8_t seed)
{
	uint8_t *p = malloc(n);
	size_t i;

	if (!p)
		abort();
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7 + (i >> 3));
	return p;
}

/* A configuration with every field away from its default, several of
 * each list, and strings that need escaping. */
static struct relo_config *full_config(void)
{
	struct relo_config *c = NULL;
	struct relo_kind_def k;

	if (relo_config_new(&c, "full.chorus.example & <friends> \"q\" 'a' \xc3\xa9t\xc3\xa9"))
		abort();
	c->sequence = 65534;
	c->expiration = 2147483648; /* 2038-01-19T03:14:08Z */
	strcpy(c->topology, "CHORD-RELOAD-EXP");
	c->node_id_len = 20;
	c->n_root_certs = 3;
	c->root_certs = xcalloc(3, sizeof(*c->root_certs));
	c->root_certs[0].p = bytes(300, 1);
	c->root_certs[0].len = 300;
	c->root_certs[1].p = bytes(1, 2);
	c->root_certs[1].len = 1;
	c->root_certs[2].p = bytes(2, 3);
	c->root_certs[2].len = 2;
	c->n_enrollment_servers = 2;
	c->enrollment_servers = xcalloc(2, sizeof(char *));
	c->enrollment_servers[0] = xstrdup("https://enroll.chorus.example/a?b=c&d=e");
	c->enrollment_servers[1] = xstrdup("HTTPS://[2001:db8::1]:8443/");
	c->self_signed_permitted = true;
	c->self_signed_digest = RELO_DIGEST_SHA256;
	c->n_bootstrap = 3;
	c->bootstrap = xcalloc(3, sizeof(*c->bootstrap));
	strcpy(c->bootstrap[0].address, "192.0.2.1");
	c->bootstrap[0].port = 1;
	strcpy(c->bootstrap[1].address, "2001:db8::1");
	c->bootstrap[1].port = 65535;
	strcpy(c->bootstrap[2].address, "::ffff:198.51.100.7");
	c->bootstrap[2].port = 6084;
	c->turn_density = 0;
	c->clients_permitted = false;
	c->no_ice = true;
	c->chord_update_interval = 1;
	c->chord_ping_interval = 2147483647;
	c->chord_reactive = false;
	c->shared_secret = xstrdup("p@ss <w> & \"rd\"\ttab\nline\r\nCRLF \xe2\x82\xac end");
	c->max_message_size = 38;
	c->initial_ttl = 255;
	c->reliability_timer_ms = 200;
	free(c->link_protocols[0]);
	free(c->link_protocols);
	c->n_link_protocols = 2;
	c->link_protocols = xcalloc(2, sizeof(char *));
	c->link_protocols[0] = xstrdup("TLS");
	c->link_protocols[1] = xstrdup("EXP-PROTOCOL");
	c->n_config_signers = 2;
	c->config_signers = xcalloc(2, sizeof(struct relo_nodeid));
	c->config_signers[0] = nodeid(20, 1);
	c->config_signers[1] = nodeid(8, 2);
	c->n_kind_signers = 1;
	c->kind_signers = xcalloc(1, sizeof(struct relo_nodeid));
	c->kind_signers[0] = nodeid(1, 0xff);
	c->n_bad_nodes = 2;
	c->bad_nodes = xcalloc(2, sizeof(struct relo_nodeid));
	c->bad_nodes[0] = nodeid(16, 3);
	c->bad_nodes[1] = nodeid(16, 4);
	c->n_mandatory_extensions = 1;
	c->mandatory_extensions = xcalloc(1, sizeof(char *));
	c->mandatory_extensions[0] = xstrdup(RELO_CONFIG_NS_CHORUS);
	c->n_landmarks = 2;
	c->landmarks = xcalloc(2, sizeof(*c->landmarks));
	strcpy(c->landmarks[0].address, "203.0.113.9");
	c->landmarks[0].port = 7000;
	strcpy(c->landmarks[1].address, "2001:db8:0:1::9");
	c->landmarks[1].port = 6084;

	memset(&k, 0, sizeof(k));
	strcpy(k.name, "SIP-REGISTRATION");
	k.id = RELO_KIND_SIP_REGISTRATION;
	k.model = RELO_MODEL_DICTIONARY;
	k.acl = RELO_ACL_USER_NODE_MATCH;
	k.max_count = 10;
	k.max_size = 2000;
	k.signature = bytes(100, 9);
	k.signature_len = 100;
	if (relo_config_add_kind(c, &k))
		abort();
	free(k.signature);
	memset(&k, 0, sizeof(k));
	k.id = RELO_KIND_TURN_SERVICE; /* by id */
	k.model = RELO_MODEL_SINGLE;
	k.acl = RELO_ACL_NODE_MULTIPLE;
	k.max_node_multiple = 5;
	k.max_count = 1;
	k.max_size = 200;
	if (relo_config_add_kind(c, &k))
		abort();
	memset(&k, 0, sizeof(k));
	k.id = 0xf0000001u;
	k.model = RELO_MODEL_ARRAY;
	k.acl = RELO_ACL_USER_CHAIN_ACL;
	k.max_count = 2147483647;
	k.max_size = 0;
	k.signature = bytes(3, 4);
	k.signature_len = 3;
	k.variable_names = true;
	k.n_name_patterns = 2;
	k.name_patterns = xcalloc(2, sizeof(char *));
	k.name_patterns[0] = xstrdup(".*-conf-$USER@$DOMAIN");
	k.name_patterns[1] = xstrdup("[<&>\"']+\t\xc3\xa9-$USER@$DOMAIN\r\n(x|y){1,4}");
	if (relo_config_add_kind(c, &k))
		abort();
	free(k.signature);
	free(k.name_patterns[0]);
	free(k.name_patterns[1]);
	free(k.name_patterns);
	memset(&k, 0, sizeof(k));
	k.id = 0xffffffffu;
	k.model = RELO_MODEL_DICTIONARY;
	k.acl = RELO_ACL_NODE_MATCH;
	k.max_count = 7;
	k.max_size = 8;
	if (relo_config_add_kind(c, &k))
		abort();
	/* Patterns listed but not enabled. */
	memset(&k, 0, sizeof(k));
	strcpy(k.name, "ACCESS-CONTROL-LIST");
	k.id = RELO_KIND_ACCESS_CONTROL_LIST;
	k.model = RELO_MODEL_ARRAY;
	k.acl = RELO_ACL_USER_CHAIN_ACL;
	k.max_count = 5;
	k.max_size = 6;
	k.n_name_patterns = 1;
	k.name_patterns = (char *[]){ (char *)(uintptr_t) "^$USER@$DOMAIN/acl$" };
	if (relo_config_add_kind(c, &k))
		abort();
	c->signature.p = bytes(257, 5);
	c->signature.len = 257;
	return c;
}

/* write then parse; NULL on failure. */
static struct relo_config *rewrite(const struct relo_config *c, char **text)
{
	struct relo_config *d = NULL;
	char *out = NULL, err[256];
	size_t len = 0;
	int rc = relo_config_write(c, &out, &len);

	if (rc) {
		fprintf(stderr, "  write: %d\n", rc);
		return NULL;
	}
	if (strlen(out) != len)
		fprintf(stderr, "  write: length %zu, strlen %zu\n", len, strlen(out));
	else if ((rc = relo_config_parse(&d, out, len, c->instance_name, err, sizeof(err))) != 0)
		fprintf(stderr, "  parse of the output: %d %s\n%s", rc, err, out);
	if (text)
		*text = out;
	else
		free(out);
	return d;
}

/* ------------------------------------------------------------------ */
/* The RFC's example                                                   */
/* ------------------------------------------------------------------ */

static int test_rfc_example(void)
{
	static const uint8_t cert_start[] = { 0x30, 0x82, 0x03, 0x24, 0x30, 0x82 };
	static const char not_right[] = "This is not right!\n";
	const struct relo_kind_def *k;
	struct relo_config *c = NULL;
	char err[256];
	const char *kind2;

	CHECK_EQ(parse_s(&c, rfc_doc, NULL, err, sizeof(err)), 0);
	CHECK_EQ(err[0], '\0');
	CHECK(strcmp(c->instance_name, "overlay.example.org") == 0);
	CHECK_EQ(c->sequence, 22);
	CHECK_EQ(c->expiration, 1034233200); /* 2002-10-10T07:00:00Z */
	CHECK(strcmp(c->topology, "CHORD-RELOAD") == 0);
	CHECK_EQ(c->node_id_len, 16);
	CHECK_EQ(c->n_root_certs, 2);
	CHECK_EQ(c->root_certs[0].len, 0x324 + 4); /* a whole DER certificate */
	CHECK_MEM(c->root_certs[0].p, cert_start, sizeof(cert_start));
	CHECK(blob_eq(c->root_certs[1].p, c->root_certs[1].len, (const uint8_t *)"bad cert\n", 9));
	CHECK_EQ(c->n_enrollment_servers, 2);
	CHECK(strcmp(c->enrollment_servers[0], "https://example.org") == 0);
	CHECK(strcmp(c->enrollment_servers[1], "https://example.net") == 0);
	CHECK_EQ(c->self_signed_permitted, false);
	CHECK_EQ(c->self_signed_digest, RELO_DIGEST_SHA1);
	CHECK_EQ(c->n_bootstrap, 3);
	CHECK(strcmp(c->bootstrap[0].address, "192.0.0.1") == 0);
	CHECK(strcmp(c->bootstrap[1].address, "192.0.2.2") == 0);
	CHECK(strcmp(c->bootstrap[2].address, "2001:DB8::1") == 0);
	CHECK_EQ(c->bootstrap[2].port, 6084);
	CHECK_EQ(c->turn_density, 20);
	CHECK_EQ(c->clients_permitted, false);
	CHECK_EQ(c->no_ice, false);
	CHECK_EQ(c->chord_update_interval, 400);
	CHECK_EQ(c->chord_ping_interval, 30);
	CHECK_EQ(c->chord_reactive, true);
	CHECK(c->shared_secret && strcmp(c->shared_secret, "password") == 0);
	CHECK_EQ(c->max_message_size, 4000);
	CHECK_EQ(c->initial_ttl, 30);
	CHECK_EQ(c->reliability_timer_ms, 3000);
	CHECK_EQ(c->n_link_protocols, 1);
	CHECK(strcmp(c->link_protocols[0], "TLS") == 0);
	CHECK_EQ(c->n_config_signers, 1);
	CHECK_EQ(c->config_signers[0].len, 8);
	CHECK_MEM(c->config_signers[0].id, "\x47\x11\x21\x62\xe8\x4c\x69\xba", 8);
	CHECK_EQ(c->n_kind_signers, 2);
	CHECK_MEM(c->kind_signers[1].id, "\x6e\xba\x45\xd3\x1a\x90\x0c\x06", 8);
	CHECK_EQ(c->n_bad_nodes, 2);
	CHECK_EQ(c->bad_nodes[1].len, 8);
	CHECK_MEM(c->bad_nodes[1].id, "\x6e\xbc\x45\xd3\x1a\x90\x0c\xa6", 8);
	CHECK_EQ(c->n_mandatory_extensions, 1);
	CHECK(strcmp(c->mandatory_extensions[0], "urn:ietf:params:xml:ns:p2p:config-ext1") == 0);
	CHECK_EQ(c->n_landmarks, 0);

	CHECK_EQ(c->n_kinds, 2);
	k = relo_config_kind(c, RELO_KIND_SIP_REGISTRATION);
	CHECK(k == &c->kinds[0]);
	CHECK(strcmp(k->name, "SIP-REGISTRATION") == 0);
	/* The document says SINGLE / USER-MATCH; the registration wins. */
	CHECK_EQ(k->model, RELO_MODEL_DICTIONARY);
	CHECK_EQ(k->acl, RELO_ACL_USER_NODE_MATCH);
	CHECK_EQ(k->max_count, 1);
	CHECK_EQ(k->max_size, 100);
	CHECK_EQ(k->max_node_multiple, 0);
	CHECK(blob_eq(k->signature, k->signature_len, (const uint8_t *)not_right, 19));
	CHECK(bytes_in(rfc_doc, k->kind_xml, k->kind_xml_len, "<kind name=\"SIP-REGISTRATION\">",
		       "<max-size>100</max-size>\n           </kind>"));
	k = relo_config_kind(c, 2000);
	CHECK(k == &c->kinds[1]);
	CHECK_EQ(k->name[0], '\0');
	CHECK_EQ(k->model, RELO_MODEL_ARRAY);
	CHECK_EQ(k->acl, RELO_ACL_NODE_MULTIPLE);
	CHECK_EQ(k->max_node_multiple, 3);
	CHECK_EQ(k->max_count, 22);
	CHECK_EQ(k->max_size, 4);
	/* The exact bytes, foreign extension element and all. */
	kind2 = strstr(rfc_doc, "<kind id=\"2000\">");
	CHECK(kind2 != NULL);
	CHECK_EQ(k->kind_xml_len, (size_t)(strstr(kind2, "</kind>") + 7 - kind2));
	CHECK_MEM(k->kind_xml, kind2, k->kind_xml_len);
	CHECK(relo_config_kind(c, 3) == NULL);

	/* From the first '<' of <configuration to the '>' of </configuration>. */
	CHECK_EQ(c->configuration_xml.len,
		 (size_t)(strstr(rfc_doc, "</configuration>") + 16 -
			  strstr(rfc_doc, "<configuration")));
	CHECK_MEM(c->configuration_xml.p, strstr(rfc_doc, "<configuration"),
		  c->configuration_xml.len);
	CHECK(blob_eq(c->signature.p, c->signature.len, (const uint8_t *)not_right, 19));
	relo_config_free(c);

	/* The second configuration: empty, all defaults, its own signature. */
	CHECK_EQ(parse_s(&c, rfc_doc, "other.example.net", err, sizeof(err)), 0);
	CHECK(strcmp(c->instance_name, "other.example.net") == 0);
	CHECK_EQ(c->node_id_len, 16);
	CHECK_EQ(c->n_kinds, 0);
	CHECK(bytes_in(rfc_doc, c->configuration_xml.p, c->configuration_xml.len,
		       "<configuration instance-name=\"other.example.net\">",
		       "\n   </configuration>"));
	CHECK_EQ(c->signature.len, 19);
	relo_config_free(c);
	return 0;
}

static int test_rfc_example_roundtrip(void)
{
	struct relo_config *a = NULL, *b;
	char err[256], *text = NULL;

	CHECK_EQ(parse_s(&a, rfc_doc, NULL, err, sizeof(err)), 0);
	b = rewrite(a, &text);
	CHECK(b != NULL);
	CHECK_EQ(cfg_eq(a, b), 0);
	/* The output names the namespaces on <overlay> and is indented. */
	CHECK(strstr(text, "<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"") != NULL);
	CHECK(strstr(text, "xmlns:chord=\"" RELO_CONFIG_NS_CHORD "\"") != NULL);
	CHECK(strstr(text, "\n    <chord:chord-ping-interval>30</chord:chord-ping-interval>\n") !=
	      NULL);
	CHECK(strstr(text, "\n  <signature>VGhpcyBpcyBub3QgcmlnaHQhCg==</signature>\n") != NULL);
	free(text);
	relo_config_free(a);
	relo_config_free(b);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Defaults and values                                                 */
/* ------------------------------------------------------------------ */

static int check_defaults(const struct relo_config *c)
{
	CHECK_EQ(c->sequence, 0);
	CHECK_EQ(c->expiration, 0);
	CHECK(strcmp(c->topology, "CHORD-RELOAD") == 0);
	CHECK_EQ(c->node_id_len, 16);
	CHECK_EQ(c->n_root_certs, 0);
	CHECK_EQ(c->n_enrollment_servers, 0);
	CHECK_EQ(c->self_signed_permitted, false);
	CHECK_EQ(c->self_signed_digest, RELO_DIGEST_SHA1);
	CHECK_EQ(c->n_bootstrap, 0);
	CHECK_EQ(c->turn_density, 1);
	CHECK_EQ(c->clients_permitted, true);
	CHECK_EQ(c->no_ice, false);
	CHECK_EQ(c->chord_update_interval, 600);
	CHECK_EQ(c->chord_ping_interval, 3600);
	CHECK_EQ(c->chord_reactive, true);
	CHECK(c->shared_secret == NULL);
	CHECK_EQ(c->max_message_size, 5000);
	CHECK_EQ(c->initial_ttl, 100);
	CHECK_EQ(c->reliability_timer_ms, 3000);
	CHECK_EQ(c->n_link_protocols, 1);
	CHECK(strcmp(c->link_protocols[0], "TLS") == 0);
	CHECK_EQ(c->n_config_signers + c->n_kind_signers + c->n_bad_nodes, 0);
	CHECK_EQ(c->n_mandatory_extensions + c->n_kinds + c->n_landmarks, 0);
	CHECK(c->signature.p == NULL && c->signature.len == 0);
	return 0;
}

static int test_defaults(void)
{
	struct relo_config *c = parse_body("", ""), *n = NULL;

	CHECK(c != NULL);
	CHECK_EQ(check_defaults(c), 0);
	CHECK(strcmp(c->instance_name, "t") == 0);
	CHECK(blob_eq(c->configuration_xml.p, c->configuration_xml.len,
		      (const uint8_t *)"<configuration instance-name=\"t\"></configuration>", 49));
	CHECK_EQ(relo_config_new(&n, "t"), 0);
	CHECK_EQ(check_defaults(n), 0);
	CHECK(n->configuration_xml.p == NULL);
	CHECK_EQ(cfg_eq(c, n), 0);
	relo_config_free(n);
	relo_config_free(c);
	/* A self-closed configuration, and blanks only. */
	c = parse_body("", "\n  \t\r\n");
	CHECK(c != NULL);
	CHECK_EQ(check_defaults(c), 0);
	relo_config_free(c);
	CHECK_EQ(relo_config_new(&n, ""), -EINVAL);
	CHECK(n == NULL);
	CHECK_EQ(relo_config_new(&n, " t"), -EINVAL);
	return 0;
}

#define KIND_OK                                                                                    \
	"<data-model>ARRAY</data-model><access-control>USER-MATCH</access-control>"               \
	"<max-count>1</max-count><max-size>10</max-size>"
#define KINDS(kattrs, inner)                                                                       \
	"<required-kinds><kind-block><kind " kattrs ">" inner "</kind></kind-block>"              \
	"</required-kinds>"
#define KB2 "configuration/required-kinds/kind-block[2]/kind"

static int test_range_errors(void)
{
	static const struct bad_case cases[] = {
		{ NULL, "<node-id-length>24</node-id-length>", -EINVAL,
		  "configuration/node-id-length: 24 is outside 16..20" },
		{ NULL, "<node-id-length> 15 </node-id-length>", -EINVAL,
		  "configuration/node-id-length: 15 is outside 16..20" },
		{ " sequence=\"65535\"", "", -EINVAL,
		  "configuration/@sequence: 65535 is outside 0..65534" },
		{ " sequence=\"-1\"", "", -EINVAL,
		  "configuration/@sequence: -1 is outside 0..65534" },
		{ NULL, "<max-message-size>0</max-message-size>", -EINVAL,
		  "configuration/max-message-size: 0 is outside 38..4294967295" },
		{ NULL, "<max-message-size>37</max-message-size>", -EINVAL,
		  "configuration/max-message-size: 37 is outside 38..4294967295" },
		{ NULL, "<max-message-size>4294967296</max-message-size>", -EINVAL,
		  "configuration/max-message-size: 4294967296 is outside 38..4294967295" },
		{ NULL, "<initial-ttl>0</initial-ttl>", -EINVAL,
		  "configuration/initial-ttl: 0 is outside 1..255" },
		{ NULL, "<initial-ttl>256</initial-ttl>", -EINVAL,
		  "configuration/initial-ttl: 256 is outside 1..255" },
		{ NULL, "<overlay-reliability-timer>199</overlay-reliability-timer>", -EINVAL,
		  "configuration/overlay-reliability-timer: 199 is outside 200..4294967295" },
		{ NULL, "<turn-density>256</turn-density>", -EINVAL,
		  "configuration/turn-density: 256 is outside 0..255" },
		{ NULL, "<turn-density>-1</turn-density>", -EINVAL,
		  "configuration/turn-density: -1 is outside 0..255" },
		{ NULL, "<chord:chord-update-interval>0</chord:chord-update-interval>", -EINVAL,
		  "configuration/chord:chord-update-interval: 0 is outside 1..2147483647" },
		{ NULL, "<chord:chord-ping-interval>2147483648</chord:chord-ping-interval>",
		  -EINVAL,
		  "configuration/chord:chord-ping-interval: 2147483648 is outside 1..2147483647" },
		{ NULL, "<node-id-length>99999999999999999999999</node-id-length>", -EINVAL,
		  "configuration/node-id-length: 99999999999999999999999 is outside 16..20" },
		{ NULL,
		  "<bootstrap-node address=\"192.0.2.1\"/><bootstrap-node address=\"192.0.2.2\" "
		  "port=\"0\"/>",
		  -EINVAL, "configuration/bootstrap-node[2]/@port: 0 is outside 1..65535" },
		{ NULL, "<bootstrap-node address=\"::1\" port=\"65536\"/>", -EINVAL,
		  "configuration/bootstrap-node[1]/@port: 65536 is outside 1..65535" },
		{ NULL, "<chorus:landmark address=\"::1\" port=\"70000\"/>", -EINVAL,
		  "configuration/chorus:landmark[1]/@port: 70000 is outside 1..65535" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"5000\">" KIND_OK "</kind></kind-block>"
		  "<kind-block><kind id=\"5001\"><data-model>ARRAY</data-model><access-control>"
		  "NODE-MULTIPLE</access-control><max-node-multiple>0</max-node-multiple>"
		  "<max-count>1</max-count><max-size>1</max-size></kind></kind-block>"
		  "</required-kinds>",
		  -EINVAL, KB2 "/max-node-multiple: 0 is outside 1..2147483647" },
		{ NULL, KINDS("id=\"0\"", KIND_OK), -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/@id: 0 is outside "
		  "1..4294967295" },
		{ NULL, KINDS("id=\"4294967294\"", KIND_OK), -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/@id: Kind-ID 4294967294 is "
		  "reserved" },
		{ NULL, KINDS("id=\"4294967296\"", KIND_OK), -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/@id: 4294967296 is outside "
		  "1..4294967295" },
		{ NULL,
		  KINDS("id=\"7\"",
			"<data-model>ARRAY</data-model><access-control>USER-MATCH"
			"</access-control><max-count>-1</max-count><max-size>1</max-size>"),
		  -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/max-count: -1 is outside "
		  "0..2147483647" },
		{ NULL,
		  KINDS("id=\"7\"", "<data-model>ARRAY</data-model><access-control>USER-MATCH"
				    "</access-control><max-count>1</max-count><max-size>2147483648"
				    "</max-size>"),
		  -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/max-size: 2147483648 is outside "
		  "0..2147483647" },
	};

	return run_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

static int test_grammar_errors(void)
{
	static const struct bad_case cases[] = {
		{ NULL, "<node-id-length>abc</node-id-length>", -EBADMSG,
		  "configuration/node-id-length: \"abc\" is not an integer" },
		{ NULL, "<node-id-length>16.0</node-id-length>", -EBADMSG,
		  "configuration/node-id-length: \"16.0\" is not an integer" },
		{ NULL, "<node-id-length></node-id-length>", -EBADMSG,
		  "configuration/node-id-length: \"\" is not an integer" },
		{ NULL, "<node-id-length>1 6</node-id-length>", -EBADMSG,
		  "configuration/node-id-length: \"1 6\" is not an integer" },
		{ NULL, "<node-id-length>16</node-id-length><node-id-length>16</node-id-length>",
		  -EBADMSG, "configuration/node-id-length: appears more than once" },
		{ NULL, "<node-id-length><x:b>16</x:b></node-id-length>", -EBADMSG,
		  "configuration/node-id-length: unexpected <b> in a value" },
		{ NULL, "<node-id-length unit=\"bytes\">16</node-id-length>", -EBADMSG,
		  "configuration/node-id-length: unknown attribute \"unit\"" },
		{ " seq=\"1\"", "", -EBADMSG, "configuration: unknown attribute \"seq\"" },
		{ " sequence=\"x\"", "", -EBADMSG,
		  "configuration/@sequence: \"x\" is not an integer" },
		{ NULL, "hello<node-id-length>16</node-id-length>", -EBADMSG,
		  "configuration: unexpected text \"hello\"" },
		{ NULL, "<chord:chord-reactive>yes</chord:chord-reactive>", -EBADMSG,
		  "configuration/chord:chord-reactive: \"yes\" is not a boolean" },
		{ NULL, "<no-ice>TRUE</no-ice>", -EBADMSG,
		  "configuration/no-ice: \"TRUE\" is not a boolean" },
		{ NULL, "<clients-permitted></clients-permitted>", -EBADMSG,
		  "configuration/clients-permitted: \"\" is not a boolean" },
		{ NULL, "<self-signed-permitted>true</self-signed-permitted>", -EBADMSG,
		  "configuration/self-signed-permitted: no digest attribute" },
		{ NULL, "<root-cert>YWJj!</root-cert>", -EBADMSG,
		  "configuration/root-cert[1]: not base64" },
		{ NULL, "<root-cert>YWJ</root-cert>", -EBADMSG,
		  "configuration/root-cert[1]: not base64" },
		{ NULL, "<root-cert>YQ==</root-cert><root-cert>YQ=a</root-cert>", -EBADMSG,
		  "configuration/root-cert[2]: not base64" },
		{ NULL, "<root-cert>Y===</root-cert>", -EBADMSG,
		  "configuration/root-cert[1]: not base64" },
		{ NULL, "<root-cert>YQ==YWJj</root-cert>", -EBADMSG,
		  "configuration/root-cert[1]: not base64" },
		{ " expiration=\"2030-01-01\"", "", -EBADMSG,
		  "configuration/@expiration: \"2030-01-01\" is not an RFC 3339 date-time" },
		{ " expiration=\"2030-02-30T00:00:00Z\"", "", -EBADMSG,
		  "configuration/@expiration: \"2030-02-30T00:00:00Z\" is not an RFC 3339 "
		  "date-time" },
		{ " expiration=\"2030-01-01T24:00:00Z\"", "", -EBADMSG,
		  "configuration/@expiration: \"2030-01-01T24:00:00Z\" is not an RFC 3339 "
		  "date-time" },
		{ " expiration=\"2030-01-01T00:00:00\"", "", -EBADMSG,
		  "configuration/@expiration: \"2030-01-01T00:00:00\" is not an RFC 3339 "
		  "date-time" },
		{ NULL, "<bootstrap-node port=\"6084\"/>", -EBADMSG,
		  "configuration/bootstrap-node[1]: no address attribute" },
		{ NULL, "<bootstrap-node address=\"::1\">x</bootstrap-node>", -EBADMSG,
		  "configuration/bootstrap-node[1]: unexpected text \"x\"" },
		{ NULL, KINDS("", KIND_OK), -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind: neither name nor id" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"5000\">" KIND_OK "</kind></kind-block>"
		  "<kind-block><kind>" KIND_OK "</kind></kind-block></required-kinds>",
		  -EBADMSG, KB2 ": neither name nor id" },
		{ NULL, KINDS("name=\"TURN-SERVICE\" id=\"2\"", KIND_OK), -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind: both name and id" },
		{ NULL,
		  KINDS("id=\"9\"", "<access-control>USER-MATCH</access-control><max-count>1"
				    "</max-count><max-size>1</max-size>"),
		  -EBADMSG, "configuration/required-kinds/kind-block[1]/kind: no <data-model>" },
		{ NULL,
		  KINDS("id=\"9\"", "<data-model>ARRAY</data-model><access-control>USER-MATCH"
				    "</access-control><max-size>1</max-size>"),
		  -EBADMSG, "configuration/required-kinds/kind-block[1]/kind: no <max-count>" },
		{ NULL, KINDS("id=\"9\"", KIND_OK "<max-count>1</max-count>"), -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind/max-count: appears more than "
		  "once" },
		{ NULL, "<required-kinds><kind-block></kind-block></required-kinds>", -EBADMSG,
		  "configuration/required-kinds/kind-block[1]: no <kind>" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"9\">" KIND_OK
		  "</kind><kind id=\"8\">" KIND_OK "</kind></kind-block></required-kinds>",
		  -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind: appears more than once" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"9\">" KIND_OK "</kind><kind-signature>"
		  "@@@@</kind-signature></kind-block></required-kinds>",
		  -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind-signature: not base64" },
		{ NULL, "<required-kinds>text</required-kinds>", -EBADMSG,
		  "configuration/required-kinds: unexpected text \"text\"" },
		{ NULL, "<required-kinds/><required-kinds/>", -EBADMSG,
		  "configuration/required-kinds: appears more than once" },
		{ NULL, "<topology-plug-in>CHORD-RELOAD</topology-plug-in>", -EBADMSG,
		  "configuration: unknown element <topology-plug-in>" },
		{ NULL,
		  "<self-signed-permitted digest=\"sha1\" chord:x=\"1\">false"
		  "</self-signed-permitted>",
		  -EBADMSG, "configuration/self-signed-permitted: unknown attribute \"chord:x\"" },
	};

	return run_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

static int test_value_errors(void)
{
	static const struct bad_case cases[] = {
		{ NULL, "<enrollment-server>http://example.org</enrollment-server>", -EINVAL,
		  "configuration/enrollment-server[1]: \"http://example.org\" is not an https: "
		  "URL" },
		{ NULL, "<enrollment-server> </enrollment-server>", -EINVAL,
		  "configuration/enrollment-server[1]: empty" },
		{ NULL, "<bootstrap-node address=\"example.org\"/>", -EINVAL,
		  "configuration/bootstrap-node[1]/@address: \"example.org\" is not an IPv4 or "
		  "IPv6 address" },
		{ NULL, "<bootstrap-node address=\"fe80::1%eth0\"/>", -EINVAL,
		  "configuration/bootstrap-node[1]/@address: \"fe80::1%eth0\" is not an IPv4 or "
		  "IPv6 address" },
		{ NULL, "<bootstrap-node address=\"192.0.2.256\"/>", -EINVAL,
		  "configuration/bootstrap-node[1]/@address: \"192.0.2.256\" is not an IPv4 or "
		  "IPv6 address" },
		{ NULL, "<chorus:landmark address=\"\"/>", -EINVAL,
		  "configuration/chorus:landmark[1]/@address: \"\" is not an IPv4 or IPv6 "
		  "address" },
		{ NULL, "<self-signed-permitted digest=\"md5\">true</self-signed-permitted>",
		  -EINVAL,
		  "configuration/self-signed-permitted/@digest: \"md5\" is neither sha1 nor "
		  "sha256" },
		{ NULL, "<kind-signer>abc</kind-signer>", -EINVAL,
		  "configuration/kind-signer[1]: \"abc\" is not a hex Node-ID of 1..20 bytes" },
		{ NULL, "<bad-node>zz</bad-node>", -EINVAL,
		  "configuration/bad-node[1]: \"zz\" is not a hex Node-ID of 1..20 bytes" },
		{ NULL,
		  "<configuration-signer>000102030405060708090a0b0c0d0e0f1011121314"
		  "</configuration-signer>",
		  -EINVAL,
		  "configuration/configuration-signer[1]: "
		  "\"000102030405060708090a0b0c0d0e0f1011121314"
		  "\" is not a hex Node-ID of 1..20 bytes" },
		{ NULL, "<configuration-signer></configuration-signer>", -EINVAL,
		  "configuration/configuration-signer[1]: \"\" is not a hex Node-ID of 1..20 "
		  "bytes" },
		{ NULL, "<shared-secret>  </shared-secret>", -EINVAL,
		  "configuration/shared-secret: empty" },
		{ NULL, "<root-cert>  </root-cert>", -EINVAL, "configuration/root-cert[1]: empty" },
		{ NULL, "<topology-plugin>0123456789012345678901234567890123</topology-plugin>",
		  -EINVAL, "configuration/topology-plugin: longer than 31 bytes" },
		{ " expiration=\"2030-01-01T00:00:00+01:00\"", "", -EINVAL,
		  "configuration/@expiration: \"2030-01-01T00:00:00+01:00\" is not a UTC time in "
		  "1970-01-01T00:00:01Z..9999-12-31T23:59:59Z" },
		{ " expiration=\"1969-12-31T23:59:59Z\"", "", -EINVAL,
		  "configuration/@expiration: \"1969-12-31T23:59:59Z\" is not a UTC time in "
		  "1970-01-01T00:00:01Z..9999-12-31T23:59:59Z" },
		{ " expiration=\"9999-12-31T23:59:60Z\"", "", -EINVAL,
		  "configuration/@expiration: \"9999-12-31T23:59:60Z\" is not a UTC time in "
		  "1970-01-01T00:00:01Z..9999-12-31T23:59:59Z" },
		{ " expiration=\"1970-01-01T00:00:00Z\"", "", -EINVAL,
		  "configuration/@expiration: \"1970-01-01T00:00:00Z\" is not a UTC time in "
		  "1970-01-01T00:00:01Z..9999-12-31T23:59:59Z" },
		{ NULL, KINDS("name=\"SIP\"", KIND_OK), -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/@name: \"SIP\" is not a "
		  "registered kind name" },
		{ NULL,
		  KINDS("id=\"9\"",
			"<data-model>QUEUE</data-model><access-control>USER-MATCH"
			"</access-control><max-count>1</max-count><max-size>1</max-size>"),
		  -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/data-model: \"QUEUE\" is not a "
		  "supported data model" },
		{ NULL,
		  KINDS("id=\"9\"",
			"<data-model>ARRAY</data-model><access-control>ANYONE"
			"</access-control><max-count>1</max-count><max-size>1</max-size>"),
		  -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/access-control: \"ANYONE\" is "
		  "not a supported access control policy" },
		{ NULL,
		  KINDS("id=\"9\"",
			"<data-model>ARRAY</data-model><access-control>NODE-MULTIPLE"
			"</access-control><max-count>1</max-count><max-size>1</max-size>"),
		  -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind: NODE-MULTIPLE without "
		  "max-node-multiple" },
		{ NULL, KINDS("id=\"9\"", KIND_OK "<max-node-multiple>2</max-node-multiple>"),
		  -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind/max-node-multiple: only for "
		  "NODE-MULTIPLE" },
		{ NULL, KINDS("name=\"TURN-SERVICE\"", KIND_OK), -EINVAL,
		  "configuration/required-kinds/kind-block[1]/kind: TURN-SERVICE is registered as "
		  "NODE-MULTIPLE: max-node-multiple is required" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"16\">" KIND_OK "</kind></kind-block>"
		  "<kind-block><kind name=\"CERTIFICATE_BY_USER\">" KIND_OK "</kind></kind-block>"
		  "</required-kinds>",
		  -EINVAL, KB2 ": Kind-ID 16 is defined twice" },
	};

	return run_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

static int test_unknown_base_element(void)
{
	static const struct bad_case cases[] = {
		{ NULL, "<node-id-size>16</node-id-size>", -EBADMSG,
		  "configuration: unknown element <node-id-size>" },
		{ NULL, "<chord:chord-fingers>8</chord:chord-fingers>", -EBADMSG,
		  "configuration: unknown element <chord:chord-fingers>" },
		{ NULL, "<landmark address=\"::1\"/>", -EBADMSG,
		  "configuration: unknown element <landmark>" },
		{ NULL, "<y xmlns=\"\">1</y>", -EBADMSG,
		  "configuration: element <y> in no namespace is not allowed" },
		{ NULL, "<required-kinds><kind id=\"9\"/></required-kinds>", -EBADMSG,
		  "configuration/required-kinds: unknown element <kind>" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"9\">" KIND_OK "</kind><signature>YQ=="
		  "</signature></kind-block></required-kinds>",
		  -EBADMSG,
		  "configuration/required-kinds/kind-block[1]: unknown element <signature>" },
		{ NULL, KINDS("id=\"9\"", KIND_OK "<max-value>1</max-value>"), -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind: unknown element <max-value>" },
		{ NULL,
		  KINDS("id=\"9\"", KIND_OK "<chord:chord-reactive>true</chord:chord-reactive>"),
		  -EBADMSG,
		  "configuration/required-kinds/kind-block[1]/kind: unknown element "
		  "<chord:chord-reactive>" },
	};
	struct relo_config *c = NULL;
	char err[256];
	const char *top = "<overlay" NS_ATTRS "><configuration instance-name=\"a\"/><settings/>"
			  "</overlay>";

	CHECK_EQ(parse_s(&c, top, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strcmp(err, "overlay: unknown element <settings>") == 0);
	top = "<overlay xmlns=\"urn:ietf:params:xml:ns:p2p:config-basic\"><configuration "
	      "instance-name=\"a\"/></overlay>";
	CHECK_EQ(parse_s(&c, top, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "the root element is not <overlay>") != NULL);
	top = "<overlay" NS_ATTRS "><x:configuration instance-name=\"a\"/></overlay>";
	CHECK_EQ(parse_s(&c, top, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strcmp(err, "overlay: no configuration") == 0);
	top = "<overlay" NS_ATTRS " version=\"1\"><configuration instance-name=\"a\"/></overlay>";
	CHECK_EQ(parse_s(&c, top, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strcmp(err, "overlay: unknown attribute \"version\"") == 0);
	CHECK(c == NULL);
	return run_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

static int test_foreign_ignored(void)
{
	struct relo_config *plain, *foreign;

	plain = parse_body("",
			   "<node-id-length>20</node-id-length>"
			   "<bootstrap-node address=\"192.0.2.1\"/>" KINDS("id=\"9\"", KIND_OK));
	CHECK(plain != NULL);
	foreign = parse_body(
		" x:a=\"1\" xml:lang=\"en\"",
		"<x:ext>anything <x:deeper a=\"b\">at all</x:deeper><node-id-length>99"
		"</node-id-length></x:ext>"
		"<node-id-length x:unit=\"bytes\">20</node-id-length>"
		"<chorus:future-thing>1</chorus:future-thing>"
		"<bootstrap-node x:weight=\"3\" address=\"192.0.2.1\"> </bootstrap-node>"
		"<!-- a comment --><?pi data?>"
		"<required-kinds x:r=\"1\"><x:k/><kind-block><x:kb/><kind id=\"9\" x:i=\"1\">"
		"<x:example-kind-extension> 1 </x:example-kind-extension>" KIND_OK
		"</kind></kind-block></required-kinds>");
	CHECK(foreign != NULL);
	CHECK_EQ(cfg_eq(plain, foreign), 0);
	CHECK_EQ(foreign->node_id_len, 20);
	/* The kind's bytes keep the foreign element. */
	CHECK(memmem(foreign->kinds[0].kind_xml, foreign->kinds[0].kind_xml_len,
		     "x:example-kind-extension", 24) != NULL);
	relo_config_free(plain);
	relo_config_free(foreign);
	/* Foreign elements go where the grammar has foreign-elements; not in a
	 * value, nor in <bootstrap-node>, which holds attributes only. */
	{
		static const struct bad_case in_peer[] = {
			{ NULL, "<bootstrap-node address=\"192.0.2.1\"><x:note/></bootstrap-node>",
			  -EBADMSG,
			  "configuration/bootstrap-node[1]: unexpected <note> in a value" },
		};
		CHECK_EQ(run_bad(in_peer, 1), 0);
	}
	return 0;
}

/* Matching is by namespace URI, whatever the prefixes. */
static int test_namespaces_by_uri(void)
{
	static const char doc[] =
		"<p:overlay xmlns:p=\"" RELO_CONFIG_NS_BASE "\">\n"
		" <p:configuration instance-name=\"ns\" xmlns:c=\"" RELO_CONFIG_NS_CHORD "\">\n"
		"  <p:node-id-length>18</p:node-id-length>\n"
		"  <c:chord-ping-interval>5</c:chord-ping-interval>\n"
		"  <land:landmark xmlns:land=\"" RELO_CONFIG_NS_CHORUS "\" address=\"10.0.0.1\"/>\n"
		"  <p:required-kinds><p:kind-block>\n"
		"   <p:kind id=\"77\"><p:data-model>SINGLE</p:data-model>"
		"<p:access-control>NODE-MATCH</p:access-control><p:max-count>1</p:max-count>"
		"<p:max-size>2</p:max-size></p:kind>\n"
		"  </p:kind-block></p:required-kinds>\n"
		"  <chord-reactive xmlns=\"" RELO_CONFIG_NS_CHORD "\">false</chord-reactive>\n"
		" </p:configuration>\n"
		" <p:signature>YWJj</p:signature>\n"
		"</p:overlay>\n";
	static const char chord_wrong[] =
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\" xmlns:chord=\"urn:example:not-chord\">"
		"<configuration instance-name=\"w\"><chord:chord-ping-interval>5"
		"</chord:chord-ping-interval></configuration></overlay>";
	struct relo_config *c = NULL;
	char err[256];

	CHECK_EQ(parse_s(&c, doc, NULL, err, sizeof(err)), 0);
	CHECK_EQ(c->node_id_len, 18);
	CHECK_EQ(c->chord_ping_interval, 5);
	CHECK_EQ(c->chord_reactive, false);
	CHECK_EQ(c->n_landmarks, 1);
	CHECK_EQ(c->landmarks[0].port, RELO_DEFAULT_PORT);
	CHECK_EQ(c->n_kinds, 1);
	CHECK_EQ(c->kinds[0].model, RELO_MODEL_SINGLE);
	CHECK(bytes_in(doc, c->kinds[0].kind_xml, c->kinds[0].kind_xml_len, "<p:kind id=\"77\">",
		       "</p:max-size></p:kind>"));
	CHECK(bytes_in(doc, c->configuration_xml.p, c->configuration_xml.len,
		       "<p:configuration instance-name=\"ns\"", "</p:configuration>"));
	CHECK(blob_eq(c->signature.p, c->signature.len, (const uint8_t *)"abc", 3));
	relo_config_free(c);
	/* The chord prefix bound to another URI is a foreign element: ignored. */
	CHECK_EQ(parse_s(&c, chord_wrong, NULL, err, sizeof(err)), 0);
	CHECK_EQ(c->chord_ping_interval, 3600);
	relo_config_free(c);
	/* An undeclared prefix is not namespace-well-formed. */
	CHECK_EQ(parse_s(&c, "<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration "
			     "instance-name=\"u\"><q:x/></configuration></overlay>",
			 NULL, err, sizeof(err)),
		 -EBADMSG);
	CHECK(c == NULL);
	return 0;
}

static int test_multiple_configurations(void)
{
	static const char doc[] =
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\">\n"
		"<configuration instance-name=\"one\"><node-id-length>17</node-id-length>"
		"</configuration>\n"
		"<configuration instance-name=\" two \" sequence=\"2\"><node-id-length>18"
		"</node-id-length></configuration>\n"
		"<signature algorithm=\"rsa-sha1\">dHdv</signature>\n"
		"<signature>c2Vjb25k</signature>\n"
		"<configuration instance-name=\"three\"><node-id-length>19</node-id-length>"
		"</configuration>\n"
		"<configuration instance-name=\"two\"><node-id-length>20</node-id-length>"
		"</configuration>\n"
		"<signature>bGF0ZQ==</signature>\n"
		"</overlay>\n";
	struct relo_config *c = NULL;
	char err[256];

	CHECK_EQ(parse_s(&c, doc, NULL, err, sizeof(err)), 0);
	CHECK(strcmp(c->instance_name, "one") == 0);
	CHECK_EQ(c->node_id_len, 17);
	CHECK(c->signature.p == NULL); /* the next one is a configuration */
	CHECK_EQ(c->configuration_xml.len, strlen("<configuration instance-name=\"one\">"
						  "<node-id-length>17</node-id-length>"
						  "</configuration>"));
	relo_config_free(c);
	/* The first of that name (trimmed), and the signature right after it. */
	CHECK_EQ(parse_s(&c, doc, "two", err, sizeof(err)), 0);
	CHECK(strcmp(c->instance_name, "two") == 0);
	CHECK_EQ(c->node_id_len, 18);
	CHECK_EQ(c->sequence, 2);
	CHECK(blob_eq(c->signature.p, c->signature.len, (const uint8_t *)"two", 3));
	CHECK(bytes_in(doc, c->configuration_xml.p, c->configuration_xml.len,
		       "<configuration instance-name=\" two \"",
		       "18</node-id-length></configuration>"));
	relo_config_free(c);
	CHECK_EQ(parse_s(&c, doc, "three", err, sizeof(err)), 0);
	CHECK_EQ(c->node_id_len, 19);
	CHECK(c->signature.p == NULL);
	relo_config_free(c);
	c = (struct relo_config *)err;
	CHECK_EQ(parse_s(&c, doc, "x", err, sizeof(err)), -ENOENT);
	CHECK(c == NULL);
	CHECK(strcmp(err, "overlay: no configuration with instance-name \"x\"") == 0);
	CHECK_EQ(parse_s(&c, "<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration/>"
			     "</overlay>", NULL, err, sizeof(err)),
		 -EBADMSG);
	CHECK(strcmp(err, "configuration[1]: no instance-name attribute") == 0);
	return 0;
}

static int test_bootstrap_and_landmarks(void)
{
	struct relo_config *c = parse_body(
		"",
		"<bootstrap-node address=\"192.0.2.1\" port=\"6085\"/>"
		"<bootstrap-node address=\" 2001:db8::1 \" port=\" 1 \"/>"
		"<bootstrap-node address=\"::ffff:192.0.2.3\"></bootstrap-node>"
		"<bootstrap-node address=\"fe80::aa:bb:cc:dd\" port=\"65535\"/>"
		"<chorus:landmark address=\"198.51.100.1\"/>"
		"<chorus:landmark address=\"2001:DB8:0:0:0:0:0:2\" port=\"7000\"/>");

	CHECK(c != NULL);
	CHECK_EQ(c->n_bootstrap, 4);
	CHECK(strcmp(c->bootstrap[0].address, "192.0.2.1") == 0);
	CHECK_EQ(c->bootstrap[0].port, 6085);
	CHECK(strcmp(c->bootstrap[1].address, "2001:db8::1") == 0);
	CHECK_EQ(c->bootstrap[1].port, 1);
	CHECK(strcmp(c->bootstrap[2].address, "::ffff:192.0.2.3") == 0);
	CHECK_EQ(c->bootstrap[2].port, 6084);
	CHECK_EQ(c->bootstrap[3].port, 65535);
	CHECK_EQ(c->n_landmarks, 2);
	CHECK(strcmp(c->landmarks[0].address, "198.51.100.1") == 0);
	CHECK_EQ(c->landmarks[0].port, RELO_DEFAULT_PORT);
	CHECK(strcmp(c->landmarks[1].address, "2001:DB8:0:0:0:0:0:2") == 0);
	CHECK_EQ(c->landmarks[1].port, 7000);
	relo_config_free(c);
	/* A landmark anywhere but in <configuration> is foreign to where it is. */
	c = parse_body("", KINDS("id=\"9\"", KIND_OK "<chorus:landmark address=\"::1\"/>"));
	CHECK(c != NULL);
	CHECK_EQ(c->n_landmarks, 0);
	relo_config_free(c);
	return 0;
}

static int test_booleans(void)
{
	static const struct {
		const char *text;
		bool v;
	} forms[] = {
		{ "true", true }, { "false", false }, { "1", true }, { "0", false },
		{ " true ", true }, { "\n\tfalse\r\n", false }, { " 1", true }, { "0 ", false },
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char body[512];
		struct relo_config *c;

		snprintf(body, sizeof(body),
			 "<clients-permitted>%s</clients-permitted><no-ice>%s</no-ice>"
			 "<chord:chord-reactive>%s</chord:chord-reactive>"
			 "<self-signed-permitted digest=\" sha256 \">%s</self-signed-permitted>",
			 forms[i].text, forms[i].text, forms[i].text, forms[i].text);
		c = parse_body("", body);
		CHECK(c != NULL);
		CHECK_EQ(c->clients_permitted, forms[i].v);
		CHECK_EQ(c->no_ice, forms[i].v);
		CHECK_EQ(c->chord_reactive, forms[i].v);
		CHECK_EQ(c->self_signed_permitted, forms[i].v);
		CHECK_EQ(c->self_signed_digest, RELO_DIGEST_SHA256);
		relo_config_free(c);
	}
	return 0;
}

static int test_integers_with_blanks(void)
{
	struct relo_config *c = parse_body(" sequence=\" +007 \"",
					   "<initial-ttl> 30 </initial-ttl>"
					   "<node-id-length>\n\t020\n</node-id-length>"
					   "<max-message-size>+38</max-message-size>"
					   "<turn-density><!-- none -->0</turn-density>"
					   "<overlay-reliability-timer><![CDATA[ 200 ]]>"
					   "</overlay-reliability-timer>");

	CHECK(c != NULL);
	CHECK_EQ(c->sequence, 7);
	CHECK_EQ(c->initial_ttl, 30);
	CHECK_EQ(c->node_id_len, 20);
	CHECK_EQ(c->max_message_size, 38);
	CHECK_EQ(c->turn_density, 0);
	CHECK_EQ(c->reliability_timer_ms, 200);
	relo_config_free(c);
	return 0;
}

static int test_base64_whitespace(void)
{
	struct relo_config *c =
		parse_body("", "<root-cert>\n  YWJj\n  ZGVm\tZ2hp &#10; \r\n  amts </root-cert>"
			       "<root-cert>YQ==</root-cert><root-cert>Y W I =</root-cert>"
			       "<root-cert><![CDATA[YW]]>Jj</root-cert>");

	CHECK(c != NULL);
	CHECK_EQ(c->n_root_certs, 4);
	CHECK(blob_eq(c->root_certs[0].p, c->root_certs[0].len, (const uint8_t *)"abcdefghijkl",
		      12));
	CHECK(blob_eq(c->root_certs[1].p, c->root_certs[1].len, (const uint8_t *)"a", 1));
	CHECK(blob_eq(c->root_certs[2].p, c->root_certs[2].len, (const uint8_t *)"ab", 2));
	CHECK(blob_eq(c->root_certs[3].p, c->root_certs[3].len, (const uint8_t *)"abc", 3));
	relo_config_free(c);
	return 0;
}

static int test_expiration(void)
{
	static const struct {
		const char *text;
		time_t t;
	} forms[] = {
		{ "2002-10-10T07:00:00Z", 1034233200 },
		{ " 2002-10-10t07:00:00z ", 1034233200 },
		{ "2002-10-10T07:00:00.999999Z", 1034233200 },
		{ "2002-10-10T07:00:00+00:00", 1034233200 },
		{ "2002-10-10T07:00:00-00:00", 1034233200 },
		{ "2024-02-29T23:59:59Z", 1709251199 },
		{ "2038-01-19T03:14:08Z", 2147483648 },
		{ "1970-01-01T00:00:01Z", 1 },
		{ "9999-12-31T23:59:59Z", 253402300799 },
	};
	size_t i;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char attrs[128];
		struct relo_config *c, *d;

		snprintf(attrs, sizeof(attrs), " expiration=\"%s\"", forms[i].text);
		c = parse_body(attrs, "");
		CHECK(c != NULL);
		CHECK_EQ(c->expiration, forms[i].t);
		d = rewrite(c, NULL);
		CHECK(d != NULL);
		CHECK_EQ(d->expiration, forms[i].t);
		relo_config_free(c);
		relo_config_free(d);
	}
	return 0;
}

static int test_nodeid_hex(void)
{
	struct relo_config *c = parse_body(
		"", "<kind-signer>ab</kind-signer>"
		    "<kind-signer> 0123456789ABCDEF0123456789abcdef </kind-signer>"
		    "<bad-node>000102030405060708090a0b0c0d0e0f10111213</bad-node>");

	CHECK(c != NULL);
	CHECK_EQ(c->n_kind_signers, 2);
	CHECK_EQ(c->kind_signers[0].len, 1);
	CHECK_EQ(c->kind_signers[0].id[0], 0xab);
	CHECK_EQ(c->kind_signers[0].id[1], 0); /* left-aligned, the rest zero */
	CHECK_EQ(c->kind_signers[1].len, 16);
	CHECK_MEM(c->kind_signers[1].id,
		  "\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef", 16);
	CHECK_EQ(c->n_bad_nodes, 1);
	CHECK_EQ(c->bad_nodes[0].len, 20);
	CHECK_EQ(c->bad_nodes[0].id[19], 0x13);
	relo_config_free(c);
	return 0;
}

static int test_registered_kinds(void)
{
	static const struct {
		const char *name;
		uint32_t id;
		enum relo_model model;
		enum relo_acl acl;
	} reg[] = {
		{ "SIP-REGISTRATION", 1, RELO_MODEL_DICTIONARY, RELO_ACL_USER_NODE_MATCH },
		{ "TURN-SERVICE", 2, RELO_MODEL_SINGLE, RELO_ACL_NODE_MULTIPLE },
		{ "CERTIFICATE_BY_NODE", 3, RELO_MODEL_ARRAY, RELO_ACL_NODE_MATCH },
		{ "CERTIFICATE_BY_USER", 16, RELO_MODEL_ARRAY, RELO_ACL_USER_MATCH },
		{ "ACCESS-CONTROL-LIST", 4, RELO_MODEL_ARRAY, RELO_ACL_USER_CHAIN_ACL },
	};
	size_t i;

	for (i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
		char body[1024];
		struct relo_config *c;
		const struct relo_kind_def *k;

		CHECK_EQ(relo_kind_by_name(reg[i].name), reg[i].id);
		/* Written with the wrong model and policy: the registration wins. */
		snprintf(body, sizeof(body),
			 "<required-kinds><kind-block><kind name=\"%s\"><data-model>%s</data-model>"
			 "<access-control>NODE-MULTIPLE</access-control>"
			 "<max-node-multiple>4</max-node-multiple><max-count>9</max-count>"
			 "<max-size>99</max-size></kind></kind-block>"
			 "<kind-block><kind id=\"%u\"><data-model>%s</data-model>"
			 "<access-control>NODE-MULTIPLE</access-control>"
			 "<max-node-multiple>4</max-node-multiple><max-count>9</max-count>"
			 "<max-size>99</max-size></kind></kind-block></required-kinds>",
			 reg[i].name, reg[i].model == RELO_MODEL_SINGLE ? "ARRAY" : "SINGLE",
			 reg[i].id + 0xf0000000u, "DICTIONARY");
		c = parse_body("", body);
		CHECK(c != NULL);
		k = relo_config_kind(c, reg[i].id);
		CHECK(k != NULL);
		CHECK(strcmp(k->name, reg[i].name) == 0);
		CHECK_EQ(k->model, reg[i].model);
		CHECK_EQ(k->acl, reg[i].acl);
		CHECK_EQ(k->max_node_multiple, reg[i].acl == RELO_ACL_NODE_MULTIPLE ? 4 : 0);
		CHECK_EQ(k->max_count, 9);
		/* A private kind keeps what it says. */
		k = relo_config_kind(c, reg[i].id + 0xf0000000u);
		CHECK(k != NULL);
		CHECK_EQ(k->model, RELO_MODEL_DICTIONARY);
		CHECK_EQ(k->acl, RELO_ACL_NODE_MULTIPLE);
		CHECK_EQ(k->max_node_multiple, 4);
		relo_config_free(c);
		CHECK(strcmp(relo_acl_name(reg[i].acl), i == 0 ? "USER-NODE-MATCH" :
							i == 1 ? "NODE-MULTIPLE" :
							i == 2 ? "NODE-MATCH" :
							i == 3 ? "USER-MATCH" :
								 "USER-CHAIN-ACL") == 0);
	}
	CHECK_EQ(relo_kind_by_name("sip-registration"), 0);
	CHECK_EQ(relo_kind_by_name("INVALID"), 0);
	CHECK_EQ(relo_kind_by_name(NULL), 0);
	CHECK(strcmp(relo_acl_name(RELO_ACL_UNKNOWN), "UNKNOWN") == 0);
	/* By id, a registered kind gets its registration too. */
	{
		struct relo_config *c = parse_body(
			"", KINDS("id=\"2\"", "<data-model>ARRAY</data-model><access-control>"
					      "USER-MATCH</access-control><max-node-multiple>3"
					      "</max-node-multiple><max-count>1</max-count>"
					      "<max-size>1</max-size>"));
		CHECK(c != NULL);
		CHECK_EQ(c->kinds[0].id, 2);
		CHECK_EQ(c->kinds[0].name[0], '\0');
		CHECK_EQ(c->kinds[0].model, RELO_MODEL_SINGLE);
		CHECK_EQ(c->kinds[0].acl, RELO_ACL_NODE_MULTIPLE);
		CHECK_EQ(c->kinds[0].max_node_multiple, 3);
		relo_config_free(c);
	}
	return 0;
}

static int test_add_kind(void)
{
	struct relo_config *c = NULL;
	struct relo_kind_def k;
	const struct relo_kind_def *got;

	CHECK_EQ(relo_config_new(&c, "k"), 0);
	memset(&k, 0, sizeof(k));
	k.id = 0xf0000100u;
	k.model = RELO_MODEL_ARRAY;
	k.acl = RELO_ACL_USER_MATCH;
	k.max_count = 3;
	k.max_size = 4;
	k.signature = (uint8_t *)(uintptr_t)"sig";
	k.signature_len = 3;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	got = relo_config_kind(c, k.id);
	CHECK(got != NULL);
	CHECK(got->signature != k.signature); /* copied */
	CHECK(blob_eq(got->signature, got->signature_len, (const uint8_t *)"sig", 3));
	k.max_count = 30;
	k.signature = NULL;
	k.signature_len = 0;
	CHECK_EQ(relo_config_add_kind(c, &k), 0); /* replaces */
	CHECK_EQ(c->n_kinds, 1);
	CHECK_EQ(relo_config_kind(c, k.id)->max_count, 30);
	CHECK(relo_config_kind(c, k.id)->signature == NULL);
	/* The registration is applied; a wrong name, or rules broken, refused. */
	memset(&k, 0, sizeof(k));
	k.id = RELO_KIND_CERTIFICATE_BY_NODE;
	k.model = RELO_MODEL_SINGLE;
	k.acl = RELO_ACL_USER_MATCH;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(relo_config_kind(c, 3)->model, RELO_MODEL_ARRAY);
	CHECK_EQ(relo_config_kind(c, 3)->acl, RELO_ACL_NODE_MATCH);
	strcpy(k.name, "TURN-SERVICE");
	CHECK_EQ(relo_config_add_kind(c, &k), -EINVAL);
	memset(&k, 0, sizeof(k));
	k.id = 0;
	k.model = RELO_MODEL_ARRAY;
	k.acl = RELO_ACL_USER_MATCH;
	CHECK_EQ(relo_config_add_kind(c, &k), -EINVAL);
	k.id = 99;
	k.acl = RELO_ACL_NODE_MULTIPLE;
	CHECK_EQ(relo_config_add_kind(c, &k), -EINVAL);
	k.max_node_multiple = 2;
	k.model = RELO_MODEL_RAW;
	CHECK_EQ(relo_config_add_kind(c, &k), -EINVAL);
	k.model = RELO_MODEL_SINGLE;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(c->n_kinds, 3);
	relo_config_free(c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* RFC 8076 section 5.3: variable resource names                       */
/* ------------------------------------------------------------------ */

#define UCA_OK                                                                                     \
	"<data-model>ARRAY</data-model><access-control>USER-CHAIN-ACL</access-control>"           \
	"<max-count>1</max-count><max-size>10</max-size>"
#define VRN(attrs, inner)                                                                          \
	"<share:variable-resource-names" attrs ">" inner "</share:variable-resource-names>"
#define UCA_VRN(attrs, inner) KINDS("id=\"9\"", UCA_OK VRN(attrs, inner))
#define PAT(s) "<share:pattern>" s "</share:pattern>"
#define PAT1 PAT("$USER@$DOMAIN")
#define PAT4 PAT1 PAT1 PAT1 PAT1
#define PAT16 PAT4 PAT4 PAT4 PAT4
#define VRN_PATH "configuration/required-kinds/kind-block[1]/kind/share:variable-resource-names"

/* A kind 9 (USER-CHAIN-ACL) with <share:variable-resource-names enable="true">
 * holding one <share:pattern> of the given text. */
static char *one_pattern_body(const char *pattern)
{
	static const char head[] = "<required-kinds><kind-block><kind id=\"9\">" UCA_OK
				   "<share:variable-resource-names enable=\"true\"><share:pattern>";
	static const char tail[] = "</share:pattern></share:variable-resource-names></kind>"
				   "</kind-block></required-kinds>";
	size_t n = sizeof(head) + strlen(pattern) + sizeof(tail);
	char *b = malloc(n);

	if (!b)
		abort();
	snprintf(b, n, "%s%s%s", head, pattern, tail);
	return b;
}

static const char vrn_body[] =
	"<required-kinds>"
	/* enabled, two patterns, among the kind's other children */
	"<kind-block><kind id=\"4026531900\"><data-model>ARRAY</data-model>"
	"<share:variable-resource-names enable=\" true \">\n"
	"  <share:pattern> .*-conf-$USER@$DOMAIN\n </share:pattern>\n"
	"  <!-- c --><share:pattern>$USER@$DOMAIN/[a-z]+</share:pattern>\n"
	"</share:variable-resource-names>"
	"<access-control>USER-CHAIN-ACL</access-control><max-count>4</max-count>"
	"<max-size>64</max-size><x:ext/><share:future-thing/></kind></kind-block>"
	/* registered as USER-CHAIN-ACL whatever the document says; another
	 * prefix; patterns listed but not enabled */
	"<kind-block><kind name=\"ACCESS-CONTROL-LIST\"><data-model>SINGLE</data-model>"
	"<access-control>USER-MATCH</access-control><max-count>2</max-count>"
	"<max-size>20</max-size><s:variable-resource-names xmlns:s=\"" RELO_CONFIG_NS_SHARE
	"\" enable=\"0\" x:a=\"b\"><s:pattern>^$USER@$DOMAIN$</s:pattern>"
	"</s:variable-resource-names></kind></kind-block>"
	/* none */
	"<kind-block><kind id=\"4026531901\">" UCA_OK "</kind></kind-block>"
	/* disabled, no pattern */
	"<kind-block><kind id=\"4026531902\">" UCA_OK
	"<share:variable-resource-names enable=\"false\"/></kind></kind-block>"
	"</required-kinds>"
	/* outside <kind>: a foreign element like any other */
	"<share:variable-resource-names enable=\"maybe\"><x:y/></share:variable-resource-names>";

static int test_variable_names_parse(void)
{
	struct relo_config *c = parse_body(" share:note=\"1\"", vrn_body);
	const struct relo_kind_def *k;
	char pat[256], *body;

	CHECK(c != NULL);
	CHECK_EQ(c->n_kinds, 4);
	k = relo_config_kind(c, 4026531900u);
	CHECK(k != NULL);
	CHECK_EQ(k->acl, RELO_ACL_USER_CHAIN_ACL);
	CHECK_EQ(k->variable_names, true);
	CHECK_EQ(k->n_name_patterns, 2);
	CHECK(strcmp(k->name_patterns[0], ".*-conf-$USER@$DOMAIN") == 0);
	CHECK(strcmp(k->name_patterns[1], "$USER@$DOMAIN/[a-z]+") == 0);
	CHECK_EQ(k->max_count, 4);
	/* The signed bytes of the kind hold the element. */
	CHECK(memmem(k->kind_xml, k->kind_xml_len, "<share:pattern>$USER@$DOMAIN/[a-z]+", 35) !=
	      NULL);
	k = relo_config_kind(c, RELO_KIND_ACCESS_CONTROL_LIST);
	CHECK(k != NULL);
	CHECK_EQ(k->acl, RELO_ACL_USER_CHAIN_ACL);
	CHECK_EQ(k->variable_names, false);
	CHECK_EQ(k->n_name_patterns, 1);
	CHECK(strcmp(k->name_patterns[0], "^$USER@$DOMAIN$") == 0);
	k = relo_config_kind(c, 4026531901u);
	CHECK(k != NULL);
	CHECK_EQ(k->variable_names, false); /* the default */
	CHECK_EQ(k->n_name_patterns, 0);
	CHECK(k->name_patterns == NULL);
	k = relo_config_kind(c, 4026531902u);
	CHECK(k != NULL);
	CHECK_EQ(k->variable_names, false);
	CHECK_EQ(k->n_name_patterns, 0);
	relo_config_free(c);

	/* At the limits: 16 patterns; 255 bytes. */
	c = parse_body("", UCA_VRN(" enable=\"1\"", PAT16));
	CHECK(c != NULL);
	CHECK_EQ(c->kinds[0].n_name_patterns, 16);
	CHECK_EQ(c->kinds[0].variable_names, true);
	relo_config_free(c);
	memset(pat, 'a', 255);
	memcpy(pat, "$USER@$DOMAIN-", 14);
	pat[255] = '\0';
	body = one_pattern_body(pat);
	c = parse_body("", body);
	free(body);
	CHECK(c != NULL);
	CHECK(strcmp(c->kinds[0].name_patterns[0], pat) == 0);
	relo_config_free(c);
	/* Repetitions within the limit, and escapes. */
	c = parse_body("", UCA_VRN(" enable=\"true\"",
				   PAT("(.{0,30}){0,30}-$USER@$DOMAIN")
				   PAT("[[:alnum:]._-]+\\.conf-$USER@$DOMAIN&amp;&lt;x&gt;")));
	CHECK(c != NULL);
	CHECK(strcmp(c->kinds[0].name_patterns[1], "[[:alnum:]._-]+\\.conf-$USER@$DOMAIN&<x>") ==
	      0);
	relo_config_free(c);
	return 0;
}

static int test_variable_names_roundtrip(void)
{
	struct relo_config *c = parse_body("", vrn_body), *d;
	char *text = NULL, *at, *size_at;
	size_t n = 0;

	CHECK(c != NULL);
	d = rewrite(c, &text);
	CHECK(d != NULL);
	CHECK_EQ(cfg_eq(c, d), 0);
	CHECK(strstr(text, " xmlns:share=\"" RELO_CONFIG_NS_SHARE "\"") != NULL);
	CHECK(strstr(text, "\n          <share:variable-resource-names enable=\"true\">\n"
			   "            <share:pattern>.*-conf-$USER@$DOMAIN</share:pattern>\n"
			   "            <share:pattern>$USER@$DOMAIN/[a-z]+</share:pattern>\n"
			   "          </share:variable-resource-names>\n"
			   "        </kind>\n") != NULL);
	CHECK(strstr(text, "<share:variable-resource-names enable=\"false\">\n"
			   "            <share:pattern>^$USER@$DOMAIN$</share:pattern>\n") != NULL);
	/* Only where enabled or with patterns; after max-size. */
	for (at = text; (at = strstr(at, "<share:variable-resource-names")) != NULL; at++)
		n++;
	CHECK_EQ(n, 2);
	at = strstr(text, "<share:variable-resource-names");
	size_at = strstr(text, "<max-size>64</max-size>");
	CHECK(at && size_at && size_at < at);
	relo_config_free(d);
	free(text);
	relo_config_free(c);
	/* Patterns set by hand, with characters to escape (full_config). */
	c = full_config();
	CHECK_EQ(c->kinds[2].n_name_patterns, 2);
	CHECK_EQ(c->kinds[4].variable_names, false);
	d = rewrite(c, &text);
	CHECK(d != NULL);
	CHECK_EQ(cfg_eq(c, d), 0);
	CHECK(strcmp(d->kinds[2].name_patterns[1],
		     "[<&>\"']+\t\xc3\xa9-$USER@$DOMAIN\r\n(x|y){1,4}") == 0);
	CHECK(strstr(text, "<share:pattern>[&lt;&amp;&gt;&quot;']+\t\xc3\xa9-$USER@$DOMAIN&#13;\n"
			   "(x|y){1,4}</share:pattern>") != NULL);
	relo_config_free(d);
	free(text);
	relo_config_free(c);
	return 0;
}

static int test_variable_names_errors(void)
{
	static const struct bad_case cases[] = {
		{ NULL, KINDS("id=\"9\"", UCA_OK VRN(" enable=\"true\"", PAT1)
						  VRN(" enable=\"false\"", "")),
		  -EBADMSG, VRN_PATH ": appears more than once" },
		{ NULL, UCA_VRN("", PAT1), -EBADMSG, VRN_PATH ": no enable attribute" },
		{ NULL, UCA_VRN(" share:enable=\"true\"", PAT1), -EBADMSG,
		  VRN_PATH ": no enable attribute" },
		{ NULL, UCA_VRN(" enable=\"yes\"", PAT1), -EBADMSG,
		  VRN_PATH "/@enable: \"yes\" is not a boolean" },
		{ NULL, UCA_VRN(" enable=\"TRUE\"", PAT1), -EBADMSG,
		  VRN_PATH "/@enable: \"TRUE\" is not a boolean" },
		{ NULL, UCA_VRN(" enable=\"true\" mode=\"x\"", PAT1), -EBADMSG,
		  VRN_PATH ": unknown attribute \"mode\"" },
		{ NULL, UCA_VRN(" enable=\"true\"", ""), -EINVAL,
		  VRN_PATH ": enable=\"true\" without a <share:pattern>" },
		{ NULL, UCA_VRN(" enable=\" 1 \"", " \n<!-- none -->\t"), -EINVAL,
		  VRN_PATH ": enable=\"true\" without a <share:pattern>" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT1 PAT(".*-$USER")), -EINVAL,
		  VRN_PATH "/share:pattern[2]: \".*-$USER\" has no $DOMAIN" },
		{ NULL, UCA_VRN(" enable=\"false\"", PAT("$DOMAIN-x")), -EINVAL,
		  VRN_PATH "/share:pattern[1]: \"$DOMAIN-x\" has no $USER" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT("$user@$domain")), -EINVAL,
		  VRN_PATH "/share:pattern[1]: \"$user@$domain\" has no $USER" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT1 PAT1 PAT(" \n ")), -EINVAL,
		  VRN_PATH "/share:pattern[3]: empty" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT16 PAT1), -EINVAL,
		  VRN_PATH "/share:pattern[17]: more than 16 patterns" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT("((.{0,64}){0,64})-$USER@$DOMAIN")),
		  -EINVAL,
		  VRN_PATH "/share:pattern[1]: \"((.{0,64}){0,64})-$USER@$DOMAIN\" is too "
			   "complex: more than 1024 atoms once its repetitions are expanded" },
		{ NULL,
		  UCA_VRN(" enable=\"true\"",
			  PAT("((((((((((x+)+)+)+)+)+)+)+)+)+)+$USER@$DOMAIN")),
		  -EINVAL,
		  VRN_PATH "/share:pattern[1]: \"((((((((((x+)+)+)+)+)+)+)+)+)+)+$USER@$DOMAIN\" "
			   "is too complex: more than 1024 atoms once its repetitions are "
			   "expanded" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT1 "<share:other/>"), -EBADMSG,
		  VRN_PATH ": unknown element <share:other>" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT1 "<x:note/>"), -EBADMSG,
		  VRN_PATH ": unknown element <x:note>" },
		{ NULL,
		  UCA_VRN(" enable=\"true\"", "<chorus:pattern>$USER@$DOMAIN</chorus:pattern>"),
		  -EBADMSG, VRN_PATH ": unknown element <chorus:pattern>" },
		{ NULL, UCA_VRN(" enable=\"true\"", "<pattern>$USER@$DOMAIN</pattern>"), -EBADMSG,
		  VRN_PATH ": unknown element <pattern>" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT1 "text"), -EBADMSG,
		  VRN_PATH ": unexpected text \"text\"" },
		{ NULL, UCA_VRN(" enable=\"true\"", PAT("$USER@<x:b/>$DOMAIN")), -EBADMSG,
		  VRN_PATH "/share:pattern[1]: unexpected <b> in a value" },
		{ NULL,
		  UCA_VRN(" enable=\"true\"",
			  "<share:pattern flags=\"i\">$USER@$DOMAIN</share:pattern>"),
		  -EBADMSG, VRN_PATH "/share:pattern[1]: unknown attribute \"flags\"" },
		{ NULL, KINDS("id=\"9\"", KIND_OK VRN(" enable=\"false\"", "")), -EINVAL,
		  VRN_PATH ": only for USER-CHAIN-ACL kinds" },
		/* The registration decides the policy. */
		{ NULL, KINDS("name=\"CERTIFICATE_BY_USER\"", UCA_OK VRN(" enable=\"true\"", PAT1)),
		  -EINVAL, VRN_PATH ": only for USER-CHAIN-ACL kinds" },
		{ NULL,
		  "<required-kinds><kind-block><kind id=\"5000\">" KIND_OK "</kind></kind-block>"
		  "<kind-block><kind id=\"5001\">" UCA_OK VRN(" enable=\"true\"", PAT1 PAT("x"))
		  "</kind></kind-block></required-kinds>",
		  -EINVAL,
		  KB2 "/share:variable-resource-names/share:pattern[2]: \"x\" has no $USER" },
	};
	struct bad_case big;
	char pat[260], msg[256];
	char *body;
	int rc;

	rc = run_bad(cases, sizeof(cases) / sizeof(cases[0]));
	if (rc)
		return rc;
	/* 256 bytes. */
	memset(pat, 'a', 256);
	memcpy(pat, "$USER@$DOMAIN-", 14);
	pat[256] = '\0';
	body = one_pattern_body(pat);
	big.attrs = NULL;
	big.body = body;
	big.rc = -EINVAL;
	big.msg = VRN_PATH "/share:pattern[1]: longer than 255 bytes";
	rc = run_bad(&big, 1);
	free(body);
	if (rc)
		return rc;
	/* Not a regular expression: the message ends with regerror()'s. */
	{
		static const char *const bad_re[] = { "($USER@$DOMAIN", "[$USER@$DOMAIN",
						      "$USER@$DOMAIN{2,1}", "*$USER@$DOMAIN" };
		size_t i;

		for (i = 0; i < sizeof(bad_re) / sizeof(bad_re[0]); i++) {
			struct relo_config *c = NULL;
			char *d, err[256];

			body = one_pattern_body(bad_re[i]);
			d = doc1("", body);
			free(body);
			rc = parse_s(&c, d, NULL, err, sizeof(err));
			free(d);
			snprintf(msg, sizeof(msg),
				 VRN_PATH "/share:pattern[1]: \"%s\" is not a POSIX extended "
					  "regular expression (",
				 bad_re[i]);
			if (rc != -EINVAL || c || strncmp(err, msg, strlen(msg)) != 0 ||
			    err[strlen(err) - 1] != ')') {
				relo_config_free(c);
				TEST_FAIL("%s: %d \"%s\"", bad_re[i], rc, err);
			}
		}
	}
	return 0;
}

static int test_variable_names_add_kind(void)
{
	char p0[] = ".*-conf-$USER@$DOMAIN", p1[] = "$USER@$DOMAIN";
	char *pats[16 + 1], long_pat[300];
	struct relo_config *c = NULL, *d;
	struct relo_kind_def k;
	const struct relo_kind_def *got;
	size_t i;

	CHECK_EQ(relo_config_new(&c, "vrn"), 0);
	memset(&k, 0, sizeof(k));
	k.id = 0xf0000200u;
	k.model = RELO_MODEL_ARRAY;
	k.acl = RELO_ACL_USER_CHAIN_ACL;
	k.max_count = 3;
	k.max_size = 4;
	k.variable_names = true;
	pats[0] = p0;
	pats[1] = p1;
	k.name_patterns = pats;
	k.n_name_patterns = 2;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	got = relo_config_kind(c, k.id);
	CHECK(got != NULL);
	CHECK(got->variable_names);
	CHECK_EQ(got->n_name_patterns, 2);
	CHECK(got->name_patterns != pats); /* copied */
	CHECK(got->name_patterns[0] != p0 && got->name_patterns[1] != p1);
	p0[0] = 'X';
	CHECK(strcmp(got->name_patterns[0], ".*-conf-$USER@$DOMAIN") == 0);
	CHECK(strcmp(got->name_patterns[1], "$USER@$DOMAIN") == 0);
	p0[0] = '.';
	/* Replaced (the old copies freed), then disabled with a pattern kept. */
	k.n_name_patterns = 1;
	k.name_patterns = &pats[1];
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(c->n_kinds, 1);
	got = relo_config_kind(c, k.id);
	CHECK_EQ(got->n_name_patterns, 1);
	CHECK(strcmp(got->name_patterns[0], "$USER@$DOMAIN") == 0);
	k.variable_names = false;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(relo_config_kind(c, k.id)->variable_names, false);
	CHECK_EQ(relo_config_kind(c, k.id)->n_name_patterns, 1);
	/* A registered USER-CHAIN-ACL kind, whatever the caller says. */
	k.id = RELO_KIND_ACCESS_CONTROL_LIST;
	k.acl = RELO_ACL_USER_MATCH;
	k.variable_names = true;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(relo_config_kind(c, 4)->acl, RELO_ACL_USER_CHAIN_ACL);
	CHECK_EQ(relo_config_kind(c, 4)->n_name_patterns, 1);
	/* What is written reads back the same. */
	d = rewrite(c, NULL);
	CHECK(d != NULL);
	CHECK_EQ(cfg_eq(c, d), 0);
	relo_config_free(d);

	/* Refused, and nothing changes. */
	memset(&k, 0, sizeof(k));
	k.id = 0xf0000201u;
	k.model = RELO_MODEL_ARRAY;
	k.acl = RELO_ACL_USER_CHAIN_ACL;
	k.variable_names = true;
	k.name_patterns = pats;
	for (i = 0; i < 15; i++) {
		static const char *const bad[] = {
			"$DOMAIN-x", "$USER-x", "", " $USER@$DOMAIN", "$USER@$DOMAIN\n",
			"($USER@$DOMAIN", "[$USER@$DOMAIN", "((.{0,64}){0,64})$USER@$DOMAIN",
			"\x01$USER@$DOMAIN", "\xff$USER@$DOMAIN",
		};
		k.n_name_patterns = 1;
		k.variable_names = true;
		k.acl = RELO_ACL_USER_CHAIN_ACL;
		k.name_patterns = pats;
		pats[0] = p1;
		if (i < sizeof(bad) / sizeof(bad[0])) {
			pats[0] = (char *)(uintptr_t)bad[i];
		} else if (i == 10) {
			k.n_name_patterns = 0; /* enabled without a pattern */
		} else if (i == 11) {
			k.acl = RELO_ACL_USER_MATCH; /* not USER-CHAIN-ACL */
			k.variable_names = false;
		} else if (i == 12) {
			k.name_patterns = NULL;
		} else if (i == 13) {
			pats[0] = NULL;
		} else {
			memset(long_pat, 'a', 256);
			memcpy(long_pat, "$USER@$DOMAIN", 13);
			long_pat[256] = '\0';
			pats[0] = long_pat;
		}
		if (relo_config_add_kind(c, &k) != -EINVAL)
			TEST_FAIL("case %zu added", i);
	}
	/* 255 bytes are fine. */
	long_pat[255] = '\0';
	pats[0] = long_pat;
	k.n_name_patterns = 1;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(c->n_kinds, 3);
	/* A registered kind that is not USER-CHAIN-ACL. */
	k.id = RELO_KIND_CERTIFICATE_BY_USER;
	pats[0] = p1;
	CHECK_EQ(relo_config_add_kind(c, &k), -EINVAL);
	/* 16 patterns, not 17. */
	k.id = 0xf0000202u;
	for (i = 0; i <= 16; i++)
		pats[i] = p1;
	k.n_name_patterns = 16 + 1;
	CHECK_EQ(relo_config_add_kind(c, &k), -EINVAL);
	k.n_name_patterns = 16;
	CHECK_EQ(relo_config_add_kind(c, &k), 0);
	CHECK_EQ(c->n_kinds, 4);
	CHECK_EQ(relo_config_kind(c, k.id)->n_name_patterns, 16);
	relo_config_free(c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Writing                                                             */
/* ------------------------------------------------------------------ */

static int test_roundtrip_full(void)
{
	struct relo_config *c = full_config(), *d, *e;
	char *text = NULL, *text2 = NULL;

	d = rewrite(c, &text);
	CHECK(d != NULL);
	CHECK_EQ(cfg_eq(c, d), 0);
	CHECK(d->configuration_xml.p != NULL);
	/* The same fields give the same bytes. */
	e = rewrite(d, &text2);
	CHECK(e != NULL);
	CHECK(strcmp(text, text2) == 0);
	/* Readable: indented, one element a line, long base64 broken into lines. */
	CHECK(strncmp(text, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<overlay ", 47) == 0);
	CHECK(strstr(text, "\n  <configuration instance-name=") != NULL);
	CHECK(strstr(text, "\n    <node-id-length>20</node-id-length>\n") != NULL);
	CHECK(strstr(text, "\n    <root-cert>\n      ") != NULL);
	CHECK(strstr(text, "\n    <chorus:landmark address=\"203.0.113.9\" port=\"7000\"/>\n") !=
	      NULL);
	CHECK(strstr(text, "<kind id=\"4026531841\">") != NULL);
	CHECK(strstr(text, "<kind name=\"SIP-REGISTRATION\">") != NULL);
	CHECK(strstr(text, "<configuration-signer>01264b70") != NULL);
	CHECK(strstr(text, "expiration=\"2038-01-19T03:14:08Z\"") != NULL);
	CHECK(strstr(text, "\n</overlay>\n") != NULL);
	free(text2);
	relo_config_free(e);
	relo_config_free(d);

	/* Signing: what to sign is configuration_xml of the written document;
	 * adding the signature does not change those bytes. */
	free(c->signature.p);
	c->signature.p = NULL;
	c->signature.len = 0;
	d = rewrite(c, NULL);
	CHECK(d != NULL);
	c->signature.p = bytes(64, 6);
	c->signature.len = 64;
	e = rewrite(c, NULL);
	CHECK(e != NULL);
	CHECK(blob_eq(d->configuration_xml.p, d->configuration_xml.len, e->configuration_xml.p,
		      e->configuration_xml.len));
	CHECK(d->signature.p == NULL);
	CHECK(blob_eq(e->signature.p, e->signature.len, c->signature.p, 64));
	relo_config_free(e);
	relo_config_free(d);
	free(text);
	relo_config_free(c);
	return 0;
}

static int test_write_refuses(void)
{
	struct relo_config *c;
	char *out = (char *)1;
	size_t len = 1;
	int i;

	for (i = 0; i < 21; i++) {
		c = full_config();
		switch (i) {
		case 0: c->node_id_len = 15; break;
		case 1: c->sequence = 65535; break;
		case 2: c->initial_ttl = 0; break;
		case 3: c->reliability_timer_ms = 199; break;
		case 4: c->max_message_size = 37; break;
		case 5: strcpy(c->bootstrap[1].address, "host.example"); break;
		case 6: c->landmarks[0].port = 0; break;
		case 7: free(c->shared_secret); c->shared_secret = xstrdup(" lead"); break;
		case 8: c->link_protocols[1][0] = '\x01'; break;
		case 9: c->n_link_protocols = 0; break;
		case 10: c->kinds[2].max_node_multiple = 1; break;
		case 11: c->kinds[0].model = RELO_MODEL_ARRAY; break;
		case 12: c->kind_signers[0].len = 0; break;
		case 13: strcpy(c->topology, "bad\xff"); break;
		case 14: c->expiration = -5; break;
		case 15: c->kinds[1].id = c->kinds[0].id; break;
		/* RFC 8076 variable resource names */
		case 16: c->kinds[0].variable_names = true; break;
		case 17: c->kinds[2].name_patterns[1][0] = ' '; break;
		case 18: strcpy(c->kinds[2].name_patterns[0], "x-$USER"); break;
		case 19: strcpy(c->kinds[2].name_patterns[0], "($USER@$DOMAIN"); break;
		case 20: c->kinds[4].variable_names = true; c->kinds[4].n_name_patterns = 0; break;
		}
		if (relo_config_write(c, &out, &len) != -EINVAL || out != NULL || len != 0)
			TEST_FAIL("case %d written", i);
		if (i == 9)
			c->n_link_protocols = 2;
		if (i == 20)
			c->kinds[4].n_name_patterns = 1;
		relo_config_free(c);
		out = (char *)1;
		len = 1;
	}
	CHECK_EQ(relo_config_write(NULL, &out, &len), -EINVAL);
	return 0;
}

static int test_save_load(void)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[64], err[256];
	struct relo_config *c = full_config(), *d = NULL;
	struct stat st;
	struct dirent *de;
	DIR *dh;
	int fd, files = 0;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/overlay.xml", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, "old", 3) == 3);
	close(fd);
	CHECK_EQ(relo_config_save(c, path), 0);
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_mode & 0777, 0644);
	CHECK_EQ(relo_config_load(&d, path, NULL, err, sizeof(err)), 0);
	CHECK_EQ(cfg_eq(c, d), 0);
	relo_config_free(d);
	CHECK_EQ(relo_config_load(&d, path, "nope", err, sizeof(err)), -ENOENT);
	/* Nothing left over but the file itself. */
	dh = opendir(dir);
	CHECK(dh != NULL);
	while ((de = readdir(dh)) != NULL)
		files += de->d_name[0] != '.';
	closedir(dh);
	CHECK_EQ(files, 1);
	/* A configuration that cannot be written leaves the file alone. */
	c->node_id_len = 3;
	CHECK_EQ(relo_config_save(c, path), -EINVAL);
	CHECK_EQ(relo_config_load(&d, path, NULL, err, sizeof(err)), 0);
	CHECK_EQ(d->node_id_len, 20);
	relo_config_free(d);
	c->node_id_len = 20;
	CHECK_EQ(unlink(path), 0);
	CHECK_EQ(relo_config_load(&d, path, NULL, err, sizeof(err)), -ENOENT);
	CHECK(d == NULL);
	CHECK(strstr(err, "overlay.xml: ") != NULL);
	/* Over 4 MiB. */
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(ftruncate(fd, (4 << 20) + 1), 0);
	close(fd);
	CHECK_EQ(relo_config_load(&d, path, NULL, err, sizeof(err)), -EMSGSIZE);
	CHECK_EQ(relo_config_load(&d, dir, NULL, err, sizeof(err)), -EINVAL);
	CHECK_EQ(unlink(path), 0);
	/* No directory to write into. */
	snprintf(path, sizeof(path), "%s/none/overlay.xml", dir);
	CHECK_EQ(relo_config_save(c, path), -ENOENT);
	CHECK_EQ(rmdir(dir), 0);
	relo_config_free(c);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Hostile documents                                                   */
/* ------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int test_hostile_billion_laughs(void)
{
	static const char doc[] =
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE overlay [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n"
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE
		"\"><configuration instance-name=\"&lol9;\">"
		"<shared-secret>&lol9;</shared-secret></configuration></overlay>\n";
	struct relo_config *c = NULL;
	char err[256];
	double t0 = now_s();

	CHECK_EQ(parse_s(&c, doc, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(c == NULL);
	CHECK(strcmp(err, "document: a DOCTYPE or other declaration is not allowed (line 2)") == 0);
	CHECK(now_s() - t0 < 1.0);
	return 0;
}

static int test_hostile_external_entity(void)
{
	static const char *const docs[] = {
		"<?xml version=\"1.0\"?>\n<!DOCTYPE overlay [<!ENTITY xxe SYSTEM "
		"\"file:///etc/passwd\">]>\n<overlay xmlns=\"" RELO_CONFIG_NS_BASE
		"\"><configuration instance-name=\"t\"><shared-secret>&xxe;</shared-secret>"
		"</configuration></overlay>",
		"<!DOCTYPE overlay SYSTEM \"http://192.0.2.1/config.dtd\"><overlay xmlns=\""
		RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\"/></overlay>",
		"<!-- c --><!DOCTYPE overlay [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\"/>"
		"</overlay>",
	};
	/* Without a DOCTYPE, an entity reference is undefined: not well-formed. */
	static const char undeclared[] =
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\">"
		"<shared-secret>&xxe;</shared-secret></configuration></overlay>";
	/* XInclude is never processed: a foreign element, ignored. */
	static const char xinclude[] =
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE
		"\" xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
		"<configuration instance-name=\"t\"><shared-secret>s</shared-secret>"
		"<xi:include href=\"file:///etc/passwd\" "
		"parse=\"text\"/></configuration></overlay>";
	struct relo_config *c = NULL;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		CHECK_EQ(parse_s(&c, docs[i], NULL, err, sizeof(err)), -EBADMSG);
		CHECK(c == NULL);
		CHECK(strstr(err, "DOCTYPE") != NULL);
	}
	CHECK_EQ(parse_s(&c, undeclared, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "not well-formed") != NULL);
	CHECK_EQ(parse_s(&c, xinclude, NULL, err, sizeof(err)), 0);
	CHECK(strcmp(c->shared_secret, "s") == 0);
	CHECK(memmem(c->configuration_xml.p, c->configuration_xml.len, "root:", 5) == NULL);
	relo_config_free(c);
	return 0;
}

static int test_hostile_size(void)
{
	size_t big = 5u << 20, i;
	char *doc = malloc(big + 1), err[256];
	struct relo_config *c = NULL;
	const char *head = "<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\" xmlns:x=\"urn:x\">"
			   "<configuration instance-name=\"t\" x:big=\"";
	const char *tail = "\"/></overlay>";
	double t0;

	CHECK(doc != NULL);
	memset(doc, ' ', big);
	doc[big] = '\0';
	CHECK_EQ(relo_config_parse(&c, doc, big, NULL, err, sizeof(err)), -EMSGSIZE);
	CHECK(strcmp(err, "document: 5242880 bytes, more than the 4194304 allowed") == 0);
	/* Just under the limit: a 4 MB foreign attribute is read and ignored. */
	big = (4u << 20) - 64;
	memcpy(doc, head, strlen(head));
	memset(doc + strlen(head), 'a', big - strlen(head) - strlen(tail));
	memcpy(doc + big - strlen(tail), tail, strlen(tail));
	doc[big] = '\0';
	t0 = now_s();
	CHECK_EQ(relo_config_parse(&c, doc, big, NULL, err, sizeof(err)), 0);
	/* <configuration .../> is the document less <overlay ...> and </overlay>. */
	CHECK_EQ(c->configuration_xml.len,
		 big - strlen(head) + strlen("<configuration instance-name=\"t\" x:big=\"") -
			 strlen("</overlay>"));
	CHECK_EQ(c->configuration_xml.p[c->configuration_xml.len - 1], '>');
	relo_config_free(c);
	/* Many elements: 100,000 bootstrap nodes. */
	{
		const char *one = "<bootstrap-node address=\"192.0.2.1\"/>";
		size_t n = 0;

		n += (size_t)sprintf(doc + n, "<overlay xmlns=\"%s\"><configuration instance-name="
					      "\"t\">", RELO_CONFIG_NS_BASE);
		for (i = 0; i < 100000; i++) {
			memcpy(doc + n, one, strlen(one));
			n += strlen(one);
		}
		n += (size_t)sprintf(doc + n, "</configuration></overlay>");
		CHECK_EQ(relo_config_parse(&c, doc, n, NULL, err, sizeof(err)), 0);
		CHECK_EQ(c->n_bootstrap, 100000);
		relo_config_free(c);
	}
	CHECK(now_s() - t0 < 20.0);
	free(doc);
	return 0;
}

static int test_hostile_deep_nesting(void)
{
	size_t depth = 10000, n = 0, i;
	char *doc = malloc(depth * 16 + 256), err[256];
	struct relo_config *c = NULL;

	CHECK(doc != NULL);
	n += (size_t)sprintf(doc, "<overlay xmlns=\"%s\" xmlns:x=\"urn:x\"><configuration "
				  "instance-name=\"t\">", RELO_CONFIG_NS_BASE);
	for (i = 0; i < depth; i++)
		n += (size_t)sprintf(doc + n, "<x:a>");
	for (i = 0; i < depth; i++)
		n += (size_t)sprintf(doc + n, "</x:a>");
	n += (size_t)sprintf(doc + n, "</configuration></overlay>");
	CHECK_EQ(relo_config_parse(&c, doc, n, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(c == NULL);
	CHECK(strcmp(err, "document: elements nested deeper than 256 (line 1)") == 0);
	free(doc);
	return 0;
}

/* Every truncation of the RFC's document, odd encodings, and broken syntax. */
static int test_not_well_formed(void)
{
	static const char *const docs[] = {
		"",
		"   ",
		"<overlay",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\">"
		"</overlay>",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\"/>"
		"</overlay><overlay/>",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name='t\"/>"
		"</overlay>",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE
		"\"><!-- <configuration instance-name=\"t\"/>"
		"</overlay>",
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><overlay "
		"xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\"/></overlay>",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\">"
		"<shared-secret>\xff\xfe</shared-secret></configuration></overlay>",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"t\" "
		"instance-name=\"u\"/></overlay>",
	};
	static const char utf16[] = "\xff\xfe<\0o\0v\0e\0r\0l\0a\0y\0/\0>\0";
	static const char nul[] = "<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration "
				  "instance-name=\"t\"/>\0</overlay>";
	struct relo_config *c = NULL;
	char err[256];
	size_t i, len = strlen(rfc_doc);

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		if (parse_s(&c, docs[i], NULL, err, sizeof(err)) != -EBADMSG || c != NULL)
			TEST_FAIL("document %zu accepted", i);
		CHECK(err[0] != '\0');
	}
	CHECK_EQ(relo_config_parse(&c, utf16, sizeof(utf16) - 1, NULL, err, sizeof(err)),
		 -EBADMSG);
	CHECK_EQ(relo_config_parse(&c, nul, sizeof(nul) - 1, NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strstr(err, "NUL") != NULL);
	/* The document ends with "</overlay>\n": every shorter prefix fails. */
	for (i = 0; i + 1 < len; i++) {
		if (relo_config_parse(&c, rfc_doc, i, NULL, err, sizeof(err)) == 0 || c != NULL)
			TEST_FAIL("prefix of %zu bytes accepted", i);
	}
	CHECK_EQ(relo_config_parse(&c, rfc_doc, len - 1, NULL, err, sizeof(err)), 0);
	relo_config_free(c);
	/* A UTF-8 byte order mark is fine. */
	{
		char *d = doc1("", "<initial-ttl>9</initial-ttl>"), *b = malloc(strlen(d) + 4);
		CHECK(b != NULL);
		memcpy(b, "\xef\xbb\xbf", 3);
		strcpy(b + 3, d);
		CHECK_EQ(parse_s(&c, b, NULL, err, sizeof(err)), 0);
		CHECK_EQ(c->initial_ttl, 9);
		relo_config_free(c);
		free(b);
		free(d);
	}
	return 0;
}

/*
 * The signed bytes are found in the raw text: '>' and "/>" inside
 * attribute values, markup inside comments, CDATA and processing
 * instructions, CRLF line ends, prefixes, and an earlier configuration
 * with a kind must not move them.
 */
static int test_signed_bytes_tricky(void)
{
	static const char doc[] =
		"<?xml version='1.0' encoding='utf-8'?>\r\n"
		"<!-- <configuration instance-name=\"fake\"> -->\r\n"
		"<?chorus <configuration instance-name=\"pi\"/> ?>\r\n"
		"<b:overlay xmlns:b=\"" RELO_CONFIG_NS_BASE "\" xmlns:x=\"urn:x\">\r\n"
		"<b:configuration instance-name=\"first\"><b:required-kinds><b:kind-block>"
		"<b:kind id=\"5\"><b:data-model>ARRAY</b:data-model><b:access-control>USER-MATCH"
		"</b:access-control><b:max-count>1</b:max-count><b:max-size>1</b:max-size></b:kind>"
		"</b:kind-block></b:required-kinds></b:configuration>\r\n"
		"<b:configuration x:note=\"a > b /> c\" instance-name='se&gt;cond' x:q='\"'>\r\n"
		" <x:raw><![CDATA[ <b:kind id=\"6\"> </b:configuration> ]]></x:raw>\r\n"
		" <b:shared-secret>a&gt;b<!-- </b:configuration> --></b:shared-secret>\r\n"
		" <b:required-kinds>\r\n"
		"  <b:kind-block><b:kind-signature>c2ln</b:kind-signature>\r\n"
		"   <b:kind x:t=\"/>\" id=\"7\" ><b:data-model>SINGLE</b:data-model>"
		"<b:access-control>NODE-MATCH</b:access-control><b:max-count>1</b:max-count>"
		"<b:max-size>1</b:max-size><x:e/></b:kind >\r\n"
		"  </b:kind-block>\r\n"
		" </b:required-kinds>\r\n"
		"</b:configuration >\r\n"
		"<b:signature algorithm=\"rsa-sha1\"> c2ln\r\n bmVk </b:signature>\r\n"
		"</b:overlay>\r\n";
	struct relo_config *c = NULL;
	char err[256];
	const char *conf = strstr(doc, "<b:configuration x:note"),
		   *kind = strstr(doc, "<b:kind x:t");

	CHECK_EQ(parse_s(&c, doc, "se>cond", err, sizeof(err)), 0);
	CHECK(strcmp(c->shared_secret, "a>b") == 0);
	CHECK_EQ(c->configuration_xml.len,
		 (size_t)(strstr(conf, "</b:configuration >") + 19 - conf));
	CHECK_MEM(c->configuration_xml.p, conf, c->configuration_xml.len);
	CHECK_EQ(c->n_kinds, 1);
	CHECK_EQ(c->kinds[0].id, 7);
	CHECK_EQ(c->kinds[0].kind_xml_len, (size_t)(strstr(kind, "</b:kind >") + 10 - kind));
	CHECK_MEM(c->kinds[0].kind_xml, kind, c->kinds[0].kind_xml_len);
	CHECK(blob_eq(c->kinds[0].signature, c->kinds[0].signature_len, (const uint8_t *)"sig",
		      3));
	CHECK(blob_eq(c->signature.p, c->signature.len, (const uint8_t *)"signed", 6));
	relo_config_free(c);
	return 0;
}

/* Declared encodings other than UTF-8 are refused, and libxml2 never
 * writes to stderr (it would for a transcoding error). */
static int test_encodings_and_silence(void)
{
	static const char *const refused[] = {
		"<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>\n<overlay xmlns=\""
		RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"\xe5xam\"/></overlay>",
		"<?xml version=\"1.0\" encoding = 'UTF-16' ?><overlay xmlns=\"" RELO_CONFIG_NS_BASE
		"\"><configuration instance-name=\"t\"/></overlay>",
		"\x4c\x6f\xa7\x94<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration "
		"instance-name=\"t\"/></overlay>",
		"<overlay xmlns=\"" RELO_CONFIG_NS_BASE "\"><configuration instance-name=\"\xc3\x28"
		"\"/></overlay>",
	};
	static const char utf8[] =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?><overlay xmlns=\"" RELO_CONFIG_NS_BASE
		"\"><configuration instance-name=\"\xc3\xa9t\xc3"
		"\xa9\"/></overlay>";
	struct relo_config *c = NULL;
	char err[256], path[] = "/tmp/test_config_stderr.XXXXXX";
	int fd = mkstemp(path), saved = dup(2), rc = 0;
	size_t i;
	struct stat st;

	CHECK(fd >= 0 && saved >= 0);
	unlink(path);
	fflush(stderr);
	dup2(fd, 2);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (parse_s(&c, refused[i], NULL, err, sizeof(err)) != -EBADMSG || c)
			rc = -1;
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CHECK_EQ(rc, 0);
	CHECK_EQ(fstat(fd, &st), 0);
	close(fd);
	CHECK_EQ(st.st_size, 0);
	CHECK_EQ(parse_s(&c, refused[0], NULL, err, sizeof(err)), -EBADMSG);
	CHECK(strcmp(err, "document: encoding \"ISO-2022-JP\": the document must be UTF-8") == 0);
	CHECK_EQ(parse_s(&c, utf8, NULL, err, sizeof(err)), 0);
	CHECK(strcmp(c->instance_name, "\xc3\xa9t\xc3\xa9") == 0);
	relo_config_free(c);
	return 0;
}

/* The message buffer: optional, and cut short when small. */
static int test_error_buffer(void)
{
	struct relo_config *c = NULL;
	char *d = doc1("", "<node-id-length>24</node-id-length>");
	char err[16];

	CHECK_EQ(parse_s(&c, d, NULL, NULL, 0), -EINVAL);
	CHECK_EQ(parse_s(&c, d, NULL, err, 1), -EINVAL);
	CHECK_EQ(err[0], '\0');
	CHECK_EQ(parse_s(&c, d, NULL, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "configuration/n") == 0);
	CHECK_EQ(relo_config_parse(NULL, d, strlen(d), NULL, err, sizeof(err)), -EINVAL);
	free(d);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Wire configuration and overlay hash                                 */
/* ------------------------------------------------------------------ */

static int test_wirecfg(void)
{
	struct relo_config *c = parse_body(
		"", "<node-id-length>20</node-id-length><max-message-size>9000</max-message-size>"
		    "<required-kinds><kind-block><kind id=\"4026531856\"><data-model>DICTIONARY"
		    "</data-model><access-control>USER-MATCH</access-control><max-count>1"
		    "</max-count><max-size>1</max-size></kind></kind-block>"
		    "<kind-block><kind name=\"CERTIFICATE_BY_USER\">" KIND_OK "</kind></kind-block>"
		    "</required-kinds>");
	struct relo_wirecfg cfg;

	CHECK(c != NULL);
	relo_config_wirecfg(c, &cfg);
	CHECK_EQ(relo_wirecfg_check(&cfg), 0);
	CHECK_EQ(cfg.node_id_len, 20);
	CHECK_EQ(cfg.max_msg_size, 9000);
	CHECK(cfg.model != NULL);
	CHECK_EQ(cfg.model(cfg.model_arg, 0xf0000010u), RELO_MODEL_DICTIONARY);
	CHECK_EQ(cfg.model(cfg.model_arg, RELO_KIND_CERTIFICATE_BY_USER), RELO_MODEL_ARRAY);
	/* Not in the configuration: the registered kinds, then unknown. */
	CHECK_EQ(cfg.model(cfg.model_arg, RELO_KIND_TURN_SERVICE), RELO_MODEL_SINGLE);
	CHECK_EQ(cfg.model(cfg.model_arg, RELO_KIND_SIP_REGISTRATION), RELO_MODEL_DICTIONARY);
	CHECK_EQ(cfg.model(cfg.model_arg, 0xf0000011u), RELO_MODEL_UNKNOWN);
	relo_config_free(c);
	c = parse_body("", "");
	CHECK(c != NULL);
	relo_config_wirecfg(c, &cfg);
	CHECK_EQ(cfg.node_id_len, 16);
	CHECK_EQ(cfg.max_msg_size, 5000);
	CHECK_EQ(cfg.model(cfg.model_arg, 0xf0000010u), RELO_MODEL_UNKNOWN);
	relo_config_free(c);
	return 0;
}

static int test_overlay_hash(void)
{
	/* SHA-1("chorus.example") = 7ba3f3b9...ff192450759: its last 4 bytes. */
	CHECK_EQ(relo_overlay_hash("chorus.example"), 0x92450759u);
	/* SHA-1("overlay.example.org") = 74b9a543...219aa32b8d. */
	CHECK_EQ(relo_overlay_hash("overlay.example.org"), 0x9aa32b8du);
	/* SHA-1("") = da39a3ee...afd80709. */
	CHECK_EQ(relo_overlay_hash(""), 0xafd80709u);
	return 0;
}

static const struct test tests[] = {
	{ "rfc_example", test_rfc_example },
	{ "rfc_example_roundtrip", test_rfc_example_roundtrip },
	{ "defaults", test_defaults },
	{ "range_errors", test_range_errors },
	{ "grammar_errors", test_grammar_errors },
	{ "value_errors", test_value_errors },
	{ "unknown_base_element", test_unknown_base_element },
	{ "foreign_ignored", test_foreign_ignored },
	{ "namespaces_by_uri", test_namespaces_by_uri },
	{ "multiple_configurations", test_multiple_configurations },
	{ "bootstrap_and_landmarks", test_bootstrap_and_landmarks },
	{ "booleans", test_booleans },
	{ "integers_with_blanks", test_integers_with_blanks },
	{ "base64_whitespace", test_base64_whitespace },
	{ "expiration", test_expiration },
	{ "nodeid_hex", test_nodeid_hex },
	{ "registered_kinds", test_registered_kinds },
	{ "add_kind", test_add_kind },
	{ "variable_names_parse", test_variable_names_parse },
	{ "variable_names_roundtrip", test_variable_names_roundtrip },
	{ "variable_names_errors", test_variable_names_errors },
	{ "variable_names_add_kind", test_variable_names_add_kind },
	{ "roundtrip_full", test_roundtrip_full },
	{ "write_refuses", test_write_refuses },
	{ "save_load", test_save_load },
	{ "hostile_billion_laughs", test_hostile_billion_laughs },
	{ "hostile_external_entity", test_hostile_external_entity },
	{ "hostile_size", test_hostile_size },
	{ "hostile_deep_nesting", test_hostile_deep_nesting },
	{ "not_well_formed", test_not_well_formed },
	{ "signed_bytes_tricky", test_signed_bytes_tricky },
	{ "encodings_and_silence", test_encodings_and_silence },
	{ "error_buffer", test_error_buffer },
	{ "wirecfg", test_wirecfg },
	{ "overlay_hash", test_overlay_hash },
};

TEST_MAIN(tests)
