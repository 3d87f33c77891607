/*
 * test_golden.c — runs one golden pipeline case of tests/data/pipelines/.
 *
 * Usage: unit_model_golden CASE_DIR. The case holds pipeline.json and
 * expected.json ({"valid": true} or {"valid": false, "errors": [{"type",
 * "path"}...], "exact": true|false}, optional "external_providers": [...]
 * for the registry). An invalid case passes when the set of (exception, path)
 * reported equals the expected set (or contains it when "exact" is false). A
 * valid case passes when nothing is reported and the declaration survives
 * parse → serialize → parse → serialize unchanged, with CodePipeline's
 * defaults present in the serialized form.
 */
#include "sluice/error.h"
#include "sluice/model.h"
#include "sluice/model_errors.h"
#include "sluice/model_parse.h"
#include "sluice/model_registry.h"
#include "sluice/model_serialize.h"
#include "sluice/model_validate.h"
#include "sluice_test.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    if (f == NULL) {
        return NULL;
    }
    size_t max = (size_t)MODEL_MAX_INPUT_BYTES * 2;
    data = malloc(max + 1);
    if (data != NULL) {
        *len = fread(data, 1, max, f);
        data[*len] = '\0';
    }
    fclose(f);
    return data;
}

static void print_reported(const model_errors *errs)
{
    for (size_t i = 0; i < errs->count; i++) {
        fprintf(stderr, "  reported: %s %s: %s\n", errs->items[i].exception, errs->items[i].path,
                errs->items[i].message);
    }
}

static bool reported(const model_errors *errs, const char *type, const char *path)
{
    for (size_t i = 0; i < errs->count; i++) {
        if (strcmp(errs->items[i].exception, type) == 0 && strcmp(errs->items[i].path, path) == 0) {
            return true;
        }
    }
    return false;
}

static bool expected_has(const json_t *errors, const char *type, const char *path)
{
    size_t i;
    json_t *item;
    json_array_foreach(errors, i, item)
    {
        const char *t = json_string_value(json_object_get(item, "type"));
        const char *p = json_string_value(json_object_get(item, "path"));
        if (t != NULL && p != NULL && strcmp(t, type) == 0 && strcmp(p, path) == 0) {
            return true;
        }
    }
    return false;
}

static void check_invalid(const json_t *expected, const model_errors *errs)
{
    const json_t *errors = json_object_get(expected, "errors");
    bool exact = !json_is_false(json_object_get(expected, "exact"));
    size_t i;
    json_t *item;
    int before = sluice_test_failed;

    CHECK(model_errors_total(errs) > 0);
    json_array_foreach(errors, i, item)
    {
        const char *type = json_string_value(json_object_get(item, "type"));
        const char *path = json_string_value(json_object_get(item, "path"));
        REQUIRE(type != NULL && path != NULL);
        if (!reported(errs, type, path)) {
            fprintf(stderr, "  missing: %s %s\n", type, path);
            CHECK(reported(errs, type, path));
        }
    }
    if (exact) {
        for (size_t k = 0; k < errs->count; k++) {
            if (!expected_has(errors, errs->items[k].exception, errs->items[k].path)) {
                fprintf(stderr, "  unexpected: %s %s: %s\n", errs->items[k].exception,
                        errs->items[k].path, errs->items[k].message);
                CHECK(expected_has(errors, errs->items[k].exception, errs->items[k].path));
            }
        }
        CHECK_INT_EQ(errs->dropped, 0);
    }
    if (sluice_test_failed != before) {
        print_reported(errs);
    }
}

/* Defaults CodePipeline returns from GetPipeline are present. */
static void check_normalized(const json_t *doc)
{
    size_t i;
    json_t *stage;
    CHECK(json_is_integer(json_object_get(doc, "version")));
    CHECK(json_is_string(json_object_get(doc, "pipelineType")));
    CHECK(json_is_string(json_object_get(doc, "executionMode")));
    json_array_foreach(json_object_get(doc, "stages"), i, stage)
    {
        size_t j;
        json_t *action;
        json_array_foreach(json_object_get(stage, "actions"), j, action)
        {
            CHECK(json_is_integer(json_object_get(action, "runOrder")));
            CHECK(json_is_array(json_object_get(action, "inputArtifacts")));
            CHECK(json_is_array(json_object_get(action, "outputArtifacts")));
        }
    }
}

