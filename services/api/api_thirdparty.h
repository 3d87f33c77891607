/*
 * api_thirdparty.h — the third-party (partner) job operations.
 *
 * Operations: PollForThirdPartyJobs, GetThirdPartyJobDetails,
 * AcknowledgeThirdPartyJob, PutThirdPartyJobSuccessResult,
 * PutThirdPartyJobFailureResult (botocore's codepipeline model).
 *
 * They run on the job machinery of the Custom job operations (api_workers.h):
 * the same job store, queues, nonces, leases and ownership, for the jobs of
 * ThirdParty-owned action types that SLUICE_EXTERNAL_PROVIDERS declares
 * (e.g. ThirdParty/Deploy/Acme/1). What differs is who may reach them:
 *
 *  - a ThirdParty job is its partner's: only an identity whose worker scope
 *    names its type (worker(ThirdParty/Deploy/Acme)) polls or answers it;
 *    any other caller gets AccessDeniedException on the poll and
 *    JobNotFoundException on the job, and the Custom job operations
 *    (PollForJobs, AcknowledgeJob, ...) never reach a ThirdParty job (nor
 *    these operations another job);
 *  - every job carries the clientId of its type's client pair
 *    (SLUICE_API_THIRD_PARTY_CLIENTS, api_thirdparty_clients_parse), and
 *    each call on a job must present that client's clientToken
 *    (InvalidClientTokenException otherwise; compared in constant time).
 *
 * As on AWS, PollForThirdPartyJobs answers {jobId, clientId} only; the
 * nonce comes with GetThirdPartyJobDetails, and AcknowledgeThirdPartyJob
 * takes it. Results have no output variables (AWS's third-party results do
 * not carry them).
 *
 * Handlers follow api_call.h. Thread-safe; the client table is read-only
 * once parsed.
 */
#ifndef SLUICE_API_THIRDPARTY_H
#define SLUICE_API_THIRDPARTY_H

#include "api_call.h"

#include "sluice/aws_job.h"

#include <stddef.h>

#define API_THIRDPARTY_MAX_CLIENTS 32  /* entries of SLUICE_API_THIRD_PARTY_CLIENTS */
#define API_THIRDPARTY_ID_MAX      128 /* characters of a clientId */
#define API_THIRDPARTY_TOKEN_MAX   256 /* characters of a clientToken (ClientToken max) */

typedef struct api_thirdparty_client {
    char type_key[AWS_JOB_TYPE_KEY_MAX];      /* ThirdParty/<Category>/<Provider>/<Version> */
    char id[API_THIRDPARTY_ID_MAX + 1];       /* clientId handed out with the type's jobs */
    char token[API_THIRDPARTY_TOKEN_MAX + 1]; /* the secret the partner proves it with */
} api_thirdparty_client;

struct api_thirdparty_clients {
    size_t count;
    api_thirdparty_client entries[API_THIRDPARTY_MAX_CLIENTS];
};

/*
 * Parses SLUICE_API_THIRD_PARTY_CLIENTS: comma-separated entries
 * `ThirdParty/<Category>/<Provider>/<Version>:<CLIENT_ID>:<CLIENT_TOKEN>`
 * (an id of 1..128 characters of [A-Za-z0-9_.-], a token of 1..256 that
 * holds no comma; one entry per type). "" is no entries. 0 with *out filled;
 * SLUICE_EINVAL with err naming the entry by position (never echoing a
 * token), *out then empty.
 */
int api_thirdparty_clients_parse(const char *text, api_thirdparty_clients *out, char *err,
                                 size_t errlen);

/* The operations, one handler each (api_call.h). */
int api_thirdparty_poll(api_call *call);
int api_thirdparty_get_job(api_call *call);
int api_thirdparty_acknowledge(api_call *call);
int api_thirdparty_put_success(api_call *call);
int api_thirdparty_put_failure(api_call *call);

#endif
