/*
 * src_action.c — a Source action's configuration to a remote and branch (see
 * src_action.h). Configuration keys and defaults: the CodePipeline action
 * references of CodeCommit, CodeStarSourceConnection and S3 (reference §1.5).
 */
#include "src_action.h"

#include "sluice/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int src_action_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int src_action_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static bool src_action_member_is(const json_t *obj, const char *name, const char *value)
{
    const char *s = json_string_value(json_object_get(obj, name));
    return s != NULL && strcmp(s, value) == 0;
}

int src_action_provider(const json_t *action_type_id, src_provider *provider)
{
    if (!src_action_member_is(action_type_id, "owner", "AWS") ||
        !src_action_member_is(action_type_id, "category", "Source") ||
        !src_action_member_is(action_type_id, "version", "1")) {
        return SLUICE_ENOTFOUND;
    }
    if (src_action_member_is(action_type_id, "provider", "CodeCommit")) {
        *provider = SRC_PROVIDER_CODECOMMIT;
    } else if (src_action_member_is(action_type_id, "provider", "CodeStarSourceConnection")) {
        *provider = SRC_PROVIDER_CONNECTION;
    } else if (src_action_member_is(action_type_id, "provider", "S3")) {
        *provider = SRC_PROVIDER_S3;
    } else {
        return SLUICE_ENOTFOUND;
    }
    return 0;
}

const char *src_action_provider_name(src_provider provider)
{
    switch (provider) {
    case SRC_PROVIDER_CODECOMMIT:
        return "AWS/CodeCommit";
    case SRC_PROVIDER_CONNECTION:
        return "AWS/CodeStarSourceConnection";
    case SRC_PROVIDER_S3:
        return "AWS/S3";
    }
    return "AWS/CodeCommit";
}

/* Copies configuration[key] (a string) into out; absent: "" or an error when required. */
static int src_action_string(const json_t *configuration, const char *key, bool required, char *out,
                             size_t outlen, char *err, size_t errlen)
{
    out[0] = '\0';
    json_t *value = json_object_get(configuration, key);
    if (value == NULL || json_is_null(value)) {
        return required ? src_action_fail(err, errlen, SLUICE_EINVAL,
                                          "the action's configuration has no %s; add it", key)
                        : 0;
    }
    if (!json_is_string(value) || json_string_length(value) == 0) {
        return src_action_fail(err, errlen, SLUICE_EINVAL,
                               "the action's configuration key %s must be a non-empty string", key);
    }
    size_t len = json_string_length(value);
    if (len >= outlen || strlen(json_string_value(value)) != len) {
        return src_action_fail(err, errlen, SLUICE_EINVAL,
                               "the action's configuration key %s takes %zu bytes; at most %zu "
                               "are allowed",
                               key, len, outlen - 1);
    }
    memcpy(out, json_string_value(value), len + 1);
    return 0;
}

static int src_action_bool(const json_t *configuration, const char *key, bool *out, char *err,
                           size_t errlen)
{
    char text[8];
    int rc = src_action_string(configuration, key, false, text, sizeof text, err, errlen);
    if (rc != 0 || text[0] == '\0') {
        if (rc != 0) {
            rc = src_action_fail(err, errlen, SLUICE_EINVAL,
                                 "the action's configuration key %s must be \"true\" or \"false\"",
                                 key);
        }
        return rc;
    }
    if (strcasecmp(text, "true") == 0) {
        *out = true;
    } else if (strcasecmp(text, "false") == 0) {
        *out = false;
    } else {
        return src_action_fail(err, errlen, SLUICE_EINVAL,
                               "the action's configuration key %s is \"%s\"; it must be \"true\" "
                               "or \"false\"",
                               key, text);
    }
    return 0;
}

static int src_action_format(const json_t *configuration, src_format *format, char *err,
                             size_t errlen)
{
    char text[32];
    int rc = src_action_string(configuration, "OutputArtifactFormat", false, text, sizeof text, err,
                               errlen);
    if (rc != 0) {
        return src_action_fail(err, errlen, SLUICE_EINVAL,
                               "OutputArtifactFormat must be CODE_ZIP or CODEBUILD_CLONE_REF");
    }
    if (text[0] == '\0' || strcmp(text, "CODE_ZIP") == 0) {
        *format = SRC_FORMAT_CODE_ZIP;
    } else if (strcmp(text, "CODEBUILD_CLONE_REF") == 0) {
        *format = SRC_FORMAT_CLONE_REF;
    } else {
        return src_action_fail(err, errlen, SLUICE_EINVAL,
                               "OutputArtifactFormat is \"%s\"; it must be CODE_ZIP or "
                               "CODEBUILD_CLONE_REF",
                               text);
    }
    return 0;
}

static int src_action_branch(const json_t *configuration, src_target *t, char *err, size_t errlen)
{
    int rc = src_action_string(configuration, "BranchName", true, t->branch, sizeof t->branch, err,
                               errlen);
    if (rc != 0) {
        return rc;
    }
    char why[256];
    if (src_remote_branch_check(t->branch, why, sizeof why) != 0) {
        return src_action_fail(err, errlen, SLUICE_EINVAL, "BranchName: %s", why);
    }
    return 0;
}

