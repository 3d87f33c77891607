/*
 * art_digest.c — object digests (see art_digest.h). CRC32C uses the reflected
 * Castagnoli polynomial 0x82F63B78 with a 256-entry table built at first use
 * (pthread_once), or the SSE4.2 crc32 instruction (8 bytes a step) where the CPU has it —
 * the table's byte-at-a-time loop was the slowest of the four digests every PutObject runs;
 * CRC32 is zlib's.
 */
#include "art_digest.h"

#include "sluice/error.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
#define DIGEST_CRC32C_HW 1
#endif

static uint32_t digest_crc32c_table[256];
static pthread_once_t digest_table_once = PTHREAD_ONCE_INIT;

static void digest_build_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        }
        digest_crc32c_table[i] = c;
    }
}

#ifdef DIGEST_CRC32C_HW
/* The same CRC with the SSE4.2 instruction; crc is the inverted running value. */
__attribute__((target("sse4.2"))) static uint32_t
digest_crc32c_hw(uint32_t crc, const unsigned char *p, size_t len)
{
    uint64_t c = crc;
    while (len >= 8) {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        c = _mm_crc32_u64(c, v);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len > 0) {
        c32 = _mm_crc32_u8(c32, *p++);
        len--;
    }
    return c32;
}
#endif

uint32_t art_digest_crc32c(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;
#ifdef DIGEST_CRC32C_HW
    if (__builtin_cpu_supports("sse4.2")) {
        return ~digest_crc32c_hw(~crc, p, len);
    }
#endif
    pthread_once(&digest_table_once, digest_build_table);
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc = digest_crc32c_table[(crc ^ p[i]) & 0xffu] ^ (crc >> 8);
    }
    return ~crc;
}

void art_digest_free(art_digest *d)
{
    EVP_MD_CTX_free(d->md5);
    EVP_MD_CTX_free(d->sha256);
    d->md5 = NULL;
    d->sha256 = NULL;
}

int art_digest_init(art_digest *d)
{
    memset(d, 0, sizeof *d);
    d->md5 = EVP_MD_CTX_new();
    d->sha256 = EVP_MD_CTX_new();
    if (d->md5 == NULL || d->sha256 == NULL || EVP_DigestInit_ex(d->md5, EVP_md5(), NULL) != 1 ||
        EVP_DigestInit_ex(d->sha256, EVP_sha256(), NULL) != 1) {
        art_digest_free(d);
        return SLUICE_ENOMEM;
    }
    d->crc32 = (uint32_t)crc32(0L, Z_NULL, 0);
    return SLUICE_OK;
}

int art_digest_update(art_digest *d, const void *data, size_t len)
{
    if (EVP_DigestUpdate(d->md5, data, len) != 1 || EVP_DigestUpdate(d->sha256, data, len) != 1) {
        return SLUICE_EINTERNAL;
    }
    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        uInt n = left > (1u << 30) ? (1u << 30) : (uInt)left;
        d->crc32 = (uint32_t)crc32(d->crc32, p, n);
        p += n;
        left -= n;
    }
    d->crc32c = art_digest_crc32c(d->crc32c, data, len);
    d->bytes += len;
    return SLUICE_OK;
}

int art_digest_base64(const unsigned char *bytes, size_t len, char *out, size_t outlen)
{
    if (len > 64 || 4 * ((len + 2) / 3) + 1 > outlen) {
        return SLUICE_ETOOBIG;
    }
    EVP_EncodeBlock((unsigned char *)out, bytes, (int)len);
    return SLUICE_OK;
}

static void digest_hex(const unsigned char *bytes, size_t len, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * len] = '\0';
}

static void digest_be32(uint32_t v, unsigned char out[4])
{
    out[0] = (unsigned char)(v >> 24);
    out[1] = (unsigned char)(v >> 16);
    out[2] = (unsigned char)(v >> 8);
    out[3] = (unsigned char)v;
}

int art_digest_final(art_digest *d, art_digest_result *out)
{
    memset(out, 0, sizeof *out);
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(d->md5, out->md5, &n) != 1 || n != 16 ||
        EVP_DigestFinal_ex(d->sha256, out->sha256, &n) != 1 || n != 32) {
        return SLUICE_EINTERNAL;
    }
    digest_hex(out->md5, 16, out->md5_hex);
    digest_hex(out->sha256, 32, out->sha256_hex);
    unsigned char crc[4];
    art_digest_base64(out->md5, 16, out->md5_b64, sizeof out->md5_b64);
    art_digest_base64(out->sha256, 32, out->sha256_b64, sizeof out->sha256_b64);
    digest_be32(d->crc32, crc);
    art_digest_base64(crc, 4, out->crc32_b64, sizeof out->crc32_b64);
    digest_be32(d->crc32c, crc);
    art_digest_base64(crc, 4, out->crc32c_b64, sizeof out->crc32c_b64);
    out->bytes = d->bytes;
    return SLUICE_OK;
}

int art_digest_multipart_etag(const unsigned char (*md5s)[16], size_t count,
                              char out[ART_DIGEST_ETAG_MAX])
{
    if (count == 0) {
        return SLUICE_EINVAL;
    }
    unsigned char md[16];
    unsigned int n = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1;
    for (size_t i = 0; ok && i < count; i++) {
        ok = EVP_DigestUpdate(ctx, md5s[i], 16) == 1;
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &n) == 1 && n == 16;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        return SLUICE_EINTERNAL;
    }
    char hex[33];
    digest_hex(md, 16, hex);
    snprintf(out, ART_DIGEST_ETAG_MAX, "%s-%zu", hex, count);
    return SLUICE_OK;
}

int art_digest_parse_etag(const char *text, unsigned char md5[16])
{
    size_t len = strlen(text);
    if (len == 34 && text[0] == '"' && text[33] == '"') {
        text++;
        len = 32;
    }
    if (len != 32) {
        return SLUICE_EPARSE;
    }
    for (size_t i = 0; i < 16; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            int c = tolower((unsigned char)text[2 * i + (size_t)k]);
            if (c >= '0' && c <= '9') {
                v = v * 16 + (c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v = v * 16 + (c - 'a' + 10);
            } else {
                return SLUICE_EPARSE;
            }
        }
        md5[i] = (unsigned char)v;
    }
    return SLUICE_OK;
}
