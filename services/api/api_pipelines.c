/*
 * api_pipelines.c — definitions and tags (see api_pipelines.h).
 *
 * Shapes: botocore's codepipeline model (CreatePipelineInput/Output,
 * GetPipelineOutput with PipelineMetadata, ListPipelinesOutput with
 * PipelineSummary, TagResourceInput, ...). Error wording follows what
 * CodePipeline answers (e.g. "Account '123456789012' does not have a pipeline
 * with name 'x'").
 */
#include "api_pipelines.h"

#include "api_atypes.h"
#include "api_input.h"
#include "api_request.h"
#include "api_token.h"

#include "sluice/aws_json.h"
#include "sluice/buf.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/model_parse.h"
#include "sluice/model_serialize.h"
#include "sluice/model_validate.h"
#include "sluice/protocol_arn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define API_PIPELINES_LIST_DEFAULT  100
#define API_PIPELINES_LIST_MAX      1000
#define API_PIPELINES_TAGS_DEFAULT  50
#define API_PIPELINES_TAGS_PAGE_MAX 100
#define API_PIPELINES_SAVE_ATTEMPTS 5
#define API_PIPELINES_TAG_KEY_MAX   128
#define API_PIPELINES_TAG_VALUE_MAX 256
#define API_PIPELINES_MESSAGE_MAX   (API_MESSAGE_MAX - 1)

/* ---- loading ------------------------------------------------------------- */

static int api_pipelines_not_found(api_call *call, const char *name)
{
    return api_call_fail(call, "PipelineNotFoundException",
                         "Account '%s' does not have a pipeline with name '%s'", call->env->account,
                         name);
}

int api_pipelines_load(api_call *call, const char *name, json_t **doc, uint64_t *rev)
{
    char err[256] = "";
    uint64_t stored = 0;
    api_backend *b = call->env->backend;
    *doc = NULL;
    int rc = b->ops->def_load(b, name, doc, &stored, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_pipelines_not_found(call, name);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the pipeline", err);
    }
    if (rev != NULL) {
        *rev = stored;
    }
    return 0;
}

/* ---- declarations -------------------------------------------------------- */

/*
 * Parses and validates a declaration; on success *out is the model (caller
 * frees). Otherwise the call fails with the first problem's exception and
 * every problem in the message.
 */
static int api_pipelines_parse(api_call *call, const json_t *declaration, model_pipeline **out)
{
    model_errors errs;
    model_pipeline *pipeline = NULL;
    model_errors_init(&errs, 0);
    *out = NULL;
    int rc = model_pipeline_parse(declaration, &pipeline, &errs);
    if (rc == SLUICE_ENOMEM) {
        model_errors_free(&errs);
        return api_call_backend_fail(call, rc, "reading the declaration", NULL);
    }
    if (pipeline != NULL) {
        rc = model_validate(pipeline, call->env->registry, &errs);
        if (rc == SLUICE_ENOMEM) {
            model_pipeline_free(pipeline);
            model_errors_free(&errs);
            return api_call_backend_fail(call, rc, "validating the declaration", NULL);
        }
    }
    if (model_errors_total(&errs) > 0 || pipeline == NULL) {
        sluice_buf text;
        sluice_buf_init(&text, API_PIPELINES_MESSAGE_MAX);
        model_errors_summary(&errs, &text);
        const char *exception = model_errors_exception(&errs);
        rc = api_call_fail(call, exception != NULL ? exception : MODEL_EXC_VALIDATION, "%s",
                           text.len > 0 ? sluice_buf_cstr(&text) : "invalid pipeline declaration");
        sluice_buf_free(&text);
        model_errors_free(&errs);
        model_pipeline_free(pipeline);
        return rc;
    }
    model_errors_free(&errs);
    rc = api_atypes_check_declaration(call, declaration);
    if (rc != 0) {
        model_pipeline_free(pipeline);
        return rc;
    }
    *out = pipeline;
    return 0;
}

/*
 * The output {"pipeline": <the declaration of doc, secret values masked>}: 0
 * with *output, or the call failed.
 */
