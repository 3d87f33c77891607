/*
 * cli_validate.h — `sluice validate FILE...`: check pipeline declarations.
 *
 * Reads each file (or standard input for "-"), parses and validates it with
 * libs/model against a provider registry, and writes one line per problem:
 *   FILE: <Exception> <path>: <message>
 * or "FILE: ok" when the declaration is valid. With CLI_VALIDATE_PORTABLE a
 * valid declaration is also checked for what is Sluice's own (model_portable.h,
 * and a bare pipeline object), one line each:
 *   FILE: Sluice-only <path>: <why AWS would not take it>
 * then "FILE: ok, Sluice-only (N items)" — a result of CLI_VALIDATE_INVALID —
 * or "FILE: ok, portable". Files are read whole, at most
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

#define CLI_VALIDATE_PORTABLE 1u /* flag: list Sluice-only keys and fields (--portable) */

/*
 * Checks the declaration in the file at path ("-": standard input) and writes
 * its lines to out; read failures go to err as "FILE: cannot read: reason".
 * flags: 0 or CLI_VALIDATE_PORTABLE.
 */
cli_validate_result cli_validate_file(const char *path, const model_registry *reg, unsigned flags,
                                      FILE *out, FILE *err);

/* Checks a declaration already in memory under the display name `name`. */
cli_validate_result cli_validate_text(const char *name, const char *text, size_t len,
                                      const model_registry *reg, unsigned flags, FILE *out);

#endif
