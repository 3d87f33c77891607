/*
 * api_memory.c — the in-process backend (see api_memory.h).
 *
 * Everything lives in jansson objects keyed by pipeline (or job id); one
 * mutex serialises the operations. Listings sort on the fly: the sizes tests
 * and fuzzing use are small.
 */
#include "api_memory.h"

#include "sluice/aws_json.h"
#include "sluice/error.h"
#include "sluice/id.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct api_memory {
    api_backend base;
    pthread_mutex_t lock;
    json_t *defs;       /* name -> {"rev", "data"} */
    json_t *versions;   /* "<name>#<version>" -> data */
    json_t *index;      /* name -> true */
    json_t *states;     /* name -> engine state document */
    json_t *executions; /* name -> {id -> record} */
    json_t *actions;    /* name -> {id -> detail} */
    json_t *rules;      /* name -> {rule execution id -> detail} */
    json_t *jobs;       /* id -> {"status", "nonce", "record", "type", "external", "poller",
                           "lease", "owner"} (api_backend.h) */
    json_t *queues;     /* type key -> [ids] */
    json_t *requests;   /* [{"pipeline", "detailType", "detail"}] */
    json_t *webhooks;   /* name -> record text */
    json_t *triggered;  /* webhook id -> epoch ms */
    json_t *atypes;     /* action type key -> record text */
    api_memory_responder responder;
    void *responder_ctx;
    int failure;
};

static api_memory *api_memory_of(api_backend *b)
{
    return (api_memory *)b;
}

/* Locks m; returns the injected failure code (then unlocked) or 0 (then locked). */
static int api_memory_enter(api_memory *m, char *err, size_t errlen)
{
    pthread_mutex_lock(&m->lock);
    if (m->failure != 0) {
        int code = m->failure;
        pthread_mutex_unlock(&m->lock);
        return sluice_error_set(err, errlen, code, "injected failure");
    }
    return 0;
}

static void api_memory_leave(api_memory *m)
{
    pthread_mutex_unlock(&m->lock);
}

static json_t *api_memory_member(json_t *obj, const char *key)
{
    json_t *value = json_object_get(obj, key);
    if (value == NULL) {
        value = json_object();
        json_object_set_new(obj, key, value);
    }
    return value;
}

/* ---- definitions ----------------------------------------------------------------- */

static int api_memory_def_load(api_backend *b, const char *pipeline, json_t **doc, uint64_t *rev,
                               char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const json_t *entry = json_object_get(m->defs, pipeline);
    if (entry == NULL) {
        api_memory_leave(m);
        return SLUICE_ENOTFOUND;
    }
    const char *data = json_string_value(json_object_get(entry, "data"));
    json_error_t jerr;
    *doc = json_loads(data, 0, &jerr);
    *rev = (uint64_t)json_integer_value(json_object_get(entry, "rev"));
    api_memory_leave(m);
    return *doc != NULL ? 0 : sluice_error_set(err, errlen, SLUICE_EPARSE, "%s", jerr.text);
}

static void api_memory_version_key(const char *pipeline, int64_t version, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s#%lld", pipeline, (long long)version);
}

static int api_memory_def_load_version(api_backend *b, const char *pipeline, int64_t version,
                                       json_t **doc, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    char key[256];
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    api_memory_version_key(pipeline, version, key, sizeof key);
    const char *data = json_string_value(json_object_get(m->versions, key));
    json_error_t jerr;
    *doc = data != NULL ? json_loads(data, 0, &jerr) : NULL;
    api_memory_leave(m);
    return *doc != NULL ? 0 : SLUICE_ENOTFOUND;
}