static int api_pipelines_output(api_call *call, const json_t *doc, json_t **output)
{
    json_t *declaration = json_deep_copy(json_object_get(doc, "pipeline"));
    *output = NULL;
    if (declaration == NULL) {
        return api_call_backend_fail(call, SLUICE_ENOMEM, "rendering the pipeline", NULL);
    }
    int rc = api_atypes_mask(call, declaration);
    if (rc != 0) {
        json_decref(declaration);
        return rc;
    }
    *output = json_pack("{s:o}", "pipeline", declaration);
    return *output != NULL
               ? 0
               : api_call_backend_fail(call, SLUICE_ENOMEM, "rendering the pipeline", NULL);
}

/* The definition document of pipeline at version with metadata times and tags (borrowed). */
static json_t *api_pipelines_document(api_call *call, model_pipeline *pipeline, int64_t version,
                                      int64_t created_ms, int64_t updated_ms, const json_t *tags)
{
    char arn[API_ARN_MAX];
    pipeline->version = version;
    json_t *declaration = model_pipeline_to_json(pipeline);
    if (declaration == NULL || api_call_pipeline_arn(call->env, pipeline->name, arn, sizeof arn)) {
        json_decref(declaration);
        return NULL;
    }
    return json_pack("{s:o, s:{s:s, s:I, s:I}, s:O}", "pipeline", declaration, "metadata",
                     "pipelineArn", arn, "created", (json_int_t)created_ms, "updated",
                     (json_int_t)updated_ms, "tags", tags);
}

static int64_t api_pipelines_version(const json_t *doc)
{
    return (int64_t)json_integer_value(
        json_object_get(json_object_get(doc, "pipeline"), "version"));
}

static int64_t api_pipelines_meta_ms(const json_t *doc, const char *name)
{
    return (int64_t)json_integer_value(json_object_get(json_object_get(doc, "metadata"), name));
}

/* ---- tags ---------------------------------------------------------------- */

/*
 * Checks one Tag of a TagList: key 1..128 and value 0..256 characters, the key
 * not starting with "aws:" and not given by an earlier tag of the list.
 */
static int api_pipelines_check_tag(api_call *call, const json_t *tag, const char *path,
                                   const json_t *tags, size_t index)
{
    char field[128];
    const char *key = NULL;
    const char *value = NULL;
    snprintf(field, sizeof field, "%s.key", path);
    int rc = api_input_string(call, tag, "key", field, true, 1, API_PIPELINES_TAG_KEY_MAX,
                              API_CHARSET_ANY, &key);
    if (rc == 0) {
        snprintf(field, sizeof field, "%s.value", path);
        rc = api_input_string(call, tag, "value", field, true, 0, API_PIPELINES_TAG_VALUE_MAX,
                              API_CHARSET_ANY, &value);
    }
    if (rc != 0) {
        return rc;
    }
    if (strncmp(key, "aws:", 4) == 0) {
        return api_call_fail(call, "InvalidTagsException",
                             "Tag keys starting with 'aws:' are reserved: %s", key);
    }
    for (size_t j = 0; j < index; j++) {
        const char *other = json_string_value(json_object_get(json_array_get(tags, j), "key"));
        if (other != NULL && strcmp(other, key) == 0) {
            return api_call_fail(call, "InvalidTagsException", "Tag key %s is given twice", key);
        }
    }
    return 0;
}

/*
 * Checks a TagList member (name) of the input: each tag as
 * api_pipelines_check_tag says, at most API_PIPELINES_MAX_TAGS of them.
 * *out borrowed (NULL when absent and not required).
 */
int api_pipelines_read_tags(api_call *call, const char *name, bool required, const json_t **out)
{
    const json_t *tags = NULL;
    int rc = api_input_array(call, call->input, name, NULL, required, 0, API_INPUT_NO_MAX, &tags);
    *out = NULL;
    if (rc != 0 || tags == NULL) {
        return rc;
    }
    rc = api_input_structures(call, tags, name, api_pipelines_check_tag);
    if (rc != 0) {
        return rc;
    }
    if (json_array_size(tags) > API_PIPELINES_MAX_TAGS) {
        return api_call_fail(call, "TooManyTagsException",
                             "A resource can have at most %d tags; %zu were given",
                             API_PIPELINES_MAX_TAGS, json_array_size(tags));
    }
    *out = tags;
    return 0;
}

