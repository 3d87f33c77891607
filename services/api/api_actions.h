/*
 * api_actions.h — operations on one action of a pipeline: PutActionRevision
 * and ListDeployActionExecutionTargets.
 *
 * PutActionRevision tells the pipeline of a new revision of a source action
 * (botocore's PutActionRevisionInput/Output). A revision some execution
 * already used (the action's artifactRevisions in the hot state, or the
 * sourceRevisions of the archived executions the api looks through)
 * answers {newRevision: false, pipelineExecutionId: <that execution>} and
 * starts nothing; a new one starts an execution (trigger PutActionRevision,
 * the caller as its detail) whose Source job carries the revision as its
 * sourceRevision (revisionType by provider: S3_OBJECT_VERSION_ID for
 * AWS/S3, IMAGE_DIGEST for AWS/ECR, COMMIT_ID otherwise) and answers
 * {newRevision: true, pipelineExecutionId}.
 *
 * ListDeployActionExecutionTargets lists the targets a deploy action
 * execution reports (botocore's DeployActionExecutionTarget). Sluice's own
 * S3 deploy reports one target, its destination
 * (s3://<BucketName>[/<ObjectKey>], targetType "S3Bucket") with the action
 * execution's status and times; other providers report none (an empty
 * list). filters (TARGET_STATUS) and maxResults / nextToken as the model
 * defines them.
 *
 * Handlers follow api_call.h. Thread-safe.
 */
#ifndef SLUICE_API_ACTIONS_H
#define SLUICE_API_ACTIONS_H

#include "api_call.h"

int api_actions_put_revision(api_call *call);
int api_actions_list_deploy_targets(api_call *call);

#endif
