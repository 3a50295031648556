/*
 * replica.c - CHORD-RELOAD's replicas (RFC 6940 sections 10.4, 10.5 step
 * 6, 10.7.3) and the expiry of values
 *
 * The replica set of a Resource-ID is the peer responsible for it and the
 * next two: as this node sees the ring, the first three of itself and its
 * neighbors at or after the resource's position. After each change of the
 * neighbor table (and every sync interval) every resource is looked at:
 *   - the responsible peer sends its values to replicas new to it;
 *   - a replica sends them to the members before it that are new to it
 *     (a new responsible peer, as in step 6 of a Join: the admitting peer
 *     is then a replica of what the joining node took over);
 *   - a node with three known peers between a resource and itself is out
 *     of its replica set and forgets it.
 * "New to it": each resource remembers which members it knows hold it (it
 * sent them the values, or they sent them), so a quiet ring sends nothing;
 * a member that drops out of the set is no holder any more (it forgot).
 */
#include "store_int.h"

#define GROUP_CAND (2 * 16 + 1)

/* Sorts ids by clockwise distance from pos (the responsible one first). */
static void sort_from(struct relo_nodeid *ids, size_t n, const struct relo_nodeid *pos)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct relo_nodeid x = ids[i], dx, dy;
		relo_id_distance(&dx, pos, &x);
		for (j = i; j > 0; j--) {
			relo_id_distance(&dy, pos, &ids[j - 1]);
			if (relo_id_cmp(&dy, &dx) <= 0)
				break;
			ids[j] = ids[j - 1];
		}
		ids[j] = x;
	}
}

static bool in_list(const struct relo_nodeid *l, size_t n, const struct relo_nodeid *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (relo_nodeid_eq(&l[i], id))
			return true;
	return false;
}

/*
 * The nodes we know nearest at or after pos, in ring order: the first
 * STORE_GROUP are the replica set. *self_at: where this node is.
 */
static size_t nearest_to(struct relo_store *s, const struct relo_nodeid *pos,
			 struct relo_nodeid *out, size_t *self_at)
{
	struct relo_nodeid nb[16];
	size_t n = 0, k, i;

	out[n++] = *relo_node_id(s->node);
	k = relo_node_predecessors(s->node, nb, 16);
	for (i = 0; i < k; i++)
		if (!in_list(out, n, &nb[i]))
			out[n++] = nb[i];
	k = relo_node_successors(s->node, nb, 16);
	for (i = 0; i < k; i++)
		if (!in_list(out, n, &nb[i]))
			out[n++] = nb[i];
	sort_from(out, n, pos);
	for (i = 0; i < n; i++)
		if (relo_nodeid_eq(&out[i], relo_node_id(s->node)))
			*self_at = i;
	return n;
}

bool replica_plausible(struct relo_store *s, const struct relo_nodeid *pos,
		       const struct relo_nodeid *sender)
{
	struct relo_nodeid p[16], q[16];
	size_t np = relo_node_predecessors(s->node, p, 16);
	size_t nq = relo_node_successors(s->node, q, 16);

	/* From a neighbor, about a resource of our range or one of our two
	 * predecessors' (we are in its replica set). */
	if (!in_list(p, np, sender) && !in_list(q, nq, sender))
		return false;
	return np < STORE_GROUP || relo_id_in_half_open(pos, &p[STORE_GROUP - 1],
							 relo_node_id(s->node));
}

void replica_holder(struct sres *r, const struct relo_nodeid *id)
{
	if (in_list(r->holders, r->n_holders, id))
		return;
	if (r->n_holders == sizeof(r->holders) / sizeof(r->holders[0]))
		memmove(r->holders, r->holders + 1, --r->n_holders * sizeof(*r->holders));
	r->holders[r->n_holders++] = *id;
}

static void holder_drop(struct sres *r, const struct relo_nodeid *id)
{
	size_t i;

	for (i = 0; i < r->n_holders; i++) {
		if (relo_nodeid_eq(&r->holders[i], id)) {
			memmove(&r->holders[i], &r->holders[i + 1],
				(r->n_holders - i - 1) * sizeof(*r->holders));
			r->n_holders--;
			return;
		}
	}
}

/*
 * Forgets the holders no longer in the replica set g: a peer out of the
 * set forgets the resource (sync_all below), so if it comes back into the
 * set (the peer that pushed it out left again) it must be sent the values
 * anew, not taken for a holder still.
 */
static void holders_keep(struct sres *r, const struct relo_nodeid *g, size_t ng)
{
	size_t i, m;

	for (i = m = 0; i < r->n_holders; i++)
		if (in_list(g, ng, &r->holders[i]))
			r->holders[m++] = r->holders[i];
	r->n_holders = m;
}

/* ---- sending a resource ---- */

