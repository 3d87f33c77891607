/*
 * art_digest.h — the digests of an object's bytes as S3 reports them: MD5 (the
 * ETag), SHA-256, CRC32 (zlib) and CRC32C (a table), fed incrementally while
 * the bytes stream to disk; the multipart ETag (MD5 of the parts' MD5s, "-N");
 * hex and base64 forms. Pure apart from OpenSSL's digests; one owner per value.
 */
#ifndef ART_DIGEST_H
#define ART_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define ART_DIGEST_ETAG_MAX 48 /* "<32 hex>-<parts>" plus quotes room */
#define ART_DIGEST_B64_MAX  48 /* base64 of up to 32 bytes */

typedef struct art_digest {
    void *md5;    /* EVP_MD_CTX */
    void *sha256; /* EVP_MD_CTX */
    uint32_t crc32;
    uint32_t crc32c;
    uint64_t bytes;
} art_digest;

typedef struct art_digest_result {
    unsigned char md5[16];
    unsigned char sha256[32];
    char md5_hex[33];
    char sha256_hex[65];
    char md5_b64[ART_DIGEST_B64_MAX];    /* as Content-MD5 carries it */
    char sha256_b64[ART_DIGEST_B64_MAX]; /* as x-amz-checksum-sha256 */
    char crc32_b64[ART_DIGEST_B64_MAX];  /* as x-amz-checksum-crc32 (big-endian bytes) */
    char crc32c_b64[ART_DIGEST_B64_MAX]; /* as x-amz-checksum-crc32c */
    uint64_t bytes;
} art_digest_result;

/* Starts the digests. 0, or SLUICE_ENOMEM (d is then freed). */
int art_digest_init(art_digest *d);

/* Adds len bytes. 0 or SLUICE_EINTERNAL. */
int art_digest_update(art_digest *d, const void *data, size_t len);

/* Finishes into out; d must be freed afterwards. 0 or SLUICE_EINTERNAL. */
int art_digest_final(art_digest *d, art_digest_result *out);

/* Frees the contexts. Accepts a zeroed or already freed value. */
void art_digest_free(art_digest *d);

/* CRC32C (Castagnoli) of len bytes continuing from crc (0 to start). */
uint32_t art_digest_crc32c(uint32_t crc, const void *data, size_t len);

/* Base64 of len bytes into out (NUL-terminated). 0 or SLUICE_ETOOBIG. */
int art_digest_base64(const unsigned char *bytes, size_t len, char *out, size_t outlen);

/*
 * The multipart ETag: hex MD5 of the concatenated binary MD5s of count parts,
 * "-", count. 0, or SLUICE_EINVAL (count 0) / SLUICE_EINTERNAL.
 */
int art_digest_multipart_etag(const unsigned char (*md5s)[16], size_t count,
                              char out[ART_DIGEST_ETAG_MAX]);

/* Parses 32 hex digits (optionally within double quotes) into md5. 0 or SLUICE_EPARSE. */
int art_digest_parse_etag(const char *text, unsigned char md5[16]);

#endif