static void check_valid(const model_pipeline *pipeline, const model_errors *errs,
                        const model_registry *reg)
{
    model_errors again;
    model_pipeline *second = NULL;
    char *text1 = NULL;
    char *text2 = NULL;

    if (model_errors_total(errs) != 0) {
        print_reported(errs);
    }
    CHECK_INT_EQ(model_errors_total(errs), 0);
    REQUIRE(pipeline != NULL);

    json_t *doc = model_pipeline_to_json(pipeline);
    REQUIRE(doc != NULL);
    check_normalized(doc);
    json_decref(doc);

    text1 = model_pipeline_to_text(pipeline, JSON_COMPACT);
    REQUIRE(text1 != NULL);
    model_errors_init(&again, 0);
    CHECK_INT_EQ(model_validate_text(text1, strlen(text1), reg, &second, &again), SLUICE_OK);
    print_reported(&again);
    if (second != NULL) {
        text2 = model_pipeline_to_text(second, JSON_COMPACT);
        CHECK(text2 != NULL && strcmp(text1, text2) == 0);
        if (text2 != NULL && strcmp(text1, text2) != 0) {
            fprintf(stderr, "  first:  %s\n  second: %s\n", text1, text2);
        }
    }
    CHECK(second != NULL);

    /* A deep copy serializes the same. */
    model_pipeline *copy = model_pipeline_clone(pipeline);
    CHECK(copy != NULL);
    if (copy != NULL) {
        char *text3 = model_pipeline_to_text(copy, JSON_COMPACT);
        CHECK(text3 != NULL && strcmp(text1, text3) == 0);
        free(text3);
    }
    model_pipeline_free(copy);
    model_errors_free(&again);
    model_pipeline_free(second);
    free(text1);
    free(text2);
}

static int run_case(const char *dir)
{
    char path[1024];
    size_t len = 0;
    json_error_t jerr;
    model_errors errs;
    model_pipeline *pipeline = NULL;
    model_registry *reg = NULL;
    const char *externals[16];
    size_t nexternals = 0;

    snprintf(path, sizeof(path), "%s/expected.json", dir);
    json_t *expected = json_load_file(path, 0, &jerr);
    if (expected == NULL) {
        fprintf(stderr, "%s: %s\n", path, jerr.text);
        return 1;
    }
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(expected, "external_providers"), i, item)
    {
        if (nexternals < 16 && json_is_string(item)) {
            externals[nexternals++] = json_string_value(item);
        }
    }
    if (model_registry_new(externals, nexternals, &reg, path, sizeof(path)) != SLUICE_OK) {
        fprintf(stderr, "registry: %s\n", path);
        json_decref(expected);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/pipeline.json", dir);
    char *text = read_file(path, &len);
    if (text == NULL) {
        fprintf(stderr, "%s: cannot read\n", path);
        json_decref(expected);
        model_registry_free(reg);
        return 1;
    }
    model_errors_init(&errs, 0);
    int rc = model_validate_text(text, len, reg, &pipeline, &errs);
    CHECK(rc != SLUICE_ENOMEM);
    if (json_is_true(json_object_get(expected, "valid"))) {
        CHECK_INT_EQ(rc, SLUICE_OK);
        check_valid(pipeline, &errs, reg);
    } else {
        CHECK_INT_EQ(rc, SLUICE_EINVAL);
        check_invalid(expected, &errs);
    }
    model_pipeline_free(pipeline);
    model_errors_free(&errs);
    model_registry_free(reg);
    free(text);
    json_decref(expected);
    return sluice_test_report();
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CASE_DIR\n", argv[0]);
        return 2;
    }
    return run_case(argv[1]);
}
