/*
 * wk_result.c — the JobResult detail of an ended job (see wk_result.h).
 */
#include "wk_result.h"

#include "sluice/buf.h"
#include "sluice/protocol_names.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define WK_RESULT_HEAD_MAX 1200 /* bytes of the message before the log lines */

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when invalid. */
static size_t wk_result_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned int min;
    unsigned int cp;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

/*
 * Appends at most max bytes of text (n bytes) to b: invalid UTF-8 as '?', NUL
 * as '?', whole characters only.
 */
static void wk_result_append_text(sluice_buf *b, const char *text, size_t n, size_t max)
{
    size_t used = 0;
    size_t i = 0;
    while (i < n) {
        size_t len = wk_result_utf8_len((const unsigned char *)text + i, n - i);
        const char *piece = text + i;
        size_t plen = len;
        if (len == 0 || text[i] == '\0') {
            piece = "?";
            plen = 1;
            len = 1;
        }
        if (used + plen > max) {
            break;
        }
        sluice_buf_append(b, piece, plen);
        used += plen;
        i += len;
    }
}

/* Appends text with every secret of plan replaced by "***". */
static void wk_result_append_masked(sluice_buf *b, const wk_plan *plan, const char *text, size_t n,
                                    size_t max)
{
    sluice_buf masked;
    sluice_buf_init(&masked, n + 1 + 3 * n);
    size_t i = 0;
    while (i < n) {
        size_t hit = 0;
        for (size_t s = 0; plan != NULL && s < plan->nsecrets; s++) {
            size_t slen = strlen(plan->secrets[s]);
            if (slen > 0 && slen <= n - i && memcmp(text + i, plan->secrets[s], slen) == 0 &&
                slen > hit) {
                hit = slen;
            }
        }
        if (hit > 0) {
            sluice_buf_append(&masked, "***", 3);
            i += hit;
        } else {
            sluice_buf_append(&masked, text + i, 1);
            i++;
        }
    }
    wk_result_append_text(b, masked.data != NULL ? masked.data : "", masked.len, max);
    sluice_buf_free(&masked);
}

/* The start of the last WK_RESULT_TAIL_LINES lines of tail (trailing newlines ignored). */
static size_t wk_result_tail_start(const char *tail, size_t *len)
{
    size_t n = *len;
    while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == '\r')) {
        n--;
    }
    *len = n;
    size_t start = n;
    int lines = 0;
    while (start > 0) {
        if (tail[start - 1] == '\n' && ++lines == WK_RESULT_TAIL_LINES) {
            break;
        }
        start--;
    }
    return start;
}

static const char *wk_result_signal_name(int sig)
{
    switch (sig) {
    case 1:
        return "SIGHUP";
    case 2:
        return "SIGINT";
    case 6:
        return "SIGABRT";
    case 9:
        return "SIGKILL";
    case 11:
        return "SIGSEGV";
    case 13:
        return "SIGPIPE";
    case 15:
        return "SIGTERM";
    default:
        return "a signal";
    }
}

static void wk_result_append_duration(sluice_buf *b, int64_t ms)
{
    if (ms >= 120 * 1000 && ms % (60 * 1000) == 0) {
        sluice_buf_appendf(b, "%lld minutes", (long long)(ms / (60 * 1000)));
    } else if (ms >= 1000) {
        sluice_buf_appendf(b, "%lld s", (long long)(ms / 1000));
    } else {
        sluice_buf_appendf(b, "%lld ms", (long long)ms);
    }
}

size_t wk_result_message(const wk_plan *plan, const wk_result_outcome *o, char *out, size_t outlen)
{
    sluice_buf b;
    sluice_buf_init(&b, 4 * WK_RESULT_MESSAGE_MAX);
    size_t ncommands = plan != NULL ? plan->ncommands : 0;
    const char *const *commands = plan != NULL ? plan->commands : NULL;
    if (o->commands != NULL) {
        commands = o->commands;
        ncommands = o->ncommands;
    }
    const char *command = commands != NULL && o->command < ncommands ? commands[o->command] : "";
    switch (o->end) {
    case WK_RESULT_COMMAND_FAILED:
    case WK_RESULT_TIMED_OUT:
        if (o->phase != NULL) {
            sluice_buf_appendf(&b, "Phase %s: command %zu of %zu ", o->phase, o->command + 1,
                               ncommands);
        } else {
            sluice_buf_appendf(&b, "Command %zu of %zu ", o->command + 1, ncommands);
        }
        if (o->end == WK_RESULT_TIMED_OUT) {
            sluice_buf_append_str(&b, "did not finish within the timeout of ");
            wk_result_append_duration(&b, plan != NULL ? plan->timeout_ms : 0);
            sluice_buf_append_str(&b, " and was killed with its process group");
        } else if (o->signal != 0) {
            sluice_buf_appendf(&b, "was killed by signal %d (%s)", o->signal,
                               wk_result_signal_name(o->signal));
        } else {
            sluice_buf_appendf(&b, "failed with exit code %d", o->exit_code);
        }
        sluice_buf_append_str(&b, ": ");
        wk_result_append_masked(&b, plan, command, strlen(command), WK_RESULT_COMMAND_SHOWN);
        if (strlen(command) > WK_RESULT_COMMAND_SHOWN) {
            sluice_buf_append_str(&b, "...");
        }
        break;
    case WK_RESULT_SUCCEEDED:
        sluice_buf_appendf(&b, "%zu commands succeeded", ncommands);
        break;
    default: {
        const char *reason = o->reason != NULL ? o->reason : "the job failed";
        wk_result_append_masked(&b, plan, reason, strlen(reason), WK_RESULT_HEAD_MAX);
        break;
    }
    }
    if (o->end != WK_RESULT_SUCCEEDED && o->log_tail != NULL && o->log_tail_len > 0) {
        size_t len = o->log_tail_len;
        size_t start = wk_result_tail_start(o->log_tail, &len);
        if (len > start) {
            sluice_buf_append_str(&b, "\nLast log lines:\n");
            size_t room = WK_RESULT_MESSAGE_MAX > b.len ? WK_RESULT_MESSAGE_MAX - b.len : 0;
            /* Keep the end of the log: drop leading bytes until it fits. */
            sluice_buf lines;
            sluice_buf_init(&lines, 8 * WK_RESULT_TAIL_MAX);
            wk_result_append_masked(&lines, plan, o->log_tail + start, len - start,
                                    8 * WK_RESULT_TAIL_MAX);
            size_t from = lines.len > room ? lines.len - room : 0;
            while (from < lines.len && (((unsigned char)lines.data[from]) & 0xc0) == 0x80) {
                from++;
            }
            if (lines.len > from) {
                sluice_buf_append(&b, lines.data + from, lines.len - from);
            }
            sluice_buf_free(&lines);
        }
    }
    size_t max = outlen > 0 ? outlen - 1 : 0;
    if (max > WK_RESULT_MESSAGE_MAX) {
        max = WK_RESULT_MESSAGE_MAX;
    }
    size_t n = b.len < max ? b.len : max;
    while (n > 0 && n < b.len && (((unsigned char)b.data[n]) & 0xc0) == 0x80) {
        n--; /* never cut inside a character */
    }
    if (outlen > 0) {
        if (n > 0) {
            memcpy(out, b.data, n);
        }
        out[n] = '\0';
    }
    sluice_buf_free(&b);
    return n;
}

