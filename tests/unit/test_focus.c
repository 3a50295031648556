/*
 * test_focus - the conference focus on real sockets: callers on a Sofia-SIP
 * user agent of their own INVITE a conference with SRTP offers, get
 * answers with Contact ;isfocus, and each hears the other callers' tones
 * and not its own through the conference's mixer; BYE, the ad hoc factory,
 * and every refusal (404, 415, 400, 488) with its Warning.
 */
#include <errno.h>
#include <pthread.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag_io.h>

#include "focus/confinfo.h"
#include "focus/focus.h"
#include "focus/sdp.h"
#include "focus/sip.h"
#include "lab.h"

/* One call placed by the test's user agent. */
struct caller {
	struct fsip_owner owner;      /* first: the handle's magic */
	struct ua *ua;
	nua_handle_t *nh;
	int status;                   /* final answer to the INVITE; 0: none yet */
	bool isfocus;                 /* the 200's Contact has ;isfocus */
	char contact[160];            /* its URI */
	char warning[200];
	char answer[4096];
	bool ended;                   /* the call is terminated */
};

/* A call the test's user agent answers (the focus dials out to it). */
struct callee {
	struct caller c;              /* first: its owner, status, ended */
	char user[32];
	struct mix_ep *ep;            /* made when the INVITE comes */
	bool answered;
};

struct ua {
	struct fsip *sip;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct callee *callees[4];    /* who answers, by user part */
	unsigned n_callees;
	int notify_200;               /* NOTIFYs with a sipfrag of 200 seen */
};

static void quiet(void *arg, enum fsip_log_level level, const char *msg)
{
	(void)arg;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  [%d] %s\n", level, msg);
}

static void caller_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
			 void *hmagic, const sip_t *sip, const void *tags)
{
	struct caller *c = arg;
	(void)phrase;
	(void)nh;
	(void)hmagic;
	pthread_mutex_lock(&c->ua->lock);
	if (event == nua_r_refer && status >= 200) {
		c->status = status;
	} else if (event == nua_r_invite && status >= 200) {
		c->status = status;
		if (sip && sip->sip_contact) {
			url_e(c->contact, sizeof(c->contact), sip->sip_contact->m_url);
			for (const msg_param_t *p = sip->sip_contact->m_params; p && *p; p++)
				if (strcasecmp(*p, "isfocus") == 0)
					c->isfocus = true;
		}
		if (sip && sip->sip_warning)
			snprintf(c->warning, sizeof(c->warning), "%u %s", sip->sip_warning->w_code,
				 sip->sip_warning->w_text);
		if (sip && sip->sip_payload)
			snprintf(c->answer, sizeof(c->answer), "%.*s", (int)sip->sip_payload->pl_len,
				 sip->sip_payload->pl_data);
	} else if (event == nua_i_notify && sip && sip->sip_payload &&
		   strstr(sip->sip_payload->pl_data, "SIP/2.0 200")) {
		c->ua->notify_200++;
	} else if (event == nua_i_state) {
		int state = nua_callstate_init;
		tl_gets((const tagi_t *)tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated)
			c->ended = true;
	}
	pthread_cond_broadcast(&c->ua->cond);
	pthread_mutex_unlock(&c->ua->lock);
}

struct invite_job {
	struct caller *c;
	const char *to, *from, *ctype, *body;
};

static void invite_job(struct fsip *s, void *arg)
{
	struct invite_job *j = arg;
	if (!j->c->nh) /* else a re-INVITE in the call */
		j->c->nh = nua_handle(fsip_nua(s), &j->c->owner, SIPTAG_TO_STR(j->to),
				      SIPTAG_FROM_STR(j->from), TAG_END());
	nua_invite(j->c->nh, TAG_IF(j->ctype, SIPTAG_CONTENT_TYPE_STR(j->ctype)),
		   TAG_IF(j->body, SIPTAG_PAYLOAD_STR(j->body)), TAG_END());
}

static void bye_job(struct fsip *s, void *arg)
{
	(void)s;
	struct caller *c = arg;
	nua_bye(c->nh, TAG_END());
}

static void destroy_job(struct fsip *s, void *arg)
{
	(void)s;
	struct caller *c = arg;
	if (c->nh)
		nua_handle_destroy(c->nh);
	c->nh = NULL;
}

/* Waits (10 s at most) until *flag is set; returns it. */
static int wait_for(struct ua *u, const int *status, const bool *flag)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 10;
	pthread_mutex_lock(&u->lock);
	while (!(status ? *status : *flag))
		if (pthread_cond_timedwait(&u->cond, &u->lock, &t))
			break;
	int r = status ? *status : *flag;
	pthread_mutex_unlock(&u->lock);
	return r;
}

/* Places a call and waits for its final answer; returns the status. */
static int call(struct ua *u, struct caller *c, const char *to, const char *from,
		const char *ctype, const char *body)
{
	memset(c, 0, sizeof(*c));
	c->owner.h = caller_event;
	c->owner.arg = c;
	c->ua = u;
	struct invite_job j = {c, to, from, ctype, body};
	if (fsip_exec_wait(u->sip, invite_job, &j))
		return -1;
	return wait_for(u, &c->status, NULL);
}

static void hang_up(struct ua *u, struct caller *c)
{
	if (c->nh && !c->ended) {
		fsip_exec_wait(u->sip, bye_job, c);
		wait_for(u, NULL, &c->ended);
	}
	fsip_exec_wait(u->sip, destroy_job, c);
}

/* An INVITE from the focus (UA thread): answer it with an endpoint of
 * our own, our key, and the offer's key. */
