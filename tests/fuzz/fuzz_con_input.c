/*
 * fuzz_con_input.c — libFuzzer target over what reaches sluice-console from
 * the network and the bus (services/console con_core.h, con_hub.h): the
 * first byte picks the parser, the rest is its input —
 *   0: a Last-Event-ID header (con_core_last_event_id), then a reconnection
 *      with it (con_hub_join): the queue starts with "retry:" and holds only
 *      whole events;
 *   1: a state-change event, "<detail-type>\n<detail JSON>"
 *      (con_core_event_data): what goes to browsers is one line of JSON
 *      naming a valid pipeline, and publishing it never fails;
 *   2: the operation named by ?op= (con_core_operation) and the Cookie
 *      header (web_cookie_get): a session id found fits and holds no ';'.
 */
#include "con_core.h"
#include "con_hub.h"

#include "sluice/error.h"
#include "sluice/web_form.h"
#include "sluice/web_session.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_last_event_id(const char *text)
{
    uint64_t epoch = 0;
    uint64_t seq = 0;
    bool ok = con_core_last_event_id(text, &epoch, &seq);
    if (ok && strchr(text, '-') == NULL) {
        abort();
    }
    con_hub *hub = con_hub_new(2, 4096, 4, 5, NULL);
    (void)con_hub_publish(hub, "p", "{}");
    (void)con_hub_publish(hub, "q", "{}");
    con_hub_client *c = NULL;
    if (con_hub_join(hub, "", text, &c) != 0) {
        abort();
    }
    char buf[4096];
    long n = con_hub_read(hub, c, buf, sizeof buf - 1);
    if (n < 13 || strncmp(buf, "retry: 1000\n\n", 13) != 0 || buf[n - 1] != '\n' ||
        buf[n - 2] != '\n') {
        abort();
    }
    con_hub_leave(hub, c);
    con_hub_free(hub);
}

static void fuzz_event(const char *text, size_t len)
{
    const char *nl = memchr(text, '\n', len);
    if (nl == NULL) {
        return;
    }
    char type[256];
    size_t tlen = (size_t)(nl - text) < sizeof type - 1 ? (size_t)(nl - text) : sizeof type - 1;
    memcpy(type, text, tlen);
    type[tlen] = '\0';
    json_error_t jerr;
    json_t *detail =
        json_loadb(nl + 1, len - (size_t)(nl + 1 - text), JSON_REJECT_DUPLICATES, &jerr);
    sluice_buf out;
    sluice_buf_init(&out, CON_CORE_EVENT_MAX + 1);
    char pipeline[CON_CORE_PIPELINE_MAX + 1];
    int rc = con_core_event_data(type, "2026-12-03T00:00:00Z", detail, &out, pipeline);
    if (rc == 0) {
        if (strchr(sluice_buf_cstr(&out), '\n') != NULL || !con_core_pipeline_valid(pipeline)) {
            abort();
        }
        con_hub *hub = con_hub_new(1, 65536, 2, 1, NULL);
        if (con_hub_publish(hub, pipeline, sluice_buf_cstr(&out)) != 0) {
            abort();
        }
        con_hub_free(hub);
    } else if (pipeline[0] != '\0') {
        abort();
    }
    sluice_buf_free(&out);
    json_decref(detail);
}

static void fuzz_request(const char *text)
{
    bool changes = false;
    (void)con_core_operation(text, &changes);
    char sid[WEB_SESSION_ID_LEN + 1];
    if (web_cookie_get(text, "sluice_console_session", sid, sizeof sid)) {
        if (strlen(sid) > WEB_SESSION_ID_LEN || strchr(sid, ';') != NULL) {
            abort();
        }
        (void)web_session_id_valid(sid);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned kind = data[0] % 3;
    size_t len = size - 1;
    char *text = malloc(len + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, len);
    text[len] = '\0';
    if (kind == 0) {
        fuzz_last_event_id(text);
    } else if (kind == 1) {
        fuzz_event(text, len);
    } else {
        fuzz_request(text);
    }
    free(text);
    return 0;
}
