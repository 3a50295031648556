/*
 * print.c - readable dumps of RELOAD messages (relo/print.h)
 */
#include <inttypes.h>
#include <string.h>

#include "relo/print.h"

#define MAX_SHOWN 32 /* bytes of an opaque value shown before eliding */

const char *relo_nodeid_hex(const struct relo_nodeid *n, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n->len && o + 2 < size; i++) {
		buf[o++] = hex[n->id[i] >> 4];
		buf[o++] = hex[n->id[i] & 15];
	}
	if (size)
		buf[o < size ? o : size - 1] = '\0';
	return buf;
}

static void put_bytes(FILE *f, struct relo_bytes b)
{
	size_t i, n = b.len < MAX_SHOWN ? b.len : MAX_SHOWN;
	bool text = b.len > 0;

	/* Only printable text is shown as text: nothing can forge log lines. */
	for (i = 0; i < b.len && text; i++)
		text = b.p[i] >= 0x20 && b.p[i] < 0x7f && b.p[i] != '"';
	if (text && b.len <= 2 * MAX_SHOWN) {
		fprintf(f, "\"%.*s\"", (int)b.len, (const char *)b.p);
		return;
	}
	fputs("0x", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%02x", b.p[i]);
	if (n < b.len)
		fprintf(f, "... (%zu bytes)", b.len);
	else if (!b.len)
		fputs(" (empty)", f);
}

static void put_nodeid(FILE *f, const struct relo_nodeid *n)
{
	char hex[2 * RELO_NODEID_MAX + 1];
	fputs(relo_nodeid_hex(n, hex, sizeof(hex)), f);
}

static void put_nodeids(FILE *f, int ind, const char *what, const struct relo_nodeid *l, size_t n)
{
	size_t i;

	fprintf(f, "%*s%s (%zu):", ind, "", what, n);
	for (i = 0; i < n; i++) {
		fputc(' ', f);
		put_nodeid(f, &l[i]);
	}
	fputc('\n', f);
}

static void put_dest(FILE *f, const struct relo_dest *d)
{
	switch (d->type) {
	case RELO_DEST_NODE:
		fputs("node ", f);
		put_nodeid(f, &d->u.node);
		break;
	case RELO_DEST_RESOURCE:
		fputs("resource ", f);
		put_bytes(f, d->u.resource);
		break;
	case RELO_DEST_OPAQUE:
		fputs("opaque ", f);
		put_bytes(f, d->u.opaque);
		break;
	case RELO_DEST_COMPRESSED:
		fprintf(f, "compressed 0x%04x", d->u.compressed);
		break;
	default:
		fprintf(f, "type %u ", d->type);
		put_bytes(f, d->u.raw);
		break;
	}
}

static void put_name(FILE *f, const char *name, unsigned v)
{
	if (name)
		fputs(name, f);
	else
		fprintf(f, "%u", v);
}

static void put_signer(FILE *f, const struct relo_sig *s)
{
	fputs("signed ", f);
	put_name(f, relo_sig_name(s->sig_alg), s->sig_alg);
	fputc('/', f);
	put_name(f, relo_hash_name(s->hash_alg), s->hash_alg);
	fputs(" by ", f);
	switch (s->signer.type) {
	case RELO_SIGNER_CERT_HASH:
	case RELO_SIGNER_CERT_HASH_NODE_ID:
		fputs(s->signer.type == RELO_SIGNER_CERT_HASH ? "cert_hash " : "cert_hash_node_id ",
		      f);
		put_name(f, relo_hash_name(s->signer.hash_alg), s->signer.hash_alg);
		fputc(' ', f);
		put_bytes(f, s->signer.hash);
		break;
	case RELO_SIGNER_NONE:
		fputs("none", f);
		break;
	default:
		fprintf(f, "signer type %u", s->signer.type);
		break;
	}
	fprintf(f, ", %zu-byte signature", s->value.len);
}

static void put_cands(FILE *f, int ind, const struct relo_ice_cand *c, size_t n)
{
	static const char *const types[] = { [1] = "host", [2] = "srflx", [4] = "relay" };
	char a[64], rel[64];
	size_t i;

	for (i = 0; i < n; i++) {
		fprintf(f, "%*scandidate %s %s over ", ind, "",
			c[i].type < 5 && types[c[i].type] ? types[c[i].type] : "?",
			relo_ipport_str(&c[i].addr, a, sizeof(a)));
		put_name(f, relo_link_name(c[i].link), c[i].link);
		fprintf(f, ", priority %" PRIu32, c[i].priority);
		if (c[i].type != RELO_CAND_HOST)
			fprintf(f, " raddr %s", relo_ipport_str(&c[i].rel, rel, sizeof(rel)));
		fputs(" foundation ", f);
		put_bytes(f, c[i].foundation);
		fprintf(f, ", %zu extensions\n", c[i].n_ext);
	}
}

static void put_stored(FILE *f, int ind, const struct relo_stored_data *sd)
{
	const struct relo_stored_value *v = &sd->value;

	fprintf(f, "%*sstored at %" PRIu64 " ms, lifetime %" PRIu32 " s: ", ind, "",
		sd->storage_time, sd->lifetime);
	switch (v->model) {
	case RELO_MODEL_ARRAY:
		fprintf(f, "[%" PRIu32 "] ", v->index);
		break;
	case RELO_MODEL_DICTIONARY:
		fputs("{", f);
		put_bytes(f, v->key);
		fputs("} ", f);
		break;
	case RELO_MODEL_SINGLE:
		break;
	default:
		fprintf(f, "unknown kind, %zu bytes of value and signature\n", sd->raw.len);
		return;
	}
	if (v->v.exists)
		put_bytes(f, v->v.value);
	else
		fputs("(does not exist)", f);
	fprintf(f, "\n%*s  ", ind, "");
	put_signer(f, &sd->sig);
	fputc('\n', f);
}

static void put_kind(FILE *f, int ind, uint32_t kind, uint64_t gen)
{
	const char *name = relo_kind_name(kind);
	fprintf(f, "%*skind 0x%" PRIx32 "%s%s%s, generation %" PRIu64 "\n", ind, "", kind,
		name ? " (" : "", name ? name : "", name ? ")" : "", gen);
}

static void put_kind_data(FILE *f, int ind, const struct relo_kind_data *k, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		put_kind(f, ind, k[i].kind, k[i].generation);
		for (j = 0; j < k[i].n_values; j++)
			put_stored(f, ind + 2, &k[i].values[j]);
	}
}

