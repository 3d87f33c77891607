/*
 * fuzz_src_trigger.c — libFuzzer target over src_trigger_candidates and
 * src_trigger_accepts (services/source src_trigger.h): the input is a
 * stored definition (the api's, read from Redis) whose V2 triggers are
 * matched against a branch push, a tag push and a pull request with a few
 * changed files. Beyond not crashing: every candidate is on the change's
 * remote and names a pipeline and an action; a trigger accepts the same
 * change the same way twice.
 */
#include "src_repos.h"
#include "src_trigger.h"

#include "sluice/jsontext.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char REPOS[] =
    "{\"repositories\": [{\"name\": \"demo\", \"url\": \"/srv/git/demo\"}], \"connections\": "
    "[{\"arn\": \"arn:aws:codestar-connections:us-east-1:123456789012:connection/abc\", "
    "\"baseUrl\": \"/srv/hosted\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static src_repos *repos;
    static src_trigger_candidate candidates[16];
    char err[512];
    if (repos == NULL && src_repos_parse(REPOS, strlen(REPOS), &repos, err, sizeof err) != 0) {
        abort();
    }
    if (sluice_jsontext_depth((const char *)data, size, 32) > 32) {
        return 0;
    }
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc == NULL) {
        return 0;
    }
    const char *urls[] = {"/srv/hosted/octo/app", "/srv/git/demo"};
    src_change changes[3];
    memset(changes, 0, sizeof changes);
    for (size_t i = 0; i < 3; i++) {
        changes[i].kind = (src_change_kind)i;
        memcpy(changes[i].full_name, "octo/app", 9);
        memcpy(changes[i].ref, "release/v1", 11);
        memcpy(changes[i].destination, "main", 5);
        memcpy(changes[i].after, "3f786850e387550fdab836ed7e6dc881de23001b", 41);
        changes[i].event = SRC_PR_UPDATED;
    }
    const char *files[] = {"src/a.c", "docs/README.md", "a/b/c/d.js"};
    for (size_t u = 0; u < 2; u++) {
        size_t count = 0;
        (void)src_trigger_candidates(repos, doc, urls[u], "us-east-1", "123456789012", candidates,
                                     16, &count);
        if (count > 16) {
            abort();
        }
        for (size_t i = 0; i < count; i++) {
            const src_trigger_candidate *c = &candidates[i];
            if (strcmp(c->target.url, urls[u]) != 0 || c->pipeline[0] == '\0' ||
                c->action[0] == '\0' || c->git_configuration == NULL) {
                abort();
            }
            for (size_t k = 0; k < 3; k++) {
                bool once = src_trigger_accepts(c->git_configuration, c->target.branch, &changes[k],
                                                files, 3);
                bool twice = src_trigger_accepts(c->git_configuration, c->target.branch,
                                                 &changes[k], files, 3);
                (void)src_trigger_wants_files(c->git_configuration, &changes[k]);
                if (once != twice) {
                    abort();
                }
            }
        }
    }
    json_decref(doc);
    return 0;
}