static int api_memory_def_save(api_backend *b, const char *pipeline, uint64_t expected_rev,
                               const char *data, int64_t version, uint64_t *new_rev, char *err,
                               size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *entry = json_object_get(m->defs, pipeline);
    uint64_t stored =
        entry != NULL ? (uint64_t)json_integer_value(json_object_get(entry, "rev")) : 0;
    if (stored != expected_rev) {
        *new_rev = stored;
        api_memory_leave(m);
        return SLUICE_ECONFLICT;
    }
    json_object_set_new(m->defs, pipeline,
                        json_pack("{s:I, s:s}", "rev", (json_int_t)(stored + 1), "data", data));
    if (version > 0) {
        char key[256];
        api_memory_version_key(pipeline, version, key, sizeof key);
        json_object_set_new(m->versions, key, json_string(data));
    }
    *new_rev = stored + 1;
    api_memory_leave(m);
    return 0;
}

static int api_memory_def_delete(api_backend *b, const char *pipeline, uint64_t rev,
                                 int64_t last_version, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *entry = json_object_get(m->defs, pipeline);
    if (entry == NULL) {
        api_memory_leave(m);
        return SLUICE_ENOTFOUND;
    }
    if ((uint64_t)json_integer_value(json_object_get(entry, "rev")) != rev) {
        api_memory_leave(m);
        return SLUICE_ECONFLICT;
    }
    json_object_del(m->defs, pipeline);
    for (int64_t v = 1; v <= last_version; v++) {
        char key[256];
        api_memory_version_key(pipeline, v, key, sizeof key);
        json_object_del(m->versions, key);
    }
    api_memory_leave(m);
    return 0;
}

/* ---- index ------------------------------------------------------------------------ */

static int api_memory_index_add(api_backend *b, const char *pipeline, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc == 0) {
        json_object_set_new(m->index, pipeline, json_true());
        api_memory_leave(m);
    }
    return rc;
}

static int api_memory_index_remove(api_backend *b, const char *pipeline, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc == 0) {
        json_object_del(m->index, pipeline);
        api_memory_leave(m);
    }
    return rc;
}

static int api_memory_compare_strings(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/*
 * The keys of obj in byte order: a new array of json_object_size(obj) keys
 * (borrowed from obj; free the array), or NULL when out of memory.
 */
static const char **api_memory_sorted_keys(json_t *obj)
{
    size_t n = json_object_size(obj);
    const char **keys = calloc(n > 0 ? n : 1, sizeof *keys);
    if (keys == NULL) {
        return NULL;
    }
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        keys[i++] = key;
    }
    qsort(keys, n, sizeof *keys, api_memory_compare_strings);
    return keys;
}

static int api_memory_index_list(api_backend *b, const char *after, size_t limit, json_t **names,
                                 char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    size_t n = json_object_size(m->index);
    const char **keys = api_memory_sorted_keys(m->index);
    if (keys == NULL) {
        api_memory_leave(m);
        return SLUICE_ENOMEM;
    }
    *names = json_array();
    for (size_t i = 0; i < n && json_array_size(*names) < limit; i++) {
        if (strcmp(keys[i], after) > 0) {
            json_array_append_new(*names, json_string(keys[i]));
        }
    }
    free(keys);
    api_memory_leave(m);
    return 0;
}

static int api_memory_index_count(api_backend *b, size_t *count, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc == 0) {
        *count = json_object_size(m->index);
        api_memory_leave(m);
    }
    return rc;
}

/* ---- read model ------------------------------------------------------------------------ */

static int api_memory_state_load(api_backend *b, const char *pipeline,
                                 api_backend_state_scope scope, const char *execution_id,
                                 json_t **engine_doc, char *err, size_t errlen)
{
    (void)scope; /* the whole document holds every scope */
    (void)execution_id;
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *doc = json_object_get(m->states, pipeline);
    *engine_doc = doc != NULL ? json_deep_copy(doc) : NULL;
    api_memory_leave(m);
    return doc != NULL ? 0 : SLUICE_ENOTFOUND;
}

static int api_memory_history_execution(api_backend *b, const char *pipeline,
                                        const char *execution_id, json_t **record, char *err,
                                        size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *found = json_object_get(json_object_get(m->executions, pipeline), execution_id);
    *record = found != NULL ? json_deep_copy(found) : NULL;
    api_memory_leave(m);
    return found != NULL ? 0 : SLUICE_ENOTFOUND;
}

