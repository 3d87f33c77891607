/*
 * test_wk_codebuild.c — a CodeBuild action's plan completed from its build
 * project and buildspec: environment precedence, phases, artifacts mapped to
 * the action's outputs, refusals.
 */
#include "wk_buildspec.h"
#include "wk_codebuild.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

#define JOB                                                                                        \
    "{\"jobId\":\"j\",\"pipeline\":\"p\",\"pipelineExecutionId\":\"e\",\"stage\":\"Build\","       \
    "\"action\":\"Compile\",\"actionExecutionId\":\"ae\",\"actionTypeId\":{\"category\":"          \
    "\"Build\",\"owner\":\"AWS\",\"provider\":\"CodeBuild\",\"version\":\"1\"},"                   \
    "\"configuration\":{\"ProjectName\":\"web\",\"EnvironmentVariables\":"                         \
    "\"[{\\\"name\\\":\\\"STAGE\\\",\\\"value\\\":\\\"from-action\\\"},"                           \
    "{\\\"name\\\":\\\"KEY\\\",\\\"value\\\":\\\"db-key\\\",\\\"type\\\":\\\"SECRETS_MANAGER\\\"}" \
    "]\"},"                                                                                        \
    "\"inputArtifacts\":[{\"name\":\"Src\",\"s3location\":{\"bucket\":\"b\",\"key\":\"k\"}}],"     \
    "\"outputArtifacts\":[{\"name\":\"Web\"},{\"name\":\"Docs\"}],"                                \
    "\"deadline\":\"2026-03-02T18:00:00Z\"}"

#define SPEC                                                                                       \
    "version: 0.2\n"                                                                               \
    "env:\n"                                                                                       \
    "  variables: {STAGE: from-buildspec, ONLY_SPEC: s, FROM_PROJECT: spec}\n"                     \
    "  secrets-manager: {TOKEN: 'prod/token'}\n"                                                   \
    "  exported-variables: [VERSION]\n"                                                            \
    "phases:\n"                                                                                    \
    "  pre_build:\n"                                                                               \
    "    on-failure: CONTINUE\n"                                                                   \
    "    commands: [make deps]\n"                                                                  \
    "  build:\n"                                                                                   \
    "    commands: [make, make test]\n"                                                            \
    "    finally: [make clean]\n"                                                                  \
    "artifacts:\n"                                                                                 \
    "  files: ['**/*']\n"                                                                          \
    "  exclude-paths: ['**/*.map']\n"                                                              \
    "  base-directory: dist/\n"                                                                    \
    "  discard-paths: no\n"                                                                        \
    "  secondary-artifacts:\n"                                                                     \
    "    Docs:\n"                                                                                  \
    "      files: ['*.md']\n"                                                                      \
    "      discard-paths: yes\n"

static char err[1024];

static const char *secrets(void *ctx, const char *ref)
{
    (void)ctx;
    if (strcmp(ref, "prod/token") == 0) {
        return "t0ken";
    }
    return strcmp(ref, "db-key") == 0 ? "k3y" : NULL;
}

static const char *env_get(const wk_plan *plan, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < plan->nenv; i++) {
        if (strncmp(plan->env[i], name, n) == 0 && plan->env[i][n] == '=') {
            return plan->env[i] + n + 1;
        }
    }
    return NULL;
}

