/*
 * mixer.c - the mixer object: its media thread, clock, control API,
 * encoder groups and logging (mix/mixer.h)
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "mixer_int.h"

#define MAX_CATCH_UP 3 /* ticks run at once after a late wake-up */

void mixer_cfg_default(struct mixer_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "mixer";
	c->log_level = MIX_LOG_INFO;
	c->bind_addr = "127.0.0.1";
	c->max_participants = 4096;
	c->vad_level = 50;
	c->hangover_ms = 400;
	c->max_pps = 150;
	c->rtcp_ms = 5000;
}

void mixer_part_cfg_default(struct mixer_part_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "participant";
	c->pt = 111;
	c->gain = 1.0f;
	mix_opus_cfg_default(&c->opus);
}

static void vlog(struct mixer *m, enum mix_log_level l, const char *who, const char *fmt,
		 va_list ap)
{
	char line[512];
	int n;

	if (!m->cfg.log || l > m->cfg.log_level)
		return;
	n = snprintf(line, sizeof(line), "%s%s%s: ", m->name, who ? "/" : "", who ? who : "");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	m->cfg.log(m->cfg.log_arg, l, line);
}

void mixer_log(struct mixer *m, enum mix_log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(m, l, NULL, fmt, ap);
	va_end(ap);
}

void part_log(struct part *p, enum mix_log_level l, const char *fmt, ...)
{
	va_list ap;

	/* Bad input is logged at most 10 lines a second per participant. */
	if (l >= MIX_LOG_WARN) {
		uint64_t now = mix_now_us();

		if (now - p->log_refill_us > 1000000) {
			p->log_refill_us = now;
			p->log_budget = 10;
		}
		if (!p->log_budget)
			return;
		p->log_budget--;
	}
	va_start(ap, fmt);
	vlog(p->m, l, p->name, fmt, ap);
	va_end(ap);
}

uint32_t mixer_random(struct mixer *m)
{
	/* xorshift64*: SSRCs come from RAND_bytes, this is for timing jitter */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (uint32_t)((m->rng * UINT64_C(2685821657736338717)) >> 32);
}

struct group *group_get(struct mixer *m, const struct mix_opus_cfg *cfg)
{
	struct group *g;

	for (g = m->groups; g; g = g->next) {
		if (mix_opus_cfg_eq(&g->cfg, cfg)) {
			g->members++;
			return g;
		}
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	if (mix_opus_enc_alloc(&g->enc, cfg)) {
		free(g);
		return NULL;
	}
	g->cfg = *mix_opus_enc_cfg(g->enc);
	mix_limiter_init(&g->lim);
	g->members = 1;
	g->next = m->groups;
	m->groups = g;
	return g;
}

void group_put(struct mixer *m, struct group *g)
{
	struct group **pp;

	if (!g || --g->members)
		return;
	for (pp = &m->groups; *pp; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			break;
		}
	}
	mix_opus_enc_free(g->enc);
	free(g);
}

static uint64_t thread_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_clock(evutil_socket_t fd, short what, void *arg)
{
	struct mixer *m = arg;
	uint64_t n = 0, i, t0, t1;

	(void)what;
	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n) || n == 0)
		return;
	if (atomic_load(&m->stop)) {
		event_base_loopbreak(m->base);
		return;
	}
	pthread_mutex_lock(&m->lock);
	t0 = mix_now_us();
	if (n > 1)
		m->st.ticks_late++;
	if (n > MAX_CATCH_UP) {
		/* overloaded: the lost frames are a gap in every stream */
		struct part *p;

		m->st.ticks_skipped += n - MAX_CATCH_UP;
		for (p = m->parts; p; p = p->next) {
			p->ts += (uint32_t)((n - MAX_CATCH_UP) * MIX_FRAME);
			p->after_dtx = true;
		}
		n = MAX_CATCH_UP;
	}
	for (i = 0; i < n; i++)
		mixer_tick(m, mix_now_us());
	t1 = mix_now_us();
	if (t1 - t0 > m->st.tick_us_max)
		m->st.tick_us_max = t1 - t0;
	m->st.cpu_us = thread_cpu_us();
	pthread_mutex_unlock(&m->lock);
}