typedef struct api_memory_entry {
    int64_t start_ms;
    json_t *value;
} api_memory_entry;

static int api_memory_compare_entries(const void *pa, const void *pb)
{
    const api_memory_entry *a = pa;
    const api_memory_entry *b = pb;
    return a->start_ms > b->start_ms ? -1 : (a->start_ms < b->start_ms ? 1 : 0);
}

/* Copies of the values of table (start time at time_of(value)), newest first, up to limit. */
static int api_memory_history_of(json_t *table, int64_t max_start_ms, size_t limit,
                                 const json_t *(*time_of)(const json_t *), json_t **out)
{
    size_t n = json_object_size(table);
    api_memory_entry *entries = calloc(n + 1, sizeof *entries);
    if (entries == NULL) {
        return SLUICE_ENOMEM;
    }
    size_t count = 0;
    const char *key;
    json_t *value;
    json_object_foreach(table, key, value)
    {
        int64_t ms = 0;
        if (aws_json_timestamp_ms(time_of(value), &ms) == 0 && ms <= max_start_ms) {
            entries[count++] = (api_memory_entry){ms, value};
        }
    }
    qsort(entries, count, sizeof *entries, api_memory_compare_entries);
    *out = json_array();
    for (size_t i = 0; i < count && i < limit; i++) {
        json_array_append_new(*out, json_deep_copy(entries[i].value));
    }
    free(entries);
    return 0;
}

static const json_t *api_memory_execution_time(const json_t *record)
{
    return json_object_get(json_object_get(record, "summary"), "startTime");
}

static const json_t *api_memory_action_time(const json_t *detail)
{
    return json_object_get(detail, "startTime");
}

/*
 * The history of pipeline in by_pipeline (m->executions, m->actions or m->rules: set at
 * creation, their contents read under the lock) as api_memory_history_of lists it.
 */
static int api_memory_history(api_backend *b, json_t *by_pipeline, const char *pipeline,
                              int64_t max_start_ms, size_t limit,
                              const json_t *(*time_of)(const json_t *), json_t **out, char *err,
                              size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = api_memory_history_of(json_object_get(by_pipeline, pipeline), max_start_ms, limit, time_of,
                               out);
    api_memory_leave(m);
    return rc;
}

static int api_memory_history_executions(api_backend *b, const char *pipeline, int64_t max_start_ms,
                                         size_t limit, json_t **records, char *err, size_t errlen)
{
    return api_memory_history(b, api_memory_of(b)->executions, pipeline, max_start_ms, limit,
                              api_memory_execution_time, records, err, errlen);
}

static int api_memory_history_actions(api_backend *b, const char *pipeline, int64_t max_start_ms,
                                      size_t limit, json_t **details, char *err, size_t errlen)
{
    return api_memory_history(b, api_memory_of(b)->actions, pipeline, max_start_ms, limit,
                              api_memory_action_time, details, err, errlen);
}

static int api_memory_history_rules(api_backend *b, const char *pipeline, int64_t max_start_ms,
                                    size_t limit, json_t **details, char *err, size_t errlen)
{
    return api_memory_history(b, api_memory_of(b)->rules, pipeline, max_start_ms, limit,
                              api_memory_action_time, details, err, errlen);
}

/* ---- requests ------------------------------------------------------------------------- */

static int api_memory_request(api_backend *b, const char *pipeline, const char *detail_type,
                              json_t *detail, int wait_ms, json_t **reply, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    char id[SLUICE_UUID_LEN + 1];
    *reply = NULL;
    if (sluice_uuid_v4(id) != 0) {
        return SLUICE_EIO;
    }
    if (wait_ms > 0) {
        json_object_set_new(detail, "requestId", json_string(id));
    }
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_array_append_new(m->requests, json_pack("{s:s, s:s, s:O}", "pipeline", pipeline,
                                                 "detailType", detail_type, "detail", detail));
    api_memory_responder responder = m->responder;
    void *ctx = m->responder_ctx;
    api_memory_leave(m);
    /* A responder sees every request (it may play the orchestrator); only waits get its answer. */
    json_t *answer = responder != NULL ? responder(ctx, pipeline, detail_type, detail)
                                       : (wait_ms > 0 ? json_pack("{s:{}}", "body") : NULL);
    if (wait_ms <= 0) {
        json_decref(answer);
        return 0;
    }
    if (answer == NULL) {
        return sluice_error_set(err, errlen, SLUICE_ETIMEDOUT, "no reply");
    }
    json_object_set_new(answer, "requestId", json_string(id));
    *reply = answer;
    return 0;
}

