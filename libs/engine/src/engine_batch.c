/*
 * engine_batch.c — one pipeline's requests of a batch, stepped in order on
 * one state, with duplicates skipped and oversized jobs failed (see
 * engine_batch.h).
 */
#include "sluice/engine_batch.h"

#include "engine_util.h"
#include "sluice/engine_ids.h"
#include "sluice/engine_step.h"
#include "sluice/error.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTRIBUTORS_SHOWN 3
#define BOUND_ROUNDS_MAX   16 /* failing a job may start another (an automatic retry) */

int64_t engine_batch_progress(const json_t *progress, const char *source)
{
    json_t *value = json_object_get(progress, source);
    return json_is_integer(value) ? json_integer_value(value) : -1;
}

void engine_batch_result_clear(engine_batch_result *result)
{
    engine_effects_free(&result->effects);
}

static size_t json_size(const json_t *value)
{
    return json_dumpb(value, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Bytes a string of len bytes can take in compact JSON, at most: quotes, each byte as \u00XX. */
static size_t string_bound(size_t len)
{
    return len > (SIZE_MAX - 2) / 6 ? SIZE_MAX : 2 + 6 * len;
}

/*
 * Takes from *budget an upper bound of value's compact text (without
 * rendering it: a walk that adds lengths); false once the bound exceeds
 * the budget. So a value that fits for sure costs no render; one that may
 * not is measured exactly (json_size).
 */
static bool json_fits(const json_t *value, size_t *budget)
{
    size_t need = 0;
    switch (json_typeof(value)) {
    case JSON_OBJECT: {
        const char *key;
        const json_t *member;
        need = 2 + json_object_size(value);
        if (need > *budget) {
            return false;
        }
        *budget -= need;
        json_object_foreach((json_t *)(uintptr_t)value, key, member)
        {
            size_t k = string_bound(strlen(key));
            if (k > *budget) {
                return false;
            }
            *budget -= k;
            if (!json_fits(member, budget)) {
                return false;
            }
        }
        return true;
    }
    case JSON_ARRAY:
        need = 2 + json_array_size(value);
        if (need > *budget) {
            return false;
        }
        *budget -= need;
        for (size_t i = 0; i < json_array_size(value); i++) {
            if (!json_fits(json_array_get(value, i), budget)) {
                return false;
            }
        }
        return true;
    case JSON_STRING:
        need = string_bound(json_string_length(value));
        break;
    default:
        need = 40; /* a number ("%.17g" or an int64), true, false or null */
        break;
    }
    if (need > *budget) {
        return false;
    }
    *budget -= need;
    return true;
}

/* True when value's compact text plus the envelope's reserve surely fits message_max. */
static bool surely_fits(const json_t *value, size_t message_max)
{
    if (message_max == 0) {
        return true;
    }
    if (message_max <= ENGINE_BATCH_ENVELOPE_RESERVE) {
        return false;
    }
    size_t budget = message_max - ENGINE_BATCH_ENVELOPE_RESERVE;
    return json_fits(value, &budget);
}

typedef struct contributor {
    char label[160];
    size_t size;
    const char *template_; /* the declared value it was resolved from; NULL when unknown */
} contributor;

/* Keeps the CONTRIBUTORS_SHOWN largest in top (sorted, largest first). */
static void consider(contributor *top, size_t *ntop, const char *label, size_t size,
                     const char *template_)
{
    size_t at = *ntop;
    while (at > 0 && top[at - 1].size < size) {
        at--;
    }
    if (at >= CONTRIBUTORS_SHOWN) {
        return;
    }
    size_t last = *ntop < CONTRIBUTORS_SHOWN ? *ntop : CONTRIBUTORS_SHOWN - 1;
    memmove(&top[at + 1], &top[at], (last - at) * sizeof *top);
    snprintf(top[at].label, sizeof top[at].label, "%s", label);
    top[at].size = size;
    top[at].template_ = template_;
    if (*ntop < CONTRIBUTORS_SHOWN) {
        (*ntop)++;
    }
}

/* Appends the variable references "#{...}" of template_ to out (at most two). */
static void append_references(char *out, size_t outlen, const char *template_)
{
    int shown = 0;
    const char *p = template_;
    while (p != NULL && shown < 2 && (p = strstr(p, "#{")) != NULL) {
        const char *end = strchr(p, '}');
        if (end == NULL) {
            break;
        }
        size_t used = strlen(out);
        snprintf(out + used, outlen - used, "%s%.*s", shown == 0 ? ", from " : " and ",
                 (int)(end - p + 1), p);
        shown++;
        p = end + 1;
    }
}

static const char *plan_env_value(const engine_plan_action *action, const char *name)
{
    for (size_t i = 0; action != NULL && i < action->nenv; i++) {
        if (engine_util_str_eq(action->env[i].name, name)) {
            return action->env[i].value;
        }
    }
    return NULL;
}

/* The declared action a job was made from, or NULL (rule jobs, unknown versions). */
static const engine_plan_action *job_action(const engine_state *state, json_t *job)
{
    const char *stage = json_string_value(json_object_get(job, "stage"));
    const char *action = json_string_value(json_object_get(job, "action"));
    const json_t *version = json_object_get(job, "pipelineVersion");
    if (state == NULL || stage == NULL || action == NULL || !json_is_integer(version)) {
        return NULL;
    }
    const engine_plan *plan = engine_state_plan_version(state, json_integer_value(version));
    size_t si = plan != NULL ? engine_plan_stage_index(plan, stage) : ENGINE_PLAN_NOT_FOUND;
    if (si == ENGINE_PLAN_NOT_FOUND) {
        return NULL;
    }
    size_t ai = engine_plan_action_index(&plan->stages[si], action);
    return ai == ENGINE_PLAN_NOT_FOUND ? NULL : &plan->stages[si].actions[ai];
}

static int job_check(const engine_state *state, json_t *job, size_t message_max,
                     const char *message_max_name, char *msg, size_t msglen)
{
    if (surely_fits(job, message_max)) {
        return 0;
    }
    size_t size = json_size(job) + ENGINE_BATCH_ENVELOPE_RESERVE;
    if (size <= message_max) {
        return 0;
    }
    const engine_plan_action *action = job_action(state, job);
    contributor top[CONTRIBUTORS_SHOWN];
    size_t ntop = 0;
    char label[160];
    const char *key;
    json_t *value;
    json_object_foreach(job, key, value)
    {
        if (strcmp(key, "configuration") == 0 && json_is_object(value)) {
            const char *ckey;
            json_t *cvalue;
            json_object_foreach(value, ckey, cvalue)
            {
                snprintf(label, sizeof label, "configuration key %s", ckey);
                consider(top, &ntop, label, json_size(cvalue),
                         action != NULL ? engine_plan_action_config(action, ckey) : NULL);
            }
        } else if (strcmp(key, "environmentVariables") == 0 && json_is_array(value)) {
            size_t i;
            json_t *env;
            json_array_foreach(value, i, env)
            {
                const char *name = json_string_value(json_object_get(env, "name"));
                snprintf(label, sizeof label, "environment variable %s", name != NULL ? name : "?");
                consider(top, &ntop, label, json_size(env), plan_env_value(action, name));
            }
        } else if (strcmp(key, "commands") == 0 && json_is_array(value)) {
            size_t i;
            json_t *command;
            json_array_foreach(value, i, command)
            {
                snprintf(label, sizeof label, "commands[%zu]", i);
                consider(top, &ntop, label, json_size(command),
                         action != NULL && i < action->ncommands ? action->commands[i] : NULL);
            }
        } else {
            consider(top, &ntop, key, json_size(value), NULL);
        }
    }
    const char *stage = json_string_value(json_object_get(job, "stage"));
    const char *name = json_string_value(json_object_get(job, "action"));
    if (name == NULL) {
        name = json_string_value(json_object_get(job, "rule"));
    }
    snprintf(msg, msglen,
             "the job of %s.%s is %zu bytes, over the bus's message bound of %zu bytes%s%s%s; "
             "largest:",
             stage != NULL ? stage : "?", name != NULL ? name : "?", size, message_max,
             message_max_name != NULL ? " (" : "", message_max_name != NULL ? message_max_name : "",
             message_max_name != NULL ? ")" : "");
    for (size_t i = 0; i < ntop; i++) {
        size_t used = strlen(msg);
        snprintf(msg + used, msglen - used, "%s %s (%zu bytes", i == 0 ? "" : ";", top[i].label,
                 top[i].size);
        append_references(msg, msglen, top[i].template_);
        used = strlen(msg);
        snprintf(msg + used, msglen - used, ")");
    }
    return 1;
}

int engine_batch_job_check(json_t *job, size_t message_max, const char *message_max_name, char *msg,
                           size_t msglen)
{
    return job_check(NULL, job, message_max, message_max_name, msg, msglen);
}

/* Removes effect i of effects, freeing what it owns. */
static void effect_remove(engine_effects *effects, size_t i)
{
    engine_effect *e = &effects->items[i];
    free(e->id);
    free(e->execution_id);
    free(e->exception);
    free(e->message);
    json_decref(e->body);
    memmove(e, e + 1, (effects->count - i - 1) * sizeof *e);
    effects->count--;
}

/*
 * Fails every job among effects[from..) that exceeds the bound, stepping a
 * JobResult Failed for it; the effects of those steps (replies aside) are
 * appended and checked in turn.
 */
static void bound_jobs(engine_state *state, const engine_ctx *ectx, const engine_batch_ctx *ctx,
                       engine_batch_result *result, size_t from)
{
    for (int round = 0; round < BOUND_ROUNDS_MAX && from < result->effects.count; round++) {
        size_t end = result->effects.count;
        size_t i = from;
        while (i < end) {
            engine_effect *e = &result->effects.items[i];
            char msg[ENGINE_BATCH_REASON_MAX];
            if (e->kind != ENGINE_EFFECT_JOB ||
                job_check(state, e->body, ctx->message_max, ctx->message_max_name, msg,
                          sizeof msg) == 0) {
                i++;
                continue;
            }
            char *job_id = engine_util_strdup(e->id);
            effect_remove(&result->effects, i);
            end--;
            engine_input in = {.kind = ENGINE_INPUT_JOB_RESULT};
            in.job.job_id = job_id;
            in.job.outcome = ENGINE_JOB_FAILED;
            in.job.failure_type = "JobFailed";
            in.job.failure_message = msg;
            in.job.summary = msg;
            in.job.percent_complete = -1;
            engine_effects more;
            engine_effects_init(&more);
            char err[256];
            if (engine_step(state, ectx, &in, &more, err, sizeof err) == SLUICE_OK) {
                for (size_t k = 0; k < more.count; k++) {
                    if (more.items[k].kind == ENGINE_EFFECT_REPLY) {
                        continue; /* nobody asked */
                    }
                    engine_effect *copy = engine_effects_add(&result->effects, more.items[k].kind);
                    *copy = more.items[k];
                    memset(&more.items[k], 0, sizeof more.items[k]);
                }
            }
            engine_effects_free(&more);
            free(job_id);
            result->jobs_failed++;
            snprintf(result->reason, sizeof result->reason, "%s", msg);
        }
        from = end;
    }
}

/* Cuts the string member key of obj to at most max bytes, on a UTF-8 boundary. true when cut. */
static bool cut_string(json_t *obj, const char *key, size_t max)
{
    json_t *value = json_object_get(obj, key);
    if (!json_is_string(value) || json_string_length(value) <= max) {
        return false;
    }
    const char *text = json_string_value(value);
    size_t len = max;
    while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80) {
        len--; /* never split a character */
    }
    json_object_set_new(obj, key, json_stringn(text, len));
    return true;
}

/* Cuts every string of an execution-result to max bytes (schema bounds: see engine_batch.h). */
static bool cut_result(json_t *result, size_t url_max, size_t summary_max, size_t id_max)
{
    bool cut = cut_string(result, "external-execution-url", url_max);
    cut = cut_string(result, "external-execution-summary", summary_max) || cut;
    cut = cut_string(result, "external-execution-id", id_max) || cut;
    return cut_string(result, "error-code", id_max) || cut;
}

/* Drops the s3location of every artifact in detail's artifact lists. */
static bool drop_locations(json_t *detail)
{
    bool dropped = false;
    const char *lists[2] = {"input-artifacts", "output-artifacts"};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        json_t *artifact;
        json_array_foreach(json_object_get(detail, lists[l]), i, artifact)
        {
            dropped = json_object_del(artifact, "s3location") == 0 || dropped;
        }
    }
    return dropped;
}

