/*
 * xml_write.c - writing a conference-info document with libxml2's
 * xmlTextWriter, in the element order of the schema (RFC 4575 section
 * 5.10), so that what we write validates wherever it is read.
 *
 * Strings are checked first: valid UTF-8 and only characters XML allows
 * (no C0 controls but tab, LF and CR; xmlTextWriter escapes CR and, in
 * attributes, tab and LF as character references, so they survive the
 * reader's normalization).
 */
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include "confinfo_int.h"

struct wctx {
	xmlTextWriter *w;
	bool partial; /* writing a partial document: every state attribute */
	int rc;       /* sticky: first error */
	char *err;
	size_t errlen;
};

/* Whether s is UTF-8 made only of characters XML 1.0 allows. */
static bool xml_text_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int len, c;

	if (!xmlCheckUTF8(p))
		return false;
	while (*p) {
		len = 4;
		c = xmlGetUTF8Char(p, &len);
		if (c < 0 || len <= 0)
			return false;
		if (!(c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
		      (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF)))
			return false;
		p += len;
	}
	return true;
}

static void wfail(struct wctx *w, int rc, const char *what, const char *why)
{
	if (w->rc)
		return;
	w->rc = rc;
	ci_fail(w->err, w->errlen, rc, "<%s>: %s", what, why);
}

static void wcheck(struct wctx *w, int r)
{
	if (r < 0 && !w->rc) {
		w->rc = -ENOMEM;
		ci_fail(w->err, w->errlen, -ENOMEM, "xmlTextWriter failed");
	}
}

static void start(struct wctx *w, const char *name)
{
	if (!w->rc)
		wcheck(w, xmlTextWriterStartElement(w->w, (const xmlChar *)name));
}

static void end(struct wctx *w)
{
	if (!w->rc)
		wcheck(w, xmlTextWriterEndElement(w->w));
}

static void attr(struct wctx *w, const char *name, const char *v, const char *el)
{
	if (w->rc)
		return;
	if (!xml_text_ok(v)) {
		wfail(w, -EINVAL, el, "an attribute is not valid XML text");
		return;
	}
	wcheck(w, xmlTextWriterWriteAttribute(w->w, (const xmlChar *)name, (const xmlChar *)v));
}

static void state_attr(struct wctx *w, enum confinfo_state s, const char *el)
{
	if ((unsigned)s >= CI_COUNT(confinfo_state_names)) {
		wfail(w, -EINVAL, el, "bad state");
		return;
	}
	if (w->partial || s != CONFINFO_FULL)
		attr(w, "state", confinfo_state_names[s], el);
}

/* <name>v</name> when v is not NULL. */
static void text_el(struct wctx *w, const char *name, const char *v)
{
	if (!v || w->rc)
		return;
	if (!xml_text_ok(v)) {
		wfail(w, -EINVAL, name, "not valid XML text");
		return;
	}
	wcheck(w, xmlTextWriterWriteElement(w->w, (const xmlChar *)name, (const xmlChar *)v));
}

static void uint_el(struct wctx *w, const char *name, bool has, uint32_t v)
{
	char buf[16];

	if (!has)
		return;
	snprintf(buf, sizeof(buf), "%u", (unsigned)v);
	text_el(w, name, buf);
}

/* An enumerated element: v indexes names (0: absent). */
static void enum_el(struct wctx *w, const char *name, unsigned v, const char *const *names,
		    size_t n)
{
	if (!v)
		return;
	if (v >= n) {
		wfail(w, -EINVAL, name, "value out of range");
		return;
	}
	text_el(w, name, names[v]);
}

static void exec_el(struct wctx *w, const char *name, const struct confinfo_exec *e)
{
	if (!ci_exec_on(e))
		return;
	start(w, name);
	text_el(w, "when", e->when);
	text_el(w, "reason", e->reason);
	text_el(w, "by", e->by);
	end(w);
}

