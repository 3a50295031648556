/*
 * model.c - the conference-info model: allocation, deep copies, equality,
 * and the keyed lists.
 */
#include "confinfo_int.h"

const char *const confinfo_state_names[3] = { "full", "partial", "deleted" };
const char *const confinfo_bool_names[3] = { NULL, "false", "true" };
const char *const confinfo_ep_status_names[10] = {
	NULL,	       "pending",	  "dialing-out",   "dialing-in",   "alerting",
	"on-hold",     "connected",	  "muted-via-focus", "disconnecting", "disconnected",
};
const char *const confinfo_joining_names[4] = { NULL, "dialed-in", "dialed-out", "focus-owner" };
const char *const confinfo_disconnection_names[5] = { NULL, "departed", "booted", "failed",
						      "busy" };
const char *const confinfo_media_status_names[5] = { NULL, "recvonly", "sendonly", "sendrecv",
						     "inactive" };

int ci_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void *ci_grow(void *v, size_t n, size_t sz)
{
	char *p;

	if (n >= (size_t)-1 / sz - 1)
		return NULL;
	p = realloc(v, (n + 1) * sz);
	if (!p)
		return NULL;
	memset(p + n * sz, 0, sz);
	return p;
}

bool ci_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

const char *confinfo_state_name(enum confinfo_state s)
{
	return (unsigned)s < CI_COUNT(confinfo_state_names) ? confinfo_state_names[s] : "?";
}

