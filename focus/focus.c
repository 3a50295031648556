/*
 * focus/focus.c - conferences, their calls and their mixers (focus/focus.h).
 *
 * Everything here but the public entry points runs on the SIP thread;
 * the entry points hand their work to it with fsip_exec_wait(), so the
 * conference table needs no lock.
 */
#include "focus/focus.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/rand.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag_io.h>

#include "focus/sdp.h"
#include "focus_int.h"
#include "mix/mixer.h"

/* ---- conferences (SIP thread) ---- */

static struct conf *conf_find(struct focus *f, const char *name)
{
	for (struct conf *c = f->confs; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static void mixer_log(void *arg, enum mix_log_level level, const char *line)
{
	struct focus *f = arg;
	fsip_log(f->sip, (enum fsip_log_level)level, "%s", line);
}

static int conf_make(struct focus *f, const char *name, struct conf **out)
{
	char rnd[32];
	if (!name) {
		uint8_t b[6];
		if (RAND_bytes(b, sizeof(b)) != 1)
			return -EIO;
		snprintf(rnd, sizeof(rnd), "adhoc-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
			 b[4], b[5]);
		name = rnd;
	}
	size_t n = strlen(name);
	if (n == 0 || n >= sizeof(((struct conf *)0)->name) || strcmp(name, f->factory) == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) /* RFC 3261 user: unreserved and a few marks only */
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!~*'()+",
			    name[i]))
			return -EINVAL;
	if (conf_find(f, name))
		return -EEXIST;
	struct conf *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->uri, sizeof(c->uri), "sip:%s@%s", name, f->domain);
	struct mixer_cfg mc;
	mixer_cfg_default(&mc);
	mc.name = c->name;
	mc.log = mixer_log;
	mc.log_arg = f;
	mc.log_level = (enum mix_log_level)f->cfg.log_level;
	mc.bind_addr = f->media_addr;
	mc.max_participants = f->cfg.max_participants ? f->cfg.max_participants : 64;
	mc.allow_plain_rtp = f->cfg.allow_plain_rtp;
	c->f = f;
	int ret = mixer_alloc(&c->mixer, &mc);
	if (!ret) {
		ret = events_conf_init(c);
		if (ret)
			mixer_free(c->mixer);
	}
	if (ret) {
		free(c);
		return ret;
	}
	c->next = f->confs;
	f->confs = c;
	LOG(f, INFO, "conference %s created", c->uri);
	*out = c;
	return 0;
}

static void call_end(struct call *k, bool bye);

/* How the focus wants to receive Opus: DTX welcome (silence costs nothing). */
#define FOCUS_FMTP FSDP_OPUS_FMTP ";usedtx=1"

static void tag_copy(char *out, size_t size, const sip_from_t *a)
{
	snprintf(out, size, "%s", a && a->a_tag ? a->a_tag : "");
}

