/*
 * log.c — JSON-lines logger (see log.h). The record is built in a stack
 * buffer and emitted with one write(2); no locks are needed.
 */
#include "sluice/log.h"

#include "sluice/error.h"
#include "sluice/time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LOG_MSG_MAX    4096
#define LOG_RECORD_MAX (LOG_MSG_MAX * 2 + 512)

volatile int sluice_log_threshold = SLUICE_LOG_INFO;
static char log_service[64] = "sluice";
static volatile int log_fd = 2;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

void sluice_log_set_level(sluice_log_level level)
{
    sluice_log_threshold = (int)level;
}

int sluice_log_level_parse(const char *text, sluice_log_level *out)
{
    for (int i = 0; i <= (int)SLUICE_LOG_OFF; i++) {
        if (strcasecmp(text, level_names[i]) == 0) {
            *out = (sluice_log_level)i;
            return SLUICE_OK;
        }
    }
    return SLUICE_EINVAL;
}

void sluice_log_set_service(const char *service)
{
    snprintf(log_service, sizeof log_service, "%s", service);
}

void sluice_log_set_fd(int fd)
{
    log_fd = fd;
}

sluice_log_level sluice_log_level_from_syslog(int severity)
{
    if (severity <= 3) {
        return SLUICE_LOG_ERROR;
    }
    if (severity == 4) {
        return SLUICE_LOG_WARN;
    }
    if (severity <= 6) {
        return SLUICE_LOG_INFO;
    }
    return SLUICE_LOG_DEBUG;
}

/* Appends src to dst[*pos..cap) as JSON string content; stops short when full. */
static void json_escape_into(char *dst, size_t cap, size_t *pos, const char *src)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++) {
        char esc[7];
        size_t n;
        switch (*p) {
        case '"':
            memcpy(esc, "\\\"", 2);
            n = 2;
            break;
        case '\\':
            memcpy(esc, "\\\\", 2);
            n = 2;
            break;
        case '\n':
            memcpy(esc, "\\n", 2);
            n = 2;
            break;
        case '\r':
            memcpy(esc, "\\r", 2);
            n = 2;
            break;
        case '\t':
            memcpy(esc, "\\t", 2);
            n = 2;
            break;
        default:
            if (*p < 0x20) {
                esc[0] = '\\';
                esc[1] = 'u';
                esc[2] = '0';
                esc[3] = '0';
                esc[4] = hex[*p >> 4];
                esc[5] = hex[*p & 0xf];
                n = 6;
            } else {
                esc[0] = (char)*p;
                n = 1;
            }
        }
        if (*pos + n + 1 >= cap) {
            return;
        }
        memcpy(dst + *pos, esc, n);
        *pos += n;
    }
}

static void append_raw(char *dst, size_t cap, size_t *pos, const char *src)
{
    size_t n = strlen(src);
    if (*pos + n + 1 >= cap) {
        n = (*pos + 1 < cap) ? cap - *pos - 1 : 0;
    }
    memcpy(dst + *pos, src, n);
    *pos += n;
}

void sluice_log_write(sluice_log_level level, const char *file, int line, const char *fmt, ...)
{
    char msg[LOG_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    char when[40];
    sluice_time_format_rfc3339_ms(sluice_time_now_ms(), when, sizeof when);
    const char *base = strrchr(file, '/');
    base = (base != NULL) ? base + 1 : file;
    if (level < SLUICE_LOG_DEBUG || level > SLUICE_LOG_ERROR) {
        level = SLUICE_LOG_ERROR;
    }

    char record[LOG_RECORD_MAX];
    const size_t content_cap = sizeof record - 4; /* room for the closing "}\n */
    size_t pos = 0;
    char head[160];
    snprintf(head, sizeof head, "{\"time\":\"%s\",\"level\":\"%s\",\"service\":\"", when,
             level_names[level]);
    append_raw(record, content_cap, &pos, head);
    json_escape_into(record, content_cap, &pos, log_service);
    append_raw(record, content_cap, &pos, "\",\"file\":\"");
    json_escape_into(record, content_cap, &pos, base);
    char line_text[32];
    snprintf(line_text, sizeof line_text, "\",\"line\":%d,\"msg\":\"", line);
    append_raw(record, content_cap, &pos, line_text);
    json_escape_into(record, content_cap, &pos, msg);
    memcpy(record + pos, "\"}\n", 3);
    pos += 3;

    const char *p = record;
    size_t left = pos;
    while (left > 0) {
        ssize_t w = write(log_fd, p, left);
        if (w <= 0) {
            break;
        }
        p += w;
        left -= (size_t)w;
    }
}
