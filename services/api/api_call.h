/*
 * api_call.h — one CodePipeline operation call as an operation handler sees it.
 *
 * The dispatcher (api_dispatch.c) authenticates a request, parses its body and
 * builds an api_call: the environment every handler shares (backend, provider
 * registry, account, region, clock), the caller's identity and the input
 * object. A handler answers either with api_call_succeed (the output object)
 * or with api_call_fail (a CodePipeline exception name and a message), and
 * returns 0 or a negative SLUICE_E* code accordingly.
 *
 * An api_env is built once at start-up and read-only afterwards; an api_call
 * belongs to the one thread running the request.
 */
#ifndef SLUICE_API_CALL_H
#define SLUICE_API_CALL_H

#include "api_backend.h"

#include "sluice/model_registry.h"

#include "sluice/aws_credentials.h"
#include "sluice/aws_jobcred.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define API_EXCEPTION_MAX 64
#define API_MESSAGE_MAX   1024
#define API_ARN_MAX       512
#define API_IDENTITY_MAX  64

/* The client pairs of third-party action types (api_thirdparty.h). */
typedef struct api_thirdparty_clients api_thirdparty_clients;

/* What every handler shares; read-only once the service runs. */
typedef struct api_env {
    api_backend *backend;             /* borrowed; thread-safe */
    const model_registry *registry;   /* borrowed; providers this installation runs */
    const char *account;              /* 12 digits */
    const char *region;               /* e.g. "us-east-1" */
    int reply_timeout_ms;             /* how long to wait for the orchestrator */
    int64_t (*clock_ms)(void);        /* wall clock, epoch milliseconds */
    size_t max_pipelines;             /* CreatePipeline refuses more (LimitExceededException) */
    const aws_jobcred_keys *job_keys; /* borrowed; signs jobs' artifactCredentials (NULL: none) */
    int64_t job_lease_ms;      /* a dispatched job not acknowledged by then is offered again */
    const char *webhook_url;   /* sluice-source's base URL as senders reach it; NULL: localhost */
    bool require_custom_types; /* Custom action types must be registered (api_atypes.h) */
    const api_thirdparty_clients *clients; /* borrowed; ThirdParty client pairs (NULL: none) */
    bool start_on_create; /* CreatePipeline starts an execution (SLUICE_API_START_ON_CREATE) */
} api_env;

typedef struct api_call {
    const api_env *env;
    const char *op; /* operation name, e.g. "GetPipeline" */
    char identity[API_IDENTITY_MAX + 1];
    char caller_arn[API_ARN_MAX];      /* arn:aws:iam::<account>:user/<identity> */
    char scope[AWS_SCOPE_MAX + 1];     /* the caller's worker scope (api_scope.h); "" none */
    const aws_credential *profile;     /* the identity's groups and e-mail; NULL when unknown */
    const json_t *input;               /* the request body object; borrowed */
    json_t *output;                    /* set by api_call_succeed; owned by the call */
    char exception[API_EXCEPTION_MAX]; /* "" unless failed */
    char message[API_MESSAGE_MAX];
} api_call;

/*
 * Initialises call for op by identity with input (all borrowed; identity is
 * copied, cut at API_IDENTITY_MAX). No allocation.
 */
void api_call_init(api_call *call, const api_env *env, const char *op, const char *identity,
                   const json_t *input);

/* Releases the output. The call may be initialised again. */
void api_call_clear(api_call *call);

/* Records success with output (a reference the call takes; NULL means {}). Returns 0. */
int api_call_succeed(api_call *call, json_t *output);

/*
 * Records a failure: exception (a CodePipeline or AWS error name) and a
 * formatted message. Returns SLUICE_EINVAL so handlers can `return
 * api_call_fail(...)`. Any output already set is released.
 */
int api_call_fail(api_call *call, const char *exception, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Records the failure of a backend call rc (a negative SLUICE_E* code) with
 * detail: ServiceUnavailableException for an unreachable dependency
 * (SLUICE_EREDIS, SLUICE_EKAFKA, SLUICE_ETIMEDOUT, SLUICE_EDENIED,
 * SLUICE_ECLOSED, SLUICE_EAGAIN), InternalFailure otherwise. Returns rc.
 */
int api_call_backend_fail(api_call *call, int rc, const char *what, const char *detail);

/* True once api_call_fail (or api_call_backend_fail) ran. */
int api_call_failed(const api_call *call);

/* The current wall-clock time of the call's environment. */
int64_t api_call_now_ms(const api_call *call);

/*
 * Writes the pipeline ARN "arn:aws:codepipeline:<region>:<account>:<pipeline>"
 * into out. Returns 0, or SLUICE_ETOOBIG when it does not fit (out is then "").
 */
int api_call_pipeline_arn(const api_env *env, const char *pipeline, char *out, size_t outlen);

#endif
