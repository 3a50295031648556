/*
 * body_topo.c - topology bodies: Probe, Join, Leave, Update, RouteQuery
 * (RFC 6940 section 6.4.2) and CHORD-RELOAD's own (section 10)
 */
#include <string.h>

#include "wire_int.h"

void nodeid_list_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
		      unsigned lenbytes, struct relo_nodeid **list, size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	*list = NULL;
	*n = 0;
	if (relo_wirecfg_check(cfg)) {
		relo_rd_fail(r, -EINVAL);
		return;
	}
	relo_rd_open(r, lenbytes, 0xffffffffu, &sub);
	if (!sub.err && relo_rd_left(&sub) % cfg->node_id_len)
		relo_rd_fail(&sub, -EBADMSG); /* not a whole number of NodeIds */
	while (relo_rd_more(&sub)) {
		struct relo_nodeid *id = RD_PUSH(&sub, a, *list, *n, cap);
		if (!id)
			break;
		relo_nodeid_read(&sub, cfg, id);
	}
	relo_rd_close(r, &sub);
}

void nodeid_list_write(struct relo_wr *w, const struct relo_wirecfg *cfg, unsigned lenbytes,
		       const struct relo_nodeid *list, size_t n)
{
	size_t mark = relo_wr_open(w, lenbytes), i;

	for (i = 0; i < n; i++)
		relo_nodeid_write(w, cfg, &list[i]);
	relo_wr_close(w, mark, lenbytes, 0xffffffffu);
}

/*
 * ProbeAns: ProbeInformation probe_info<0..2^16-1>, each a type, a uint8
 * length and a value; the defined types carry a uint32.
 */
void body_probe_ans_read(struct relo_rd *r, struct relo_arena *a, struct relo_probe_ans *b)
{
	struct relo_rd sub, val;
	size_t cap = 0;

	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_probe_info *pi = RD_PUSH(&sub, a, b->info, b->n, cap);
		if (!pi)
			break;
		pi->type = relo_rd_u8(&sub);
		relo_rd_open(&sub, 1, 0xff, &val);
		switch (pi->type) {
		case RELO_PROBE_RESPONSIBLE_SET:
		case RELO_PROBE_NUM_RESOURCES:
		case RELO_PROBE_UPTIME:
			pi->value = relo_rd_u32(&val);
			break;
		case 0:
			relo_rd_fail(&val, -EBADMSG);
			break;
		default:
			pi->raw = relo_rd_fixed(&val, relo_rd_left(&val));
			break;
		}
		relo_rd_close(&sub, &val);
	}
	relo_rd_close(r, &sub);
}

void body_probe_ans_write(struct relo_wr *w, const struct relo_probe_ans *b)
{
	size_t mark = relo_wr_open(w, 2), i;

	for (i = 0; i < b->n; i++) {
		const struct relo_probe_info *pi = &b->info[i];
		size_t inner;

		if (pi->type == 0)
			relo_wr_fail(w, -EINVAL);
		relo_wr_u8(w, pi->type);
		inner = relo_wr_open(w, 1);
		switch (pi->type) {
		case RELO_PROBE_RESPONSIBLE_SET:
		case RELO_PROBE_NUM_RESOURCES:
		case RELO_PROBE_UPTIME:
			relo_wr_u32(w, pi->value);
			break;
		default:
			relo_wr_bytes(w, pi->raw.p, pi->raw.len);
			break;
		}
		relo_wr_close(w, inner, 1, 0xff);
	}
	relo_wr_close(w, mark, 2, 0xffff);
}

void relo_chord_leave_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			   struct relo_arena *a, struct relo_chord_leave *l)
{
	memset(l, 0, sizeof(*l));
	l->type = relo_rd_u8(r);
	if (l->type != RELO_CHORD_FROM_SUCC && l->type != RELO_CHORD_FROM_PRED) {
		relo_rd_fail(r, -EBADMSG);
		return;
	}
	nodeid_list_read(r, cfg, a, 2, &l->ids, &l->n);
}

void relo_chord_leave_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			    const struct relo_chord_leave *l)
{
	if (l->type != RELO_CHORD_FROM_SUCC && l->type != RELO_CHORD_FROM_PRED)
		relo_wr_fail(w, -EINVAL);
	relo_wr_u8(w, l->type);
	nodeid_list_write(w, cfg, 2, l->ids, l->n);
}

/*
 * LeaveReq. Its overlay_specific_data is CHORD-RELOAD's ChordLeaveData
 * when it parses as one; other topologies' data is kept raw.
 */
void body_leave_req_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_arena *a,
			 struct relo_leave_req *b)
{
	struct relo_rd sub;

	relo_nodeid_read(r, cfg, &b->peer);
	b->data = relo_rd_vec(r, 2, 0xffff);
	if (r->err || !b->data.len)
		return;
	relo_rd_init(&sub, b->data.p, b->data.len);
	relo_chord_leave_read(&sub, cfg, a, &b->chord);
	if (!sub.err && relo_rd_left(&sub))
		sub.err = -EBADMSG;
	if (sub.err == -ENOMEM)
		relo_rd_fail(r, -ENOMEM);
	b->has_chord = sub.err == 0;
	if (!b->has_chord)
		memset(&b->chord, 0, sizeof(b->chord));
}

void body_leave_req_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			  const struct relo_leave_req *b)
{
	size_t mark;

	relo_nodeid_write(w, cfg, &b->peer);
	if (!b->has_chord) {
		relo_wr_vec(w, 2, 0xffff, b->data);
		return;
	}
	mark = relo_wr_open(w, 2);
	relo_chord_leave_write(w, cfg, &b->chord);
	relo_wr_close(w, mark, 2, 0xffff);
}

void body_chord_update_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			    struct relo_arena *a, struct relo_chord_update *b)
{
	b->uptime = relo_rd_u32(r);
	b->type = relo_rd_u8(r);
	switch (b->type) {
	case RELO_CHORD_PEER_READY:
		break;
	case RELO_CHORD_FULL:
		nodeid_list_read(r, cfg, a, 2, &b->pred, &b->n_pred);
		nodeid_list_read(r, cfg, a, 2, &b->succ, &b->n_succ);
		nodeid_list_read(r, cfg, a, 2, &b->fingers, &b->n_fingers);
		break;
	case RELO_CHORD_NEIGHBORS:
		nodeid_list_read(r, cfg, a, 2, &b->pred, &b->n_pred);
		nodeid_list_read(r, cfg, a, 2, &b->succ, &b->n_succ);
		break;
	default:
		relo_rd_fail(r, -EBADMSG);
		break;
	}
}

void body_chord_update_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
			     const struct relo_chord_update *b)
{
	relo_wr_u32(w, b->uptime);
	relo_wr_u8(w, b->type);
	switch (b->type) {
	case RELO_CHORD_PEER_READY:
		break;
	case RELO_CHORD_FULL:
	case RELO_CHORD_NEIGHBORS:
		nodeid_list_write(w, cfg, 2, b->pred, b->n_pred);
		nodeid_list_write(w, cfg, 2, b->succ, b->n_succ);
		if (b->type == RELO_CHORD_FULL)
			nodeid_list_write(w, cfg, 2, b->fingers, b->n_fingers);
		break;
	default:
		relo_wr_fail(w, -EINVAL);
		break;
	}
}
