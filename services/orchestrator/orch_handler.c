/*
 * orch_handler.c — consume → load → step → save with outbox → publish → ack
 * (see orch_handler.h).
 */
#include "orch_handler.h"

#include "orch_route.h"

#include "sluice/engine_ids.h"
#include "sluice/engine_plan.h"
#include "sluice/engine_state.h"
#include "sluice/engine_step.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/model_errors.h"
#include "sluice/model_parse.h"
#include "sluice/time.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void orch_handler_init(orch_handler *h, orch_store *store, bus_producer *producer,
                       const bus_topics *topics, const char *account, const char *region)
{
    memset(h, 0, sizeof *h);
    h->store = store;
    h->producer = producer;
    h->topics = topics;
    h->account = account;
    h->region = region;
    h->publish_timeout_ms = 10000;
    h->timer_lease_ms = 30000;
    h->keep_terminal = ENGINE_STATE_KEEP_TERMINAL;
}

int64_t orch_handler_now_ms(const orch_handler *h)
{
    return sluice_time_now_ms() + h->clock_offset_ms;
}

static size_t cache_slot(const char *pipeline)
{
    uint32_t hash = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)pipeline; *p != '\0'; p++) {
        hash = (hash ^ *p) * 16777619u;
    }
    return hash % ORCH_CACHE_SLOTS;
}

static void cache_clear_slot(orch_cache_slot *slot)
{
    engine_state_free(slot->state);
    json_decref(slot->applied);
    memset(slot, 0, sizeof *slot);
}

/* Takes the cached state of pipeline out of the cache; false when there is none. */
static bool cache_take(orch_handler *h, const char *pipeline, uint64_t *version,
                       engine_state **state, json_t **applied)
{
    orch_cache_slot *slot = &h->cache[cache_slot(pipeline)];
    if (slot->version == 0 || strcmp(slot->pipeline, pipeline) != 0) {
        return false;
    }
    *version = slot->version;
    *state = slot->state;
    *applied = slot->applied;
    memset(slot, 0, sizeof *slot);
    return true;
}

/* Keeps state (ownership taken) as the saved version of pipeline, evicting the slot's tenant. */
static void cache_put(orch_handler *h, const char *pipeline, uint64_t version, engine_state *state,
                      json_t *applied)
{
    orch_cache_slot *slot = &h->cache[cache_slot(pipeline)];
    cache_clear_slot(slot);
    snprintf(slot->pipeline, sizeof slot->pipeline, "%s", pipeline);
    slot->version = version;
    slot->state = state;
    slot->applied = applied;
}

/* Forgets pipeline's cached state, if any. */
static void cache_drop(orch_handler *h, const char *pipeline)
{
    orch_cache_slot *slot = &h->cache[cache_slot(pipeline)];
    if (slot->version != 0 && strcmp(slot->pipeline, pipeline) == 0) {
        cache_clear_slot(slot);
    }
}

void orch_handler_release(orch_handler *h)
{
    for (size_t i = 0; i < ORCH_CACHE_SLOTS; i++) {
        cache_clear_slot(&h->cache[i]);
    }
}

static int publish(orch_handler *h, bus_topics_kind topic, const char *key, const json_t *message)
{
    char *text = json_dumps(message, JSON_COMPACT);
    if (text == NULL) {
        return SLUICE_ENOMEM;
    }
    int rc = bus_producer_send(h->producer, bus_topics_get(h->topics, topic), key, strlen(key),
                               text, strlen(text), NULL);
    free(text);
    return rc;
}

static int carry_out(orch_handler *h, const char *pipeline, const orch_op *op)
{
    switch (op->kind) {
    case ORCH_OP_PUBLISH_EVENT:
        return publish(h, BUS_TOPICS_EVENTS, op->key, op->payload);
    case ORCH_OP_PUBLISH_JOB:
        return publish(h, BUS_TOPICS_JOBS, op->key, op->payload);
    case ORCH_OP_TIMER_SET:
        return orch_store_timer_set(h->store, pipeline, op->key, op->deadline_ms);
    case ORCH_OP_TIMER_CANCEL:
        return orch_store_timer_cancel(h->store, pipeline, op->key);
    case ORCH_OP_REPLY:
        return orch_store_reply(h->store, pipeline, op->id, op->payload);
    case ORCH_OP_ARCHIVE_EXECUTION:
        return orch_store_archive_execution(h->store, pipeline, op->id, op->start_ms, op->payload);
    case ORCH_OP_ARCHIVE_ACTION:
        return orch_store_archive_action(h->store, pipeline, op->id, op->start_ms, op->payload);
    }
    return SLUICE_EINVAL;
}

