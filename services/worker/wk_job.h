/*
 * wk_job.h — one job, run from claim to result on a slot's thread.
 *
 *   1. claim the job's lease (wk_lease.h); a job held elsewhere or finished
 *      already is not run again; the claimed job is tracked as running, for
 *      the sweep that takes over the jobs of lost workers;
 *   2. its record (libs/aws aws_job_record) from the job document and the
 *      pipeline's definition of the job's pipelineVersion (the api's
 *      read-only key sluice:{<p>}:def:v<N>), minted with the job credential
 *      keys: the output locations and the artifactCredentials;
 *   3. its plan (wk_plan.h); a job that cannot run as declared fails with
 *      ConfigurationError;
 *   4. a fresh workspace <SLUICE_WORKER_WORKSPACES>/<job id> (src, home, tmp,
 *      run), each input artifact downloaded with the job's credentials and
 *      unpacked (wk_archive.h) into src/<name>;
 *   5. the commands, one by one (wk_exec.h), stopping at the first failure;
 *      the output goes to run/log and a tail kept for the failure message,
 *      bounded by SLUICE_WORKER_LOG_MAX_BYTES; the timeout is the plan's,
 *      capped by SLUICE_WORKER_TIMEOUT_MAX_MS when set;
 *   6. the output variables read back (the plan's capture script);
 *   7. each output artifact packed and uploaded to its location;
 *   8. the result (wk_result.h) sent (wk_bus.h), the lease finished with the
 *      outcome, the workspace removed unless SLUICE_WORKER_KEEP_WORKSPACES.
 *
 * Runs on the slot's thread with the slot's Redis connection and client.
 */
#ifndef SLUICE_WK_JOB_H
#define SLUICE_WK_JOB_H

#include "wk_service.h"

#include <jansson.h>

/*
 * Runs job (a reference the function takes) on slot. adopted_owner (NULL for
 * a job from the topic) is the lease the sweep took for a job of a lost
 * worker, attempts its claims so far; past 1 + SLUICE_WORKER_LOST_RETRIES
 * the job fails (SystemUnavailable) instead of running. Never fails: every
 * end is a result or a log line.
 */
void wk_job_run(wk_slot *slot, json_t *job, const char *adopted_owner, long long attempts);

/* Removes the directory tree at path (links not followed). 0 or SLUICE_EIO. */
int wk_job_remove_tree(const char *path);

#endif
