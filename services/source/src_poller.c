/*
 * src_poller.c — polling's shell (see src_poller.h).
 */
#include "src_poller.h"

#include "src_bus.h"
#include "src_s3.h"

#include "sluice/error.h"
#include "sluice/id.h"
#include "sluice/log.h"
#include "sluice/protocol_names.h"
#include "sluice/state_def.h"
#include "sluice/state_key.h"
#include "sluice/time.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int src_poller_metrics(src_poller *p, http_metrics *registry)
{
    static const char *const result[] = {"result"};
    p->checks =
        http_metrics_counter(registry, "sluice_source_checks_total",
                             "branch heads asked for (git ls-remote), by result", result, 1);
    p->changes = http_metrics_counter(registry, "sluice_source_changes_total",
                                      "branch heads found moved", NULL, 0);
    p->starts = http_metrics_counter(registry, "sluice_source_starts_total",
                                     "StartPipelineExecution requests sent for changes", NULL, 0);
    p->watches = http_metrics_gauge(registry, "sluice_source_watches",
                                    "distinct remote branches polled", NULL, 0);
    static const char *const asked[] = {"asked"};
    p->listings = http_metrics_counter(
        registry, "sluice_source_remote_listings_total",
        "git ls-remote runs of the poller: one branch, or every head of a remote", asked, 1);
    return p->checks != NULL && p->changes != NULL && p->starts != NULL && p->watches != NULL &&
                   p->listings != NULL
               ? 0
               : SLUICE_ENOMEM;
}

void src_poller_clear(src_poller *p)
{
    src_poll_set_clear(&p->set);
    pthread_mutex_destroy(&p->lock);
}

int src_poller_init(src_poller *p)
{
    p->npokes = 0;
    p->pokes_overflowed = false;
    p->wake = (src_wake){NULL, NULL};
    return pthread_mutex_init(&p->lock, NULL) == 0 ? 0 : SLUICE_ENOMEM;
}

bool src_poller_poke(src_poller *p, const char *url, const char *branch)
{
    bool queued = true;
    pthread_mutex_lock(&p->lock);
    bool waiting = false;
    for (size_t i = 0; i < p->npokes && !waiting; i++) {
        waiting = strcmp(p->pokes[i].url, url) == 0 && strcmp(p->pokes[i].branch, branch) == 0;
    }
    if (!waiting && p->npokes < SRC_POLLER_POKES_MAX) {
        snprintf(p->pokes[p->npokes].url, sizeof p->pokes[p->npokes].url, "%s", url);
        snprintf(p->pokes[p->npokes].branch, sizeof p->pokes[p->npokes].branch, "%s", branch);
        p->npokes++;
    } else if (!waiting) {
        p->pokes_overflowed = true;
        queued = false;
    }
    pthread_mutex_unlock(&p->lock);
    if (queued) {
        src_wake_call(&p->wake);
    }
    return queued;
}

/* Moves the waiting pokes onto their watches. */
static void src_poller_take_pokes(src_poller *p)
{
    static src_poller_poke_entry taken[SRC_POLLER_POKES_MAX];
    pthread_mutex_lock(&p->lock);
    size_t n = p->npokes;
    bool overflowed = p->pokes_overflowed;
    memcpy(taken, p->pokes, n * sizeof taken[0]);
    p->npokes = 0;
    p->pokes_overflowed = false;
    pthread_mutex_unlock(&p->lock);
    for (size_t i = 0; i < p->set.count && overflowed; i++) {
        p->set.watches[i].due_ms = 0;
        p->set.watches[i].webhook = true;
    }
    for (size_t i = 0; i < n; i++) {
        long at = src_poll_find(&p->set, taken[i].url, taken[i].branch);
        if (at >= 0) {
            p->set.watches[at].due_ms = 0;
            p->set.watches[at].webhook = true;
        } else {
            p->refresh_due_ms = 0; /* a branch not watched yet: a new pipeline, maybe */
        }
    }
}

static uint32_t src_poller_random(void)
{
    uint32_t r = 0;
    (void)sluice_random_bytes(&r, sizeof r);
    return r;
}

/*
 * Without SLUICE_SOURCE_S3_KEY_FILE, S3 watches cannot be checked: they are
 * left out (said once; the jobs of such actions fail with ConfigurationError).
 */
static void src_poller_drop_s3(src_poller *p, src_poll_set *set)
{
    static bool said;
    if (p->s3 != NULL && p->s3_key != NULL) {
        return;
    }
    size_t kept = 0;
    for (size_t i = 0; i < set->count; i++) {
        if (set->watches[i].s3) {
            if (!said) {
                SLUICE_WARN("polling: s3://%s/%s is not polled: set SLUICE_SOURCE_S3_KEY_FILE",
                            set->watches[i].bucket, set->watches[i].key);
                said = true;
            }
            free(set->watches[i].users);
            continue;
        }
        set->watches[kept++] = set->watches[i];
    }
    set->count = kept;
}

