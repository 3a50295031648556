/*
 * config.c - the overlay configuration (relo/config.h): defaults, kinds,
 * the checks shared by the reader and the writer, the overlay hash and
 * the wire codec configuration. Reading is in config_parse.c, writing in
 * config_write.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "config_int.h"

/*
 * The kinds registered by RFC 6940 (section 14.6), RFC 7904 and RFC 8076,
 * with the data model and access control of their registration.
 */
static const struct cfg_reg_kind reg_kinds[] = {
	{ RELO_KIND_SIP_REGISTRATION, "SIP-REGISTRATION", RELO_MODEL_DICTIONARY,
	  RELO_ACL_USER_NODE_MATCH },
	{ RELO_KIND_TURN_SERVICE, "TURN-SERVICE", RELO_MODEL_SINGLE, RELO_ACL_NODE_MULTIPLE },
	{ RELO_KIND_CERTIFICATE_BY_NODE, "CERTIFICATE_BY_NODE", RELO_MODEL_ARRAY,
	  RELO_ACL_NODE_MATCH },
	{ RELO_KIND_CERTIFICATE_BY_USER, "CERTIFICATE_BY_USER", RELO_MODEL_ARRAY,
	  RELO_ACL_USER_MATCH },
	{ RELO_KIND_ACCESS_CONTROL_LIST, "ACCESS-CONTROL-LIST", RELO_MODEL_ARRAY,
	  RELO_ACL_USER_CHAIN_ACL },
};

#define N_REG_KINDS (sizeof(reg_kinds) / sizeof(reg_kinds[0]))

const struct cfg_reg_kind *cfg_reg_kind_by_id(uint32_t id)
{
	size_t i;

	for (i = 0; i < N_REG_KINDS; i++)
		if (reg_kinds[i].id == id)
			return &reg_kinds[i];
	return NULL;
}

const struct cfg_reg_kind *cfg_reg_kind_by_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < N_REG_KINDS; i++)
		if (strcmp(reg_kinds[i].name, name) == 0)
			return &reg_kinds[i];
	return NULL;
}

uint32_t relo_kind_by_name(const char *name)
{
	const struct cfg_reg_kind *k = cfg_reg_kind_by_name(name);

	return k ? k->id : 0;
}

const char *relo_acl_name(enum relo_acl acl)
{
	switch (acl) {
	case RELO_ACL_USER_MATCH: return "USER-MATCH";
	case RELO_ACL_NODE_MATCH: return "NODE-MATCH";
	case RELO_ACL_USER_NODE_MATCH: return "USER-NODE-MATCH";
	case RELO_ACL_NODE_MULTIPLE: return "NODE-MULTIPLE";
	case RELO_ACL_USER_CHAIN_ACL: return "USER-CHAIN-ACL";
	case RELO_ACL_UNKNOWN: break;
	}
	return "UNKNOWN";
}

enum relo_acl cfg_acl_by_name(const char *s)
{
	enum relo_acl a;

	for (a = RELO_ACL_USER_MATCH; a <= RELO_ACL_USER_CHAIN_ACL; a++)
		if (strcmp(relo_acl_name(a), s) == 0)
			return a;
	return RELO_ACL_UNKNOWN;
}

/* Only the three models of section 7.2 can be configured; RAW is ours. */
enum relo_model cfg_model_by_name(const char *s)
{
	if (strcmp(s, "SINGLE") == 0)
		return RELO_MODEL_SINGLE;
	if (strcmp(s, "ARRAY") == 0)
		return RELO_MODEL_ARRAY;
	if (strcmp(s, "DICTIONARY") == 0)
		return RELO_MODEL_DICTIONARY;
	return RELO_MODEL_UNKNOWN;
}

