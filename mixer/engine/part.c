/*
 * part.c - a participant's socket: RTP and RTCP received (address and
 * SSRC checks, flood limit, SRTP, statistics, the jitter buffer) and sent
 * (RTP with CSRCs and levels, SRTP, RTCP reports)
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mixer_int.h"

int part_open(struct mixer *m, struct part *p, struct sockaddr_storage *local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, err;

	fd = socket(m->bind.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)&m->bind, m->bind_len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	p->fd = fd;
	if (local)
		*local = ss;
	return 0;
}

void part_free(struct part *p)
{
	if (!p)
		return;
	if (p->m && p->id)
		mixer_keep_counts(p->m, p);
	if (p->ev)
		event_free(p->ev);
	if (p->fd >= 0)
		close(p->fd);
	if (p->grp)
		group_put(p->m, p->grp);
	mix_opus_enc_free(p->own);
	mix_playout_free(p->po);
	mix_srtp_free(p->rx);
	mix_srtp_free(p->tx);
	free(p);
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port &&
		       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/* A token bucket: max_pps, a burst of half a second. */
static bool take_token(struct part *p, uint64_t now)
{
	double rate = p->m->cfg.max_pps, burst = rate / 2 + 10;

	if (now > p->tok_us) {
		p->tokens += (double)(now - p->tok_us) * rate / 1e6;
		if (p->tokens > burst)
			p->tokens = burst;
	}
	p->tok_us = now;
	if (p->tokens < 1)
		return false;
	p->tokens -= 1;
	return true;
}

/* Loss buckets for the expected-loss setting: few encoder groups. */
static unsigned loss_bucket(uint8_t fraction)
{
	unsigned pct = fraction * 100u / 256u;

	if (pct < 1)
		return 0;
	if (pct < 5)
		return 5;
	if (pct < 12)
		return 10;
	return 20;
}

void part_regroup(struct part *p)
{
	struct mix_opus_cfg c = p->base_cfg;
	struct group *g;
	unsigned b = loss_bucket(p->rfrac);

	/* what the receiver reports decides how much FEC it gets */
	if (b > c.loss_perc)
		c.loss_perc = b;
	if (b)
		c.fec = true;
	if (mix_opus_cfg_eq(&c, &p->ocfg) && p->grp)
		return;
	g = group_get(p->m, &c);
	if (!g)
		return; /* keep the old settings */
	group_put(p->m, p->grp);
	p->grp = g;
	p->ocfg = g->cfg;
	if (p->own)
		mix_opus_enc_set(p->own, &p->ocfg);
	part_log(p, MIX_LOG_DEBUG, "encoder: %u b/s, FEC %s, expected loss %u %%", c.bitrate,
		 c.fec ? "on" : "off", c.loss_perc);
}

/* Another source already uses this SSRC (RFC 3550 8.2). */
static void check_collision(struct part *p)
{
	struct mixer *m = p->m;
	struct part *q;

	for (q = m->parts; q; q = q->next) {
		if (q->ssrc == p->rssrc) {
			/* our own SSRC toward q collides: we change ours */
			uint32_t old = q->ssrc;

			do {
				q->ssrc = mixer_random(m);
			} while (q->ssrc == p->rssrc || q->ssrc == 0);
			m->st.ssrc_collisions++;
			part_log(q, MIX_LOG_WARN, "SSRC %08x collides with %s: now %08x", old,
				 p->name, q->ssrc);
		}
		if (q != p && q->have_ssrc && q->rssrc == p->rssrc) {
			m->st.ssrc_collisions++;
			part_log(p, MIX_LOG_WARN, "sends with SSRC %08x, as %s does", p->rssrc,
				 q->name);
		}
	}
}

