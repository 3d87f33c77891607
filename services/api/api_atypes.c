/*
 * api_atypes.c — registered action types (see api_atypes.h).
 *
 * Shapes: botocore's codepipeline model (CreateCustomActionTypeInput/Output,
 * ActionType, ActionConfigurationProperty, ArtifactDetails, ActionTypeSettings,
 * DeleteCustomActionTypeInput, GetActionTypeInput/Output, UpdateActionTypeInput,
 * ActionTypeDeclaration). Semantics: the CodePipeline user guide ("Create and
 * add a custom action", DeleteCustomActionType: a deleted type is re-created
 * only from its identical definition, otherwise under a new version string).
 *
 * Every check against a registered type goes through one normalised "spec":
 *   {"properties": [{"name", "required", "secret", "queryable"}],
 *    "in": [min, max], "out": [min, max], "deleted": bool}
 * built from either record kind, so Custom types and updated declarations of
 * job-worker types are enforced alike.
 */
#include "api_atypes.h"

#include "api_input.h"
#include "api_pipelines.h"

#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/model_registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_ATYPES_KEY_MAX        128 /* "Owner/Category/Provider/Version" with its NUL */
#define API_ATYPES_MAX_PROPS      10  /* ActionConfigurationPropertyList / ActionTypeProperties */
#define API_ATYPES_QUERY_VALUE    20  /* characters of a queryable property's value */
#define API_ATYPES_SAVE_ATTEMPTS  5
#define API_ATYPES_MESSAGE_MAX    (API_MESSAGE_MAX - 1)
#define API_ATYPES_URL_MAX        2048
#define API_ATYPES_MAX_COUNT      5  /* ArtifactDetails counts */
#define API_ATYPES_MAX_DECL_COUNT 10 /* ActionTypeArtifactDetails counts */

static const char *const api_atypes_categories[] = {"Source", "Build",    "Deploy", "Test",
                                                    "Invoke", "Approval", "Compute"};
static const char *const api_atypes_property_types[] = {"String", "Number", "Boolean"};
static const char *const api_atypes_settings[] = {"thirdPartyConfigurationUrl", "entityUrlTemplate",
                                                  "executionUrlTemplate", "revisionUrlTemplate"};
