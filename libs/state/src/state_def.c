/*
 * state_def.c — read-only access to stored pipeline definitions (see
 * state_def.h). The key layout is state_key.h's; the current definition is a
 * CAS record read with state_cas_load, versions are plain strings.
 */
#include "sluice/state_def.h"

#include "sluice/error.h"
#include "sluice/jsontext.h"
#include "sluice/state_cas.h"
#include "sluice/state_key.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define STATE_DEF_PAGE   "500"
#define STATE_DEF_PAGE_N 500

int state_def_parse(const char *text, size_t len, json_t **doc, char *err, size_t errlen)
{
    *doc = NULL;
    if (len > STATE_DEF_MAX_BYTES) {
        return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                "the definition takes %zu bytes; at most %d are read", len,
                                STATE_DEF_MAX_BYTES);
    }
    if (sluice_jsontext_depth(text, len, STATE_DEF_DEPTH_MAX) > STATE_DEF_DEPTH_MAX) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the definition nests deeper than %d levels", STATE_DEF_DEPTH_MAX);
    }
    json_error_t jerr;
    json_t *parsed = json_loadb(text, len, 0, &jerr);
    if (parsed == NULL) {
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the definition is not JSON: %s at byte %d", jerr.text,
                                jerr.position);
    }
    if (!json_is_object(parsed) || !json_is_object(json_object_get(parsed, "pipeline"))) {
        json_decref(parsed);
        return sluice_error_set(err, errlen, SLUICE_EPARSE,
                                "the definition is not an object with a \"pipeline\" object");
    }
    *doc = parsed;
    return 0;
}

int state_def_load(state_redis *r, const char *pipeline, int64_t version, json_t **doc, char *err,
                   size_t errlen)
{
    *doc = NULL;
    char suffix[48];
    char key[STATE_KEY_MAX + 1];
    if (version > 0) {
        snprintf(suffix, sizeof suffix, "%s:v%" PRId64, STATE_KEY_DEFINITION, version);
    } else {
        snprintf(suffix, sizeof suffix, "%s", STATE_KEY_DEFINITION);
    }
    if (pipeline == NULL || state_key_build(key, sizeof key, pipeline, suffix) != 0) {
        return sluice_error_set(err, errlen, SLUICE_EINVAL, "no key can hold the pipeline %s",
                                pipeline != NULL ? pipeline : "(null)");
    }
    char why[256] = "";
    int rc;
    if (version > 0) {
        const char *argv[] = {"GET", key};
        redisReply *reply = NULL;
        rc = state_redis_commandv(r, STATE_REDIS_RETRY, 2, argv, NULL, &reply);
        if (rc != 0) {
            return sluice_error_set(err, errlen, rc, "reading version %" PRId64 " of %s: %s",
                                    version, pipeline, state_redis_last_error(r));
        }
        rc = SLUICE_ENOTFOUND;
        if (reply->type == REDIS_REPLY_STRING) {
            rc = state_def_parse(reply->str, reply->len, doc, why, sizeof why);
        }
        freeReplyObject(reply);
    } else {
        state_cas_record rec;
        rc = state_cas_load(r, key, &rec);
        if (rc == 0 && rec.data != NULL) {
            rc = state_def_parse(rec.data, rec.len, doc, why, sizeof why);
        } else if (rc == 0) {
            rc = SLUICE_ENOTFOUND;
        }
        state_cas_record_clear(&rec);
        if (rc != 0 && rc != SLUICE_ENOTFOUND && why[0] == '\0') {
            return sluice_error_set(err, errlen, rc, "reading the definition of %s: %s", pipeline,
                                    state_redis_last_error(r));
        }
    }
    if (rc == SLUICE_ENOTFOUND) {
        if (version > 0) {
            return sluice_error_set(err, errlen, rc, "the pipeline %s has no version %" PRId64,
                                    pipeline, version);
        }
        return sluice_error_set(err, errlen, rc, "the pipeline %s does not exist", pipeline);
    }
    if (rc != 0) {
        return sluice_error_set(err, errlen, rc, "the definition of %s: %s", pipeline, why);
    }
    return 0;
}

int state_def_names(state_redis *r, json_t **names, char *err, size_t errlen)
{
    *names = json_array();
    if (*names == NULL) {
        return SLUICE_ENOMEM;
    }
    char start[STATE_KEY_PIPELINE_MAX + 2] = "-";
    while (true) {
        const char *argv[] = {"ZRANGEBYLEX", STATE_KEY_PIPELINES, start, "+", "LIMIT",
                              "0",           STATE_DEF_PAGE};
        redisReply *reply = NULL;
        int rc = state_redis_commandv(r, STATE_REDIS_RETRY, 7, argv, NULL, &reply);
        if (rc != 0) {
            json_decref(*names);
            *names = NULL;
            return sluice_error_set(err, errlen, rc, "listing the pipelines: %s",
                                    state_redis_last_error(r));
        }
        size_t got = reply->type == REDIS_REPLY_ARRAY ? reply->elements : 0;
        for (size_t i = 0; i < got; i++) {
            const redisReply *e = reply->element[i];
            if (e->type != REDIS_REPLY_STRING || e->len > STATE_KEY_PIPELINE_MAX) {
                continue;
            }
            json_array_append_new(*names, json_stringn(e->str, e->len));
            snprintf(start, sizeof start, "(%.*s", (int)e->len, e->str);
        }
        freeReplyObject(reply);
        if (json_array_size(*names) > STATE_DEF_NAMES_MAX) {
            json_decref(*names);
            *names = NULL;
            return sluice_error_set(err, errlen, SLUICE_ETOOBIG,
                                    "more than %d pipelines are stored", STATE_DEF_NAMES_MAX);
        }
        if (got < STATE_DEF_PAGE_N) {
            return 0;
        }
    }
}
