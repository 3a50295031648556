/*
 * ua.c - the SIP user agent inside chorusd (ua.h)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/url.h>

#include "focus/confinfo.h"
#include "focus/sdp.h"
#include "mix/ep.h"
#include "mix/srtp.h"
#include "mix/wav.h"
#include "ua.h"

#define PI 3.14159265358979323846
#define TONE_AMP 0.25       /* of full scale: -12 dBFS */
#define LEVEL_EXT_ID 1      /* we send RFC 6464 levels with this id */
#define SUB_EXPIRES "600"

struct ua_call;

/* The conference subscription of a call: its handle's magic. */
struct ua_sub {
	struct fsip_owner owner;        /* first */
	struct ua_call *k;
	nua_handle_t *nh;
};

struct ua_call {
	struct fsip_owner owner;        /* first: the call handle's magic */
	struct ua_call *next;
	struct ua *u;
	struct ua_call_info info;       /* SIP thread; the media counters under lock */
	nua_handle_t *nh;
	bool bye_sent;
	bool want_sub;
	struct ua_sub sub;
	struct confinfo *roster;        /* the conference state held */
	char target[96];                /* host:port requests go to; "" by the URI */
	unsigned seconds;
	struct fsip_timer *hangup_timer;
	uint64_t t_active_ms, t_end_ms;
	/* SDP */
	uint64_t sess_id, sess_version;
	bool plain;
	struct mix_sdes tx_key;
	char crypto[FSDP_CRYPTO_LEN];   /* our a=crypto value */
	uint16_t rtp_port;
	/* media */
	struct mix_ep *ep;
	pthread_t thread;
	bool thread_started;
	atomic_bool stop;
	pthread_mutex_t lock;           /* ep and the media counters */
	struct mix_pcm play;
	size_t play_pos;
	double tone, phase;
	struct mix_wav_writer rec;
	bool recording;
};

struct ua {
	struct ua_cfg cfg;
	struct fsip *sip;
	struct confinfo_parser *parser;
	struct ua_call *calls;          /* newest first */
	unsigned next_id;
	char aor[200];
	char user[96];                  /* the AOR's user part: INVITEs for it are ours */
	char display[64];
	char media_addr[64];
};

#define LOG(u, l, ...) fsip_log((u)->sip, FSIP_LOG_##l, __VA_ARGS__)

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

const char *ua_state_name(enum ua_state s)
{
	switch (s) {
	case UA_CALLING: return "calling";
	case UA_RINGING: return "ringing";
	case UA_ACTIVE: return "active";
	case UA_ENDED: return "ended";
	}
	return "?";
}

/* ---- media ---- */

/* The next frame we send: the file, then the tone, else silence. */
static void source_frame(struct ua_call *k, int16_t *pcm)
{
	size_t i = 0;
	if (k->play.s) {
		for (; i < MIX_FRAME && k->play_pos < k->play.n; i++)
			pcm[i] = k->play.s[k->play_pos++];
		for (; i < MIX_FRAME; i++)
			pcm[i] = 0;
		return;
	}
	double w = 2 * PI * k->tone / MIX_RATE;
	for (; i < MIX_FRAME; i++) {
		pcm[i] = k->tone > 0 ? (int16_t)lrint(TONE_AMP * 32767 * sin(k->phase)) : 0;
		k->phase += w;
	}
	k->phase = fmod(k->phase, 2 * PI);
}

static void *media_main(void *arg)
{
	struct ua_call *k = arg;
	int16_t tx[MIX_FRAME], rx[MIX_FRAME];
	double energy = 0;
	unsigned frames = 0;
	uint64_t next = now_us();
	int fd = mix_ep_fd(k->ep);

	while (!atomic_load(&k->stop)) {
		next += 20000;
		for (;;) {
			uint64_t t = now_us();
			if (t >= next)
				break;
			struct pollfd p = {fd, POLLIN, 0};
			if (poll(&p, 1, (int)((next - t + 999) / 1000)) > 0) {
				pthread_mutex_lock(&k->lock);
				mix_ep_recv(k->ep);
				pthread_mutex_unlock(&k->lock);
			}
		}
		source_frame(k, tx);
		struct mix_ep_stats st;
		bool late = now_us() > next + 30000;
		pthread_mutex_lock(&k->lock);
		k->info.late_ticks += late;
		mix_ep_send(k->ep, tx);
		mix_ep_play(k->ep, now_us(), rx);
		mix_ep_stats_get(k->ep, &st);
		k->info.tx_packets = st.tx_packets;
		k->info.rx_packets = st.rx_packets;
		k->info.concealed = st.play.plc;
		for (unsigned i = 0; i < MIX_FRAME; i++)
			energy += (double)rx[i] * rx[i];
		if (++frames == 50) {
			double rms = sqrt(energy / (50.0 * MIX_FRAME)) / 32768.0;
			k->info.heard_dbfs = rms > 0 ? 20 * log10(rms) : -120;
			energy = 0;
			frames = 0;
		}
		pthread_mutex_unlock(&k->lock);
		if (k->recording && !k->rec.err)
			mix_wav_append(&k->rec, rx, MIX_FRAME);
		/* Far behind (the machine stalled): start the clock again. */
		if (now_us() > next + 200000)
			next = now_us();
	}
	return NULL;
}

