/*
 * fuzz_con_logs.c — libFuzzer target over the input of sluice-console's log
 * endpoint (GET /console/logs, services/console con_logs.h): the first byte
 * picks the parser, the rest is its input —
 *   0: the query, "<prefix>\n<pipeline>\n<execution>\n<action>"
 *      (con_logs_key_of): a key made is "<prefix><pipeline>/<action>.log",
 *      fits CON_LOGS_KEY_MAX, has no '/' after the prefix but the one between
 *      pipeline and action and no dot segment, and can be joined; a refusal
 *      leaves no key;
 *   1: a page of ListActionExecutions' answer, "<action id>\n<body>"
 *      (con_logs_answer_page): the next token fits, a refusal finds nothing,
 *      and an action id of plain characters is found only when the body holds it;
 *   2: the log object's bytes, read in pieces the input's own bytes size
 *      (con_logs_grow), and the stream a watcher reads of them
 *      (con_logs_read, with a small buffer): "start" first, every block whole,
 *      and the "log" blocks' base64 decoding to exactly the bytes kept (all
 *      of them, or the first max_bytes and then "cut").
 */
#include "con_logs.h"

#include "sluice/error.h"

#include <openssl/evp.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_LOG_MAX 2048 /* max_bytes of the registry: inputs past it are cut */

/* The next '\n'-ended field of [*p, end) (terminated in place), or NULL. */
static char *fuzz_field(char **p, char *end)
{
    char *start = *p;
    char *nl = memchr(start, '\n', (size_t)(end - start));
    if (nl == NULL) {
        return NULL;
    }
    *nl = '\0';
    *p = nl + 1;
    return start;
}

static void fuzz_query(char *text, size_t len)
{
    char *p = text;
    char *end = text + len;
    char *prefix = fuzz_field(&p, end);
    char *pipeline = prefix != NULL ? fuzz_field(&p, end) : NULL;
    char *execution = pipeline != NULL ? fuzz_field(&p, end) : NULL;
    char *action = execution != NULL ? p : NULL; /* the rest, NUL-terminated by the caller */
    char key[CON_LOGS_KEY_MAX];
    char err[256];
    int rc = con_logs_key_of(prefix, pipeline, execution, action, key, err, sizeof err);
    if (rc != 0) {
        if (key[0] != '\0' || (rc != SLUICE_EINVAL && rc != SLUICE_ETOOBIG) || err[0] == '\0') {
            abort();
        }
        return;
    }
    size_t plen = strlen(prefix);
    size_t klen = strlen(key);
    if (klen >= CON_LOGS_KEY_MAX || strncmp(key, prefix, plen) != 0 || klen < plen + 6 ||
        strcmp(key + klen - 4, ".log") != 0) {
        abort();
    }
    const char *rest = key + plen;
    const char *slash = strchr(rest, '/');
    if (slash == NULL || strchr(slash + 1, '/') != NULL || strcmp(pipeline, ".") == 0 ||
        strcmp(pipeline, "..") == 0 || strncmp(rest, pipeline, strlen(pipeline)) != 0 ||
        slash != rest + strlen(pipeline) || strncmp(slash + 1, action, strlen(action)) != 0) {
        abort();
    }
    con_logs *logs = con_logs_new(1, 1, 1024, 1, NULL);
    con_logs_watcher *w = NULL;
    if (con_logs_join(logs, key, &w) != 0) {
        abort();
    }
    con_logs_leave(logs, w);
    con_logs_free(logs);
}

static bool fuzz_plain(const char *s)
{
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-')) {
            return false;
        }
    }
    return true;
}

/* True when needle (not empty) occurs in [hay, hay + n). */
static bool fuzz_contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

