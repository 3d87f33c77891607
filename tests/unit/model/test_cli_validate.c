/*
 * Unit tests of services/cli/cli_validate.h: the lines `sluice validate`
 * prints and the result it returns, without running the binary.
 */
#include "cli_validate.h"
#include "sluice/model_registry.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static cli_validate_result run(const char *text, char **output)
{
    size_t size = 0;
    FILE *out = open_memstream(output, &size);
    cli_validate_result result = cli_validate_text("p.json", text, strlen(text), NULL, 0, out);
    fclose(out);
    return result;
}

static void test_lines(void)
{
    char *output = NULL;
    CHECK_INT_EQ(run("{\"pipeline\": {\"name\": \"x\"}}", &output), CLI_VALIDATE_INVALID);
    CHECK_STR_CONTAINS(output, "p.json: ValidationException pipeline.roleArn: required field is "
                               "missing\n");
    CHECK_STR_CONTAINS(output, "p.json: ValidationException pipeline.stages: required field is "
                               "missing\n");
    free(output);

    CHECK_INT_EQ(run("not json", &output), CLI_VALIDATE_INVALID);
    CHECK_STR_CONTAINS(output, "p.json: ValidationException pipeline: malformed JSON");
    free(output);

    const char *ok =
        "{\"name\": \"p\", \"roleArn\": \"arn:aws:iam::111122223333:role/r\","
        " \"artifactStore\": {\"type\": \"S3\", \"location\": \"bkt\"}, \"stages\": ["
        "{\"name\": \"S\", \"actions\": [{\"name\": \"A\", \"actionTypeId\": {\"category\":"
        " \"Source\", \"owner\": \"Custom\", \"provider\": \"Svn\", \"version\": \"1\"},"
        " \"outputArtifacts\": [{\"name\": \"O\"}]}]},"
        "{\"name\": \"T\", \"actions\": [{\"name\": \"B\", \"actionTypeId\": {\"category\":"
        " \"Approval\", \"owner\": \"AWS\", \"provider\": \"Manual\", \"version\": \"1\"}}]}]}";
    CHECK_INT_EQ(run(ok, &output), CLI_VALIDATE_OK);
    CHECK_STR_EQ(output, "p.json: ok\n");
    free(output);
}

static cli_validate_result run_portable(const char *text, char **output)
{
    size_t size = 0;
    FILE *out = open_memstream(output, &size);
    cli_validate_result result =
        cli_validate_text("p.json", text, strlen(text), NULL, CLI_VALIDATE_PORTABLE, out);
    fclose(out);
    return result;
}

#define PORTABLE_HEAD                                                                              \
    "\"name\": \"p\", \"roleArn\": \"arn:aws:iam::111122223333:role/r\","                          \
    " \"artifactStore\": {\"type\": \"S3\", \"location\": \"bkt\"}, \"stages\": ["                 \
    "{\"name\": \"S\", \"actions\": [{\"name\": \"A\", \"actionTypeId\": {\"category\":"           \
    " \"Source\", \"owner\": \"Custom\", \"provider\": \"Svn\", \"version\": \"1\"},"              \
    " \"outputArtifacts\": [{\"name\": \"O\"}]}]},"                                                \
    "{\"name\": \"T\", \"actions\": [{\"name\": \"B\", \"actionTypeId\": {\"category\":"           \
    " \"Approval\", \"owner\": \"AWS\", \"provider\": \"Manual\", \"version\": \"1\"}"

static void test_portable(void)
{
    char *output = NULL;
    CHECK_INT_EQ(run_portable("{\"pipeline\": {" PORTABLE_HEAD "}]}]}}", &output), CLI_VALIDATE_OK);
    CHECK_STR_EQ(output, "p.json: ok, portable\n");
    free(output);

    /* Sluice's policy keys, a timeout outside approvals and a bare object: each listed once */
    CHECK_INT_EQ(run_portable("{" PORTABLE_HEAD ", \"configuration\": {\"CustomData\": \"x\","
                              " \"SluiceApprovers\": \"alice,bob\", \"SluiceTimeoutAction\":"
                              " \"APPROVE\"}}, {\"name\": \"C\", \"timeoutInMinutes\": 30,"
                              " \"actionTypeId\": {\"category\": \"Invoke\", \"owner\":"
                              " \"Custom\", \"provider\": \"Hook\", \"version\": \"1\"}}]}]}",
                              &output),
                 CLI_VALIDATE_INVALID);
    CHECK_STR_CONTAINS(output, "p.json: Sluice-only pipeline: a bare pipeline object");
    CHECK_STR_CONTAINS(output, "p.json: Sluice-only "
                               "pipeline.stages[1].actions[0].configuration.SluiceApprovers: "
                               "Sluice's own configuration key");
    CHECK_STR_CONTAINS(output, "p.json: Sluice-only "
                               "pipeline.stages[1].actions[0].configuration.SluiceTimeoutAction:");
    CHECK_STR_CONTAINS(output,
                       "p.json: Sluice-only pipeline.stages[1].actions[1].timeoutInMinutes: "
                       "honoured by Sluice for every action");
    CHECK(strstr(output, "CustomData") == NULL);
    CHECK_STR_CONTAINS(output, "p.json: ok, Sluice-only (4 items)\n");
    free(output);

    /* an invalid declaration: its problems, no portability verdict */
    CHECK_INT_EQ(run_portable("{\"pipeline\": {" PORTABLE_HEAD ", \"configuration\":"
                              " {\"SluiceRequiredApprovals\": \"many\"}}]}]}}",
                              &output),
                 CLI_VALIDATE_INVALID);
    CHECK_STR_CONTAINS(output, "InvalidActionDeclarationException "
                               "pipeline.stages[1].actions[0].configuration."
                               "SluiceRequiredApprovals: SluiceRequiredApprovals must be a whole");
    CHECK(strstr(output, "Sluice-only") == NULL);
    free(output);
}

static void test_unreadable(void)
{
    char *output = NULL;
    size_t size = 0;
    FILE *err = open_memstream(&output, &size);
    CHECK_INT_EQ(cli_validate_file("/nonexistent/p.json", NULL, 0, stdout, err),
                 CLI_VALIDATE_TROUBLE);
    fclose(err);
    CHECK_STR_CONTAINS(output, "/nonexistent/p.json: cannot read:");
    free(output);
}

int main(void)
{
    RUN_TEST(test_lines);
    RUN_TEST(test_unreadable);
    RUN_TEST(test_portable);
    return sluice_test_report();
}
