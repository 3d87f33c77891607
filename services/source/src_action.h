/*
 * src_action.h — what a Source action of a built-in provider asks for: its
 * ActionTypeId and configuration (as the job document carries them, every
 * value a string) mapped to one remote and branch of src_repos.
 *
 *   AWS/Source/CodeCommit/1                RepositoryName*, BranchName*,
 *                                          PollForSourceChanges ("true" when absent),
 *                                          OutputArtifactFormat
 *   AWS/Source/CodeStarSourceConnection/1  ConnectionArn*, FullRepositoryId*, BranchName*,
 *                                          DetectChanges ("true" when absent),
 *                                          OutputArtifactFormat
 *   AWS/Source/S3/1                        S3Bucket*, S3ObjectKey*,
 *                                          PollForSourceChanges ("true" when absent)
 * OutputArtifactFormat is CODE_ZIP (default) or CODEBUILD_CLONE_REF; boolean
 * values are "true" / "false" in any case. A repository or connection
 * missing from the file is SLUICE_ENOTFOUND, a bad value SLUICE_EINVAL; the
 * message names the configuration key and says what to fix, so it can be
 * the action's ConfigurationError as it is.
 *
 * Pure; thread-safe. A target borrows its remote's credentials from the
 * src_repos it was resolved against, which must outlive it.
 */
#ifndef SLUICE_SRC_ACTION_H
#define SLUICE_SRC_ACTION_H

#include "src_remote.h"
#include "src_repos.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SRC_ACTION_S3_BUCKET_MAX 64
#define SRC_ACTION_S3_KEY_MAX    1025

typedef enum src_provider {
    SRC_PROVIDER_CODECOMMIT = 0,
    SRC_PROVIDER_CONNECTION, /* AWS/CodeStarSourceConnection */
    SRC_PROVIDER_S3,
} src_provider;

typedef enum src_format {
    SRC_FORMAT_CODE_ZIP = 0,
    SRC_FORMAT_CLONE_REF, /* CODEBUILD_CLONE_REF */
} src_format;

typedef struct src_target {
    src_provider provider;
    /* git providers */
    char url[SRC_URL_MAX]; /* the remote (a connection's joined URL) */
    src_remote_kind kind;
    const src_credentials *credentials; /* borrowed; NULL: none */
    char branch[SRC_BRANCH_MAX + 1];
    char repository_name[SRC_REPO_NAME_MAX + 1]; /* CodeCommit */
    char connection_arn[SRC_REPOS_ARN_MAX];      /* connection */
    char full_repository_id[SRC_REPO_ID_MAX + 1];
    char provider_type[SRC_REPOS_PROVIDER_MAX]; /* connection's providerType, "" unknown */
    char base_url[SRC_URL_MAX];                 /* connection's baseUrl */
    src_format format;
    /* S3 */
    char bucket[SRC_ACTION_S3_BUCKET_MAX];
    char key[SRC_ACTION_S3_KEY_MAX];
    /* change detection: PollForSourceChanges (CodeCommit, S3) or DetectChanges (connection) */
    bool detect;
} src_target;

/*
 * The built-in provider action_type_id ({"category", "owner", "provider",
 * "version"}) names: 0 with *provider set, or SLUICE_ENOTFOUND when it is
 * not one sluice-source runs (another owner, category, provider or version).
 */
int src_action_provider(const json_t *action_type_id, src_provider *provider);

/*
 * Resolves an action's configuration object (borrowed) against repos into
 * *target. 0, SLUICE_ENOTFOUND (not a built-in source provider, or the
 * repository / connection is not declared), SLUICE_EINVAL (a key missing or
 * malformed); err says which and what to change. target is cleared first.
 */
int src_action_resolve(const src_repos *repos, const json_t *action_type_id,
                       const json_t *configuration, src_target *target, char *err, size_t errlen);

/* "AWS/CodeCommit", "AWS/CodeStarSourceConnection" or "AWS/S3". */
const char *src_action_provider_name(src_provider provider);

#endif
