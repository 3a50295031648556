/*
 * ep.c - an RTP/SRTP audio endpoint (mix/ep.h)
 */
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "mix/ep.h"
#include "mix/rtcp.h"
#include "mix/rtp.h"

#define EP_PKT 1600

struct held {
	uint8_t buf[EP_PKT];
	size_t len;
	bool full;
};

struct mix_ep {
	struct mix_ep_cfg cfg;
	int fd;
	struct sockaddr_storage remote;
	socklen_t remote_len;
	struct mix_srtp *tx, *rx;
	bool srtp;                      /* a missing key: nothing flows that way */
	struct mix_opus_enc *enc;
	struct mix_playout *po;
	uint32_t ssrc;
	uint16_t seq;
	uint32_t ts;
	bool after_dtx;
	uint32_t rng;
	struct held tx_hold, rx_hold, last;
	struct mix_rtp_src rs;
	bool have_rs;
	struct mix_ep_stats st;
};

static uint32_t rnd(struct mix_ep *ep)
{
	ep->rng = ep->rng * 1664525u + 1013904223u;
	return ep->rng >> 8;
}

static socklen_t sa_len(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

int mix_ep_alloc(struct mix_ep **epp, const struct mix_ep_cfg *cfg, struct sockaddr_storage *local)
{
	struct addrinfo hints, *ai = NULL;
	struct mix_ep *ep;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int err;

	if (!epp || !cfg)
		return -EINVAL;
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->fd = -1;
	ep->cfg = *cfg;
	ep->rng = cfg->seed * 2654435761u + 1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(cfg->bind_addr ? cfg->bind_addr : "127.0.0.1", "0", &hints, &ai) || !ai) {
		err = -EINVAL;
		goto fail;
	}
	ep->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ep->fd < 0 || bind(ep->fd, ai->ai_addr, ai->ai_addrlen) ||
	    getsockname(ep->fd, (struct sockaddr *)&ss, &len)) {
		err = -errno;
		freeaddrinfo(ai);
		goto fail;
	}
	freeaddrinfo(ai);
	if (local)
		*local = ss;
	if (cfg->remote.ss_family)
		mix_ep_remote(ep, (const struct sockaddr *)&cfg->remote,
			      sa_len((const struct sockaddr *)&cfg->remote));
	ep->srtp = cfg->tx_key || cfg->rx_key;
	err = mix_ep_keys(ep, cfg->tx_key, cfg->rx_key);
	if (err)
		goto fail;
	err = mix_opus_enc_alloc(&ep->enc, cfg->opus.bitrate ? &cfg->opus : NULL);
	if (!err)
		err = mix_playout_alloc(&ep->po, &cfg->jbuf);
	if (err)
		goto fail;
	ep->ssrc = cfg->ssrc;
	if (!ep->ssrc && RAND_bytes((unsigned char *)&ep->ssrc, sizeof(ep->ssrc)) != 1) {
		err = -EIO;
		goto fail;
	}
	ep->seq = (uint16_t)rnd(ep);
	ep->ts = rnd(ep);
	ep->after_dtx = true;
	if (!ep->cfg.pt)
		ep->cfg.pt = 111;
	*epp = ep;
	return 0;
fail:
	mix_ep_free(ep);
	return err;
}

int mix_ep_keys(struct mix_ep *ep, const struct mix_sdes *tx_key, const struct mix_sdes *rx_key)
{
	struct mix_srtp *tx = NULL, *rx = NULL;
	int err;

	if (!ep || ((tx_key || rx_key) && !ep->srtp))
		return -EINVAL;
	err = tx_key ? mix_srtp_from_sdes(&tx, tx_key, MIX_SRTP_TX) : 0;
	if (!err && rx_key)
		err = mix_srtp_from_sdes(&rx, rx_key, MIX_SRTP_RX);
	if (err) {
		mix_srtp_free(tx);
		mix_srtp_free(rx);
		return err;
	}
	if (tx) {
		mix_srtp_free(ep->tx);
		ep->tx = tx;
	}
	if (rx) {
		mix_srtp_free(ep->rx);
		ep->rx = rx;
	}
	return 0;
}

