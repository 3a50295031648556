/*
 * config_parse.c - reading the configuration document (RFC 6940 section
 * 11.1, grammar of section 11.1.1) with libxml2.
 *
 * Safety. The raw text is scanned by us before libxml2 sees it (see
 * scan_raw()): documents over 4 MiB, with a NUL byte, declaring an
 * encoding other than UTF-8, with a DOCTYPE (so with any entity
 * declaration, internal or external) or nested deeper than 256 elements
 * are refused there, so no entity is ever declared, expanded or fetched.
 * libxml2 then parses with XML_PARSE_NONET and without XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD, XML_PARSE_XINCLUDE or XML_PARSE_HUGE (its own limits
 * stay on), reading the input as UTF-8 whatever it looks like, so it
 * never transcodes (and never reports on stderr).
 *
 * Grammar. Elements are matched by namespace URI, never by prefix.
 * Elements and attributes of other namespaces are the grammar's
 * foreign-elements and foreign-attributes: allowed and ignored (the
 * Chorus namespace is foreign to the RFC; we read its <landmark> in
 * <configuration> and ignore anything else of it, so a later extension
 * does not break older peers; likewise RFC 8076's share namespace, of
 * which we read <variable-resource-names> in <kind>: see variable_names()).
 * The grammar excludes the base and chord namespaces and no namespace from
 * foreign-elements, so an element of those we do not know where it stands
 * is refused, as is an unqualified attribute we do not know. Non-blank
 * text where only elements may be is refused. Only the selected
 * <configuration> (and the <signature> right after it) is read in
 * detail; of the others only the instance-name.
 * <overlay-reliability-timer> is not in the grammar but is in the text
 * and the example of section 11.1, so it is read (in the base namespace).
 *
 * Errors. -EBADMSG when the grammar (with its datatypes: xsd:int,
 * xsd:boolean, xsd:base64Binary, xsd:dateTime) refuses the document;
 * -EINVAL when the grammar accepts it but a value breaks the RFC's text
 * or our limits (ranges, https URLs, IP literals, hex Node-IDs, kind names,
 * data models and access control policies we do not know, UTC, RFC 8076
 * patterns); -ENOENT when no configuration has the requested
 * instance-name; -EMSGSIZE over 4 MiB; -ENOMEM. The message names the
 * element path, e.g.
 * "configuration/required-kinds/kind-block[2]/kind/max-count: ...";
 * repeatable elements carry their 1-based index among their like.
 *
 * Values. Surrounding whitespace is removed from every value (xsd:int,
 * xsd:boolean and tokens allow it; for xsd:string values such as
 * shared-secret it is also removed, as the RFC's own example writes
 * "<shared-secret> password </shared-secret>"). kind-signer,
 * configuration-signer and bad-node hold hex Node-IDs; the RFC's example
 * uses 8-byte ones, so any hex of 1..20 bytes is accepted and kept
 * left-aligned in struct relo_nodeid with len set to the number of bytes
 * (compare with node_id_len before use). Base64 may contain whitespace
 * anywhere and must be padded; the trailing bits of a padded group are not
 * checked. expiration must be UTC (Z or +00:00); fractional seconds are
 * dropped. root-cert is not parsed as a certificate here: the grammar
 * says base64Binary and the RFC's example has one that is not.
 *
 * Signed bytes. configuration_xml and kind_xml are the exact input bytes
 * of those elements (from their '<' to the '>' of their end tag), which
 * the signatures of section 11.1 cover. libxml2 keeps no byte offsets, so
 * scan_raw() records where every start tag and its end are in the raw
 * text, in document order. Without a DTD, the i-th start tag of the text
 * is the i-th element of libxml2's tree in document order (entities
 * cannot add elements; comments, CDATA sections and processing
 * instructions are skipped by the scan; attribute values may hold '>'
 * and are skipped by their quotes), so an element's position in a
 * pre-order walk of the tree gives its bytes. As a check, the element
 * counts must agree and the name in the text at that offset must be the
 * element's qualified name. Limits: the input must be UTF-8 (anything
 * else is refused; the RFC requires UTF-8), and bytes are those of the
 * document as given (a CRLF stays a CRLF).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <openssl/evp.h>

#include "config_int.h"

#define MAX_DEPTH 256 /* as libxml2's own default limit */
#define PATH_LEN 192

/* Where an element is in the raw text: from its '<' to one past its last '>'. */
struct span {
	uint32_t start, end;
};