static void put_fetch_req(FILE *f, int ind, const struct relo_fetch_req *q)
{
	size_t i, j;

	fprintf(f, "%*sresource ", ind, "");
	put_bytes(f, q->resource);
	fputc('\n', f);
	for (i = 0; i < q->n_spec; i++) {
		const struct relo_specifier *s = &q->spec[i];
		put_kind(f, ind, s->kind, s->generation);
		for (j = 0; j < s->n_ranges; j++)
			fprintf(f, "%*s  indices %" PRIu32 "..%" PRIu32 "\n", ind, "",
				s->ranges[j].first, s->ranges[j].last);
		for (j = 0; j < s->n_keys; j++) {
			fprintf(f, "%*s  key ", ind, "");
			put_bytes(f, s->keys[j]);
			fputc('\n', f);
		}
		if (s->model == RELO_MODEL_DICTIONARY && !s->n_keys)
			fprintf(f, "%*s  all keys\n", ind, "");
	}
}

void relo_body_print(FILE *f, const struct relo_wirecfg *cfg, const struct relo_body *b, int ind)
{
	const char *name;
	size_t i, j;

	(void)cfg;
	switch (b->code) {
	case RELO_PROBE_REQ:
		fprintf(f, "%*srequested:", ind, "");
		for (i = 0; i < b->u.probe_req.types.len; i++) {
			fputc(' ', f);
			put_name(f, relo_probe_name(b->u.probe_req.types.p[i]),
				 b->u.probe_req.types.p[i]);
		}
		fputc('\n', f);
		break;
	case RELO_PROBE_ANS:
		for (i = 0; i < b->u.probe_ans.n; i++) {
			fprintf(f, "%*s", ind, "");
			put_name(f, relo_probe_name(b->u.probe_ans.info[i].type),
				 b->u.probe_ans.info[i].type);
			fprintf(f, " = %" PRIu32 "\n", b->u.probe_ans.info[i].value);
		}
		break;
	case RELO_ATTACH_REQ:
	case RELO_ATTACH_ANS:
		fprintf(f, "%*sufrag ", ind, "");
		put_bytes(f, b->u.attach.ufrag);
		fputs(" role ", f);
		put_bytes(f, b->u.attach.role);
		fprintf(f, " send_update %d\n", b->u.attach.send_update);
		put_cands(f, ind, b->u.attach.cand, b->u.attach.n_cand);
		break;
	case RELO_APP_ATTACH_REQ:
	case RELO_APP_ATTACH_ANS:
		fprintf(f, "%*sapplication %u ufrag ", ind, "", b->u.app_attach.application);
		put_bytes(f, b->u.app_attach.ufrag);
		fputs(" role ", f);
		put_bytes(f, b->u.app_attach.role);
		fputc('\n', f);
		put_cands(f, ind, b->u.app_attach.cand, b->u.app_attach.n_cand);
		break;
	case RELO_STORE_REQ:
		fprintf(f, "%*sresource ", ind, "");
		put_bytes(f, b->u.store_req.resource);
		fprintf(f, " replica %u\n", b->u.store_req.replica_number);
		put_kind_data(f, ind, b->u.store_req.kinds, b->u.store_req.n_kinds);
		break;
	case RELO_STORE_ANS:
		for (i = 0; i < b->u.store_ans.n_kinds; i++) {
			const struct relo_store_kind_ans *k = &b->u.store_ans.kinds[i];
			put_kind(f, ind, k->kind, k->generation);
			put_nodeids(f, ind + 2, "replicas", k->replicas, k->n_replicas);
		}
		break;
	case RELO_FETCH_REQ:
	case RELO_STAT_REQ:
		put_fetch_req(f, ind, &b->u.fetch_req);
		break;
	case RELO_FETCH_ANS:
		put_kind_data(f, ind, b->u.fetch_ans.kinds, b->u.fetch_ans.n_kinds);
		break;
	case RELO_STAT_ANS:
		for (i = 0; i < b->u.stat_ans.n_kinds; i++) {
			const struct relo_stat_kind *k = &b->u.stat_ans.kinds[i];
			put_kind(f, ind, k->kind, k->generation);
			for (j = 0; j < k->n_values; j++)
				fprintf(f, "%*s%s%" PRIu32 " bytes, stored at %" PRIu64 " ms, hash %u\n",
					ind + 2, "", k->values[j].meta.exists ? "" : "(gone) ",
					k->values[j].meta.value_length, k->values[j].storage_time,
					k->values[j].meta.hash_alg);
		}
		break;
	case RELO_FIND_REQ:
		fprintf(f, "%*sresource ", ind, "");
		put_bytes(f, b->u.find_req.resource);
		fputs(" kinds", f);
		for (i = 0; i < b->u.find_req.n_kinds; i++)
			fprintf(f, " 0x%" PRIx32, b->u.find_req.kinds[i]);
		fputc('\n', f);
		break;
	case RELO_FIND_ANS:
		for (i = 0; i < b->u.find_ans.n; i++) {
			fprintf(f, "%*skind 0x%" PRIx32 " closest ", ind, "",
				b->u.find_ans.results[i].kind);
			put_bytes(f, b->u.find_ans.results[i].closest);
			fputc('\n', f);
		}
		break;
	case RELO_JOIN_REQ:
		fprintf(f, "%*sjoining peer ", ind, "");
		put_nodeid(f, &b->u.join_req.peer);
		fputc('\n', f);
		break;
	case RELO_LEAVE_REQ:
		fprintf(f, "%*sleaving peer ", ind, "");
		put_nodeid(f, &b->u.leave_req.peer);
		fputc('\n', f);
		if (b->u.leave_req.has_chord)
			put_nodeids(f, ind,
				    b->u.leave_req.chord.type == RELO_CHORD_FROM_SUCC ? "successors"
										  : "predecessors",
				    b->u.leave_req.chord.ids, b->u.leave_req.chord.n);
		break;
	case RELO_UPDATE_REQ: {
		static const char *const t[] = { "?", "peer_ready", "neighbors", "full" };
		const struct relo_chord_update *u = &b->u.update_req;
		fprintf(f, "%*schord %s, uptime %" PRIu32 " s\n", ind, "", t[u->type < 4 ? u->type : 0],
			u->uptime);
		if (u->type != RELO_CHORD_PEER_READY) {
			put_nodeids(f, ind, "predecessors", u->pred, u->n_pred);
			put_nodeids(f, ind, "successors", u->succ, u->n_succ);
		}
		if (u->type == RELO_CHORD_FULL)
			put_nodeids(f, ind, "fingers", u->fingers, u->n_fingers);
		break;
	}
	case RELO_ROUTE_QUERY_REQ:
		fprintf(f, "%*sdestination ", ind, "");
		put_dest(f, &b->u.route_query_req.dest);
		fprintf(f, ", send_update %d\n", b->u.route_query_req.send_update);
		break;
	case RELO_ROUTE_QUERY_ANS:
		fprintf(f, "%*snext peer ", ind, "");
		put_nodeid(f, &b->u.route_query_ans.next_peer);
		fputc('\n', f);
		break;
	case RELO_PING_REQ:
		fprintf(f, "%*spadding %zu bytes\n", ind, "", b->u.ping_req.padding.len);
		break;
	case RELO_PING_ANS:
		fprintf(f, "%*sresponse id 0x%016" PRIx64 ", time %" PRIu64 " ms\n", ind, "",
			b->u.ping_ans.response_id, b->u.ping_ans.time);
		break;
	case RELO_CONFIG_UPDATE_REQ:
		if (b->u.config_update_req.type == RELO_CONFIG_UPDATE_CONFIG)
			fprintf(f, "%*sconfiguration document, %zu bytes\n", ind, "",
				b->u.config_update_req.config.len);
		else
			fprintf(f, "%*s%zu kind descriptions\n", ind, "",
				b->u.config_update_req.n_kinds);
		break;
	case RELO_ERROR:
		name = relo_error_name(b->u.error.code);
		fprintf(f, "%*s%s (%u): ", ind, "", name ? name : "unknown error", b->u.error.code);
		put_bytes(f, b->u.error.info);
		fputc('\n', f);
		break;
	default:
		break;
	}
}

