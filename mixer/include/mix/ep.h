/*
 * mix/ep.h - an RTP/SRTP audio endpoint: what a participant's phone does.
 * It encodes 20 ms frames with Opus, writes the RFC 6464 level, protects
 * and sends them over UDP, and receives, unprotects, buffers (adaptive
 * jitter buffer) and decodes what comes back. Tests, the WAV tool and
 * chorusd's user agent use it.
 *
 * It has no thread: the caller paces it (send and play once per 20 ms,
 * receive whenever the socket is readable). For tests it can impair its
 * own path: drop and reorder packets in either direction, deterministically.
 */
#ifndef MIX_EP_H
#define MIX_EP_H

#include <sys/socket.h>

#include "mix/codec.h"
#include "mix/mix.h"
#include "mix/srtp.h"

struct mix_ep_cfg {
	const char *bind_addr;          /* 0: 127.0.0.1 */
	struct sockaddr_storage remote; /* where to send (family 0: not yet) */
	const struct mix_sdes *tx_key;  /* ours; NULL with rx_key NULL: plain RTP */
	const struct mix_sdes *rx_key;  /* the far end's; NULL with tx_key set: SRTP,
					   nothing received until mix_ep_keys() */
	uint8_t pt;                     /* 0: 111 */
	uint8_t level_ext_id;           /* write RFC 6464 levels with this id; 0: no */
	uint32_t ssrc;                  /* 0: random */
	struct mix_opus_cfg opus;       /* zeros: the defaults */
	struct mix_jbuf_cfg jbuf;
	unsigned tx_loss_pct, rx_loss_pct;       /* drop this share of packets */
	unsigned tx_reorder_pct, rx_reorder_pct; /* swap this share with the next */
	uint32_t seed;                  /* of the impairments */
};

struct mix_ep_stats {
	uint64_t tx_packets, tx_dropped, rx_packets, rx_dropped, rx_refused;
	uint32_t last_csrc[15];         /* CSRCs of the last packet received */
	uint8_t last_ncsrc;
	bool have_level;                /* the last packet carried a level */
	uint8_t last_level;
	struct mix_playout_stats play;
};

struct mix_ep;

MIX_API int mix_ep_alloc(struct mix_ep **ep, const struct mix_ep_cfg *cfg,
			 struct sockaddr_storage *local);
MIX_API void mix_ep_free(struct mix_ep *ep);
/** New SRTP keys (NULL: keep that one), e.g. the far end's from its
 *  answer. -EINVAL for a plain RTP endpoint. */
MIX_API int mix_ep_keys(struct mix_ep *ep, const struct mix_sdes *tx_key,
			const struct mix_sdes *rx_key);
MIX_API int mix_ep_remote(struct mix_ep *ep, const struct sockaddr *sa, socklen_t len);
MIX_API int mix_ep_fd(const struct mix_ep *ep);
MIX_API uint32_t mix_ep_ssrc(const struct mix_ep *ep);
/** Encodes and sends one frame (MIX_FRAME samples). */
MIX_API int mix_ep_send(struct mix_ep *ep, const int16_t *pcm);
/** Sends raw bytes as they are (for tests of bad input). */
MIX_API int mix_ep_send_raw(struct mix_ep *ep, const uint8_t *buf, size_t len);
/** Sends a receiver report about what it receives, and its CNAME. */
MIX_API int mix_ep_send_rtcp(struct mix_ep *ep);
/** Sends the last packet again, as it was (a replay, for tests). */
MIX_API int mix_ep_replay(struct mix_ep *ep);
/** Reads what the socket holds into the jitter buffer. Returns packets read. */
MIX_API int mix_ep_recv(struct mix_ep *ep);
/** The next frame of what it hears (now: the monotonic clock, us). */
MIX_API void mix_ep_play(struct mix_ep *ep, uint64_t now_us, int16_t *pcm);
MIX_API void mix_ep_stats_get(const struct mix_ep *ep, struct mix_ep_stats *st);

#endif