static void conf_free(struct focus *f, struct conf *c)
{
	for (struct call *k = f->calls; k; k = k->next)
		if (k->conf == c)
			call_end(k, true);
	for (struct conf **pp = &f->confs; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	events_conf_free(c);
	mixer_free(c->mixer);
	LOG(f, INFO, "conference %s ended", c->uri);
	free(c);
}

/* ---- calls (SIP thread) ---- */

/* Leaves the mixer; with bye, hangs up too. The call itself goes when nua
 * says the call is terminated. */
static void call_end(struct call *k, bool bye)
{
	if (k->in_mixer && k->conf) {
		mixer_part_remove(k->conf->mixer, k->m.part_id);
		k->conf->members--;
		k->in_mixer = false;
		events_member(k->conf, k, true);
		LOG(k->f, INFO, "%s left %s", k->m.uri, k->conf->uri);
	}
	k->conf = NULL;
	if (bye && k->nh)
		nua_bye(k->nh, TAG_END());
}

static void call_free(struct call *k)
{
	struct focus *f = k->f;
	call_end(k, false);
	for (struct call **pp = &f->calls; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	if (k->nh) {
		nua_handle_bind(k->nh, NULL);
		nua_handle_destroy(k->nh);
	}
	if (k->have_tx_key)
		mix_sdes_wipe(&k->tx_key);
	mix_wipe(k->answer_crypto, sizeof(k->answer_crypto));
	mix_wipe(k->rx_crypto, sizeof(k->rx_crypto));
	free(k);
}

static void refuse(struct focus *f, nua_handle_t *nh, int status, const char *phrase,
		   const char *why)
{
	char warning[256];
	snprintf(warning, sizeof(warning), "399 %s \"%s\"", f->domain, why);
	nua_respond(nh, status, phrase, SIPTAG_WARNING_STR(warning),
		    WITH(f), TAG_END());
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port) :
					   ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Answers an offer on call k (new or a re-INVITE). */
static void call_offer(struct call *k, const sip_t *sip)
{
	struct focus *f = k->f;
	struct conf *c = k->conf;
	nua_handle_t *nh = k->nh;
	struct fsdp *offer = NULL, *answer = NULL;
	struct mix_sdes rx;
	bool have_rx = false;
	char err[128], body[4096];

	memset(&rx, 0, sizeof(rx));
	if (!sip->sip_payload || !sip->sip_content_type ||
	    strcasecmp(sip->sip_content_type->c_type, "application/sdp") != 0) {
		LOG(f, WARN, "INVITE from %s to %s without an SDP offer: 415", k->m.uri, c->uri);
		nua_respond(nh, SIP_415_UNSUPPORTED_MEDIA, SIPTAG_ACCEPT_STR("application/sdp"), WITH(f),
			    TAG_END());
		goto out;
	}
	offer = malloc(sizeof(*offer));
	answer = malloc(sizeof(*answer));
	if (!offer || !answer) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
		goto out;
	}
	if (fsdp_decode(offer, sip->sip_payload->pl_data, sip->sip_payload->pl_len, err,
			sizeof(err))) {
		LOG(f, WARN, "bad SDP from %s: %s", k->m.uri, err);
		refuse(f, nh, SIP_400_BAD_REQUEST, err);
		goto out;
	}
	const struct fsdp_fmt *fmt = NULL;
	int idx = fsdp_audio_pick(offer, f->cfg.allow_plain_rtp, &fmt);
	if (idx < 0) {
		LOG(f, WARN, "nothing acceptable in %s's offer (Opus audio, %s)", k->m.uri,
		    f->cfg.allow_plain_rtp ? "RTP or SRTP" : "SRTP with a=crypto");
		refuse(f, nh, SIP_488_NOT_ACCEPTABLE,
		       f->cfg.allow_plain_rtp ? "Opus audio needed" : "Opus audio over SRTP needed");
		goto out;
	}
	const struct fsdp_media *om = &offer->media[idx];
	bool srtp = om->proto == FSDP_RTP_SAVP || om->proto == FSDP_RTP_SAVPF;
	bool new_rx = false, new_tx = false;
	if (k->in_mixer && srtp != k->m.srtp) {
		LOG(f, WARN, "%s re-INVITE in %s switches %s", k->m.uri, c->uri,
		    srtp ? "to SRTP" : "to plain RTP");
		refuse(f, nh, SIP_488_NOT_ACCEPTABLE, "cannot switch between RTP and SRTP in a call");
		goto out;
	}
	if (srtp) {
		int ci = fsdp_crypto_pick(om, &rx);
		if (ci < 0) {
			LOG(f, WARN, "no usable a=crypto in %s's offer", k->m.uri);
			refuse(f, nh, SIP_488_NOT_ACCEPTABLE, "no SRTP suite we support");
			goto out;
		}
		have_rx = true;
		/* their key is new when the a=crypto line we take changed */
		new_rx = strcmp(om->crypto[ci], k->rx_crypto) != 0;
		if (new_rx && strlen(om->crypto[ci]) < sizeof(k->rx_crypto))
			memcpy(k->rx_crypto, om->crypto[ci], strlen(om->crypto[ci]) + 1);
		/* A new key of ours when the call is new or the suite changed. */
		if (!k->have_tx_key || k->tx_key.suite != rx.suite || k->tx_key.tag != rx.tag) {
			if (k->have_tx_key)
				mix_sdes_wipe(&k->tx_key);
			if (mix_sdes_generate(&k->tx_key, rx.tag, rx.suite)) {
				nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
				goto out;
			}
			k->have_tx_key = true;
			new_tx = true;
		}
		char line[FSDP_CRYPTO_LEN + 16];
		if (mix_sdes_format(&k->tx_key, line, sizeof(line))) {
			nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
			goto out;
		}
		const char *v = strncmp(line, "a=crypto:", 9) == 0 ? line + 9 : line;
		size_t n = strlen(v);
		if (n >= sizeof(k->answer_crypto)) {
			mix_wipe(line, sizeof(line));
			nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
			goto out;
		}
		memcpy(k->answer_crypto, v, n + 1);
		mix_wipe(line, sizeof(line));
	}
	struct sockaddr_storage remote, local;
	memset(&local, 0, sizeof(local));
	if (fsdp_media_sockaddr(om, &remote)) {
		refuse(f, nh, SIP_488_NOT_ACCEPTABLE, "c= address not an IP literal");
		goto out;
	}
	k->m.on_hold = om->dir == FSDP_SENDONLY || om->dir == FSDP_INACTIVE ||
		       (om->family == AF_INET && strcmp(om->addr, "0.0.0.0") == 0);
	k->m.srtp = srtp;
	struct mix_opus_cfg opus;
	fsdp_opus_cfg(fmt, &opus);
	if (k->in_mixer && fmt->pt != k->m.pt) {
		LOG(f, WARN, "%s re-INVITE in %s changes the Opus payload type %u to %u: 488",
		    k->m.uri, c->uri, k->m.pt, fmt->pt);
		refuse(f, nh, SIP_488_NOT_ACCEPTABLE, "the payload type cannot change in a call");
		goto out;
	}
	if (!k->in_mixer) {
		if (c->members >= (f->cfg.max_participants ? f->cfg.max_participants : 64)) {
			LOG(f, WARN, "%s is full: %s refused", c->uri, k->m.uri);
			refuse(f, nh, SIP_486_BUSY_HERE, "conference full");
			goto out;
		}
		struct mixer_part_cfg pc;
		mixer_part_cfg_default(&pc);
		pc.name = k->m.uri;
		pc.kind = MIX_PART_USER;
		pc.remote = remote;
		pc.latch = true;
		pc.pt = fmt->pt;
		pc.opus = opus;
		pc.level_ext_id = om->level_ext_id;
		pc.level_vad = om->level_vad;
		pc.tx_level_ext_id = om->level_ext_id;
		pc.rx_key = have_rx ? &rx : NULL;
		pc.tx_key = srtp ? &k->tx_key : NULL;
		pc.muted = k->m.on_hold;
		pc.remote_ssrc = om->ssrc;
		int ret = mixer_part_add(c->mixer, &pc, &k->m.part_id, &local);
		if (ret) {
			LOG(f, WARN, "%s cannot join %s: %s", k->m.uri, c->uri, strerror(-ret));
			refuse(f, nh, SIP_488_NOT_ACCEPTABLE, strerror(-ret));
			goto out;
		}
		k->in_mixer = true;
		k->sdp_port = port_of(&local);
		k->m.pt = fmt->pt;
		k->m.opus = opus;
		c->members++;
		LOG(f, INFO, "%s joined %s (%s, Opus pt %u%s)", k->m.uri, c->uri,
		    srtp ? "SRTP" : "plain RTP", fmt->pt, om->level_ext_id ? ", audio levels" : "");
	} else {
		/* re-INVITE: new keys, new encoder settings, a new address, hold or resume */
		if (!mix_opus_cfg_eq(&opus, &k->m.opus)) {
			mixer_part_opus(c->mixer, k->m.part_id, &opus);
			k->m.opus = opus;
			LOG(f, INFO, "%s re-INVITE in %s: Opus now %u b/s%s%s", k->m.uri, c->uri,
			    opus.bitrate, opus.fec ? ", FEC" : "", opus.dtx ? ", DTX" : "");
		}
		if ((new_rx || new_tx) &&
		    mixer_part_keys(c->mixer, k->m.part_id, new_rx ? &rx : NULL,
				    new_tx ? &k->tx_key : NULL)) {
			refuse(f, nh, SIP_488_NOT_ACCEPTABLE, "cannot take the new key");
			goto out;
		}
		if (new_rx || new_tx)
			LOG(f, INFO, "%s re-INVITE in %s: new %s key", k->m.uri, c->uri,
			    new_rx && new_tx ? "SRTP keys both ways" : new_rx ? "SRTP key" : "SRTP key of ours");
		mixer_part_remote(c->mixer, k->m.part_id, (struct sockaddr *)&remote,
				  remote.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
								 sizeof(struct sockaddr_in));
		mixer_part_mute(c->mixer, k->m.part_id, k->m.on_hold);
		LOG(f, INFO, "%s re-INVITE in %s: %s", k->m.uri, c->uri,
		    k->m.on_hold ? "on hold" : "active");
	}
	struct fsdp_local l = {
		.user = "chorus-focus",
		.sess_id = k->sess_id,
		.sess_version = ++k->sdp_version,
		.addr = f->media_addr,
		.port = k->sdp_port,
		.crypto = srtp ? k->answer_crypto : NULL,
		.level_ext_id = om->level_ext_id,
		.dir = FSDP_SENDRECV,
		.rtcp_mux = true,
		.fmtp = FOCUS_FMTP,
	};
	if (fsdp_answer(offer, idx, &l, answer) || fsdp_encode(answer, body, sizeof(body)) < 0) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
		goto out;
	}
	char contact[200];
	snprintf(contact, sizeof(contact), "<%s>;isfocus", c->uri);
	nua_respond(nh, SIP_200_OK, WITH(f), SIPTAG_CONTACT_STR(contact),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	events_member(c, k, false);
out:
	if (have_rx)
		mix_sdes_wipe(&rx);
	free(offer);
	free(answer);
}

static void call_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags);