void mix_ep_free(struct mix_ep *ep)
{
	if (!ep)
		return;
	if (ep->fd >= 0)
		close(ep->fd);
	mix_srtp_free(ep->tx);
	mix_srtp_free(ep->rx);
	mix_opus_enc_free(ep->enc);
	mix_playout_free(ep->po);
	free(ep);
}

int mix_ep_remote(struct mix_ep *ep, const struct sockaddr *sa, socklen_t len)
{
	if (!ep || !sa || len < sa_len(sa) || len > sizeof(ep->remote))
		return -EINVAL;
	memcpy(&ep->remote, sa, len);
	ep->remote_len = sa_len(sa);
	return 0;
}

int mix_ep_fd(const struct mix_ep *ep)
{
	return ep->fd;
}

uint32_t mix_ep_ssrc(const struct mix_ep *ep)
{
	return ep->ssrc;
}

int mix_ep_send_raw(struct mix_ep *ep, const uint8_t *buf, size_t len)
{
	if (!ep->remote_len)
		return -ENOTCONN;
	if (sendto(ep->fd, buf, len, 0, (const struct sockaddr *)&ep->remote, ep->remote_len) < 0)
		return -errno;
	return 0;
}

int mix_ep_replay(struct mix_ep *ep)
{
	if (!ep->last.full)
		return -ENOENT;
	return mix_ep_send_raw(ep, ep->last.buf, ep->last.len);
}

int mix_ep_send(struct mix_ep *ep, const int16_t *pcm)
{
	uint8_t payload[MIX_OPUS_MAX_PACKET], pkt[EP_PKT], lb;
	struct mix_rtp h;
	struct mix_rtp_ext e;
	size_t plen, len;
	int err;

	err = mix_opus_enc_encode(ep->enc, pcm, payload, sizeof(payload), &plen);
	if (err)
		return err;
	ep->ts += MIX_FRAME;
	if (plen == 0) {
		ep->after_dtx = true;
		return 0;
	}
	memset(&h, 0, sizeof(h));
	h.marker = ep->after_dtx;
	h.pt = ep->cfg.pt;
	h.seq = ep->seq++;
	h.ts = ep->ts - MIX_FRAME;
	h.ssrc = ep->ssrc;
	h.payload = payload;
	h.payload_len = plen;
	if (ep->cfg.level_ext_id) {
		uint8_t level = mix_level_of(pcm, MIX_FRAME);
		mix_rtp_level_ext(&e, &lb, ep->cfg.level_ext_id, level <= 50, level);
	}
	err = mix_rtp_encode(pkt, sizeof(pkt) - MIX_SRTP_OVERHEAD, &h, &e,
			     ep->cfg.level_ext_id ? 1 : 0, &len);
	if (!err && ep->tx)
		err = mix_srtp_protect(ep->tx, pkt, &len, sizeof(pkt));
	else if (!err && ep->srtp)
		return 0; /* no key to send with yet */
	if (err)
		return err;
	ep->after_dtx = false;
	memcpy(ep->last.buf, pkt, len);
	ep->last.len = len;
	ep->last.full = true;
	if (rnd(ep) % 100 < ep->cfg.tx_loss_pct) {
		ep->st.tx_dropped++;
		return 0;
	}
	if (!ep->tx_hold.full && rnd(ep) % 100 < ep->cfg.tx_reorder_pct) {
		/* held back: goes out after the next one */
		memcpy(ep->tx_hold.buf, pkt, len);
		ep->tx_hold.len = len;
		ep->tx_hold.full = true;
		return 0;
	}
	ep->st.tx_packets++;
	err = mix_ep_send_raw(ep, pkt, len);
	if (ep->tx_hold.full) {
		ep->tx_hold.full = false;
		ep->st.tx_packets++;
		(void)mix_ep_send_raw(ep, ep->tx_hold.buf, ep->tx_hold.len);
	}
	return err;
}

