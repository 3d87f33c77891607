/* Unit tests of sluice/state_script.h: the locally computed SHA-1 and input checks. */
#include "sluice/error.h"
#include "sluice/state_script.h"
#include "sluice_test.h"

#include <stdlib.h>

static void test_sha1_matches_redis(void)
{
    state_script s;
    /* the digest Redis reports for SCRIPT LOAD "return 1" */
    CHECK_INT_EQ(state_script_init(&s, "return 1"), SLUICE_OK);
    CHECK_STR_EQ(s.sha1, "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    CHECK_INT_EQ(s.len, 8);
    /* the SHA-1 of "abc" from FIPS 180-2 */
    CHECK_INT_EQ(state_script_init(&s, "abc"), SLUICE_OK);
    CHECK_STR_EQ(s.sha1, "a9993e364706816aba3e25717850c26c9cd0d89d");
}

static void test_rejects_bad_sources(void)
{
    state_script s;
    CHECK_INT_EQ(state_script_init(&s, NULL), SLUICE_EINVAL);
    CHECK_INT_EQ(state_script_init(&s, ""), SLUICE_EINVAL);
    CHECK(s.source == NULL && s.sha1[0] == '\0');

    char *big = malloc(STATE_SCRIPT_MAX_SOURCE + 2);
    REQUIRE(big != NULL);
    memset(big, '-', STATE_SCRIPT_MAX_SOURCE + 1);
    big[STATE_SCRIPT_MAX_SOURCE + 1] = '\0';
    CHECK_INT_EQ(state_script_init(&s, big), SLUICE_EINVAL);
    big[STATE_SCRIPT_MAX_SOURCE] = '\0';
    CHECK_INT_EQ(state_script_init(&s, big), SLUICE_OK);
    CHECK_INT_EQ(s.len, STATE_SCRIPT_MAX_SOURCE);
    free(big);
}

int main(void)
{
    RUN_TEST(test_sha1_matches_redis);
    RUN_TEST(test_rejects_bad_sources);
    return sluice_test_report();
}
