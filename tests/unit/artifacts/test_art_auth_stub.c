/*
 * Tests of the stand-in aws_s3auth_verify and aws_chunked decoder
 * (services/artifacts/art_auth_stub.c): header SigV4 accepted when signed
 * with a known key and refused when anything signed changes; aws-chunked
 * framing decoded across any split, trailers read, truncation refused.
 */
#include "sluice/aws_chunked.h"
#include "sluice/aws_s3auth.h"
#include "sluice/aws_sigv4.h"
#include "sluice/error.h"
#include "sluice/time.h"
#include "sluice_test.h"

#include <string.h>

#define AKID   "AKIDSTORETEST"
#define SECRET "store-secret-xxxxxxxx"

static void test_verify(void)
{
    aws_credentials *creds = aws_credentials_new();
    REQUIRE(creds != NULL);
    char err[512];
    REQUIRE(aws_credentials_add(creds, AKID, SECRET, NULL, "demo", "admin", err, sizeof err) ==
            SLUICE_OK);
    int64_t now = sluice_time_now_ms();
    char hash[AWS_SIGV4_HEX_LEN + 1];
    aws_sigv4_sha256_hex("hello", 5, hash);
    http_pair to_sign[] = {{"Host", "127.0.0.1:7071"}, {"x-amz-content-sha256", hash}};
    aws_sigv4_signature_headers sig;
    REQUIRE(aws_sigv4_sign(AKID, SECRET, "us-east-1", "s3", "PUT", "/bkt/key", NULL, 0, to_sign, 2,
                           "hello", 5, now, &sig) == SLUICE_OK);
    http_pair headers[] = {{"Host", "127.0.0.1:7071"},
                           {"x-amz-content-sha256", hash},
                           {"X-Amz-Date", sig.amz_date},
                           {"Authorization", sig.authorization}};
    aws_s3auth_request req = {"PUT", "/bkt/key", NULL, 0, headers, 4, now, 0};
    aws_s3auth_result out;
    char code[64];
    CHECK_INT_EQ(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err), SLUICE_OK);
    CHECK_STR_EQ(out.identity, "demo");
    CHECK_INT_EQ(out.payload, AWS_S3AUTH_PAYLOAD_SIGNED);
    CHECK_STR_EQ(out.payload_sha256, hash);

    req.raw_path = "/bkt/other";
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    req.raw_path = "/bkt/key";
    req.method = "GET";
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    req.method = "PUT";
    req.now_ms = now + 16 * 60 * 1000;
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "RequestTimeTooSkewed");
    req.now_ms = now;
    http_pair query[] = {{"uploads", ""}};
    req.query = query;
    req.query_count = 1;
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    req.query_count = 0;
    headers[1].value = "UNSIGNED-PAYLOAD"; /* signed header changed */
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    headers[1].value = hash;
    headers[3].value = "AWS4-HMAC-SHA256 Credential=NOPE/20200101/us-east-1/s3/aws4_request, "
                       "SignedHeaders=host, Signature=00";
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    req.header_count = 3; /* no Authorization */
    CHECK(aws_s3auth_verify(creds, NULL, &req, &out, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "AccessDenied");
    aws_credentials_free(creds);
}

static int collect(const void *data, size_t len, void *ctx)
{
    sluice_buf *out = ctx;
    return sluice_buf_append(out, data, len);
}

static void test_chunked(void)
{
    const char *body = "5;chunk-signature=00\r\nhello\r\n6\r\n world\r\n0\r\n"
                       "x-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    size_t len = strlen(body);
    for (size_t split = 1; split < len; split += 7) {
        aws_s3auth_result auth;
        memset(&auth, 0, sizeof auth);
        aws_chunked *d = aws_chunked_new(&auth);
        REQUIRE(d != NULL);
        sluice_buf out;
        sluice_buf_init(&out, 1024);
        char code[64];
        char err[256];
        CHECK_INT_EQ(aws_chunked_feed(d, body, split, collect, &out, code, err, sizeof err),
                     SLUICE_OK);
        CHECK_INT_EQ(
            aws_chunked_feed(d, body + split, len - split, collect, &out, code, err, sizeof err),
            SLUICE_OK);
        CHECK_INT_EQ(aws_chunked_finish(d, code, err, sizeof err), SLUICE_OK);
        CHECK_STR_EQ(sluice_buf_cstr(&out), "hello world");
        CHECK(aws_chunked_decoded_bytes(d) == 11);
        CHECK_STR_EQ(aws_chunked_trailer(d, "X-Amz-Checksum-CRC32"), "DUoRhQ==");
        sluice_buf_free(&out);
        aws_chunked_free(d);
    }
    aws_s3auth_result auth;
    memset(&auth, 0, sizeof auth);
    aws_chunked *d = aws_chunked_new(&auth);
    REQUIRE(d != NULL);
    sluice_buf out;
    sluice_buf_init(&out, 1024);
    char code[64];
    char err[256];
    CHECK_INT_EQ(aws_chunked_feed(d, "5\r\nhel", 6, collect, &out, code, err, sizeof err),
                 SLUICE_OK);
    CHECK(aws_chunked_finish(d, code, err, sizeof err) != SLUICE_OK);
    CHECK_STR_EQ(code, "IncompleteBody");
    aws_chunked_free(d);
    d = aws_chunked_new(&auth);
    CHECK(aws_chunked_feed(d, "zz\r\n", 4, collect, &out, code, err, sizeof err) != SLUICE_OK);
    aws_chunked_free(d);
    sluice_buf_free(&out);
}

int main(void)
{
    RUN_TEST(test_verify);
    RUN_TEST(test_chunked);
    return sluice_test_report();
}