static const char *const api_atypes_urls[] = {"configurationUrl", "entityUrlTemplate",
                                              "executionUrlTemplate", "revisionUrlTemplate"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- keys, records and specs --------------------------------------------------------- */

static int api_atypes_key(char *out, size_t outlen, const char *owner, const char *category,
                          const char *provider, const char *version)
{
    int n = snprintf(out, outlen, "%s/%s/%s/%s", owner, category, provider, version);
    return n > 0 && (size_t)n < outlen ? 0 : SLUICE_ETOOBIG;
}

/* The words AWS names an action type with in its messages. */
static void api_atypes_describe(char *out, size_t outlen, const char *owner, const char *category,
                                const char *provider, const char *version)
{
    snprintf(out, outlen, "ActionType (Category: '%s', Provider: '%s', Version: '%s', Owner: '%s')",
             category, provider, version, owner);
}

/*
 * Loads the record of key: 0 with *record (NULL when there is none) and, when
 * text is not NULL, *text its stored text (the caller frees both); otherwise
 * the call failed.
 */
static int api_atypes_load(api_call *call, const char *key, json_t **record, char **text)
{
    char err[256] = "";
    char *stored = NULL;
    api_backend *b = call->env->backend;
    *record = NULL;
    if (text != NULL) {
        *text = NULL;
    }
    int rc = b->ops->atype_load(b, key, &stored, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return 0;
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the action type", err);
    }
    json_error_t jerr;
    *record = json_loads(stored, JSON_REJECT_DUPLICATES, &jerr);
    if (*record == NULL || !json_is_object(*record)) {
        json_decref(*record);
        *record = NULL;
        free(stored);
        return api_call_fail(call, "InternalFailure",
                             "the stored record of action type %s is "
                             "unreadable",
                             key);
    }
    if (text != NULL) {
        *text = stored;
    } else {
        free(stored);
    }
    return 0;
}

/* Stores record for key over expected (NULL: none stored): 0, or a backend code (call untouched).
 */
static int api_atypes_save(api_call *call, const char *key, const char *expected,
                           const json_t *record, char *err, size_t errlen)
{
    char *text = json_dumps(record, JSON_COMPACT | JSON_SORT_KEYS);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    api_backend *b = call->env->backend;
    int rc = b->ops->atype_save(b, key, expected, text, API_ATYPES_MAX_RECORDS, err, errlen);
    free(text);
    return rc;
}

static json_t *api_atypes_range(const json_t *details)
{
    return json_pack("[I, I]", json_integer_value(json_object_get(details, "minimumCount")),
                     json_integer_value(json_object_get(details, "maximumCount")));
}

/* The spec of a record (see the top of this file); NULL when out of memory. */
static json_t *api_atypes_spec(const json_t *record)
{
    const json_t *type = json_object_get(record, "actionType");
    const json_t *decl = json_object_get(record, "declaration");
    const json_t *source = type != NULL ? type : decl;
    const json_t *props =
        json_object_get(source, type != NULL ? "actionConfigurationProperties" : "properties");
    json_t *list = json_array();
    size_t i;
    const json_t *prop;
    json_array_foreach(props, i, prop)
    {
        bool required = type != NULL ? json_is_true(json_object_get(prop, "required"))
                                     : !json_is_true(json_object_get(prop, "optional"));
        bool secret = json_is_true(json_object_get(prop, type != NULL ? "secret" : "noEcho"));
        json_array_append_new(list, json_pack("{s:O, s:b, s:b, s:b}", "name",
                                              json_object_get(prop, "name"), "required", required,
                                              "secret", secret, "queryable",
                                              json_is_true(json_object_get(prop, "queryable"))));
    }
    return json_pack("{s:o, s:o, s:o, s:b}", "properties", list, "in",
                     api_atypes_range(json_object_get(source, "inputArtifactDetails")), "out",
                     api_atypes_range(json_object_get(source, "outputArtifactDetails")), "deleted",
                     json_is_true(json_object_get(record, "deleted")));
}

/* The spec's property name, or NULL. */
static const json_t *api_atypes_property(const json_t *spec, const char *name)
{
    size_t i;
    const json_t *prop;
    json_array_foreach(json_object_get(spec, "properties"), i, prop)
    {
        const char *n = json_string_value(json_object_get(prop, "name"));
        if (n != NULL && strcmp(n, name) == 0) {
            return prop;
        }
    }
    return NULL;
}

/*
 * True when actions of type_id are checked against a stored record: every
 * Custom type, and AWS / ThirdParty types this installation hands to job
 * workers (their declaration may be updated).
 */
static bool api_atypes_recorded(const api_call *call, const json_t *type_id)
{
    const char *owner = json_string_value(json_object_get(type_id, "owner"));
    if (owner == NULL) {
        return false;
    }
    if (strcmp(owner, "Custom") == 0) {
        return true;
    }
    const model_provider *p = model_registry_find(
        call->env->registry, json_string_value(json_object_get(type_id, "category")), owner,
        json_string_value(json_object_get(type_id, "provider")),
        json_string_value(json_object_get(type_id, "version")));
    return p != NULL && p->external;
}

/*
 * The spec of type_id, through cache (an object of key -> spec or null,
 * borrowed): 0 with *spec borrowed from the cache (NULL: no record), or the
 * call failed.
 */
static int api_atypes_spec_of(api_call *call, json_t *cache, const json_t *type_id,
                              const json_t **spec)
{
    char key[API_ATYPES_KEY_MAX];
    *spec = NULL;
    const char *owner = json_string_value(json_object_get(type_id, "owner"));
    const char *category = json_string_value(json_object_get(type_id, "category"));
    const char *provider = json_string_value(json_object_get(type_id, "provider"));
    const char *version = json_string_value(json_object_get(type_id, "version"));
    if (owner == NULL || category == NULL || provider == NULL || version == NULL ||
        api_atypes_key(key, sizeof key, owner, category, provider, version) != 0) {
        return 0;
    }
    json_t *cached = json_object_get(cache, key);
    if (cached == NULL) {
        json_t *record = NULL;
        int rc = api_atypes_load(call, key, &record, NULL);
        if (rc != 0) {
            return rc;
        }
        cached = record != NULL ? api_atypes_spec(record) : json_null();
        json_decref(record);
        if (cached == NULL || json_object_set_new(cache, key, cached) != 0) {
            return api_call_backend_fail(call, SLUICE_ENOMEM, "reading the action type", NULL);
        }
    }
    *spec = json_is_null(cached) ? NULL : cached;
    return 0;
}

/* ---- input checks ----------------------------------------------------------------- */

static int api_atypes_read_id(api_call *call, const json_t *obj, const char *prefix,
                              const char **category, const char **provider, const char **version)
{
    char path[64];
    snprintf(path, sizeof path, "%scategory", prefix);
    int rc = api_input_enum(call, obj, "category", path, true, api_atypes_categories,
                            COUNT(api_atypes_categories), category);
    if (rc == 0) {
        snprintf(path, sizeof path, "%sprovider", prefix);
        rc = api_input_string(call, obj, "provider", path, true, 1, 35, API_CHARSET_PROVIDER,
                              provider);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%sversion", prefix);
        rc =
            api_input_string(call, obj, "version", path, true, 1, 9, API_CHARSET_PROVIDER, version);
    }
    return rc;
}

/* The owner of an ActionTypeIdentifier: pattern AWS|ThirdParty. */
static int api_atypes_read_owner(api_call *call, const json_t *obj, const char *path,
                                 const char **owner)
{
    int rc = api_input_string(call, obj, "owner", path, true, 1, API_INPUT_NO_MAX, API_CHARSET_ANY,
                              owner);
    if (rc == 0 && strcmp(*owner, "AWS") != 0 && strcmp(*owner, "ThirdParty") != 0) {
        rc = api_call_fail(call, "ValidationException",
                           "1 validation error detected: Value '%.40s' at '%s' failed to satisfy "
                           "constraint: Member must satisfy regular expression pattern: "
                           "AWS|ThirdParty",
                           *owner, path);
    }
    return rc;
}

/* An ArtifactDetails (max_count 5) or ActionTypeArtifactDetails (10); *out a new copy. */
static int api_atypes_read_counts(api_call *call, const json_t *obj, const char *name,
                                  int64_t max_count, json_t **out)
{
    const json_t *details = NULL;
    int64_t min = 0;
    int64_t max = 0;
    char path[96];
    *out = NULL;
    int rc = api_input_object(call, obj, name, NULL, true, &details);
    if (rc == 0) {
        snprintf(path, sizeof path, "%s.minimumCount", name);
        rc = api_input_int(call, details, "minimumCount", path, true, 0, max_count, &min, NULL);
    }
    if (rc == 0) {
        snprintf(path, sizeof path, "%s.maximumCount", name);
        rc = api_input_int(call, details, "maximumCount", path, true, 0, max_count, &max, NULL);
    }
    if (rc == 0 && min > max) {
        rc = api_call_fail(call, "ValidationException",
                           "%s: minimumCount %lld is larger than maximumCount %lld", name,
                           (long long)min, (long long)max);
    }
    if (rc == 0) {
        *out = json_pack("{s:I, s:I}", "minimumCount", (json_int_t)min, "maximumCount",
                         (json_int_t)max);
    }
    return rc;
}

/* An object of optional URL strings (names); *out a new copy, NULL when absent. */
static int api_atypes_read_urls(api_call *call, const json_t *obj, const char *name,
                                const char *const *names, size_t nnames, json_t **out)
{
    const json_t *urls = NULL;
    *out = NULL;
    int rc = api_input_object(call, obj, name, NULL, false, &urls);
    if (rc != 0 || urls == NULL) {
        return rc;
    }
    json_t *copy = json_object();
    for (size_t i = 0; i < nnames && rc == 0; i++) {
        char path[96];
        const char *value = NULL;
        snprintf(path, sizeof path, "%s.%s", name, names[i]);
        rc = api_input_string(call, urls, names[i], path, false, 1, API_ATYPES_URL_MAX,
                              API_CHARSET_ANY, &value);
        if (rc == 0 && value != NULL) {
            json_object_set_new(copy, names[i], json_string(value));
        }
    }
    if (rc != 0) {
        json_decref(copy);
        return rc;
    }
    *out = copy;
    return 0;
}

/* What one kind of property list allows: its flags, description and type members. */
typedef struct api_atypes_property_shape {
    const char *list;       /* the list's name in messages */
    const char *flags[3];   /* the required boolean members */
    size_t description_max; /* characters */
    bool typed;             /* a "type" member of api_atypes_property_types may be given */
} api_atypes_property_shape;

/* CreateCustomActionType's ActionConfigurationProperty. */
static const api_atypes_property_shape api_atypes_config_property = {
    "configurationProperties", {"required", "key", "secret"}, 160, true};

/* UpdateActionType's ActionTypeProperty. */
static const api_atypes_property_shape api_atypes_decl_property = {
    "actionType.properties", {"optional", "key", "noEcho"}, 250, false};

/* One property of shape at path, unique by name in the list (its first index entries). */
static int api_atypes_check_shaped(api_call *call, const api_atypes_property_shape *shape,
                                   const json_t *prop, const char *path, const json_t *list,
                                   size_t index)
{
    char field[96];
    const char *name = NULL;
    const char *description = NULL;
    const char *type = NULL;
    bool flag = false;
    snprintf(field, sizeof field, "%s.name", path);
    int rc = api_input_string(call, prop, "name", field, true, 1, 50, API_CHARSET_ANY, &name);
    for (size_t i = 0; i < COUNT(shape->flags) && rc == 0; i++) {
        snprintf(field, sizeof field, "%s.%s", path, shape->flags[i]);
        rc = api_input_bool(call, prop, shape->flags[i], field, true, &flag);
    }
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.queryable", path);
        rc = api_input_bool(call, prop, "queryable", field, false, &flag);
    }
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.description", path);
        rc = api_input_string(call, prop, "description", field, false, 1, shape->description_max,
                              API_CHARSET_ANY, &description);
    }
    if (rc == 0 && shape->typed) {
        snprintf(field, sizeof field, "%s.type", path);
        rc = api_input_enum(call, prop, "type", field, false, api_atypes_property_types,
                            COUNT(api_atypes_property_types), &type);
    }
    for (size_t j = 0; j < index && rc == 0; j++) {
        const char *other = json_string_value(json_object_get(json_array_get(list, j), "name"));
        if (other != NULL && strcmp(other, name) == 0) {
            rc = api_call_fail(call, "ValidationException", "%s: the property %s is given twice",
                               shape->list, name);
        }
    }
    return rc;
}

