/*
 * api_call.c — the state of one operation call (see api_call.h).
 */
#include "api_call.h"

#include "sluice/error.h"
#include "sluice/protocol_arn.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void api_call_init(api_call *call, const api_env *env, const char *op, const char *identity,
                   const json_t *input)
{
    memset(call, 0, sizeof *call);
    call->env = env;
    call->op = op;
    call->input = input;
    snprintf(call->identity, sizeof call->identity, "%s", identity != NULL ? identity : "");
    snprintf(call->caller_arn, sizeof call->caller_arn, "arn:aws:iam::%s:user/%s",
             env != NULL && env->account != NULL ? env->account : "000000000000", call->identity);
}

void api_call_clear(api_call *call)
{
    json_decref(call->output);
    call->output = NULL;
}

int api_call_succeed(api_call *call, json_t *output)
{
    json_decref(call->output);
    call->output = output;
    call->exception[0] = '\0';
    call->message[0] = '\0';
    return 0;
}

int api_call_fail(api_call *call, const char *exception, const char *fmt, ...)
{
    json_decref(call->output);
    call->output = NULL;
    snprintf(call->exception, sizeof call->exception, "%s", exception);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(call->message, sizeof call->message, fmt, ap);
    va_end(ap);
    return SLUICE_EINVAL;
}

int api_call_backend_fail(api_call *call, int rc, const char *what, const char *detail)
{
    const char *exception = "InternalFailure";
    switch (rc) {
    case SLUICE_EREDIS:
    case SLUICE_EKAFKA:
    case SLUICE_ETIMEDOUT:
    case SLUICE_EDENIED:
    case SLUICE_ECLOSED:
    case SLUICE_EAGAIN:
        exception = "ServiceUnavailableException";
        break;
    default:
        break;
    }
    api_call_fail(call, exception, "%s: %s%s%s", what, sluice_strerror(rc),
                  detail != NULL && detail[0] != '\0' ? ": " : "", detail != NULL ? detail : "");
    return rc;
}

int api_call_failed(const api_call *call)
{
    return call->exception[0] != '\0';
}

int64_t api_call_now_ms(const api_call *call)
{
    return call->env->clock_ms();
}

int api_call_pipeline_arn(const api_env *env, const char *pipeline, char *out, size_t outlen)
{
    return protocol_arn_pipeline(out, outlen, env->region, env->account, pipeline);
}
