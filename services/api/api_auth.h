/*
 * api_auth.h — what each role may do.
 *
 * Every access key maps to an identity and a role (SLUICE_API_CREDENTIALS);
 * every operation belongs to one class, and a role allows a set of classes:
 *
 *   role      read  operate  approve  job  admin
 *   viewer     x
 *   operator   x      x
 *   approver   x               x
 *   worker     x                       x
 *   admin      x      x        x       x     x
 *
 *   read     Get* and List* operations (GetPipeline, ListPipelines, GetPipelineState,
 *            GetPipelineExecution, ListPipelineExecutions, ListActionExecutions,
 *            ListTagsForResource, ListActionTypes)
 *   operate  StartPipelineExecution, StopPipelineExecution, RetryStageExecution,
 *            EnableStageTransition, DisableStageTransition
 *   approve  PutApprovalResult
 *   job      PollForJobs, AcknowledgeJob, GetJobDetails, PutJobSuccessResult,
 *            PutJobFailureResult (job workers)
 *   admin    CreatePipeline, UpdatePipeline, DeletePipeline, TagResource, UntagResource
 *
 * A worker may be scoped to action types (api_scope.h); the job operations
 * check the scope (api_workers.c), the table above only the class.
 *
 * Pure and thread-safe.
 */
#ifndef SLUICE_API_AUTH_H
#define SLUICE_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

typedef enum api_auth_class {
    API_AUTH_READ = 0,
    API_AUTH_OPERATE,
    API_AUTH_APPROVE,
    API_AUTH_JOB,
    API_AUTH_ADMIN,
} api_auth_class;

/* True for the roles above (exact, lowercase). */
bool api_auth_role_known(const char *role);

/* True when role may call operations of class cls; false for unknown roles. */
bool api_auth_allows(const char *role, api_auth_class cls);

/* The class name ("read", "operate", ...); never NULL. */
const char *api_auth_class_name(api_auth_class cls);

/* The known roles, comma-separated, for messages. */
const char *api_auth_roles(void);

/*
 * Checks the role of every entry of a credentials specification
 * (SLUICE_API_CREDENTIALS, aws_credentials.h format: entries separated by
 * ',' ';' or newlines, fields by ':', the role fourth, optionally with a
 * scope: "worker(Custom/Build/MyTool*|...)", api_scope.h). 0, or
 * SLUICE_EINVAL with err naming the entry by position and the unknown role,
 * the scope on a role other than worker, or the malformed scope pattern
 * (never a secret).
 */
int api_auth_check_spec(const char *spec, char *err, size_t errlen);

#endif