/* ---- jobs ----------------------------------------------------------------------------- */

static int api_memory_job_store(api_backend *b, const char *job_id, const char *type_key,
                                const char *record, bool queued, int64_t ttl_ms, char *err,
                                size_t errlen)
{
    api_memory *m = api_memory_of(b);
    (void)ttl_ms;
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    if (json_object_get(m->jobs, job_id) == NULL) {
        json_object_set_new(m->jobs, job_id,
                            json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:I, s:s}", "status",
                                      queued ? "Queued" : "InProgress", "nonce", "", "record",
                                      record, "type", type_key, "external", queued, "poller", "",
                                      "lease", (json_int_t)0, "owner", ""));
        if (queued) {
            json_t *queue = json_object_get(m->queues, type_key);
            if (queue == NULL) {
                queue = json_array();
                json_object_set_new(m->queues, type_key, queue);
            }
            json_array_append_new(queue, json_string(job_id));
        }
    }
    api_memory_leave(m);
    return 0;
}

static bool api_memory_query_matches(const json_t *record, const char *key, const char *value)
{
    if (key == NULL) {
        return true;
    }
    const json_t *config = json_object_get(
        json_object_get(json_object_get(record, "data"), "actionConfiguration"), "configuration");
    const char *got = json_string_value(json_object_get(config, key));
    return got != NULL && strcmp(got, value) == 0;
}

static const char *api_memory_text(const json_t *job, const char *key)
{
    const char *text = json_string_value(json_object_get(job, key));
    return text != NULL ? text : "";
}

/*
 * Puts the lapsed dispatches of type_key back at the head of queue, the
 * earliest lease first, as the Redis script does.
 */
static void api_memory_requeue_lapsed(api_memory *m, const char *type_key, json_t *queue,
                                      int64_t now_ms)
{
    for (;;) {
        const char *latest_id = NULL;
        json_t *latest = NULL;
        int64_t latest_lease = 0;
        const char *id;
        json_t *job;
        json_object_foreach(m->jobs, id, job)
        {
            int64_t lease = json_integer_value(json_object_get(job, "lease"));
            if (strcmp(api_memory_text(job, "status"), "Dispatched") == 0 &&
                strcmp(api_memory_text(job, "type"), type_key) == 0 &&
                api_memory_text(job, "owner")[0] == '\0' && lease > 0 && lease <= now_ms &&
                (latest == NULL || lease > latest_lease)) {
                latest_id = id;
                latest = job;
                latest_lease = lease;
            }
        }
        if (latest == NULL) {
            return;
        }
        json_object_set_new(latest, "status", json_string("Queued"));
        json_object_set_new(latest, "nonce", json_string(""));
        json_object_set_new(latest, "poller", json_string(""));
        json_object_set_new(latest, "lease", json_integer(0));
        json_array_insert_new(queue, 0, json_string(latest_id));
    }
}

