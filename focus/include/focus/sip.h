/*
 * focus/sip.h - a Sofia-SIP user agent (nua) on a thread of its own.
 *
 * The thread owns an su_root and the nua on it (su_root_threading off, so
 * nua starts no thread of its own), and every nua call and event happens
 * there. Other threads hand it work with fsip_exec(): a queue under a
 * mutex and an eventfd that the root waits on. Each fsip is an object;
 * tests run several in one process.
 *
 * Events run on the SIP thread with nua's arguments (include
 * <sofia-sip/nua.h> to read them). Several services can share one fsip
 * (the focus and the user agent of a node): the magic of every handle a
 * service makes or takes is a struct fsip_owner, first in the service's
 * own per-handle struct, and that handle's events go to its owner. Events
 * of handles without one (a new incoming request) go to cfg.event_h,
 * which gives the handle to a service or answers it.
 */
#ifndef FOCUS_SIP_H
#define FOCUS_SIP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

struct fsip;
struct nua_s;
struct nua_handle_s;
struct sip_s;

enum fsip_log_level { FSIP_LOG_ERR = 0, FSIP_LOG_WARN, FSIP_LOG_INFO, FSIP_LOG_DEBUG };

typedef void(fsip_log_h)(void *arg, enum fsip_log_level level, const char *msg);
typedef void(fsip_event_h)(void *arg, int event, int status, const char *phrase,
			   struct nua_handle_s *nh, void *hmagic, const struct sip_s *sip,
			   const void *tags); /* tagi_t[] */
typedef void(fsip_exec_h)(struct fsip *s, void *arg);

/** The magic of a handle: who gets its events. */
struct fsip_owner {
	fsip_event_h *h;
	void *arg;
};

struct fsip_cfg {
	const char *name;          /* in log lines */
	const char *url;           /* where to listen: "sip:127.0.0.1:5060" (UDP and TCP);
				      port 0: any free one */
	const char *user_agent;    /* NULL: "Chorus/<version>" */
	const char *allow_events;  /* event packages we notify, e.g. "conference"; NULL: none */
	uint32_t session_timer;    /* s; 0: none asked (RFC 4028); peers' asks are served */
	uint32_t min_se;           /* s; 0: 90, RFC 4028's floor (lower only in tests) */
	fsip_event_h *event_h;     /* events of handles without an owner (SIP thread);
				      NULL: requests refused with 480 */
	void *event_arg;
	fsip_log_h *log;           /* NULL: stderr */
	void *log_arg;
	enum fsip_log_level log_level;
};

/**
 * Starts the SIP thread and its nua, and waits until it listens (or
 * failed to: -EADDRINUSE, -EINVAL for a bad url, -ENOMEM).
 */
int fsip_alloc(struct fsip **sp, const struct fsip_cfg *cfg);

/** Shuts nua down (every call ended, subscriptions terminated, bounded in
 * time), stops the thread and frees everything. Not on the SIP thread. */
void fsip_free(struct fsip *s);

/** Runs fn(s, arg) on the SIP thread, soon. Any thread. */
int fsip_exec(struct fsip *s, fsip_exec_h *fn, void *arg);

/** Runs fn(s, arg) on the SIP thread and waits until it has run. Not on
 * the SIP thread. */
int fsip_exec_wait(struct fsip *s, fsip_exec_h *fn, void *arg);

struct fsip_timer;

/**
 * Runs fn(s, arg) on the SIP thread once, ms from now (SIP thread only).
 * *tp is set to the timer, and back to NULL just before fn runs.
 */
int fsip_timer_start(struct fsip *s, struct fsip_timer **tp, unsigned ms, fsip_exec_h *fn,
		     void *arg);
/** Stops a timer that has not fired (SIP thread only); NULL: nothing. */
void fsip_timer_stop(struct fsip_timer **tp);

/** The nua (SIP thread only). */
struct nua_s *fsip_nua(struct fsip *s);

/** Where it listens, e.g. "127.0.0.1:5062" (the port resolved). */
const char *fsip_hostport(const struct fsip *s);

/** Is the caller on the SIP thread? */
bool fsip_on_thread(const struct fsip *s);

void fsip_log(struct fsip *s, enum fsip_log_level l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
