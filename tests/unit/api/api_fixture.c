/*
 * api_fixture.c — the api unit tests' shared set-up (see api_fixture.h).
 */
#include "api_fixture.h"

#include "api_workers.h"

#include "sluice/aws_job.h"
#include "sluice/bus_envelope.h"
#include "sluice/engine_batch.h"
#include "sluice/model_parse.h"
#include "sluice/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const api_fixture_keys =
    "AKIDADMIN:admin-secret:admin:admin,AKIDVIEW:view-secret:viewer:viewer,"
    "AKIDOPER:oper-secret:operator:operator,AKIDAPPR:appr-secret:approver:approver,"
    "AKIDWORK:work-secret:worker:worker,AKIDWRK2:work2-secret:worker2:worker,"
    "AKIDSCOP:scop-secret:scoped:worker(" API_FIXTURE_SCOPE "),"
    "AKIDFUNC:func-secret:function:worker(" API_FIXTURE_FUNCTION_SCOPE "),"
    "AKIDPART:part-secret:partner:worker(" API_FIXTURE_PARTNER_SCOPE ")";

/* Callers by name: identity = name; worker2 and scoped are workers (api_fixture.h). */
static const struct {
    const char *name;
    const char *role;
    const char *scope;
} api_fixture_callers[] = {
    {"worker2", "worker", NULL},
    {"scoped", "worker", API_FIXTURE_SCOPE},
    {"function", "worker", API_FIXTURE_FUNCTION_SCOPE},
    {"partner", "worker", API_FIXTURE_PARTNER_SCOPE},
};

static int64_t api_fixture_offset_ms; /* added to the wall clock (api_fixture_advance) */

static int64_t api_fixture_clock(void)
{
    return sluice_time_now_ms() + api_fixture_offset_ms;
}

void api_fixture_advance(int64_t ms)
{
    api_fixture_offset_ms += ms;
}

int api_fixture_init(api_fixture *f, const char *external)
{
    char err[256];
    memset(f, 0, sizeof *f);
    api_fixture_offset_ms = 0;
    f->mem = api_memory_new();
    f->credentials = aws_credentials_new();
    f->metrics = http_metrics_new();
    if (f->mem == NULL || f->credentials == NULL || f->metrics == NULL ||
        model_registry_new_from_list(external, &f->registry, err, sizeof err) != 0 ||
        aws_credentials_parse(f->credentials, api_fixture_keys, err, sizeof err) != 0) {
        return -1;
    }
    f->env = (api_env){
        .backend = api_memory_backend(f->mem),
        .registry = f->registry,
        .account = "123456789012",
        .region = "us-east-1",
        .reply_timeout_ms = 1000,
        .clock_ms = api_fixture_clock,
        .max_pipelines = 5,
        .job_lease_ms = API_FIXTURE_LEASE_MS,
    };
    api_dispatch_config cfg = {
        .env = &f->env, .credentials = f->credentials, .metrics = f->metrics};
    return api_dispatch_new(&cfg, &f->dispatch, err, sizeof err) == 0 ? 0 : -1;
}

void api_fixture_free(api_fixture *f)
{
    json_decref(f->jobs);
    api_dispatch_free(f->dispatch);
    api_memory_free(f->mem);
    model_registry_free(f->registry);
    aws_credentials_free(f->credentials);
    http_metrics_free(f->metrics);
    memset(f, 0, sizeof *f);
}

int api_fixture_call_json(api_fixture *f, const char *role, const char *op, const json_t *input,
                          api_call *call)
{
    const char *scope = NULL;
    const char *identity = role;
    for (size_t i = 0; i < sizeof api_fixture_callers / sizeof api_fixture_callers[0]; i++) {
        if (strcmp(api_fixture_callers[i].name, identity) == 0) {
            role = api_fixture_callers[i].role;
            scope = api_fixture_callers[i].scope;
        }
    }
    return api_dispatch_invoke(f->dispatch, op, identity, role, scope, input, call);
}

