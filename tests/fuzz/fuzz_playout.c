/*
 * fuzz_playout.c - what a source sends, after SRTP, into the mixer's
 * playout: the jitter buffer (any sequence numbers, timestamps, arrival
 * times, levels, sizes) and the Opus decoder (any payload), pulled a frame
 * at a time as the mixer's clock does. Each record of the input:
 *   seq delta (2 bytes, signed), ts delta in 2.5 ms units (1, signed),
 *   arrival delta in ms (1), meta flags (1), payload length (1), payload;
 * a record with payload length 0 pulls a frame instead.
 */
#include <string.h>

#include "fuzz.h"
#include "mix/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mix_playout *p = NULL;
	struct mix_playout_stats st;
	struct mix_jbuf_cfg jc;
	struct mix_pull info;
	int16_t pcm[MIX_FRAME];
	uint16_t seq = 1000;
	uint32_t ts = 48000;
	uint64_t now = 1000000, pulled = 0;
	size_t i = 0;

	memset(&jc, 0, sizeof(jc));
	jc.max_packets = 16;
	jc.max_payload = 400;
	if (mix_playout_alloc(&p, &jc))
		return 0;
	while (i + 6 <= size) {
		int16_t ds = (int16_t)(data[i] << 8 | data[i + 1]);
		int8_t dt = (int8_t)data[i + 2];
		uint8_t darr = data[i + 3], flags = data[i + 4], len = data[i + 5];
		uint32_t meta = 0;
		int err;

		i += 6;
		now += darr * 1000u;
		if (len == 0 || i + len > size) {
			mix_playout_pull(p, now, flags & 1, pcm, &info);
			pulled++;
			FUZZ_ASSERT(!info.decoded || info.active);
			FUZZ_ASSERT(!info.has_level || info.level <= 127);
			continue;
		}
		seq = (uint16_t)(seq + ds);
		ts += (uint32_t)(int32_t)dt * 120u;
		if (flags & 2)
			meta |= MIX_META_LEVEL | (flags >> 2 & 0x3f) * 2u;
		if (flags & 4)
			meta |= MIX_META_VAD;
		if (flags & 0x80)
			meta |= MIX_META_SILENT;
		err = mix_playout_put(p, seq, ts, data + i, len, meta, now);
		FUZZ_ASSERT(err == 0 || err == -EBADMSG || err == -EALREADY || err == -ETIME ||
			    err == -ENOBUFS || err == -EMSGSIZE || err == -EINVAL);
		i += len;
	}
	mix_playout_stats_get(p, &st);
	FUZZ_ASSERT(st.jb.buffered <= 16);
	mix_playout_free(p);
	(void)pulled;
	return 0;
}
