/*
 * body.c - message body dispatch by message code, and ErrorResponse
 * (RFC 6940 sections 6.3.3 and 6.3.3.1)
 */
#include <string.h>

#include "wire_int.h"

int relo_body_decode(const struct relo_wirecfg *cfg, struct relo_arena *a, uint16_t code,
		     struct relo_bytes body, struct relo_body *out)
{
	struct relo_rd r;

	memset(out, 0, sizeof(*out));
	out->code = code;
	if (relo_wirecfg_check(cfg))
		return -EINVAL;
	relo_rd_init(&r, body.p, body.len);
	switch (code) {
	case RELO_PROBE_REQ:
		out->u.probe_req.types = relo_rd_vec(&r, 1, 0xff);
		if (!r.err && memchr(out->u.probe_req.types.p, 0, out->u.probe_req.types.len))
			relo_rd_fail(&r, -EBADMSG); /* invalidProbeInformationType */
		break;
	case RELO_PROBE_ANS:
		body_probe_ans_read(&r, a, &out->u.probe_ans);
		break;
	case RELO_ATTACH_REQ:
	case RELO_ATTACH_ANS:
		body_attach_read(&r, a, &out->u.attach);
		break;
	case RELO_STORE_REQ:
		body_store_req_read(&r, cfg, a, &out->u.store_req);
		break;
	case RELO_STORE_ANS:
		relo_store_ans_read(&r, cfg, a, &out->u.store_ans);
		break;
	case RELO_FETCH_REQ:
	case RELO_STAT_REQ:
		body_fetch_req_read(&r, cfg, a, &out->u.fetch_req);
		break;
	case RELO_FETCH_ANS:
		body_fetch_ans_read(&r, cfg, a, &out->u.fetch_ans);
		break;
	case RELO_STAT_ANS:
		body_stat_ans_read(&r, cfg, a, &out->u.stat_ans);
		break;
	case RELO_FIND_REQ:
		body_find_req_read(&r, a, &out->u.find_req);
		break;
	case RELO_FIND_ANS:
		body_find_ans_read(&r, a, &out->u.find_ans);
		break;
	case RELO_JOIN_REQ:
		relo_nodeid_read(&r, cfg, &out->u.join_req.peer);
		out->u.join_req.data = relo_rd_vec(&r, 2, 0xffff);
		break;
	case RELO_JOIN_ANS:
		out->u.join_ans.data = relo_rd_vec(&r, 2, 0xffff);
		break;
	case RELO_LEAVE_REQ:
		body_leave_req_read(&r, cfg, a, &out->u.leave_req);
		break;
	case RELO_UPDATE_REQ:
		body_chord_update_read(&r, cfg, a, &out->u.update_req);
		break;
	case RELO_ROUTE_QUERY_REQ:
		out->u.route_query_req.send_update = relo_rd_bool(&r);
		relo_dest_read(&r, cfg, &out->u.route_query_req.dest);
		out->u.route_query_req.data = relo_rd_vec(&r, 2, 0xffff);
		break;
	case RELO_ROUTE_QUERY_ANS:
		relo_nodeid_read(&r, cfg, &out->u.route_query_ans.next_peer);
		break;
	case RELO_PING_REQ:
		out->u.ping_req.padding = relo_rd_vec(&r, 2, 0xffff);
		break;
	case RELO_PING_ANS:
		body_ping_ans_read(&r, &out->u.ping_ans);
		break;
	case RELO_APP_ATTACH_REQ:
	case RELO_APP_ATTACH_ANS:
		body_app_attach_read(&r, a, &out->u.app_attach);
		break;
	case RELO_CONFIG_UPDATE_REQ:
		body_config_update_read(&r, a, &out->u.config_update_req);
		break;
	case RELO_LEAVE_ANS:
	case RELO_UPDATE_ANS:
	case RELO_CONFIG_UPDATE_ANS:
		break; /* empty bodies */
	case RELO_EXP_A_REQ:
	case RELO_EXP_A_ANS:
	case RELO_EXP_B_REQ:
	case RELO_EXP_B_ANS:
		out->u.exp = relo_rd_fixed(&r, relo_rd_left(&r));
		break;
	case RELO_ERROR:
		out->u.error.code = relo_rd_u16(&r);
		if (!r.err && out->u.error.code == 0)
			relo_rd_fail(&r, -EBADMSG); /* invalidErrorCode */
		out->u.error.info = relo_rd_vec(&r, 2, 0xffff);
		break;
	default:
		return -ENOTSUP;
	}
	if (!r.err && relo_rd_left(&r))
		return -EBADMSG; /* trailing bytes in the body */
	return r.err;
}

