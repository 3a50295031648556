/*
 * sip.c - the node's SIP side: one Sofia-SIP stack on its own thread
 * (focus/sip.h), shared by the conferences the node hosts (focus/focus.h).
 * and by the node's user agent (ua.h). New requests go to the focus when
 * they name one of its conferences, to the user agent when they call our
 * user; the rest are answered 404 here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>

#include "agent.h"
#include "focus/focus.h"
#include "focus/sip.h"
#include "ua.h"

static void sip_log(void *arg, enum fsip_log_level level, const char *msg)
{
	/* Both scales run error, warn, info, debug. */
	agent_log(arg, (enum relo_log_level)level, "%s", msg);
}

static void on_request(void *arg, int event, int status, const char *phrase, nua_handle_t *nh,
		       void *hmagic, const sip_t *sip, const void *tags)
{
	struct agent *a = arg;
	(void)status;
	(void)phrase;
	(void)hmagic;
	if (a->focus && focus_take(a->focus, event, nh, sip, tags))
		return;
	if (a->ua && ua_take(a->ua, event, nh, sip, tags))
		return;
	if (event == nua_i_invite || event == nua_i_subscribe || event == nua_i_refer ||
	    event == nua_i_message) {
		const char *user = sip && sip->sip_request ? sip->sip_request->rq_url->url_user : NULL;
		agent_log(a, RELO_LOG_INFO, "%s for %s: nobody here, 404",
			  sip && sip->sip_request ? sip->sip_request->rq_method_name : "request",
			  user ? user : "(no user)");
		nua_respond(nh, SIP_404_NOT_FOUND, NUTAG_WITH_THIS(fsip_nua(a->sipstack)),
			    SIPTAG_WARNING_STR("399 chorusd \"no such conference or user here\""),
			    TAG_END());
		nua_handle_destroy(nh);
	}
}

int agent_sip_start(struct agent *a, const char *hostport)
{
	char url[96];
	int ret;

	snprintf(url, sizeof(url), "sip:%s", hostport);
	struct fsip_cfg sc = {
		.name = "node",
		.url = url,
		.allow_events = "conference",
		.session_timer = a->session_timer,
		.event_h = on_request,
		.event_arg = a,
		.log = sip_log,
		.log_arg = a,
		.log_level = (enum fsip_log_level)a->level,
	};
	ret = fsip_alloc(&a->sipstack, &sc);
	if (ret)
		return ret;
	struct focus_cfg fc = {
		.name = "focus",
		.sip = a->sipstack,
		.allow_plain_rtp = a->allow_plain_rtp,
		.max_participants = a->max_participants,
		.log = sip_log,
		.log_arg = a,
		.log_level = (enum fsip_log_level)a->level,
	};
	ret = focus_alloc(&a->focus, &fc);
	if (ret)
		goto fail;
	char aor[RELO_USER_MAX + 8];
	const char *user = relo_ident_info(a->ident)->user;
	snprintf(aor, sizeof(aor), "sip:%s", user);
	struct ua_cfg uc = {
		.sip = a->sipstack,
		.aor = user[0] && strchr(user, '@') ? aor : NULL,
		.answer = a->answer,
		.answer_tone = a->answer_tone,
		.log = sip_log,
		.log_arg = a,
		.log_level = (enum fsip_log_level)a->level,
	};
	ret = ua_alloc(&a->ua, &uc);
	if (ret)
		goto fail;
	return 0;
fail:
	agent_sip_stop(a);
	return ret;
}

void agent_sip_stop(struct agent *a)
{
	if (a->ua)
		ua_free(a->ua);
	a->ua = NULL;
	if (a->focus)
		focus_free(a->focus);
	a->focus = NULL;
	if (a->sipstack)
		fsip_free(a->sipstack);
	a->sipstack = NULL;
}
