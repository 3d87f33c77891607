/*
 * fuzz_wk_plan.c — libFuzzer target over the worker's reading of a job
 * document from the jobs topic (wk_plan_new) and of the output variables its
 * commands print (wk_plan_read_variables), and the job results built from
 * both (wk_result_build).
 *
 * The input is a job document; when it plans, the same bytes are also read
 * as captured output variables. Invariants: a plan's strings are within
 * their bounds, its environment is NULL-terminated with one entry per name,
 * and every result it builds is a JobResult whose message stays within
 * WK_RESULT_MESSAGE_MAX bytes; an S3 deploy's configuration resolves to a
 * path below its directory target, or to a store key without ".." whose
 * staging key lies under the staging prefix. Everything is freed, so leaks are findings.
 * Built with -fsanitize=fuzzer,address,undefined.
 */
#include "wk_deploy.h"
#include "wk_plan.h"
#include "wk_result.h"

#include "sluice/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether path has a ".." segment: "a/../b" does, "a...b" (a plain name) does not. */
static bool fuzz_has_dotdot_segment(const char *path)
{
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p++) {
        if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/')) {
            return true;
        }
    }
    return false;
}

static const char *fuzz_secret(void *ctx, const char *ref)
{
    (void)ctx;
    return strlen(ref) % 2 == 0 ? ref : NULL;
}

/* An S3 deploy's configuration against a directory target and a store bucket. */
static void fuzz_check_deploy(const wk_plan *plan)
{
    const json_t *config = json_object_get(plan->job, "configuration");
    char err[WK_PLAN_ERR_MAX];
    json_t *dirs = json_pack("{s:s}", "site", "/srv/www");
    json_t *buckets = json_pack("{s:b}", "web", 1);
    wk_deploy dir;
    if (wk_deploy_resolve(dirs, config, &dir, err, sizeof err) == 0 &&
        strncmp(dir.path, "/srv/www", 8) != 0) {
        abort();
    }
    wk_deploy_store store;
    int rc = wk_deploy_resolve_store(buckets, config, &store, err, sizeof err);
    if (rc == 0) {
        char key[WK_DEPLOY_KEY_MAX + 1];
        char staged[WK_DEPLOY_KEY_MAX + 1];
        if (strcmp(store.bucket, "web") != 0 || fuzz_has_dotdot_segment(store.key) ||
            store.key[0] == '/' || (!store.extract && store.key[0] == '\0')) {
            abort();
        }
        if (wk_deploy_object_key(&store, "css/site.css", key, sizeof key) == 0 &&
            wk_deploy_staging_key(plan->job_id, key, staged, sizeof staged) == 0 &&
            strncmp(staged, WK_DEPLOY_STAGING_PREFIX, strlen(WK_DEPLOY_STAGING_PREFIX)) != 0) {
            abort();
        }
        (void)wk_deploy_content_type(key);
    }
    json_decref(dirs);
    json_decref(buckets);
}

static void fuzz_check_plan(const wk_plan *plan, const char *data, size_t size)
{
    if (plan->kind == WK_PLAN_DEPLOY) {
        fuzz_check_deploy(plan);
    }
    if (plan->kind != WK_PLAN_ACTION && plan->kind != WK_PLAN_RULE) {
        /* CodeBuild (commands from the buildspec), deploys and invokes run no commands here */
        if (plan->ncommands != 0 || plan->env == NULL || plan->env[plan->nenv] != NULL) {
            abort();
        }
        return;
    }
    if (plan->ncommands == 0 || plan->ncommands > WK_PLAN_COMMANDS_MAX || plan->env == NULL ||
        plan->env[plan->nenv] != NULL) {
        abort();
    }
    for (size_t i = 0; i < plan->nenv; i++) {
        const char *eq = strchr(plan->env[i], '=');
        if (eq == NULL) {
            abort();
        }
        for (size_t j = 0; j < i; j++) {
            if (strncmp(plan->env[j], plan->env[i], (size_t)(eq - plan->env[i]) + 1) == 0) {
                abort(); /* a name set twice */
            }
        }
    }
    const char *argv[8];
    wk_plan_argv(plan, plan->ncommands - 1, argv);
    if (argv[7] != NULL || strcmp(argv[6], plan->commands[plan->ncommands - 1]) != 0) {
        abort();
    }
    free(wk_plan_capture_script(plan));
    for (size_t i = 0; i < plan->noutputs; i++) {
        (void)wk_plan_output_match(plan, i, "dist/a.txt");
    }
    char err[WK_PLAN_ERR_MAX];
    json_t *vars = NULL;
    if (wk_plan_read_variables(plan, data, size, &vars, err, sizeof err) == 0) {
        if (!json_is_object(vars) || json_object_size(vars) > plan->noutput_vars) {
            abort();
        }
    }
    wk_result_outcome outcomes[] = {
        {.end = WK_RESULT_SUCCEEDED, .variables = vars, .duration_ms = 1},
        {.end = WK_RESULT_COMMAND_FAILED,
         .command = plan->ncommands - 1,
         .exit_code = 3,
         .log_tail = data,
         .log_tail_len = size},
        {.end = WK_RESULT_TIMED_OUT, .log_tail = data, .log_tail_len = size},
        {.end = WK_RESULT_JOB_FAILED, .reason = plan->commands[0]},
    };
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        json_t *detail = wk_result_build(plan, &outcomes[i]);
        if (detail == NULL) {
            abort(); /* every message is cleaned to valid UTF-8 */
        }
        const char *message = json_string_value(
            json_object_get(json_object_get(detail, "failureDetails"), "message"));
        if (message != NULL && strlen(message) > WK_RESULT_MESSAGE_MAX) {
            abort();
        }
        json_decref(detail);
    }
    json_decref(vars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_BYTES) {
        return 0;
    }
    json_t *job = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (job == NULL) {
        return 0;
    }
    json_t *locations = json_object_get(job, "fuzzLocations");
    wk_plan_params params = {.workspace = "/w/fuzz",
                             .now_ms = 1772445600000LL,
                             .output_locations = json_is_array(locations) ? locations : NULL,
                             .secret = fuzz_secret};
    char err[WK_PLAN_ERR_MAX];
    wk_plan *plan = NULL;
    int rc = wk_plan_new(job, &params, &plan, err, sizeof err);
    if (rc == 0) {
        fuzz_check_plan(plan, (const char *)data, size);
    } else if (plan != NULL) {
        abort();
    }
    wk_plan_free(plan);
    json_decref(job);
    return 0;
}
