/*
 * apv_intake.c — approval jobs and events into the store (see apv_intake.h).
 */
#include "apv_intake.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/protocol_names.h"
#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *apv_intake_str(const json_t *obj, const char *name)
{
    const char *v = json_string_value(json_object_get(obj, name));
    return v != NULL ? v : "";
}

/* The entries of a comma-separated list, trimmed, as a JSON array. */
static json_t *apv_intake_list(const char *text)
{
    json_t *items = json_array();
    const char *p = text;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        const char *end = comma != NULL ? comma : p + strlen(p);
        const char *a = p;
        const char *b = end;
        while (a < b && *a == ' ') {
            a++;
        }
        while (b > a && b[-1] == ' ') {
            b--;
        }
        if (b > a) {
            json_array_append_new(items, json_stringn(a, (size_t)(b - a)));
        }
        p = comma != NULL ? comma + 1 : end;
    }
    return items;
}

json_t *apv_intake_needed_detail(const json_t *record, const char *public_url)
{
    const char *required = apv_intake_str(record, "requiredApprovals");
    long long needed = 1;
    if (required[0] != '\0') {
        char *end = NULL;
        needed = strtoll(required, &end, 10);
        if (end == NULL || *end != '\0' || needed < 1) {
            needed = 1;
        }
    }
    char deadline[40] = "";
    (void)sluice_time_format_rfc3339(json_integer_value(json_object_get(record, "expires")),
                                     deadline, sizeof deadline);
    size_t base = strlen(public_url);
    while (base > 0 && public_url[base - 1] == '/') {
        base--;
    }
    char url[1200];
    snprintf(url, sizeof url, "%.*s/approvals/%s", (int)base, public_url,
             apv_intake_str(record, "id"));
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:s, s:s, s:s, s:s, s:I}", "pipeline",
                     apv_intake_str(record, "pipeline"), "execution-id",
                     apv_intake_str(record, "executionId"), "stage",
                     apv_intake_str(record, "stage"), "action", apv_intake_str(record, "action"),
                     "action-execution-id", apv_intake_str(record, "id"), "approvers",
                     apv_intake_list(apv_intake_str(record, "approvers")), "required-approvals",
                     (json_int_t)needed, "deadline", deadline, "review-link",
                     apv_intake_str(record, "externalEntityLink"), "custom-data",
                     apv_intake_str(record, "customData"), "approval-url", url, "version",
                     (json_int_t)json_integer_value(json_object_get(record, "pipelineVersion")));
}

bus_consumer_verdict apv_intake_job(const bus_consumer_message *msg, void *ctx, char *reason,
                                    size_t reasonlen)
{
    apv_intake *in = ctx;
    const bus_envelope *env = msg->envelope;
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_JOB) != 0) {
        return BUS_CONSUMER_DONE;
    }
    char err[512] = "";
    int64_t now = sluice_time_now_ms();
    json_t *record = apv_core_record_from_job(env->detail, now, err, sizeof err);
    if (record == NULL) {
        if (err[0] == '\0') {
            return BUS_CONSUMER_DONE; /* another kind of job */
        }
        snprintf(reason, reasonlen, "%s", err);
        return BUS_CONSUMER_REJECT;
    }
    bool created = false;
    if (apv_store_put(&in->store, record, now, &created, err, sizeof err) != 0) {
        atomic_store(&in->service->redis_ok, false);
        snprintf(reason, reasonlen, "%s", err);
        json_decref(record);
        return BUS_CONSUMER_RETRY;
    }
    atomic_store(&in->service->redis_ok, true);
    if (created) {
        (void)http_metrics_inc(in->service->recorded, NULL, 1);
        SLUICE_INFO("approval %s waits: %s / %s / %s", apv_intake_str(record, "id"),
                    apv_intake_str(record, "pipeline"), apv_intake_str(record, "stage"),
                    apv_intake_str(record, "action"));
    }
    /* Published again on a re-delivery with the same id: consumers drop the duplicate. */
    char id[37];
    apv_service_derived_id("approval-needed", apv_intake_str(record, "id"), id);
    int rc = apv_service_publish(in->service, id, PROTOCOL_DETAIL_APPROVAL_NEEDED,
                                 apv_intake_str(record, "pipeline"),
                                 apv_intake_needed_detail(record, in->service->cfg->public_url));
    json_decref(record);
    if (rc != 0) {
        snprintf(reason, reasonlen, "publishing Approval Needed: %s", sluice_strerror(rc));
        return BUS_CONSUMER_RETRY;
    }
    return BUS_CONSUMER_DONE;
}

static bool apv_intake_is_manual(const json_t *detail)
{
    const json_t *type = json_object_get(detail, "type");
    return strcmp(apv_intake_str(type, "category"), "Approval") == 0 &&
           strcmp(apv_intake_str(type, "owner"), "AWS") == 0 &&
           strcmp(apv_intake_str(type, "provider"), "Manual") == 0;
}

