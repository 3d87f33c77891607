/*
 * api_backend.c — helpers shared by the backend implementations (see api_backend.h).
 */
#include "api_backend.h"

#include <string.h>

void api_backend_job_clear(api_backend_job *job)
{
    json_decref(job->record);
    memset(job, 0, sizeof *job);
}
