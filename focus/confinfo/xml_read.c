/*
 * xml_read.c - reading a conference-info document with libxml2.
 *
 * Four steps, each of which may refuse the input with a message naming
 * the line and the element:
 *
 * 1. A scan of the raw bytes, before libxml2 sees them: the size cap, no
 *    NUL byte, no markup declaration at all ("<!" that opens neither a
 *    comment nor a CDATA section: DOCTYPE, ENTITY, ...), and the depth and
 *    element-count caps. With no DOCTYPE there is no DTD, internal or
 *    external, so no entity is declared, expanded ("billion laughs") or
 *    fetched (XXE). The scan only counts; well-formedness is libxml2's.
 * 2. libxml2 parses with XML_PARSE_NONET and none of XML_PARSE_NOENT,
 *    XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_XINCLUDE or
 *    XML_PARSE_HUGE, reading the input as UTF-8 whatever it declares (no
 *    transcoding; RFC 4575 documents are UTF-8). Its errors go to a
 *    structured error handler set on this parse's own parser context
 *    (sax->serror; libxml2 2.9 has no xmlCtxtSetErrorHandler), never to
 *    the process-wide handlers. The tree is checked again for a DTD.
 * 3. The tree is validated against the RFC 4575 schema, compiled once per
 *    struct confinfo_parser from the copy built into the library; the
 *    validation context's errors are caught the same way.
 * 4. The tree becomes the model. Elements of other namespaces (the
 *    schema's xs:any, processContents="lax") and the sidebars are
 *    skipped. Rules the schema cannot say are checked here: users and
 *    endpoints need an entity (their key in partial documents), keys are
 *    unique in their lists.
 */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "confinfo_int.h"

struct confinfo_parser {
	xmlSchema *schema;
	struct confinfo_limits lim;
};

/* Where libxml2's errors for one parse land (the first one is kept). */
struct ecap {
	char *err;
	size_t errlen;
	bool set;
	bool nomem;
};

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

static void ecap_put(struct ecap *ec, int line, const char *el, const char *msg)
{
	int n;

	if (ec->set)
		return;
	ec->set = true;
	if (!ec->err || !ec->errlen)
		return;
	n = (int)strnlen(msg ? msg : "", 300);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '\r'))
		n--;
	snprintf(ec->err, ec->errlen, "line %d, <%.64s>: %.*s", line, el ? el : "document", n,
		 msg ? msg : "");
}

/* libxml2's parser errors, for one parser context (data is that context). */
static void on_parse_error(void *data, xmlError *e)
{
	xmlParserCtxt *ctxt = data;
	struct ecap *ec = ctxt ? ctxt->_private : NULL;

	if (!ec || !e || e->level == XML_ERR_WARNING)
		return;
	if (e->code == XML_ERR_NO_MEMORY)
		ec->nomem = true;
	ecap_put(ec, e->line, ctxt->name ? (const char *)ctxt->name : NULL, e->message);
}

/* The schema validator's errors (data is our struct ecap). */
static void on_valid_error(void *data, xmlError *e)
{
	struct ecap *ec = data;
	const xmlNode *n;

	if (!ec || !e || e->level == XML_ERR_WARNING)
		return;
	if (e->code == XML_ERR_NO_MEMORY)
		ec->nomem = true;
	n = e->node;
	ecap_put(ec, n ? (int)xmlGetLineNo(n) : e->line,
		 n && n->type == XML_ELEMENT_NODE ? (const char *)n->name : NULL, e->message);
}

/* Errors while compiling the built-in schema (never, unless out of memory). */
static void on_schema_error(void *data, xmlError *e)
{
	struct ecap *ec = data;

	if (ec && e && e->level != XML_ERR_WARNING)
		ecap_put(ec, e->line, "xs:schema", e->message);
}

/* ------------------------------------------------------------------ */
/* The parser object                                                   */
/* ------------------------------------------------------------------ */