/*
 * Carries out every op of one outbox entry {"ops":[...]}. Ops that cannot be
 * read are logged and dropped (they never will be); the first op that fails
 * stops the entry, which then stays for another attempt (its ops are
 * idempotent, so repeating the ones already done is harmless).
 */
static int carry_out_entry(orch_handler *h, const char *pipeline, const state_cas_entry *entry)
{
    json_error_t jerr;
    json_t *root = json_loadb(entry->data, entry->len, 0, &jerr);
    json_t *ops = json_object_get(root, "ops");
    if (!json_is_array(ops)) {
        SLUICE_ERROR("pipeline %s: dropping outbox entry %s: not an op list", pipeline, entry->id);
        json_decref(root);
        return SLUICE_OK;
    }
    int rc = SLUICE_OK;
    for (size_t i = 0; i < json_array_size(ops) && rc == SLUICE_OK; i++) {
        orch_op op;
        char err[256];
        if (orch_op_from_json(json_array_get(ops, i), &op, err, sizeof err) != SLUICE_OK) {
            SLUICE_ERROR("pipeline %s: dropping op %zu of outbox entry %s: %s", pipeline, i,
                         entry->id, err);
            continue;
        }
        rc = carry_out(h, pipeline, &op);
        orch_op_clear(&op);
        if (rc == SLUICE_OK) {
            h->stats.published++;
        }
    }
    json_decref(root);
    return rc;
}

static int64_t stream_id_ms(const char *id)
{
    uint64_t ms = 0;
    uint64_t seq = 0;
    if (state_cas_stream_id_parse(id, &ms, &seq) != SLUICE_OK) {
        return 0;
    }
    return (int64_t)ms;
}

int orch_handler_drain_outbox(orch_handler *h, const char *pipeline, int64_t min_age_ms)
{
    int64_t cutoff = sluice_time_now_ms() - min_age_ms;
    for (;;) {
        state_cas_outbox outbox = {0};
        int rc = orch_store_outbox_peek(h->store, pipeline, &outbox);
        if (rc != SLUICE_OK) {
            return rc;
        }
        if (outbox.count == 0) {
            state_cas_outbox_clear(&outbox);
            return SLUICE_OK;
        }
        size_t done = 0;
        for (; done < outbox.count && rc == SLUICE_OK; done++) {
            const state_cas_entry *entry = &outbox.entries[done];
            if (min_age_ms > 0 && stream_id_ms(entry->id) > cutoff) {
                break; /* young: its own writer is probably carrying it out */
            }
            rc = carry_out_entry(h, pipeline, entry);
            if (rc != SLUICE_OK) {
                SLUICE_WARN("pipeline %s: outbox entry %s not carried out: %s", pipeline, entry->id,
                            sluice_strerror(rc));
                break;
            }
        }
        /* Everything published must be persisted before the entries go. */
        int flushed = bus_producer_flush(h->producer, h->publish_timeout_ms);
        size_t acked = done; /* entries carried out (or dropped as malformed) */
        if (flushed == SLUICE_OK && acked > 0) {
            int ack = orch_store_outbox_ack(h->store, pipeline, outbox.entries[acked - 1].id);
            if (ack != SLUICE_OK && rc == SLUICE_OK) {
                rc = ack;
            }
        } else if (flushed != SLUICE_OK && rc == SLUICE_OK) {
            rc = flushed;
        }
        bool more =
            rc == SLUICE_OK && done == outbox.count && outbox.count == ORCH_STORE_OUTBOX_BATCH;
        state_cas_outbox_clear(&outbox);
        if (!more) {
            return rc;
        }
    }
}

/* The "applied" offset of topic:partition, or -1. */
static int64_t applied_offset(const json_t *applied, const char *partition_key)
{
    json_t *value = json_object_get(applied, partition_key);
    return json_is_integer(value) ? json_integer_value(value) : -1;
}

