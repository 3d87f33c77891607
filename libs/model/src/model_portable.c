/*
 * model_portable.c — the Sluice-only items of a declaration (model_portable.h).
 * One pass over stages and actions; the registry says which keys are Sluice's.
 * Pure.
 */
#include "sluice/model_portable.h"

#include <stdio.h>
#include <string.h>

#define MODEL_PORTABLE_PATH_MAX 512

size_t model_portable_scan(const model_pipeline *pipeline, const model_registry *reg,
                           model_portable_fn fn, void *ctx)
{
    size_t count = 0;
    char path[MODEL_PORTABLE_PATH_MAX];
    for (size_t s = 0; s < pipeline->nstages; s++) {
        const model_stage *stage = &pipeline->stages[s];
        for (size_t a = 0; a < stage->nactions; a++) {
            const model_action *action = &stage->actions[a];
            const model_provider *pv = model_registry_find_action(reg, action);
            for (size_t i = 0; pv != NULL && i < action->nconfiguration; i++) {
                const model_config_key *key =
                    model_provider_config_key(pv, action->configuration[i].key);
                if (key == NULL || !key->sluice) {
                    continue;
                }
                snprintf(path, sizeof path, "pipeline.stages[%zu].actions[%zu].configuration.%s", s,
                         a, key->name);
                fn(ctx, path,
                   "Sluice's own configuration key (approval policy); AWS rejects unknown "
                   "configuration keys of AWS/Manual");
                count++;
            }
            if (action->timeout_in_minutes != 0 && action->category != MODEL_CATEGORY_APPROVAL) {
                snprintf(path, sizeof path, "pipeline.stages[%zu].actions[%zu].timeoutInMinutes", s,
                         a);
                fn(ctx, path,
                   "honoured by Sluice for every action; AWS accepts timeoutInMinutes only on "
                   "manual approvals");
                count++;
            }
        }
    }
    return count;
}
