/*
 * delta.c - partial documents (RFC 4575 section 4.6): the difference of
 * two states, and a received document applied onto a held state.
 *
 * The rules both sides follow (apply is the reader's half, diff the
 * writer's; diff only writes what apply reads back into the new state):
 *
 *  - Elements with a state attribute (<users>, <user>, <endpoint>, and
 *    URI lists): "full" replaces the held element, "deleted" removes it,
 *    "partial" merges its children into it.
 *  - Keyed elements (users and endpoints by entity, media by id,
 *    available-media entries by label, URI entries by uri) merge with
 *    the held element of the same key, or are added.
 *  - Other elements present in a partial document (a <display-text>, a
 *    <conference-state>, a <media>, an <joining-info>...) merge field by
 *    field: what is present replaces, what is absent is unchanged.
 *
 * So a partial document cannot remove a child of an element without a
 * state attribute (a <subject>, a medium, the <when> of a <joining-info>),
 * nor one URI entry. diff() then rewrites the nearest ancestor that has a
 * state attribute with state="full" (an endpoint, a user, a URI list), or
 * sends the whole document as full when the nearest is the root (a
 * change in <conference-description>, <host-info> or <conference-state>
 * that removes something). Changed URI lists are always sent whole
 * (state="full"): they are short.
 */
#include "confinfo_int.h"

/* What diff found at one level. */
struct dflag {
	bool changed; /* something to send */
	bool full;    /* the nearest element with a state attribute must be sent full */
};

static int set_copy(char **d, const char *s)
{
	return confinfo_str_set(d, s);
}

/* A string child: unchanged, changed (copied into *d) or removed (full). */
static int str_delta(char **d, const char *o, const char *n, struct dflag *f)
{
	if (ci_str_eq(o, n))
		return 0;
	if (!n) {
		f->full = true;
		return 0;
	}
	f->changed = true;
	return set_copy(d, n);
}

/* An enumerated child (0: absent). */
static void enum_delta(unsigned *d, unsigned o, unsigned n, struct dflag *f)
{
	if (o == n)
		return;
	if (!n) {
		f->full = true;
		return;
	}
	f->changed = true;
	*d = n;
}

/* Whether some field present in o is absent in n. */
static bool exec_lost(const struct confinfo_exec *o, const struct confinfo_exec *n)
{
	return (ci_exec_on(o) && !ci_exec_on(n)) || (o->when && !n->when) ||
	       (o->reason && !n->reason) || (o->by && !n->by);
}

/* An element without state attribute and unkeyed children: sent whole. */
static int exec_delta(struct confinfo_exec *d, const struct confinfo_exec *o,
		      const struct confinfo_exec *n, struct dflag *f)
{
	if (ci_exec_eq(o, n))
		return 0;
	if (exec_lost(o, n)) {
		f->full = true;
		return 0;
	}
	f->changed = true;
	ci_exec_free(d);
	return ci_exec_copy(d, n);
}

static bool sip_lost(const struct confinfo_sip *o, const struct confinfo_sip *n)
{
	return (ci_sip_on(o) && !ci_sip_on(n)) || (o->display_text && !n->display_text) ||
	       (o->call_id && !n->call_id) || (o->from_tag && !n->from_tag) ||
	       (o->to_tag && !n->to_tag);
}

static bool media_lost(const struct confinfo_media *o, const struct confinfo_media *n)
{
	return (o->display_text && !n->display_text) || (o->type && !n->type) ||
	       (o->label && !n->label) || (o->src_id && !n->src_id) || (o->status && !n->status);
}

static bool avmedia_lost(const struct confinfo_avmedia *o, const struct confinfo_avmedia *n)
{
	return (o->display_text && !n->display_text) || (o->type && !n->type) ||
	       (o->status && !n->status);
}

