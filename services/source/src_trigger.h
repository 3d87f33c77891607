/*
 * src_trigger.h — V2 triggers: which pipelines a change starts, and with
 * which revision. The pure core of webhook-driven change detection.
 *
 * A change (src_change) is what a host's webhook delivery says, in one
 * shape for GitHub, GitLab and Gitea (src_webhook.h reads them): a push to
 * a branch, a push of a tag, or a pull-request event (OPEN, UPDATED,
 * CLOSED) with its source and destination branches. Its changed files come
 * from git (the shell diffs the mirror).
 *
 * A pipeline's trigger (PipelineTriggerDeclaration, reference §1.4) names
 * a source action (gitConfiguration.sourceActionName); the change concerns
 * that action when the action's remote is the change's repository. The
 * trigger then accepts the change when one of its filters does:
 *   push[]        a filter with "tags" accepts a tag push whose tag the
 *                 criteria accept (tags are used alone: its branches and
 *                 filePaths are ignored); a filter without "tags" accepts a
 *                 branch push whose branch its "branches" accept (any
 *                 branch when absent) and, when "filePaths" is given, of
 *                 which at least one changed file is accepted;
 *   pullRequest[] accepts a pull-request event whose type is in "events"
 *                 (every type when absent), whose destination branch its
 *                 "branches" accept (any when absent) and, with "filePaths",
 *                 one of whose changed files is accepted.
 * Criteria {"includes", "excludes"}: a value an exclude matches is refused
 * (excludes first); otherwise it is accepted when an include matches, or
 * when there are no includes. Patterns are CodePipeline's globs
 * (model_glob.h). A trigger with neither push nor pullRequest accepts a
 * push to the action's BranchName.
 *
 * A start: {"type": "StartPipelineExecution", "pipeline",
 *   "triggerType": "WebhookV2", "triggerDetail": <ConnectionArn FullRepositoryId>,
 *   "clientRequestToken": "trig-" + 40 hex digits of SHA-256(pipeline, action,
 *                         commit, event key),
 *   "sourceRevisions": [{"actionName", "revisionType": "COMMIT_ID", "revisionValue"}]}
 * The event key is "push" for a branch push, "tag:<tag>" for a tag and
 * "pr:<number>:<OPEN|UPDATED|CLOSED>" for a pull request: one change starts
 * a pipeline once however often it is delivered, by however many replicas.
 *
 * Pure; thread-safe.
 */
#ifndef SLUICE_SRC_TRIGGER_H
#define SLUICE_SRC_TRIGGER_H

#include "src_action.h"
#include "src_commit.h"
#include "src_poll.h"
#include "src_remote.h"
#include "src_repos.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define SRC_TRIGGER_TOKEN_LEN  45 /* "trig-" + 40 hex digits */
#define SRC_TRIGGER_EVENT_MAX  (SRC_BRANCH_MAX + 32)
#define SRC_TRIGGER_CANDIDATES 1000 /* source actions a change is matched against */

typedef enum src_change_kind {
    SRC_CHANGE_BRANCH = 0, /* a push to a branch */
    SRC_CHANGE_TAG,        /* a push of a tag */
    SRC_CHANGE_PULL_REQUEST,
} src_change_kind;

typedef enum src_pr_event {
    SRC_PR_OPEN = 0,
    SRC_PR_UPDATED,
    SRC_PR_CLOSED,
} src_pr_event;

typedef struct src_change {
    src_change_kind kind;
    char full_name[SRC_REPO_ID_MAX + 1]; /* the repository, owner/name (group/…/name) */
    char ref[SRC_BRANCH_MAX + 1];        /* the branch or tag pushed; a PR's source branch */
    char before[SRC_COMMIT_ID_MAX + 1];  /* push: the previous head ("" when new) */
    char after[SRC_COMMIT_ID_MAX + 1];   /* push: the new head; PR: the head commit */
    /* pull requests */
    src_pr_event event;
    long number;
    char destination[SRC_BRANCH_MAX + 1]; /* the branch it merges into */
    char base[SRC_COMMIT_ID_MAX + 1];     /* the destination's commit ("" when not given) */
} src_change;

/* A source action a change may start: the pipeline, its action and trigger. */
typedef struct src_trigger_candidate {
    char pipeline[PROTOCOL_PIPELINE_NAME_MAX + 1];
    char action[SRC_POLL_ACTION_MAX + 1];
    char detail[SRC_POLL_DETAIL_MAX + 1];
    src_target target;
    const json_t *git_configuration; /* borrowed from the definition */
} src_trigger_candidate;

/* "OPEN", "UPDATED" or "CLOSED". */
const char *src_trigger_event_name(src_pr_event event);

/*
 * True when criteria ({"includes": [...], "excludes": [...]}) accept value:
 * no exclude matches, and an include does or there are none. A pattern
 * that is not a string or does not compile matches nothing.
 */
bool src_trigger_criteria_accept(const json_t *criteria, const char *value);

/* True when criteria accept at least one of files[0..nfiles). */
bool src_trigger_files_accept(const json_t *criteria, const char *const *files, size_t nfiles);

/*
 * True when git_configuration (a trigger's) accepts change, whose changed
 * files are files[0..nfiles); action_branch is the source action's
 * BranchName (the rule of a trigger without filters).
 */
bool src_trigger_accepts(const json_t *git_configuration, const char *action_branch,
                         const src_change *change, const char *const *files, size_t nfiles);

/*
 * True when some trigger of git_configuration could need the change's
 * changed files (a matching kind of filter has "filePaths").
 */
bool src_trigger_wants_files(const json_t *git_configuration, const src_change *change);

/*
 * The source actions of definition ({"pipeline": {...}}) a V2 trigger
 * names whose remote is url, appended to out[*count] (at most max).
 * region and account name CodeCommit repositories in details. Borrowed
 * pointers into definition and repos: keep both alive while the
 * candidates are used. 0, or SLUICE_ETOOBIG when out is full (those that
 * fitted are kept). A malformed declaration adds nothing.
 */
int src_trigger_candidates(const src_repos *repos, const json_t *definition, const char *url,
                           const char *region, const char *account, src_trigger_candidate *out,
                           size_t max, size_t *count);

/* The event key of change ("push", "tag:<t>", "pr:<n>:<EVENT>") into out. */
void src_trigger_event_key(const src_change *change, char out[SRC_TRIGGER_EVENT_MAX + 1]);

/* The clientRequestToken of (pipeline, action, commit, event key) into out. */
void src_trigger_token(const char *pipeline, const char *action, const char *commit,
                       const char *event_key, char out[SRC_TRIGGER_TOKEN_LEN + 1]);

/*
 * The StartPipelineExecution request of candidate for commit (trigger
 * WebhookV2), the token from event_key: a new reference, or NULL.
 */
json_t *src_trigger_start_request(const src_trigger_candidate *candidate, const char *commit,
                                  const char *event_key);

#endif
