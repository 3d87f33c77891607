/*
 * src_poll.c — watches, their schedule and the requests a change sends (see
 * src_poll.h).
 */
#include "src_poll.h"

#include "src_s3.h"

#include "sluice/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void src_poll_set_clear(src_poll_set *set)
{
    for (size_t i = 0; i < set->count; i++) {
        free(set->watches[i].users);
    }
    free(set->watches);
    set->watches = NULL;
    set->count = 0;
}

long src_poll_find_key(const src_poll_set *set, const char *url, const char *branch,
                       const char *key)
{
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->watches[i].url, url) == 0 && strcmp(set->watches[i].branch, branch) == 0 &&
            strcmp(set->watches[i].key, key) == 0) {
            return (long)i;
        }
    }
    return -1;
}

long src_poll_find(const src_poll_set *set, const char *url, const char *branch)
{
    return src_poll_find_key(set, url, branch, "");
}

/* The watch's url of an S3 target: "s3://<bucket>" (no git remote can be that). */
static void src_poll_s3_url(const src_target *t, char out[SRC_URL_MAX])
{
    snprintf(out, SRC_URL_MAX, "s3://%s", t->bucket);
}

/* The watch of target in set, added when missing; NULL beyond the bound or out of memory. */
static src_poll_watch *src_poll_watch_of(src_poll_set *set, const src_target *t, int *rc)
{
    bool s3 = t->provider == SRC_PROVIDER_S3;
    char url[SRC_URL_MAX];
    if (s3) {
        src_poll_s3_url(t, url);
    } else {
        memcpy(url, t->url, sizeof url);
    }
    long at = src_poll_find_key(set, url, t->branch, s3 ? t->key : "");
    if (at >= 0) {
        return &set->watches[at];
    }
    if (set->count >= SRC_POLL_WATCHES_MAX) {
        *rc = SLUICE_ETOOBIG;
        return NULL;
    }
    src_poll_watch *grown = realloc(set->watches, (set->count + 1) * sizeof *grown);
    if (grown == NULL) {
        *rc = SLUICE_ENOMEM;
        return NULL;
    }
    set->watches = grown;
    src_poll_watch *w = &set->watches[set->count++];
    memset(w, 0, sizeof *w);
    memcpy(w->url, url, sizeof w->url);
    memcpy(w->branch, t->branch, sizeof w->branch);
    if (s3) {
        w->s3 = true;
        memcpy(w->bucket, t->bucket, sizeof w->bucket);
        memcpy(w->key, t->key, sizeof w->key);
    }
    w->kind = t->kind;
    w->credentials = t->credentials;
    return w;
}

static void src_poll_detail(const src_target *t, const char *region, const char *account, char *out,
                            size_t outlen)
{
    if (t->provider == SRC_PROVIDER_S3) {
        src_s3_detail(t->bucket, t->key, out, outlen);
    } else if (t->provider == SRC_PROVIDER_CODECOMMIT) {
        snprintf(out, outlen, "arn:aws:codecommit:%s:%s:%s", region, account, t->repository_name);
    } else {
        snprintf(out, outlen, "%s %s", t->connection_arn, t->full_repository_id);
    }
}

/* True when one of the pipeline's V2 triggers names the action. */
static bool src_poll_triggered(const json_t *pipeline, const char *action)
{
    size_t i;
    json_t *trigger;
    json_array_foreach(json_object_get(pipeline, "triggers"), i, trigger)
    {
        const char *name = json_string_value(
            json_object_get(json_object_get(trigger, "gitConfiguration"), "sourceActionName"));
        if (name != NULL && strcmp(name, action) == 0) {
            return true;
        }
    }
    return false;
}

