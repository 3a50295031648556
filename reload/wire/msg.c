/*
 * msg.c - forwarding header, message contents, security block and whole
 * messages (RFC 6940 section 6.3; relo/msg.h)
 */
#include <string.h>

#include "wire_int.h"

/* Each list in the header has a 16-bit byte length. */
#define FWD_LIST_MAX 0xffffu

enum relo_model relo_model_builtin(void *arg, uint32_t kind)
{
	(void)arg;
	switch (kind) {
	case RELO_KIND_SIP_REGISTRATION: return RELO_MODEL_DICTIONARY;
	case RELO_KIND_TURN_SERVICE: return RELO_MODEL_SINGLE;
	case RELO_KIND_CERTIFICATE_BY_NODE:
	case RELO_KIND_CERTIFICATE_BY_USER:
	case RELO_KIND_ACCESS_CONTROL_LIST: return RELO_MODEL_ARRAY;
	}
	return RELO_MODEL_UNKNOWN;
}

void relo_wirecfg_default(struct relo_wirecfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->node_id_len = RELO_NODEID_MIN;
	cfg->max_msg_size = RELO_DEFAULT_MAX_MSG;
	cfg->model = relo_model_builtin;
}

int relo_wirecfg_check(const struct relo_wirecfg *cfg)
{
	if (!cfg || cfg->node_id_len < RELO_NODEID_MIN || cfg->node_id_len > RELO_NODEID_MAX ||
	    cfg->max_msg_size < RELO_FWD_FIXED_LEN)
		return -EINVAL;
	return 0;
}

void relo_nodeid_wildcard(struct relo_nodeid *n, uint8_t len)
{
	memset(n, 0, sizeof(*n));
	n->len = len > RELO_NODEID_MAX ? RELO_NODEID_MAX : len;
	memset(n->id, 0xff, n->len);
}

void relo_nodeid_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_nodeid *n)
{
	const uint8_t *p;

	memset(n, 0, sizeof(*n));
	if (cfg->node_id_len < RELO_NODEID_MIN || cfg->node_id_len > RELO_NODEID_MAX) {
		relo_rd_fail(r, -EINVAL);
		return;
	}
	p = relo_rd_take(r, cfg->node_id_len);
	if (!p)
		return;
	n->len = cfg->node_id_len;
	memcpy(n->id, p, n->len);
}

void relo_nodeid_write(struct relo_wr *w, const struct relo_wirecfg *cfg,
		       const struct relo_nodeid *n)
{
	if (n->len != cfg->node_id_len) {
		relo_wr_fail(w, -EINVAL);
		return;
	}
	relo_wr_bytes(w, n->id, n->len);
}

/*
 * Destination (section 6.3.2.2). A first byte with the top bit set starts
 * the 16-bit compressed form. Otherwise: type, length of destination_data,
 * destination_data, where a resource's data is its ResourceId with its own
 * length byte and an opaque ID's data is opaque<0..2^8-1> likewise (see
 * docs/wire.md for this reading and Wireshark's).
 */
void relo_dest_read(struct relo_rd *r, const struct relo_wirecfg *cfg, struct relo_dest *d)
{
	struct relo_rd sub;
	uint8_t first;

	memset(d, 0, sizeof(*d));
	if (!relo_rd_left(r)) {
		relo_rd_fail(r, -EBADMSG);
		return;
	}
	first = r->p[0];
	if (first & 0x80) {
		d->type = RELO_DEST_COMPRESSED;
		d->u.compressed = relo_rd_u16(r);
		return;
	}
	d->type = relo_rd_u8(r);
	relo_rd_open(r, 1, 0xff, &sub);
	switch (d->type) {
	case RELO_DEST_NODE:
		if (relo_rd_left(&sub) != cfg->node_id_len)
			relo_rd_fail(&sub, -EBADMSG);
		relo_nodeid_read(&sub, cfg, &d->u.node);
		break;
	case RELO_DEST_RESOURCE:
		d->u.resource = relo_rd_vec(&sub, 1, RELO_RESID_MAX);
		break;
	case RELO_DEST_OPAQUE:
		d->u.opaque = relo_rd_vec(&sub, 1, 0xff);
		break;
	case 0:
		relo_rd_fail(&sub, -EBADMSG); /* invalidDestinationType */
		break;
	default:
		/* The length lets an unknown type be skipped and kept. */
		d->u.raw = relo_rd_fixed(&sub, relo_rd_left(&sub));
		break;
	}
	relo_rd_close(r, &sub);
}

