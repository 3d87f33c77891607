/*
 * src_changes.c — webhook changes into V2 trigger starts (see src_changes.h).
 */
#include "src_changes.h"

#include "src_bus.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/protocol_names.h"
#include "sluice/state_def.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int src_changes_init(src_changes *ch)
{
    ch->count = 0;
    ch->wake = (src_wake){NULL, NULL};
    return pthread_mutex_init(&ch->lock, NULL) == 0 ? 0 : SLUICE_ENOMEM;
}

void src_changes_clear(src_changes *ch)
{
    pthread_mutex_destroy(&ch->lock);
}

int src_changes_metrics(src_changes *ch, http_metrics *registry)
{
    static const char *const result[] = {"result"};
    ch->starts =
        http_metrics_counter(registry, "sluice_source_trigger_starts_total",
                             "StartPipelineExecution requests sent for V2 triggers", NULL, 0);
    ch->changes =
        http_metrics_counter(registry, "sluice_source_trigger_changes_total",
                             "webhook changes matched against V2 triggers, by result", result, 1);
    return ch->starts != NULL && ch->changes != NULL ? 0 : SLUICE_ENOMEM;
}

/* Appends a copy of e under the lock: false when the queue is full. */
static bool src_changes_push(src_changes *ch, const src_changes_entry *e)
{
    bool queued = false;
    pthread_mutex_lock(&ch->lock);
    if (ch->count < SRC_CHANGES_QUEUE_MAX) {
        ch->queue[ch->count++] = *e;
        queued = true;
    }
    pthread_mutex_unlock(&ch->lock);
    if (queued) {
        src_wake_call(&ch->wake);
    }
    return queued;
}

bool src_changes_put(src_changes *ch, const src_change *change, const char *url,
                     src_changes_refs refs)
{
    src_changes_entry *entry = calloc(1, sizeof *entry); /* too large for a thread's stack */
    if (entry == NULL) {
        return false;
    }
    entry->change = *change;
    snprintf(entry->url, sizeof entry->url, "%s", url);
    entry->refs = refs;
    bool queued = src_changes_push(ch, entry);
    free(entry);
    return queued;
}

/* The candidates of every stored definition for url; docs keeps what they borrow. */
typedef struct src_changes_match {
    src_trigger_candidate *candidates;
    size_t count;
    json_t *docs; /* array of the definitions read */
} src_changes_match;

static void src_changes_match_free(src_changes_match *m)
{
    free(m->candidates);
    json_decref(m->docs);
    memset(m, 0, sizeof *m);
}

static int src_changes_candidates(src_changes *ch, const char *url, src_changes_match *m)
{
    json_t *names = NULL;
    char err[512] = "";
    int rc = state_def_names(ch->redis, &names, err, sizeof err);
    if (rc != 0) {
        SLUICE_WARN("triggers: %s", err);
        return rc;
    }
    m->candidates = calloc(SRC_TRIGGER_CANDIDATES, sizeof *m->candidates);
    m->docs = json_array();
    if (m->candidates == NULL || m->docs == NULL) {
        json_decref(names);
        return SLUICE_ENOMEM;
    }
    size_t i;
    json_t *name;
    json_array_foreach(names, i, name)
    {
        json_t *doc = NULL;
        rc = state_def_load(ch->redis, json_string_value(name), 0, &doc, err, sizeof err);
        if (rc == SLUICE_ENOTFOUND) {
            continue;
        }
        if (rc != 0) {
            SLUICE_WARN("triggers: %s", err);
            break;
        }
        size_t before = m->count;
        rc = src_trigger_candidates(ch->repos, doc, url, ch->region, ch->account, m->candidates,
                                    SRC_TRIGGER_CANDIDATES, &m->count);
        if (m->count > before) {
            json_array_append_new(m->docs, doc); /* the candidates borrow from it */
        } else {
            json_decref(doc);
        }
        if (rc != 0) {
            SLUICE_WARN("triggers: more than %d source actions for %s; the rest are not matched",
                        SRC_TRIGGER_CANDIDATES, url);
            rc = 0;
            break;
        }
    }
    json_decref(names);
    return rc;
}