static void push_done(struct spend *p, int err, const struct relo_msg *ans,
		      const struct relo_body *body)
{
	struct relo_store *s = p->s;
	struct sres *r;

	(void)ans;
	if (err == -ECANCELED || (!err && body->code == RELO_STORE_ANS))
		return;
	s->st.replica_push_failures++;
	relo_node_log(s->node, RELO_LOG_DEBUG, "replica store to %.8s failed: %s",
		      relo_nodeid_hex(&p->target, (char[41]){ 0 }, 41),
		      err ? strerror(-err) : relo_error_name(body->u.error.code));
	/* It may not have the values: try again at the next check. (When it
	 * has newer ones, Error_Data_Too_Old, the next Fetch sees them.) */
	r = store_find(s, relo_bytes_of(p->res, p->res_len));
	if (r)
		holder_drop(r, &p->target);
}

static int send_chunk(struct relo_store *s, struct sres *r, const struct relo_nodeid *to,
		      uint8_t replica_number, struct relo_kind_data *kd, size_t nk,
		      struct sval **vals, size_t nv)
{
	struct relo_request_opts ro = { 0 };
	struct relo_arena *a;
	struct relo_dest d;
	struct relo_body b;
	struct spend *p;
	int err;

	if (relo_arena_alloc(&a, 0, 0))
		return -ENOMEM;
	memset(&b, 0, sizeof(b));
	b.code = RELO_STORE_REQ;
	b.u.store_req.resource = relo_bytes_of(r->id, r->len);
	b.u.store_req.replica_number = replica_number;
	b.u.store_req.kinds = kd;
	b.u.store_req.n_kinds = nk;
	err = store_certs_of(a, vals, nv, &ro.certs, &ro.n_certs);
	p = err ? NULL : store_pending_new(s, push_done);
	if (!p) {
		relo_arena_free(a);
		return -ENOMEM;
	}
	p->target = *to;
	memcpy(p->res, r->id, r->len);
	p->res_len = r->len;
	d.type = RELO_DEST_NODE;
	d.u.node = *to;
	s->st.replica_pushes++;
	err = relo_node_request_ex(s->node, &d, 1, &b, &ro, store_pending_answer, p);
	if (err) /* never sent: end it as a failure */
		store_pending_answer(p, err, NULL, NULL);
	relo_arena_free(a);
	return err;
}

/*
 * Sends every live value of r to one node as replica stores, in as many
 * messages as max-message-size needs (each value with its signer's
 * certificate; a kind's generation with each part).
 */
static void push(struct relo_store *s, struct sres *r, const struct relo_nodeid *to,
		 uint8_t replica_number)
{
	size_t budget = s->cfg->max_message_size > 2048 ? s->cfg->max_message_size - 1536 : 512;
	uint64_t now = relo_node_now(s->node);
	struct relo_kind_data *kd = calloc(r->nk + 1, sizeof(*kd));
	struct relo_stored_data *sd = NULL;
	struct sval **vals = NULL;
	size_t total = 0, i, j, nk = 0, first = 0, nv = 0, used = 0;

	if (s->ident) {
		size_t own = relo_ident_cert_der(s->ident).len;
		budget = budget > own + 512 ? budget - own : 512;
	}
	for (i = 0; i < r->nk; i++)
		total += r->k[i].n;
	sd = calloc(total + 1, sizeof(*sd));
	vals = calloc(total + 1, sizeof(*vals));
	if (!kd || !sd || !vals)
		goto out;
	for (i = 0; i < r->nk; i++) {
		struct skind *k = &r->k[i];
		bool opened = false;

		for (j = 0; j < k->n; j++) {
			struct sval *v = &k->v[j];
			size_t cost = v->raw_len + (v->cert ? v->cert->len : 0) + 16;

			if (!store_remaining(v, now))
				continue;
			if (nv > first && used + cost > budget) {
				send_chunk(s, r, to, replica_number, kd, nk, vals + first, nv - first);
				nk = 0;
				used = 0;
				opened = false;
				first = nv;
			}
			if (!opened) {
				kd[nk].kind = k->def->id;
				kd[nk].generation = k->generation;
				kd[nk].values = &sd[nv];
				kd[nk].n_values = 0;
				nk++;
				opened = true;
			}
			store_outgoing(v, now, &sd[nv]);
			vals[nv++] = v;
			kd[nk - 1].n_values++;
			used += cost;
		}
	}
	if (nv > first)
		send_chunk(s, r, to, replica_number, kd, nk, vals + first, nv - first);
out:
	free(kd);
	free(sd);
	free(vals);
}

