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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_DOC_FORMAT 1

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
            orch_op op;
            char err[256];
            if (orch_op_parse(entry->data, entry->len, &op, err, sizeof err) != SLUICE_OK) {
                SLUICE_ERROR("pipeline %s: dropping outbox entry %s: %s", pipeline, entry->id, err);
                continue;
            }
            rc = carry_out(h, pipeline, &op);
            if (rc != SLUICE_OK) {
                SLUICE_WARN("pipeline %s: outbox entry %s not carried out: %s", pipeline,
                            entry->id, sluice_strerror(rc));
                orch_op_clear(&op);
                break;
            }
            orch_op_clear(&op);
        }
        /* Everything published must be persisted before the entries go. */
        int flushed = bus_producer_flush(h->producer, h->publish_timeout_ms);
        size_t acked = done; /* entries carried out (or dropped as malformed) */
        if (flushed == SLUICE_OK && acked > 0) {
            int ack = orch_store_outbox_ack(h->store, pipeline, outbox.entries[acked - 1].id);
            if (ack != SLUICE_OK && rc == SLUICE_OK) {
                rc = ack;
            }
            h->stats.published += acked;
        } else if (flushed != SLUICE_OK && rc == SLUICE_OK) {
            rc = flushed;
        }
        bool more = rc == SLUICE_OK && done == outbox.count && outbox.count == ORCH_STORE_OUTBOX_BATCH;
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

typedef enum step_outcome {
    STEP_SAVED,
    STEP_DUPLICATE,
    STEP_REJECT,
    STEP_RETRY,
} step_outcome;

static step_outcome step_and_save(orch_handler *h, const bus_consumer_message *msg,
                                  orch_request *req, char *reason, size_t reasonlen)
{
    const char *pipeline = req->pipeline;
    char partition_key[300];
    snprintf(partition_key, sizeof partition_key, "%s:%" PRId32, msg->topic, msg->partition);

    uint64_t version = 0;
    engine_state *state = NULL;
    json_t *applied = NULL;
    int rc = load_state(h, pipeline, &version, &state, &applied, reason, reasonlen);
    if (rc != SLUICE_OK) {
        return STEP_RETRY;
    }
    if (applied_offset(applied, partition_key) >= msg->offset) {
        if (version != 0) {
            cache_put(h, pipeline, version, state, applied); /* unchanged */
        } else {
            engine_state_free(state);
            json_decref(applied);
        }
        return STEP_DUPLICATE;
    }
    /* Evicting stays the engine's job; how much history a state keeps is ours. */
    state->keep_terminal = h->keep_terminal;
    char err[512];

    model_pipeline *model = NULL;
    step_outcome outcome = STEP_SAVED;
    engine_effects effects;
    engine_effects_init(&effects);
    json_t *entries = json_array();
    json_t *next = NULL;

    if (req->doc.input.kind == ENGINE_INPUT_PIPELINE_UPDATED) {
        rc = load_model(h, pipeline, req->version, &model, reason, reasonlen);
        if (rc != SLUICE_OK) {
            outcome = rc == SLUICE_EPARSE || rc == SLUICE_ENOTFOUND ? STEP_REJECT : STEP_RETRY;
            goto out;
        }
        req->doc.input.update.pipeline = model;
    }

    char seed[400];
    snprintf(seed, sizeof seed, "%s/%" PRId32 "/%" PRId64, msg->topic, msg->partition,
             msg->offset);
    engine_ids_seeded ids;
    engine_ids_seeded_init(&ids, seed);
    engine_ctx ctx = {
        .now_ms = orch_handler_now_ms(h),
        .ids = engine_ids_seeded_source(&ids),
        .account = h->account,
        .region = h->region,
    };
    rc = engine_step(state, &ctx, &req->doc.input, &effects, err, sizeof err);
    if (rc != SLUICE_OK) {
        sluice_error_set(reason, reasonlen, rc, "%s", err);
        outcome = STEP_REJECT;
        goto out;
    }

    char *arn = engine_step_pipeline_arn(&ctx, pipeline);
    orch_route_ctx route = {
        .pipeline = pipeline,
        .pipeline_arn = arn,
        .account = ctx.account,
        .region = ctx.region,
        .now_ms = ctx.now_ms,
    };
    rc = orch_route_effects(&effects, &route, entries, err, sizeof err);
    free(arn);
    if (rc != SLUICE_OK) {
        sluice_error_set(reason, reasonlen, rc, "engine effects: %s", err);
        outcome = STEP_REJECT;
        goto out;
    }

    json_object_set_new(applied, partition_key, json_integer(msg->offset));
    next = json_pack("{s:i, s:O, s:o}", "format", STATE_DOC_FORMAT, "applied", applied, "engine",
                     engine_state_to_json(state));
    uint64_t saved = 0;
    rc = orch_store_save(h->store, pipeline, version, next, entries, &saved);
    if (rc == SLUICE_ECONFLICT) {
        h->stats.conflicts++;
        sluice_error_set(reason, reasonlen, rc, "state of %s changed meanwhile", pipeline);
        outcome = STEP_RETRY;
        goto out;
    }
    if (rc != SLUICE_OK) {
        sluice_error_set(reason, reasonlen, rc, "saving the state of %s: %s", pipeline,
                         sluice_strerror(rc));
        outcome = STEP_RETRY;
        goto out;
    }
    h->stats.steps++;
    if (req->doc.input.kind == ENGINE_INPUT_TIMER && req->doc.input.timer.key != NULL) {
        /* The fired timer is spent (its outbox may set it again afterwards). */
        (void)orch_store_timer_cancel(h->store, pipeline, req->doc.input.timer.key);
    }
    if (orch_handler_drain_outbox(h, pipeline, 0) == SLUICE_OK) {
        /* Saved and carried out: the next request of this pipeline may start from here. */
        cache_put(h, pipeline, saved, state, applied);
        state = NULL;
        applied = NULL;
    }
out:
    json_decref(next);
    json_decref(entries);
    engine_effects_free(&effects);
    model_pipeline_free(model);
    engine_state_free(state); /* unsaved changes are never kept */
    json_decref(applied);
    return outcome;
}

