/*
 * model_validate.c — the rules of a pipeline declaration (model_validate.h).
 *
 * Three passes over one declaration:
 *   1. the shape table's values pass over the serialized model (lengths,
 *      patterns, enums, ranges, list sizes: botocore's constraints);
 *   2. an index of every action (its provider, found once), of the output
 *      artifacts and of the namespaces, by name — duplicates are reported
 *      here, in declaration order;
 *   3. the structural, stage, action, condition and trigger rules, which use
 *      the index so that every check is linear in the declaration's size.
 * A check is skipped when its field already has a problem (model_errors_covers).
 * Pure; all memory is released before returning.
 */
#include "sluice/model_validate.h"

#include "model_path.h"
#include "model_shape.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/model_approval.h"
#include "sluice/model_glob.h"
#include "sluice/model_parse.h"
#include "sluice/model_serialize.h"
#include "sluice/model_vars.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DESCRIBE_MAX  2048 /* bound on the list of providers quoted in a message */
#define LIST_TEXT_MAX 400  /* bound on a list of names quoted in a message */

/* ---- a name → index map (open addressing, keys borrowed) ------------------------------ */

typedef struct name_map {
    const char **keys;
    size_t *values;
    size_t cap; /* a power of two, at least twice the number of keys: map_init's n must count
                   every key that will be added, or a full map's probe never ends */
} name_map;

static int map_init(name_map *map, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 2) {
        cap *= 2;
    }
    map->cap = cap;
    map->keys = calloc(cap, sizeof(*map->keys));
    map->values = calloc(cap, sizeof(*map->values));
    return map->keys == NULL || map->values == NULL ? SLUICE_ENOMEM : SLUICE_OK;
}

static void map_free(name_map *map)
{
    free(map->keys);
    free(map->values);
}

static size_t map_slot(const name_map *map, const char *key)
{
    uint64_t hash = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p != '\0'; p++) {
        hash = (hash ^ *p) * 1099511628211ULL;
    }
    size_t slot = (size_t)hash & (map->cap - 1);
    while (map->keys[slot] != NULL && strcmp(map->keys[slot], key) != 0) {
        slot = (slot + 1) & (map->cap - 1);
    }
    return slot;
}

static bool map_get(const name_map *map, const char *key, size_t *value)
{
    size_t slot = map_slot(map, key);
    if (map->keys[slot] == NULL) {
        return false;
    }
    *value = map->values[slot];
    return true;
}

/* Adds key unless present; returns false (and the holder in *value) when present. */
static bool map_add(name_map *map, const char *key, size_t *value)
{
    size_t slot = map_slot(map, key);
    if (map->keys[slot] != NULL) {
        *value = map->values[slot];
        return false;
    }
    map->keys[slot] = key;
    map->values[slot] = *value;
    return true;
}

/* ---- the validation context ------------------------------------------------------------ */

typedef struct action_ref {
    size_t stage;
    size_t index;
    const model_action *action;
    const model_provider *provider; /* NULL: unknown or unreadable actionTypeId */
} action_ref;

typedef struct vctx {
    const model_pipeline *p;
    const model_registry *reg;
    model_errors *errs;
    size_t covered_end; /* problems known before the rule checks began */
    model_path path;
    action_ref *actions;
    size_t nactions;
    size_t *stage_first; /* index in actions of each stage's first action */
    name_map artifacts;  /* output artifact name → action index */
    name_map namespaces; /* namespace → action index */
    name_map stage_names;
    bool oom; /* a map could not be allocated: the result is SLUICE_ENOMEM */
} vctx;

static void report(vctx *v, const char *exception, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(vctx *v, const char *exception, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    model_errors_vadd(v->errs, exception, v->path.buf, fmt, ap);
    va_end(ap);
}

/* Reports at the current path plus ".key". */
static void report_at(vctx *v, const char *key, const char *exception, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report_at(vctx *v, const char *key, const char *exception, const char *fmt, ...)
{
    va_list ap;
    size_t mark = model_path_key(&v->path, key);
    va_start(ap, fmt);
    model_errors_vadd(v->errs, exception, v->path.buf, fmt, ap);
    va_end(ap);
    model_path_restore(&v->path, mark);
}

static bool covered(const vctx *v)
{
    return model_errors_covers(v->errs, 0, v->covered_end, v->path.buf);
}

static bool covered_at(vctx *v, const char *key)
{
    size_t mark = model_path_key(&v->path, key);
    bool result = covered(v);
    model_path_restore(&v->path, mark);
    return result;
}

static const char *text_or(const char *text, const char *fallback)
{
    return text != NULL ? text : fallback;
}

/* "action "Build" of stage "Compile"" for messages. */
static void describe_action(const vctx *v, size_t index, char *out, size_t outlen)
{
    const action_ref *ref = &v->actions[index];
    snprintf(out, outlen, "action \"%s\" of stage \"%s\"", text_or(ref->action->name, "?"),
             text_or(v->p->stages[ref->stage].name, "?"));
}

static bool runs_before(const vctx *v, size_t producer, size_t stage, int run_order,
                        bool before_stage)
{
    const action_ref *ref = &v->actions[producer];
    if (ref->stage < stage) {
        return true;
    }
    return ref->stage == stage && !before_stage && ref->action->run_order < run_order;
}

static void join_names(const char *const *names, size_t n, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(out + used, outlen - used, "%s%s", i > 0 ? ", " : "",
                           names[i] != NULL ? names[i] : "");
        if (len < 0 || (size_t)len >= outlen - used) {
            break;
        }
        used += (size_t)len;
    }
}

/* ---- variable references ------------------------------------------------------------------ */

typedef struct ref_scope {
    size_t stage;
    int run_order;     /* INT_MAX: after every action of the stage */
    bool before_stage; /* only earlier stages (beforeEntry) */
    const char *exception;
} ref_scope;

static bool pipeline_declares(const model_pipeline *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->nvariables; i++) {
        const char *declared = p->variables[i].name;
        if (declared != NULL && strlen(declared) == len && memcmp(declared, name, len) == 0) {
            return true;
        }
    }
    return false;
}