/* A URI list: sent whole when changed; its removal needs the parent full. */
static int uris_delta(struct confinfo_uris *d, const struct confinfo_uris *o,
		      const struct confinfo_uris *n, struct dflag *f)
{
	int rc;

	if (ci_uris_eq(o, n))
		return 0;
	if (!n->n) {
		f->full = true; /* an empty list cannot be written */
		return 0;
	}
	f->changed = true;
	ci_uris_free(d);
	rc = ci_uris_copy(d, n);
	d->state = CONFINFO_FULL;
	return rc;
}

/* Appends a copy of s to an array (n counted first, so a failed copy is freed with it). */
#define APPEND_COPY(arr, cnt, s, copyfn, out)                                            \
	do {                                                                             \
		__typeof__(arr) v_ = ci_grow(arr, cnt, sizeof(*(arr)));                  \
		if (!v_)                                                                 \
			return -ENOMEM;                                                  \
		(arr) = v_;                                                              \
		(out) = &v_[(cnt)++];                                                    \
		if (copyfn(out, s))                                                      \
			return -ENOMEM;                                                  \
	} while (0)

static int endpoint_diff(struct confinfo_endpoint *d, const struct confinfo_endpoint *o,
			 const struct confinfo_endpoint *n, struct dflag *f)
{
	unsigned v;
	size_t i;
	int rc;

	d->state = CONFINFO_PARTIAL;
	if ((rc = set_copy(&d->entity, n->entity)) != 0 ||
	    (rc = str_delta(&d->display_text, o->display_text, n->display_text, f)) != 0 ||
	    (rc = exec_delta(&d->referred, &o->referred, &n->referred, f)) != 0 ||
	    (rc = exec_delta(&d->joining_info, &o->joining_info, &n->joining_info, f)) != 0 ||
	    (rc = exec_delta(&d->disconnection_info, &o->disconnection_info,
			     &n->disconnection_info, f)) != 0)
		return rc;
	v = 0;
	enum_delta(&v, o->status, n->status, f);
	d->status = (enum confinfo_ep_status)v;
	v = 0;
	enum_delta(&v, o->joining_method, n->joining_method, f);
	d->joining_method = (enum confinfo_joining)v;
	v = 0;
	enum_delta(&v, o->disconnection_method, n->disconnection_method, f);
	d->disconnection_method = (enum confinfo_disconnection)v;
	if (!ci_sip_eq(&o->call_info, &n->call_info)) {
		if (sip_lost(&o->call_info, &n->call_info)) {
			f->full = true;
		} else {
			f->changed = true;
			if ((rc = ci_sip_copy(&d->call_info, &n->call_info)) != 0)
				return rc;
		}
	}
	for (i = 0; i < o->n_media && !f->full; i++)
		if (!confinfo_media_get(n, o->media[i].id))
			f->full = true; /* media have no state attribute */
	for (i = 0; i < n->n_media && !f->full; i++) {
		const struct confinfo_media *om = confinfo_media_get(o, n->media[i].id);
		struct confinfo_media *dm;

		if (om && ci_media_eq(om, &n->media[i]))
			continue;
		if (om && media_lost(om, &n->media[i])) {
			f->full = true;
			break;
		}
		f->changed = true;
		APPEND_COPY(d->media, d->n_media, &n->media[i], ci_media_copy, dm);
	}
	return 0;
}