json_t *api_pipelines_copy_tags(const json_t *tags)
{
    json_t *copy = json_array();
    size_t i;
    json_t *tag;
    json_array_foreach(tags, i, tag)
    {
        json_array_append_new(copy, json_pack("{s:O, s:O}", "key", json_object_get(tag, "key"),
                                              "value", json_object_get(tag, "value")));
    }
    return copy;
}

/* ---- CreatePipeline / UpdatePipeline / DeletePipeline -------------------------------- */

static int api_pipelines_notify(api_call *call, const char *name, const char *type, int64_t version)
{
    json_t *detail = json_pack("{s:s}", "type", type);
    if (detail != NULL && version > 0) {
        json_object_set_new(detail, "version", json_integer((json_int_t)version));
    }
    return api_request_send(call, name, PROTOCOL_DETAIL_REQUEST, detail, false);
}

/*
 * Starts the first execution of the pipeline name just created, as
 * CodePipeline does (trigger CreatePipeline, the creator as its detail): a
 * Start request queued behind the PipelineUpdated one (same key), not waited
 * for. A request that cannot be sent leaves the pipeline created (logged).
 */
static void api_pipelines_start_created(api_call *call, const char *name)
{
    json_t *detail = json_pack("{s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_START, "triggerType",
                               "CreatePipeline", "triggerDetail", call->caller_arn);
    if (detail == NULL ||
        api_request_send(call, name, PROTOCOL_DETAIL_REQUEST, detail, false) != 0) {
        SLUICE_WARN("CreatePipeline %s: the first execution could not be requested: %s", name,
                    call->message);
        call->exception[0] = '\0'; /* the pipeline is created all the same */
        call->message[0] = '\0';
    }
}

int api_pipelines_create(api_call *call)
{
    const json_t *declaration = NULL;
    const json_t *tags = NULL;
    model_pipeline *pipeline = NULL;
    json_t *doc = NULL;
    json_t *existing = NULL;
    char *text = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = api_input_object(call, call->input, "pipeline", NULL, true, &declaration);
    if (rc == 0) {
        rc = api_pipelines_read_tags(call, "tags", false, &tags);
    }
    if (rc == 0) {
        rc = api_pipelines_parse(call, declaration, &pipeline);
    }
    if (rc != 0) {
        goto out;
    }
    const char *name = pipeline->name;
    uint64_t rev = 0;
    rc = b->ops->def_load(b, name, &existing, &rev, err, sizeof err);
    if (rc == 0) {
        rc = api_call_fail(call, "PipelineNameInUseException",
                           "A pipeline with the name '%s' already exists in account '%s'", name,
                           call->env->account);
        goto out;
    }
    if (rc != SLUICE_ENOTFOUND) {
        rc = api_call_backend_fail(call, rc, "reading the pipeline", err);
        goto out;
    }
    size_t count = 0;
    rc = b->ops->index_count(b, &count, err, sizeof err);
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "counting pipelines", err);
        goto out;
    }
    if (count >= call->env->max_pipelines) {
        rc = api_call_fail(call, "LimitExceededException",
                           "The account already has %zu pipelines, the most it may have", count);
        goto out;
    }
    int64_t now = api_call_now_ms(call);
    json_t *stored_tags = api_pipelines_copy_tags(tags);
    doc = api_pipelines_document(call, pipeline, 1, now, now, stored_tags);
    json_decref(stored_tags);
    text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (text == NULL) {
        rc = api_call_backend_fail(call, SLUICE_ENOMEM, "storing the pipeline", NULL);
        goto out;
    }
    /* The index first: a name without a definition is skipped by ListPipelines. */
    rc = b->ops->index_add(b, name, err, sizeof err);
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "indexing the pipeline", err);
        goto out;
    }
    uint64_t new_rev = 0;
    rc = b->ops->def_save(b, name, 0, text, 1, &new_rev, err, sizeof err);
    if (rc == SLUICE_ECONFLICT) {
        rc = api_call_fail(call, "PipelineNameInUseException",
                           "A pipeline with the name '%s' already exists in account '%s'", name,
                           call->env->account);
        goto out;
    }
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "storing the pipeline", err);
        goto out;
    }
    rc = api_pipelines_notify(call, name, PROTOCOL_REQUEST_PIPELINE_UPDATED, 1);
    if (rc != 0) {
        /* The orchestrator does not know it: take the definition back. */
        b->ops->def_delete(b, name, new_rev, 1, err, sizeof err);
        b->ops->index_remove(b, name, err, sizeof err);
        goto out;
    }
    if (call->env->start_on_create) {
        api_pipelines_start_created(call, name);
    }
    json_t *output = NULL;
    rc = api_pipelines_output(call, doc, &output);
    if (rc != 0) {
        goto out;
    }
    if (tags != NULL) {
        json_object_set(output, "tags", json_object_get(doc, "tags"));
    }
    rc = api_call_succeed(call, output);
