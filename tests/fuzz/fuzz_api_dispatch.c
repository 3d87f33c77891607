/*
 * libFuzzer target for the api's request dispatcher (services/api
 * api_dispatch.c): every operation's input checks, handlers, pagination
 * tokens and rendering, over the in-process backend (api_memory.h) holding
 * one pipeline "fuzz", one queued Custom job and one registered Custom action
 * type, Custom/Build/Registered/1 (a queryable and a secret property);
 * registration of Custom types is required for inputs of odd length.
 *
 * Input: the first line names the operation (e.g. "ListPipelines"; anything
 * else is an unknown target), the rest is the request body. The request is
 * signed for an admin key, so it passes SigV4 and reaches the operation. The
 * special operation "!ingest" hands the body to the jobs feed instead
 * (api_feed_handle, as a "Sluice Action Job" detail) and then polls for it.
 */
#include "api_dispatch.h"
#include "api_feed.h"
#include "api_memory.h"
#include "api_thirdparty.h"

#include "sluice/aws_json.h"
#include "sluice/aws_sigv4.h"
#include "sluice/bus_envelope.h"
#include "sluice/model_registry.h"
#include "sluice/time.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_KEY    "AKIDFUZZADMIN"
#define FUZZ_SECRET "fuzz-secret"
#define FUZZ_HOST   "127.0.0.1:7070"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set up once; the backend is replaced for every input. */
typedef struct fuzz_world {
    model_registry *registry;
    aws_credentials *credentials;
    api_env env;
    api_thirdparty_clients clients;
    api_dispatch *dispatch;
} fuzz_world;

static fuzz_world *fuzz_world_get(void)
{
    static fuzz_world world;
    static int ready;
    if (!ready) {
        char err[256];
        world.credentials = aws_credentials_new();
        if (world.credentials == NULL ||
            aws_credentials_add(world.credentials, FUZZ_KEY, FUZZ_SECRET, NULL, "fuzzer", "admin",
                                err, sizeof err) != 0 ||
            model_registry_new_from_list("AWS/Deploy/CodeDeploy/1,ThirdParty/Deploy/Acme/1",
                                         &world.registry, err, sizeof err) != 0 ||
            api_thirdparty_clients_parse("ThirdParty/Deploy/Acme/1:acme:t", &world.clients, err,
                                         sizeof err) != 0) {
            abort();
        }
        world.env = (api_env){.registry = world.registry,
                              .account = "123456789012",
                              .region = "us-east-1",
                              .reply_timeout_ms = 100,
                              .clock_ms = sluice_time_now_ms,
                              .max_pipelines = 20,
                              .clients = &world.clients,
                              .start_on_create = true};
        api_memory *probe = api_memory_new();
        world.env.backend = api_memory_backend(probe);
        api_dispatch_config cfg = {.env = &world.env, .credentials = world.credentials};
        if (api_dispatch_new(&cfg, &world.dispatch, err, sizeof err) != 0) {
            abort();
        }
        api_memory_free(probe);
        ready = 1;
    }
    return &world;
}

static const char fuzz_pipeline[] =
    "{\"pipeline\": {\"name\": \"fuzz\", \"roleArn\": \"arn:aws:iam::123456789012:role/r\","
    " \"artifactStore\": {\"type\": \"S3\", \"location\": \"bucket\"}, \"pipelineType\": \"V2\","
    " \"stages\": [{\"name\": \"Source\", \"actions\": [{\"name\": \"Source\", \"actionTypeId\":"
    " {\"category\": \"Source\", \"owner\": \"AWS\", \"provider\": \"S3\", \"version\": \"1\"},"
    " \"configuration\": {\"S3Bucket\": \"b\", \"S3ObjectKey\": \"k\"},"
    " \"outputArtifacts\": [{\"name\": \"Src\"}]}]},"
    " {\"name\": \"Build\", \"actions\": [{\"name\": \"Build\", \"actionTypeId\": {\"category\":"
    " \"Build\", \"owner\": \"Custom\", \"provider\": \"Fuzz\", \"version\": \"1\"},"
    " \"configuration\": {\"Q\": \"v\"}, \"inputArtifacts\": [{\"name\": \"Src\"}]}]}]},"
    " \"tags\": [{\"key\": \"k\", \"value\": \"v\"}]}";

static const char fuzz_job[] =
    "{\"jobId\": \"0b6c3c1e-2f1d-4c4e-9a3b-1234567890ab\", \"pipeline\": \"fuzz\","
    " \"pipelineExecutionId\": \"1b6c3c1e-2f1d-4c4e-9a3b-1234567890ab\", \"stage\": \"Build\","
    " \"action\": \"Build\", \"actionTypeId\": {\"category\": \"Build\", \"owner\": \"Custom\","
    " \"provider\": \"Fuzz\", \"version\": \"1\"}, \"configuration\": {\"Q\": \"v\"},"
    " \"inputArtifacts\": [{\"name\": \"Src\", \"s3location\": {\"bucket\": \"b\", \"key\": "
    "\"k\"}}],"
    " \"outputArtifacts\": [{\"name\": \"Out\"}]}";

