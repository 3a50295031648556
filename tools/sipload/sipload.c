/*
 * chorus-sipload - the reference of tools/bench-sip.sh: a plain Sofia-SIP
 * answering loop.
 *
 * One nua on an su_root, configured as the focus's (focus/sip.c: threading
 * off, media off, ACK automatic, the same Allow), answers every INVITE
 * with 200 and a fixed SDP answer: Opus over RTP/SAVP with a fixed key
 * when the offer says RTP/SAVP, over RTP/AVP otherwise. nua answers BYE,
 * CANCEL and OPTIONS itself. No conference, no mixer, no SDP decoding, no
 * keys, no RTP: what a focus costs per call above this loop is what Chorus
 * adds to Sofia-SIP.
 *
 * usage: chorus-sipload --sip ADDR:PORT [--verbose]
 * Prints "listening sip:ADDR:PORT" once listening; SIGTERM or SIGINT
 * stop it, and it prints how many calls it answered.
 */
#define NUA_MAGIC_T struct sipload
#define SU_ROOT_MAGIC_T struct sipload

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_wait.h>

struct sipload {
	su_home_t home[1];
	su_root_t *root;
	nua_t *nua;
	su_timer_t *tick;
	char answer_avp[512];
	char answer_savp[512];
	unsigned long invites, terminated;
	bool verbose, shutting, shut;
};

static volatile sig_atomic_t stop_asked;

static void on_signal(int sig)
{
	(void)sig;
	stop_asked = 1;
}

static void on_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
		     struct sipload *l, nua_handle_t *nh, nua_hmagic_t *hmagic, sip_t const *sip,
		     tagi_t tags[])
{
	(void)hmagic;
	switch (event) {
	case nua_i_invite: {
		/* The profile of the offer decides which fixed answer: a strstr,
		 * not a decoder. */
		bool savp = sip && sip->sip_payload && sip->sip_payload->pl_data &&
			    memmem(sip->sip_payload->pl_data, sip->sip_payload->pl_len, "RTP/SAVP",
				   8) != NULL;
		l->invites++;
		nua_respond(nh, SIP_200_OK, NUTAG_WITH_THIS(nua),
			    SIPTAG_CONTENT_TYPE_STR("application/sdp"),
			    SIPTAG_PAYLOAD_STR(savp ? l->answer_savp : l->answer_avp), TAG_END());
		break;
	}
	case nua_i_state: {
		int state = nua_callstate_init;
		tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
		if (state == nua_callstate_terminated) {
			l->terminated++;
			nua_handle_destroy(nh);
		}
		break;
	}
	case nua_i_error:
		if (l->verbose)
			fprintf(stderr, "chorus-sipload: nua error %d %s\n", status, phrase);
		break;
	case nua_r_shutdown:
		if (status >= 200) {
			l->shut = true;
			su_root_break(l->root);
		}
		break;
	default:
		break;
	}
}

static void on_tick(struct sipload *l, su_timer_t *t, su_timer_arg_t *arg)
{
	(void)t;
	(void)arg;
	if (stop_asked && !l->shutting) {
		l->shutting = true;
		nua_shutdown(l->nua);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sip", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sipload l;
	const char *hostport = NULL;
	char url[128], host[96];
	int c, rc = 1;

	memset(&l, 0, sizeof(l));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': hostport = optarg; break;
		case 'v': l.verbose = true; break;
		case 'h':
			puts("usage: chorus-sipload --sip ADDR:PORT [--verbose]");
			return 0;
		default:
			fputs("usage: chorus-sipload --sip ADDR:PORT [--verbose]\n", stderr);
			return 2;
		}
	}
	const char *colon = hostport ? strrchr(hostport, ':') : NULL;
	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(host) ||
	    atoi(colon + 1) <= 0 || atoi(colon + 1) > 65535 || optind != argc) {
		fputs("usage: chorus-sipload --sip ADDR:PORT [--verbose]\n", stderr);
		return 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hostport), hostport);
	snprintf(url, sizeof(url), "sip:%s", hostport);
	/* The answer a focus would give, with a key that never changes. */
	static const char savp[] =
		"v=0\r\no=sipload 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		"m=audio 40000 RTP/SAVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
		"a=rtcp-mux\r\na=sendrecv\r\n";
	static const char avp[] =
		"v=0\r\no=sipload 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		"m=audio 40000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
		"a=rtcp-mux\r\na=sendrecv\r\n";
	snprintf(l.answer_savp, sizeof(l.answer_savp), savp, host, host);
	snprintf(l.answer_avp, sizeof(l.answer_avp), avp, host, host);

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	su_init();
	su_home_init(l.home);
	l.root = su_root_create(&l);
	if (!l.root)
		goto out;
	su_root_threading(l.root, 0);
	l.nua = nua_create(l.root, on_event, &l, NUTAG_URL(url),
			   SIPTAG_USER_AGENT_STR("chorus-sipload"),
			   NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOACK(1),
			   NUTAG_ENABLEINVITE(1),
			   NUTAG_ALLOW("INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, SUBSCRIBE, NOTIFY, UPDATE, INFO"),
			   NUTAG_ENABLEMESSAGE(0), TAG_END());
	if (!l.nua) {
		fprintf(stderr, "chorus-sipload: cannot listen on %s\n", url);
		goto out;
	}
	l.tick = su_timer_create(su_root_task(l.root), 100);
	if (!l.tick || su_timer_set_for_ever(l.tick, on_tick, NULL) < 0)
		goto out;
	printf("listening %s\n", url);
	fflush(stdout);
	su_root_run(l.root);
	if (!l.shut) {
		nua_shutdown(l.nua);
		for (int i = 0; i < 100 && !l.shut; i++)
			su_root_step(l.root, 50);
	}
	fprintf(stderr, "chorus-sipload: %lu INVITEs answered, %lu calls ended\n", l.invites,
		l.terminated);
	rc = l.shut ? 0 : 1;
out:
	if (l.tick)
		su_timer_destroy(l.tick);
	if (l.nua && l.shut)
		nua_destroy(l.nua);
	if (l.root)
		su_root_destroy(l.root);
	su_home_deinit(l.home);
	su_deinit();
	return rc;
}