/* One ActionConfigurationProperty (api_input_member_check). */
static int api_atypes_check_property(api_call *call, const json_t *prop, const char *path,
                                     const json_t *list, size_t index)
{
    return api_atypes_check_shaped(call, &api_atypes_config_property, prop, path, list, index);
}

/*
 * The configurationProperties of CreateCustomActionType: *out a normalised copy
 * (every flag present, queryable false when absent). At most one property is
 * queryable, and it must be required and not secret (the user guide's rule).
 */
static int api_atypes_read_properties(api_call *call, json_t **out)
{
    const json_t *props = NULL;
    *out = NULL;
    int rc = api_input_array(call, call->input, "configurationProperties", NULL, false, 0,
                             API_ATYPES_MAX_PROPS, &props);
    if (rc == 0) {
        rc =
            api_input_structures(call, props, "configurationProperties", api_atypes_check_property);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *list = json_array();
    size_t queryable = 0;
    size_t i;
    const json_t *prop;
    json_array_foreach(props, i, prop)
    {
        bool is_queryable = json_is_true(json_object_get(prop, "queryable"));
        const char *name = json_string_value(json_object_get(prop, "name"));
        if (is_queryable && (!json_is_true(json_object_get(prop, "required")) ||
                             json_is_true(json_object_get(prop, "secret")))) {
            json_decref(list);
            return api_call_fail(call, "ValidationException",
                                 "configurationProperties: the queryable property %s must be "
                                 "required and not secret",
                                 name);
        }
        queryable += is_queryable ? 1 : 0;
        json_t *copy =
            json_pack("{s:s, s:b, s:b, s:b, s:b}", "name", name, "required",
                      json_is_true(json_object_get(prop, "required")), "key",
                      json_is_true(json_object_get(prop, "key")), "secret",
                      json_is_true(json_object_get(prop, "secret")), "queryable", is_queryable);
        static const char *const texts[] = {"description", "type"};
        for (size_t t = 0; copy != NULL && t < COUNT(texts); t++) {
            json_t *value = json_object_get(prop, texts[t]);
            if (value != NULL) {
                json_object_set(copy, texts[t], value);
            }
        }
        json_array_append_new(list, copy);
    }
    if (queryable > 1) {
        json_decref(list);
        return api_call_fail(call, "ValidationException",
                             "configurationProperties: at most one property may be queryable; "
                             "%zu are",
                             queryable);
    }
    *out = list;
    return 0;
}

/* ---- CreateCustomActionType / DeleteCustomActionType --------------------------------------- */

/* The number of registered, not deleted Custom types; -1 with the call failed. */
static long api_atypes_count_custom(api_call *call)
{
    char err[256] = "";
    json_t *records = NULL;
    api_backend *b = call->env->backend;
    int rc = b->ops->atype_list(b, &records, err, sizeof err);
    if (rc != 0) {
        api_call_backend_fail(call, rc, "listing action types", err);
        return -1;
    }
    long n = 0;
    size_t i;
    const json_t *entry;
    json_array_foreach(records, i, entry)
    {
        const char *key = json_string_value(json_object_get(entry, "key"));
        const char *text = json_string_value(json_object_get(entry, "text"));
        json_t *record = text != NULL ? json_loads(text, 0, NULL) : NULL;
        if (key != NULL && strncmp(key, "Custom/", 7) == 0 && record != NULL &&
            !json_is_true(json_object_get(record, "deleted"))) {
            n++;
        }
        json_decref(record);
    }
    json_decref(records);
    return n;
}

int api_atypes_create(api_call *call)
{
    const char *category = NULL;
    const char *provider = NULL;
    const char *version = NULL;
    const json_t *tags = NULL;
    json_t *settings = NULL;
    json_t *props = NULL;
    json_t *in = NULL;
    json_t *out = NULL;
    json_t *type = NULL;
    json_t *record = NULL;
    json_t *existing = NULL;
    char *existing_text = NULL;
    char key[API_ATYPES_KEY_MAX];
    char what[256];
    char err[256] = "";
    int rc = api_atypes_read_id(call, call->input, "", &category, &provider, &version);
    if (rc == 0) {
        rc = api_atypes_read_urls(call, call->input, "settings", api_atypes_settings,
                                  COUNT(api_atypes_settings), &settings);
    }
    if (rc == 0) {
        rc = api_atypes_read_properties(call, &props);
    }
    if (rc == 0) {
        rc = api_atypes_read_counts(call, call->input, "inputArtifactDetails", API_ATYPES_MAX_COUNT,
                                    &in);
    }
    if (rc == 0) {
        rc = api_atypes_read_counts(call, call->input, "outputArtifactDetails",
                                    API_ATYPES_MAX_COUNT, &out);
    }
    if (rc == 0) {
        rc = api_pipelines_read_tags(call, "tags", false, &tags);
    }
    if (rc != 0) {
        goto out;
    }
    api_atypes_key(key, sizeof key, "Custom", category, provider, version);
    api_atypes_describe(what, sizeof what, "Custom", category, provider, version);
    type = json_pack("{s:{s:s, s:s, s:s, s:s}, s:O, s:O, s:O}", "id", "category", category, "owner",
                     "Custom", "provider", provider, "version", version,
                     "actionConfigurationProperties", props, "inputArtifactDetails", in,
                     "outputArtifactDetails", out);
    if (type != NULL && settings != NULL) {
        json_object_set(type, "settings", settings);
    }
    rc = type != NULL ? api_atypes_load(call, key, &existing, &existing_text)
                      : api_call_backend_fail(call, SLUICE_ENOMEM, "registering", NULL);
    if (rc != 0) {
        goto out;
    }
    bool deleted = existing != NULL && json_is_true(json_object_get(existing, "deleted"));
    if (existing != NULL && !json_equal(json_object_get(existing, "actionType"), type)) {
        rc = api_call_fail(call, "ValidationException",
                           "%s already exists%s; a deleted action type is re-created only from "
                           "its identical definition, a changed one needs a new version string",
                           what, deleted ? " (deleted)" : "");
        goto out;
    }
    if (existing != NULL && !deleted) {
        /* the same definition again: nothing to change */
        json_t *output = json_pack("{s:O}", "actionType", type);
        json_t *stored_tags = json_object_get(existing, "tags");
        if (output != NULL && json_array_size(stored_tags) > 0) {
            json_object_set(output, "tags", stored_tags);
        }
        rc = api_call_succeed(call, output);
        goto out;
    }
    long active = api_atypes_count_custom(call);
    if (active < 0) {
        rc = SLUICE_EINVAL;
        goto out;
    }
    if (active >= API_ATYPES_MAX_CUSTOM) {
        rc = api_call_fail(call, "LimitExceededException",
                           "The account already has %ld custom action types, the most it may have",
                           active);
        goto out;
    }
    json_t *stored_tags =
        deleted ? json_incref(json_object_get(existing, "tags")) : api_pipelines_copy_tags(tags);
    record = json_pack("{s:O, s:o, s:b, s:I}", "actionType", type, "tags",
                       stored_tags != NULL ? stored_tags : json_array(), "deleted", 0, "created",
                       (json_int_t)api_call_now_ms(call));
    rc = record != NULL ? api_atypes_save(call, key, existing_text, record, err, sizeof err)
                        : SLUICE_ENOMEM;
    if (rc == SLUICE_ECONFLICT) {
        rc = api_call_fail(call, "ConcurrentModificationException",
                           "%s changed while it was created; try again", what);
        goto out;
    }
    if (rc == SLUICE_ETOOBIG) {
        rc = api_call_fail(call, "LimitExceededException",
                           "%d action type records (deleted ones included) are stored, the most "
                           "this installation keeps",
                           API_ATYPES_MAX_RECORDS);
        goto out;
    }
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "registering the action type", err);
        goto out;
    }
    json_t *output = json_pack("{s:O}", "actionType", type);
    if (output != NULL && json_array_size(json_object_get(record, "tags")) > 0) {
        json_object_set(output, "tags", json_object_get(record, "tags"));
    }
    rc = api_call_succeed(call, output);
