/*
 * test_focus - the conference focus on real sockets: callers on a Sofia-SIP
 * user agent of their own INVITE a conference with SRTP offers, get
 * answers with Contact ;isfocus, and each hears the other callers' tones
 * and not its own through the conference's mixer; BYE, the ad hoc factory,
 * and every refusal (404, 415, 400, 488) with its Warning.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag_io.h>

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

struct ua {
	struct fsip *sip;
	pthread_mutex_t lock;
	pthread_cond_t cond;
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
	if (event == nua_r_invite && status >= 200) {
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

static int ua_start(struct ua *u)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	struct fsip_cfg c = {.name = "callers", .url = "sip:127.0.0.1:0", .log = quiet};
	return fsip_alloc(&u->sip, &c);
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

static const struct test tests[] = {
	{"conference", test_conference_retry},
	{"refusals", test_refusals},
};

TEST_MAIN(tests)