static struct call *call_new(struct focus *f, struct conf *c, nua_handle_t *nh)
{
	struct call *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->owner.h = call_event;
	k->owner.arg = k;
	k->f = f;
	k->conf = c;
	k->nh = nh;
	if (RAND_bytes((uint8_t *)&k->sess_id, sizeof(k->sess_id)) != 1)
		k->sess_id = (uint64_t)(uintptr_t)k;
	k->sess_id &= INT64_MAX;
	k->next = f->calls;
	f->calls = k;
	return k;
}

/*
 * The focus invites uri into conference c (RFC 4579 5.5, and dial-out by
 * REFER, 5.6): our offer carries our key; the answer brings theirs. With
 * refer_nh, nua reports the call's progress to the referrer in NOTIFYs.
 */
static int dial_out(struct focus *f, struct conf *c, const char *uri, nua_handle_t *refer_nh,
		    const sip_event_t *refer_event)
{
	struct fsdp *offer = NULL;
	char body[2048], line[FSDP_CRYPTO_LEN + 16], contact[200];
	int ret;

	if (c->members >= (f->cfg.max_participants ? f->cfg.max_participants : 64))
		return -ENOSPC;
	struct call *k = call_new(f, c, NULL);
	if (!k)
		return -ENOMEM;
	k->outgoing = true;
	snprintf(k->m.uri, sizeof(k->m.uri), "%s", uri);
	ret = mix_sdes_generate(&k->tx_key, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80);
	if (ret)
		goto fail;
	k->have_tx_key = true;
	struct mixer_part_cfg pc;
	struct sockaddr_storage local;
	mixer_part_cfg_default(&pc);
	pc.name = k->m.uri;
	pc.kind = MIX_PART_USER;
	pc.latch = true;
	pc.tx_key = &k->tx_key; /* theirs comes with the answer */
	pc.tx_level_ext_id = 1;
	pc.level_ext_id = 1;
	ret = mixer_part_add(c->mixer, &pc, &k->m.part_id, &local);
	if (ret)
		goto fail;
	k->in_mixer = true;
	k->m.srtp = true;
	k->m.pt = pc.pt; /* what our offer says */
	mix_opus_cfg_default(&k->m.opus);
	c->members++;
	k->sdp_port = port_of(&local);
	ret = mix_sdes_format(&k->tx_key, line, sizeof(line));
	if (!ret && strlen(line) - 9 >= sizeof(k->answer_crypto))
		ret = -ENOSPC;
	if (ret)
		goto fail;
	memcpy(k->answer_crypto, line + 9, strlen(line) - 8);
	mix_wipe(line, sizeof(line));
	offer = malloc(sizeof(*offer));
	struct fsdp_local l = {
		.user = "chorus-focus", .sess_id = k->sess_id, .sess_version = ++k->sdp_version,
		.addr = f->media_addr, .port = k->sdp_port, .crypto = k->answer_crypto,
		.level_ext_id = 1, .dir = FSDP_SENDRECV, .rtcp_mux = true, .fmtp = FOCUS_FMTP,
	};
	if (!offer || fsdp_offer(&l, offer) || fsdp_encode(offer, body, sizeof(body)) < 0) {
		ret = -ENOMEM;
		goto fail;
	}
	free(offer);
	offer = NULL;
	snprintf(contact, sizeof(contact), "<%s>;isfocus", c->uri);
	k->nh = nua_handle(fsip_nua(f->sip), &k->owner, SIPTAG_TO_STR(uri),
			   SIPTAG_FROM_STR(c->uri), TAG_END());
	if (!k->nh) {
		ret = -ENOMEM;
		goto fail;
	}
	nua_invite(k->nh, SIPTAG_CONTACT_STR(contact), SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		   SIPTAG_PAYLOAD_STR(body), TAG_IF(refer_nh, NUTAG_NOTIFY_REFER(refer_nh)),
		   TAG_IF(refer_nh && refer_event, NUTAG_REFER_EVENT(refer_event)), TAG_END());
	LOG(f, INFO, "%s invites %s", c->uri, uri);
	return 0;
fail:
	mix_wipe(line, sizeof(line));
	free(offer);
	call_free(k);
	return ret;
}

