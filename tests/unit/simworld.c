/*
 * simworld.c - see simworld.h
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "relo/ring.h"
#include "simworld.h"

static void log_line(void *arg, const char *line)
{
	struct world *w = arg;

	if (w->verbose)
		fprintf(stderr, "%s\n", line);
}

int world_init(struct world *w, uint64_t seed, bool sign)
{
	struct relo_sim_opts so = { .seed = seed, .base_ms = 5, .per_unit_ms = 40,
				    .detect_ms = 2000, .log = log_line, .log_arg = w };

	memset(w, 0, sizeof(*w));
	w->sign = sign;
	w->verbose = getenv("TEST_VERBOSE") != NULL;
	if (relo_sim_alloc(&w->sim, &so) || relo_config_new(&w->cfg, "sim.chorus.example"))
		return -1;
	w->cfg->self_signed_permitted = true;
	w->cfg->self_signed_digest = RELO_DIGEST_SHA256;
	w->cfg->max_message_size = 16384;
	w->cfg->reliability_timer_ms = 1000;
	return 0;
}

void world_free(struct world *w)
{
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (w->m[i].n) {
			relo_sim_host_crash(w->m[i].h);
			relo_store_free(w->m[i].store);
			relo_node_free(w->m[i].n);
		}
		relo_ident_free(w->m[i].ident);
	}
	relo_trust_free(w->trust);
	relo_config_free(w->cfg);
	relo_sim_free(w->sim);
}

uint64_t world_wall_ms(void *arg)
{
	struct world *w = arg;

	return 1700000000000ull + relo_sim_now(w->sim);
}

int world_make(struct world *w, bool seed)
{
	struct member *m = &w->m[w->n];
	struct relo_node_opts o;
	char err[128];
	int rc;

	/* The trust context copies the configuration: made once kinds are in. */
	if (w->sign && !w->trust && relo_trust_alloc(&w->trust, w->cfg))
		return -1;
	memset(&o, 0, sizeof(o));
	snprintf(m->user, sizeof(m->user), "user%zu@sim", w->n);
	rc = relo_sim_host_add(w->sim, (double)(relo_sim_random(w->sim) % 1000) / 1000.0,
			       (double)(relo_sim_random(w->sim) % 1000) / 1000.0, &m->h);
	if (rc)
		return rc;
	if (w->sign) {
		X509 *cert;
		EVP_PKEY *key;
		rc = relo_selfsigned_create(w->cfg->instance_name, 16, RELO_DIGEST_SHA256, m->user,
					    1, RELO_KEY_EC_P256, 30, &cert, &key);
		if (!rc)
			rc = relo_ident_from_x509(&m->ident, cert, key, w->cfg->instance_name, 16,
						  err, sizeof(err));
		X509_free(cert);
		EVP_PKEY_free(key);
		if (rc)
			return rc;
		m->id = *relo_ident_nodeid(m->ident);
		o.ident = m->ident;
		o.trust = w->trust;
	} else {
		m->id.len = 16;
		for (size_t i = 0; i < 16; i += 8) {
			uint64_t r = relo_sim_random(w->sim);
			memcpy(m->id.id + i, &r, 8);
		}
		o.id = m->id;
	}
	o.cfg = w->cfg;
	o.listen = relo_sim_host_addr(m->h);
	o.ops = relo_sim_ops();
	o.env = relo_sim_host_env(m->h);
	o.update_interval_ms = 20000;
	o.finger_interval_ms = 30000;
	o.log_level = w->verbose ? RELO_LOG_DEBUG : RELO_LOG_WARN;
	o.seed = seed;
	rc = relo_node_alloc(&m->n, &o);
	if (rc)
		return rc;
	relo_sim_host_set_node(m->h, m->n, &m->id);
	if (w->stores) {
		struct relo_store_opts so = { .node = m->n, .cfg = w->cfg, .ident = m->ident,
					      .trust = w->sign ? w->trust : NULL,
					      .wall_ms = world_wall_ms, .wall_arg = w };
		rc = relo_store_alloc(&m->store, &so);
		if (rc)
			return rc;
	}
	m->alive = true;
	w->n++;
	return 0;
}

int world_add(struct world *w)
{
	struct relo_ipport boot;
	int rc = world_make(w, false);

	if (rc)
		return rc;
	boot = relo_sim_host_addr(w->m[0].h);
	return relo_node_start(w->m[w->n - 1].n, &boot, w->n > 1 ? 1 : 0);
}

static int cmp_id(const void *a, const void *b)
{
	return relo_id_cmp(a, b);
}

bool ring_ok(void *arg)
{
	struct world *w = arg;
	struct relo_nodeid ids[MAX_NODES], s, p;
	size_t k = 0, i, j;

	for (i = 0; i < w->n; i++)
		if (w->m[i].alive)
			ids[k++] = w->m[i].id;
	qsort(ids, k, sizeof(ids[0]), cmp_id);
	for (i = 0; i < w->n; i++) {
		const struct member *m = &w->m[i];
		if (!m->alive)
			continue;
		if (!relo_node_joined(m->n))
			return false;
		if (k == 1)
			continue;
		for (j = 0; j < k && !relo_nodeid_eq(&ids[j], &m->id); j++)
			;
		if (relo_node_successors(m->n, &s, 1) != 1 ||
		    !relo_nodeid_eq(&s, &ids[(j + 1) % k]) ||
		    relo_node_predecessors(m->n, &p, 1) != 1 ||
		    !relo_nodeid_eq(&p, &ids[(j + k - 1) % k]))
			return false;
	}
	return true;
}

int build_ring(struct world *w, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (world_add(w))
			return -1;
		relo_sim_run(w->sim, relo_sim_now(w->sim) + 1500);
	}
	return relo_sim_run_until(w->sim, relo_sim_now(w->sim) + 120000, ring_ok, w) ? 0 : -1;
}

void crash(struct world *w, size_t i)
{
	relo_sim_host_crash(w->m[i].h);
	relo_store_free(w->m[i].store);
	w->m[i].store = NULL;
	relo_node_free(w->m[i].n);
	w->m[i].n = NULL;
	w->m[i].alive = false;
}
