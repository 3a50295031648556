/*
 * fuzz_cert.c - certificates and reload:// URIs from peers: what
 * relo_cert_parse() reads of a DER certificate (the Node-IDs in its
 * SubjectAltName URIs, the rfc822Name), and the URI parser on its own.
 */
#include "fuzz.h"
#include "relo/sec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relo_certinfo info;
	struct relo_nodeid n;
	char uri[512], overlay[256];
	size_t i;

	if (relo_cert_parse(data, size, "chorus.example", 16, &info) == 0) {
		FUZZ_ASSERT(info.n_nodeids > 0 && info.n_nodeids <= RELO_CERT_MAX_NODEIDS);
		for (i = 0; i < info.n_nodeids; i++)
			FUZZ_ASSERT(info.nodeids[i].len == 16);
		FUZZ_ASSERT(memchr(info.user, 0, sizeof(info.user)) != NULL);
	}
	relo_cert_parse(data, size, NULL, 20, &info);
	if (size < sizeof(uri)) {
		memcpy(uri, data, size);
		uri[size] = '\0';
		if (relo_uri_parse(uri, 16, &n, overlay, sizeof(overlay)) == 0) {
			/* What parses formats back to the same URI. */
			char again[512];
			FUZZ_ASSERT(relo_uri_format(&n, overlay, again, sizeof(again)) == 0);
			FUZZ_ASSERT(strcasecmp(again, uri) == 0);
		}
	}
	return 0;
}