static int media_start(struct ua_call *k)
{
	atomic_store(&k->stop, false);
	int ret = pthread_create(&k->thread, NULL, media_main, k);
	if (ret)
		return -ret;
	k->thread_started = true;
	return 0;
}

static void media_stop(struct ua_call *k)
{
	if (k->thread_started) {
		atomic_store(&k->stop, true);
		pthread_join(k->thread, NULL);
		k->thread_started = false;
	}
	if (k->recording) {
		int ret = mix_wav_close(&k->rec);
		k->recording = false;
		if (ret) {
			k->info.record_err = ret;
			LOG(k->u, WARN, "call %u: recording failed: %s", k->info.id, strerror(-ret));
		}
	}
	pthread_mutex_lock(&k->lock);
	mix_ep_free(k->ep);
	k->ep = NULL;
	pthread_mutex_unlock(&k->lock);
	mix_pcm_free(&k->play);
	mix_sdes_wipe(&k->tx_key);
	mix_wipe(k->crypto, sizeof(k->crypto));
}

/* An endpoint for call k: our key (SRTP) or none (plain). */
static int ep_make(struct ua_call *k, const struct mix_sdes *rx, const struct sockaddr_storage *remote)
{
	struct mix_ep_cfg ec;
	struct sockaddr_storage local;
	memset(&ec, 0, sizeof(ec));
	ec.bind_addr = k->u->media_addr;
	ec.tx_key = k->plain ? NULL : &k->tx_key;
	ec.rx_key = rx;
	ec.level_ext_id = LEVEL_EXT_ID;
	if (remote)
		ec.remote = *remote;
	int ret = mix_ep_alloc(&k->ep, &ec, &local);
	if (ret)
		return ret;
	k->rtp_port = local.ss_family == AF_INET6 ?
			      ntohs(((struct sockaddr_in6 *)&local)->sin6_port) :
			      ntohs(((struct sockaddr_in *)&local)->sin_port);
	return 0;
}

/* Our session description: an offer, or the answer to offer (its m-line idx). */
static int sdp_ours(struct ua_call *k, const struct fsdp *offer, int idx, char *body, size_t size)
{
	struct fsdp *d = malloc(sizeof(*d));
	struct fsdp_local l = {
		.user = "chorus",
		.sess_id = k->sess_id,
		.sess_version = ++k->sess_version,
		.addr = k->u->media_addr,
		.port = k->rtp_port,
		.crypto = k->plain ? NULL : k->crypto,
		.level_ext_id = LEVEL_EXT_ID,
		.dir = FSDP_SENDRECV,
		.rtcp_mux = true,
	};
	int ret = -ENOMEM;
	if (d) {
		ret = offer ? fsdp_answer(offer, idx, &l, d) : fsdp_offer(&l, d);
		if (!ret)
			ret = fsdp_encode(d, body, size) < 0 ? -ENOSPC : 0;
	}
	free(d);
	return ret;
}

static int key_make(struct ua_call *k, uint32_t tag, enum mix_srtp_suite suite)
{
	char line[FSDP_CRYPTO_LEN + 16];
	int ret = mix_sdes_generate(&k->tx_key, tag, suite);
	if (!ret)
		ret = mix_sdes_format(&k->tx_key, line, sizeof(line));
	if (!ret && strlen(line + 9) >= sizeof(k->crypto))
		ret = -ENOSPC;
	if (!ret)
		memcpy(k->crypto, line + 9, strlen(line + 9) + 1);
	mix_wipe(line, sizeof(line));
	return ret;
}

/* ---- calls ---- */

static void call_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags);
static void sub_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		      void *hmagic, const sip_t *sip, const void *tags);

