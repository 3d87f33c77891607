/*
 * api_dispatch.h — one HTTP request in, one CodePipeline answer out.
 *
 * The request dispatcher of the api (AWS JSON 1.1, POST /): for every request
 *   1. a request id (x-amzn-RequestId of the answer),
 *   2. SigV4 authentication against the configured access keys (aws_sigv4.h);
 *      X-Amz-Target must be among the signed headers (an unsigned target could
 *      be rewritten in flight into another operation), and the X-Amz-Date must
 *      lie within the configured skew window,
 *   3. the operation from X-Amz-Target (CodePipeline_20150709.<Operation>),
 *   4. the body: one JSON object (empty means {}), bounded depth,
 *   5. authorization: the caller's role must allow the operation's class
 *      (api_auth.h), else AccessDeniedException,
 *   5b. with the replay cache on, a mutating operation (any class but read)
 *      whose signature was already accepted inside the skew window is refused
 *      with InvalidSignatureException (aws_replay.h); a full cache answers
 *      ThrottlingException; a 5xx answer forgets the signature again (SDKs
 *      retry those, re-signing within the same second),
 *   6. the operation's handler (api_pipelines.h, api_executions.h, api_workers.h),
 *   7. the answer: the output object, or {"__type", "message"} with the
 *      exception's status (400 for CodePipeline's exceptions, 500 InternalFailure,
 *      503 ServiceUnavailableException).
 * Each request is counted in sluice_api_requests_total{op,status} and timed in
 * sluice_api_request_duration_seconds{op} (op "unknown" for anything that
 * names no operation). A malformed request never stops the service: every
 * failure is an answer.
 *
 * A dispatcher is immutable after api_dispatch_new apart from its replay
 * cache, which locks itself; api_dispatch_http runs on the HTTP server's pool
 * threads concurrently.
 */
#ifndef SLUICE_API_DISPATCH_H
#define SLUICE_API_DISPATCH_H

#include "api_call.h"

#include "sluice/aws_credentials.h"
#include "sluice/http_message.h"
#include "sluice/http_metrics.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct api_dispatch api_dispatch;

typedef struct api_dispatch_config {
    const api_env *env;                 /* borrowed; outlives the dispatcher */
    const aws_credentials *credentials; /* borrowed; read-only */
    http_metrics *metrics;              /* optional, borrowed */
    int64_t max_skew_ms;                /* SigV4 clock-skew window; 0: AWS's 15 minutes */
    size_t replay_entries;              /* replay cache bound; 0: no replay cache */
} api_dispatch_config;

/*
 * Creates a dispatcher (and declares its metric families in cfg->metrics).
 * 0 with *out, or SLUICE_EINVAL (missing env or credentials) / SLUICE_ENOMEM
 * with err set.
 */
int api_dispatch_new(const api_dispatch_config *cfg, api_dispatch **out, char *err, size_t errlen);

/* Frees a dispatcher. Accepts NULL. */
void api_dispatch_free(api_dispatch *d);

/* The HTTP handler of POST /; ctx is the api_dispatch. */
void api_dispatch_http(const http_request *req, http_response *resp, void *ctx);

/*
 * The HTTP server's error hook (404, 405, 413, 431, 500 the server answers
 * itself): renders them in the AWS JSON error form. ctx is unused.
 */
void api_dispatch_http_error(int status, const char *code, const char *message, http_response *resp,
                             void *ctx);

/*
 * Runs operation op for an already authenticated caller (identity, role and
 * the role's worker scope, NULL or "" for none, api_scope.h) on input (an
 * object, borrowed), through steps 5-6 above, filling call (the caller clears
 * it with api_call_clear). Returns the HTTP status the answer would carry:
 * 200, or the exception's status. For tests and tools.
 */
int api_dispatch_invoke(const api_dispatch *d, const char *op, const char *identity,
                        const char *role, const char *scope, const json_t *input, api_call *call);

/* True when op names an operation this api serves. */
bool api_dispatch_known(const char *op);

/* The number of operations served and the name of the i-th one (for documentation and tests). */
size_t api_dispatch_count(void);
const char *api_dispatch_name(size_t index);

#endif