void relo_dest_write(struct relo_wr *w, const struct relo_wirecfg *cfg, const struct relo_dest *d)
{
	size_t mark;

	if (d->type == RELO_DEST_COMPRESSED) {
		if (!(d->u.compressed & 0x8000))
			relo_wr_fail(w, -EINVAL);
		relo_wr_u16(w, d->u.compressed);
		return;
	}
	if (d->type == 0 || d->type > 0x7f) {
		relo_wr_fail(w, -EINVAL);
		return;
	}
	relo_wr_u8(w, (uint8_t)d->type);
	mark = relo_wr_open(w, 1);
	switch (d->type) {
	case RELO_DEST_NODE:
		relo_nodeid_write(w, cfg, &d->u.node);
		break;
	case RELO_DEST_RESOURCE:
		relo_wr_vec(w, 1, RELO_RESID_MAX, d->u.resource);
		break;
	case RELO_DEST_OPAQUE:
		relo_wr_vec(w, 1, 0xff, d->u.opaque);
		break;
	default:
		relo_wr_bytes(w, d->u.raw.p, d->u.raw.len);
		break;
	}
	relo_wr_close(w, mark, 1, 0xff);
}

static void dest_list_read(struct relo_rd *r, const struct relo_wirecfg *cfg,
			   struct relo_arena *a, size_t bytes, struct relo_dest **list,
			   size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	*list = NULL;
	*n = 0;
	relo_rd_open_n(r, bytes, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_dest *d = RD_PUSH(&sub, a, *list, *n, cap);
		if (!d)
			break;
		relo_dest_read(&sub, cfg, d);
	}
	relo_rd_close(r, &sub);
}

static void fwd_opt_read(struct relo_rd *r, struct relo_arena *a, size_t bytes,
			 struct relo_fwd_opt **list, size_t *n)
{
	struct relo_rd sub;
	size_t cap = 0;

	*list = NULL;
	*n = 0;
	relo_rd_open_n(r, bytes, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_fwd_opt *o = RD_PUSH(&sub, a, *list, *n, cap);

		if (!o)
			break;
		o->type = relo_rd_u8(&sub);
		o->flags = relo_rd_u8(&sub);
		o->value = relo_rd_vec(&sub, 2, 0xffff);
		if (!sub.err && o->type == 0)
			relo_rd_fail(&sub, -EBADMSG); /* invalidForwardingOptionType */
	}
	relo_rd_close(r, &sub);
}