struct pctx {
	const char *xml;
	size_t len;
	struct span *el; /* every element, in document order */
	size_t n_el;
	struct relo_config *c;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 4, 5))) static int fail(struct pctx *p, int rc, const char *path,
						       const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->err || !p->errlen)
		return rc;
	n = snprintf(p->err, p->errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static int nomem(struct pctx *p)
{
	return fail(p, -ENOMEM, "document", "out of memory");
}

/* path/child, or path/child[idx] when idx is not 0, into buf (cut short if need be). */
static void subpath(char *buf, size_t size, const char *path, const char *child, size_t idx)
{
	int n = idx ? snprintf(buf, size, "%s/%s[%zu]", path, child, idx)
		    : snprintf(buf, size, "%s/%s", path, child);

	if (n < 0)
		buf[0] = '\0';
}

/* ------------------------------------------------------------------ */
/* The raw scan                                                        */
/* ------------------------------------------------------------------ */

static unsigned line_at(const struct pctx *p, const char *at)
{
	const char *s = p->xml;
	unsigned line = 1;

	while (s < at && (s = memchr(s, '\n', (size_t)(at - s))) != NULL) {
		line++;
		s++;
	}
	return line;
}

static bool starts(const char *s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	return (size_t)(e - s) >= n && memcmp(s, lit, n) == 0;
}

/* Skips past the end marker of a comment, PI or CDATA section; NULL if none. */
static const char *skip_to(const char *s, const char *e, const char *marker)
{
	size_t n = strlen(marker);
	const char *q = memmem(s, (size_t)(e - s), marker, n);

	return q ? q + n : NULL;
}

/*
 * The encoding an XML declaration names, if any, must be UTF-8 (the RFC
 * requires it; libxml2 would transcode anything else, and report its
 * transcoding errors on stderr). A declaration we cannot read is left to
 * libxml2, which reads the document as UTF-8 whatever it says.
 */
static int check_decl(struct pctx *p, const char *s, const char *e)
{
	const char *end, *q, *v;
	char quote;
	size_t n;

	if (!starts(s, e, "<?xml") || (size_t)(e - s) < 6 || !cfg_is_ws(s[5]))
		return 0;
	end = skip_to(s, e, "?>");
	q = end ? memmem(s, (size_t)(end - s), "encoding", 8) : NULL;
	if (!q)
		return 0;
	for (q += 8; q < end && cfg_is_ws(*q); q++)
		;
	if (q >= end || *q++ != '=')
		return 0;
	while (q < end && cfg_is_ws(*q))
		q++;
	if (q >= end || (*q != '"' && *q != '\''))
		return 0;
	quote = *q++;
	for (v = q; q < end && *q != quote; q++)
		;
	n = (size_t)(q - v);
	if ((n == 5 && strncasecmp(v, "UTF-8", 5) == 0) ||
	    (n == 4 && strncasecmp(v, "UTF8", 4) == 0))
		return 0;
	return fail(p, -EBADMSG, "document", "encoding \"%.*s\": the document must be UTF-8",
		    (int)(n > 32 ? 32 : n), v);
}

/*
 * Records the span of every element of the raw text (see the comment at
 * the top). Refuses what we never let libxml2 see: declarations (DOCTYPE
 * and anything else "<!" that is neither a comment nor CDATA) and
 * nesting deeper than MAX_DEPTH. Anything else it cannot make sense of is
 * not well-formed.
 */
static int scan_raw(struct pctx *p)
{
	const char *s = p->xml, *e = p->xml + p->len, *q;
	uint32_t stack[MAX_DEPTH];
	size_t depth = 0;
	bool root_done = false;
	struct span *v;
	const char *what = "unexpected end";

	if (starts(s, e, "\xef\xbb\xbf"))
		s += 3;
	if (check_decl(p, s, e))
		return -EBADMSG;
	while (s < e) {
		if (*s != '<') {
			q = memchr(s, '<', (size_t)(e - s));
			s = q ? q : e;
			continue;
		}
		if (starts(s, e, "<!--")) {
			what = "an unterminated comment";
			if ((s = skip_to(s + 4, e, "-->")) == NULL)
				goto bad;
			continue;
		}
		if (starts(s, e, "<?")) {
			what = "an unterminated processing instruction";
			if ((s = skip_to(s + 2, e, "?>")) == NULL)
				goto bad;
			continue;
		}
		if (starts(s, e, "<![CDATA[")) {
			what = "CDATA outside the root element";
			if (!depth || (s = skip_to(s + 9, e, "]]>")) == NULL)
				goto bad;
			continue;
		}
		if (starts(s, e, "<!"))
			return fail(p, -EBADMSG, "document",
				    "a DOCTYPE or other declaration is not allowed (line %u)",
				    line_at(p, s));
		if (starts(s, e, "</")) {
			what = "an unexpected end tag";
			q = memchr(s, '>', (size_t)(e - s));
			if (!depth || !q)
				goto bad;
			p->el[stack[--depth]].end = (uint32_t)(q + 1 - p->xml);
			root_done = depth == 0;
			s = q + 1;
			continue;
		}
		what = "a second root element";
		if (root_done)
			goto bad;
		v = cfg_grow(p->el, p->n_el, sizeof(*p->el));
		if (!v)
			return nomem(p);
		p->el = v;
		v[p->n_el].start = (uint32_t)(s - p->xml);
		v[p->n_el].end = 0;
		what = "an unterminated start tag";
		for (q = s + 1; q < e && *q != '>'; q++) {
			if (*q == '"' || *q == '\'') {
				const char *r = memchr(q + 1, *q, (size_t)(e - q - 1));
				if (!r)
					goto bad;
				q = r;
			} else if (*q == '<') {
				goto bad;
			}
		}
		if (q >= e)
			goto bad;
		if (q[-1] == '/') {
			v[p->n_el].end = (uint32_t)(q + 1 - p->xml);
			root_done = depth == 0;
		} else {
			if (depth == MAX_DEPTH)
				return fail(p, -EBADMSG, "document",
					    "elements nested deeper than %d (line %u)", MAX_DEPTH,
					    line_at(p, s));
			stack[depth++] = (uint32_t)p->n_el;
		}
		p->n_el++;
		s = q + 1;
	}
	what = "no root element, or one never closed";
	if (depth || !p->n_el)
		goto bad;
	return 0;
bad:
	return fail(p, -EBADMSG, "document", "not well-formed XML: %s (line %u)", what,
		    line_at(p, s ? s : e));
}

/*
 * Numbers every element of the tree in document order (1-based, in
 * _private, which is ours to use) and returns how many there are.
 */
static size_t tree_number(xmlNode *root)
{
	xmlNode *n = root;
	size_t idx = 0;

	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			n->_private = (void *)(uintptr_t)++idx;
			if (n->children) {
				n = n->children;
				continue;
			}
		}
		while (n != root && !n->next)
			n = n->parent;
		if (n == root)
			break;
		n = n->next;
	}
	return idx;
}

/* The raw bytes of element n, copied into *out (*len bytes). */
static int raw_bytes(struct pctx *p, xmlNode *n, const char *path, uint8_t **out, size_t *len)
{
	size_t idx = (size_t)(uintptr_t)n->_private, plen = 0, nlen = strlen((const char *)n->name);
	const struct span *sp;
	const char *s;

	if (!idx || idx > p->n_el)
		goto bad;
	sp = &p->el[idx - 1];
	s = p->xml + sp->start + 1;
	if (n->ns && n->ns->prefix) {
		plen = strlen((const char *)n->ns->prefix);
		if (sp->start + 1 + plen + 1 > p->len || memcmp(s, n->ns->prefix, plen) != 0 ||
		    s[plen] != ':')
			goto bad;
		s += plen + 1;
	}
	if (sp->end <= sp->start || (size_t)(p->xml + p->len - s) <= nlen ||
	    memcmp(s, n->name, nlen) != 0 ||
	    !(cfg_is_ws(s[nlen]) || s[nlen] == '>' || s[nlen] == '/'))
		goto bad;
	if (cfg_memdup(out, (const uint8_t *)p->xml + sp->start, sp->end - sp->start))
		return nomem(p);
	*len = sp->end - sp->start;
	return 0;
bad:
	return fail(p, -EBADMSG, path, "cannot find the element's bytes in the document");
}

/* ------------------------------------------------------------------ */
/* Names, attributes and text                                          */
/* ------------------------------------------------------------------ */

enum ns_class { NS_FOREIGN, NS_BASE, NS_CHORD, NS_NONE, NS_CHORUS, NS_SHARE };

static enum ns_class ns_of(const xmlNs *ns)
{
	const char *href = ns && ns->href ? (const char *)ns->href : NULL;

	if (!href || !*href)
		return NS_NONE;
	if (strcmp(href, RELO_CONFIG_NS_BASE) == 0)
		return NS_BASE;
	if (strcmp(href, RELO_CONFIG_NS_CHORD) == 0)
		return NS_CHORD;
	if (strcmp(href, RELO_CONFIG_NS_CHORUS) == 0)
		return NS_CHORUS;
	if (strcmp(href, RELO_CONFIG_NS_SHARE) == 0)
		return NS_SHARE;
	return NS_FOREIGN;
}

/*
 * Elements of these namespaces are foreign to the base grammar: skipped
 * where it allows foreign-elements, unless we read them there (Chorus's
 * <landmark> in <configuration>, RFC 8076's <variable-resource-names> in
 * <kind>).
 */
static bool ns_skipped(enum ns_class ns)
{
	return ns == NS_FOREIGN || ns == NS_CHORUS || ns == NS_SHARE;
}

static bool is_el(const xmlNode *n, enum ns_class ns, const char *name)
{
	return ns_of(n->ns) == ns && strcmp((const char *)n->name, name) == 0;
}

/* Refuses an element of the base or chord namespace, or of none, where it does not belong. */
static int unknown_el(struct pctx *p, const xmlNode *n, const char *path)
{
	const char *pfx = ns_of(n->ns) == NS_CHORD ? "chord:" : "";

	if (ns_of(n->ns) == NS_NONE)
		return fail(p, -EBADMSG, path, "element <%.64s> in no namespace is not allowed",
			    (const char *)n->name);
	return fail(p, -EBADMSG, path, "unknown element <%s%.64s>", pfx, (const char *)n->name);
}