int api_fixture_call(api_fixture *f, const char *role, const char *op, const char *input_json,
                     api_call *call)
{
    json_error_t jerr;
    json_t *input = json_loads(input_json != NULL ? input_json : "{}", 0, &jerr);
    if (input == NULL) {
        fprintf(stderr, "api_fixture_call: bad test input: %s\n", jerr.text);
        abort();
    }
    int status = api_fixture_call_json(f, role, op, input, call);
    json_decref(input); /* outputs hold their own references */
    return status;
}

json_t *api_fixture_read(const char *relative_path)
{
    const char *dir = getenv("SLUICE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir != NULL ? dir : ".", relative_path);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    if (doc == NULL) {
        fprintf(stderr, "cannot read %s: %s\n", path, jerr.text);
    }
    return doc;
}

json_t *api_fixture_pipeline(const char *name)
{
    json_error_t jerr;
    json_t *pipeline = json_loads(
        "{\"roleArn\": \"arn:aws:iam::123456789012:role/test\","
        " \"artifactStore\": {\"type\": \"S3\", \"location\": \"test-artifacts\"},"
        " \"pipelineType\": \"V2\","
        " \"variables\": [{\"name\": \"Env\", \"defaultValue\": \"dev\"}],"
        " \"stages\": ["
        "  {\"name\": \"Source\", \"actions\": [{\"name\": \"Source\","
        "    \"actionTypeId\": {\"category\": \"Source\", \"owner\": \"AWS\", \"provider\": \"S3\","
        "                       \"version\": \"1\"},"
        "    \"configuration\": {\"S3Bucket\": \"src\", \"S3ObjectKey\": \"app.zip\"},"
        "    \"outputArtifacts\": [{\"name\": \"Src\"}]}]},"
        "  {\"name\": \"Approve\", \"actions\": [{\"name\": \"Approve\","
        "    \"actionTypeId\": {\"category\": \"Approval\", \"owner\": \"AWS\","
        "                       \"provider\": \"Manual\", \"version\": \"1\"}}]},"
        "  {\"name\": \"Build\", \"actions\": [{\"name\": \"Build\","
        "    \"actionTypeId\": {\"category\": \"Build\", \"owner\": \"Custom\","
        "                       \"provider\": \"TestBuild\", \"version\": \"1\"},"
        "    \"configuration\": {\"Target\": \"all\"},"
        "    \"inputArtifacts\": [{\"name\": \"Src\"}], \"outputArtifacts\": [{\"name\": "
        "\"Out\"}]}]}"
        " ]}",
        0, &jerr);
    if (pipeline == NULL) {
        fprintf(stderr, "api_fixture_pipeline: %s\n", jerr.text);
        abort();
    }
    json_object_set_new(pipeline, "name", json_string(name));
    return pipeline;
}

int api_fixture_create(api_fixture *f, const char *name)
{
    api_call call;
    json_t *input = json_pack("{s:o}", "pipeline", api_fixture_pipeline(name));
    int status = api_fixture_call_json(f, "admin", "CreatePipeline", input, &call);
    if (status != 200) {
        fprintf(stderr, "create %s: %s %s\n", name, call.exception, call.message);
    }
    api_call_clear(&call);
    json_decref(input);
    return status == 200 ? 0 : -1;
}

/* The declaration of version of pipeline, as the orchestrator loads it for PipelineUpdated. */
static model_pipeline *api_fixture_declaration(api_fixture *f, const char *pipeline,
                                               int64_t version)
{
    char err[256];
    json_t *doc = NULL;
    api_backend *b = f->env.backend;
    if (b->ops->def_load_version(b, pipeline, version, &doc, err, sizeof err) != 0) {
        return NULL;
    }
    model_pipeline *p = NULL;
    model_errors errs;
    model_errors_init(&errs, 0);
    model_pipeline_parse(json_object_get(doc, "pipeline"), &p, &errs);
    model_errors_free(&errs);
    json_decref(doc);
    return p;
}

