/*
 * test_wk_buildspec.c — runs one golden buildspec case of tests/data/worker/buildspec/.
 *
 * Usage: unit_worker_buildspec CASE_DIR. The case holds buildspec.yml and
 * either expected.json (the document wk_buildspec_parse makes, compared as
 * JSON) or expected.err (the error message, exactly, on its first line).
 */
#include "wk_buildspec.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t max = WK_BUILDSPEC_MAX_BYTES * 2;
    char *data = malloc(max + 1);
    if (data != NULL) {
        *len = fread(data, 1, max, f);
        data[*len] = '\0';
    }
    fclose(f);
    return data;
}

static void run_case(const char *dir)
{
    size_t len = 0;
    size_t elen = 0;
    char *text = read_file(dir, "buildspec.yml", &len);
    REQUIRE(text != NULL);
    char *expected_err = read_file(dir, "expected.err", &elen);
    char *expected_json = expected_err == NULL ? read_file(dir, "expected.json", &elen) : NULL;
    REQUIRE(expected_err != NULL || expected_json != NULL);
    json_t *doc = NULL;
    char err[WK_BUILDSPEC_ERR_MAX] = "";
    int rc = wk_buildspec_parse(text, len, &doc, err, sizeof err);
    if (expected_err != NULL) {
        char *nl = strchr(expected_err, '\n');
        if (nl != NULL) {
            *nl = '\0';
        }
        CHECK(rc != 0);
        CHECK(doc == NULL);
        CHECK_STR_EQ(err, expected_err);
    } else {
        CHECK_INT_EQ(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "  error: %s\n", err);
        }
        json_error_t jerr;
        json_t *want = json_loads(expected_json, 0, &jerr);
        REQUIRE(want != NULL);
        CHECK(json_equal(doc, want));
        if (!json_equal(doc, want)) {
            char *got = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
            fprintf(stderr, "  got: %s\n", got != NULL ? got : "(null)");
            free(got);
        }
        json_decref(want);
    }
    json_decref(doc);
    free(text);
    free(expected_err);
    free(expected_json);
}

static const char *case_dir;

static void test_case(void)
{
    run_case(case_dir);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE_DIR\n", argv[0]);
        return 2;
    }
    case_dir = argv[1];
    RUN_TEST(test_case);
    return sluice_test_report();
}