static void call_free(struct ua_call *k)
{
	media_stop(k);
	fsip_timer_stop(&k->hangup_timer);
	if (k->sub.nh) {
		nua_handle_bind(k->sub.nh, NULL);
		nua_handle_destroy(k->sub.nh);
	}
	if (k->nh) {
		nua_handle_bind(k->nh, NULL);
		nua_handle_destroy(k->nh);
	}
	confinfo_free(k->roster);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

/* A new call record, first in the list; the oldest ended ones beyond the
 * limit go. */
static struct ua_call *call_new(struct ua *u, bool incoming)
{
	struct ua_call *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	pthread_mutex_init(&k->lock, NULL);
	k->owner.h = call_event;
	k->owner.arg = k;
	k->sub.owner.h = sub_event;
	k->sub.owner.arg = &k->sub;
	k->sub.k = k;
	k->u = u;
	k->info.id = ++u->next_id;
	k->info.incoming = incoming;
	k->info.heard_dbfs = -120;
	k->info.state = incoming ? UA_ACTIVE : UA_CALLING;
	if (RAND_bytes((unsigned char *)&k->sess_id, sizeof(k->sess_id)) != 1)
		k->sess_id = now_us();
	k->sess_id &= INT64_MAX;
	k->next = u->calls;
	u->calls = k;
	unsigned ended = 0;
	for (struct ua_call **pp = &u->calls; *pp;) {
		struct ua_call *c = *pp;
		if (c->info.state == UA_ENDED && ++ended > UA_KEEP_ENDED) {
			*pp = c->next;
			call_free(c);
		} else {
			pp = &c->next;
		}
	}
	return k;
}

static uint64_t now_ms(void)
{
	return now_us() / 1000;
}

/* The call is over: media stopped, recording closed, subscription ended. */
static void call_ended(struct ua_call *k, const char *why)
{
	if (k->info.state == UA_ENDED)
		return;
	if (!k->info.reason[0])
		snprintf(k->info.reason, sizeof(k->info.reason), "%s", why);
	k->info.state = UA_ENDED;
	k->t_end_ms = now_ms();
	fsip_timer_stop(&k->hangup_timer);
	if (k->sub.nh && k->info.subscribed)
		nua_unsubscribe(k->sub.nh, TAG_END());
	k->info.subscribed = false;
	media_stop(k);
	LOG(k->u, INFO, "call %u with %s ended: %s", k->info.id, k->info.uri, k->info.reason);
}

static void hang_up(struct ua_call *k, const char *why)
{
	if (k->info.state == UA_ENDED || k->bye_sent)
		return;
	snprintf(k->info.reason, sizeof(k->info.reason), "%s", why);
	k->bye_sent = true;
	if (k->info.state == UA_ACTIVE)
		nua_bye(k->nh, TAG_END());
	else
		nua_cancel(k->nh, TAG_END());
}

static void hangup_timer(struct fsip *s, void *arg)
{
	(void)s;
	hang_up(arg, "hung up after the time asked");
}

static void subscribe(struct ua_call *k)
{
	struct ua *u = k->u;
	char requri[260];

	if (k->target[0] && strchr(k->info.contact, '@'))
		snprintf(requri, sizeof(requri), "%.*s@%s",
			 (int)(strchr(k->info.contact, '@') - k->info.contact), k->info.contact,
			 k->target);
	else
		snprintf(requri, sizeof(requri), "%s", k->info.contact);
	k->sub.nh = nua_handle(fsip_nua(u->sip), &k->sub.owner, NUTAG_URL(requri),
			       SIPTAG_TO_STR(k->info.contact), SIPTAG_FROM_STR(u->aor), TAG_END());
	if (!k->sub.nh)
		return;
	nua_subscribe(k->sub.nh, SIPTAG_EVENT_STR("conference"), SIPTAG_ACCEPT_STR(CONFINFO_MIME),
		      SIPTAG_EXPIRES_STR(SUB_EXPIRES), TAG_END());
	k->info.subscribed = true;
	LOG(u, INFO, "call %u: subscribing to the events of %s", k->info.id, k->info.contact);
}

/* Their answer to our offer: where to send, with which key. */
static int take_answer(struct ua_call *k, const sip_t *sip, char *why, size_t wlen)
{
	struct fsdp *a = malloc(sizeof(*a));
	struct mix_sdes rx;
	struct sockaddr_storage remote;
	char err[128];
	int ret = -EBADMSG;

	memset(&rx, 0, sizeof(rx));
	if (!a)
		return -ENOMEM;
	if (!sip->sip_payload ||
	    fsdp_decode(a, sip->sip_payload->pl_data, sip->sip_payload->pl_len, err, sizeof(err))) {
		snprintf(why, wlen, "answer without a usable SDP%s%s", sip->sip_payload ? ": " : "",
			 sip->sip_payload ? err : "");
		goto out;
	}
	int idx = fsdp_audio_pick(a, k->plain, NULL);
	if (idx < 0) {
		snprintf(why, wlen, "the answer refused our audio");
		goto out;
	}
	const struct fsdp_media *m = &a->media[idx];
	bool srtp = m->proto == FSDP_RTP_SAVP || m->proto == FSDP_RTP_SAVPF;
	if (srtp != !k->plain) {
		snprintf(why, wlen, "the answer is %s, we offered %s", srtp ? "SRTP" : "plain RTP",
			 k->plain ? "plain RTP" : "SRTP");
		goto out;
	}
	if (fsdp_media_sockaddr(m, &remote)) {
		snprintf(why, wlen, "the answer's address is not an IP literal");
		goto out;
	}
	if (srtp && (fsdp_crypto_pick(m, &rx) < 0 || rx.suite != k->tx_key.suite)) {
		snprintf(why, wlen, "the answer has no key of the suite we offered");
		goto out;
	}
	pthread_mutex_lock(&k->lock);
	ret = srtp ? mix_ep_keys(k->ep, NULL, &rx) : 0;
	if (!ret)
		ret = mix_ep_remote(k->ep, (struct sockaddr *)&remote,
				    remote.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
								   sizeof(struct sockaddr_in));
	pthread_mutex_unlock(&k->lock);
	if (ret)
		snprintf(why, wlen, "cannot use the answer: %s", strerror(-ret));
	k->info.srtp = srtp;
out:
	mix_sdes_wipe(&rx);
	free(a);
	return ret;
}

static void answered(struct ua_call *k, const sip_t *sip)
{
	char why[160];

	if (sip && sip->sip_contact) {
		url_e(k->info.contact, sizeof(k->info.contact), sip->sip_contact->m_url);
		for (const msg_param_t *p = sip->sip_contact->m_params; p && *p; p++)
			if (strcasecmp(*p, "isfocus") == 0)
				k->info.isfocus = true;
	}
	k->info.state = UA_ACTIVE; /* the dialog is up: leaving it takes a BYE */
	k->t_active_ms = now_ms();
	if (!sip || take_answer(k, sip, why, sizeof(why))) {
		LOG(k->u, WARN, "call %u with %s: %s", k->info.id, k->info.uri, sip ? why : "no answer");
		hang_up(k, sip ? why : "no answer");
		return;
	}
	if (media_start(k)) {
		hang_up(k, "cannot start the media thread");
		return;
	}
	LOG(k->u, INFO, "call %u: %s answered (%s%s)", k->info.id, k->info.uri,
	    k->info.srtp ? "SRTP" : "plain RTP", k->info.isfocus ? ", a conference focus" : "");
	if (k->seconds)
		fsip_timer_start(k->u->sip, &k->hangup_timer, k->seconds * 1000, hangup_timer, k);
	if (k->want_sub && k->info.isfocus)
		subscribe(k);
}

/* A re-INVITE from the far end: a new address or hold; same keys. */
static void reoffer(struct ua_call *k, nua_handle_t *nh, const sip_t *sip)
{
	struct fsdp *o = malloc(sizeof(*o));
	struct sockaddr_storage remote;
	char body[4096];
	int idx = -1;

	if (!o || !sip->sip_payload ||
	    fsdp_decode(o, sip->sip_payload->pl_data, sip->sip_payload->pl_len, NULL, 0) ||
	    (idx = fsdp_audio_pick(o, k->plain, NULL)) < 0 ||
	    fsdp_media_sockaddr(&o->media[idx], &remote) ||
	    sdp_ours(k, o, idx, body, sizeof(body))) {
		nua_respond(nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_THIS(fsip_nua(k->u->sip)),
			    TAG_END());
		free(o);
		return;
	}
	pthread_mutex_lock(&k->lock);
	if (k->ep)
		mix_ep_remote(k->ep, (struct sockaddr *)&remote,
			      remote.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
							     sizeof(struct sockaddr_in));
	pthread_mutex_unlock(&k->lock);
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(fsip_nua(k->u->sip)),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	LOG(k->u, INFO, "call %u: re-INVITE from %s (%s)", k->info.id, k->info.uri,
	    fsdp_dir_name(o->media[idx].dir));
	free(o);
}

static void call_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags)
{
	struct ua_call *k = arg;
	(void)hmagic;

	switch (event) {
	case nua_r_invite:
		if (k->info.state != UA_CALLING && k->info.state != UA_RINGING)
			break;
		if (status >= 180 && status < 200) {
			k->info.state = UA_RINGING;
		} else if (status >= 200 && status < 300) {
			k->info.status = status;
			answered(k, sip);
		} else if (status >= 300) {
			k->info.status = status;
			if (!k->bye_sent) {
				snprintf(k->info.reason, sizeof(k->info.reason), "%d %s%s%s%s", status,
					 phrase, sip && sip->sip_warning ? " (" : "",
					 sip && sip->sip_warning ? sip->sip_warning->w_text : "",
					 sip && sip->sip_warning ? ")" : "");
			}
			call_ended(k, "refused");
		}
		break;
	case nua_i_invite:
		reoffer(k, nh, sip);
		break;
	case nua_i_bye:
		snprintf(k->info.reason, sizeof(k->info.reason), "%.140s hung up", k->info.uri);
		break;
	case nua_i_cancel:
		snprintf(k->info.reason, sizeof(k->info.reason), "%.140s cancelled", k->info.uri);
		break;
	case nua_i_state: {
		int state = nua_callstate_init;
		tl_gets((const tagi_t *)tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated)
			call_ended(k, status >= 300 ? phrase : "ended");
		break;
	}
	case nua_i_error:
		LOG(k->u, WARN, "call %u: %d %s", k->info.id, status, phrase);
		break;
	default:
		break;
	}
}