int engine_batch_event_bound(json_t *event, size_t message_max, char *msg, size_t msglen)
{
    if (surely_fits(event, message_max)) {
        return 0;
    }
    size_t size = json_size(event) + ENGINE_BATCH_ENVELOPE_RESERVE;
    if (size <= message_max) {
        return 0;
    }
    json_t *detail = json_object_get(event, "detail");
    json_t *result = json_object_get(detail, "execution-result");
    const char *done = "";
    if (cut_result(result, ENGINE_BATCH_EVENT_URL_MAX, ENGINE_BATCH_EVENT_SUMMARY_MAX,
                   ENGINE_BATCH_EVENT_ID_MAX)) {
        done = "execution-result cut to its bounds";
    }
    if (json_size(event) + ENGINE_BATCH_ENVELOPE_RESERVE > message_max && drop_locations(detail)) {
        done = "execution-result cut, artifact locations dropped";
    }
    if (json_size(event) + ENGINE_BATCH_ENVELOPE_RESERVE > message_max &&
        cut_result(result, ENGINE_BATCH_EVENT_CUT_MAX, ENGINE_BATCH_EVENT_CUT_MAX,
                   ENGINE_BATCH_EVENT_CUT_MAX)) {
        done = "execution-result cut short, artifact locations dropped";
    }
    size_t now = json_size(event) + ENGINE_BATCH_ENVELOPE_RESERVE;
    const char *type = json_string_value(json_object_get(event, "detail-type"));
    const char *id = json_string_value(json_object_get(event, "id"));
    if (now > message_max) {
        snprintf(msg, msglen,
                 "the event %s (%s) is %zu bytes, over the bus's message bound of %zu bytes even "
                 "when trimmed: not published",
                 id != NULL ? id : "?", type != NULL ? type : "?", size, message_max);
        return -1;
    }
    snprintf(msg, msglen,
             "the event %s (%s) was %zu bytes, over the bus's message bound of %zu "
             "bytes: %s (%zu bytes)",
             id != NULL ? id : "?", type != NULL ? type : "?", size, message_max, done, now);
    return 1;
}

