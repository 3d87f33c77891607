/*
 * orch_outbox.c — an outbox carried out, flushed and acked (see orch_outbox.h).
 */
#include "orch_outbox.h"

#include "orch_fault.h"
#include "orch_route.h"

#include "sluice/error.h"
#include "sluice/log.h"
#include "sluice/time.h"

#include <stdbool.h>
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
            SLUICE_FAULT_POINT(ORCH_FAULT_AFTER_PUBLISH);
            int ack = orch_store_outbox_ack(h->store, pipeline, outbox.entries[acked - 1].id);
            SLUICE_FAULT_POINT(ORCH_FAULT_AFTER_TRIM);
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
