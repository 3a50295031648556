/*
 * relo/frame.h - overlay link framing (RFC 6940 section 6.6.2) and
 * fragmentation and reassembly (section 6.7)
 */
#ifndef RELO_FRAME_H
#define RELO_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relo/msg.h"
#include "relo/wire.h"

enum relo_frame_type { RELO_FRAME_DATA = 128, RELO_FRAME_ACK = 129 };

#define RELO_FRAME_DATA_HDR 8  /* type, sequence, 24-bit length */
#define RELO_FRAME_ACK_LEN 9   /* type, ack_sequence, received */

/** A FramedMessage. */
struct relo_frame {
	uint8_t type;
	uint32_t seq;          /* data: sequence; ack: ack_sequence */
	uint32_t received;     /* ack only */
	struct relo_bytes msg; /* data only: a view into the input */
};

/**
 * Decodes the frame at the start of buf. On success *used is its size.
 * For a stream (TLS/TCP) a frame that is not complete yet returns
 * -EAGAIN; call again with more bytes. For a datagram, pass the whole
 * datagram and treat -EAGAIN, or *used != len, as -EBADMSG.
 * Errors: -EBADMSG (unknown frame type), -EMSGSIZE (message longer than
 * max_msg). After either error a stream cannot find its next frame: close
 * the link.
 */
RELO_API int relo_frame_decode(const uint8_t *buf, size_t len, size_t max_msg,
			       struct relo_frame *f, size_t *used);
RELO_API void relo_frame_write_data(struct relo_wr *w, uint32_t seq, struct relo_bytes msg);
RELO_API void relo_frame_write_ack(struct relo_wr *w, uint32_t ack_seq, uint32_t received);

/**
 * The receiver side of section 6.6.2: remembers the 32 most recent
 * sequence numbers and builds the ACK for each data frame received.
 */
struct relo_ackwin {
	uint32_t seq[32];
	unsigned n;    /* how many are valid */
	unsigned head; /* next slot to overwrite */
};

RELO_API void relo_ackwin_init(struct relo_ackwin *a);
/**
 * Records data frame seq and returns the received bitmap for its ACK: bit
 * (N - M) is set for each remembered M with N - 32 < M < N (bit 0, N
 * itself, is never set; sequence numbers wrap modulo 2^32).
 */
RELO_API uint32_t relo_ackwin_add(struct relo_ackwin *a, uint32_t seq);
/** Sender side: true if an ACK (ack_seq, received) covers seq. */
RELO_API bool relo_ack_covers(uint32_t ack_seq, uint32_t received, uint32_t seq);

/* ---- fragmentation (section 6.7) ---- */

/** Called once per fragment, in order; a nonzero return stops the split. */
typedef int (relo_frag_h)(const uint8_t *frag, size_t len, void *arg);

/**
 * Splits an encoded message into equal fragments of at most mtu - 32 bytes
 * each, every fragment a full forwarding header plus a slice of what
 * follows it (at least 256 bytes; only the last may be shorter), with the
 * offset and the last bit in its fragment field and its own size in its
 * length field. A message that fits in mtu - 32 is passed on whole.
 * -EMSGSIZE when a fragment could not carry 256 bytes of body (RFC 6940:
 * then IP fragmentation is left to do the job).
 */
RELO_API int relo_frag_split(const struct relo_wirecfg *cfg, const uint8_t *msg, size_t len,
			     size_t mtu, relo_frag_h *h, void *arg);

struct relo_reasm;

struct relo_reasm_cfg {
	size_t max_msg;       /* the largest reassembled message (max-message-size) */
	size_t max_bytes;     /* buffer space for all pending messages */
	unsigned max_pending; /* messages being reassembled at once */
	uint64_t timeout_ms;  /* drop incomplete messages after this (15 s) */
};

RELO_API int relo_reasm_alloc(struct relo_reasm **rp, const struct relo_wirecfg *cfg,
			      const struct relo_reasm_cfg *rc);
RELO_API void relo_reasm_free(struct relo_reasm *r);

/**
 * Adds one received fragment (a whole message with its fragment field).
 * Returns 0 and *out = NULL while incomplete; 0 and *out (malloc'd, the
 * caller frees) once the message is whole, its fragment field 0xC0000000
 * and its length set. A message that was never fragmented comes straight
 * back as a copy. Errors: -EBADMSG (bad header, overlapping fragments
 * that disagree, a fragment past the end), -EMSGSIZE (larger than
 * max_msg), -ENOBUFS (no buffer space: the partial message is dropped),
 * -ENOMEM.
 */
RELO_API int relo_reasm_add(struct relo_reasm *r, const uint8_t *frag, size_t len,
			    uint64_t now_ms, uint8_t **out, size_t *out_len);
/** Drops messages older than the timeout; returns how many. */
RELO_API unsigned relo_reasm_expire(struct relo_reasm *r, uint64_t now_ms);
/** Messages pending and buffer bytes in use. */
RELO_API void relo_reasm_usage(const struct relo_reasm *r, unsigned *pending, size_t *bytes);

#endif
