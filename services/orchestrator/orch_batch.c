/*
 * orch_batch.c — load → engine_batch_run → save with outbox → drain, per
 * pipeline of a batch (see orch_batch.h).
 */
#include "orch_batch.h"

#include "orch_outbox.h"
#include "orch_route.h"

#include "sluice/engine_batch.h"
#include "sluice/engine_state.h"
#include "sluice/engine_step.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/model_errors.h"
#include "sluice/model_parse.h"
#include "sluice/time.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The state of pipeline to step: the cached one, or the one in Redis after
 * carrying out any outbox an earlier step left. On 0, *state and *applied
 * are owned by the caller (*version 0: no state saved yet).
 */
static int load_state(orch_handler *h, const char *pipeline, uint64_t *version,
                      engine_state **state, json_t **applied, char *reason, size_t reasonlen)
{
    if (orch_cache_take(&h->cache, pipeline, version, state, applied)) {
        h->stats.cache_hits++;
        return SLUICE_OK;
    }
    json_t *doc = NULL;
    int rc = orch_store_load(h->store, pipeline, version, &doc);
    if (rc != SLUICE_OK) {
        return sluice_error_set(reason, reasonlen, rc, "loading the state of %s: %s", pipeline,
                                sluice_strerror(rc));
    }
    /* Effects of an earlier step first, in order. */
    if (*version != 0) {
        rc = orch_outbox_drain(h, pipeline, 0);
        if (rc != SLUICE_OK) {
            json_decref(doc);
            return sluice_error_set(reason, reasonlen, rc, "earlier outbox of %s: %s", pipeline,
                                    sluice_strerror(rc));
        }
    }
    *state = NULL;
    if (doc != NULL) {
        char err[512];
        if (engine_state_from_json(json_object_get(doc, "engine"), state, err, sizeof err) !=
            SLUICE_OK) {
            SLUICE_ERROR("pipeline %s: stored state unreadable (%s); starting afresh", pipeline,
                         err);
            *state = NULL;
        }
    }
    if (*state == NULL) {
        *state = engine_state_new(pipeline);
    }
    *applied = doc != NULL ? json_incref(json_object_get(doc, "applied")) : NULL;
    if (!json_is_object(*applied)) {
        json_decref(*applied);
        *applied = json_object();
    }
    json_decref(doc);
    return SLUICE_OK;
}

/* Loads declaration version of pipeline into *model (for PipelineUpdated). */
static int load_model(orch_handler *h, const char *pipeline, int64_t version,
                      model_pipeline **model, char *reason, size_t reasonlen)
{
    json_t *doc = NULL;
    int rc = orch_store_load_definition(h->store, pipeline, version, &doc);
    if (rc != SLUICE_OK) {
        return sluice_error_set(reason, reasonlen, rc, "declaration v%" PRId64 " of %s: %s",
                                version, pipeline, sluice_strerror(rc));
    }
    model_errors errs;
    model_errors_init(&errs, 16);
    rc = model_pipeline_parse(json_object_get(doc, "pipeline"), model, &errs);
    if (rc != SLUICE_OK) {
        sluice_error_set(reason, reasonlen, SLUICE_EPARSE,
                         "declaration v%" PRId64 " of %s does not parse", version, pipeline);
        rc = SLUICE_EPARSE;
    } else {
        (*model)->version = version;
    }
    model_errors_free(&errs);
    json_decref(doc);
    return rc;
}

/* One request of a batch on its way through. */
typedef struct batch_req {
    bus_consumer_item *item;
    orch_request req;
    bool parsed;
    bool grouped;
    char seed[400];        /* "<topic>/<partition>/<offset>": seeds the step's ids */
    char source[300];      /* "<topic>:<partition>": its key in "applied" */
    model_pipeline *model; /* PipelineUpdated: the declaration loaded; owned */
} batch_req;

static void verdict(batch_req *r, bus_consumer_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verdict(batch_req *r, bus_consumer_verdict v, const char *fmt, ...)
{
    r->item->verdict = v;
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->item->reason, sizeof r->item->reason, fmt, ap);
        va_end(ap);
    }
}

/* Sets verdict v with reason on reqs[from..to). */
static void verdict_rest(batch_req **reqs, size_t from, size_t to, bus_consumer_verdict v,
                         const char *reason)
{
    for (size_t i = from; i < to; i++) {
        verdict(reqs[i], v, "%s", reason);
    }
}

/*
 * A save of the requests reqs[0..n) was refused: a record would exceed the
 * store's bound (SLUICE_STATE_RECORD_MAX_BYTES). When one request of them
 * changed the state, it fails — dead letter and, when someone waits, a
 * LimitExceededException reply naming the record and the bound — and the
 * state stays as it was. With several, they are redone one request per save
 * (h->save_each) to find the one.
 */