static int api_memory_job_poll(api_backend *b, const char *type_key, size_t max,
                               const char *query_key, const char *query_value,
                               const char *const *nonces, size_t nnonces, const char *caller,
                               int64_t now_ms, int64_t lease_ms, json_t **jobs, char *err,
                               size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    *jobs = json_array();
    json_t *queue = json_object_get(m->queues, type_key);
    if (queue == NULL) {
        queue = json_array();
        json_object_set_new(m->queues, type_key, queue);
    }
    api_memory_requeue_lapsed(m, type_key, queue, now_ms);
    size_t i = 0;
    while (i < json_array_size(queue) && json_array_size(*jobs) < max &&
           json_array_size(*jobs) < nnonces) {
        const char *id = json_string_value(json_array_get(queue, i));
        json_t *job = json_object_get(m->jobs, id);
        const char *status = json_string_value(json_object_get(job, "status"));
        if (status == NULL || strcmp(status, "Queued") != 0) {
            json_array_remove(queue, i);
            continue;
        }
        json_error_t jerr;
        json_t *record = json_loads(json_string_value(json_object_get(job, "record")), 0, &jerr);
        if (!api_memory_query_matches(record, query_key, query_value)) {
            json_decref(record);
            i++;
            continue;
        }
        const char *nonce = nonces[json_array_size(*jobs)];
        json_object_set_new(job, "status", json_string("Dispatched"));
        json_object_set_new(job, "nonce", json_string(nonce));
        json_object_set_new(job, "poller", json_string(caller));
        json_object_set_new(job, "lease", json_integer(now_ms + (lease_ms > 0 ? lease_ms : 1)));
        json_array_append_new(
            *jobs, json_pack("{s:s, s:s, s:o}", "id", id, "nonce", nonce, "record", record));
        json_array_remove(queue, i);
    }
    api_memory_leave(m);
    return 0;
}

static int api_memory_job_load(api_backend *b, const char *job_id, api_backend_job *out, char *err,
                               size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *job = json_object_get(m->jobs, job_id);
    if (job == NULL) {
        api_memory_leave(m);
        return SLUICE_ENOTFOUND;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->status, sizeof out->status, "%s",
             json_string_value(json_object_get(job, "status")));
    snprintf(out->nonce, sizeof out->nonce, "%s", api_memory_text(job, "nonce"));
    snprintf(out->owner, sizeof out->owner, "%s", api_memory_text(job, "owner"));
    snprintf(out->poller, sizeof out->poller, "%s", api_memory_text(job, "poller"));
    out->lease_ms = json_integer_value(json_object_get(job, "lease"));
    out->external = json_is_true(json_object_get(job, "external"));
    json_error_t jerr;
    out->record = json_loads(json_string_value(json_object_get(job, "record")), 0, &jerr);
    api_memory_leave(m);
    return out->record != NULL ? 0 : SLUICE_EPARSE;
}

static int api_memory_job_ack(api_backend *b, const char *job_id, const char *nonce,
                              const char *caller, int64_t now_ms,
                              char status_out[API_BACKEND_STATUS_MAX], char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *job = json_object_get(m->jobs, job_id);
    if (job == NULL || !json_is_true(json_object_get(job, "external"))) {
        api_memory_leave(m);
        return SLUICE_ENOTFOUND;
    }
    const char *stored = api_memory_text(job, "nonce");
    const char *owner = api_memory_text(job, "owner");
    const char *status = api_memory_text(job, "status");
    rc = 0;
    if (stored[0] == '\0' || !sluice_secret_equal(stored, nonce)) {
        rc = SLUICE_EDENIED;
    } else if (owner[0] != '\0') {
        rc = strcmp(owner, caller) == 0 ? 0 : SLUICE_EDENIED;
    } else if (strcmp(status, "Dispatched") == 0) {
        if (json_integer_value(json_object_get(job, "lease")) <= now_ms) {
            rc = SLUICE_EDENIED;
        } else {
            json_object_set_new(job, "status", json_string("InProgress"));
            json_object_set_new(job, "owner", json_string(caller));
        }
    }
    snprintf(status_out, API_BACKEND_STATUS_MAX, "%s", api_memory_text(job, "status"));
    api_memory_leave(m);
    return rc;
}

