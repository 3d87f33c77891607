/*
 * state_script.c — EVALSHA with reload on NOSCRIPT (see state_script.h).
 * The digest is OpenSSL's SHA-1 over the exact source bytes, as Redis does.
 */
#include "sluice/state_script.h"

#include "sluice/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int state_script_init(state_script *s, const char *source)
{
    static const char hex[] = "0123456789abcdef";
    memset(s, 0, sizeof *s);
    if (source == NULL) {
        return SLUICE_EINVAL;
    }
    size_t len = strnlen(source, STATE_SCRIPT_MAX_SOURCE + 1);
    if (len == 0 || len > STATE_SCRIPT_MAX_SOURCE) {
        return SLUICE_EINVAL;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(source, len, md, &mdlen, EVP_sha1(), NULL) != 1 ||
        mdlen * 2 != STATE_SCRIPT_SHA1_HEX) {
        return SLUICE_EINTERNAL;
    }
    for (unsigned int i = 0; i < mdlen; i++) {
        s->sha1[2 * i] = hex[md[i] >> 4];
        s->sha1[2 * i + 1] = hex[md[i] & 0x0f];
    }
    s->sha1[STATE_SCRIPT_SHA1_HEX] = '\0';
    s->source = source;
    s->len = len;
    return SLUICE_OK;
}

int state_script_load(state_redis *r, const state_script *s)
{
    redisReply *reply = NULL;
    int rc = state_redis_command(r, STATE_REDIS_RETRY, &reply, "SCRIPT LOAD %b", s->source, s->len);
    if (rc != SLUICE_OK) {
        return rc;
    }
    if (reply->type != REDIS_REPLY_STRING || reply->len != STATE_SCRIPT_SHA1_HEX ||
        memcmp(reply->str, s->sha1, STATE_SCRIPT_SHA1_HEX) != 0) {
        rc = SLUICE_EINTERNAL; /* the server hashed something else: never EVALSHA a guess */
    }
    freeReplyObject(reply);
    return rc;
}

static bool script_is_noscript(const state_redis *r)
{
    const char *msg = state_redis_last_reply_error(r);
    return msg != NULL && strncmp(msg, "NOSCRIPT", 8) == 0;
}

int state_script_eval(state_redis *r, const state_script *s, state_redis_retry retry, int nkeys,
                      const char *const *keys, int nargs, const char *const *args,
                      const size_t *arglens, redisReply **out)
{
    *out = NULL;
    if (nkeys < 0 || nargs < 0 || nkeys > STATE_SCRIPT_MAX_ARGS ||
        nargs > STATE_SCRIPT_MAX_ARGS - nkeys || (nkeys > 0 && keys == NULL) ||
        (nargs > 0 && args == NULL) || s->source == NULL) {
        return SLUICE_EINVAL;
    }
    int argc = 3 + nkeys + nargs;
    const char **argv = calloc((size_t)argc, sizeof *argv);
    size_t *lens = calloc((size_t)argc, sizeof *lens);
    char numkeys[16];
    int rc = SLUICE_ENOMEM;
    if (argv == NULL || lens == NULL) {
        goto out;
    }
    snprintf(numkeys, sizeof numkeys, "%d", nkeys);
    argv[0] = "EVALSHA";
    lens[0] = 7;
    argv[1] = s->sha1;
    lens[1] = STATE_SCRIPT_SHA1_HEX;
    argv[2] = numkeys;
    lens[2] = strlen(numkeys);
    for (int i = 0; i < nkeys; i++) {
        argv[3 + i] = keys[i];
        lens[3 + i] = strlen(keys[i]);
    }
    for (int i = 0; i < nargs; i++) {
        argv[3 + nkeys + i] = args[i];
        lens[3 + nkeys + i] = arglens != NULL ? arglens[i] : strlen(args[i]);
    }
    rc = state_redis_commandv(r, retry, argc, argv, lens, out);
    if (rc == SLUICE_EREDIS && script_is_noscript(r)) {
        rc = state_script_load(r, s);
        if (rc == SLUICE_OK) {
            rc = state_redis_commandv(r, retry, argc, argv, lens, out);
        }
    }
out:
    free(argv);
    free(lens);
    return rc;
}