int relo_fwd_decode(const struct relo_wirecfg *cfg, struct relo_arena *a, const uint8_t *buf,
		    size_t len, struct relo_fwd *f, size_t *hdr_len)
{
	struct relo_rd r;
	uint32_t token;
	uint16_t via_len, dst_len, opt_len;

	memset(f, 0, sizeof(*f));
	if (relo_wirecfg_check(cfg))
		return -EINVAL;
	relo_rd_init(&r, buf, len);
	token = relo_rd_u32(&r);
	f->overlay = relo_rd_u32(&r);
	f->config_seq = relo_rd_u16(&r);
	f->version = relo_rd_u8(&r);
	f->ttl = relo_rd_u8(&r);
	f->fragment = relo_rd_u32(&r);
	f->length = relo_rd_u32(&r);
	f->trans_id = relo_rd_u64(&r);
	f->max_resp_len = relo_rd_u32(&r);
	via_len = relo_rd_u16(&r);
	dst_len = relo_rd_u16(&r);
	opt_len = relo_rd_u16(&r);
	if (r.err)
		return r.err;
	if (token != RELO_TOKEN || f->version != RELO_VERSION)
		return -EPROTO;
	if (!(f->fragment & RELO_FRAG_MUST))
		return -EPROTO;
	if (f->length != len)
		return -EBADMSG;
	dest_list_read(&r, cfg, a, via_len, &f->via, &f->n_via);
	dest_list_read(&r, cfg, a, dst_len, &f->dst, &f->n_dst);
	fwd_opt_read(&r, a, opt_len, &f->opt, &f->n_opt);
	if (r.err)
		return r.err;
	if (f->n_dst == 0)
		return -EBADMSG; /* a message must be going somewhere */
	*hdr_len = len - relo_rd_left(&r);
	/* Checked last, so that the header is there to answer with
	 * Error_Message_Too_Large. */
	if (len > cfg->max_msg_size)
		return -EMSGSIZE;
	return 0;
}

static void dest_list_write(struct relo_wr *w, const struct relo_wirecfg *cfg, size_t len_pos,
			    const struct relo_dest *list, size_t n)
{
	size_t start = w->len, i;

	for (i = 0; i < n; i++)
		relo_dest_write(w, cfg, &list[i]);
	if (!w->err && w->len - start > FWD_LIST_MAX)
		relo_wr_fail(w, -EMSGSIZE);
	relo_wr_patch(w, len_pos, 2, (uint32_t)(w->len - start));
}

void relo_fwd_write(struct relo_wr *w, const struct relo_wirecfg *cfg, const struct relo_fwd *f)
{
	size_t base = w->len, start, i;

	if (f->n_dst == 0) {
		relo_wr_fail(w, -EINVAL); /* what the decoder would refuse */
		return;
	}
	relo_wr_u32(w, RELO_TOKEN);
	relo_wr_u32(w, f->overlay);
	relo_wr_u16(w, f->config_seq);
	relo_wr_u8(w, f->version);
	relo_wr_u8(w, f->ttl);
	relo_wr_u32(w, f->fragment);
	relo_wr_u32(w, f->length);
	relo_wr_u64(w, f->trans_id);
	relo_wr_u32(w, f->max_resp_len);
	relo_wr_u16(w, 0);
	relo_wr_u16(w, 0);
	relo_wr_u16(w, 0);
	dest_list_write(w, cfg, base + 32, f->via, f->n_via);
	dest_list_write(w, cfg, base + 34, f->dst, f->n_dst);
	start = w->len;
	for (i = 0; i < f->n_opt; i++) {
		const struct relo_fwd_opt *o = &f->opt[i];
		if (o->type == 0)
			relo_wr_fail(w, -EINVAL);
		relo_wr_u8(w, o->type);
		relo_wr_u8(w, o->flags);
		relo_wr_vec(w, 2, 0xffff, o->value);
	}
	if (!w->err && w->len - start > FWD_LIST_MAX)
		relo_wr_fail(w, -EMSGSIZE);
	relo_wr_patch(w, base + 36, 2, (uint32_t)(w->len - start));
}

void relo_contents_read(struct relo_rd *r, struct relo_arena *a, struct relo_contents *c)
{
	struct relo_rd sub;
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	c->code = relo_rd_u16(r);
	if (!r->err && c->code == 0)
		relo_rd_fail(r, -EBADMSG); /* invalidMessageCode */
	c->body = relo_rd_vec(r, 4, 0xffffffffu);
	relo_rd_open(r, 4, 0xffffffffu, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_ext *e = RD_PUSH(&sub, a, c->ext, c->n_ext, cap);

		if (!e)
			break;
		e->type = relo_rd_u16(&sub);
		e->critical = relo_rd_bool(&sub);
		e->value = relo_rd_vec(&sub, 4, 0xffffffffu);
		if (!sub.err && e->type == 0)
			relo_rd_fail(&sub, -EBADMSG); /* invalidMessageExtensionType */
	}
	relo_rd_close(r, &sub);
}

