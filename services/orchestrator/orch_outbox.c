/*
 * orch_outbox.c — an outbox carried out, flushed and acked; failing ops
 * retried with backoff and, when a refusal persists, dead-lettered (see
 * orch_outbox.h).
 */
#include "orch_outbox.h"

#include "orch_fault.h"
#include "orch_route.h"

#include "sluice/buf.h"
#include "sluice/bus_deadletter.h"
#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/state_redis.h"
#include "sluice/time.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int orch_outbox_publish(orch_handler *h, bus_topics_kind topic, const char *key,
                        const json_t *message)
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

void orch_outbox_on_delivery(uint64_t seq, int err, const char *reason, void *ctx)
{
    (void)seq;
    orch_handler *h = ctx;
    if (err != SLUICE_OK) {
        h->delivery_rc = err;
        snprintf(h->delivery_reason, sizeof h->delivery_reason, "%s", reason != NULL ? reason : "");
    }
}

static int carry_out(orch_handler *h, const char *pipeline, const orch_op *op)
{
    switch (op->kind) {
    case ORCH_OP_PUBLISH_EVENT:
        return orch_outbox_publish(h, BUS_TOPICS_EVENTS, op->key, op->payload);
    case ORCH_OP_PUBLISH_JOB:
        return orch_outbox_publish(h, BUS_TOPICS_JOBS, op->key, op->payload);
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
    case ORCH_OP_ARCHIVE_RULE:
        return orch_store_archive_rule(h->store, pipeline, op->id, op->start_ms, op->payload);
    }
    return SLUICE_EINVAL;
}

/* Where op goes: its topic, or the Redis records it writes. */
static const char *op_destination(const orch_handler *h, const orch_op *op)
{
    switch (op->kind) {
    case ORCH_OP_PUBLISH_EVENT:
        return bus_topics_get(h->topics, BUS_TOPICS_EVENTS);
    case ORCH_OP_PUBLISH_JOB:
        return bus_topics_get(h->topics, BUS_TOPICS_JOBS);
    case ORCH_OP_TIMER_SET:
    case ORCH_OP_TIMER_CANCEL:
        return "redis:timers";
    case ORCH_OP_REPLY:
        return "redis:replies";
    case ORCH_OP_ARCHIVE_EXECUTION:
    case ORCH_OP_ARCHIVE_ACTION:
    case ORCH_OP_ARCHIVE_RULE:
        return "redis:history";
    }
    return "unknown";
}

/* Why the last call of an op failed with rc: librdkafka's or Redis's reason when known. */
static void failure_reason(orch_handler *h, const orch_op *op, int rc, char *why, size_t whylen)
{
    const char *detail = NULL;
    if (op->kind == ORCH_OP_PUBLISH_EVENT || op->kind == ORCH_OP_PUBLISH_JOB) {
        detail = h->delivery_rc != SLUICE_OK ? h->delivery_reason : NULL;
    } else if (rc == SLUICE_ETOOBIG && h->store->last_error[0] != '\0') {
        detail = h->store->last_error;
    } else {
        detail = state_redis_last_error(h->store->redis);
    }
    snprintf(why, whylen, "%s: %s", sluice_strerror(rc),
             detail != NULL && detail[0] != '\0' ? detail : "no detail");
}

