/*
 * chorusd - one Chorus node: a RELOAD overlay peer over TLS, with a local
 * control API (HTTP/JSON) for the chorus CLI
 */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "relo/print.h"

#define MAX_BOOTSTRAP 16

void agent_log(struct agent *a, enum relo_log_level l, const char *fmt, ...)
{
	char msg[600], ts[32];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	if (l > a->level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ chorusd[%ld] %s: %s\n", ts, (long)tv.tv_usec / 1000,
		(long)getpid(), relo_log_level_name(l), msg);
}

static void lib_log(void *arg, enum relo_log_level l, const char *line)
{
	agent_log(arg, l, "%s", line);
}

static void stop_now(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(a->base);
}

void agent_stop(struct agent *a, const char *why)
{
	struct timeval grace = { 0, 300000 };

	if (a->stopping)
		return;
	a->stopping = true;
	agent_log(a, RELO_LOG_INFO, "stopping: %s", why);
	/* Leave politely, and give the Leaves a moment to go out. */
	relo_node_leave(a->node, NULL, NULL);
	event_base_once(a->base, -1, EV_TIMEOUT, stop_now, a, &grace);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	agent_stop(arg, sig == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void usage(FILE *f)
{
	fputs("usage: chorusd --config FILE --cert FILE --key FILE [options]\n"
	      "  --listen ADDR:PORT     overlay address (default 127.0.0.1:6084)\n"
	      "  --advertise ADDR:PORT  the address other nodes reach us at, if not the\n"
	      "                         listening one (needed to listen on 0.0.0.0 or ::)\n"
	      "  --bootstrap ADDR:PORT  join through this node (repeatable; default: the\n"
	      "                         configuration's bootstrap-nodes other than ourselves;\n"
	      "                         none: start a new overlay)\n"
	      "  --allow-plain-rtp      conferences take RTP/AVP offers too (default: SRTP only)\n"
	      "  --max-participants N   per conference (default 64)\n"
	      "  --api ADDR:PORT        control API (default 127.0.0.1:<listen port + 1000>)\n"
	      "  --coord-interval S     measure the coordinate against the landmarks every S s\n"
	      "                         (default 60)\n"
	      "  --sip ADDR:PORT        SIP (UDP and TCP) for the conferences this node hosts and\n"
	      "                         its user agent (chorus call); AppAttach for SIP (5060)\n"
	      "                         answers with it (default: none)\n"
	      "  --answer               the user agent answers calls to our user (else 480)\n"
	      "  --session-timer S      sessions refreshed every S/2 s (RFC 4028), so callers that\n"
	      "                         vanish are dropped; 0: none (default 1800)\n"
	      "  --answer-tone HZ       ... and plays this tone into them (implies --answer)\n"
	      "  --api-file FILE        write the control API's address there once listening\n"
	      "  --update-interval S    Chord update interval (default: the configuration's)\n"
	      "  --log-level LEVEL      error, warning, info (default) or debug\n"
	      "  --plaintext-for-tests  links without TLS, so tshark can read them (tests only)\n",
	      f);
}

static int parse_level(const char *s, enum relo_log_level *l)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	unsigned i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(s, names[i])) {
			*l = (enum relo_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

static bool same_addr(const struct relo_ipport *a, const struct relo_ipport *b)
{
	return a->type == b->type && a->port == b->port &&
	       memcmp(a->addr, b->addr, a->type == RELO_ADDR_IPV4 ? 4 : 16) == 0;
}

static bool unspecified(const struct relo_ipport *a)
{
	static const uint8_t zero[16];

	return memcmp(a->addr, zero, a->type == RELO_ADDR_IPV4 ? 4 : 16) == 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'k' },
		{ "listen", required_argument, NULL, 'l' },
		{ "bootstrap", required_argument, NULL, 'b' },
		{ "advertise", required_argument, NULL, 'd' },
		{ "sip", required_argument, NULL, 's' },
		{ "allow-plain-rtp", no_argument, NULL, 'R' },
		{ "answer", no_argument, NULL, 'N' },
		{ "session-timer", required_argument, NULL, 'S' },
		{ "answer-tone", required_argument, NULL, 'T' },
		{ "max-participants", required_argument, NULL, 'M' },
		{ "coord-interval", required_argument, NULL, 'I' },
		{ "api", required_argument, NULL, 'a' },
		{ "api-file", required_argument, NULL, 'A' },
		{ "update-interval", required_argument, NULL, 'u' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "plaintext-for-tests", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *cert = NULL, *key = NULL, *api_file = NULL;
	struct relo_ipport listen, advertise, api, boot[MAX_BOOTSTRAP], sip;
	struct relo_net_opts no;
	struct relo_node_opts o;
	struct agent a;
	struct event *sigterm = NULL, *sigint = NULL;
	size_t n_boot = 0, i;
	bool have_api = false, bootstrap_given = false, plaintext = false, have_advertise = false;
	bool seed = false;
	unsigned update_s = 0, coord_s = 60;
	char err[256], buf[64];
	int c, rc = 1;

	memset(&a, 0, sizeof(a));
	memset(&sip, 0, sizeof(sip));
	a.level = RELO_LOG_INFO;
	a.session_timer = 1800;
	relo_ipport_parse("127.0.0.1:6084", &listen);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'C': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'l':
			if (relo_ipport_parse(optarg, &listen)) {
				fprintf(stderr, "chorusd: bad --listen %s\n", optarg);
				return 2;
			}
			break;
		case 'b':
			if (n_boot == MAX_BOOTSTRAP || relo_ipport_parse(optarg, &boot[n_boot])) {
				fprintf(stderr, "chorusd: bad --bootstrap %s\n", optarg);
				return 2;
			}
			n_boot++;
			bootstrap_given = true;
			break;
		case 'd':
			if (relo_ipport_parse(optarg, &advertise) || unspecified(&advertise) ||
			    !advertise.port) {
				fprintf(stderr, "chorusd: bad --advertise %s\n", optarg);
				return 2;
			}
			have_advertise = true;
			break;
		case 's':
			if (relo_ipport_parse(optarg, &sip) || !sip.port) {
				fprintf(stderr, "chorusd: bad --sip %s\n", optarg);
				return 2;
			}
			break;
		case 'a':
			if (relo_ipport_parse(optarg, &api)) {
				fprintf(stderr, "chorusd: bad --api %s\n", optarg);
				return 2;
			}
			have_api = true;
			break;
		case 'A': api_file = optarg; break;
		case 'R': a.allow_plain_rtp = true; break;
		case 'N': a.answer = true; break;
		case 'S':
			a.session_timer = (unsigned)strtoul(optarg, NULL, 10);
			if (a.session_timer && (a.session_timer < 90 || a.session_timer > 86400)) {
				fprintf(stderr, "chorusd: --session-timer is 0 (none) or 90 to 86400 s\n");
				return 2;
			}
			break;
		case 'T': {
			char *end;
			a.answer_tone = strtod(optarg, &end);
			if (*end || !(a.answer_tone >= 0 && a.answer_tone <= 20000)) {
				fprintf(stderr, "chorusd: --answer-tone is 0 to 20000 Hz\n");
				return 2;
			}
			a.answer = true;
			break;
		}
		case 'M':
			a.max_participants = (unsigned)strtoul(optarg, NULL, 10);
			if (a.max_participants < 1 || a.max_participants > 4096) {
				fprintf(stderr, "chorusd: --max-participants is 1 to 4096\n");
				return 2;
			}
			break;
		case 'I':
			coord_s = (unsigned)strtoul(optarg, NULL, 10);
			if (coord_s < 1 || coord_s > 86400) {
				fprintf(stderr, "chorusd: --coord-interval is 1 to 86400 s\n");
				return 2;
			}
			break;
		case 'u':
			update_s = (unsigned)strtoul(optarg, NULL, 10);
			if (update_s < 1 || update_s > 86400) {
				fprintf(stderr, "chorusd: --update-interval is 1 to 86400 s\n");
				return 2;
			}
			break;
		case 'L':
			if (parse_level(optarg, &a.level)) {
				fprintf(stderr, "chorusd: bad --log-level %s\n", optarg);
				return 2;
			}
			break;
		case 'P': plaintext = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config || !cert || !key) {
		usage(stderr);
		return 2;
	}
	if (unspecified(&listen) && !have_advertise) {
		fprintf(stderr, "chorusd: listening on any address, other nodes need --advertise "
				"to know where to reach us\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	if (relo_config_load(&a.cfg, config, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "chorusd: %s: %s\n", config, err);
		return 1;
	}
	if (relo_ident_load(&a.ident, cert, key, a.cfg->instance_name, a.cfg->node_id_len, err,
			    sizeof(err)) != 0) {
		fprintf(stderr, "chorusd: %s\n", err);
		goto out;
	}
	if (relo_trust_alloc(&a.trust, a.cfg) != 0) {
		fprintf(stderr, "chorusd: %s: a root-cert is not a certificate\n", config);
		goto out;
	}
	if (relo_trust_check_cert(a.trust, relo_ident_cert_der(a.ident).p,
				  relo_ident_cert_der(a.ident).len,
				  &(struct relo_certinfo){ .n_nodeids = 0 }, err, sizeof(err)) != 0) {
		fprintf(stderr, "chorusd: %s is not valid in overlay %s: %s\n", cert,
			a.cfg->instance_name, err);
		goto out;
	}
	a.base = event_base_new();
	if (!a.base)
		goto out;
	memset(&no, 0, sizeof(no));
	no.base = a.base;
	no.cfg = a.cfg;
	no.ident = a.ident;
	no.trust = a.trust;
	no.listen = listen;
	no.plaintext = plaintext;
	no.plaintext_allowed = plaintext; /* asked for by name on the command line */
	no.log = lib_log;
	no.log_arg = &a;
	no.log_level = a.level;
	c = relo_net_alloc(&a.net, &no);
	if (c) {
		fprintf(stderr, "chorusd: cannot listen on %s: %s\n",
			relo_ipport_str(&listen, buf, sizeof(buf)), strerror(-c));
		goto out;
	}
	listen = relo_net_listen_addr(a.net);
	if (!have_advertise)
		advertise = listen;
	if (!bootstrap_given) {
		for (i = 0; i < a.cfg->n_bootstrap && n_boot < MAX_BOOTSTRAP; i++) {
			char spec[80];
			snprintf(spec, sizeof(spec), strchr(a.cfg->bootstrap[i].address, ':')
							     ? "[%s]:%u"
							     : "%s:%u",
				 a.cfg->bootstrap[i].address, a.cfg->bootstrap[i].port);
			if (relo_ipport_parse(spec, &boot[n_boot]))
				continue;
			if (!same_addr(&boot[n_boot], &listen) &&
			    !same_addr(&boot[n_boot], &advertise))
				n_boot++;
			else if (i == 0)
				seed = true; /* named first: starts the overlay if nobody is up */
		}
		seed = seed && n_boot;
	}
	memset(&o, 0, sizeof(o));
	o.cfg = a.cfg;
	o.ident = a.ident;
	o.trust = a.trust;
	o.listen = advertise;
	o.ops = relo_net_ops();
	o.env = relo_net_env(a.net);
	o.update_interval_ms = update_s * 1000;
	o.seed = seed;
	o.log_level = a.level;
	c = relo_node_alloc(&a.node, &o);
	if (c) {
		fprintf(stderr, "chorusd: cannot make the node: %s\n", strerror(-c));
		goto out;
	}
	relo_net_set_node(a.net, a.node);
	c = relo_store_alloc(&a.store, &(struct relo_store_opts){ .node = a.node, .cfg = a.cfg,
								  .ident = a.ident,
								  .trust = a.trust });
	if (c) {
		fprintf(stderr, "chorusd: cannot make the store: %s\n", strerror(-c));
		goto out;
	}
	/* The SIP usage (RFC 7904), for the certificate's user. */
	if (relo_ident_info(a.ident)->user[0]) {
		c = relo_sip_alloc(&a.sip, &(struct relo_sip_opts){
						   .node = a.node, .store = a.store, .cfg = a.cfg,
						   .aor = relo_ident_info(a.ident)->user,
						   .sip_addr = sip });
		if (c)
			agent_log(&a, RELO_LOG_WARN, "no SIP usage for user %s: %s",
				  relo_ident_info(a.ident)->user, strerror(-c));
	}
	if (sip.port) {
		c = agent_sip_start(&a, relo_ipport_str(&sip, buf, sizeof(buf)));
		if (c) {
			fprintf(stderr, "chorusd: cannot start SIP on %s: %s\n", buf, strerror(-c));
			goto out;
		}
	}
	if (!have_api) {
		api = listen;
		relo_ipport_parse("127.0.0.1", &api);
		api.port = (uint16_t)(listen.port + 1000);
	}
	c = api_start(&a, &api, api_file);
	if (c) {
		fprintf(stderr, "chorusd: cannot start the control API on %s: %s\n",
			relo_ipport_str(&api, buf, sizeof(buf)), strerror(-c));
		goto out;
	}
	if (coord_start(&a, coord_s))
		goto out;
	sigterm = evsignal_new(a.base, SIGTERM, on_signal, &a);
	sigint = evsignal_new(a.base, SIGINT, on_signal, &a);
	if (!sigterm || !sigint || event_add(sigterm, NULL) || event_add(sigint, NULL))
		goto out;
	agent_log(&a, RELO_LOG_INFO, "node %s of overlay %s on %s, %s",
		  relo_nodeid_hex(relo_ident_nodeid(a.ident), buf, sizeof(buf)),
		  a.cfg->instance_name, relo_ipport_str(&listen, err, sizeof(err)),
		  !n_boot ? "starting a new overlay"
		  : seed  ? "joining (or starting the overlay, as its first bootstrap node)"
			  : "joining");
	if (relo_node_start(a.node, boot, n_boot) != 0)
		goto out;
	event_base_dispatch(a.base);
	agent_log(&a, RELO_LOG_INFO, "stopped");
	rc = 0;
out:
	if (sigterm)
		event_free(sigterm);
	if (sigint)
		event_free(sigint);
	agent_sip_stop(&a);
	api_stop(&a);
	coord_stop(&a);
	if (a.net)
		relo_net_set_node(a.net, NULL);
	relo_sip_free(a.sip);
	relo_store_free(a.store);
	relo_node_free(a.node);
	relo_net_free(a.net);
	relo_trust_free(a.trust);
	relo_ident_free(a.ident);
	relo_config_free(a.cfg);
	if (a.base)
		event_base_free(a.base);
	return rc;
}
