/*
 * focus/events.c - the conference event package (RFC 4575) on the
 * focus's side: each conference keeps its conference-info document
 * (focus/confinfo.h) as its members come and go, and subscribers get one
 * full notification, then partial ones with versions, coalesced: changes
 * within NOTIFY_MIN_MS of the last notification go out together.
 *
 * Subscriptions are out of dialog (a SUBSCRIBE inside a call is refused
 * with 403, see focus.c); each has its own version sequence (RFC 4575
 * 5.1). A refresh gets the full state again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su_tag_io.h>

#include "focus/confinfo.h"
#include "focus_int.h"

#define NOTIFY_MIN_MS 200        /* at most one NOTIFY per conference this often */
#define SUB_EXPIRES 3600         /* s; what we grant at most */
#define MAX_SUBS 256             /* per conference */

struct sub {
	struct fsip_owner owner;     /* first: the handle's magic */
	struct sub *next;
	struct conf *conf;
	nua_handle_t *nh;
	struct confinfo_sub seen;
	char who[128];
	bool ending;                 /* the terminating NOTIFY is out */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void info_log(void *arg, enum relo_log_level level, const char *line)
{
	struct conf *c = arg;
	fsip_log(c->f->sip, (enum fsip_log_level)level, "%s: %s", c->name, line);
}

int events_conf_init(struct conf *c)
{
	struct confinfo_notifier_opts o = {.log = info_log, .log_arg = c,
					   .log_level = (enum relo_log_level)c->f->cfg.log_level};
	int ret = confinfo_notifier_alloc(&c->info, c->uri, &o);
	if (ret)
		return ret;
	struct confinfo *d = confinfo_notifier_edit(c->info);
	struct confinfo_avmedia *am;
	d->desc.present = true;
	d->desc.has_max_users = true;
	d->desc.max_users = c->f->cfg.max_participants ? c->f->cfg.max_participants : 64;
	d->cstate.present = true;
	d->cstate.has_user_count = true;
	d->cstate.user_count = 0;
	d->cstate.active = CONFINFO_TRUE;
	d->cstate.locked = CONFINFO_FALSE;
	d->users.present = true;
	ret = confinfo_str_set(&d->desc.display_text, c->name);
	if (!ret)
		ret = confinfo_uri_add(&d->desc.conf_uris, c->uri, NULL);
	if (!ret)
		ret = confinfo_avmedia_add(&d->desc, "audio", "audio", &am);
	if (!ret)
		am->status = CONFINFO_MEDIA_SENDRECV;
	if (!ret)
		confinfo_notifier_flush(c->info); /* what a first subscriber gets */
	return ret;
}

static void sub_free(struct sub *s)
{
	for (struct sub **pp = &s->conf->subs; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->nh) {
		nua_handle_bind(s->nh, NULL);
		nua_handle_destroy(s->nh);
	}
	free(s);
}

/* Sends s what it has not seen; with ending, the subscription ends. */
static void sub_notify(struct sub *s, bool ending)
{
	struct conf *c = s->conf;
	char *xml = NULL;
	size_t len = 0;
	bool full = false;
	int ret = confinfo_notifier_body(c->info, &s->seen, &xml, &len, &full);

	if (ret == -ENODATA && !ending)
		return;
	if (ret && ret != -ENODATA) {
		fsip_log(c->f->sip, FSIP_LOG_ERR, "%s: no conference-info for %s: %s", c->uri,
			 s->who, strerror(-ret));
		free(xml);
		return;
	}
	nua_notify(s->nh, SIPTAG_EVENT_STR("conference"),
		   NUTAG_SUBSTATE(ending ? nua_substate_terminated : nua_substate_active),
		   TAG_IF(ending, SIPTAG_SUBSCRIPTION_STATE_STR("terminated;reason=noresource")),
		   TAG_IF(xml, SIPTAG_CONTENT_TYPE_STR(CONFINFO_MIME)), TAG_IF(xml, SIPTAG_PAYLOAD_STR(xml)),
		   TAG_END());
	if (xml)
		fsip_log(c->f->sip, FSIP_LOG_DEBUG, "%s: NOTIFY %s to %s, version %u (%zu bytes)",
			 c->uri, full ? "full" : "partial", s->who, s->seen.version, len);
	if (ending)
		s->ending = true;
	free(xml);
}

static void notify_due(struct fsip *sip, void *arg)
{
	(void)sip;
	struct conf *c = arg;
	if (confinfo_notifier_flush(c->info) == -ENODATA)
		return;
	c->last_notify_ms = now_ms();
	for (struct sub *s = c->subs; s; s = s->next)
		if (!s->ending)
			sub_notify(s, false);
}

/* Something changed: notify now, or when the rate limit allows. */
static void changed(struct conf *c)
{
	if (c->notify_timer)
		return; /* coalesced into the one due */
	uint64_t since = now_ms() - c->last_notify_ms;
	unsigned wait = since >= NOTIFY_MIN_MS ? 1 : (unsigned)(NOTIFY_MIN_MS - since);
	if (fsip_timer_start(c->f->sip, &c->notify_timer, wait, notify_due, c))
		notify_due(c->f->sip, c); /* no timer: at once */
}

void events_conf_free(struct conf *c)
{
	fsip_timer_stop(&c->notify_timer);
	/* The conference ends: every subscription with it. */
	if (c->info) {
		struct confinfo *d = confinfo_notifier_edit(c->info);
		d->cstate.active = CONFINFO_FALSE;
		confinfo_notifier_flush(c->info);
	}
	while (c->subs) {
		struct sub *s = c->subs;
		if (!s->ending)
			sub_notify(s, true);
		s->ending = true;
		/* Its handle goes now; nua still sends the NOTIFY queued on it. */
		sub_free(s);
	}
	confinfo_notifier_free(c->info);
	c->info = NULL;
}

/*
 * The endpoint's dialog (section 5.7.8): its Call-ID and the tags of the
 * From and To of the request that made it.
 */
static int call_info(struct confinfo_endpoint *e, const struct call *k)
{
	if (!k->m.call_id[0] || !k->from_tag[0] || !k->to_tag[0])
		return 0; /* no dialog yet */
	int ret = confinfo_str_set(&e->call_info.call_id, k->m.call_id);
	if (!ret)
		ret = confinfo_str_set(&e->call_info.from_tag, k->from_tag);
	if (!ret)
		ret = confinfo_str_set(&e->call_info.to_tag, k->to_tag);
	e->call_info.present = !ret;
	return ret;
}

void events_member(struct conf *c, const struct call *k, bool left)
{
	struct confinfo *d = confinfo_notifier_edit(c->info);
	struct confinfo_user *u = confinfo_user_get(d, k->m.uri);
	struct confinfo_endpoint *e;
	struct confinfo_media *m;
	int ret = 0;

	if (left) {
		if (u)
			confinfo_user_remove(d, k->m.uri);
	} else {
		if (!u)
			ret = confinfo_user_add(d, k->m.uri, &u);
		if (!ret && k->m.display[0])
			ret = confinfo_str_set(&u->display_text, k->m.display);
		if (!ret && !u->n_roles) {
			static const char *const roles[] = {"participant"};
			ret = confinfo_user_roles_set(u, roles, 1);
		}
		e = ret ? NULL : confinfo_endpoint_get(u, k->m.uri);
		if (!ret && !e)
			ret = confinfo_endpoint_add(u, k->m.uri, &e);
		if (!ret) {
			e->status = k->m.on_hold ? CONFINFO_EP_ON_HOLD : CONFINFO_EP_CONNECTED;
			e->joining_method = k->outgoing ? CONFINFO_JOIN_DIALED_OUT : CONFINFO_JOIN_DIALED_IN;
			m = confinfo_media_get(e, "1");
			if (!m)
				ret = confinfo_media_add(e, "1", &m);
		}
		if (!ret) {
			ret = confinfo_str_set(&m->type, "audio");
			if (!ret)
				ret = confinfo_str_set(&m->label, "audio");
			m->status = k->m.on_hold ? CONFINFO_MEDIA_RECVONLY : CONFINFO_MEDIA_SENDRECV;
		}
		if (!ret)
			ret = call_info(e, k);
	}
	d->cstate.user_count = (uint32_t)d->users.n;
	if (ret)
		fsip_log(c->f->sip, FSIP_LOG_ERR, "%s: conference-info of %s: %s", c->uri, k->m.uri,
			 strerror(-ret));
	changed(c);
}

static void sub_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		      void *hmagic, const sip_t *sip, const void *tags);

