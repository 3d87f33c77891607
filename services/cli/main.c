/*
 * main.c — the `sluice` command-line tool: wiring only.
 *
 *   sluice validate [--portable] FILE...   check pipeline declarations (cli_validate.c)
 *   sluice test-event-pattern --event-pattern JSON --event JSON
 *                             EventBridge's TestEventPattern (cli_pattern.c)
 *
 * Configuration: SLUICE_EXTERNAL_PROVIDERS, the providers served by external
 * job workers ("owner/category/provider/version", comma-separated), so that
 * the tool accepts what the installation accepts. Exit status: 0 all valid,
 * 1 some declaration has problems, 2 usage error or a file that cannot be read.
 */
#include "cli_pattern.h"
#include "cli_validate.h"

#include "sluice/config.h"
#include "sluice/model_registry.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define EXIT_USAGE 2

typedef struct cli_config {
    char external_providers[4096];
} cli_config;

static const sluice_config_var cli_vars[] = {
    SLUICE_CONFIG_STR("SLUICE_EXTERNAL_PROVIDERS", cli_config, external_providers, 0, "",
                      "Providers served by external job workers, owner/category/provider/version, "
                      "comma-separated (e.g. AWS/Deploy/CodeDeploy/1)"),
};

static void usage(FILE *out)
{
    fputs("usage: sluice validate [--portable] FILE...\n"
          "       sluice test-event-pattern --event-pattern JSON --event JSON\n"
          "  Checks CodePipeline pipeline declarations ({\"pipeline\": {...}} documents as\n"
          "  create-pipeline --cli-input-json takes them, or bare pipeline objects; \"-\" reads\n"
          "  standard input) and prints every problem as\n"
          "    FILE: <Exception> <path>: <message>\n"
          "  or FILE: ok. Exit status 0 when all are valid, 1 when any has problems, 2 on a\n"
          "  usage error or an unreadable file.\n"
          "  --portable also lists, for a valid declaration, every Sluice-only key and field\n"
          "  (what AWS CodePipeline would refuse) as FILE: Sluice-only <path>: <why>, and\n"
          "  exits 1 when there is any.\n"
          "  SLUICE_EXTERNAL_PROVIDERS lists providers served by external job workers.\n",
          out);
}

static int run_validate(int argc, char **argv)
{
    cli_config config;
    char err[512];
    model_registry *reg = NULL;
    int status = 0;

    unsigned flags = 0;
    if (argc >= 1 && strcmp(argv[0], "--portable") == 0) {
        flags |= CLI_VALIDATE_PORTABLE;
        argc--;
        argv++;
    }
    if (argc < 1) {
        usage(stderr);
        return EXIT_USAGE;
    }
    memset(&config, 0, sizeof(config));
    if (sluice_config_load_env(cli_vars, sizeof(cli_vars) / sizeof(cli_vars[0]), &config, err,
                               sizeof(err)) != 0) {
        fprintf(stderr, "sluice: %s\n", err);
        return EXIT_USAGE;
    }
    if (model_registry_new_from_list(config.external_providers, &reg, err, sizeof(err)) != 0) {
        fprintf(stderr, "sluice: SLUICE_EXTERNAL_PROVIDERS: %s\n", err);
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++) {
        cli_validate_result result = cli_validate_file(argv[i], reg, flags, stdout, stderr);
        if ((int)result > status) {
            status = (int)result;
        }
    }
    model_registry_free(reg);
    return status;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "validate") == 0) {
        if (argc >= 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
            usage(stdout);
            return 0;
        }
        return run_validate(argc - 2, argv + 2);
    }
    if (strcmp(argv[1], "test-event-pattern") == 0) {
        return cli_pattern_run(argc - 2, argv + 2, stdout, stderr);
    }
    fprintf(stderr, "sluice: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
