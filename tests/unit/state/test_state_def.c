/*
 * Unit tests of state_def_parse (state_def.h): a stored definition is an
 * object holding a "pipeline" object; anything else, text nested too deep
 * and text over the bound are refused with a reason.
 */
#include "sluice/state_def.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void test_parse(void)
{
    const char *text = "{\"pipeline\": {\"name\": \"p\", \"version\": 3, \"stages\": []},"
                       " \"metadata\": {}}";
    json_t *doc = NULL;
    char err[256] = "";
    CHECK_INT_EQ(state_def_parse(text, strlen(text), &doc, err, sizeof err), 0);
    REQUIRE(doc != NULL);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(doc, "pipeline"), "name")), "p");
    json_decref(doc);
}

static void check_refused(const char *text, size_t len, int rc, const char *why)
{
    json_t *doc = (json_t *)1;
    char err[256] = "";
    CHECK_INT_EQ(state_def_parse(text, len, &doc, err, sizeof err), rc);
    CHECK(doc == NULL);
    CHECK_STR_CONTAINS(err, why);
}

static void test_refused(void)
{
    check_refused("", 0, SLUICE_EPARSE, "not JSON");
    check_refused("{\"pipeline\": ", 13, SLUICE_EPARSE, "not JSON");
    check_refused("[]", 2, SLUICE_EPARSE, "\"pipeline\" object");
    check_refused("{\"pipeline\": 3}", 15, SLUICE_EPARSE, "\"pipeline\" object");
    char deep[2 * (STATE_DEF_DEPTH_MAX + 2) + 1];
    size_t n = 0;
    for (int i = 0; i < STATE_DEF_DEPTH_MAX + 1; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < STATE_DEF_DEPTH_MAX + 1; i++) {
        deep[n++] = ']';
    }
    deep[n] = '\0';
    check_refused(deep, n, SLUICE_EPARSE, "deeper than 64");
    check_refused("{}", STATE_DEF_MAX_BYTES + 1, SLUICE_ETOOBIG, "at most");
}

int main(void)
{
    RUN_TEST(test_parse);
    RUN_TEST(test_refused);
    return sluice_test_report();
}
