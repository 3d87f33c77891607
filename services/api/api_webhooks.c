/*
 * api_webhooks.c — V1 webhooks (see api_webhooks.h).
 */
#include "api_webhooks.h"

#include "api_input.h"
#include "api_pipelines.h"
#include "api_token.h"

#include "sluice/aws_json.h"
#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/pattern_cidr.h"
#include "sluice/pattern_jsonpath.h"
#include "sluice/state_webhook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_WEBHOOKS_DEFAULT_URL "http://127.0.0.1:7073"
#define API_WEBHOOKS_MATCH_MAX   150 /* MatchEquals' max in the model */

static const char *const api_webhooks_auth_types[] = {"GITHUB_HMAC", "IP", "UNAUTHENTICATED"};

static int api_webhooks_not_found(api_call *call, const char *name)
{
    return api_call_fail(call, "WebhookNotFoundException",
                         "The webhook '%s' was entered in an invalid format or cannot be found",
                         name);
}

/* ---- PutWebhook: the definition ------------------------------------------------------ */

/* The action named name in the declaration's stages, or NULL. */
static const json_t *api_webhooks_find_action(const json_t *declaration, const char *name)
{
    size_t i;
    const json_t *stage;
    json_array_foreach(json_object_get(declaration, "stages"), i, stage)
    {
        size_t j;
        const json_t *action;
        json_array_foreach(json_object_get(stage, "actions"), j, action)
        {
            const char *n = json_string_value(json_object_get(action, "name"));
            if (n != NULL && strcmp(n, name) == 0) {
                return action;
            }
        }
    }
    return NULL;
}

/*
 * Checks filters (borrowed) against the target action's configuration and
 * copies them into *out (jsonPath and matchEquals only).
 */
static int api_webhooks_filters(api_call *call, const json_t *filters, const json_t *config,
                                json_t **out)
{
    json_t *copy = json_array();
    size_t i;
    const json_t *rule;
    *out = NULL;
    json_array_foreach(filters, i, rule)
    {
        char path[64];
        const char *json_path = NULL;
        const char *match = NULL;
        if (!json_is_object(rule)) {
            json_decref(copy);
            return api_call_fail(call, "SerializationException",
                                 "Member 'webhook.filters.%zu.member' must be a structure", i + 1);
        }
        snprintf(path, sizeof path, "webhook.filters.%zu.member.jsonPath", i + 1);
        int rc = api_input_string(call, rule, "jsonPath", path, true, 1, PATTERN_JSONPATH_MAX,
                                  API_CHARSET_ANY, &json_path);
        if (rc == 0) {
            snprintf(path, sizeof path, "webhook.filters.%zu.member.matchEquals", i + 1);
            rc = api_input_string(call, rule, "matchEquals", path, false, 1, API_WEBHOOKS_MATCH_MAX,
                                  API_CHARSET_ANY, &match);
        }
        if (rc != 0) {
            json_decref(copy);
            return rc;
        }
        pattern_jsonpath compiled;
        char err[256] = "";
        if (pattern_jsonpath_compile(json_path, &compiled, err, sizeof err) != 0) {
            json_decref(copy);
            return api_call_fail(call, "InvalidWebhookFilterPatternException",
                                 "filter %zu: %s in '%s'", i + 1, err, json_path);
        }
        char expanded[API_WEBHOOKS_MATCH_MAX * 8];
        if (match != NULL && pattern_jsonpath_expand(match, config, expanded, sizeof expanded, err,
                                                     sizeof err) != 0) {
            json_decref(copy);
            return api_call_fail(call, "InvalidWebhookFilterPatternException", "filter %zu: %s",
                                 i + 1, err);
        }
        json_t *entry = json_pack("{s:s}", "jsonPath", json_path);
        if (entry != NULL && match != NULL) {
            json_object_set_new(entry, "matchEquals", json_string(match));
        }
        json_array_append_new(copy, entry);
    }
    *out = copy;
    return 0;
}

