/*
 * rtpstat.c - receive statistics per source: sequence validation and
 * wrap (RFC 3550 A.1), loss (A.3), interarrival jitter (A.8); clocks.
 */
#include <string.h>
#include <time.h>

#include "mix/rtcp.h"
#include "mix/rtp.h"

#define MAX_DROPOUT 3000
#define MAX_MISORDER 100
#define SEQ_MOD (1u << 16)

static void init_seq(struct mix_rtp_src *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = SEQ_MOD + 1; /* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->received_prior = 0;
	s->expected_prior = 0;
}

void mix_rtp_src_init(struct mix_rtp_src *s, uint32_t ssrc, uint16_t seq, uint32_t clock_rate,
		      unsigned min_sequential)
{
	memset(s, 0, sizeof(*s));
	s->ssrc = ssrc;
	s->clock_rate = clock_rate ? clock_rate : 8000;
	init_seq(s, seq);
	if (min_sequential) {
		s->max_seq = (uint16_t)(seq - 1);
		s->probation = min_sequential;
	}
}

int mix_rtp_src_update(struct mix_rtp_src *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (s->probation) {
		/* Packets must arrive in sequence before the source is valid. */
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				init_seq(s, seq);
				s->received++;
				return 1;
			}
		} else {
			s->probation = 1;
			s->max_seq = seq;
		}
		return 0;
	}
	if (udelta < MAX_DROPOUT) {
		/* In order, with a permissible gap. */
		if (seq < s->max_seq)
			s->cycles += SEQ_MOD; /* wrapped */
		s->max_seq = seq;
	} else if (udelta <= SEQ_MOD - MAX_MISORDER) {
		/* A very large jump: believe it only if the next packet follows it. */
		if (seq == s->bad_seq) {
			init_seq(s, seq);
		} else {
			s->bad_seq = (seq + 1) & (SEQ_MOD - 1);
			return 0;
		}
	}
	/* else a duplicate or reordered packet: counted, as A.1 does. */
	s->received++;
	return 1;
}

void mix_rtp_src_jitter(struct mix_rtp_src *s, uint32_t rtp_ts, uint64_t arrival_us)
{
	uint32_t arrival = (uint32_t)(arrival_us * s->clock_rate / 1000000u);
	uint32_t transit = arrival - rtp_ts;
	int32_t d;

	if (s->have_transit) {
		d = (int32_t)(transit - s->transit);
		if (d < 0)
			d = -d;
		/* J += (|D| - J) / 16, kept scaled by 16 */
		s->jitter += (uint32_t)d - ((s->jitter + 8) >> 4);
	}
	s->transit = transit;
	s->have_transit = true;
}

uint32_t mix_rtp_src_ext_max(const struct mix_rtp_src *s)
{
	return s->cycles + s->max_seq;
}

int32_t mix_rtp_src_lost(const struct mix_rtp_src *s)
{
	int64_t expected = (int64_t)mix_rtp_src_ext_max(s) - s->base_seq + 1;
	int64_t lost = expected - s->received;

	if (lost > 0x7fffff)
		lost = 0x7fffff;
	if (lost < -0x800000)
		lost = -0x800000;
	return (int32_t)lost;
}

uint32_t mix_rtp_src_jitter_ts(const struct mix_rtp_src *s)
{
	return s->jitter >> 4;
}

void mix_rtp_src_report(struct mix_rtp_src *s, struct mix_rtcp_rb *rb)
{
	uint32_t expected = mix_rtp_src_ext_max(s) - s->base_seq + 1;
	uint32_t exp_int = expected - s->expected_prior;
	uint32_t rec_int = s->received - s->received_prior;
	int64_t lost_int = (int64_t)exp_int - rec_int;

	s->expected_prior = expected;
	s->received_prior = s->received;
	memset(rb, 0, sizeof(*rb));
	rb->ssrc = s->ssrc;
	rb->fraction = (exp_int == 0 || lost_int <= 0) ? 0 : (uint8_t)((lost_int << 8) / exp_int);
	rb->lost = mix_rtp_src_lost(s);
	rb->ext_seq = mix_rtp_src_ext_max(s);
	rb->jitter = mix_rtp_src_jitter_ts(s);
}

uint64_t mix_ntp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* 2208988800: seconds from 1900 to 1970 */
	return ((uint64_t)ts.tv_sec + 2208988800u) << 32 |
	       (uint64_t)(((uint64_t)ts.tv_nsec << 32) / 1000000000u);
}

uint64_t mix_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
