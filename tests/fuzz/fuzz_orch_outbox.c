/*
 * fuzz_orch_outbox.c — libFuzzer target over what the orchestrator reads back
 * from its outbox in Redis: an entry {"ops":[...]} whose ops are read with
 * orch_op_from_json (as orch_outbox.c does), a single op with orch_op_parse,
 * the envelope of each publish op with bus_envelope_from_json (what the
 * producer sends), the entry's stream id with state_cas_stream_id_parse, and
 * timer members with orch_route_timer_split, and the stored failures of an
 * outbox entry with orch_retry_record_parse.
 *
 * Invariants: an op that reads renders (json_dumps) and reads again to the
 * same kind, key, deadline, id, start and an equal payload; a publish op's
 * envelope re-encodes to an equal envelope; a timer member splits into a
 * pipeline and key that join (orch_route_timer_member) to the same member; a
 * stream id that parses is "<ms>-<seq>" of the numbers it gave; a retry
 * record that parses formats back to the same text; an op list rendered
 * once as an entry (orch_route_entry_render, as a save writes it) reads
 * back to equal ops, each payload span holding exactly its payload's
 * compact text. Everything is
 * freed, so leaks are findings. Built with -fsanitize=fuzzer,address,undefined.
 */
#include "orch_retry.h"
#include "orch_route.h"

#include "sluice/buf.h"
#include "sluice/bus_envelope.h"
#include "sluice/error.h"
#include "sluice/state_cas.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_envelope(json_t *message)
{
    char reason[BUS_ENVELOPE_REASON_MAX];
    bus_envelope *env = NULL;
    if (bus_envelope_from_json(message, &env, reason, sizeof reason) != SLUICE_OK) {
        return;
    }
    sluice_buf wire;
    sluice_buf_init(&wire, 4 * 1024 * 1024);
    bus_envelope *again = NULL;
    if (bus_envelope_encode(env, &wire) != SLUICE_OK ||
        bus_envelope_decode(wire.data, wire.len, wire.max, &again, reason, sizeof reason) !=
            SLUICE_OK) {
        abort();
    }
    sluice_buf wire2;
    sluice_buf_init(&wire2, 4 * 1024 * 1024);
    if (bus_envelope_encode(again, &wire2) != SLUICE_OK || wire.len != wire2.len ||
        memcmp(wire.data, wire2.data, wire.len) != 0) {
        abort();
    }
    sluice_buf_free(&wire2);
    sluice_buf_free(&wire);
    bus_envelope_free(again);
    bus_envelope_free(env);
}

static void check_op(json_t *entry)
{
    orch_op op;
    char err[256];
    if (orch_op_from_json(entry, &op, err, sizeof err) != SLUICE_OK) {
        if (err[0] == '\0') {
            abort();
        }
        return;
    }
    char *text = json_dumps(op.root, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        abort();
    }
    orch_op again;
    if (orch_op_parse(text, strlen(text), &again, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "rendered op does not read: %s\n", err);
        abort();
    }
    if (again.kind != op.kind || !same_str(again.key, op.key) || !same_str(again.id, op.id) ||
        again.deadline_ms != op.deadline_ms || again.start_ms != op.start_ms ||
        (op.payload == NULL) != (again.payload == NULL) ||
        (op.payload != NULL && !json_equal(op.payload, again.payload))) {
        abort();
    }
    if (op.kind == ORCH_OP_PUBLISH_EVENT || op.kind == ORCH_OP_PUBLISH_JOB) {
        check_envelope(op.payload);
    }
    free(text);
    orch_op_clear(&again);
    orch_op_clear(&op);
}

static void check_timer_member(const char *text)
{
    char pipeline[ORCH_PIPELINE_NAME_MAX + 1];
    const char *key = NULL;
    if (orch_route_timer_split(text, pipeline, sizeof pipeline, &key) != SLUICE_OK) {
        return;
    }
    char member[4096];
    if (orch_route_timer_member(member, sizeof member, pipeline, key) == SLUICE_OK &&
        strcmp(member, text) != 0) {
        abort();
    }
}

