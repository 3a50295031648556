/*
 * test_ua - chorusd's user agent (agent/ua.h) on real sockets: three user
 * agents join a conference focus with SRTP, each sending a tone and
 * recording what it hears to a WAV file; every recording holds the two
 * other tones and not its own, and each agent's subscription to the
 * conference's events (RFC 4575) holds all three users. Two agents call
 * each other (one answers with a tone). Refusals end calls with the
 * status the far end gave; bad files and URIs are refused at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "focus/confinfo.h"
#include "focus/focus.h"
#include "focus/sip.h"
#include "lab.h"
#include "mix/wav.h"
#include "ua.h"

#define TONE_LEVEL (0.25 * 32767) /* what the user agent sends */

/* Checks that stop the test at its clean-up (threads and sockets freed). */
#define REQUIRE(cond)                                                             \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "  %s:%d: check failed: %s\n", __FILE__,  \
				__LINE__, #cond);                                 \
			test_failed_checks++;                                     \
			goto out;                                                 \
		}                                                                 \
	} while (0)
#define REQUIRE_EQ(a, b)                                                          \
	do {                                                                      \
		long long req_a_ = (long long)(a), req_b_ = (long long)(b);       \
		if (req_a_ != req_b_) {                                           \
			fprintf(stderr, "  %s:%d: %s == %lld, want %s == %lld\n",  \
				__FILE__, __LINE__, #a, req_a_, #b, req_b_);      \
			test_failed_checks++;                                     \
			goto out;                                                 \
		}                                                                 \
	} while (0)

static void quiet(void *arg, enum fsip_log_level level, const char *msg)
{
	(void)arg;
	if (getenv("TEST_VERBOSE"))
		fprintf(stderr, "  [%d] %s\n", level, msg);
}

struct agent_ {
	struct fsip *sip;
	struct ua *ua;
};

/* New requests on an agent's SIP thread go to its user agent, as in chorusd. */
static void dispatch(void *arg, int event, int status, const char *phrase,
		     struct nua_handle_s *nh, void *hmagic, const struct sip_s *sip,
		     const void *tags)
{
	struct agent_ *a = arg;
	(void)status;
	(void)phrase;
	(void)hmagic;
	if (a->ua)
		ua_take(a->ua, event, nh, sip, tags);
}

static int agent_start(struct agent_ *a, const char *aor, bool answer, double tone)
{
	struct fsip_cfg sc = {.name = aor, .url = "sip:127.0.0.1:0", .log = quiet,
			      .event_h = dispatch, .event_arg = a};
	memset(a, 0, sizeof(*a));
	int ret = fsip_alloc(&a->sip, &sc);
	if (ret)
		return ret;
	struct ua_cfg uc = {.sip = a->sip, .aor = aor, .answer = answer, .answer_tone = tone,
			    .log = quiet};
	return ua_alloc(&a->ua, &uc);
}

static void agent_stop(struct agent_ *a)
{
	if (a->ua)
		ua_free(a->ua);
	a->ua = NULL;
	if (a->sip)
		fsip_free(a->sip);
	a->sip = NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* Waits (10 s at most) until call id is in state st; its info in *c. */
static bool wait_state(struct ua *u, unsigned id, enum ua_state st, struct ua_call_info *c)
{
	for (int i = 0; i < 200; i++) {
		if (ua_call_get(u, id, c) == 0 && c->state == st)
			return true;
		sleep_ms(50);
	}
	return false;
}

/* The mean amplitude of f in a recording, from `from` s to 0.3 s before its end. */
static double heard(const char *path, double f, double from)
{
	struct mix_pcm p;
	double sum = 0;
	unsigned n = 0;
	if (mix_wav_read(path, 60, &p, NULL, 0))
		return -1;
	size_t a = (size_t)(from * 50), b = p.n / MIX_FRAME > 15 ? p.n / MIX_FRAME - 15 : 0;
	for (size_t k = a; k < b; k++, n++)
		sum += goertzel_amp(p.s + k * MIX_FRAME, MIX_FRAME, f, MIX_RATE);
	mix_pcm_free(&p);
	return n ? sum / n : -1;
}

/* The verdict on a recording that should hold `yes` tones and not `no`;
 * a failure on a late machine counts as disturbed (lab_retry tries again). */
static int check_heard(const char *path, const double *yes, size_t n_yes, double no,
		       const struct ua_call_info *c)
{
	int bad = 0;
	for (size_t i = 0; i < n_yes; i++) {
		double a = heard(path, yes[i], 1.5);
		printf("  %s: %.0f Hz at %.1f dB of what was sent\n", path, yes[i],
		       db(a / TONE_LEVEL));
		if (!(a > 0) || fabs(db(a / TONE_LEVEL)) > 4.0)
			bad = 1;
	}
	if (no > 0) {
		double a = heard(path, no, 1.5);
		printf("  %s: own %.0f Hz at %.1f dB\n", path, no, db(a / TONE_LEVEL));
		if (!(a >= 0) || db(a / TONE_LEVEL) > LAB_ABSENT_DB)
			bad = 1;
	}
	if (bad && (c->concealed > 2 || c->late_ticks > 0)) {
		lab_get()->disturbed++;
		printf("  (%llu frames concealed, %llu late ticks: the machine was busy)\n",
		       (unsigned long long)c->concealed, (unsigned long long)c->late_ticks);
	}
	return bad ? -1 : 0;
}

static int test_conference(void)
{
	static const double freqs[] = {600, 1000, 1400};
	struct focus *f = NULL;
	struct agent_ ag[3];
	char uri[160], rec[3][64] = {"", "", ""};
	unsigned id[3];
	struct ua_call_info c[3];
	int ret = -1;

	memset(ag, 0, sizeof(ag));
	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	REQUIRE_EQ(focus_alloc(&f, &fc), 0);
	REQUIRE_EQ(focus_conf_create(f, "standup", uri, sizeof(uri)), 0);
	for (unsigned i = 0; i < 3; i++) {
		char aor[64];
		snprintf(aor, sizeof(aor), "sip:user%u@example.org", i);
		REQUIRE_EQ(agent_start(&ag[i], aor, false, 0), 0);
		snprintf(rec[i], sizeof(rec[i]), "test_ua_%d_%u.wav", (int)getpid(), i);
		struct ua_call_opts o = {.uri = uri, .tone = freqs[i], .record = rec[i],
					 .subscribe = true};
		char err[200];
		REQUIRE_EQ(ua_call(ag[i].ua, &o, &id[i], err, sizeof(err)), 0);
	}
	for (unsigned i = 0; i < 3; i++) {
		REQUIRE(wait_state(ag[i].ua, id[i], UA_ACTIVE, &c[i]));
		REQUIRE(c[i].isfocus && c[i].srtp && c[i].status == 200);
		REQUIRE(strcmp(c[i].contact, uri) == 0);
	}
	/* every roster comes to hold the three */
	for (unsigned i = 0; i < 3; i++) {
		int t = 0;
		while ((ua_call_get(ag[i].ua, id[i], &c[i]) || c[i].roster_users != 3) && t++ < 100)
			sleep_ms(50);
		REQUIRE_EQ(c[i].roster_users, 3u);
		struct confinfo *r = NULL;
		REQUIRE_EQ(ua_roster(ag[i].ua, id[i], &r), 0);
		REQUIRE(strcmp(r->entity, uri) == 0 && r->users.n == 3);
		char me[64];
		snprintf(me, sizeof(me), "sip:user%u@example.org", i);
		const struct confinfo_user *mu = confinfo_user_get(r, me);
		bool dialog = mu && mu->n_endpoints == 1 && mu->endpoints[0].call_info.present &&
			      mu->endpoints[0].call_info.call_id &&
			      mu->endpoints[0].call_info.from_tag && mu->endpoints[0].call_info.to_tag;
		confinfo_free(r);
		REQUIRE(dialog); /* our endpoint, with its dialog (call-info) */
	}
	sleep_ms(3500);
	REQUIRE_EQ(ua_hangup(ag[0].ua, id[0]), 0);
	REQUIRE(wait_state(ag[0].ua, id[0], UA_ENDED, &c[0]));
	REQUIRE(strstr(c[0].reason, "we hung up") != NULL);
	REQUIRE(c[0].seconds > 3.0 && c[0].rx_packets > 100 && c[0].tx_packets > 100);
	/* the others' rosters lose user0 */
	for (unsigned i = 1; i < 3; i++) {
		int t = 0;
		while ((ua_call_get(ag[i].ua, id[i], &c[i]) || c[i].roster_users != 2) && t++ < 100)
			sleep_ms(50);
		REQUIRE_EQ(c[i].roster_users, 2u);
	}
	REQUIRE_EQ(ua_hangup(ag[1].ua, 0), 0);
	REQUIRE_EQ(ua_hangup(ag[2].ua, 0), 0);
	for (unsigned i = 1; i < 3; i++)
		REQUIRE(wait_state(ag[i].ua, id[i], UA_ENDED, &c[i]));
	REQUIRE_EQ(ua_hangup(ag[1].ua, id[1]), -ENOENT);

	int bad = 0;
	for (unsigned i = 0; i < 3; i++) {
		double yes[2] = {freqs[(i + 1) % 3], freqs[(i + 2) % 3]};
		bad |= check_heard(rec[i], yes, 2, freqs[i], &c[i]);
	}
	REQUIRE_EQ(bad, 0);
	ret = 0;
out:
	for (unsigned i = 0; i < 3; i++) {
		agent_stop(&ag[i]);
		if (rec[i][0])
			unlink(rec[i]);
	}
	focus_free(f);
	return ret;
}
LAB_TEST(test_conference)

static int test_direct(void)
{
	struct agent_ alice, bob;
	char rec[64], bob_uri[200], err[200];
	unsigned id;
	struct ua_call_info c, in[4];
	int ret = -1;

	memset(&alice, 0, sizeof(alice));
	memset(&bob, 0, sizeof(bob));
	snprintf(rec, sizeof(rec), "test_ua_%d_direct.wav", (int)getpid());
	REQUIRE_EQ(agent_start(&alice, "sip:alice@example.org", false, 0), 0);
	REQUIRE_EQ(agent_start(&bob, "sip:bob@example.org", true, 800), 0);
	/* bob's AOR, sent where bob's SIP listens (as an overlay lookup finds it) */
	snprintf(bob_uri, sizeof(bob_uri), "sip:bob@example.org");
	struct ua_call_opts o = {.uri = bob_uri, .target = fsip_hostport(bob.sip), .tone = 500,
				 .record = rec};
	REQUIRE_EQ(ua_call(alice.ua, &o, &id, err, sizeof(err)), 0);
	REQUIRE(wait_state(alice.ua, id, UA_ACTIVE, &c));
	REQUIRE(c.srtp && !c.isfocus && c.status == 200);
	REQUIRE_EQ(ua_calls(bob.ua, in, 4), 1);
	REQUIRE(in[0].incoming && in[0].state == UA_ACTIVE && in[0].srtp);
	REQUIRE(strcmp(in[0].uri, "sip:alice@example.org") == 0);
	sleep_ms(3000);
	REQUIRE_EQ(ua_hangup(alice.ua, id), 0);
	REQUIRE(wait_state(alice.ua, id, UA_ENDED, &c));
	REQUIRE(wait_state(bob.ua, in[0].id, UA_ENDED, &in[0]));
	REQUIRE(strstr(in[0].reason, "hung up") != NULL);
	double yes = 800;
	REQUIRE_EQ(check_heard(rec, &yes, 1, 500, &c), 0);
	ret = 0;
out:
	agent_stop(&alice);
	agent_stop(&bob);
	unlink(rec);
	return ret;
}
LAB_TEST(test_direct)

static int test_refusals(void)
{
	struct focus *f = NULL;
	struct agent_ a, busy;
	char uri[200], err[200];
	unsigned id;
	struct ua_call_info c;
	int ret = -1;

	memset(&a, 0, sizeof(a));
	memset(&busy, 0, sizeof(busy));
	struct focus_cfg fc = {.name = "focus", .sip_url = "sip:127.0.0.1:0", .log = quiet};
	REQUIRE_EQ(focus_alloc(&f, &fc), 0);
	REQUIRE_EQ(focus_conf_create(f, "room", NULL, 0), 0);
	REQUIRE_EQ(agent_start(&a, "sip:carol@example.org", false, 0), 0);
	REQUIRE_EQ(agent_start(&busy, "sip:dave@example.org", false, 0), 0);

	/* no such conference: 404 */
	snprintf(uri, sizeof(uri), "sip:nobody@%s", focus_hostport(f));
	struct ua_call_opts o = {.uri = uri};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), 0);
	REQUIRE(wait_state(a.ua, id, UA_ENDED, &c));
	REQUIRE_EQ(c.status, 404);
	REQUIRE(strstr(c.reason, "404") != NULL);

	/* plain RTP to a focus that wants SRTP: 488 */
	snprintf(uri, sizeof(uri), "sip:room@%s", focus_hostport(f));
	o = (struct ua_call_opts){.uri = uri, .plain_rtp = true};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), 0);
	REQUIRE(wait_state(a.ua, id, UA_ENDED, &c));
	REQUIRE_EQ(c.status, 488);

	/* a user agent not answering: 480 */
	o = (struct ua_call_opts){.uri = "sip:dave@example.org", .target = fsip_hostport(busy.sip)};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), 0);
	REQUIRE(wait_state(a.ua, id, UA_ENDED, &c));
	REQUIRE_EQ(c.status, 480);

	/* refused before anything is sent */
	o = (struct ua_call_opts){.uri = "mailto:someone@example.org"};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), -EINVAL);
	o = (struct ua_call_opts){.uri = uri, .play = "/nonexistent/x.wav"};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), -ENOENT);
	REQUIRE(strstr(err, "/nonexistent/x.wav") != NULL);
	o = (struct ua_call_opts){.uri = uri, .play = "/proc/self/status"};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), -EBADMSG);
	o = (struct ua_call_opts){.uri = uri, .record = "/nonexistent/out.wav"};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), -ENOENT);
	o = (struct ua_call_opts){.uri = uri, .tone = -5};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), -EINVAL);
	REQUIRE_EQ(ua_hangup(a.ua, 9999), -ENOENT);
	REQUIRE_EQ(ua_call_get(a.ua, 9999, &c), -ENOENT);

	/* the focus still serves: a call joins */
	o = (struct ua_call_opts){.uri = uri, .seconds = 1};
	REQUIRE_EQ(ua_call(a.ua, &o, &id, err, sizeof(err)), 0);
	REQUIRE(wait_state(a.ua, id, UA_ACTIVE, &c));
	REQUIRE(wait_state(a.ua, id, UA_ENDED, &c));
	REQUIRE(strstr(c.reason, "time") != NULL);
	ret = 0;
out:
	agent_stop(&a);
	agent_stop(&busy);
	focus_free(f);
	return ret;
}

static const struct test tests[] = {
	{"conference", test_conference_retry},
	{"direct", test_direct_retry},
	{"refusals", test_refusals},
};

TEST_MAIN(tests)