/* Non-blank text or CDATA where only elements may be is refused. */
static int check_blank(struct pctx *p, const xmlNode *n, const char *path)
{
	const unsigned char *s = n->content;

	for (; s && *s; s++)
		if (!cfg_is_ws(*s))
			return fail(p, -EBADMSG, path, "unexpected text \"%.32s\"",
				    (const char *)n->content);
	return 0;
}

/*
 * Unqualified attributes must be in allowed (NULL-terminated, may be
 * NULL); those of the base or chord namespace are not allowed at all;
 * those of other namespaces are ignored.
 */
static int check_attrs(struct pctx *p, const xmlNode *n, const char *path,
		       const char *const *allowed)
{
	const xmlAttr *a;
	size_t i;

	for (a = n->properties; a; a = a->next) {
		enum ns_class ns = ns_of(a->ns);
		bool ok = false;

		if (ns_skipped(ns))
			continue;
		for (i = 0; ns == NS_NONE && allowed && allowed[i]; i++)
			ok = ok || strcmp(allowed[i], (const char *)a->name) == 0;
		if (!ok)
			return fail(p, -EBADMSG, path, "unknown attribute \"%s%.64s\"",
				    ns == NS_NONE ? "" : ns == NS_BASE ? "p2pcf:" : "chord:",
				    (const char *)a->name);
	}
	return 0;
}

/* Trims XML whitespace in place. */
static char *trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && cfg_is_ws(s[n - 1]))
		s[--n] = '\0';
	while (cfg_is_ws(s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
	return s;
}

/* The value of an unqualified attribute, trimmed, malloc'd; NULL if absent. */
static int attr_get(struct pctx *p, xmlNode *n, const char *name, char **out)
{
	xmlChar *v;

	*out = NULL;
	if (!xmlHasNsProp(n, (const xmlChar *)name, NULL))
		return 0;
	v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (v)
		*out = strdup((const char *)v);
	xmlFree(v);
	if (!*out)
		return nomem(p);
	trim(*out);
	return 0;
}

/*
 * The text of a value element, trimmed, malloc'd (maybe ""). A value has
 * no child elements; comments and processing instructions are skipped.
 */
static int text_of(struct pctx *p, xmlNode *n, const char *path, char **out)
{
	xmlNode *t;
	size_t len = 0;
	char *s;

	*out = NULL;
	for (t = n->children; t; t = t->next) {
		if (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE)
			len += t->content ? strlen((const char *)t->content) : 0;
		else if (t->type == XML_ELEMENT_NODE || t->type == XML_ENTITY_REF_NODE)
			return fail(p, -EBADMSG, path, "unexpected <%.64s> in a value",
				    (const char *)t->name);
	}
	s = malloc(len + 1);
	if (!s)
		return nomem(p);
	len = 0;
	for (t = n->children; t; t = t->next) {
		if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content) {
			size_t l = strlen((const char *)t->content);
			memcpy(s + len, t->content, l);
			len += l;
		}
	}
	s[len] = '\0';
	*out = trim(s);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */
/* ------------------------------------------------------------------ */

/* An xsd integer ([+-]?[0-9]+, whitespace trimmed already) within lo..hi. */
static int parse_int(struct pctx *p, const char *path, const char *s, int64_t lo, int64_t hi,
		     int64_t *v)
{
	const char *d = s;
	bool neg = false, big = false;
	int64_t x = 0;

	if (*d == '+' || *d == '-')
		neg = *d++ == '-';
	if (!*d)
		return fail(p, -EBADMSG, path, "\"%.64s\" is not an integer", s);
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return fail(p, -EBADMSG, path, "\"%.64s\" is not an integer", s);
		if (x > (INT64_MAX - 9) / 10)
			big = true;
		else
			x = x * 10 + (*d - '0');
	}
	if (neg)
		x = -x;
	if (big || x < lo || x > hi)
		return fail(p, -EINVAL, path, "%.64s is outside %lld..%lld", s, (long long)lo,
			    (long long)hi);
	*v = x;
	return 0;
}

static int val_int(struct pctx *p, xmlNode *n, const char *path, int64_t lo, int64_t hi,
		   int64_t *v)
{
	char *s = NULL;
	int rc = check_attrs(p, n, path, NULL);

	if (!rc)
		rc = text_of(p, n, path, &s);
	if (!rc)
		rc = parse_int(p, path, s, lo, hi, v);
	free(s);
	return rc;
}

static int parse_bool(struct pctx *p, const char *path, const char *s, bool *v)
{
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*v = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*v = false;
	else
		return fail(p, -EBADMSG, path, "\"%.64s\" is not a boolean", s);
	return 0;
}

/* A boolean element; attrs: its allowed attributes (NULL: none). */
static int val_bool(struct pctx *p, xmlNode *n, const char *path, const char *const *attrs,
		    bool *v)
{
	char *s = NULL;
	int rc = check_attrs(p, n, path, attrs);

	if (!rc)
		rc = text_of(p, n, path, &s);
	if (!rc)
		rc = parse_bool(p, path, s, v);
	free(s);
	return rc;
}

/* A non-empty string of fewer than max bytes (0: any length), malloc'd. */
static int val_str(struct pctx *p, xmlNode *n, const char *path, size_t max, char **out)
{
	int rc = check_attrs(p, n, path, NULL);

	*out = NULL;
	if (!rc)
		rc = text_of(p, n, path, out);
	if (rc)
		return rc;
	if (!**out)
		rc = fail(p, -EINVAL, path, "empty");
	else if (max && strlen(*out) >= max)
		rc = fail(p, -EINVAL, path, "longer than %zu bytes", max - 1);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* Base64 (RFC 4648 alphabet, padded), whitespace anywhere; s non-empty. */
static int b64_decode(const char *s, struct relo_blob *b)
{
	size_t n = strlen(s), m = 0, pad = 0, i;
	unsigned char *clean = malloc(n + 1), *out = NULL;
	int r, rc = -EBADMSG;

	b->p = NULL;
	b->len = 0;
	if (!clean)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		if (!cfg_is_ws((unsigned char)s[i]))
			clean[m++] = (unsigned char)s[i];
	if (!m || m % 4 || m > 0x7ffffff0)
		goto out;
	for (i = 0; i < m; i++) {
		unsigned char ch = clean[i];
		if (ch == '=') {
			if (i < m - 2)
				goto out;
			pad++;
		} else if (pad || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
				    (ch >= '0' && ch <= '9') || ch == '+' || ch == '/')) {
			goto out;
		}
	}
	out = malloc(m / 4 * 3 + 1);
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	/* EVP_DecodeBlock counts the padding as zero bytes: take them off. */
	r = EVP_DecodeBlock(out, clean, (int)m);
	if (r < 0 || (size_t)r != m / 4 * 3)
		goto out;
	b->len = (size_t)r - pad;
	if (!b->len)
		goto out;
	b->p = out;
	out = NULL;
	rc = 0;
out:
	free(out);
	free(clean);
	return rc;
}

static int val_b64(struct pctx *p, xmlNode *n, const char *path, const char *const *attrs,
		   struct relo_blob *b)
{
	char *s = NULL;
	int rc = check_attrs(p, n, path, attrs);

