/*
 * config_write.c - writing the configuration document (relo/config.h)
 *
 * The document is written with libxml2's xmlTextWriter, indented by two
 * spaces, the four namespaces declared on <overlay> (base as the default,
 * chord:, chorus: and RFC 8076's share:), every value written out,
 * defaults included, in the order of the RFC's example, then the landmarks
 * and the kinds (a kind's share:variable-resource-names last, and only
 * when it is enabled or lists patterns). Base64 of more than 64 characters
 * is broken into indented lines of 64.
 *
 * The output is a function of the fields only: configuration_xml and
 * kind_xml are not reused, so a configuration read from elsewhere and
 * written again has new bytes and its signatures no longer match them.
 * To sign, write, read the output back (its configuration_xml is what to
 * sign), set signature and write again: the <configuration> bytes do not
 * change. Foreign elements and attributes read from a document are not
 * kept, nor the algorithm attribute of signatures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/xmlwriter.h>
#include <openssl/evp.h>

#include "config_int.h"

#define INDENT "  "
#define B64_LINE 64

struct wctx {
	xmlTextWriter *w;
	int depth; /* of the open element: <overlay> is 0, none is -1 */
	int rc;
};

static void chk(struct wctx *x, int r)
{
	if (r < 0 && !x->rc)
		x->rc = -ENOMEM;
}

static const xmlChar *X(const char *s)
{
	return (const xmlChar *)s;
}

static void start(struct wctx *x, const char *name)
{
	if (!x->rc)
		chk(x, xmlTextWriterStartElement(x->w, X(name)));
	x->depth++;
}

static void end(struct wctx *x)
{
	x->depth--;
	if (!x->rc)
		chk(x, xmlTextWriterEndElement(x->w));
}

static void attr(struct wctx *x, const char *name, const char *value)
{
	if (!x->rc)
		chk(x, xmlTextWriterWriteAttribute(x->w, X(name), X(value)));
}

static void attr_u(struct wctx *x, const char *name, unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	attr(x, name, buf);
}

static void el_str(struct wctx *x, const char *name, const char *value)
{
	if (!x->rc)
		chk(x, xmlTextWriterWriteElement(x->w, X(name), X(value)));
}

static void el_u(struct wctx *x, const char *name, unsigned long v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lu", v);
	el_str(x, name, buf);
}

static void el_bool(struct wctx *x, const char *name, bool v)
{
	el_str(x, name, v ? "true" : "false");
}

static void el_nodeid(struct wctx *x, const char *name, const struct relo_nodeid *id)
{
	static const char hex[] = "0123456789abcdef";
	char buf[2 * RELO_NODEID_MAX + 1];
	size_t i;

	for (i = 0; i < id->len; i++) {
		buf[2 * i] = hex[id->id[i] >> 4];
		buf[2 * i + 1] = hex[id->id[i] & 15];
	}
	buf[2 * i] = '\0';
	el_str(x, name, buf);
}

static void text(struct wctx *x, const char *s)
{
	if (!x->rc)
		chk(x, xmlTextWriterWriteString(x->w, X(s)));
}

static void newline_indent(struct wctx *x, int depth)
{
	char buf[2 + 16 * (sizeof(INDENT) - 1)];
	size_t n = 0;
	int i;

	buf[n++] = '\n';
	for (i = 0; i < depth && i < 16; i++, n += sizeof(INDENT) - 1)
		memcpy(buf + n, INDENT, sizeof(INDENT) - 1);
	buf[n] = '\0';
	text(x, buf);
}

