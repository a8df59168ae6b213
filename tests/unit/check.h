/* Minimal unit-test helpers. Each test program prints one TAP-style line per
 * check ("ok - ..." / "not ok - ..."), and tests/run counts them. A test
 * program exits 1 if any check failed. */
#ifndef NETROOT_CHECK_H
#define NETROOT_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed, check_total;

#define CHECK(cond, ...) do {                                              \
	check_total++;                                                     \
	if (cond) {                                                        \
		printf("ok - ");                                           \
	} else {                                                           \
		check_failed++;                                            \
		printf("not ok - %s:%d: (%s) ", __FILE__, __LINE__, #cond); \
	}                                                                  \
	printf(__VA_ARGS__);                                               \
	printf("\n");                                                      \
} while (0)

#define CHECK_STR(got, want, ...) do {                                     \
	const char *g_ = (got), *w_ = (want);                              \
	int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;           \
	CHECK(same_, __VA_ARGS__);                                         \
	if (!same_)                                                        \
		printf("#   got  \"%s\"\n#   want \"%s\"\n",                   \
		       g_ ? g_ : "(null)", w_ ? w_ : "(null)");            \
} while (0)

#define CHECK_INT(got, want, ...) do {                                     \
	long long g_ = (long long)(got), w_ = (long long)(want);           \
	CHECK(g_ == w_, __VA_ARGS__);                                      \
	if (g_ != w_)                                                      \
		printf("#   got %lld, want %lld\n", g_, w_);               \
} while (0)

static inline int check_done(void)
{
	printf("# %d checks, %d failed\n", check_total, check_failed);
	return check_failed ? 1 : 0;
}

#endif