/* ---- the conference subscription (RFC 4575) ---- */

static void take_notify(struct ua_call *k, const sip_t *sip)
{
	struct ua *u = k->u;
	struct confinfo *doc = NULL;
	char err[200];

	if (!sip || !sip->sip_payload || !sip->sip_payload->pl_len)
		return;
	int ret = confinfo_parse(u->parser, sip->sip_payload->pl_data, sip->sip_payload->pl_len,
				 &doc, err, sizeof(err));
	if (ret) {
		LOG(u, WARN, "call %u: a conference-info document we cannot read: %s", k->info.id, err);
		return;
	}
	ret = confinfo_apply(&k->roster, doc, err, sizeof(err));
	confinfo_free(doc);
	if (ret == -ESTALE && k->sub.nh) {
		/* a gap in versions: get the full state again */
		LOG(u, INFO, "call %u: conference-info out of step (%s): subscribing again",
		    k->info.id, err);
		confinfo_free(k->roster);
		k->roster = NULL;
		k->info.have_roster = false;
		nua_subscribe(k->sub.nh, SIPTAG_EVENT_STR("conference"),
			      SIPTAG_ACCEPT_STR(CONFINFO_MIME), SIPTAG_EXPIRES_STR(SUB_EXPIRES),
			      TAG_END());
		return;
	}
	if (ret && ret != -EALREADY) {
		LOG(u, WARN, "call %u: conference-info not applied: %s", k->info.id, err);
		return;
	}
	if (!k->roster)
		return;
	unsigned n = (unsigned)k->roster->users.n;
	k->info.have_roster = true;
	k->info.roster_version = k->roster->version;
	k->info.roster_users = n;
	LOG(u, DEBUG, "call %u: conference-info version %u, %u users", k->info.id,
	    k->roster->version, n);
}

