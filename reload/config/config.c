/*
 * config.c - the overlay configuration (relo/config.h): defaults, kinds,
 * the checks shared by the reader and the writer, the overlay hash and
 * the wire codec configuration. Reading is in config_parse.c, writing in
 * config_write.c.
 */
#include <arpa/inet.h>
#include <errno.h>
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
	size_t nlen = strnlen(k->name, sizeof(k->name));

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
		if (cfg_kind_check(&c->kinds[i]))
			return -EINVAL;
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

static void kind_free(struct relo_kind_def *k)
{
	free(k->kind_xml);
	free(k->signature);
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
		kind_free(&c->kinds[i]);
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
	if (cfg_kind_check(&k) || (def->kind_xml_len && !def->kind_xml) ||
	    (def->signature_len && !def->signature))
		return -EINVAL;
	rc = cfg_memdup(&k.kind_xml, def->kind_xml, def->kind_xml_len);
	if (!rc)
		rc = cfg_memdup(&k.signature, def->signature, def->signature_len);
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
		kind_free(slot);
	}
	*slot = k;
	return 0;
out:
	kind_free(&k);
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