/* Fetches the change's revision into the mirror: 0 with commit and mirror. */
static int src_changes_fetch(src_changes *ch, const src_changes_entry *e,
                             const src_git_remote *remote, char commit[SRC_COMMIT_ID_MAX + 1],
                             char mirror[SRC_GIT_PATH_MAX], src_failure *fail)
{
    const src_change *c = &e->change;
    char ref[SRC_BRANCH_MAX + 32];
    switch (c->kind) {
    case SRC_CHANGE_TAG:
        snprintf(ref, sizeof ref, "refs/tags/%s", c->ref);
        break;
    case SRC_CHANGE_PULL_REQUEST:
        snprintf(ref, sizeof ref, "%s/%ld/head",
                 e->refs == SRC_CHANGES_REFS_MERGE_REQUESTS ? "refs/merge-requests" : "refs/pull",
                 c->number);
        break;
    case SRC_CHANGE_BRANCH:
    default:
        snprintf(ref, sizeof ref, "refs/heads/%s", c->ref);
        break;
    }
    int rc = src_git_fetch_ref(ch->git, remote, ref, commit, mirror, fail);
    if (rc == SLUICE_ENOTFOUND && c->kind == SRC_CHANGE_PULL_REQUEST) {
        snprintf(ref, sizeof ref, "refs/heads/%s", c->ref); /* a branch of the same repository */
        rc = src_git_fetch_ref(ch->git, remote, ref, commit, mirror, fail);
    }
    if (rc == 0 && strcmp(commit, c->after) != 0) {
        /* the ref moved on since: the delivery's commit when the ref holds it, else the head */
        if (src_git_is_ancestor(ch->git, mirror, c->after, commit)) {
            snprintf(commit, SRC_COMMIT_ID_MAX + 1, "%s", c->after);
        } else {
            SLUICE_INFO("triggers: %s of %s does not hold the delivery's %s; its head %s is used",
                        ref, e->url, c->after, commit);
        }
    }
    return rc;
}