out:
    free(text);
    json_decref(existing);
    json_decref(doc);
    model_pipeline_free(pipeline);
    return rc;
}

int api_pipelines_update(api_call *call)
{
    const json_t *declaration = NULL;
    model_pipeline *pipeline = NULL;
    json_t *current = NULL;
    json_t *doc = NULL;
    char *text = NULL;
    char *old_text = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = api_input_object(call, call->input, "pipeline", NULL, true, &declaration);
    if (rc == 0) {
        rc = api_pipelines_parse(call, declaration, &pipeline);
    }
    if (rc != 0) {
        goto out;
    }
    uint64_t rev = 0;
    uint64_t new_rev = 0;
    int64_t version = 0;
    for (int attempt = 0;; attempt++) {
        json_decref(current);
        json_decref(doc);
        free(text);
        current = doc = NULL;
        text = NULL;
        rc = api_pipelines_load(call, pipeline->name, &current, &rev);
        if (rc != 0 && strcmp(call->exception, "PipelineNotFoundException") == 0) {
            /* botocore's UpdatePipeline errors have no PipelineNotFoundException */
            rc = api_call_fail(
                call, "ValidationException",
                "Account '%s' does not have a pipeline with name '%s' (UpdatePipeline "
                "changes an existing pipeline; CreatePipeline creates one)",
                call->env->account, pipeline->name);
        }
        if (rc != 0) {
            goto out;
        }
        version = api_pipelines_version(current) + 1;
        doc = api_pipelines_document(call, pipeline, version,
                                     api_pipelines_meta_ms(current, "created"),
                                     api_call_now_ms(call), json_object_get(current, "tags"));
        if (doc != NULL) {
            /* "****" for a secret property keeps the stored value */
            rc = api_atypes_keep_secrets(call, json_object_get(doc, "pipeline"),
                                         json_object_get(current, "pipeline"));
            if (rc != 0) {
                goto out;
            }
        }
        text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (text == NULL) {
            rc = api_call_backend_fail(call, SLUICE_ENOMEM, "storing the pipeline", NULL);
            goto out;
        }
        rc = b->ops->def_save(b, pipeline->name, rev, text, version, &new_rev, err, sizeof err);
        if (rc != SLUICE_ECONFLICT) {
            break;
        }
        if (attempt + 1 >= API_PIPELINES_SAVE_ATTEMPTS) {
            /* botocore's UpdatePipeline errors have no ConcurrentModificationException */
            rc = api_call_fail(call, "ValidationException",
                               "The pipeline %s kept changing while it was updated; try again",
                               pipeline->name);
            goto out;
        }
    }
    if (rc == SLUICE_ENOTFOUND) {
        rc = api_call_fail(call, "ValidationException",
                           "Account '%s' does not have a pipeline with name '%s' (it was deleted "
                           "while it was updated)",
                           call->env->account, pipeline->name);
        goto out;
    }
    if (rc != 0) {
        rc = api_call_backend_fail(call, rc, "storing the pipeline", err);
        goto out;
    }
    rc = api_pipelines_notify(call, pipeline->name, PROTOCOL_REQUEST_PIPELINE_UPDATED, version);
    if (rc != 0) {
        /* The orchestrator was not told: put the previous definition back. */
        old_text = json_dumps(current, JSON_COMPACT);
        uint64_t ignored = 0;
        if (old_text != NULL) {
            b->ops->def_save(b, pipeline->name, new_rev, old_text, 0, &ignored, err, sizeof err);
        }
        goto out;
    }
    json_t *output = NULL;
    rc = api_pipelines_output(call, doc, &output);
    if (rc == 0) {
        rc = api_call_succeed(call, output);
    }
out:
    free(text);
    free(old_text);
    json_decref(current);
    json_decref(doc);
    model_pipeline_free(pipeline);
    return rc;
}

