/*
 * cli_validate.h — `sluice validate FILE...`: check pipeline declarations.
 *
 * Reads each file (or standard input for "-"), parses and validates it with
 * libs/model against a provider registry, and writes one line per problem:
 *   FILE: <Exception> <path>: <message>
 * or "FILE: ok" when the declaration is valid. Files are read whole, at most
 * MODEL_MAX_INPUT_BYTES (+1 to detect larger ones). Single-threaded.
 */
#ifndef SLUICE_CLI_VALIDATE_H
#define SLUICE_CLI_VALIDATE_H

#include "sluice/model_registry.h"

#include <stdio.h>

/* What one check found. */
typedef enum cli_validate_result {
    CLI_VALIDATE_OK = 0,      /* valid */
    CLI_VALIDATE_INVALID = 1, /* problems were printed */
    CLI_VALIDATE_TROUBLE = 2, /* the file could not be read, or out of memory */
} cli_validate_result;

/*
 * Checks the declaration in the file at path ("-": standard input) and writes
 * its lines to out; read failures go to err as "FILE: cannot read: reason".
 */
cli_validate_result cli_validate_file(const char *path, const model_registry *reg, FILE *out,
                                      FILE *err);

/* Checks a declaration already in memory under the display name `name`. */
cli_validate_result cli_validate_text(const char *name, const char *text, size_t len,
                                      const model_registry *reg, FILE *out);

#endif