static void answer_invite(struct ua *u, struct callee *e, nua_handle_t *nh, const sip_t *sip)
{
	struct fsdp *o = calloc(1, sizeof(*o)), *a = calloc(1, sizeof(*a));
	struct mix_sdes tx, rx;
	struct sockaddr_storage local;
	char line[256], body[2048];
	int idx = -1;

	memset(&rx, 0, sizeof(rx));
	memset(&tx, 0, sizeof(tx));
	nua_handle_bind(nh, &e->c.owner);
	e->c.nh = nh;
	if (!o || !a || !sip->sip_payload ||
	    fsdp_decode(o, sip->sip_payload->pl_data, sip->sip_payload->pl_len, NULL, 0) ||
	    (idx = fsdp_audio_pick(o, false, NULL)) < 0 || o->media[idx].ncrypto < 1 ||
	    mix_sdes_parse(&rx, o->media[idx].crypto[0], strlen(o->media[idx].crypto[0])) ||
	    mix_sdes_generate(&tx, rx.tag, rx.suite) || mix_sdes_format(&tx, line, sizeof(line))) {
		nua_respond(nh, SIP_488_NOT_ACCEPTABLE, TAG_END());
		goto out;
	}
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(o->media[idx].port)};
	inet_pton(AF_INET, o->media[idx].addr, &sin.sin_addr);
	struct mix_ep_cfg ec = {.tx_key = &tx, .rx_key = &rx, .level_ext_id = 1, .seed = 99};
	memcpy(&ec.remote, &sin, sizeof(sin));
	if (mix_ep_alloc(&e->ep, &ec, &local)) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		goto out;
	}
	struct fsdp_local l = {.addr = "127.0.0.1",
			       .port = ntohs(((struct sockaddr_in *)&local)->sin_port),
			       .crypto = line + 9, .level_ext_id = 1, .dir = FSDP_SENDRECV,
			       .rtcp_mux = true};
	if (fsdp_answer(o, idx, &l, a) || fsdp_encode(a, body, sizeof(body)) < 0) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, TAG_END());
		goto out;
	}
	nua_respond(nh, SIP_200_OK, SIPTAG_CONTENT_TYPE_STR("application/sdp"),
		    SIPTAG_PAYLOAD_STR(body), TAG_END());
	pthread_mutex_lock(&u->lock);
	e->answered = true;
	pthread_cond_broadcast(&u->cond);
	pthread_mutex_unlock(&u->lock);
out:
	mix_sdes_wipe(&tx);
	mix_sdes_wipe(&rx);
	mix_wipe(line, sizeof(line));
	free(o);
	free(a);
}

static void ua_request(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags)
{
	struct ua *u = arg;
	(void)status;
	(void)phrase;
	(void)hmagic;
	(void)tags;
	if (event != nua_i_invite)
		return;
	const char *user = sip->sip_request->rq_url->url_user;
	for (unsigned i = 0; i < u->n_callees; i++) {
		if (user && strcmp(u->callees[i]->user, user) == 0 && !u->callees[i]->c.nh) {
			answer_invite(u, u->callees[i], nh, sip);
			return;
		}
	}
	nua_respond(nh, SIP_404_NOT_FOUND, TAG_END());
	nua_handle_destroy(nh);
}

static int ua_start(struct ua *u)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	struct fsip_cfg c = {.name = "callers", .url = "sip:127.0.0.1:0", .log = quiet,
			     .event_h = ua_request, .event_arg = u};
	return fsip_alloc(&u->sip, &c);
}

/* A user of the agent who answers the focus's INVITEs. */
static void callee_init(struct ua *u, struct callee *e, const char *user)
{
	memset(e, 0, sizeof(*e));
	e->c.owner.h = caller_event;
	e->c.owner.arg = &e->c;
	e->c.ua = u;
	snprintf(e->user, sizeof(e->user), "%s", user);
	pthread_mutex_lock(&u->lock);
	u->callees[u->n_callees++] = e;
	pthread_mutex_unlock(&u->lock);
}

struct refer_job {
	nua_handle_t *nh;             /* in a call; NULL: out of dialog, to `to` */
	struct caller *c;
	const char *to, *refer_to;
};

static void refer_job(struct fsip *s, void *arg)
{
	struct refer_job *j = arg;
	nua_handle_t *nh = j->nh;
	if (!nh) {
		nh = j->c->nh = nua_handle(fsip_nua(s), &j->c->owner, SIPTAG_TO_STR(j->to),
					   TAG_END());
	}
	nua_refer(nh, SIPTAG_REFER_TO_STR(j->refer_to), TAG_END());
}

static void ua_stop(struct ua *u)
{
	fsip_free(u->sip);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->cond);
}

/* An SRTP offer for endpoint port `port` with key tx. */
static int offer_of(const struct mix_sdes *tx, uint16_t port, char *out, size_t size)
{
	char line[256];
	struct fsdp *o = calloc(1, sizeof(*o));
	if (!o || mix_sdes_format(tx, line, sizeof(line))) {
		free(o);
		return -1;
	}
	struct fsdp_local l = {.user = "caller", .sess_id = port, .sess_version = 1,
			       .addr = "127.0.0.1", .port = port, .crypto = line + 9,
			       .level_ext_id = 1, .dir = FSDP_SENDRECV, .rtcp_mux = true};
	int n = fsdp_offer(&l, o) ? -1 : fsdp_encode(o, out, size);
	free(o);
	mix_wipe(line, sizeof(line));
	return n > 0 ? 0 : -1;
}