/* Checks the authentication and copies the configuration it uses into *out. */
static int api_webhooks_authentication(api_call *call, const char *type, const json_t *config,
                                       json_t **out)
{
    const char *range = NULL;
    const char *secret = NULL;
    *out = NULL;
    int rc = api_input_string(call, config, "AllowedIPRange",
                              "webhook.authenticationConfiguration.AllowedIPRange", false, 1,
                              PATTERN_CIDR_TEXT_MAX, API_CHARSET_ANY, &range);
    if (rc == 0) {
        rc = api_input_string(call, config, "SecretToken",
                              "webhook.authenticationConfiguration.SecretToken", false, 1, 100,
                              API_CHARSET_ANY, &secret);
    }
    if (rc != 0) {
        return rc;
    }
    if (strcmp(type, "GITHUB_HMAC") == 0) {
        if (secret == NULL) {
            return api_call_fail(call, "InvalidWebhookAuthenticationParametersException",
                                 "GITHUB_HMAC authentication needs "
                                 "authenticationConfiguration.SecretToken");
        }
        *out = json_pack("{s:s}", "SecretToken", secret);
    } else if (strcmp(type, "IP") == 0) {
        pattern_cidr parsed;
        char err[256] = "";
        if (range == NULL) {
            return api_call_fail(call, "InvalidWebhookAuthenticationParametersException",
                                 "IP authentication needs "
                                 "authenticationConfiguration.AllowedIPRange");
        }
        if (pattern_cidr_parse(range, &parsed, err, sizeof err) != 0) {
            return api_call_fail(call, "InvalidWebhookAuthenticationParametersException",
                                 "authenticationConfiguration.AllowedIPRange: %s", err);
        }
        *out = json_pack("{s:s}", "AllowedIPRange", range);
    } else {
        *out = json_object();
    }
    return *out != NULL ? 0 : api_call_backend_fail(call, SLUICE_ENOMEM, "the webhook", NULL);
}

/*
 * Reads and checks the WebhookDefinition of the input; *out is the copy to
 * store (only the model's members).
 */
static int api_webhooks_definition(api_call *call, json_t **out)
{
    const json_t *def = NULL;
    const char *name = NULL;
    const char *pipeline = NULL;
    const char *action_name = NULL;
    const char *auth = NULL;
    const json_t *filters = NULL;
    const json_t *auth_config = NULL;
    json_t *doc = NULL;
    json_t *filters_copy = NULL;
    json_t *auth_copy = NULL;
    *out = NULL;
    int rc = api_input_object(call, call->input, "webhook", NULL, true, &def);
    if (rc == 0) {
        rc = api_input_string(call, def, "name", "webhook.name", true, 1, 100, API_CHARSET_NAME,
                              &name);
    }
    if (rc == 0) {
        rc = api_input_string(call, def, "targetPipeline", "webhook.targetPipeline", true, 1, 100,
                              API_CHARSET_NAME, &pipeline);
    }
    if (rc == 0) {
        rc = api_input_string(call, def, "targetAction", "webhook.targetAction", true, 1, 100,
                              API_CHARSET_NAME, &action_name);
    }
    if (rc == 0) {
        rc = api_input_array(call, def, "filters", "webhook.filters", true, 0,
                             API_WEBHOOKS_FILTERS_MAX, &filters);
    }
    if (rc == 0) {
        rc = api_input_enum(call, def, "authentication", "webhook.authentication", true,
                            api_webhooks_auth_types, 3, &auth);
    }
    if (rc == 0) {
        rc = api_input_object(call, def, "authenticationConfiguration",
                              "webhook.authenticationConfiguration", true, &auth_config);
    }
    if (rc == 0) {
        rc = api_webhooks_authentication(call, auth, auth_config, &auth_copy);
    }
    if (rc == 0) {
        rc = api_pipelines_load(call, pipeline, &doc, NULL);
    }
    if (rc != 0) {
        goto out;
    }
    const json_t *action = api_webhooks_find_action(json_object_get(doc, "pipeline"), action_name);
    const char *category =
        json_string_value(json_object_get(json_object_get(action, "actionTypeId"), "category"));
    if (action == NULL) {
        rc = api_call_fail(call, "ValidationException",
                           "The pipeline '%s' has no action named '%s' (webhook.targetAction)",
                           pipeline, action_name);
        goto out;
    }
    if (category == NULL || strcmp(category, "Source") != 0) {
        rc = api_call_fail(call, "ValidationException",
                           "The action '%s' of pipeline '%s' is not a Source action; a "
                           "webhook's targetAction must be one",
                           action_name, pipeline);
        goto out;
    }
    rc = api_webhooks_filters(call, filters, json_object_get(action, "configuration"),
                              &filters_copy);
    if (rc != 0) {
        goto out;
    }
    *out = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o}", "name", name, "targetPipeline", pipeline,
                     "targetAction", action_name, "filters", filters_copy, "authentication", auth,
                     "authenticationConfiguration", auth_copy);
    filters_copy = NULL;
    auth_copy = NULL;
    if (*out == NULL) {
        rc = api_call_backend_fail(call, SLUICE_ENOMEM, "the webhook", NULL);
    }
