/*
 * libFuzzer target for libs/bus bus_sign: the key file parser over the raw
 * bytes (NUL bytes included), and the verifier over a message cut from the
 * same bytes ("<key id>\n<signature>\n<payload>"). A parsed set has 1..16
 * keys; a message signed by the target's key verifies, and the same message
 * with the input's key id and signature verifies only when they are exactly
 * the real ones.
 */
#include "sluice/bus_sign.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bus_sign_keys *fuzz_keys;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fuzz_keys == NULL) {
        static const char text[] =
            "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n";
        if (bus_sign_keys_parse(text, sizeof text - 1, &fuzz_keys, NULL, 0) != 0) {
            abort();
        }
    }
    bus_sign_keys *keys = NULL;
    char err[512];
    if (bus_sign_keys_parse((const char *)data, size, &keys, err, sizeof err) == 0) {
        size_t n = bus_sign_keys_count(keys);
        if (n == 0 || n > BUS_SIGN_KEYS_MAX || bus_sign_keys_signing_id(keys)[0] == '\0') {
            abort();
        }
        bus_sign_keys_free(keys);
    } else if (keys != NULL) {
        abort();
    }

    const uint8_t *id = data;
    const uint8_t *nl = memchr(data, '\n', size);
    size_t idlen = nl != NULL ? (size_t)(nl - data) : size;
    const uint8_t *sig = nl != NULL ? nl + 1 : data + size;
    size_t rest = size - (size_t)(sig - data);
    const uint8_t *nl2 = memchr(sig, '\n', rest);
    size_t siglen = nl2 != NULL ? (size_t)(nl2 - sig) : rest;
    const uint8_t *payload = nl2 != NULL ? nl2 + 1 : sig + siglen;
    size_t len = size - (size_t)(payload - data);

    bus_sign_failure why;
    char real[BUS_SIGN_SIGNATURE_LEN + 1];
    if (bus_sign_message(fuzz_keys, "t.requests", "k", 1, payload, len, real) != 0 ||
        bus_sign_verify(fuzz_keys, "t.requests", "k", 1, payload, len, "k1", 2, real,
                        BUS_SIGN_SIGNATURE_LEN, &why, err, sizeof err) != 0) {
        abort();
    }
    int rc = bus_sign_verify(fuzz_keys, "t.requests", "k", 1, payload, len, idlen ? id : NULL,
                             idlen, siglen ? sig : NULL, siglen, &why, err, sizeof err);
    bool genuine = idlen == 2 && memcmp(id, "k1", 2) == 0 && siglen == BUS_SIGN_SIGNATURE_LEN &&
                   memcmp(sig, real, BUS_SIGN_SIGNATURE_LEN) == 0;
    if (rc == 0 && !genuine) {
        /* Upper-case hex of the real signature is the only other accepted spelling. */
        bool upper = idlen == 2 && memcmp(id, "k1", 2) == 0 && siglen == BUS_SIGN_SIGNATURE_LEN;
        for (size_t i = 0; upper && i < BUS_SIGN_SIGNATURE_LEN; i++) {
            char c = (char)sig[i];
            char r = real[i];
            upper = c == r || (r >= 'a' && r <= 'f' && c == r - 'a' + 'A');
        }
        if (!upper) {
            abort();
        }
    }
    if (rc != 0 && genuine) {
        abort();
    }
    return 0;
}