/* An element holding b in base64, on indented lines when long. */
static void el_b64(struct wctx *x, const char *name, const uint8_t *p, size_t len)
{
	size_t n = 4 * ((len + 2) / 3), off;
	char *s, line[B64_LINE + 1];

	if (x->rc)
		return;
	if (len > (size_t)0x7ffffff0 / 4 * 3 || !(s = malloc(n + 1))) {
		x->rc = -ENOMEM;
		return;
	}
	EVP_EncodeBlock((unsigned char *)s, p, (int)len);
	start(x, name);
	if (n <= B64_LINE) {
		text(x, s);
	} else {
		for (off = 0; off < n; off += B64_LINE) {
			size_t l = n - off < B64_LINE ? n - off : B64_LINE;
			memcpy(line, s + off, l);
			line[l] = '\0';
			newline_indent(x, x->depth + 1);
			text(x, line);
		}
		newline_indent(x, x->depth);
	}
	end(x);
	free(s);
}

static void el_peer(struct wctx *x, const char *name, const struct relo_peer_addr *a)
{
	start(x, name);
	attr(x, "address", a->address);
	attr_u(x, "port", a->port);
	end(x);
}

static void write_kind(struct wctx *x, const struct relo_kind_def *k)
{
	size_t i;

	start(x, "kind-block");
	start(x, "kind");
	if (k->name[0])
		attr(x, "name", k->name);
	else
		attr_u(x, "id", k->id);
	el_str(x, "data-model", relo_model_name(k->model));
	el_str(x, "access-control", relo_acl_name(k->acl));
	if (k->acl == RELO_ACL_NODE_MULTIPLE)
		el_u(x, "max-node-multiple", k->max_node_multiple);
	el_u(x, "max-count", k->max_count);
	el_u(x, "max-size", k->max_size);
	if (k->variable_names || k->n_name_patterns) {
		start(x, "share:variable-resource-names");
		attr(x, "enable", k->variable_names ? "true" : "false");
		for (i = 0; i < k->n_name_patterns; i++)
			el_str(x, "share:pattern", k->name_patterns[i]);
		end(x);
	}
	end(x);
	if (k->signature_len)
		el_b64(x, "kind-signature", k->signature, k->signature_len);
	end(x);
}