static bool apv_intake_one_of(const char *state, const char *const *states, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(state, states[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bus_consumer_verdict apv_intake_action(apv_intake *in, const bus_envelope *env, char *reason,
                                              size_t reasonlen)
{
    static const char *const withdrawn[] = {"ABANDONED", "CANCELED", "STOPPED"};
    const json_t *d = env->detail;
    const char *state = apv_intake_str(d, "state");
    bool approved = strcmp(state, "SUCCEEDED") == 0;
    bool rejected = strcmp(state, "FAILED") == 0;
    if (!apv_intake_is_manual(d) ||
        (!approved && !rejected && !apv_intake_one_of(state, withdrawn, 3))) {
        return BUS_CONSUMER_DONE;
    }
    char err[512] = "";
    char id[APV_ID_MAX + 1];
    if (apv_store_find_action(&in->store, apv_intake_str(d, "pipeline"),
                              apv_intake_str(d, "execution-id"), apv_intake_str(d, "stage"),
                              apv_intake_str(d, "action"), id, err, sizeof err) != 0) {
        snprintf(reason, reasonlen, "%s", err);
        return BUS_CONSUMER_RETRY;
    }
    if (id[0] == '\0') {
        return BUS_CONSUMER_DONE; /* an approval this service never saw */
    }
    const char *end =
        approved ? APV_STATE_APPROVED : (rejected ? APV_STATE_REJECTED : APV_STATE_WITHDRAWN);
    bool changed = false;
    if (apv_store_end(&in->store, id, end, &changed, err, sizeof err) != 0) {
        snprintf(reason, reasonlen, "%s", err);
        return BUS_CONSUMER_RETRY;
    }
    if (!approved && !rejected) {
        return BUS_CONSUMER_DONE;
    }
    const json_t *result = json_object_get(d, "execution-result");
    char event_id[37];
    apv_service_derived_id("approval-decided", env->id, event_id);
    json_t *detail = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "pipeline", apv_intake_str(d, "pipeline"),
        "execution-id", apv_intake_str(d, "execution-id"), "stage", apv_intake_str(d, "stage"),
        "action", apv_intake_str(d, "action"), "action-execution-id", id, "decision", end,
        "summary", apv_intake_str(result, "external-execution-summary"), "version",
        (json_int_t)json_integer_value(json_object_get(d, "version")), "pipeline-execution-attempt",
        (json_int_t)json_integer_value(json_object_get(d, "pipeline-execution-attempt")));
    int rc = apv_service_publish(in->service, event_id, PROTOCOL_DETAIL_APPROVAL_DECIDED,
                                 apv_intake_str(d, "pipeline"), detail);
    if (rc != 0) {
        snprintf(reason, reasonlen, "publishing Approval Decided: %s", sluice_strerror(rc));
        return BUS_CONSUMER_RETRY;
    }
    return BUS_CONSUMER_DONE;
}

bus_consumer_verdict apv_intake_event(const bus_consumer_message *msg, void *ctx, char *reason,
                                      size_t reasonlen)
{
    static const char *const ended[] = {"STOPPING", "STOPPED", "SUPERSEDED",
                                        "CANCELED", "FAILED",  "SUCCEEDED"};
    apv_intake *in = ctx;
    const bus_envelope *env = msg->envelope;
    const json_t *d = env->detail;
    char err[512] = "";
    int rc = 0;
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_ACTION_STATE) == 0) {
        return apv_intake_action(in, env, reason, reasonlen);
    }
    if (strcmp(env->detail_type, PROTOCOL_DETAIL_PIPELINE_STATE) == 0 &&
        apv_intake_one_of(apv_intake_str(d, "state"), ended, 6)) {
        rc = apv_store_end_execution(&in->store, apv_intake_str(d, "pipeline"),
                                     apv_intake_str(d, "execution-id"), err, sizeof err);
    } else if (strcmp(env->detail_type, PROTOCOL_DETAIL_APPROVAL_VOTE) == 0) {
        const char *id = apv_intake_str(d, "action-execution-id");
        if (!apv_core_id_valid(id)) {
            return BUS_CONSUMER_DONE;
        }
        json_t *vote = json_pack("{s:s, s:s, s:s, s:s}", "identity", apv_intake_str(d, "identity"),
                                 "status", apv_intake_str(d, "vote"), "comment",
                                 apv_intake_str(d, "comment"), "time", env->time);
        rc = vote != NULL ? apv_store_add_vote(&in->store, id, vote, err, sizeof err)
                          : SLUICE_ENOMEM;
        json_decref(vote);
    }
    if (rc != 0) {
        snprintf(reason, reasonlen, "%s", err);
        return BUS_CONSUMER_RETRY;
    }
    return BUS_CONSUMER_DONE;
}
