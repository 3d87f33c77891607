/*
 * wk_codebuild.h — an AWS/CodeBuild action's build: its plan (wk_plan.h,
 * kind WK_PLAN_CODEBUILD) completed from the build project and the
 * buildspec document (wk_buildspec.h). Pure.
 *
 * Build project (from the worker's projects file, SLUICE_WORKER_PROJECTS_FILE;
 * ProjectName selects one):
 *   {"environmentVariables": [{"name", "value", "type"}], "buildspec": "<file
 *    of the primary source, or inline YAML>", "timeoutInMinutes": <n>}
 * Environment, later entries winning, as CodeBuild orders them: the plan's
 * standard variables, the buildspec's env.variables, env.parameter-store
 * and env.secrets-manager (looked up with the secret function), the
 * project's environmentVariables, the action's EnvironmentVariables
 * configuration (a JSON list, "#{...}" already resolved; PLAINTEXT,
 * PARAMETER_STORE or SECRETS_MANAGER). Secret values are added to the
 * plan's secrets, for masking.
 * Phases: install, pre_build, build, post_build in that order, each with its
 * commands, finally and on-failure.
 * Output variables: env.exported-variables (at most WK_PLAN_OUTPUT_VARS_MAX).
 * Artifacts: the buildspec's primary artifact goes to the action's first
 * output artifact; each secondary artifact to the output artifact named by
 * its identifier; an output artifact the buildspec gives nothing is refused.
 * files and exclude-paths are globs relative to base-directory (itself
 * relative to the primary source directory, without ".."); discard-paths
 * stores files by their base name.
 * Timeout: the plan's, lowered to the project's timeoutInMinutes.
 */
#ifndef SLUICE_WK_CODEBUILD_H
#define SLUICE_WK_CODEBUILD_H

#include "wk_plan.h"

#include "sluice/model_glob.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define WK_CODEBUILD_PHASES       4
#define WK_CODEBUILD_COMMANDS_MAX 200 /* commands, and finally commands, of one phase */
#define WK_CODEBUILD_GLOBS_MAX    20  /* files, and exclude-paths, of one artifact */
#define WK_CODEBUILD_PROJECT      "buildspec.yml"

typedef struct wk_codebuild_phase {
    const char *name;          /* "install", "pre_build", "build", "post_build" */
    const char *label;         /* "INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD" */
    const char *finally_label; /* "INSTALL finally", ... */
    bool present;
    bool on_failure_continue;
    size_t ncommands;
    const char *commands[WK_CODEBUILD_COMMANDS_MAX];
    size_t nfinally;
    const char *finally[WK_CODEBUILD_COMMANDS_MAX];
} wk_codebuild_phase;

typedef struct wk_codebuild_artifact {
    const char *output; /* the action's output artifact */
    char *base_dir;     /* absolute: the primary source directory or below */
    bool discard_paths;
    size_t nfiles;
    model_glob *files[WK_CODEBUILD_GLOBS_MAX];
    size_t nexclude;
    model_glob *exclude[WK_CODEBUILD_GLOBS_MAX];
} wk_codebuild_artifact;

typedef struct wk_codebuild {
    json_t *spec; /* the buildspec document; the strings point into it */
    wk_codebuild_phase phases[WK_CODEBUILD_PHASES];
    size_t nartifacts; /* == plan->noutputs */
    wk_codebuild_artifact artifacts[WK_PLAN_OUTPUTS_MAX];
} wk_codebuild;

/*
 * Completes plan (kind WK_PLAN_CODEBUILD) from spec (a reference is taken)
 * and project (borrowed; NULL: no project settings), looking secrets up with
 * params->secret. 0 and *out; SLUICE_EINVAL with the reason in err (a
 * variable that is not configured, a bad EnvironmentVariables value, an
 * output artifact without a buildspec artifact, a glob that does not
 * compile, a base-directory that climbs out, a bound exceeded); SLUICE_ENOMEM.
 * plan is changed only on success... except its environment, which may hold
 * some of the new variables after a failure (the plan is not run then).
 */
int wk_codebuild_new(wk_plan *plan, json_t *spec, const json_t *project,
                     const wk_plan_params *params, wk_codebuild **out, char *err, size_t errlen);

/* Frees a build. Accepts NULL. */
void wk_codebuild_free(wk_codebuild *build);

/*
 * True when relpath (relative to artifact i's base directory) belongs in it:
 * it matches one of its files globs and none of its exclude-paths.
 */
bool wk_codebuild_match(const wk_codebuild *build, size_t i, const char *relpath);

/*
 * Where the buildspec is: *inline_text set when the project's buildspec is
 * inline YAML (it holds a newline), else *path the file relative to the
 * primary source directory (WK_CODEBUILD_PROJECT by default). 0, or
 * SLUICE_EINVAL when the path is absolute or climbs with "..".
 */
int wk_codebuild_buildspec_source(const json_t *project, const char **inline_text,
                                  const char **path, char *err, size_t errlen);

#endif
