/*
 * share.c - shared resources (RFC 8076): the USER-CHAIN-ACL policy over
 * the ACCESS-CONTROL-LIST kind, isolated data, variable resource names
 *
 * A value of a USER-CHAIN-ACL kind may be written by
 *   - the Resource Owner: a user whose name hashes to the Resource-ID
 *     (USER-MATCH), or, for kinds with variable resource names, whose
 *     user and domain make one of the kind's patterns match the value's
 *     Resource Name (carried first in the value, a ResourceNameExtension,
 *     and hashing to the Resource-ID);
 *   - an Authorized Peer: one the ACL stored at the same Resource-ID
 *     delegates the kind to, through a chain of items that ends at a root
 *     item (an item delegating to its own signer) signed by the owner,
 *     every link but the last with allow_delegation set (section 6.3).
 * Data stays isolated (section 3.1): a dictionary value's key is a Node-ID
 * of its signer; an array value's index starts with the low 24 bits of one.
 * An existing value signed by another user may be overwritten by the owner
 * only (section 6.2).
 *
 * Section 6.6 read literally ("USER-MATCH or USER-NODE-MATCH must apply")
 * would refuse every Authorized Peer; we read it as the owner rule above,
 * with the isolation rules standing in for the node part (docs/storage.md).
 */
#include <regex.h>

#include "store_int.h"

#define CHAIN_MAX 64 /* delegations followed before giving up */

int share_name_ext(struct relo_bytes value, struct relo_bytes *name, size_t *used)
{
	struct relo_rd r, sub;

	relo_rd_init(&r, value.p, value.len);
	if (relo_rd_u8(&r) != 1) /* pattern(1): the only type there is */
		return -EBADMSG;
	relo_rd_open(&r, 2, 0xffff, &sub);
	*name = relo_rd_vec(&sub, 2, 0xffff);
	relo_rd_close(&r, &sub);
	*used = value.len - relo_rd_left(&r);
	return r.err;
}

int relo_acl_item_decode(struct relo_bytes value, bool with_name, struct relo_acl_item *it)
{
	struct relo_rd r;
	size_t used = 0;

	memset(it, 0, sizeof(*it));
	if (with_name) {
		if (share_name_ext(value, &it->name, &used))
			return -EBADMSG;
		it->has_name = true;
	}
	relo_rd_init(&r, value.p + used, value.len - used);
	it->to_user = relo_rd_vec(&r, 2, 0xffff);
	it->kind = relo_rd_u32(&r);
	it->allow_delegation = relo_rd_bool(&r);
	if (!r.err && relo_rd_left(&r))
		relo_rd_fail(&r, -EBADMSG);
	return r.err;
}

void relo_resource_name_write(struct relo_wr *w, struct relo_bytes name)
{
	size_t mark;

	relo_wr_u8(w, 1); /* pattern */
	mark = relo_wr_open(w, 2);
	relo_wr_vec(w, 2, 0xffff, name);
	relo_wr_close(w, mark, 2, 0xffff);
}

void relo_acl_item_write(struct relo_wr *w, const struct relo_acl_item *it)
{
	if (it->has_name)
		relo_resource_name_write(w, it->name);
	relo_wr_vec(w, 2, 0xffff, it->to_user);
	relo_wr_u32(w, it->kind);
	relo_wr_bool(w, it->allow_delegation);
}

uint32_t relo_share_index(const struct relo_nodeid *signer, uint8_t sub)
{
	const uint8_t *id = signer->id;
	size_t l = signer->len;

	return (uint32_t)id[l - 3] << 24 | (uint32_t)id[l - 2] << 16 | (uint32_t)id[l - 1] << 8 |
	       sub;
}

static bool hashes_to(struct relo_bytes name, struct relo_bytes resource)
{
	uint8_t h[RELO_CHORD_RESID_LEN];

	relo_resource_id(name.p, name.len, h);
	return resource.len == sizeof(h) && memcmp(resource.p, h, sizeof(h)) == 0;
}

/* Appends s to out with the ERE metacharacters escaped. */
static size_t ere_quote(char *out, size_t at, size_t max, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && at + 2 < max; i++) {
		if (strchr(".[]()*+?{}|^$\\", s[i]))
			out[at++] = '\\';
		out[at++] = s[i];
	}
	return at;
}

/*
 * Does the Resource Name match pattern with $USER and $DOMAIN taken from
 * the user name (the whole name, anchored)?
 */
