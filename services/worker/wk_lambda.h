/*
 * wk_lambda.h — AWS/Invoke/Lambda/1 actions and LambdaInvoke/1 rules: the
 * worker's functions (which HTTP endpoint a FunctionName invokes) and the
 * CodePipeline.job event it POSTs there. Pure.
 *
 * Functions file (SLUICE_WORKER_FUNCTIONS_FILE), a JSON object of functions
 * by name:
 *   {"check-release": {"url": "http://127.0.0.1:9000/invoke"}}
 * A name is 1..64 of [A-Za-z0-9_-] (Lambda's function names); "url" is
 * required and is either https://<anything> or http:// to the local
 * machine only (127.0.0.1, localhost or [::1], any port), at most
 * WK_LAMBDA_URL_MAX bytes, without whitespace or control characters; no
 * other key is accepted. At most WK_LAMBDA_FUNCTIONS_MAX functions.
 *
 * The event (the user guide's action-reference-Lambda, reference §4.2):
 *   {"CodePipeline.job": {"id", "accountId",
 *     "data": {"actionConfiguration": {"configuration":
 *                {"FunctionName", "UserParameters" (when given)}},
 *              "inputArtifacts", "outputArtifacts", "artifactCredentials",
 *              "continuationToken" (when the job carries one),
 *              "encryptionKey" (when the store names one)}}}
 * built from the job's record (libs/aws aws_job_record: the same data a
 * PollForJobs worker gets, with the job's credentials).
 *
 * The function answers later, through PutJobSuccessResult /
 * PutJobFailureResult on the api (docs/worker.md "Functions"); the HTTP
 * answer to the POST only says whether the invocation was taken (2xx),
 * within WK_LAMBDA_INVOKE_TIMEOUT_MS.
 */
#ifndef SLUICE_WK_LAMBDA_H
#define SLUICE_WK_LAMBDA_H

#include <jansson.h>
#include <stddef.h>

#define WK_LAMBDA_FUNCTIONS_MAX      256
#define WK_LAMBDA_NAME_MAX           64
#define WK_LAMBDA_URL_MAX            1024
#define WK_LAMBDA_FILE_MAX_BYTES     (1024 * 1024)
#define WK_LAMBDA_INVOKE_TIMEOUT_MS  10000 /* the POST, answer included */
#define WK_LAMBDA_CONNECT_TIMEOUT_MS 2000
#define WK_LAMBDA_ANSWER_MAX_BYTES   (64 * 1024) /* of the function's HTTP answer */

/*
 * Parses a functions file (len bytes of text, need not be NUL-terminated)
 * into a new object {name: url}. 0 and *out; SLUICE_EPARSE (not JSON, not
 * an object) or SLUICE_EINVAL (an entry that breaks the rules above) with
 * err naming the entry and what is wrong; SLUICE_ETOOBIG past
 * WK_LAMBDA_FUNCTIONS_MAX or WK_LAMBDA_FILE_MAX_BYTES; SLUICE_ENOMEM. *out
 * is NULL on failure.
 */
int wk_lambda_functions_parse(const char *text, size_t len, json_t **out, char *err, size_t errlen);

/*
 * The URL functions (from wk_lambda_functions_parse; may be NULL) hold for
 * name, or NULL. Borrowed from functions.
 */
const char *wk_lambda_url(const json_t *functions, const char *name);

/*
 * The CodePipeline.job event of record (borrowed). A new reference; NULL
 * when the record has no id, accountId or data, or out of memory.
 */
json_t *wk_lambda_event(const json_t *record);

#endif
