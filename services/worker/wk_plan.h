/*
 * wk_plan.h — a Commands job turned into what the worker runs: the pure
 * translation of a job document (libs/engine engine_step.h: the job document
 * of an AWS/Compute/Commands/1 action, or the rule job document of a
 * Commands/1 rule of a stage condition) into a run plan.
 *
 * A plan holds:
 *   - the workspace layout (paths under the job's workspace W, chosen by the
 *     shell): each input artifact unpacked into W/src/<artifact name>; the
 *     primary (first) input's directory is where commands start, and the
 *     base of the output artifacts' globs (W/src when the job has no input);
 *     HOME is W/home, TMPDIR W/tmp, and W/run holds the shell state carried
 *     from one command to the next (W/run/env);
 *   - the commands, run one by one, each as
 *       /bin/sh -c WK_PLAN_WRAPPER sluice-command W/run/env W/run/env <command>
 *     The wrapper sources the environment the previous command exported and
 *     its working directory, runs the command with eval, and on exit
 *     (exit included) writes `export -p` back, so `export X=...` and `cd`
 *     carry over to the next command as in CodeBuild;
 *   - the environment, and nothing else (the worker's own is not inherited):
 *       PATH (configured), HOME, TMPDIR, LANG=C.UTF-8,
 *       CODEBUILD_SRC_DIR (the primary input's directory),
 *       CODEBUILD_SRC_DIR_<name> for every input artifact (characters other
 *       than [A-Za-z0-9_] of the name as "_"),
 *       CODEBUILD_BUILD_ID "sluice:<action or rule execution id>",
 *       CODEBUILD_INITIATOR "codepipeline/<pipeline>",
 *       CODEBUILD_RESOLVED_SOURCE_VERSION (the execution's source revision
 *       override, when the job carries one),
 *       CODEPIPELINE_PIPELINE_NAME, CODEPIPELINE_EXECUTION_ID,
 *       CODEPIPELINE_STAGE_NAME, CODEPIPELINE_ACTION_NAME (actions) or
 *       CODEPIPELINE_RULE_NAME (rules), CODEPIPELINE_ACTION_EXECUTION_ID
 *       (the action or rule execution id), AWS_REGION and AWS_DEFAULT_REGION
 *       (the job's region);
 *     then the action's environmentVariables in order, replacing a standard
 *     variable of the same name: PLAINTEXT values as they are, SECRETS_MANAGER
 *     values looked up with the caller's secret function (their values are
 *     recorded as the plan's secrets, to be masked);
 *   - the outputVariables to read back after the last command (the capture
 *     script and wk_plan_read_variables);
 *   - the output artifacts: name, the object the job data assigns (bucket,
 *     key) and the compiled outputArtifacts[].files globs (model_glob.h,
 *     relative to the primary input's directory; none given: every file);
 *   - the timeout: the job's deadline minus now; a job without a deadline
 *     gets CodePipeline's default for its category (1 h for Compute and
 *     rules).
 *
 * Bounds: WK_PLAN_*_MAX below; a job beyond them, a name that is not
 * [A-Za-z0-9_]+ where CodePipeline requires it, an artifact name that is
 * not [A-Za-z0-9_-]+, a glob that does not compile or a secret that is not
 * configured is refused with SLUICE_EINVAL and a message for the action's
 * ConfigurationError failure.
 *
 * Pure (the secret function is the caller's); a plan is immutable after
 * wk_plan_new and may be read from any thread.
 */
#ifndef SLUICE_WK_PLAN_H
#define SLUICE_WK_PLAN_H

#include "sluice/model_glob.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK_PLAN_COMMANDS_MAX       50
#define WK_PLAN_COMMAND_MAX        8192 /* bytes of one resolved command */
#define WK_PLAN_INPUTS_MAX         10
#define WK_PLAN_OUTPUTS_MAX        5
#define WK_PLAN_FILES_MAX          10 /* globs per output artifact */
#define WK_PLAN_DECLARED_ENV_MAX   10
#define WK_PLAN_OUTPUT_VARS_MAX    15
#define WK_PLAN_NAME_MAX           128          /* variable and artifact names */
#define WK_PLAN_VALUE_MAX          8192         /* bytes of one environment value */
#define WK_PLAN_VARIABLES_MAX      (120 * 1024) /* bytes of all captured output variables */
#define WK_PLAN_WORKSPACE_MAX      512          /* bytes of the workspace path */
#define WK_PLAN_DEFAULT_PATH       "/usr/local/bin:/usr/bin:/bin"
#define WK_PLAN_DEFAULT_TIMEOUT_MS (60LL * 60 * 1000)
#define WK_PLAN_ERR_MAX            512

/*
 * The wrapper every command runs in ($1: environment to read, $2: where to
 * write it back, $3: the command).
 */
#define WK_PLAN_WRAPPER                                                                            \
    "__sluice_out=$2; __sluice_cmd=$3; "                                                           \
    "if [ -s \"$1\" ]; then . \"$1\" || exit 125; cd \"$PWD\" || exit 125; fi; "                   \
    "trap 'export -p >\"$__sluice_out\"' EXIT; shift 3; eval \"$__sluice_cmd\""

typedef enum wk_plan_kind {
    WK_PLAN_ACTION = 0, /* an AWS/Compute/Commands/1 action */
    WK_PLAN_RULE,       /* a Commands/1 rule of a stage condition */
    WK_PLAN_CODEBUILD,  /* an AWS/Build/CodeBuild/1 or AWS/Test/CodeBuild/1 action: the
                           commands come from its buildspec (wk_codebuild.h) */
    WK_PLAN_DEPLOY,     /* an AWS/Deploy/S3/1 action: no commands (wk_deploy.h) */
    WK_PLAN_INVOKE,     /* an AWS/Invoke/Lambda/1 action or a LambdaInvoke/1 rule: no
                           commands, the function is invoked (wk_lambda.h) */
} wk_plan_kind;

