/*
 * focus/sip.c - a Sofia-SIP nua on a thread of its own (see focus/sip.h).
 */
#define SU_ROOT_MAGIC_T struct fsip
#define NUA_MAGIC_T struct fsip
#define NUA_HMAGIC_T struct fsip_owner
#define SU_WAKEUP_ARG_T struct fsip
#define SU_TIMER_ARG_T struct fsip_timer

#include "focus/sip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/url.h>

#ifndef CHORUS_VERSION
#define CHORUS_VERSION "0"
#endif

struct job {
	struct job *next;
	fsip_exec_h *fn;
	void *arg;
	bool *done;             /* fsip_exec_wait's flag, under s->lock */
};

struct fsip {
	struct fsip_cfg cfg;
	char name[64];
	char url[256];
	char user_agent[96];
	char hostport[80];
	char allow_events[128];

	pthread_t thread;
	su_home_t home[1];
	su_root_t *root;
	nua_t *nua;
	su_wait_t wait[1];
	int wait_index;
	int efd;                /* eventfd: jobs are queued */

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, **tail;
	int start_ret;          /* from the thread: 0 or -errno */
	bool started, stopping, shut;
};

void fsip_log(struct fsip *s, enum fsip_log_level l, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (l > s->cfg.log_level)
		return;
	int n = snprintf(msg, sizeof(msg), "sip %s: ", s->name);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < sizeof(msg))
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (s->cfg.log) {
		s->cfg.log(s->cfg.log_arg, l, msg);
	} else {
		static const char *const names[] = {"error", "warn", "info", "debug"};
		fprintf(stderr, "%s: %s\n", names[l], msg);
	}
}

static void nua_cb(nua_event_t event, int status, char const *phrase, nua_t *nua,
		   struct fsip *s, nua_handle_t *nh, nua_hmagic_t *hmagic, sip_t const *sip,
		   tagi_t tags[])
{
	(void)nua;
	if (event == nua_r_shutdown) {
		fsip_log(s, FSIP_LOG_DEBUG, "shutdown: %d %s", status, phrase);
		if (status >= 200)
			s->shut = true;
		return;
	}
	struct fsip_owner *o = hmagic;
	if (o && o->h)
		o->h(o->arg, event, status, phrase, nh, hmagic, sip, tags);
	else if (s->cfg.event_h)
		s->cfg.event_h(s->cfg.event_arg, event, status, phrase, nh, hmagic, sip, tags);
	else if (event == nua_i_invite || event == nua_i_subscribe || event == nua_i_refer)
		nua_respond(nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END());
}

/* The SIP thread runs queued jobs. */
static int jobs_run(struct fsip *s, su_wait_t *w, struct fsip *arg)
{
	(void)w;
	(void)arg;
	uint64_t v;
	if (read(s->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		fsip_log(s, FSIP_LOG_WARN, "eventfd read: %s", strerror(errno));
	for (;;) {
		pthread_mutex_lock(&s->lock);
		struct job *j = s->head;
		if (j) {
			s->head = j->next;
			if (!s->head)
				s->tail = &s->head;
		}
		pthread_mutex_unlock(&s->lock);
		if (!j)
			break;
		j->fn(s, j->arg);
		if (j->done) {
			pthread_mutex_lock(&s->lock);
			*j->done = true;
			pthread_cond_broadcast(&s->cond);
			pthread_mutex_unlock(&s->lock);
		}
		free(j);
	}
	return 0;
}

/* Can UDP and TCP both bind host:port (port 0: any port; *port gets the
 * one they got)? Asked before nua_create, which cannot tell which port it
 * got, and whose failure leaks Sofia's event port. */
static int probe_port(const char *host, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		len = sizeof(struct sockaddr_in6);
	} else {
		return -EINVAL; /* a host name: we listen on addresses only */
	}
	for (int tries = 0; tries < 20; tries++) {
		int u = socket(ss.ss_family, SOCK_DGRAM, 0), t = socket(ss.ss_family, SOCK_STREAM, 0);
		int ret = -errno, one = 1;
		if (u >= 0 && t >= 0) {
			/* sin_port and sin6_port are at the same offset */
			((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)*port);
			socklen_t l = len;
			setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)); /* as tport does */
			ret = bind(u, (struct sockaddr *)&ss, len) ||
					      getsockname(u, (struct sockaddr *)&ss, &l) ||
					      bind(t, (struct sockaddr *)&ss, len) ?
				      -errno : 0;
		}
		if (u >= 0)
			close(u);
		if (t >= 0)
			close(t);
		if (ret == 0) {
			*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			return 0;
		}
		if (ret != -EADDRINUSE || *port != 0)
			return ret;
	}
	return -EADDRINUSE;
}

