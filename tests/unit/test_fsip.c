/*
 * test_fsip - the Sofia-SIP thread (focus/sip.h): two user agents in one
 * process on loopback exchange OPTIONS over UDP and TCP, jobs cross
 * threads, a port in use is refused, and shutdown is clean.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>

#include "focus/sip.h"
#include "test.h"

struct ua {
	struct fsip *sip;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int options_status;      /* of our OPTIONS; 0: none yet */
	char server[96];         /* Server/User-Agent of the answer */
	int jobs;
};

static void on_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		     void *hmagic, const sip_t *sip, const void *tags)
{
	struct ua *u = arg;
	(void)phrase;
	(void)hmagic;
	(void)tags;
	if (event == nua_r_options && status >= 200) {
		pthread_mutex_lock(&u->lock);
		u->options_status = status;
		if (sip && sip->sip_server)
			snprintf(u->server, sizeof(u->server), "%s", sip->sip_server->g_string);
		else if (sip && sip->sip_user_agent)
			snprintf(u->server, sizeof(u->server), "%s", sip->sip_user_agent->g_string);
		pthread_cond_broadcast(&u->cond);
		pthread_mutex_unlock(&u->lock);
		nua_handle_destroy(nh);
	}
}

static int ua_start(struct ua *u, const char *name, const char *url)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	pthread_cond_init(&u->cond, NULL);
	struct fsip_cfg c = {.name = name, .url = url, .event_h = on_event, .event_arg = u,
			     .log_level = FSIP_LOG_WARN};
	return fsip_alloc(&u->sip, &c);
}

static void ua_stop(struct ua *u)
{
	fsip_free(u->sip);
	pthread_mutex_destroy(&u->lock);
	pthread_cond_destroy(&u->cond);
}

struct options_job {
	char to[128];
};

static void send_options(struct fsip *s, void *arg)
{
	struct options_job *j = arg;
	nua_handle_t *nh = nua_handle(fsip_nua(s), NULL, SIPTAG_TO_STR(j->to), TAG_END());
	nua_options(nh, TAG_END());
	free(j);
}

static void count_job(struct fsip *s, void *arg)
{
	struct ua *u = arg;
	if (fsip_on_thread(s))
		u->jobs++;
}

/* Waits (bounded) for our OPTIONS to be answered. */
static int wait_options(struct ua *u)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += 10;
	pthread_mutex_lock(&u->lock);
	while (!u->options_status)
		if (pthread_cond_timedwait(&u->cond, &u->lock, &t))
			break;
	int st = u->options_status;
	u->options_status = 0;
	pthread_mutex_unlock(&u->lock);
	return st;
}

static void quiet(void *arg, enum fsip_log_level level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

static int test_options(void)
{
	struct ua a, b;
	CHECK_EQ(ua_start(&a, "a", "sip:127.0.0.1:0"), 0);
	CHECK_EQ(ua_start(&b, "b", "sip:127.0.0.1:0"), 0);
	CHECK(strcmp(fsip_hostport(a.sip), fsip_hostport(b.sip)) != 0);
	CHECK(!fsip_on_thread(a.sip));

	for (int tcp = 0; tcp < 2; tcp++) {
		struct options_job *j = calloc(1, sizeof(*j));
		CHECK(j);
		snprintf(j->to, sizeof(j->to), "<sip:someone@%s%s>", fsip_hostport(b.sip),
			 tcp ? ";transport=tcp" : "");
		CHECK_EQ(fsip_exec(a.sip, send_options, j), 0);
		CHECK_EQ(wait_options(&a), 200);
		CHECK(strncmp(a.server, "Chorus/", 7) == 0);
	}

	for (int i = 0; i < 100; i++)
		CHECK_EQ(fsip_exec(b.sip, count_job, &b), 0);
	CHECK_EQ(fsip_exec_wait(b.sip, count_job, &b), 0);
	CHECK_EQ(b.jobs, 101);

	/* The port b listens on is taken. */
	struct fsip *c = NULL;
	char url[128];
	snprintf(url, sizeof(url), "sip:%s", fsip_hostport(b.sip));
	struct fsip_cfg cc = {.name = "c", .url = url, .log = quiet};
	CHECK_EQ(fsip_alloc(&c, &cc), -EADDRINUSE);
	CHECK(c == NULL);
	cc.url = "http://127.0.0.1:1";
	CHECK_EQ(fsip_alloc(&c, &cc), -EINVAL);

	ua_stop(&a);
	ua_stop(&b);
	return 0;
}

static const struct test tests[] = {
	{"options", test_options},
};

TEST_MAIN(tests)