int confinfo_parser_alloc(struct confinfo_parser **pp, const struct confinfo_limits *lim)
{
	struct confinfo_parser *p;
	xmlSchemaParserCtxt *sp;
	struct ecap ec = { 0 };

	if (!pp)
		return -EINVAL;
	*pp = NULL;
	xmlInitParser();
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (lim)
		p->lim = *lim;
	if (!p->lim.max_bytes)
		p->lim.max_bytes = CONFINFO_MAX_BYTES;
	if (!p->lim.max_depth)
		p->lim.max_depth = CONFINFO_MAX_DEPTH;
	if (!p->lim.max_elements)
		p->lim.max_elements = CONFINFO_MAX_ELEMENTS;
	sp = xmlSchemaNewMemParserCtxt((const char *)confinfo_xsd, (int)confinfo_xsd_len);
	if (sp) {
		xmlSchemaSetParserStructuredErrors(sp, on_schema_error, &ec);
		p->schema = xmlSchemaParse(sp);
		xmlSchemaFreeParserCtxt(sp);
	}
	if (!p->schema) {
		free(p);
		return -ENOMEM;
	}
	*pp = p;
	return 0;
}

void confinfo_parser_free(struct confinfo_parser *p)
{
	if (!p)
		return;
	xmlSchemaFree(p->schema);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Step 1: the raw scan                                                */
/* ------------------------------------------------------------------ */

static bool starts(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - s) >= n && memcmp(s, lit, n) == 0;
}

/* One past the end of the first lit at or after s; e if none. */
static const char *past(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);
	const char *q = (size_t)(e - s) >= n ? memmem(s, (size_t)(e - s), lit, n) : NULL;

	return q ? q + n : e;
}

static int line_at(const char *start, const char *s)
{
	int line = 1;

	for (; start < s; start++)
		line += *start == '\n';
	return line;
}