static json_t *api_fixture_reject(const char *exception, const char *message)
{
    return json_pack("{s:s, s:s}", "exception", exception, "message", message);
}

static void api_fixture_apply_effects(api_fixture *f, const char *pipeline,
                                      const engine_effects *effects, json_t **answer)
{
    char err[256];
    for (size_t i = 0; i < effects->count; i++) {
        const engine_effect *e = &effects->items[i];
        switch (e->kind) {
        case ENGINE_EFFECT_JOB:
            json_array_append(f->jobs, e->body);
            if (api_workers_ingest(&f->env, e->body, err, sizeof err) != 0) {
                fprintf(stderr, "ingest failed: %s\n", err);
            }
            break;
        case ENGINE_EFFECT_ARCHIVE:
            if (e->archive == ENGINE_ARCHIVE_PIPELINE_EXECUTION) {
                api_memory_put_execution(f->mem, pipeline, e->body);
            } else if (e->archive == ENGINE_ARCHIVE_RULE_EXECUTION) {
                api_memory_put_rule(f->mem, pipeline, e->body);
            } else {
                api_memory_put_action(f->mem, pipeline, e->body);
            }
            break;
        case ENGINE_EFFECT_REPLY:
            json_decref(*answer);
            *answer = e->exception != NULL
                          ? api_fixture_reject(e->exception, e->message != NULL ? e->message : "")
                          : json_pack("{s:O}", "body", e->body != NULL ? e->body : json_object());
            break;
        default:
            break;
        }
    }
}

static json_t *api_fixture_engine(void *ctx, const char *pipeline, const char *detail_type,
                                  const json_t *detail)
{
    api_fixture *f = ctx;
    char err[256] = "";
    (void)detail_type;
    const char *type = json_string_value(json_object_get(detail, "type"));
    if (type != NULL && strcmp(type, "PipelineDeleted") == 0) {
        api_memory_put_state(f->mem, pipeline, NULL);
        return json_pack("{s:{}}", "body");
    }
    api_backend *b = f->env.backend;
    json_t *doc = NULL;
    engine_state *state = NULL;
    if (b->ops->state_load(b, pipeline, API_BACKEND_STATE_ALL, NULL, &doc, err, sizeof err) != 0 ||
        engine_state_from_json(doc, &state, err, sizeof err) != 0) {
        state = engine_state_new(pipeline);
    }
    json_decref(doc);
    engine_input_doc in;
    json_t *copy = json_deep_copy(detail);
    int parsed = engine_input_from_json(copy, &in, err, sizeof err); /* takes its own reference */
    json_decref(copy);
    if (parsed != 0) {
        engine_state_free(state);
        return api_fixture_reject("ValidationException", err);
    }
    model_pipeline *declaration = NULL;
    if (in.input.kind == ENGINE_INPUT_PIPELINE_UPDATED) {
        declaration = api_fixture_declaration(
            f, pipeline, (int64_t)json_integer_value(json_object_get(detail, "version")));
        in.input.update.pipeline = declaration;
    }
    char seed[64];
    snprintf(seed, sizeof seed, "fixture/%u", f->steps);
    /* The orchestrator's loop body, one request at a time (no replays here: no source). */
    engine_batch_ctx bctx = {.now_ms = sluice_time_now_ms() + (int64_t)f->steps,
                             .account = f->env.account,
                             .region = f->env.region,
                             .message_max = BUS_ENVELOPE_MAX_BYTES};
    engine_batch_request req = {.input = &in.input, .seed = seed};
    engine_batch_result result;
    f->steps++;
    json_t *answer = NULL;
    json_t *progress = json_object();
    (void)engine_batch_run(state, progress, &bctx, &req, 1, &result);
    json_decref(progress);
    if (result.verdict != ENGINE_BATCH_APPLIED) {
        answer = api_fixture_reject("ValidationException", result.reason);
    } else {
        json_t *saved = engine_state_to_json(state);
        api_memory_put_state(f->mem, pipeline, saved);
        json_decref(saved);
        api_fixture_apply_effects(f, pipeline, &result.effects, &answer);
        if (answer == NULL) {
            answer = json_pack("{s:{}}", "body");
        }
    }
    engine_batch_result_clear(&result);
    model_pipeline_free(declaration);
    engine_input_doc_free(&in);
    engine_state_free(state);
    return answer;
}