/* Adds to the partial user d what turns endpoints of o into those of n. */
static int endpoints_diff(struct confinfo_user *d, const struct confinfo_user *o,
			  const struct confinfo_user *n, struct dflag *f)
{
	struct confinfo_endpoint *de;
	size_t i;
	int rc;

	for (i = 0; i < n->n_endpoints; i++) {
		const struct confinfo_endpoint *ne = &n->endpoints[i];
		const struct confinfo_endpoint *oe = confinfo_endpoint_get(o, ne->entity);
		struct confinfo_endpoint tmp = { 0 };
		struct dflag ef = { 0 };

		if (oe && ci_endpoint_eq(oe, ne))
			continue;
		f->changed = true;
		if (oe) {
			rc = endpoint_diff(&tmp, oe, ne, &ef);
			if (rc || !ef.full) {
				if (rc) {
					ci_endpoint_free(&tmp);
					return rc;
				}
				de = ci_grow(d->endpoints, d->n_endpoints, sizeof(*de));
				if (!de) {
					ci_endpoint_free(&tmp);
					return -ENOMEM;
				}
				d->endpoints = de;
				de[d->n_endpoints++] = tmp;
				continue;
			}
			ci_endpoint_free(&tmp);
		}
		APPEND_COPY(d->endpoints, d->n_endpoints, ne, ci_endpoint_copy, de);
		de->state = CONFINFO_FULL;
	}
	for (i = 0; i < o->n_endpoints; i++) {
		if (confinfo_endpoint_get(n, o->endpoints[i].entity))
			continue;
		f->changed = true;
		if ((rc = confinfo_endpoint_add(d, o->endpoints[i].entity, &de)) != 0)
			return rc;
		de->state = CONFINFO_DELETED;
	}
	return 0;
}

static int user_diff(struct confinfo_user *d, const struct confinfo_user *o,
		     const struct confinfo_user *n, struct dflag *f)
{
	int rc;

	d->state = CONFINFO_PARTIAL;
	if ((rc = set_copy(&d->entity, n->entity)) != 0 ||
	    (rc = str_delta(&d->display_text, o->display_text, n->display_text, f)) != 0 ||
	    (rc = uris_delta(&d->associated_aors, &o->associated_aors, &n->associated_aors, f)) !=
		    0 ||
	    (rc = str_delta(&d->languages, o->languages, n->languages, f)) != 0 ||
	    (rc = str_delta(&d->cascaded_focus, o->cascaded_focus, n->cascaded_focus, f)) != 0)
		return rc;
	if (!ci_roles_eq(o, n)) {
		if (!n->n_roles) {
			f->full = true;
		} else {
			f->changed = true;
			if ((rc = ci_roles_copy(d, n)) != 0)
				return rc;
		}
	}
	if (f->full)
		return 0;
	return endpoints_diff(d, o, n, f);
}

static int users_diff(struct confinfo *d, const struct confinfo *o, const struct confinfo *n,
		      struct dflag *f)
{
	struct confinfo_user *du;
	size_t i;
	int rc;

	if (ci_users_eq(&o->users, &n->users))
		return 0;
	f->changed = true;
	d->users.present = true;
	if (!ci_users_on(&n->users)) {
		d->users.state = CONFINFO_DELETED;
		return 0;
	}
	d->users.state = CONFINFO_PARTIAL;
	for (i = 0; i < n->users.n; i++) {
		const struct confinfo_user *nu = &n->users.v[i];
		const struct confinfo_user *ou = confinfo_user_get(o, nu->entity);
		struct confinfo_user tmp = { 0 };
		struct dflag uf = { 0 };

		if (ou && ci_user_eq(ou, nu))
			continue;
		if (ou) {
			rc = user_diff(&tmp, ou, nu, &uf);
			if (rc || !uf.full) {
				if (rc) {
					ci_user_free(&tmp);
					return rc;
				}
				du = ci_grow(d->users.v, d->users.n, sizeof(*du));
				if (!du) {
					ci_user_free(&tmp);
					return -ENOMEM;
				}
				d->users.v = du;
				du[d->users.n++] = tmp;
				continue;
			}
			ci_user_free(&tmp);
		}
		APPEND_COPY(d->users.v, d->users.n, nu, ci_user_copy, du);
		du->state = CONFINFO_FULL;
	}
	for (i = 0; i < o->users.n; i++) {
		if (confinfo_user_get(n, o->users.v[i].entity))
			continue;
		if ((rc = confinfo_user_add(d, o->users.v[i].entity, &du)) != 0)
			return rc;
		du->state = CONFINFO_DELETED;
	}
	return 0;
}

