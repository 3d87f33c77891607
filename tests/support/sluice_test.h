/*
 * sluice_test.h — the tiny assertion header of Sluice's C tests.
 *
 * CHECK* macros record a failure with file:line and carry on, so one run shows
 * every broken expectation; a test binary ends with `return sluice_test_report();`
 * which prints a summary and returns non-zero when anything failed.
 * Header-only: include it in exactly one translation unit per test binary.
 */
#ifndef SLUICE_TEST_H
#define SLUICE_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int sluice_test_failed;
static int sluice_test_checked;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        sluice_test_checked++;                                                                     \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
            sluice_test_failed++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_INT_EQ(actual, expected)                                                             \
    do {                                                                                           \
        int64_t check_a_ = (int64_t)(actual);                                                      \
        int64_t check_e_ = (int64_t)(expected);                                                    \
        sluice_test_checked++;                                                                     \
        if (check_a_ != check_e_) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (got %" PRId64 ", want %" PRId64 ")\n", \
                    __FILE__, __LINE__, #actual, #expected, check_a_, check_e_);                   \
            sluice_test_failed++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_STR_EQ(actual, expected)                                                             \
    do {                                                                                           \
        const char *check_a_ = (actual);                                                           \
        const char *check_e_ = (expected);                                                         \
        sluice_test_checked++;                                                                     \
        if (check_a_ == NULL || check_e_ == NULL || strcmp(check_a_, check_e_) != 0) {             \
            fprintf(stderr, "%s:%d: CHECK failed: %s == %s (got \"%s\", want \"%s\")\n", __FILE__, \
                    __LINE__, #actual, #expected, check_a_ ? check_a_ : "(null)",                  \
                    check_e_ ? check_e_ : "(null)");                                               \
            sluice_test_failed++;                                                                  \
        }                                                                                          \
    } while (0)

#define CHECK_STR_CONTAINS(haystack, needle)                                                       \
    do {                                                                                           \
        const char *check_h_ = (haystack);                                                         \
        const char *check_n_ = (needle);                                                           \
        sluice_test_checked++;                                                                     \
        if (check_h_ == NULL || strstr(check_h_, check_n_) == NULL) {                              \
            fprintf(stderr, "%s:%d: CHECK failed: \"%s\" contains \"%s\"\n", __FILE__, __LINE__,   \
                    check_h_ ? check_h_ : "(null)", check_n_);                                     \
            sluice_test_failed++;                                                                  \
        }                                                                                          \
    } while (0)

/* Fails the test and returns from the current function when cond is false. */
#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        sluice_test_checked++;                                                                     \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #cond);             \
            sluice_test_failed++;                                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define RUN_TEST(fn)                                                                               \
    do {                                                                                           \
        int before_ = sluice_test_failed;                                                          \
        fn();                                                                                      \
        fprintf(stderr, "%s %s\n", sluice_test_failed == before_ ? "ok  " : "FAIL", #fn);          \
    } while (0)

static inline int sluice_test_report(void)
{
    fprintf(stderr, "%d checks, %d failed\n", sluice_test_checked, sluice_test_failed);
    return sluice_test_failed == 0 ? 0 : 1;
}

#endif