out:
    json_decref(settings);
    json_decref(props);
    json_decref(in);
    json_decref(out);
    json_decref(type);
    json_decref(record);
    json_decref(existing);
    free(existing_text);
    return rc;
}

int api_atypes_delete(api_call *call)
{
    const char *category = NULL;
    const char *provider = NULL;
    const char *version = NULL;
    char key[API_ATYPES_KEY_MAX];
    char what[256];
    char err[256] = "";
    int rc = api_atypes_read_id(call, call->input, "", &category, &provider, &version);
    if (rc != 0) {
        return rc;
    }
    api_atypes_key(key, sizeof key, "Custom", category, provider, version);
    api_atypes_describe(what, sizeof what, "Custom", category, provider, version);
    for (int attempt = 0; attempt < API_ATYPES_SAVE_ATTEMPTS; attempt++) {
        json_t *record = NULL;
        char *text = NULL;
        rc = api_atypes_load(call, key, &record, &text);
        if (rc != 0) {
            return rc;
        }
        if (record == NULL) {
            return api_call_fail(call, "ValidationException", "%s does not exist", what);
        }
        if (json_is_true(json_object_get(record, "deleted"))) {
            json_decref(record);
            free(text);
            return api_call_succeed(call, NULL); /* deleting again changes nothing */
        }
        json_object_set_new(record, "deleted", json_true());
        json_object_set_new(record, "updated", json_integer((json_int_t)api_call_now_ms(call)));
        rc = api_atypes_save(call, key, text, record, err, sizeof err);
        json_decref(record);
        free(text);
        if (rc == 0) {
            return api_call_succeed(call, NULL);
        }
        if (rc != SLUICE_ECONFLICT) {
            return api_call_backend_fail(call, rc, "deleting the action type", err);
        }
    }
    return api_call_fail(call, "ConcurrentModificationException",
                         "%s kept changing while it was deleted; try again", what);
}

/* ---- ListActionTypes ------------------------------------------------------------------- */

int api_atypes_list_custom(api_call *call, json_t *list)
{
    char err[256] = "";
    json_t *records = NULL;
    api_backend *b = call->env->backend;
    int rc = b->ops->atype_list(b, &records, err, sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "listing action types", err);
    }
    size_t i;
    const json_t *entry;
    json_array_foreach(records, i, entry)
    {
        const char *text = json_string_value(json_object_get(entry, "text"));
        json_t *record = text != NULL ? json_loads(text, 0, NULL) : NULL;
        json_t *type = json_object_get(record, "actionType");
        if (type != NULL && !json_is_true(json_object_get(record, "deleted"))) {
            json_array_append(list, type);
        }
        json_decref(record);
    }
    json_decref(records);
    return 0;
}

/* ---- GetActionType / UpdateActionType ----------------------------------------------------- */