/* Plans JOB, then completes it with spec_text and project_text; the rc of wk_codebuild_new. */
static int build_of(const char *spec_text, const char *project_text, wk_plan **plan,
                    wk_codebuild **build)
{
    json_t *job = json_loads(JOB, 0, NULL);
    json_t *locations = json_loads("[{\"name\":\"Web\",\"bucket\":\"b\",\"key\":\"web\"},"
                                   "{\"name\":\"Docs\",\"bucket\":\"b\",\"key\":\"docs\"}]",
                                   0, NULL);
    wk_plan_params params = {.workspace = "/w",
                             .now_ms = 1772445600000LL, /* 2026-03-02T10:00:00Z */
                             .output_locations = locations,
                             .secret = secrets};
    *plan = NULL;
    *build = NULL;
    int rc = wk_plan_new(job, &params, plan, err, sizeof err);
    json_decref(job);
    json_decref(locations);
    if (rc != 0) {
        fprintf(stderr, "plan: %s\n", err);
        return rc;
    }
    json_t *spec = NULL;
    rc = wk_buildspec_parse(spec_text, strlen(spec_text), &spec, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "buildspec: %s\n", err);
        return rc;
    }
    json_t *project = project_text != NULL ? json_loads(project_text, 0, NULL) : NULL;
    err[0] = '\0';
    rc = wk_codebuild_new(*plan, spec, project, &params, build, err, sizeof err);
    json_decref(project);
    json_decref(spec);
    return rc;
}

static void test_build(void)
{
    wk_plan *plan;
    wk_codebuild *build;
    int rc = build_of(SPEC,
                      "{\"environmentVariables\":[{\"name\":\"STAGE\",\"value\":\"from-project\"},"
                      "{\"name\":\"FROM_PROJECT\",\"value\":\"p\"}],\"timeoutInMinutes\":30}",
                      &plan, &build);
    CHECK_INT_EQ(rc, 0);
    REQUIRE(build != NULL);
    CHECK_INT_EQ(plan->kind, WK_PLAN_CODEBUILD);
    /* buildspec < project < action */
    CHECK_STR_EQ(env_get(plan, "STAGE"), "from-action");
    CHECK_STR_EQ(env_get(plan, "FROM_PROJECT"), "p");
    CHECK_STR_EQ(env_get(plan, "ONLY_SPEC"), "s");
    CHECK_STR_EQ(env_get(plan, "TOKEN"), "t0ken");
    CHECK_STR_EQ(env_get(plan, "KEY"), "k3y");
    CHECK_STR_EQ(env_get(plan, "CODEBUILD_BUILD_SUCCEEDING"), "1");
    CHECK_INT_EQ(plan->nsecrets, 2);
    CHECK_INT_EQ(plan->timeout_ms, 30 * 60 * 1000); /* the project's, below the 8 h deadline */
    CHECK_INT_EQ(plan->noutput_vars, 1);
    CHECK_STR_EQ(plan->output_vars[0], "VERSION");

    CHECK(!build->phases[0].present);
    CHECK(build->phases[1].present && build->phases[1].on_failure_continue);
    CHECK_STR_EQ(build->phases[2].label, "BUILD");
    CHECK_INT_EQ(build->phases[2].ncommands, 2);
    CHECK_STR_EQ(build->phases[2].commands[1], "make test");
    CHECK_INT_EQ(build->phases[2].nfinally, 1);
    CHECK(!build->phases[2].on_failure_continue);

    CHECK_INT_EQ(build->nartifacts, 2);
    CHECK_STR_EQ(build->artifacts[0].output, "Web");
    CHECK_STR_EQ(build->artifacts[0].base_dir, "/w/src/Src/dist");
    CHECK(wk_codebuild_match(build, 0, "js/app.js"));
    CHECK(!wk_codebuild_match(build, 0, "js/app.js.map"));
    CHECK_STR_EQ(build->artifacts[1].output, "Docs");
    CHECK_STR_EQ(build->artifacts[1].base_dir, "/w/src/Src");
    CHECK(build->artifacts[1].discard_paths);
    CHECK(wk_codebuild_match(build, 1, "README.md"));
    CHECK(!wk_codebuild_match(build, 1, "docs/guide.md"));
    wk_codebuild_free(build);
    wk_plan_free(plan);
}