static const char fuzz_action_type[] =
    "{\"category\": \"Build\", \"provider\": \"Registered\", \"version\": \"1\","
    " \"configurationProperties\": [{\"name\": \"Q\", \"required\": true, \"key\": true,"
    " \"secret\": false, \"queryable\": true}, {\"name\": \"S\", \"required\": false,"
    " \"key\": false, \"secret\": true}],"
    " \"inputArtifactDetails\": {\"minimumCount\": 0, \"maximumCount\": 1},"
    " \"outputArtifactDetails\": {\"minimumCount\": 0, \"maximumCount\": 1}}";

/* Runs detail through the feed as the detail of a job envelope. */
static void fuzz_ingest(const api_env *env, json_t *detail)
{
    bus_envelope_spec spec = {.id = "2b6c3c1e-2f1d-4c4e-9a3b-1234567890ab",
                              .detail_type = PROTOCOL_DETAIL_JOB,
                              .source = "aws.codepipeline",
                              .account = "123456789012",
                              .region = "us-east-1",
                              .time_ms = 1700000000000,
                              .detail = detail};
    bus_envelope *envelope = NULL;
    char reason[256];
    if (bus_envelope_new(&spec, &envelope, reason, sizeof reason) == 0) {
        api_feed_handle(env, envelope, reason, sizeof reason);
        bus_envelope_free(envelope);
    }
}

static void fuzz_dispatch(const fuzz_world *world, const char *op, const char *body,
                          size_t body_len)
{
    char target[160];
    snprintf(target, sizeof target, "%s.%s", AWS_JSON_CODEPIPELINE_PREFIX, op);
    http_pair headers[6] = {
        {"Host", FUZZ_HOST}, {"Content-Type", AWS_JSON_CONTENT_TYPE}, {"X-Amz-Target", target}};
    aws_sigv4_signature_headers sig;
    if (aws_sigv4_sign(FUZZ_KEY, FUZZ_SECRET, "us-east-1", "codepipeline", "POST", "/", NULL, 0,
                       headers, 3, body, body_len, sluice_time_now_ms(), &sig) != 0) {
        return;
    }
    headers[3] = (http_pair){"X-Amz-Date", sig.amz_date};
    headers[4] = (http_pair){"Authorization", sig.authorization};
    http_request req = {.method = "POST",
                        .path = "/",
                        .headers = headers,
                        .header_count = 5,
                        .body = body,
                        .body_len = body_len};
    http_response resp;
    http_response_init(&resp, 1 << 22);
    api_dispatch_http(&req, &resp, world->dispatch);
    if (resp.status != 200 && (resp.status < 400 || resp.status > 599)) {
        abort(); /* every answer is a success or an error of the protocol */
    }
    http_response_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_world *world = fuzz_world_get();
    char *text = malloc(size + 1);
    api_memory *mem = api_memory_new();
    if (text == NULL || mem == NULL) {
        free(text);
        api_memory_free(mem);
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    world->env.backend = api_memory_backend(mem);

    /* the world every input starts from: one pipeline, one queued Custom job */
    json_error_t jerr;
    json_t *seed = json_loads(fuzz_pipeline, 0, &jerr);
    api_call call;
    api_dispatch_invoke(world->dispatch, "CreatePipeline", "fuzzer", "admin", NULL, seed, &call);
    api_call_clear(&call);
    json_decref(seed);
    json_t *job = json_loads(fuzz_job, 0, &jerr);
    fuzz_ingest(&world->env, job);
    json_decref(job);
    json_t *type = json_loads(fuzz_action_type, 0, &jerr);
    api_dispatch_invoke(world->dispatch, "CreateCustomActionType", "fuzzer", "admin", NULL, type,
                        &call);
    api_call_clear(&call);
    json_decref(type);
    world->env.require_custom_types = (size % 2) == 1;

    char *newline = memchr(text, '\n', size);
    const char *op = text;
    const char *body = "";
    size_t body_len = 0;
    if (newline != NULL) {
        *newline = '\0';
        body = newline + 1;
        body_len = size - (size_t)(body - text);
    }
    if (strcmp(op, "!ingest") == 0) {
        json_t *detail = json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (json_is_object(detail)) {
            fuzz_ingest(&world->env, detail);
            json_t *poll =
                json_pack("{s:O}", "actionTypeId", json_object_get(detail, "actionTypeId"));
            if (poll != NULL) {
                api_dispatch_invoke(world->dispatch, "PollForJobs", "fuzzer", "admin", NULL, poll,
                                    &call);
                api_call_clear(&call);
            }
            json_decref(poll);
        }
        json_decref(detail);
    } else if (strlen(op) < 100) {
        fuzz_dispatch(world, op, body, body_len);
    }
    world->env.backend = NULL;
    world->env.require_custom_types = false;
    api_memory_free(mem);
    free(text);
    return 0;
}