static void deliver(struct mix_ep *ep, uint8_t *buf, size_t len, uint64_t now)
{
	struct mix_rtp h;
	uint8_t level;
	bool vad;

	if (mix_rtcp_is(buf, len))
		return;
	if ((ep->rx && mix_srtp_unprotect(ep->rx, buf, &len)) || (!ep->rx && ep->srtp)) {
		ep->st.rx_refused++;
		return;
	}
	if (mix_rtp_decode(&h, buf, len) || h.pt != ep->cfg.pt) {
		ep->st.rx_refused++;
		return;
	}
	if (!ep->have_rs || h.ssrc != ep->rs.ssrc) {
		mix_rtp_src_init(&ep->rs, h.ssrc, h.seq, MIX_RATE, 0);
		ep->have_rs = true;
	}
	if (mix_rtp_src_update(&ep->rs, h.seq))
		mix_rtp_src_jitter(&ep->rs, h.ts, now);
	ep->st.last_ncsrc = h.cc;
	memcpy(ep->st.last_csrc, h.csrc, h.cc * sizeof(h.csrc[0]));
	level = 0;
	ep->st.have_level = mix_rtp_level_get(&h, ep->cfg.level_ext_id ? ep->cfg.level_ext_id : 1,
					      &vad, &level) == 0;
	ep->st.last_level = level;
	ep->st.rx_packets++;
	(void)mix_playout_put(ep->po, h.seq, h.ts, h.payload, h.payload_len, 0, now);
}

int mix_ep_recv(struct mix_ep *ep)
{
	uint8_t buf[EP_PKT];
	int n = 0;

	for (;;) {
		ssize_t got = recv(ep->fd, buf, sizeof(buf), 0);
		uint64_t now = mix_now_us();

		if (got < 0)
			break;
		n++;
		if (rnd(ep) % 100 < ep->cfg.rx_loss_pct) {
			ep->st.rx_dropped++;
			continue;
		}
		if (!ep->rx_hold.full && rnd(ep) % 100 < ep->cfg.rx_reorder_pct) {
			memcpy(ep->rx_hold.buf, buf, (size_t)got);
			ep->rx_hold.len = (size_t)got;
			ep->rx_hold.full = true;
			continue;
		}
		deliver(ep, buf, (size_t)got, now);
		if (ep->rx_hold.full) {
			ep->rx_hold.full = false;
			deliver(ep, ep->rx_hold.buf, ep->rx_hold.len, now);
		}
	}
	return n;
}

int mix_ep_send_rtcp(struct mix_ep *ep)
{
	struct mix_rtcp_pkt *pk;
	uint8_t pkt[EP_PKT];
	size_t len;
	int err;

	pk = calloc(2, sizeof(*pk));
	if (!pk)
		return -ENOMEM;
	pk[0].pt = MIX_RTCP_RR;
	pk[0].ssrc = ep->ssrc;
	if (ep->have_rs) {
		pk[0].count = 1;
		mix_rtp_src_report(&ep->rs, &pk[0].rb[0]);
	}
	pk[1].pt = MIX_RTCP_SDES;
	pk[1].count = 1;
	pk[1].chunk[0].ssrc = ep->ssrc;
	pk[1].chunk[0].cname = (const uint8_t *)"ep@chorus";
	pk[1].chunk[0].cname_len = 9;
	err = mix_rtcp_encode(pkt, sizeof(pkt) - MIX_SRTP_OVERHEAD, pk, 2, &len);
	free(pk);
	if (!err && ep->tx)
		err = mix_srtp_protect_rtcp(ep->tx, pkt, &len, sizeof(pkt));
	else if (!err && ep->srtp)
		return 0;
	if (!err)
		err = mix_ep_send_raw(ep, pkt, len);
	return err;
}

void mix_ep_play(struct mix_ep *ep, uint64_t now_us, int16_t *pcm)
{
	struct mix_pull info;

	mix_playout_pull(ep->po, now_us, true, pcm, &info);
}

void mix_ep_stats_get(const struct mix_ep *ep, struct mix_ep_stats *st)
{
	*st = ep->st;
	mix_playout_stats_get(ep->po, &st->play);
}
