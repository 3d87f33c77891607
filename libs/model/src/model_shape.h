/*
 * model_shape.h — the shapes of botocore's codepipeline model, as a table.
 *
 * One declarative description of PipelineDeclaration and everything below it
 * (botocore 1.43.11, codepipeline 2015-07-09): member names, which members
 * are required, JSON types, string lengths and patterns, enum values, list and
 * map sizes, integer ranges. Two passes walk a JSON document against it:
 *
 *   MODEL_SHAPE_TYPES   what a JSON parser can tell: wrong types, missing
 *                       required members, unknown members (the parser's job);
 *   MODEL_SHAPE_VALUES  the constraints on values: lengths, patterns, enums,
 *                       ranges, list sizes (the validator's job, run on the
 *                       serialized model). Values of the wrong type are
 *                       skipped: the types pass reported them.
 *
 * Every problem is a ValidationException, except where the table names
 * another exception (runOrder: InvalidActionDeclarationException). A problem
 * at a path already covered by an earlier problem (errors from index first
 * on) is not reported again. Walks follow the table, never deeper than it, so
 * recursion is bounded whatever the document. Private to libs/model.
 */
#ifndef SLUICE_MODEL_SHAPE_H
#define SLUICE_MODEL_SHAPE_H

#include "model_path.h"
#include "sluice/model_errors.h"

#include <jansson.h>
#include <stdbool.h>

typedef enum model_shape_mode {
    MODEL_SHAPE_TYPES,
    MODEL_SHAPE_VALUES,
} model_shape_mode;

/*
 * jansson's iteration macros take non-const pointers although they only read;
 * this hands a const value to them without a qualifier-dropping cast.
 */
static inline json_t *model_shape_iterable(const json_t *value)
{
    union {
        const json_t *in;
        json_t *out;
    } pun = {.in = value};
    return pun.out;
}

/* Checks a `pipeline` object at path (normally "pipeline"); problems go to errs. */
void model_shape_check_pipeline(const json_t *pipeline, model_shape_mode mode, model_path *path,
                                size_t first, model_errors *errs);

/* Number of UTF-8 characters of a string (bytes that do not continue a sequence). */
size_t model_shape_length(const char *text);

/* Full-string matches of the botocore patterns used for names. */
bool model_shape_is_name(const char *text);      /* [A-Za-z0-9.@\-_]+ */
bool model_shape_is_namespace(const char *text); /* [A-Za-z0-9@\-_]+ */

#endif
