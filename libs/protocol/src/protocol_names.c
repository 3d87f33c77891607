/*
 * protocol_names.c — the checks of protocol_names.h: which request types
 * exist and what a pipeline name may hold. Pure.
 */
#include "sluice/protocol_names.h"

#include <string.h>

static const char *const protocol_request_types[] = {
    PROTOCOL_REQUEST_START,
    PROTOCOL_REQUEST_JOB_RESULT,
    PROTOCOL_REQUEST_APPROVAL,
    PROTOCOL_REQUEST_TIMER,
    PROTOCOL_REQUEST_STOP,
    PROTOCOL_REQUEST_RETRY,
    PROTOCOL_REQUEST_ENABLE_TRANSITION,
    PROTOCOL_REQUEST_DISABLE_TRANSITION,
    PROTOCOL_REQUEST_PIPELINE_UPDATED,
    PROTOCOL_REQUEST_PIPELINE_DELETED,
    PROTOCOL_REQUEST_VOTE,
    PROTOCOL_REQUEST_OVERRIDE_CONDITION,
    PROTOCOL_REQUEST_ROLLBACK,
};

bool protocol_request_type_known(const char *type)
{
    if (type == NULL) {
        return false;
    }
    size_t n = sizeof protocol_request_types / sizeof protocol_request_types[0];
    for (size_t i = 0; i < n; i++) {
        if (strcmp(protocol_request_types[i], type) == 0) {
            return true;
        }
    }
    return false;
}

bool protocol_pipeline_name_ok(const char *name)
{
    if (name == NULL) {
        return false;
    }
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        char c = name[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '@' || c == '-' || c == '_';
        if (!ok || n == PROTOCOL_PIPELINE_NAME_MAX) {
            return false;
        }
    }
    return n > 0;
}