static bool pattern_matches(const char *pattern, const char *user, struct relo_bytes name)
{
	const char *at = strchr(user, '@');
	char re[1024], subject[1024];
	size_t o = 0, i;
	regex_t rx;
	bool ok;

	if (!at || name.len >= sizeof(subject) || memchr(name.p, 0, name.len))
		return false;
	/* ^(pattern)$: a pattern with | is anchored as a whole */
	re[o++] = '^';
	re[o++] = '(';
	for (i = 0; pattern[i] && o + 3 < sizeof(re);) {
		if (!strncmp(pattern + i, "$USER", 5)) {
			o = ere_quote(re, o, sizeof(re), user, (size_t)(at - user));
			i += 5;
		} else if (!strncmp(pattern + i, "$DOMAIN", 7)) {
			o = ere_quote(re, o, sizeof(re), at + 1, strlen(at + 1));
			i += 7;
		} else {
			re[o++] = pattern[i++];
		}
	}
	if (pattern[i] || o + 3 >= sizeof(re))
		return false;
	re[o++] = ')';
	re[o++] = '$';
	re[o] = 0;
	if (regcomp(&rx, re, REG_EXTENDED | REG_NOSUB))
		return false;
	memcpy(subject, name.p, name.len);
	subject[name.len] = 0;
	ok = regexec(&rx, subject, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

/* Is the user the Resource Owner of resource, named (if known) name? */
static bool owner(const struct relo_kind_def *def, struct relo_bytes resource, const char *user,
		  struct relo_bytes name)
{
	size_t i;

	if (!*user)
		return false;
	if (hashes_to(relo_bytes_str(user), resource))
		return true;
	if (!def->variable_names || !name.len || !hashes_to(name, resource))
		return false;
	for (i = 0; i < def->n_name_patterns; i++)
		if (pattern_matches(def->name_patterns[i], user, name))
			return true;
	return false;
}

/* The live ACL items stored at r, decoded. */
struct acl_view {
	struct relo_acl_item it[256];
	const char *signer[256];     /* the user who signed each */
	size_t n;
};

static void acl_view(struct relo_store *s, struct sres *r, uint64_t now, struct acl_view *av)
{
	const struct relo_kind_def *acl = relo_config_kind(s->cfg, RELO_KIND_ACCESS_CONTROL_LIST);
	struct skind *k = store_kind(r, RELO_KIND_ACCESS_CONTROL_LIST);
	size_t i;

	av->n = 0;
	for (i = 0; acl && k && i < k->n && av->n < 256; i++) {
		const struct sval *v = &k->v[i];
		if (!v->sd.value.v.exists || !v->cert || !store_remaining(v, now))
			continue; /* revoked (section 6.2), unsigned or expired */
		if (relo_acl_item_decode(v->sd.value.v.value, acl->variable_names, &av->it[av->n]))
			continue;
		av->signer[av->n++] = v->cert->user;
	}
}

static bool user_is(struct relo_bytes to_user, const char *user)
{
	return relo_bytes_eq(to_user, relo_bytes_str(user));
}

/*
 * Section 6.3 from user up: is there a chain of delegations of kind to
 * user that ends at a root item signed by the owner? need_ad: the first
 * item must allow delegation too (the value is itself an ACL item).
 */
static bool chain_ok(const struct relo_kind_def *def, struct relo_bytes resource,
		     const struct acl_view *av, uint32_t kind, const char *user, bool need_ad,
		     struct relo_bytes name, unsigned depth)
{
	size_t i;

	if (depth > CHAIN_MAX)
		return false;
	for (i = 0; i < av->n; i++) {
		const struct relo_acl_item *it = &av->it[i];
		const char *by = av->signer[i];

		if (it->kind != kind || !user_is(it->to_user, user) ||
		    (need_ad && !it->allow_delegation))
			continue;
		if (user_is(it->to_user, by)) {
			/* A root item: it counts when the owner signed it. */
			if (owner(def, resource, by, it->has_name ? it->name : name))
				return true;
			continue;
		}
		if (chain_ok(def, resource, av, kind, by, true, name, depth + 1))
			return true;
	}
	return false;
}

static bool has_node(const struct relo_certinfo *c, struct relo_bytes id)
{
	size_t i;

	for (i = 0; i < c->n_nodeids; i++)
		if (c->nodeids[i].len == id.len && memcmp(c->nodeids[i].id, id.p, id.len) == 0)
			return true;
	return false;
}

/* Section 3.1: an array index is 24 bits of a Node-ID of the signer, then 8 of its own. */
static bool index_isolated(const struct relo_certinfo *c, uint32_t index)
{
	size_t i;

	for (i = 0; i < c->n_nodeids; i++) {
		const uint8_t *id = c->nodeids[i].id;
		size_t l = c->nodeids[i].len;
		uint32_t prefix = (uint32_t)id[l - 3] << 16 | (uint32_t)id[l - 2] << 8 | id[l - 1];
		if (index >> 8 == prefix)
			return true;
	}
	return false;
}

int share_check(struct relo_store *s, struct sres *r, const struct relo_kind_def *def,
		struct relo_bytes resource, const struct relo_stored_value *v,
		const struct relo_certinfo *signer, const char **why)
{
	uint64_t now = relo_node_now(s->node);
	bool is_acl = def->id == RELO_KIND_ACCESS_CONTROL_LIST, is_owner;
	struct relo_bytes name = relo_bytes_of(NULL, 0);
	struct relo_acl_item item;
	struct acl_view *av;
	struct skind *k;
	size_t used, i;
	bool ok;

	/* What the value says: its Resource Name, and (an ACL item) what it delegates. */
	if (v->v.exists) {
		if (def->variable_names) {
			if (share_name_ext(v->v.value, &name, &used)) {
				*why = "USER-CHAIN-ACL: the value does not start with a "
				       "ResourceNameExtension";
				return RELO_ERR_INVALID_MESSAGE;
			}
			if (!hashes_to(name, resource)) {
				*why = "USER-CHAIN-ACL: the Resource Name does not hash to the "
				       "Resource-ID";
				return RELO_ERR_FORBIDDEN;
			}
		}
		if (is_acl && relo_acl_item_decode(v->v.value, def->variable_names, &item)) {
			*why = "ACCESS-CONTROL-LIST: not an AccessControlListItem";
			return RELO_ERR_INVALID_MESSAGE;
		}
	}
	/* A removal names nothing: the names of the values stored there do. */
	k = store_kind(r, def->id);
	for (i = 0; !name.len && def->variable_names && k && i < k->n; i++)
		if (k->v[i].sd.value.v.exists &&
		    share_name_ext(k->v[i].sd.value.v.value, &name, &used) == 0 &&
		    !hashes_to(name, resource))
			name = relo_bytes_of(NULL, 0);
	is_owner = owner(def, resource, signer->user, name);

	if (v->model == RELO_MODEL_ARRAY && v->index == 0xffffffffu) {
		*why = "USER-CHAIN-ACL: array values take section 3.1 indices, not appends";
		return RELO_ERR_FORBIDDEN;
	}
	/* Isolated data (section 3.1); the owner may overwrite anything (6.2). */
	if (!is_owner) {
		bool found;
		size_t at;

		if (v->model == RELO_MODEL_DICTIONARY && !has_node(signer, v->key)) {
			*why = "USER-CHAIN-ACL: the dictionary key is not a Node-ID of the signer";
			return RELO_ERR_FORBIDDEN;
		}
		if (v->model == RELO_MODEL_ARRAY && !index_isolated(signer, v->index)) {
			*why = "USER-CHAIN-ACL: the array index does not start with 24 bits of the "
			       "signer's Node-ID";
			return RELO_ERR_FORBIDDEN;
		}
		at = k ? store_slot_of(k->v, k->n, v, &found) : 0;
		if (k && found && k->v[at].cert && strcmp(k->v[at].cert->user, signer->user)) {
			*why = "USER-CHAIN-ACL: the value there was signed by another user";
			return RELO_ERR_FORBIDDEN;
		}
	}
	if (is_owner)
		return 0;
	/* An Authorized Peer: the stored ACL must delegate this kind to it. */
	av = malloc(sizeof(*av));
	if (!av) {
		*why = "out of memory";
		return RELO_ERR_DATA_TOO_LARGE;
	}
	acl_view(s, r, now, av);
	if (is_acl && v->v.exists)
		ok = chain_ok(def, resource, av, item.kind, signer->user, true, name, 0);
	else if (is_acl)
		ok = false; /* only the owner and the item's own signer remove items */
	else
		ok = chain_ok(def, resource, av, def->id, signer->user, false, name, 0);
	if (!ok && is_acl && !v->v.exists && k) {
		/* Revoking one's own delegation: the item is the signer's. */
		bool found;
		size_t at = store_slot_of(k->v, k->n, v, &found);
		ok = found && k->v[at].cert && !strcmp(k->v[at].cert->user, signer->user);
	}
	free(av);
	if (!ok)
		*why = is_acl ? "USER-CHAIN-ACL: no delegation with allow_delegation to the signer"
			      : "USER-CHAIN-ACL: the ACL delegates this kind to no chain ending "
				"at the Resource Owner";
	return ok ? 0 : RELO_ERR_FORBIDDEN;
}