out:
    json_decref(filters_copy);
    json_decref(auth_copy);
    json_decref(doc);
    return rc;
}

/* ---- rendering ----------------------------------------------------------------------- */

/* The ListWebhookItem of a stored record (a new reference, or NULL). */
static json_t *api_webhooks_item(const api_call *call, const json_t *record)
{
    const char *base = call->env->webhook_url != NULL && call->env->webhook_url[0] != '\0'
                           ? call->env->webhook_url
                           : API_WEBHOOKS_DEFAULT_URL;
    size_t base_len = strlen(base);
    while (base_len > 0 && base[base_len - 1] == '/') {
        base_len--;
    }
    char url[1100];
    snprintf(url, sizeof url, "%.*s/webhooks/%s", (int)(base_len < 1000 ? base_len : 1000), base,
             json_string_value(json_object_get(record, "id")));
    json_t *item = json_pack("{s:O, s:s, s:O}", "definition", json_object_get(record, "definition"),
                             "url", url, "arn", json_object_get(record, "arn"));
    const json_t *tags = json_object_get(record, "tags");
    if (item != NULL && json_array_size(tags) > 0) {
        json_object_set_new(item, "tags", json_deep_copy(tags));
    }
    const json_t *at = json_object_get(record, "lastTriggered");
    if (item != NULL && json_is_integer(at)) {
        json_object_set_new(item, "lastTriggered",
                            aws_json_timestamp((int64_t)json_integer_value(at)));
    }
    return item;
}

/* ---- the operations ------------------------------------------------------------------ */

/* A new id: 32 random lowercase hex digits. */
static int api_webhooks_new_id(char out[STATE_WEBHOOK_ID_LEN + 1])
{
    unsigned char bytes[STATE_WEBHOOK_ID_LEN / 2];
    int rc = sluice_random_bytes(bytes, sizeof bytes);
    for (size_t i = 0; rc == 0 && i < sizeof bytes; i++) {
        snprintf(out + 2 * i, 3, "%02x", bytes[i]);
    }
    return rc;
}

int api_webhooks_put(api_call *call)
{
    json_t *definition = NULL;
    json_t *existing = NULL;
    json_t *all = NULL;
    json_t *record = NULL;
    char *text = NULL;
    const json_t *tags = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = api_webhooks_definition(call, &definition);
    if (rc == 0) {
        rc = api_pipelines_read_tags(call, "tags", false, &tags);
    }
    if (rc != 0) {
        goto out;
    }
    const char *name = json_string_value(json_object_get(definition, "name"));
    char id[STATE_WEBHOOK_ID_LEN + 1] = "";
    bool registered = false;
    rc = b->ops->webhook_load(b, name, &existing, err, sizeof err);
    if (rc == 0) {
        snprintf(id, sizeof id, "%s", json_string_value(json_object_get(existing, "id")));
        registered = json_is_true(json_object_get(existing, "registered"));
    } else if (rc == SLUICE_ENOTFOUND) {
        rc = b->ops->webhook_list(b, &all, err, sizeof err);
        if (rc == 0 && json_array_size(all) >= API_WEBHOOKS_MAX) {
            rc = api_call_fail(call, "LimitExceededException",
                               "The account already has %zu webhooks, the most it may have",
                               json_array_size(all));
            goto out;
        }
        if (rc == 0) {
            rc = api_webhooks_new_id(id);
        }
    }
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "reading the webhooks", err);
        goto out;
    }
    char arn[API_ARN_MAX];
    snprintf(arn, sizeof arn, "arn:aws:codepipeline:%s:%s:webhook:%s", call->env->region,
             call->env->account, name);
    json_t *stored_tags = tags != NULL ? api_pipelines_copy_tags(tags)
                                       : json_deep_copy(json_object_get(existing, "tags"));
    record = json_pack("{s:s, s:s, s:O, s:o, s:b}", "id", id, "arn", arn, "definition", definition,
                       "tags", stored_tags != NULL ? stored_tags : json_array(), "registered",
                       registered);
    text = record != NULL ? json_dumps(record, JSON_COMPACT) : NULL;
    if (text == NULL || strlen(text) > STATE_WEBHOOK_MAX_BYTES) {
        rc = api_call_backend_fail(call, SLUICE_ENOMEM, "storing the webhook", NULL);
        goto out;
    }
    rc = b->ops->webhook_save(b, name, id, text, err, sizeof err);
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "storing the webhook", err);
        goto out;
    }
    const json_t *at = json_object_get(existing, "lastTriggered");
    if (at != NULL) {
        json_object_set_new(record, "lastTriggered", json_integer(json_integer_value(at)));
    }
    json_t *item = api_webhooks_item(call, record);
    rc = api_call_succeed(call, item != NULL ? json_pack("{s:o}", "webhook", item) : NULL);
