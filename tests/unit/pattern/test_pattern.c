/*
 * Unit tests of sluice/pattern.h: every case of tests/data/pattern/cases.jsonl
 * (verdicts recorded from AWS's event-ruler, re-checked against it by
 * int_pattern_oracle), error messages, bounds and thread-free reuse.
 */
#include "sluice/error.h"
#include "sluice/pattern.h"
#include "sluice_test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool matches(const char *pattern_text, const char *event_text)
{
    pattern *p = NULL;
    char err[512];
    int rc = pattern_compile(pattern_text, strlen(pattern_text), &p, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "unexpected compile failure of %s: %s\n", pattern_text, err);
        return false;
    }
    json_t *event = json_loads(event_text, JSON_DECODE_INT_AS_REAL, NULL);
    bool hit = pattern_match(p, event);
    json_decref(event);
    pattern_free(p);
    return hit;
}

static void test_cases_file(void)
{
    FILE *f = fopen(SLUICE_PATTERN_CASES, "r");
    REQUIRE(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    int cases = 0;
    int lineno = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        json_t *c = json_loads(line, JSON_DECODE_INT_AS_REAL, NULL);
        REQUIRE(c != NULL);
        const json_t *expect = json_object_get(c, "expect");
        pattern *p = NULL;
        char err[512] = "";
        int rc = pattern_compile_json(json_object_get(c, "pattern"), &p, err, sizeof err);
        const char *got = rc != 0                                         ? "invalid"
                          : pattern_match(p, json_object_get(c, "event")) ? "true"
                                                                          : "false";
        const char *want = json_is_string(expect) ? json_string_value(expect)
                           : json_is_true(expect) ? "true"
                                                  : "false";
        if (strcmp(got, want) != 0) {
            char *text = json_dumps(c, JSON_COMPACT);
            fprintf(stderr, "case %d (%s): got %s, want %s (%s)\n", lineno, text, got, want, err);
            free(text);
        }
        CHECK_STR_EQ(got, want);
        CHECK(rc == 0 || rc == SLUICE_EINVAL || rc == SLUICE_ETOOBIG);
        pattern_free(p);
        json_decref(c);
        cases++;
    }
    free(line);
    fclose(f);
    CHECK(cases >= 60);
}

static void test_errors_name_the_field(void)
{
    pattern *p = NULL;
    char err[512];
    const char *text = "{\"detail\": {\"state\": [{\"prefix\": 5}]}}";
    CHECK_INT_EQ(pattern_compile(text, strlen(text), &p, err, sizeof err), SLUICE_EINVAL);
    CHECK(p == NULL);
    CHECK_STR_CONTAINS(err, "\"detail.state\"");
    CHECK_STR_CONTAINS(err, "prefix match pattern must be a string");

    text = "{\"detail\": {\"state\": []}}";
    CHECK_INT_EQ(pattern_compile(text, strlen(text), &p, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "Empty arrays are not allowed");

    text = "{\"a\": [1}";
    CHECK_INT_EQ(pattern_compile(text, strlen(text), &p, err, sizeof err), SLUICE_EPARSE);
    CHECK_STR_CONTAINS(err, "not valid JSON");

    text = "{\"a\": [1], \"a\": [2]}";
    CHECK_INT_EQ(pattern_compile(text, strlen(text), &p, err, sizeof err), SLUICE_EPARSE);
}

static void test_bounds(void)
{
    pattern *p = NULL;
    char err[512];
    char *big = malloc(PATTERN_TEXT_MAX + 2);
    REQUIRE(big != NULL);
    memset(big, ' ', PATTERN_TEXT_MAX + 1);
    big[PATTERN_TEXT_MAX + 1] = '\0';
    CHECK_INT_EQ(pattern_compile(big, PATTERN_TEXT_MAX + 1, &p, err, sizeof err), SLUICE_ETOOBIG);
    free(big);

    /* {"a":{"a":{...{"a":[1]}...}}} one level deeper than allowed */
    char deep[1024] = "";
    size_t len = 0;
    for (int i = 0; i < PATTERN_DEPTH_MAX; i++) {
        len += (size_t)snprintf(deep + len, sizeof deep - len, "{\"a\":");
    }
    len += (size_t)snprintf(deep + len, sizeof deep - len, "[1]");
    for (int i = 0; i < PATTERN_DEPTH_MAX; i++) {
        len += (size_t)snprintf(deep + len, sizeof deep - len, "}");
    }
    CHECK_INT_EQ(pattern_compile(deep, len, &p, err, sizeof err), 0);
    pattern_free(p);
    char deeper[1100];
    int n = snprintf(deeper, sizeof deeper, "{\"b\":%s}", deep);
    CHECK_INT_EQ(pattern_compile(deeper, (size_t)n, &p, err, sizeof err), SLUICE_ETOOBIG);
    CHECK(p == NULL);
}

static void test_codepipeline_rule(void)
{
    const char *rule =
        "{\"source\": [\"aws.codepipeline\"],"
        " \"detail-type\": [\"CodePipeline Pipeline Execution State Change\"],"
        " \"detail\": {\"state\": [\"FAILED\"], \"pipeline\": [{\"prefix\": \"web-\"}]}}";
    CHECK(matches(rule, "{\"source\": \"aws.codepipeline\", \"detail-type\": \"CodePipeline "
                        "Pipeline Execution State Change\", \"detail\": {\"pipeline\": \"web-1\", "
                        "\"state\": \"FAILED\", \"version\": 3}}"));
    CHECK(!matches(rule, "{\"source\": \"aws.codepipeline\", \"detail-type\": \"CodePipeline "
                         "Pipeline Execution State Change\", \"detail\": {\"pipeline\": \"api-1\", "
                         "\"state\": \"FAILED\"}}"));
    CHECK(!matches(rule, "{\"source\": \"aws.codepipeline\", \"detail-type\": \"CodePipeline "
                         "Stage Execution State Change\", \"detail\": {\"pipeline\": \"web-1\", "
                         "\"state\": \"FAILED\"}}"));
    /* integers and reals are the same numbers */
    CHECK(matches("{\"n\": [{\"numeric\": [\">\", 1, \"<=\", 2.5]}]}", "{\"n\": 2}"));
    CHECK(matches("{\"n\": [3]}", "{\"n\": 3.0}"));
    /* a long value folds on the heap */
    char event[1200];
    char value[1001];
    memset(value, 'A', 1000);
    value[1000] = '\0';
    snprintf(event, sizeof event, "{\"s\": \"%s\"}", value);
    CHECK(matches("{\"s\": [{\"prefix\": {\"equals-ignore-case\": \"aaa\"}}]}", event));
    CHECK(!matches("{\"s\": [{\"anything-but\": {\"equals-ignore-case\": \"b\"}}]}",
                   "{\"s\": \"B\"}"));
}

int main(void)
{
    RUN_TEST(test_cases_file);
    RUN_TEST(test_errors_name_the_field);
    RUN_TEST(test_bounds);
    RUN_TEST(test_codepipeline_rule);
    return sluice_test_report();
}
