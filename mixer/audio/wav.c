/*
 * wav.c - WAV files in and out (mix/wav.h)
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mix/wav.h"

#define MIX_RATE 48000
#define WAV_HEADER 44
#define WAV_MAX_BYTES (UINT32_MAX - WAV_HEADER) /* data a RIFF length can say */

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

__attribute__((format(printf, 4, 5))) static int fail(int ret, char *err, size_t errlen,
						      const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

struct wav_fmt {
	uint16_t channels;
	uint32_t rate;
};

static int read_fmt(const uint8_t *p, uint32_t len, struct wav_fmt *fmt, char *err, size_t errlen)
{
	if (len < 16)
		return fail(-EBADMSG, err, errlen, "fmt chunk of %u bytes (16 at least)", len);
	uint16_t tag = le16(p), bits = le16(p + 14);
	fmt->channels = le16(p + 2);
	fmt->rate = le32(p + 4);
	if (tag != 1)
		return fail(-ENOTSUP, err, errlen, "format %u, not PCM (1)", tag);
	if (bits != 16)
		return fail(-ENOTSUP, err, errlen, "%u bits per sample, not 16", bits);
	if (fmt->channels < 1 || fmt->channels > 2)
		return fail(-ENOTSUP, err, errlen, "%u channels (1 or 2)", fmt->channels);
	if (fmt->rate < 8000 || fmt->rate > 192000)
		return fail(-ENOTSUP, err, errlen, "rate %u Hz (8000 to 192000)", fmt->rate);
	return 0;
}

/* frames of fmt at p, to 48 kHz mono: linear interpolation */
static int resample(const uint8_t *p, size_t frames, const struct wav_fmt *fmt,
		    struct mix_pcm *out)
{
	size_t stride = 2u * fmt->channels;
	out->n = (size_t)((double)frames * MIX_RATE / fmt->rate);
	out->s = malloc((out->n + 1) * sizeof(int16_t));
	if (!out->s)
		return -ENOMEM;
	for (size_t i = 0; i < out->n; i++) {
		double x = (double)i * fmt->rate / MIX_RATE;
		size_t k = (size_t)x;
		double fr = x - (double)k, a = 0, b = 0;
		for (unsigned c = 0; c < fmt->channels; c++) {
			a += (int16_t)le16(p + k * stride + 2 * c);
			if (k + 1 < frames)
				b += (int16_t)le16(p + (k + 1) * stride + 2 * c);
		}
		if (k + 1 >= frames)
			b = a;
		out->s[i] = (int16_t)lrint((a * (1 - fr) + b * fr) / fmt->channels);
	}
	return 0;
}

int mix_wav_decode(const uint8_t *buf, size_t len, unsigned max_seconds, struct mix_pcm *out,
		   char *err, size_t errlen)
{
	struct wav_fmt fmt;
	bool have_fmt = false;
	size_t off = 12;

	if (!buf || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!max_seconds)
		max_seconds = MIX_WAV_MAX_SECONDS;
	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		return fail(-EBADMSG, err, errlen, "not a RIFF/WAVE file");
	while (len - off >= 8) {
		const uint8_t *ck = buf + off;
		uint32_t cklen = le32(ck + 4);
		size_t avail = len - off - 8;
		off += 8;
		if (!memcmp(ck, "data", 4)) {
			if (!have_fmt)
				return fail(-EBADMSG, err, errlen, "data chunk before the fmt chunk");
			/* A data length past the end is common in files that were
			 * being written (streamed recordings): take what is there. */
			size_t n = cklen < avail ? cklen : avail;
			size_t frames = n / (2u * fmt.channels);
			if ((uint64_t)frames > (uint64_t)fmt.rate * max_seconds)
				return fail(-EMSGSIZE, err, errlen, "longer than %u s", max_seconds);
			int ret = resample(buf + off, frames, &fmt, out);
			return ret ? fail(ret, err, errlen, "out of memory") : 0;
		}
		if (cklen > avail)
			return fail(-EBADMSG, err, errlen, "chunk '%.4s' of %u bytes, %zu left", ck,
				    cklen, avail);
		if (!memcmp(ck, "fmt ", 4)) {
			int ret = read_fmt(buf + off, cklen, &fmt, err, errlen);
			if (ret)
				return ret;
			have_fmt = true;
		}
		off += cklen;
		if ((cklen & 1) && off < len) /* chunks are padded to even lengths */
			off++;
	}
	return fail(-EBADMSG, err, errlen, "no data chunk");
}

int mix_wav_read(const char *path, unsigned max_seconds, struct mix_pcm *out, char *err,
		 size_t errlen)
{
	if (!path || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!max_seconds)
		max_seconds = MIX_WAV_MAX_SECONDS;
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(-errno, err, errlen, "%s", strerror(errno));
	/* the largest file the cap allows: 192 kHz stereo, plus headers */
	uint64_t cap = (uint64_t)max_seconds * 192000 * 4 + 4096;
	long size = -1;
	if (fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET)) {
		int e = errno ? -errno : -EIO;
		fclose(f);
		return fail(e, err, errlen, "cannot seek");
	}
	if ((uint64_t)size > cap || (uint64_t)size > SIZE_MAX) {
		fclose(f);
		return fail(-EMSGSIZE, err, errlen, "%ld bytes, longer than %u s can be", size,
			    max_seconds);
	}
	uint8_t *buf = malloc((size_t)size + 1);
	if (!buf) {
		fclose(f);
		return fail(-ENOMEM, err, errlen, "out of memory");
	}
	size_t got = fread(buf, 1, (size_t)size, f);
	int ret = ferror(f) ? fail(-EIO, err, errlen, "read error")
			    : mix_wav_decode(buf, got, max_seconds, out, err, errlen);
	free(buf);
	fclose(f);
	return ret;
}