	if (!rc)
		rc = text_of(p, n, path, &s);
	if (rc)
		goto out;
	if (!*s) {
		rc = fail(p, -EINVAL, path, "empty");
		goto out;
	}
	rc = b64_decode(s, b);
	if (rc == -ENOMEM)
		rc = nomem(p);
	else if (rc)
		rc = fail(p, rc, path, "not base64");
out:
	free(s);
	return rc;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A hex Node-ID of 1..20 bytes, stored left-aligned, len = its bytes. */
static int val_nodeid(struct pctx *p, xmlNode *n, const char *path, struct relo_nodeid *id)
{
	char *s = NULL;
	size_t len, i;
	bool ok;
	int rc = check_attrs(p, n, path, NULL);

	if (!rc)
		rc = text_of(p, n, path, &s);
	if (rc)
		return rc;
	memset(id, 0, sizeof(*id));
	len = strlen(s);
	ok = len >= 2 && len % 2 == 0 && len <= 2 * RELO_NODEID_MAX;
	for (i = 0; ok && i < len / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		ok = hi >= 0 && lo >= 0;
		if (ok)
			id->id[i] = (uint8_t)(hi << 4 | lo);
	}
	id->len = (uint8_t)(len / 2);
	if (!ok)
		rc = fail(p, -EINVAL, path, "\"%.64s\" is not a hex Node-ID of 1..%d bytes", s,
			  RELO_NODEID_MAX);
	free(s);
	return rc;
}

static int digits(const char *s, int n)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int days_in(int year, int mon)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

/*
 * An RFC 3339 date-time in UTC: YYYY-MM-DDTHH:MM:SS[.frac](Z|+00:00|-00:00),
 * 'T' and 'Z' in either case. -EBADMSG when it is no date-time, -EINVAL
 * when it is not UTC, not after 1970-01-01T00:00:00Z or after
 * 9999-12-31T23:59:59Z.
 */
static int parse_time(const char *s, time_t *t)
{
	struct tm tm;
	const char *z;
	int y, mo, d, h, mi, sec, oh, om;

	if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -EBADMSG;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo) || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || sec < 0 || sec > 60)
		return -EBADMSG;
	z = s + 19;
	if (*z == '.') {
		if (z[1] < '0' || z[1] > '9')
			return -EBADMSG;
		for (z++; *z >= '0' && *z <= '9'; z++)
			;
	}
	if ((*z == 'Z' || *z == 'z') && !z[1]) {
		oh = om = 0;
	} else if ((*z == '+' || *z == '-') && strlen(z) == 6 && z[3] == ':') {
		oh = digits(z + 1, 2);
		om = digits(z + 4, 2);
		if (oh < 0 || om < 0 || oh > 23 || om > 59)
			return -EBADMSG;
	} else {
		return -EBADMSG;
	}
	if (oh || om || y < 1970)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = timegm(&tm);
	/* A leap second can carry 9999-12-31T23:59:60Z past what we write. */
	return *t > 0 && *t <= CFG_TIME_MAX ? 0 : -EINVAL;
}

static const char *const peer_attrs[] = { "address", "port", NULL };