static void rx_rtp(struct part *p, uint8_t *buf, size_t n, const struct sockaddr_storage *src,
		   socklen_t slen, uint64_t now)
{
	struct mixer *m = p->m;
	struct mix_rtp h;
	uint32_t meta = 0;
	size_t len = n;
	bool vad;
	uint8_t level;
	int err;

	if (mix_rtp_decode(&h, buf, n)) {
		p->c.drop_malformed++;
		part_log(p, MIX_LOG_WARN, "malformed RTP packet (%zu bytes) dropped", n);
		return;
	}
	/* SSRC before any cryptography: a stranger costs no decryption */
	if ((p->want_ssrc && h.ssrc != p->want_ssrc) ||
	    (p->have_ssrc && h.ssrc != p->rssrc && now - p->last_rx_us < SSRC_SWITCH_US)) {
		p->c.drop_ssrc++;
		part_log(p, MIX_LOG_WARN, "packet from SSRC %08x dropped (source is %08x)", h.ssrc,
			 p->rssrc);
		return;
	}
	if (p->rx) {
		err = mix_srtp_unprotect(p->rx, buf, &len);
		if (err) {
			if (err == -EACCES)
				p->c.drop_auth++;
			else if (err == -EALREADY)
				p->c.drop_replay++;
			else
				p->c.drop_malformed++;
			part_log(p, MIX_LOG_WARN, "SRTP packet refused: %s",
				 err == -EACCES ? "authentication failed" :
				 err == -EALREADY ? "replayed" : "malformed");
			return;
		}
		if (mix_rtp_decode(&h, buf, len)) {
			p->c.drop_malformed++;
			return;
		}
	} else if (p->srtp) {
		p->c.drop_auth++; /* its key is not known yet */
		return;
	}
	if (h.pt != p->pt || h.payload_len == 0) {
		p->c.drop_pt++;
		part_log(p, MIX_LOG_WARN, "payload type %u dropped (want %u)", h.pt, p->pt);
		return;
	}
	/* authenticated: follow its address (symmetric RTP) */
	if (p->latch && (!p->remote_len || !same_addr(src, &p->remote))) {
		memcpy(&p->remote, src, slen);
		p->remote_len = slen;
		part_log(p, MIX_LOG_INFO, "media from a new address");
	}
	if (!p->have_ssrc || h.ssrc != p->rssrc) {
		if (p->have_ssrc)
			part_log(p, MIX_LOG_INFO, "new SSRC %08x replaces %08x", h.ssrc, p->rssrc);
		p->have_ssrc = true;
		p->rssrc = h.ssrc;
		mix_rtp_src_init(&p->rs, h.ssrc, h.seq, MIX_RATE, p->rx ? 0 : 2);
		mix_playout_reset(p->po);
		check_collision(p);
	}
	p->last_rx_us = now;
	if (!mix_rtp_src_update(&p->rs, h.seq))
		return; /* on probation, or a wild jump */
	mix_rtp_src_jitter(&p->rs, h.ts, now);
	if (p->level_id && mix_rtp_level_get(&h, p->level_id, &vad, &level) == 0) {
		meta = MIX_META_LEVEL | level | (vad ? MIX_META_VAD : 0);
		if (p->level_vad ? !vad : level > m->cfg.vad_level)
			meta |= MIX_META_SILENT;
	}
	if (p->kind == MIX_PART_LINK) {
		struct part *q;
		unsigned i;

		memcpy(p->link_csrc, h.csrc, h.cc * sizeof(h.csrc[0]));
		p->link_ncsrc = h.cc;
		/* one of ours coming back through a link: the links form a loop */
		for (i = 0; i < h.cc; i++)
			for (q = m->parts; q; q = q->next)
				if (q->kind == MIX_PART_USER && q->have_ssrc && q->rssrc == h.csrc[i]) {
					m->st.loops++;
					part_log(p, MIX_LOG_WARN, "%s's voice comes back: the links form a loop",
						 q->name);
				}
	}
	err = mix_playout_put(p->po, h.seq, h.ts, h.payload, h.payload_len, meta, now);
	if (err == -EBADMSG)
		part_log(p, MIX_LOG_WARN, "not an Opus packet: dropped");
	p->c.rx_packets++;
	p->c.rx_bytes += n;
}