/* Carries out op and waits for its outcome (a publish is sent synchronously). */
static int carry_out_sync(orch_handler *h, const char *pipeline, const orch_op *op, char *why,
                          size_t whylen)
{
    h->delivery_rc = SLUICE_OK;
    h->delivery_reason[0] = '\0';
    int rc = SLUICE_OK;
    if (op->kind == ORCH_OP_PUBLISH_EVENT || op->kind == ORCH_OP_PUBLISH_JOB) {
        char *text = json_dumps(op->payload, JSON_COMPACT);
        if (text == NULL) {
            return SLUICE_ENOMEM;
        }
        rc = bus_producer_send_sync(h->producer, op_destination(h, op), op->key, strlen(op->key),
                                    text, strlen(text), h->publish_timeout_ms);
        free(text);
    } else {
        rc = carry_out(h, pipeline, op);
    }
    if (rc != SLUICE_OK) {
        failure_reason(h, op, rc, why, whylen);
    }
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

/* The attempt-table key of an entry. */
static void entry_key(const char *pipeline, const state_cas_entry *entry, char *key, size_t keylen)
{
    snprintf(key, keylen, "%s %s", pipeline, entry->id);
}

/*
 * Stores the failures of entry so far (attempt a) beside the outbox, so a
 * restart goes on counting them. A failure to store is logged: the count in
 * memory goes on.
 */
static void attempt_store(orch_handler *h, const char *pipeline, const state_cas_entry *entry,
                          const orch_retry_attempt *a)
{
    char text[ORCH_RETRY_RECORD_MAX];
    int rc = orch_retry_record_format(a, entry->id, text, sizeof text);
    if (rc == SLUICE_OK) {
        rc = orch_store_retry_put(h->store, pipeline, text);
    }
    if (rc != SLUICE_OK) {
        SLUICE_WARN("pipeline %s: storing the failures of outbox entry %s: %s", pipeline, entry->id,
                    sluice_strerror(rc));
    }
}

/*
 * Takes the stored failures of entry into a (new in the table), when the
 * stored record names this entry: an earlier life of this replica, or
 * another replica, failed on it. A record of another entry (one carried out
 * since, fast) is left to be replaced.
 */
static void attempt_restore(orch_handler *h, const char *pipeline, const state_cas_entry *entry,
                            orch_retry_attempt *a)
{
    char text[ORCH_RETRY_RECORD_MAX];
    size_t len = 0;
    int rc = orch_store_retry_get(h->store, pipeline, text, sizeof text, &len);
    if (rc != SLUICE_OK) {
        if (rc != SLUICE_ENOTFOUND) {
            SLUICE_WARN("pipeline %s: reading the failures of outbox entry %s: %s", pipeline,
                        entry->id, sluice_strerror(rc));
        }
        return;
    }
    char id[ORCH_RETRY_ENTRY_ID_MAX];
    orch_retry_attempt stored = {0};
    if (orch_retry_record_parse(text, len, id, sizeof id, &stored) != SLUICE_OK) {
        SLUICE_WARN("pipeline %s: the stored failures of its outbox are not a record: "
                    "starting again",
                    pipeline);
        return;
    }
    if (strcmp(id, entry->id) != 0) {
        return;
    }
    a->failures = stored.failures;
    a->permanent = stored.permanent;
    a->op = stored.op;
    a->next_ms = stored.next_ms;
    SLUICE_INFO("pipeline %s: outbox entry %s failed %d time(s) before (%d refusal(s) of op %d)",
                pipeline, entry->id, a->failures, a->permanent, a->op);
}

/*
 * Trims the outbox of pipeline through entry id, once everything before it
 * is published and persisted (the one place entries leave the outbox).
 */
static int ack_through(orch_handler *h, const char *pipeline, const char *id)
{
    SLUICE_FAULT_POINT(ORCH_FAULT_AFTER_PUBLISH);
    int rc = orch_store_outbox_ack(h->store, pipeline, id);
    SLUICE_FAULT_POINT(ORCH_FAULT_AFTER_TRIM);
    return rc;
}

/*
 * Publishes op (ops[index] of entry, raw its JSON) to the dead-letter topic
 * with reason and waits for it. 0, or the failure (the op then stays).
 */
static int dead_letter_op(orch_handler *h, const char *pipeline, const state_cas_entry *entry,
                          size_t index, const orch_op *op, const json_t *raw, const char *reason)
{
    char group[ORCH_RETRY_KEY_MAX + 64];
    snprintf(group, sizeof group, "%s outbox %s %s", h->group, pipeline, entry->id);
    char *payload = json_dumps(raw, JSON_COMPACT);
    if (payload == NULL) {
        return SLUICE_ENOMEM;
    }
    bus_deadletter_origin origin = {
        .topic = op_destination(h, op),
        .partition = (int32_t)index,
        .offset = stream_id_ms(entry->id),
        .group = group,
        .key = op->key,
        .keylen = op->key != NULL ? strlen(op->key) : 0,
        .payload = payload,
        .len = strlen(payload),
    };
    bus_deadletter_sender sender = {
        .source = "sluice.orchestrator", .account = h->account, .region = h->region};
    bus_envelope *env = NULL;
    char err[256];
    int rc =
        bus_deadletter_new(&origin, reason, &sender, sluice_time_now_ms(), &env, err, sizeof err);
    free(payload);
    if (rc != SLUICE_OK) {
        SLUICE_ERROR("pipeline %s: dead letter of outbox op %zu of %s: %s", pipeline, index,
                     entry->id, err);
        return rc;
    }
    sluice_buf buf;
    sluice_buf_init(&buf, BUS_DEADLETTER_ENCODED_MAX);
    rc = bus_envelope_encode(env, &buf);
    bus_envelope_free(env);
    if (rc == SLUICE_OK) {
        const char *topic = bus_topics_get(h->topics, BUS_TOPICS_DEADLETTER);
        rc = bus_producer_send_sync(h->producer, topic, pipeline, strlen(pipeline), buf.data,
                                    buf.len, h->publish_timeout_ms);
    }
    sluice_buf_free(&buf);
    return rc;
}

/*
 * Carries out the ops of entry (a failing one, its attempt a) one at a time,
 * from the op that failed before, each waited for. A failing op is retried
 * later (its failure recorded in a) or, when the policy gives up on it,
 * dead-lettered and passed. 0 when every op is done or dead-lettered, else
 * the failure.
 */
static int carry_out_entry_careful(orch_handler *h, const char *pipeline,
                                   const state_cas_entry *entry, orch_retry_attempt *a, json_t *ops)
{
    int64_t now = sluice_time_now_ms();
    for (size_t i = (size_t)a->op; i < json_array_size(ops); i++) {
        orch_op op;
        char why[ORCH_RETRY_REASON_MAX];
        json_t *raw = json_array_get(ops, i);
        if (orch_op_from_json(raw, &op, why, sizeof why) != SLUICE_OK) {
            SLUICE_ERROR("pipeline %s: dropping op %zu of outbox entry %s: %s", pipeline, i,
                         entry->id, why);
            continue;
        }
        int rc = carry_out_sync(h, pipeline, &op, why, sizeof why);
        if (rc == SLUICE_OK) {
            h->stats.published++;
            orch_op_clear(&op);
            a->op = (int)i + 1;
            continue;
        }
        a->op = (int)i;
        orch_retry_class cls = orch_retry_classify(rc, why);
        if (orch_retry_fail(&h->retry, a, cls, now) == ORCH_RETRY_LATER) {
            SLUICE_WARN("pipeline %s: outbox op %zu of %s (to %s) failed %s (%d time(s)), "
                        "next attempt in %lld ms: %s",
                        pipeline, i, entry->id, op_destination(h, &op),
                        cls == ORCH_RETRY_PERMANENT ? "permanently" : "for now", a->failures,
                        (long long)(a->next_ms - now), why);
            orch_op_clear(&op);
            attempt_store(h, pipeline, entry, a);
            return rc;
        }
        char reason[ORCH_RETRY_REASON_MAX + 128];
        snprintf(reason, sizeof reason, "outbox op %zu of %s (to %s) refused %d times: %s", i,
                 entry->id, op_destination(h, &op), a->permanent, why);
        int dl = dead_letter_op(h, pipeline, entry, i, &op, raw, reason);
        orch_op_clear(&op);
        if (dl != SLUICE_OK) {
            SLUICE_WARN("pipeline %s: dead-lettering outbox op %zu of %s: %s", pipeline, i,
                        entry->id, sluice_strerror(dl));
            return dl;
        }
        SLUICE_ERROR("pipeline %s: dead-lettered %s", pipeline, reason);
        h->stats.dead_lettered++;
        a->op = (int)i + 1;
        a->permanent = 0;
        attempt_store(h, pipeline, entry, a); /* a crash before the trim does not send it again */
    }
    return SLUICE_OK;
}

/* The op i of an entry built from effects, from its info: no payload tree, nothing owned. */
static void op_from_info(const orch_route_entry *text, size_t i, orch_op *op)
{
    const orch_route_op_info *info = &text->info[i];
    const char *key = text->keys + info->key_at;
    *op = (orch_op){.kind = info->kind};
    switch (info->kind) {
    case ORCH_OP_PUBLISH_EVENT:
    case ORCH_OP_PUBLISH_JOB:
    case ORCH_OP_TIMER_CANCEL:
        op->key = key;
        break;
    case ORCH_OP_TIMER_SET:
        op->key = key;
        op->deadline_ms = info->at_ms;
        break;
    case ORCH_OP_REPLY:
        op->id = key;
        break;
    case ORCH_OP_ARCHIVE_EXECUTION:
    case ORCH_OP_ARCHIVE_ACTION:
    case ORCH_OP_ARCHIVE_RULE:
        op->id = key;
        op->start_ms = info->at_ms;
        break;
    }
}

/*
 * Carries out the ops of entry id fast: publishes queued, then the Redis ops
 * together (orch_store_apply: a few round trips for all of them). With
 * flushed NULL the caller flushes the publishes; otherwise they are flushed
 * here before the Redis ops, so the next job leaves without waiting for
 * them, and the flush's result is put in *flushed (the Redis ops are done
 * either way: the entry stays until both succeeded). Documents come from
 * text when given (the entry as it was rendered for the save), else they
 * are rendered from the ops. Ops that cannot be read are logged and
 * dropped. 0, or the first failure (which stops the entry).
 */
static int carry_out_fast(orch_handler *h, const char *pipeline, const char *id, json_t *ops,
                          const orch_route_entry *text, int *flushed)
{
    bool built = ops == NULL && text != NULL && text->info != NULL; /* nothing to parse */
    size_t n = built ? text->nops : json_array_size(ops);
    if (ops == NULL && !built) {
        return SLUICE_EINVAL; /* neither the ops nor what carrying them out needs */
    }
    orch_op *parsed = calloc(n > 0 ? n : 1, sizeof *parsed);
    orch_store_op *writes = calloc(n > 0 ? n : 1, sizeof *writes);
    char **rendered = calloc(n > 0 ? n : 1, sizeof *rendered);
    if (parsed == NULL || writes == NULL || rendered == NULL) {
        free(parsed);
        free(writes);
        free(rendered);
        return SLUICE_ENOMEM;
    }
    size_t nwrites = 0;
    size_t published = 0;
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        orch_op *op = &parsed[i];
        char err[256];
        if (built) {
            op_from_info(text, i, op);
        } else if (orch_op_from_json(json_array_get(ops, i), op, err, sizeof err) != SLUICE_OK) {
            SLUICE_ERROR("pipeline %s: dropping op %zu of outbox entry %s: %s", pipeline, i, id,
                         err);
            continue;
        }
        const char *doc = NULL;
        size_t len = 0;
        if (text != NULL && i < text->nops && text->payload_len[i] > 0) {
            doc = text->text + text->payload_at[i];
            len = text->payload_len[i];
        } else if (op->payload != NULL) {
            rendered[i] = json_dumps(op->payload, JSON_COMPACT);
            if (rendered[i] == NULL) {
                rc = SLUICE_ENOMEM;
                break;
            }
            doc = rendered[i];
            len = strlen(doc);
        }
        if (op->kind == ORCH_OP_PUBLISH_EVENT || op->kind == ORCH_OP_PUBLISH_JOB) {
            const char *topic = bus_topics_get(
                h->topics, op->kind == ORCH_OP_PUBLISH_EVENT ? BUS_TOPICS_EVENTS : BUS_TOPICS_JOBS);
            rc = bus_producer_send(h->producer, topic, op->key, strlen(op->key), doc, len, NULL);
            if (rc != SLUICE_OK) {
                char why[ORCH_RETRY_REASON_MAX];
                failure_reason(h, op, rc, why, sizeof why);
                SLUICE_WARN("pipeline %s: outbox entry %s, op %zu (to %s): %s", pipeline, id, i,
                            op_destination(h, op), why);
            } else {
                published++;
            }
            continue;
        }
        writes[nwrites++] = (orch_store_op){
            .kind = op->kind,
            .key = op->kind == ORCH_OP_REPLY || op->kind == ORCH_OP_ARCHIVE_EXECUTION ||
                           op->kind == ORCH_OP_ARCHIVE_ACTION || op->kind == ORCH_OP_ARCHIVE_RULE
                       ? op->id
                       : op->key,
            .at_ms = op->kind == ORCH_OP_TIMER_SET ? op->deadline_ms : op->start_ms,
            .text = doc,
            .len = len,
        };
    }
    if (flushed != NULL) {
        *flushed = bus_producer_flush(h->producer, h->publish_timeout_ms);
    }
    if (rc == SLUICE_OK && nwrites > 0) {
        rc = orch_store_apply(h->store, pipeline, writes, nwrites);
        if (rc != SLUICE_OK) {
            const char *detail = state_redis_last_error(h->store->redis);
            SLUICE_WARN("pipeline %s: outbox entry %s, its %zu Redis op(s): %s: %s", pipeline, id,
                        nwrites, sluice_strerror(rc),
                        detail != NULL && detail[0] != '\0' ? detail : "no detail");
        } else {
            published += nwrites;
        }
    }
    h->stats.published += published;
    for (size_t i = 0; i < n; i++) {
        orch_op_clear(&parsed[i]);
        free(rendered[i]);
    }
    free(parsed);
    free(writes);
    free(rendered);
    return rc;
}

