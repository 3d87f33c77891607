/* Unit tests of sluice/jsontext.h: nesting depth before parsing. */
#include "sluice/jsontext.h"
#include "sluice_test.h"

static size_t depth(const char *text, size_t limit)
{
    return sluice_jsontext_depth(text, strlen(text), limit);
}

static void test_depths(void)
{
    CHECK_INT_EQ(depth("", 32), 0);
    CHECK_INT_EQ(depth("42", 32), 0);
    CHECK_INT_EQ(depth("{}", 32), 1);
    CHECK_INT_EQ(depth("{\"a\":[1,{\"b\":[]}]}", 32), 4);
    CHECK_INT_EQ(depth("[[],[[]],[]]", 32), 3);
}

static void test_strings_do_not_count(void)
{
    CHECK_INT_EQ(depth("{\"a\":\"[[[[{{{{\"}", 32), 1);
    CHECK_INT_EQ(depth("[\"\\\"[[[\"]", 32), 1);   /* escaped quote stays inside */
    CHECK_INT_EQ(depth("[\"\\\\\",[[]]]", 32), 3); /* escaped backslash ends before the quote */
}

static void test_limit_stops_early(void)
{
    char deep[2001];
    memset(deep, '[', 2000);
    deep[2000] = '\0';
    CHECK_INT_EQ(depth(deep, 32), 33);
    CHECK_INT_EQ(depth(deep, 5000), 2000);
    CHECK_INT_EQ(depth("]]]][[", 32), 2); /* stray closers never go below zero */
}

int main(void)
{
    RUN_TEST(test_depths);
    RUN_TEST(test_strings_do_not_count);
    RUN_TEST(test_limit_stops_early);
    return sluice_test_report();
}
