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
 * WK_RESULT_MESSAGE_MAX bytes. Everything is freed, so leaks are findings.
 * Built with -fsanitize=fuzzer,address,undefined.
 */
#include "wk_plan.h"
#include "wk_result.h"

#include "sluice/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES (64 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_secret(void *ctx, const char *ref)
{
    (void)ctx;
    return strlen(ref) % 2 == 0 ? ref : NULL;
}

static void fuzz_check_plan(const wk_plan *plan, const char *data, size_t size)
{
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