typedef struct wk_plan_input {
    const char *name;   /* borrowed from the job */
    const char *bucket; /* where the artifact store holds it */
    const char *key;
    char *dir; /* W/src/<name> */
} wk_plan_input;

typedef struct wk_plan_output {
    const char *name;
    const char *bucket; /* NULL when the job data assigns no object */
    const char *key;
    size_t nfiles;
    const char *files[WK_PLAN_FILES_MAX];
    model_glob *globs[WK_PLAN_FILES_MAX];
} wk_plan_output;

typedef struct wk_plan {
    wk_plan_kind kind;
    json_t *job;       /* the job document; the borrowed strings point into it */
    json_t *locations; /* the output locations (a reference), or NULL */
    const char *job_id;
    const char *pipeline;
    const char *execution_id;
    const char *stage;
    const char *name;   /* action or rule */
    const char *run_id; /* actionExecutionId or ruleExecutionId */
    char *workspace;    /* W */
    char *src_dir;      /* where commands start */
    char *run_dir;      /* W/run */
    char *env_file;     /* W/run/env */
    char *home_dir;     /* W/home */
    char *tmp_dir;      /* W/tmp */
    size_t ninputs;
    wk_plan_input inputs[WK_PLAN_INPUTS_MAX];
    size_t ncommands;
    const char *commands[WK_PLAN_COMMANDS_MAX];
    size_t nenv;
    char **env; /* "NAME=value", NULL-terminated (envp of the commands) */
    size_t nsecrets;
    char *secrets[WK_PLAN_DECLARED_ENV_MAX]; /* values to mask */
    size_t noutput_vars;
    const char *output_vars[WK_PLAN_OUTPUT_VARS_MAX];
    size_t noutputs;
    wk_plan_output outputs[WK_PLAN_OUTPUTS_MAX];
    int64_t timeout_ms; /* 0: the deadline has passed */
} wk_plan;

/*
 * Looks up the value of a SECRETS_MANAGER variable whose declared value is
 * ref. Returns the value (borrowed for the duration of wk_plan_new) or NULL
 * when no such secret is configured.
 */
typedef const char *(*wk_plan_secret_fn)(void *ctx, const char *ref);

typedef struct wk_plan_params {
    const char *workspace; /* absolute, without a trailing "/" */
    const char *path;      /* PATH of the commands; NULL: WK_PLAN_DEFAULT_PATH */
    int64_t now_ms;        /* epoch milliseconds */
    /*
     * [{"name", "bucket", "key"}] the job data assigns (aws_job_output_locations);
     * may be NULL; the plan takes a reference.
     */
    json_t *output_locations;
    wk_plan_secret_fn secret; /* may be NULL: no secrets configured */
    void *secret_ctx;
} wk_plan_params;

/*
 * Translates job (a reference is taken) with params (borrowed) into a new
 * plan. A CodeBuild action's plan has no commands, output variables or
 * globs yet: wk_codebuild.h adds them from the buildspec. 0 and *out;
 * SLUICE_ENOTFOUND when the job is neither a Commands action, a Commands
 * rule, a CodeBuild action, an S3 deploy nor a Lambda invoke (not the
 * plan's to run); SLUICE_EINVAL with the reason in err (a job document that
 * does not hold what the format says, a bound exceeded, a secret not
 * configured, a glob that does not compile); SLUICE_ENOMEM. *out is NULL on
 * failure.
 */
int wk_plan_new(json_t *job, const wk_plan_params *params, wk_plan **out, char *err, size_t errlen);

/* Frees a plan. Accepts NULL. */
void wk_plan_free(wk_plan *plan);

/*
 * Sets NAME=value in the plan's environment, replacing NAME (for
 * wk_codebuild.h, before the plan is run). 0, SLUICE_ETOOBIG (value over
 * WK_PLAN_VALUE_MAX, too many variables) or SLUICE_ENOMEM.
 */
int wk_plan_set_env(wk_plan *plan, const char *name, const char *value);

/*
 * The argument vector of command i (< plan->ncommands): {"/bin/sh", "-c",
 * WK_PLAN_WRAPPER, "sluice-command", env file, env file, command, NULL};
 * the strings are borrowed from the plan.
 */
void wk_plan_argv(const wk_plan *plan, size_t i, const char *argv[8]);

/*
 * The script that prints the output variables after the last command, each
 * set one as "NAME=value" followed by a NUL byte; run as
 * /bin/sh -c <script> sluice-capture <env file>. A new string, or NULL when
 * out of memory. The names are checked identifiers, so the script needs no
 * quoting of them.
 */
char *wk_plan_capture_script(const wk_plan *plan);

/*
 * Reads what the capture script printed (len bytes; need not be
 * NUL-terminated) into a new object {name: value} of the plan's output
 * variables. 0 and *vars; SLUICE_EPARSE with err when a record is not
 * "NAME=value", names a variable the plan does not export, repeats one or
 * is not UTF-8; SLUICE_ETOOBIG past WK_PLAN_VARIABLES_MAX; SLUICE_ENOMEM.
 */
int wk_plan_read_variables(const wk_plan *plan, const char *data, size_t len, json_t **vars,
                           char *err, size_t errlen);

/*
 * True when relpath (a file's path relative to plan->src_dir, "/"-separated,
 * no leading "./") belongs in output artifact i: it matches one of the
 * artifact's globs, or the artifact has none.
 */
bool wk_plan_output_match(const wk_plan *plan, size_t i, const char *relpath);

#endif
