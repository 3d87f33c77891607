/*
 * api_request.h — requests to the orchestrator and their replies (protocol.md).
 *
 * Every change of an execution, and every change of a definition the
 * orchestrator must know about, is a request on the requests topic (key: the
 * pipeline name) in an EventBridge envelope of detail-type
 * PROTOCOL_DETAIL_REQUEST (job results: PROTOCOL_DETAIL_JOB_RESULT). Its detail is
 * the engine input document (libs/engine engine_input.h) plus "pipeline",
 * "requestId" and "requestedBy" (the caller's ARN). When the caller waits,
 * the orchestrator's reply document answers the call: its "body" is the
 * operation's output, its "exception" and "message" the operation's error.
 *
 * Thread-safe (through the backend).
 */
#ifndef SLUICE_API_REQUEST_H
#define SLUICE_API_REQUEST_H

#include "api_call.h"

#include "sluice/protocol_names.h"

#include <jansson.h>
#include <stdbool.h>

/*
 * Sends detail (a reference the function takes; "type" already set) for
 * pipeline with "pipeline" and "requestedBy" added. When wait is true, waits
 * up to the environment's reply timeout and finishes the call with the reply:
 * success with its body (NULL body: {}), or failure with its exception.
 * Without wait, the call is left as it is. Returns 0, or a negative code with
 * the call failed (InternalFailure when the orchestrator did not answer in
 * time; ServiceUnavailableException when the request could not be sent).
 */
int api_request_send(api_call *call, const char *pipeline, const char *detail_type, json_t *detail,
                     bool wait);

#endif