int src_poll_collect(src_poll_set *set, const src_repos *repos, const json_t *definition,
                     const char *region, const char *account)
{
    const json_t *pipeline = json_object_get(definition, "pipeline");
    const char *name = json_string_value(json_object_get(pipeline, "name"));
    if (!protocol_pipeline_name_ok(name)) {
        return 0;
    }
    int rc = 0;
    size_t s, a;
    json_t *stage, *action;
    json_array_foreach(json_object_get(pipeline, "stages"), s, stage)
    {
        json_array_foreach(json_object_get(stage, "actions"), a, action)
        {
            const char *action_name = json_string_value(json_object_get(action, "name"));
            src_target target;
            char err[256];
            if (action_name == NULL || strlen(action_name) > SRC_POLL_ACTION_MAX ||
                src_action_resolve(repos, json_object_get(action, "actionTypeId"),
                                   json_object_get(action, "configuration"), &target, err,
                                   sizeof err) != 0 ||
                !target.detect || src_poll_triggered(pipeline, action_name)) {
                continue;
            }
            src_poll_watch *w = src_poll_watch_of(set, &target, &rc);
            if (w == NULL) {
                return rc;
            }
            if (w->nusers >= SRC_POLL_USERS_MAX) {
                return SLUICE_ETOOBIG;
            }
            src_poll_user *grown = realloc(w->users, (w->nusers + 1) * sizeof *grown);
            if (grown == NULL) {
                return SLUICE_ENOMEM;
            }
            w->users = grown;
            src_poll_user *u = &w->users[w->nusers++];
            memset(u, 0, sizeof *u);
            snprintf(u->pipeline, sizeof u->pipeline, "%s", name);
            snprintf(u->action, sizeof u->action, "%s", action_name);
            src_poll_detail(&target, region, account, u->detail, sizeof u->detail);
        }
    }
    return 0;
}

void src_poll_carry(src_poll_set *next, const src_poll_set *old)
{
    for (size_t i = 0; i < next->count; i++) {
        long at = src_poll_find_key(old, next->watches[i].url, next->watches[i].branch,
                                    next->watches[i].key);
        if (at >= 0) {
            next->watches[i].due_ms = old->watches[at].due_ms;
            next->watches[i].failures = old->watches[at].failures;
            next->watches[i].webhook = old->watches[at].webhook;
        }
    }
}

int64_t src_poll_next_due(int64_t now_ms, int64_t interval_ms, unsigned failures, uint32_t random)
{
    int64_t wait = interval_ms;
    for (unsigned i = 0; i < failures && wait < interval_ms * SRC_POLL_BACKOFF_MAX; i++) {
        wait *= 2;
    }
    if (wait > interval_ms * SRC_POLL_BACKOFF_MAX) {
        wait = interval_ms * SRC_POLL_BACKOFF_MAX;
    }
    /* ±10 %: random spread over [-wait/10, +wait/10] */
    int64_t spread = wait / 5;
    int64_t jitter = spread > 0 ? (int64_t)(random % (uint32_t)(spread + 1)) - spread / 2 : 0;
    return now_ms + wait + jitter;
}

void src_poll_derive_token(const char *prefix, const char *const *parts, size_t nparts,
                           char out[SRC_POLL_TOKEN_LEN + 1])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (size_t i = 0; i < nparts && ok; i++) {
        ok = EVP_DigestUpdate(md, parts[i], strlen(parts[i]) + (i + 1 < nparts ? 1 : 0)) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(md, digest, &len) == 1;
    EVP_MD_CTX_free(md);
    if (!ok) {
        memset(digest, 0, sizeof digest);
    }
    memcpy(out, prefix, 5);
    for (size_t i = 0; i < 20; i++) {
        snprintf(out + 5 + 2 * i, 3, "%02x", digest[i]);
    }
}

void src_poll_token(const char *pipeline, const char *action, const char *commit,
                    char out[SRC_POLL_TOKEN_LEN + 1])
{
    const char *parts[] = {pipeline, action, commit};
    src_poll_derive_token("poll-", parts, 3, out);
}

json_t *src_poll_start_request_of(const src_poll_user *user, const char *revision,
                                  const char *revision_type, const char *trigger_type)
{
    char token[SRC_POLL_TOKEN_LEN + 1];
    src_poll_token(user->pipeline, user->action, revision, token);
    if (revision_type == NULL) {
        return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", PROTOCOL_REQUEST_START, "pipeline",
                         user->pipeline, "triggerType", trigger_type, "triggerDetail", user->detail,
                         "clientRequestToken", token);
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "type",
                     PROTOCOL_REQUEST_START, "pipeline", user->pipeline, "triggerType",
                     trigger_type, "triggerDetail", user->detail, "clientRequestToken", token,
                     "sourceRevisions", "actionName", user->action, "revisionType", revision_type,
                     "revisionValue", revision);
}

json_t *src_poll_start_request(const src_poll_user *user, const char *commit,
                               const char *trigger_type)
{
    char token[SRC_POLL_TOKEN_LEN + 1];
    src_poll_token(user->pipeline, user->action, commit, token);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s, s:s}]}", "type",
                     PROTOCOL_REQUEST_START, "pipeline", user->pipeline, "triggerType",
                     trigger_type, "triggerDetail", user->detail, "clientRequestToken", token,
                     "sourceRevisions", "actionName", user->action, "revisionType", "COMMIT_ID",
                     "revisionValue", commit);
}