static int scan_raw(const struct confinfo_parser *p, const char *xml, size_t len, char *err,
		    size_t errlen)
{
	const char *s = xml, *e = xml + len, *q;
	size_t depth = 0, count = 0;

	if (memchr(xml, '\0', len))
		return ci_fail(err, errlen, -EBADMSG, "line %d, <document>: a NUL byte",
			       line_at(xml, memchr(xml, '\0', len)));
	while (s < e) {
		if (*s != '<') {
			q = memchr(s, '<', (size_t)(e - s));
			s = q ? q : e;
			continue;
		}
		if (starts(s, e, "<!--")) {
			s = past(s + 4, e, "-->");
		} else if (starts(s, e, "<![CDATA[")) {
			s = past(s + 9, e, "]]>");
		} else if (starts(s, e, "<!")) {
			return ci_fail(err, errlen, -EBADMSG,
				       "line %d, <document>: a DOCTYPE or other markup declaration "
				       "is not allowed",
				       line_at(xml, s));
		} else if (starts(s, e, "<?")) {
			s = past(s + 2, e, "?>");
		} else if (starts(s, e, "</")) {
			if (depth)
				depth--;
			q = memchr(s, '>', (size_t)(e - s));
			s = q ? q + 1 : e;
		} else {
			/* A start tag: to its '>', skipping quoted attribute values. */
			for (q = s + 1; q < e && *q != '>'; q++) {
				if (*q == '"' || *q == '\'') {
					const char *r = memchr(q + 1, *q, (size_t)(e - q - 1));
					if (!r)
						break;
					q = r;
				}
			}
			if (++count > p->lim.max_elements)
				return ci_fail(err, errlen, -E2BIG,
					       "line %d, <document>: more than %zu elements",
					       line_at(xml, s), p->lim.max_elements);
			if (q >= e || q[-1] != '/') {
				if (++depth > p->lim.max_depth)
					return ci_fail(err, errlen, -E2BIG,
						       "line %d, <document>: elements nested "
						       "deeper than %u",
						       line_at(xml, s), p->lim.max_depth);
			}
			s = q < e ? q + 1 : e;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Steps 2 and 3: libxml2                                              */
/* ------------------------------------------------------------------ */

static int xml_read(const char *xml, size_t len, xmlDoc **docp, char *err, size_t errlen)
{
	struct ecap ec = { .err = err, .errlen = errlen };
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	int rc = 0;

	*docp = NULL;
	ctxt = xmlNewParserCtxt();
	if (!ctxt || !ctxt->sax) {
		xmlFreeParserCtxt(ctxt);
		return ci_fail(err, errlen, -ENOMEM, "out of memory");
	}
	ctxt->_private = &ec;
	ctxt->sax->serror = on_parse_error;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, "UTF-8",
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC);
	if (!doc || !ctxt->wellFormed) {
		if (ec.nomem)
			rc = ci_fail(err, errlen, -ENOMEM, "out of memory");
		else if (ec.set)
			rc = -EBADMSG;
		else
			rc = ci_fail(err, errlen, -EBADMSG, "line %d, <document>: not well-formed",
				     ctxt->input ? ctxt->input->line : 0);
	} else if (!ctxt->nsWellFormed) {
		rc = ec.set ? -EBADMSG
			    : ci_fail(err, errlen, -EBADMSG,
				      "line 1, <document>: not namespace-well-formed");
	} else if (doc->intSubset || doc->extSubset) {
		rc = ci_fail(err, errlen, -EBADMSG, "line 1, <document>: a DTD is not allowed");
	}
	ctxt->_private = NULL;
	xmlFreeParserCtxt(ctxt);
	if (rc)
		xmlFreeDoc(doc);
	else
		*docp = doc;
	return rc;
}

static int validate(const struct confinfo_parser *p, xmlDoc *doc, char *err, size_t errlen)
{
	struct ecap ec = { .err = err, .errlen = errlen };
	xmlSchemaValidCtxt *v;
	int r;

	v = xmlSchemaNewValidCtxt(p->schema);
	if (!v)
		return ci_fail(err, errlen, -ENOMEM, "out of memory");
	xmlSchemaSetValidStructuredErrors(v, on_valid_error, &ec);
	r = xmlSchemaValidateDoc(v, doc);
	xmlSchemaFreeValidCtxt(v);
	if (r == 0)
		return 0;
	if (ec.nomem)
		return ci_fail(err, errlen, -ENOMEM, "out of memory");
	if (!ec.set)
		ci_fail(err, errlen, -EBADMSG, "line 1, <document>: not valid (%d)", r);
	return -EBADMSG;
}

/* ------------------------------------------------------------------ */
/* Step 4: the tree into the model                                     */
/* ------------------------------------------------------------------ */

struct rctx {
	char *err;
	size_t errlen;
};

static int bad(struct rctx *r, int rc, const xmlNode *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int bad(struct rctx *r, int rc, const xmlNode *n, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rc == -ENOMEM)
		return ci_fail(r->err, r->errlen, rc, "out of memory");
	return ci_fail(r->err, r->errlen, rc, "line %ld, <%.64s>: %s",
		       n ? xmlGetLineNo(n) : 0L, n ? (const char *)n->name : "document", msg);
}

/* An element of ours named name (NULL: any of ours). */
static bool ours(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, CONFINFO_NS) == 0 &&
	       (!name || strcmp((const char *)n->name, name) == 0);
}

static bool is(const xmlNode *n, const char *name)
{
	return strcmp((const char *)n->name, name) == 0;
}

/* *out = a copy of n's text (replacing what was there). */
static int text(struct rctx *r, const xmlNode *n, char **out)
{
	xmlChar *t = xmlNodeGetContent(n);
	int rc = 0;

	free(*out);
	*out = NULL;
	if (!t || (*out = strdup((const char *)t)) == NULL)
		rc = bad(r, -ENOMEM, n, "out of memory");
	xmlFree(t);
	return rc;
}

static bool xml_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* xs:unsignedInt (whitespace collapsed; the schema has checked the range). */
static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x = 0;
	bool digits = false;

	while (xml_ws(*s))
		s++;
	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > UINT32_MAX)
			return -1;
		digits = true;
	}
	while (xml_ws(*s))
		s++;
	if (*s || !digits)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