static void sub_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		      void *hmagic, const sip_t *sip, const void *tags)
{
	struct ua_sub *s = arg;
	struct ua_call *k = s->k;
	int ss = nua_substate_embryonic;
	(void)nh;
	(void)hmagic;

	tl_gets((const tagi_t *)tags, NUTAG_SUBSTATE_REF(ss), TAG_END());
	switch (event) {
	case nua_r_subscribe:
		if (status >= 300) {
			LOG(k->u, WARN, "call %u: subscription to %s refused: %d %s", k->info.id,
			    k->info.contact, status, phrase);
			k->info.subscribed = false;
		}
		break;
	case nua_i_notify:
		take_notify(k, sip);
		if (ss == nua_substate_terminated)
			k->info.subscribed = false;
		break;
	default:
		break;
	}
}

/* ---- calls we answer ---- */

static void refuse(struct ua *u, nua_handle_t *nh, int status, const char *phrase,
		   const char *warning)
{
	char w[200];
	snprintf(w, sizeof(w), "399 chorusd \"%s\"", warning);
	nua_respond(nh, status, phrase, NUTAG_WITH_THIS(fsip_nua(u->sip)), SIPTAG_WARNING_STR(w),
		    TAG_END());
}

static void answer_invite(struct ua *u, nua_handle_t *nh, const sip_t *sip)
{
	struct fsdp *o = NULL;
	struct mix_sdes rx;
	struct sockaddr_storage remote;
	char body[4096], err[128];
	int idx;

	memset(&rx, 0, sizeof(rx));
	if (!u->cfg.answer) {
		LOG(u, INFO, "INVITE from %s: not answering calls (480)",
		    sip->sip_from ? sip->sip_from->a_url->url_user : "?");
		refuse(u, nh, SIP_480_TEMPORARILY_UNAVAILABLE, "not answering calls");
		nua_handle_destroy(nh);
		return;
	}
	struct ua_call *k = call_new(u, true);
	if (!k) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	k->nh = nh;
	nua_handle_bind(nh, &k->owner);
	if (sip->sip_from)
		url_e(k->info.uri, sizeof(k->info.uri), sip->sip_from->a_url);
	if (sip->sip_contact)
		url_e(k->info.contact, sizeof(k->info.contact), sip->sip_contact->m_url);
	if (!sip->sip_payload) {
		refuse(u, nh, SIP_415_UNSUPPORTED_MEDIA, "an SDP offer is needed");
		call_ended(k, "no SDP offer");
		goto out;
	}
	o = malloc(sizeof(*o));
	if (!o || fsdp_decode(o, sip->sip_payload->pl_data, sip->sip_payload->pl_len, err,
			      sizeof(err))) {
		refuse(u, nh, SIP_400_BAD_REQUEST, o ? err : "out of memory");
		call_ended(k, "bad SDP offer");
		goto out;
	}
	if ((idx = fsdp_audio_pick(o, true, NULL)) < 0 ||
	    fsdp_media_sockaddr(&o->media[idx], &remote)) {
		refuse(u, nh, SIP_488_NOT_ACCEPTABLE, "Opus audio needed");
		call_ended(k, "nothing acceptable offered");
		goto out;
	}
	const struct fsdp_media *m = &o->media[idx];
	k->plain = !(m->proto == FSDP_RTP_SAVP || m->proto == FSDP_RTP_SAVPF);
	if (!k->plain && (fsdp_crypto_pick(m, &rx) < 0 || key_make(k, rx.tag, rx.suite))) {
		refuse(u, nh, SIP_488_NOT_ACCEPTABLE, "no SRTP suite we support");
		call_ended(k, "no usable key offered");
		goto out;
	}
	k->info.srtp = !k->plain;
	k->tone = u->cfg.answer_tone;
	if (ep_make(k, k->plain ? NULL : &rx, &remote) || sdp_ours(k, o, idx, body, sizeof(body))) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(fsip_nua(u->sip)),
			    TAG_END());
		call_ended(k, "no media endpoint");
		goto out;
	}
	nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(fsip_nua(u->sip)),
		    SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body), TAG_END());
	k->t_active_ms = now_ms();
	if (media_start(k)) {
		hang_up(k, "cannot start the media thread");
		goto out;
	}
	LOG(u, INFO, "call %u: answered %s (%s)", k->info.id, k->info.uri,
	    k->plain ? "plain RTP" : "SRTP");