/* The answer to our offer: their key and address. */
static int dial_answered(struct call *k, const sip_t *sip)
{
	struct focus *f = k->f;
	struct fsdp *a = malloc(sizeof(*a));
	struct mix_sdes rx;
	char err[128];
	int ret = -EBADMSG;

	memset(&rx, 0, sizeof(rx));
	if (!a)
		return -ENOMEM;
	if (!sip->sip_payload || fsdp_decode(a, sip->sip_payload->pl_data,
					      sip->sip_payload->pl_len, err, sizeof(err))) {
		LOG(f, WARN, "%s answered without a usable SDP", k->m.uri);
		goto out;
	}
	const struct fsdp_media *m = a->nmedia == 1 ? &a->media[0] : NULL;
	struct sockaddr_storage remote;
	if (!m || m->port == 0 || m->ncrypto != 1 || fsdp_media_sockaddr(m, &remote) ||
	    mix_sdes_parse(&rx, m->crypto[0], strlen(m->crypto[0])) ||
	    rx.suite != k->tx_key.suite) {
		LOG(f, WARN, "%s refused our audio or answered without a matching key", k->m.uri);
		goto out;
	}
	if (sip->sip_call_id)
		snprintf(k->m.call_id, sizeof(k->m.call_id), "%s", sip->sip_call_id->i_id);
	tag_copy(k->from_tag, sizeof(k->from_tag), sip->sip_from);
	tag_copy(k->to_tag, sizeof(k->to_tag), sip->sip_to);
	const struct fsdp_fmt *fmt = NULL;
	if (fsdp_audio_pick(a, false, &fmt) == 0 && fmt->pt == k->m.pt) {
		fsdp_opus_cfg(fmt, &k->m.opus); /* how they want to receive */
		mixer_part_opus(k->conf->mixer, k->m.part_id, &k->m.opus);
	}
	ret = mixer_part_keys(k->conf->mixer, k->m.part_id, &rx, NULL);
	if (!ret)
		ret = mixer_part_remote(k->conf->mixer, k->m.part_id, (struct sockaddr *)&remote,
					remote.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
								       sizeof(struct sockaddr_in));
	if (!ret) {
		LOG(f, INFO, "%s joined %s (invited)", k->m.uri, k->conf->uri);
		events_member(k->conf, k, false);
	}
out:
	mix_sdes_wipe(&rx);
	free(a);
	return ret;
}