static int desc_diff(struct confinfo_desc *d, const struct confinfo_desc *o,
		     const struct confinfo_desc *n, struct dflag *f)
{
	struct confinfo_avmedia *dm;
	size_t i;
	int rc;

	if (ci_desc_eq(o, n))
		return 0;
	if (!ci_desc_on(n)) {
		f->full = true;
		return 0;
	}
	f->changed = true;
	d->present = true;
	if ((rc = str_delta(&d->display_text, o->display_text, n->display_text, f)) != 0 ||
	    (rc = str_delta(&d->subject, o->subject, n->subject, f)) != 0 ||
	    (rc = str_delta(&d->free_text, o->free_text, n->free_text, f)) != 0 ||
	    (rc = str_delta(&d->keywords, o->keywords, n->keywords, f)) != 0 ||
	    (rc = uris_delta(&d->conf_uris, &o->conf_uris, &n->conf_uris, f)) != 0 ||
	    (rc = uris_delta(&d->service_uris, &o->service_uris, &n->service_uris, f)) != 0)
		return rc;
	if (o->has_max_users && !n->has_max_users) {
		f->full = true;
	} else if (n->has_max_users && (!o->has_max_users || o->max_users != n->max_users)) {
		d->has_max_users = true;
		d->max_users = n->max_users;
	}
	for (i = 0; i < o->n_avmedia && !f->full; i++)
		if (!confinfo_avmedia_get(n, o->avmedia[i].label))
			f->full = true;
	for (i = 0; i < n->n_avmedia && !f->full; i++) {
		const struct confinfo_avmedia *om = confinfo_avmedia_get(o, n->avmedia[i].label);

		if (om && ci_avmedia_eq(om, &n->avmedia[i]))
			continue;
		if (om && avmedia_lost(om, &n->avmedia[i])) {
			f->full = true;
			break;
		}
		APPEND_COPY(d->avmedia, d->n_avmedia, &n->avmedia[i], ci_avmedia_copy, dm);
	}
	return 0;
}

static int host_diff(struct confinfo_host *d, const struct confinfo_host *o,
		     const struct confinfo_host *n, struct dflag *f)
{
	int rc;

	if (ci_host_eq(o, n))
		return 0;
	if (!ci_host_on(n)) {
		f->full = true;
		return 0;
	}
	f->changed = true;
	d->present = true;
	if ((rc = str_delta(&d->display_text, o->display_text, n->display_text, f)) != 0 ||
	    (rc = str_delta(&d->web_page, o->web_page, n->web_page, f)) != 0)
		return rc;
	return uris_delta(&d->uris, &o->uris, &n->uris, f);
}

static void cstate_diff(struct confinfo_cstate *d, const struct confinfo_cstate *o,
			const struct confinfo_cstate *n, struct dflag *f)
{
	unsigned v;

	if (ci_cstate_eq(o, n))
		return;
	if (!ci_cstate_on(n) || (o->has_user_count && !n->has_user_count)) {
		f->full = true;
		return;
	}
	f->changed = true;
	d->present = true;
	if (n->has_user_count && (!o->has_user_count || o->user_count != n->user_count)) {
		d->has_user_count = true;
		d->user_count = n->user_count;
	}
	v = 0;
	enum_delta(&v, o->active, n->active, f);
	d->active = (enum confinfo_bool)v;
	v = 0;
	enum_delta(&v, o->locked, n->locked, f);
	d->locked = (enum confinfo_bool)v;
}

