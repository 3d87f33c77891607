/*
 * fuzz_orch_request.c — libFuzzer target over the orchestrator's request
 * decoding: a message from the requests topic as the orchestrator reads it
 * (bus_envelope_decode, then orch_route_request, which reads the detail with
 * engine_input_from_json).
 *
 * Invariant: a request that decodes re-encodes (bus_envelope_encode) and
 * decodes again to the same request — the same kind, pipeline, version and
 * every field of the engine input, compared through a canonical rendering of
 * the decoded struct. Everything is freed, so leaks are findings. Built with
 * -fsanitize=fuzzer,address,undefined.
 */
#include "orch_route.h"

#include "sluice/buf.h"
#include "sluice/bus_envelope.h"
#include "sluice/error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put_str(sluice_buf *b, const char *name, const char *s)
{
    if (s == NULL) {
        sluice_buf_appendf(b, "%s=<null>\n", name);
    } else {
        sluice_buf_appendf(b, "%s=%zu:", name, strlen(s));
        sluice_buf_append(b, s, strlen(s));
        sluice_buf_append(b, "\n", 1);
    }
}

static void put_kvs(sluice_buf *b, const char *name, const engine_input_kv *kv, size_t n)
{
    sluice_buf_appendf(b, "%s#%zu\n", name, n);
    for (size_t i = 0; i < n; i++) {
        put_str(b, "k", kv[i].key);
        put_str(b, "v", kv[i].value);
    }
}

