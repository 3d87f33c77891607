/* Unit tests of sluice/time.h: RFC 3339 formatting and parsing, epoch seconds. */
#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

static void test_format_epoch(void)
{
    char out[32];
    CHECK_INT_EQ(sluice_time_format_rfc3339(0, out, sizeof out), SLUICE_OK);
    CHECK_STR_EQ(out, "1970-01-01T00:00:00Z");
    CHECK_INT_EQ(sluice_time_format_rfc3339(1467929497204, out, sizeof out), SLUICE_OK);
    CHECK_STR_EQ(out, "2016-07-07T22:11:37Z");
    CHECK_INT_EQ(sluice_time_format_rfc3339_ms(1467929497204, out, sizeof out), SLUICE_OK);
    CHECK_STR_EQ(out, "2016-07-07T22:11:37.204Z");
    /* leap day and end of century */
    CHECK_INT_EQ(sluice_time_format_rfc3339(951782400000, out, sizeof out), SLUICE_OK);
    CHECK_STR_EQ(out, "2000-02-29T00:00:00Z");
    /* before the epoch */
    CHECK_INT_EQ(sluice_time_format_rfc3339_ms(-1, out, sizeof out), SLUICE_OK);
    CHECK_STR_EQ(out, "1969-12-31T23:59:59.999Z");
}

static void test_format_bounds(void)
{
    char small[10];
    CHECK_INT_EQ(sluice_time_format_rfc3339(0, small, sizeof small), SLUICE_ETOOBIG);
    CHECK_STR_EQ(small, "");
    char out[32];
    CHECK_INT_EQ(sluice_time_format_rfc3339(INT64_C(253402300800000), out, sizeof out),
                 SLUICE_ERANGE);
}

static void test_parse(void)
{
    int64_t ms = 0;
    CHECK_INT_EQ(sluice_time_parse_rfc3339("2016-07-07T22:11:37Z", &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497000);
    CHECK_INT_EQ(sluice_time_parse_rfc3339("2016-07-07T22:11:37.204Z", &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497204);
    CHECK_INT_EQ(sluice_time_parse_rfc3339("2016-07-07T22:11:37.2049999z", &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497204);
    CHECK_INT_EQ(sluice_time_parse_rfc3339("2016-07-08T00:11:37+02:00", &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497000);
    CHECK_INT_EQ(sluice_time_parse_rfc3339("2016-07-07t17:11:37-05:00", &ms), SLUICE_OK);
    CHECK_INT_EQ(ms, 1467929497000);
}

static void test_parse_rejects(void)
{
    static const char *const bad[] = {
        "",
        "2016-07-07",
        "2016-07-07T22:11:37",
        "2016-13-07T22:11:37Z",
        "2016-02-30T00:00:00Z",
        "2015-02-29T00:00:00Z",
        "2016-07-07T24:00:00Z",
        "2016-07-07T22:11:37.Z",
        "2016-07-07T22:11:37Zjunk",
        "2016-07-07 22:11:37Z",
        "16-07-07T22:11:37Z",
        "2016-07-07T22:11:37+0200",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms = 42;
        CHECK_INT_EQ(sluice_time_parse_rfc3339(bad[i], &ms), SLUICE_EPARSE);
        CHECK_INT_EQ(ms, 42);
    }
}

static void test_round_trip(void)
{
    int64_t samples[] = {0, 1, 999, 1467929497204, 4102444799999, -86400000};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        char out[32];
        int64_t back = 0;
        CHECK_INT_EQ(sluice_time_format_rfc3339_ms(samples[i], out, sizeof out), SLUICE_OK);
        CHECK_INT_EQ(sluice_time_parse_rfc3339(out, &back), SLUICE_OK);
        CHECK_INT_EQ(back, samples[i]);
    }
}

static void test_epoch_seconds(void)
{
    CHECK(sluice_time_epoch_seconds(1467929497204) > 1467929497.203);
    CHECK(sluice_time_epoch_seconds(1467929497204) < 1467929497.205);
    CHECK_INT_EQ(sluice_time_from_epoch_seconds(1467929497.204), 1467929497204);
}

static void test_clocks(void)
{
    CHECK(sluice_time_now_ms() > 1700000000000);
    int64_t a = sluice_time_monotonic_ms();
    int64_t b = sluice_time_monotonic_ms();
    CHECK(b >= a);
}

int main(void)
{
    RUN_TEST(test_format_epoch);
    RUN_TEST(test_format_bounds);
    RUN_TEST(test_parse);
    RUN_TEST(test_parse_rejects);
    RUN_TEST(test_round_trip);
    RUN_TEST(test_epoch_seconds);
    RUN_TEST(test_clocks);
    return sluice_test_report();
}