static int start_nua(struct fsip *s)
{
	url_t *u = url_make(s->home, s->cfg.url);
	if (!u || !u->url_host || (u->url_type != url_sip && u->url_type != url_sips))
		return -EINVAL;
	unsigned port = u->url_port ? (unsigned)atoi(u->url_port) : 5060;
	int ret = port <= 65535 ? probe_port(u->url_host, &port) : -EINVAL;
	if (ret)
		return ret;
	bool v6 = strchr(u->url_host, ':') != NULL;
	snprintf(s->hostport, sizeof(s->hostport), v6 ? "[%s]:%u" : "%s:%u",
		 u->url_host, port);
	snprintf(s->url, sizeof(s->url), "sip:%s", s->hostport);
	s->nua = nua_create(s->root, nua_cb, s, NUTAG_URL(s->url),
			    SIPTAG_USER_AGENT_STR(s->user_agent),
			    NUTAG_MEDIA_ENABLE(0),          /* our SDP, our SRTP keys */
			    NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1),
			    NUTAG_ENABLEINVITE(1),
			    NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, SUBSCRIBE, NOTIFY, UPDATE, INFO"),
			    TAG_IF(s->allow_events[0], NUTAG_ALLOW_EVENTS(s->allow_events)),
			    TAG_IF(s->allow_events[0], SIPTAG_ALLOW_EVENTS_STR(s->allow_events)),
			    NUTAG_APPL_METHOD("REFER"), NUTAG_APPL_METHOD("SUBSCRIBE"),
			    NUTAG_SESSION_TIMER(s->cfg.session_timer),
			    NUTAG_MIN_SE(s->cfg.min_se ? s->cfg.min_se : 90),
			    NUTAG_SESSION_REFRESHER(nua_any_refresher),
			    NUTAG_ENABLEMESSAGE(0),
			    TAG_END());
	if (!s->nua)
		return -EADDRINUSE; /* transports not created: the port, almost always */
	return 0;
}

static void *thread_main(void *arg)
{
	struct fsip *s = arg;
	int ret = 0;

	su_init();
	su_home_init(s->home);
	s->root = su_root_create(s);
	if (!s->root) {
		ret = -ENOMEM;
		goto out;
	}
	su_root_threading(s->root, 0);
	if (su_wait_create(s->wait, s->efd, SU_WAIT_IN) < 0) {
		ret = -ENOMEM;
		goto out;
	}
	s->wait_index = su_root_register(s->root, s->wait, jobs_run, s, su_pri_normal);
	if (s->wait_index <= 0) {
		ret = -ENOMEM;
		goto out;
	}
	ret = start_nua(s);
out:
	pthread_mutex_lock(&s->lock);
	s->start_ret = ret;
	s->started = true;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (ret == 0) {
		fsip_log(s, FSIP_LOG_INFO, "listening on %s (UDP, TCP)", s->hostport);
		su_root_run(s->root);
		/* Stopping: end every dialog and subscription, giving a peer
		 * that is gone 2 s instead of 32 (T1 x 64) to answer. */
		nua_set_params(s->nua, NTATAG_SIP_T1X64(2000), TAG_END());
		nua_shutdown(s->nua);
		for (int i = 0; i < 120 && !s->shut; i++)
			su_root_step(s->root, 50);
		if (s->shut)
			nua_destroy(s->nua);
		else /* nua_destroy would refuse: leave it */
			fsip_log(s, FSIP_LOG_ERR, "nua did not shut down in 6 s");
	}
	if (s->root) {
		if (s->wait_index > 0)
			su_root_deregister(s->root, s->wait_index);
		su_root_destroy(s->root);
	}
	su_home_deinit(s->home);
	su_deinit();
	return NULL;
}

