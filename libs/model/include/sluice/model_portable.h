/*
 * model_portable.h — what in a valid declaration is Sluice's own, so AWS
 * CodePipeline would refuse it (or treat it differently).
 *
 * Reported per item, with the path in model_errors.h's syntax:
 *   - a configuration key the registry marks as Sluice's (model_config_key.sluice:
 *     the approval policy keys of AWS/Manual, model_approval.h); AWS rejects
 *     unknown configuration keys of its providers;
 *   - timeoutInMinutes on an action that is not a Manual approval: AWS
 *     accepts it only there, Sluice honours it everywhere.
 * A bare pipeline object (without {"pipeline": ...}) is a matter of the
 * document, not of the model: the caller reports it (sluice validate does).
 *
 * Pure; thread-safe; nothing allocated.
 */
#ifndef SLUICE_MODEL_PORTABLE_H
#define SLUICE_MODEL_PORTABLE_H

#include "sluice/model.h"
#include "sluice/model_registry.h"

#include <stddef.h>

/* Called once per item: path (e.g. "pipeline.stages[2].actions[0].configuration.SluiceApprovers")
 * and why AWS would not take it. Both strings are valid only during the call. */
typedef void (*model_portable_fn)(void *ctx, const char *path, const char *why);

/*
 * Calls fn for every Sluice-only item of pipeline, in declaration order; reg
 * may be NULL (built-in providers). Returns the number of items.
 */
size_t model_portable_scan(const model_pipeline *pipeline, const model_registry *reg,
                           model_portable_fn fn, void *ctx);

#endif