/* A bootstrap-node or landmark: address (an IP literal) and port (default 6084). */
static int val_peer(struct pctx *p, xmlNode *n, const char *path, struct relo_peer_addr *a)
{
	char sub[PATH_LEN], *addr = NULL, *port = NULL, *text = NULL;
	int64_t v = RELO_DEFAULT_PORT;
	int rc = check_attrs(p, n, path, peer_attrs);

	if (!rc)
		rc = text_of(p, n, path, &text);
	if (!rc && *text)
		rc = fail(p, -EBADMSG, path, "unexpected text \"%.32s\"", text);
	if (!rc)
		rc = attr_get(p, n, "address", &addr);
	if (!rc)
		rc = attr_get(p, n, "port", &port);
	if (rc)
		goto out;
	memset(a, 0, sizeof(*a));
	if (!addr) {
		rc = fail(p, -EBADMSG, path, "no address attribute");
		goto out;
	}
	if (!cfg_addr_ok(addr)) {
		subpath(sub, sizeof(sub), path, "@address", 0);
		rc = fail(p, -EINVAL, sub, "\"%.64s\" is not an IPv4 or IPv6 address", addr);
		goto out;
	}
	if (port) {
		subpath(sub, sizeof(sub), path, "@port", 0);
		rc = parse_int(p, sub, port, 1, 65535, &v);
		if (rc)
			goto out;
	}
	strcpy(a->address, addr);
	a->port = (uint16_t)v;
out:
	free(addr);
	free(port);
	free(text);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Lists                                                               */
/* ------------------------------------------------------------------ */

static int push_str(struct pctx *p, char ***v, size_t *n, char *s)
{
	char **g = cfg_grow(*v, *n, sizeof(**v));

	if (!g) {
		free(s);
		return nomem(p);
	}
	*v = g;
	g[(*n)++] = s;
	return 0;
}

static int push_id(struct pctx *p, struct relo_nodeid **v, size_t *n,
		   const struct relo_nodeid *id)
{
	struct relo_nodeid *g = cfg_grow(*v, *n, sizeof(**v));

	if (!g)
		return nomem(p);
	*v = g;
	g[(*n)++] = *id;
	return 0;
}

static int push_peer(struct pctx *p, struct relo_peer_addr **v, size_t *n,
		     const struct relo_peer_addr *a)
{
	struct relo_peer_addr *g = cfg_grow(*v, *n, sizeof(**v));

	if (!g)
		return nomem(p);
	*v = g;
	g[(*n)++] = *a;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Kinds                                                               */
/* ------------------------------------------------------------------ */

enum { K_MAX_COUNT, K_MAX_SIZE, K_MAX_NODE_MULTIPLE, K_DATA_MODEL, K_ACCESS_CONTROL, K_COUNT };

static const char *const kind_elems[K_COUNT] = {
	[K_MAX_COUNT] = "max-count",
	[K_MAX_SIZE] = "max-size",
	[K_MAX_NODE_MULTIPLE] = "max-node-multiple",
	[K_DATA_MODEL] = "data-model",
	[K_ACCESS_CONTROL] = "access-control",
};

static const char *const kind_attrs[] = { "name", "id", NULL };

static int kind_header(struct pctx *p, xmlNode *kn, const char *path, struct relo_kind_def *k)
{
	const struct cfg_reg_kind *r;
	char sub[PATH_LEN], *name = NULL, *id = NULL;
	int64_t v;
	int rc = check_attrs(p, kn, path, kind_attrs);

	if (!rc)
		rc = attr_get(p, kn, "name", &name);
	if (!rc)
		rc = attr_get(p, kn, "id", &id);
	if (rc)
		goto out;
	if (!name == !id) {
		rc = fail(p, -EBADMSG, path, name ? "both name and id" : "neither name nor id");
		goto out;
	}
	if (name) {
		subpath(sub, sizeof(sub), path, "@name", 0);
		r = cfg_reg_kind_by_name(name);
		if (!r) {
			rc = fail(p, -EINVAL, sub, "\"%.64s\" is not a registered kind name", name);
			goto out;
		}
		strcpy(k->name, r->name);
		k->id = r->id;
	} else {
		subpath(sub, sizeof(sub), path, "@id", 0);
		rc = parse_int(p, sub, id, 1, UINT32_MAX, &v);
		if (rc)
			goto out;
		if (!cfg_kind_id_ok((uint32_t)v)) {
			rc = fail(p, -EINVAL, sub, "Kind-ID %lld is reserved", (long long)v);
			goto out;
		}
		k->id = (uint32_t)v;
	}
out:
	free(name);
	free(id);
	return rc;
}

static const char *const vrn_attrs[] = { "enable", NULL };

/*
 * RFC 8076 section 5.3: <share:variable-resource-names enable="..."> and
 * its <share:pattern>s (nothing else: the grammar has no foreign-elements
 * there), into k.
 */
static int variable_names(struct pctx *p, xmlNode *vn, const char *path, struct relo_kind_def *k)
{
	char sub[PATH_LEN], why[128], *en = NULL, *s = NULL;
	xmlNode *n;
	int rc = check_attrs(p, vn, path, vrn_attrs);

	if (!rc)
		rc = attr_get(p, vn, "enable", &en);
	if (!rc && !en)
		rc = fail(p, -EBADMSG, path, "no enable attribute");
	if (!rc) {
		subpath(sub, sizeof(sub), path, "@enable", 0);
		rc = parse_bool(p, sub, en, &k->variable_names);
	}
	free(en);
	for (n = vn->children; n && !rc; n = n->next) {
		enum ns_class ns;

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			rc = check_blank(p, n, path);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		ns = ns_of(n->ns);
		if (ns == NS_BASE || ns == NS_CHORD || ns == NS_NONE)
			return unknown_el(p, n, path);
		if (!is_el(n, NS_SHARE, "pattern"))
			return fail(p, -EBADMSG, path, "unknown element <%.32s%s%.64s>",
				    ns == NS_SHARE    ? "share"
				    : ns == NS_CHORUS ? "chorus"
				    : n->ns->prefix   ? (const char *)n->ns->prefix
						      : "",
				    ns == NS_SHARE || ns == NS_CHORUS || n->ns->prefix ? ":" : "",
				    (const char *)n->name);
		subpath(sub, sizeof(sub), path, "share:pattern", k->n_name_patterns + 1);
		if (k->n_name_patterns == CFG_MAX_PATTERNS)
			return fail(p, -EINVAL, sub, "more than %d patterns", CFG_MAX_PATTERNS);
		if ((rc = val_str(p, n, sub, CFG_PATTERN_LEN + 1, &s)) != 0)
			return rc;
		rc = cfg_pattern_check(s, why, sizeof(why));
		if (rc == -ENOMEM)
			rc = nomem(p);
		else if (rc)
			rc = fail(p, rc, sub, "\"%.64s\" %s", s, why);
		if (rc)
			free(s);
		else
			rc = push_str(p, &k->name_patterns, &k->n_name_patterns, s);
	}
	if (!rc && k->variable_names && !k->n_name_patterns)
		rc = fail(p, -EINVAL, path, "enable=\"true\" without a <share:pattern>");
	return rc;
}

static int parse_kind(struct pctx *p, xmlNode *kn, const char *path, struct relo_kind_def *k)
{
	xmlNode *el[K_COUNT] = { NULL }, *n, *vrn = NULL;
	char sub[PATH_LEN], *s = NULL;
	enum relo_acl doc_acl;
	int64_t v[3] = { 0, 0, 0 };
	int i, rc = kind_header(p, kn, path, k);

	if (rc)
		return rc;
	for (n = kn->children; n; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if ((rc = check_blank(p, n, path)) != 0)
				return rc;
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(n, NS_SHARE, "variable-resource-names")) {
			if (vrn) {
				subpath(sub, sizeof(sub), path, "share:variable-resource-names", 0);
				return fail(p, -EBADMSG, sub, "appears more than once");
			}
			vrn = n;
			continue;
		}
		if (ns_skipped(ns_of(n->ns)))
			continue;
		for (i = 0; i < K_COUNT; i++)
			if (is_el(n, NS_BASE, kind_elems[i]))
				break;
		if (i == K_COUNT)
			return unknown_el(p, n, path);
		if (el[i]) {
			subpath(sub, sizeof(sub), path, kind_elems[i], 0);
			return fail(p, -EBADMSG, sub, "appears more than once");
		}
		el[i] = n;
	}
	for (i = 0; i < K_COUNT; i++)
		if (!el[i] && i != K_MAX_NODE_MULTIPLE)
			return fail(p, -EBADMSG, path, "no <%s>", kind_elems[i]);
	for (i = K_MAX_COUNT; i <= K_MAX_NODE_MULTIPLE; i++) {
		if (!el[i])
			continue;
		subpath(sub, sizeof(sub), path, kind_elems[i], 0);
		rc = val_int(p, el[i], sub, i == K_MAX_NODE_MULTIPLE ? 1 : 0, CFG_XSD_INT_MAX,
			     &v[i]);
		if (rc)
			return rc;
	}
	k->max_count = (uint32_t)v[K_MAX_COUNT];
	k->max_size = (uint32_t)v[K_MAX_SIZE];
	k->max_node_multiple = (uint32_t)v[K_MAX_NODE_MULTIPLE];

	subpath(sub, sizeof(sub), path, "data-model", 0);
	if ((rc = val_str(p, el[K_DATA_MODEL], sub, 0, &s)) != 0)
		return rc;
	k->model = cfg_model_by_name(s);
	if (k->model == RELO_MODEL_UNKNOWN)
		rc = fail(p, -EINVAL, sub, "\"%.64s\" is not a supported data model", s);
	free(s);
	if (rc)
		return rc;
	subpath(sub, sizeof(sub), path, "access-control", 0);
	if ((rc = val_str(p, el[K_ACCESS_CONTROL], sub, 0, &s)) != 0)
		return rc;
	k->acl = doc_acl = cfg_acl_by_name(s);
	if (k->acl == RELO_ACL_UNKNOWN)
		rc = fail(p, -EINVAL, sub, "\"%.64s\" is not a supported access control policy", s);
	free(s);
	if (rc)
		return rc;

	/* max-node-multiple: the document's NODE-MULTIPLE needs it (section
	 * 11.1), and so does a registration's; it is refused when neither the
	 * document nor the registration says NODE-MULTIPLE. */
	if (doc_acl == RELO_ACL_NODE_MULTIPLE && !k->max_node_multiple)
		return fail(p, -EINVAL, path, "NODE-MULTIPLE without max-node-multiple");
	cfg_kind_apply_registration(k);
	if (k->acl == RELO_ACL_NODE_MULTIPLE && !v[K_MAX_NODE_MULTIPLE])
		return fail(p, -EINVAL, path,
			    "%s is registered as NODE-MULTIPLE: max-node-multiple is required",
			    relo_kind_name(k->id) ? relo_kind_name(k->id) : "this kind");
	if (v[K_MAX_NODE_MULTIPLE] && doc_acl != RELO_ACL_NODE_MULTIPLE &&
	    k->acl != RELO_ACL_NODE_MULTIPLE) {
		subpath(sub, sizeof(sub), path, "max-node-multiple", 0);
		return fail(p, -EINVAL, sub, "only for NODE-MULTIPLE");
	}
	if (vrn) {
		/* After the registration: it decides the policy. */
		subpath(sub, sizeof(sub), path, "share:variable-resource-names", 0);
		if (k->acl != RELO_ACL_USER_CHAIN_ACL)
			return fail(p, -EINVAL, sub, "only for USER-CHAIN-ACL kinds");
		if ((rc = variable_names(p, vrn, sub, k)) != 0)
			return rc;
	}
	return 0;
}

static const char *const sig_attrs[] = { "algorithm", NULL };

static int parse_kind_block(struct pctx *p, xmlNode *kb, const char *path)
{
	struct relo_config *c = p->c;
	struct relo_kind_def k, *g;
	struct relo_blob sig = { NULL, 0 };
	xmlNode *n, *kind = NULL, *ksig = NULL;
	char sub[PATH_LEN];
	size_t i;
	int rc = check_attrs(p, kb, path, NULL);

	memset(&k, 0, sizeof(k));
	for (n = kb->children; n && !rc; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			rc = check_blank(p, n, path);
		} else if (n->type != XML_ELEMENT_NODE || ns_skipped(ns_of(n->ns))) {
			continue;
		} else if (is_el(n, NS_BASE, "kind") || is_el(n, NS_BASE, "kind-signature")) {
			xmlNode **slot = is_el(n, NS_BASE, "kind") ? &kind : &ksig;
			if (*slot) {
				subpath(sub, sizeof(sub), path, (const char *)n->name, 0);
				rc = fail(p, -EBADMSG, sub, "appears more than once");
			}
			*slot = n;
		} else {
			rc = unknown_el(p, n, path);
		}
	}
	if (rc)
		return rc;
	if (!kind)
		return fail(p, -EBADMSG, path, "no <kind>");
	subpath(sub, sizeof(sub), path, "kind", 0);
	if ((rc = parse_kind(p, kind, sub, &k)) != 0)
		goto out;
	for (i = 0; i < c->n_kinds; i++)
		if (c->kinds[i].id == k.id) {
			rc = fail(p, -EINVAL, sub, "Kind-ID %u is defined twice", k.id);
			goto out;
		}
	if ((rc = raw_bytes(p, kind, sub, &k.kind_xml, &k.kind_xml_len)) != 0)
		goto out;
	if (ksig) {
		subpath(sub, sizeof(sub), path, "kind-signature", 0);
		rc = val_b64(p, ksig, sub, sig_attrs, &sig);
		k.signature = sig.p;
		k.signature_len = sig.len;
	}
	if (!rc) {
		g = cfg_grow(c->kinds, c->n_kinds, sizeof(*c->kinds));
		if (g) {
			c->kinds = g;
			g[c->n_kinds++] = k;
			return 0;
		}
		rc = nomem(p);
	}
out:
	cfg_kind_free(&k);
	return rc;
}