static void uris_el(struct wctx *w, const char *name, const struct confinfo_uris *l)
{
	size_t i;

	if (!l->n)
		return;
	start(w, name);
	state_attr(w, l->state, name);
	for (i = 0; i < l->n; i++) {
		const struct confinfo_uri *u = &l->v[i];

		if (!u->uri) {
			wfail(w, -EINVAL, name, "an entry without uri");
			return;
		}
		start(w, "entry");
		text_el(w, "uri", u->uri);
		text_el(w, "display-text", u->display_text);
		text_el(w, "purpose", u->purpose);
		exec_el(w, "modified", &u->modified);
		end(w);
	}
	end(w);
}

static void desc_el(struct wctx *w, const struct confinfo_desc *d)
{
	size_t i;

	if (!ci_desc_on(d))
		return;
	start(w, "conference-description");
	text_el(w, "display-text", d->display_text);
	text_el(w, "subject", d->subject);
	text_el(w, "free-text", d->free_text);
	text_el(w, "keywords", d->keywords);
	uris_el(w, "conf-uris", &d->conf_uris);
	uris_el(w, "service-uris", &d->service_uris);
	uint_el(w, "maximum-user-count", d->has_max_users, d->max_users);
	if (d->n_avmedia) {
		start(w, "available-media");
		for (i = 0; i < d->n_avmedia; i++) {
			const struct confinfo_avmedia *m = &d->avmedia[i];

			if (!m->label || !m->type) {
				wfail(w, -EINVAL, "available-media",
				      "an entry without label or type");
				return;
			}
			start(w, "entry");
			attr(w, "label", m->label, "available-media");
			text_el(w, "display-text", m->display_text);
			text_el(w, "type", m->type);
			enum_el(w, "status", m->status, confinfo_media_status_names,
				CI_COUNT(confinfo_media_status_names));
			end(w);
		}
		end(w);
	}
	end(w);
}

static void host_el(struct wctx *w, const struct confinfo_host *h)
{
	if (!ci_host_on(h))
		return;
	start(w, "host-info");
	text_el(w, "display-text", h->display_text);
	text_el(w, "web-page", h->web_page);
	uris_el(w, "uris", &h->uris);
	end(w);
}

static void cstate_el(struct wctx *w, const struct confinfo_cstate *s)
{
	if (!ci_cstate_on(s))
		return;
	start(w, "conference-state");
	uint_el(w, "user-count", s->has_user_count, s->user_count);
	enum_el(w, "active", s->active, confinfo_bool_names, CI_COUNT(confinfo_bool_names));
	enum_el(w, "locked", s->locked, confinfo_bool_names, CI_COUNT(confinfo_bool_names));
	end(w);
}

static void endpoint_el(struct wctx *w, const struct confinfo_endpoint *e)
{
	size_t i;

	if (!e->entity) {
		wfail(w, -EINVAL, "endpoint", "no entity");
		return;
	}
	start(w, "endpoint");
	attr(w, "entity", e->entity, "endpoint");
	state_attr(w, e->state, "endpoint");
	text_el(w, "display-text", e->display_text);
	exec_el(w, "referred", &e->referred);
	enum_el(w, "status", e->status, confinfo_ep_status_names,
		CI_COUNT(confinfo_ep_status_names));
	enum_el(w, "joining-method", e->joining_method, confinfo_joining_names,
		CI_COUNT(confinfo_joining_names));
	exec_el(w, "joining-info", &e->joining_info);
	enum_el(w, "disconnection-method", e->disconnection_method, confinfo_disconnection_names,
		CI_COUNT(confinfo_disconnection_names));
	exec_el(w, "disconnection-info", &e->disconnection_info);
	for (i = 0; i < e->n_media; i++) {
		const struct confinfo_media *m = &e->media[i];

		if (!m->id) {
			wfail(w, -EINVAL, "media", "no id");
			return;
		}
		start(w, "media");
		attr(w, "id", m->id, "media");
		text_el(w, "display-text", m->display_text);
		text_el(w, "type", m->type);
		text_el(w, "label", m->label);
		text_el(w, "src-id", m->src_id);
		enum_el(w, "status", m->status, confinfo_media_status_names,
			CI_COUNT(confinfo_media_status_names));
		end(w);
	}
	if (ci_sip_on(&e->call_info)) {
		const struct confinfo_sip *s = &e->call_info;

		if (!s->call_id || !s->from_tag || !s->to_tag) {
			wfail(w, -EINVAL, "call-info", "<sip> needs call-id, from-tag and to-tag");
			return;
		}
		start(w, "call-info");
		start(w, "sip");
		text_el(w, "display-text", s->display_text);
		text_el(w, "call-id", s->call_id);
		text_el(w, "from-tag", s->from_tag);
		text_el(w, "to-tag", s->to_tag);
		end(w);
		end(w);
	}
	end(w);
}