/* "**" + "/" matches no directory too, as CodeBuild's artifact globs do. */
static void test_recursive_globs_match_top_level(void)
{
    wk_plan *plan;
    wk_codebuild *build;
    const char *spec = "version: 0.2\nphases:\n  build:\n    commands: [make]\n"
                       "artifacts:\n  files: ['**/*']\n  secondary-artifacts:\n"
                       "    Docs:\n      files: ['docs/**/*.md', '{a,b}/**/x']\n";
    CHECK_INT_EQ(build_of(spec, NULL, &plan, &build), 0);
    REQUIRE(build != NULL);
    CHECK(wk_codebuild_match(build, 0, "hello"));
    CHECK(wk_codebuild_match(build, 0, "site/a/b/hello"));
    CHECK(wk_codebuild_match(build, 1, "docs/guide.md"));
    CHECK(wk_codebuild_match(build, 1, "docs/x/y/guide.md"));
    CHECK(!wk_codebuild_match(build, 1, "docs/guide.txt"));
    CHECK(!wk_codebuild_match(build, 1, "guide.md"));
    /* braces of its own: compiled as written (Java's rules) */
    CHECK(wk_codebuild_match(build, 1, "a/d/x"));
    CHECK(!wk_codebuild_match(build, 1, "a/x"));
    wk_codebuild_free(build);
    wk_plan_free(plan);
}

static void test_refusals(void)
{
    wk_plan *plan;
    wk_codebuild *build;
    /* no artifact for the second output */
    const char *no_docs = "version: 0.2\nphases:\n  build:\n    commands: [make]\n"
                          "artifacts:\n  files: ['**/*']\n";
    CHECK_INT_EQ(build_of(no_docs, NULL, &plan, &build), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "output artifact Docs: the buildspec declares no artifact for it");
    CHECK(build == NULL);
    wk_plan_free(plan);

    const char *escape = "version: 0.2\nphases:\n  build:\n    commands: [make]\n"
                         "artifacts:\n  files: ['**/*']\n  base-directory: ../..\n"
                         "  secondary-artifacts:\n    Docs:\n      files: [x]\n";
    CHECK_INT_EQ(build_of(escape, NULL, &plan, &build), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "artifacts.base-directory \"../..\" is not a directory of the source");
    wk_plan_free(plan);

    const char *unknown_secret = "version: 0.2\nenv:\n  parameter-store: {DB: /db/password}\n"
                                 "phases:\n  build:\n    commands: [make]\n"
                                 "artifacts:\n  files: [a]\n  secondary-artifacts:\n"
                                 "    Docs:\n      files: [b]\n";
    CHECK_INT_EQ(build_of(unknown_secret, NULL, &plan, &build), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "env.parameter-store.DB: \"/db/password\" is not configured on this worker");
    wk_plan_free(plan);

    CHECK_INT_EQ(build_of(SPEC, "{\"environmentVariables\":\"STAGE=x\"}", &plan, &build),
                 SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "the build project's environmentVariables is not a list");
    wk_plan_free(plan);
}

static void test_buildspec_source(void)
{
    const char *inline_text;
    const char *path;
    CHECK_INT_EQ(wk_codebuild_buildspec_source(NULL, &inline_text, &path, err, sizeof err), 0);
    CHECK(inline_text == NULL);
    CHECK_STR_EQ(path, "buildspec.yml");
    json_t *p = json_pack("{s:s}", "buildspec", "ci/buildspec-test.yml");
    CHECK_INT_EQ(wk_codebuild_buildspec_source(p, &inline_text, &path, err, sizeof err), 0);
    CHECK_STR_EQ(path, "ci/buildspec-test.yml");
    json_decref(p);
    p = json_pack("{s:s}", "buildspec", "version: 0.2\nphases: {}\n");
    CHECK_INT_EQ(wk_codebuild_buildspec_source(p, &inline_text, &path, err, sizeof err), 0);
    CHECK(inline_text != NULL);
    json_decref(p);
    p = json_pack("{s:s}", "buildspec", "../../etc/passwd");
    CHECK_INT_EQ(wk_codebuild_buildspec_source(p, &inline_text, &path, err, sizeof err),
                 SLUICE_EINVAL);
    json_decref(p);
}

int main(void)
{
    RUN_TEST(test_build);
    RUN_TEST(test_recursive_globs_match_top_level);
    RUN_TEST(test_refusals);
    RUN_TEST(test_buildspec_source);
    return sluice_test_report();
}