/*
 * Carries out every op of one outbox entry {"ops":[...]}. Ops that cannot be
 * read are logged and dropped (they never will be). An entry not known to
 * fail is carried out fast (publishes queued; the caller flushes); a failing
 * one waits for its backoff (SLUICE_EAGAIN), then goes op by op
 * (carry_out_entry_careful) and is acked at once when done (*acked set).
 * The first op that fails stops the entry, which then stays for another
 * attempt (its ops are idempotent, so repeating the ones already done is
 * harmless).
 */
static int carry_out_entry(orch_handler *h, const char *pipeline, const state_cas_entry *entry,
                           bool *acked)
{
    *acked = false;
    char key[ORCH_RETRY_KEY_MAX];
    entry_key(pipeline, entry, key, sizeof key);
    orch_retry_attempt *a = orch_retry_find(&h->failing, key);
    if (a != NULL && sluice_time_now_ms() < a->next_ms) {
        return SLUICE_EAGAIN;
    }
    json_error_t jerr;
    json_t *root = json_loadb(entry->data, entry->len, 0, &jerr);
    json_t *ops = json_object_get(root, "ops");
    if (!json_is_array(ops)) {
        SLUICE_ERROR("pipeline %s: dropping outbox entry %s: not an op list", pipeline, entry->id);
        json_decref(root);
        orch_retry_forget(&h->failing, key);
        return SLUICE_OK;
    }
    if (a != NULL) {
        int rc = carry_out_entry_careful(h, pipeline, entry, a, ops);
        json_decref(root);
        if (rc == SLUICE_OK) {
            rc = ack_through(h, pipeline, entry->id);
            if (rc == SLUICE_OK) {
                orch_retry_forget(&h->failing, key);
                (void)orch_store_retry_clear(h->store, pipeline); /* a stale one is ignored */
                *acked = true;
            }
        }
        return rc;
    }
    int rc = carry_out_fast(h, pipeline, entry->id, ops, NULL, NULL);
    json_decref(root);
    return rc;
}

