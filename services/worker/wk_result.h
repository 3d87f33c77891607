/*
 * wk_result.h — the job result the worker sends when a job ends: the pure
 * builder of the JobResult request detail (libs/engine engine_input.h) that
 * goes on the requests topic, keyed by the pipeline, as the api's
 * PutJobSuccessResult / PutJobFailureResult send theirs (api_workers.c).
 *
 * Succeeded:
 *   {"type": "JobResult", "jobId", "outcome": "Succeeded",
 *    "outputVariables": {...} (when any), "outputArtifacts": [{"name", "bucket", "key"}],
 *    "executionDetails": {"summary": "<n> commands succeeded in <s> s",
 *                         "externalExecutionId": <action or rule execution id>,
 *                         "externalExecutionUrl": <the log's URL, when stored>}}
 * Failed:
 *   {"type": "JobResult", "jobId", "outcome": "Failed",
 *    "failureDetails": {"type", "message", "externalExecutionId"},
 *    "executionDetails": {"externalExecutionId", "externalExecutionUrl"} (when a log is stored)}
 * with CodePipeline's failure types: JobFailed (a command failed or was
 * killed, the timeout passed, an input artifact could not be unpacked, an
 * output or log exceeded its bound), ConfigurationError (the job cannot be
 * run as declared: wk_plan refusals), SystemUnavailable (the worker could
 * not do its part: the artifact store or the disk failed). The message names
 * what failed — for a command its phase (CodeBuild), its position, its text (cut at
 * WK_RESULT_COMMAND_SHOWN bytes) and exit code or signal — and ends with the
 * last WK_RESULT_TAIL_LINES lines of the log; it is cut to
 * WK_RESULT_MESSAGE_MAX bytes on a UTF-8 boundary (CodePipeline's bound is
 * 5000 characters), the log lines first. Secret values of the plan are
 * replaced by "***" in everything the message shows.
 *
 * Pure; thread-compatible.
 */
#ifndef SLUICE_WK_RESULT_H
#define SLUICE_WK_RESULT_H

#include "wk_plan.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define WK_RESULT_MESSAGE_MAX   5000
#define WK_RESULT_COMMAND_SHOWN 200
#define WK_RESULT_TAIL_LINES    10
#define WK_RESULT_TAIL_MAX      4096 /* bytes of log tail the caller needs to hand in */

typedef enum wk_result_end {
    WK_RESULT_SUCCEEDED = 0,
    WK_RESULT_COMMAND_FAILED, /* command exited non-zero or was killed by a signal */
    WK_RESULT_TIMED_OUT,      /* the timeout killed the command's process group */
    WK_RESULT_JOB_FAILED,     /* another failure of the job's own making (reason) */
    WK_RESULT_CONFIGURATION,  /* the job cannot run as declared (reason) */
    WK_RESULT_SYSTEM,         /* the worker's side failed (reason) */
} wk_result_end;

typedef struct wk_result_outcome {
    wk_result_end end;
    size_t command;       /* index of the command that failed or timed out */
    int exit_code;        /* COMMAND_FAILED: the exit code, when signal is 0 */
    int signal;           /* COMMAND_FAILED: the signal that killed it, or 0 */
    const char *reason;   /* JOB_FAILED / CONFIGURATION / SYSTEM: what happened */
    const char *log_tail; /* the last bytes of the log (may be NULL) */
    size_t log_tail_len;
    const json_t *variables; /* SUCCEEDED: the captured output variables (may be NULL) */
    int64_t duration_ms;
    /* a CodeBuild build: the phase ("BUILD") whose commands these are; NULL: the plan's */
    const char *phase;
    const char *const *commands;
    size_t ncommands;
    const char *summary; /* SUCCEEDED: the summary, instead of "<n> commands succeeded" */
    const char *log_url; /* the action's log (wk_log.h), or NULL: externalExecutionUrl */
} wk_result_outcome;

/*
 * Builds the JobResult detail of plan (borrowed) ending with outcome
 * (borrowed). A new reference, or NULL when out of memory.
 */
json_t *wk_result_build(const wk_plan *plan, const wk_result_outcome *outcome);

/*
 * The same for a job that has no plan (the document could not be read):
 * a ConfigurationError failure of job_id with reason. NULL when out of memory.
 */
json_t *wk_result_refused(const char *job_id, const char *reason);

/*
 * The message of a failed outcome (as in failureDetails.message) into out:
 * NUL-terminated, at most min(outlen - 1, WK_RESULT_MESSAGE_MAX) bytes, cut on
 * a UTF-8 boundary. Returns the length written.
 */
size_t wk_result_message(const wk_plan *plan, const wk_result_outcome *outcome, char *out,
                         size_t outlen);

#endif