/* Checks a SUBSCRIBE: event package, accepted types, wanted expiry. */
static int sub_check(struct conf *c, nua_handle_t *nh, const sip_t *sip, unsigned *expires)
{
	struct focus *f = c->f;
	if (!sip->sip_event || strcasecmp(sip->sip_event->o_type, "conference") != 0) {
		nua_respond(nh, SIP_489_BAD_EVENT, SIPTAG_ALLOW_EVENTS_STR("conference"),
			    NUTAG_WITH_THIS(fsip_nua(f->sip)), TAG_END());
		return -1;
	}
	if (sip->sip_accept) {
		bool ok = false;
		for (const sip_accept_t *a = sip->sip_accept; a; a = a->ac_next)
			if (a->ac_type && (strcasecmp(a->ac_type, CONFINFO_MIME) == 0 ||
					   strcmp(a->ac_type, "*/*") == 0 ||
					   strcasecmp(a->ac_type, "application/*") == 0))
				ok = true;
		if (!ok) {
			nua_respond(nh, SIP_406_NOT_ACCEPTABLE, SIPTAG_ACCEPT_STR(CONFINFO_MIME),
				    NUTAG_WITH_THIS(fsip_nua(f->sip)), TAG_END());
			return -1;
		}
	}
	*expires = sip->sip_expires ? (unsigned)sip->sip_expires->ex_delta : SUB_EXPIRES;
	if (*expires > SUB_EXPIRES)
		*expires = SUB_EXPIRES;
	return 0;
}