int fsip_alloc(struct fsip **sp, const struct fsip_cfg *cfg)
{
	struct fsip *s;
	int ret;

	*sp = NULL;
	if (!cfg || !cfg->url)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = *cfg;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "ua");
	snprintf(s->url, sizeof(s->url), "%s", cfg->url);
	s->cfg.url = s->url;
	snprintf(s->user_agent, sizeof(s->user_agent), "%s",
		 cfg->user_agent ? cfg->user_agent : "Chorus/" CHORUS_VERSION);
	snprintf(s->allow_events, sizeof(s->allow_events), "%s",
		 cfg->allow_events ? cfg->allow_events : "");
	s->tail = &s->head;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		ret = -errno;
		goto fail;
	}
	ret = -pthread_create(&s->thread, NULL, thread_main, s);
	if (ret)
		goto fail;
	pthread_mutex_lock(&s->lock);
	while (!s->started)
		pthread_cond_wait(&s->cond, &s->lock);
	ret = s->start_ret;
	pthread_mutex_unlock(&s->lock);
	if (ret) {
		pthread_join(s->thread, NULL);
		fsip_log(s, FSIP_LOG_ERR, "cannot listen on %s: %s", s->url, strerror(-ret));
		goto fail;
	}
	*sp = s;
	return 0;
fail:
	if (s->efd >= 0)
		close(s->efd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
	return ret;
}

static int enqueue(struct fsip *s, fsip_exec_h *fn, void *arg, bool *done)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->fn = fn;
	j->arg = arg;
	j->done = done;
	pthread_mutex_lock(&s->lock);
	*s->tail = j;
	s->tail = &j->next;
	pthread_mutex_unlock(&s->lock);
	uint64_t one = 1;
	if (write(s->efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno; /* the job stays queued; the next write wakes it */
	return 0;
}

int fsip_exec(struct fsip *s, fsip_exec_h *fn, void *arg)
{
	return enqueue(s, fn, arg, NULL);
}

int fsip_exec_wait(struct fsip *s, fsip_exec_h *fn, void *arg)
{
	bool done = false;
	int ret = enqueue(s, fn, arg, &done);
	if (ret)
		return ret;
	pthread_mutex_lock(&s->lock);
	while (!done)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static void stop_job(struct fsip *s, void *arg)
{
	(void)arg;
	su_root_break(s->root);
}

void fsip_free(struct fsip *s)
{
	if (!s)
		return;
	fsip_exec(s, stop_job, NULL);
	pthread_join(s->thread, NULL);
	/* Jobs queued after the stop never run: free them. */
	for (struct job *j = s->head, *next; j; j = next) {
		next = j->next;
		free(j);
	}
	close(s->efd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

struct fsip_timer {
	struct fsip *s;
	su_timer_t *t;
	struct fsip_timer **tp;
	fsip_exec_h *fn;
	void *arg;
};

static void timer_fired(struct fsip *s, su_timer_t *t, struct fsip_timer *ft)
{
	(void)t;
	fsip_exec_h *fn = ft->fn;
	void *arg = ft->arg;
	*ft->tp = NULL;
	su_timer_destroy(ft->t);
	free(ft);
	fn(s, arg);
}

int fsip_timer_start(struct fsip *s, struct fsip_timer **tp, unsigned ms, fsip_exec_h *fn,
		     void *arg)
{
	struct fsip_timer *ft = calloc(1, sizeof(*ft));
	if (!ft)
		return -ENOMEM;
	ft->s = s;
	ft->tp = tp;
	ft->fn = fn;
	ft->arg = arg;
	ft->t = su_timer_create(su_root_task(s->root), ms ? ms : 1); /* Sofia: > 0 */
	if (!ft->t || su_timer_set(ft->t, timer_fired, ft) < 0) {
		su_timer_destroy(ft->t);
		free(ft);
		return -ENOMEM;
	}
	*tp = ft;
	return 0;
}

void fsip_timer_stop(struct fsip_timer **tp)
{
	if (!*tp)
		return;
	su_timer_destroy((*tp)->t);
	free(*tp);
	*tp = NULL;
}

struct nua_s *fsip_nua(struct fsip *s)
{
	return s->nua;
}

const char *fsip_hostport(const struct fsip *s)
{
	return s->hostport;
}

bool fsip_on_thread(const struct fsip *s)
{
	return pthread_equal(pthread_self(), s->thread);
}