out:
	mix_sdes_wipe(&rx);
	free(o);
}

bool ua_take(struct ua *u, int event, nua_handle_t *nh, const sip_t *sip, const void *tags)
{
	(void)tags;
	if (!u || event != nua_i_invite || !sip || !sip->sip_request)
		return false;
	const char *user = sip->sip_request->rq_url->url_user;
	if (!user || strcmp(user, u->user) != 0)
		return false;
	answer_invite(u, nh, sip);
	return true;
}

/* ---- the API, from other threads ---- */

struct call_job {
	struct ua *u;
	const struct ua_call_opts *o;
	struct mix_pcm play;
	struct mix_wav_writer rec;
	bool recording;
	unsigned id;
	int ret;
	char *err;
	size_t errlen;
};

static void call_job(struct fsip *s, void *arg)
{
	struct call_job *j = arg;
	struct ua *u = j->u;
	const struct ua_call_opts *o = j->o;
	char body[4096], requri[300];

	struct ua_call *k = call_new(u, false);
	if (!k) {
		j->ret = -ENOMEM;
		return;
	}
	snprintf(k->info.uri, sizeof(k->info.uri), "%s", o->uri);
	snprintf(k->target, sizeof(k->target), "%s", o->target ? o->target : "");
	k->plain = o->plain_rtp;
	k->seconds = o->seconds;
	k->want_sub = o->subscribe;
	k->tone = o->tone;
	k->play = j->play;
	memset(&j->play, 0, sizeof(j->play));
	if (j->recording) {
		k->rec = j->rec;
		k->recording = true;
		j->recording = false;
	}
	int ret = k->plain ? 0 : key_make(k, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80);
	if (!ret)
		ret = ep_make(k, NULL, NULL);
	if (!ret)
		ret = sdp_ours(k, NULL, 0, body, sizeof(body));
	if (ret) {
		snprintf(j->err, j->errlen, "no media endpoint: %s", strerror(-ret));
		call_ended(k, j->err);
		j->ret = ret;
		return;
	}
	/* To a target the overlay found: the Request-URI names it, To keeps the AOR. */
	const char *at = strchr(o->uri, '@'), *colon = strchr(o->uri, ':');
	if (k->target[0] && at && colon && colon < at)
		snprintf(requri, sizeof(requri), "%.*s@%s", (int)(at - o->uri), o->uri, k->target);
	else
		snprintf(requri, sizeof(requri), "%s", o->uri);
	char from[300];
	if (u->display[0])
		snprintf(from, sizeof(from), "\"%s\" <%s>", u->display, u->aor);
	else
		snprintf(from, sizeof(from), "<%s>", u->aor);
	k->nh = nua_handle(fsip_nua(s), &k->owner, NUTAG_URL(requri), SIPTAG_TO_STR(o->uri),
			   SIPTAG_FROM_STR(from), TAG_END());
	if (!k->nh) {
		snprintf(j->err, j->errlen, "cannot make a SIP handle for %s", o->uri);
		call_ended(k, j->err);
		j->ret = -EINVAL;
		return;
	}
	nua_invite(k->nh, SIPTAG_CONTENT_TYPE_STR("application/sdp"), SIPTAG_PAYLOAD_STR(body),
		   TAG_END());
	LOG(u, INFO, "call %u: calling %s%s%s (%s)", k->info.id, o->uri, k->target[0] ? " at " : "",
	    k->target, k->plain ? "plain RTP" : "SRTP");
	j->id = k->info.id;
	j->ret = 0;
}