bus_consumer_verdict orch_handler_handle(const bus_consumer_message *msg, void *ctx, char *reason,
                                         size_t reasonlen)
{
    orch_handler *h = ctx;
    int64_t started = sluice_time_monotonic_ns();
    orch_request req;
    if (orch_route_request(msg->envelope, &req, reason, reasonlen) != SLUICE_OK) {
        h->stats.rejected++;
        return BUS_CONSUMER_REJECT;
    }
    bus_consumer_verdict verdict = BUS_CONSUMER_DONE;
    if (req.kind == ORCH_REQUEST_DELETED) {
        cache_drop(h, req.pipeline);
        int rc = orch_store_drop(h->store, req.pipeline);
        if (rc != SLUICE_OK) {
            sluice_error_set(reason, reasonlen, rc, "dropping %s: %s", req.pipeline,
                             sluice_strerror(rc));
            verdict = BUS_CONSUMER_RETRY;
        }
        orch_request_clear(&req);
        return verdict;
    }
    switch (step_and_save(h, msg, &req, reason, reasonlen)) {
    case STEP_SAVED:
        break;
    case STEP_DUPLICATE:
        h->stats.duplicates++;
        break;
    case STEP_REJECT:
        h->stats.rejected++;
        verdict = BUS_CONSUMER_REJECT;
        break;
    case STEP_RETRY:
        verdict = BUS_CONSUMER_RETRY;
        break;
    }
    orch_request_clear(&req);
    h->stats.last_step_ns = (uint64_t)(sluice_time_monotonic_ns() - started);
    return verdict;
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
        json_t *detail = json_pack("{s:s, s:s, s:s}", "type", "TimerFired", "pipeline", pipeline,
                                   "key", key);
        char arn[256];
        snprintf(arn, sizeof arn, "arn:aws:codepipeline:%s:%s:%s", h->region, h->account,
                 pipeline);
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