static int parse_required_kinds(struct pctx *p, xmlNode *rk, const char *path)
{
	char sub[PATH_LEN];
	xmlNode *n;
	size_t idx = 0;
	int rc = check_attrs(p, rk, path, NULL);

	for (n = rk->children; n && !rc; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			rc = check_blank(p, n, path);
		} else if (n->type != XML_ELEMENT_NODE || ns_skipped(ns_of(n->ns))) {
			continue;
		} else if (is_el(n, NS_BASE, "kind-block")) {
			subpath(sub, sizeof(sub), path, "kind-block", ++idx);
			rc = parse_kind_block(p, n, sub);
		} else {
			rc = unknown_el(p, n, path);
		}
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* The configuration                                                   */
/* ------------------------------------------------------------------ */

enum {
	C_TOPOLOGY,
	C_NODE_ID_LENGTH,
	C_ROOT_CERT,
	C_ENROLLMENT_SERVER,
	C_SELF_SIGNED,
	C_BOOTSTRAP,
	C_TURN_DENSITY,
	C_CLIENTS_PERMITTED,
	C_NO_ICE,
	C_UPDATE_INTERVAL,
	C_PING_INTERVAL,
	C_REACTIVE,
	C_SHARED_SECRET,
	C_MAX_MESSAGE_SIZE,
	C_INITIAL_TTL,
	C_RELIABILITY,
	C_LINK_PROTOCOL,
	C_CONFIG_SIGNER,
	C_KIND_SIGNER,
	C_BAD_NODE,
	C_MANDATORY_EXT,
	C_REQUIRED_KINDS,
	C_LANDMARK,
	C_COUNT
};

static const struct conf_elem {
	enum ns_class ns;
	const char *name;
	bool multi;
} conf_elems[C_COUNT] = {
	[C_TOPOLOGY] = { NS_BASE, "topology-plugin", false },
	[C_NODE_ID_LENGTH] = { NS_BASE, "node-id-length", false },
	[C_ROOT_CERT] = { NS_BASE, "root-cert", true },
	[C_ENROLLMENT_SERVER] = { NS_BASE, "enrollment-server", true },
	[C_SELF_SIGNED] = { NS_BASE, "self-signed-permitted", false },
	[C_BOOTSTRAP] = { NS_BASE, "bootstrap-node", true },
	[C_TURN_DENSITY] = { NS_BASE, "turn-density", false },
	[C_CLIENTS_PERMITTED] = { NS_BASE, "clients-permitted", false },
	[C_NO_ICE] = { NS_BASE, "no-ice", false },
	[C_UPDATE_INTERVAL] = { NS_CHORD, "chord-update-interval", false },
	[C_PING_INTERVAL] = { NS_CHORD, "chord-ping-interval", false },
	[C_REACTIVE] = { NS_CHORD, "chord-reactive", false },
	[C_SHARED_SECRET] = { NS_BASE, "shared-secret", false },
	[C_MAX_MESSAGE_SIZE] = { NS_BASE, "max-message-size", false },
	[C_INITIAL_TTL] = { NS_BASE, "initial-ttl", false },
	[C_RELIABILITY] = { NS_BASE, "overlay-reliability-timer", false },
	[C_LINK_PROTOCOL] = { NS_BASE, "overlay-link-protocol", true },
	[C_CONFIG_SIGNER] = { NS_BASE, "configuration-signer", true },
	[C_KIND_SIGNER] = { NS_BASE, "kind-signer", true },
	[C_BAD_NODE] = { NS_BASE, "bad-node", true },
	[C_MANDATORY_EXT] = { NS_BASE, "mandatory-extension", true },
	[C_REQUIRED_KINDS] = { NS_BASE, "required-kinds", false },
	[C_LANDMARK] = { NS_CHORUS, "landmark", true },
};

static const char *const digest_attrs[] = { "digest", NULL };

static int self_signed(struct pctx *p, xmlNode *n, const char *path)
{
	char sub[PATH_LEN], *d = NULL;
	int rc = attr_get(p, n, "digest", &d);

	if (!rc && !d)
		rc = fail(p, -EBADMSG, path, "no digest attribute");
	if (rc)
		goto out;
	if (strcmp(d, "sha1") == 0) {
		p->c->self_signed_digest = RELO_DIGEST_SHA1;
	} else if (strcmp(d, "sha256") == 0) {
		p->c->self_signed_digest = RELO_DIGEST_SHA256;
	} else {
		subpath(sub, sizeof(sub), path, "@digest", 0);
		rc = fail(p, -EINVAL, sub, "\"%.64s\" is neither sha1 nor sha256", d);
		goto out;
	}
	rc = val_bool(p, n, path, digest_attrs, &p->c->self_signed_permitted);
out:
	free(d);
	return rc;
}

/* One child element of <configuration>, known to be of kind which. */
static int conf_elem(struct pctx *p, xmlNode *n, int which, const char *path, bool *saw_link)
{
	struct relo_config *c = p->c;
	struct relo_peer_addr a;
	struct relo_nodeid id;
	struct relo_blob b;
	char *s = NULL;
	int64_t v;
	void *g;
	int rc;

	switch (which) {
	case C_TOPOLOGY:
		if ((rc = val_str(p, n, path, sizeof(c->topology), &s)) == 0)
			strcpy(c->topology, s);
		free(s);
		return rc;
	case C_NODE_ID_LENGTH:
		if ((rc = val_int(p, n, path, RELO_NODEID_MIN, RELO_NODEID_MAX, &v)) == 0)
			c->node_id_len = (uint8_t)v;
		return rc;
	case C_ROOT_CERT:
		if ((rc = val_b64(p, n, path, NULL, &b)) != 0)
			return rc;
		g = cfg_grow(c->root_certs, c->n_root_certs, sizeof(*c->root_certs));
		if (!g) {
			free(b.p);
			return nomem(p);
		}
		c->root_certs = g;
		c->root_certs[c->n_root_certs++] = b;
		return 0;
	case C_ENROLLMENT_SERVER:
		if ((rc = val_str(p, n, path, 0, &s)) != 0)
			return rc;
		if (!cfg_https_ok(s)) {
			rc = fail(p, -EINVAL, path, "\"%.64s\" is not an https: URL", s);
			free(s);
			return rc;
		}
		return push_str(p, &c->enrollment_servers, &c->n_enrollment_servers, s);
	case C_SELF_SIGNED:
		return self_signed(p, n, path);
	case C_BOOTSTRAP:
		if ((rc = val_peer(p, n, path, &a)) != 0)
			return rc;
		return push_peer(p, &c->bootstrap, &c->n_bootstrap, &a);
	case C_LANDMARK:
		if ((rc = val_peer(p, n, path, &a)) != 0)
			return rc;
		return push_peer(p, &c->landmarks, &c->n_landmarks, &a);
	case C_TURN_DENSITY:
		if ((rc = val_int(p, n, path, 0, 255, &v)) == 0)
			c->turn_density = (uint8_t)v;
		return rc;
	case C_CLIENTS_PERMITTED:
		return val_bool(p, n, path, NULL, &c->clients_permitted);
	case C_NO_ICE:
		return val_bool(p, n, path, NULL, &c->no_ice);
	case C_UPDATE_INTERVAL:
		if ((rc = val_int(p, n, path, 1, CFG_XSD_INT_MAX, &v)) == 0)
			c->chord_update_interval = (uint32_t)v;
		return rc;
	case C_PING_INTERVAL:
		if ((rc = val_int(p, n, path, 1, CFG_XSD_INT_MAX, &v)) == 0)
			c->chord_ping_interval = (uint32_t)v;
		return rc;
	case C_REACTIVE:
		return val_bool(p, n, path, NULL, &c->chord_reactive);
	case C_SHARED_SECRET:
		return val_str(p, n, path, 0, &c->shared_secret);
	case C_MAX_MESSAGE_SIZE:
		if ((rc = val_int(p, n, path, RELO_FWD_FIXED_LEN, UINT32_MAX, &v)) == 0)
			c->max_message_size = (uint32_t)v;
		return rc;
	case C_INITIAL_TTL:
		if ((rc = val_int(p, n, path, 1, 255, &v)) == 0)
			c->initial_ttl = (uint8_t)v;
		return rc;
	case C_RELIABILITY:
		if ((rc = val_int(p, n, path, CFG_MIN_RELIABILITY, UINT32_MAX, &v)) == 0)
			c->reliability_timer_ms = (uint32_t)v;
		return rc;
	case C_LINK_PROTOCOL:
		if ((rc = val_str(p, n, path, 0, &s)) != 0)
			return rc;
		if (!*saw_link) {
			/* Some are listed: the default "TLS" no longer applies. */
			while (c->n_link_protocols)
				free(c->link_protocols[--c->n_link_protocols]);
			free(c->link_protocols);
			c->link_protocols = NULL;
			*saw_link = true;
		}
		return push_str(p, &c->link_protocols, &c->n_link_protocols, s);
	case C_CONFIG_SIGNER:
		if ((rc = val_nodeid(p, n, path, &id)) != 0)
			return rc;
		return push_id(p, &c->config_signers, &c->n_config_signers, &id);
	case C_KIND_SIGNER:
		if ((rc = val_nodeid(p, n, path, &id)) != 0)
			return rc;
		return push_id(p, &c->kind_signers, &c->n_kind_signers, &id);
	case C_BAD_NODE:
		if ((rc = val_nodeid(p, n, path, &id)) != 0)
			return rc;
		return push_id(p, &c->bad_nodes, &c->n_bad_nodes, &id);
	case C_MANDATORY_EXT:
		if ((rc = val_str(p, n, path, 0, &s)) != 0)
			return rc;
		return push_str(p, &c->mandatory_extensions, &c->n_mandatory_extensions, s);
	case C_REQUIRED_KINDS:
		return parse_required_kinds(p, n, path);
	}
	return fail(p, -EINVAL, path, "internal: no handler");
}

static const char *const conf_attrs[] = { "instance-name", "sequence", "expiration", NULL };

static int conf_attributes(struct pctx *p, xmlNode *conf)
{
	char *seq = NULL, *exp = NULL;
	int64_t v;
	int rc = check_attrs(p, conf, "configuration", conf_attrs);

	if (!rc)
		rc = attr_get(p, conf, "sequence", &seq);
	if (!rc)
		rc = attr_get(p, conf, "expiration", &exp);
	if (rc)
		goto out;
	if (seq) {
		rc = parse_int(p, "configuration/@sequence", seq, 0, 65534, &v);
		if (rc)
			goto out;
		p->c->sequence = (uint16_t)v;
	}
	if (exp) {
		rc = parse_time(exp, &p->c->expiration);
		if (rc == -EBADMSG)
			rc = fail(p, rc, "configuration/@expiration",
				  "\"%.64s\" is not an RFC 3339 date-time", exp);
		else if (rc)
			rc = fail(p, rc, "configuration/@expiration",
				  "\"%.64s\" is not a UTC time in "
				  "1970-01-01T00:00:01Z..9999-12-31T23:59:59Z",
				  exp);
	}
out:
	free(seq);
	free(exp);
	return rc;
}

static int parse_configuration(struct pctx *p, xmlNode *conf, const char *name)
{
	size_t count[C_COUNT] = { 0 };
	char path[PATH_LEN];
	bool saw_link = false;
	xmlNode *n;
	int i, rc;

	if (strlen(name) >= sizeof(p->c->instance_name))
		return fail(p, -EINVAL, "configuration/@instance-name", "longer than %zu bytes",
			    sizeof(p->c->instance_name) - 1);
	rc = relo_config_new(&p->c, name);
	if (rc)
		return rc == -ENOMEM ? nomem(p)
				     : fail(p, rc, "configuration/@instance-name", "empty");
	if ((rc = conf_attributes(p, conf)) != 0)
		return rc;
	for (n = conf->children; n; n = n->next) {
		enum ns_class ns;

		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			if ((rc = check_blank(p, n, "configuration")) != 0)
				return rc;
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		ns = ns_of(n->ns);
		for (i = 0; i < C_COUNT; i++)
			if (is_el(n, conf_elems[i].ns, conf_elems[i].name))
				break;
		if (i == C_COUNT) {
			if (ns_skipped(ns))
				continue;
			return unknown_el(p, n, "configuration");
		}
		count[i]++;
		if (conf_elems[i].multi)
			snprintf(path, sizeof(path), "configuration/%s%s[%zu]",
				 conf_elems[i].ns == NS_CHORUS ? "chorus:" : "", conf_elems[i].name,
				 count[i]);
		else
			snprintf(path, sizeof(path), "configuration/%s%s",
				 conf_elems[i].ns == NS_CHORD ? "chord:" : "", conf_elems[i].name);
		if (count[i] > 1 && !conf_elems[i].multi)
			return fail(p, -EBADMSG, path, "appears more than once");
		if ((rc = conf_elem(p, n, i, path, &saw_link)) != 0)
			return rc;
	}
	rc = raw_bytes(p, conf, "configuration", &p->c->configuration_xml.p,
		       &p->c->configuration_xml.len);
	return rc;
}

static const char *const overlay_attrs[] = { NULL };

/* Finds the configuration and its signature among the children of <overlay>. */
static int parse_overlay(struct pctx *p, xmlNode *root, const char *instance)
{
	xmlNode *n, *found = NULL, *sig = NULL;
	char path[PATH_LEN], *name = NULL, *found_name = NULL;
	size_t nconf = 0;
	bool sig_done = false;
	int rc = check_attrs(p, root, "overlay", overlay_attrs);

	for (n = root->children; n && !rc; n = n->next) {
		if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
			rc = check_blank(p, n, "overlay");
		} else if (n->type != XML_ELEMENT_NODE || ns_skipped(ns_of(n->ns))) {
			continue;
		} else if (is_el(n, NS_BASE, "configuration")) {
			snprintf(path, sizeof(path), "configuration[%zu]", ++nconf);
			if ((rc = attr_get(p, n, "instance-name", &name)) != 0)
				break;
			if (!name) {
				rc = fail(p, -EBADMSG, path, "no instance-name attribute");
				break;
			}
			if (!found && (!instance || strcmp(name, instance) == 0)) {
				found = n;
				found_name = name;
				name = NULL;
			} else if (found) {
				sig_done = true;
			}
			free(name);
			name = NULL;
		} else if (is_el(n, NS_BASE, "signature")) {
			if (found && !sig_done)
				sig = n;
			sig_done = sig_done || found;
		} else {
			rc = unknown_el(p, n, "overlay");
		}
	}
	if (rc)
		goto out;
	if (!nconf)
		rc = fail(p, -EBADMSG, "overlay", "no configuration");
	else if (!found)
		rc = fail(p, -ENOENT, "overlay", "no configuration with instance-name \"%.64s\"",
			  instance);
	else
		rc = parse_configuration(p, found, found_name);
	if (!rc && sig)
		rc = val_b64(p, sig, "signature", sig_attrs, &p->c->signature);
out:
	free(found_name);
	return rc;
}