void mix_pcm_free(struct mix_pcm *p)
{
	if (!p)
		return;
	free(p->s);
	p->s = NULL;
	p->n = 0;
}

static void header(uint8_t h[WAV_HEADER], uint32_t data_bytes)
{
	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data_bytes);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, 1);
	put16(h + 22, 1);
	put32(h + 24, MIX_RATE);
	put32(h + 28, MIX_RATE * 2);
	put16(h + 32, 2);
	put16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put32(h + 40, data_bytes);
}

int mix_wav_create(struct mix_wav_writer *w, const char *path)
{
	uint8_t h[WAV_HEADER];

	if (!w || !path)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wb");
	if (!w->f)
		return -errno;
	header(h, 0);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h))
		w->err = -EIO;
	return w->err;
}

int mix_wav_append(struct mix_wav_writer *w, const int16_t *s, size_t n)
{
	uint8_t b[2 * 480];

	if (!w || !w->f)
		return -EINVAL;
	if (w->err)
		return w->err;
	if ((w->samples + n) * 2 > WAV_MAX_BYTES)
		return w->err = -EMSGSIZE;
	while (n) {
		size_t k = n < 480 ? n : 480;
		for (size_t i = 0; i < k; i++)
			put16(b + 2 * i, (uint16_t)s[i]);
		if (fwrite(b, 2, k, w->f) != k)
			return w->err = -EIO;
		w->samples += k;
		s += k;
		n -= k;
	}
	return 0;
}

int mix_wav_close(struct mix_wav_writer *w)
{
	uint8_t h[WAV_HEADER];

	if (!w || !w->f)
		return -EINVAL;
	header(h, (uint32_t)(w->samples * 2));
	if (!w->err && (fseek(w->f, 0, SEEK_SET) || fwrite(h, 1, sizeof(h), w->f) != sizeof(h)))
		w->err = -EIO;
	if (fclose(w->f) && !w->err)
		w->err = -EIO;
	w->f = NULL;
	return w->err;
}

int mix_wav_write(const char *path, const int16_t *s, size_t n)
{
	struct mix_wav_writer w;
	int ret = mix_wav_create(&w, path);
	if (!ret)
		ret = mix_wav_append(&w, s, n);
	int cret = w.f ? mix_wav_close(&w) : ret;
	return ret ? ret : cret;
}
