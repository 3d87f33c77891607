/*
 * cli_validate.c — the `validate` command of the sluice tool (cli_validate.h).
 *
 * Reading is bounded; everything else is libs/model. Output is plain text,
 * one line per problem, stable for scripts: the file name as given, the
 * CodePipeline exception name, the JSON path and the message.
 */
#include "cli_validate.h"

#include "sluice/error.h"
#include "sluice/model.h"
#include "sluice/model_errors.h"
#include "sluice/model_portable.h"
#include "sluice/model_validate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads at most max bytes of stream into a new buffer; *len gets the count. */
static int read_bounded(FILE *stream, size_t max, char **out, size_t *len)
{
    char *data = malloc(max + 1);
    size_t used = 0;
    if (data == NULL) {
        return SLUICE_ENOMEM;
    }
    while (used < max) {
        size_t n = fread(data + used, 1, max - used, stream);
        if (n == 0) {
            break;
        }
        used += n;
    }
    if (ferror(stream)) {
        free(data);
        return SLUICE_EIO;
    }
    data[used] = '\0';
    *out = data;
    *len = used;
    return SLUICE_OK;
}

typedef struct cli_portable_out {
    const char *name;
    FILE *out;
} cli_portable_out;

static void cli_portable_line(void *ctx, const char *path, const char *why)
{
    const cli_portable_out *p = ctx;
    fprintf(p->out, "%s: Sluice-only %s: %s\n", p->name, path, why);
}

/* Lists what AWS would not take in a valid declaration; returns the number of items. */
static size_t cli_validate_portable(const char *name, const char *text, size_t len,
                                    const model_pipeline *pipeline, const model_registry *reg,
                                    FILE *out)
{
    cli_portable_out p = {.name = name, .out = out};
    size_t count = 0;
    json_t *doc = json_loadb(text, len, 0, NULL);
    if (json_is_object(doc) && json_object_get(doc, "pipeline") == NULL) {
        cli_portable_line(&p, "pipeline",
                          "a bare pipeline object; aws codepipeline create-pipeline "
                          "--cli-input-json takes {\"pipeline\": {...}}");
        count++;
    }
    json_decref(doc);
    count += model_portable_scan(pipeline, reg, cli_portable_line, &p);
    if (count > 0) {
        fprintf(out, "%s: ok, Sluice-only (%zu item%s)\n", name, count, count == 1 ? "" : "s");
    } else {
        fprintf(out, "%s: ok, portable\n", name);
    }
    return count;
}

cli_validate_result cli_validate_text(const char *name, const char *text, size_t len,
                                      const model_registry *reg, unsigned flags, FILE *out)
{
    model_errors errs;
    model_pipeline *pipeline = NULL;
    cli_validate_result result = CLI_VALIDATE_OK;

    model_errors_init(&errs, 0);
    int rc = model_validate_text(text, len, reg, &pipeline, &errs);
    if (rc == SLUICE_ENOMEM) {
        fprintf(out, "%s: out of memory\n", name);
        result = CLI_VALIDATE_TROUBLE;
    } else if (model_errors_total(&errs) == 0 && (flags & CLI_VALIDATE_PORTABLE) != 0) {
        if (cli_validate_portable(name, text, len, pipeline, reg, out) > 0) {
            result = CLI_VALIDATE_INVALID;
        }
    } else if (model_errors_total(&errs) == 0) {
        fprintf(out, "%s: ok\n", name);
    } else {
        for (size_t i = 0; i < errs.count; i++) {
            const model_error *e = &errs.items[i];
            fprintf(out, "%s: %s %s: %s\n", name, e->exception, e->path, e->message);
        }
        if (errs.dropped > 0) {
            fprintf(out, "%s: ... and %zu more problems\n", name, errs.dropped);
        }
        result = CLI_VALIDATE_INVALID;
    }
    model_pipeline_free(pipeline);
    model_errors_free(&errs);
    return result;
}

cli_validate_result cli_validate_file(const char *path, const model_registry *reg, unsigned flags,
                                      FILE *out, FILE *err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *stream = is_stdin ? stdin : fopen(path, "rb");
    char *text = NULL;
    size_t len = 0;
    cli_validate_result result;

    if (stream == NULL) {
        fprintf(err, "%s: cannot read: %s\n", path, strerror(errno));
        return CLI_VALIDATE_TROUBLE;
    }
    /* One byte past the bound lets the parser report an oversized file. */
    int rc = read_bounded(stream, (size_t)MODEL_MAX_INPUT_BYTES + 1, &text, &len);
    if (!is_stdin) {
        fclose(stream);
    }
    if (rc != SLUICE_OK) {
        fprintf(err, "%s: cannot read: %s\n", path, sluice_strerror(rc));
        return CLI_VALIDATE_TROUBLE;
    }
    result = cli_validate_text(is_stdin ? "(stdin)" : path, text, len, reg, flags, out);
    free(text);
    return result;
}