static int xml_read(struct pctx *p, xmlDoc **docp)
{
	xmlParserCtxt *ctxt;
	const xmlError *e;
	const char *msg;
	int len, rc = 0;

	xmlInitParser();
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return nomem(p);
	/* UTF-8 whatever the document says or looks like: no transcoding. */
	*docp = xmlCtxtReadMemory(ctxt, p->xml, (int)p->len, NULL, "UTF-8",
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					  XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC);
	if (*docp && !ctxt->nsWellFormed) {
		rc = fail(p, -EBADMSG, "document", "not namespace-well-formed XML");
	} else if (!*docp) {
		e = xmlCtxtGetLastError(ctxt);
		msg = e && e->message ? e->message : "unknown error";
		len = (int)strnlen(msg, 200);
		while (len > 0 && cfg_is_ws(msg[len - 1]))
			len--;
		if (e && e->code == XML_ERR_NO_MEMORY)
			rc = nomem(p);
		else
			rc = fail(p, -EBADMSG, "document", "not well-formed XML at line %d: %.*s",
				  e ? e->line : 0, len, msg);
	}
	xmlFreeParserCtxt(ctxt);
	return rc;
}

int relo_config_parse(struct relo_config **cp, const char *xml, size_t len, const char *instance,
		      char *err, size_t errlen)
{
	struct pctx p = { .xml = xml, .len = len, .err = err, .errlen = errlen };
	xmlDoc *doc = NULL;
	xmlNode *root;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!cp)
		return -EINVAL;
	*cp = NULL;
	if (!xml && len)
		return fail(&p, -EINVAL, "document", "no text");
	if (len > CFG_MAX_DOC)
		return fail(&p, -EMSGSIZE, "document", "%zu bytes, more than the %u allowed", len,
			    CFG_MAX_DOC);
	if (memchr(xml, '\0', len))
		return fail(&p, -EBADMSG, "document", "a NUL byte (the document must be UTF-8)");
	if ((rc = scan_raw(&p)) != 0)
		goto out;
	if ((rc = xml_read(&p, &doc)) != 0)
		goto out;
	if (doc->encoding && strcasecmp((const char *)doc->encoding, "UTF-8") != 0 &&
	    strcasecmp((const char *)doc->encoding, "UTF8") != 0) {
		rc = fail(&p, -EBADMSG, "document", "encoding %.32s: the document must be UTF-8",
			  (const char *)doc->encoding);
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || !is_el(root, NS_BASE, "overlay")) {
		rc = fail(&p, -EBADMSG, "document", "the root element is not <overlay> of %s",
			  RELO_CONFIG_NS_BASE);
		goto out;
	}
	if (tree_number(root) != p.n_el) {
		rc = fail(&p, -EBADMSG, "document", "cannot match the elements to their bytes");
		goto out;
	}
	rc = parse_overlay(&p, root, instance);
