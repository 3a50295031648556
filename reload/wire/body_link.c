/*
 * body_link.c - Attach, AppAttach, Ping and ConfigUpdate bodies, with
 * IpAddressPort and IceCandidate (RFC 6940 sections 6.3.1.1, 6.5)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "wire_int.h"

void relo_ipport_read(struct relo_rd *r, struct relo_ipport *a)
{
	struct relo_rd sub;
	struct relo_bytes b;

	memset(a, 0, sizeof(*a));
	a->type = relo_rd_u8(r);
	relo_rd_open(r, 1, 0xff, &sub);
	switch (a->type) {
	case RELO_ADDR_IPV4:
		b = relo_rd_fixed(&sub, 4);
		if (b.p)
			memcpy(a->addr, b.p, 4);
		a->port = relo_rd_u16(&sub);
		break;
	case RELO_ADDR_IPV6:
		b = relo_rd_fixed(&sub, 16);
		if (b.p)
			memcpy(a->addr, b.p, 16);
		a->port = relo_rd_u16(&sub);
		break;
	case 0:
		relo_rd_fail(&sub, -EBADMSG); /* invalidAddressType */
		break;
	default:
		a->raw = relo_rd_fixed(&sub, relo_rd_left(&sub));
		break;
	}
	relo_rd_close(r, &sub);
}

void relo_ipport_write(struct relo_wr *w, const struct relo_ipport *a)
{
	size_t mark;

	relo_wr_u8(w, a->type);
	mark = relo_wr_open(w, 1);
	switch (a->type) {
	case RELO_ADDR_IPV4:
		relo_wr_bytes(w, a->addr, 4);
		relo_wr_u16(w, a->port);
		break;
	case RELO_ADDR_IPV6:
		relo_wr_bytes(w, a->addr, 16);
		relo_wr_u16(w, a->port);
		break;
	case 0:
		relo_wr_fail(w, -EINVAL);
		break;
	default:
		relo_wr_bytes(w, a->raw.p, a->raw.len);
		break;
	}
	relo_wr_close(w, mark, 1, 0xff);
}

const char *relo_ipport_str(const struct relo_ipport *a, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN];

	switch (a->type) {
	case RELO_ADDR_IPV4:
		inet_ntop(AF_INET, a->addr, host, sizeof(host));
		snprintf(buf, size, "%s:%u", host, a->port);
		break;
	case RELO_ADDR_IPV6:
		inet_ntop(AF_INET6, a->addr, host, sizeof(host));
		snprintf(buf, size, "[%s]:%u", host, a->port);
		break;
	default:
		snprintf(buf, size, "(address type %u, %zu bytes)", a->type, a->raw.len);
		break;
	}
	return buf;
}

static void cand_read(struct relo_rd *r, struct relo_arena *a, struct relo_ice_cand *c)
{
	struct relo_rd sub;
	size_t cap = 0;

	relo_ipport_read(r, &c->addr);
	c->link = relo_rd_u8(r);
	if (!r->err && c->link == 0)
		relo_rd_fail(r, -EBADMSG); /* invalidOverlayLinkType */
	c->foundation = relo_rd_vec(r, 1, 0xff);
	c->priority = relo_rd_u32(r);
	c->type = relo_rd_u8(r);
	switch (c->type) {
	case RELO_CAND_HOST:
		break;
	case RELO_CAND_SRFLX:
	case RELO_CAND_RELAY:
		relo_ipport_read(r, &c->rel);
		break;
	default:
		/* Not extensible: nothing tells how long an unknown type is. */
		relo_rd_fail(r, -EBADMSG);
		return;
	}
	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_ice_ext *e = RD_PUSH(&sub, a, c->ext, c->n_ext, cap);
		if (!e)
			break;
		e->name = relo_rd_vec(&sub, 2, 0xffff);
		e->value = relo_rd_vec(&sub, 2, 0xffff);
	}
	relo_rd_close(r, &sub);
}

static void cand_write(struct relo_wr *w, const struct relo_ice_cand *c)
{
	size_t mark, i;

	relo_ipport_write(w, &c->addr);
	if (c->link == 0)
		relo_wr_fail(w, -EINVAL);
	relo_wr_u8(w, c->link);
	relo_wr_vec(w, 1, 0xff, c->foundation);
	relo_wr_u32(w, c->priority);
	relo_wr_u8(w, c->type);
	switch (c->type) {
	case RELO_CAND_HOST:
		break;
	case RELO_CAND_SRFLX:
	case RELO_CAND_RELAY:
		relo_ipport_write(w, &c->rel);
		break;
	default:
		relo_wr_fail(w, -EINVAL);
		return;
	}
	mark = relo_wr_open(w, 2);
	for (i = 0; i < c->n_ext; i++) {
		relo_wr_vec(w, 2, 0xffff, c->ext[i].name);
		relo_wr_vec(w, 2, 0xffff, c->ext[i].value);
	}
	relo_wr_close(w, mark, 2, 0xffff);
}