/* The participant of c whose URI is uri. */
static struct call *member_find(struct focus *f, struct conf *c, const url_t *uri)
{
	char want[160];
	url_e(want, (int)sizeof(want), uri);
	for (struct call *k = f->calls; k; k = k->next) {
		if (k->conf != c || !k->in_mixer)
			continue;
		/* Compare user@host, without parameters. */
		size_t n = strcspn(want, ";?");
		if (strncmp(k->m.uri, want, n) == 0 && (k->m.uri[n] == 0 || k->m.uri[n] == ';'))
			return k;
	}
	return NULL;
}

static void refer_notify(nua_handle_t *nh, const sip_event_t *event, const char *frag)
{
	nua_notify(nh, SIPTAG_EVENT(event), NUTAG_SUBSTATE(nua_substate_terminated),
		   SIPTAG_CONTENT_TYPE_STR("message/sipfrag"), SIPTAG_PAYLOAD_STR(frag), TAG_END());
}

/*
 * A REFER to conference c (RFC 4579 5.6, 5.8): Refer-To with method
 * INVITE (or none) dials the target out; with method BYE, the target is
 * asked to leave. The referrer learns the outcome by NOTIFY.
 */
static bool on_refer(struct focus *f, struct conf *c, nua_handle_t *nh, const sip_t *sip,
		     const void *tags)
{
	const sip_event_t *event = NULL;
	char method[16] = "INVITE", target[160];

	tl_gets((const tagi_t *)tags, NUTAG_REFER_EVENT_REF(event), TAG_END());
	if (!sip->sip_refer_to || !sip->sip_refer_to->r_url->url_host) {
		refuse(f, nh, SIP_400_BAD_REQUEST, "Refer-To with a SIP URI needed");
		return false;
	}
	const url_t *to = sip->sip_refer_to->r_url;
	if (to->url_params)
		url_param(to->url_params, "method", method, sizeof(method));
	url_e(target, (int)sizeof(target), to);
	if (strcasecmp(method, "BYE") == 0) {
		struct call *k = member_find(f, c, to);
		if (!k) {
			LOG(f, INFO, "REFER BYE for %s, who is not in %s: 404", target, c->uri);
			refuse(f, nh, SIP_404_NOT_FOUND, "no such participant");
			return false;
		}
		nua_respond(nh, SIP_202_ACCEPTED, WITH(f), TAG_END());
		LOG(f, INFO, "REFER: %s removed from %s", k->m.uri, c->uri);
		call_end(k, true);
		refer_notify(nh, event, "SIP/2.0 200 OK\r\n");
		return true;
	}
	if (strcasecmp(method, "INVITE") != 0) {
		refuse(f, nh, SIP_501_NOT_IMPLEMENTED, "Refer-To method INVITE or BYE only");
		return false;
	}
	if (member_find(f, c, to)) {
		refuse(f, nh, SIP_403_FORBIDDEN, "already a participant");
		return false;
	}
	/* Keep only user@host[:port] and its transport: no headers, no method. */
	char clean[160];
	url_t u = *to;
	u.url_headers = NULL;
	u.url_params = NULL;
	url_e(clean, (int)sizeof(clean), &u);
	if (to->url_params && strstr(to->url_params, "transport=tcp"))
		strncat(clean, ";transport=tcp", sizeof(clean) - strlen(clean) - 1);
	nua_respond(nh, SIP_202_ACCEPTED, WITH(f), TAG_END());
	int ret = dial_out(f, c, clean, nh, event);
	if (ret) {
		LOG(f, WARN, "REFER: cannot invite %s into %s: %s", clean, c->uri, strerror(-ret));
		refer_notify(nh, event, ret == -ENOSPC ? "SIP/2.0 486 Busy Here\r\n" :
							  "SIP/2.0 500 Internal Server Error\r\n");
	}
	return true;
}

