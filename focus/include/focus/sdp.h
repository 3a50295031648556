/*
 * focus/sdp.h - the SDP a focus reads and writes (RFC 4566, offer/answer
 * RFC 3264), for audio with Opus (RFC 7587), SDES keys (RFC 4568) and the
 * RFC 6464 audio level.
 *
 * The decoder reads any session description into a bounded structure:
 * every line is checked (type, syntax, length), every number against its
 * range, and anything beyond the limits below is an error, not a
 * truncation. Attributes it has no use for are skipped. Sofia-SIP's soa is
 * not used: it does no SRTP keying (see docs/focus.md).
 *
 * The answer is built by fsdp_answer(): every offered m-line gets one in
 * the answer, in order; the first audio stream with Opus on a profile we
 * can serve is accepted, every other stream is refused with port 0.
 *
 * Functions return 0 or a negative errno: -EBADMSG malformed, -E2BIG over
 * a limit, -ENOTSUP nothing we can accept, -ENOSPC output buffer too small.
 */
#ifndef FOCUS_SDP_H
#define FOCUS_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mix/codec.h"
#include "mix/srtp.h"

#define FSDP_MAX_LEN 16384      /* bytes of SDP we read */
#define FSDP_MAX_MEDIA 8        /* m-lines */
#define FSDP_MAX_FMT 16         /* payload types per m-line */
#define FSDP_MAX_CRYPTO 8       /* a=crypto lines per m-line */
#define FSDP_ADDR_LEN 64
#define FSDP_TOKEN_LEN 32
#define FSDP_FMTP_LEN 160
#define FSDP_CRYPTO_LEN 200

enum fsdp_dir { FSDP_SENDRECV = 0, FSDP_SENDONLY, FSDP_RECVONLY, FSDP_INACTIVE };

enum fsdp_proto {
	FSDP_PROTO_OTHER = 0,   /* anything else: refused */
	FSDP_RTP_AVP,           /* RTP/AVP: plain RTP */
	FSDP_RTP_SAVP,          /* RTP/SAVP: SRTP with SDES */
	FSDP_RTP_AVPF,          /* RTP/AVPF */
	FSDP_RTP_SAVPF,         /* RTP/SAVPF */
};

struct fsdp_fmt {
	uint8_t pt;
	char name[FSDP_TOKEN_LEN];  /* from a=rtpmap; "" when absent */
	uint32_t rate;
	uint8_t channels;
	char fmtp[FSDP_FMTP_LEN];   /* a=fmtp parameters as they were */
};

struct fsdp_media {
	char type[FSDP_TOKEN_LEN];  /* audio, video, ... */
	uint16_t port;
	char proto_text[FSDP_TOKEN_LEN];
	enum fsdp_proto proto;
	char fmt_text[FSDP_FMTP_LEN]; /* the formats of the m-line, as they were */
	uint8_t nfmt;               /* RTP profiles: the payload types */
	struct fsdp_fmt fmt[FSDP_MAX_FMT];
	char addr[FSDP_ADDR_LEN];   /* c= of the media, else of the session */
	int family;                 /* AF_INET or AF_INET6 */
	enum fsdp_dir dir;
	uint32_t ptime, maxptime;   /* ms; 0: absent */
	uint8_t ncrypto;
	char crypto[FSDP_MAX_CRYPTO][FSDP_CRYPTO_LEN]; /* a=crypto values, as they were */
	uint8_t level_ext_id;       /* a=extmap of ssrc-audio-level; 0: none */
	bool level_vad;             /* ... with vad=on */
	bool rtcp_mux;
	uint32_t ssrc;              /* the first a=ssrc; 0: none */
};

struct fsdp {
	char user[FSDP_TOKEN_LEN];  /* o= */
	uint64_t sess_id, sess_version;
	char origin_addr[FSDP_ADDR_LEN];
	char session_name[FSDP_TOKEN_LEN];
	uint8_t nmedia;
	struct fsdp_media media[FSDP_MAX_MEDIA];
};

/** What we offer or answer with for our one audio stream. */
struct fsdp_local {
	const char *user;           /* o= user; NULL: "chorus" */
	uint64_t sess_id, sess_version;
	const char *addr;           /* IP literal of our RTP socket */
	uint16_t port;
	uint8_t pt;                 /* our Opus payload type in an offer; 0: 111 */
	const char *crypto;         /* our a=crypto value (with its tag); NULL: plain RTP */
	uint8_t level_ext_id;       /* we send RFC 6464 levels with it; 0: no */
	enum fsdp_dir dir;
	bool rtcp_mux;
	const char *fmtp;           /* our Opus a=fmtp (how we want to receive);
				       NULL: FSDP_OPUS_FMTP */
};

/* In-band FEC welcome, 10 ms frames possible; no DTX asked for (it cuts
 * steady tones and music). A focus adds usedtx=1: silence costs it nothing. */
#define FSDP_OPUS_FMTP "minptime=10;useinbandfec=1"

/**
 * Reads a session description. On error, err (when given) says what and
 * on which line.
 */
int fsdp_decode(struct fsdp *s, const char *buf, size_t len, char *err, size_t errlen);

/** Writes s; returns its length, or -ENOSPC. */
int fsdp_encode(const struct fsdp *s, char *buf, size_t size);

/**
 * The index of the first audio m-line we can serve (port not 0, Opus at
 * 48000/2, RTP/AVP(F) when allow_plain, or RTP/SAVP(F) with at least one
 * a=crypto), and its Opus format in *fmt; -ENOTSUP when there is none.
 */
int fsdp_audio_pick(const struct fsdp *offer, bool allow_plain, const struct fsdp_fmt **fmt);

/**
 * Builds the answer to offer: the m-line at index idx accepted with local
 * (its Opus payload type as offered, the direction answering the offer's),
 * every other one refused with port 0.
 */
int fsdp_answer(const struct fsdp *offer, int idx, const struct fsdp_local *local,
		struct fsdp *answer);

/** Builds an offer of one audio stream with Opus. */
int fsdp_offer(const struct fsdp_local *local, struct fsdp *offer);

const char *fsdp_dir_name(enum fsdp_dir d);

/**
 * How to encode for a receiver, from its Opus a=fmtp (RFC 7587 6.1):
 * maxaveragebitrate caps the bitrate (6000..510000), maxplaybackrate the
 * audio bandwidth (8000..48000), useinbandfec=1 lets us send in-band FEC,
 * usedtx=1 asks for DTX, cbr=1 for constant bitrate. *c starts from the
 * defaults; a parameter that is unknown or out of range is ignored, as the
 * RFC says.
 */
void fsdp_opus_cfg(const struct fsdp_fmt *f, struct mix_opus_cfg *c);

/** The address and port of a media line, as a socket address; -EINVAL
 * when c= is not an IP literal of its family. */
int fsdp_media_sockaddr(const struct fsdp_media *m, struct sockaddr_storage *ss);

/**
 * The a=crypto of m we take: our preference among the ones we can use.
 * Returns its index in m->crypto and its keys in *rx (wipe them after
 * use), or -ENOTSUP when none is usable.
 */
int fsdp_crypto_pick(const struct fsdp_media *m, struct mix_sdes *rx);

#endif