/* Decodes one UTF-8 sequence at s; returns its length, or 0 if invalid. */
static size_t utf8_char(const unsigned char *s, uint32_t *cp)
{
	size_t n, i;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		v = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		v = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		v = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		v = v << 6 | (s[i] & 0x3fu);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

bool cfg_str_ok(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, n;
	uint32_t cp;

	if (!s || !*s)
		return false;
	len = strlen(s);
	if ((max && len >= max) || cfg_is_ws(p[0]) || cfg_is_ws(p[len - 1]))
		return false;
	while (*p) {
		n = utf8_char(p, &cp);
		/* XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-] */
		if (!n || (cp < 0x20 && !cfg_is_ws((int)cp)) || cp == 0xfffe || cp == 0xffff)
			return false;
		p += n;
	}
	return true;
}

bool cfg_https_ok(const char *s)
{
	return s && strncasecmp(s, "https:", 6) == 0 && s[6] != '\0';
}

bool cfg_addr_ok(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (!s || strnlen(s, sizeof(((struct relo_peer_addr *)NULL)->address)) >=
			  sizeof(((struct relo_peer_addr *)NULL)->address))
		return false;
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

bool cfg_kind_id_ok(uint32_t id)
{
	return id != 0 && id != 0x7fffffffu && id != 0xfffffffeu;
}

/* ------------------------------------------------------------------ */
/* Variable resource name patterns (RFC 8076 section 5.3)              */
/* ------------------------------------------------------------------ */

/* a + b and a * b, saturating at cap. */
static size_t sat_add(size_t a, size_t b, size_t cap)
{
	return a >= cap || b >= cap - a ? cap : a + b;
}

static size_t sat_mul(size_t a, size_t b, size_t cap)
{
	return a && b > cap / a ? cap : a * b > cap ? cap : a * b;
}

/* Past the bracket expression starting at s ('['), or at its NUL. */
static const char *re_bracket_end(const char *s)
{
	const char *q = s + 1;

	if (*q == '^')
		q++;
	if (*q == ']')
		q++;
	while (*q && *q != ']') {
		if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
			char c = q[1];
			for (q += 2; *q && !(q[0] == c && q[1] == ']'); q++)
				;
			q += *q ? 2 : 0;
		} else {
			q++;
		}
	}
	return *q ? q + 1 : q;
}

/*
 * An interval "{m}", "{m,}", "{m,n}" or "{,n}" at s: how many copies of
 * the atom regcomp() makes (at least 1, at most 100000), and where it
 * ends. False if s starts no interval.
 */
static bool re_interval(const char *s, size_t *copies, const char **end)
{
	size_t m = 0, n = 0;
	bool dm = false, dn = false, comma = false;
	const char *q = s + 1;

	for (; *q >= '0' && *q <= '9'; q++, dm = true)
		m = m < 100000 ? m * 10 + (size_t)(*q - '0') : m;
	if (*q == ',') {
		comma = true;
		for (q++; *q >= '0' && *q <= '9'; q++, dn = true)
			n = n < 100000 ? n * 10 + (size_t)(*q - '0') : n;
	}
	if (*q != '}' || (!dm && !dn))
		return false;
	*copies = comma && !dn ? m + 1 : comma && n > m ? n : m;
	*copies = *copies < 1 ? 1 : *copies > 100000 ? 100000 : *copies;
	*end = q + 1;
	return true;
}

/*
 * An upper bound on the atoms of the regular expression s once its
 * repetitions are expanded the way glibc's regcomp() does ("x{m,n}" is n
 * copies of x, "x+" two), saturating at cap. Alternatives are added up.
 * What is not valid is counted somehow and left to regcomp() to refuse.
 */
static size_t re_atoms(const char *s, size_t cap)
{
	struct {
		size_t sum, last;
	} st[CFG_PATTERN_LEN + 2];
	size_t d = 0, atom, k;
	const char *q = s, *end;

	st[0].sum = st[0].last = 0;
	while (*q) {
		atom = 1;
		k = 0;
		switch (*q) {
		case '\\':
			q += q[1] ? 2 : 1;
			break;
		case '[':
			q = re_bracket_end(q);
			break;
		case '(':
			if (d + 1 < sizeof(st) / sizeof(st[0])) {
				st[++d].sum = 0;
				st[d].last = 0;
				q++;
				continue;
			}
			q++;
			break;
		case ')':
			if (d) {
				atom = st[d].sum ? st[d].sum : 1;
				d--;
			}
			q++;
			break;
		case '|':
			st[d].last = 0;
			q++;
			continue;
		case '*':
		case '?':
			q++;
			continue;
		case '+':
			k = 2;
			q++;
			break;
		case '{':
			if (re_interval(q, &k, &end)) {
				q = end;
				break;
			}
			q++;
			break;
		default:
			q++;
			break;
		}
		if (k) {
			/* The last atom, k times. */
			size_t more = sat_mul(st[d].last, k, cap);
			st[d].sum = sat_add(st[d].sum - st[d].last, more, cap);
			st[d].last = more;
			continue;
		}
		st[d].sum = sat_add(st[d].sum, atom, cap);
		st[d].last = atom;
	}
	while (d) {
		atom = st[d--].sum;
		st[d].sum = sat_add(st[d].sum, atom, cap);
	}
	return st[0].sum;
}

/* Copies s into out (at least strlen(s) + 1 bytes) with $USER and $DOMAIN replaced by words. */
static void re_literal_vars(const char *s, char *out)
{
	while (*s) {
		if (strncmp(s, "$USER", 5) == 0) {
			memcpy(out, "user", 4);
			out += 4;
			s += 5;
		} else if (strncmp(s, "$DOMAIN", 7) == 0) {
			memcpy(out, "domain", 6);
			out += 6;
			s += 7;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

__attribute__((format(printf, 3, 4))) static int why_set(char *why, size_t whylen,
							const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int cfg_pattern_check(const char *pattern, char *why, size_t whylen)
{
	char re[CFG_PATTERN_LEN + 1], msg[96];
	regex_t rx;
	int r;

	if (why && whylen)
		why[0] = '\0';
	if (!pattern || !*pattern)
		return why_set(why, whylen, "is empty");
	if (strnlen(pattern, CFG_PATTERN_LEN + 1) > CFG_PATTERN_LEN)
		return why_set(why, whylen, "is longer than %d bytes", CFG_PATTERN_LEN);
	if (!cfg_str_ok(pattern, CFG_PATTERN_LEN + 1))
		return why_set(why, whylen,
			       "has surrounding whitespace or is not text XML can carry");
	if (!strstr(pattern, "$USER"))
		return why_set(why, whylen, "has no $USER");
	if (!strstr(pattern, "$DOMAIN"))
		return why_set(why, whylen, "has no $DOMAIN");
	re_literal_vars(pattern, re);
	if (re_atoms(re, CFG_PATTERN_ATOMS + 1) > CFG_PATTERN_ATOMS)
		return why_set(why, whylen,
			       "is too complex: more than %d atoms once its repetitions are "
			       "expanded",
			       CFG_PATTERN_ATOMS);
	r = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (r == REG_ESPACE)
		return -ENOMEM;
	if (r != 0) {
		regerror(r, &rx, msg, sizeof(msg));
		return why_set(why, whylen, "is not a POSIX extended regular expression (%s)",
			       msg);
	}
	regfree(&rx);
	return 0;
}

/*
 * Registered kinds: section 11.1 says the data model and access control
 * in a configuration MUST match the registration "and clients MUST
 * ignore them in favor of the IANA versions". We do exactly that, and
 * silently: a mismatch is the configuration's author's mistake, harmless
 * once ignored, and refusing the whole overlay for it would be worse. The
 * values a caller reads are always the ones the node must use.
 */
void cfg_kind_apply_registration(struct relo_kind_def *k)
{
	const struct cfg_reg_kind *r = cfg_reg_kind_by_id(k->id);

	if (r) {
		k->model = r->model;
		k->acl = r->acl;
	}
	if (k->acl != RELO_ACL_NODE_MULTIPLE)
		k->max_node_multiple = 0;
}

int cfg_kind_check(const struct relo_kind_def *k)
{
	const struct cfg_reg_kind *r = cfg_reg_kind_by_id(k->id);
	size_t nlen = strnlen(k->name, sizeof(k->name)), i;
	int rc;

	if (!cfg_kind_id_ok(k->id) || nlen >= sizeof(k->name))
		return -EINVAL;
	if (nlen && (!r || strcmp(r->name, k->name) != 0))
		return -EINVAL;
	if (r && (k->model != r->model || k->acl != r->acl))
		return -EINVAL;
	if (k->model < RELO_MODEL_SINGLE || k->model > RELO_MODEL_DICTIONARY)
		return -EINVAL;
	if (k->acl < RELO_ACL_USER_MATCH || k->acl > RELO_ACL_USER_CHAIN_ACL)
		return -EINVAL;
	if (k->max_count > CFG_XSD_INT_MAX || k->max_size > CFG_XSD_INT_MAX ||
	    k->max_node_multiple > CFG_XSD_INT_MAX)
		return -EINVAL;
	if ((k->acl == RELO_ACL_NODE_MULTIPLE) != (k->max_node_multiple > 0))
		return -EINVAL;
	if (k->signature_len && !k->signature)
		return -EINVAL;
	/* RFC 8076 section 5.3: USER-CHAIN-ACL kinds only; enabled, at least
	 * one pattern (patterns may be listed while disabled). */
	if ((k->variable_names || k->n_name_patterns) && k->acl != RELO_ACL_USER_CHAIN_ACL)
		return -EINVAL;
	if ((k->variable_names && !k->n_name_patterns) || k->n_name_patterns > CFG_MAX_PATTERNS ||
	    (k->n_name_patterns && !k->name_patterns))
		return -EINVAL;
	for (i = 0; i < k->n_name_patterns; i++)
		if ((rc = cfg_pattern_check(k->name_patterns[i], NULL, 0)) != 0)
			return rc;
	return 0;
}

static bool strs_ok(char *const *v, size_t n, bool https)
{
	size_t i;

	if (n && !v)
		return false;
	for (i = 0; i < n; i++)
		if (!cfg_str_ok(v[i], 0) || (https && !cfg_https_ok(v[i])))
			return false;
	return true;
}

static bool ids_ok(const struct relo_nodeid *v, size_t n)
{
	size_t i;

	if (n && !v)
		return false;
	for (i = 0; i < n; i++)
		if (v[i].len < 1 || v[i].len > RELO_NODEID_MAX)
			return false;
	return true;
}

static bool addrs_ok(const struct relo_peer_addr *v, size_t n)
{
	size_t i;

	if (n && !v)
		return false;
	for (i = 0; i < n; i++)
		if (!cfg_addr_ok(v[i].address) || v[i].port == 0)
			return false;
	return true;
}

int cfg_check(const struct relo_config *c)
{
	size_t i, j;

	if (!c || !cfg_str_ok(c->instance_name, sizeof(c->instance_name)) ||
	    !cfg_str_ok(c->topology, sizeof(c->topology)))
		return -EINVAL;
	if (c->sequence > 65534 || c->expiration < 0 || c->expiration > CFG_TIME_MAX)
		return -EINVAL;
	if (c->node_id_len < RELO_NODEID_MIN || c->node_id_len > RELO_NODEID_MAX)
		return -EINVAL;
	if (c->n_root_certs && !c->root_certs)
		return -EINVAL;
	for (i = 0; i < c->n_root_certs; i++)
		if (!c->root_certs[i].p || !c->root_certs[i].len)
			return -EINVAL;
	if (!strs_ok(c->enrollment_servers, c->n_enrollment_servers, true) ||
	    !strs_ok(c->link_protocols, c->n_link_protocols, false) || !c->n_link_protocols ||
	    !strs_ok(c->mandatory_extensions, c->n_mandatory_extensions, false))
		return -EINVAL;
	if (c->self_signed_digest != RELO_DIGEST_SHA1 &&
	    c->self_signed_digest != RELO_DIGEST_SHA256)
		return -EINVAL;
	if (!addrs_ok(c->bootstrap, c->n_bootstrap) || !addrs_ok(c->landmarks, c->n_landmarks))
		return -EINVAL;
	if (c->chord_update_interval < 1 || c->chord_update_interval > CFG_XSD_INT_MAX ||
	    c->chord_ping_interval < 1 || c->chord_ping_interval > CFG_XSD_INT_MAX)
		return -EINVAL;
	if (c->shared_secret && !cfg_str_ok(c->shared_secret, 0))
		return -EINVAL;
	if (c->max_message_size < RELO_FWD_FIXED_LEN || c->initial_ttl < 1 ||
	    c->reliability_timer_ms < CFG_MIN_RELIABILITY)
		return -EINVAL;
	if (!ids_ok(c->config_signers, c->n_config_signers) ||
	    !ids_ok(c->kind_signers, c->n_kind_signers) || !ids_ok(c->bad_nodes, c->n_bad_nodes))
		return -EINVAL;
	if (c->n_kinds && !c->kinds)
		return -EINVAL;
	for (i = 0; i < c->n_kinds; i++) {
		int rc = cfg_kind_check(&c->kinds[i]);

		if (rc)
			return rc;
		for (j = 0; j < i; j++)
			if (c->kinds[j].id == c->kinds[i].id)
				return -EINVAL;
	}
	if (c->signature.len && !c->signature.p)
		return -EINVAL;
	return 0;
}

void *cfg_grow(void *arr, size_t n, size_t size)
{
	size_t cap;

	if (n && (n < 4 || (n & (n - 1))))
		return arr;
	cap = n ? 2 * n : 4;
	if (!size || cap > SIZE_MAX / size)
		return NULL;
	return realloc(arr, cap * size);
}

int cfg_memdup(uint8_t **out, const uint8_t *p, size_t len)
{
	*out = NULL;
	if (!p || !len)
		return 0;
	*out = malloc(len);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, p, len);
	return 0;
}

int relo_config_new(struct relo_config **cp, const char *instance_name)
{
	struct relo_config *c;
	int rc = -ENOMEM;

	*cp = NULL;
	if (!cfg_str_ok(instance_name, sizeof(c->instance_name)))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	strcpy(c->instance_name, instance_name);
	strcpy(c->topology, CFG_DEF_TOPOLOGY);
	c->node_id_len = RELO_NODEID_MIN;
	c->self_signed_digest = RELO_DIGEST_SHA1;
	c->turn_density = CFG_DEF_TURN_DENSITY;
	c->clients_permitted = true;
	c->chord_update_interval = CFG_DEF_UPDATE_INTERVAL;
	c->chord_ping_interval = CFG_DEF_PING_INTERVAL;
	c->chord_reactive = true;
	c->max_message_size = RELO_DEFAULT_MAX_MSG;
	c->initial_ttl = CFG_DEF_TTL;
	c->reliability_timer_ms = CFG_DEF_RELIABILITY;
	c->link_protocols = cfg_grow(NULL, 0, sizeof(char *));
	if (!c->link_protocols)
		goto out;
	c->link_protocols[0] = strdup(CFG_DEF_LINK);
	if (!c->link_protocols[0])
		goto out;
	c->n_link_protocols = 1;
	*cp = c;
	c = NULL;
	rc = 0;
out:
	relo_config_free(c);
	return rc;
}

static void free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void cfg_kind_free(struct relo_kind_def *k)
{
	free(k->kind_xml);
	free(k->signature);
	free_strs(k->name_patterns, k->n_name_patterns);
	k->kind_xml = NULL;
	k->kind_xml_len = 0;
	k->signature = NULL;
	k->signature_len = 0;
	k->name_patterns = NULL;
	k->n_name_patterns = 0;
}

void relo_config_free(struct relo_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; c->root_certs && i < c->n_root_certs; i++)
		free(c->root_certs[i].p);
	free(c->root_certs);
	free_strs(c->enrollment_servers, c->n_enrollment_servers);
	free(c->bootstrap);
	free(c->shared_secret);
	free_strs(c->link_protocols, c->n_link_protocols);
	free(c->config_signers);
	free(c->kind_signers);
	free(c->bad_nodes);
	free_strs(c->mandatory_extensions, c->n_mandatory_extensions);
	for (i = 0; c->kinds && i < c->n_kinds; i++)
		cfg_kind_free(&c->kinds[i]);
	free(c->kinds);
	free(c->landmarks);
	free(c->configuration_xml.p);
	free(c->signature.p);
	free(c);
}

const struct relo_kind_def *relo_config_kind(const struct relo_config *c, uint32_t id)
{
	size_t i;

	for (i = 0; c && i < c->n_kinds; i++)
		if (c->kinds[i].id == id)
			return &c->kinds[i];
	return NULL;
}

/*
 * The registration is applied here as when reading (a caller building a
 * configuration gets the values the overlay will use); anything else that
 * could not be written and read back is refused.
 */
int relo_config_add_kind(struct relo_config *c, const struct relo_kind_def *def)
{
	struct relo_kind_def k, *slot = NULL, *v;
	size_t i;
	int rc;

	if (!c || !def)
		return -EINVAL;
	k = *def;
	k.kind_xml = NULL;
	k.kind_xml_len = 0;
	k.signature = NULL;
	k.signature_len = 0;
	cfg_kind_apply_registration(&k);
	/* k.name_patterns are still def's here: checked, not owned. */
	if ((def->kind_xml_len && !def->kind_xml) || (def->signature_len && !def->signature))
		return -EINVAL;
	if ((rc = cfg_kind_check(&k)) != 0)
		return rc;
	k.name_patterns = NULL;
	k.n_name_patterns = 0;
	rc = cfg_memdup(&k.kind_xml, def->kind_xml, def->kind_xml_len);
	if (!rc)
		rc = cfg_memdup(&k.signature, def->signature, def->signature_len);
	if (!rc && def->n_name_patterns) {
		k.name_patterns = calloc(def->n_name_patterns, sizeof(char *));
		rc = k.name_patterns ? 0 : -ENOMEM;
		for (i = 0; !rc && i < def->n_name_patterns; i++) {
			k.name_patterns[i] = strdup(def->name_patterns[i]);
			if (!k.name_patterns[i])
				rc = -ENOMEM;
			else
				k.n_name_patterns++;
		}
	}
	if (rc)
		goto out;
	k.kind_xml_len = k.kind_xml ? def->kind_xml_len : 0;
	k.signature_len = k.signature ? def->signature_len : 0;
	for (i = 0; i < c->n_kinds; i++)
		if (c->kinds[i].id == k.id)
			slot = &c->kinds[i];
	if (!slot) {
		/* Plain realloc: the caller may have built c->kinds itself. */
		if (c->n_kinds >= SIZE_MAX / sizeof(*v) - 1) {
			rc = -ENOMEM;
			goto out;
		}
		v = realloc(c->kinds, (c->n_kinds + 1) * sizeof(*v));
		if (!v) {
			rc = -ENOMEM;
			goto out;
		}
		c->kinds = v;
		slot = &v[c->n_kinds++];
	} else {
		cfg_kind_free(slot);
	}
	*slot = k;
	return 0;
out:
	cfg_kind_free(&k);
	return rc;
}

uint32_t relo_overlay_hash(const char *instance_name)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *s = instance_name ? instance_name : "";

	if (!EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
		return 0;
	return (uint32_t)md[16] << 24 | (uint32_t)md[17] << 16 | (uint32_t)md[18] << 8 | md[19];
}

static enum relo_model config_model(void *arg, uint32_t kind)
{
	const struct relo_kind_def *k = relo_config_kind(arg, kind);

	return k ? k->model : relo_model_builtin(NULL, kind);
}

void relo_config_wirecfg(const struct relo_config *c, struct relo_wirecfg *cfg)
{
	relo_wirecfg_default(cfg);
	if (!c)
		return;
	cfg->node_id_len = c->node_id_len;
	cfg->max_msg_size = c->max_message_size;
	cfg->model = config_model;
	/* The lookup only reads; the callback type has no const. */
	cfg->model_arg = (void *)(uintptr_t)c;
}
