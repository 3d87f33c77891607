/*
 * orch_batch.c — load → engine_batch_run → save with outbox → drain, per
 * pipeline of a batch (see orch_batch.h).
 */
#include "orch_batch.h"

#include "orch_fault.h"
#include "orch_outbox.h"
#include "orch_park.h"
#include "orch_route.h"

#include "sluice/bus_envelope.h"
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
 * are owned by the caller (*version 0: no state saved yet); *pending says
 * that outbox could not be carried out yet (reason says why): the state is
 * then for parking requests only, not for stepping them.
 */
static int load_state(orch_handler *h, const char *pipeline, uint64_t *version,
                      engine_state **state, json_t **applied, bool *pending, char *reason,
                      size_t reasonlen)
{
    *pending = false;
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
    /* Effects of an earlier step first, in order: until they are out, nothing is stepped. */
    if (*version != 0) {
        rc = orch_outbox_drain(h, pipeline, 0);
        if (rc != SLUICE_OK) {
            *pending = true;
            sluice_error_set(reason, reasonlen, rc, "earlier outbox of %s: %s", pipeline,
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
#define BATCH_ON_STACK 4 /* requests of a batch kept on the stack */

typedef struct batch_req {
    bus_consumer_item *item;
    orch_request req;
    bool parsed;
    bool grouped;
    char seed[400];        /* "<topic>/<partition>/<offset>": seeds the step's ids */
    char source[300];      /* "<topic>:<partition>": its key in "applied" */
    model_pipeline *model; /* PipelineUpdated: the declaration loaded; owned */
    bool from_park;        /* taken back from the pipeline's parked requests */
    bool parked_now;       /* parked by this batch (its verdict DONE depends on the save) */
    bus_consumer_item own; /* from_park: its item (item points here) */
    bus_envelope *env;     /* from_park: its envelope; owned */
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
/* Fills r's id seed and progress source from where it came from. */
static void origin(batch_req *r)
{
    const bus_consumer_message *msg = &r->item->msg;
    snprintf(r->seed, sizeof r->seed, "%s/%" PRId32 "/%" PRId64, msg->topic, msg->partition,
             msg->offset);
    snprintf(r->source, sizeof r->source, "%s:%" PRId32, msg->topic, msg->partition);
}

static int prepare(orch_handler *h, batch_req *r, const json_t *applied)
{
    const bus_consumer_message *msg = &r->item->msg;
    origin(r);
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
 * Writes the effects of the results as the ops of one outbox entry,
 * setting each request's verdict. false when an effect cannot be expressed
 * (the state moved on but cannot be saved: the caller redoes the round).
 */
static bool route_results(orch_handler *h, batch_req **reqs, engine_batch_result *results, size_t n,
                          orch_route_builder *ops, size_t *applied)
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
        int rc = orch_route_builder_add(ops, &res->effects, &route, err, sizeof err);
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
 * Remembers that pipeline has parked requests (so the sweep steps them), or
 * forgets it — in memory and in sluice:parked, so that the sweep of a
 * replica started later finds them too. A pipeline this replica does not
 * know of costs nothing here: its note, if any, is the sweep's to find.
 */
static void parked_mark(orch_handler *h, const char *pipeline, bool parked)
{
    size_t at = h->nparked;
    for (size_t i = 0; i < h->nparked; i++) {
        if (strcmp(h->parked[i], pipeline) == 0) {
            at = i;
            break;
        }
    }
    if (parked && at == h->nparked) {
        if (h->nparked < ORCH_HANDLER_PARKED_MAX) {
            snprintf(h->parked[h->nparked++], sizeof h->parked[0], "%s", pipeline);
        }
        int rc = orch_store_parked_add(h->store, pipeline);
        if (rc != SLUICE_OK) {
            SLUICE_WARN("pipeline %s: noting its parked requests: %s", pipeline,
                        sluice_strerror(rc));
        }
    } else if (!parked && at < h->nparked) {
        h->nparked--;
        memmove(h->parked[at], h->parked[h->nparked], sizeof h->parked[0]);
        (void)orch_store_parked_remove(h->store, pipeline); /* a note left is found again */
    }
}

/*
 * Parks the requests reqs[from..n) that are not parked already (taken back
 * from the list), rejected, or applied before, at the end of applied's
 * parked list, and saves that with state (unchanged since version). Parked
 * requests are DONE — durable in the state, so their offsets may be stored —
 * and hold back only this pipeline. When parking or the save fails they are
 * RETRY. Returns the version saved, or 0 when nothing was.
 */
static uint64_t park_rest(orch_handler *h, const char *pipeline, batch_req **reqs, size_t from,
                          size_t n, uint64_t version, engine_state *state, json_t *applied,
                          const char *why)
{
    size_t parked = 0;
    for (size_t i = from; i < n; i++) {
        batch_req *r = reqs[i];
        const bus_consumer_message *msg = &r->item->msg;
        if (r->from_park || r->item->verdict == BUS_CONSUMER_REJECT) {
            continue;
        }
        origin(r);
        if (engine_batch_progress(applied, r->source) >= msg->offset) {
            h->stats.duplicates++;
            r->item->verdict = BUS_CONSUMER_DONE;
            continue;
        }
        int rc =
            orch_park_add(applied, msg->topic, msg->partition, msg->offset, msg->payload, msg->len);
        if (rc != SLUICE_OK) {
            for (size_t j = i; j < n; j++) {
                if (!reqs[j]->from_park && reqs[j]->item->verdict != BUS_CONSUMER_REJECT) {
                    verdict(reqs[j], BUS_CONSUMER_RETRY, "%s (not parked: %s)", why,
                            sluice_strerror(rc));
                }
            }
            break;
        }
        r->parked_now = true;
        r->item->verdict = BUS_CONSUMER_DONE;
        r->item->reason[0] = '\0';
        parked++;
    }
    if (parked == 0) {
        return 0;
    }
    json_t *ops = json_array();
    uint64_t saved = 0;
    int rc = orch_store_save(h->store, pipeline, version, state, applied, ops, &saved);
    json_decref(ops);
    for (size_t i = from; i < n; i++) {
        batch_req *r = reqs[i];
        if (r->parked_now && rc != SLUICE_OK) {
            verdict(r, BUS_CONSUMER_RETRY, "%s (parking it: %s)", why, sluice_strerror(rc));
        }
        r->parked_now = false;
    }
    if (rc != SLUICE_OK) {
        return 0;
    }
    h->stats.parked += parked;
    h->stats.saves++;
    parked_mark(h, pipeline, true);
    SLUICE_INFO("pipeline %s: %zu request(s) parked (%zu waiting): %s", pipeline, parked,
                orch_park_count(applied), why);
    return saved;
}

/*
 * Takes parked request i of applied back into r (its own item and
 * envelope). false when it cannot be read: it is then dropped with the
 * others handled (logged; it never will be readable).
 */
static bool unpark(const char *pipeline, const json_t *applied, size_t i, batch_req *r)
{
    memset(r, 0, sizeof *r);
    r->from_park = true;
    r->item = &r->own;
    const char *topic = NULL;
    const char *text = NULL;
    size_t len = 0;
    char why[256];
    int rc =
        orch_park_get(applied, i, &topic, &r->own.msg.partition, &r->own.msg.offset, &text, &len);
    if (rc == SLUICE_OK) {
        rc = bus_envelope_decode(text, len, BUS_ENVELOPE_MAX_BYTES, &r->env, why, sizeof why);
    } else {
        snprintf(why, sizeof why, "not a parked request");
    }
    if (rc == SLUICE_OK) {
        r->own.msg.topic = topic;
        r->own.msg.envelope = r->env;
        r->own.msg.payload = text;
        r->own.msg.len = len;
        rc = orch_route_request(r->env, &r->req, why, sizeof why);
        r->parsed = rc == SLUICE_OK;
    }
    if (rc == SLUICE_OK &&
        (r->req.kind != ORCH_REQUEST_ENGINE || strcmp(r->req.pipeline, pipeline) != 0)) {
        snprintf(why, sizeof why, "not an engine request of this pipeline");
        rc = SLUICE_EPARSE;
    }
    if (rc != SLUICE_OK) {
        SLUICE_ERROR("pipeline %s: dropping parked request %zu: %s", pipeline, i, why);
        r->own.verdict = BUS_CONSUMER_REJECT;
        return false;
    }
    r->own.verdict = BUS_CONSUMER_DONE;
    return true;
}

/* Releases what unpark took; a parked request rejected when stepped is logged (and gone). */
static void unpark_clear(const char *pipeline, batch_req *r)
{
    if (r->parsed && r->own.verdict == BUS_CONSUMER_REJECT) {
        SLUICE_ERROR("pipeline %s: parked request %s/%" PRId32 "/%" PRId64 " rejected: %s",
                     pipeline, r->own.msg.topic, r->own.msg.partition, r->own.msg.offset,
                     r->own.reason);
    }
    if (r->parsed) {
        r->req.doc.input.update.pipeline = NULL;
        orch_request_clear(&r->req);
    }
    model_pipeline_free(r->model);
    bus_envelope_free(r->env);
}

/*
 * Drops the oldest parked request of pipeline when it is the one at msg (a
 * parked request whose step was refused for good, e.g. too big a state:
 * left parked, it would be stepped and refused again and again, holding the
 * pipeline's later requests behind it). Saved on the current state.
 */
static void drop_parked_head(orch_handler *h, const char *pipeline, const bus_consumer_message *msg)
{
    uint64_t version = 0;
    engine_state *state = NULL;
    json_t *applied = NULL;
    bool pending = false;
    char reason[512];
    if (load_state(h, pipeline, &version, &state, &applied, &pending, reason, sizeof reason) !=
        SLUICE_OK) {
        return;
    }
    const char *topic = NULL;
    const char *text = NULL;
    int32_t partition = 0;
    int64_t offset = 0;
    size_t len = 0;
    if (orch_park_get(applied, 0, &topic, &partition, &offset, &text, &len) == SLUICE_OK &&
        strcmp(topic, msg->topic) == 0 && partition == msg->partition && offset == msg->offset) {
        orch_park_drop(applied, 1);
        json_t *ops = json_array();
        uint64_t saved = 0;
        if (orch_store_save(h->store, pipeline, version, state, applied, ops, &saved) ==
            SLUICE_OK) {
            h->stats.saves++;
            SLUICE_WARN("pipeline %s: parked request %s/%" PRId32 "/%" PRId64 " dropped: %s",
                        pipeline, msg->topic, msg->partition, msg->offset, h->store->last_error);
        }
        json_decref(ops);
    }
    engine_state_free(state);
    json_decref(applied);
}

/*
 * Steps reqs[0..n) — consecutive engine requests of one pipeline, in order —
 * on the pipeline's state, saving once per ORCH_BATCH_OPS_MAX effects: one
 * load, one compare-and-set and one outbox drain for many requests. Requests
 * the pipeline parked earlier go first; while its outbox cannot be carried
 * out, the new ones are parked behind them (park_rest).
 */
static void step_segment(orch_handler *h, const char *pipeline, batch_req **fresh, size_t nfresh)
{
    uint64_t version = 0;
    engine_state *state = NULL;
    json_t *applied = NULL;
    bool pending = false;
    char reason[512];
    if (load_state(h, pipeline, &version, &state, &applied, &pending, reason, sizeof reason) !=
        SLUICE_OK) {
        verdict_rest(fresh, 0, nfresh, BUS_CONSUMER_RETRY, reason);
        return;
    }
    if (pending) {
        (void)park_rest(h, pipeline, fresh, 0, nfresh, version, state, applied, reason);
        engine_state_free(state);
        json_decref(applied);
        return;
    }
    /* Evicting stays the engine's job; how much history a state keeps is ours. */
    state->keep_terminal = h->keep_terminal;
    size_t np = orch_park_count(applied);
    if (np > ORCH_PARK_TAKE) {
        np = ORCH_PARK_TAKE;
    }
    size_t n = np + nfresh;
    batch_req *parked = np > 0 ? calloc(np, sizeof *parked) : NULL;
    batch_req **reqs = calloc(n > 0 ? n : 1, sizeof *reqs);
    /* The requests to step: up to the first that must wait; rejected ones left out. */
    batch_req **take = calloc(n > 0 ? n : 1, sizeof *take);
    size_t *take_at = calloc(n > 0 ? n : 1, sizeof *take_at);
    engine_batch_request *breqs = calloc(n > 0 ? n : 1, sizeof *breqs);
    engine_batch_result *results = calloc(n > 0 ? n : 1, sizeof *results);
    if ((np > 0 && parked == NULL) || reqs == NULL || take == NULL || take_at == NULL ||
        breqs == NULL || results == NULL) {
        verdict_rest(fresh, 0, nfresh, BUS_CONSUMER_RETRY, "out of memory");
        free(parked);
        free(reqs);
        free(take);
        free(take_at);
        free(breqs);
        free(results);
        engine_state_free(state);
        json_decref(applied);
        return;
    }
    for (size_t i = 0; i < np; i++) {
        (void)unpark(pipeline, applied, i, &parked[i]);
        reqs[i] = &parked[i];
    }
    for (size_t i = 0; i < nfresh; i++) {
        reqs[np + i] = fresh[i];
    }
    size_t m = 0;
    size_t waits = n; /* index of the first request that must wait */
    for (size_t i = 0; i < n; i++) {
        if (reqs[i]->item->verdict == BUS_CONSUMER_REJECT) {
            continue; /* a parked request that cannot be read */
        }
        int rc = prepare(h, reqs[i], applied);
        if (rc < 0) {
            waits = i;
            verdict_rest(reqs, i + 1, n, BUS_CONSUMER_RETRY, "after a request that must wait");
            break;
        }
        if (rc == 0) {
            take[m] = reqs[i];
            take_at[m] = i;
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
        .id_key = h->id_key,
        .id_key_len = h->id_key_len,
    };
    bool keep = true;
    size_t dropped = 0; /* parked requests handled and dropped from the list */
    size_t k = 0;
    while (k < m || (keep && dropped < (waits < np ? waits : np))) {
        size_t want = k < m ? (h->save_each ? 1 : m - k) : 0;
        size_t taken =
            want > 0 ? engine_batch_run(state, applied, &bctx, breqs + k, want, results + k) : 0;
        orch_route_builder ops;
        orch_route_builder_init(&ops);
        size_t stepped = 0;
        bool routed = route_results(h, take + k, results + k, taken, &ops, &stepped);
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
            orch_route_builder_free(&ops);
            keep = false;
            break;
        }
        /* Parked requests handled by now leave the list in the same save. */
        size_t handled = k + taken < m ? take_at[k + taken - 1] + 1 : (waits < n ? waits : n);
        size_t drop = (handled < np ? handled : np) - dropped;
        orch_park_drop(applied, drop);
        dropped += drop;
        uint64_t saved = version;
        orch_route_entry entry = {0};
        orch_store_saved done = {0};
        if (stepped > 0 || drop > 0) {
            int rc = orch_route_builder_finish(&ops, &entry);
            if (rc == SLUICE_OK) {
                rc = orch_store_save_entry(h->store, pipeline, version, state, applied, &entry,
                                           &done);
                saved = done.version;
            }
            if (rc == SLUICE_ETOOBIG) {
                orch_route_entry_free(&entry);
                state_too_big(h, take + k, taken, stepped);
                for (size_t i = k + taken; i < m; i++) {
                    verdict(take[i], BUS_CONSUMER_RETRY, "after a refused save");
                }
                orch_route_builder_free(&ops);
                keep = false;
                break;
            }
            if (rc != SLUICE_OK) {
                orch_route_entry_free(&entry);
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
                orch_route_builder_free(&ops);
                keep = false;
                break;
            }
            h->stats.steps += stepped;
            h->stats.saves++;
            SLUICE_FAULT_POINT(ORCH_FAULT_AFTER_CAS);
        }
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
        /* The entry just saved, when the outbox holds nothing else, goes out from memory. */
        int out = SLUICE_OK;
        if (!done.alone) {
            out = orch_outbox_drain(h, pipeline, 0);
        } else if (entry.nops > 0) {
            h->stats.from_memory++;
            out = orch_outbox_carry_out_saved(h, pipeline, &entry, done.entry_id);
        }
        orch_route_entry_free(&entry);
        orch_route_builder_free(&ops);
        if (out != SLUICE_OK) {
            /* Saved, so done; what follows waits, parked, until the outbox is out. */
            size_t rest = k < m ? take_at[k] : waits;
            uint64_t after = park_rest(h, pipeline, reqs, rest, n, version, state, applied,
                                       "the outbox is not carried out yet");
            (void)after;
            keep = false;
            break;
        }
    }
    if (keep) {
        h->save_each = false; /* every request of the segment saved */
        parked_mark(h, pipeline, orch_park_count(applied) > 0);
    } else if (k < m && take[k]->from_park && take[k]->own.verdict == BUS_CONSUMER_REJECT) {
        drop_parked_head(h, pipeline, &take[k]->own.msg); /* refused for good: never again */
    }
    for (size_t i = 0; i < np; i++) {
        unpark_clear(pipeline, &parked[i]);
    }
    free(parked);
    free(reqs);
    free(take);
    free(take_at);
    free(breqs);
    free(results);
    if (keep && version != 0) {
        orch_cache_put(&h->cache, pipeline, version, state, applied); /* saved and carried out */
        return;
    }
    engine_state_free(state); /* unsaved changes are never kept */
    json_decref(applied);
}

void orch_batch_unpark(orch_handler *h, const char *pipeline)
{
    step_segment(h, pipeline, NULL, 0);
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
    bool pending = false;
    if (load_state(h, pipeline, &version, &state, &applied, &pending, reason, sizeof reason) !=
        SLUICE_OK) {
        verdict(r, BUS_CONSUMER_RETRY, "%s", reason);
        return;
    }
    if (pending || orch_park_count(applied) > 0) {
        /* What waits goes first: a delete never overtakes it, nor is it parked. */
        verdict(r, BUS_CONSUMER_RETRY, "%s", pending ? reason : "behind the parked requests");
        bool parked = !pending;
        engine_state_free(state);
        json_decref(applied);
        if (parked) {
            parked_mark(h, pipeline, true);
            orch_batch_unpark(h, pipeline); /* step them now; the delete comes again */
        }
        return;
    }
    (void)prepare(h, r, applied); /* fills the seed and the source; a delete loads nothing */
    engine_batch_request breq = {
        .seed = r->seed,
        .source = r->source,
        .position = r->item->msg.offset,
        .deleted = true,
    };
    engine_batch_ctx bctx = {
        .now_ms = orch_handler_now_ms(h), .id_key = h->id_key, .id_key_len = h->id_key_len};
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
    /* A few requests (light load) stay on the stack: a heap block this large
     * would make malloc consolidate its fast bins at every batch. */
    batch_req small_reqs[BATCH_ON_STACK];
    batch_req *small_group[BATCH_ON_STACK];
    bool on_stack = n <= BATCH_ON_STACK;
    batch_req *reqs = on_stack ? small_reqs : calloc(n, sizeof *reqs);
    batch_req **group = on_stack ? small_group : calloc(n, sizeof *group);
    if (reqs == NULL || group == NULL) {
        for (size_t i = 0; i < n; i++) {
            items[i].verdict = BUS_CONSUMER_RETRY;
        }
        free(reqs);
        free(group);
        return;
    }
    if (on_stack) {
        memset(reqs, 0, n * sizeof *reqs);
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
            step_segment(h, group[at]->req.pipeline, group + at, end - at);
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
    if (!on_stack) {
        free(reqs);
        free(group);
    }
    h->stats.last_batch_ns = (uint64_t)(sluice_time_monotonic_ns() - started);
}