int api_pipelines_delete(api_call *call)
{
    const char *name = NULL;
    json_t *doc = NULL;
    char err[256] = "";
    uint64_t rev = 0;
    api_backend *b = call->env->backend;
    int rc =
        api_input_string(call, call->input, "name", NULL, true, 1, 100, API_CHARSET_NAME, &name);
    if (rc != 0) {
        return rc;
    }
    for (int attempt = 0; attempt < API_PIPELINES_SAVE_ATTEMPTS; attempt++) {
        json_decref(doc);
        doc = NULL;
        rc = b->ops->def_load(b, name, &doc, &rev, err, sizeof err);
        if (rc == SLUICE_ENOTFOUND) {
            rc = 0;
            break;
        }
        if (rc != 0) {
            json_decref(doc);
            return api_call_backend_fail(call, rc, "reading the pipeline", err);
        }
        rc = b->ops->def_delete(b, name, rev, api_pipelines_version(doc), err, sizeof err);
        if (rc != SLUICE_ECONFLICT) {
            break;
        }
    }
    json_decref(doc);
    if (rc == SLUICE_ECONFLICT) {
        return api_call_fail(call, "ConcurrentModificationException",
                             "The pipeline %s kept changing while it was deleted; try again", name);
    }
    if (rc != 0 && rc != SLUICE_ENOTFOUND) {
        return api_call_backend_fail(call, rc, "deleting the pipeline", err);
    }
    rc = b->ops->index_remove(b, name, err, sizeof err);
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "removing the pipeline from the index", err);
    }
    /* Told even when there was nothing to delete, so a retried delete still reaches it. */
    rc = api_pipelines_notify(call, name, PROTOCOL_REQUEST_PIPELINE_DELETED, 0);
    if (rc != 0) {
        return rc;
    }
    return api_call_succeed(call, NULL);
}

/* ---- GetPipeline / ListPipelines -------------------------------------------------- */

static json_t *api_pipelines_metadata(const json_t *doc)
{
    const json_t *meta = json_object_get(doc, "metadata");
    json_t *out = json_object();
    json_t *arn = json_object_get(meta, "pipelineArn");
    if (json_is_string(arn)) {
        json_object_set(out, "pipelineArn", arn);
    }
    json_object_set_new(out, "created", aws_json_timestamp(api_pipelines_meta_ms(doc, "created")));
    json_object_set_new(out, "updated", aws_json_timestamp(api_pipelines_meta_ms(doc, "updated")));
    return out;
}

