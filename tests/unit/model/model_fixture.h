/*
 * model_fixture.h — declarations for libs/model's unit tests.
 *
 * A valid V2 base pipeline (source → build → approve → deploy) as JSON, a
 * helper that changes one member of it addressed by a Sluice path
 * ("pipeline.stages[1].actions[0].runOrder"), and helpers that validate the
 * result and look for a reported (exception, path). Header-only, for one
 * test binary at a time.
 */
#ifndef SLUICE_MODEL_FIXTURE_H
#define SLUICE_MODEL_FIXTURE_H

#include "sluice/error.h"
#include "sluice/model.h"
#include "sluice/model_errors.h"
#include "sluice/model_validate.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char fixture_base[] =
    "{\"pipeline\": {"
    " \"name\": \"Shop\","
    " \"roleArn\": \"arn:aws:iam::111122223333:role/Pipeline\","
    " \"artifactStore\": {\"type\": \"S3\", \"location\": \"artifacts\"},"
    " \"pipelineType\": \"V2\","
    " \"variables\": [{\"name\": \"Env\", \"defaultValue\": \"dev\"}],"
    " \"stages\": ["
    "  {\"name\": \"Source\", \"actions\": [{\"name\": \"Checkout\", \"namespace\": \"Src\","
    "    \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\","
    "      \"provider\": \"CodeStarSourceConnection\", \"version\": \"1\"},"
    "    \"configuration\": {\"ConnectionArn\": \"arn:aws:codestar-connections:x\","
    "      \"FullRepositoryId\": \"org/shop\", \"BranchName\": \"main\"},"
    "    \"outputArtifacts\": [{\"name\": \"Code\"}]}]},"
    "  {\"name\": \"Build\", \"actions\": [{\"name\": \"Compile\", \"namespace\": \"Bld\","
    "    \"actionTypeId\": {\"category\": \"Build\", \"owner\": \"AWS\","
    "      \"provider\": \"CodeBuild\", \"version\": \"1\"},"
    "    \"configuration\": {\"ProjectName\": \"shop\"},"
    "    \"inputArtifacts\": [{\"name\": \"Code\"}], \"outputArtifacts\": [{\"name\": \"Bin\"}]}]},"
    "  {\"name\": \"Approve\", \"actions\": [{\"name\": \"Gate\","
    "    \"actionTypeId\": {\"category\": \"Approval\", \"owner\": \"AWS\","
    "      \"provider\": \"Manual\", \"version\": \"1\"},"
    "    \"configuration\": {\"CustomData\": \"#{Src.CommitId} in #{variables.Env}\"}}]},"
    "  {\"name\": \"Deploy\", \"actions\": [{\"name\": \"Upload\","
    "    \"actionTypeId\": {\"category\": \"Deploy\", \"owner\": \"AWS\","
    "      \"provider\": \"S3\", \"version\": \"1\"},"
    "    \"configuration\": {\"BucketName\": \"site\", \"Extract\": \"true\"},"
    "    \"inputArtifacts\": [{\"name\": \"Bin\"}]}]}"
    " ]"
    "}}";

/* Finds the parent of the last segment of path ("pipeline.a[1].b") in root; the last
 * segment's key or index goes to *key / *index (index SIZE_MAX when a key). */
static inline json_t *fixture_walk(json_t *root, const char *path, char *key, size_t keylen,
                                   size_t *index)
{
    json_t *node = root;
    const char *p = path;
    *index = SIZE_MAX;
    key[0] = '\0';
    while (*p != '\0') {
        if (*p == '.') {
            p++;
        }
        const char *end = p;
        size_t seg_index = SIZE_MAX;
        char seg[128];
        if (*p == '[') {
            seg_index = (size_t)strtoul(p + 1, NULL, 10);
            end = strchr(p, ']') + 1;
            seg[0] = '\0';
        } else {
            while (*end != '\0' && *end != '.' && *end != '[') {
                end++;
            }
            snprintf(seg, sizeof(seg), "%.*s", (int)(end - p), p);
        }
        if (*end == '\0') {
            snprintf(key, keylen, "%s", seg);
            *index = seg_index;
            return node;
        }
        node = seg_index != SIZE_MAX ? json_array_get(node, seg_index) : json_object_get(node, seg);
        if (node == NULL) {
            return NULL;
        }
        p = end;
    }
    return NULL;
}

/* The base declaration with the member at path (relative to the document, so starting
 * with "pipeline") set to the JSON value_text, or removed when value_text is NULL.
 * Returns malloc'd JSON text. */
static inline char *fixture_with(const char *base, const char *path, const char *value_text)
{
    json_t *doc = json_loads(base, 0, NULL);
    char key[128];
    size_t index;
    json_t *parent = doc != NULL ? fixture_walk(doc, path, key, sizeof(key), &index) : NULL;
    char *text = NULL;
    if (parent == NULL) {
        fprintf(stderr, "fixture: no parent for %s\n", path);
        json_decref(doc);
        return NULL;
    }
    if (value_text == NULL) {
        if (index != SIZE_MAX) {
            json_array_remove(parent, index);
        } else {
            json_object_del(parent, key);
        }
    } else {
        json_t *value = json_loads(value_text, JSON_DECODE_ANY, NULL);
        if (value == NULL) {
            fprintf(stderr, "fixture: bad value %s\n", value_text);
        } else if (index != SIZE_MAX) {
            if (index < json_array_size(parent)) {
                json_array_set_new(parent, index, value);
            } else {
                json_array_append_new(parent, value);
            }
        } else {
            json_object_set_new(parent, key, value);
        }
    }
    text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    return text;
}

/* Validates text with the given registry (NULL: built-ins) into errs (initialised here). */
static inline int fixture_validate(const char *text, const model_registry *reg, model_errors *errs)
{
    model_pipeline *pipeline = NULL;
    model_errors_init(errs, 0);
    if (text == NULL) {
        return SLUICE_EINVAL;
    }
    int rc = model_validate_text(text, strlen(text), reg, &pipeline, errs);
    model_pipeline_free(pipeline);
    return rc;
}

static inline bool fixture_has(const model_errors *errs, const char *exception, const char *path)
{
    for (size_t i = 0; i < errs->count; i++) {
        if (strcmp(errs->items[i].exception, exception) == 0 &&
            strcmp(errs->items[i].path, path) == 0) {
            return true;
        }
    }
    return false;
}

/* The message reported at path, or "" when none. */
static inline const char *fixture_message(const model_errors *errs, const char *path)
{
    for (size_t i = 0; i < errs->count; i++) {
        if (strcmp(errs->items[i].path, path) == 0) {
            return errs->items[i].message;
        }
    }
    return "";
}

static inline void fixture_dump(const model_errors *errs)
{
    for (size_t i = 0; i < errs->count; i++) {
        fprintf(stderr, "    %s %s: %s\n", errs->items[i].exception, errs->items[i].path,
                errs->items[i].message);
    }
}

#endif