/*
 * Remembers entry, carried out fast, as failing: its next attempt goes op by
 * op, after a backoff. An entry already failing recorded its failure itself.
 * The count goes on from the stored one, when an earlier life stored it.
 */
static void entry_failed(orch_handler *h, const char *pipeline, const state_cas_entry *entry)
{
    char key[ORCH_RETRY_KEY_MAX];
    entry_key(pipeline, entry, key, sizeof key);
    if (orch_retry_find(&h->failing, key) != NULL) {
        return;
    }
    orch_retry_attempt *a = orch_retry_get(&h->failing, key);
    attempt_restore(h, pipeline, entry, a);
    a->failures++;
    a->next_ms = sluice_time_now_ms() + orch_retry_backoff_ms(&h->retry, a->failures);
    attempt_store(h, pipeline, entry, a);
}

int orch_outbox_carry_out_saved(orch_handler *h, const char *pipeline, const orch_route_entry *text,
                                const char *entry_id)
{
    state_cas_entry entry = {0};
    snprintf(entry.id, sizeof entry.id, "%s", entry_id);
    h->delivery_rc = SLUICE_OK;
    /* Everything published must be persisted before the entry goes. */
    int flushed = SLUICE_OK;
    int rc = carry_out_fast(h, pipeline, entry.id, NULL, text, &flushed);
    if (rc != SLUICE_OK) {
        entry_failed(h, pipeline, &entry);
    }
    if (rc == SLUICE_OK && flushed == SLUICE_OK) {
        return ack_through(h, pipeline, entry.id);
    }
    if (rc == SLUICE_OK) {
        SLUICE_WARN("pipeline %s: outbox entry %s not persisted: %s", pipeline, entry.id,
                    h->delivery_rc != SLUICE_OK ? h->delivery_reason : sluice_strerror(flushed));
        entry_failed(h, pipeline, &entry);
        rc = flushed;
    }
    return rc;
}

