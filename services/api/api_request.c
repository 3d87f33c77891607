/*
 * api_request.c — sending a request and reading its reply (see api_request.h).
 */
#include "api_request.h"

#include "sluice/error.h"

#include <string.h>

int api_request_send(api_call *call, const char *pipeline, const char *detail_type, json_t *detail,
                     bool wait)
{
    char err[256] = "";
    json_t *reply = NULL;
    int rc = SLUICE_ENOMEM;
    if (detail == NULL || json_object_set_new(detail, "pipeline", json_string(pipeline)) != 0 ||
        json_object_set_new(detail, "requestedBy", json_string(call->caller_arn)) != 0) {
        json_decref(detail);
        return api_call_backend_fail(call, rc, "request", "out of memory");
    }
    api_backend *b = call->env->backend;
    rc = b->ops->request(b, pipeline, detail_type, detail, wait ? call->env->reply_timeout_ms : 0,
                         &reply, err, sizeof err);
    json_decref(detail);
    if (rc == SLUICE_ETIMEDOUT && wait) {
        return api_call_fail(call, "InternalFailure",
                             "the orchestrator did not answer in time; the request may still be "
                             "carried out");
    }
    if (rc != 0) {
        return api_call_backend_fail(call, rc, "sending the request to the orchestrator", err);
    }
    if (!wait) {
        return 0;
    }
    const char *exception = json_string_value(json_object_get(reply, "exception"));
    if (exception != NULL) {
        const char *message = json_string_value(json_object_get(reply, "message"));
        rc = api_call_fail(call, exception, "%s", message != NULL ? message : "");
        json_decref(reply);
        return rc;
    }
    json_t *body = json_object_get(reply, "body");
    api_call_succeed(call, json_is_object(body) ? json_incref(body) : json_object());
    json_decref(reply);
    return 0;
}
