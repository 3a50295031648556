/*
 * tick.c - one 20 ms step of the mixer:
 *   1. take in new participants; pull a frame from every source (sources
 *      whose RFC 6464 level says silence are not decoded);
 *   2. decide who is talking (level, hangover), the active speaker;
 *   3. sum the talkers once in 32 bits, each with its gain ramp (joins,
 *      leaves, mutes and gain changes fade over one frame);
 *   4. a talker gets sum - itself, limited and encoded for it alone; every
 *      other participant gets the shared encoding of the whole sum made
 *      for its encoder settings (one encode per group, not per listener);
 *   5. RTCP reports; participants that left are freed.
 */
#include <stdlib.h>
#include <string.h>

#include "mixer_int.h"

#define SPEAKER_MARGIN_DB 3.0f
#define SPEAKER_HOLD_TICKS 15 /* 300 ms louder before the speaker changes */

static void pull(struct mixer *m, struct part *p, uint64_t now)
{
	struct mix_pull info;
	unsigned hang_ticks = m->cfg.hangover_ms / 20;
	bool loud;

	mix_playout_pull(p->po, now, p->talking, p->pcm, &info);
	p->active = info.active;
	p->decoded = info.decoded;
	if (info.decoded)
		p->level = info.has_level ? info.level : mix_level_of(p->pcm, MIX_FRAME);
	else
		p->level = info.has_level ? info.level : MIX_LEVEL_SILENT;
	if (p->level_vad && info.has_level)
		loud = info.vad;
	else
		loud = p->level <= m->cfg.vad_level;
	if (!info.active) {
		p->talking = false;
		p->hang = 0;
	} else if (loud && info.decoded) {
		p->talking = true;
		p->hang = hang_ticks;
	} else if (p->hang) {
		p->hang--;
	} else {
		p->talking = false;
	}
	/* loudness for the speaker choice: fast up, slow down */
	{
		float db = 127.0f - (float)p->level;
		if (db > p->loud)
			p->loud += (db - p->loud) * 0.5f;
		else
			p->loud += (db - p->loud) * 0.05f;
	}
}

static bool wants_mix(const struct part *p)
{
	/* a talker stays in the mix (and keeps its own encoding) through a
	 * frame with nothing to play: switching encoders costs more than
	 * mixing a silent frame */
	return p->state == P_LIVE && p->talking && !p->muted;
}

/* With max_talkers, only the loudest talkers stay in the mix. */
static void cap_talkers(struct mixer *m, unsigned n)
{
	struct part *p, *q;

	if (!m->cfg.max_talkers || n <= m->cfg.max_talkers)
		return;
	for (p = m->parts; p; p = p->next) {
		unsigned louder = 0;

		if (!p->mixed)
			continue;
		for (q = m->parts; q; q = q->next)
			if (q != p && q->mixed && (q->loud > p->loud || (q->loud == p->loud && q->id < p->id)))
				louder++;
		if (louder >= m->cfg.max_talkers)
			p->mixed = false;
	}
}

static void choose_speaker(struct mixer *m)
{
	struct part *p, *best = NULL, *cur = NULL;

	for (p = m->parts; p; p = p->next) {
		if (p->state != P_LIVE)
			continue;
		if (p->id == m->speaker)
			cur = p;
		if (p->talking && !p->muted && (!best || p->loud > best->loud))
			best = p;
	}
	if (!best || best == cur) {
		m->speaker_hold = 0;
		if (!cur && m->speaker) {
			m->speaker = 0;
			goto changed;
		}
		return;
	}
	if (cur && cur->talking && best->loud < cur->loud + SPEAKER_MARGIN_DB) {
		m->speaker_hold = 0;
		return;
	}
	if (cur && cur->talking && ++m->speaker_hold < SPEAKER_HOLD_TICKS)
		return;
	m->speaker_hold = 0;
	m->speaker = best->id;
changed:
	m->st.active_speaker = m->speaker;
	mixer_log(m, MIX_LOG_DEBUG, "active speaker: %u", m->speaker);
	if (m->cfg.speaker_h)
		m->cfg.speaker_h(m->cfg.speaker_arg, m->speaker);
}

static void add_csrc(struct mixer *m, uint32_t ssrc, uint32_t owner)
{
	if (m->ncsrc < MIX_RTP_MAX_CSRC) {
		m->csrc[m->ncsrc] = ssrc;
		m->csrc_owner[m->ncsrc] = owner;
		m->ncsrc++;
	}
}

static void sum_talkers(struct mixer *m)
{
	struct part *p;
	unsigned i, talkers = 0;

	memset(m->sum, 0, sizeof(m->sum));
	m->ncsrc = 0;
	for (p = m->parts; p; p = p->next)
		p->mixed = wants_mix(p);
	for (p = m->parts; p; p = p->next)
		talkers += p->mixed;
	cap_talkers(m, talkers);
	talkers = 0;
	for (p = m->parts; p; p = p->next) {
		float to = p->mixed ? p->gain : 0.0f;

		if (p->gain_applied == 0.0f && to == 0.0f) {
			p->mixed = false;
			continue;
		}
		/* in, out, or a gain change: a ramp over this frame */
		mix_gain(p->pcm, p->contrib, p->gain_applied, to, MIX_FRAME);
		p->gain_applied = to;
		p->mixed = true;
		talkers++;
		for (i = 0; i < MIX_FRAME; i++)
			m->sum[i] += p->contrib[i];
		if (p->kind == MIX_PART_LINK && p->link_ncsrc) {
			for (i = 0; i < p->link_ncsrc; i++)
				add_csrc(m, p->link_csrc[i], p->id);
		} else if (p->have_ssrc) {
			add_csrc(m, p->rssrc, p->id);
		}
	}
	m->st.talkers = talkers;
}