int api_pipelines_get(api_call *call)
{
    const char *name = NULL;
    int64_t version = 0;
    bool has_version = false;
    json_t *doc = NULL;
    char err[256] = "";
    int rc =
        api_input_string(call, call->input, "name", NULL, true, 1, 100, API_CHARSET_NAME, &name);
    if (rc == 0) {
        rc = api_input_int(call, call->input, "version", NULL, false, 1, INT32_MAX, &version,
                           &has_version);
    }
    if (rc == 0) {
        rc = api_pipelines_load(call, name, &doc, NULL);
    }
    if (rc != 0) {
        return rc;
    }
    int64_t current = api_pipelines_version(doc);
    if (has_version && version != current) {
        json_decref(doc);
        doc = NULL;
        api_backend *b = call->env->backend;
        rc = version > current ? SLUICE_ENOTFOUND
                               : b->ops->def_load_version(b, name, version, &doc, err, sizeof err);
        if (rc == SLUICE_ENOTFOUND) {
            return api_call_fail(call, "PipelineVersionNotFoundException",
                                 "Pipeline '%s' has no version %lld", name, (long long)version);
        }
        if (rc != 0) {
            return api_call_backend_fail(call, rc, "reading the pipeline version", err);
        }
    }
    json_t *output = NULL;
    rc = api_pipelines_output(call, doc, &output);
    if (rc == 0) {
        json_object_set_new(output, "metadata", api_pipelines_metadata(doc));
    }
    json_decref(doc);
    return rc == 0 ? api_call_succeed(call, output) : rc;
}

/* PipelineSummary of a definition document. */
static json_t *api_pipelines_summary(const json_t *doc)
{
    const json_t *pipeline = json_object_get(doc, "pipeline");
    json_t *summary = json_object();
    static const char *const members[] = {"name", "version", "pipelineType", "executionMode"};
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        json_t *value = json_object_get(pipeline, members[i]);
        if (value != NULL) {
            json_object_set(summary, members[i], value);
        }
    }
    json_object_set_new(summary, "created",
                        aws_json_timestamp(api_pipelines_meta_ms(doc, "created")));
    json_object_set_new(summary, "updated",
                        aws_json_timestamp(api_pipelines_meta_ms(doc, "updated")));
    return summary;
}

static int api_pipelines_bad_token(api_call *call)
{
    return api_call_fail(call, "InvalidNextTokenException",
                         "The next token was invalid or does not belong to this listing");
}

int api_pipelines_list(api_call *call)
{
    const char *token = NULL;
    int64_t max = API_PIPELINES_LIST_DEFAULT;
    json_t *position = NULL;
    json_t *names = NULL;
    json_t *list = NULL;
    char err[256] = "";
    api_backend *b = call->env->backend;
    int rc = api_input_string(call, call->input, "nextToken", NULL, false, 1, API_TOKEN_MAX,
                              API_CHARSET_ANY, &token);
    if (rc == 0) {
        rc = api_input_int(call, call->input, "maxResults", NULL, false, 1, API_PIPELINES_LIST_MAX,
                           &max, NULL);
    }
    if (rc != 0) {
        return rc;
    }
    const char *after = "";
    if (token != NULL) {
        if (api_token_decode(token, "pipelines", &position) != 0 || !json_is_string(position)) {
            json_decref(position);
            return api_pipelines_bad_token(call);
        }
        after = json_string_value(position);
    }
    rc = b->ops->index_list(b, after, (size_t)max + 1, &names, err, sizeof err);
    if (rc != 0) {
        json_decref(position);
        return api_call_backend_fail(call, rc, "listing pipelines", err);
    }
    list = json_array();
    size_t scanned = json_array_size(names) < (size_t)max ? json_array_size(names) : (size_t)max;
    for (size_t i = 0; i < scanned; i++) {
        const char *name = json_string_value(json_array_get(names, i));
        json_t *doc = NULL;
        uint64_t rev = 0;
        rc = name != NULL ? b->ops->def_load(b, name, &doc, &rev, err, sizeof err)
                          : SLUICE_ENOTFOUND;
        if (rc == SLUICE_ENOTFOUND) {
            continue; /* indexed but not (or no longer) defined */
        }
        if (rc != 0) {
            json_decref(list);
            json_decref(names);
            json_decref(position);
            return api_call_backend_fail(call, rc, "reading a pipeline", err);
        }
        json_array_append_new(list, api_pipelines_summary(doc));
        json_decref(doc);
    }
    json_t *output = json_pack("{s:o}", "pipelines", list);
    if (json_array_size(names) > (size_t)max && output != NULL) {
        char next[API_TOKEN_MAX + 1];
        if (api_token_encode("pipelines", json_array_get(names, scanned - 1), next, sizeof next) ==
            0) {
            json_object_set_new(output, "nextToken", json_string(next));
        }
    }
    json_decref(names);
    json_decref(position);
    return api_call_succeed(call, output);
}

