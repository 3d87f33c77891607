/*
 * ntf_message.c — facts, Slack payloads, webhook signatures (see ntf_message.h).
 *
 * Slack's Block Kit reference names the limits kept here; a "section" with
 * mrkdwn text carries the facts, a "context" block the time and ids, an
 * "actions" block the buttons. The payload's top-level "text" is the
 * notification's fallback (what Slack shows in a push notification).
 */
#include "ntf_message.h"

#include "sluice/error.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTF_SLACK_HEADER_MAX 150
#define NTF_SLACK_FIELD_MAX  2000
#define NTF_SLACK_BUTTON_MAX 75
#define NTF_SLACK_URL_MAX    3000

static const char *ntf_str(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : "";
}

/* Bytes of the UTF-8 character starting at s (1 for a stray continuation byte). */
static size_t ntf_char_len(const char *s)
{
    size_t n = 1;
    while (s[n] != '\0' && ((unsigned char)s[n] & 0xc0) == 0x80 && n < 4) {
        n++;
    }
    return n;
}

bool ntf_message_truncate(const char *src, size_t max, char *dst, size_t dstlen)
{
    static const char ellipsis[] = "\xe2\x80\xa6"; /* "…", 3 bytes */
    size_t bytes = 0;
    size_t chars = 0;
    while (src[bytes] != '\0') {
        bytes += ntf_char_len(src + bytes);
        chars++;
    }
    if (chars <= max && bytes < dstlen) {
        memcpy(dst, src, bytes + 1);
        return false;
    }
    if (dstlen < sizeof ellipsis || max == 0) {
        if (dstlen > 0) {
            dst[0] = '\0';
        }
        return true;
    }
    size_t room = dstlen - sizeof ellipsis; /* bytes of text before "…" and the NUL */
    size_t keep = 0;
    size_t kept_chars = 0;
    while (src[keep] != '\0' && kept_chars + 1 < max) {
        size_t step = ntf_char_len(src + keep);
        if (keep + step > room) {
            break;
        }
        keep += step;
        kept_chars++;
    }
    memcpy(dst, src, keep);
    memcpy(dst + keep, ellipsis, sizeof ellipsis);
    return true;
}

static void ntf_copy(char *dst, size_t dstlen, const char *src)
{
    ntf_message_truncate(src, NTF_MESSAGE_TEXT_MAX, dst, dstlen);
}

const char *ntf_message_colour(ntf_level level)
{
    switch (level) {
    case NTF_LEVEL_GOOD:
        return "#2eb67d";
    case NTF_LEVEL_WARNING:
        return "#ecb22e";
    case NTF_LEVEL_DANGER:
        return "#d13212";
    case NTF_LEVEL_INFO:
        break;
    }
    return "#1d9bd1";
}

static ntf_level ntf_level_of(const char *state, bool approval)
{
    if (strcmp(state, "FAILED") == 0) {
        return NTF_LEVEL_DANGER;
    }
    if (strcmp(state, "SUCCEEDED") == 0) {
        return NTF_LEVEL_GOOD;
    }
    if (approval || strcmp(state, "STOPPED") == 0 || strcmp(state, "STOPPING") == 0 ||
        strcmp(state, "SUPERSEDED") == 0 || strcmp(state, "CANCELED") == 0 ||
        strcmp(state, "ABANDONED") == 0) {
        return NTF_LEVEL_WARNING;
    }
    return NTF_LEVEL_INFO;
}