static void fuzz_answer(char *text, size_t len)
{
    char *nl = memchr(text, '\n', len);
    if (nl == NULL) {
        return;
    }
    *nl = '\0';
    const char *action = text;
    const char *body = nl + 1;
    size_t blen = len - (size_t)(nl + 1 - text);
    bool found = false;
    char next[CON_LOGS_TOKEN_MAX];
    char err[256];
    int rc = con_logs_answer_page(body, blen, action, &found, next, err, sizeof err);
    if (rc != 0) {
        if (rc != SLUICE_EPARSE || found || next[0] != '\0' || err[0] == '\0') {
            abort();
        }
        return;
    }
    if (strlen(next) >= CON_LOGS_TOKEN_MAX) {
        abort();
    }
    if (found && action[0] != '\0' && fuzz_plain(action) && !fuzz_contains(body, blen, action)) {
        abort();
    }
}

/* Decodes one "event: log" block's base64 (n characters at b64) onto out: the bytes added. */
static size_t fuzz_decode(const char *b64, size_t n, unsigned char *out)
{
    if (n % 4 != 0) {
        abort();
    }
    int dec = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
    if (dec < 0) {
        abort();
    }
    size_t got = (size_t)dec;
    if (n >= 2 && b64[n - 1] == '=') { /* EVP_DecodeBlock counts the padding */
        got -= b64[n - 2] == '=' ? 2 : 1;
    }
    return got;
}

static void fuzz_stream(const uint8_t *bytes, size_t len)
{
    con_logs *logs = con_logs_new(1, 1, FUZZ_LOG_MAX, 1, NULL);
    con_logs_watcher *w = NULL;
    if (con_logs_join(logs, "logs/p/a.log", &w) != 0) {
        abort();
    }
    static unsigned char seen[FUZZ_LOG_MAX + 64];
    size_t nseen = 0;
    bool started = false;
    bool cut = false;
    char buf[300]; /* small: long logs come in many blocks */
    uint64_t at = 0;
    size_t i = 0;
    while (i < len || !cut) {
        if (i < len) {
            size_t piece = (size_t)(bytes[i] % 97) + 1; /* the input sizes its own pieces */
            piece = piece < len - i ? piece : len - i;
            con_logs_due due[1];
            (void)con_logs_due_now(logs, (int64_t)(at + 1) * 10, due, 1);
            con_logs_grow(logs, "logs/p/a.log", at, bytes + i, piece);
            con_logs_grow(logs, "logs/p/a.log", at, bytes + i, piece); /* stale: dropped */
            at += piece;
            i += piece;
        }
        long n;
        while ((n = con_logs_read(logs, w, buf, sizeof buf)) > 0) {
            if ((size_t)n >= sizeof buf || buf[n - 1] != '\n' || buf[n - 2] != '\n') {
                abort(); /* every block whole */
            }
            buf[n] = '\0';
            if (!started) {
                if (strstr(buf, "event: start\n") == NULL) {
                    abort();
                }
                started = true;
            } else if (strncmp(buf, "event: log\ndata: ", 17) == 0) {
                if (cut || nseen + ((size_t)n - 19) / 4 * 3 > sizeof seen) {
                    abort();
                }
                nseen += fuzz_decode(buf + 17, (size_t)n - 19, seen + nseen);
            } else if (strncmp(buf, "event: cut\n", 11) == 0) {
                cut = true;
            } else {
                abort();
            }
        }
        if (i >= len && !cut) {
            break;
        }
    }
    size_t kept = len < FUZZ_LOG_MAX ? len : FUZZ_LOG_MAX;
    if (!started || nseen != kept || memcmp(seen, bytes, kept) != 0 ||
        cut != (len > FUZZ_LOG_MAX)) {
        abort();
    }
    con_logs_leave(logs, w);
    con_logs_free(logs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    unsigned kind = data[0] % 3;
    size_t len = size - 1;
    if (kind == 2) {
        fuzz_stream(data + 1, len);
        return 0;
    }
    char *text = malloc(len + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, len);
    text[len] = '\0';
    if (kind == 0) {
        fuzz_query(text, len);
    } else {
        fuzz_answer(text, len);
    }
    free(text);
    return 0;
}
