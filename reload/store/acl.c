/*
 * acl.c - access control policies (RFC 6940 section 7.3)
 *
 * The overlay's hash function is CHORD-RELOAD's: SHA-1, its first 128
 * bits. NODE-MULTIPLE's i is one byte (as TURN-SERVICE's iteration,
 * section 9), from 1 to the kind's max-node-multiple. USER-CHAIN-ACL
 * (RFC 8076) is in share.c.
 */
#include "store_int.h"

static bool hashes_to(const void *name, size_t len, struct relo_bytes resource)
{
	uint8_t h[RELO_CHORD_RESID_LEN];

	relo_resource_id(name, len, h);
	return resource.len == sizeof(h) && memcmp(resource.p, h, sizeof(h)) == 0;
}

static bool user_matches(const struct relo_certinfo *c, struct relo_bytes resource)
{
	return c->user[0] && hashes_to(c->user, strlen(c->user), resource);
}

static bool has_node(const struct relo_certinfo *c, struct relo_bytes id)
{
	size_t i;

	for (i = 0; i < c->n_nodeids; i++)
		if (c->nodeids[i].len == id.len && memcmp(c->nodeids[i].id, id.p, id.len) == 0)
			return true;
	return false;
}

int acl_check(struct relo_store *s, struct sres *r, const struct relo_kind_def *def,
	      struct relo_bytes resource, const struct relo_stored_value *v,
	      const struct relo_certinfo *signer, const char **why)
{
	size_t i;
	uint32_t m;

	switch (def->acl) {
	case RELO_ACL_USER_MATCH:
		if (user_matches(signer, resource))
			return 0;
		*why = "USER-MATCH: the signer's user name does not hash to the Resource-ID";
		return RELO_ERR_FORBIDDEN;
	case RELO_ACL_NODE_MATCH:
		for (i = 0; i < signer->n_nodeids; i++)
			if (hashes_to(signer->nodeids[i].id, signer->nodeids[i].len, resource))
				return 0;
		*why = "NODE-MATCH: no Node-ID of the signer hashes to the Resource-ID";
		return RELO_ERR_FORBIDDEN;
	case RELO_ACL_USER_NODE_MATCH:
		if (v->model != RELO_MODEL_DICTIONARY) {
			*why = "USER-NODE-MATCH is for dictionaries only";
			return RELO_ERR_FORBIDDEN;
		}
		if (!user_matches(signer, resource)) {
			*why = "USER-NODE-MATCH: the signer's user name does not hash to the "
			       "Resource-ID";
			return RELO_ERR_FORBIDDEN;
		}
		if (!has_node(signer, v->key)) {
			*why = "USER-NODE-MATCH: the dictionary key is not a Node-ID of the signer";
			return RELO_ERR_FORBIDDEN;
		}
		return 0;
	case RELO_ACL_NODE_MULTIPLE:
		for (i = 0; i < signer->n_nodeids; i++) {
			uint8_t buf[RELO_NODEID_MAX + 1];
			size_t len = signer->nodeids[i].len;

			memcpy(buf, signer->nodeids[i].id, len);
			for (m = 1; m <= def->max_node_multiple && m <= 255; m++) {
				buf[len] = (uint8_t)m;
				if (hashes_to(buf, len + 1, resource))
					return 0;
			}
		}
		*why = "NODE-MULTIPLE: no H(Node-ID || i) of the signer is the Resource-ID";
		return RELO_ERR_FORBIDDEN;
	case RELO_ACL_USER_CHAIN_ACL:
		return share_check(s, r, def, resource, v, signer, why);
	default:
		*why = "the kind has no access control policy this peer knows";
		return RELO_ERR_FORBIDDEN;
	}
}
