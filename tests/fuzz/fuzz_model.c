/*
 * fuzz_model.c — libFuzzer target for the pipeline declaration model.
 *
 * Each input is taken as declaration text: parsed and validated (every
 * problem collected), serialized, and — when valid — parsed again, which must
 * give the same serialization. Short inputs are also used as a trigger glob
 * pattern and as text with variable references. Everything is freed, so
 * leaks are findings. Built with -fsanitize=fuzzer,address,undefined.
 */
#include "sluice/error.h"
#include "sluice/model.h"
#include "sluice/model_errors.h"
#include "sluice/model_glob.h"
#include "sluice/model_serialize.h"
#include "sluice/model_validate.h"
#include "sluice/model_vars.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_declaration(const char *text, size_t size)
{
    model_errors errs;
    model_pipeline *pipeline = NULL;
    sluice_buf summary;

    model_errors_init(&errs, 0);
    int rc = model_validate_text(text, size, NULL, &pipeline, &errs);
    sluice_buf_init(&summary, 64 * 1024);
    (void)model_errors_summary(&errs, &summary);
    sluice_buf_free(&summary);
    if (pipeline != NULL) {
        char *first = model_pipeline_to_text(pipeline, JSON_COMPACT);
        model_pipeline *copy = model_pipeline_clone(pipeline);
        if (rc == SLUICE_OK && first != NULL) {
            model_errors again;
            model_pipeline *second = NULL;
            model_errors_init(&again, 0);
            if (model_validate_text(first, strlen(first), NULL, &second, &again) != SLUICE_OK) {
                abort(); /* a valid declaration must stay valid once normalized */
            }
            char *next = model_pipeline_to_text(second, JSON_COMPACT);
            if (next == NULL || strcmp(first, next) != 0) {
                abort(); /* parse → serialize must be stable */
            }
            free(next);
            model_pipeline_free(second);
            model_errors_free(&again);
        }
        free(first);
        model_pipeline_free(copy);
    }
    model_pipeline_free(pipeline);
    model_errors_free(&errs);
}

static void fuzz_glob_and_vars(const char *text)
{
    model_glob *glob = NULL;
    if (model_glob_compile(text, &glob, NULL, 0) == SLUICE_OK) {
        (void)model_glob_match(glob, "main");
        (void)model_glob_match(glob, "src/lib/a.c");
        (void)model_glob_match(glob, text);
        model_glob_free(glob);
    }
    model_vars_value values[] = {{"Key", "value"}};
    model_vars_namespace spaces[] = {{"Ns", values, 1}};
    model_vars_context ctx = {.execution_id = "id",
                              .pipeline_values = values,
                              .npipeline_values = 1,
                              .namespaces = spaces,
                              .nnamespaces = 1};
    model_errors errs;
    char *out = NULL;
    model_errors_init(&errs, 8);
    (void)model_vars_resolve(text, &ctx, "fuzz", &out, &errs);
    free(out);
    model_errors_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    fuzz_declaration(text, size);
    if (size <= 512) {
        fuzz_glob_and_vars(text);
    }
    free(text);
    return 0;
}
