/*
 * fuzz_stored.c - stored values as a peer keeps and returns them: the
 * first byte picks the data model (as a Kind's definition would), the
 * rest is a StoredData. What decodes must re-encode to the same bytes
 * and yield its signature input.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relo_stored_data sd;
	struct relo_rd r;
	struct relo_wr w;
	enum relo_model model;

	if (size < 1)
		return 0;
	model = (enum relo_model)(data[0] % 5);
	relo_rd_init(&r, data + 1, size - 1);
	relo_stored_data_read(&r, model, &sd);
	if (r.err || relo_rd_left(&r))
		return 0;
	relo_wr_init_dyn(&w, 0);
	relo_stored_data_write(&w, &sd);
	FUZZ_ASSERT(w.err == 0 && w.len == size - 1 && memcmp(w.buf, data + 1, w.len) == 0);
	relo_wr_reset(&w);
	if (sd.value.model != RELO_MODEL_RAW)
		FUZZ_ASSERT(relo_stored_sig_input(relo_bytes_str("resource"), 0xf0000001u, &sd,
						  &w) == 0);
	relo_wr_free(&w);
	return 0;
}
