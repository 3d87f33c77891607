/* Unit tests of sluice/log.h: one valid JSON line per record, escaping, level filter. */
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <unistd.h>

static int evaluated;

static int count_evaluation(void)
{
    evaluated++;
    return 7;
}

static size_t read_all(int fd, char *out, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n + 1 < cap && (r = read(fd, out + n, cap - 1 - n)) > 0) {
        n += (size_t)r;
    }
    out[n] = '\0';
    return n;
}

static void test_records(void)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    sluice_log_set_fd(fds[1]);
    sluice_log_set_service("unit");
    sluice_log_set_level(SLUICE_LOG_INFO);
    SLUICE_DEBUG("dropped %d", count_evaluation());
    CHECK_INT_EQ(evaluated, 0);
    SLUICE_INFO("hello \"%s\"\n\ttab", "world");
    SLUICE_ERROR("code %d", count_evaluation());
    CHECK_INT_EQ(evaluated, 1);
    close(fds[1]);
    sluice_log_set_fd(2);
    char text[4096];
    read_all(fds[0], text, sizeof text);
    close(fds[0]);
    CHECK_STR_CONTAINS(text, "\"level\":\"info\",\"service\":\"unit\",\"file\":\"test_log.c\"");
    CHECK_STR_CONTAINS(text, "\"msg\":\"hello \\\"world\\\"\\n\\ttab\"}\n");
    CHECK_STR_CONTAINS(text, "\"level\":\"error\"");
    CHECK_STR_CONTAINS(text, "\"msg\":\"code 7\"}\n");
    CHECK(strstr(text, "dropped") == NULL);
    int lines = 0;
    for (const char *p = text; *p; p++) {
        lines += (*p == '\n');
    }
    CHECK_INT_EQ(lines, 2);
}

static void test_truncation_stays_json(void)
{
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    sluice_log_set_fd(fds[1]);
    char *big = malloc(20000);
    REQUIRE(big != NULL);
    memset(big, '"', 19999);
    big[19999] = '\0';
    SLUICE_WARN("%s", big);
    free(big);
    close(fds[1]);
    sluice_log_set_fd(2);
    static char text[40000];
    size_t n = read_all(fds[0], text, sizeof text);
    close(fds[0]);
    CHECK(n > 4000);
    CHECK(n >= 3 && strcmp(text + n - 3, "\"}\n") == 0);
}

static void test_levels(void)
{
    sluice_log_level level;
    CHECK_INT_EQ(sluice_log_level_parse("WARN", &level), SLUICE_OK);
    CHECK_INT_EQ(level, SLUICE_LOG_WARN);
    CHECK_INT_EQ(sluice_log_level_parse("loud", &level), SLUICE_EINVAL);
    CHECK_INT_EQ(sluice_log_level_from_syslog(3), SLUICE_LOG_ERROR);
    CHECK_INT_EQ(sluice_log_level_from_syslog(4), SLUICE_LOG_WARN);
    CHECK_INT_EQ(sluice_log_level_from_syslog(6), SLUICE_LOG_INFO);
    CHECK_INT_EQ(sluice_log_level_from_syslog(7), SLUICE_LOG_DEBUG);
    CHECK_STR_EQ(sluice_strerror(SLUICE_ETOOBIG), "input exceeds its size bound");
    CHECK_STR_EQ(sluice_errname(SLUICE_ECONFLICT), "ECONFLICT");
    CHECK_STR_EQ(sluice_strerror(-999), "unknown error");
}

int main(void)
{
    RUN_TEST(test_records);
    RUN_TEST(test_truncation_stays_json);
    RUN_TEST(test_levels);
    return sluice_test_report();
}
