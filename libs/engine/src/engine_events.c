/*
 * engine_events.c — EventBridge envelopes for CodePipeline state changes
 * (see engine_events.h; reference §5, detect-state-changes-cloudwatch-events).
 */
#include "engine_events.h"

#include "engine_util.h"
#include "sluice/time.h"

#include <stdlib.h>
#include <string.h>

static void engine_events_emit_from(engine_machine *m, engine_execution *x, const char *source,
                                    const char *detail_type, json_t *detail)
{
    char *name = engine_util_printf("events:%s", x->id);
    char id[ENGINE_ID_LEN + 1];
    engine_ids_derive(name, x->event_seq, id);
    free(name);
    x->event_seq++;

    char when[32];
    if (sluice_time_format_rfc3339(m->ctx->now_ms, when, sizeof when) != 0) {
        when[0] = '\0';
    }
    json_t *env = engine_util_obj();
    engine_util_put_str(env, "version", "0");
    engine_util_put_str(env, "id", id);
    engine_util_put_str(env, "detail-type", detail_type);
    engine_util_put_str(env, "source", source);
    engine_util_put_str(env, "account", m->ctx->account != NULL ? m->ctx->account : "000000000000");
    engine_util_put_str(env, "time", when);
    engine_util_put_str(env, "region", m->ctx->region != NULL ? m->ctx->region : "us-east-1");
    json_t *resources = engine_util_arr();
    char *arn = engine_step_pipeline_arn(m->ctx, m->state->pipeline);
    engine_util_push(resources, engine_util_jstr(arn));
    free(arn);
    engine_util_put(env, "resources", resources);
    engine_util_put(env, "detail", detail);

    engine_effect *e = engine_effects_add(m->effects, ENGINE_EFFECT_EVENT);
    e->id = engine_util_strdup(id);
    e->execution_id = engine_util_strdup(x->id);
    e->body = env;
}

static void engine_events_emit(engine_machine *m, engine_execution *x, const char *detail_type,
                               json_t *detail)
{
    engine_events_emit_from(m, x, ENGINE_EVENTS_SOURCE, detail_type, detail);
}

void engine_events_sluice(engine_machine *m, engine_execution *x, const char *detail_type,
                          json_t *detail)
{
    engine_events_emit_from(m, x, PROTOCOL_SOURCE_ORCHESTRATOR, detail_type, detail);
}

static json_t *engine_events_detail(engine_machine *m, engine_execution *x)
{
    json_t *detail = engine_util_obj();
    engine_util_put_str(detail, "pipeline", m->state->pipeline);
    engine_util_put_str(detail, "execution-id", x->id);
    return detail;
}

static void engine_events_tail(json_t *detail, engine_execution *x, const char *state)
{
    engine_util_put_str(detail, "state", state);
    engine_util_put_int(detail, "version", x->pipeline_version);
    engine_util_put_int(detail, "pipeline-execution-attempt", x->attempt);
}

void engine_events_pipeline(engine_machine *m, engine_execution *x, const char *state,
                            const char *comments)
{
    json_t *detail = engine_events_detail(m, x);
    if (strcmp(state, "STARTED") == 0) {
        json_t *trigger = engine_util_obj();
        engine_util_put_str(trigger, "trigger-type", x->trigger_type);
        engine_util_put_str(trigger, "trigger-detail",
                            x->trigger_detail != NULL ? x->trigger_detail : "");
        engine_util_put(detail, "execution-trigger", trigger);
    }
    engine_events_tail(detail, x, state);
    if (comments != NULL) {
        engine_util_put_str(detail, "stop-execution-comments", comments);
    }
    engine_events_emit(m, x, ENGINE_EVENTS_PIPELINE, detail);
}

void engine_events_stage(engine_machine *m, engine_execution *x, size_t s, const char *state)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    json_t *detail = engine_events_detail(m, x);
    engine_util_put_str(detail, "stage", plan->stages[s].name);
    engine_events_tail(detail, x, state);
    engine_events_emit(m, x, ENGINE_EVENTS_STAGE, detail);
}

void engine_events_action(engine_machine *m, engine_execution *x, size_t s, size_t a,
                          const char *state)
{
    const engine_plan *plan = engine_machine_plan(m, x);
    const engine_plan_action *pa = &plan->stages[s].actions[a];
    const engine_action_run *run = &x->stages[s].actions[a];
    json_t *detail = engine_events_detail(m, x);
    engine_util_put_str(detail, "stage", plan->stages[s].name);
    engine_util_put_str(detail, "action", pa->name);
    engine_util_put_str(
        detail, "region",
        pa->region != NULL ? pa->region : (m->ctx->region != NULL ? m->ctx->region : "us-east-1"));
    json_t *type = engine_util_obj();
    engine_util_put_str(type, "owner", pa->owner);
    engine_util_put_str(type, "provider", pa->provider);
    engine_util_put_str(type, "category", pa->category);
    engine_util_put_str(type, "version", pa->version);
    engine_util_put(detail, "type", type);
    bool started = strcmp(state, "STARTED") == 0;
    bool succeeded = strcmp(state, "SUCCEEDED") == 0;
    bool failed = strcmp(state, "FAILED") == 0;
    if (started && run->ninputs > 0) {
        engine_util_put(detail, "input-artifacts",
                        engine_util_artifacts_json(run->inputs, run->ninputs));
    }
    if (succeeded && run->noutputs > 0) {
        engine_util_put(detail, "output-artifacts",
                        engine_util_artifacts_json(run->outputs, run->noutputs));
    }
    if (succeeded || failed) {
        json_t *result = engine_util_obj();
        engine_util_put_str(result, "external-execution-url", run->external_url);
        engine_util_put_str(result, "external-execution-summary", run->summary);
        engine_util_put_str(result, "external-execution-id", run->external_id);
        if (failed) {
            engine_util_put_str(result, "error-code",
                                run->error_code != NULL ? run->error_code : "JobFailed");
        }
        if (json_object_size(result) > 0) {
            engine_util_put(detail, "execution-result", result);
        } else {
            json_decref(result);
        }
    }
    engine_events_tail(detail, x, state);
    engine_events_emit(m, x, ENGINE_EVENTS_ACTION, detail);
}
