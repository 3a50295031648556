/*
 * relo/net.h - real overlay links for a node: TLS 1.3 over TCP with
 * RELOAD framing (RFC 6940 sections 6.6.2, 6.6.5: TLS/TCP with FH,
 * No-ICE), on a libevent loop
 *
 * Both sides present certificates; a peer's certificate must pass the
 * overlay's trust checks and, when the Node-ID to expect is known, name
 * it. Every data frame is acknowledged; the acknowledgements give each
 * link a round-trip time and retransmission timeout (RFC 6298) and a link
 * whose data goes unacknowledged for too long is closed. TCP keepalives
 * catch peers that vanish while idle.
 *
 * The process must ignore SIGPIPE (a peer that closes its end must make a
 * write fail, not kill the process).
 *
 * A plaintext mode exists only so outside decoders (tshark) can read live
 * traffic in tests: it must be asked for explicitly, and then each side
 * opens the link with a signed Ping to the wildcard Node-ID that carries
 * its certificate, from which the other side learns who it is.
 */
#ifndef RELO_NET_H
#define RELO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "relo/node.h"

struct event_base;
struct relo_net;

struct relo_net_opts {
	struct event_base *base;
	const struct relo_config *cfg;
	const struct relo_ident *ident;
	struct relo_trust *trust;
	struct relo_ipport listen;      /* port 0: any free port */
	bool plaintext;                 /* tests only: ... */
	bool plaintext_allowed;         /* ... and only with this set as well */
	uint32_t ack_timeout_ms;        /* close a link whose data goes unacked (default 30000) */
	uint32_t keepalive_s;           /* TCP keepalive idle time (default 10) */
	void (*log)(void *arg, enum relo_log_level level, const char *line);
	void *log_arg;
	enum relo_log_level log_level;
};

RELO_API int relo_net_alloc(struct relo_net **np, const struct relo_net_opts *o);
/** Closes every link and the listener. Free the node first. */
RELO_API void relo_net_free(struct relo_net *net);
RELO_API const struct relo_env_ops *relo_net_ops(void);
RELO_API void *relo_net_env(struct relo_net *net);
/** The node that receives this transport's events. */
RELO_API void relo_net_set_node(struct relo_net *net, struct relo_node *n);
/** The address listened on (with the port chosen when 0 was asked). */
RELO_API struct relo_ipport relo_net_listen_addr(const struct relo_net *net);

struct relo_net_stats {
	uint64_t accepted, connected, handshake_failures, auth_failures;
	uint64_t frames_in, frames_out, acks_in, acks_out, bad_frames, ack_timeouts;
};

RELO_API void relo_net_stats(const struct relo_net *net, struct relo_net_stats *out);
/** Smoothed RTT and RTO of the link to peer in ms; -ENOENT without one. */
RELO_API int relo_net_link_rtt(const struct relo_net *net, const struct relo_nodeid *peer,
			       uint32_t *srtt_ms, uint32_t *rto_ms);

/** Parses "127.0.0.1:6084", "[::1]:6084" or "host-literal" (port 6084). */
RELO_API int relo_ipport_parse(const char *s, struct relo_ipport *out);

#endif