static int api_memory_job_own(api_backend *b, const char *job_id, const char *caller,
                              int64_t now_ms, char status_out[API_BACKEND_STATUS_MAX], char *err,
                              size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *job = json_object_get(m->jobs, job_id);
    if (job == NULL || !json_is_true(json_object_get(job, "external"))) {
        api_memory_leave(m);
        return SLUICE_ENOTFOUND;
    }
    const char *owner = api_memory_text(job, "owner");
    const char *status = api_memory_text(job, "status");
    rc = 0;
    if (owner[0] == '\0') {
        if (strcmp(status, "Dispatched") != 0 ||
            strcmp(api_memory_text(job, "poller"), caller) != 0 ||
            json_integer_value(json_object_get(job, "lease")) <= now_ms) {
            rc = SLUICE_EDENIED;
        } else {
            json_object_set_new(job, "status", json_string("InProgress"));
            json_object_set_new(job, "owner", json_string(caller));
        }
    } else if (strcmp(owner, caller) != 0) {
        rc = SLUICE_EDENIED;
    } else if (strcmp(status, "Succeeded") == 0 || strcmp(status, "Failed") == 0 ||
               strcmp(status, "TimedOut") == 0) {
        rc = SLUICE_ESTATE;
    }
    snprintf(status_out, API_BACKEND_STATUS_MAX, "%s", api_memory_text(job, "status"));
    api_memory_leave(m);
    return rc;
}

static int api_memory_job_finish(api_backend *b, const char *job_id, const char *status,
                                 int64_t ttl_ms, char status_out[API_BACKEND_STATUS_MAX], char *err,
                                 size_t errlen)
{
    api_memory *m = api_memory_of(b);
    (void)ttl_ms;
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_t *job = json_object_get(m->jobs, job_id);
    if (job == NULL) {
        api_memory_leave(m);
        return SLUICE_ENOTFOUND;
    }
    const char *current = json_string_value(json_object_get(job, "status"));
    rc = 0;
    if (strcmp(current, "Queued") == 0 || strcmp(current, "Dispatched") == 0 ||
        strcmp(current, "InProgress") == 0) {
        json_object_set_new(job, "status", json_string(status));
    } else {
        rc = SLUICE_ESTATE;
    }
    snprintf(status_out, API_BACKEND_STATUS_MAX, "%s",
             json_string_value(json_object_get(job, "status")));
    api_memory_leave(m);
    return rc;
}

/* ---- webhooks ------------------------------------------------------------------------ */

/* The record text of an entry, parsed, with its lastTriggered; NULL when malformed. */
static json_t *api_memory_webhook_record(const api_memory *m, const json_t *text)
{
    json_error_t jerr;
    json_t *record = json_loads(json_string_value(text), 0, &jerr);
    const char *id = json_string_value(json_object_get(record, "id"));
    const json_t *at = id != NULL ? json_object_get(m->triggered, id) : NULL;
    if (record != NULL && at != NULL) {
        json_object_set_new(record, "lastTriggered", json_integer(json_integer_value(at)));
    }
    return record;
}

static int api_memory_webhook_load(api_backend *b, const char *name, json_t **record, char *err,
                                   size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const json_t *text = json_object_get(m->webhooks, name);
    *record = text != NULL ? api_memory_webhook_record(m, text) : NULL;
    api_memory_leave(m);
    return *record != NULL ? 0 : SLUICE_ENOTFOUND;
}

static int api_memory_webhook_save(api_backend *b, const char *name, const char *id,
                                   const char *record, char *err, size_t errlen)
{
    (void)id;
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    rc = json_object_set_new(m->webhooks, name, json_string(record)) == 0 ? 0 : SLUICE_ENOMEM;
    api_memory_leave(m);
    return rc;
}

static int api_memory_webhook_delete(api_backend *b, const char *name, const char *id, char *err,
                                     size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    json_object_del(m->webhooks, name);
    json_object_del(m->triggered, id);
    api_memory_leave(m);
    return 0;
}

static int api_memory_webhook_list(api_backend *b, json_t **records, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    size_t n = json_object_size(m->webhooks);
    const char **names = api_memory_sorted_keys(m->webhooks);
    json_t *list = json_array();
    if (names == NULL || list == NULL) {
        free(names);
        json_decref(list);
        api_memory_leave(m);
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *record = api_memory_webhook_record(m, json_object_get(m->webhooks, names[i]));
        if (record != NULL) {
            json_array_append_new(list, record);
        }
    }
    free(names);
    api_memory_leave(m);
    *records = list;
    return 0;
}