static int src_action_codecommit(const src_repos *repos, const json_t *configuration, src_target *t,
                                 char *err, size_t errlen)
{
    int rc = src_action_string(configuration, "RepositoryName", true, t->repository_name,
                               sizeof t->repository_name, err, errlen);
    if (rc == 0 && !src_remote_repository_name_ok(t->repository_name)) {
        rc = src_action_fail(err, errlen, SLUICE_EINVAL,
                             "RepositoryName \"%s\" is not a repository name ([A-Za-z0-9._-], 1 "
                             "to 100 characters)",
                             t->repository_name);
    }
    if (rc == 0) {
        rc = src_action_branch(configuration, t, err, errlen);
    }
    if (rc == 0) {
        rc = src_action_bool(configuration, "PollForSourceChanges", &t->detect, err, errlen);
    }
    if (rc == 0) {
        rc = src_action_format(configuration, &t->format, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    const src_repository *r = src_repos_repository(repos, t->repository_name);
    if (r == NULL) {
        return src_action_fail(err, errlen, SLUICE_ENOTFOUND,
                               "the repository \"%s\" (RepositoryName) is not declared to "
                               "sluice-source; add {\"name\": \"%s\", \"url\": ...} to "
                               "\"repositories\" in SLUICE_SOURCE_REPOSITORIES_FILE",
                               t->repository_name, t->repository_name);
    }
    memcpy(t->url, r->url, sizeof t->url);
    t->kind = r->kind;
    t->credentials = &r->credentials;
    return 0;
}

static int src_action_connection(const src_repos *repos, const json_t *configuration, src_target *t,
                                 char *err, size_t errlen)
{
    int rc = src_action_string(configuration, "ConnectionArn", true, t->connection_arn,
                               sizeof t->connection_arn, err, errlen);
    if (rc == 0) {
        rc = src_action_string(configuration, "FullRepositoryId", true, t->full_repository_id,
                               sizeof t->full_repository_id, err, errlen);
    }
    char why[256];
    if (rc == 0 && src_remote_repository_id_check(t->full_repository_id, why, sizeof why) != 0) {
        rc = src_action_fail(err, errlen, SLUICE_EINVAL, "FullRepositoryId: %s", why);
    }
    if (rc == 0) {
        rc = src_action_branch(configuration, t, err, errlen);
    }
    if (rc == 0) {
        rc = src_action_bool(configuration, "DetectChanges", &t->detect, err, errlen);
    }
    if (rc == 0) {
        rc = src_action_format(configuration, &t->format, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    const src_connection *c = src_repos_connection(repos, t->connection_arn);
    if (c == NULL) {
        return src_action_fail(err, errlen, SLUICE_ENOTFOUND,
                               "the connection %s (ConnectionArn) is not declared to "
                               "sluice-source; add {\"arn\": \"%s\", \"baseUrl\": ...} to "
                               "\"connections\" in SLUICE_SOURCE_REPOSITORIES_FILE",
                               t->connection_arn, t->connection_arn);
    }
    rc = src_remote_join(c->base_url, t->full_repository_id, c->suffix, t->url, sizeof t->url, why,
                         sizeof why);
    if (rc != 0) {
        return src_action_fail(err, errlen, SLUICE_EINVAL, "FullRepositoryId: %s", why);
    }
    t->kind = c->kind;
    t->credentials = &c->credentials;
    memcpy(t->base_url, c->base_url, sizeof t->base_url);
    memcpy(t->provider_type, c->provider_type, sizeof t->provider_type);
    return 0;
}

static int src_action_s3(const json_t *configuration, src_target *t, char *err, size_t errlen)
{
    int rc = src_action_string(configuration, "S3Bucket", true, t->bucket, sizeof t->bucket, err,
                               errlen);
    if (rc == 0) {
        rc = src_action_string(configuration, "S3ObjectKey", true, t->key, sizeof t->key, err,
                               errlen);
    }
    if (rc == 0) {
        rc = src_action_bool(configuration, "PollForSourceChanges", &t->detect, err, errlen);
    }
    return rc;
}

int src_action_resolve(const src_repos *repos, const json_t *action_type_id,
                       const json_t *configuration, src_target *target, char *err, size_t errlen)
{
    memset(target, 0, sizeof *target);
    target->detect = true;
    int rc = src_action_provider(action_type_id, &target->provider);
    if (rc != 0) {
        return src_action_fail(err, errlen, SLUICE_ENOTFOUND,
                               "the action type is not a Source provider sluice-source runs");
    }
    if (configuration != NULL && !json_is_object(configuration)) {
        return src_action_fail(err, errlen, SLUICE_EINVAL,
                               "the action's configuration must be an object");
    }
    switch (target->provider) {
    case SRC_PROVIDER_CODECOMMIT:
        rc = src_action_codecommit(repos, configuration, target, err, errlen);
        break;
    case SRC_PROVIDER_CONNECTION:
        rc = src_action_connection(repos, configuration, target, err, errlen);
        break;
    case SRC_PROVIDER_S3:
        rc = src_action_s3(configuration, target, err, errlen);
        break;
    }
    if (rc != 0) {
        src_provider provider = target->provider;
        memset(target, 0, sizeof *target);
        target->provider = provider;
    }
    return rc;
}
