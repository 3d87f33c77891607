/*
 * fuzz_wk_logbuf.c — libFuzzer target over a stored log's text (wk_logbuf):
 * the commands' output, which the commands fully control, cut into pieces
 * as reads would, with secret values to mask.
 *
 * The input: secret values separated by 0x01, a 0x00, then the output; the
 * first byte of the output also chooses the size of the pieces (1..64).
 * Invariants: the text stays within its bound and the notes; no secret
 * value (one without '*' and without newlines, at least 3 bytes) appears in
 * the text or the tail, whatever the pieces; the text is whole lines.
 * Built with -fsanitize=fuzzer,address,undefined.
 */
#include "wk_logbuf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_BYTES   (64 * 1024)
#define FUZZ_SECRETS_MAX 8
#define FUZZ_LOG_MAX     4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_contains(const char *hay, size_t n, const char *needle, size_t m)
{
    for (size_t i = 0; m > 0 && i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) {
            return true;
        }
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_BYTES) {
        return 0;
    }
    const uint8_t *zero = memchr(data, 0, size);
    if (zero == NULL) {
        return 0;
    }
    char *secrets[FUZZ_SECRETS_MAX];
    size_t nsecrets = 0;
    const char *p = (const char *)data;
    const char *end = (const char *)zero;
    while (p < end && nsecrets < FUZZ_SECRETS_MAX) {
        const char *sep = memchr(p, 1, (size_t)(end - p));
        size_t len = sep != NULL ? (size_t)(sep - p) : (size_t)(end - p);
        secrets[nsecrets] = malloc(len + 1);
        if (secrets[nsecrets] == NULL) {
            abort();
        }
        memcpy(secrets[nsecrets], p, len);
        secrets[nsecrets][len] = '\0';
        nsecrets++;
        p += len + (sep != NULL ? 1 : 0);
        if (sep == NULL) {
            break;
        }
    }
    const char *out = (const char *)zero + 1;
    size_t out_len = size - (size_t)(out - (const char *)data);
    size_t piece = out_len > 0 ? (size_t)((uint8_t)out[0] % 64) + 1 : 1;

    wk_logbuf lb;
    wk_logbuf_init(&lb, FUZZ_LOG_MAX);
    (void)wk_logbuf_set_secrets(&lb, (const char *const *)secrets, nsecrets);
    for (size_t i = 0; i < out_len; i += piece) {
        wk_logbuf_write(&lb, out + i, out_len - i < piece ? out_len - i : piece);
    }
    const char *text = lb.text.data != NULL ? lb.text.data : "";
    if (lb.text.len > 0 && text[lb.text.len - 1] != '\n') {
        abort(); /* only whole lines are stored */
    }
    wk_logbuf_finish(&lb);
    text = lb.text.data != NULL ? lb.text.data : "";
    if (lb.text.len > FUZZ_LOG_MAX + 2 * WK_LOGBUF_NOTE_MAX) {
        abort();
    }
    for (size_t s = 0; s < nsecrets; s++) {
        size_t len = strlen(secrets[s]);
        if (len < 3 || strchr(secrets[s], '*') != NULL || strchr(secrets[s], '\n') != NULL ||
            strchr(secrets[s], '\r') != NULL) {
            continue;
        }
        if (fuzz_contains(text, lb.text.len, secrets[s], len) ||
            fuzz_contains(lb.tail, lb.tail_len, secrets[s], len)) {
            abort();
        }
    }
    wk_logbuf_free(&lb);
    for (size_t s = 0; s < nsecrets; s++) {
        free(secrets[s]);
    }
    return 0;
}
