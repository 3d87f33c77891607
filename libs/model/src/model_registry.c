/*
 * model_registry.c — the provider table (model_registry.h).
 *
 * Built-in providers and known shapes of AWS providers that Sluice does not
 * run are static read-only tables; a registry adds the external providers an
 * installation declares, each an allocated copy. Sources: CodePipeline user
 * guide action references (configuration keys, artifact counts, output
 * variables), quotas page (timeouts); see reference §1.5, §1.6, §2.9.
 * Pure; immutable after creation.
 */
#include "sluice/model_registry.h"

#include "sluice/error.h"
#include "sluice/model_approval.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a)         (sizeof(a) / sizeof((a)[0]))
#define MINUTES_PER_HOUR 60
#define MINUTES_PER_DAY  (24 * 60)
#define SPEC_MAX         256 /* longest "owner/category/provider/version" accepted */

/* ---- built-in providers ---------------------------------------------------------------- */

static const model_config_key keys_codecommit[] = {
    {"RepositoryName", true, false, false},
    {"BranchName", true, false, false},
    {"PollForSourceChanges", false, false, false},
    {"OutputArtifactFormat", false, false, false},
};
static const char *const out_codecommit[] = {"AuthorDate",    "BranchName",    "CommitId",
                                             "CommitMessage", "CommitterDate", "RepositoryName"};

static const model_config_key keys_connection[] = {
    {"ConnectionArn", true, false, false},  {"FullRepositoryId", true, false, false},
    {"BranchName", true, false, false},     {"OutputArtifactFormat", false, false, false},
    {"DetectChanges", false, false, false},
};
static const char *const out_connection[] = {
    "AuthorDate", "BranchName", "CommitId", "CommitMessage", "ConnectionArn", "FullRepositoryName"};

static const model_config_key keys_s3_source[] = {
    {"S3Bucket", true, false, false},
    {"S3ObjectKey", true, false, false},
    {"PollForSourceChanges", false, false, false},
    {"AllowOverrideForS3ObjectKey", false, false, false},
};
static const char *const out_s3_source[] = {"ETag", "VersionId"};

static const model_config_key keys_codebuild[] = {
    {"ProjectName", true, false, false},           {"PrimarySource", false, false, false},
    {"BatchEnabled", false, false, false},         {"CombineArtifacts", false, false, false},
    {"EnvironmentVariables", false, false, false},
};

static const model_config_key keys_s3_deploy[] = {
    {"BucketName", true, false, false},           {"Extract", true, false, false},
    {"ObjectKey", false, false, false}, /* required when Extract is false: checked by the validator
                                         */
    {"KMSEncryptionKeyARN", false, false, false}, {"CannedACL", false, false, false},
    {"CacheControl", false, false, false},
};

static const model_config_key keys_lambda[] = {
    {"FunctionName", true, false, false},
    {"UserParameters", false, false, false},
};

static const model_config_key keys_manual[] = {
    {"NotificationArn", false, false, false},
    {"ExternalEntityLink", false, false, false},
    {"CustomData", false, false, false},
    /* Sluice's approval policy (model_approval.h); AWS rejects these keys. */
    {MODEL_APPROVAL_KEY_APPROVERS, false, false, true},
    {MODEL_APPROVAL_KEY_REQUIRED, false, false, true},
    {MODEL_APPROVAL_KEY_REJECTION, false, false, true},
    {MODEL_APPROVAL_KEY_SELF, false, false, true},
    {MODEL_APPROVAL_KEY_TIMEOUT, false, false, true},
};

static const model_config_key keys_github[] = {
    {"OAuthToken", false, true, false},
};

#define KEYS(k)    (k), .nconfig_keys = COUNT(k)
#define OUTPUTS(o) (o), .noutput_variables = COUNT(o)