static void encode_private(struct mixer *m, struct part *p)
{
	uint8_t pkt[MIX_OPUS_MAX_PACKET];
	uint32_t csrc[MIX_RTP_MAX_CSRC];
	unsigned i, n = 0;
	size_t len = 0;

	if (!p->own && mix_opus_enc_alloc(&p->own, &p->ocfg)) {
		p->c.tx_errors++;
		return;
	}
	if (!p->private_last) {
		/* Its decoder has been fed by the shared encoder: go on from the
		 * shared encoder's state, so the switch is seamless. */
		if (p->grp->enc_tick + 1 == m->tick) {
			mix_opus_enc_copy(p->own, p->grp->enc);
			p->lim = p->grp->lim;
		} else {
			mix_opus_enc_reset(p->own);
			mix_limiter_init(&p->lim);
		}
	}
	for (i = 0; i < MIX_FRAME; i++)
		m->tmp[i] = m->sum[i] - p->contrib[i];
	mix_limit(&p->lim, m->tmp, m->out, MIX_FRAME);
	if (mix_opus_enc_encode(p->own, m->out, pkt, sizeof(pkt), &len)) {
		p->c.tx_errors++;
		return;
	}
	m->st.enc_private++;
	for (i = 0; i < m->ncsrc; i++)
		if (m->csrc_owner[i] != p->id)
			csrc[n++] = m->csrc[i];
	part_send(p, pkt, len, len == 0, csrc, n,
		  p->tx_level_id ? mix_level_of(m->out, MIX_FRAME) : MIX_LEVEL_SILENT);
}

static void encode_shared(struct mixer *m, struct group *g)
{
	mix_limit(&g->lim, m->sum, m->out, MIX_FRAME);
	if (mix_opus_enc_encode(g->enc, m->out, g->pkt, sizeof(g->pkt), &g->len))
		g->len = 0;
	g->level = mix_level_of(m->out, MIX_FRAME);
	g->enc_tick = m->tick;
	m->st.enc_shared++;
}

void mixer_tick(struct mixer *m, uint64_t now)
{
	struct part *p, **pp;

	m->tick++;
	m->st.ticks++;
	for (p = m->parts; p; p = p->next) {
		if (p->state == P_NEW) {
			part_attach(p);
			p->next_rtcp_us = now + (uint64_t)m->cfg.rtcp_ms * 500u +
					  mixer_random(m) % (m->cfg.rtcp_ms * 1000u + 1);
		}
		if (p->state != P_NEW)
			pull(m, p, now);
	}
	choose_speaker(m);
	sum_talkers(m);

	/* talkers first: a new talker copies its group's encoder before the
	 * group encodes this frame */
	for (p = m->parts; p; p = p->next) {
		if (p->state != P_LIVE)
			continue;
		if (p->mixed && p->remote_len) {
			encode_private(m, p);
			p->private_last = true;
		}
	}
	for (p = m->parts; p; p = p->next) {
		if (p->state != P_LIVE || p->mixed)
			continue;
		if (p->remote_len) {
			struct group *g = p->grp;

			if (g->enc_tick != m->tick)
				encode_shared(m, g);
			part_send(p, g->pkt, g->len, g->len == 0, m->csrc, m->ncsrc, g->level);
			if (g->len)
				m->st.shared_sends++;
		} else {
			p->ts += MIX_FRAME;
		}
		p->private_last = false;
	}
	for (p = m->parts; p; p = p->next) {
		if (p->state == P_LIVE && p->mixed && !p->remote_len)
			p->ts += MIX_FRAME;
		if (p->state == P_LIVE && p->remote_len && now >= p->next_rtcp_us) {
			part_send_rtcp(p, now);
			p->next_rtcp_us = now + (uint64_t)m->cfg.rtcp_ms * 500u +
					  mixer_random(m) % (m->cfg.rtcp_ms * 1000u + 1);
		}
	}
	{
		struct group *g;
		uint64_t lim = 0;

		for (g = m->groups; g; g = g->next)
			lim += g->lim.active;
		for (p = m->parts; p; p = p->next)
			lim += p->lim.active;
		m->st.limiter_frames = lim;
	}

	/* those who left have faded out in this frame */
	for (pp = &m->parts; *pp;) {
		p = *pp;
		if (p->state == P_LEAVING) {
			*pp = p->next;
			m->n_parts--;
			if (m->speaker == p->id)
				m->speaker = 0;
			part_free(p);
		} else {
			pp = &p->next;
		}
	}
}
