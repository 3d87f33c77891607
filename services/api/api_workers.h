/*
 * api_workers.h — the job-worker operations and the action types on offer.
 *
 * Operations: PollForJobs, AcknowledgeJob, GetJobDetails, PutJobSuccessResult,
 * PutJobFailureResult, ListActionTypes.
 *
 * Jobs reach the api from the jobs topic (api_feed.c calls api_workers_ingest
 * for every "Sluice Action Job" message): each job is recorded in the job
 * store (aws_job.h records); jobs of Custom providers and of the providers
 * SLUICE_EXTERNAL_PROVIDERS declares are also queued for PollForJobs. A job
 * moves Queued → Dispatched (PollForJobs hands it out with a fresh nonce and
 * a lease of SLUICE_API_JOB_LEASE_S) → InProgress (AcknowledgeJob with that
 * nonce) → Succeeded / Failed (PutJobSuccessResult / PutJobFailureResult, also
 * accepted from the poller straight after dispatch). A Dispatched job whose
 * lease ran out is Queued again for the next PollForJobs, with a new nonce.
 *
 * Jobs belong to their worker: AcknowledgeJob binds the job to the caller's
 * ARN, and from then on GetJobDetails and the results are refused to anyone
 * else with JobNotFoundException (the job is not theirs to see), a second
 * AcknowledgeJob with InvalidNonceException; a Dispatched job is the
 * poller's until its lease ends. A worker identity with a scope (api_scope.h)
 * is refused every job operation on an action type outside it
 * (AccessDeniedException). Jobs of built-in providers are recorded but never
 * queued, and no job operation touches them (JobNotFoundException): their
 * results come from Sluice's own services over the signed bus — except the
 * jobs of AWS/Invoke/Lambda actions and LambdaInvoke rules, which the
 * function sluice-worker invoked answers: PutJobSuccessResult /
 * PutJobFailureResult accept them while InProgress from an identity whose
 * scope names their type (never from one without a scope). The checks
 * that race with other workers run in one backend step (job_ack, job_own).
 *
 * A result is sent to the orchestrator as a JobResult request
 * (detail-type "Sluice Job Result"), with the output artifact locations the
 * job data named and the output variables or continuation token; the
 * orchestrator's reply answers the call (InvalidJobStateException when the
 * action no longer waits for that job). A continuation token makes the
 * orchestrator publish a new job carrying it, which workers poll again.
 *
 * Handlers follow api_call.h. Thread-safe.
 */
#ifndef SLUICE_API_WORKERS_H
#define SLUICE_API_WORKERS_H

#include "api_call.h"

#include <jansson.h>
#include <stdbool.h>

#define API_WORKERS_MAX_BATCH 100 /* jobs one PollForJobs hands out */

/*
 * The operations, one handler each: read call->input (borrowed), return 0
 * with the output set on the call, or a negative code with the call failed
 * (api_call.h).
 */
int api_workers_poll(api_call *call);
int api_workers_acknowledge(api_call *call);
int api_workers_get_job(api_call *call);
int api_workers_put_success(api_call *call);
int api_workers_put_failure(api_call *call);
int api_workers_list_action_types(api_call *call);

/*
 * What the third-party job operations (api_thirdparty.h) share with these.
 * Each fails the call (api_call.h) and returns non-zero / NULL on a refusal.
 */

/* An actionTypeId as read from the input (borrowed strings). */
typedef struct api_workers_type {
    const char *category;
    const char *owner;
    const char *provider;
    const char *version;
} api_workers_type;

/* Reads and checks the input's actionTypeId (*type: the member, borrowed). 0 or failed. */
int api_workers_read_type(api_call *call, const json_t **type, api_workers_type *out);

/*
 * Reads maxBatchSize: 1 when absent; above API_WORKERS_MAX_BATCH (or below 1)
 * refused with ValidationException, as AWS refuses it. 0 or failed.
 */
int api_workers_read_batch(api_call *call, size_t *batch);

/*
 * Loads the job job_id into *job and checks it is reachable by the caller:
 * within its scope, not a built-in provider's, and a ThirdParty job exactly
 * when third_party (then only for an identity with a scope naming its type).
 * 0 with *job filled (the caller clears it), or failed (nothing to clear).
 */
int api_workers_job_read(api_call *call, const char *job_id, api_backend_job *job,
                         bool third_party);

/* True when the loaded job is the caller's: it owns it, or holds it from a poll inside the lease.
 */
bool api_workers_job_held(const api_call *call, const api_backend_job *job);

/*
 * As api_workers_job_read, then makes sure the job is the caller's and can
 * still take a result (api_backend job_own: a job held from a poll becomes
 * the caller's, so its lease no longer runs out while the result is sent).
 */
int api_workers_job_open(api_call *call, const char *job_id, api_backend_job *job,
                         bool third_party);

/*
 * Sends the result in detail (a reference taken) for the loaded job and marks
 * the job ended with status when the orchestrator took it, or when it says
 * the action no longer waits for this job. 0 (the call succeeded, no output
 * members) or failed. job stays the caller's to clear.
 */
int api_workers_job_report(api_call *call, const char *job_id, api_backend_job *job, json_t *detail,
                           const char *status);

/* Reads the input's nonce (borrowed; 1..50 characters). 0 or failed. */
int api_workers_read_nonce(api_call *call, const char **nonce);

/*
 * AcknowledgeJob / AcknowledgeThirdPartyJob once the job was read and
 * checked: binds job_id to the caller when nonce is the one its poll handed
 * out (api_backend job_ack, one step) and answers with the job's status.
 * holder names who else may have acknowledged it ("worker", "partner") in the
 * InvalidNonceException message. 0 (the call succeeded) or failed.
 */
int api_workers_job_acknowledge(api_call *call, const char *job_id, const char *nonce,
                                const char *holder);

/* Reads and checks the optional currentRevision / executionDetails members (borrowed). */
int api_workers_read_revision(api_call *call, const json_t **revision);
int api_workers_read_details(api_call *call, const json_t **details);

/*
 * The JobResult detail of a success of the loaded job job_id (new; NULL when
 * out of memory): outcome InProgress with continuation (NULL: Succeeded), the
 * output artifact locations the job data names, and the executionDetails,
 * currentRevision and outputVariables given (each copied; NULL: absent).
 */
json_t *api_workers_success_detail(const char *job_id, const api_backend_job *job,
                                   const char *continuation, const json_t *details,
                                   const json_t *revision, const json_t *variables);

/* Reads failureDetails and returns the JobResult detail of a failure of job_id (new), or NULL. */
json_t *api_workers_read_failure(api_call *call, const char *job_id);

/*
 * Records the job document job (borrowed; the detail of a "Sluice Action Job"
 * envelope) in the job store, queued when external workers serve its provider.
 * Idempotent: a job already recorded is left as it is. A stage-condition rule's
 * job (it names a "rule") is not for job workers and is skipped (0), but for a
 * LambdaInvoke rule's, recorded with its ruleTypeId as the action type (for
 * its function's answer). 0; SLUICE_EINVAL for a
 * document that can never be recorded (detail in err); another negative code
 * for a failure worth retrying (the backend's).
 */
int api_workers_ingest(const api_env *env, const json_t *job, char *err, size_t errlen);

#endif
