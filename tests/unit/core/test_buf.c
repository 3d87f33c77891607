/* Unit tests of sluice/buf.h: appends, the bound, steal. */
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>

static void test_append_and_bound(void)
{
    sluice_buf buf;
    sluice_buf_init(&buf, 10);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "");
    CHECK_INT_EQ(sluice_buf_append_str(&buf, "hello"), SLUICE_OK);
    CHECK_INT_EQ(sluice_buf_appendf(&buf, "%d", 1234), SLUICE_OK);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "hello1234");
    CHECK_INT_EQ(sluice_buf_append_str(&buf, "xy"), SLUICE_ETOOBIG);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "hello1234");
    CHECK_INT_EQ(sluice_buf_appendf(&buf, "%s", "ab"), SLUICE_ETOOBIG);
    CHECK_INT_EQ(sluice_buf_append_str(&buf, "x"), SLUICE_OK);
    CHECK_INT_EQ(buf.len, 10);
    sluice_buf_reset(&buf);
    CHECK_STR_EQ(sluice_buf_cstr(&buf), "");
    sluice_buf_free(&buf);
}

static void test_growth_and_steal(void)
{
    sluice_buf buf;
    sluice_buf_init(&buf, 1 << 20);
    for (int i = 0; i < 10000; i++) {
        CHECK_INT_EQ(sluice_buf_append(&buf, "abc", 3), SLUICE_OK);
    }
    CHECK_INT_EQ(buf.len, 30000);
    char *owned = sluice_buf_steal(&buf);
    CHECK(owned != NULL && strlen(owned) == 30000);
    CHECK(buf.data == NULL && buf.len == 0);
    free(owned);
    sluice_buf_free(&buf);
    sluice_buf_free(NULL);
}

static void test_overflow_checked(void)
{
    sluice_buf buf;
    sluice_buf_init(&buf, SIZE_MAX);
    CHECK_INT_EQ(sluice_buf_append_str(&buf, "a"), SLUICE_OK);
    CHECK_INT_EQ(sluice_buf_append(&buf, "", SIZE_MAX), SLUICE_ETOOBIG);
    sluice_buf_free(&buf);
}

int main(void)
{
    RUN_TEST(test_append_and_bound);
    RUN_TEST(test_growth_and_steal);
    RUN_TEST(test_overflow_checked);
    return sluice_test_report();
}