/* The ActionTypeDeclaration of a provider the registry knows (no stored declaration). */
static json_t *api_atypes_render_provider(const api_call *call, const model_provider *p)
{
    json_t *props = json_array();
    for (size_t i = 0; i < p->nconfig_keys && i < API_ATYPES_MAX_PROPS; i++) {
        const model_config_key *k = &p->config_keys[i];
        json_array_append_new(props, json_pack("{s:s, s:b, s:b, s:b, s:b}", "name", k->name,
                                               "optional", !k->required, "key", 0, "noEcho",
                                               k->secret, "queryable", 0));
    }
    json_t *executor = p->external ? json_pack("{s:s, s:{s:{s:[s]}}}", "type", "JobWorker",
                                               "configuration", "jobWorkerExecutorConfiguration",
                                               "pollingAccounts", call->env->account)
                                   : json_pack("{s:s, s:{}}", "type", "JobWorker", "configuration");
    int in_max = p->max_inputs < 0 || p->max_inputs > API_ATYPES_MAX_DECL_COUNT
                     ? API_ATYPES_MAX_DECL_COUNT
                     : p->max_inputs;
    int out_max = p->max_outputs < 0 || p->max_outputs > API_ATYPES_MAX_DECL_COUNT
                      ? API_ATYPES_MAX_DECL_COUNT
                      : p->max_outputs;
    return json_pack(
        "{s:s, s:o, s:{s:s, s:s, s:s, s:s}, s:{s:i, s:i}, s:{s:i, s:i}, s:o}", "description",
        p->external ? "Served by external job workers through PollForJobs"
                    : "Run by Sluice's own services",
        "executor", executor, "id", "category", p->category, "owner", p->owner, "provider",
        p->provider, "version", p->version, "inputArtifactDetails", "minimumCount",
        p->min_inputs < 0 ? 0 : p->min_inputs, "maximumCount", in_max, "outputArtifactDetails",
        "minimumCount", p->min_outputs < 0 ? 0 : p->min_outputs, "maximumCount", out_max,
        "properties", props);
}

int api_atypes_get(api_call *call)
{
    const char *owner = NULL;
    const char *category = NULL;
    const char *provider = NULL;
    const char *version = NULL;
    char key[API_ATYPES_KEY_MAX];
    char what[256];
    int rc = api_atypes_read_id(call, call->input, "", &category, &provider, &version);
    if (rc == 0) {
        rc = api_atypes_read_owner(call, call->input, "owner", &owner);
    }
    if (rc != 0) {
        return rc;
    }
    api_atypes_describe(what, sizeof what, owner, category, provider, version);
    const model_provider *p =
        model_registry_find(call->env->registry, category, owner, provider, version);
    if (p == NULL) {
        return api_call_fail(call, "ActionTypeNotFoundException",
                             "%s is not an action type of this installation", what);
    }
    api_atypes_key(key, sizeof key, owner, category, provider, version);
    json_t *record = NULL;
    rc = api_atypes_load(call, key, &record, NULL);
    if (rc != 0) {
        return rc;
    }
    json_t *decl = json_object_get(record, "declaration");
    json_t *output =
        json_pack("{s:o}", "actionType",
                  decl != NULL ? json_incref(decl) : api_atypes_render_provider(call, p));
    json_decref(record);
    return api_call_succeed(call, output);
}

/* One ActionTypeProperty of UpdateActionType (api_input_member_check). */
static int api_atypes_check_decl_property(api_call *call, const json_t *prop, const char *path,
                                          const json_t *list, size_t index)
{
    return api_atypes_check_shaped(call, &api_atypes_decl_property, prop, path, list, index);
}

/* A new object holding the members of obj that names lists (those present). */
static json_t *api_atypes_pick(const json_t *obj, const char *const *names, size_t nnames)
{
    json_t *copy = json_object();
    for (size_t i = 0; copy != NULL && i < nnames; i++) {
        json_t *value = json_object_get(obj, names[i]);
        if (value != NULL) {
            json_object_set(copy, names[i], value);
        }
    }
    return copy;
}

/* An optional list member of strings, min..max of them, each 1..maxlen characters. */
static int api_atypes_read_strings(api_call *call, const json_t *obj, const char *name,
                                   const char *path, bool required, size_t min, size_t max,
                                   size_t maxlen)
{
    const json_t *list = NULL;
    int rc = api_input_array(call, obj, name, path, required, min, max, &list);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        if (rc != 0) {
            break;
        }
        const char *text = json_string_value(item);
        if (text == NULL || text[0] == '\0' || api_input_chars(text) > maxlen) {
            rc = api_call_fail(call, "ValidationException",
                               "1 validation error detected: Value at '%s' failed to satisfy "
                               "constraint: Member must be a list of strings of 1 to %zu "
                               "characters",
                               path, maxlen);
        }
    }
    return rc;
}

/*
 * The executor of an ActionTypeDeclaration, as the model defines it (a
 * Lambda configuration is dropped: only job workers are served). *out a copy.
 */
