/*
 * frame.c - link framing and ACK bookkeeping (RFC 6940 section 6.6.2)
 */
#include <string.h>

#include "relo/frame.h"

int relo_frame_decode(const uint8_t *buf, size_t len, size_t max_msg, struct relo_frame *f,
		      size_t *used)
{
	struct relo_rd r;
	size_t n;

	memset(f, 0, sizeof(*f));
	if (len < 1)
		return -EAGAIN;
	relo_rd_init(&r, buf, len);
	f->type = relo_rd_u8(&r);
	switch (f->type) {
	case RELO_FRAME_DATA:
		if (len < RELO_FRAME_DATA_HDR)
			return -EAGAIN;
		f->seq = relo_rd_u32(&r);
		n = relo_rd_u24(&r);
		if (n > max_msg)
			return -EMSGSIZE;
		if (relo_rd_left(&r) < n)
			return -EAGAIN;
		f->msg = relo_rd_fixed(&r, n);
		break;
	case RELO_FRAME_ACK:
		if (len < RELO_FRAME_ACK_LEN)
			return -EAGAIN;
		f->seq = relo_rd_u32(&r);
		f->received = relo_rd_u32(&r);
		break;
	default:
		return -EBADMSG;
	}
	if (r.err)
		return r.err;
	*used = len - relo_rd_left(&r);
	return 0;
}

void relo_frame_write_data(struct relo_wr *w, uint32_t seq, struct relo_bytes msg)
{
	relo_wr_u8(w, RELO_FRAME_DATA);
	relo_wr_u32(w, seq);
	relo_wr_vec(w, 3, 0xffffff, msg);
}

void relo_frame_write_ack(struct relo_wr *w, uint32_t ack_seq, uint32_t received)
{
	relo_wr_u8(w, RELO_FRAME_ACK);
	relo_wr_u32(w, ack_seq);
	relo_wr_u32(w, received);
}

void relo_ackwin_init(struct relo_ackwin *a)
{
	memset(a, 0, sizeof(*a));
}

uint32_t relo_ackwin_add(struct relo_ackwin *a, uint32_t seq)
{
	uint32_t bits = 0;
	unsigned i;

	for (i = 0; i < a->n; i++) {
		uint32_t d = seq - a->seq[i]; /* N - M, modulo 2^32 */
		if (d >= 1 && d <= 31)
			bits |= (uint32_t)1 << d;
	}
	a->seq[a->head] = seq;
	a->head = (a->head + 1) % 32;
	if (a->n < 32)
		a->n++;
	return bits;
}

bool relo_ack_covers(uint32_t ack_seq, uint32_t received, uint32_t seq)
{
	uint32_t d = ack_seq - seq;

	if (d == 0)
		return true;
	return d <= 31 && (received & ((uint32_t)1 << d));
}