/*
 * The state of pipeline to step: the cached one, or the one in Redis after
 * carrying out any outbox an earlier step left. On 0, *state and *applied
 * are owned by the caller (*version 0: no state saved yet).
 */
static int load_state(orch_handler *h, const char *pipeline, uint64_t *version,
                      engine_state **state, json_t **applied, char *reason, size_t reasonlen)
{
    if (cache_take(h, pipeline, version, state, applied)) {
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
        rc = orch_handler_drain_outbox(h, pipeline, 0);
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

static void partition_key(const bus_consumer_message *msg, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s:%" PRId32, msg->topic, msg->partition);
}

/*
 * Steps one request on state. Returns 1 when the state changed (its ops were
 * appended to ops and applied records the offset), 0 when the request changed
 * nothing (a duplicate, or rejected with its verdict set), or -1 when the
 * state can no longer be trusted or the request must wait (verdict RETRY or
 * REJECT set; the caller stops the segment).
 */
static int step_one(orch_handler *h, batch_req *r, engine_state *state, json_t *applied,
                    json_t *ops)
{
    const bus_consumer_message *msg = &r->item->msg;
    const char *pipeline = r->req.pipeline;
    char pk[300];
    partition_key(msg, pk, sizeof pk);
    if (applied_offset(applied, pk) >= msg->offset) {
        h->stats.duplicates++;
        verdict(r, BUS_CONSUMER_DONE, NULL);
        return 0;
    }
    model_pipeline *model = NULL;
    if (r->req.doc.input.kind == ENGINE_INPUT_PIPELINE_UPDATED) {
        char why[512];
        int rc = load_model(h, pipeline, r->req.version, &model, why, sizeof why);
        if (rc == SLUICE_EPARSE || rc == SLUICE_ENOTFOUND) {
            h->stats.rejected++;
            verdict(r, BUS_CONSUMER_REJECT, "%s", why);
            return 0;
        }
        if (rc != SLUICE_OK) {
            verdict(r, BUS_CONSUMER_RETRY, "%s", why);
            return -1;
        }
        r->req.doc.input.update.pipeline = model;
    }
    char seed[400];
    snprintf(seed, sizeof seed, "%s/%" PRId32 "/%" PRId64, msg->topic, msg->partition, msg->offset);
    engine_ids_seeded ids;
    engine_ids_seeded_init(&ids, seed);
    engine_ctx ctx = {
        .now_ms = orch_handler_now_ms(h),
        .ids = engine_ids_seeded_source(&ids),
        .account = h->account,
        .region = h->region,
    };
    engine_effects effects;
    engine_effects_init(&effects);
    char err[512];
    int result = 1;
    if (engine_step(state, &ctx, &r->req.doc.input, &effects, err, sizeof err) != SLUICE_OK) {
        /* A malformed input leaves the state as it was. */
        h->stats.rejected++;
        verdict(r, BUS_CONSUMER_REJECT, "%s", err);
        result = 0;
    } else {
        char *arn = engine_step_pipeline_arn(&ctx, pipeline);
        orch_route_ctx route = {
            .pipeline = pipeline,
            .pipeline_arn = arn,
            .account = ctx.account,
            .region = ctx.region,
            .now_ms = ctx.now_ms,
        };
        if (orch_route_effects(&effects, &route, ops, err, sizeof err) != SLUICE_OK) {
            /* The state moved on but its effects cannot be written: do not keep it. */
            h->stats.rejected++;
            verdict(r, BUS_CONSUMER_REJECT, "engine effects: %s", err);
            result = -1;
        } else {
            json_object_set_new(applied, pk, json_integer(msg->offset));
        }
        free(arn);
    }
    engine_effects_free(&effects);
    r->req.doc.input.update.pipeline = NULL;
    model_pipeline_free(model);
    return result;
}

/* Sets verdict v with reason on reqs[from..to) that have none yet (still DONE by default). */
static void verdict_rest(batch_req **reqs, size_t from, size_t to, bus_consumer_verdict v,
                         const char *reason)
{
    for (size_t i = from; i < to; i++) {
        verdict(reqs[i], v, "%s", reason);
    }
}

/*
 * A save of the round reqs[0..n) was refused: a record would exceed the
 * store's bound. With one request that changed the state (reqs[changer]), that
 * request fails — dead letter and, when someone waits, a LimitExceededException
 * reply naming the record and the bound — and the state stays as it was. With
 * several, the round is retried saving after every request, to find it.
 */
static void state_too_big(orch_handler *h, batch_req **reqs, size_t n, size_t stepped,
                          size_t changer)
{
    const char *why = h->store->last_error;
    SLUICE_WARN("%s", why);
    if (stepped > 1) {
        h->save_each = true;
        for (size_t i = 0; i < n; i++) {
            verdict(reqs[i], BUS_CONSUMER_RETRY, "redone one request per save: %s", why);
        }
        return;
    }
    h->save_each = false;
    h->stats.rejected++;
    batch_req *r = reqs[changer];
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
 * Steps reqs[0..n) — consecutive engine requests of one pipeline, in order —
 * on the pipeline's state, saving once per ORCH_BATCH_OPS_MAX ops: one load,
 * one compare-and-set and one outbox drain for many requests.
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
    size_t k = 0;
    while (k < n) {
        json_t *ops = json_array();
        size_t first = k;
        size_t stepped = 0;
        bool stop = false;
        size_t changer = k; /* the last request that changed the state */
        for (; k < n && json_array_size(ops) < ORCH_BATCH_OPS_MAX && !(h->save_each && stepped > 0);
             k++) {
            int rc = step_one(h, reqs[k], state, applied, ops);
            if (rc < 0) {
                stop = true;
                k++;
                break;
            }
            stepped += (size_t)rc;
            changer = rc > 0 ? k : changer;
        }
        bool tainted = stop && reqs[k - 1]->item->verdict == BUS_CONSUMER_REJECT;
        if (tainted) {
            /* The failed step changed the state: redo everything of this round from Redis. */
            for (size_t i = first; i < k - 1; i++) {
                verdict(reqs[i], BUS_CONSUMER_RETRY, "redone after a failed step");
            }
            verdict_rest(reqs, k, n, BUS_CONSUMER_RETRY, "redone after a failed step");
            json_decref(ops);
            goto drop;
        }
        uint64_t saved = version;
        if (stepped > 0) {
            int rc = orch_store_save(h->store, pipeline, version, state, applied, ops, &saved);
            if (rc == SLUICE_ETOOBIG) {
                state_too_big(h, reqs + first, k - first, stepped, changer - first);
                verdict_rest(reqs, k, n, BUS_CONSUMER_RETRY, "after a failed save");
                json_decref(ops);
                goto drop;
            }
            if (rc != SLUICE_OK) {
                if (rc == SLUICE_ECONFLICT) {
                    h->stats.conflicts++;
                }
                snprintf(reason, sizeof reason, "%s",
                         rc == SLUICE_ECONFLICT ? "the state changed meanwhile"
                                                : sluice_strerror(rc));
                SLUICE_DEBUG("pipeline %s: saving: %s", pipeline, reason);
                for (size_t i = first; i < k; i++) {
                    if (reqs[i]->item->verdict == BUS_CONSUMER_DONE) {
                        verdict(reqs[i], BUS_CONSUMER_RETRY, "state of %s changed meanwhile",
                                pipeline);
                    }
                }
                verdict_rest(reqs, k, n, BUS_CONSUMER_RETRY, "after a failed save");
                json_decref(ops);
                goto drop;
            }
            h->stats.steps += stepped;
            h->stats.saves++;
        }
        json_decref(ops);
        /* Fired timers are spent (the outbox may set them again, after this). */
        for (size_t i = first; i < k; i++) {
            const engine_input *in = &reqs[i]->req.doc.input;
            if (in->kind == ENGINE_INPUT_TIMER && in->timer.key != NULL &&
                reqs[i]->item->verdict == BUS_CONSUMER_DONE) {
                (void)orch_store_timer_cancel(h->store, pipeline, in->timer.key);
            }
        }
        version = saved;
        if (orch_handler_drain_outbox(h, pipeline, 0) != SLUICE_OK) {
            /* Saved, so done; what follows waits until the outbox is out. */
            verdict_rest(reqs, k, n, BUS_CONSUMER_RETRY, "the outbox is not carried out yet");
            goto drop;
        }
        if (stop) {
            verdict_rest(reqs, k, n, BUS_CONSUMER_RETRY, "after a request that must wait");
            break;
        }
    }
    if (version != 0) {
        cache_put(h, pipeline, version, state, applied); /* saved and carried out */
        return;
    }
drop:
    engine_state_free(state); /* unsaved changes are never kept */
    json_decref(applied);
}

/* Handles a PipelineDeleted request. */
static void drop_pipeline(orch_handler *h, batch_req *r)
{
    cache_drop(h, r->req.pipeline);
    int rc = orch_store_drop(h->store, r->req.pipeline);
    if (rc != SLUICE_OK) {
        verdict(r, BUS_CONSUMER_RETRY, "dropping %s: %s", r->req.pipeline, sluice_strerror(rc));
    }
}

void orch_handler_handle_batch(bus_consumer_item *items, size_t n, void *ctx)
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
            orch_request_clear(&reqs[i].req);
        }
    }
    free(reqs);
    free(group);
    h->stats.last_batch_ns = (uint64_t)(sluice_time_monotonic_ns() - started);
}

