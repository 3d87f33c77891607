/*
 * cli_pattern.c — `sluice test-event-pattern` (see cli_pattern.h).
 */
#include "cli_pattern.h"

#include "sluice/buf.h"
#include "sluice/fs.h"
#include "sluice/pattern.h"

#include <jansson.h>
#include <string.h>

#define CLI_PATTERN_EXIT_INVALID 1
#define CLI_PATTERN_EXIT_USAGE   2
#define CLI_PATTERN_EVENT_MAX    (256 * 1024) /* EventBridge's event size limit */
#define CLI_PATTERN_FILE_PREFIX  "file://"

static const char *const cli_pattern_event_fields[] = {"id",     "account",   "source",     "time",
                                                       "region", "resources", "detail-type"};

static void cli_pattern_usage(FILE *out)
{
    fputs("usage: sluice test-event-pattern --event-pattern JSON --event JSON\n"
          "  Tests whether the event matches the EventBridge event pattern and prints\n"
          "  {\"Result\": true} or {\"Result\": false}. Either value may be file://PATH.\n"
          "  Exit status 0 when tested, 1 for an invalid pattern or event, 2 on a usage error.\n",
          out);
}

/* The value of an argument: itself, or the contents of file://PATH. 0, or -1 with a message. */
static int cli_pattern_value(const char *name, const char *arg, sluice_buf *text, FILE *err)
{
    size_t plen = strlen(CLI_PATTERN_FILE_PREFIX);
    if (strncmp(arg, CLI_PATTERN_FILE_PREFIX, plen) != 0) {
        return sluice_buf_append_str(text, arg) == 0 ? 0 : -1;
    }
    if (sluice_fs_read_file(arg + plen, text) != 0) {
        fprintf(err, "sluice: %s: cannot read %s\n", name, arg + plen);
        return -1;
    }
    return 0;
}

int cli_pattern_run(int argc, char **argv, FILE *out, FILE *err)
{
    const char *pattern_arg = NULL;
    const char *event_arg = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_pattern_usage(out);
            return 0;
        }
        if (i + 1 < argc && strcmp(argv[i], "--event-pattern") == 0) {
            pattern_arg = argv[++i];
        } else if (i + 1 < argc && strcmp(argv[i], "--event") == 0) {
            event_arg = argv[++i];
        } else {
            fprintf(err, "sluice: test-event-pattern: unexpected argument \"%s\"\n", argv[i]);
            cli_pattern_usage(err);
            return CLI_PATTERN_EXIT_USAGE;
        }
    }
    if (pattern_arg == NULL || event_arg == NULL) {
        fputs("sluice: test-event-pattern: --event-pattern and --event are both required\n", err);
        cli_pattern_usage(err);
        return CLI_PATTERN_EXIT_USAGE;
    }

    int status = CLI_PATTERN_EXIT_USAGE;
    sluice_buf pattern_text;
    sluice_buf event_text;
    sluice_buf_init(&pattern_text, PATTERN_TEXT_MAX + 1);
    sluice_buf_init(&event_text, CLI_PATTERN_EVENT_MAX + 1);
    pattern *p = NULL;
    json_t *event = NULL;
    char reason[768];
    if (cli_pattern_value("--event-pattern", pattern_arg, &pattern_text, err) != 0 ||
        cli_pattern_value("--event", event_arg, &event_text, err) != 0) {
        goto out;
    }
    status = CLI_PATTERN_EXIT_INVALID;
    if (pattern_compile(sluice_buf_cstr(&pattern_text), pattern_text.len, &p, reason,
                        sizeof reason) != 0) {
        fprintf(err, "InvalidEventPatternException: %s\n", reason);
        goto out;
    }
    json_error_t jerr;
    event =
        json_loadb(sluice_buf_cstr(&event_text), event_text.len, JSON_DECODE_INT_AS_REAL, &jerr);
    if (event == NULL || !json_is_object(event)) {
        fprintf(err, "ValidationException: Parameter Event is not valid: %s\n",
                event == NULL ? jerr.text : "not a JSON object");
        goto out;
    }
    for (size_t i = 0; i < sizeof cli_pattern_event_fields / sizeof cli_pattern_event_fields[0];
         i++) {
        if (json_object_get(event, cli_pattern_event_fields[i]) == NULL) {
            fprintf(err, "ValidationException: Parameter Event is not valid: \"%s\" is missing\n",
                    cli_pattern_event_fields[i]);
            goto out;
        }
    }
    fprintf(out, "{\"Result\": %s}\n", pattern_match(p, event) ? "true" : "false");
    status = 0;
out:
    json_decref(event);
    pattern_free(p);
    sluice_buf_free(&pattern_text);
    sluice_buf_free(&event_text);
    return status;
}
