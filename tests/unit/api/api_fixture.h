/*
 * api_fixture.h — what the api's unit tests share: an api environment over
 * the in-process backend (api_memory.h), a dispatcher with a few access keys,
 * and helpers to call operations and read pipeline declarations.
 *
 * Access keys of the fixture (identity = role name):
 *   AKIDADMIN / admin-secret     admin      AKIDVIEW / view-secret    viewer
 *   AKIDOPER  / oper-secret      operator   AKIDAPPR / appr-secret    approver
 *   AKIDWORK  / work-secret      worker
 *   AKIDWRK2  / work2-secret     worker2 (role worker)
 *   AKIDSCOP  / scop-secret      scoped  (role worker, scope API_FIXTURE_SCOPE)
 *   AKIDFUNC  / func-secret      function (role worker, scope API_FIXTURE_FUNCTION_SCOPE:
 *                                a Lambda function answering its invocations)
 *   AKIDPART  / part-secret      partner (role worker, scope API_FIXTURE_PARTNER_SCOPE:
 *                                the partner of the ThirdParty type Acme)
 * The environment's clock is the wall clock plus what api_fixture_advance
 * added; jobs are leased for API_FIXTURE_LEASE_MS.
 */
#ifndef SLUICE_API_FIXTURE_H
#define SLUICE_API_FIXTURE_H

#include "api_call.h"
#include "api_dispatch.h"
#include "api_memory.h"

#include "sluice/aws_credentials.h"
#include "sluice/http_metrics.h"
#include "sluice/model_registry.h"

#include <jansson.h>
#include <stddef.h>

#define API_FIXTURE_SCOPE          "Custom/Build/Scoped*|Custom/Test/*/2"
#define API_FIXTURE_FUNCTION_SCOPE "AWS/Invoke/Lambda|AWS/Rule/LambdaInvoke"
#define API_FIXTURE_PARTNER_SCOPE  "ThirdParty/Deploy/Acme"
#define API_FIXTURE_LEASE_MS       60000

typedef struct api_fixture {
    api_memory *mem;
    model_registry *registry;
    aws_credentials *credentials;
    http_metrics *metrics;
    api_env env;
    api_dispatch *dispatch;
    unsigned steps; /* engine steps taken by the in-process orchestrator */
    json_t *jobs;   /* every job document it published, oldest first */
} api_fixture;

/* Sets up the fixture; external lists extra external providers (NULL: none). 0 or -1. */
int api_fixture_init(api_fixture *f, const char *external);

/*
 * Makes the backend's requests run through the real engine (libs/engine), as
 * the orchestrator would: state saved in the backend, jobs recorded in the
 * job store (and in f->jobs), history archived, replies returned.
 */
void api_fixture_use_engine(api_fixture *f);

/* Moves the environment's clock (of every fixture) ms forward; api_fixture_init resets it. */
void api_fixture_advance(int64_t ms);

/* Tears it down. */
void api_fixture_free(api_fixture *f);

/*
 * Runs op as a caller of role (identity = role; the names worker2 and scoped
 * are workers, the second with a scope) on input_json (JSON text;
 * NULL = {}), filling call (clear it with api_call_clear). Returns the HTTP status.
 */
int api_fixture_call(api_fixture *f, const char *role, const char *op, const char *input_json,
                     api_call *call);

/* As api_fixture_call with a JSON value (borrowed). */
int api_fixture_call_json(api_fixture *f, const char *role, const char *op, const json_t *input,
                          api_call *call);

/*
 * Runs op as role on the input printf formats (at most 8 KiB): the HTTP
 * status; the output (a new reference, NULL when none) in *out unless out is
 * NULL, the exception in exception unless it is NULL. A call that did not
 * answer 200 is reported on stderr when exception is NULL.
 */
int api_fixture_callf(api_fixture *f, const char *role, const char *op, json_t **out,
                      char *exception, size_t exlen, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/*
 * The member of obj at path: names and array indexes separated by dots
 * ("jobs.0.data.inputArtifacts"); NULL when any step is missing. Borrowed.
 */
const json_t *api_fixture_member(const json_t *obj, const char *path);

/* The string at path (api_fixture_member); "" when it is absent or not a string. */
const char *api_fixture_str(const json_t *obj, const char *path);

/* The last job document published for action (its name) in f->jobs, or NULL. Borrowed. */
const json_t *api_fixture_last_job(const api_fixture *f, const char *action);

/* The jobId of api_fixture_last_job(f, action), or NULL. */
const char *api_fixture_last_job_id(const api_fixture *f, const char *action);

/*
 * Answers job_id, a job of Sluice's own providers, as its service would: a
 * Succeeded JobResult request straight to the orchestrator (the in-process
 * engine), not through the public API, with revision r1 / change c1 and, when
 * etag is not NULL, the output variable ETag. 0 when the engine took it.
 */
int api_fixture_finish_own_job(api_fixture *f, const char *pipeline, const char *job_id,
                               const char *etag);

/* Reads a JSON file below the source tree (e.g. "examples/demo-pipeline.json"); NULL on failure. */
json_t *api_fixture_read(const char *relative_path);

/* A minimal valid V2 pipeline declaration named name: S3 source, Manual approval, Custom build. */
json_t *api_fixture_pipeline(const char *name);

/* Creates the pipeline of api_fixture_pipeline(name) as admin; 0 when it answered 200. */
int api_fixture_create(api_fixture *f, const char *name);

#endif