static int api_atypes_copy_executor(api_call *call, const json_t *executor, const json_t *config,
                                    json_t **out)
{
    static const char *const members[] = {"type", "policyStatementsTemplate", "jobTimeout"};
    static const char *const worker_members[] = {"pollingAccounts", "pollingServicePrincipals"};
    const json_t *worker = NULL;
    *out = NULL;
    int rc = api_input_object(call, config, "jobWorkerExecutorConfiguration",
                              "actionType.executor.configuration.jobWorkerExecutorConfiguration",
                              false, &worker);
    if (rc == 0) {
        rc = api_atypes_read_strings(
            call, worker, "pollingAccounts",
            "actionType.executor.configuration.jobWorkerExecutorConfiguration.pollingAccounts",
            false, 1, 1000, 12);
    }
    if (rc == 0) {
        rc = api_atypes_read_strings(call, worker, "pollingServicePrincipals",
                                     "actionType.executor.configuration."
                                     "jobWorkerExecutorConfiguration.pollingServicePrincipals",
                                     false, 1, 10, 128);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *copy = api_atypes_pick(executor, members, COUNT(members));
    json_t *copied_config = json_object();
    if (copy == NULL || copied_config == NULL) {
        json_decref(copy);
        json_decref(copied_config);
        return api_call_backend_fail(call, SLUICE_ENOMEM, "reading", NULL);
    }
    if (worker != NULL) {
        json_object_set_new(copied_config, "jobWorkerExecutorConfiguration",
                            api_atypes_pick(worker, worker_members, COUNT(worker_members)));
    }
    json_object_set_new(copy, "configuration", copied_config);
    *out = copy;
    return 0;
}

/* Checks an ActionTypeDeclaration; *out a copy of the members the model defines. */
static int api_atypes_read_declaration(api_call *call, const json_t *decl, const char **owner,
                                       const char **category, const char **provider,
                                       const char **version, json_t **out)
{
    static const char *const executor_types[] = {"JobWorker", "Lambda"};
    const json_t *executor = NULL;
    const json_t *config = NULL;
    const json_t *id = NULL;
    const json_t *props = NULL;
    const json_t *permissions = NULL;
    const char *type = NULL;
    const char *text = NULL;
    int64_t timeout = 0;
    bool has_timeout = false;
    json_t *in = NULL;
    json_t *outs = NULL;
    json_t *urls = NULL;
    *out = NULL;
    int rc = api_input_object(call, decl, "executor", "actionType.executor", true, &executor);
    if (rc == 0) {
        rc = api_input_object(call, executor, "configuration", "actionType.executor.configuration",
                              true, &config);
    }
    if (rc == 0) {
        rc = api_input_enum(call, executor, "type", "actionType.executor.type", true,
                            executor_types, COUNT(executor_types), &type);
    }
    if (rc == 0) {
        rc = api_input_string(call, executor, "policyStatementsTemplate",
                              "actionType.executor.policyStatementsTemplate", false, 1, 2048,
                              API_CHARSET_ANY, &text);
    }
    if (rc == 0) {
        rc = api_input_int(call, executor, "jobTimeout", "actionType.executor.jobTimeout", false,
                           60, 43200, &timeout, &has_timeout);
    }
    if (rc == 0) {
        rc = api_input_object(call, decl, "id", "actionType.id", true, &id);
    }
    if (rc == 0) {
        rc = api_atypes_read_id(call, id, "actionType.id.", category, provider, version);
    }
    if (rc == 0) {
        rc = api_atypes_read_owner(call, id, "actionType.id.owner", owner);
    }
    if (rc == 0) {
        rc = api_input_string(call, decl, "description", "actionType.description", false, 1, 1024,
                              API_CHARSET_ANY, &text);
    }
    if (rc == 0) {
        rc = api_atypes_read_counts(call, decl, "inputArtifactDetails", API_ATYPES_MAX_DECL_COUNT,
                                    &in);
    }
    if (rc == 0) {
        rc = api_atypes_read_counts(call, decl, "outputArtifactDetails", API_ATYPES_MAX_DECL_COUNT,
                                    &outs);
    }
    if (rc == 0) {
        rc = api_input_array(call, decl, "properties", "actionType.properties", false, 0,
                             API_ATYPES_MAX_PROPS, &props);
    }
    if (rc == 0) {
        rc = api_input_structures(call, props, "actionType.properties",
                                  api_atypes_check_decl_property);
    }
    if (rc == 0) {
        rc = api_input_object(call, decl, "permissions", "actionType.permissions", false,
                              &permissions);
    }
    if (rc == 0 && permissions != NULL) {
        rc = api_atypes_read_strings(call, permissions, "allowedAccounts",
                                     "actionType.permissions.allowedAccounts", true, 1, 1000, 12);
    }
    if (rc == 0) {
        rc = api_atypes_read_urls(call, decl, "urls", api_atypes_urls, COUNT(api_atypes_urls),
                                  &urls);
    }
    if (rc == 0 && strcmp(type, "JobWorker") != 0) {
        rc = api_call_fail(call, "RequestFailedException",
                           "Sluice hands jobs of updated action types to job workers only; "
                           "executor type %s is not served",
                           type);
    }
    json_t *executor_copy = NULL;
    if (rc == 0) {
        rc = api_atypes_copy_executor(call, executor, config, &executor_copy);
    }
    if (rc == 0) {
        static const char *const property_members[] = {"name",   "optional",  "key",
                                                       "noEcho", "queryable", "description"};
        json_t *copy =
            json_pack("{s:o, s:{s:s, s:s, s:s, s:s}, s:O, s:O}", "executor", executor_copy, "id",
                      "category", *category, "owner", *owner, "provider", *provider, "version",
                      *version, "inputArtifactDetails", in, "outputArtifactDetails", outs);
        executor_copy = NULL; /* now owned by copy */
        json_t *value = json_object_get(decl, "description");
        if (copy != NULL && value != NULL) {
            json_object_set(copy, "description", value);
        }
        if (copy != NULL && permissions != NULL) {
            json_object_set_new(copy, "permissions",
                                json_pack("{s:O}", "allowedAccounts",
                                          json_object_get(permissions, "allowedAccounts")));
        }
        if (copy != NULL && props != NULL) {
            json_t *list = json_array();
            size_t i;
            const json_t *prop;
            json_array_foreach(props, i, prop)
            {
                json_array_append_new(
                    list, api_atypes_pick(prop, property_members, COUNT(property_members)));
            }
            json_object_set_new(copy, "properties", list);
        }
        if (copy != NULL && urls != NULL) {
            json_object_set(copy, "urls", urls);
        }
        *out = copy;
        rc = copy != NULL ? 0 : api_call_backend_fail(call, SLUICE_ENOMEM, "reading", NULL);
    }
    json_decref(executor_copy);
    json_decref(in);
    json_decref(outs);
    json_decref(urls);
    return rc;
}

int api_atypes_update(api_call *call)
{
    const json_t *decl = NULL;
    const char *owner = NULL;
    const char *category = NULL;
    const char *provider = NULL;
    const char *version = NULL;
    json_t *copy = NULL;
    char key[API_ATYPES_KEY_MAX];
    char what[256];
    char err[256] = "";
    int rc = api_input_object(call, call->input, "actionType", NULL, true, &decl);
    if (rc == 0) {
        rc = api_atypes_read_declaration(call, decl, &owner, &category, &provider, &version, &copy);
    }
    if (rc != 0) {
        return rc;
    }
    api_atypes_describe(what, sizeof what, owner, category, provider, version);
    const model_provider *p =
        model_registry_find(call->env->registry, category, owner, provider, version);
    if (p == NULL) {
        json_decref(copy);
        return api_call_fail(call, "ActionTypeNotFoundException",
                             "%s is not an action type of this installation", what);
    }
    if (!p->external) {
        json_decref(copy);
        return api_call_fail(call, "RequestFailedException",
                             "%s is run by Sluice itself and cannot be updated; only action types "
                             "served by job workers (SLUICE_EXTERNAL_PROVIDERS) can",
                             what);
    }
    api_atypes_key(key, sizeof key, owner, category, provider, version);
    json_t *record =
        json_pack("{s:o, s:I}", "declaration", copy, "updated", (json_int_t)api_call_now_ms(call));
    for (int attempt = 0; attempt < API_ATYPES_SAVE_ATTEMPTS; attempt++) {
        json_t *existing = NULL;
        char *text = NULL;
        rc = api_atypes_load(call, key, &existing, &text);
        if (rc != 0) {
            json_decref(record);
            return rc;
        }
        rc = record != NULL ? api_atypes_save(call, key, text, record, err, sizeof err)
                            : SLUICE_ENOMEM;
        json_decref(existing);
        free(text);
        if (rc != SLUICE_ECONFLICT) {
            break;
        }
    }
    json_decref(record);
    if (rc == SLUICE_ECONFLICT) {
        return api_call_fail(call, "RequestFailedException",
                             "%s kept changing while it was updated; try again", what);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "updating the action type", err);
    }
    return api_call_succeed(call, NULL);
}