void relo_contents_write(struct relo_wr *w, const struct relo_contents *c)
{
	size_t mark, i;

	if (c->code == 0)
		relo_wr_fail(w, -EINVAL);
	relo_wr_u16(w, c->code);
	relo_wr_vec(w, 4, 0xffffffffu, c->body);
	mark = relo_wr_open(w, 4);
	for (i = 0; i < c->n_ext; i++) {
		if (c->ext[i].type == 0)
			relo_wr_fail(w, -EINVAL);
		relo_wr_u16(w, c->ext[i].type);
		relo_wr_bool(w, c->ext[i].critical);
		relo_wr_vec(w, 4, 0xffffffffu, c->ext[i].value);
	}
	relo_wr_close(w, mark, 4, 0xffffffffu);
}

/* SignerIdentity: type, uint16 length, then the identity value. */
static void signer_read(struct relo_rd *r, struct relo_signer *s)
{
	struct relo_rd sub;

	memset(s, 0, sizeof(*s));
	s->type = relo_rd_u8(r);
	relo_rd_open(r, 2, 0xffff, &sub);
	switch (s->type) {
	case RELO_SIGNER_CERT_HASH:
	case RELO_SIGNER_CERT_HASH_NODE_ID:
		s->hash_alg = relo_rd_u8(&sub);
		s->hash = relo_rd_vec(&sub, 1, 0xff);
		break;
	case RELO_SIGNER_NONE:
		break;
	case 0:
		relo_rd_fail(&sub, -EBADMSG);
		break;
	default:
		s->raw = relo_rd_fixed(&sub, relo_rd_left(&sub));
		break;
	}
	relo_rd_close(r, &sub);
}

void relo_signer_write(struct relo_wr *w, const struct relo_signer *s)
{
	size_t mark;

	relo_wr_u8(w, s->type);
	mark = relo_wr_open(w, 2);
	switch (s->type) {
	case RELO_SIGNER_CERT_HASH:
	case RELO_SIGNER_CERT_HASH_NODE_ID:
		relo_wr_u8(w, s->hash_alg);
		relo_wr_vec(w, 1, 0xff, s->hash);
		break;
	case RELO_SIGNER_NONE:
		break;
	case 0:
		relo_wr_fail(w, -EINVAL); /* no signer set */
		break;
	default:
		relo_wr_bytes(w, s->raw.p, s->raw.len);
		break;
	}
	relo_wr_close(w, mark, 2, 0xffff);
}

void relo_sig_read(struct relo_rd *r, struct relo_sig *s)
{
	s->hash_alg = relo_rd_u8(r);
	s->sig_alg = relo_rd_u8(r);
	signer_read(r, &s->signer);
	s->value = relo_rd_vec(r, 2, 0xffff);
}

void relo_sig_write(struct relo_wr *w, const struct relo_sig *s)
{
	relo_wr_u8(w, s->hash_alg);
	relo_wr_u8(w, s->sig_alg);
	relo_signer_write(w, &s->signer);
	relo_wr_vec(w, 2, 0xffff, s->value);
}

void relo_secblock_read(struct relo_rd *r, struct relo_arena *a, struct relo_secblock *s)
{
	struct relo_rd sub;
	size_t cap = 0;

	memset(s, 0, sizeof(*s));
	relo_rd_open(r, 2, 0xffff, &sub);
	while (relo_rd_more(&sub)) {
		struct relo_cert *c = RD_PUSH(&sub, a, s->certs, s->n_certs, cap);

		if (!c)
			break;
		c->type = relo_rd_u8(&sub);
		c->der = relo_rd_vec(&sub, 2, 0xffff);
	}
	relo_rd_close(r, &sub);
	relo_sig_read(r, &s->sig);
}