static int u32_el(struct rctx *r, const xmlNode *n, uint32_t *v)
{
	char *t = NULL;
	int rc = text(r, n, &t);

	if (!rc && parse_u32(t, v))
		rc = bad(r, -EBADMSG, n, "not an unsignedInt");
	free(t);
	return rc;
}

/* An enumeration (xs:string restriction: whitespace preserved, exact). */
static int enum_str(struct rctx *r, const xmlNode *n, const char *s, const char *const *names,
		    size_t count, unsigned *v)
{
	size_t i;

	for (i = 0; i < count; i++) {
		if (names[i] && strcmp(names[i], s) == 0) {
			*v = (unsigned)i;
			return 0;
		}
	}
	return bad(r, -EBADMSG, n, "unknown value");
}

static int enum_el(struct rctx *r, const xmlNode *n, const char *const *names, size_t count,
		   unsigned *v)
{
	char *t = NULL;
	int rc = text(r, n, &t);

	if (!rc)
		rc = enum_str(r, n, t, names, count, v);
	free(t);
	return rc;
}

static int bool_el(struct rctx *r, const xmlNode *n, enum confinfo_bool *v)
{
	char *t = NULL, *s, *e;
	int rc = text(r, n, &t);

	if (rc)
		return rc;
	for (s = t; xml_ws(*s); s++)
		;
	for (e = s + strlen(s); e > s && xml_ws(e[-1]); e--)
		;
	*e = '\0';
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*v = CONFINFO_TRUE;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*v = CONFINFO_FALSE;
	else
		rc = bad(r, -EBADMSG, n, "not a boolean");
	free(t);
	return rc;
}

/* An unqualified attribute into *out (NULL when absent). */
static int attr_get(struct rctx *r, xmlNode *n, const char *name, char **out)
{
	xmlChar *v;

	*out = NULL;
	if (!xmlHasNsProp(n, (const xmlChar *)name, NULL))
		return 0;
	v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (!v || (*out = strdup((const char *)v)) == NULL) {
		xmlFree(v);
		return bad(r, -ENOMEM, n, "out of memory");
	}
	xmlFree(v);
	return 0;
}

static int state_attr(struct rctx *r, xmlNode *n, enum confinfo_state *st)
{
	char *s = NULL;
	unsigned v = CONFINFO_FULL;
	int rc = attr_get(r, n, "state", &s);

	if (!rc && s)
		rc = enum_str(r, n, s, confinfo_state_names, CI_COUNT(confinfo_state_names), &v);
	*st = (enum confinfo_state)v;
	free(s);
	return rc;
}

#define FOR_OURS(c, parent)                                                              \
	for (c = (parent)->children; c; c = c->next)                                     \
		if (ours(c, NULL))