/* Rebuilds the watch set from every stored definition. */
static int src_poller_refresh(src_poller *p, int64_t now)
{
    json_t *names = NULL;
    char err[512] = "";
    int rc = state_def_names(p->redis, &names, err, sizeof err);
    if (rc != 0) {
        SLUICE_WARN("polling: %s", err);
        return rc;
    }
    src_poll_set next = {0};
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name)
    {
        json_t *doc = NULL;
        rc = state_def_load(p->redis, json_string_value(name), 0, &doc, err, sizeof err);
        if (rc == SLUICE_ENOTFOUND) {
            continue;
        }
        if (rc != 0) {
            SLUICE_WARN("polling: %s", err);
            json_decref(names);
            src_poll_set_clear(&next);
            return rc;
        }
        rc = src_poll_collect(&next, p->repos, doc, p->region, p->account);
        json_decref(doc);
        if (rc != 0) {
            SLUICE_WARN("polling: more watches than %d, or out of memory; the rest wait",
                        SRC_POLL_WATCHES_MAX);
            break;
        }
    }
    json_decref(names);
    src_poller_drop_s3(p, &next);
    src_poll_carry(&next, &p->set);
    for (size_t w = 0; w < next.count; w++) {
        if (next.watches[w].due_ms == 0) {
            /* a new watch: checked soon, spread over the first interval */
            next.watches[w].due_ms = now + (int64_t)(src_poller_random() % 1000);
        }
    }
    src_poll_set_clear(&p->set);
    p->set = next;
    http_metrics_set(p->watches, NULL, (double)p->set.count);
    return 0;
}

/* HGET / HSET of the head field; value "" when none. */
static int src_poller_head(src_poller *p, const char *field, char *value, size_t valuelen,
                           bool write)
{
    const char *argv[] = {write ? "HSET" : "HGET", SRC_POLLER_HEADS_KEY, field, value};
    redisReply *reply = NULL;
    int rc = state_redis_commandv(p->redis, STATE_REDIS_RETRY, write ? 4 : 3, argv, NULL, &reply);
    if (rc != 0) {
        return rc;
    }
    if (!write) {
        value[0] = '\0';
        if (reply->type == REDIS_REPLY_STRING && reply->len < valuelen) {
            memcpy(value, reply->str, reply->len);
            value[reply->len] = '\0';
        }
    }
    freeReplyObject(reply);
    return 0;
}

/* The started marker of user: GET into value (""), or SET to commit. */
static int src_poller_marker(src_poller *p, const src_poll_user *u, char *value, size_t valuelen,
                             bool write)
{
    char suffix[SRC_POLL_ACTION_MAX + 32];
    char key[STATE_KEY_MAX + 1];
    snprintf(suffix, sizeof suffix, "source:started:%s", u->action);
    if (state_key_build(key, sizeof key, u->pipeline, suffix) != 0) {
        return SLUICE_EINVAL;
    }
    const char *argv[] = {write ? "SET" : "GET", key, value};
    redisReply *reply = NULL;
    int rc = state_redis_commandv(p->redis, STATE_REDIS_RETRY, write ? 3 : 2, argv, NULL, &reply);
    if (rc != 0) {
        return rc;
    }
    if (!write) {
        value[0] = '\0';
        if (reply->type == REDIS_REPLY_STRING && reply->len < valuelen) {
            memcpy(value, reply->str, reply->len);
            value[reply->len] = '\0';
        }
    }
    freeReplyObject(reply);
    return 0;
}