void relo_secblock_write(struct relo_wr *w, const struct relo_secblock *s)
{
	size_t mark = relo_wr_open(w, 2), i;

	for (i = 0; i < s->n_certs; i++) {
		relo_wr_u8(w, s->certs[i].type);
		relo_wr_vec(w, 2, 0xffff, s->certs[i].der);
	}
	relo_wr_close(w, mark, 2, 0xffff);
	relo_sig_write(w, &s->sig);
}

void relo_msg_init(struct relo_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->fwd.version = RELO_VERSION;
	m->fwd.ttl = RELO_DEFAULT_TTL;
	m->fwd.fragment = RELO_FRAG_WHOLE;
}

int relo_msg_decode(const struct relo_wirecfg *cfg, struct relo_arena *a, const uint8_t *buf,
		    size_t len, struct relo_msg *m)
{
	struct relo_rd r;
	size_t hdr_len = 0;
	const uint8_t *cstart;
	int err;

	memset(m, 0, sizeof(*m));
	err = relo_fwd_decode(cfg, a, buf, len, &m->fwd, &hdr_len);
	if (err)
		return err;
	if ((m->fwd.fragment & ~RELO_FRAG_RESERVED) != RELO_FRAG_WHOLE)
		return -EINPROGRESS;
	relo_rd_init(&r, buf + hdr_len, len - hdr_len);
	cstart = r.p;
	relo_contents_read(&r, a, &m->c);
	m->contents_raw = relo_bytes_of(cstart, (size_t)(r.p - cstart));
	relo_secblock_read(&r, a, &m->sec);
	if (!r.err && relo_rd_left(&r))
		relo_rd_fail(&r, -EBADMSG); /* trailing bytes */
	return r.err;
}

int relo_msg_encode(const struct relo_wirecfg *cfg, const struct relo_msg *m, struct relo_wr *w)
{
	size_t base = w->len;

	if (relo_wirecfg_check(cfg))
		return relo_wr_fail(w, -EINVAL);
	relo_fwd_write(w, cfg, &m->fwd);
	relo_contents_write(w, &m->c);
	relo_secblock_write(w, &m->sec);
	if (!w->err && w->len - base > cfg->max_msg_size)
		relo_wr_fail(w, -EMSGSIZE);
	relo_wr_patch(w, base + 16, 4, (uint32_t)(w->len - base));
	if (w->err)
		w->len = base; /* nothing half-written stays behind */
	return w->err;
}

int relo_msg_sig_input(const struct relo_msg *m, struct relo_wr *w)
{
	relo_wr_u32(w, m->fwd.overlay);
	relo_wr_u64(w, m->fwd.trans_id);
	/* A received message is verified over the bytes received. */
	if (m->contents_raw.p)
		relo_wr_bytes(w, m->contents_raw.p, m->contents_raw.len);
	else
		relo_contents_write(w, &m->c);
	relo_signer_write(w, &m->sec.sig.signer);
	return w->err;
}

int relo_msg_peek_code(const uint8_t *buf, size_t len, size_t hdr_len, uint16_t *code)
{
	if (hdr_len > len || len - hdr_len < 2)
		return -EBADMSG;
	*code = (uint16_t)(buf[hdr_len] << 8 | buf[hdr_len + 1]);
	return 0;
}

static void verdict(struct relo_check *out, enum relo_verdict v, uint16_t error, const char *why)
{
	out->verdict = v;
	out->error = error;
	out->why = why;
}

static bool option_known(const struct relo_rules *rules, uint8_t type)
{
	return rules->option_known && rules->option_known(rules->arg, type);
}

static bool extension_known(const struct relo_rules *rules, uint16_t type)
{
	return rules->extension_known && rules->extension_known(rules->arg, type);
}