static int read_exec(struct rctx *r, xmlNode *n, struct confinfo_exec *e)
{
	xmlNode *c;
	int rc = 0;

	e->present = true;
	FOR_OURS(c, n)
	{
		if (is(c, "when"))
			rc = text(r, c, &e->when);
		else if (is(c, "reason"))
			rc = text(r, c, &e->reason);
		else if (is(c, "by"))
			rc = text(r, c, &e->by);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_uris(struct rctx *r, xmlNode *n, struct confinfo_uris *l)
{
	xmlNode *c, *d;
	int rc;

	if ((rc = state_attr(r, n, &l->state)) != 0)
		return rc;
	FOR_OURS(c, n)
	{
		struct confinfo_uri *u = NULL;
		xmlNode *un = NULL;
		char *uri = NULL;

		if (!is(c, "entry"))
			continue;
		FOR_OURS(d, c)
		{
			if (is(d, "uri"))
				un = d;
		}
		if (!un)
			return bad(r, -EBADMSG, c, "an entry without <uri>");
		if ((rc = text(r, un, &uri)) != 0)
			return rc;
		rc = confinfo_uri_add(l, uri, &u);
		free(uri);
		if (rc == -EEXIST)
			return bad(r, -EBADMSG, c, "a second entry with the same <uri>");
		if (rc)
			return bad(r, rc, c, "out of memory");
		FOR_OURS(d, c)
		{
			if (is(d, "display-text"))
				rc = text(r, d, &u->display_text);
			else if (is(d, "purpose"))
				rc = text(r, d, &u->purpose);
			else if (is(d, "modified"))
				rc = read_exec(r, d, &u->modified);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int read_avmedia(struct rctx *r, xmlNode *n, struct confinfo_desc *d)
{
	xmlNode *c, *e;
	int rc;

	FOR_OURS(c, n)
	{
		struct confinfo_avmedia *m = NULL;
		char *label = NULL;
		unsigned v;

		if (!is(c, "entry"))
			continue;
		if ((rc = attr_get(r, c, "label", &label)) != 0)
			return rc;
		if (!label)
			return bad(r, -EBADMSG, c, "an entry without label");
		rc = confinfo_avmedia_add(d, label, "", &m);
		free(label);
		if (rc == -EEXIST)
			return bad(r, -EBADMSG, c, "a second entry with the same label");
		if (rc)
			return bad(r, rc, c, "out of memory");
		FOR_OURS(e, c)
		{
			if (is(e, "display-text")) {
				rc = text(r, e, &m->display_text);
			} else if (is(e, "type")) {
				rc = text(r, e, &m->type);
			} else if (is(e, "status")) {
				rc = enum_el(r, e, confinfo_media_status_names,
					     CI_COUNT(confinfo_media_status_names), &v);
				m->status = (enum confinfo_media_status)v;
			}
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int read_desc(struct rctx *r, xmlNode *n, struct confinfo_desc *d)
{
	xmlNode *c;
	int rc = 0;

	d->present = true;
	FOR_OURS(c, n)
	{
		if (is(c, "display-text")) {
			rc = text(r, c, &d->display_text);
		} else if (is(c, "subject")) {
			rc = text(r, c, &d->subject);
		} else if (is(c, "free-text")) {
			rc = text(r, c, &d->free_text);
		} else if (is(c, "keywords")) {
			rc = text(r, c, &d->keywords);
		} else if (is(c, "conf-uris")) {
			rc = read_uris(r, c, &d->conf_uris);
		} else if (is(c, "service-uris")) {
			rc = read_uris(r, c, &d->service_uris);
		} else if (is(c, "maximum-user-count")) {
			rc = u32_el(r, c, &d->max_users);
			d->has_max_users = true;
		} else if (is(c, "available-media")) {
			rc = read_avmedia(r, c, d);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int read_host(struct rctx *r, xmlNode *n, struct confinfo_host *h)
{
	xmlNode *c;
	int rc = 0;

	h->present = true;
	FOR_OURS(c, n)
	{
		if (is(c, "display-text"))
			rc = text(r, c, &h->display_text);
		else if (is(c, "web-page"))
			rc = text(r, c, &h->web_page);
		else if (is(c, "uris"))
			rc = read_uris(r, c, &h->uris);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_cstate(struct rctx *r, xmlNode *n, struct confinfo_cstate *s)
{
	xmlNode *c;
	int rc = 0;

	s->present = true;
	FOR_OURS(c, n)
	{
		if (is(c, "user-count")) {
			rc = u32_el(r, c, &s->user_count);
			s->has_user_count = true;
		} else if (is(c, "active")) {
			rc = bool_el(r, c, &s->active);
		} else if (is(c, "locked")) {
			rc = bool_el(r, c, &s->locked);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int read_media(struct rctx *r, xmlNode *n, struct confinfo_endpoint *e)
{
	struct confinfo_media *m = NULL;
	xmlNode *c;
	char *id = NULL;
	unsigned v;
	int rc;

	if ((rc = attr_get(r, n, "id", &id)) != 0)
		return rc;
	if (!id)
		return bad(r, -EBADMSG, n, "no id");
	rc = confinfo_media_add(e, id, &m);
	free(id);
	if (rc == -EEXIST)
		return bad(r, -EBADMSG, n, "a second medium with the same id");
	if (rc)
		return bad(r, rc, n, "out of memory");
	FOR_OURS(c, n)
	{
		if (is(c, "display-text")) {
			rc = text(r, c, &m->display_text);
		} else if (is(c, "type")) {
			rc = text(r, c, &m->type);
		} else if (is(c, "label")) {
			rc = text(r, c, &m->label);
		} else if (is(c, "src-id")) {
			rc = text(r, c, &m->src_id);
		} else if (is(c, "status")) {
			rc = enum_el(r, c, confinfo_media_status_names,
				     CI_COUNT(confinfo_media_status_names), &v);
			m->status = (enum confinfo_media_status)v;
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int read_call_info(struct rctx *r, xmlNode *n, struct confinfo_sip *s)
{
	xmlNode *c, *d;
	int rc = 0;

	FOR_OURS(c, n)
	{
		if (!is(c, "sip"))
			continue;
		s->present = true;
		FOR_OURS(d, c)
		{
			if (is(d, "display-text"))
				rc = text(r, d, &s->display_text);
			else if (is(d, "call-id"))
				rc = text(r, d, &s->call_id);
			else if (is(d, "from-tag"))
				rc = text(r, d, &s->from_tag);
			else if (is(d, "to-tag"))
				rc = text(r, d, &s->to_tag);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int read_endpoint(struct rctx *r, xmlNode *n, struct confinfo_user *u)
{
	struct confinfo_endpoint *e = NULL;
	xmlNode *c;
	char *entity = NULL;
	unsigned v;
	int rc;

	if ((rc = attr_get(r, n, "entity", &entity)) != 0)
		return rc;
	if (!entity)
		return bad(r, -EBADMSG, n, "no entity");
	rc = confinfo_endpoint_add(u, entity, &e);
	free(entity);
	if (rc == -EEXIST)
		return bad(r, -EBADMSG, n, "a second endpoint with the same entity");
	if (rc)
		return bad(r, rc, n, "out of memory");
	if ((rc = state_attr(r, n, &e->state)) != 0)
		return rc;
	FOR_OURS(c, n)
	{
		if (is(c, "display-text")) {
			rc = text(r, c, &e->display_text);
		} else if (is(c, "referred")) {
			rc = read_exec(r, c, &e->referred);
		} else if (is(c, "status")) {
			rc = enum_el(r, c, confinfo_ep_status_names,
				     CI_COUNT(confinfo_ep_status_names), &v);
			e->status = (enum confinfo_ep_status)v;
		} else if (is(c, "joining-method")) {
			rc = enum_el(r, c, confinfo_joining_names, CI_COUNT(confinfo_joining_names),
				     &v);
			e->joining_method = (enum confinfo_joining)v;
		} else if (is(c, "joining-info")) {
			rc = read_exec(r, c, &e->joining_info);
		} else if (is(c, "disconnection-method")) {
			rc = enum_el(r, c, confinfo_disconnection_names,
				     CI_COUNT(confinfo_disconnection_names), &v);
			e->disconnection_method = (enum confinfo_disconnection)v;
		} else if (is(c, "disconnection-info")) {
			rc = read_exec(r, c, &e->disconnection_info);
		} else if (is(c, "media")) {
			rc = read_media(r, c, e);
		} else if (is(c, "call-info")) {
			rc = read_call_info(r, c, &e->call_info);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int read_roles(struct rctx *r, xmlNode *n, struct confinfo_user *u)
{
	xmlNode *c;
	char **v;
	int rc;

	FOR_OURS(c, n)
	{
		if (!is(c, "entry"))
			continue;
		v = ci_grow(u->roles, u->n_roles, sizeof(*v));
		if (!v)
			return bad(r, -ENOMEM, c, "out of memory");
		u->roles = v;
		u->n_roles++;
		if ((rc = text(r, c, &v[u->n_roles - 1])) != 0)
			return rc;
	}
	return 0;
}

static int read_user(struct rctx *r, xmlNode *n, struct confinfo *ci)
{
	struct confinfo_user *u = NULL;
	xmlNode *c;
	char *entity = NULL;
	int rc;

	if ((rc = attr_get(r, n, "entity", &entity)) != 0)
		return rc;
	if (!entity)
		return bad(r, -EBADMSG, n, "no entity");
	rc = confinfo_user_add(ci, entity, &u);
	free(entity);
	if (rc == -EEXIST)
		return bad(r, -EBADMSG, n, "a second user with the same entity");
	if (rc)
		return bad(r, rc, n, "out of memory");
	if ((rc = state_attr(r, n, &u->state)) != 0)
		return rc;
	FOR_OURS(c, n)
	{
		if (is(c, "display-text"))
			rc = text(r, c, &u->display_text);
		else if (is(c, "associated-aors"))
			rc = read_uris(r, c, &u->associated_aors);
		else if (is(c, "roles"))
			rc = read_roles(r, c, u);
		else if (is(c, "languages"))
			rc = text(r, c, &u->languages);
		else if (is(c, "cascaded-focus"))
			rc = text(r, c, &u->cascaded_focus);
		else if (is(c, "endpoint"))
			rc = read_endpoint(r, c, u);
		if (rc)
			return rc;
	}
	return 0;
}

static int read_doc(struct rctx *r, xmlNode *root, struct confinfo **out)
{
	struct confinfo *ci;
	xmlNode *c;
	char *entity = NULL, *version = NULL;
	int rc;

	if (!ours(root, "conference-info"))
		return bad(r, -EBADMSG, root, "the root is not <conference-info> of %s",
			   CONFINFO_NS);
	if ((rc = attr_get(r, root, "entity", &entity)) != 0)
		return rc;
	if (!entity)
		return bad(r, -EBADMSG, root, "no entity");
	rc = confinfo_alloc(&ci, entity);
	free(entity);
	if (rc)
		return bad(r, rc, root, "out of memory");
	if ((rc = state_attr(r, root, &ci->state)) != 0 ||
	    (rc = attr_get(r, root, "version", &version)) != 0)
		goto out;
	if (version) {
		ci->has_version = true;
		if (parse_u32(version, &ci->version)) {
			rc = bad(r, -EBADMSG, root, "version is not an unsignedInt");
			goto out;
		}
	}
	FOR_OURS(c, root)
	{
		if (is(c, "conference-description")) {
			rc = read_desc(r, c, &ci->desc);
		} else if (is(c, "host-info")) {
			rc = read_host(r, c, &ci->host);
		} else if (is(c, "conference-state")) {
			rc = read_cstate(r, c, &ci->cstate);
		} else if (is(c, "users")) {
			xmlNode *u;

			ci->users.present = true;
			if ((rc = state_attr(r, c, &ci->users.state)) != 0)
				goto out;
			FOR_OURS(u, c)
			{
				if (is(u, "user") && (rc = read_user(r, u, ci)) != 0)
					goto out;
			}
		}
		/* sidebars-by-ref, sidebars-by-val: not in the model */
		if (rc)
			goto out;
	}
out:
	free(version);
	if (rc)
		confinfo_free(ci);
	else
		*out = ci;
	return rc;
}

int confinfo_parse(struct confinfo_parser *p, const char *xml, size_t len, struct confinfo **out,
		   char *err, size_t errlen)
{
	struct rctx r = { .err = err, .errlen = errlen };
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!p || (!xml && len))
		return ci_fail(err, errlen, -EINVAL, "no parser or no text");
	if (len > p->lim.max_bytes || len > INT32_MAX)
		return ci_fail(err, errlen, -EMSGSIZE,
			       "line 1, <document>: %zu bytes, more than the %zu allowed", len,
			       p->lim.max_bytes);
	if (!len)
		return ci_fail(err, errlen, -EBADMSG, "line 1, <document>: empty");
	if ((rc = scan_raw(p, xml, len, err, errlen)) != 0)
		return rc;
	if ((rc = xml_read(xml, len, &doc, err, errlen)) != 0)
		return rc;
	root = xmlDocGetRootElement(doc);
	if (!root) {
		rc = ci_fail(err, errlen, -EBADMSG, "line 1, <document>: no root element");
		goto out;
	}
	if ((rc = validate(p, doc, err, errlen)) != 0)
		goto out;
	rc = read_doc(&r, root, out);
out:
	xmlFreeDoc(doc);
	return rc;
}
