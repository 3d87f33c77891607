/*
 * fuzz_pattern_jsonpath.c — libFuzzer target over pattern_jsonpath_compile,
 * pattern_jsonpath_expand and pattern_cidr_parse (libs/pattern), which read
 * webhook filters and IP ranges from PutWebhook requests and from Redis.
 * The input is split at its first newline: the first part is a path (and a
 * range, and a matchEquals template), the rest a JSON body the path
 * selects in (and an address the range is asked about). Beyond not
 * crashing: a refused path has a message and no steps; a compiled one has
 * at most PATTERN_JSONPATH_STEPS steps; text forms and expansions fit their
 * buffers; a parsed range has a prefix its family allows.
 */
#include "sluice/error.h"
#include "sluice/pattern_cidr.h"
#include "sluice/pattern_jsonpath.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char *body = memchr(text, '\n', size);
    size_t body_len = 0;
    if (body != NULL) {
        *body = '\0';
        body++;
        body_len = size - (size_t)(body - text);
    } else {
        body = text + size;
    }
    pattern_jsonpath path;
    char err[256] = "";
    int rc = pattern_jsonpath_compile(text, &path, err, sizeof err);
    if (rc != 0 && (err[0] == '\0' || path.nsteps != 0)) {
        abort();
    }
    if (rc == 0 && path.nsteps > PATTERN_JSONPATH_STEPS) {
        abort();
    }
    json_t *doc = json_loadb(body, body_len, 0, NULL);
    if (rc == 0 && doc != NULL) {
        char value[64];
        if (pattern_jsonpath_text(pattern_jsonpath_select(&path, doc), value, sizeof value) == 0 &&
            strlen(value) >= sizeof value) {
            abort();
        }
    }
    char out[160];
    if (pattern_jsonpath_expand(text, json_is_object(doc) ? doc : NULL, out, sizeof out, err,
                                sizeof err) == 0 &&
        strlen(out) >= sizeof out) {
        abort();
    }
    pattern_cidr range;
    if (pattern_cidr_parse(text, &range, err, sizeof err) == 0 &&
        range.prefix > (range.v6 ? 128u : 32u)) {
        abort();
    }
    (void)pattern_cidr_contains(&range, body);
    json_decref(doc);
    free(text);
    return 0;
}
