/* Unit tests of sluice/id.h: UUID v4 shape, version and variant bits, uniqueness. */
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice_test.h"

static void test_shape(void)
{
    char id[SLUICE_UUID_LEN + 1];
    CHECK_INT_EQ(sluice_uuid_v4(id), SLUICE_OK);
    CHECK_INT_EQ(strlen(id), 36);
    CHECK(sluice_uuid_is_valid(id));
    CHECK(id[14] == '4');
    CHECK(id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b');
}

static void test_from_bytes(void)
{
    unsigned char ff[16];
    memset(ff, 0xff, sizeof ff);
    char id[SLUICE_UUID_LEN + 1];
    sluice_uuid_v4_from_bytes(ff, id);
    CHECK_STR_EQ(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    unsigned char zero[16] = {0};
    sluice_uuid_v4_from_bytes(zero, id);
    CHECK_STR_EQ(id, "00000000-0000-4000-8000-000000000000");
}

static void test_unique(void)
{
    char seen[64][SLUICE_UUID_LEN + 1];
    for (int i = 0; i < 64; i++) {
        CHECK_INT_EQ(sluice_uuid_v4(seen[i]), SLUICE_OK);
        for (int j = 0; j < i; j++) {
            CHECK(strcmp(seen[i], seen[j]) != 0);
        }
    }
}

static void test_validation(void)
{
    CHECK(sluice_uuid_is_valid("1a2b3c4d-573f-4ea7-a67e-0123456789ab"));
    CHECK(!sluice_uuid_is_valid("1A2B3C4D-573F-4EA7-A67E-0123456789AB"));
    CHECK(!sluice_uuid_is_valid("1a2b3c4d-573f-4ea7-a67e-0123456789a"));
    CHECK(!sluice_uuid_is_valid("1a2b3c4d-573f-4ea7-a67e-0123456789abc"));
    CHECK(!sluice_uuid_is_valid("1a2b3c4d0573f-4ea7-a67e-0123456789ab"));
    CHECK(!sluice_uuid_is_valid(""));
}

static void test_secret_equal(void)
{
    CHECK(sluice_secret_equal("7f3c-token", "7f3c-token"));
    CHECK(sluice_secret_equal("", ""));
    CHECK(!sluice_secret_equal("7f3c-token", "7f3c-tokem"));
    CHECK(!sluice_secret_equal("7f3c-token", "7f3c-toke"));
    CHECK(!sluice_secret_equal("7f3c-token", ""));
    CHECK(!sluice_secret_equal(NULL, "x"));
    CHECK(!sluice_secret_equal("x", NULL));
    CHECK(!sluice_secret_equal(NULL, NULL));
}

int main(void)
{
    RUN_TEST(test_secret_equal);
    RUN_TEST(test_shape);
    RUN_TEST(test_from_bytes);
    RUN_TEST(test_unique);
    RUN_TEST(test_validation);
    return sluice_test_report();
}