/* ---- TagResource / UntagResource / ListTagsForResource ------------------------------ */

/*
 * Reads resourceArn and resolves it to a pipeline of this installation:
 * name written into name (>= 101 bytes), its definition loaded.
 */
static int api_pipelines_resource(api_call *call, char *name, size_t namelen, json_t **doc,
                                  uint64_t *rev)
{
    const char *arn = NULL;
    *doc = NULL;
    int rc = api_input_string(call, call->input, "resourceArn", NULL, true, 1, 1011,
                              API_CHARSET_ANY, &arn);
    if (rc != 0) {
        return rc;
    }
    if (!protocol_arn_pattern_ok(arn)) {
        return api_call_fail(call, "ValidationException",
                             "1 validation error detected: Value '%.64s' at 'resourceArn' failed "
                             "to satisfy constraint: Member must satisfy regular expression "
                             "pattern: arn:aws(-[\\w]+)*:codepipeline:.+:[0-9]{12}:.+",
                             arn);
    }
    char err[256] = "";
    if (protocol_arn_pipeline_name(arn, call->env->region, call->env->account, name, namelen, err,
                                   sizeof err) != SLUICE_OK) {
        return api_call_fail(call, "InvalidArnException",
                             "The ARN %.200s does not name a pipeline of account %s in %s", arn,
                             call->env->account, call->env->region);
    }
    api_backend *b = call->env->backend;
    rc = b->ops->def_load(b, name, doc, rev, err, sizeof err);
    if (rc == SLUICE_ENOTFOUND) {
        return api_call_fail(call, "ResourceNotFoundException",
                             "The resource %.200s does not exist", arn);
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "reading the pipeline", err);
    }
    return 0;
}

/* Changes the tags of the resource with change(tags, input) under compare-and-set. */
static int api_pipelines_retag(api_call *call, int (*change)(api_call *, json_t *))
{
    char name[128];
    char err[256] = "";
    api_backend *b = call->env->backend;
    for (int attempt = 0; attempt < API_PIPELINES_SAVE_ATTEMPTS; attempt++) {
        json_t *doc = NULL;
        uint64_t rev = 0;
        uint64_t new_rev = 0;
        int rc = api_pipelines_resource(call, name, sizeof name, &doc, &rev);
        if (rc != 0) {
            return rc;
        }
        json_t *tags = json_object_get(doc, "tags");
        if (!json_is_array(tags)) {
            tags = json_array();
            json_object_set_new(doc, "tags", tags);
        }
        rc = change(call, tags);
        if (rc != 0) {
            json_decref(doc);
            return rc;
        }
        char *text = json_dumps(doc, JSON_COMPACT);
        json_decref(doc);
        if (text == NULL) {
            return api_call_backend_fail(call, SLUICE_ENOMEM, "storing tags", NULL);
        }
        rc = b->ops->def_save(b, name, rev, text, 0, &new_rev, err, sizeof err);
        free(text);
        if (rc == 0) {
            return api_call_succeed(call, NULL);
        }
        if (rc != SLUICE_ECONFLICT) {
            return api_call_backend_fail(call, rc, "storing tags", err);
        }
    }
    return api_call_fail(call, "ConcurrentModificationException",
                         "The resource kept changing while its tags were changed; try again");
}