/* ---- action types ---------------------------------------------------------------------- */

static int api_memory_atype_load(api_backend *b, const char *key, char **text, char *err,
                                 size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *stored = json_string_value(json_object_get(m->atypes, key));
    rc = SLUICE_ENOTFOUND;
    if (stored != NULL) {
        *text = strdup(stored);
        rc = *text != NULL ? 0 : SLUICE_ENOMEM;
    }
    api_memory_leave(m);
    return rc;
}

static int api_memory_atype_save(api_backend *b, const char *key, const char *expected,
                                 const char *record, size_t max, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    const char *stored = json_string_value(json_object_get(m->atypes, key));
    if (expected == NULL ? stored != NULL : (stored == NULL || strcmp(stored, expected) != 0)) {
        rc = SLUICE_ECONFLICT;
    } else if (expected == NULL && json_object_size(m->atypes) >= max) {
        rc = SLUICE_ETOOBIG;
    } else {
        rc = json_object_set_new(m->atypes, key, json_string(record)) == 0 ? 0 : SLUICE_ENOMEM;
    }
    api_memory_leave(m);
    return rc;
}

static int api_memory_atype_list(api_backend *b, json_t **records, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc != 0) {
        return rc;
    }
    size_t n = json_object_size(m->atypes);
    const char **keys = api_memory_sorted_keys(m->atypes);
    json_t *list = json_array();
    if (keys == NULL || list == NULL) {
        free(keys);
        json_decref(list);
        api_memory_leave(m);
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(list, json_pack("{s:s, s:O}", "key", keys[i], "text",
                                              json_object_get(m->atypes, keys[i])));
    }
    free(keys);
    api_memory_leave(m);
    *records = list;
    return 0;
}

static int api_memory_ping(api_backend *b, char *err, size_t errlen)
{
    api_memory *m = api_memory_of(b);
    int rc = api_memory_enter(m, err, errlen);
    if (rc == 0) {
        api_memory_leave(m);
    }
    return rc;
}

static const api_backend_ops api_memory_ops = {
    .def_load = api_memory_def_load,
    .def_load_version = api_memory_def_load_version,
    .def_save = api_memory_def_save,
    .def_delete = api_memory_def_delete,
    .index_add = api_memory_index_add,
    .index_remove = api_memory_index_remove,
    .index_list = api_memory_index_list,
    .index_count = api_memory_index_count,
    .state_load = api_memory_state_load,
    .history_execution = api_memory_history_execution,
    .history_executions = api_memory_history_executions,
    .history_actions = api_memory_history_actions,
    .history_rules = api_memory_history_rules,
    .request = api_memory_request,
    .job_store = api_memory_job_store,
    .job_poll = api_memory_job_poll,
    .job_load = api_memory_job_load,
    .job_ack = api_memory_job_ack,
    .job_own = api_memory_job_own,
    .job_finish = api_memory_job_finish,
    .webhook_load = api_memory_webhook_load,
    .webhook_save = api_memory_webhook_save,
    .webhook_delete = api_memory_webhook_delete,
    .webhook_list = api_memory_webhook_list,
    .atype_load = api_memory_atype_load,
    .atype_save = api_memory_atype_save,
    .atype_list = api_memory_atype_list,
    .ping = api_memory_ping,
};

/* ---- lifecycle and seeding ------------------------------------------------------------- */

api_memory *api_memory_new(void)
{
    api_memory *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return NULL;
    }
    m->base.ops = &api_memory_ops;
    pthread_mutex_init(&m->lock, NULL);
    m->defs = json_object();
    m->versions = json_object();
    m->index = json_object();
    m->states = json_object();
    m->executions = json_object();
    m->actions = json_object();
    m->rules = json_object();
    m->jobs = json_object();
    m->queues = json_object();
    m->requests = json_array();
    m->webhooks = json_object();
    m->triggered = json_object();
    m->atypes = json_object();
    if (m->atypes == NULL || m->webhooks == NULL || m->triggered == NULL || m->defs == NULL ||
        m->versions == NULL || m->index == NULL || m->states == NULL || m->executions == NULL ||
        m->actions == NULL || m->rules == NULL || m->jobs == NULL || m->queues == NULL ||
        m->requests == NULL) {
        api_memory_free(m);
        return NULL;
    }
    return m;
}

