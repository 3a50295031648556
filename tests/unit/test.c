/*
 * test.c - runs a table of named tests (see test.h)
 */
#include <signal.h>
#include <time.h>

#include "test.h"

int test_failed_checks;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int test_main(int argc, char **argv, const struct test *tests, size_t n)
{
	size_t i, run = 0, failed = 0, skipped = 0;
	int a;

	/* Sockets closed by a peer must fail writes, not kill the process. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++) {
		double t0;
		int rc;
		bool want = argc < 2;

		for (a = 1; a < argc && !want; a++)
			want = strcmp(argv[a], tests[i].name) == 0;
		if (!want)
			continue;
		t0 = now_s();
		rc = tests[i].fn();
		run++;
		if (rc == TEST_SKIP)
			skipped++;
		else if (rc)
			failed++;
		printf("%-40s %s (%.1f ms)\n", tests[i].name,
		       rc == TEST_SKIP ? "skipped" : rc ? "FAIL" : "ok", (now_s() - t0) * 1e3);
		fflush(stdout);
	}
	if (!run) {
		fprintf(stderr, "no test matched\n");
		return 2;
	}
	if (skipped)
		printf("%zu tests, %zu failed, %zu skipped\n", run, failed, skipped);
	else
		printf("%zu tests, %zu failed\n", run, failed);
	return failed ? 1 : 0;
}
