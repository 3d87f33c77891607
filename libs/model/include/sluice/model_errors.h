/*
 * model_errors.h — the list of problems found in a pipeline declaration.
 *
 * Parsing and validation report every problem they find, not only the first.
 * Each problem carries the CodePipeline exception name an API answer would
 * use, the JSON path of the offending field in Sluice's path syntax
 * (`pipeline.stages[2].actions[0].inputArtifacts[0].name`) and a message; it
 * formats as "path: message".
 *
 * The list is bounded: past its maximum, further problems are only counted
 * (model_errors_total keeps growing, the list does not). Out of memory while
 * recording is treated the same way, so a non-empty total is always reliable.
 * Not thread-safe: one owner at a time.
 */
#ifndef SLUICE_MODEL_ERRORS_H
#define SLUICE_MODEL_ERRORS_H

#include "sluice/buf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The exception names of CodePipeline that declaration problems map to. */
#define MODEL_EXC_STRUCTURE  "InvalidStructureException"
#define MODEL_EXC_STAGE      "InvalidStageDeclarationException"
#define MODEL_EXC_ACTION     "InvalidActionDeclarationException"
#define MODEL_EXC_BLOCKER    "InvalidBlockerDeclarationException"
#define MODEL_EXC_VALIDATION "ValidationException"
#define MODEL_EXC_LIMIT      "LimitExceededException"

#define MODEL_ERRORS_DEFAULT_MAX 100  /* problems kept when model_errors_init gets 0 */
#define MODEL_ERROR_MESSAGE_MAX  1024 /* longest message kept (longer ones are cut) */

typedef struct model_error {
    const char *exception; /* static string, one of MODEL_EXC_* */
    char *path;            /* owned; "pipeline" for problems of the document as a whole */
    char *message;         /* owned */
} model_error;

typedef struct model_errors {
    model_error *items;
    size_t count; /* problems kept in items */
    size_t cap;
    size_t max;     /* bound on count */
    size_t dropped; /* problems counted but not kept (bound reached or out of memory) */
} model_errors;

/* Initialises an empty list keeping at most max problems (0: MODEL_ERRORS_DEFAULT_MAX). */
void model_errors_init(model_errors *errs, size_t max);

/* Frees every problem; errs may be reused after model_errors_init. Accepts NULL. */
void model_errors_free(model_errors *errs);

/*
 * Records a problem. exception must be a static string (use MODEL_EXC_*); path
 * is copied. Returns 0 when kept, SLUICE_ETOOBIG when only counted because the
 * list is full, SLUICE_ENOMEM when only counted for lack of memory.
 */
int model_errors_add(model_errors *errs, const char *exception, const char *path, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

/* model_errors_add with a va_list. */
int model_errors_vadd(model_errors *errs, const char *exception, const char *path, const char *fmt,
                      va_list ap) __attribute__((format(printf, 4, 0)));

/* Number of problems reported, kept or not. */
size_t model_errors_total(const model_errors *errs);

/*
 * True when one of the kept problems with index in [first, end) has a path
 * equal to path or below it (path followed by "." or "["); end is clamped to
 * the count. Validation uses it to skip checks of fields already reported, so
 * one mistake is not reported twice.
 */
bool model_errors_covers(const model_errors *errs, size_t first, size_t end, const char *path);

/* Appends "path: message" of one problem to out. 0 or SLUICE_ETOOBIG / SLUICE_ENOMEM. */
int model_errors_format(const model_error *err, sluice_buf *out);

/*
 * Appends every kept problem as "path: message" joined by "; ", then
 * " (and N more)" when problems were dropped — the text of an API error
 * message. 0 or SLUICE_ETOOBIG / SLUICE_ENOMEM (out keeps what fit).
 */
int model_errors_summary(const model_errors *errs, sluice_buf *out);

/* The exception of the first kept problem, for an API answer; NULL when none is kept. */
const char *model_errors_exception(const model_errors *errs);

#endif