static void check_ref(vctx *v, const char *text, const model_vars_ref *ref, const ref_scope *scope)
{
    char ns[128];
    char key[160];
    int reflen = (int)ref->length;
    const char *whole = text + ref->offset;

    if (ref->ns_len >= sizeof(ns) || ref->key_len >= sizeof(key)) {
        report(v, scope->exception, "variable \"%.*s\" cannot be resolved: name too long",
               reflen > 80 ? 80 : reflen, whole);
        return;
    }
    memcpy(ns, ref->ns, ref->ns_len);
    ns[ref->ns_len] = '\0';
    memcpy(key, ref->key, ref->key_len);
    key[ref->key_len] = '\0';

    if (strcmp(ns, MODEL_VARS_NS_CODEPIPELINE) == 0) {
        if (strcmp(key, MODEL_VARS_EXECUTION_ID) != 0) {
            report(v, scope->exception,
                   "variable \"%.*s\" cannot be resolved: the codepipeline namespace has only "
                   "PipelineExecutionId",
                   reflen, whole);
        }
        return;
    }
    if (strcmp(ns, MODEL_VARS_NS_PIPELINE) == 0) {
        if (!pipeline_declares(v->p, key, strlen(key))) {
            report(v, scope->exception,
                   "variable \"%.*s\" cannot be resolved: the pipeline declares no variable "
                   "\"%s\"",
                   reflen, whole, key);
        }
        return;
    }
    size_t producer;
    if (!map_get(&v->namespaces, ns, &producer)) {
        report(v, scope->exception,
               "variable \"%.*s\" cannot be resolved: no action declares namespace \"%s\"", reflen,
               whole, ns);
        return;
    }
    char who[300];
    describe_action(v, producer, who, sizeof(who));
    if (!runs_before(v, producer, scope->stage, scope->run_order, scope->before_stage)) {
        report(v, scope->exception,
               "variable \"%.*s\" cannot be resolved: namespace \"%s\" is declared by %s, "
               "which does not run before this point",
               reflen, whole, ns, who);
        return;
    }
    const action_ref *source = &v->actions[producer];
    if (source->provider != NULL &&
        !model_provider_has_output(source->provider, source->action, key)) {
        char outputs[LIST_TEXT_MAX];
        if (source->provider->commands_fields) {
            join_names((const char *const *)source->action->output_variables,
                       source->action->noutput_variables, outputs, sizeof(outputs));
        } else {
            join_names(source->provider->output_variables, source->provider->noutput_variables,
                       outputs, sizeof(outputs));
        }
        report(v, scope->exception,
               "variable \"%.*s\" cannot be resolved: %s does not produce \"%s\" (it produces: "
               "%s)",
               reflen, whole, who, key, outputs[0] != '\0' ? outputs : "nothing");
    }
}

/* Checks every reference of text at the current path. */
static void check_refs(vctx *v, const char *text, const ref_scope *scope)
{
    size_t pos = 0;
    char message[200];
    if (text == NULL || covered(v)) {
        return;
    }
    for (;;) {
        model_vars_ref ref;
        int found = model_vars_next(text, &pos, &ref, message, sizeof(message));
        if (found == 0) {
            break;
        }
        if (found < 0) {
            report(v, scope->exception, "%s", message);
            continue;
        }
        check_ref(v, text, &ref, scope);
    }
}

/* ---- pass 2: the index ------------------------------------------------------------------- */

static int index_actions(vctx *v)
{
    const model_pipeline *p = v->p;
    size_t total = 0;
    size_t outputs = 0; /* every output artifact named: the artifacts map holds them all */
    for (size_t i = 0; i < p->nstages; i++) {
        total += p->stages[i].nactions;
        for (size_t j = 0; j < p->stages[i].nactions; j++) {
            outputs += p->stages[i].actions[j].noutput_artifacts;
        }
    }
    v->actions = calloc(total == 0 ? 1 : total, sizeof(*v->actions));
    v->stage_first = calloc(p->nstages == 0 ? 1 : p->nstages, sizeof(*v->stage_first));
    if (v->actions == NULL || v->stage_first == NULL ||
        map_init(&v->artifacts, outputs) != SLUICE_OK ||
        map_init(&v->namespaces, total) != SLUICE_OK ||
        map_init(&v->stage_names, p->nstages) != SLUICE_OK) {
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < p->nstages; i++) {
        const model_stage *stage = &p->stages[i];
        v->stage_first[i] = v->nactions;
        for (size_t j = 0; j < stage->nactions; j++) {
            action_ref *ref = &v->actions[v->nactions++];
            ref->stage = i;
            ref->index = j;
            ref->action = &stage->actions[j];
            ref->provider = model_registry_find_action(v->reg, ref->action);
        }
    }
    return SLUICE_OK;
}

/* Output artifacts and namespaces by name; duplicates reported in declaration order. */
static void index_names(vctx *v)
{
    char who[300];
    for (size_t a = 0; a < v->nactions; a++) {
        const action_ref *ref = &v->actions[a];
        const model_action *action = ref->action;
        size_t m0 = model_path_key(&v->path, "stages");
        model_path_index(&v->path, ref->stage);
        model_path_key(&v->path, "actions");
        model_path_index(&v->path, ref->index);
        for (size_t k = 0; k < action->noutput_artifacts; k++) {
            const char *name = action->output_artifacts[k].name;
            size_t holder = a;
            size_t m1 = model_path_key(&v->path, "outputArtifacts");
            model_path_index(&v->path, k);
            model_path_key(&v->path, "name");
            if (name != NULL && !covered(v) && !map_add(&v->artifacts, name, &holder)) {
                describe_action(v, holder, who, sizeof(who));
                report(v, MODEL_EXC_STRUCTURE,
                       "output artifact \"%s\" is already produced by %s; output artifact "
                       "names must be unique in the pipeline",
                       name, who);
            }
            model_path_restore(&v->path, m1);
        }
        if (action->namespace_ != NULL && !covered_at(v, "namespace")) {
            size_t holder = a;
            if (!map_add(&v->namespaces, action->namespace_, &holder)) {
                describe_action(v, holder, who, sizeof(who));
                report_at(v, "namespace", MODEL_EXC_STRUCTURE,
                          "namespace \"%s\" is already declared by %s; namespaces must be "
                          "unique in the pipeline",
                          action->namespace_, who);
            }
        }
        model_path_restore(&v->path, m0);
    }
}

