/*
 * fuzz_sdp.c - the focus's SDP decoder (focus/sdp.h). What decodes must
 * encode, decode again and encode to the same bytes; an offer we can
 * serve must be answerable, and the answer must decode with one m-line per
 * offered one. What does not decode must say why.
 */
#include <errno.h>
#include <string.h>

#include "focus/sdp.h"
#include "fuzz.h"

static struct fsdp a, b, ans;
static char out[16384], out2[16384];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[128];

	err[0] = 0;
	int rc = fsdp_decode(&a, (const char *)data, size, err, sizeof(err));
	if (rc) {
		FUZZ_ASSERT(rc == -EBADMSG || rc == -E2BIG);
		FUZZ_ASSERT(err[0] != 0);
		return 0;
	}
	int n = fsdp_encode(&a, out, sizeof(out));
	FUZZ_ASSERT(n > 0);
	rc = fsdp_decode(&b, out, (size_t)n, err, sizeof(err));
	if (rc)
		fprintf(stderr, "output refused: %s\n%s", err, out);
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(fsdp_encode(&b, out2, sizeof(out2)) == n && memcmp(out, out2, (size_t)n) == 0);

	int idx = fsdp_audio_pick(&a, true, NULL);
	if (idx >= 0) {
		struct fsdp_local l = {.addr = "127.0.0.1", .port = 5004, .dir = FSDP_SENDRECV,
				       .crypto = "1 AES_CM_128_HMAC_SHA1_80 inline:"
						 "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkw"};
		FUZZ_ASSERT(fsdp_answer(&a, idx, &l, &ans) == 0);
		n = fsdp_encode(&ans, out, sizeof(out));
		FUZZ_ASSERT(n > 0);
		FUZZ_ASSERT(fsdp_decode(&b, out, (size_t)n, err, sizeof(err)) == 0);
		FUZZ_ASSERT(b.nmedia == a.nmedia && b.media[idx].port == 5004);
	}
	return 0;
}
