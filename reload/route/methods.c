/*
 * methods.c - the methods every peer answers itself: Ping, Probe, Attach
 * and AppAttach (No-ICE), RouteQuery, and the topology's Join, Update and
 * Leave (RFC 6940 sections 6.4.2, 6.5, 10.5-10.9)
 */
#include <stdio.h>
#include <string.h>

#include "node_int.h"

static const char *const role_passive = "passive", *const role_active = "active";

/* Our one candidate: a host candidate of TLS/TCP with framing, No-ICE. */
static void our_candidate(struct relo_node *n, struct relo_arena *a, struct relo_ice_cand **cand,
			  size_t *n_cand)
{
	struct relo_ice_cand *c = relo_arena_get(a, sizeof(*c));

	*n_cand = 0;
	*cand = c;
	if (!c)
		return;
	c->addr = n->listen;
	c->link = RELO_LINK_TLS_TCP_FH_NO_ICE;
	c->foundation = relo_bytes_str("1");
	c->priority = 126u << 24 | 65535u << 8 | 255u; /* host, local preference 65535 */
	c->type = RELO_CAND_HOST;
	*n_cand = 1;
}

/* ICE credentials: not used by No-ICE links, but the fields are there. */
static void ice_credentials(struct relo_node *n, struct relo_arena *a, struct relo_bytes *ufrag,
			    struct relo_bytes *pwd)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint8_t raw[30];
	char *s = relo_arena_get(a, sizeof(raw));
	size_t i;

	*ufrag = *pwd = relo_bytes_of(NULL, 0);
	if (!s)
		return;
	n->ops->random(n->env, raw, sizeof(raw));
	for (i = 0; i < sizeof(raw); i++)
		s[i] = alphabet[raw[i] % (sizeof(alphabet) - 1)];
	*ufrag = relo_bytes_of(s, 8);
	*pwd = relo_bytes_of(s + 8, 22);
}

int methods_attach(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
		   bool send_update, relo_answer_h *h, void *arg)
{
	struct relo_arena *a;
	struct relo_body b;
	int err;

	err = relo_arena_alloc(&a, 1024, 0);
	if (err)
		return err;
	memset(&b, 0, sizeof(b));
	b.code = RELO_ATTACH_REQ;
	ice_credentials(n, a, &b.u.attach.ufrag, &b.u.attach.password);
	b.u.attach.role = relo_bytes_str(role_passive); /* the offerer is passive */
	our_candidate(n, a, &b.u.attach.cand, &b.u.attach.n_cand);
	b.u.attach.send_update = send_update;
	n->st.attaches_out++;
	err = relo_node_request(n, dst, n_dst, &b, h, arg);
	relo_arena_free(a);
	return err;
}

/* The candidate a No-ICE Attach can use: TLS/TCP with framing. */
static const struct relo_ice_cand *no_ice_candidate(const struct relo_attach *at)
{
	size_t i;

	for (i = 0; i < at->n_cand; i++) {
		const struct relo_ice_cand *c = &at->cand[i];
		if (c->link == RELO_LINK_TLS_TCP_FH_NO_ICE &&
		    (c->addr.type == RELO_ADDR_IPV4 || c->addr.type == RELO_ADDR_IPV6))
			return c;
	}
	return NULL;
}

static int answer_attach(struct relo_node *n, const struct relo_nodeid *sender,
			 const struct relo_attach *req, struct relo_arena *a,
			 struct relo_body *ans, const char **why)
{
	const struct relo_ice_cand *cand;
	struct conn *c;
	int err;