/* Sends the start of every user not yet started for commit; 0 when all are stored. */
static int src_poller_start_users(src_poller *p, const src_poll_watch *w, const char *commit)
{
    const char *trigger = w->webhook ? "Webhook" : "PollForSourceChanges";
    int failed = 0;
    for (size_t i = 0; i < w->nusers; i++) {
        const src_poll_user *u = &w->users[i];
        char marker[SRC_COMMIT_ID_MAX + 1];
        if (src_poller_marker(p, u, marker, sizeof marker, false) != 0) {
            failed++;
            continue;
        }
        if (strcmp(marker, commit) == 0) {
            continue; /* started before: a restart or another replica */
        }
        const char *type = !w->s3                               ? "COMMIT_ID"
                           : src_s3_revision_is_version(commit) ? "S3_OBJECT_VERSION_ID"
                                                                : NULL;
        json_t *detail = src_poll_start_request_of(u, commit, type, trigger);
        char token[SRC_POLL_TOKEN_LEN + 1];
        src_poll_token(u->pipeline, u->action, commit, token);
        char id[37];
        src_bus_derived_id("sluice-source start\n", token, id);
        char err[512] = "";
        int rc = detail != NULL
                     ? src_bus_send(p->producer, bus_topics_get(p->topics, BUS_TOPICS_REQUESTS),
                                    PROTOCOL_DETAIL_REQUEST, id, p->account, p->region, u->pipeline,
                                    detail, p->send_timeout_ms, err, sizeof err)
                     : SLUICE_ENOMEM;
        json_decref(detail);
        if (rc != 0) {
            SLUICE_WARN("polling: starting %s for %s: %s", u->pipeline, commit, err);
            failed++;
            continue;
        }
        char value[SRC_COMMIT_ID_MAX + 1];
        snprintf(value, sizeof value, "%s", commit);
        if (src_poller_marker(p, u, value, sizeof value, true) != 0) {
            failed++;
            continue;
        }
        http_metrics_inc(p->starts, NULL, 1);
        SLUICE_INFO("polling: %s (action %s) started for %s at %s (%s)", u->pipeline, u->action,
                    w->s3 ? w->key : w->branch, commit, trigger);
    }
    return failed == 0 ? 0 : SLUICE_EAGAIN;
}

/* HEAD of an S3 watch's object: its revision (src_s3.h) into revision; codes as src_git_ls_remote.
 */
static int src_poller_head_object(src_poller *p, const src_poll_watch *w, char *revision,
                                  src_failure *fail)
{
    revision[0] = '\0';
    if (p->s3 == NULL || p->s3_key == NULL) {
        snprintf(fail->message, sizeof fail->message,
                 "sluice-source has no key of the artifact store; set SLUICE_SOURCE_S3_KEY_FILE");
        return SLUICE_EDENIED;
    }
    http_client_response resp;
    char err[512] = "";
    int rc = aws_s3_head(p->s3, p->s3_key, w->bucket, w->key, NULL, &resp, err, sizeof err);
    if (rc == 0) {
        rc = src_s3_revision(http_client_response_header(&resp, "x-amz-version-id"),
                             http_client_response_header(&resp, "ETag"), revision);
        if (rc != 0) {
            snprintf(fail->message, sizeof fail->message,
                     "s3://%s/%s: the store answered no usable version id or ETag", w->bucket,
                     w->key);
        }
    } else {
        snprintf(fail->message, sizeof fail->message, "%s", err);
    }
    http_client_response_free(&resp);
    return rc;
}

/*
 * What one check of w found — rc and commit as src_git_ls_remote answers
 * them, fail when it failed — counted, scheduled, and acted on: a moved head
 * starts the watch's users, then is recorded.
 */
static void src_poller_checked(src_poller *p, src_poll_watch *w, int64_t now, int rc,
                               const char *commit, const src_failure *fail)
{
    bool webhook = w->webhook;
    w->webhook = false;
    if (rc == SLUICE_ENOTFOUND) {
        SLUICE_DEBUG("polling: %s %s is missing", w->url, w->s3 ? w->key : w->branch);
        const char *labels[] = {"missing"};
        http_metrics_inc(p->checks, labels, 1);
        w->failures = 0;
        w->due_ms = src_poll_next_due(now, p->interval_ms, 0, src_poller_random());
        return;
    }
    if (rc != 0) {
        const char *labels[] = {"failed"};
        http_metrics_inc(p->checks, labels, 1);
        w->failures++;
        w->due_ms = src_poll_next_due(now, p->interval_ms, w->failures, src_poller_random());
        SLUICE_WARN("polling %s %s (%u failures in a row): %s", w->url, w->s3 ? w->key : w->branch,
                    w->failures, fail->message);
        return;
    }
    const char *labels[] = {"ok"};
    http_metrics_inc(p->checks, labels, 1);
    w->failures = 0;
    w->due_ms = src_poll_next_due(now, p->interval_ms, 0, src_poller_random());
    char field[SRC_URL_MAX + SRC_BRANCH_MAX + SRC_ACTION_S3_KEY_MAX + 2];
    snprintf(field, sizeof field, "%s\x1f%s", w->url, w->s3 ? w->key : w->branch);
    char seen[SRC_COMMIT_ID_MAX + 1];
    if (src_poller_head(p, field, seen, sizeof seen, false) != 0) {
        w->due_ms = now; /* Redis away: check again once it answers */
        return;
    }
    if (strcmp(seen, commit) == 0) {
        return;
    }
    if (seen[0] == '\0') {
        SLUICE_DEBUG("polling: %s %s first seen at %s", w->url, w->s3 ? w->key : w->branch, commit);
    } else {
        http_metrics_inc(p->changes, NULL, 1);
        w->webhook = webhook;
        rc = src_poller_start_users(p, w, commit);
        w->webhook = false;
        if (rc != 0) {
            return; /* the head stays unrecorded: the missing starts go at the next check */
        }
    }
    char recorded[SRC_COMMIT_ID_MAX + 1];
    snprintf(recorded, sizeof recorded, "%s", commit);
    (void)src_poller_head(p, field, recorded, sizeof recorded, true);
}

