/*
 * src_job.h — a job document from the jobs topic (libs/engine engine_step.h)
 * as sluice-source reads it: which of its members name a Source action of a
 * built-in provider, and the revision it asks for.
 *
 *   {"jobId"*, "pipeline"*, "pipelineVersion", "pipelineExecutionId", "stage",
 *    "action", "actionTypeId"* {...}, "configuration" {...},
 *    "outputArtifacts" [...], "sourceRevision" {"revisionType", "revisionValue"},
 *    "deadline", ...}
 *
 * A job of another provider is SLUICE_ENOTFOUND (someone else's: the api
 * keeps Custom jobs, the worker Build jobs). Bounds: the job id 1..127
 * bytes, a pipeline name as protocol_names.h says, a revision value 1..1500
 * bytes.
 *
 * Pure; the job borrows the document's strings and objects.
 */
#ifndef SLUICE_SRC_JOB_H
#define SLUICE_SRC_JOB_H

#include "src_action.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SRC_JOB_REVISION_MAX 1500

typedef struct src_job {
    const char *job_id;
    const char *pipeline;
    int64_t pipeline_version; /* 0 when absent */
    const char *execution_id; /* NULL when absent */
    src_provider provider;
    const json_t *action_type_id;
    const json_t *configuration; /* NULL when absent */
    const char *revision_type;   /* sourceRevision: NULL when absent */
    const char *revision_value;
} src_job;

/*
 * Reads doc (borrowed; must outlive job). 0; SLUICE_ENOTFOUND when it is not
 * a job of a built-in Source provider; SLUICE_EPARSE when a member is
 * missing, of the wrong type or out of bounds, with err naming it.
 */
int src_job_read(const json_t *doc, src_job *job, char *err, size_t errlen);

#endif