	n->st.attaches_in++;
	if (relo_nodeid_eq(sender, &n->self)) {
		*why = "an Attach from ourselves";
		return RELO_ERR_INVALID_MESSAGE;
	}
	cand = no_ice_candidate(req);
	c = node_conn_by_peer(n, sender);
	/* Both sides attaching at once: the larger Node-ID's Attach wins
	 * (6.5.1.2), so only one link is made. */
	if (!c && chord_attaching(n, sender) && relo_id_cmp(&n->self, sender) > 0) {
		*why = "our Attach to you is in progress";
		return RELO_ERR_IN_PROGRESS;
	}
	if (!cand && !c) {
		*why = "no TLS-TCP-FH-NO-ICE candidate (this overlay does not use ICE)";
		return RELO_ERR_INVALID_MESSAGE;
	}
	if (c) {
		/* Connected already: just what it asked for. */
		if (req->send_update && relo_node_joined(n))
			chord_send_update(n, c, RELO_CHORD_FULL);
	} else {
		/* The node that sent the Attach is the TLS server (6.5.1.13). */
		err = node_connect(n, &cand->addr, sender, false, req->send_update);
		if (err && err != -EALREADY) {
			*why = "cannot connect to the candidate";
			return RELO_ERR_NOT_FOUND;
		}
	}
	ans->code = RELO_ATTACH_ANS;
	ice_credentials(n, a, &ans->u.attach.ufrag, &ans->u.attach.password);
	ans->u.attach.role = relo_bytes_str(role_active);
	our_candidate(n, a, &ans->u.attach.cand, &ans->u.attach.n_cand);
	return 0;
}

/* AppAttach (6.5.2): the application's listening address, No-ICE. */
static int answer_app_attach(struct relo_node *n, const struct relo_app_attach *req,
			     struct relo_arena *a, struct relo_body *ans, const char **why)
{
	struct relo_ice_cand *c;
	size_t i;

	for (i = 0; i < n->n_apps && n->apps[i].application != req->application; i++)
		;
	if (i == n->n_apps) {
		*why = "application not served by this node";
		return RELO_ERR_NOT_FOUND;
	}
	c = relo_arena_get(a, sizeof(*c));
	if (!c)
		return -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->addr = n->apps[i].addr;
	c->link = RELO_LINK_TLS_TCP_FH_NO_ICE; /* the one No-ICE TCP type there is */
	c->foundation = relo_bytes_str("1");
	c->priority = 126u << 24 | 65535u << 8 | 255u;
	c->type = RELO_CAND_HOST;
	ans->code = RELO_APP_ATTACH_ANS;
	ice_credentials(n, a, &ans->u.app_attach.ufrag, &ans->u.app_attach.password);
	ans->u.app_attach.application = req->application;
	ans->u.app_attach.role = relo_bytes_str(role_active);
	ans->u.app_attach.cand = c;
	ans->u.app_attach.n_cand = 1;
	return 0;
}

int relo_node_app(struct relo_node *n, uint16_t application, const struct relo_ipport *addr)
{
	size_t i;

	for (i = 0; i < n->n_apps && n->apps[i].application != application; i++)
		;
	if (!addr) {
		if (i < n->n_apps)
			n->apps[i] = n->apps[--n->n_apps];
		return 0;
	}
	if (i == n->n_apps) {
		if (n->n_apps == sizeof(n->apps) / sizeof(n->apps[0]))
			return -ENOSPC;
		n->n_apps++;
	}
	n->apps[i].application = application;
	n->apps[i].addr = *addr;
	return 0;
}

int relo_node_app_attach(struct relo_node *n, const struct relo_dest *dst, size_t n_dst,
			 uint16_t application, relo_answer_h *h, void *arg)
{
	struct relo_arena *a;
	struct relo_body b;
	int err = relo_arena_alloc(&a, 512, 0);

	if (err)
		return err;
	memset(&b, 0, sizeof(b));
	b.code = RELO_APP_ATTACH_REQ;
	ice_credentials(n, a, &b.u.app_attach.ufrag, &b.u.app_attach.password);
	b.u.app_attach.application = application;
	b.u.app_attach.role = relo_bytes_str(role_passive);
	err = relo_node_request(n, dst, n_dst, &b, h, arg);
	relo_arena_free(a);
	return err;
}

static int answer_probe(struct relo_node *n, const struct relo_probe_req *req,
			struct relo_arena *a, struct relo_body *ans)
{
	struct relo_probe_info *info;
	size_t i, k = 0;