/* Designated fields keep each entry readable; absent fields are 0 / false / NULL. */
static const model_provider builtins[] = {
    {.owner = "AWS",
     .category = "Source",
     .provider = "CodeCommit",
     .version = "1",
     .config_keys = KEYS(keys_codecommit),
     .min_outputs = 1,
     .max_outputs = 1,
     .output_variables = OUTPUTS(out_codecommit),
     .runner = MODEL_RUNNER_SOURCE,
     .default_timeout_minutes = MINUTES_PER_HOUR},
    {.owner = "AWS",
     .category = "Source",
     .provider = "CodeStarSourceConnection",
     .version = "1",
     .config_keys = KEYS(keys_connection),
     .min_outputs = 1,
     .max_outputs = 1,
     .output_variables = OUTPUTS(out_connection),
     .runner = MODEL_RUNNER_SOURCE,
     .default_timeout_minutes = MINUTES_PER_HOUR},
    {.owner = "AWS",
     .category = "Source",
     .provider = "S3",
     .version = "1",
     .config_keys = KEYS(keys_s3_source),
     .min_outputs = 1,
     .max_outputs = 1,
     .output_variables = OUTPUTS(out_s3_source),
     .runner = MODEL_RUNNER_SOURCE,
     .default_timeout_minutes = MINUTES_PER_HOUR},
    {.owner = "AWS",
     .category = "Build",
     .provider = "CodeBuild",
     .version = "1",
     .config_keys = KEYS(keys_codebuild),
     .min_inputs = 1,
     .max_inputs = 5,
     .max_outputs = 5,
     .dynamic_outputs = true,
     .runner = MODEL_RUNNER_WORKER,
     .default_timeout_minutes = 8 * MINUTES_PER_HOUR},
    {.owner = "AWS",
     .category = "Test",
     .provider = "CodeBuild",
     .version = "1",
     .config_keys = KEYS(keys_codebuild),
     .min_inputs = 1,
     .max_inputs = 5,
     .max_outputs = 5,
     .dynamic_outputs = true,
     .runner = MODEL_RUNNER_WORKER,
     .default_timeout_minutes = 8 * MINUTES_PER_HOUR},
    {.owner = "AWS",
     .category = "Compute",
     .provider = "Commands",
     .version = "1",
     .min_inputs = 1,
     .max_inputs = 10,
     .max_outputs = 1,
     .commands_fields = true,
     .v2_only = true,
     .runner = MODEL_RUNNER_WORKER,
     .default_timeout_minutes = MINUTES_PER_HOUR},
    {.owner = "AWS",
     .category = "Deploy",
     .provider = "S3",
     .version = "1",
     .config_keys = KEYS(keys_s3_deploy),
     .min_inputs = 1,
     .max_inputs = 1,
     .runner = MODEL_RUNNER_WORKER,
     .default_timeout_minutes = 90},
    {.owner = "AWS",
     .category = "Invoke",
     .provider = "Lambda",
     .version = "1",
     .config_keys = KEYS(keys_lambda),
     .max_inputs = 5,
     .max_outputs = 5,
     .dynamic_outputs = true,
     .runner = MODEL_RUNNER_WORKER,
     .default_timeout_minutes = MINUTES_PER_DAY},
    {.owner = "AWS",
     .category = "Approval",
     .provider = "Manual",
     .version = "1",
     .config_keys = KEYS(keys_manual),
     .runner = MODEL_RUNNER_APPROVAL,
     .default_timeout_minutes = 7 * MINUTES_PER_DAY},
    /* Last: the wildcard for owner Custom. */
    {.owner = "Custom",
     .category = MODEL_REGISTRY_ANY,
     .provider = MODEL_REGISTRY_ANY,
     .version = MODEL_REGISTRY_ANY,
     .config_free_form = true,
     .max_inputs = 5,
     .max_outputs = 5,
     .dynamic_outputs = true,
     .external = true,
     .runner = MODEL_RUNNER_EXTERNAL,
     .default_timeout_minutes = MINUTES_PER_DAY},
};
#define CUSTOM_INDEX (COUNT(builtins) - 1)