/* ---- declarations ------------------------------------------------------------------------ */

static void api_atypes_mask_config(const json_t *spec, json_t *config);

typedef void (*api_atypes_action_fn)(api_call *call, const json_t *stage, json_t *action,
                                     const json_t *spec, void *ctx);

/*
 * Calls fn for every action of declaration whose type is recorded
 * (api_atypes_recorded) with its spec (NULL: no record). 0, or the call failed.
 */
static int api_atypes_each_action(api_call *call, const json_t *declaration,
                                  api_atypes_action_fn fn, void *ctx)
{
    json_t *cache = json_object();
    if (cache == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "reading action types", NULL);
    }
    int rc = 0;
    size_t i;
    const json_t *stage;
    json_array_foreach(json_object_get(declaration, "stages"), i, stage)
    {
        size_t j;
        json_t *action;
        json_array_foreach(json_object_get(stage, "actions"), j, action)
        {
            const json_t *type_id = json_object_get(action, "actionTypeId");
            const json_t *spec = NULL;
            if (!api_atypes_recorded(call, type_id)) {
                continue;
            }
            rc = api_atypes_spec_of(call, cache, type_id, &spec);
            if (rc != 0) {
                goto out;
            }
            fn(call, stage, action, spec, ctx);
        }
    }
out:
    json_decref(cache);
    return rc;
}

typedef struct api_atypes_problems {
    sluice_buf text;
    size_t count;
} api_atypes_problems;

static void api_atypes_problem(api_atypes_problems *p, const json_t *stage, const json_t *action,
                               const char *detail)
{
    char line[512];
    snprintf(line, sizeof line, "%sstage '%s', action '%s': %s", p->count > 0 ? "; " : "",
             json_string_value(json_object_get(stage, "name")),
             json_string_value(json_object_get(action, "name")), detail);
    sluice_buf_append_str(&p->text, line);
    p->count++;
}

static void api_atypes_check_count(api_atypes_problems *p, const json_t *stage,
                                   const json_t *action, const char *member, const json_t *range,
                                   const char *what)
{
    size_t n = json_array_size(json_object_get(action, member));
    json_int_t min = json_integer_value(json_array_get(range, 0));
    json_int_t max = json_integer_value(json_array_get(range, 1));
    if ((json_int_t)n < min || (json_int_t)n > max) {
        char detail[384];
        snprintf(detail, sizeof detail, "%zu %s; %s allows %lld to %lld", n, member, what,
                 (long long)min, (long long)max);
        api_atypes_problem(p, stage, action, detail);
    }
}

static void api_atypes_check_action(api_call *call, const json_t *stage, json_t *action,
                                    const json_t *spec, void *ctx)
{
    api_atypes_problems *p = ctx;
    const json_t *type_id = json_object_get(action, "actionTypeId");
    char what[256];
    api_atypes_describe(what, sizeof what, json_string_value(json_object_get(type_id, "owner")),
                        json_string_value(json_object_get(type_id, "category")),
                        json_string_value(json_object_get(type_id, "provider")),
                        json_string_value(json_object_get(type_id, "version")));
    bool custom = strcmp(json_string_value(json_object_get(type_id, "owner")), "Custom") == 0;
    char detail[384];
    if (spec == NULL || json_is_true(json_object_get(spec, "deleted"))) {
        if (custom && spec != NULL) {
            snprintf(detail, sizeof detail, "%s was deleted (DeleteCustomActionType)", what);
            api_atypes_problem(p, stage, action, detail);
        } else if (custom && call->env->require_custom_types) {
            snprintf(detail, sizeof detail,
                     "%s is not available: register it with CreateCustomActionType first", what);
            api_atypes_problem(p, stage, action, detail);
        }
        return;
    }
    json_t *config = json_object_get(action, "configuration");
    const char *key;
    json_t *value;
    json_object_foreach(config, key, value)
    {
        const json_t *prop = api_atypes_property(spec, key);
        if (prop == NULL) {
            snprintf(detail, sizeof detail, "configuration key '%s' is not a property of %s", key,
                     what);
            api_atypes_problem(p, stage, action, detail);
        } else if (json_is_true(json_object_get(prop, "queryable"))) {
            const char *text = json_string_value(value);
            if (text == NULL || api_input_chars(text) > API_ATYPES_QUERY_VALUE ||
                !api_input_matches(text, API_CHARSET_PROVIDER)) {
                snprintf(detail, sizeof detail,
                         "the value of the queryable property '%s' must be 1 to %d characters of "
                         "[a-zA-Z0-9_-]",
                         key, API_ATYPES_QUERY_VALUE);
                api_atypes_problem(p, stage, action, detail);
            }
        }
    }
    size_t i;
    const json_t *prop;
    json_array_foreach(json_object_get(spec, "properties"), i, prop)
    {
        const char *name = json_string_value(json_object_get(prop, "name"));
        if (json_is_true(json_object_get(prop, "required")) &&
            json_object_get(config, name) == NULL) {
            snprintf(detail, sizeof detail,
                     "the required configuration property '%s' of %s is missing", name, what);
            api_atypes_problem(p, stage, action, detail);
        }
    }
    api_atypes_check_count(p, stage, action, "inputArtifacts", json_object_get(spec, "in"), what);
    api_atypes_check_count(p, stage, action, "outputArtifacts", json_object_get(spec, "out"), what);
}

