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
    cli_validate_result result = cli_validate_text("p.json", text, strlen(text), NULL, out);
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

static void test_unreadable(void)
{
    char *output = NULL;
    size_t size = 0;
    FILE *err = open_memstream(&output, &size);
    CHECK_INT_EQ(cli_validate_file("/nonexistent/p.json", NULL, stdout, err), CLI_VALIDATE_TROUBLE);
    fclose(err);
    CHECK_STR_CONTAINS(output, "/nonexistent/p.json: cannot read:");
    free(output);
}

int main(void)
{
    RUN_TEST(test_lines);
    RUN_TEST(test_unreadable);
    return sluice_test_report();
}
