/* A tiny unit-test harness: each tests/unit/test_*.c is one runner whose
 * last line is "N passed, N failed". */
#ifndef SG_UNIT_H
#define SG_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_current_failed;
static const char *unit_current;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			printf("  FAIL %s:%d: %s: %s\n", __FILE__, __LINE__, unit_current,  \
			       #cond);                                                \
			unit_current_failed = 1;                                      \
		}                                                                     \
	} while (0)

#define CHECK_STR(got, want)                                                          \
	do {                                                                          \
		const char *g_ = (got), *w_ = (want);                                 \
		if (g_ == NULL || strcmp(g_, w_) != 0) {                              \
			printf("  FAIL %s:%d: %s: got \"%s\", want \"%s\"\n", __FILE__,     \
			       __LINE__, unit_current, g_ ? g_ : "(null)", w_);       \
			unit_current_failed = 1;                                      \
		}                                                                     \
	} while (0)

#define RUN(fn)                                                                       \
	do {                                                                          \
		unit_current = #fn;                                                   \
		unit_current_failed = 0;                                              \
		fn();                                                                 \
		if (unit_current_failed) {                                            \
			unit_failed++;                                                \
			printf("not ok %s\n", #fn);                                   \
		} else {                                                              \
			unit_passed++;                                                \
			printf("ok %s\n", #fn);                                       \
		}                                                                     \
	} while (0)

#define UNIT_END()                                                                    \
	do {                                                                          \
		printf("%d passed, %d failed\n", unit_passed, unit_failed);           \
		return unit_failed ? 1 : 0;                                           \
	} while (0)

#endif