static void state_too_big(orch_handler *h, batch_req **reqs, size_t n, size_t stepped)
{
    const char *why = h->store->last_error;
    SLUICE_WARN("%s", why);
    if (stepped > 1 || n > 1) {
        h->save_each = true;
        verdict_rest(reqs, 0, n, BUS_CONSUMER_RETRY, "redone one request per save");
        return;
    }
    h->save_each = false;
    h->stats.rejected++;
    batch_req *r = reqs[0];
    verdict(r, BUS_CONSUMER_REJECT, "%s", why);
    const char *request_id = r->req.doc.input.request_id;
    if (request_id != NULL) {
        json_t *reply = json_pack("{s:s, s:s, s:s}", "requestId", request_id, "exception",
                                  "LimitExceededException", "message", why);
        (void)orch_store_reply(h->store, r->req.pipeline, request_id, reply);
        json_decref(reply);
    }
}

/*
 * Makes r ready to step: loads the declaration of a PipelineUpdated not yet
 * applied. 0; 1 when r is rejected (its verdict set); -1 when it must wait
 * (verdict RETRY set).
 */
static int prepare(orch_handler *h, batch_req *r, const json_t *applied)
{
    const bus_consumer_message *msg = &r->item->msg;
    snprintf(r->seed, sizeof r->seed, "%s/%" PRId32 "/%" PRId64, msg->topic, msg->partition,
             msg->offset);
    snprintf(r->source, sizeof r->source, "%s:%" PRId32, msg->topic, msg->partition);
    if (r->req.doc.input.kind != ENGINE_INPUT_PIPELINE_UPDATED ||
        engine_batch_progress(applied, r->source) >= msg->offset) {
        return 0;
    }
    char why[512];
    int rc = load_model(h, r->req.pipeline, r->req.version, &r->model, why, sizeof why);
    if (rc == SLUICE_EPARSE || rc == SLUICE_ENOTFOUND) {
        h->stats.rejected++;
        verdict(r, BUS_CONSUMER_REJECT, "%s", why);
        return 1;
    }
    if (rc != SLUICE_OK) {
        verdict(r, BUS_CONSUMER_RETRY, "%s", why);
        return -1;
    }
    r->req.doc.input.update.pipeline = r->model;
    return 0;
}

/*
 * Routes the effects of the results into ops, setting each request's
 * verdict. false when an effect cannot be expressed (the state moved on
 * but cannot be saved: the caller redoes the round).
 */
static bool route_results(orch_handler *h, batch_req **reqs, engine_batch_result *results, size_t n,
                          json_t *ops, size_t *applied)
{
    *applied = 0;
    for (size_t i = 0; i < n; i++) {
        batch_req *r = reqs[i];
        engine_batch_result *res = &results[i];
        if (res->verdict == ENGINE_BATCH_DUPLICATE) {
            h->stats.duplicates++;
            continue;
        }
        if (res->verdict == ENGINE_BATCH_REJECTED) {
            h->stats.rejected++;
            verdict(r, BUS_CONSUMER_REJECT, "%s", res->reason);
            continue;
        }
        if (res->jobs_failed > 0) {
            h->stats.oversized += res->jobs_failed;
            SLUICE_WARN("pipeline %s: %s", r->req.pipeline, res->reason);
        }
        if (res->events_trimmed > 0) {
            h->stats.events_trimmed += res->events_trimmed;
            SLUICE_WARN("pipeline %s: %s", r->req.pipeline, res->event_reason);
        }
        engine_ctx ectx = {.account = h->account, .region = h->region};
        char *arn = engine_step_pipeline_arn(&ectx, r->req.pipeline);
        orch_route_ctx route = {
            .pipeline = r->req.pipeline,
            .pipeline_arn = arn,
            .account = h->account,
            .region = h->region,
            .now_ms = orch_handler_now_ms(h),
        };
        char err[512];
        int rc = orch_route_effects(&res->effects, &route, ops, err, sizeof err);
        free(arn);
        if (rc != SLUICE_OK) {
            h->stats.rejected++;
            verdict(r, BUS_CONSUMER_REJECT, "engine effects: %s", err);
            return false;
        }
        (*applied)++;
    }
    return true;
}

/*
 * Steps reqs[0..n) — consecutive engine requests of one pipeline, in order —
 * on the pipeline's state, saving once per ORCH_BATCH_OPS_MAX effects: one
 * load, one compare-and-set and one outbox drain for many requests.
 */