/* Sends r to the members of its replica set that are new to it. */
static void push_to_newcomers(struct relo_store *s, struct sres *r, const struct relo_nodeid *g,
			      size_t ng, size_t self_at)
{
	size_t i;

	for (i = 0; i < ng; i++) {
		if (i == self_at || in_list(r->holders, r->n_holders, &g[i]))
			continue;
		/* The responsible peer fills its replicas; a replica, the members
		 * before it (a new responsible peer, a new first replica). */
		if (self_at != 0 && i > self_at)
			continue;
		push(s, r, &g[i], (uint8_t)(i ? i : 1));
		replica_holder(r, &g[i]);
	}
}

void replica_push_new(struct relo_store *s, struct sres *r)
{
	struct relo_nodeid g[GROUP_CAND];
	size_t self_at = 0, n = nearest_to(s, &r->pos, g, &self_at), i;

	if (n > STORE_GROUP)
		n = STORE_GROUP;
	/* A new value: every replica gets it, whatever it held before. */
	for (i = 0; i < n; i++)
		if (i != self_at)
			push(s, r, &g[i], (uint8_t)(i ? i : 1));
	for (i = 0; i < n; i++)
		if (i != self_at)
			replica_holder(r, &g[i]);
}

/* ---- the periodic checks ---- */

static void sync_all(struct relo_store *s)
{
	struct relo_nodeid g[GROUP_CAND];
	size_t b;

	if (!relo_node_joined(s->node))
		return;
	for (b = 0; b < s->n_buckets; b++) {
		struct sres *r = s->buckets[b], *next;
		for (; r; r = next) {
			size_t self_at = 0, n = nearest_to(s, &r->pos, g, &self_at);

			next = r->next;
			if (self_at >= STORE_GROUP) {
				/* Three known peers lie between the resource and us. */
				s->st.forgotten++;
				store_drop_res(s, r);
				continue;
			}
			if (n > STORE_GROUP)
				n = STORE_GROUP;
			holders_keep(r, g, n);
			push_to_newcomers(s, r, g, n, self_at);
		}
	}
}

static void sync_fire(void *arg)
{
	struct relo_store *s = arg;

	sync_all(s);
	relo_node_timer_set(s->node, s->sync_timer, s->sync_interval_ms);
}

static void on_neighbors(void *arg)
{
	struct relo_store *s = arg;

	/* Let the ring settle a moment (triggered Updates) before copying. */
	relo_node_timer_set(s->node, s->sync_timer, s->sync_delay_ms);
}

/* Values whose lifetime ran out go; so do kinds and resources left empty. */
static void sweep_fire(void *arg)
{
	struct relo_store *s = arg;
	uint64_t now = relo_node_now(s->node);
	size_t b, i, j, m;

	for (b = 0; b < s->n_buckets; b++) {
		struct sres *r = s->buckets[b], *next;
		for (; r; r = next) {
			next = r->next;
			for (i = 0; i < r->nk; i++) {
				struct skind *k = &r->k[i];
				for (j = m = 0; j < k->n; j++) {
					if (store_remaining(&k->v[j], now)) {
						k->v[m++] = k->v[j];
						continue;
					}
					r->bytes -= k->v[j].raw_len;
					s->st.bytes -= k->v[j].raw_len;
					s->st.values--;
					s->st.expired++;
					free(k->v[j].raw);
					store_unref_cert(s, k->v[j].cert);
				}
				k->n = m;
			}
			for (i = m = 0; i < r->nk; i++) {
				if (r->k[i].n)
					r->k[m++] = r->k[i];
				else
					free(r->k[i].v);
			}
			r->nk = m;
			if (!r->nk)
				store_drop_res(s, r);
		}
	}
	relo_node_timer_set(s->node, s->sweep_timer, s->sweep_ms);
}

static uint32_t num_resources(void *arg)
{
	struct relo_store *s = arg;

	return s->n_res > UINT32_MAX ? UINT32_MAX : (uint32_t)s->n_res;
}

int replica_init(struct relo_store *s)
{
	s->sync_timer = relo_node_timer_new(s->node, sync_fire, s);
	s->sweep_timer = relo_node_timer_new(s->node, sweep_fire, s);
	if (!s->sync_timer || !s->sweep_timer)
		return -ENOMEM;
	relo_node_on_neighbors(s->node, on_neighbors, s);
	relo_node_on_probe(s->node, num_resources, s);
	relo_node_timer_set(s->node, s->sync_timer, s->sync_interval_ms);
	relo_node_timer_set(s->node, s->sweep_timer, s->sweep_ms);
	return 0;
}

void replica_fini(struct relo_store *s)
{
	relo_node_on_neighbors(s->node, NULL, NULL);
	relo_node_on_probe(s->node, NULL, NULL);
	relo_node_timer_free(s->node, s->sync_timer);
	relo_node_timer_free(s->node, s->sweep_timer);
	s->sync_timer = s->sweep_timer = NULL;
}
