/*
 * state_def.h — pipeline definitions as the api stores them, read-only, for
 * services that need a declaration but never change one (the source
 * service; any job runner that assigns output locations through
 * aws_job_record).
 *
 *   sluice:{<p>}:def        CAS record (state_cas.h): the current definition
 *   sluice:{<p>}:def:v<N>   string: the definition of version N
 *   sluice:pipelines        sorted set of pipeline names
 *
 * A definition document is a JSON object whose member "pipeline" is the
 * declaration object (with its "name" and "version"). Stored text is input
 * like any other: it is bounded (STATE_DEF_MAX_BYTES, nesting depth
 * STATE_DEF_DEPTH_MAX) before jansson parses it.
 *
 * Thread rules of state_redis: one connection per thread.
 */
#ifndef SLUICE_STATE_DEF_H
#define SLUICE_STATE_DEF_H

#include "sluice/state_redis.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_DEF_MAX_BYTES (4 * 1024 * 1024)
#define STATE_DEF_DEPTH_MAX 64
#define STATE_DEF_NAMES_MAX 100000 /* pipeline names read by state_def_names */

/*
 * Parses a stored definition's text (len bytes, need not be NUL-terminated).
 * 0 with *doc a new reference, or SLUICE_ETOOBIG (over STATE_DEF_MAX_BYTES),
 * SLUICE_EPARSE (not JSON, nested deeper than STATE_DEF_DEPTH_MAX, not an
 * object with a "pipeline" object), with err; *doc is NULL on failure. Pure.
 */
int state_def_parse(const char *text, size_t len, json_t **doc, char *err, size_t errlen);

/*
 * Loads pipeline's definition: version > 0 the stored version N, version 0
 * the current one. 0 with *doc a new reference; SLUICE_ENOTFOUND (no such
 * pipeline or version), the codes of state_def_parse, SLUICE_EINVAL (a
 * pipeline name no key can hold) or a code of state_redis_commandv, each
 * with err naming the pipeline. *doc is NULL on failure.
 */
int state_def_load(state_redis *r, const char *pipeline, int64_t version, json_t **doc, char *err,
                   size_t errlen);

/*
 * The names of every pipeline (sluice:pipelines, in name order), read in
 * pages. 0 with *names a new array of strings (json_decref it); SLUICE_ETOOBIG
 * beyond STATE_DEF_NAMES_MAX names, or a code of state_redis_commandv, with err.
 */
int state_def_names(state_redis *r, json_t **names, char *err, size_t errlen);

#endif