void api_fixture_use_engine(api_fixture *f)
{
    json_decref(f->jobs);
    f->jobs = json_array();
    api_memory_set_responder(f->mem, api_fixture_engine, f);
}

int api_fixture_callf(api_fixture *f, const char *role, const char *op, json_t **out,
                      char *exception, size_t exlen, const char *fmt, ...)
{
    char input[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(input, sizeof input, fmt, ap);
    va_end(ap);
    api_call call;
    int status = api_fixture_call(f, role, op, input, &call);
    if (exception != NULL) {
        snprintf(exception, exlen, "%s", call.exception);
    }
    if (out != NULL) {
        *out = call.output != NULL ? json_incref(call.output) : NULL;
    }
    if (status != 200 && exception == NULL) {
        fprintf(stderr, "  %s as %s failed: %s %s\n", op, role, call.exception, call.message);
    }
    api_call_clear(&call);
    return status;
}

const json_t *api_fixture_member(const json_t *obj, const char *path)
{
    char part[128];
    const json_t *cur = obj;
    while (cur != NULL && *path != '\0') {
        size_t n = strcspn(path, ".");
        snprintf(part, sizeof part, "%.*s", (int)n, path);
        cur = json_is_array(cur) ? json_array_get(cur, (size_t)strtol(part, NULL, 10))
                                 : json_object_get(cur, part);
        path += n + (path[n] == '.' ? 1 : 0);
    }
    return cur;
}

const char *api_fixture_str(const json_t *obj, const char *path)
{
    const char *s = json_string_value(api_fixture_member(obj, path));
    return s != NULL ? s : "";
}

const json_t *api_fixture_last_job(const api_fixture *f, const char *action)
{
    for (size_t i = json_array_size(f->jobs); i > 0; i--) {
        const json_t *job = json_array_get(f->jobs, i - 1);
        if (strcmp(api_fixture_str(job, "action"), action) == 0) {
            return job;
        }
    }
    return NULL;
}

const char *api_fixture_last_job_id(const api_fixture *f, const char *action)
{
    const json_t *job = api_fixture_last_job(f, action);
    return job != NULL ? json_string_value(json_object_get(job, "jobId")) : NULL;
}

int api_fixture_finish_own_job(api_fixture *f, const char *pipeline, const char *job_id,
                               const char *etag)
{
    api_backend *b = f->env.backend;
    api_backend_job job;
    char err[256] = "";
    json_t *reply = NULL;
    if (job_id == NULL || b->ops->job_load(b, job_id, &job, err, sizeof err) != 0) {
        return -1;
    }
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:o, s:{s:s, s:s}}", "type", "JobResult", "jobId", job_id,
                  "outcome", "Succeeded", "outputArtifacts", aws_job_output_locations(job.record),
                  "currentRevision", "revision", "r1", "changeIdentifier", "c1");
    api_backend_job_clear(&job);
    if (detail != NULL && etag != NULL) {
        json_object_set_new(detail, "outputVariables", json_pack("{s:s}", "ETag", etag));
    }
    int rc =
        b->ops->request(b, pipeline, "Sluice Job Result", detail, 1000, &reply, err, sizeof err);
    if (rc == 0 && json_object_get(reply, "exception") != NULL) {
        rc = -1;
    }
    json_decref(reply);
    json_decref(detail);
    return rc;
}