/* ---- shapes of providers Sluice does not run (used when declared external) ------------- */

typedef struct known_external {
    const char *owner;
    const char *category;
    const char *provider;
    int min_inputs;
    int max_inputs;
    int min_outputs;
    int max_outputs;
    int64_t timeout_minutes;
    const model_config_key *config_keys;
    size_t nconfig_keys;
} known_external;

static const char *const out_ecr[] = {"ImageDigest", "ImageTag", "ImageURI", "RegistryId",
                                      "RepositoryName"};

static const known_external known_externals[] = {
    {"AWS", "Deploy", "CodeDeploy", 1, 1, 0, 0, 5 * MINUTES_PER_DAY, NULL, 0},
    {"AWS", "Deploy", "CodeDeployToECS", 1, 3, 0, 0, 5 * MINUTES_PER_DAY, NULL, 0},
    {"AWS", "Deploy", "ECS", 1, 1, 0, 0, MINUTES_PER_HOUR, NULL, 0},
    {"AWS", "Deploy", "ElasticBeanstalk", 1, 1, 0, 0, MINUTES_PER_HOUR, NULL, 0},
    {"AWS", "Deploy", "OpsWorks", 1, 1, 0, 0, MINUTES_PER_HOUR, NULL, 0},
    {"AWS", "Deploy", "ServiceCatalog", 1, 1, 0, 0, MINUTES_PER_HOUR, NULL, 0},
    {"AWS", "Deploy", "CloudFormation", 0, 10, 0, 1, 3 * MINUTES_PER_DAY, NULL, 0},
    {"AWS", "Test", "DeviceFarm", 1, 1, 0, 0, MINUTES_PER_HOUR, NULL, 0},
    {"AWS", "Invoke", "StepFunctions", 0, 1, 0, 1, 7 * MINUTES_PER_DAY, NULL, 0},
    {"AWS", "Source", "ECR", 0, 0, 1, 1, MINUTES_PER_HOUR, NULL, 0},
    {"ThirdParty", "Source", "GitHub", 0, 0, 1, 1, MINUTES_PER_HOUR, keys_github,
     COUNT(keys_github)},
};

/* ---- rule types --------------------------------------------------------------------------- */

static const model_config_key keys_variable_check[] = {
    {"Variable", true, false, false},
    {"Value", true, false, false},
    {"Operator", true, false, false},
};
static const model_config_key keys_deployment_window[] = {
    {"Cron", true, false, false},
    {"TimeZone", false, false, false},
};
static const model_rule_type rule_types[] = {
    {"VariableCheck", "1", keys_variable_check, COUNT(keys_variable_check), false},
    {"DeploymentWindow", "1", keys_deployment_window, COUNT(keys_deployment_window), false},
    {"LambdaInvoke", "1", keys_lambda, COUNT(keys_lambda), false},
    {"Commands", "1", NULL, 0, true},
};

/* ---- the registry ------------------------------------------------------------------------ */

/* A declared external provider: its entry and the strings the entry points at. */
typedef struct external_entry {
    model_provider entry;
    char *owner;
    char *category;
    char *provider;
    char *version;
} external_entry;

struct model_registry {
    external_entry *external;
    size_t nexternal;
};

static bool provider_is(const model_provider *p, const char *category, const char *owner,
                        const char *provider, const char *version)
{
    return strcmp(p->owner, owner) == 0 && strcmp(p->category, category) == 0 &&
           strcmp(p->provider, provider) == 0 && strcmp(p->version, version) == 0;
}

static bool spec_field_ok(const char *text, size_t max)
{
    size_t n = strlen(text);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!isalnum(c) && c != '-' && c != '_') {
            return false;
        }
    }
    return true;
}

static bool is_category(const char *text)
{
    return model_category_parse(text) != MODEL_CATEGORY_UNKNOWN;
}

static void free_external(external_entry *e)
{
    free(e->owner);
    free(e->category);
    free(e->provider);
    free(e->version);
}

