/*
 * fuzz_src_action.c — libFuzzer target over src_action_resolve
 * (services/source src_action.h), which reads a Source action's ActionTypeId
 * and configuration from a job on the bus. The input is a JSON document
 * {"actionTypeId": {...}, "configuration": {...}}, resolved against a fixed
 * repositories file. Beyond not crashing: a resolved git target has a remote
 * src_remote_classify accepts and a branch src_remote_branch_check accepts; a
 * refused one has a message and no remote.
 */
#include "src_action.h"
#include "src_remote.h"
#include "src_repos.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixture[] =
    "{\"repositories\": [{\"name\": \"web\", \"url\": \"https://git.example.com/web.git\","
    "  \"credentials\": {\"username\": \"ci\", \"password\": \"pw\"}},"
    " {\"name\": \"local\", \"url\": \"/srv/git/local\"}],"
    " \"connections\": [{\"arn\": "
    "\"arn:aws:codestar-connections:us-east-1:123456789012:connection/aaaa\","
    "  \"baseUrl\": \"https://github.com/\", \"suffix\": \".git\"},"
    " {\"arn\": \"arn:aws:codeconnections:us-east-1:123456789012:connection/bbbb\","
    "  \"baseUrl\": \"/srv/git\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static src_repos *repos;
    char err[512] = "";
    if (repos == NULL &&
        src_repos_parse(fixture, sizeof fixture - 1, &repos, err, sizeof err) != 0) {
        abort();
    }
    if (sluice_jsontext_depth((const char *)data, size, 16) > 16) {
        return 0;
    }
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    if (doc == NULL) {
        return 0;
    }
    src_target target;
    int rc = src_action_resolve(repos, json_object_get(doc, "actionTypeId"),
                                json_object_get(doc, "configuration"), &target, err, sizeof err);
    json_decref(doc);
    if (rc != SLUICE_OK) {
        if (err[0] == '\0' || target.url[0] != '\0' || target.credentials != NULL) {
            abort();
        }
        return 0;
    }
    if (target.provider != SRC_PROVIDER_S3) {
        src_remote_kind kind;
        if (src_remote_classify(target.url, &kind, err, sizeof err) != 0 || kind != target.kind ||
            src_remote_branch_check(target.branch, err, sizeof err) != 0) {
            abort();
        }
    } else if (target.bucket[0] == '\0' || target.key[0] == '\0') {
        abort();
    }
    return 0;
}