static void check_stream_id(const char *text)
{
    uint64_t ms = 0;
    uint64_t seq = 0;
    if (state_cas_stream_id_parse(text, &ms, &seq) != SLUICE_OK) {
        return;
    }
    char again[64];
    snprintf(again, sizeof again, "%" PRIu64 "-%" PRIu64, ms, seq);
    uint64_t ms2 = 1;
    uint64_t seq2 = 1;
    if (state_cas_stream_id_parse(again, &ms2, &seq2) != SLUICE_OK || ms2 != ms || seq2 != seq) {
        abort();
    }
}

static void check_retry_record(const uint8_t *data, size_t size)
{
    orch_retry_attempt a = {0};
    char id[ORCH_RETRY_ENTRY_ID_MAX];
    if (orch_retry_record_parse((const char *)data, size, id, sizeof id, &a) != SLUICE_OK) {
        return;
    }
    char text[ORCH_RETRY_RECORD_MAX];
    if (orch_retry_record_format(&a, id, text, sizeof text) != SLUICE_OK) {
        abort();
    }
    if (strlen(text) != size || memcmp(text, data, size) != 0) {
        /* the same numbers, written without leading zeros, must read back the same */
        orch_retry_attempt b = {0};
        char id2[ORCH_RETRY_ENTRY_ID_MAX];
        if (orch_retry_record_parse(text, strlen(text), id2, sizeof id2, &b) != SLUICE_OK ||
            b.failures != a.failures || b.permanent != a.permanent || b.op != a.op ||
            b.next_ms != a.next_ms || strcmp(id2, id) != 0) {
            abort();
        }
    }
}

static void check_entry_render(json_t *ops)
{
    orch_route_entry entry;
    int rc = orch_route_entry_render(ops, &entry);
    if (rc != SLUICE_OK) {
        for (size_t i = 0; i < json_array_size(ops); i++) {
            if (!json_is_object(json_array_get(ops, i))) {
                return; /* refused: an op that is not an object */
            }
        }
        abort();
    }
    json_error_t jerr;
    json_t *back = json_loadb(entry.text, entry.len, 0, &jerr);
    if (back == NULL || !json_equal(json_object_get(back, "ops"), ops) ||
        entry.nops != json_array_size(ops)) {
        abort();
    }
    for (size_t i = 0; i < entry.nops; i++) {
        json_t *op = json_array_get(ops, i);
        const json_t *payload = json_object_get(op, "message");
        if (payload == NULL) {
            payload = json_object_get(op, "reply");
        }
        if (payload == NULL) {
            payload = json_object_get(op, "record");
        }
        if (payload == NULL) {
            if (entry.payload_len[i] != 0) {
                abort();
            }
            continue;
        }
        char *want = json_dumps(payload, JSON_COMPACT | JSON_ENCODE_ANY);
        if (want == NULL || strlen(want) != entry.payload_len[i] ||
            memcmp(entry.text + entry.payload_at[i], want, entry.payload_len[i]) != 0) {
            abort();
        }
        free(want);
    }
    json_decref(back);
    orch_route_entry_free(&entry);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) {
        return 0;
    }
    check_retry_record(data, size);
    /* the raw bytes as a stream id and a timer member (NUL-terminated copies) */
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (strlen(text) == size) {
        check_stream_id(text);
        check_timer_member(text);
    }
    free(text);

    json_error_t jerr;
    json_t *root = json_loadb((const char *)data, size, 0, &jerr);
    if (root == NULL) {
        return 0;
    }
    json_t *ops = json_object_get(root, "ops");
    if (json_is_array(ops)) {
        for (size_t i = 0; i < json_array_size(ops); i++) {
            check_op(json_array_get(ops, i));
        }
        check_entry_render(ops);
    } else {
        check_op(root);
    }
    json_decref(root);
    return 0;
}