static void rx_rtcp(struct part *p, uint8_t *buf, size_t n, uint64_t now)
{
	struct mix_rtcp_iter it;
	struct mix_rtcp_pkt *pkt;
	size_t len = n;
	unsigned i;
	int err;

	if (p->rx) {
		err = mix_srtp_unprotect_rtcp(p->rx, buf, &len);
		if (err) {
			if (err == -EACCES)
				p->c.drop_auth++;
			else if (err == -EALREADY)
				p->c.drop_replay++;
			else
				p->c.drop_malformed++;
			part_log(p, MIX_LOG_WARN, "SRTCP packet refused (%d)", err);
			return;
		}
	} else if (p->srtp) {
		p->c.drop_auth++;
		return;
	}
	if (mix_rtcp_validate(buf, len, MIX_RTCP_REDUCED)) {
		p->c.drop_malformed++;
		part_log(p, MIX_LOG_WARN, "malformed RTCP packet (%zu bytes) dropped", len);
		return;
	}
	pkt = malloc(sizeof(*pkt));
	if (!pkt)
		return;
	p->c.rx_rtcp++;
	mix_rtcp_iter_init(&it, buf, len);
	while (mix_rtcp_next(&it, pkt) == 1) {
		if (pkt->pt == MIX_RTCP_SR && p->have_ssrc && pkt->ssrc == p->rssrc) {
			p->lsr = mix_ntp_mid(pkt->ntp);
			p->lsr_us = now;
		}
		if (pkt->pt == MIX_RTCP_SR || pkt->pt == MIX_RTCP_RR) {
			for (i = 0; i < pkt->count; i++) {
				const struct mix_rtcp_rb *rb = &pkt->rb[i];

				if (rb->ssrc != p->ssrc)
					continue;
				p->rfrac = rb->fraction;
				p->rjitter = rb->jitter;
				if (rb->lsr) {
					uint32_t rtt = mix_ntp_mid(mix_ntp_now()) - rb->lsr - rb->dlsr;
					if (rtt < 65536u * 10)
						p->rtt_ms = (uint32_t)((uint64_t)rtt * 1000u / 65536u);
				}
				part_regroup(p);
			}
		} else if (pkt->pt == MIX_RTCP_BYE) {
			for (i = 0; i < pkt->count; i++) {
				if (p->have_ssrc && pkt->src[i] == p->rssrc) {
					part_log(p, MIX_LOG_INFO, "BYE from %08x", p->rssrc);
					p->have_ssrc = false;
					mix_playout_reset(p->po);
				}
			}
		}
	}
	free(pkt);
}

static void on_rx(evutil_socket_t fd, short what, void *arg)
{
	struct part *p = arg;
	struct mixer *m = p->m;
	unsigned i;

	(void)what;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < RX_BATCH; i++) {
		struct sockaddr_storage src;
		socklen_t slen = sizeof(src);
		ssize_t n = recvfrom(fd, m->rxbuf, sizeof(m->rxbuf), MSG_TRUNC,
				     (struct sockaddr *)&src, &slen);
		uint64_t now;

		if (n < 0)
			break;
		if (p->state != P_LIVE)
			continue;
		if ((size_t)n > MAX_PKT) {
			p->c.drop_oversize++;
			part_log(p, MIX_LOG_WARN, "%zd-byte datagram dropped", n);
			continue;
		}
		if (!p->latch && p->remote_len && !same_addr(&src, &p->remote)) {
			p->c.drop_src++;
			part_log(p, MIX_LOG_WARN, "packet from a stranger dropped");
			continue;
		}
		now = mix_now_us();
		if (!take_token(p, now)) {
			p->c.drop_flood++;
			part_log(p, MIX_LOG_WARN, "flood: packet dropped");
			continue;
		}
		if (mix_rtcp_is(m->rxbuf, (size_t)n))
			rx_rtcp(p, m->rxbuf, (size_t)n, now);
		else
			rx_rtp(p, m->rxbuf, (size_t)n, &src, slen, now);
	}
	pthread_mutex_unlock(&m->lock);
}

void part_attach(struct part *p)
{
	p->ev = event_new(p->m->base, p->fd, EV_READ | EV_PERSIST, on_rx, p);
	if (!p->ev || event_add(p->ev, NULL)) {
		part_log(p, MIX_LOG_ERR, "cannot watch its socket");
		return;
	}
	p->tok_us = mix_now_us();
	p->tokens = p->m->cfg.max_pps / 2.0 + 10;
	p->state = P_LIVE;
}