out:
	if (rc) {
		relo_config_free(p.c);
	} else {
		*cp = p.c;
		if (err && errlen)
			err[0] = '\0';
	}
	xmlFreeDoc(doc);
	free(p.el);
	return rc;
}

int relo_config_load(struct relo_config **cp, const char *path, const char *instance, char *err,
		     size_t errlen)
{
	struct stat st;
	char *buf = NULL, *g;
	size_t got = 0, cap;
	ssize_t r;
	int fd = -1, rc;

	if (err && errlen)
		err[0] = '\0';
	if (!cp || !path)
		return -EINVAL;
	*cp = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	rc = -EINVAL;
	if (!S_ISREG(st.st_mode))
		goto out;
	rc = -EMSGSIZE;
	if ((uint64_t)st.st_size > CFG_MAX_DOC)
		goto out;
	/* Read to the end (the file may have changed since fstat), never
	 * more than one byte over the limit. */
	cap = (size_t)st.st_size + 1;
	for (;;) {
		if (got == cap) {
			rc = -EMSGSIZE;
			if (cap > CFG_MAX_DOC)
				goto out;
			cap = cap * 2 > CFG_MAX_DOC + 1 ? CFG_MAX_DOC + 1 : cap * 2;
		}
		g = realloc(buf, cap);
		rc = -ENOMEM;
		if (!g)
			goto out;
		buf = g;
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		rc = -errno;
		if (r < 0)
			goto out;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	fd = -1;
	rc = relo_config_parse(cp, buf, got, instance, err, errlen);
	free(buf);
	return rc;
out:
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", path,
			 rc == -EMSGSIZE ? "larger than 4 MiB" : strerror(-rc));
	free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}