/* Checks w alone: one `git ls-remote` of its branch. */
static void src_poller_check(src_poller *p, src_poll_watch *w, int64_t now)
{
    src_git_remote remote = {w->url, w->kind, w->credentials};
    char commit[SRC_COMMIT_ID_MAX + 1];
    src_failure fail;
    memset(&fail, 0, sizeof fail);
    int rc = 0;
    if (w->s3) {
        rc = src_poller_head_object(p, w, commit, &fail);
    } else {
        rc = src_git_ls_remote(p->git, &remote, w->branch, commit, &fail);
        const char *labels[] = {"branch"};
        http_metrics_inc(p->listings, labels, 1);
    }
    src_poller_checked(p, w, now, rc, commit, &fail);
}

/* True when a and b poll one git remote (the same URL, kind and credentials; never S3). */
static bool src_poller_same_remote(const src_poll_watch *a, const src_poll_watch *b)
{
    return !a->s3 && !b->s3 && a->kind == b->kind && a->credentials == b->credentials &&
           strcmp(a->url, b->url) == 0;
}

/*
 * Checks the watch at first and every other watch of the same remote with
 * one listing of the remote's heads (`git ls-remote --heads`), so a remote
 * costs one git run per interval however many of its branches are watched:
 * the watches checked together are next due together (first's time). Returns
 * how many were checked.
 */
static int src_poller_check_remote(src_poller *p, size_t first, int64_t now)
{
    src_poll_watch *w = &p->set.watches[first];
    src_git_remote remote = {w->url, w->kind, w->credentials};
    sluice_buf heads;
    sluice_buf_init(&heads, SRC_GIT_HEADS_MAX);
    src_failure fail;
    int listed = src_git_ls_remote_heads(p->git, &remote, &heads, &fail);
    const char *labels[] = {"heads"};
    http_metrics_inc(p->listings, labels, 1);
    int checked = 0;
    bool *in_group = calloc(p->set.count, sizeof *in_group);
    for (size_t i = 0; i < p->set.count; i++) {
        src_poll_watch *v = &p->set.watches[i];
        if (i != first && !src_poller_same_remote(w, v)) {
            continue;
        }
        if (in_group != NULL) {
            in_group[i] = true;
        }
        char commit[SRC_COMMIT_ID_MAX + 1] = "";
        int rc = listed;
        if (listed == 0) {
            rc = src_git_heads_find(sluice_buf_cstr(&heads), v->branch, commit);
            if (rc == SLUICE_ENOTFOUND) {
                src_failure_missing_branch(v->url, v->branch, &fail);
            } else if (rc != 0) {
                src_failure_classify(SRC_GIT_OP_LS_REMOTE, v->url, v->branch, NULL, false,
                                     "fatal: git ls-remote answered with a malformed commit id",
                                     &fail);
            }
        }
        src_poller_checked(p, v, now, rc, commit, &fail);
        checked++;
    }
    /* one next time for the group (a watch waiting for Redis, due now, keeps its own) */
    for (size_t i = 0; in_group != NULL && i < p->set.count; i++) {
        if (in_group[i] && i != first && p->set.watches[i].due_ms != now && w->due_ms != now) {
            p->set.watches[i].due_ms = w->due_ms;
        }
    }
    free(in_group);
    sluice_buf_free(&heads);
    return checked;
}

int src_poller_tick(src_poller *p, int64_t budget_ms)
{
    src_poller_take_pokes(p);
    int64_t now = sluice_time_monotonic_ms();
    if (now >= p->refresh_due_ms) {
        int rc = src_poller_refresh(p, now);
        p->refresh_due_ms = now + (rc == 0 ? p->interval_ms : 1000);
        if (rc != 0) {
            return rc;
        }
    }
    int checked = 0;
    int64_t until = now + budget_ms;
    for (size_t i = 0; i < p->set.count; i++) {
        now = sluice_time_monotonic_ms();
        if (now >= until) {
            break;
        }
        if (p->set.watches[i].due_ms > now) {
            continue;
        }
        /* the remote's other branches go with it, whenever they were due: one listing
           answers them all, and from then on they are due together */
        bool shared = false;
        for (size_t j = 0; j < p->set.count && !shared; j++) {
            shared = j != i && src_poller_same_remote(&p->set.watches[i], &p->set.watches[j]);
        }
        if (shared) {
            checked += src_poller_check_remote(p, i, now);
        } else {
            src_poller_check(p, &p->set.watches[i], now);
            checked++;
        }
    }
    return checked;
}
