/*
 * fuzz_wk_buildspec.c — libFuzzer target over the worker's buildspec.yml
 * parser (wk_buildspec_parse), which reads a file of the build's source
 * artifact.
 *
 * Invariants: a parse either fails with a message that starts with "line "
 * (every error names its line) and yields nothing, or yields a document with
 * "version" "0.2", an "env" with a "shell" and at least one phase; the
 * document survives a JSON round trip unchanged. Everything is freed, so
 * leaks are findings. Built with -fsanitize=fuzzer,address,undefined.
 */
#include "wk_buildspec.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL;
    char err[WK_BUILDSPEC_ERR_MAX] = "";
    int rc = wk_buildspec_parse((const char *)data, size, &doc, err, sizeof err);
    if (rc != 0) {
        if (doc != NULL || (rc == SLUICE_EPARSE && strncmp(err, "line ", 5) != 0)) {
            abort();
        }
        return 0;
    }
    const char *version = json_string_value(json_object_get(doc, "version"));
    if (version == NULL || strcmp(version, "0.2") != 0 ||
        json_string_value(json_object_get(json_object_get(doc, "env"), "shell")) == NULL ||
        json_object_size(json_object_get(doc, "phases")) == 0) {
        abort();
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    json_t *again = text != NULL ? json_loads(text, 0, NULL) : NULL;
    if (again == NULL || !json_equal(doc, again)) {
        abort();
    }
    json_decref(again);
    free(text);
    json_decref(doc);
    return 0;
}