static void *run(void *arg)
{
	struct mixer *m = arg;

	event_base_loop(m->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int parse_bind(struct mixer *m, const char *addr)
{
	struct addrinfo hints, *ai = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(addr, "0", &hints, &ai) || !ai)
		return -EINVAL;
	memcpy(&m->bind, ai->ai_addr, ai->ai_addrlen);
	m->bind_len = (socklen_t)ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int mixer_alloc(struct mixer **mp, const struct mixer_cfg *cfg)
{
	struct mixer_cfg def;
	struct mixer *m;
	struct itimerspec its;
	unsigned char seed[8];
	int err;

	if (!mp)
		return -EINVAL;
	if (!cfg) {
		mixer_cfg_default(&def);
		cfg = &def;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->tfd = -1;
	m->cfg = *cfg;
	snprintf(m->name, sizeof(m->name), "%s", cfg->name ? cfg->name : "mixer");
	if (!m->cfg.max_participants)
		m->cfg.max_participants = 4096;
	if (!m->cfg.vad_level)
		m->cfg.vad_level = 50;
	if (!m->cfg.hangover_ms)
		m->cfg.hangover_ms = 400;
	if (!m->cfg.max_pps)
		m->cfg.max_pps = 150;
	if (!m->cfg.rtcp_ms)
		m->cfg.rtcp_ms = 5000;
	m->cfg.name = m->name;
	m->cfg.bind_addr = NULL; /* not kept: parsed below */
	atomic_init(&m->stop, false);
	err = parse_bind(m, cfg->bind_addr ? cfg->bind_addr : "127.0.0.1");
	if (err)
		goto fail;
	if (RAND_bytes(seed, sizeof(seed)) != 1) {
		err = -EIO;
		goto fail;
	}
	memcpy(&m->rng, seed, sizeof(seed));
	m->rng |= 1;
	snprintf(m->cname, sizeof(m->cname), "%s-%08x@chorus", m->name, mixer_random(m));
	m->next_id = 1;
	if (pthread_mutex_init(&m->lock, NULL)) {
		err = -ENOMEM;
		goto fail;
	}
	m->base = event_base_new();
	m->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!m->base || m->tfd < 0) {
		err = m->base ? -errno : -ENOMEM;
		goto fail_lock;
	}
	m->tick_ev = event_new(m->base, m->tfd, EV_READ | EV_PERSIST, on_clock, m);
	if (!m->tick_ev || event_add(m->tick_ev, NULL)) {
		err = -ENOMEM;
		goto fail_lock;
	}
	memset(&its, 0, sizeof(its));
	its.it_interval.tv_nsec = 20000000;
	its.it_value.tv_nsec = 20000000;
	if (timerfd_settime(m->tfd, 0, &its, NULL)) {
		err = -errno;
		goto fail_lock;
	}
	err = -pthread_create(&m->thread, NULL, run, m);
	if (err)
		goto fail_lock;
	m->thread_started = true;
	mixer_log(m, MIX_LOG_INFO, "started");
	*mp = m;
	return 0;
fail_lock:
	pthread_mutex_destroy(&m->lock);
fail:
	if (m->tick_ev)
		event_free(m->tick_ev);
	if (m->tfd >= 0)
		close(m->tfd);
	if (m->base)
		event_base_free(m->base);
	free(m);
	return err;
}

void mixer_free(struct mixer *m)
{
	struct part *p, *next;

	if (!m)
		return;
	atomic_store(&m->stop, true);
	if (m->thread_started)
		pthread_join(m->thread, NULL);
	for (p = m->parts; p; p = next) {
		next = p->next;
		part_free(p);
	}
	while (m->groups) {
		m->groups->members = 1;
		group_put(m, m->groups);
	}
	event_free(m->tick_ev);
	close(m->tfd);
	event_base_free(m->base);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static struct part *find(struct mixer *m, uint32_t id)
{
	struct part *p;

	for (p = m->parts; p; p = p->next)
		if (p->id == id && p->state != P_LEAVING)
			return p;
	return NULL;
}

static int sdes_ctx(struct mix_srtp **s, const struct mix_sdes *d, enum mix_srtp_dir dir)
{
	int err = mix_srtp_from_sdes(s, d, dir);

	return err == -EINVAL ? -EINVAL : err;
}

int mixer_part_add(struct mixer *m, const struct mixer_part_cfg *c, uint32_t *id,
		   struct sockaddr_storage *local)
{
	struct part *p;
	int err;

	if (!m || !c || !id || c->pt > 127 || c->gain < 0 || c->gain > 8 ||
	    (c->level_ext_id > 14 && c->level_ext_id != 0) || c->tx_level_ext_id > 14 ||
	    (c->kind != MIX_PART_USER && c->kind != MIX_PART_LINK))
		return -EINVAL;
	if (!c->rx_key && !c->tx_key && !m->cfg.allow_plain_rtp)
		return -EACCES;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->m = m;
	p->fd = -1;
	snprintf(p->name, sizeof(p->name), "%s", c->name ? c->name : "participant");
	p->kind = c->kind;
	p->state = P_NEW;
	p->latch = c->latch || c->remote.ss_family == 0;
	if (c->remote.ss_family == AF_INET) {
		p->remote_len = sizeof(struct sockaddr_in);
		memcpy(&p->remote, &c->remote, p->remote_len);
	} else if (c->remote.ss_family == AF_INET6) {
		p->remote_len = sizeof(struct sockaddr_in6);
		memcpy(&p->remote, &c->remote, p->remote_len);
	} else if (c->remote.ss_family != 0) {
		err = -EINVAL;
		goto fail;
	}
	p->pt = c->pt ? c->pt : 111;
	p->level_id = c->level_ext_id;
	p->level_vad = c->level_vad;
	p->tx_level_id = c->tx_level_ext_id;
	p->want_ssrc = c->remote_ssrc;
	p->gain = c->gain == 0 ? 1.0f : c->gain;
	p->muted = c->muted;
	p->base_cfg = c->opus;
	if (!p->base_cfg.bitrate)
		mix_opus_cfg_default(&p->base_cfg);
	p->ocfg = p->base_cfg;
	mix_limiter_init(&p->lim);
	p->srtp = c->rx_key || c->tx_key;
	err = c->rx_key ? sdes_ctx(&p->rx, c->rx_key, MIX_SRTP_RX) : 0;
	if (!err && c->tx_key)
		err = sdes_ctx(&p->tx, c->tx_key, MIX_SRTP_TX);
	if (err)
		goto fail;
	err = mix_playout_alloc(&p->po, &m->cfg.jbuf);
	if (err)
		goto fail;
	if (c->ssrc) {
		p->ssrc = c->ssrc;
	} else if (RAND_bytes((unsigned char *)&p->ssrc, sizeof(p->ssrc)) != 1) {
		err = -EIO;
		goto fail;
	}
	p->seq = (uint16_t)mixer_random(m);
	p->ts = mixer_random(m);
	p->after_dtx = true;

	pthread_mutex_lock(&m->lock);
	if (m->n_parts >= m->cfg.max_participants) {
		pthread_mutex_unlock(&m->lock);
		err = -ENOSPC;
		goto fail;
	}
	err = part_open(m, p, local);
	if (!err) {
		p->grp = group_get(m, &p->ocfg);
		if (!p->grp)
			err = -ENOMEM;
	}
	if (err) {
		pthread_mutex_unlock(&m->lock);
		goto fail;
	}
	p->ocfg = p->grp->cfg;
	p->id = m->next_id++;
	if (m->next_id == 0)
		m->next_id = 1;
	p->next = m->parts;
	m->parts = p;
	m->n_parts++;
	*id = p->id;
	part_log(p, MIX_LOG_INFO, "joined (%s, ssrc %08x)",
		 p->kind == MIX_PART_LINK ? "focus link" : "participant", p->ssrc);
	pthread_mutex_unlock(&m->lock);
	return 0;
fail:
	p->grp = NULL;
	part_free(p);
	return err;
}

int mixer_part_remove(struct mixer *m, uint32_t id)
{
	struct part *p;
	int err = -ENOENT;

	if (!m)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (p) {
		p->state = P_LEAVING;
		part_log(p, MIX_LOG_INFO, "leaving");
		err = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

int mixer_part_mute(struct mixer *m, uint32_t id, bool muted)
{
	struct part *p;
	int err = -ENOENT;

	if (!m)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (p) {
		p->muted = muted;
		err = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

int mixer_part_gain(struct mixer *m, uint32_t id, float gain)
{
	struct part *p;
	int err = -ENOENT;

	if (!m || !(gain >= 0 && gain <= 8))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (p) {
		p->gain = gain;
		err = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

int mixer_part_remote(struct mixer *m, uint32_t id, const struct sockaddr *sa, socklen_t len)
{
	struct part *p;
	int err = -ENOENT;

	if (!m || !sa || (sa->sa_family == AF_INET && len < sizeof(struct sockaddr_in)) ||
	    (sa->sa_family == AF_INET6 && len < sizeof(struct sockaddr_in6)) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (p) {
		p->remote_len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in)
							 : sizeof(struct sockaddr_in6);
		memcpy(&p->remote, sa, p->remote_len);
		err = 0;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

int mixer_part_keys(struct mixer *m, uint32_t id, const struct mix_sdes *rx_key,
		    const struct mix_sdes *tx_key)
{
	struct mix_srtp *rx = NULL, *tx = NULL;
	struct part *p;
	int err;

	if (!m || (!rx_key && !tx_key))
		return -EINVAL;
	err = rx_key ? sdes_ctx(&rx, rx_key, MIX_SRTP_RX) : 0;
	if (!err && tx_key)
		err = sdes_ctx(&tx, tx_key, MIX_SRTP_TX);
	if (err)
		goto out;
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (!p) {
		err = -ENOENT;
	} else if (!p->srtp) {
		err = -EINVAL; /* plain RTP stays plain */
	} else {
		if (rx) {
			mix_srtp_free(p->rx);
			p->rx = rx;
			rx = NULL;
		}
		if (tx) {
			mix_srtp_free(p->tx);
			p->tx = tx;
			tx = NULL;
		}
	}
	pthread_mutex_unlock(&m->lock);
out:
	mix_srtp_free(rx);
	mix_srtp_free(tx);
	return err;
}

int mixer_part_opus(struct mixer *m, uint32_t id, const struct mix_opus_cfg *c)
{
	struct part *p;
	struct mix_opus_enc *probe = NULL;
	int err;

	if (!m || !c)
		return -EINVAL;
	err = mix_opus_enc_alloc(&probe, c); /* validates the settings */
	mix_opus_enc_free(probe);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (p) {
		p->base_cfg = *c;
		part_regroup(p);
	} else {
		err = -ENOENT;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

static void add_count(struct pcount *a, const struct pcount *b)
{
	a->rx_packets += b->rx_packets;
	a->rx_bytes += b->rx_bytes;
	a->tx_packets += b->tx_packets;
	a->tx_bytes += b->tx_bytes;
	a->tx_dtx += b->tx_dtx;
	a->rx_rtcp += b->rx_rtcp;
	a->tx_rtcp += b->tx_rtcp;
	a->drop_malformed += b->drop_malformed;
	a->drop_auth += b->drop_auth;
	a->drop_replay += b->drop_replay;
	a->drop_src += b->drop_src;
	a->drop_ssrc += b->drop_ssrc;
	a->drop_flood += b->drop_flood;
	a->drop_oversize += b->drop_oversize;
	a->drop_pt += b->drop_pt;
	a->tx_errors += b->tx_errors;
}

static void add_play(struct mix_playout_stats *a, const struct mix_playout_stats *b)
{
	a->decoded += b->decoded;
	a->skipped += b->skipped;
	a->plc += b->plc;
	a->fec += b->fec;
	a->dtx += b->dtx;
	a->corrupt += b->corrupt;
	a->jb.late += b->jb.late;
	a->jb.dup += b->jb.dup;
	a->jb.overflow += b->jb.overflow + b->jb.too_big;
}

void mixer_keep_counts(struct mixer *m, const struct part *p)
{
	struct mix_playout_stats ps;

	add_count(&m->gone, &p->c);
	if (p->po) {
		mix_playout_stats_get(p->po, &ps);
		add_play(&m->gone_play, &ps);
	}
}

int mixer_part_stats(struct mixer *m, uint32_t id, struct mixer_part_stats *st)
{
	struct part *p;
	int err = 0;

	if (!m || !st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&m->lock);
	p = find(m, id);
	if (!p) {
		err = -ENOENT;
		goto out;
	}
	st->ssrc = p->ssrc;
	st->remote_ssrc = p->rssrc;
	st->talking = p->talking;
	st->private_encode = p->private_last;
	st->level = p->level;
	st->rx_packets = p->c.rx_packets;
	st->rx_bytes = p->c.rx_bytes;
	st->tx_packets = p->c.tx_packets;
	st->tx_bytes = p->c.tx_bytes;
	st->tx_dtx = p->c.tx_dtx;
	st->rx_rtcp = p->c.rx_rtcp;
	st->tx_rtcp = p->c.tx_rtcp;
	st->drop_malformed = p->c.drop_malformed;
	st->drop_auth = p->c.drop_auth;
	st->drop_replay = p->c.drop_replay;
	st->drop_src = p->c.drop_src;
	st->drop_ssrc = p->c.drop_ssrc;
	st->drop_flood = p->c.drop_flood;
	st->drop_oversize = p->c.drop_oversize;
	st->drop_pt = p->c.drop_pt;
	if (p->have_ssrc) {
		st->lost = mix_rtp_src_lost(&p->rs);
		st->jitter_ms = mix_rtp_src_jitter_ts(&p->rs) / 48;
	}
	st->remote_fraction_lost = p->rfrac;
	st->remote_jitter_ms = p->rjitter / 48;
	st->rtt_ms = p->rtt_ms;
	st->opus = p->ocfg;
	mix_playout_stats_get(p->po, &st->play);
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

int mixer_stats(struct mixer *m, struct mixer_stats *st)
{
	struct pcount c;
	struct mix_playout_stats ps, sum;
	struct part *p;

	if (!m || !st)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	*st = m->st;
	c = m->gone;
	sum = m->gone_play;
	st->participants = 0;
	for (p = m->parts; p; p = p->next) {
		if (p->state == P_LEAVING)
			continue;
		st->participants++;
		add_count(&c, &p->c);
		mix_playout_stats_get(p->po, &ps);
		add_play(&sum, &ps);
	}
	pthread_mutex_unlock(&m->lock);
	st->rx_packets = c.rx_packets;
	st->rx_bytes = c.rx_bytes;
	st->tx_packets = c.tx_packets;
	st->tx_bytes = c.tx_bytes;
	st->drop_malformed = c.drop_malformed + sum.corrupt;
	st->drop_auth = c.drop_auth;
	st->drop_replay = c.drop_replay;
	st->drop_src = c.drop_src;
	st->drop_ssrc = c.drop_ssrc;
	st->drop_flood = c.drop_flood;
	st->drop_oversize = c.drop_oversize;
	st->drop_pt = c.drop_pt;
	st->tx_errors = c.tx_errors;
	st->decoded = sum.decoded;
	st->skipped = sum.skipped;
	st->plc = sum.plc;
	st->fec = sum.fec;
	st->drop_late = sum.jb.late;
	st->drop_dup = sum.jb.dup;
	st->drop_overflow = sum.jb.overflow;
	return 0;
}
