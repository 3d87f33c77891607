/*
 * Unit tests of sluice/aws_chunked.h framing on unsigned bodies (the signed
 * forms are checked against botocore's and AWS's vectors in
 * test_aws_s3auth.c): splits, bounds, malformed lines, trailers.
 */
#include "sluice/aws_chunked.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static size_t sunk;

static int count_sink(const void *data, size_t len, void *ctx)
{
    (void)data;
    (void)ctx;
    sunk += len;
    return 0;
}

/* Decodes text as STREAMING-UNSIGNED-PAYLOAD-TRAILER byte by byte; code receives the error. */
static int run(const char *text, size_t len, char code[64], aws_chunked **keep)
{
    aws_s3auth_result *auth = calloc(1, sizeof *auth);
    auth->payload = AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER;
    aws_chunked *d = aws_chunked_new(auth);
    free(auth);
    char err[256];
    code[0] = '\0';
    sunk = 0;
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        rc = aws_chunked_feed(d, text + i, 1, count_sink, NULL, code, err, sizeof err);
    }
    if (rc == 0) {
        rc = aws_chunked_finish(d, code, err, sizeof err);
    }
    if (keep != NULL) {
        *keep = d;
    } else {
        aws_chunked_free(d);
    }
    return rc;
}

static void test_unsigned_trailer(void)
{
    static const char body[] =
        "5\r\nhello\r\n3\r\n ok\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
    char code[64];
    aws_chunked *d = NULL;
    CHECK_INT_EQ(run(body, sizeof body - 1, code, &d), 0);
    CHECK_INT_EQ(sunk, 8);
    CHECK_INT_EQ(aws_chunked_decoded_bytes(d), 8);
    CHECK_STR_EQ(aws_chunked_trailer(d, "X-Amz-Checksum-CRC32"), "AAAAAA==");
    CHECK(aws_chunked_trailer(d, "x-amz-checksum-sha256") == NULL);
    aws_chunked_free(d);
}

static void test_errors(void)
{
    static const struct {
        const char *body, *code;
    } cases[] = {
        {"5\r\nhel", "IncompleteBody"},
        {"5\r\nhello\r\n", "IncompleteBody"},
        {"5\r\nhelloXY0\r\n\r\n", "InvalidRequest"},
        {"zz\r\n", "InvalidRequest"},
        {"5\nhello\r\n0\r\n\r\n", "InvalidRequest"},
        {"0\r\n\r\nmore", "InvalidRequest"},
        {"0\r\nno-colon\r\n\r\n", "InvalidRequest"},
        {"0\r\nx-amz-trailer-signature:abc\r\n\r\n", "InvalidRequest"},
        {"4000001\r\n", "InvalidRequest"},
        {"11111111111111111\r\n", "InvalidRequest"},
        {"0\r\na:1\r\nb:2\r\nc:3\r\nd:4\r\ne:5\r\nf:6\r\ng:7\r\nh:8\r\ni:9\r\n\r\n",
         "InvalidRequest"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char code[64];
        int rc = run(cases[i].body, strlen(cases[i].body), code, NULL);
        CHECK(rc != 0);
        CHECK_STR_EQ(code, cases[i].code);
    }
    /* an over-long line */
    char *line = malloc(4000);
    memset(line, '0', 3999);
    line[3999] = '\0';
    char code[64];
    CHECK(run(line, 3999, code, NULL) != 0);
    CHECK_STR_EQ(code, "InvalidRequest");
    free(line);
    /* errors stick */
    aws_chunked *d = NULL;
    CHECK(run("zz\r\n", 4, code, &d) != 0);
    char err[128];
    CHECK(aws_chunked_feed(d, "0\r\n\r\n", 5, count_sink, NULL, code, err, sizeof err) != 0);
    CHECK(aws_chunked_finish(d, code, err, sizeof err) != 0);
    aws_chunked_free(d);
}

static void test_not_streaming(void)
{
    aws_s3auth_result *auth = calloc(1, sizeof *auth);
    auth->payload = AWS_S3AUTH_PAYLOAD_UNSIGNED;
    CHECK(aws_chunked_new(auth) == NULL);
    auth->payload = AWS_S3AUTH_PAYLOAD_SIGNED;
    CHECK(aws_chunked_new(auth) == NULL);
    CHECK(aws_chunked_new(NULL) == NULL);
    free(auth);
}

int main(void)
{
    RUN_TEST(test_unsigned_trailer);
    RUN_TEST(test_errors);
    RUN_TEST(test_not_streaming);
    return sluice_test_report();
}