/* Configuration sequence numbers run 0..65534 and compare modulo 65535,
 * as TCP's do modulo 2^32 (section 6.3.2.1). */
static int config_cmp(uint16_t theirs, uint16_t ours)
{
	uint32_t d = ((uint32_t)theirs + 65535u - ours) % 65535u;

	if (d == 0)
		return 0;
	return d < 65535u / 2 ? 1 : -1;
}

void relo_msg_check(const struct relo_rules *rules, const struct relo_fwd *f, uint16_t code,
		    const struct relo_contents *c, enum relo_role role, struct relo_check *out)
{
	bool request = relo_code_is_request(code);
	size_t i;

	verdict(out, RELO_ACCEPT, 0, NULL);
	/* A resource is only ever the last destination, and never a via. */
	for (i = 0; i < f->n_via; i++) {
		if (f->via[i].type == RELO_DEST_RESOURCE) {
			verdict(out, RELO_DROP, 0, "resource in the Via list");
			return;
		}
	}
	for (i = 0; i + 1 < f->n_dst; i++) {
		if (f->dst[i].type == RELO_DEST_RESOURCE) {
			verdict(out, RELO_DROP, 0, "resource before the end of the Destination list");
			return;
		}
	}
	if (f->ttl > rules->initial_ttl) {
		verdict(out, RELO_REJECT, RELO_ERR_TTL_EXCEEDED, "TTL above initial-ttl");
		goto out;
	}
	if (role == RELO_ROLE_FORWARDER && f->ttl == 0) {
		verdict(out, RELO_REJECT, RELO_ERR_TTL_EXCEEDED, "TTL exhausted");
		goto out;
	}
	/* Option flags mean nothing in an answer, which must not carry them. */
	for (i = 0; i < f->n_opt && request; i++) {
		uint8_t need = role == RELO_ROLE_FORWARDER ? RELO_FWDOPT_FORWARD_CRITICAL
							   : RELO_FWDOPT_DESTINATION_CRITICAL;
		if ((f->opt[i].flags & need) && !option_known(rules, f->opt[i].type)) {
			verdict(out, RELO_REJECT, RELO_ERR_UNSUPPORTED_FORWARDING_OPTION,
				"critical forwarding option not understood");
			goto out;
		}
	}
	if (role == RELO_ROLE_FORWARDER)
		goto out;
	if (request && f->config_seq != rules->config_seq) {
		if (f->config_seq == 0xffff && code == RELO_CONFIG_UPDATE_REQ) {
			/* accepted whatever our sequence */
		} else if (f->config_seq == 0xffff) {
			verdict(out, RELO_REJECT, RELO_ERR_INVALID_MESSAGE,
				"configuration sequence 65535 outside a ConfigUpdate");
			goto out;
		} else if (config_cmp(f->config_seq, rules->config_seq) < 0) {
			verdict(out, RELO_REJECT, RELO_ERR_CONFIG_TOO_OLD,
				"configuration sequence too old");
			goto out;
		} else {
			verdict(out, RELO_REJECT, RELO_ERR_CONFIG_TOO_NEW,
				"configuration sequence too new");
			goto out;
		}
	}
	if (!relo_code_known(code)) {
		if (request)
			verdict(out, RELO_REJECT, RELO_ERR_INVALID_MESSAGE, "unknown message code");
		else
			verdict(out, RELO_DROP, 0, "unknown answer code");
		goto out;
	}
	for (i = 0; c && i < c->n_ext; i++) {
		if (c->ext[i].critical && !extension_known(rules, c->ext[i].type)) {
			verdict(out, RELO_REJECT, RELO_ERR_UNKNOWN_EXTENSION,
				"critical message extension not understood");
			goto out;
		}
	}
out:
	/* Answers are never answered with errors; they are dropped. */
	if (out->verdict == RELO_REJECT && !request)
		out->verdict = RELO_DROP;
}