/* A new INVITE to conference c, or to the factory (c NULL). */
static void on_invite(struct focus *f, nua_handle_t *nh, struct conf *c, const sip_t *sip)
{
	struct call *k;
	if (!c) {
		int ret = conf_make(f, NULL, &c);
		if (ret) {
			LOG(f, ERR, "ad hoc conference: %s", strerror(-ret));
			nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
			nua_handle_destroy(nh);
			return;
		}
	}
	k = call_new(f, c, nh);
	if (!k) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, WITH(f), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	const sip_from_t *from = sip->sip_from;
	url_e(k->m.uri, (int)sizeof(k->m.uri), from->a_url);
	if (from->a_display) { /* as written: a token list, or a quoted string */
		const char *d = from->a_display;
		size_t n = strlen(d);
		if (n >= 2 && d[0] == '"' && d[n - 1] == '"') {
			size_t o = 0;
			for (size_t i = 1; i + 1 < n && o + 1 < sizeof(k->m.display); i++) {
				if (d[i] == '\\' && i + 2 < n)
					i++; /* quoted-pair */
				k->m.display[o++] = d[i];
			}
			k->m.display[o] = 0;
		} else {
			snprintf(k->m.display, sizeof(k->m.display), "%s", d);
		}
	}
	if (sip->sip_call_id)
		snprintf(k->m.call_id, sizeof(k->m.call_id), "%s", sip->sip_call_id->i_id);
	tag_copy(k->from_tag, sizeof(k->from_tag), sip->sip_from);
	nua_handle_bind(nh, &k->owner);
	call_offer(k, sip);
}

/* Events of a call's handle. */
static void call_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags)
{
	struct call *k = arg;
	struct focus *f = k->f;
	(void)hmagic;

	switch (event) {
	case nua_i_invite: /* a re-INVITE */
		if (k->conf)
			call_offer(k, sip);
		else
			nua_respond(nh, SIP_481_NO_TRANSACTION, WITH(f), TAG_END());
		break;
	case nua_i_state: {
		int state = nua_callstate_init;
		tl_gets((const tagi_t *)tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated)
			call_free(k);
		break;
	}
	case nua_i_ack: /* its To has our tag: the dialog is known, for call-info */
		if (sip && k->in_mixer && !k->to_tag[0]) {
			tag_copy(k->to_tag, sizeof(k->to_tag), sip->sip_to);
			events_member(k->conf, k, false);
		}
		break;
	case nua_i_bye:
		LOG(f, DEBUG, "BYE from %s", k->m.uri);
		break;
	case nua_i_cancel:
		LOG(f, INFO, "%s cancelled its INVITE", k->m.uri);
		break;
	case nua_r_invite:
		if (status >= 200 && status < 300 && k->outgoing && k->sdp_version == 1) {
			k->sdp_version++; /* the first answer only; re-INVITEs are theirs */
			if (dial_answered(k, sip))
				call_end(k, true);
		} else if (status >= 300) {
			LOG(f, INFO, "%s did not join: %d %s", k->m.uri, status, phrase);
			call_end(k, false);
		}
		break;
	case nua_i_refer:
		if (k->conf)
			on_refer(f, k->conf, nh, sip, tags);
		else
			nua_respond(nh, SIP_481_NO_TRANSACTION, WITH(f), TAG_END());
		break;
	case nua_i_subscribe:
		refuse(f, nh, SIP_403_FORBIDDEN, "subscribe to the conference out of this call");
		break;
	case nua_i_error:
		LOG(f, WARN, "%s: nua error %d %s", k->m.uri, status, phrase);
		break;
	default:
		break;
	}
}