void api_memory_free(api_memory *m)
{
    if (m == NULL) {
        return;
    }
    json_decref(m->defs);
    json_decref(m->versions);
    json_decref(m->index);
    json_decref(m->states);
    json_decref(m->executions);
    json_decref(m->actions);
    json_decref(m->rules);
    json_decref(m->jobs);
    json_decref(m->queues);
    json_decref(m->requests);
    json_decref(m->webhooks);
    json_decref(m->triggered);
    json_decref(m->atypes);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

api_backend *api_memory_backend(api_memory *m)
{
    return &m->base;
}

void api_memory_set_responder(api_memory *m, api_memory_responder fn, void *ctx)
{
    pthread_mutex_lock(&m->lock);
    m->responder = fn;
    m->responder_ctx = ctx;
    pthread_mutex_unlock(&m->lock);
}

void api_memory_set_failure(api_memory *m, int code)
{
    pthread_mutex_lock(&m->lock);
    m->failure = code;
    pthread_mutex_unlock(&m->lock);
}

int api_memory_put_state(api_memory *m, const char *pipeline, const json_t *engine_doc)
{
    pthread_mutex_lock(&m->lock);
    if (engine_doc == NULL) {
        json_object_del(m->states, pipeline);
        json_object_del(m->executions, pipeline);
        json_object_del(m->actions, pipeline);
        json_object_del(m->rules, pipeline);
        pthread_mutex_unlock(&m->lock);
        return 0;
    }
    int rc = json_object_set_new(m->states, pipeline, json_deep_copy(engine_doc));
    pthread_mutex_unlock(&m->lock);
    return rc == 0 ? 0 : SLUICE_ENOMEM;
}

int api_memory_put_execution(api_memory *m, const char *pipeline, const json_t *record)
{
    const char *id = json_string_value(
        json_object_get(json_object_get(record, "summary"), "pipelineExecutionId"));
    if (id == NULL) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&m->lock);
    int rc =
        json_object_set_new(api_memory_member(m->executions, pipeline), id, json_deep_copy(record));
    pthread_mutex_unlock(&m->lock);
    return rc == 0 ? 0 : SLUICE_ENOMEM;
}

int api_memory_put_action(api_memory *m, const char *pipeline, const json_t *detail)
{
    const char *id = json_string_value(json_object_get(detail, "actionExecutionId"));
    if (id == NULL) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&m->lock);
    int rc =
        json_object_set_new(api_memory_member(m->actions, pipeline), id, json_deep_copy(detail));
    pthread_mutex_unlock(&m->lock);
    return rc == 0 ? 0 : SLUICE_ENOMEM;
}

int api_memory_put_rule(api_memory *m, const char *pipeline, const json_t *detail)
{
    const char *id = json_string_value(json_object_get(detail, "ruleExecutionId"));
    if (id == NULL) {
        return SLUICE_EINVAL;
    }
    pthread_mutex_lock(&m->lock);
    int rc = json_object_set_new(api_memory_member(m->rules, pipeline), id, json_deep_copy(detail));
    pthread_mutex_unlock(&m->lock);
    return rc == 0 ? 0 : SLUICE_ENOMEM;
}

json_t *api_memory_requests(api_memory *m)
{
    pthread_mutex_lock(&m->lock);
    json_t *copy = json_deep_copy(m->requests);
    pthread_mutex_unlock(&m->lock);
    return copy;
}

int api_memory_webhook_triggered(api_memory *m, const char *id, int64_t at_ms)
{
    pthread_mutex_lock(&m->lock);
    int rc = json_object_set_new(m->triggered, id, json_integer((json_int_t)at_ms)) == 0
                 ? 0
                 : SLUICE_ENOMEM;
    pthread_mutex_unlock(&m->lock);
    return rc;
}