static void ntf_duration(int64_t ms, char *out, size_t outlen)
{
    int64_t s = ms / 1000;
    if (s < 60) {
        snprintf(out, outlen, "%llds", (long long)s);
    } else if (s < 3600) {
        snprintf(out, outlen, "%lldm %llds", (long long)(s / 60), (long long)(s % 60));
    } else {
        snprintf(out, outlen, "%lldh %lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    }
}

/* The revision and start of an archived execution record (PipelineExecution shape). */
static void ntf_facts_execution(const json_t *execution, ntf_facts *f)
{
    const json_t *revs = json_object_get(execution, "artifactRevisions");
    const json_t *first = json_array_get(revs, 0);
    if (first != NULL) {
        ntf_copy(f->revision, sizeof f->revision, ntf_str(first, "revisionId"));
        ntf_copy(f->revision_summary, sizeof f->revision_summary,
                 ntf_str(first, "revisionSummary"));
    }
    const json_t *start = json_object_get(execution, "startTime");
    int64_t start_ms = -1;
    if (json_is_number(start)) {
        start_ms = (int64_t)(json_number_value(start) * 1000.0);
    } else if (json_is_string(start)) {
        if (sluice_time_parse_rfc3339(json_string_value(start), &start_ms) != 0) {
            start_ms = -1;
        }
    }
    int64_t now_ms = 0;
    if (start_ms >= 0 && sluice_time_parse_rfc3339(f->time, &now_ms) == 0 && now_ms >= start_ms) {
        ntf_duration(now_ms - start_ms, f->duration, sizeof f->duration);
    }
}

int ntf_message_facts(const json_t *event, const json_t *execution, ntf_detail detail,
                      const ntf_links *links, ntf_facts *f)
{
    memset(f, 0, sizeof *f);
    const char *detail_type = ntf_str(event, "detail-type");
    const json_t *d = json_object_get(event, "detail");
    ntf_copy(f->event_id, sizeof f->event_id, ntf_str(event, "id"));
    ntf_copy(f->time, sizeof f->time, ntf_str(event, "time"));
    ntf_copy(f->pipeline, sizeof f->pipeline, ntf_str(d, "pipeline"));
    ntf_copy(f->execution_id, sizeof f->execution_id, ntf_str(d, "execution-id"));
    ntf_copy(f->stage, sizeof f->stage, ntf_str(d, "stage"));
    ntf_copy(f->action, sizeof f->action, ntf_str(d, "action"));
    ntf_copy(f->state, sizeof f->state, ntf_str(d, "state"));
    bool known = true;
    bool approval = strcmp(ntf_str(json_object_get(d, "type"), "category"), "Approval") == 0;
    if (strcmp(detail_type, PROTOCOL_DETAIL_PIPELINE_STATE) == 0) {
        snprintf(f->kind, sizeof f->kind, "pipeline");
        snprintf(f->title, sizeof f->title, "Pipeline %s %s", f->pipeline, f->state);
    } else if (strcmp(detail_type, PROTOCOL_DETAIL_STAGE_STATE) == 0) {
        snprintf(f->kind, sizeof f->kind, "stage");
        snprintf(f->title, sizeof f->title, "Stage %s of %s %s", f->stage, f->pipeline, f->state);
    } else if (strcmp(detail_type, PROTOCOL_DETAIL_ACTION_STATE) == 0 && approval) {
        snprintf(f->kind, sizeof f->kind, "approval");
        f->approval_needed = strcmp(f->state, "STARTED") == 0;
        snprintf(f->title, sizeof f->title, "%s %s / %s / %s",
                 f->approval_needed                   ? "Approval needed:"
                 : strcmp(f->state, "SUCCEEDED") == 0 ? "Approved:"
                 : strcmp(f->state, "FAILED") == 0    ? "Rejected:"
                                                      : "Approval ended:",
                 f->pipeline, f->stage, f->action);
    } else if (strcmp(detail_type, PROTOCOL_DETAIL_APPROVAL_NEEDED) == 0) {
        snprintf(f->kind, sizeof f->kind, "approval");
        f->approval_needed = true;
        snprintf(f->title, sizeof f->title, "Approval needed: %s / %s / %s", f->pipeline, f->stage,
                 f->action);
        const char *url = ntf_str(d, "approval-url");
        if ((strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0) &&
            strlen(url) < sizeof f->approval_url) {
            ntf_copy(f->approval_url, sizeof f->approval_url, url);
        }
        const char *id = ntf_str(d, "action-execution-id");
        if (sluice_approval_id_valid(id)) {
            ntf_copy(f->approval_id, sizeof f->approval_id, id);
        }
        int64_t deadline = 0;
        if (sluice_time_parse_rfc3339(ntf_str(d, "deadline"), &deadline) == 0) {
            f->deadline_ms = deadline;
        }
    } else if (strcmp(detail_type, PROTOCOL_DETAIL_ACTION_STATE) == 0) {
        snprintf(f->kind, sizeof f->kind, "action");
        snprintf(f->title, sizeof f->title, "Action %s / %s of %s %s", f->stage, f->action,
                 f->pipeline, f->state);
    } else {
        known = false;
        snprintf(f->kind, sizeof f->kind, "event");
        ntf_copy(f->title, sizeof f->title, detail_type[0] != '\0' ? detail_type : "Event");
    }
    f->level = ntf_level_of(f->state, f->approval_needed);
    snprintf(f->subject, sizeof f->subject, "[Sluice] %s", f->title);
    const json_t *result = json_object_get(d, "execution-result");
    if (strcmp(f->state, "FAILED") == 0 && result != NULL) {
        const char *code = ntf_str(result, "error-code");
        const char *summary = ntf_str(result, "external-execution-summary");
        char text[NTF_MESSAGE_TEXT_MAX];
        snprintf(text, sizeof text, "%s%s%s", code,
                 code[0] != '\0' && summary[0] != '\0' ? ": " : "", summary);
        ntf_copy(f->failure, sizeof f->failure, text);
    }
    const char *endpoint = links != NULL && links->api_endpoint != NULL ? links->api_endpoint : "";
    const char *endpoint_opt = endpoint[0] != '\0' ? " --endpoint-url " : "";
    if (f->approval_needed) {
        snprintf(f->cli, sizeof f->cli,
                 "aws codepipeline%s%s get-pipeline-state --name %s  (the token is in the "
                 "action's latestExecution), then: aws codepipeline%s%s put-approval-result "
                 "--pipeline-name %s --stage-name %s --action-name %s --result "
                 "summary=...,status=Approved --token <token>",
                 endpoint_opt, endpoint, f->pipeline, endpoint_opt, endpoint, f->pipeline, f->stage,
                 f->action);
    } else if (f->execution_id[0] != '\0') {
        snprintf(f->cli, sizeof f->cli,
                 "aws codepipeline%s%s get-pipeline-execution --pipeline-name %s "
                 "--pipeline-execution-id %s",
                 endpoint_opt, endpoint, f->pipeline, f->execution_id);
    }
    if (detail == NTF_DETAIL_FULL) {
        if (execution != NULL) {
            ntf_facts_execution(execution, f);
        }
        if (links != NULL && links->console_base != NULL && f->execution_id[0] != '\0') {
            snprintf(f->execution_url, sizeof f->execution_url, "%s/#/pipelines/%s/executions/%s",
                     links->console_base, f->pipeline, f->execution_id);
        }
    }
    return known ? 0 : SLUICE_EINVAL;
}

void ntf_message_digest_line(const ntf_facts *f, char *out, size_t outlen)
{
    char line[NTF_MESSAGE_TEXT_MAX + 300];
    snprintf(line, sizeof line, "%s%s%s", f->title, f->failure[0] != '\0' ? ": " : "", f->failure);
    ntf_message_truncate(line, NTF_DIGEST_LINE_MAX / 2, out, outlen);
}

bool ntf_message_is_outcome(const ntf_facts *f)
{
    static const char *const final[] = {"SUCCEEDED", "FAILED", "STOPPED", "SUPERSEDED", "CANCELED"};
    if (strcmp(f->kind, "pipeline") != 0) {
        return false;
    }
    for (size_t i = 0; i < sizeof final / sizeof final[0]; i++) {
        if (strcmp(f->state, final[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- Slack ------------------------------------------------------------------------ */

static json_t *ntf_mrkdwn(const char *text, size_t max)
{
    char cut[NTF_MESSAGE_TEXT_MAX + 8];
    ntf_message_truncate(text, max, cut, sizeof cut);
    return json_pack("{s:s, s:s}", "type", "mrkdwn", "text", cut);
}

static void ntf_field(json_t *fields, const char *label, const char *value)
{
    if (value[0] == '\0' || json_array_size(fields) >= 10) {
        return;
    }
    char text[NTF_SLACK_FIELD_MAX + 8];
    char full[NTF_MESSAGE_TEXT_MAX + 64];
    snprintf(full, sizeof full, "*%s*\n%s", label, value);
    ntf_message_truncate(full, NTF_SLACK_FIELD_MAX, text, sizeof text);
    json_array_append_new(fields, json_pack("{s:s, s:s}", "type", "mrkdwn", "text", text));
}

static json_t *ntf_button(const char *text, const char *url, const char *style)
{
    if (url == NULL || strlen(url) > NTF_SLACK_URL_MAX) {
        return NULL;
    }
    char label[NTF_SLACK_BUTTON_MAX * 4 + 8];
    ntf_message_truncate(text, NTF_SLACK_BUTTON_MAX, label, sizeof label);
    json_t *b = json_pack("{s:s, s:{s:s, s:s}, s:s}", "type", "button", "text", "type",
                          "plain_text", "text", label, "url", url);
    if (b != NULL && style != NULL) {
        json_object_set_new(b, "style", json_string(style));
    }
    return b;
}

json_t *ntf_message_slack(const ntf_facts *f, const ntf_links *links)
{
    json_t *blocks = json_array();
    char header[NTF_SLACK_HEADER_MAX * 4 + 8];
    ntf_message_truncate(f->title, NTF_SLACK_HEADER_MAX, header, sizeof header);
    json_array_append_new(blocks, json_pack("{s:s, s:{s:s, s:s}}", "type", "header", "text", "type",
                                            "plain_text", "text", header));
    json_t *fields = json_array();
    ntf_field(fields, "Pipeline", f->pipeline);
    ntf_field(fields, "State", f->state);
    ntf_field(fields, "Stage", f->stage);
    ntf_field(fields, "Action", f->action);
    ntf_field(fields, "Execution", f->execution_id);
    ntf_field(fields, "Duration", f->duration);
    json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "fields", fields));
    if (f->failure[0] != '\0') {
        char text[NTF_MESSAGE_TEXT_MAX + 32];
        snprintf(text, sizeof text, "*Failure*\n%s", f->failure);
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "text",
                                                ntf_mrkdwn(text, NTF_MESSAGE_TEXT_MAX)));
    }
    if (f->ndigest > 0) {
        char text[NTF_MESSAGE_TEXT_MAX + 1];
        size_t used = (size_t)snprintf(text, sizeof text, "*What happened*");
        for (size_t i = 0; i < f->ndigest && used < sizeof text; i++) {
            used += (size_t)snprintf(text + used, sizeof text - used, "\n• %s", f->digest[i]);
        }
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "text",
                                                ntf_mrkdwn(text, NTF_MESSAGE_TEXT_MAX)));
    }
    if (f->revision[0] != '\0') {
        char text[NTF_MESSAGE_TEXT_MAX + 300];
        snprintf(text, sizeof text, "*Revision* `%s`\n%s", f->revision, f->revision_summary);
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "text",
                                                ntf_mrkdwn(text, NTF_MESSAGE_TEXT_MAX)));
    }
    json_t *buttons = json_array();
    if (f->approval_url[0] != '\0') {
        json_t *b = ntf_button("Open approval page", f->approval_url, "primary");
        if (b != NULL) {
            json_array_append_new(buttons, b);
        }
    }
    if (f->approval_needed && links != NULL) {
        json_t *b = ntf_button("Approve", links->approve_url, "primary");
        if (b != NULL) {
            json_array_append_new(buttons, b);
        }
        b = ntf_button("Reject", links->reject_url, "danger");
        if (b != NULL) {
            json_array_append_new(buttons, b);
        }
        b = ntf_button("Review", links->review_url, NULL);
        if (b != NULL) {
            json_array_append_new(buttons, b);
        }
    }
    if (f->execution_url[0] != '\0') {
        json_t *b = ntf_button("Open execution", f->execution_url, NULL);
        if (b != NULL) {
            json_array_append_new(buttons, b);
        }
    }
    if (json_array_size(buttons) > 0) {
        json_array_append_new(blocks,
                              json_pack("{s:s, s:o}", "type", "actions", "elements", buttons));
    } else {
        json_decref(buttons);
    }
    if (f->cli[0] != '\0' && (f->approval_needed || json_array_size(blocks) < 49)) {
        char text[NTF_MESSAGE_TEXT_MAX + 16];
        snprintf(text, sizeof text, "```%s```", f->cli);
        json_array_append_new(blocks, json_pack("{s:s, s:o}", "type", "section", "text",
                                                ntf_mrkdwn(text, NTF_MESSAGE_TEXT_MAX)));
    }
    char context[512];
    snprintf(context, sizeof context, "%s · event %s", f->time, f->event_id);
    json_array_append_new(blocks, json_pack("{s:s, s:[o]}", "type", "context", "elements",
                                            ntf_mrkdwn(context, NTF_MESSAGE_TEXT_MAX)));
    return json_pack("{s:s, s:[{s:s, s:o}]}", "text", f->title, "attachments", "color",
                     ntf_message_colour(f->level), "blocks", blocks);
}

/* ---- webhooks --------------------------------------------------------------------- */

void ntf_message_webhook_signature(const char *key, int64_t timestamp, const char *body, size_t len,
                                   char *out, size_t outlen)
{
    char stamp[32];
    int n = snprintf(stamp, sizeof stamp, "%lld.", (long long)timestamp);
    unsigned char *signed_text = malloc((size_t)n + len + 1);
    if (signed_text == NULL) {
        abort(); /* out of memory: the service's policy */
    }
    memcpy(signed_text, stamp, (size_t)n);
    memcpy(signed_text + n, body, len);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    if (HMAC(EVP_sha256(), key, (int)strlen(key), signed_text, (size_t)n + len, mac, &maclen) ==
        NULL) {
        abort();
    }
    free(signed_text);
    size_t pos = (size_t)snprintf(out, outlen, "v1=");
    for (unsigned int i = 0; i < maclen && pos + 2 < outlen; i++) {
        pos += (size_t)snprintf(out + pos, outlen - pos, "%02x", mac[i]);
    }
}