out:
    free(text);
    json_decref(record);
    json_decref(all);
    json_decref(existing);
    json_decref(definition);
    return rc;
}

int api_webhooks_list(api_call *call)
{
    const char *token = NULL;
    int64_t max = API_WEBHOOKS_LIST_MAX;
    bool present = false;
    json_t *all = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = api_input_string(call, call->input, "NextToken", NULL, false, 1, API_TOKEN_MAX,
                              API_CHARSET_ANY, &token);
    if (rc == 0) {
        rc = api_input_int(call, call->input, "MaxResults", NULL, false, 1, API_WEBHOOKS_LIST_MAX,
                           &max, &present);
    }
    if (rc != 0) {
        return rc;
    }
    size_t offset = 0;
    if (token != NULL) {
        json_t *position = NULL;
        if (api_token_decode(token, "webhooks", &position) != 0 || !json_is_integer(position) ||
            json_integer_value(position) < 0) {
            json_decref(position);
            return api_call_fail(call, "InvalidNextTokenException",
                                 "The next token was invalid or does not belong to this listing");
        }
        offset = (size_t)json_integer_value(position);
        json_decref(position);
    }
    rc = b->ops->webhook_list(b, &all, err, sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "listing the webhooks", err);
    }
    json_t *items = json_array();
    size_t total = json_array_size(all);
    for (size_t i = offset; i < total && i < offset + (size_t)max; i++) {
        json_array_append_new(items, api_webhooks_item(call, json_array_get(all, i)));
    }
    json_t *output = json_pack("{s:o}", "webhooks", items);
    if (output != NULL && offset + (size_t)max < total) {
        char next[API_TOKEN_MAX + 1];
        json_t *position = json_integer((json_int_t)(offset + (size_t)max));
        if (api_token_encode("webhooks", position, next, sizeof next) == 0) {
            json_object_set_new(output, "NextToken", json_string(next));
        }
        json_decref(position);
    }
    json_decref(all);
    return api_call_succeed(call, output);
}

int api_webhooks_delete(api_call *call)
{
    const char *name = NULL;
    json_t *existing = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc =
        api_input_string(call, call->input, "name", NULL, true, 1, 100, API_CHARSET_NAME, &name);
    if (rc != 0) {
        return rc;
    }
    rc = b->ops->webhook_load(b, name, &existing, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_call_succeed(call, NULL); /* AWS: deleting what is not there succeeds */
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the webhook", err);
    }
    rc = b->ops->webhook_delete(b, name, json_string_value(json_object_get(existing, "id")), err,
                                sizeof err);
    json_decref(existing);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "deleting the webhook", err);
    }
    return api_call_succeed(call, NULL);
}

/* Register (registered true) and Deregister (false): the mark only, no outbound call. */
static int api_webhooks_mark(api_call *call, bool registered)
{
    const char *name = NULL;
    json_t *record = NULL;
    char *text = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = api_input_string(call, call->input, "webhookName", NULL, false, 1, 100,
                              API_CHARSET_NAME, &name);
    if (rc != 0) {
        return rc;
    }
    if (name == NULL) {
        return api_call_fail(call, "WebhookNotFoundException",
                             "The webhook was entered in an invalid format or cannot be found: "
                             "webhookName is missing");
    }
    rc = b->ops->webhook_load(b, name, &record, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_webhooks_not_found(call, name);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the webhook", err);
    }
    json_object_del(record, "lastTriggered");
    json_object_set_new(record, "registered", json_boolean(registered));
    text = json_dumps(record, JSON_COMPACT);
    rc = text != NULL
             ? b->ops->webhook_save(b, name, json_string_value(json_object_get(record, "id")), text,
                                    err, sizeof err)
             : SLUICE_ENOMEM;
    free(text);
    json_decref(record);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "storing the webhook", err);
    }
    return api_call_succeed(call, NULL);
}

int api_webhooks_register(api_call *call)
{
    return api_webhooks_mark(call, true);
}

int api_webhooks_deregister(api_call *call)
{
    return api_webhooks_mark(call, false);
}