void relo_msg_print(FILE *f, const struct relo_wirecfg *cfg, const struct relo_msg *m)
{
	const struct relo_fwd *h = &m->fwd;
	const char *name = relo_code_name(m->c.code);
	struct relo_arena *a = NULL;
	struct relo_body body;
	size_t i;
	int err;

	fprintf(f, "%s (0x%04x), transaction 0x%016" PRIx64 ", %" PRIu32 " bytes\n",
		name ? name : "unknown message", m->c.code, h->trans_id, h->length);
	fprintf(f, "  overlay 0x%08" PRIx32 ", config %u, version %u.%u, ttl %u, fragment 0x%08" PRIx32
		   ", max response %" PRIu32 "\n",
		h->overlay, h->config_seq, h->version / 10, h->version % 10, h->ttl, h->fragment,
		h->max_resp_len);
	for (i = 0; i < h->n_via; i++) {
		fputs("  via ", f);
		put_dest(f, &h->via[i]);
		fputc('\n', f);
	}
	for (i = 0; i < h->n_dst; i++) {
		fputs("  to ", f);
		put_dest(f, &h->dst[i]);
		fputc('\n', f);
	}
	for (i = 0; i < h->n_opt; i++) {
		fprintf(f, "  option %u flags 0x%02x ", h->opt[i].type, h->opt[i].flags);
		put_bytes(f, h->opt[i].value);
		fputc('\n', f);
	}
	for (i = 0; i < m->c.n_ext; i++) {
		fprintf(f, "  extension %u%s ", m->c.ext[i].type,
			m->c.ext[i].critical ? " (critical)" : "");
		put_bytes(f, m->c.ext[i].value);
		fputc('\n', f);
	}
	err = relo_arena_alloc(&a, 0, 0);
	if (!err)
		err = relo_body_decode(cfg, a, m->c.code, m->c.body, &body);
	if (err)
		fprintf(f, "  body of %zu bytes not decoded: %s\n", m->c.body.len, strerror(-err));
	else
		relo_body_print(f, cfg, &body, 2);
	relo_arena_free(a);
	fprintf(f, "  %zu certificate%s (", m->sec.n_certs, m->sec.n_certs == 1 ? "" : "s");
	for (i = 0; i < m->sec.n_certs; i++)
		fprintf(f, "%s%zu bytes", i ? ", " : "", m->sec.certs[i].der.len);
	fputs("); ", f);
	put_signer(f, &m->sec.sig);
	fputc('\n', f);
}
