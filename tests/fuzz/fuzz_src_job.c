/*
 * fuzz_src_job.c — libFuzzer target over src_job_read (services/source
 * src_job.h), the reader of job documents from the jobs topic. The input is
 * JSON text (depth bounded as the bus bounds it). Beyond not crashing: a job
 * read has an id, a pipeline name protocol_names.h accepts and a revision
 * type and value together or neither; a refused one has a message.
 */
#include "src_job.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"
#include "sluice/protocol_names.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (sluice_jsontext_depth((const char *)data, size, 32) > 32) {
        return 0;
    }
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc == NULL) {
        return 0;
    }
    src_job job;
    char err[256] = "";
    int rc = src_job_read(doc, &job, err, sizeof err);
    if (rc == SLUICE_OK) {
        if (job.job_id == NULL || !protocol_pipeline_name_ok(job.pipeline) ||
            job.action_type_id == NULL ||
            (job.revision_type == NULL) != (job.revision_value == NULL)) {
            abort();
        }
    } else if (rc == SLUICE_EPARSE) {
        if (err[0] == '\0' || job.job_id != NULL) {
            abort();
        }
    } else if (rc != SLUICE_ENOTFOUND) {
        abort();
    }
    json_decref(doc);
    return 0;
}
