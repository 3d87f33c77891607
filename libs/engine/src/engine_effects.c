/*
 * engine_effects.c — the effect list a step produces (see engine_effects.h).
 */
#include "sluice/engine_effects.h"

#include "engine_util.h"

#include <stdlib.h>
#include <string.h>

void engine_effects_init(engine_effects *effects)
{
    memset(effects, 0, sizeof *effects);
}

void engine_effects_free(engine_effects *effects)
{
    if (effects == NULL) {
        return;
    }
    for (size_t i = 0; i < effects->count; i++) {
        engine_effect *e = &effects->items[i];
        free(e->id);
        free(e->execution_id);
        free(e->exception);
        free(e->message);
        json_decref(e->body);
    }
    free(effects->items);
    memset(effects, 0, sizeof *effects);
}

engine_effect *engine_effects_add(engine_effects *effects, engine_effect_kind kind)
{
    engine_util_reserve((void **)&effects->items, &effects->cap, effects->count + 1,
                        sizeof *effects->items);
    engine_effect *e = &effects->items[effects->count++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    return e;
}

const engine_effect *engine_effects_reply(const engine_effects *effects)
{
    for (size_t i = 0; i < effects->count; i++) {
        if (effects->items[i].kind == ENGINE_EFFECT_REPLY) {
            return &effects->items[i];
        }
    }
    return NULL;
}

const char *engine_effects_kind_name(engine_effect_kind kind)
{
    switch (kind) {
    case ENGINE_EFFECT_EVENT:
        return "event";
    case ENGINE_EFFECT_JOB:
        return "job";
    case ENGINE_EFFECT_TIMER_SET:
        return "timer-set";
    case ENGINE_EFFECT_TIMER_CANCEL:
        return "timer-cancel";
    case ENGINE_EFFECT_REPLY:
        return "reply";
    case ENGINE_EFFECT_ARCHIVE:
    default:
        return "archive";
    }
}

json_t *engine_effects_to_json(const engine_effect *effect)
{
    json_t *obj = engine_util_obj();
    engine_util_put_str(obj, "kind", engine_effects_kind_name(effect->kind));
    engine_util_put_str(obj, "id", effect->id);
    engine_util_put_str(obj, "executionId", effect->execution_id);
    if (effect->kind == ENGINE_EFFECT_TIMER_SET) {
        engine_util_put_int(obj, "deadline", effect->deadline_ms);
    }
    if (effect->kind == ENGINE_EFFECT_ARCHIVE) {
        engine_util_put_str(obj, "archive",
                            effect->archive == ENGINE_ARCHIVE_ACTION_EXECUTION ? "ActionExecution"
                            : effect->archive == ENGINE_ARCHIVE_RULE_EXECUTION
                                ? "RuleExecution"
                                : "PipelineExecution");
    }
    engine_util_put_str(obj, "exception", effect->exception);
    engine_util_put_str(obj, "message", effect->message);
    if (effect->body != NULL) {
        engine_util_put(obj, "body", json_incref(effect->body));
    }
    return obj;
}