int confinfo_str_set(char **field, const char *v)
{
	char *c = NULL;

	if (!field)
		return -EINVAL;
	if (v && (c = strdup(v)) == NULL)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Freeing                                                             */
/* ------------------------------------------------------------------ */

void ci_exec_free(struct confinfo_exec *e)
{
	free(e->when);
	free(e->reason);
	free(e->by);
	memset(e, 0, sizeof(*e));
}

void ci_uri_free(struct confinfo_uri *u)
{
	free(u->uri);
	free(u->display_text);
	free(u->purpose);
	ci_exec_free(&u->modified);
	memset(u, 0, sizeof(*u));
}

void ci_uris_free(struct confinfo_uris *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ci_uri_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void ci_avmedia_free(struct confinfo_avmedia *m)
{
	free(m->label);
	free(m->display_text);
	free(m->type);
	memset(m, 0, sizeof(*m));
}

void ci_desc_free(struct confinfo_desc *d)
{
	size_t i;

	free(d->display_text);
	free(d->subject);
	free(d->free_text);
	free(d->keywords);
	ci_uris_free(&d->conf_uris);
	ci_uris_free(&d->service_uris);
	for (i = 0; i < d->n_avmedia; i++)
		ci_avmedia_free(&d->avmedia[i]);
	free(d->avmedia);
	memset(d, 0, sizeof(*d));
}

void ci_host_free(struct confinfo_host *h)
{
	free(h->display_text);
	free(h->web_page);
	ci_uris_free(&h->uris);
	memset(h, 0, sizeof(*h));
}

void ci_sip_free(struct confinfo_sip *s)
{
	free(s->display_text);
	free(s->call_id);
	free(s->from_tag);
	free(s->to_tag);
	memset(s, 0, sizeof(*s));
}

void ci_media_free(struct confinfo_media *m)
{
	free(m->id);
	free(m->display_text);
	free(m->type);
	free(m->label);
	free(m->src_id);
	memset(m, 0, sizeof(*m));
}

void ci_endpoint_free(struct confinfo_endpoint *e)
{
	size_t i;

	free(e->entity);
	free(e->display_text);
	ci_exec_free(&e->referred);
	ci_exec_free(&e->joining_info);
	ci_exec_free(&e->disconnection_info);
	for (i = 0; i < e->n_media; i++)
		ci_media_free(&e->media[i]);
	free(e->media);
	ci_sip_free(&e->call_info);
	memset(e, 0, sizeof(*e));
}

static void roles_free(struct confinfo_user *u)
{
	size_t i;

	for (i = 0; i < u->n_roles; i++)
		free(u->roles[i]);
	free(u->roles);
	u->roles = NULL;
	u->n_roles = 0;
}

void ci_user_free(struct confinfo_user *u)
{
	size_t i;

	free(u->entity);
	free(u->display_text);
	ci_uris_free(&u->associated_aors);
	roles_free(u);
	free(u->languages);
	free(u->cascaded_focus);
	for (i = 0; i < u->n_endpoints; i++)
		ci_endpoint_free(&u->endpoints[i]);
	free(u->endpoints);
	memset(u, 0, sizeof(*u));
}

void ci_users_free(struct confinfo_users *us)
{
	size_t i;

	for (i = 0; i < us->n; i++)
		ci_user_free(&us->v[i]);
	free(us->v);
	memset(us, 0, sizeof(*us));
}

void ci_doc_clear(struct confinfo *c)
{
	free(c->entity);
	ci_desc_free(&c->desc);
	ci_host_free(&c->host);
	ci_users_free(&c->users);
	memset(c, 0, sizeof(*c));
}

void confinfo_free(struct confinfo *c)
{
	if (!c)
		return;
	ci_doc_clear(c);
	free(c);
}

int confinfo_alloc(struct confinfo **cp, const char *entity)
{
	struct confinfo *c;

	if (!cp || !entity)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c || (c->entity = strdup(entity)) == NULL) {
		free(c);
		return -ENOMEM;
	}
	*cp = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Copies                                                              */
/* ------------------------------------------------------------------ */

/* *d = copy of s; on -ENOMEM *d is left NULL. */
static int dupstr(char **d, const char *s)
{
	*d = NULL;
	if (s && (*d = strdup(s)) == NULL)
		return -ENOMEM;
	return 0;
}

#define DUP(field)                                                                       \
	do {                                                                             \
		if (dupstr(&d->field, s->field))                                         \
			return -ENOMEM;                                                  \
	} while (0)

int ci_exec_copy(struct confinfo_exec *d, const struct confinfo_exec *s)
{
	memset(d, 0, sizeof(*d));
	d->present = s->present;
	DUP(when);
	DUP(reason);
	DUP(by);
	return 0;
}

int ci_uri_copy(struct confinfo_uri *d, const struct confinfo_uri *s)
{
	memset(d, 0, sizeof(*d));
	DUP(uri);
	DUP(display_text);
	DUP(purpose);
	return ci_exec_copy(&d->modified, &s->modified);
}

int ci_uris_copy(struct confinfo_uris *d, const struct confinfo_uris *s)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->state = s->state;
	if (!s->n)
		return 0;
	d->v = calloc(s->n, sizeof(*d->v));
	if (!d->v)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		d->n++;
		if (ci_uri_copy(&d->v[i], &s->v[i]))
			return -ENOMEM;
	}
	return 0;
}

int ci_avmedia_copy(struct confinfo_avmedia *d, const struct confinfo_avmedia *s)
{
	memset(d, 0, sizeof(*d));
	d->status = s->status;
	DUP(label);
	DUP(display_text);
	DUP(type);
	return 0;
}

int ci_desc_copy(struct confinfo_desc *d, const struct confinfo_desc *s)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->present = s->present;
	d->has_max_users = s->has_max_users;
	d->max_users = s->max_users;
	DUP(display_text);
	DUP(subject);
	DUP(free_text);
	DUP(keywords);
	if (ci_uris_copy(&d->conf_uris, &s->conf_uris) ||
	    ci_uris_copy(&d->service_uris, &s->service_uris))
		return -ENOMEM;
	if (s->n_avmedia) {
		d->avmedia = calloc(s->n_avmedia, sizeof(*d->avmedia));
		if (!d->avmedia)
			return -ENOMEM;
		for (i = 0; i < s->n_avmedia; i++) {
			d->n_avmedia++;
			if (ci_avmedia_copy(&d->avmedia[i], &s->avmedia[i]))
				return -ENOMEM;
		}
	}
	return 0;
}

