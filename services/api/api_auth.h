/*
 * api_auth.h — what each role may do.
 *
 * Every access key maps to an identity and a role (SLUICE_API_CREDENTIALS);
 * every operation belongs to one class, and a role allows a set of classes
 * (the table lives in libs/protocol, protocol_roles.h, so the console's
 * buttons follow it too):
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

#include "sluice/protocol_roles.h"

#include <stdbool.h>
#include <stddef.h>

/* The classes are the role table's (sluice/protocol_roles.h), shared with the console. */
typedef protocol_role_class api_auth_class;
#define API_AUTH_READ    PROTOCOL_ROLE_READ
#define API_AUTH_OPERATE PROTOCOL_ROLE_OPERATE
#define API_AUTH_APPROVE PROTOCOL_ROLE_APPROVE
#define API_AUTH_JOB     PROTOCOL_ROLE_JOB
#define API_AUTH_ADMIN   PROTOCOL_ROLE_ADMIN

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