static void cand_list_read(struct relo_rd *r, struct relo_arena *a, struct relo_ice_cand **list,
			   size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_ice_cand *c = RD_PUSH(&sub, a, *list, *n, cap);
		if (!c)
			break;
		cand_read(&sub, a, c);
	}
	relo_rd_close(r, &sub);
}

static void cand_list_write(struct relo_wr *w, const struct relo_ice_cand *list, size_t n)
{
	size_t mark = relo_wr_open(w, 2), i;

	for (i = 0; i < n; i++)
		cand_write(w, &list[i]);
	relo_wr_close(w, mark, 2, 0xffff);
}

void body_attach_read(struct relo_rd *r, struct relo_arena *a, struct relo_attach *b)
{
	b->ufrag = relo_rd_vec(r, 1, 0xff);
	b->password = relo_rd_vec(r, 1, 0xff);
	b->role = relo_rd_vec(r, 1, 0xff);
	cand_list_read(r, a, &b->cand, &b->n_cand);
	b->send_update = relo_rd_bool(r);
}

void body_attach_write(struct relo_wr *w, const struct relo_attach *b)
{
	relo_wr_vec(w, 1, 0xff, b->ufrag);
	relo_wr_vec(w, 1, 0xff, b->password);
	relo_wr_vec(w, 1, 0xff, b->role);
	cand_list_write(w, b->cand, b->n_cand);
	relo_wr_bool(w, b->send_update);
}

void body_app_attach_read(struct relo_rd *r, struct relo_arena *a, struct relo_app_attach *b)
{
	b->ufrag = relo_rd_vec(r, 1, 0xff);
	b->password = relo_rd_vec(r, 1, 0xff);
	b->application = relo_rd_u16(r);
	b->role = relo_rd_vec(r, 1, 0xff);
	cand_list_read(r, a, &b->cand, &b->n_cand);
}

void body_app_attach_write(struct relo_wr *w, const struct relo_app_attach *b)
{
	relo_wr_vec(w, 1, 0xff, b->ufrag);
	relo_wr_vec(w, 1, 0xff, b->password);
	relo_wr_u16(w, b->application);
	relo_wr_vec(w, 1, 0xff, b->role);
	cand_list_write(w, b->cand, b->n_cand);
}

void body_ping_ans_read(struct relo_rd *r, struct relo_ping_ans *b)
{
	b->response_id = relo_rd_u64(r);
	b->time = relo_rd_u64(r);
}

void body_ping_ans_write(struct relo_wr *w, const struct relo_ping_ans *b)
{
	relo_wr_u64(w, b->response_id);
	relo_wr_u64(w, b->time);
}

/*
 * ConfigUpdateReq: type, a 32-bit length of the rest, then for config an
 * opaque<0..2^24-1> document and for kind a KindDescription<0..2^24-1>
 * list of opaque<0..2^16-1> each.
 */
void body_config_update_read(struct relo_rd *r, struct relo_arena *a,
			     struct relo_config_update_req *b)
{
	struct relo_rd rest, sub;
	size_t cap = 0;

	b->type = relo_rd_u8(r);
	relo_rd_open(r, 4, 0xffffffffu, &rest);
	switch (b->type) {
	case RELO_CONFIG_UPDATE_CONFIG:
		b->config = relo_rd_vec(&rest, 3, 0xffffff);
		break;
	case RELO_CONFIG_UPDATE_KIND:
		relo_rd_open(&rest, 3, 0xffffff, &sub);
		while (relo_rd_more(&sub)) {
			struct relo_bytes *k = RD_PUSH(&sub, a, b->kinds, b->n_kinds, cap);
			if (!k)
				break;
			*k = relo_rd_vec(&sub, 2, 0xffff);
		}
		relo_rd_close(&rest, &sub);
		break;
	case 0:
		relo_rd_fail(&rest, -EBADMSG);
		break;
	default:
		b->raw = relo_rd_fixed(&rest, relo_rd_left(&rest));
		break;
	}
	relo_rd_close(r, &rest);
}

void body_config_update_write(struct relo_wr *w, const struct relo_config_update_req *b)
{
	size_t mark, inner, i;

	relo_wr_u8(w, b->type);
	mark = relo_wr_open(w, 4);
	switch (b->type) {
	case RELO_CONFIG_UPDATE_CONFIG:
		relo_wr_vec(w, 3, 0xffffff, b->config);
		break;
	case RELO_CONFIG_UPDATE_KIND:
		inner = relo_wr_open(w, 3);
		for (i = 0; i < b->n_kinds; i++)
			relo_wr_vec(w, 2, 0xffff, b->kinds[i]);
		relo_wr_close(w, inner, 3, 0xffffff);
		break;
	case 0:
		relo_wr_fail(w, -EINVAL);
		break;
	default:
		relo_wr_bytes(w, b->raw.p, b->raw.len);
		break;
	}
	relo_wr_close(w, mark, 4, 0xffffffffu);
}