static const char *wk_result_failure_type(wk_result_end end)
{
    switch (end) {
    case WK_RESULT_CONFIGURATION:
        return "ConfigurationError";
    case WK_RESULT_SYSTEM:
        return "SystemUnavailable";
    default:
        return "JobFailed";
    }
}

static json_t *wk_result_outputs(const wk_plan *plan)
{
    json_t *list = json_array();
    for (size_t i = 0; list != NULL && i < plan->noutputs; i++) {
        const wk_plan_output *po = &plan->outputs[i];
        json_t *entry = json_pack("{s:s}", "name", po->name);
        if (entry != NULL && po->bucket != NULL && po->key != NULL) {
            json_object_set_new(entry, "bucket", json_string(po->bucket));
            json_object_set_new(entry, "key", json_string(po->key));
        }
        if (entry == NULL || json_array_append_new(list, entry) != 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

json_t *wk_result_build(const wk_plan *plan, const wk_result_outcome *o)
{
    if (o->end != WK_RESULT_SUCCEEDED) {
        char message[WK_RESULT_MESSAGE_MAX + 1];
        wk_result_message(plan, o, message, sizeof message);
        json_t *failed =
            json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT,
                      "jobId", plan->job_id, "outcome", "Failed", "failureDetails", "type",
                      wk_result_failure_type(o->end), "message", message, "externalExecutionId",
                      plan->run_id);
        if (failed != NULL && o->log_url != NULL) {
            /* failureDetails has no URL: the log's goes with the execution details */
            json_object_set_new(failed, "executionDetails",
                                json_pack("{s:s, s:s}", "externalExecutionId", plan->run_id,
                                          "externalExecutionUrl", o->log_url));
        }
        return failed;
    }
    sluice_buf summary;
    sluice_buf_init(&summary, 256);
    if (o->summary != NULL) {
        sluice_buf_appendf(&summary, "%s in %.1f s", o->summary, (double)o->duration_ms / 1000.0);
    } else {
        sluice_buf_appendf(&summary, "%zu command%s succeeded in %.1f s", plan->ncommands,
                           plan->ncommands == 1 ? "" : "s", (double)o->duration_ms / 1000.0);
    }
    json_t *detail =
        json_pack("{s:s, s:s, s:s, s:o*, s:{s:s, s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT,
                  "jobId", plan->job_id, "outcome", "Succeeded", "outputArtifacts",
                  wk_result_outputs(plan), "executionDetails", "summary", sluice_buf_cstr(&summary),
                  "externalExecutionId", plan->run_id);
    sluice_buf_free(&summary);
    if (detail != NULL && o->log_url != NULL) {
        json_object_set_new(json_object_get(detail, "executionDetails"), "externalExecutionUrl",
                            json_string(o->log_url));
    }
    if (detail != NULL && o->variables != NULL && json_object_size(o->variables) > 0) {
        json_object_set_new(detail, "outputVariables", json_deep_copy(o->variables));
    }
    return detail;
}

json_t *wk_result_refused(const char *job_id, const char *reason)
{
    sluice_buf b;
    sluice_buf_init(&b, WK_RESULT_MESSAGE_MAX);
    wk_result_append_text(&b, reason != NULL ? reason : "the job cannot be run",
                          reason != NULL ? strlen(reason) : strlen("the job cannot be run"),
                          WK_RESULT_MESSAGE_MAX);
    json_t *detail = json_pack("{s:s, s:s, s:s, s:{s:s, s:s}}", "type", PROTOCOL_REQUEST_JOB_RESULT,
                               "jobId", job_id, "outcome", "Failed", "failureDetails", "type",
                               "ConfigurationError", "message", sluice_buf_cstr(&b));
    sluice_buf_free(&b);
    return detail;
}
