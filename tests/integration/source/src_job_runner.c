/*
 * src_job_runner — runs one Source action job through src_run_job, for the
 * source integration tests: the service's job path without Kafka or Redis.
 *
 *   src_job_runner REPOS_FILE KEYS_FILE CACHE_DIR JOB_JSON DEFINITION_JSON [ZIP_MAX]
 *
 * SLUICE_TEST_ARTIFACTS names the artifact store's endpoint. Prints the job
 * result document (one JSON line) on stdout; exit 0 when a result was made,
 * 2 when the job is not a Source job, 1 on a setup error.
 */
#include "src_git.h"
#include "src_repos.h"
#include "src_run.h"

#include "sluice/aws_jobcred.h"
#include "sluice/http_client.h"
#include "sluice/time.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s REPOS KEYS CACHE JOB DEFINITION [ZIP_MAX]\n", argv[0]);
        return 1;
    }
    const char *endpoint = getenv("SLUICE_TEST_ARTIFACTS");
    char err[1024] = "";
    src_repos *repos = NULL;
    if (src_repos_load(argv[1], &repos, err, sizeof err) != 0) {
        fprintf(stderr, "repositories: %s\n", err);
        return 1;
    }
    aws_jobcred_keys *keys = aws_jobcred_keys_load(argv[2], err, sizeof err);
    if (keys == NULL) {
        fprintf(stderr, "keys: %s\n", err);
        return 1;
    }
    src_git_config gcfg = {NULL, argv[3], 60000};
    src_git *git = NULL;
    if (src_git_new(&gcfg, &git, err, sizeof err) != 0) {
        fprintf(stderr, "git: %s\n", err);
        return 1;
    }
    http_client_config hcfg;
    http_client_config_defaults(&hcfg);
    hcfg.timeout_ms = 60000;
    http_client *http = http_client_new(&hcfg, err, sizeof err);
    json_error_t jerr;
    json_t *job = json_load_file(argv[4], 0, &jerr);
    json_t *definition = strcmp(argv[5], "-") == 0 ? NULL : json_load_file(argv[5], 0, &jerr);
    if (http == NULL || job == NULL || endpoint == NULL) {
        fprintf(stderr, "setup: %s %s\n", err, jerr.text);
        return 1;
    }
    src_run_env env = {
        .repos = repos,
        .git = git,
        .http = http,
        .job_keys = keys,
        .account = "123456789012",
        .region = "us-east-1",
        .artifacts_endpoint = endpoint,
        .work_dir = argv[3],
        .zip_max_bytes = argc > 6 ? strtoll(argv[6], NULL, 10) : 64 * 1024 * 1024,
    };
    src_run_stats stats;
    json_t *result = src_run_job(&env, job, definition, sluice_time_now_ms(), &stats);
    int status = 2;
    if (result != NULL) {
        char *text = json_dumps(result, JSON_COMPACT | JSON_SORT_KEYS);
        printf("%s\n", text);
        free(text);
        status = 0;
    }
    json_decref(result);
    json_decref(job);
    json_decref(definition);
    http_client_free(http);
    src_git_free(git);
    aws_jobcred_keys_free(keys);
    src_repos_free(repos);
    return status;
}
