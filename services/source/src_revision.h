/*
 * src_revision.h — what a Source action reports about the commit it fetched:
 * its output variables, its current revision and its execution summary, as
 * CodePipeline reports them (reference §2.9; the CodeCommit and
 * CodeStarSourceConnection action references).
 *
 * Output variables (all strings):
 *   CommitId, CommitMessage, AuthorDate, CommitterDate (RFC 3339 UTC,
 *   "2026-12-03T09:00:00Z"), BranchName, AuthorEmail, AuthorDisplayName and
 *   CommitterEmail, CommitterDisplayName (when git knows them), then
 *   CodeCommit: RepositoryName;
 *   CodeStarSourceConnection: ConnectionArn, FullRepositoryName, ProviderType
 *   (when the connection declares or its host implies one).
 * CommitMessage is cut to SRC_REVISION_MESSAGE_MAX bytes.
 *
 * currentRevision (the JobResult member, engine_input.h):
 *   {"revision": <commit id>, "changeIdentifier": <commit id>,
 *    "created": <committer time, epoch seconds>,
 *    "revisionSummary": CodeCommit: the message; a connection:
 *      {"ProviderType": ..., "CommitMessage": ...} as JSON text, as
 *      CodePipeline shows it — cut to 2048 bytes (the API's bound),
 *    "revisionUrl": the commit's page on GitHub, GitLab, Bitbucket or
 *      Gitea-like hosts of an http(s) connection (absent otherwise)}
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_REVISION_H
#define SLUICE_SRC_REVISION_H

#include "src_action.h"
#include "src_commit.h"

#include <jansson.h>

#define SRC_REVISION_MESSAGE_MAX 4096 /* bytes of the CommitMessage variable */
#define SRC_REVISION_SUMMARY_MAX 2048 /* revisionSummary, executionDetails.summary */

/* The output variables of target's commit: a new object, or NULL when out of memory. */
json_t *src_revision_variables(const src_target *target, const src_commit *commit);

/* The currentRevision document: a new object, or NULL when out of memory. */
json_t *src_revision_document(const src_target *target, const src_commit *commit);

/*
 * The execution summary: the first line of the message, cut to
 * SRC_REVISION_SUMMARY_MAX bytes, into out[outlen] (outlen > 0).
 */
void src_revision_summary(const src_commit *commit, char *out, size_t outlen);

/*
 * The provider type of a connection: its declared providerType, else one
 * implied by the host of an http(s) base URL (github.com: "GitHub",
 * gitlab.com: "GitLab", bitbucket.org: "Bitbucket"), else "".
 */
const char *src_revision_provider_type(const src_target *target);

#endif