int api_atypes_check_declaration(api_call *call, const json_t *declaration)
{
    api_atypes_problems problems;
    sluice_buf_init(&problems.text, API_ATYPES_MESSAGE_MAX);
    problems.count = 0;
    int rc = api_atypes_each_action(call, declaration, api_atypes_check_action, &problems);
    if (rc == 0 && problems.count > 0) {
        rc = api_call_fail(call, "InvalidActionDeclarationException", "%s",
                           sluice_buf_cstr(&problems.text));
    }
    sluice_buf_free(&problems.text);
    return rc;
}

static void api_atypes_mask_action(api_call *call, const json_t *stage, json_t *action,
                                   const json_t *spec, void *ctx)
{
    (void)call;
    (void)stage;
    (void)ctx;
    api_atypes_mask_config(spec, json_object_get(action, "configuration"));
}

int api_atypes_mask(api_call *call, json_t *declaration)
{
    return api_atypes_each_action(call, declaration, api_atypes_mask_action, NULL);
}

/* Masks the secret properties of spec in config (changed in place; NULL: nothing). */
static void api_atypes_mask_config(const json_t *spec, json_t *config)
{
    size_t i;
    const json_t *prop;
    json_array_foreach(json_object_get(spec, "properties"), i, prop)
    {
        const char *name = json_string_value(json_object_get(prop, "name"));
        if (json_is_true(json_object_get(prop, "secret")) && json_object_get(config, name)) {
            json_object_set_new(config, name, json_string(API_ATYPES_SECRET_MASK));
        }
    }
}

int api_atypes_mask_action_executions(api_call *call, json_t *details)
{
    json_t *cache = json_object();
    if (cache == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "reading action types", NULL);
    }
    int rc = 0;
    size_t i;
    json_t *detail;
    json_array_foreach(details, i, detail)
    {
        json_t *input = json_object_get(detail, "input");
        const json_t *type_id = json_object_get(input, "actionTypeId");
        const json_t *spec = NULL;
        if (!api_atypes_recorded(call, type_id)) {
            continue;
        }
        rc = api_atypes_spec_of(call, cache, type_id, &spec);
        if (rc != 0) {
            break;
        }
        api_atypes_mask_config(spec, json_object_get(input, "configuration"));
        api_atypes_mask_config(spec, json_object_get(input, "resolvedConfiguration"));
    }
    json_decref(cache);
    return rc;
}

/* The action named name in the stage named stage of declaration, or NULL. */
static const json_t *api_atypes_find_action(const json_t *declaration, const char *stage_name,
                                            const char *name)
{
    size_t i;
    const json_t *stage;
    json_array_foreach(json_object_get(declaration, "stages"), i, stage)
    {
        const char *s = json_string_value(json_object_get(stage, "name"));
        if (s == NULL || strcmp(s, stage_name) != 0) {
            continue;
        }
        size_t j;
        const json_t *action;
        json_array_foreach(json_object_get(stage, "actions"), j, action)
        {
            const char *a = json_string_value(json_object_get(action, "name"));
            if (a != NULL && strcmp(a, name) == 0) {
                return action;
            }
        }
    }
    return NULL;
}

typedef struct api_atypes_current {
    const json_t *declaration;
} api_atypes_current;

static void api_atypes_keep_action(api_call *call, const json_t *stage, json_t *action,
                                   const json_t *spec, void *ctx)
{
    (void)call;
    const json_t *current = ((const api_atypes_current *)ctx)->declaration;
    const json_t *old =
        api_atypes_find_action(current, json_string_value(json_object_get(stage, "name")),
                               json_string_value(json_object_get(action, "name")));
    if (old == NULL || !json_equal(json_object_get(old, "actionTypeId"),
                                   json_object_get(action, "actionTypeId"))) {
        return;
    }
    json_t *config = json_object_get(action, "configuration");
    const json_t *old_config = json_object_get(old, "configuration");
    size_t i;
    const json_t *prop;
    json_array_foreach(json_object_get(spec, "properties"), i, prop)
    {
        const char *name = json_string_value(json_object_get(prop, "name"));
        const char *value = json_string_value(json_object_get(config, name));
        json_t *kept = json_object_get(old_config, name);
        if (json_is_true(json_object_get(prop, "secret")) && value != NULL &&
            strcmp(value, API_ATYPES_SECRET_MASK) == 0 && kept != NULL) {
            json_object_set(config, name, kept);
        }
    }
}

int api_atypes_keep_secrets(api_call *call, json_t *declaration, const json_t *current)
{
    if (current == NULL) {
        return 0;
    }
    api_atypes_current ctx = {current};
    return api_atypes_each_action(call, declaration, api_atypes_keep_action, &ctx);
}

/* ---- PollForJobs ------------------------------------------------------------------------ */

int api_atypes_check_poll(api_call *call, const json_t *type_id, const char *query_key)
{
    if (!api_atypes_recorded(call, type_id)) {
        return 0;
    }
    json_t *cache = json_object();
    const json_t *spec = NULL;
    int rc = cache != NULL ? api_atypes_spec_of(call, cache, type_id, &spec)
                           : api_call_backend_fail(call, SLUICE_ENOMEM, "reading", NULL);
    if (rc != 0) {
        json_decref(cache);
        return rc;
    }
    char what[256];
    const char *owner = json_string_value(json_object_get(type_id, "owner"));
    api_atypes_describe(what, sizeof what, owner,
                        json_string_value(json_object_get(type_id, "category")),
                        json_string_value(json_object_get(type_id, "provider")),
                        json_string_value(json_object_get(type_id, "version")));
    bool custom = strcmp(owner, "Custom") == 0;
    if (spec != NULL && json_is_true(json_object_get(spec, "deleted"))) {
        rc = api_call_fail(call, "ActionTypeNotFoundException", "%s was deleted", what);
    } else if (spec == NULL && custom && call->env->require_custom_types) {
        rc = api_call_fail(call, "ActionTypeNotFoundException",
                           "%s is not registered (CreateCustomActionType)", what);
    } else if (spec != NULL && query_key != NULL) {
        const json_t *prop = api_atypes_property(spec, query_key);
        if (prop == NULL || !json_is_true(json_object_get(prop, "queryable"))) {
            rc = api_call_fail(call, "ValidationException",
                               "queryParam: '%.50s' is not the queryable property of %s", query_key,
                               what);
        }
    }
    json_decref(cache);
    return rc;
}