/* The answer's key and address given to the endpoint. */
static int take_answer(struct mix_ep *ep, const char *answer)
{
	struct fsdp *a = calloc(1, sizeof(*a));
	struct mix_sdes rx;
	int ret = -1;
	if (!a || fsdp_decode(a, answer, strlen(answer), NULL, 0) || a->nmedia != 1 ||
	    a->media[0].ncrypto != 1 || a->media[0].level_ext_id != 1 || !a->media[0].rtcp_mux)
		goto out;
	if (mix_sdes_parse(&rx, a->media[0].crypto[0], strlen(a->media[0].crypto[0])))
		goto out;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(a->media[0].port)};
	inet_pton(AF_INET, a->media[0].addr, &sin.sin_addr);
	ret = mix_ep_keys(ep, NULL, &rx) || mix_ep_remote(ep, (struct sockaddr *)&sin, sizeof(sin));
	mix_sdes_wipe(&rx);
out:
	free(a);
	return ret;
}

/* The member of conference standup whose URI is uri. */
static bool member_of(struct focus *f, const char *uri, struct focus_member *out)
{
	struct focus_member m[8];
	int n = focus_conf_members(f, "standup", m, 8);
	for (int i = 0; i < n && i < 8; i++) {
		if (strcmp(m[i].uri, uri) == 0) {
			*out = m[i];
			return true;
		}
	}
	return false;
}