static void step_segment(orch_handler *h, batch_req **reqs, size_t n)
{
    const char *pipeline = reqs[0]->req.pipeline;
    uint64_t version = 0;
    engine_state *state = NULL;
    json_t *applied = NULL;
    char reason[512];
    if (load_state(h, pipeline, &version, &state, &applied, reason, sizeof reason) != SLUICE_OK) {
        verdict_rest(reqs, 0, n, BUS_CONSUMER_RETRY, reason);
        return;
    }
    /* Evicting stays the engine's job; how much history a state keeps is ours. */
    state->keep_terminal = h->keep_terminal;
    /* The requests to step: up to the first that must wait; rejected ones left out. */
    batch_req **take = calloc(n, sizeof *take);
    engine_batch_request *breqs = calloc(n, sizeof *breqs);
    engine_batch_result *results = calloc(n, sizeof *results);
    if (take == NULL || breqs == NULL || results == NULL) {
        verdict_rest(reqs, 0, n, BUS_CONSUMER_RETRY, "out of memory");
        free(take);
        free(breqs);
        free(results);
        engine_state_free(state);
        json_decref(applied);
        return;
    }
    size_t m = 0;
    size_t waits = n; /* index of the first request that must wait */
    for (size_t i = 0; i < n; i++) {
        int rc = prepare(h, reqs[i], applied);
        if (rc < 0) {
            waits = i;
            verdict_rest(reqs, i + 1, n, BUS_CONSUMER_RETRY, "after a request that must wait");
            break;
        }
        if (rc == 0) {
            take[m] = reqs[i];
            breqs[m] = (engine_batch_request){
                .input = &reqs[i]->req.doc.input,
                .seed = reqs[i]->seed,
                .source = reqs[i]->source,
                .position = reqs[i]->item->msg.offset,
            };
            m++;
        }
    }
    engine_batch_ctx bctx = {
        .now_ms = orch_handler_now_ms(h),
        .account = h->account,
        .region = h->region,
        .message_max = h->message_max,
        .message_max_name = "SLUICE_BUS_MESSAGE_MAX",
        .max_effects = ORCH_BATCH_OPS_MAX,
    };
    bool keep = true;
    size_t k = 0;
    while (k < m) {
        size_t want = h->save_each ? 1 : m - k;
        size_t taken = engine_batch_run(state, applied, &bctx, breqs + k, want, results + k);
        json_t *ops = json_array();
        size_t stepped = 0;
        bool routed = route_results(h, take + k, results + k, taken, ops, &stepped);
        for (size_t i = k; i < k + taken; i++) {
            engine_batch_result_clear(&results[i]);
        }
        if (!routed) {
            /* The state moved on but its effects cannot be written: redo from Redis. */
            for (size_t i = k; i < m; i++) {
                if (take[i]->item->verdict == BUS_CONSUMER_DONE) {
                    verdict(take[i], BUS_CONSUMER_RETRY, "redone after a failed step");
                }
            }
            json_decref(ops);
            keep = false;
            break;
        }
        uint64_t saved = version;
        if (stepped > 0) {
            int rc = orch_store_save(h->store, pipeline, version, state, applied, ops, &saved);
            if (rc == SLUICE_ETOOBIG) {
                state_too_big(h, take + k, taken, stepped);
                for (size_t i = k + taken; i < m; i++) {
                    verdict(take[i], BUS_CONSUMER_RETRY, "after a refused save");
                }
                json_decref(ops);
                keep = false;
                break;
            }
            if (rc != SLUICE_OK) {
                if (rc == SLUICE_ECONFLICT) {
                    h->stats.conflicts++;
                }
                SLUICE_DEBUG("pipeline %s: saving: %s", pipeline,
                             rc == SLUICE_ECONFLICT ? "the state changed meanwhile"
                                                    : sluice_strerror(rc));
                for (size_t i = k; i < m; i++) {
                    if (take[i]->item->verdict == BUS_CONSUMER_DONE) {
                        verdict(take[i], BUS_CONSUMER_RETRY, "state of %s changed meanwhile",
                                pipeline);
                    }
                }
                json_decref(ops);
                keep = false;
                break;
            }
            h->stats.steps += stepped;
            h->stats.saves++;
        }
        json_decref(ops);
        /* Fired timers are spent (the outbox may set them again, after this). */
        for (size_t i = k; i < k + taken; i++) {
            const engine_input *in = &take[i]->req.doc.input;
            if (in->kind == ENGINE_INPUT_TIMER && in->timer.key != NULL &&
                take[i]->item->verdict == BUS_CONSUMER_DONE) {
                (void)orch_store_timer_cancel(h->store, pipeline, in->timer.key);
            }
        }
        version = saved;
        k += taken;
        if (orch_outbox_drain(h, pipeline, 0) != SLUICE_OK) {
            /* Saved, so done; what follows waits until the outbox is out. */
            for (size_t i = k; i < m; i++) {
                verdict(take[i], BUS_CONSUMER_RETRY, "the outbox is not carried out yet");
            }
            if (waits < n) {
                verdict(reqs[waits], BUS_CONSUMER_RETRY, "the outbox is not carried out yet");
            }
            keep = false;
            break;
        }
    }
    free(take);
    free(breqs);
    free(results);
    if (keep) {
        h->save_each = false; /* every request of the segment saved */
    }
    if (keep && version != 0) {
        orch_cache_put(&h->cache, pipeline, version, state, applied); /* saved and carried out */
        return;
    }
    engine_state_free(state); /* unsaved changes are never kept */
    json_decref(applied);
}

