/*
 * fuzz_config.c - the configuration document (relo/config.h). The input
 * is parsed as a document; what parses must be written, and the output
 * must parse into an equal configuration (every field but the bytes as
 * read), be written again to the same bytes, and the bytes kept as read
 * (configuration_xml, kind_xml) must be in the document they came from.
 * What does not parse must leave no configuration and say why.
 */
#include <string.h>

#include "fuzz.h"
#include "relo/config.h"

static int blob_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int ids_eq(const struct relo_nodeid *a, size_t na, const struct relo_nodeid *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (!relo_nodeid_eq(&a[i], &b[i]))
			return 0;
	return 1;
}

static int peers_eq(const struct relo_peer_addr *a, size_t na, const struct relo_peer_addr *b,
		    size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].address, b[i].address) != 0 || a[i].port != b[i].port)
			return 0;
	return 1;
}

/* Asserts a and b are equal in every field but the bytes as read. */
static void check_equal(const struct relo_config *a, const struct relo_config *b)
{
	size_t i;

	FUZZ_ASSERT(strcmp(a->instance_name, b->instance_name) == 0);
	FUZZ_ASSERT(a->sequence == b->sequence);
	FUZZ_ASSERT(a->expiration == b->expiration);
	FUZZ_ASSERT(strcmp(a->topology, b->topology) == 0);
	FUZZ_ASSERT(a->node_id_len == b->node_id_len);
	FUZZ_ASSERT(a->n_root_certs == b->n_root_certs);
	for (i = 0; i < a->n_root_certs; i++)
		FUZZ_ASSERT(blob_eq(a->root_certs[i].p, a->root_certs[i].len, b->root_certs[i].p,
				    b->root_certs[i].len));
	FUZZ_ASSERT(strv_eq(a->enrollment_servers, a->n_enrollment_servers,
			    b->enrollment_servers, b->n_enrollment_servers));
	FUZZ_ASSERT(a->self_signed_permitted == b->self_signed_permitted);
	FUZZ_ASSERT(a->self_signed_digest == b->self_signed_digest);
	FUZZ_ASSERT(peers_eq(a->bootstrap, a->n_bootstrap, b->bootstrap, b->n_bootstrap));
	FUZZ_ASSERT(a->turn_density == b->turn_density);
	FUZZ_ASSERT(a->clients_permitted == b->clients_permitted);
	FUZZ_ASSERT(a->no_ice == b->no_ice);
	FUZZ_ASSERT(a->chord_update_interval == b->chord_update_interval);
	FUZZ_ASSERT(a->chord_ping_interval == b->chord_ping_interval);
	FUZZ_ASSERT(a->chord_reactive == b->chord_reactive);
	FUZZ_ASSERT(!a->shared_secret == !b->shared_secret);
	FUZZ_ASSERT(!a->shared_secret || strcmp(a->shared_secret, b->shared_secret) == 0);
	FUZZ_ASSERT(a->max_message_size == b->max_message_size);
	FUZZ_ASSERT(a->initial_ttl == b->initial_ttl);
	FUZZ_ASSERT(a->reliability_timer_ms == b->reliability_timer_ms);
	FUZZ_ASSERT(strv_eq(a->link_protocols, a->n_link_protocols, b->link_protocols,
			    b->n_link_protocols));
	FUZZ_ASSERT(ids_eq(a->config_signers, a->n_config_signers, b->config_signers,
			   b->n_config_signers));
	FUZZ_ASSERT(ids_eq(a->kind_signers, a->n_kind_signers, b->kind_signers, b->n_kind_signers));
	FUZZ_ASSERT(ids_eq(a->bad_nodes, a->n_bad_nodes, b->bad_nodes, b->n_bad_nodes));
	FUZZ_ASSERT(strv_eq(a->mandatory_extensions, a->n_mandatory_extensions,
			    b->mandatory_extensions, b->n_mandatory_extensions));
	FUZZ_ASSERT(a->n_kinds == b->n_kinds);
	for (i = 0; i < a->n_kinds; i++) {
		const struct relo_kind_def *x = &a->kinds[i], *y = &b->kinds[i];

		FUZZ_ASSERT(x->id == y->id);
		FUZZ_ASSERT(strcmp(x->name, y->name) == 0);
		FUZZ_ASSERT(x->model == y->model);
		FUZZ_ASSERT(x->acl == y->acl);
		FUZZ_ASSERT(x->max_count == y->max_count);
		FUZZ_ASSERT(x->max_size == y->max_size);
		FUZZ_ASSERT(x->max_node_multiple == y->max_node_multiple);
		FUZZ_ASSERT(x->variable_names == y->variable_names);
		FUZZ_ASSERT(strv_eq(x->name_patterns, x->n_name_patterns, y->name_patterns,
				    y->n_name_patterns));
		FUZZ_ASSERT(
			blob_eq(x->signature, x->signature_len, y->signature, y->signature_len));
	}
	FUZZ_ASSERT(peers_eq(a->landmarks, a->n_landmarks, b->landmarks, b->n_landmarks));
	FUZZ_ASSERT(blob_eq(a->signature.p, a->signature.len, b->signature.p, b->signature.len));
}

/* The bytes kept as read are an element of the text they were read from. */
static void check_bytes(const struct relo_config *c, const void *text, size_t len)
{
	size_t i;

	FUZZ_ASSERT(c->configuration_xml.p && c->configuration_xml.len >= 2);
	FUZZ_ASSERT(c->configuration_xml.p[0] == '<');
	FUZZ_ASSERT(c->configuration_xml.p[c->configuration_xml.len - 1] == '>');
	FUZZ_ASSERT(memmem(text, len, c->configuration_xml.p, c->configuration_xml.len));
	for (i = 0; i < c->n_kinds; i++) {
		const struct relo_kind_def *k = &c->kinds[i];

		FUZZ_ASSERT(k->kind_xml && k->kind_xml_len >= 2 && k->kind_xml[0] == '<');
		FUZZ_ASSERT(memmem(c->configuration_xml.p, c->configuration_xml.len, k->kind_xml,
				   k->kind_xml_len));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relo_config *a = NULL, *b = NULL;
	char err[256], *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	int rc;

	err[0] = 'x';
	rc = relo_config_parse(&a, (const char *)data, size, NULL, err, sizeof(err));
	if (rc) {
		FUZZ_ASSERT(a == NULL && err[0] != '\0' && err[0] != 'x');
		FUZZ_ASSERT(rc == -EBADMSG || rc == -EINVAL || rc == -ENOENT || rc == -EMSGSIZE ||
			    rc == -ENOMEM);
		return 0;
	}
	check_bytes(a, data, size);
	FUZZ_ASSERT(relo_config_write(a, &out, &len) == 0);
	FUZZ_ASSERT(out && strlen(out) == len);
	rc = relo_config_parse(&b, out, len, a->instance_name, err, sizeof(err));
	if (rc)
		fprintf(stderr, "output refused: %s\n%s", err, out);
	FUZZ_ASSERT(rc == 0);
	check_equal(a, b);
	check_bytes(b, out, len);
	FUZZ_ASSERT(relo_config_write(b, &out2, &len2) == 0);
	FUZZ_ASSERT(len == len2 && memcmp(out, out2, len) == 0);
	free(out);
	free(out2);
	relo_config_free(a);
	relo_config_free(b);
	return 0;
}