int orch_handler_fire_timers(orch_handler *h, int64_t now_ms)
{
    char **members = NULL;
    size_t count = 0;
    int rc = orch_store_timers_claim(h->store, now_ms, h->timer_lease_ms, 100, &members, &count);
    if (rc != SLUICE_OK) {
        return rc;
    }
    int fired = 0;
    for (size_t i = 0; i < count; i++) {
        char pipeline[ORCH_PIPELINE_NAME_MAX + 1];
        const char *key = NULL;
        if (orch_route_timer_split(members[i], pipeline, sizeof pipeline, &key) != SLUICE_OK) {
            continue;
        }
        char id[ENGINE_ID_LEN + 1];
        char name[600];
        snprintf(name, sizeof name, "timer/%s/%" PRId64, members[i], now_ms);
        engine_ids_derive(name, 0, id);
        json_t *detail =
            json_pack("{s:s, s:s, s:s}", "type", "TimerFired", "pipeline", pipeline, "key", key);
        char arn[256];
        snprintf(arn, sizeof arn, "arn:aws:codepipeline:%s:%s:%s", h->region, h->account, pipeline);
        const char *resources[1] = {arn};
        bus_envelope_spec spec = {
            .id = id,
            .detail_type = ORCH_DETAIL_TYPE_REQUEST,
            .source = ORCH_SOURCE,
            .account = h->account,
            .region = h->region,
            .time_ms = now_ms,
            .resources = resources,
            .nresources = 1,
            .detail = detail,
        };
        bus_envelope *env = NULL;
        char err[256];
        if (bus_envelope_new(&spec, &env, err, sizeof err) == SLUICE_OK) {
            if (publish(h, BUS_TOPICS_REQUESTS, pipeline, env->root) == SLUICE_OK) {
                fired++;
            }
            bus_envelope_free(env);
        } else {
            SLUICE_ERROR("timer %s of %s: %s", key, pipeline, err);
        }
        json_decref(detail);
    }
    orch_store_members_free(members, count);
    if (fired > 0) {
        /* An unpublished claim is retried when its lease runs out. */
        (void)bus_producer_flush(h->producer, h->publish_timeout_ms);
        h->stats.timers += (uint64_t)fired;
    }
    return fired;
}

typedef struct sweep_ctx {
    orch_handler *h;
    int64_t min_age_ms;
} sweep_ctx;

static void sweep_one(const char *pipeline, void *ctx)
{
    sweep_ctx *s = ctx;
    (void)orch_handler_drain_outbox(s->h, pipeline, s->min_age_ms);
}

void orch_handler_sweep(orch_handler *h, int64_t min_age_ms)
{
    char cursor[32] = "0";
    sweep_ctx s = {h, min_age_ms};
    int rounds = 0;
    do {
        if (orch_store_scan_outboxes(h->store, cursor, sweep_one, &s) != SLUICE_OK) {
            return;
        }
    } while (strcmp(cursor, "0") != 0 && ++rounds < 1000);
}
