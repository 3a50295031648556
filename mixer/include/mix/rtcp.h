/*
 * mix/rtcp.h - RTCP compound packets (RFC 3550 section 6): SR, RR, SDES,
 * BYE, APP, and the feedback and XR types carried opaquely.
 *
 * The decoder walks a compound packet one RTCP packet at a time with an
 * iterator; every length field is checked against the bytes present and
 * against its count field, and anything malformed is -EBADMSG. Views
 * point into the caller's buffer.
 */
#ifndef MIX_RTCP_H
#define MIX_RTCP_H

#include "mix/mix.h"

enum mix_rtcp_type {
	MIX_RTCP_SR = 200,
	MIX_RTCP_RR = 201,
	MIX_RTCP_SDES = 202,
	MIX_RTCP_BYE = 203,
	MIX_RTCP_APP = 204,
	MIX_RTCP_RTPFB = 205, /* RFC 4585 */
	MIX_RTCP_PSFB = 206,  /* RFC 4585 */
	MIX_RTCP_XR = 207,    /* RFC 3611 */
};

enum mix_sdes_type {
	MIX_SDES_END = 0, MIX_SDES_CNAME = 1, MIX_SDES_NAME = 2, MIX_SDES_EMAIL = 3,
	MIX_SDES_PHONE = 4, MIX_SDES_LOC = 5, MIX_SDES_TOOL = 6, MIX_SDES_NOTE = 7,
	MIX_SDES_PRIV = 8,
};

#define MIX_RTCP_MAX_COUNT 31 /* the 5-bit count field */

/** A reception report block. */
struct mix_rtcp_rb {
	uint32_t ssrc;
	uint8_t fraction;     /* fraction lost since the last report, /256 */
	int32_t lost;         /* cumulative lost, 24-bit signed */
	uint32_t ext_seq;     /* extended highest sequence number received */
	uint32_t jitter;      /* interarrival jitter, timestamp units */
	uint32_t lsr;         /* middle 32 bits of the last SR's NTP time */
	uint32_t dlsr;        /* delay since that SR, 1/65536 s */
};

/** One SDES chunk: its source, the CNAME and NAME items (other items are
 *  checked and skipped). */
struct mix_rtcp_chunk {
	uint32_t ssrc;
	const uint8_t *cname;
	uint8_t cname_len;
	const uint8_t *name;
	uint8_t name_len;
};

/** One RTCP packet of a compound. Fields by type:
 *  SR: ssrc, ntp, rtp_ts, pkt_count, octet_count, rb[count]
 *  RR: ssrc, rb[count]
 *  SDES: chunk[count]
 *  BYE: src[count], reason
 *  APP: count (subtype), ssrc, name, data
 *  anything else: count (FMT), body (everything after the 4-byte header) */
struct mix_rtcp_pkt {
	uint8_t pt;
	uint8_t count;        /* RC, SC, subtype or FMT */
	bool padding;         /* had padding (decode only; never written) */
	uint32_t ssrc;
	uint64_t ntp;
	uint32_t rtp_ts;
	uint32_t pkt_count;
	uint32_t octet_count;
	struct mix_rtcp_rb rb[MIX_RTCP_MAX_COUNT];
	struct mix_rtcp_chunk chunk[MIX_RTCP_MAX_COUNT];
	uint32_t src[MIX_RTCP_MAX_COUNT];
	const uint8_t *reason;
	uint8_t reason_len;
	char name[4];
	const uint8_t *data;  /* APP data / the body of other types */
	size_t data_len;
};

struct mix_rtcp_iter {
	const uint8_t *p;
	const uint8_t *end;
	unsigned index;
	int err;
};

/** Flags for mix_rtcp_validate(). */
#define MIX_RTCP_REDUCED 1u /* RFC 5506: a compound need not start with SR/RR */

/**
 * Checks a whole compound packet (RFC 3550 A.2): version 2 everywhere,
 * lengths that add up exactly, padding only on the last packet, and (unless
 * MIX_RTCP_REDUCED) SR or RR first. Returns 0 or -EBADMSG.
 */
MIX_API int mix_rtcp_validate(const uint8_t *buf, size_t len, unsigned flags);

MIX_API void mix_rtcp_iter_init(struct mix_rtcp_iter *it, const uint8_t *buf, size_t len);

/**
 * Decodes the next packet of the compound into pkt. Returns 1 (one
 * decoded), 0 (the end) or -EBADMSG (and every later call fails too).
 */
MIX_API int mix_rtcp_next(struct mix_rtcp_iter *it, struct mix_rtcp_pkt *pkt);

/**
 * Appends pkts[0..n) to buf as one compound packet (no padding). Returns 0,
 * -EINVAL (a count or length out of range) or -ENOSPC; *len gets the
 * length of the compound.
 */
MIX_API int mix_rtcp_encode(uint8_t *buf, size_t cap, const struct mix_rtcp_pkt *pkts,
			    size_t n, size_t *len);

/** True when the first bytes look like RTCP rather than RTP (RFC 5761 demux). */
static inline bool mix_rtcp_is(const uint8_t *buf, size_t len)
{
	return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/** The middle 32 bits of an NTP timestamp (LSR). */
static inline uint32_t mix_ntp_mid(uint64_t ntp)
{
	return (uint32_t)(ntp >> 16);
}

#endif
