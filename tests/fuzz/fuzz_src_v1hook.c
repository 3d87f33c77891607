/*
 * fuzz_src_v1hook.c — libFuzzer target over src_v1hook_verify and
 * src_v1hook_filter (services/source src_v1hook.h), which read a stored
 * webhook definition and a delivery's body (network input). The input is
 * split at its first newline: a WebhookDefinition, then the body, which is
 * also tried as a signature header and a peer address. Beyond not crashing:
 * every refusal carries a message; nothing but 0 or the documented codes
 * comes back.
 */
#include "src_v1hook.h"

#include "sluice/error.h"

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
    json_t *def = json_loads(text, 0, NULL);
    json_t *doc = json_loadb(body, body_len, 0, NULL);
    char err[512] = "";
    src_v1hook_delivery d = {body, body_len, body, body, body};
    int rc = src_v1hook_verify(def, &d, err, sizeof err);
    if (rc != 0 && ((rc != SLUICE_EDENIED && rc != SLUICE_EPARSE) || err[0] == '\0')) {
        abort();
    }
    err[0] = '\0';
    rc = src_v1hook_filter(def, doc, doc, err, sizeof err);
    if (rc != 0 && ((rc != SLUICE_ENOTFOUND && rc != SLUICE_EPARSE) || err[0] == '\0')) {
        abort();
    }
    char key[SRC_V1HOOK_KEY_MAX];
    src_v1hook_delivery_key(body, NULL, NULL, body, body_len, key);
    if (strlen(key) >= SRC_V1HOOK_KEY_MAX) {
        abort();
    }
    json_decref(doc);
    json_decref(def);
    free(text);
    return 0;
}