static void tx_datagram(struct part *p, uint8_t *buf, size_t len)
{
	if (sendto(p->fd, buf, len, 0, (const struct sockaddr *)&p->remote, p->remote_len) < 0) {
		p->c.tx_errors++;
		return;
	}
	p->c.tx_bytes += len;
}

int part_send(struct part *p, const uint8_t *payload, size_t plen, bool dtx, const uint32_t *csrc,
	      unsigned ncsrc, uint8_t level)
{
	struct mixer *m = p->m;
	struct mix_rtp h;
	struct mix_rtp_ext e;
	uint8_t lb;
	size_t len;
	int err;

	p->ts += MIX_FRAME;
	if (dtx) {
		p->c.tx_dtx++;
		p->after_dtx = true;
		return 0;
	}
	if (!p->remote_len)
		return 0;
	memset(&h, 0, sizeof(h));
	h.marker = p->after_dtx; /* the first packet of a talkspurt (RFC 3551 4.1) */
	h.pt = p->pt;
	h.seq = p->seq++;
	h.ts = p->ts - MIX_FRAME;
	h.ssrc = p->ssrc;
	h.cc = (uint8_t)(ncsrc > MIX_RTP_MAX_CSRC ? MIX_RTP_MAX_CSRC : ncsrc);
	memcpy(h.csrc, csrc, h.cc * sizeof(csrc[0]));
	h.payload = payload;
	h.payload_len = plen;
	if (p->tx_level_id)
		mix_rtp_level_ext(&e, &lb, p->tx_level_id, level <= m->cfg.vad_level, level);
	err = mix_rtp_encode(m->txbuf, sizeof(m->txbuf) - MIX_SRTP_OVERHEAD, &h, &e,
			     p->tx_level_id ? 1 : 0, &len);
	if (!err && p->tx)
		err = mix_srtp_protect(p->tx, m->txbuf, &len, sizeof(m->txbuf));
	else if (!err && p->srtp)
		return 0; /* no key to send with yet */
	if (err) {
		p->c.tx_errors++;
		return err;
	}
	p->after_dtx = false;
	p->c.tx_packets++;
	tx_datagram(p, m->txbuf, len);
	return 0;
}

void part_send_rtcp(struct part *p, uint64_t now)
{
	struct mixer *m = p->m;
	struct mix_rtcp_pkt *pk;
	size_t len;
	unsigned n = 0;

	pk = calloc(2, sizeof(*pk));
	if (!pk)
		return;
	if (p->c.tx_packets) {
		pk[0].pt = MIX_RTCP_SR;
		pk[0].ntp = mix_ntp_now();
		pk[0].rtp_ts = p->ts;
		pk[0].pkt_count = (uint32_t)p->c.tx_packets;
		pk[0].octet_count = (uint32_t)p->c.tx_bytes;
	} else {
		pk[0].pt = MIX_RTCP_RR;
	}
	pk[0].ssrc = p->ssrc;
	if (p->have_ssrc) {
		pk[0].count = 1;
		mix_rtp_src_report(&p->rs, &pk[0].rb[0]);
		if (p->lsr) {
			pk[0].rb[0].lsr = p->lsr;
			pk[0].rb[0].dlsr = (uint32_t)((now - p->lsr_us) * 65536u / 1000000u);
		}
	}
	n++;
	pk[1].pt = MIX_RTCP_SDES;
	pk[1].count = 1;
	pk[1].chunk[0].ssrc = p->ssrc;
	pk[1].chunk[0].cname = (const uint8_t *)m->cname;
	pk[1].chunk[0].cname_len = (uint8_t)strlen(m->cname);
	n++;
	if (mix_rtcp_encode(m->txbuf, sizeof(m->txbuf) - MIX_SRTP_OVERHEAD, pk, n, &len) == 0 &&
	    (p->tx ? mix_srtp_protect_rtcp(p->tx, m->txbuf, &len, sizeof(m->txbuf)) == 0 : !p->srtp)) {
		p->c.tx_rtcp++;
		tx_datagram(p, m->txbuf, len);
	}
	free(pk);
}