/*
 * Handles a PipelineDeleted request: drops the state, outbox and history and
 * leaves a tombstone — an empty state keeping the applied offsets — so this
 * request, delivered again after a newer pipeline of the same name was
 * created, is recognised and skipped instead of wiping the newer one.
 */
static void drop_pipeline(orch_handler *h, batch_req *r)
{
    const char *pipeline = r->req.pipeline;
    uint64_t version = 0;
    engine_state *state = NULL;
    json_t *applied = NULL;
    char reason[512];
    if (load_state(h, pipeline, &version, &state, &applied, reason, sizeof reason) != SLUICE_OK) {
        verdict(r, BUS_CONSUMER_RETRY, "%s", reason);
        return;
    }
    (void)prepare(h, r, applied); /* fills the seed and the source; a delete loads nothing */
    engine_batch_request breq = {
        .seed = r->seed,
        .source = r->source,
        .position = r->item->msg.offset,
        .deleted = true,
    };
    engine_batch_ctx bctx = {.now_ms = orch_handler_now_ms(h)};
    engine_batch_result res;
    (void)engine_batch_run(state, applied, &bctx, &breq, 1, &res);
    engine_batch_result_clear(&res);
    if (res.verdict == ENGINE_BATCH_DUPLICATE) {
        h->stats.duplicates++;
        if (version != 0) {
            orch_cache_put(&h->cache, pipeline, version, state, applied);
        } else {
            engine_state_free(state);
            json_decref(applied);
        }
        return;
    }
    engine_state_free(state);
    int rc = orch_store_drop(h->store, pipeline);
    uint64_t saved = 0;
    engine_state *tombstone = engine_state_new(pipeline);
    if (rc == SLUICE_OK) {
        json_t *ops = json_array();
        rc = orch_store_save(h->store, pipeline, 0, tombstone, applied, ops, &saved);
        json_decref(ops);
    }
    if (rc != SLUICE_OK) {
        verdict(r, BUS_CONSUMER_RETRY, "dropping %s: %s", pipeline, sluice_strerror(rc));
        engine_state_free(tombstone);
        json_decref(applied);
        return;
    }
    h->stats.saves++;
    orch_cache_put(&h->cache, pipeline, saved, tombstone, applied);
}

void orch_batch_handle(bus_consumer_item *items, size_t n, void *ctx)
{
    orch_handler *h = ctx;
    int64_t started = sluice_time_monotonic_ns();
    batch_req *reqs = calloc(n, sizeof *reqs);
    batch_req **group = calloc(n, sizeof *group);
    if (reqs == NULL || group == NULL) {
        for (size_t i = 0; i < n; i++) {
            items[i].verdict = BUS_CONSUMER_RETRY;
        }
        free(reqs);
        free(group);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        reqs[i].item = &items[i];
        items[i].verdict = BUS_CONSUMER_DONE;
        items[i].reason[0] = '\0';
        if (orch_route_request(items[i].msg.envelope, &reqs[i].req, items[i].reason,
                               sizeof items[i].reason) == SLUICE_OK) {
            reqs[i].parsed = true;
        } else {
            h->stats.rejected++;
            items[i].verdict = BUS_CONSUMER_REJECT;
        }
    }
    /* Per pipeline, in arrival order: runs of engine requests share one save. */
    for (size_t i = 0; i < n; i++) {
        if (!reqs[i].parsed || reqs[i].grouped) {
            continue;
        }
        size_t count = 0;
        for (size_t j = i; j < n; j++) {
            if (reqs[j].parsed && !reqs[j].grouped &&
                strcmp(reqs[j].req.pipeline, reqs[i].req.pipeline) == 0) {
                reqs[j].grouped = true;
                group[count++] = &reqs[j];
            }
        }
        size_t at = 0;
        while (at < count) {
            if (group[at]->req.kind == ORCH_REQUEST_DELETED) {
                drop_pipeline(h, group[at]);
                at++;
                continue;
            }
            size_t end = at;
            while (end < count && group[end]->req.kind == ORCH_REQUEST_ENGINE) {
                end++;
            }
            step_segment(h, group + at, end - at);
            at = end;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (reqs[i].parsed) {
            reqs[i].req.doc.input.update.pipeline = NULL;
            model_pipeline_free(reqs[i].model);
            orch_request_clear(&reqs[i].req);
        }
    }
    free(reqs);
    free(group);
    h->stats.last_batch_ns = (uint64_t)(sluice_time_monotonic_ns() - started);
}