static void user_el(struct wctx *w, const struct confinfo_user *u)
{
	size_t i;

	if (!u->entity) {
		wfail(w, -EINVAL, "user", "no entity");
		return;
	}
	start(w, "user");
	attr(w, "entity", u->entity, "user");
	state_attr(w, u->state, "user");
	text_el(w, "display-text", u->display_text);
	uris_el(w, "associated-aors", &u->associated_aors);
	if (u->n_roles) {
		start(w, "roles");
		for (i = 0; i < u->n_roles; i++)
			text_el(w, "entry", u->roles[i]);
		end(w);
	}
	text_el(w, "languages", u->languages);
	text_el(w, "cascaded-focus", u->cascaded_focus);
	for (i = 0; i < u->n_endpoints; i++)
		endpoint_el(w, &u->endpoints[i]);
	end(w);
}

int confinfo_build(const struct confinfo *c, char **out, size_t *len, char *err, size_t errlen)
{
	struct wctx w = { .err = err, .errlen = errlen };
	xmlBuffer *buf = NULL;
	char vbuf[16];
	size_t i, n;

	if (err && errlen)
		err[0] = '\0';
	if (!c || !out)
		return -EINVAL;
	*out = NULL;
	if (len)
		*len = 0;
	if (!c->entity)
		return ci_fail(err, errlen, -EINVAL, "<conference-info>: no entity");
	w.partial = c->state != CONFINFO_FULL;
	buf = xmlBufferCreate();
	if (!buf || (w.w = xmlNewTextWriterMemory(buf, 0)) == NULL) {
		xmlBufferFree(buf);
		return ci_fail(err, errlen, -ENOMEM, "out of memory");
	}
	wcheck(&w, xmlTextWriterSetIndent(w.w, 1));
	wcheck(&w, xmlTextWriterSetIndentString(w.w, (const xmlChar *)" "));
	wcheck(&w, xmlTextWriterStartDocument(w.w, "1.0", "UTF-8", NULL));
	start(&w, "conference-info");
	if (!w.rc)
		wcheck(&w, xmlTextWriterWriteAttribute(w.w, (const xmlChar *)"xmlns",
						       (const xmlChar *)CONFINFO_NS));
	attr(&w, "entity", c->entity, "conference-info");
	if ((unsigned)c->state >= CI_COUNT(confinfo_state_names))
		wfail(&w, -EINVAL, "conference-info", "bad state");
	else
		attr(&w, "state", confinfo_state_names[c->state], "conference-info");
	if (c->has_version) {
		snprintf(vbuf, sizeof(vbuf), "%u", (unsigned)c->version);
		attr(&w, "version", vbuf, "conference-info");
	}
	desc_el(&w, &c->desc);
	host_el(&w, &c->host);
	cstate_el(&w, &c->cstate);
	if (ci_users_on(&c->users)) {
		start(&w, "users");
		state_attr(&w, c->users.state, "users");
		for (i = 0; i < c->users.n && !w.rc; i++)
			user_el(&w, &c->users.v[i]);
		end(&w);
	}
	end(&w);
	if (!w.rc)
		wcheck(&w, xmlTextWriterEndDocument(w.w));
	xmlFreeTextWriter(w.w); /* flushes into buf */
	if (!w.rc) {
		n = (size_t)xmlBufferLength(buf);
		*out = malloc(n + 1);
		if (!*out) {
			w.rc = ci_fail(err, errlen, -ENOMEM, "out of memory");
		} else {
			memcpy(*out, xmlBufferContent(buf), n);
			(*out)[n] = '\0';
			if (len)
				*len = n;
		}
	}
	xmlBufferFree(buf);
	return w.rc;
}