int ua_call(struct ua *u, const struct ua_call_opts *o, unsigned *id, char *err, size_t errlen)
{
	struct call_job j;
	char dummy[8];

	memset(&j, 0, sizeof(j));
	j.u = u;
	j.o = o;
	j.err = err && errlen ? err : dummy;
	j.errlen = err && errlen ? errlen : sizeof(dummy);
	j.err[0] = 0;
	if (!u || !o || !o->uri ||
	    (strncasecmp(o->uri, "sip:", 4) != 0 && strncasecmp(o->uri, "sips:", 5) != 0) ||
	    !strchr(o->uri, '@') || strlen(o->uri) >= sizeof(((struct ua_call_info *)0)->uri)) {
		snprintf(j.err, j.errlen, "not a SIP URI of a user: %s", o && o->uri ? o->uri : "-");
		return -EINVAL;
	}
	if (!isfinite(o->tone) || o->tone < 0 || o->tone > 20000) {
		snprintf(j.err, j.errlen, "a tone from 0 to 20000 Hz");
		return -EINVAL;
	}
	if (o->play) {
		char why[160];
		int ret = mix_wav_read(o->play, 0, &j.play, why, sizeof(why));
		if (ret) {
			snprintf(j.err, j.errlen, "%s: %s", o->play, why);
			return ret;
		}
	}
	if (o->record) {
		int ret = mix_wav_create(&j.rec, o->record);
		if (ret) {
			snprintf(j.err, j.errlen, "%s: %s", o->record, strerror(-ret));
			mix_pcm_free(&j.play);
			return ret;
		}
		j.recording = true;
	}
	int ret = fsip_exec_wait(u->sip, call_job, &j);
	if (!ret)
		ret = j.ret;
	mix_pcm_free(&j.play);
	if (j.recording)
		mix_wav_close(&j.rec);
	if (!ret && id)
		*id = j.id;
	return ret;
}

struct hangup_job {
	struct ua *u;
	unsigned id;
	int ret;
};

static void hangup_job(struct fsip *s, void *arg)
{
	struct hangup_job *j = arg;
	(void)s;
	j->ret = -ENOENT;
	for (struct ua_call *k = j->u->calls; k; k = k->next) {
		if ((j->id && k->info.id != j->id) || k->info.state == UA_ENDED)
			continue;
		hang_up(k, "we hung up");
		j->ret = 0;
	}
}

int ua_hangup(struct ua *u, unsigned id)
{
	struct hangup_job j = {u, id, 0};
	int ret = fsip_exec_wait(u->sip, hangup_job, &j);
	return ret ? ret : j.ret;
}

static void info_of(struct ua_call *k, struct ua_call_info *out)
{
	pthread_mutex_lock(&k->lock);
	*out = k->info;
	pthread_mutex_unlock(&k->lock);
	if (k->t_active_ms)
		out->seconds = (double)((k->t_end_ms ? k->t_end_ms : now_ms()) - k->t_active_ms) / 1e3;
}

struct list_job {
	struct ua *u;
	unsigned id;                /* 0: all */
	struct ua_call_info *out;
	size_t max;
	int n;
};