/* A canonical rendering of everything a decoded request carries. */
static void render(const orch_request *req, sluice_buf *b)
{
    sluice_buf_appendf(b, "kind=%d version=%lld has_doc=%d\n", (int)req->kind,
                       (long long)req->version, (int)req->has_doc);
    put_str(b, "pipeline", req->pipeline);
    if (!req->has_doc) {
        return;
    }
    const engine_input *in = &req->doc.input;
    sluice_buf_appendf(b, "input=%s\n", engine_input_kind_name(in->kind));
    put_str(b, "requestId", in->request_id);
    put_str(b, "requestedBy", in->requested_by);
    switch (in->kind) {
    case ENGINE_INPUT_START:
        put_str(b, "triggerType", in->start.trigger_type);
        put_str(b, "triggerDetail", in->start.trigger_detail);
        put_str(b, "token", in->start.client_token);
        put_kvs(b, "variables", in->start.variables, in->start.nvariables);
        sluice_buf_appendf(b, "overrides#%zu\n", in->start.noverrides);
        for (size_t i = 0; i < in->start.noverrides; i++) {
            put_str(b, "action", in->start.overrides[i].action_name);
            put_str(b, "type", in->start.overrides[i].revision_type);
            put_str(b, "value", in->start.overrides[i].revision_value);
        }
        break;
    case ENGINE_INPUT_JOB_RESULT:
        put_str(b, "jobId", in->job.job_id);
        sluice_buf_appendf(b, "outcome=%d percent=%d created=%lld\n", (int)in->job.outcome,
                           in->job.percent_complete, (long long)in->job.revision_created_ms);
        put_str(b, "summary", in->job.summary);
        put_str(b, "externalId", in->job.external_id);
        put_str(b, "externalUrl", in->job.external_url);
        put_kvs(b, "outputVariables", in->job.output_variables, in->job.noutput_variables);
        sluice_buf_appendf(b, "outputs#%zu\n", in->job.noutputs);
        for (size_t i = 0; i < in->job.noutputs; i++) {
            put_str(b, "name", in->job.outputs[i].name);
            put_str(b, "bucket", in->job.outputs[i].bucket);
            put_str(b, "key", in->job.outputs[i].key);
        }
        put_str(b, "failureType", in->job.failure_type);
        put_str(b, "failureMessage", in->job.failure_message);
        put_str(b, "continuation", in->job.continuation_token);
        put_str(b, "revision", in->job.revision_id);
        put_str(b, "changeId", in->job.revision_change_id);
        put_str(b, "revisionSummary", in->job.revision_summary);
        put_str(b, "revisionUrl", in->job.revision_url);
        break;
    case ENGINE_INPUT_APPROVAL:
        put_str(b, "stage", in->approval.stage);
        put_str(b, "action", in->approval.action);
        put_str(b, "token", in->approval.token);
        put_str(b, "summary", in->approval.summary);
        sluice_buf_appendf(b, "approved=%d\n", (int)in->approval.approved);
        break;
    case ENGINE_INPUT_VOTE:
        put_str(b, "stage", in->vote.stage);
        put_str(b, "action", in->vote.action);
        put_str(b, "token", in->vote.token);
        put_str(b, "identity", in->vote.identity);
        put_str(b, "comment", in->vote.comment);
        for (size_t i = 0; i < in->vote.ngroups; i++) {
            put_str(b, "group", in->vote.groups[i]);
        }
        for (size_t i = 0; i < in->vote.nemails; i++) {
            put_str(b, "email", in->vote.emails[i]);
        }
        sluice_buf_appendf(b, "approved=%d\n", (int)in->vote.approved);
        break;
    case ENGINE_INPUT_TIMER:
        put_str(b, "key", in->timer.key);
        break;
    case ENGINE_INPUT_STOP:
        put_str(b, "execution", in->stop.execution_id);
        put_str(b, "reason", in->stop.reason);
        sluice_buf_appendf(b, "abandon=%d\n", (int)in->stop.abandon);
        break;
    case ENGINE_INPUT_RETRY:
        put_str(b, "execution", in->retry.execution_id);
        put_str(b, "stage", in->retry.stage);
        sluice_buf_appendf(b, "mode=%d\n", (int)in->retry.mode);
        break;
    case ENGINE_INPUT_TRANSITION:
        put_str(b, "stage", in->transition.stage);
        put_str(b, "reason", in->transition.reason);
        sluice_buf_appendf(b, "outbound=%d enabled=%d\n", (int)in->transition.outbound,
                           (int)in->transition.enabled);
        break;
    case ENGINE_INPUT_PIPELINE_UPDATED:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char reason[BUS_ENVELOPE_REASON_MAX];
    char err[512];
    bus_envelope *env = NULL;
    if (bus_envelope_decode((const char *)data, size, FUZZ_MAX_BYTES, &env, reason,
                            sizeof reason) != SLUICE_OK) {
        return 0;
    }
    orch_request req;
    if (orch_route_request(env, &req, err, sizeof err) != SLUICE_OK) {
        if (err[0] == '\0') {
            abort(); /* a refusal always says why */
        }
        bus_envelope_free(env);
        return 0;
    }
    sluice_buf first;
    sluice_buf second;
    sluice_buf wire;
    sluice_buf_init(&first, 4 * 1024 * 1024);
    sluice_buf_init(&second, 4 * 1024 * 1024);
    sluice_buf_init(&wire, 4 * 1024 * 1024);
    render(&req, &first);
    if (bus_envelope_encode(env, &wire) != SLUICE_OK) {
        abort(); /* what decoded within 64 KiB encodes within 4 MiB */
    }
    bus_envelope *again = NULL;
    if (bus_envelope_decode(wire.data, wire.len, wire.max, &again, reason, sizeof reason) !=
        SLUICE_OK) {
        abort();
    }
    orch_request req2;
    if (orch_route_request(again, &req2, err, sizeof err) != SLUICE_OK) {
        abort(); /* the re-encoded request must decode as well */
    }
    render(&req2, &second);
    if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0) {
        fprintf(stderr, "re-decoded request differs:\n%.*s\n---\n%.*s\n", (int)first.len,
                first.data, (int)second.len, second.data);
        abort();
    }
    orch_request_clear(&req2);
    orch_request_clear(&req);
    bus_envelope_free(again);
    bus_envelope_free(env);
    sluice_buf_free(&first);
    sluice_buf_free(&second);
    sluice_buf_free(&wire);
    return 0;
}