static void referral_free(struct referral *r)
{
	for (struct referral **pp = &r->f->referrals; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	nua_handle_bind(r->nh, NULL);
	nua_handle_destroy(r->nh);
	free(r);
}

/* Its handle goes once the final NOTIFY is answered (or the subscription
 * ends otherwise). */
static void referral_event(void *arg, int event, int status, const char *phrase,
			   nua_handle_t *nh, void *hmagic, const sip_t *sip, const void *tags)
{
	struct referral *r = arg;
	int ss = nua_substate_embryonic;
	(void)phrase;
	(void)nh;
	(void)hmagic;
	(void)sip;
	tl_gets((const tagi_t *)tags, NUTAG_SUBSTATE_REF(ss), TAG_END());
	if ((event == nua_r_notify && status >= 200 && (ss == nua_substate_terminated || status >= 300)) ||
	    event == nua_i_terminated)
		referral_free(r);
}

static struct referral *referral_keep(struct focus *f, nua_handle_t *nh)
{
	struct referral *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL; /* the handle lives until nua shuts down */
	r->owner.h = referral_event;
	r->owner.arg = r;
	r->f = f;
	r->nh = nh;
	r->next = f->referrals;
	f->referrals = r;
	nua_handle_bind(nh, &r->owner);
	return r;
}

bool focus_take(struct focus *f, int event, nua_handle_t *nh, const sip_t *sip, const void *tags)
{
	const char *user = sip && sip->sip_request ? sip->sip_request->rq_url->url_user : NULL;
	struct conf *c = user ? conf_find(f, user) : NULL;
	if (!c && !(user && strcmp(user, f->factory) == 0))
		return false;
	switch (event) {
	case nua_i_invite:
		on_invite(f, nh, c, sip);
		break;
	case nua_i_refer: {
		if (!c) {
			refuse(f, nh, SIP_404_NOT_FOUND, "REFER the conference, not the factory");
			nua_handle_destroy(nh);
			break;
		}
		struct referral *r = referral_keep(f, nh);
		if (!on_refer(f, c, nh, sip, tags) && r)
			referral_free(r);
		break;
	}
	case nua_i_subscribe:
		if (!c) {
			refuse(f, nh, SIP_404_NOT_FOUND, "subscribe to a conference, not the factory");
			nua_handle_destroy(nh);
			break;
		}
		events_subscribe(c, nh, sip);
		break;
	default:
		return false;
	}
	return true;
}

/* The dispatcher of a focus with an fsip of its own. */
static void on_request(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags)
{
	struct focus *f = arg;
	(void)status;
	(void)phrase;
	(void)hmagic;
	if (focus_take(f, event, nh, sip, tags))
		return;
	if (event == nua_i_invite || event == nua_i_subscribe || event == nua_i_refer) {
		const char *user = sip->sip_request->rq_url->url_user;
		LOG(f, INFO, "%s for unknown conference %s: 404", sip->sip_request->rq_method_name,
		    user ? user : "(no user)");
		refuse(f, nh, SIP_404_NOT_FOUND, "no such conference here");
		nua_handle_destroy(nh);
	}
}

/* ---- the public side ---- */

int focus_alloc(struct focus **fp, const struct focus_cfg *cfg)
{
	*fp = NULL;
	if (!cfg || (!cfg->sip_url && !cfg->sip))
		return -EINVAL;
	struct focus *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->cfg = *cfg;
	snprintf(f->name, sizeof(f->name), "%s", cfg->name ? cfg->name : "focus");
	snprintf(f->factory, sizeof(f->factory), "%s", cfg->factory ? cfg->factory : "conf-factory");
	f->sip = cfg->sip;
	if (!f->sip) {
		struct fsip_cfg sc = {
			.name = f->name,
			.url = cfg->sip_url,
			.allow_events = "conference",
			.session_timer = cfg->session_timer,
			.min_se = cfg->min_se,
			.event_h = on_request,
			.event_arg = f,
			.log = cfg->log,
			.log_arg = cfg->log_arg,
			.log_level = cfg->log_level,
		};
		int ret = fsip_alloc(&f->sip, &sc);
		if (ret) {
			free(f);
			return ret;
		}
		f->own_sip = true;
	}
	const char *hp = fsip_hostport(f->sip);
	snprintf(f->domain, sizeof(f->domain), "%s", cfg->domain ? cfg->domain : hp);
	if (cfg->media_addr) {
		snprintf(f->media_addr, sizeof(f->media_addr), "%s", cfg->media_addr);
	} else { /* the SIP host, without brackets and port */
		const char *b = hp[0] == '[' ? hp + 1 : hp;
		const char *e = hp[0] == '[' ? strchr(b, ']') : strrchr(b, ':');
		size_t n = e ? (size_t)(e - b) : strlen(b);
		snprintf(f->media_addr, sizeof(f->media_addr), "%.*s", (int)n, b);
	}
	*fp = f;
	return 0;
}

static void free_job(struct fsip *s, void *arg)
{
	(void)s;
	struct focus *f = arg;
	while (f->confs)
		conf_free(f, f->confs);
}

static void forget_job(struct fsip *s, void *arg)
{
	(void)s;
	struct focus *f = arg;
	while (f->referrals)
		referral_free(f->referrals);
	while (f->calls) {
		struct call *k = f->calls;
		f->calls = k->next;
		if (k->nh) {
			nua_handle_bind(k->nh, NULL);
			nua_handle_destroy(k->nh);
		}
		if (k->have_tx_key)
			mix_sdes_wipe(&k->tx_key);
		free(k);
	}
}

void focus_free(struct focus *f)
{
	if (!f)
		return;
	fsip_exec_wait(f->sip, free_job, f);
	/* The calls left are hung up; forget them (nua's shutdown, or the
	 * owner of a shared fsip, ends their handles). */
	fsip_exec_wait(f->sip, forget_job, f);
	if (f->own_sip)
		fsip_free(f->sip);
	free(f);
}

struct conf_job {
	struct focus *f;
	const char *name;
	const char *target;
	char *uri;
	size_t size;
	struct focus_member *out;
	char (*names)[64];
	size_t max;
	int ret;
};

/* Runs fn on the SIP thread and returns its j->ret. */
static int conf_run(struct focus *f, fsip_exec_h *fn, struct conf_job *j)
{
	int ret = fsip_exec_wait(f->sip, fn, j);
	return ret ? ret : j->ret;
}

static void create_job(struct fsip *s, void *arg)
{
	(void)s;
	struct conf_job *j = arg;
	struct conf *c;
	j->ret = conf_make(j->f, j->name, &c);
	if (j->ret == 0 && j->uri && snprintf(j->uri, j->size, "%s", c->uri) >= (int)j->size)
		j->ret = -ENOSPC;
}

int focus_conf_create(struct focus *f, const char *name, char *uri, size_t size)
{
	struct conf_job j = {.f = f, .name = name, .uri = uri, .size = size};
	return conf_run(f, create_job, &j);
}

static void invite_job(struct fsip *s, void *arg)
{
	(void)s;
	struct conf_job *j = arg;
	struct conf *c = conf_find(j->f, j->name);
	j->ret = c ? dial_out(j->f, c, j->target, NULL, NULL) : -ENOENT;
}

int focus_conf_invite(struct focus *f, const char *name, const char *uri)
{
	if (!uri || strncmp(uri, "sip:", 4) != 0)
		return -EINVAL;
	struct conf_job j = {.f = f, .name = name, .target = uri};
	return conf_run(f, invite_job, &j);
}

static void destroy_job(struct fsip *s, void *arg)
{
	(void)s;
	struct conf_job *j = arg;
	struct conf *c = conf_find(j->f, j->name);
	j->ret = c ? 0 : -ENOENT;
	if (c)
		conf_free(j->f, c);
}

int focus_conf_destroy(struct focus *f, const char *name)
{
	struct conf_job j = {.f = f, .name = name};
	return conf_run(f, destroy_job, &j);
}

static void members_job(struct fsip *s, void *arg)
{
	(void)s;
	struct conf_job *j = arg;
	struct conf *c = conf_find(j->f, j->name);
	if (!c) {
		j->ret = -ENOENT;
		return;
	}
	size_t n = 0;
	for (struct call *k = j->f->calls; k; k = k->next) {
		if (k->conf != c || !k->in_mixer)
			continue;
		if (n < j->max)
			j->out[n] = k->m;
		n++;
	}
	j->ret = (int)n;
}

int focus_conf_members(struct focus *f, const char *name, struct focus_member *out, size_t max)
{
	struct conf_job j = {.f = f, .name = name, .out = out, .max = max};
	return conf_run(f, members_job, &j);
}

static void names_job(struct fsip *s, void *arg)
{
	(void)s;
	struct conf_job *j = arg;
	size_t n = 0;
	for (struct conf *c = j->f->confs; c; c = c->next, n++)
		if (n < j->max)
			snprintf(j->names[n], 64, "%s", c->name);
	j->ret = (int)n;
}

int focus_conf_names(struct focus *f, char (*names)[64], size_t max)
{
	struct conf_job j = {.f = f, .names = names, .max = max};
	return conf_run(f, names_job, &j);
}

const char *focus_hostport(const struct focus *f)
{
	return fsip_hostport(f->sip);
}