void relo_body_write(struct relo_wr *w, const struct relo_wirecfg *cfg, const struct relo_body *b)
{
	switch (b->code) {
	case RELO_PROBE_REQ:
		if (b->u.probe_req.types.len && memchr(b->u.probe_req.types.p, 0, b->u.probe_req.types.len))
			relo_wr_fail(w, -EINVAL);
		relo_wr_vec(w, 1, 0xff, b->u.probe_req.types);
		break;
	case RELO_PROBE_ANS:
		body_probe_ans_write(w, &b->u.probe_ans);
		break;
	case RELO_ATTACH_REQ:
	case RELO_ATTACH_ANS:
		body_attach_write(w, &b->u.attach);
		break;
	case RELO_STORE_REQ:
		body_store_req_write(w, &b->u.store_req);
		break;
	case RELO_STORE_ANS:
		relo_store_ans_write(w, cfg, &b->u.store_ans);
		break;
	case RELO_FETCH_REQ:
	case RELO_STAT_REQ:
		body_fetch_req_write(w, &b->u.fetch_req);
		break;
	case RELO_FETCH_ANS:
		body_fetch_ans_write(w, &b->u.fetch_ans);
		break;
	case RELO_STAT_ANS:
		body_stat_ans_write(w, &b->u.stat_ans);
		break;
	case RELO_FIND_REQ:
		body_find_req_write(w, &b->u.find_req);
		break;
	case RELO_FIND_ANS:
		body_find_ans_write(w, &b->u.find_ans);
		break;
	case RELO_JOIN_REQ:
		relo_nodeid_write(w, cfg, &b->u.join_req.peer);
		relo_wr_vec(w, 2, 0xffff, b->u.join_req.data);
		break;
	case RELO_JOIN_ANS:
		relo_wr_vec(w, 2, 0xffff, b->u.join_ans.data);
		break;
	case RELO_LEAVE_REQ:
		body_leave_req_write(w, cfg, &b->u.leave_req);
		break;
	case RELO_UPDATE_REQ:
		body_chord_update_write(w, cfg, &b->u.update_req);
		break;
	case RELO_ROUTE_QUERY_REQ:
		relo_wr_bool(w, b->u.route_query_req.send_update);
		relo_dest_write(w, cfg, &b->u.route_query_req.dest);
		relo_wr_vec(w, 2, 0xffff, b->u.route_query_req.data);
		break;
	case RELO_ROUTE_QUERY_ANS:
		relo_nodeid_write(w, cfg, &b->u.route_query_ans.next_peer);
		break;
	case RELO_PING_REQ:
		relo_wr_vec(w, 2, 0xffff, b->u.ping_req.padding);
		break;
	case RELO_PING_ANS:
		body_ping_ans_write(w, &b->u.ping_ans);
		break;
	case RELO_APP_ATTACH_REQ:
	case RELO_APP_ATTACH_ANS:
		body_app_attach_write(w, &b->u.app_attach);
		break;
	case RELO_CONFIG_UPDATE_REQ:
		body_config_update_write(w, &b->u.config_update_req);
		break;
	case RELO_LEAVE_ANS:
	case RELO_UPDATE_ANS:
	case RELO_CONFIG_UPDATE_ANS:
		break;
	case RELO_EXP_A_REQ:
	case RELO_EXP_A_ANS:
	case RELO_EXP_B_REQ:
	case RELO_EXP_B_ANS:
		relo_wr_bytes(w, b->u.exp.p, b->u.exp.len);
		break;
	case RELO_ERROR:
		if (b->u.error.code == 0)
			relo_wr_fail(w, -EINVAL);
		relo_wr_u16(w, b->u.error.code);
		relo_wr_vec(w, 2, 0xffff, b->u.error.info);
		break;
	default:
		relo_wr_fail(w, -ENOTSUP);
		break;
	}
}

int relo_unknown_kinds_decode(struct relo_bytes info, struct relo_arena *a, uint32_t **kinds,
			      size_t *n)
{
	struct relo_rd r;

	*kinds = NULL;
	*n = 0;
	relo_rd_init(&r, info.p, info.len);
	kind_id_list_read(&r, a, kinds, n);
	if (!r.err && relo_rd_left(&r))
		return -EBADMSG;
	return r.err;
}

void relo_unknown_kinds_write(struct relo_wr *w, const uint32_t *kinds, size_t n)
{
	kind_id_list_write(w, kinds, n);
}