static int test_conference(void)
{
	static const double freqs[] = {600, 1000, 1400};
	struct lab *l = lab_get();
	struct focus *f = NULL;
	struct ua u;
	struct caller c[3];
	char uri[160], to[200], from[80], offer[2048];
	int ret = -1;

	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	CHECK_EQ(focus_alloc(&f, &fc), 0);
	CHECK_EQ(ua_start(&u), 0);
	CHECK_EQ(focus_conf_create(f, "standup", uri, sizeof(uri)), 0);
	CHECK_EQ(focus_conf_create(f, "standup", NULL, 0), -EEXIST);
	CHECK_EQ(focus_conf_create(f, "bad name", NULL, 0), -EINVAL);
	snprintf(to, sizeof(to), "<%s>", uri);

	for (unsigned i = 0; i < 3; i++) {
		struct mix_sdes tx;
		struct sockaddr_storage local;
		CHECK_EQ(mix_sdes_generate(&tx, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
		struct mix_ep_cfg ec = {.tx_key = &tx, .level_ext_id = 1, .seed = i + 1};
		CHECK_EQ(mix_ep_alloc(&l->p[i].ep, &ec, &local), 0);
		l->n = i + 1;
		CHECK_EQ(offer_of(&tx, ntohs(((struct sockaddr_in *)&local)->sin_port), offer,
				  sizeof(offer)), 0);
		mix_sdes_wipe(&tx);
		l->p[i].tone = (struct tone){.freq = freqs[i], .amp = LAB_AMP};
		l->p[i].talking = true;
		snprintf(from, sizeof(from), "<sip:user%u@127.0.0.1>", i);
		CHECK_EQ(call(&u, &c[i], to, from, "application/sdp", offer), 200);
		CHECK(c[i].isfocus);
		CHECK(strcmp(c[i].contact, uri) == 0);
		CHECK_EQ(take_answer(l->p[i].ep, c[i].answer), 0);
	}
	struct focus_member m[4];
	CHECK_EQ(focus_conf_members(f, "standup", m, 4), 3);
	CHECK(m[0].srtp && m[1].srtp && m[2].srtp);

	CHECK_EQ(lab_run(l, 100), 0);
	for (unsigned i = 0; i < 3; i++)
		if (lab_hears_others(l, i, 50))
			goto out;

	/* A re-INVITE with a new key for what caller 1 sends: the focus takes
	 * it, and the conference goes on. */
	{
		struct mix_sdes tx;
		struct sockaddr_storage local;
		socklen_t sl = sizeof(local);
		CHECK_EQ(mix_sdes_generate(&tx, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
		CHECK_EQ(getsockname(mix_ep_fd(l->p[1].ep), (struct sockaddr *)&local, &sl), 0);
		CHECK_EQ(offer_of(&tx, ntohs(((struct sockaddr_in *)&local)->sin_port), offer,
				  sizeof(offer)), 0);
		pthread_mutex_lock(&u.lock);
		c[1].status = 0;
		pthread_mutex_unlock(&u.lock);
		struct invite_job j = {&c[1], NULL, NULL, "application/sdp", offer};
		CHECK_EQ(fsip_exec_wait(u.sip, invite_job, &j), 0);
		CHECK_EQ(wait_for(&u, &c[1].status, NULL), 200);
		CHECK_EQ(mix_ep_keys(l->p[1].ep, &tx, NULL), 0);
		CHECK_EQ(take_answer(l->p[1].ep, c[1].answer), 0);
		mix_sdes_wipe(&tx);
	}
	CHECK_EQ(lab_run(l, 60), 0);
	for (unsigned i = 0; i < 3; i++)
		if (lab_hears_others(l, i, 30))
			goto out;

	/* Encoder settings from each caller's a=fmtp (ours: FEC, no DTX); a
	 * re-INVITE asking for another bitrate gets it, one that changes the
	 * payload type is refused (488) and the call goes on. */
	CHECK(member_of(f, "sip:user1@127.0.0.1", &m[3]));
	CHECK(m[3].pt == 111 && m[3].opus.fec && !m[3].opus.dtx && m[3].opus.bitrate == 32000);
	{
		char *p = strstr(offer, "a=fmtp:111 ");
		CHECK(p != NULL);
		char re[2048];
		snprintf(re, sizeof(re), "%.*sa=fmtp:111 maxaveragebitrate=16000;%s",
			 (int)(p - offer), offer, p + strlen("a=fmtp:111 "));
		pthread_mutex_lock(&u.lock);
		c[1].status = 0;
		pthread_mutex_unlock(&u.lock);
		struct invite_job j = {&c[1], NULL, NULL, "application/sdp", re};
		CHECK_EQ(fsip_exec_wait(u.sip, invite_job, &j), 0);
		CHECK_EQ(wait_for(&u, &c[1].status, NULL), 200);
		CHECK(member_of(f, "sip:user1@127.0.0.1", &m[3]));
		CHECK_EQ(m[3].opus.bitrate, 16000);
		/* the same offer with payload type 112 */
		char pt[2048], *o = pt;
		for (const char *q = offer; *q && o < pt + sizeof(pt) - 4; q++) {
			if (strncmp(q, "111", 3) == 0 && (q[-1] == ' ' || q[-1] == ':')) {
				memcpy(o, "112", 3);
				o += 3;
				q += 2;
			} else {
				*o++ = *q;
			}
		}
		*o = 0;
		pthread_mutex_lock(&u.lock);
		c[1].status = 0;
		pthread_mutex_unlock(&u.lock);
		struct invite_job j2 = {&c[1], NULL, NULL, "application/sdp", pt};
		CHECK_EQ(fsip_exec_wait(u.sip, invite_job, &j2), 0);
		CHECK_EQ(wait_for(&u, &c[1].status, NULL), 488);
		CHECK(strstr(c[1].warning, "payload type") != NULL);
		CHECK(member_of(f, "sip:user1@127.0.0.1", &m[3]));
		CHECK_EQ(m[3].pt, 111);
	}

	/* One leaves: the others still hear each other, the focus knows. */
	hang_up(&u, &c[0]);
	mix_ep_free(l->p[0].ep);
	l->p[0].ep = NULL;
	l->p[0].talking = false;
	CHECK_EQ(focus_conf_members(f, "standup", m, 4), 2);
	CHECK_EQ(lab_run(l, 60), 0);
	if (lab_hears_others(l, 1, 30) || lab_hears_others(l, 2, 30))
		goto out;

	/* The focus goes away: the calls left end with a BYE. */
	focus_free(f);
	f = NULL;
	CHECK(wait_for(&u, NULL, &c[1].ended) && wait_for(&u, NULL, &c[2].ended));
	ret = 0;
out:
	for (unsigned i = 0; i < 3; i++)
		if (c[i].ua)
			fsip_exec_wait(u.sip, destroy_job, &c[i]);
	focus_free(f);
	ua_stop(&u);
	return ret;
}
LAB_TEST(test_conference)

static int test_refusals(void)
{
	struct focus *f = NULL;
	struct ua u;
	struct caller c;
	char uri[160], to[200], offer[2048];

	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	CHECK_EQ(focus_alloc(&f, &fc), 0);
	CHECK_EQ(ua_start(&u), 0);
	CHECK_EQ(focus_conf_create(f, "room", uri, sizeof(uri)), 0);
	snprintf(to, sizeof(to), "<%s>", uri);
	const char *from = "<sip:tester@127.0.0.1>";
	struct mix_sdes tx;
	CHECK_EQ(mix_sdes_generate(&tx, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	CHECK_EQ(offer_of(&tx, 4000, offer, sizeof(offer)), 0);
	mix_sdes_wipe(&tx);

	/* No such conference. */
	char nowhere[200];
	snprintf(nowhere, sizeof(nowhere), "<sip:nowhere@%s>", focus_hostport(f));
	CHECK_EQ(call(&u, &c, nowhere, from, "application/sdp", offer), 404);
	CHECK(strstr(c.warning, "no such conference"));
	fsip_exec_wait(u.sip, destroy_job, &c);
	/* No SDP. */
	CHECK_EQ(call(&u, &c, to, from, NULL, NULL), 415);
	fsip_exec_wait(u.sip, destroy_job, &c);
	/* Malformed SDP. */
	CHECK_EQ(call(&u, &c, to, from, "application/sdp", "v=0\r\nm=audio x\r\n"), 400);
	CHECK(strstr(c.warning, "line"));
	fsip_exec_wait(u.sip, destroy_job, &c);
	/* PCMU only, and plain RTP: nothing we can take. */
	CHECK_EQ(call(&u, &c, to, from, "application/sdp",
		      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		      "m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"),
		 488);
	CHECK(strstr(c.warning, "Opus"));
	fsip_exec_wait(u.sip, destroy_job, &c);
	/* An SRTP offer whose only key is for a suite we do not know. */
	CHECK_EQ(call(&u, &c, to, from, "application/sdp",
		      "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		      "m=audio 4000 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
		      "a=crypto:1 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw\r\n"),
		 488);
	fsip_exec_wait(u.sip, destroy_job, &c);
	struct focus_member m[2];
	CHECK_EQ(focus_conf_members(f, "room", m, 2), 0);

	/* REFERs the focus will not act on. */
	static const char *const refers[] = {"<sip:ghost@127.0.0.1;method=BYE>",
					     "<sip:x@127.0.0.1;method=OPTIONS>"};
	static const int want[] = {404, 501};
	for (unsigned i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		c.owner.h = caller_event;
		c.owner.arg = &c;
		c.ua = &u;
		struct refer_job rj = {.c = &c, .to = to, .refer_to = refers[i]};
		CHECK_EQ(fsip_exec_wait(u.sip, refer_job, &rj), 0);
		CHECK_EQ(wait_for(&u, &c.status, NULL), want[i]);
		fsip_exec_wait(u.sip, destroy_job, &c);
	}

	/* The factory: a new conference, named by the 200's Contact. */
	char factory[200];
	snprintf(factory, sizeof(factory), "<sip:conf-factory@%s>", focus_hostport(f));
	CHECK_EQ(call(&u, &c, factory, from, "application/sdp", offer), 200);
	CHECK(c.isfocus);
	CHECK(strncmp(c.contact, "sip:adhoc-", 10) == 0);
	char names[4][64];
	CHECK_EQ(focus_conf_names(f, names, 4), 2);
	char *at = strchr(c.contact, '@');
	CHECK(at);
	*at = 0;
	CHECK(strcmp(names[0], c.contact + 4) == 0 || strcmp(names[1], c.contact + 4) == 0);
	CHECK_EQ(focus_conf_members(f, c.contact + 4, m, 2), 1);
	/* Destroying the conference hangs up on its member. */
	CHECK_EQ(focus_conf_destroy(f, c.contact + 4), 0);
	CHECK(wait_for(&u, NULL, &c.ended));
	CHECK_EQ(focus_conf_destroy(f, c.contact + 4), -ENOENT);
	fsip_exec_wait(u.sip, destroy_job, &c);

	focus_free(f);
	ua_stop(&u);
	return 0;
}

/* Waits (10 s at most) until e has answered; then its endpoint is ready. */
static bool wait_answered(struct ua *u, struct callee *e)
{
	return wait_for(u, NULL, &e->answered);
}

static int test_dial_out(void)
{
	struct lab *l = lab_get();
	struct focus *f = NULL;
	struct ua u;
	struct caller a, x;
	struct callee bob, carol;
	char uri[160], to[200], offer[2048], target[200];
	int ret = -1;

	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	CHECK_EQ(focus_alloc(&f, &fc), 0);
	CHECK_EQ(ua_start(&u), 0);
	CHECK_EQ(focus_conf_create(f, "room", uri, sizeof(uri)), 0);
	snprintf(to, sizeof(to), "<%s>", uri);
	callee_init(&u, &bob, "bob");
	callee_init(&u, &carol, "carol");

	/* Alice calls in, then REFERs the conference to Bob (RFC 4579 5.6). */
	struct mix_sdes tx;
	struct sockaddr_storage local;
	CHECK_EQ(mix_sdes_generate(&tx, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
	struct mix_ep_cfg ec = {.tx_key = &tx, .level_ext_id = 1, .seed = 1};
	CHECK_EQ(mix_ep_alloc(&l->p[0].ep, &ec, &local), 0);
	l->n = 1;
	CHECK_EQ(offer_of(&tx, ntohs(((struct sockaddr_in *)&local)->sin_port), offer,
			  sizeof(offer)), 0);
	mix_sdes_wipe(&tx);
	CHECK_EQ(call(&u, &a, to, "<sip:alice@127.0.0.1>", "application/sdp", offer), 200);
	CHECK_EQ(take_answer(l->p[0].ep, a.answer), 0);
	snprintf(target, sizeof(target), "<sip:bob@%s;method=INVITE>", fsip_hostport(u.sip));
	struct refer_job rj = {.nh = a.nh, .c = &a, .refer_to = target};
	CHECK_EQ(fsip_exec_wait(u.sip, refer_job, &rj), 0);
	CHECK(wait_answered(&u, &bob));
	l->p[1].ep = bob.ep;
	l->n = 2;
	l->p[0].tone = (struct tone){.freq = 600, .amp = LAB_AMP};
	l->p[1].tone = (struct tone){.freq = 1000, .amp = LAB_AMP};
	l->p[0].talking = l->p[1].talking = true;

	/* The focus invites Carol itself (5.5). */
	snprintf(target, sizeof(target), "sip:carol@%s", fsip_hostport(u.sip));
	CHECK_EQ(focus_conf_invite(f, "room", target), 0);
	CHECK_EQ(focus_conf_invite(f, "nowhere", target), -ENOENT);
	CHECK_EQ(focus_conf_invite(f, "room", "mailto:x"), -EINVAL);
	CHECK(wait_answered(&u, &carol));
	l->p[2].ep = carol.ep;
	l->p[2].tone = (struct tone){.freq = 1400, .amp = LAB_AMP};
	l->p[2].talking = true;
	l->n = 3;
	CHECK_EQ(lab_run(l, 100), 0);
	for (unsigned i = 0; i < 3; i++)
		if (lab_hears_others(l, i, 50))
			goto out;
	struct focus_member m[4];
	CHECK_EQ(focus_conf_members(f, "room", m, 4), 3);
	/* Alice was told how her REFER went. */
	pthread_mutex_lock(&u.lock);
	int notified = u.notify_200;
	pthread_mutex_unlock(&u.lock);
	CHECK(notified >= 1);

	/* An out-of-dialog REFER with method=BYE removes Carol (5.8). */
	snprintf(target, sizeof(target), "<sip:carol@%s;method=BYE>", fsip_hostport(u.sip));
	memset(&x, 0, sizeof(x));
	x.owner.h = caller_event;
	x.owner.arg = &x;
	x.ua = &u;
	struct refer_job rb = {.c = &x, .to = to, .refer_to = target};
	CHECK_EQ(fsip_exec_wait(u.sip, refer_job, &rb), 0);
	CHECK(wait_for(&u, NULL, &carol.c.ended));
	CHECK_EQ(focus_conf_members(f, "room", m, 4), 2);
	ret = 0;
out:
	focus_free(f);
	f = NULL;
	fsip_exec_wait(u.sip, destroy_job, &a);
	fsip_exec_wait(u.sip, destroy_job, &x);
	fsip_exec_wait(u.sip, destroy_job, &bob.c);
	fsip_exec_wait(u.sip, destroy_job, &carol.c);
	ua_stop(&u);
	/* The lab frees the endpoints (bob's and carol's too). */
	return ret;
}
LAB_TEST(test_dial_out)

/* A subscriber to a conference's events, holding its state. */
struct watcher {
	struct fsip_owner owner;      /* first: the handle's magic */
	struct ua *ua;
	nua_handle_t *nh;
	int sub_status;               /* answer to the SUBSCRIBE */
	unsigned notifies, full, partial;
	struct confinfo_parser *parser;
	struct confinfo *held;        /* the state as the NOTIFYs built it */
	int bad;                      /* a NOTIFY that did not apply: its error */
	bool terminated;
};

static void watcher_event(void *arg, int event, int status, const char *phrase,
			  nua_handle_t *nh, void *hmagic, const sip_t *sip, const void *tags)
{
	struct watcher *w = arg;
	char err[200];
	(void)phrase;
	(void)nh;
	(void)hmagic;
	(void)tags;
	pthread_mutex_lock(&w->ua->lock);
	if (event == nua_r_subscribe && status >= 200 && !w->sub_status) {
		w->sub_status = status;
	} else if (event == nua_i_notify && sip) {
		if (sip->sip_payload) {
			w->notifies++;
			if (memmem(sip->sip_payload->pl_data, sip->sip_payload->pl_len,
				   "state=\"partial\"", 15))
				w->partial++;
			else
				w->full++;
			int r = confinfo_receive(w->parser, &w->held, sip->sip_payload->pl_data,
						 sip->sip_payload->pl_len, err, sizeof(err));
			if (r) {
				fprintf(stderr, "  NOTIFY refused: %s\n", err);
				w->bad = r;
			}
		}
		if (sip->sip_subscription_state &&
		    strcasecmp(sip->sip_subscription_state->ss_substate, "terminated") == 0)
			w->terminated = true;
	}
	pthread_cond_broadcast(&w->ua->cond);
	pthread_mutex_unlock(&w->ua->lock);
}

struct subscribe_job {
	struct watcher *w;
	const char *to, *event;
};

static void subscribe_job(struct fsip *s, void *arg)
{
	struct subscribe_job *j = arg;
	j->w->nh = nua_handle(fsip_nua(s), &j->w->owner, SIPTAG_TO_STR(j->to), TAG_END());
	nua_subscribe(j->w->nh, SIPTAG_EVENT_STR(j->event), SIPTAG_ACCEPT_STR(CONFINFO_MIME),
		      SIPTAG_EXPIRES_STR("600"), TAG_END());
}

static void watcher_destroy_job(struct fsip *s, void *arg)
{
	(void)s;
	struct watcher *w = arg;
	if (w->nh)
		nua_handle_destroy(w->nh);
	w->nh = NULL;
}

/* Waits (10 s at most) until the watcher holds n users; returns how many. */
static size_t wait_users(struct ua *u, struct watcher *w, size_t n)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 10;
	pthread_mutex_lock(&u->lock);
	while (!(w->held && w->held->users.n == n))
		if (pthread_cond_timedwait(&u->cond, &u->lock, &t))
			break;
	size_t got = w->held ? w->held->users.n : (size_t)-1;
	pthread_mutex_unlock(&u->lock);
	return got;
}

static int test_events(void)
{
	struct focus *f = NULL;
	struct ua u;
	struct caller c[2];
	struct watcher w, bad;
	char uri[160], to[200], from[80], offer[2048];

	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	CHECK_EQ(focus_alloc(&f, &fc), 0);
	CHECK_EQ(ua_start(&u), 0);
	CHECK_EQ(focus_conf_create(f, "room", uri, sizeof(uri)), 0);
	snprintf(to, sizeof(to), "<%s>", uri);

	memset(&w, 0, sizeof(w));
	w.owner.h = watcher_event;
	w.owner.arg = &w;
	w.ua = &u;
	CHECK_EQ(confinfo_parser_alloc(&w.parser, NULL), 0);
	struct subscribe_job sj = {&w, to, "conference"};
	CHECK_EQ(fsip_exec_wait(u.sip, subscribe_job, &sj), 0);
	CHECK_EQ(wait_for(&u, &w.sub_status, NULL), 200);
	CHECK_EQ(wait_users(&u, &w, 0), 0);
	CHECK(strcmp(w.held->entity, uri) == 0);
	CHECK(w.held->cstate.active == CONFINFO_TRUE);

	/* Two callers: the subscriber learns of both. */
	for (unsigned i = 0; i < 2; i++) {
		struct mix_sdes tx;
		CHECK_EQ(mix_sdes_generate(&tx, 1, MIX_SRTP_AES_CM_128_HMAC_SHA1_80), 0);
		CHECK_EQ(offer_of(&tx, (uint16_t)(40000 + i), offer, sizeof(offer)), 0);
		mix_sdes_wipe(&tx);
		snprintf(from, sizeof(from), "\"User %u\" <sip:user%u@127.0.0.1>", i, i);
		CHECK_EQ(call(&u, &c[i], to, from, "application/sdp", offer), 200);
	}
	CHECK_EQ(wait_users(&u, &w, 2), 2);
	pthread_mutex_lock(&u.lock);
	const struct confinfo_user *u0 = confinfo_user_get(w.held, "sip:user0@127.0.0.1");
	bool ok = u0 && u0->display_text && strcmp(u0->display_text, "User 0") == 0 &&
		  u0->n_endpoints == 1 && u0->endpoints[0].status == CONFINFO_EP_CONNECTED &&
		  u0->endpoints[0].joining_method == CONFINFO_JOIN_DIALED_IN &&
		  u0->endpoints[0].n_media == 1 && w.held->cstate.user_count == 2;
	pthread_mutex_unlock(&u.lock);
	CHECK(ok);

	/* One leaves: a partial notification deletes it. */
	hang_up(&u, &c[0]);
	CHECK_EQ(wait_users(&u, &w, 1), 1);
	pthread_mutex_lock(&u.lock);
	ok = confinfo_user_get(w.held, "sip:user1@127.0.0.1") && w.partial >= 1 && w.full >= 1 &&
	     w.bad == 0;
	pthread_mutex_unlock(&u.lock);
	CHECK(ok);

	/* Another event package: 489. */
	memset(&bad, 0, sizeof(bad));
	bad.owner.h = watcher_event;
	bad.owner.arg = &bad;
	bad.ua = &u;
	struct subscribe_job bj = {&bad, to, "presence"};
	CHECK_EQ(fsip_exec_wait(u.sip, subscribe_job, &bj), 0);
	CHECK_EQ(wait_for(&u, &bad.sub_status, NULL), 489);
	fsip_exec_wait(u.sip, watcher_destroy_job, &bad);

	/* The conference ends: the subscription with it. */
	CHECK_EQ(focus_conf_destroy(f, "room"), 0);
	CHECK(wait_for(&u, NULL, &w.terminated));
	CHECK(wait_for(&u, NULL, &c[1].ended));
	fsip_exec_wait(u.sip, watcher_destroy_job, &w);
	fsip_exec_wait(u.sip, destroy_job, &c[0]);
	fsip_exec_wait(u.sip, destroy_job, &c[1]);
	focus_free(f);
	ua_stop(&u);
	confinfo_free(w.held);
	confinfo_parser_free(w.parser);
	return 0;
}


/* Reads SIP responses on fd until a final one (2 s at most); its text in buf. */
static int final_response(int fd, char *buf, size_t size)
{
	for (int i = 0; i < 20; i++) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0)
			continue;
		ssize_t n = recv(fd, buf, size - 1, 0);
		if (n <= 0)
			return -1;
		buf[n] = 0;
		int code = 0;
		if (sscanf(buf, "SIP/2.0 %d", &code) == 1 && code >= 200)
			return code;
	}
	return -1;
}

/*
 * A caller that vanishes (no BYE; its socket closed) is dropped by the
 * session timer (RFC 4028): the focus asked for 2 s sessions, refreshes
 * them itself (the caller does not support timers), the refresh fails,
 * and the call ends. A raw UDP socket plays the caller.
 */
static int test_session_timer(void)
{
	struct focus *f = NULL;
	int fd = -1, ret = -1;
	char uri[160], msg[2048], buf[4096];
	struct sockaddr_in me = {.sin_family = AF_INET}, them = {.sin_family = AF_INET};
	socklen_t ml = sizeof(me);

	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet,
			       .allow_plain_rtp = true, .session_timer = 2, .min_se = 1};
	CHECK_EQ(focus_alloc(&f, &fc), 0);
	CHECK_EQ(focus_conf_create(f, "room", uri, sizeof(uri)), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	CHECK_EQ(bind(fd, (struct sockaddr *)&me, sizeof(me)), 0);
	CHECK_EQ(getsockname(fd, (struct sockaddr *)&me, &ml), 0);
	const char *hp = focus_hostport(f);
	inet_pton(AF_INET, "127.0.0.1", &them.sin_addr);
	them.sin_port = htons((uint16_t)atoi(strrchr(hp, ':') + 1));
	CHECK_EQ(connect(fd, (struct sockaddr *)&them, sizeof(them)), 0);
	unsigned port = ntohs(me.sin_port);
	const char *sdp = "v=0\r\no=ghost 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 9 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
			  "a=rtcp-mux\r\n";
	int n = snprintf(msg, sizeof(msg),
			 "INVITE %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-ghost1\r\n"
			 "From: <sip:ghost@127.0.0.1:%u>;tag=g1\r\nTo: <%s>\r\n"
			 "Call-ID: ghost-1@127.0.0.1\r\nCSeq: 1 INVITE\r\n"
			 "Contact: <sip:ghost@127.0.0.1:%u>\r\nMax-Forwards: 70\r\n"
			 "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
			 uri, port, port, uri, port, strlen(sdp), sdp);
	CHECK(send(fd, msg, (size_t)n, 0) == n);
	CHECK_EQ(final_response(fd, buf, sizeof(buf)), 200);
	CHECK(strstr(buf, "Session-Expires:") || strstr(buf, "\nx:"));
	const char *to = strstr(buf, "\nTo:");
	if (!to)
		to = strstr(buf, "\nt:");
	CHECK(to != NULL);
	const char *tag = strstr(to, "tag=");
	CHECK(tag != NULL);
	char totag[64];
	CHECK_EQ(sscanf(tag + 4, "%63[^;\r\n]", totag), 1);
	n = snprintf(msg, sizeof(msg),
		     "ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-ghost2\r\n"
		     "From: <sip:ghost@127.0.0.1:%u>;tag=g1\r\nTo: <%s>;tag=%s\r\n"
		     "Call-ID: ghost-1@127.0.0.1\r\nCSeq: 1 ACK\r\nMax-Forwards: 70\r\n"
		     "Content-Length: 0\r\n\r\n",
		     uri, port, port, uri, totag);
	CHECK(send(fd, msg, (size_t)n, 0) == n);
	CHECK_EQ(focus_conf_members(f, "room", NULL, 0), 1);
	close(fd); /* gone, without a BYE */
	fd = -1;
	int left = 1;
	for (int i = 0; i < 100 && left; i++) {
		struct timespec t = {0, 100 * 1000000};
		nanosleep(&t, NULL);
		left = focus_conf_members(f, "room", NULL, 0);
	}
	CHECK_EQ(left, 0);
	ret = 0;
	focus_free(f);
	return ret;
}

/* A UDP socket connected to the focus's SIP port; its own port in *port. */
static int raw_socket(struct focus *f, unsigned *port)
{
	struct sockaddr_in me = {.sin_family = AF_INET}, them = {.sin_family = AF_INET};
	socklen_t ml = sizeof(me);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	inet_pton(AF_INET, "127.0.0.1", &me.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &them.sin_addr);
	them.sin_port = htons((uint16_t)atoi(strrchr(focus_hostport(f), ':') + 1));
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) ||
	    getsockname(fd, (struct sockaddr *)&me, &ml) ||
	    connect(fd, (struct sockaddr *)&them, sizeof(them))) {
		close(fd);
		return -1;
	}
	*port = ntohs(me.sin_port);
	return fd;
}

/* Sends a request and returns the final status of its answer (-1: none). */
__attribute__((format(printf, 4, 5))) static int junk(int fd, char *buf, size_t size,
						       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg) || send(fd, msg, (size_t)n, 0) != n)
		return -1;
	return final_response(fd, buf, size);
}

/*
 * Out-of-dialog junk and malformed SIP from a raw socket: the right
 * errors, and the focus still serves (a conference member count, an
 * OPTIONS).
 */
static int test_junk(void)
{
	struct focus *f = NULL;
	char buf[4096];
	unsigned port = 0;
	int fd = -1, ret = -1;

	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	CHECK_EQ(focus_alloc(&f, &fc), 0);
	CHECK_EQ(focus_conf_create(f, "room", NULL, 0), 0);
	fd = raw_socket(f, &port);
	CHECK(fd >= 0);
	/* not SIP at all: dropped, no answer */
	static const char garbage[] = "hello there\r\n\r\n";
	CHECK(send(fd, garbage, sizeof(garbage) - 1, 0) == (ssize_t)sizeof(garbage) - 1);
	CHECK_EQ(final_response(fd, buf, sizeof(buf)), -1);
	/* a request without From, To, Call-ID, CSeq: 400 */
	CHECK_EQ(junk(fd, buf, sizeof(buf), "INVITE sip:room@127.0.0.1 SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-j1\r\n"
		      "Content-Length: 0\r\n\r\n", port), 400);
	/* a BYE for no dialog: 481 */
	CHECK_EQ(junk(fd, buf, sizeof(buf), "BYE sip:room@127.0.0.1 SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-j2\r\n"
		      "From: <sip:x@127.0.0.1:%u>;tag=a\r\nTo: <sip:room@127.0.0.1>;tag=b\r\n"
		      "Call-ID: nobody@127.0.0.1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\n"
		      "Content-Length: 0\r\n\r\n", port, port), 481);
	/* a method nobody knows: 501 */
	int st = junk(fd, buf, sizeof(buf), "FROB sip:room@127.0.0.1 SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-j3\r\n"
		      "From: <sip:x@127.0.0.1:%u>;tag=a\r\nTo: <sip:room@127.0.0.1>\r\n"
		      "Call-ID: frob@127.0.0.1\r\nCSeq: 1 FROB\r\nMax-Forwards: 70\r\n"
		      "Content-Length: 0\r\n\r\n", port, port);
	CHECK(st == 501 || st == 405);
	/* a Content-Length past the end of the datagram: 400 or dropped */
	st = junk(fd, buf, sizeof(buf), "OPTIONS sip:room@127.0.0.1 SIP/2.0\r\n"
		  "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-j4\r\n"
		  "From: <sip:x@127.0.0.1:%u>;tag=a\r\nTo: <sip:room@127.0.0.1>\r\n"
		  "Call-ID: short@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		  "Content-Length: 500\r\n\r\nabc", port, port);
	CHECK(st == 400 || st == -1);
	/* still serving */
	CHECK_EQ(junk(fd, buf, sizeof(buf), "OPTIONS sip:room@127.0.0.1 SIP/2.0\r\n"
		      "Via: SIP/2.0/UDP 127.0.0.1:%u;branch=z9hG4bK-j5\r\n"
		      "From: <sip:x@127.0.0.1:%u>;tag=a\r\nTo: <sip:room@127.0.0.1>\r\n"
		      "Call-ID: ok@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
		      "Content-Length: 0\r\n\r\n", port, port), 200);
	CHECK_EQ(focus_conf_members(f, "room", NULL, 0), 0);
	ret = 0;
	close(fd);
	focus_free(f);
	return ret;
}

static const struct test tests[] = {
	{"conference", test_conference_retry},
	{"refusals", test_refusals},
	{"dial_out", test_dial_out_retry},
	{"events", test_events},
	{"session_timer", test_session_timer},
	{"junk", test_junk},
};

TEST_MAIN(tests)
