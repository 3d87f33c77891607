/*
 * src_revision.c — output variables and the current revision of a Source
 * action (see src_revision.h).
 */
#include "src_revision.h"

#include "src_text.h"

#include "sluice/time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The host of an http(s) URL, copied into out; "" for anything else. */
static void src_revision_host(const src_target *t, char *out, size_t outlen)
{
    out[0] = '\0';
    const char *url = t->base_url;
    const char *rest = NULL;
    if (strncmp(url, "https://", 8) == 0) {
        rest = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        rest = url + 7;
    }
    if (rest == NULL) {
        return;
    }
    size_t n = strcspn(rest, "/:");
    if (n < outlen) {
        memcpy(out, rest, n);
        out[n] = '\0';
    }
}

const char *src_revision_provider_type(const src_target *target)
{
    if (target->provider != SRC_PROVIDER_CONNECTION) {
        return "";
    }
    if (target->provider_type[0] != '\0') {
        return target->provider_type;
    }
    char host[256];
    src_revision_host(target, host, sizeof host);
    if (strcasecmp(host, "github.com") == 0) {
        return "GitHub";
    }
    if (strcasecmp(host, "gitlab.com") == 0) {
        return "GitLab";
    }
    if (strcasecmp(host, "bitbucket.org") == 0) {
        return "Bitbucket";
    }
    return "";
}

static int src_revision_set(json_t *obj, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return 0;
    }
    return json_object_set_new(obj, key, json_string(value));
}

static void src_revision_date(int64_t seconds, char *out, size_t outlen)
{
    if (sluice_time_format_rfc3339(seconds * 1000, out, outlen) != 0) {
        out[0] = '\0';
    }
}

json_t *src_revision_variables(const src_target *target, const src_commit *commit)
{
    json_t *vars = json_object();
    if (vars == NULL) {
        return NULL;
    }
    char author_date[32];
    char committer_date[32];
    src_revision_date(commit->author_time_s, author_date, sizeof author_date);
    src_revision_date(commit->committer_time_s, committer_date, sizeof committer_date);
    char message[SRC_REVISION_MESSAGE_MAX + 1];
    src_text_prefix(message, sizeof message, commit->message, SRC_REVISION_MESSAGE_MAX);
    int rc = 0;
    rc |= src_revision_set(vars, "CommitId", commit->id);
    rc |= json_object_set_new(vars, "CommitMessage", json_string(message));
    rc |= src_revision_set(vars, "AuthorDate", author_date);
    rc |= src_revision_set(vars, "CommitterDate", committer_date);
    rc |= src_revision_set(vars, "AuthorEmail", commit->author_email);
    rc |= src_revision_set(vars, "AuthorDisplayName", commit->author_name);
    rc |= src_revision_set(vars, "CommitterEmail", commit->committer_email);
    rc |= src_revision_set(vars, "CommitterDisplayName", commit->committer_name);
    if (target->provider != SRC_PROVIDER_S3) {
        rc |= src_revision_set(vars, "BranchName", target->branch);
    }
    if (target->provider == SRC_PROVIDER_CODECOMMIT) {
        rc |= src_revision_set(vars, "RepositoryName", target->repository_name);
    } else if (target->provider == SRC_PROVIDER_CONNECTION) {
        rc |= src_revision_set(vars, "ConnectionArn", target->connection_arn);
        rc |= src_revision_set(vars, "FullRepositoryName", target->full_repository_id);
        rc |= src_revision_set(vars, "ProviderType", src_revision_provider_type(target));
    }
    if (rc != 0) {
        json_decref(vars);
        return NULL;
    }
    return vars;
}

/* The commit's page on the connection's host, or "" when unknown. */
static void src_revision_url(const src_target *t, const src_commit *commit, char *out,
                             size_t outlen)
{
    out[0] = '\0';
    if (t->provider != SRC_PROVIDER_CONNECTION ||
        (t->kind != SRC_REMOTE_HTTPS && t->kind != SRC_REMOTE_HTTP)) {
        return;
    }
    const char *type = src_revision_provider_type(t);
    const char *path = "commit/";
    if (strncmp(type, "GitLab", 6) == 0) {
        path = "-/commit/";
    } else if (strncmp(type, "Bitbucket", 9) == 0) {
        path = "commits/";
    }
    size_t base_len = strlen(t->base_url);
    while (base_len > 0 && t->base_url[base_len - 1] == '/') {
        base_len--;
    }
    int n = snprintf(out, outlen, "%.*s/%s/%s%s", (int)base_len, t->base_url, t->full_repository_id,
                     path, commit->id);
    if (n < 0 || (size_t)n >= outlen) {
        out[0] = '\0';
    }
}

json_t *src_revision_document(const src_target *target, const src_commit *commit)
{
    char summary[SRC_REVISION_SUMMARY_MAX + 1];
    const char *type = src_revision_provider_type(target);
    if (target->provider == SRC_PROVIDER_CONNECTION && type[0] != '\0') {
        /* {"ProviderType":..,"CommitMessage":..}: the message cut so the text fits */
        char message[SRC_REVISION_SUMMARY_MAX + 1];
        src_text_prefix(message, sizeof message, commit->message, SRC_REVISION_SUMMARY_MAX);
        char *text = NULL;
        while (true) {
            json_t *doc = json_pack("{s:s, s:s}", "ProviderType", type, "CommitMessage", message);
            text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            json_decref(doc);
            if (text == NULL) {
                return NULL;
            }
            size_t len = strlen(text);
            if (len <= SRC_REVISION_SUMMARY_MAX || message[0] == '\0') {
                break;
            }
            free(text);
            text = NULL;
            size_t over = len - SRC_REVISION_SUMMARY_MAX;
            size_t mlen = strlen(message);
            src_text_cut(message, mlen > over ? mlen - over : 0);
        }
        snprintf(summary, sizeof summary, "%s", text);
        free(text);
    } else {
        src_text_prefix(summary, sizeof summary, commit->message, SRC_REVISION_SUMMARY_MAX);
    }
    json_t *doc = json_pack("{s:s, s:s, s:I}", "revision", commit->id, "changeIdentifier",
                            commit->id, "created", (json_int_t)commit->committer_time_s);
    if (doc == NULL) {
        return NULL;
    }
    int rc = src_revision_set(doc, "revisionSummary", summary);
    char url[SRC_URL_MAX + 128];
    src_revision_url(target, commit, url, sizeof url);
    rc |= src_revision_set(doc, "revisionUrl", url);
    if (rc != 0) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

void src_revision_summary(const src_commit *commit, char *out, size_t outlen)
{
    char line[SRC_REVISION_SUMMARY_MAX + 1];
    src_text_prefix(line, sizeof line, commit->message, SRC_REVISION_SUMMARY_MAX);
    line[strcspn(line, "\n")] = '\0';
    src_text_prefix(out, outlen, line, SRC_REVISION_SUMMARY_MAX);
}