int ci_host_copy(struct confinfo_host *d, const struct confinfo_host *s)
{
	memset(d, 0, sizeof(*d));
	d->present = s->present;
	DUP(display_text);
	DUP(web_page);
	return ci_uris_copy(&d->uris, &s->uris);
}

int ci_sip_copy(struct confinfo_sip *d, const struct confinfo_sip *s)
{
	memset(d, 0, sizeof(*d));
	d->present = s->present;
	DUP(display_text);
	DUP(call_id);
	DUP(from_tag);
	DUP(to_tag);
	return 0;
}

int ci_media_copy(struct confinfo_media *d, const struct confinfo_media *s)
{
	memset(d, 0, sizeof(*d));
	d->status = s->status;
	DUP(id);
	DUP(display_text);
	DUP(type);
	DUP(label);
	DUP(src_id);
	return 0;
}

int ci_endpoint_copy(struct confinfo_endpoint *d, const struct confinfo_endpoint *s)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->state = s->state;
	d->status = s->status;
	d->joining_method = s->joining_method;
	d->disconnection_method = s->disconnection_method;
	DUP(entity);
	DUP(display_text);
	if (ci_exec_copy(&d->referred, &s->referred) ||
	    ci_exec_copy(&d->joining_info, &s->joining_info) ||
	    ci_exec_copy(&d->disconnection_info, &s->disconnection_info) ||
	    ci_sip_copy(&d->call_info, &s->call_info))
		return -ENOMEM;
	if (s->n_media) {
		d->media = calloc(s->n_media, sizeof(*d->media));
		if (!d->media)
			return -ENOMEM;
		for (i = 0; i < s->n_media; i++) {
			d->n_media++;
			if (ci_media_copy(&d->media[i], &s->media[i]))
				return -ENOMEM;
		}
	}
	return 0;
}

int ci_roles_copy(struct confinfo_user *d, const struct confinfo_user *s)
{
	return confinfo_user_roles_set(d, (const char *const *)s->roles, s->n_roles);
}

int ci_user_copy(struct confinfo_user *d, const struct confinfo_user *s)
{
	size_t i;

	memset(d, 0, sizeof(*d));
	d->state = s->state;
	DUP(entity);
	DUP(display_text);
	DUP(languages);
	DUP(cascaded_focus);
	if (ci_uris_copy(&d->associated_aors, &s->associated_aors) || ci_roles_copy(d, s))
		return -ENOMEM;
	if (s->n_endpoints) {
		d->endpoints = calloc(s->n_endpoints, sizeof(*d->endpoints));
		if (!d->endpoints)
			return -ENOMEM;
		for (i = 0; i < s->n_endpoints; i++) {
			d->n_endpoints++;
			if (ci_endpoint_copy(&d->endpoints[i], &s->endpoints[i]))
				return -ENOMEM;
		}
	}
	return 0;
}

#undef DUP