/* ---- pass 3: the pipeline ---------------------------------------------------------------- */

static void check_pipeline(vctx *v)
{
    const model_pipeline *p = v->p;
    bool v1 = p->pipeline_type == MODEL_PIPELINE_V1 && !covered_at(v, "pipelineType");

    if (p->artifact_store != NULL && p->artifact_stores != NULL) {
        report_at(v, "artifactStores", MODEL_EXC_STRUCTURE,
                  "artifactStore and artifactStores cannot both be given");
    } else if (p->artifact_store == NULL && p->artifact_stores == NULL &&
               !covered_at(v, "artifactStore") && !covered_at(v, "artifactStores")) {
        report_at(v, "artifactStore", MODEL_EXC_STRUCTURE,
                  "one of artifactStore or artifactStores is required");
    }
    if (p->stages != NULL && !covered_at(v, "stages")) {
        if (p->nstages < MODEL_MIN_STAGES) {
            report_at(v, "stages", MODEL_EXC_STRUCTURE,
                      "a pipeline must have at least %d stages (has %zu)", MODEL_MIN_STAGES,
                      p->nstages);
        } else if (p->nstages > MODEL_MAX_STAGES) {
            report_at(v, "stages", MODEL_EXC_LIMIT,
                      "a pipeline may have at most %d stages (has %zu)", MODEL_MAX_STAGES,
                      p->nstages);
        }
    }
    if (v1) {
        if (p->execution_mode != MODEL_MODE_SUPERSEDED && !covered_at(v, "executionMode")) {
            report_at(v, "executionMode", MODEL_EXC_VALIDATION,
                      "execution mode %s requires pipelineType V2",
                      model_execution_mode_name(p->execution_mode));
        }
        if (p->nvariables > 0) {
            report_at(v, "variables", MODEL_EXC_VALIDATION,
                      "pipeline variables require pipelineType V2");
        }
        if (json_array_size(p->triggers) > 0) {
            report_at(v, "triggers", MODEL_EXC_VALIDATION, "triggers require pipelineType V2");
        }
    }
    name_map names;
    if (map_init(&names, p->nvariables) != SLUICE_OK) {
        v->oom = true;
        map_free(&names);
        return;
    }
    size_t mark = model_path_key(&v->path, "variables");
    for (size_t i = 0; i < p->nvariables; i++) {
        const char *name = p->variables[i].name;
        size_t first = i;
        size_t m1 = model_path_index(&v->path, i);
        model_path_key(&v->path, "name");
        if (name != NULL && !covered(v) && !map_add(&names, name, &first)) {
            report(v, MODEL_EXC_VALIDATION,
                   "variable \"%s\" is already declared by pipeline.variables[%zu]", name, first);
        }
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
    map_free(&names);
}

/* ---- pass 3: actions --------------------------------------------------------------------- */

static void provider_id(const model_provider *provider, const model_action *action, char *out,
                        size_t outlen)
{
    if (provider != NULL && strcmp(provider->provider, MODEL_REGISTRY_ANY) != 0) {
        snprintf(out, outlen, "%s/%s/%s/%s", provider->owner, provider->category,
                 provider->provider, provider->version);
    } else {
        snprintf(out, outlen, "%s/%s/%s/%s", text_or(action->type_id.owner, "?"),
                 text_or(action->type_id.category, "?"), text_or(action->type_id.provider, "?"),
                 text_or(action->type_id.version, "?"));
    }
}

static void check_provider_known(vctx *v, const action_ref *ref)
{
    const model_action *action = ref->action;
    const model_action_type_id *id = &action->type_id;
    char name[200];
    sluice_buf runs;

    if (ref->provider != NULL || id->category == NULL || id->owner == NULL ||
        id->provider == NULL || id->version == NULL || covered_at(v, "actionTypeId")) {
        return;
    }
    provider_id(NULL, action, name, sizeof(name));
    sluice_buf_init(&runs, DESCRIBE_MAX);
    model_registry_describe(v->reg, &runs);
    report_at(v, "actionTypeId", MODEL_EXC_ACTION,
              "action type %s is not run by this Sluice installation, which runs %s; to have "
              "external job workers serve it, add \"%s\" to SLUICE_EXTERNAL_PROVIDERS",
              name, sluice_buf_cstr(&runs), name);
    sluice_buf_free(&runs);
}

static void check_placement(vctx *v, const action_ref *ref)
{
    const model_action *action = ref->action;
    size_t mark;
    if (action->category == MODEL_CATEGORY_UNKNOWN || covered_at(v, "actionTypeId")) {
        return;
    }
    mark = model_path_key(&v->path, "actionTypeId");
    if (ref->stage == 0 && action->category != MODEL_CATEGORY_SOURCE) {
        report_at(v, "category", MODEL_EXC_STRUCTURE,
                  "the first stage may contain only Source actions, not %s",
                  model_category_name(action->category));
    } else if (ref->stage > 0 && action->category == MODEL_CATEGORY_SOURCE) {
        report_at(v, "category", MODEL_EXC_STRUCTURE,
                  "Source actions are allowed only in the first stage");
    }
    model_path_restore(&v->path, mark);
}

/* The checks below run for actions of a known provider pv; name is provider_id's text. */

static void check_artifact_counts(vctx *v, const action_ref *ref, const char *name)
{
    const model_provider *pv = ref->provider;
    const model_action *action = ref->action;
    if (!covered_at(v, "inputArtifacts") && ((int64_t)action->ninput_artifacts < pv->min_inputs ||
                                             (int64_t)action->ninput_artifacts > pv->max_inputs)) {
        report_at(v, "inputArtifacts", MODEL_EXC_ACTION,
                  "%s takes %d to %d input artifacts (has %zu)", name, pv->min_inputs,
                  pv->max_inputs, action->ninput_artifacts);
    }
    if (!covered_at(v, "outputArtifacts") &&
        ((int64_t)action->noutput_artifacts < pv->min_outputs ||
         (int64_t)action->noutput_artifacts > pv->max_outputs)) {
        report_at(v, "outputArtifacts", MODEL_EXC_ACTION,
                  "%s takes %d to %d output artifacts (has %zu)", name, pv->min_outputs,
                  pv->max_outputs, action->noutput_artifacts);
    }
}

static bool is_boolean_text(const char *text)
{
    return strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0;
}

static bool is_env_list(const char *text)
{
    json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    bool ok = json_is_array(doc);
    size_t i;
    json_t *item;
    json_array_foreach(doc, i, item)
    {
        const json_t *type = json_object_get(item, "type");
        ok = ok && json_is_object(item) && json_is_string(json_object_get(item, "name")) &&
             json_is_string(json_object_get(item, "value")) &&
             (type == NULL ||
              (json_is_string(type) && (strcmp(json_string_value(type), "PLAINTEXT") == 0 ||
                                        strcmp(json_string_value(type), "PARAMETER_STORE") == 0 ||
                                        strcmp(json_string_value(type), "SECRETS_MANAGER") == 0)));
    }
    json_decref(doc);
    return ok;
}

/* Values of well-known keys, when they hold no variable reference. */
static void check_config_value(vctx *v, const model_provider *pv, const char *key,
                               const char *value)
{
    static const char *const boolean_keys[] = {
        "PollForSourceChanges", "DetectChanges", "BatchEnabled",
        "CombineArtifacts",     "Extract",       "AllowOverrideForS3ObjectKey",
    };
    if (strstr(value, "#{") != NULL || pv->config_free_form) {
        return;
    }
    for (size_t i = 0; i < sizeof(boolean_keys) / sizeof(boolean_keys[0]); i++) {
        if (strcmp(key, boolean_keys[i]) == 0 && !is_boolean_text(value)) {
            report(v, MODEL_EXC_ACTION, "\"%.80s\" is not true or false", value);
            return;
        }
    }
    if (strcmp(key, "OutputArtifactFormat") == 0 && strcmp(value, "CODE_ZIP") != 0 &&
        strcmp(value, "CODEBUILD_CLONE_REF") != 0) {
        report(v, MODEL_EXC_ACTION, "\"%.80s\" is not one of CODE_ZIP, CODEBUILD_CLONE_REF", value);
    } else if (strcmp(key, "EnvironmentVariables") == 0 && !is_env_list(value)) {
        report(v, MODEL_EXC_ACTION,
               "must be a JSON list of {\"name\", \"value\", \"type\"} objects (type PLAINTEXT, "
               "PARAMETER_STORE or SECRETS_MANAGER)");
    }
}

static const char *validate_action_config(const void *ctx, const char *key)
{
    return model_action_config(ctx, key);
}

static void check_configuration(vctx *v, const action_ref *ref, const char *name)
{
    const model_provider *pv = ref->provider;
    const model_action *action = ref->action;
    size_t mark;

    if (covered_at(v, "configuration")) {
        return;
    }
    mark = model_path_key(&v->path, "configuration");
    for (size_t i = 0; i < pv->nconfig_keys; i++) {
        const model_config_key *k = &pv->config_keys[i];
        if (k->required && model_action_config(action, k->name) == NULL) {
            report_at(v, k->name, MODEL_EXC_ACTION, "%s requires configuration key %s", name,
                      k->name);
        }
    }
    for (size_t i = 0; i < action->nconfiguration; i++) {
        const model_kv *kv = &action->configuration[i];
        if (kv->key == NULL || kv->value == NULL) {
            continue;
        }
        size_t m1 = model_path_key(&v->path, kv->key);
        if (!covered(v)) {
            if (!pv->config_free_form && model_provider_config_key(pv, kv->key) == NULL) {
                char keys[LIST_TEXT_MAX] = "";
                size_t used = 0;
                for (size_t j = 0; j < pv->nconfig_keys; j++) {
                    int n = snprintf(keys + used, sizeof(keys) - used, "%s%s", j > 0 ? ", " : "",
                                     pv->config_keys[j].name);
                    if (n < 0 || (size_t)n >= sizeof(keys) - used) {
                        break;
                    }
                    used += (size_t)n;
                }
                report(v, MODEL_EXC_ACTION, "%s has no configuration key \"%s\" (it has: %s)", name,
                       kv->key, keys[0] != '\0' ? keys : "none");
            } else {
                check_config_value(v, pv, kv->key, kv->value);
            }
        }
        model_path_restore(&v->path, m1);
    }
    /* AWS/Approval/Manual: Sluice's policy keys (model_approval.h), reported at the bad key. */
    if (pv->runner == MODEL_RUNNER_APPROVAL) {
        model_approval_policy policy;
        const char *bad_key = NULL;
        char err[MODEL_ERROR_MESSAGE_MAX];
        if (model_approval_policy_read(validate_action_config, action, &policy, &bad_key, err,
                                       sizeof err) != SLUICE_OK &&
            bad_key != NULL && !covered_at(v, bad_key)) {
            report_at(v, bad_key, MODEL_EXC_ACTION, "%s", err);
        }
    }
    /* AWS/Deploy/S3: ObjectKey is required when the artifact is not extracted. */
    const char *extract = model_action_config(action, "Extract");
    if (strcmp(pv->category, "Deploy") == 0 && strcmp(pv->provider, "S3") == 0 && extract != NULL &&
        strcasecmp(extract, "false") == 0 && model_action_config(action, "ObjectKey") == NULL) {
        report_at(v, "ObjectKey", MODEL_EXC_ACTION,
                  "%s requires configuration key ObjectKey when Extract is false", name);
    }
    model_path_restore(&v->path, mark);
}

static void check_commands_fields(vctx *v, const action_ref *ref, const char *name)
{
    const model_provider *pv = ref->provider;
    const model_action *action = ref->action;
    if (pv->commands_fields) {
        if (action->commands == NULL && !covered_at(v, "commands")) {
            report_at(v, "commands", MODEL_EXC_ACTION, "%s requires a commands list", name);
        }
        size_t mark = model_path_key(&v->path, "commands");
        for (size_t i = 0; i < action->ncommands; i++) {
            size_t m1 = model_path_index(&v->path, i);
            if (action->commands[i] != NULL && strchr(action->commands[i], '\n') != NULL &&
                !covered(v)) {
                report(v, MODEL_EXC_ACTION, "a command must be a single line");
            }
            model_path_restore(&v->path, m1);
        }
        model_path_restore(&v->path, mark);
        return;
    }
    if (action->commands != NULL) {
        report_at(v, "commands", MODEL_EXC_ACTION,
                  "commands apply only to AWS/Compute/Commands actions, not %s", name);
    }
    if (action->output_variables != NULL) {
        report_at(v, "outputVariables", MODEL_EXC_ACTION,
                  "outputVariables apply only to AWS/Compute/Commands actions, not %s", name);
    }
    if (action->environment_variables != NULL) {
        report_at(v, "environmentVariables", MODEL_EXC_ACTION,
                  "environmentVariables apply only to AWS/Compute/Commands actions, not %s", name);
    }
    size_t mark = model_path_key(&v->path, "outputArtifacts");
    for (size_t k = 0; k < action->noutput_artifacts; k++) {
        if (action->output_artifacts[k].files != NULL) {
            size_t m1 = model_path_index(&v->path, k);
            report_at(v, "files", MODEL_EXC_ACTION,
                      "files apply only to AWS/Compute/Commands actions, not %s", name);
            model_path_restore(&v->path, m1);
        }
    }
    model_path_restore(&v->path, mark);
}

static void check_namespace(vctx *v, const action_ref *ref)
{
    const char *ns = ref->action->namespace_;
    size_t holder;
    if (ns == NULL || covered_at(v, "namespace")) {
        return;
    }
    if (strcmp(ns, MODEL_VARS_NS_CODEPIPELINE) == 0 || strcmp(ns, MODEL_VARS_NS_PIPELINE) == 0) {
        report_at(v, "namespace", MODEL_EXC_ACTION, "namespace \"%s\" is reserved", ns);
    } else if (map_get(&v->artifacts, ns, &holder)) {
        report_at(v, "namespace", MODEL_EXC_ACTION,
                  "namespace \"%s\" is also the name of an output artifact", ns);
    }
}

/* A cross-region action needs an artifact store in its region (when the pipeline names
 * stores per region). GetPipeline writes the pipeline's own region on every action, so
 * a region alone says nothing. */
static void check_region(vctx *v, const action_ref *ref)
{
    const model_action *action = ref->action;
    if (action->region == NULL || covered_at(v, "region")) {
        return;
    }
    if (json_is_object(v->p->artifact_stores) &&
        json_object_get(v->p->artifact_stores, action->region) == NULL) {
        report_at(v, "region", MODEL_EXC_ACTION, "region \"%s\" has no entry in artifactStores",
                  action->region);
    }
}

static void check_inputs(vctx *v, const action_ref *ref)
{
    const model_action *action = ref->action;
    char who[300];
    bool run_order_known = !covered_at(v, "runOrder");
    name_map names;
    if (map_init(&names, action->ninput_artifacts) != SLUICE_OK) {
        v->oom = true;
        map_free(&names);
        return;
    }
    size_t mark = model_path_key(&v->path, "inputArtifacts");
    for (size_t k = 0; k < action->ninput_artifacts; k++) {
        const char *name = action->input_artifacts[k].name;
        size_t producer;
        size_t m1 = model_path_index(&v->path, k);
        model_path_key(&v->path, "name");
        if (name == NULL || covered(v)) {
            model_path_restore(&v->path, m1);
            continue;
        }
        size_t first = k;
        if (!map_add(&names, name, &first)) {
            report(v, MODEL_EXC_ACTION, "input artifact \"%s\" is listed more than once", name);
        } else if (!map_get(&v->artifacts, name, &producer)) {
            report(v, MODEL_EXC_STRUCTURE,
                   "artifact \"%s\" is not produced by an earlier action (no action produces it)",
                   name);
        } else if (run_order_known &&
                   !runs_before(v, producer, ref->stage, action->run_order, false)) {
            describe_action(v, producer, who, sizeof(who));
            report(v, MODEL_EXC_STRUCTURE,
                   "artifact \"%s\" is not produced by an earlier action (%s produces it but "
                   "does not run before this one)",
                   name, who);
        }
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
    map_free(&names);
}

static void check_action_refs(vctx *v, const action_ref *ref)
{
    const model_action *action = ref->action;
    ref_scope scope = {ref->stage, action->run_order, false, MODEL_EXC_ACTION};
    size_t mark = model_path_key(&v->path, "configuration");
    for (size_t i = 0; i < action->nconfiguration; i++) {
        if (action->configuration[i].key != NULL) {
            size_t m1 = model_path_key(&v->path, action->configuration[i].key);
            check_refs(v, action->configuration[i].value, &scope);
            model_path_restore(&v->path, m1);
        }
    }
    model_path_restore(&v->path, mark);
    mark = model_path_key(&v->path, "commands");
    for (size_t i = 0; i < action->ncommands; i++) {
        size_t m1 = model_path_index(&v->path, i);
        check_refs(v, action->commands[i], &scope);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
    mark = model_path_key(&v->path, "environmentVariables");
    for (size_t i = 0; i < action->nenvironment_variables; i++) {
        size_t m1 = model_path_index(&v->path, i);
        model_path_key(&v->path, "value");
        check_refs(v, action->environment_variables[i].value, &scope);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
}

static void check_action(vctx *v, const action_ref *ref)
{
    const model_provider *pv = ref->provider;
    char name[200];

    check_provider_known(v, ref);
    check_placement(v, ref);
    if (pv != NULL) {
        provider_id(pv, ref->action, name, sizeof(name));
        if (pv->v2_only && v->p->pipeline_type == MODEL_PIPELINE_V1 &&
            !covered_at(v, "actionTypeId")) {
            report_at(v, "actionTypeId", MODEL_EXC_ACTION, "%s requires pipelineType V2", name);
        }
        check_artifact_counts(v, ref, name);
        check_configuration(v, ref, name);
        check_commands_fields(v, ref, name);
    }
    check_namespace(v, ref);
    check_region(v, ref);
    check_inputs(v, ref);
    check_action_refs(v, ref);
}

/* ---- pass 3: stage conditions (V2) -------------------------------------------------------- */

typedef enum condition_kind {
    CONDITION_BEFORE_ENTRY,
    CONDITION_ON_SUCCESS,
    CONDITION_ON_FAILURE,
} condition_kind;

static bool result_allowed(condition_kind kind, const char *result, bool top_level)
{
    switch (kind) {
    case CONDITION_BEFORE_ENTRY:
        return strcmp(result, "FAIL") == 0 || strcmp(result, "SKIP") == 0;
    case CONDITION_ON_SUCCESS:
        return strcmp(result, "ROLLBACK") == 0 || strcmp(result, "FAIL") == 0;
    case CONDITION_ON_FAILURE:
        return strcmp(result, "ROLLBACK") == 0 || strcmp(result, "FAIL") == 0 ||
               (top_level && strcmp(result, "RETRY") == 0);
    }
    return false;
}

static const char *kind_allows(condition_kind kind, bool top_level)
{
    switch (kind) {
    case CONDITION_BEFORE_ENTRY:
        return "FAIL or SKIP";
    case CONDITION_ON_SUCCESS:
        return "ROLLBACK or FAIL";
    case CONDITION_ON_FAILURE:
        return top_level ? "ROLLBACK, FAIL or RETRY" : "ROLLBACK or FAIL";
    }
    return "";
}

/* A result (at current path + ".result"): allowed for the kind, rollback possible. */
static void check_result(vctx *v, const json_t *holder, condition_kind kind, size_t stage,
                         bool top_level)
{
    const char *result = json_string_value(json_object_get(holder, "result"));
    if (result == NULL || covered_at(v, "result")) {
        return;
    }
    if (!result_allowed(kind, result, top_level)) {
        report_at(v, "result", MODEL_EXC_STAGE, "result %s is not allowed here (only %s)", result,
                  kind_allows(kind, top_level));
    } else if (strcmp(result, "ROLLBACK") == 0 && stage == 0) {
        report_at(v, "result", MODEL_EXC_STAGE, "the first stage cannot be rolled back");
    } else if (strcmp(result, "ROLLBACK") == 0 && v->p->execution_mode == MODEL_MODE_PARALLEL) {
        report_at(v, "result", MODEL_EXC_STAGE,
                  "rollback is not available in PARALLEL execution mode");
    }
}

static void check_rule(vctx *v, const json_t *rule, condition_kind kind, size_t stage)
{
    const json_t *type_id = json_object_get(rule, "ruleTypeId");
    const char *provider = json_string_value(json_object_get(type_id, "provider"));
    const char *version = json_string_value(json_object_get(type_id, "version"));
    const json_t *config = json_object_get(rule, "configuration");
    const model_rule_type *type;
    ref_scope scope = {stage, INT_MAX, kind == CONDITION_BEFORE_ENTRY, MODEL_EXC_STAGE};

    if (provider != NULL && !covered_at(v, "ruleTypeId")) {
        type = model_registry_find_rule(provider, version);
        if (type == NULL) {
            sluice_buf known;
            sluice_buf_init(&known, DESCRIBE_MAX);
            model_registry_describe_rules(&known);
            size_t mark = model_path_key(&v->path, "ruleTypeId");
            report_at(v, "provider", MODEL_EXC_STAGE,
                      "rule type %s/%s is not evaluated by Sluice, which evaluates %s", provider,
                      version != NULL ? version : "1", sluice_buf_cstr(&known));
            model_path_restore(&v->path, mark);
            sluice_buf_free(&known);
        } else if (!covered_at(v, "configuration")) {
            size_t mark = model_path_key(&v->path, "configuration");
            for (size_t i = 0; i < type->nconfig_keys; i++) {
                if (type->config_keys[i].required &&
                    json_object_get(config, type->config_keys[i].name) == NULL) {
                    report_at(v, type->config_keys[i].name, MODEL_EXC_STAGE,
                              "rule type %s requires configuration key %s", provider,
                              type->config_keys[i].name);
                }
            }
            const char *key;
            json_t *value;
            json_object_foreach(model_shape_iterable(config), key, value)
            {
                bool known = false;
                for (size_t i = 0; i < type->nconfig_keys; i++) {
                    known = known || strcmp(type->config_keys[i].name, key) == 0;
                }
                if (!known) {
                    report_at(v, key, MODEL_EXC_STAGE,
                              "rule type %s has no configuration key \"%s\"", provider, key);
                } else if (strcmp(provider, "VariableCheck") == 0 && strcmp(key, "Operator") == 0 &&
                           json_is_string(value)) {
                    const char *op = json_string_value(value);
                    if (strcmp(op, "EQ") != 0 && strcmp(op, "NE") != 0 &&
                        strcmp(op, "CONTAINS") != 0 && strcmp(op, "MATCHES") != 0) {
                        report_at(v, key, MODEL_EXC_STAGE,
                                  "\"%.40s\" is not one of EQ, NE, CONTAINS, MATCHES", op);
                    }
                }
            }
            model_path_restore(&v->path, mark);
            if (type->commands && json_object_get(rule, "commands") == NULL) {
                report_at(v, "commands", MODEL_EXC_STAGE, "rule type %s requires a commands list",
                          provider);
            }
        }
    }
    /* Variable references and input artifacts resolve against what ran before. */
    const char *key;
    json_t *value;
    size_t mark = model_path_key(&v->path, "configuration");
    json_object_foreach(model_shape_iterable(config), key, value)
    {
        size_t m1 = model_path_key(&v->path, key);
        check_refs(v, json_string_value(value), &scope);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
    size_t i;
    json_t *item;
    mark = model_path_key(&v->path, "commands");
    json_array_foreach(json_object_get(rule, "commands"), i, item)
    {
        size_t m1 = model_path_index(&v->path, i);
        check_refs(v, json_string_value(item), &scope);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
    mark = model_path_key(&v->path, "inputArtifacts");
    json_array_foreach(json_object_get(rule, "inputArtifacts"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        size_t producer;
        size_t m1 = model_path_index(&v->path, i);
        model_path_key(&v->path, "name");
        if (name != NULL && !covered(v) &&
            (!map_get(&v->artifacts, name, &producer) ||
             !runs_before(v, producer, stage, INT_MAX, kind == CONDITION_BEFORE_ENTRY))) {
            report(v, MODEL_EXC_STRUCTURE,
                   "artifact \"%s\" is not produced by an action that runs before this rule", name);
        }
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
}

static void check_condition_list(vctx *v, const json_t *holder, condition_kind kind, size_t stage)
{
    size_t i;
    json_t *condition;
    size_t mark = model_path_key(&v->path, "conditions");
    json_array_foreach(json_object_get(holder, "conditions"), i, condition)
    {
        size_t m1 = model_path_index(&v->path, i);
        check_result(v, condition, kind, stage, false);
        size_t r;
        json_t *rule;
        size_t m2 = model_path_key(&v->path, "rules");
        json_t *rules = json_object_get(condition, "rules");
        json_array_foreach(rules, r, rule)
        {
            size_t m3 = model_path_index(&v->path, r);
            const char *name = json_string_value(json_object_get(rule, "name"));
            /* Past its bound of 5 the list is already reported; skip the pairwise check. */
            for (size_t q = 0; name != NULL && q < r && json_array_size(rules) <= 5; q++) {
                const char *other =
                    json_string_value(json_object_get(json_array_get(rules, q), "name"));
                if (other != NULL && strcmp(other, name) == 0 && !covered_at(v, "name")) {
                    report_at(v, "name", MODEL_EXC_STAGE,
                              "rule name \"%s\" is used more than once in this condition", name);
                    break;
                }
            }
            if (json_is_object(rule)) {
                check_rule(v, rule, kind, stage);
            }
            model_path_restore(&v->path, m3);
        }
        model_path_restore(&v->path, m2);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
}

static void check_conditions(vctx *v, const model_stage *stage, size_t index)
{
    static const char *const names[] = {"beforeEntry", "onSuccess", "onFailure"};
    const json_t *holders[] = {stage->before_entry, stage->on_success, stage->on_failure};
    for (int k = 0; k < 3; k++) {
        const json_t *holder = holders[k];
        if (holder == NULL) {
            continue;
        }
        size_t mark = model_path_key(&v->path, names[k]);
        if (v->p->pipeline_type == MODEL_PIPELINE_V1) {
            if (!model_errors_covers(v->errs, 0, v->covered_end, "pipeline.pipelineType")) {
                report(v, MODEL_EXC_VALIDATION, "stage conditions require pipelineType V2");
            }
            model_path_restore(&v->path, mark);
            continue;
        }
        condition_kind kind = (condition_kind)k;
        if (kind == CONDITION_ON_FAILURE) {
            const char *result = json_string_value(json_object_get(holder, "result"));
            check_result(v, holder, kind, index, true);
            if (json_object_get(holder, "retryConfiguration") != NULL &&
                (result == NULL || strcmp(result, "RETRY") != 0)) {
                report_at(v, "retryConfiguration", MODEL_EXC_STAGE,
                          "retryConfiguration applies only with result RETRY");
            }
        }
        check_condition_list(v, holder, kind, index);
        model_path_restore(&v->path, mark);
    }
}

/* ---- pass 3: stages ------------------------------------------------------------------------ */

static void check_blockers(vctx *v, const model_stage *stage)
{
    size_t i;
    json_t *blocker;
    name_map names;
    if (map_init(&names, json_array_size(stage->blockers)) != SLUICE_OK) {
        v->oom = true;
        map_free(&names);
        return;
    }
    size_t mark = model_path_key(&v->path, "blockers");
    json_array_foreach(stage->blockers, i, blocker)
    {
        const char *name = json_string_value(json_object_get(blocker, "name"));
        size_t first = i;
        if (name != NULL && !map_add(&names, name, &first)) {
            size_t m1 = model_path_index(&v->path, i);
            report_at(v, "name", MODEL_EXC_STAGE,
                      "blocker \"%s\" is already declared by blockers[%zu] of this stage", name,
                      first);
            model_path_restore(&v->path, m1);
        }
    }
    model_path_restore(&v->path, mark);
    map_free(&names);
}

static int check_stage(vctx *v, size_t index)
{
    const model_stage *stage = &v->p->stages[index];
    name_map action_names;
    size_t holder = index;

    if (stage->name != NULL && !covered_at(v, "name") &&
        !map_add(&v->stage_names, stage->name, &holder)) {
        report_at(v, "name", MODEL_EXC_STRUCTURE,
                  "stage name \"%s\" is already used by pipeline.stages[%zu]; stage names "
                  "must be unique",
                  stage->name, holder);
    }
    if (stage->actions != NULL && !covered_at(v, "actions")) {
        if (stage->nactions == 0) {
            report_at(v, "actions", MODEL_EXC_STAGE, "a stage must have at least 1 action");
        } else if (stage->nactions > MODEL_MAX_ACTIONS_PER_STAGE) {
            report_at(v, "actions", MODEL_EXC_LIMIT,
                      "a stage may have at most %d actions (has %zu)", MODEL_MAX_ACTIONS_PER_STAGE,
                      stage->nactions);
        }
    }
    check_blockers(v, stage);
    if (map_init(&action_names, stage->nactions) != SLUICE_OK) {
        return SLUICE_ENOMEM;
    }
    size_t mark = model_path_key(&v->path, "actions");
    for (size_t j = 0; j < stage->nactions; j++) {
        const action_ref *ref = &v->actions[v->stage_first[index] + j];
        size_t m1 = model_path_index(&v->path, j);
        size_t first = j;
        if (ref->action->name != NULL && !covered_at(v, "name") &&
            !map_add(&action_names, ref->action->name, &first)) {
            report_at(v, "name", MODEL_EXC_STAGE,
                      "action name \"%s\" is already used by pipeline.stages[%zu].actions[%zu]; "
                      "action names must be unique within a stage",
                      ref->action->name, index, first);
        }
        check_action(v, ref);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
    map_free(&action_names);
    check_conditions(v, stage, index);
    return SLUICE_OK;
}

/* ---- pass 3: triggers (V2) ----------------------------------------------------------------- */

static void check_patterns(vctx *v, const json_t *criteria)
{
    static const char *const lists[] = {"includes", "excludes"};
    if (!json_is_object(criteria)) {
        return;
    }
    if (json_object_get(criteria, "includes") == NULL &&
        json_object_get(criteria, "excludes") == NULL && !covered(v)) {
        report(v, MODEL_EXC_VALIDATION, "a filter needs includes or excludes");
    }
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *item;
        size_t mark = model_path_key(&v->path, lists[l]);
        json_array_foreach(json_object_get(criteria, lists[l]), i, item)
        {
            size_t m1 = model_path_index(&v->path, i);
            const char *pattern = json_string_value(item);
            char message[160];
            model_glob *glob = NULL;
            if (pattern != NULL && !covered(v) &&
                model_glob_compile(pattern, &glob, message, sizeof(message)) != SLUICE_OK) {
                report(v, MODEL_EXC_VALIDATION, "invalid glob pattern: %s", message);
            }
            model_glob_free(glob);
            model_path_restore(&v->path, m1);
        }
        model_path_restore(&v->path, mark);
    }
}

static void check_filters(vctx *v, const json_t *git, const char *list_name, bool push)
{
    static const char *const criteria[] = {"tags", "branches", "filePaths"};
    size_t i;
    json_t *filter;
    size_t mark = model_path_key(&v->path, list_name);
    json_array_foreach(json_object_get(git, list_name), i, filter)
    {
        size_t m1 = model_path_index(&v->path, i);
        if (!json_is_object(filter) || covered(v)) {
            model_path_restore(&v->path, m1);
            continue;
        }
        bool tags = json_object_get(filter, "tags") != NULL;
        bool branches = json_object_get(filter, "branches") != NULL;
        bool paths = json_object_get(filter, "filePaths") != NULL;
        if (push && tags && (branches || paths)) {
            report_at(v, "tags", MODEL_EXC_VALIDATION,
                      "a push filter uses either tags, or branches and file paths");
        } else if (push && !tags && !branches) {
            report(v, MODEL_EXC_VALIDATION, "a push filter needs tags or branches");
        } else if (!push && !branches && !paths && json_object_get(filter, "events") == NULL) {
            report(v, MODEL_EXC_VALIDATION,
                   "a pull request filter needs events, branches or "
                   "file paths");
        }
        for (int c = push ? 0 : 1; c < 3; c++) {
            size_t m2 = model_path_key(&v->path, criteria[c]);
            check_patterns(v, json_object_get(filter, criteria[c]));
            model_path_restore(&v->path, m2);
        }
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
}

static void check_triggers(vctx *v)
{
    const model_pipeline *p = v->p;
    size_t i;
    json_t *trigger;
    size_t mark = model_path_key(&v->path, "triggers");

    if (p->pipeline_type == MODEL_PIPELINE_V1 || json_array_size(p->triggers) > 50) {
        model_path_restore(&v->path, mark);
        return; /* reported as V2-only, or as too many */
    }
    json_array_foreach(p->triggers, i, trigger)
    {
        const json_t *git = json_object_get(trigger, "gitConfiguration");
        const char *source = json_string_value(json_object_get(git, "sourceActionName"));
        size_t m1 = model_path_index(&v->path, i);
        size_t m2 = model_path_key(&v->path, "gitConfiguration");
        if (source != NULL && !covered_at(v, "sourceActionName")) {
            const model_action *action =
                p->nstages > 0 ? model_stage_find_action(&p->stages[0], source) : NULL;
            const char *provider = action != NULL ? action->type_id.provider : NULL;
            bool repeated = false;
            for (size_t j = 0; j < i && !repeated; j++) {
                const char *other = json_string_value(json_object_get(
                    json_object_get(json_array_get(p->triggers, j), "gitConfiguration"),
                    "sourceActionName"));
                repeated = other != NULL && strcmp(other, source) == 0;
            }
            if (action == NULL || action->category != MODEL_CATEGORY_SOURCE) {
                report_at(v, "sourceActionName", MODEL_EXC_VALIDATION,
                          "\"%s\" is not a source action of the first stage", source);
            } else if (provider == NULL || strcmp(provider, "CodeStarSourceConnection") != 0) {
                report_at(v, "sourceActionName", MODEL_EXC_VALIDATION,
                          "source action \"%s\" is not a CodeStarSourceConnection action", source);
            } else if (repeated) {
                report_at(v, "sourceActionName", MODEL_EXC_VALIDATION,
                          "source action \"%s\" already has a trigger", source);
            }
        }
        check_filters(v, git, "push", true);
        check_filters(v, git, "pullRequest", false);
        model_path_restore(&v->path, m2);
        model_path_restore(&v->path, m1);
    }
    model_path_restore(&v->path, mark);
}

/* ---- entry points ---------------------------------------------------------------------- */

int model_validate(const model_pipeline *pipeline, const model_registry *reg, model_errors *errs)
{
    vctx v = {.p = pipeline, .reg = reg, .errs = errs};
    json_t *doc = NULL;
    int rc = SLUICE_OK;

    doc = model_pipeline_to_json(pipeline);
    if (doc == NULL) {
        return SLUICE_ENOMEM;
    }
    model_path_init(&v.path, "pipeline");
    model_shape_check_pipeline(doc, MODEL_SHAPE_VALUES, &v.path, 0, errs);
    json_decref(doc);
    v.covered_end = errs->count;

    rc = index_actions(&v);
    if (rc != SLUICE_OK) {
        goto out;
    }
    index_names(&v);
    check_pipeline(&v);
    size_t mark = model_path_key(&v.path, "stages");
    for (size_t i = 0; i < pipeline->nstages && rc == SLUICE_OK; i++) {
        size_t m1 = model_path_index(&v.path, i);
        rc = check_stage(&v, i);
        model_path_restore(&v.path, m1);
    }
    model_path_restore(&v.path, mark);
    if (rc != SLUICE_OK) {
        goto out;
    }
    check_triggers(&v);
    if (v.oom) {
        rc = SLUICE_ENOMEM;
    } else {
        rc = model_errors_total(errs) > 0 ? SLUICE_EINVAL : SLUICE_OK;
    }
out:
    free(v.actions);
    free(v.stage_first);
    map_free(&v.artifacts);
    map_free(&v.namespaces);
    map_free(&v.stage_names);
    return rc;
}

int model_validate_text(const char *text, size_t len, const model_registry *reg,
                        model_pipeline **out, model_errors *errs)
{
    model_pipeline *pipeline = NULL;
    int rc = model_pipeline_parse_text(text, len, &pipeline, errs);
    if (pipeline != NULL) {
        int vrc = model_validate(pipeline, reg, errs);
        if (vrc == SLUICE_ENOMEM) {
            model_pipeline_free(pipeline);
            pipeline = NULL;
            rc = SLUICE_ENOMEM;
        } else if (rc == SLUICE_OK) {
            rc = vrc;
        }
    }
    *out = pipeline;
    return rc;
}