static int api_pipelines_add_tags(api_call *call, json_t *tags)
{
    const json_t *added = NULL;
    int rc = api_pipelines_read_tags(call, "tags", true, &added);
    if (rc != 0) {
        return rc;
    }
    size_t i;
    json_t *tag;
    json_array_foreach(added, i, tag)
    {
        const char *key = json_string_value(json_object_get(tag, "key"));
        json_t *value = json_object_get(tag, "value");
        bool replaced = false;
        size_t j;
        json_t *old;
        json_array_foreach(tags, j, old)
        {
            const char *old_key = json_string_value(json_object_get(old, "key"));
            if (old_key != NULL && strcmp(old_key, key) == 0) {
                json_object_set(old, "value", value);
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            json_array_append_new(tags, json_pack("{s:s, s:O}", "key", key, "value", value));
        }
    }
    if (json_array_size(tags) > API_PIPELINES_MAX_TAGS) {
        return api_call_fail(call, "TooManyTagsException",
                             "A resource can have at most %d tags; it would have %zu",
                             API_PIPELINES_MAX_TAGS, json_array_size(tags));
    }
    return 0;
}

static int api_pipelines_remove_tags(api_call *call, json_t *tags)
{
    const json_t *keys = NULL;
    int rc = api_input_array(call, call->input, "tagKeys", NULL, true, 0, API_INPUT_NO_MAX, &keys);
    if (rc != 0) {
        return rc;
    }
    size_t i;
    json_t *key;
    json_array_foreach(keys, i, key)
    {
        char path[48];
        snprintf(path, sizeof path, "tagKeys.%zu.member", i + 1);
        if (!json_is_string(key)) {
            return api_call_fail(call, "SerializationException", "Member '%s' must be a string",
                                 path);
        }
        size_t chars = api_input_chars(json_string_value(key));
        if (chars < 1 || chars > API_PIPELINES_TAG_KEY_MAX) {
            return api_call_fail(call, "ValidationException",
                                 "1 validation error detected: Value at '%s' failed to satisfy "
                                 "constraint: Member must have length between 1 and %d",
                                 path, API_PIPELINES_TAG_KEY_MAX);
        }
    }
    json_array_foreach(keys, i, key)
    {
        for (size_t j = json_array_size(tags); j > 0; j--) {
            const char *old_key =
                json_string_value(json_object_get(json_array_get(tags, j - 1), "key"));
            if (old_key != NULL && strcmp(old_key, json_string_value(key)) == 0) {
                json_array_remove(tags, j - 1);
            }
        }
    }
    return 0;
}

int api_pipelines_tag(api_call *call)
{
    return api_pipelines_retag(call, api_pipelines_add_tags);
}

int api_pipelines_untag(api_call *call)
{
    return api_pipelines_retag(call, api_pipelines_remove_tags);
}

int api_pipelines_list_tags(api_call *call)
{
    const char *token = NULL;
    int64_t max = API_PIPELINES_TAGS_DEFAULT;
    json_t *doc = NULL;
    json_t *position = NULL;
    char name[128];
    uint64_t rev = 0;
    int rc = api_input_string(call, call->input, "nextToken", NULL, false, 1, API_TOKEN_MAX,
                              API_CHARSET_ANY, &token);
    if (rc == 0) {
        rc = api_input_int(call, call->input, "maxResults", NULL, false, 1,
                           API_PIPELINES_TAGS_PAGE_MAX, &max, NULL);
    }
    if (rc == 0) {
        rc = api_pipelines_resource(call, name, sizeof name, &doc, &rev);
    }
    if (rc != 0) {
        return rc;
    }
    size_t offset = 0;
    if (token != NULL) {
        if (api_token_decode(token, "tags", &position) != 0 || !json_is_integer(position) ||
            json_integer_value(position) < 0) {
            json_decref(position);
            json_decref(doc);
            return api_pipelines_bad_token(call);
        }
        offset = (size_t)json_integer_value(position);
        json_decref(position);
    }
    const json_t *tags = json_object_get(doc, "tags");
    json_t *page = json_array();
    size_t total = json_array_size(tags);
    size_t end = offset + (size_t)max < total ? offset + (size_t)max : total;
    for (size_t i = offset; i < end; i++) {
        json_array_append(page, json_array_get(tags, i));
    }
    json_t *output = json_pack("{s:o}", "tags", page);
    if (end < total && output != NULL) {
        char next[API_TOKEN_MAX + 1];
        json_t *pos = json_integer((json_int_t)end);
        if (api_token_encode("tags", pos, next, sizeof next) == 0) {
            json_object_set_new(output, "nextToken", json_string(next));
        }
        json_decref(pos);
    }
    json_decref(doc);
    return api_call_succeed(call, output);
}