static void write_configuration(struct wctx *x, const struct relo_config *c)
{
	char when[32];
	struct tm tm;
	size_t i;

	start(x, "configuration");
	attr(x, "instance-name", c->instance_name);
	attr_u(x, "sequence", c->sequence);
	if (c->expiration) {
		if (!gmtime_r(&c->expiration, &tm) ||
		    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
			x->rc = x->rc ? x->rc : -EINVAL;
		else
			attr(x, "expiration", when);
	}
	el_str(x, "topology-plugin", c->topology);
	el_u(x, "node-id-length", c->node_id_len);
	for (i = 0; i < c->n_root_certs; i++)
		el_b64(x, "root-cert", c->root_certs[i].p, c->root_certs[i].len);
	for (i = 0; i < c->n_enrollment_servers; i++)
		el_str(x, "enrollment-server", c->enrollment_servers[i]);
	start(x, "self-signed-permitted");
	attr(x, "digest", c->self_signed_digest == RELO_DIGEST_SHA256 ? "sha256" : "sha1");
	text(x, c->self_signed_permitted ? "true" : "false");
	end(x);
	for (i = 0; i < c->n_bootstrap; i++)
		el_peer(x, "bootstrap-node", &c->bootstrap[i]);
	el_u(x, "turn-density", c->turn_density);
	el_bool(x, "clients-permitted", c->clients_permitted);
	el_bool(x, "no-ice", c->no_ice);
	el_u(x, "chord:chord-update-interval", c->chord_update_interval);
	el_u(x, "chord:chord-ping-interval", c->chord_ping_interval);
	el_bool(x, "chord:chord-reactive", c->chord_reactive);
	if (c->shared_secret)
		el_str(x, "shared-secret", c->shared_secret);
	el_u(x, "max-message-size", c->max_message_size);
	el_u(x, "initial-ttl", c->initial_ttl);
	el_u(x, "overlay-reliability-timer", c->reliability_timer_ms);
	for (i = 0; i < c->n_link_protocols; i++)
		el_str(x, "overlay-link-protocol", c->link_protocols[i]);
	for (i = 0; i < c->n_config_signers; i++)
		el_nodeid(x, "configuration-signer", &c->config_signers[i]);
	for (i = 0; i < c->n_kind_signers; i++)
		el_nodeid(x, "kind-signer", &c->kind_signers[i]);
	for (i = 0; i < c->n_bad_nodes; i++)
		el_nodeid(x, "bad-node", &c->bad_nodes[i]);
	for (i = 0; i < c->n_mandatory_extensions; i++)
		el_str(x, "mandatory-extension", c->mandatory_extensions[i]);
	for (i = 0; i < c->n_landmarks; i++)
		el_peer(x, "chorus:landmark", &c->landmarks[i]);
	if (c->n_kinds) {
		start(x, "required-kinds");
		for (i = 0; i < c->n_kinds; i++)
			write_kind(x, &c->kinds[i]);
		end(x);
	}
	end(x);
}

int relo_config_write(const struct relo_config *c, char **out, size_t *len)
{
	struct wctx x = { NULL, -1, 0 };
	xmlBuffer *buf = NULL;
	size_t n;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (len)
		*len = 0;
	rc = cfg_check(c);
	if (rc)
		return rc;
	rc = -ENOMEM;
	buf = xmlBufferCreate();
	if (!buf || !(x.w = xmlNewTextWriterMemory(buf, 0)))
		goto out;
	chk(&x, xmlTextWriterSetIndent(x.w, 1));
	chk(&x, xmlTextWriterSetIndentString(x.w, X(INDENT)));
	chk(&x, xmlTextWriterStartDocument(x.w, NULL, "UTF-8", NULL));
	start(&x, "overlay");
	attr(&x, "xmlns", RELO_CONFIG_NS_BASE);
	attr(&x, "xmlns:chord", RELO_CONFIG_NS_CHORD);
	attr(&x, "xmlns:chorus", RELO_CONFIG_NS_CHORUS);
	attr(&x, "xmlns:share", RELO_CONFIG_NS_SHARE);
	write_configuration(&x, c);
	if (c->signature.len)
		el_b64(&x, "signature", c->signature.p, c->signature.len);
	end(&x);
	if (!x.rc)
		chk(&x, xmlTextWriterEndDocument(x.w));
	xmlFreeTextWriter(x.w); /* flushes into buf */
	x.w = NULL;
	rc = x.rc;
	if (rc)
		goto out;
	n = (size_t)xmlBufferLength(buf);
	*out = malloc(n + 1);
	if (!*out) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(*out, xmlBufferContent(buf), n);
	(*out)[n] = '\0';
	if (len)
		*len = n;
out:
	if (x.w)
		xmlFreeTextWriter(x.w);
	if (buf)
		xmlBufferFree(buf);
	return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t r;

	while (len) {
		r = write(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -EIO;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* Makes the rename durable: fsync of the directory (best effort). */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	if (!slash) {
		dir = strdup(".");
	} else {
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	}
	if (!dir)
		return;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int relo_config_save(const struct relo_config *c, const char *path)
{
	char *doc = NULL, *tmp = NULL;
	size_t len = 0;
	int fd = -1, rc;

	if (!path || !*path)
		return -EINVAL;
	rc = relo_config_write(c, &doc, &len);
	if (rc)
		goto out;
	rc = -ENOMEM;
	tmp = malloc(strlen(path) + sizeof(".XXXXXX"));
	if (!tmp)
		goto out;
	strcpy(tmp, path);
	strcat(tmp, ".XXXXXX");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		free(tmp);
		tmp = NULL;
		goto out;
	}
	rc = write_all(fd, doc, len);
	if (!rc && fchmod(fd, 0644) != 0)
		rc = -errno;
	if (!rc && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && !rc)
		rc = -errno;
	fd = -1;
	if (!rc && rename(tmp, path) != 0)
		rc = -errno;
	if (!rc) {
		free(tmp);
		tmp = NULL;
		sync_dir(path);
	}
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(doc);
	return rc;
}
