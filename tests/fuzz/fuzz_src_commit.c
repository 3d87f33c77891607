/*
 * fuzz_src_commit.c — libFuzzer target over src_commit_parse (services/source
 * src_commit.h), the reader of git's description of a fetched commit (its
 * content comes from a remote). The input is copied into a heap block of
 * exactly its size. Beyond not crashing: a parsed commit has a valid id and
 * text jansson accepts as UTF-8, and the output variables, current revision
 * and job result built from it exist and stay within their bounds.
 */
#include "src_action.h"
#include "src_commit.h"
#include "src_result.h"
#include "src_revision.h"

#include "sluice/error.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size > 0 ? size : 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    src_commit commit;
    char err[256] = "";
    int rc = src_commit_parse(text, size, &commit, err, sizeof err);
    free(text);
    if (rc != SLUICE_OK) {
        if (err[0] == '\0' || commit.id[0] != '\0') {
            abort();
        }
        return 0;
    }
    if (!src_commit_id_ok(commit.id)) {
        abort();
    }
    src_target target;
    memset(&target, 0, sizeof target);
    target.provider = (size & 1) != 0 ? SRC_PROVIDER_CONNECTION : SRC_PROVIDER_CODECOMMIT;
    target.kind = SRC_REMOTE_HTTPS;
    memcpy(target.branch, "main", 5);
    memcpy(target.repository_name, "repo", 5);
    memcpy(target.full_repository_id, "owner/repo", 11);
    memcpy(target.base_url, "https://github.com", 19);
    json_t *vars = src_revision_variables(&target, &commit);
    json_t *rev = src_revision_document(&target, &commit);
    if (vars == NULL || rev == NULL ||
        json_string_length(json_object_get(vars, "CommitMessage")) > SRC_REVISION_MESSAGE_MAX ||
        json_string_length(json_object_get(rev, "revisionSummary")) > SRC_REVISION_SUMMARY_MAX ||
        json_string_value(json_object_get(vars, "AuthorDisplayName")) == NULL) {
        if (commit.author_name[0] != '\0' || vars == NULL || rev == NULL) {
            abort();
        }
    }
    char summary[SRC_REVISION_SUMMARY_MAX + 1];
    src_revision_summary(&commit, summary, sizeof summary);
    json_t *result = src_result_success("job", "pipe", NULL, rev, vars, summary);
    json_t *failure = src_result_failure("job", "pipe", SRC_FAILURE_JOB_FAILED, commit.message);
    if (result == NULL || failure == NULL) {
        abort();
    }
    json_decref(result);
    json_decref(failure);
    json_decref(vars);
    json_decref(rev);
    return 0;
}