static void list_job(struct fsip *s, void *arg)
{
	struct list_job *j = arg;
	(void)s;
	j->n = 0;
	for (struct ua_call *k = j->u->calls; k; k = k->next) {
		if (j->id && k->info.id != j->id)
			continue;
		if ((size_t)j->n < j->max)
			info_of(k, &j->out[j->n]);
		j->n++;
	}
	if (j->id && !j->n)
		j->n = -ENOENT;
}

int ua_calls(struct ua *u, struct ua_call_info *out, size_t max)
{
	struct list_job j = {u, 0, out, max, 0};
	int ret = fsip_exec_wait(u->sip, list_job, &j);
	return ret ? ret : j.n;
}

int ua_call_get(struct ua *u, unsigned id, struct ua_call_info *out)
{
	struct list_job j = {u, id, out, 1, 0};
	int ret = id ? fsip_exec_wait(u->sip, list_job, &j) : -ENOENT;
	return ret ? ret : j.n < 0 ? j.n : 0;
}

struct roster_job {
	struct ua *u;
	unsigned id;
	struct confinfo **out;
	int ret;
};

static void roster_job(struct fsip *s, void *arg)
{
	struct roster_job *j = arg;
	(void)s;
	j->ret = -ENOENT;
	for (struct ua_call *k = j->u->calls; k; k = k->next)
		if (k->info.id == j->id)
			j->ret = !k->roster ? -ENODATA : confinfo_dup(j->out, k->roster);
}

int ua_roster(struct ua *u, unsigned id, struct confinfo **out)
{
	struct roster_job j = {u, id, out, 0};
	*out = NULL;
	int ret = id ? fsip_exec_wait(u->sip, roster_job, &j) : -ENOENT;
	return ret ? ret : j.ret;
}

/* ---- life ---- */

int ua_alloc(struct ua **up, const struct ua_cfg *cfg)
{
	if (!up || !cfg || !cfg->sip)
		return -EINVAL;
	struct ua *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->cfg = *cfg;
	u->sip = cfg->sip;
	int ret = confinfo_parser_alloc(&u->parser, NULL);
	if (ret) {
		free(u);
		return ret;
	}
	const char *hp = fsip_hostport(u->sip);
	if (cfg->aor)
		snprintf(u->aor, sizeof(u->aor), "%s%s", strchr(cfg->aor, ':') ? "" : "sip:",
			 cfg->aor);
	else
		snprintf(u->aor, sizeof(u->aor), "sip:chorus@%s", hp);
	const char *user = strchr(u->aor, ':') + 1, *at = strchr(user, '@');
	snprintf(u->user, sizeof(u->user), "%.*s", at ? (int)(at - user) : 0, user);
	snprintf(u->display, sizeof(u->display), "%s", cfg->display ? cfg->display : "");
	if (cfg->media_addr) {
		snprintf(u->media_addr, sizeof(u->media_addr), "%s", cfg->media_addr);
	} else {
		/* the SIP host, without the port (and brackets of IPv6) */
		const char *c = strrchr(hp, ':');
		if (hp[0] == '[')
			snprintf(u->media_addr, sizeof(u->media_addr), "%.*s",
				 (int)(strchr(hp, ']') - hp - 1), hp + 1);
		else
			snprintf(u->media_addr, sizeof(u->media_addr), "%.*s",
				 c ? (int)(c - hp) : (int)strlen(hp), hp);
	}
	*up = u;
	return 0;
}

static void hangup_all_job(struct fsip *s, void *arg)
{
	struct hangup_job j = {arg, 0, 0};
	hangup_job(s, &j);
}

static void active_job(struct fsip *s, void *arg)
{
	struct list_job *j = arg;
	(void)s;
	j->n = 0;
	for (struct ua_call *k = j->u->calls; k; k = k->next)
		j->n += k->info.state != UA_ENDED;
}

static void free_job(struct fsip *s, void *arg)
{
	struct ua *u = arg;
	(void)s;
	while (u->calls) {
		struct ua_call *k = u->calls;
		u->calls = k->next;
		call_ended(k, "the user agent stopped");
		call_free(k);
	}
}

void ua_free(struct ua *u)
{
	if (!u)
		return;
	/* BYE to everyone, and a moment for the answers */
	fsip_exec_wait(u->sip, hangup_all_job, u);
	for (int i = 0; i < 40; i++) {
		struct list_job j = {u, 0, NULL, 0, 0};
		if (fsip_exec_wait(u->sip, active_job, &j) || !j.n)
			break;
		struct timespec t = {0, 25 * 1000000};
		nanosleep(&t, NULL);
	}
	fsip_exec_wait(u->sip, free_job, u);
	confinfo_parser_free(u->parser);
	free(u);
}