int orch_outbox_drain(orch_handler *h, const char *pipeline, int64_t min_age_ms)
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
        size_t first = 0; /* first entry carried out fast since the last ack */
        bool any_fast = false;
        h->delivery_rc = SLUICE_OK;
        for (; done < outbox.count && rc == SLUICE_OK; done++) {
            const state_cas_entry *entry = &outbox.entries[done];
            if (min_age_ms > 0 && stream_id_ms(entry->id) > cutoff) {
                break; /* young: its own writer is probably carrying it out */
            }
            bool acked = false;
            rc = carry_out_entry(h, pipeline, entry, &acked);
            if (rc != SLUICE_OK) {
                if (rc != SLUICE_EAGAIN) {
                    entry_failed(h, pipeline, entry);
                }
                break;
            }
            if (acked) {
                first = done + 1; /* carried out op by op and acked on its own */
            } else if (!any_fast) {
                any_fast = true;
                first = done;
            }
        }
        /* Everything published must be persisted before the entries go. */
        int flushed = bus_producer_flush(h->producer, h->publish_timeout_ms);
        size_t acked = done; /* entries carried out (or dropped as malformed) */
        if (flushed == SLUICE_OK && acked > first) {
            int ack = ack_through(h, pipeline, outbox.entries[acked - 1].id);
            if (ack != SLUICE_OK && rc == SLUICE_OK) {
                rc = ack;
            }
        } else if (flushed != SLUICE_OK) {
            if (any_fast) {
                /* Which op failed is not known: the first entry goes op by op next time. */
                SLUICE_WARN("pipeline %s: outbox entry %s not persisted: %s", pipeline,
                            outbox.entries[first].id,
                            h->delivery_rc != SLUICE_OK ? h->delivery_reason
                                                        : sluice_strerror(flushed));
                entry_failed(h, pipeline, &outbox.entries[first]);
            }
            if (rc == SLUICE_OK) {
                rc = flushed;
            }
        }
        bool more =
            rc == SLUICE_OK && done == outbox.count && outbox.count == ORCH_STORE_OUTBOX_BATCH;
        state_cas_outbox_clear(&outbox);
        if (!more) {
            return rc;
        }
    }
}