int confinfo_dup(struct confinfo **out, const struct confinfo *s)
{
	struct confinfo *d;
	size_t i;
	int rc = -ENOMEM;

	if (!out || !s)
		return -EINVAL;
	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->state = s->state;
	d->has_version = s->has_version;
	d->version = s->version;
	d->cstate = s->cstate;
	d->users.present = s->users.present;
	d->users.state = s->users.state;
	if (dupstr(&d->entity, s->entity) || ci_desc_copy(&d->desc, &s->desc) ||
	    ci_host_copy(&d->host, &s->host))
		goto out;
	if (s->users.n) {
		d->users.v = calloc(s->users.n, sizeof(*d->users.v));
		if (!d->users.v)
			goto out;
		for (i = 0; i < s->users.n; i++) {
			d->users.n++;
			if (ci_user_copy(&d->users.v[i], &s->users.v[i]))
				goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		confinfo_free(d);
	else
		*out = d;
	return rc;
}

/* ------------------------------------------------------------------ */
/* Equality: keyed lists compare as sets                               */
/* ------------------------------------------------------------------ */

bool ci_exec_eq(const struct confinfo_exec *a, const struct confinfo_exec *b)
{
	return ci_exec_on(a) == ci_exec_on(b) && ci_str_eq(a->when, b->when) &&
	       ci_str_eq(a->reason, b->reason) && ci_str_eq(a->by, b->by);
}

bool ci_uri_eq(const struct confinfo_uri *a, const struct confinfo_uri *b)
{
	return ci_str_eq(a->uri, b->uri) && ci_str_eq(a->display_text, b->display_text) &&
	       ci_str_eq(a->purpose, b->purpose) && ci_exec_eq(&a->modified, &b->modified);
}

bool ci_uris_eq(const struct confinfo_uris *a, const struct confinfo_uris *b)
{
	size_t i;

	if (a->n != b->n || (a->n && a->state != b->state))
		return false;
	for (i = 0; i < a->n; i++) {
		const struct confinfo_uri *o = confinfo_uri_get(b, a->v[i].uri);
		if (!o || !ci_uri_eq(&a->v[i], o))
			return false;
	}
	return true;
}

bool ci_avmedia_eq(const struct confinfo_avmedia *a, const struct confinfo_avmedia *b)
{
	return ci_str_eq(a->label, b->label) && ci_str_eq(a->display_text, b->display_text) &&
	       ci_str_eq(a->type, b->type) && a->status == b->status;
}

bool ci_desc_eq(const struct confinfo_desc *a, const struct confinfo_desc *b)
{
	size_t i;

	if (ci_desc_on(a) != ci_desc_on(b) || !ci_str_eq(a->display_text, b->display_text) ||
	    !ci_str_eq(a->subject, b->subject) || !ci_str_eq(a->free_text, b->free_text) ||
	    !ci_str_eq(a->keywords, b->keywords) || !ci_uris_eq(&a->conf_uris, &b->conf_uris) ||
	    !ci_uris_eq(&a->service_uris, &b->service_uris) ||
	    a->has_max_users != b->has_max_users ||
	    (a->has_max_users && a->max_users != b->max_users) || a->n_avmedia != b->n_avmedia)
		return false;
	for (i = 0; i < a->n_avmedia; i++) {
		const struct confinfo_avmedia *o = confinfo_avmedia_get(b, a->avmedia[i].label);
		if (!o || !ci_avmedia_eq(&a->avmedia[i], o))
			return false;
	}
	return true;
}

bool ci_host_eq(const struct confinfo_host *a, const struct confinfo_host *b)
{
	return ci_host_on(a) == ci_host_on(b) && ci_str_eq(a->display_text, b->display_text) &&
	       ci_str_eq(a->web_page, b->web_page) && ci_uris_eq(&a->uris, &b->uris);
}

bool ci_cstate_eq(const struct confinfo_cstate *a, const struct confinfo_cstate *b)
{
	return ci_cstate_on(a) == ci_cstate_on(b) && a->has_user_count == b->has_user_count &&
	       (!a->has_user_count || a->user_count == b->user_count) &&
	       a->active == b->active && a->locked == b->locked;
}

bool ci_sip_eq(const struct confinfo_sip *a, const struct confinfo_sip *b)
{
	return ci_sip_on(a) == ci_sip_on(b) && ci_str_eq(a->display_text, b->display_text) &&
	       ci_str_eq(a->call_id, b->call_id) && ci_str_eq(a->from_tag, b->from_tag) &&
	       ci_str_eq(a->to_tag, b->to_tag);
}

bool ci_media_eq(const struct confinfo_media *a, const struct confinfo_media *b)
{
	return ci_str_eq(a->id, b->id) && ci_str_eq(a->display_text, b->display_text) &&
	       ci_str_eq(a->type, b->type) && ci_str_eq(a->label, b->label) &&
	       ci_str_eq(a->src_id, b->src_id) && a->status == b->status;
}

bool ci_endpoint_eq(const struct confinfo_endpoint *a, const struct confinfo_endpoint *b)
{
	size_t i;

	if (!ci_str_eq(a->entity, b->entity) || a->state != b->state ||
	    !ci_str_eq(a->display_text, b->display_text) ||
	    !ci_exec_eq(&a->referred, &b->referred) || a->status != b->status ||
	    a->joining_method != b->joining_method ||
	    !ci_exec_eq(&a->joining_info, &b->joining_info) ||
	    a->disconnection_method != b->disconnection_method ||
	    !ci_exec_eq(&a->disconnection_info, &b->disconnection_info) ||
	    !ci_sip_eq(&a->call_info, &b->call_info) || a->n_media != b->n_media)
		return false;
	for (i = 0; i < a->n_media; i++) {
		const struct confinfo_media *o = confinfo_media_get(b, a->media[i].id);
		if (!o || !ci_media_eq(&a->media[i], o))
			return false;
	}
	return true;
}

bool ci_roles_eq(const struct confinfo_user *a, const struct confinfo_user *b)
{
	size_t i;

	if (a->n_roles != b->n_roles)
		return false;
	for (i = 0; i < a->n_roles; i++)
		if (!ci_str_eq(a->roles[i], b->roles[i]))
			return false;
	return true;
}

bool ci_user_eq(const struct confinfo_user *a, const struct confinfo_user *b)
{
	size_t i;

	if (!ci_str_eq(a->entity, b->entity) || a->state != b->state ||
	    !ci_str_eq(a->display_text, b->display_text) ||
	    !ci_uris_eq(&a->associated_aors, &b->associated_aors) || !ci_roles_eq(a, b) ||
	    !ci_str_eq(a->languages, b->languages) ||
	    !ci_str_eq(a->cascaded_focus, b->cascaded_focus) || a->n_endpoints != b->n_endpoints)
		return false;
	for (i = 0; i < a->n_endpoints; i++) {
		const struct confinfo_endpoint *o =
			confinfo_endpoint_get(b, a->endpoints[i].entity);
		if (!o || !ci_endpoint_eq(&a->endpoints[i], o))
			return false;
	}
	return true;
}

bool ci_users_eq(const struct confinfo_users *a, const struct confinfo_users *b)
{
	size_t i;

	if (ci_users_on(a) != ci_users_on(b) || a->state != b->state || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		const struct confinfo_user *o = NULL;
		size_t j;

		for (j = 0; j < b->n && !o; j++)
			if (ci_str_eq(b->v[j].entity, a->v[i].entity))
				o = &b->v[j];
		if (!o || !ci_user_eq(&a->v[i], o))
			return false;
	}
	return true;
}

bool confinfo_equal(const struct confinfo *a, const struct confinfo *b)
{
	if (!a || !b)
		return a == b;
	return ci_str_eq(a->entity, b->entity) && a->state == b->state &&
	       a->has_version == b->has_version && (!a->has_version || a->version == b->version) &&
	       ci_desc_eq(&a->desc, &b->desc) && ci_host_eq(&a->host, &b->host) &&
	       ci_cstate_eq(&a->cstate, &b->cstate) && ci_users_eq(&a->users, &b->users);
}

void ci_normalize(struct confinfo *c)
{
	size_t i, j;

	c->state = CONFINFO_FULL;
	c->desc.conf_uris.state = CONFINFO_FULL;
	c->desc.service_uris.state = CONFINFO_FULL;
	c->host.uris.state = CONFINFO_FULL;
	c->users.state = CONFINFO_FULL;
	for (i = 0; i < c->users.n; i++) {
		struct confinfo_user *u = &c->users.v[i];

		u->state = CONFINFO_FULL;
		u->associated_aors.state = CONFINFO_FULL;
		for (j = 0; j < u->n_endpoints; j++)
			u->endpoints[j].state = CONFINFO_FULL;
	}
}

/* ------------------------------------------------------------------ */
/* Keyed lists                                                         */
/* ------------------------------------------------------------------ */

struct confinfo_user *confinfo_user_get(const struct confinfo *c, const char *entity)
{
	size_t i;

	if (!c || !entity)
		return NULL;
	for (i = 0; i < c->users.n; i++)
		if (ci_str_eq(c->users.v[i].entity, entity))
			return &c->users.v[i];
	return NULL;
}

int confinfo_user_add(struct confinfo *c, const char *entity, struct confinfo_user **up)
{
	struct confinfo_user *v;
	char *e;

	if (!c || !entity)
		return -EINVAL;
	if (confinfo_user_get(c, entity))
		return -EEXIST;
	if ((e = strdup(entity)) == NULL)
		return -ENOMEM;
	v = ci_grow(c->users.v, c->users.n, sizeof(*v));
	if (!v) {
		free(e);
		return -ENOMEM;
	}
	c->users.v = v;
	v[c->users.n].entity = e;
	c->users.present = true;
	if (up)
		*up = &v[c->users.n];
	c->users.n++;
	return 0;
}

int confinfo_user_remove(struct confinfo *c, const char *entity)
{
	struct confinfo_user *u = confinfo_user_get(c, entity);
	size_t i;

	if (!u)
		return -ENOENT;
	i = (size_t)(u - c->users.v);
	ci_user_free(u);
	memmove(u, u + 1, (c->users.n - i - 1) * sizeof(*u));
	c->users.n--;
	return 0;
}

int confinfo_user_roles_set(struct confinfo_user *u, const char *const *roles, size_t n)
{
	char **v = NULL;
	size_t i;

	if (!u || (n && !roles))
		return -EINVAL;
	if (n) {
		v = calloc(n, sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			if (!roles[i] || (v[i] = strdup(roles[i])) == NULL) {
				while (i--)
					free(v[i]);
				free(v);
				return roles[i] ? -ENOMEM : -EINVAL;
			}
		}
	}
	roles_free(u);
	u->roles = v;
	u->n_roles = n;
	return 0;
}

struct confinfo_endpoint *confinfo_endpoint_get(const struct confinfo_user *u, const char *entity)
{
	size_t i;

	if (!u || !entity)
		return NULL;
	for (i = 0; i < u->n_endpoints; i++)
		if (ci_str_eq(u->endpoints[i].entity, entity))
			return &u->endpoints[i];
	return NULL;
}

int confinfo_endpoint_add(struct confinfo_user *u, const char *entity,
			  struct confinfo_endpoint **ep)
{
	struct confinfo_endpoint *v;
	char *e;

	if (!u || !entity)
		return -EINVAL;
	if (confinfo_endpoint_get(u, entity))
		return -EEXIST;
	if ((e = strdup(entity)) == NULL)
		return -ENOMEM;
	v = ci_grow(u->endpoints, u->n_endpoints, sizeof(*v));
	if (!v) {
		free(e);
		return -ENOMEM;
	}
	u->endpoints = v;
	v[u->n_endpoints].entity = e;
	if (ep)
		*ep = &v[u->n_endpoints];
	u->n_endpoints++;
	return 0;
}

int confinfo_endpoint_remove(struct confinfo_user *u, const char *entity)
{
	struct confinfo_endpoint *e = confinfo_endpoint_get(u, entity);
	size_t i;

	if (!e)
		return -ENOENT;
	i = (size_t)(e - u->endpoints);
	ci_endpoint_free(e);
	memmove(e, e + 1, (u->n_endpoints - i - 1) * sizeof(*e));
	u->n_endpoints--;
	return 0;
}

struct confinfo_media *confinfo_media_get(const struct confinfo_endpoint *e, const char *id)
{
	size_t i;

	if (!e || !id)
		return NULL;
	for (i = 0; i < e->n_media; i++)
		if (ci_str_eq(e->media[i].id, id))
			return &e->media[i];
	return NULL;
}

int confinfo_media_add(struct confinfo_endpoint *e, const char *id, struct confinfo_media **mp)
{
	struct confinfo_media *v;
	char *s;

	if (!e || !id)
		return -EINVAL;
	if (confinfo_media_get(e, id))
		return -EEXIST;
	if ((s = strdup(id)) == NULL)
		return -ENOMEM;
	v = ci_grow(e->media, e->n_media, sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	e->media = v;
	v[e->n_media].id = s;
	if (mp)
		*mp = &v[e->n_media];
	e->n_media++;
	return 0;
}

int confinfo_media_remove(struct confinfo_endpoint *e, const char *id)
{
	struct confinfo_media *m = confinfo_media_get(e, id);
	size_t i;

	if (!m)
		return -ENOENT;
	i = (size_t)(m - e->media);
	ci_media_free(m);
	memmove(m, m + 1, (e->n_media - i - 1) * sizeof(*m));
	e->n_media--;
	return 0;
}

struct confinfo_uri *confinfo_uri_get(const struct confinfo_uris *l, const char *uri)
{
	size_t i;

	if (!l || !uri)
		return NULL;
	for (i = 0; i < l->n; i++)
		if (ci_str_eq(l->v[i].uri, uri))
			return &l->v[i];
	return NULL;
}

int confinfo_uri_add(struct confinfo_uris *l, const char *uri, struct confinfo_uri **up)
{
	struct confinfo_uri *v;
	char *s;

	if (!l || !uri)
		return -EINVAL;
	if (confinfo_uri_get(l, uri))
		return -EEXIST;
	if ((s = strdup(uri)) == NULL)
		return -ENOMEM;
	v = ci_grow(l->v, l->n, sizeof(*v));
	if (!v) {
		free(s);
		return -ENOMEM;
	}
	l->v = v;
	v[l->n].uri = s;
	if (up)
		*up = &v[l->n];
	l->n++;
	return 0;
}

int confinfo_uri_remove(struct confinfo_uris *l, const char *uri)
{
	struct confinfo_uri *u = confinfo_uri_get(l, uri);
	size_t i;

	if (!u)
		return -ENOENT;
	i = (size_t)(u - l->v);
	ci_uri_free(u);
	memmove(u, u + 1, (l->n - i - 1) * sizeof(*u));
	l->n--;
	return 0;
}

struct confinfo_avmedia *confinfo_avmedia_get(const struct confinfo_desc *d, const char *label)
{
	size_t i;

	if (!d || !label)
		return NULL;
	for (i = 0; i < d->n_avmedia; i++)
		if (ci_str_eq(d->avmedia[i].label, label))
			return &d->avmedia[i];
	return NULL;
}

int confinfo_avmedia_add(struct confinfo_desc *d, const char *label, const char *type,
			 struct confinfo_avmedia **mp)
{
	struct confinfo_avmedia *v, m = { 0 };

	if (!d || !label || !type)
		return -EINVAL;
	if (confinfo_avmedia_get(d, label))
		return -EEXIST;
	if ((m.label = strdup(label)) == NULL || (m.type = strdup(type)) == NULL) {
		ci_avmedia_free(&m);
		return -ENOMEM;
	}
	v = ci_grow(d->avmedia, d->n_avmedia, sizeof(*v));
	if (!v) {
		ci_avmedia_free(&m);
		return -ENOMEM;
	}
	d->avmedia = v;
	v[d->n_avmedia] = m;
	d->present = true;
	if (mp)
		*mp = &v[d->n_avmedia];
	d->n_avmedia++;
	return 0;
}

int confinfo_avmedia_remove(struct confinfo_desc *d, const char *label)
{
	struct confinfo_avmedia *m = confinfo_avmedia_get(d, label);
	size_t i;

	if (!m)
		return -ENOENT;
	i = (size_t)(m - d->avmedia);
	ci_avmedia_free(m);
	memmove(m, m + 1, (d->n_avmedia - i - 1) * sizeof(*m));
	d->n_avmedia--;
	return 0;
}

const struct confinfo_user *confinfo_user_next_served(const struct confinfo *c,
						      const char *focus_uri,
						      const struct confinfo_user *prev)
{
	size_t i;

	if (!c)
		return NULL;
	i = prev ? (size_t)(prev - c->users.v) + 1 : 0;
	for (; i < c->users.n; i++)
		if (ci_str_eq(c->users.v[i].cascaded_focus, focus_uri))
			return &c->users.v[i];
	return NULL;
}