/* Splits "owner/category/provider/version" into fields[4] (in place in copy). */
static int spec_split(char *copy, char *fields[4])
{
    char *p = copy;
    for (int i = 0; i < 4; i++) {
        fields[i] = p;
        char *slash = strchr(p, '/');
        if (i < 3) {
            if (slash == NULL) {
                return SLUICE_EINVAL;
            }
            *slash = '\0';
            p = slash + 1;
        } else if (slash != NULL) {
            return SLUICE_EINVAL;
        }
    }
    return SLUICE_OK;
}

static int external_fill(const char *spec, external_entry *ext, char *errbuf, size_t errlen)
{
    char copy[SPEC_MAX + 1];
    char *f[4];
    size_t len = strlen(spec);
    model_provider *out = &ext->entry;

    memset(ext, 0, sizeof(*ext));
    if (len > SPEC_MAX) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "external provider \"%.40s...\" is too long", spec);
    }
    memcpy(copy, spec, len + 1);
    if (spec_split(copy, f) != SLUICE_OK) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "external provider \"%s\" is not owner/category/provider/version",
                                spec);
    }
    if (strcmp(f[0], "AWS") != 0 && strcmp(f[0], "ThirdParty") != 0) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "external provider \"%s\": owner must be AWS or ThirdParty "
                                "(Custom providers are always served by job workers)",
                                spec);
    }
    if (!is_category(f[1])) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "external provider \"%s\": \"%s\" is not an action category", spec,
                                f[1]);
    }
    if (!spec_field_ok(f[2], 35) || !spec_field_ok(f[3], 9)) {
        return sluice_error_set(errbuf, errlen, SLUICE_EINVAL,
                                "external provider \"%s\": provider must match [0-9A-Za-z_-]{1,35} "
                                "and version [0-9A-Za-z_-]{1,9}",
                                spec);
    }

    /* Defaults for a provider Sluice knows nothing about. */
    out->config_free_form = true;
    out->min_inputs = 0;
    out->max_inputs = 5;
    out->min_outputs = 0;
    out->max_outputs = 5;
    out->dynamic_outputs = true;
    out->default_timeout_minutes = MINUTES_PER_HOUR;
    for (size_t i = 0; i < COUNT(builtins) - 1; i++) {
        const model_provider *b = &builtins[i];
        if (strcmp(b->owner, f[0]) == 0 && strcmp(b->category, f[1]) == 0 &&
            strcmp(b->provider, f[2]) == 0 && strcmp(b->version, f[3]) == 0) {
            *out = *b;
            break;
        }
    }
    for (size_t i = 0; i < COUNT(known_externals); i++) {
        const known_external *k = &known_externals[i];
        if (strcmp(k->owner, f[0]) == 0 && strcmp(k->category, f[1]) == 0 &&
            strcmp(k->provider, f[2]) == 0) {
            out->min_inputs = k->min_inputs;
            out->max_inputs = k->max_inputs;
            out->min_outputs = k->min_outputs;
            out->max_outputs = k->max_outputs;
            out->default_timeout_minutes = k->timeout_minutes;
            out->config_keys = k->config_keys;
            out->nconfig_keys = k->nconfig_keys;
            if (strcmp(k->provider, "ECR") == 0) {
                out->output_variables = out_ecr;
                out->noutput_variables = COUNT(out_ecr);
                out->dynamic_outputs = false;
            }
            break;
        }
    }
    out->external = true;
    out->runner = MODEL_RUNNER_EXTERNAL;
    ext->owner = strdup(f[0]);
    ext->category = strdup(f[1]);
    ext->provider = strdup(f[2]);
    ext->version = strdup(f[3]);
    if (ext->owner == NULL || ext->category == NULL || ext->provider == NULL ||
        ext->version == NULL) {
        free_external(ext);
        return sluice_error_set(errbuf, errlen, SLUICE_ENOMEM, "out of memory");
    }
    out->owner = ext->owner;
    out->category = ext->category;
    out->provider = ext->provider;
    out->version = ext->version;
    return SLUICE_OK;
}

