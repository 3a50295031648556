/*
 * chorus_call.c - the commands of the node's user agent: call, conf join,
 * conf roster, calls, hangup (the control API's /call, /calls, /hangup,
 * /roster; see agent/api_call.c)
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>

#include "chorus.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void sleep_ms(unsigned ms)
{
	struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* Appends "&key=<value, URI-encoded>" to q. */
static int add_arg(char *q, size_t size, const char *key, const char *value)
{
	char *e = evhttp_encode_uri(value);
	if (!e)
		return -ENOMEM;
	size_t n = strlen(q);
	int w = snprintf(q + n, size - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, e);
	free(e);
	return w < 0 || (size_t)w >= size - n ? -E2BIG : 0;
}

/* The absolute path of a file to read (it must exist) or to write (its
 * folder must): chorusd runs elsewhere. */
static int abs_path(const char *p, bool must_exist, char *out)
{
	if (must_exist)
		return realpath(p, out) ? 0 : -errno;
	char a[PATH_MAX], b[PATH_MAX], dir[PATH_MAX];
	snprintf(a, sizeof(a), "%s", p);
	snprintf(b, sizeof(b), "%s", p);
	if (!realpath(dirname(a), dir))
		return -errno;
	const char *base = basename(b);
	size_t dl = strlen(dir), bl = strlen(base);
	if (dl + 1 + bl >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(out, dir, dl);
	out[dl] = '/';
	memcpy(out + dl + 1, base, bl + 1);
	return 0;
}

static void print_roster(const char *body)
{
	char v[256], conf[256], ver[32];
	unsigned long n = field(body, "users", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;

	printf("conference %s (version %s): %lu user%s\n",
	       field(body, "conference", conf, sizeof(conf)) ? conf : "?",
	       field(body, "version", ver, sizeof(ver)) ? ver : "?", n, n == 1 ? "" : "s");
	for (unsigned long i = 0; i < n; i++) {
		char k[64], ent[256], disp[128], st[32], media[32], focus[256];
		snprintf(k, sizeof(k), "user.%lu.entity", i);
		field(body, k, ent, sizeof(ent));
		snprintf(k, sizeof(k), "user.%lu.display", i);
		field(body, k, disp, sizeof(disp));
		snprintf(k, sizeof(k), "user.%lu.status", i);
		field(body, k, st, sizeof(st));
		snprintf(k, sizeof(k), "user.%lu.media", i);
		field(body, k, media, sizeof(media));
		snprintf(k, sizeof(k), "user.%lu.focus", i);
		field(body, k, focus, sizeof(focus));
		printf("  %-44s %-16s %-12s audio %-9s%s%s\n", ent, strcmp(disp, "-") ? disp : "", st,
		       media, strcmp(focus, "-") ? " via " : "", strcmp(focus, "-") ? focus : "");
	}
}

static int show_roster(const struct opts *o, unsigned long id)
{
	char q[64], *body = NULL;
	snprintf(q, sizeof(q), "/roster?id=%lu", id);
	int err = api_call(o, "GET", q, NULL, &body);
	if (!err && body)
		print_roster(body);
	free(body);
	return err;
}

/* A call's fields, from GET /call. */
struct call_state {
	char state[16], reason[200], uri[256], contact[256];
	bool isfocus, srtp;
	double seconds, dbfs;
	unsigned long tx, rx, concealed, roster_version;
	bool roster;
};

static int call_state(const struct opts *o, unsigned long id, struct call_state *s)
{
	char q[64], v[64], *body = NULL;
	snprintf(q, sizeof(q), "/call?id=%lu", id);
	int err = api_call(o, "GET", q, NULL, &body);
	if (!err && body) {
		memset(s, 0, sizeof(*s));
		field(body, "state", s->state, sizeof(s->state));
		field(body, "reason", s->reason, sizeof(s->reason));
		field(body, "uri", s->uri, sizeof(s->uri));
		field(body, "contact", s->contact, sizeof(s->contact));
		s->isfocus = field(body, "isfocus", v, sizeof(v)) && !strcmp(v, "yes");
		s->srtp = field(body, "srtp", v, sizeof(v)) && !strcmp(v, "yes");
		s->seconds = field(body, "seconds", v, sizeof(v)) ? strtod(v, NULL) : 0;
		s->dbfs = field(body, "heard_dbfs", v, sizeof(v)) ? strtod(v, NULL) : -120;
		s->tx = field(body, "tx_packets", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
		s->rx = field(body, "rx_packets", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
		s->concealed = field(body, "concealed", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
		s->roster = field(body, "roster", v, sizeof(v)) && !strcmp(v, "yes");
		s->roster_version =
			field(body, "roster_version", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
	}
	free(body);
	return err;
}

/* call URI ... / conf join URI ...: places the call, then follows it. */
int call_cmd(const struct opts *o, bool conference)
{
	char q[6144] = "/call", path[PATH_MAX], v[256], *body = NULL;
	int err = 0;

	if (o->argc != 1) {
		fprintf(stderr, "chorus: %s URI [--play F.wav] [--tone HZ] [--record F.wav] "
				"[--seconds S] [--plain] [--direct] [--detach]\n",
			conference ? "conf join" : "call");
		return 2;
	}
	err = add_arg(q, sizeof(q), "uri", o->argv[0]);
	if (!err && o->play) {
		if ((err = abs_path(o->play, true, path)) != 0)
			return fail(o->play, err);
		err = add_arg(q, sizeof(q), "play", path);
	}
	if (!err && o->record) {
		if ((err = abs_path(o->record, false, path)) != 0)
			return fail(o->record, err);
		err = add_arg(q, sizeof(q), "record", path);
	}
	if (!err && o->tone)
		err = add_arg(q, sizeof(q), "tone", o->tone);
	if (!err && o->seconds) {
		snprintf(v, sizeof(v), "%u", o->seconds);
		err = add_arg(q, sizeof(q), "seconds", v);
	}
	if (!err && o->plain)
		err = add_arg(q, sizeof(q), "plain", "1");
	if (!err && o->direct)
		err = add_arg(q, sizeof(q), "direct", "1");
	if (!err && conference)
		err = add_arg(q, sizeof(q), "subscribe", "1");
	if (err)
		return fail("call", err);
	err = api_call(o, "POST", q, NULL, &body);
	if (err || !body) {
		free(body);
		return 1;
	}
	if (o->json || o->raw) {
		fputs(body, stdout);
		free(body);
		return 0;
	}
	unsigned long id = field(body, "id", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
	char via[32] = "", target[96] = "", lookup[128] = "";
	field(body, "via", via, sizeof(via));
	field(body, "target", target, sizeof(target));
	field(body, "lookup", lookup, sizeof(lookup));
	free(body);
	if (!strcmp(via, "overlay"))
		printf("call %lu: calling %s through the overlay, its peer at %s\n", id, o->argv[0],
		       target);
	else
		printf("call %lu: calling %s as plain SIP (overlay: %s)\n", id, o->argv[0], lookup);
	if (o->detach)
		return 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	bool tty = isatty(STDOUT_FILENO), hung = false, answered = false;
	char last[16] = "";
	unsigned long roster_seen = 0;
	double last_line = -1;
	int gone = 0;
	struct call_state s;
	for (;;) {
		if (interrupted && !hung) {
			char hq[64], *hb = NULL;
			snprintf(hq, sizeof(hq), "/hangup?id=%lu", id);
			api_call(o, "POST", hq, NULL, &hb);
			free(hb);
			hung = true;
			if (tty)
				putchar('\n');
			printf("hanging up\n");
		}
		if (call_state(o, id, &s)) {
			if (++gone > 3)
				return 1;
			sleep_ms(500);
			continue;
		}
		if (strcmp(s.state, last)) {
			if (tty && last_line >= 0)
				putchar('\n');
			last_line = -1;
			if (!strcmp(s.state, "ringing")) {
				printf("call %lu: ringing\n", id);
			} else if (!strcmp(s.state, "active")) {
				answered = true;
				printf("call %lu: answered by %s (%s%s)\n", id, s.contact[0] ? s.contact : s.uri,
				       s.srtp ? "SRTP" : "plain RTP", s.isfocus ? ", a conference focus" : "");
			}
			snprintf(last, sizeof(last), "%s", s.state);
		}
		if (!strcmp(s.state, "ended")) {
			if (tty && last_line >= 0)
				putchar('\n');
			printf("call %lu: ended after %.1f s: %s (sent %lu, received %lu packets, "
			       "%lu frames concealed)\n",
			       id, s.seconds, s.reason, s.tx, s.rx, s.concealed);
			return answered ? 0 : 1;
		}
		if (conference && s.roster && s.roster_version != roster_seen) {
			if (tty && last_line >= 0)
				putchar('\n');
			last_line = -1;
			show_roster(o, id);
			roster_seen = s.roster_version;
		}
		if (!strcmp(s.state, "active") && (tty ? s.seconds - last_line >= 0.5 :
						       last_line < 0 || s.seconds - last_line >= 5)) {
			printf("%s  %02u:%02u  sent %lu  received %lu packets  hearing %.0f dBFS%s",
			       tty ? "\r" : "", (unsigned)s.seconds / 60, (unsigned)s.seconds % 60, s.tx,
			       s.rx, s.dbfs, tty ? "   " : "\n");
			fflush(stdout);
			last_line = s.seconds;
		}
		sleep_ms(250);
	}
}

int calls_cmd(const struct opts *o)
{
	char *body = NULL, v[64];
	int err = api_call(o, "GET", "/calls", NULL, &body);

	if (body && (o->json || o->raw)) {
		fputs(body, stdout);
	} else if (!err && body) {
		unsigned long n = field(body, "calls", v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
		printf("%lu call%s\n", n, n == 1 ? "" : "s");
		for (unsigned long i = 0; i < n; i++) {
			char k[64], id[16], st[16], in[8], uri[256], secs[32], reason[200];
			snprintf(k, sizeof(k), "call.%lu.id", i);
			field(body, k, id, sizeof(id));
			snprintf(k, sizeof(k), "call.%lu.state", i);
			field(body, k, st, sizeof(st));
			snprintf(k, sizeof(k), "call.%lu.incoming", i);
			field(body, k, in, sizeof(in));
			snprintf(k, sizeof(k), "call.%lu.uri", i);
			field(body, k, uri, sizeof(uri));
			snprintf(k, sizeof(k), "call.%lu.seconds", i);
			field(body, k, secs, sizeof(secs));
			snprintf(k, sizeof(k), "call.%lu.reason", i);
			field(body, k, reason, sizeof(reason));
			printf("  %4s  %-7s %s %-44s %6.1f s%s%s\n", id, st,
			       strcmp(in, "yes") ? "to  " : "from", uri, strtod(secs, NULL),
			       strcmp(reason, "-") ? "  " : "", strcmp(reason, "-") ? reason : "");
		}
	}
	free(body);
	return err ? 1 : 0;
}

int hangup_cmd(const struct opts *o)
{
	char q[64], *body = NULL;

	if (o->argc > 1) {
		fprintf(stderr, "chorus: hangup [ID]\n");
		return 2;
	}
	if (o->argc)
		snprintf(q, sizeof(q), "/hangup?id=%lu", strtoul(o->argv[0], NULL, 10));
	else
		snprintf(q, sizeof(q), "/hangup");
	int err = api_call(o, "POST", q, NULL, &body);
	if (!err)
		printf("hung up\n");
	free(body);
	return err ? 1 : 0;
}

/* conf roster [ID]: without ID, the newest call holding a roster. */
int roster_cmd(const struct opts *o, const char *id)
{
	unsigned long n = id ? strtoul(id, NULL, 10) : 0;
	char *body = NULL, v[64], k[64];

	if (!n) {
		int err = api_call(o, "GET", "/calls", NULL, &body);
		unsigned long calls = !err && field(body, "calls", v, sizeof(v)) ?
					      strtoul(v, NULL, 10) : 0;
		for (unsigned long i = 0; i < calls && !n; i++) {
			snprintf(k, sizeof(k), "call.%lu.roster", i);
			if (field(body, k, v, sizeof(v)) && !strcmp(v, "yes")) {
				snprintf(k, sizeof(k), "call.%lu.id", i);
				n = field(body, k, v, sizeof(v)) ? strtoul(v, NULL, 10) : 0;
			}
		}
		free(body);
		body = NULL;
		if (!n) {
			fprintf(stderr, "chorus: no call holds a conference roster (chorus conf join URI)\n");
			return 1;
		}
	}
	if (o->json || o->raw) {
		snprintf(k, sizeof(k), "/roster?id=%lu", n);
		int err = api_call(o, "GET", k, NULL, &body);
		if (body)
			fputs(body, stdout);
		free(body);
		return err ? 1 : 0;
	}
	return show_roster(o, n) ? 1 : 0;
}
