/*
 * fuzz_wk_functions.c — libFuzzer target over the worker's functions file
 * (wk_lambda_functions_parse, SLUICE_WORKER_FUNCTIONS_FILE) and the event
 * built around what it accepts.
 *
 * Invariants: a parse either succeeds with an object whose every value is a
 * URL that starts with https:// or with http:// to 127.0.0.1, localhost or
 * [::1], or fails with a message; the event of a record carrying the parsed
 * object as its configuration is built. Built with
 * -fsanitize=fuzzer,address,undefined.
 */
#include "wk_lambda.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_url_ok(const char *url)
{
    if (strncmp(url, "https://", 8) == 0) {
        return 1;
    }
    return strncmp(url, "http://127.0.0.1", 16) == 0 || strncmp(url, "http://localhost", 16) == 0 ||
           strncmp(url, "http://[::1]", 12) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    json_t *functions = NULL;
    int rc = wk_lambda_functions_parse((const char *)data, size, &functions, err, sizeof err);
    if (rc != 0) {
        if (functions != NULL || err[0] == '\0') {
            abort();
        }
        return 0;
    }
    const char *name;
    json_t *url;
    json_object_foreach(functions, name, url)
    {
        const char *text = json_string_value(url);
        if (text == NULL || !fuzz_url_ok(text) || wk_lambda_url(functions, name) != text) {
            abort();
        }
    }
    json_t *record = json_pack("{s:s, s:s, s:{s:{s:O}}}", "id", "job", "accountId", "1", "data",
                               "actionConfiguration", "configuration", functions);
    json_t *event = record != NULL ? wk_lambda_event(record) : NULL;
    if (record != NULL && event == NULL) {
        abort();
    }
    json_decref(event);
    json_decref(record);
    json_decref(functions);
    return 0;
}
