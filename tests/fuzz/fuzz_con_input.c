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
 *      header (web_cookie_get): a session id found fits and holds no ';';
 *   3: the api's answers the approvals view is drawn from,
 *      "<GetPipeline JSON>\n<GetPipelineState JSON>" (con_approvals_collect):
 *      every approval listed names its stage and action and carries a token,
 *      at most CON_APPROVALS_MAX are listed, and a person's own list is
 *      exactly the approvals of the full list marked mayAnswer.
 */
#include "con_approvals.h"
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

/* Checks one listed approval; its mayAnswer. */
static bool fuzz_approval_item(const json_t *item)
{
    const char *token = json_string_value(json_object_get(item, "token"));
    if (!json_is_object(item) || json_string_value(json_object_get(item, "stage")) == NULL ||
        json_string_value(json_object_get(item, "action")) == NULL || token == NULL ||
        token[0] == '\0' || !json_is_boolean(json_object_get(item, "mayAnswer"))) {
        abort();
    }
    return json_is_true(json_object_get(item, "mayAnswer"));
}

static void fuzz_approvals(const char *text, size_t len)
{
    const char *nl = memchr(text, '\n', len);
    if (nl == NULL) {
        return;
    }
    json_error_t jerr;
    json_t *decl = json_loadb(text, (size_t)(nl - text), 0, &jerr);
    json_t *state = json_loadb(nl + 1, len - (size_t)(nl + 1 - text), 0, &jerr);
    static const char *const groups[] = {"release", "ops"};
    const con_approvals_who who = {"arn:aws:iam::123456789012:user/alice", "approver", groups, 2};
    json_t *all = json_array();
    json_t *mine = json_array();
    long nall = con_approvals_collect("p", decl, state, &who, true, all);
    long nmine = con_approvals_collect("p", decl, state, &who, false, mine);
    if (json_array_size(all) > CON_APPROVALS_MAX ||
        (nall >= 0 && (size_t)nall != json_array_size(all)) ||
        (nmine >= 0 && (size_t)nmine != json_array_size(mine))) {
        abort();
    }
    size_t yours = 0;
    size_t i;
    json_t *item;
    json_array_foreach(all, i, item)
    {
        if (fuzz_approval_item(item)) {
            const json_t *m = json_array_get(mine, yours++);
            if (m == NULL || !json_equal(m, item)) {
                abort();
            }
        }
    }
    json_array_foreach(mine, i, item)
    {
        if (!fuzz_approval_item(item)) {
            abort();
        }
    }
    if (nall >= 0 && yours != json_array_size(mine)) {
        abort();
    }
    if (json_array_size(all) > 0 && !con_approvals_pending(state)) {
        abort(); /* something listed waits, so the state was worth the declaration */
    }
    json_decref(mine);
    json_decref(all);
    json_decref(state);
    json_decref(decl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned kind = data[0] % 4;
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
    } else if (kind == 2) {
        fuzz_request(text);
    } else {
        fuzz_approvals(text, len);
    }
    free(text);
    return 0;
}