int confinfo_diff(const struct confinfo *o, const struct confinfo *n, struct confinfo **delta)
{
	struct confinfo *d = NULL;
	struct dflag f = { 0 };
	int rc;

	if (!delta || !n || !n->entity)
		return -EINVAL;
	*delta = NULL;
	if (o && ci_str_eq(o->entity, n->entity)) {
		struct confinfo oo = *o, nn = *n;

		/* Versions and the root state are the notifier's business. */
		oo.has_version = nn.has_version = false;
		oo.state = nn.state = CONFINFO_FULL;
		if (confinfo_equal(&oo, &nn))
			return -ENODATA;
		if ((rc = confinfo_alloc(&d, n->entity)) != 0)
			return rc;
		d->state = CONFINFO_PARTIAL;
		if ((rc = desc_diff(&d->desc, &o->desc, &n->desc, &f)) != 0 ||
		    (rc = host_diff(&d->host, &o->host, &n->host, &f)) != 0)
			goto out;
		cstate_diff(&d->cstate, &o->cstate, &n->cstate, &f);
		if (!f.full && (rc = users_diff(d, o, n, &f)) != 0)
			goto out;
		if (!f.full)
			goto out;
		confinfo_free(d);
		d = NULL;
	}
	/* No old state, another conference, or what a partial cannot say. */
	if ((rc = confinfo_dup(&d, n)) != 0)
		goto out;
	ci_normalize(d);
	d->has_version = false;
	d->version = 0;
out:
	if (rc)
		confinfo_free(d);
	else
		*delta = d;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Apply                                                               */
/* ------------------------------------------------------------------ */

static int merge_str(char **d, const char *s)
{
	return s ? confinfo_str_set(d, s) : 0;
}

static int merge_exec(struct confinfo_exec *d, const struct confinfo_exec *s)
{
	if (!ci_exec_on(s))
		return 0;
	d->present = true;
	if (merge_str(&d->when, s->when) || merge_str(&d->reason, s->reason) ||
	    merge_str(&d->by, s->by))
		return -ENOMEM;
	return 0;
}

static int merge_uris(struct confinfo_uris *d, const struct confinfo_uris *s)
{
	struct confinfo_uri *du;
	size_t i;

	if (!s->n)
		return 0;
	if (s->state == CONFINFO_DELETED) {
		ci_uris_free(d);
		return 0;
	}
	if (s->state == CONFINFO_FULL) {
		ci_uris_free(d);
		return ci_uris_copy(d, s);
	}
	for (i = 0; i < s->n; i++) {
		const struct confinfo_uri *su = &s->v[i];

		du = confinfo_uri_get(d, su->uri);
		if (!du) {
			APPEND_COPY(d->v, d->n, su, ci_uri_copy, du);
			continue;
		}
		if (merge_str(&du->display_text, su->display_text) ||
		    merge_str(&du->purpose, su->purpose) ||
		    merge_exec(&du->modified, &su->modified))
			return -ENOMEM;
	}
	return 0;
}

static int merge_desc(struct confinfo_desc *d, const struct confinfo_desc *s)
{
	struct confinfo_avmedia *dm;
	size_t i;

	if (!ci_desc_on(s))
		return 0;
	d->present = true;
	if (merge_str(&d->display_text, s->display_text) || merge_str(&d->subject, s->subject) ||
	    merge_str(&d->free_text, s->free_text) || merge_str(&d->keywords, s->keywords) ||
	    merge_uris(&d->conf_uris, &s->conf_uris) ||
	    merge_uris(&d->service_uris, &s->service_uris))
		return -ENOMEM;
	if (s->has_max_users) {
		d->has_max_users = true;
		d->max_users = s->max_users;
	}
	for (i = 0; i < s->n_avmedia; i++) {
		const struct confinfo_avmedia *sm = &s->avmedia[i];

		dm = confinfo_avmedia_get(d, sm->label);
		if (!dm) {
			APPEND_COPY(d->avmedia, d->n_avmedia, sm, ci_avmedia_copy, dm);
			continue;
		}
		if (merge_str(&dm->display_text, sm->display_text) ||
		    merge_str(&dm->type, sm->type))
			return -ENOMEM;
		if (sm->status)
			dm->status = sm->status;
	}
	return 0;
}

static int merge_host(struct confinfo_host *d, const struct confinfo_host *s)
{
	if (!ci_host_on(s))
		return 0;
	d->present = true;
	if (merge_str(&d->display_text, s->display_text) || merge_str(&d->web_page, s->web_page))
		return -ENOMEM;
	return merge_uris(&d->uris, &s->uris);
}

static void merge_cstate(struct confinfo_cstate *d, const struct confinfo_cstate *s)
{
	if (!ci_cstate_on(s))
		return;
	d->present = true;
	if (s->has_user_count) {
		d->has_user_count = true;
		d->user_count = s->user_count;
	}
	if (s->active)
		d->active = s->active;
	if (s->locked)
		d->locked = s->locked;
}

static int merge_endpoint(struct confinfo_endpoint *d, const struct confinfo_endpoint *s)
{
	struct confinfo_media *dm;
	size_t i;

	if (merge_str(&d->display_text, s->display_text) ||
	    merge_exec(&d->referred, &s->referred) ||
	    merge_exec(&d->joining_info, &s->joining_info) ||
	    merge_exec(&d->disconnection_info, &s->disconnection_info))
		return -ENOMEM;
	if (s->status)
		d->status = s->status;
	if (s->joining_method)
		d->joining_method = s->joining_method;
	if (s->disconnection_method)
		d->disconnection_method = s->disconnection_method;
	if (ci_sip_on(&s->call_info)) {
		d->call_info.present = true;
		if (merge_str(&d->call_info.display_text, s->call_info.display_text) ||
		    merge_str(&d->call_info.call_id, s->call_info.call_id) ||
		    merge_str(&d->call_info.from_tag, s->call_info.from_tag) ||
		    merge_str(&d->call_info.to_tag, s->call_info.to_tag))
			return -ENOMEM;
	}
	for (i = 0; i < s->n_media; i++) {
		const struct confinfo_media *sm = &s->media[i];

		dm = confinfo_media_get(d, sm->id);
		if (!dm) {
			APPEND_COPY(d->media, d->n_media, sm, ci_media_copy, dm);
			continue;
		}
		if (merge_str(&dm->display_text, sm->display_text) ||
		    merge_str(&dm->type, sm->type) || merge_str(&dm->label, sm->label) ||
		    merge_str(&dm->src_id, sm->src_id))
			return -ENOMEM;
		if (sm->status)
			dm->status = sm->status;
	}
	return 0;
}

static int merge_user(struct confinfo_user *d, const struct confinfo_user *s)
{
	struct confinfo_endpoint *de;
	size_t i;
	int rc;

	if (merge_str(&d->display_text, s->display_text) ||
	    merge_uris(&d->associated_aors, &s->associated_aors) ||
	    merge_str(&d->languages, s->languages) ||
	    merge_str(&d->cascaded_focus, s->cascaded_focus))
		return -ENOMEM;
	if (s->n_roles && (rc = ci_roles_copy(d, s)) != 0)
		return rc;
	for (i = 0; i < s->n_endpoints; i++) {
		const struct confinfo_endpoint *se = &s->endpoints[i];

		de = confinfo_endpoint_get(d, se->entity);
		if (se->state == CONFINFO_DELETED) {
			if (de)
				confinfo_endpoint_remove(d, se->entity);
		} else if (!de) {
			APPEND_COPY(d->endpoints, d->n_endpoints, se, ci_endpoint_copy, de);
		} else if (se->state == CONFINFO_FULL) {
			ci_endpoint_free(de);
			if (ci_endpoint_copy(de, se))
				return -ENOMEM;
		} else if ((rc = merge_endpoint(de, se)) != 0) {
			return rc;
		}
	}
	return 0;
}

static int merge_users(struct confinfo *d, const struct confinfo *s)
{
	struct confinfo_user *du;
	size_t i;
	int rc;

	if (!ci_users_on(&s->users))
		return 0;
	if (s->users.state != CONFINFO_PARTIAL) {
		ci_users_free(&d->users);
		if (s->users.state == CONFINFO_DELETED)
			return 0;
		d->users.present = true;
		for (i = 0; i < s->users.n; i++)
			APPEND_COPY(d->users.v, d->users.n, &s->users.v[i], ci_user_copy, du);
		return 0;
	}
	d->users.present = true;
	for (i = 0; i < s->users.n; i++) {
		const struct confinfo_user *su = &s->users.v[i];

		du = confinfo_user_get(d, su->entity);
		if (su->state == CONFINFO_DELETED) {
			if (du)
				confinfo_user_remove(d, su->entity);
		} else if (!du) {
			APPEND_COPY(d->users.v, d->users.n, su, ci_user_copy, du);
		} else if (su->state == CONFINFO_FULL) {
			ci_user_free(du);
			if (ci_user_copy(du, su))
				return -ENOMEM;
		} else if ((rc = merge_user(du, su)) != 0) {
			return rc;
		}
	}
	return 0;
}

/*
 * Drops what a replacing element carried with state="deleted" (a user in
 * a full <users>, an endpoint in a full <user>): the held state is full.
 */
static void prune(struct confinfo *c)
{
	size_t i, j;

	for (i = c->users.n; i-- > 0;) {
		struct confinfo_user *u = &c->users.v[i];

		if (u->state == CONFINFO_DELETED) {
			confinfo_user_remove(c, u->entity);
			continue;
		}
		for (j = u->n_endpoints; j-- > 0;)
			if (u->endpoints[j].state == CONFINFO_DELETED)
				confinfo_endpoint_remove(u, u->endpoints[j].entity);
	}
}

int confinfo_apply(struct confinfo **held, const struct confinfo *doc, char *err, size_t errlen)
{
	struct confinfo *h, *w = NULL;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!held || !doc || !doc->entity)
		return -EINVAL;
	h = *held;
	if (doc->state == CONFINFO_DELETED)
		return ci_fail(err, errlen, -EPROTO, "state=\"deleted\" on <conference-info>");
	if (h && !ci_str_eq(h->entity, doc->entity))
		return ci_fail(err, errlen, -EPROTO, "entity %.100s is not the held %.100s",
			       doc->entity, h->entity);
	if (h && h->has_version && doc->has_version && doc->version <= h->version)
		return ci_fail(err, errlen, -EALREADY, "version %u is not newer than %u: ignored",
			       (unsigned)doc->version, (unsigned)h->version);
	if (doc->state == CONFINFO_FULL) {
		if ((rc = confinfo_dup(&w, doc)) != 0)
			return ci_fail(err, errlen, rc, "out of memory");
		goto done;
	}
	if (!doc->has_version)
		return ci_fail(err, errlen, -EPROTO, "a partial document without version");
	if (!h)
		return ci_fail(err, errlen, -ESTALE,
			       "a partial document (version %u) with no full state held",
			       (unsigned)doc->version);
	if (!h->has_version || doc->version != h->version + 1)
		return ci_fail(err, errlen, -ESTALE,
			       "version %u after %u: a notification was missed; get full state",
			       (unsigned)doc->version, (unsigned)h->version);
	if ((rc = confinfo_dup(&w, h)) != 0)
		return ci_fail(err, errlen, rc, "out of memory");
	if (merge_desc(&w->desc, &doc->desc) || merge_host(&w->host, &doc->host) ||
	    (merge_cstate(&w->cstate, &doc->cstate), 0) || merge_users(w, doc)) {
		confinfo_free(w);
		return ci_fail(err, errlen, -ENOMEM, "out of memory");
	}
done:
	prune(w);
	ci_normalize(w);
	w->has_version = doc->has_version;
	w->version = doc->version;
	confinfo_free(h);
	*held = w;
	return 0;
}

int confinfo_receive(struct confinfo_parser *p, struct confinfo **held, const char *xml,
		     size_t len, char *err, size_t errlen)
{
	struct confinfo *doc = NULL;
	int rc;

	if ((rc = confinfo_parse(p, xml, len, &doc, err, errlen)) != 0)
		return rc;
	rc = confinfo_apply(held, doc, err, errlen);
	confinfo_free(doc);
	return rc;
}
