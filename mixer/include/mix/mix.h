/*
 * mix/mix.h - what every part of libchorusmix shares: the export macro,
 * log levels and the log callback type.
 *
 * Errors (negative errno, one meaning each, across the library):
 *   -EINVAL    a bad argument from the caller
 *   -EBADMSG   malformed input from the network (a length, a version, a field)
 *   -EMSGSIZE  input or output larger than a configured or protocol maximum
 *   -ENOSPC    an output buffer is too small
 *   -ENOMEM    out of memory
 *   -ENOTSUP   well-formed input that uses something we do not implement
 *   -ENOENT    something looked up is not there
 *   -EACCES    SRTP/SRTCP authentication failed
 *   -EALREADY  a replayed or duplicate packet
 *   -EPROTO    a protocol violation by a peer (e.g. an SSRC it may not use)
 */
#ifndef MIX_MIX_H
#define MIX_MIX_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define MIX_API __attribute__((visibility("default")))
#else
#define MIX_API
#endif

enum mix_log_level { MIX_LOG_ERR = 0, MIX_LOG_WARN, MIX_LOG_INFO, MIX_LOG_DEBUG };

/** A log sink: called with one line (no newline). May be called from the
 *  media thread; it must not call back into the mixer. */
typedef void(mix_log_h)(void *arg, enum mix_log_level level, const char *line);

MIX_API const char *mix_log_level_name(enum mix_log_level l);

/** Wipes a secret so the compiler cannot drop the stores. */
MIX_API void mix_wipe(void *p, size_t n);

#endif