/* The changed files of the change into buf and files (pointers into buf). */
static int src_changes_files(src_changes *ch, const src_changes_entry *e,
                             const src_git_remote *remote, const char *mirror, const char *commit,
                             sluice_buf *buf, const char ***files, size_t *nfiles)
{
    const src_change *c = &e->change;
    src_failure fail;
    const char *from = "";
    char base[SRC_COMMIT_ID_MAX + 1] = "";
    bool merge_base = false;
    if (c->kind == SRC_CHANGE_PULL_REQUEST) {
        merge_base = true;
        if (c->base[0] != '\0' && src_git_has_commit(ch->git, remote, mirror, c->base)) {
            snprintf(base, sizeof base, "%s", c->base);
        } else {
            char ref[SRC_BRANCH_MAX + 16];
            char path[SRC_GIT_PATH_MAX];
            snprintf(ref, sizeof ref, "refs/heads/%s", c->destination);
            if (src_git_fetch_ref(ch->git, remote, ref, base, path, &fail) != 0) {
                SLUICE_WARN("triggers: the destination %s of %s: %s", c->destination, e->url,
                            fail.message);
                return SLUICE_ENOTFOUND;
            }
        }
        from = base;
    } else if (c->before[0] != '\0' && src_git_has_commit(ch->git, remote, mirror, c->before)) {
        from = c->before;
    }
    int rc = src_git_changed_files(ch->git, mirror, from, commit, merge_base,
                                   SRC_CHANGES_FILES_BYTES, buf, &fail);
    if (rc != 0) {
        SLUICE_WARN("triggers: the changed files of %s at %s: %s", e->url, commit, fail.message);
        return rc;
    }
    size_t n = 0;
    for (size_t i = 0; i < buf->len; i++) {
        n += buf->data[i] == '\0';
    }
    if (n > SRC_CHANGES_FILES_MAX) {
        return SLUICE_ETOOBIG;
    }
    *files = calloc(n + 1, sizeof **files);
    if (*files == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t at = 0;
    for (size_t i = 0; i < buf->len && at < n; i += strlen(buf->data + i) + 1) {
        (*files)[at++] = buf->data + i;
    }
    *nfiles = at;
    return 0;
}

static int src_changes_start(src_changes *ch, const src_trigger_candidate *cand, const char *commit,
                             const char *event_key)
{
    json_t *detail = src_trigger_start_request(cand, commit, event_key);
    char token[SRC_TRIGGER_TOKEN_LEN + 1];
    src_trigger_token(cand->pipeline, cand->action, commit, event_key, token);
    char id[37];
    src_bus_derived_id("sluice-source trigger\n", token, id);
    char err[512] = "";
    int rc = detail != NULL
                 ? src_bus_send(ch->producer, bus_topics_get(ch->topics, BUS_TOPICS_REQUESTS),
                                PROTOCOL_DETAIL_REQUEST, id, ch->account, ch->region,
                                cand->pipeline, detail, ch->send_timeout_ms, err, sizeof err)
                 : SLUICE_ENOMEM;
    json_decref(detail);
    if (rc != 0) {
        SLUICE_WARN("triggers: starting %s for %s: %s", cand->pipeline, commit, err);
        return rc;
    }
    http_metrics_inc(ch->starts, NULL, 1);
    SLUICE_INFO("triggers: %s (action %s) started at %s (WebhookV2, %s)", cand->pipeline,
                cand->action, commit, event_key);
    return 0;
}

static void src_changes_count(src_changes *ch, const char *result)
{
    const char *labels[] = {result};
    http_metrics_inc(ch->changes, labels, 1);
}

/* Handles one change: 0 when done (started or dropped), SLUICE_EAGAIN to try again. */
static int src_changes_handle(src_changes *ch, const src_changes_entry *e)
{
    src_changes_match m = {0};
    int rc = src_changes_candidates(ch, e->url, &m);
    if (rc != 0) {
        src_changes_match_free(&m);
        return SLUICE_EAGAIN;
    }
    if (m.count == 0) {
        src_changes_count(ch, "unmatched");
        src_changes_match_free(&m);
        return 0;
    }
    const src_target *t = &m.candidates[0].target;
    src_git_remote remote = {t->url, t->kind, t->credentials};
    char commit[SRC_COMMIT_ID_MAX + 1];
    char mirror[SRC_GIT_PATH_MAX];
    src_failure fail;
    rc = src_changes_fetch(ch, e, &remote, commit, mirror, &fail);
    if (rc != 0) {
        SLUICE_WARN("triggers: the change of %s (%s) cannot be fetched: %s", e->url, e->change.ref,
                    fail.message);
        src_changes_count(ch, "failed");
        src_changes_match_free(&m);
        return 0;
    }
    bool wants_files = false;
    for (size_t i = 0; i < m.count && !wants_files; i++) {
        wants_files = src_trigger_wants_files(m.candidates[i].git_configuration, &e->change);
    }
    sluice_buf buf;
    sluice_buf_init(&buf, SRC_CHANGES_FILES_BYTES);
    const char **files = NULL;
    size_t nfiles = 0;
    bool files_ok = !wants_files ||
                    src_changes_files(ch, e, &remote, mirror, commit, &buf, &files, &nfiles) == 0;
    char event_key[SRC_TRIGGER_EVENT_MAX + 1];
    src_trigger_event_key(&e->change, event_key);
    int started = 0, failed = 0;
    for (size_t i = 0; i < m.count; i++) {
        const src_trigger_candidate *cand = &m.candidates[i];
        if (!files_ok && src_trigger_wants_files(cand->git_configuration, &e->change)) {
            continue; /* the filter cannot be decided: nothing starts */
        }
        if (!src_trigger_accepts(cand->git_configuration, cand->target.branch, &e->change, files,
                                 nfiles)) {
            continue;
        }
        if (src_changes_start(ch, cand, commit, event_key) == 0) {
            started++;
        } else {
            failed++;
        }
    }
    free(files);
    sluice_buf_free(&buf);
    src_changes_match_free(&m);
    if (failed > 0) {
        return SLUICE_EAGAIN;
    }
    src_changes_count(ch, started > 0 ? "started" : "unmatched");
    return 0;
}

int src_changes_tick(src_changes *ch, int max)
{
    int handled = 0;
    while (handled < max) {
        src_changes_entry e;
        pthread_mutex_lock(&ch->lock);
        bool any = ch->count > 0;
        if (any) {
            e = ch->queue[0];
            memmove(&ch->queue[0], &ch->queue[1], (ch->count - 1) * sizeof ch->queue[0]);
            ch->count--;
        }
        pthread_mutex_unlock(&ch->lock);
        if (!any) {
            break;
        }
        handled++;
        if (src_changes_handle(ch, &e) == SLUICE_EAGAIN) {
            if (++e.attempts < SRC_CHANGES_ATTEMPTS && src_changes_push(ch, &e)) {
                break; /* the next turn tries it again */
            }
            src_changes_count(ch, "failed");
            SLUICE_WARN("triggers: the change of %s (%s) was given up after %u attempts", e.url,
                        e.change.ref, e.attempts);
        }
    }
    return handled;
}