/* Bounds every event among the effects (engine_batch_event_bound), dropping what cannot fit. */
static void bound_events(const engine_batch_ctx *ctx, engine_batch_result *result)
{
    size_t i = 0;
    while (i < result->effects.count) {
        engine_effect *e = &result->effects.items[i];
        char msg[ENGINE_BATCH_REASON_MAX];
        int rc = e->kind == ENGINE_EFFECT_EVENT
                     ? engine_batch_event_bound(e->body, ctx->message_max, msg, sizeof msg)
                     : 0;
        if (rc != 0) {
            result->events_trimmed++;
            snprintf(result->event_reason, sizeof result->event_reason, "%s", msg);
        }
        if (rc < 0) {
            effect_remove(&result->effects, i);
            continue;
        }
        i++;
    }
}

size_t engine_batch_run(engine_state *state, json_t *progress, const engine_batch_ctx *ctx,
                        const engine_batch_request *requests, size_t n,
                        engine_batch_result *results)
{
    size_t effects = 0;
    size_t k = 0;
    for (; k < n; k++) {
        if (k > 0 && ctx->max_effects > 0 && effects >= ctx->max_effects) {
            break;
        }
        const engine_batch_request *req = &requests[k];
        engine_batch_result *result = &results[k];
        memset(result, 0, sizeof *result);
        engine_effects_init(&result->effects);
        if (req->source != NULL && engine_batch_progress(progress, req->source) >= req->position) {
            result->verdict = ENGINE_BATCH_DUPLICATE;
            continue;
        }
        if (req->deleted) {
            result->verdict = ENGINE_BATCH_APPLIED;
            result->deleted = true;
            if (req->source != NULL) {
                json_object_set_new(progress, req->source, json_integer(req->position));
            }
            k++;
            break; /* what follows waits for the tombstone */
        }
        engine_ids_seeded ids;
        engine_ids_seeded_init_keyed(&ids, req->seed, ctx->id_key, ctx->id_key_len);
        engine_ctx ectx = {
            .now_ms = ctx->now_ms,
            .ids = engine_ids_seeded_source(&ids),
            .account = ctx->account,
            .region = ctx->region,
        };
        if (engine_step(state, &ectx, req->input, &result->effects, result->reason,
                        sizeof result->reason) != SLUICE_OK) {
            result->verdict = ENGINE_BATCH_REJECTED; /* the state is as it was */
            engine_effects_free(&result->effects);
            continue;
        }
        result->verdict = ENGINE_BATCH_APPLIED;
        bound_jobs(state, &ectx, ctx, result, 0);
        bound_events(ctx, result);
        if (req->source != NULL) {
            json_object_set_new(progress, req->source, json_integer(req->position));
        }
        effects += result->effects.count;
    }
    return k;
}