int model_registry_new(const char *const *external, size_t nexternal, model_registry **out,
                       char *errbuf, size_t errlen)
{
    model_registry *reg = NULL;
    int rc = SLUICE_OK;

    *out = NULL;
    if (nexternal > MODEL_REGISTRY_MAX_EXTERNAL) {
        return sluice_error_set(errbuf, errlen, SLUICE_ETOOBIG,
                                "%zu external providers declared; the limit is %d", nexternal,
                                MODEL_REGISTRY_MAX_EXTERNAL);
    }
    reg = calloc(1, sizeof(*reg));
    if (reg == NULL) {
        return sluice_error_set(errbuf, errlen, SLUICE_ENOMEM, "out of memory");
    }
    if (nexternal > 0) {
        reg->external = calloc(nexternal, sizeof(*reg->external));
        if (reg->external == NULL) {
            rc = sluice_error_set(errbuf, errlen, SLUICE_ENOMEM, "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < nexternal; i++) {
        external_entry entry;
        rc = external_fill(external[i], &entry, errbuf, errlen);
        if (rc != SLUICE_OK) {
            goto out;
        }
        bool duplicate = false;
        for (size_t j = 0; j < reg->nexternal; j++) {
            duplicate = duplicate || provider_is(&reg->external[j].entry, entry.category,
                                                 entry.owner, entry.provider, entry.version);
        }
        if (duplicate) {
            free_external(&entry);
            continue;
        }
        reg->external[reg->nexternal++] = entry;
    }
    *out = reg;
    reg = NULL; /* now owned by the caller */
out:
    model_registry_free(reg);
    return rc;
}

int model_registry_new_from_list(const char *list, model_registry **out, char *errbuf,
                                 size_t errlen)
{
    char *copy = NULL;
    const char *items[MODEL_REGISTRY_MAX_EXTERNAL];
    size_t n = 0;
    int rc;

    if (list == NULL || *list == '\0') {
        return model_registry_new(NULL, 0, out, errbuf, errlen);
    }
    copy = strdup(list);
    if (copy == NULL) {
        return sluice_error_set(errbuf, errlen, SLUICE_ENOMEM, "out of memory");
    }
    char *p = copy;
    while (*p != '\0') {
        while (*p == ',' || isspace((unsigned char)*p)) {
            *p++ = '\0';
        }
        if (*p == '\0') {
            break;
        }
        if (n == MODEL_REGISTRY_MAX_EXTERNAL) {
            free(copy);
            return sluice_error_set(errbuf, errlen, SLUICE_ETOOBIG,
                                    "more than %d external providers declared",
                                    MODEL_REGISTRY_MAX_EXTERNAL);
        }
        items[n++] = p;
        while (*p != '\0' && *p != ',' && !isspace((unsigned char)*p)) {
            p++;
        }
    }
    rc = model_registry_new(items, n, out, errbuf, errlen);
    free(copy);
    return rc;
}

void model_registry_free(model_registry *reg)
{
    if (reg == NULL) {
        return;
    }
    for (size_t i = 0; i < reg->nexternal; i++) {
        free_external(&reg->external[i]);
    }
    free(reg->external);
    free(reg);
}

const model_provider *model_registry_find(const model_registry *reg, const char *category,
                                          const char *owner, const char *provider,
                                          const char *version)
{
    if (category == NULL || owner == NULL || provider == NULL || version == NULL) {
        return NULL;
    }
    if (reg != NULL) {
        for (size_t i = 0; i < reg->nexternal; i++) {
            if (provider_is(&reg->external[i].entry, category, owner, provider, version)) {
                return &reg->external[i].entry;
            }
        }
    }
    for (size_t i = 0; i < CUSTOM_INDEX; i++) {
        if (provider_is(&builtins[i], category, owner, provider, version)) {
            return &builtins[i];
        }
    }
    if (strcmp(owner, "Custom") == 0) {
        return &builtins[CUSTOM_INDEX];
    }
    return NULL;
}

const model_provider *model_registry_find_action(const model_registry *reg,
                                                 const model_action *action)
{
    return model_registry_find(reg, action->type_id.category, action->type_id.owner,
                               action->type_id.provider, action->type_id.version);
}

size_t model_registry_count(const model_registry *reg)
{
    return COUNT(builtins) + (reg != NULL ? reg->nexternal : 0);
}

const model_provider *model_registry_get(const model_registry *reg, size_t index)
{
    if (index < COUNT(builtins)) {
        return &builtins[index];
    }
    index -= COUNT(builtins);
    if (reg != NULL && index < reg->nexternal) {
        return &reg->external[index].entry;
    }
    return NULL;
}

int model_registry_describe(const model_registry *reg, sluice_buf *out)
{
    int rc = SLUICE_OK;
    bool first = true;
    for (size_t i = 0; i < CUSTOM_INDEX && rc == SLUICE_OK; i++) {
        const model_provider *p = &builtins[i];
        if (model_registry_find(reg, p->category, p->owner, p->provider, p->version) != p) {
            continue; /* handed to external job workers */
        }
        rc = sluice_buf_appendf(out, "%s%s/%s/%s/%s", first ? "" : ", ", p->owner, p->category,
                                p->provider, p->version);
        first = false;
    }
    if (rc == SLUICE_OK) {
        rc = sluice_buf_append_str(out, "; through external job workers: "
                                        "Custom/<any category>/<any provider>/<any version>");
    }
    for (size_t i = 0; reg != NULL && i < reg->nexternal && rc == SLUICE_OK; i++) {
        const external_entry *e = &reg->external[i];
        rc = sluice_buf_appendf(out, ", %s/%s/%s/%s", e->owner, e->category, e->provider,
                                e->version);
    }
    return rc;
}

const model_config_key *model_provider_config_key(const model_provider *provider, const char *name)
{
    for (size_t i = 0; i < provider->nconfig_keys; i++) {
        if (strcmp(provider->config_keys[i].name, name) == 0) {
            return &provider->config_keys[i];
        }
    }
    return NULL;
}

bool model_provider_has_output(const model_provider *provider, const model_action *action,
                               const char *key)
{
    if (provider->dynamic_outputs) {
        return true;
    }
    if (provider->commands_fields) {
        for (size_t i = 0; action != NULL && i < action->noutput_variables; i++) {
            if (action->output_variables[i] != NULL &&
                strcmp(action->output_variables[i], key) == 0) {
                return true;
            }
        }
        return false;
    }
    for (size_t i = 0; i < provider->noutput_variables; i++) {
        if (strcmp(provider->output_variables[i], key) == 0) {
            return true;
        }
    }
    return false;
}

int64_t model_provider_timeout_minutes(const model_provider *provider, const model_action *action)
{
    if (action != NULL && action->timeout_in_minutes > 0) {
        return action->timeout_in_minutes;
    }
    return provider->default_timeout_minutes;
}

const model_rule_type *model_registry_find_rule(const char *provider, const char *version)
{
    if (provider == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < COUNT(rule_types); i++) {
        if (strcmp(rule_types[i].provider, provider) == 0 &&
            strcmp(rule_types[i].version, version != NULL ? version : "1") == 0) {
            return &rule_types[i];
        }
    }
    return NULL;
}

int model_registry_describe_rules(sluice_buf *out)
{
    int rc = SLUICE_OK;
    for (size_t i = 0; i < COUNT(rule_types) && rc == SLUICE_OK; i++) {
        rc = sluice_buf_appendf(out, "%s%s/%s", i > 0 ? ", " : "", rule_types[i].provider,
                                rule_types[i].version);
    }
    return rc;
}