	ans->code = RELO_PROBE_ANS;
	info = relo_arena_get(a, (req->types.len + 1) * sizeof(*info));
	if (!info)
		return -ENOMEM;
	/* In the order asked; unknown types are left out (6.4.2.5.2). */
	for (i = 0; i < req->types.len; i++) {
		switch (req->types.p[i]) {
		case RELO_PROBE_RESPONSIBLE_SET:
			info[k].type = RELO_PROBE_RESPONSIBLE_SET;
			info[k++].value = n->n_pred ? relo_id_fraction_ppb(&n->pred[0], &n->self)
						    : 1000000000u;
			break;
		case RELO_PROBE_NUM_RESOURCES:
			info[k].type = RELO_PROBE_NUM_RESOURCES;
			info[k++].value = n->num_resources ? n->num_resources(n->num_resources_arg) : 0;
			break;
		case RELO_PROBE_UPTIME:
			info[k].type = RELO_PROBE_UPTIME;
			info[k++].value = (uint32_t)((node_now(n) - n->started_at) / 1000);
			break;
		}
	}
	ans->u.probe_ans.info = info;
	ans->u.probe_ans.n = k;
	return 0;
}

static int answer_route_query(struct relo_node *n, struct conn *from,
			      const struct relo_nodeid *sender,
			      const struct relo_route_query_req *req, struct relo_body *ans,
			      const char **why)
{
	struct relo_nodeid target;
	struct conn *c;

	switch (req->dest.type) {
	case RELO_DEST_NODE:
		target = req->dest.u.node;
		break;
	case RELO_DEST_RESOURCE:
		relo_id_from_resource(&target, req->dest.u.resource, n->wc.node_id_len);
		break;
	default:
		*why = "opaque destinations are not answered";
		return RELO_ERR_INVALID_MESSAGE;
	}
	ans->code = RELO_ROUTE_QUERY_ANS;
	if (relo_node_next_hop(n, &target, &ans->u.route_query_ans.next_peer) < 0) {
		*why = "no route";
		return RELO_ERR_NOT_FOUND;
	}
	c = node_conn_by_peer(n, sender);
	if (req->send_update && c && relo_node_joined(n))
		chord_send_update(n, c, RELO_CHORD_FULL);
	(void)from;
	return 0;
}

int methods_answer(struct relo_node *n, struct conn *from, const struct relo_msg *req,
		   const struct relo_nodeid *sender, const struct relo_body *body,
		   struct relo_arena *a, struct relo_body *ans, const char **why)
{
	int rc;

	switch (body->code) {
	case RELO_PING_REQ:
		ans->code = RELO_PING_ANS;
		n->ops->random(n->env, &ans->u.ping_ans.response_id, 8);
		ans->u.ping_ans.time = node_now(n);
		return 0;
	case RELO_PROBE_REQ:
		return answer_probe(n, &body->u.probe_req, a, ans);
	case RELO_ATTACH_REQ:
		return answer_attach(n, sender, &body->u.attach, a, ans, why);
	case RELO_APP_ATTACH_REQ:
		return answer_app_attach(n, &body->u.app_attach, a, ans, why);
	case RELO_ROUTE_QUERY_REQ:
		return answer_route_query(n, from, sender, &body->u.route_query_req, ans, why);
	case RELO_UPDATE_REQ:
		n->st.updates_in++;
		rc = chord_on_update(n, from, sender, &body->u.update_req);
		if (rc == 0)
			ans->code = RELO_UPDATE_ANS;
		return rc;
	case RELO_JOIN_REQ:
		rc = chord_on_join(n, from, sender, &body->u.join_req, why);
		if (rc == 0)
			ans->code = RELO_JOIN_ANS;
		return rc;
	case RELO_LEAVE_REQ:
		rc = chord_on_leave(n, from, sender, &body->u.leave_req, why);
		if (rc == 0)
			ans->code = RELO_LEAVE_ANS;
		return rc;
	}
	(void)req;
	return -ENOENT;
}
