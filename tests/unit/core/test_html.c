/* Unit tests of sluice/html.h: every special character, newlines both ways, NULL. */
#include "sluice/error.h"
#include "sluice/html.h"
#include "sluice_test.h"

static void test_escapes_the_five(void)
{
    sluice_buf out;
    sluice_buf_init(&out, 256);
    CHECK_INT_EQ(sluice_html_escape(&out, "<a href=\"x\">'&'</a>\nnext", false), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&out),
                 "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\nnext");
    sluice_buf_reset(&out);
    CHECK_INT_EQ(sluice_html_escape(&out, "one\ntwo <b>", true), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "one<br>two &lt;b&gt;");
    sluice_buf_reset(&out);
    CHECK_INT_EQ(sluice_html_escape(&out, NULL, true), 0);
    CHECK_STR_EQ(sluice_buf_cstr(&out), "");
    sluice_buf_free(&out);
}

/* The bound of out: an error, not a cut entity past it. */
static void test_bound(void)
{
    sluice_buf out;
    sluice_buf_init(&out, 8);
    CHECK(sluice_html_escape(&out, "&&&&&&", false) != 0);
    CHECK(out.len <= 8);
    sluice_buf_free(&out);
}

int main(void)
{
    RUN_TEST(test_escapes_the_five);
    RUN_TEST(test_bound);
    return sluice_test_report();
}
