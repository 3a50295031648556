/*
 * test.h - a minimal test harness: each test program has a table of named
 * tests, runs all of them (or those named on the command line), reports
 * each, and exits non-zero if any failed.
 */
#ifndef CHORUS_TEST_H
#define CHORUS_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test {
	const char *name;
	int (*fn)(void);  /* 0: passed; TEST_SKIP: could not be judged; else failed */
};

/* A test that could not be judged (say, a real-time test on a machine too
 * busy to run it on time) returns this: reported, not counted as failed. */
#define TEST_SKIP 77

extern int test_failed_checks;

#define TEST_FAIL(...)                                                            \
	do {                                                                      \
		fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                 \
		fprintf(stderr, __VA_ARGS__);                                     \
		fputc('\n', stderr);                                              \
		test_failed_checks++;                                             \
		return -1;                                                        \
	} while (0)

#define CHECK(cond)                                                               \
	do {                                                                      \
		if (!(cond))                                                      \
			TEST_FAIL("check failed: %s", #cond);                     \
	} while (0)

#define CHECK_EQ(a, b)                                                            \
	do {                                                                      \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);   \
		if (check_a_ != check_b_)                                         \
			TEST_FAIL("%s == %lld, want %s == %lld", #a, check_a_, #b, \
				  check_b_);                                      \
	} while (0)

#define CHECK_MEM(a, b, n)                                                        \
	do {                                                                      \
		if (memcmp((a), (b), (n)) != 0)                                   \
			TEST_FAIL("%s and %s differ in their %zu bytes", #a, #b,  \
				  (size_t)(n));                                   \
	} while (0)

int test_main(int argc, char **argv, const struct test *tests, size_t n);

#define TEST_MAIN(table)                                                          \
	int main(int argc, char **argv)                                           \
	{                                                                         \
		return test_main(argc, argv, table, sizeof(table) / sizeof(table[0])); \
	}

#endif