/* Answers a SUBSCRIBE (new or refresh) and sends the full state. */
static void sub_accept(struct sub *s, unsigned expires)
{
	struct focus *f = s->conf->f;
	char ex[32];
	snprintf(ex, sizeof(ex), "%u", expires);
	nua_respond(s->nh, SIP_200_OK, NUTAG_SUBSTATE(expires ? nua_substate_active :
								  nua_substate_terminated),
		    SIPTAG_EXPIRES_STR(ex), NUTAG_WITH_THIS(fsip_nua(f->sip)), TAG_END());
	confinfo_sub_reset(&s->seen); /* a refresh gets full state again */
	sub_notify(s, expires == 0);
}

void events_subscribe(struct conf *c, nua_handle_t *nh, const sip_t *sip)
{
	struct focus *f = c->f;
	unsigned expires, n = 0;

	if (sub_check(c, nh, sip, &expires)) {
		nua_handle_destroy(nh);
		return;
	}
	for (struct sub *s = c->subs; s; s = s->next)
		n++;
	if (n >= MAX_SUBS) {
		fsip_log(f->sip, FSIP_LOG_WARN, "%s: %u subscriptions already: 503", c->uri, n);
		nua_respond(nh, SIP_503_SERVICE_UNAVAILABLE, SIPTAG_RETRY_AFTER_STR("60"),
			    NUTAG_WITH_THIS(fsip_nua(f->sip)), TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	struct sub *s = calloc(1, sizeof(*s));
	if (!s) {
		nua_respond(nh, SIP_500_INTERNAL_SERVER_ERROR, NUTAG_WITH_THIS(fsip_nua(f->sip)),
			    TAG_END());
		nua_handle_destroy(nh);
		return;
	}
	s->owner.h = sub_event;
	s->owner.arg = s;
	s->conf = c;
	s->nh = nh;
	if (sip->sip_from)
		url_e(s->who, (int)sizeof(s->who), sip->sip_from->a_url);
	s->next = c->subs;
	c->subs = s;
	nua_handle_bind(nh, &s->owner);
	fsip_log(f->sip, FSIP_LOG_INFO, "%s subscribed to %s for %u s", s->who, c->uri, expires);
	sub_accept(s, expires);
}

static void sub_event(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		      void *hmagic, const sip_t *sip, const void *tags)
{
	struct sub *s = arg;
	int ss = nua_substate_active;
	unsigned expires;
	(void)phrase;
	(void)nh;
	(void)hmagic;

	tl_gets((const tagi_t *)tags, NUTAG_SUBSTATE_REF(ss), TAG_END());
	switch (event) {
	case nua_i_subscribe: /* a refresh, or Expires: 0 */
		if (sub_check(s->conf, s->nh, sip, &expires))
			break;
		sub_accept(s, expires);
		break;
	case nua_r_notify:
		/* The subscriber is gone (481, 408...), or this was the last one. */
		if (status >= 300 || (status >= 200 && (s->ending || ss == nua_substate_terminated)))
			sub_free(s);
		break;
	case nua_i_terminated:
		sub_free(s);
		break;
	default:
		break;
	}
}
