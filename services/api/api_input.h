/*
 * api_input.h — reading members of a request body as botocore's model constrains them.
 *
 * Each reader looks up one member of a JSON object, checks its type and the
 * model's constraints (required, length in characters, pattern, range, enum)
 * and, when something is wrong, fails the call the way AWS's JSON services do:
 *   a member of the wrong JSON type      SerializationException
 *   a constraint violated                ValidationException, worded as AWS words it:
 *     "1 validation error detected: Value null at 'pipelineName' failed to satisfy
 *      constraint: Member must not be null"
 * A member that is JSON null counts as absent (botocore never sends null).
 * Patterns are the model's character classes, checked without a regex engine.
 * Pure apart from writing into the call; thread-compatible.
 */
#ifndef SLUICE_API_INPUT_H
#define SLUICE_API_INPUT_H

#include "api_call.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The model's string patterns. */
typedef enum api_input_charset {
    API_CHARSET_ANY = 0,  /* no pattern */
    API_CHARSET_NAME,     /* [A-Za-z0-9.@\-_]+  pipeline, stage and action names */
    API_CHARSET_UUID,     /* [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12} */
    API_CHARSET_TOKEN,    /* ^[a-zA-Z0-9-]+$  clientRequestToken */
    API_CHARSET_REASON,   /* [a-zA-Z0-9!@ \(\)\.\*\?\-]+  DisabledReason */
    API_CHARSET_VARIABLE, /* [A-Za-z0-9@\-_]+  variable names */
    API_CHARSET_PROVIDER, /* [0-9A-Za-z_-]+  action provider and version */
} api_input_charset;

/* Bounds meaning "no bound". */
#define API_INPUT_NO_MAX ((size_t)-1)

/*
 * Reads string member `name` of obj (path: how messages name it; NULL =
 * name). min/max bound the length in characters. *out is the borrowed value,
 * or NULL when absent and not required. 0, or SLUICE_EINVAL with the call failed.
 */
int api_input_string(api_call *call, const json_t *obj, const char *name, const char *path,
                     bool required, size_t min, size_t max, api_input_charset charset,
                     const char **out);

/* Reads an integer member within [min, max]; *present says whether it was given. */
int api_input_int(api_call *call, const json_t *obj, const char *name, const char *path,
                  bool required, int64_t min, int64_t max, int64_t *out, bool *present);

/* Reads a boolean member; *out keeps its value when absent. */
int api_input_bool(api_call *call, const json_t *obj, const char *name, const char *path,
                   bool required, bool *out);

/* Reads a string member that must be one of values[0..nvalues). */
int api_input_enum(api_call *call, const json_t *obj, const char *name, const char *path,
                   bool required, const char *const *values, size_t nvalues, const char **out);

/* Reads an object member (borrowed, NULL when absent). */
int api_input_object(api_call *call, const json_t *obj, const char *name, const char *path,
                     bool required, const json_t **out);

/* Reads an array member of min..max elements (borrowed, NULL when absent). */
int api_input_array(api_call *call, const json_t *obj, const char *name, const char *path,
                    bool required, size_t min, size_t max, const json_t **out);

/*
 * Checks one element of a list of structures. member is the element (a JSON
 * object), path how messages name it ("<list>.<n>.member", n from 1); list
 * and index let a check compare with the elements before it. 0, or non-zero
 * with the call failed.
 */
typedef int (*api_input_member_check)(api_call *call, const json_t *member, const char *path,
                                      const json_t *list, size_t index);

/*
 * Walks list (an array read with api_input_array; NULL = nothing to check)
 * in order: an element that is not a JSON object fails the call with
 * SerializationException "Member '<name>.<n>.member' must be a structure",
 * otherwise check runs on it. Stops at the first failure and returns its
 * code; 0 when every element passes.
 */
int api_input_structures(api_call *call, const json_t *list, const char *name,
                         api_input_member_check check);

/*
 * Reads a map member whose values must all be strings: keys of kmin..kmax
 * characters matching key_charset, values of vmin..vmax characters, at most
 * max_entries entries.
 */
int api_input_string_map(api_call *call, const json_t *obj, const char *name, const char *path,
                         size_t max_entries, size_t kmin, size_t kmax,
                         api_input_charset key_charset, size_t vmin, size_t vmax,
                         const json_t **out);

/* Fails the call with the ValidationException for a required member that is missing. */
int api_input_missing(api_call *call, const char *path);

/* Number of characters (UTF-8 code points) of s. */
size_t api_input_chars(const char *s);

/* True when every character of s (non-empty) belongs to charset. */
bool api_input_matches(const char *s, api_input_charset charset);

/* The pattern text of charset as botocore's model writes it. */
const char *api_input_pattern(api_input_charset charset);

#endif
