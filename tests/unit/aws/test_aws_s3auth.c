/*
 * Unit tests of sluice/aws_s3auth.h and, on the same requests, of
 * sluice/aws_chunked.h. The reference is botocore: every request in
 * s3auth_vectors.json (gen_s3auth_vectors.py) was signed by it — the real S3
 * client, its presigner, and its S3SigV4Auth for the seeds of signed
 * streaming uploads — and must verify, produce botocore's canonical request
 * and decode to the bytes and trailers recorded. Then every altered copy
 * must be refused with S3's error code. AWS's published
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD example (seed and three chunk
 * signatures) is verified end to end, and job credentials minted with
 * aws_jobcred sign requests that verify with their scope.
 */
#include "sluice/aws_chunked.h"
#include "sluice/aws_s3auth.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PAIRS 32

static json_t *vectors;
static aws_credentials *store;

typedef struct vreq {
    http_pair headers[MAX_PAIRS];
    http_pair query[MAX_PAIRS];
    char values[MAX_PAIRS][2048]; /* scratch copies for altered header values */
    aws_s3auth_request req;
    unsigned char *body;
    size_t body_len;
    unsigned char *decoded;
    size_t decoded_len;
    const json_t *c;
} vreq;

static unsigned char *b64_decode(const char *text, size_t *len)
{
    size_t n = strlen(text);
    unsigned char *out = malloc(n / 4 * 3 + 4);
    int got = EVP_DecodeBlock(out, (const unsigned char *)text, (int)n);
    size_t pad = 0;
    while (n > 0 && text[n - 1] == '=') {
        n--;
        pad++;
    }
    *len = got > 0 ? (size_t)got - pad : 0;
    return out;
}

static void load(void)
{
    const char *dir = getenv("SLUICE_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/unit/aws/s3auth_vectors.json", dir != NULL ? dir : ".");
    json_error_t err;
    vectors = json_load_file(path, 0, &err);
    if (vectors == NULL) {
        fprintf(stderr, "cannot load %s: %s\n", path, err.text);
    }
    store = aws_credentials_new();
    char msg[256];
    aws_credentials_add(store, "AKIDSLUICETEST000001", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                        NULL, "demo", "admin", msg, sizeof msg);
    aws_credentials_add(
        store, "ASIASLUICETEST000002", "c2x1aWNlLXRlc3Qtc2Vzc2lvbi1zZWNyZXQtMDAwMDA",
        "IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQD/sluice+test/session==", "tokenuser", "reader",
        msg, sizeof msg);
}

static void vreq_init(vreq *v, const json_t *c)
{
    memset(v, 0, sizeof *v);
    v->c = c;
    size_t i;
    const json_t *pair;
    json_array_foreach(json_object_get(c, "headers"), i, pair)
    {
        if (i < MAX_PAIRS) {
            v->headers[i].name = json_string_value(json_array_get(pair, 0));
            v->headers[i].value = json_string_value(json_array_get(pair, 1));
            v->req.header_count = i + 1;
        }
    }
    json_array_foreach(json_object_get(c, "query"), i, pair)
    {
        if (i < MAX_PAIRS) {
            v->query[i].name = json_string_value(json_array_get(pair, 0));
            v->query[i].value = json_string_value(json_array_get(pair, 1));
            v->req.query_count = i + 1;
        }
    }
    v->req.method = json_string_value(json_object_get(c, "method"));
    v->req.raw_path = json_string_value(json_object_get(c, "raw_path"));
    v->req.headers = v->headers;
    v->req.query = v->query;
    v->req.now_ms = (int64_t)json_integer_value(json_object_get(c, "now_ms"));
    v->body = b64_decode(json_string_value(json_object_get(c, "body_b64")), &v->body_len);
    const char *decoded = json_string_value(json_object_get(c, "decoded_b64"));
    if (decoded != NULL) {
        v->decoded = b64_decode(decoded, &v->decoded_len);
    }
}

static void vreq_free(vreq *v)
{
    free(v->body);
    free(v->decoded);
}

static const json_t *find_case(const char *name)
{
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(vectors, "cases"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), name) == 0) {
            return c;
        }
    }
    fprintf(stderr, "no case %s\n", name);
    return NULL;
}

static http_pair *find_opt(http_pair *pairs, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++) {
        if (strcasecmp(pairs[i].name, name) == 0) {
            return &pairs[i];
        }
    }
    return NULL;
}

/* The pair named name; the vectors are broken (and the test stops) when it is absent. */
static http_pair *find_pair(http_pair *pairs, size_t count, const char *name)
{
    http_pair *p = find_opt(pairs, count, name);
    if (p == NULL) {
        fprintf(stderr, "vector without %s\n", name);
        abort();
    }
    return p;
}

static int verify(const vreq *v, aws_s3auth_result *out, char code[64])
{
    char err[512];
    int rc = aws_s3auth_verify(store, NULL, &v->req, out, code, err, sizeof err);
    if (rc != 0 && getenv("S3AUTH_DEBUG") != NULL) {
        fprintf(stderr, "%s: %s %s\n", json_string_value(json_object_get(v->c, "name")), code, err);
    }
    return rc;
}

/* Expects verification to fail with code. */
static void expect_code(const vreq *v, const char *want, int line)
{
    aws_s3auth_result *out = malloc(sizeof *out);
    char code[64];
    int rc = verify(v, out, code);
    if (rc == 0 || strcmp(code, want) != 0) {
        fprintf(stderr, "line %d, case %s: want %s, got rc %d code '%s'\n", line,
                json_string_value(json_object_get(v->c, "name")), want, rc, code);
    }
    CHECK(rc == SLUICE_EDENIED);
    CHECK_STR_EQ(code, want);
    CHECK_STR_EQ(out->identity, "");
    free(out);
}
#define EXPECT_CODE(v, want) expect_code((v), (want), __LINE__)

/* ---------------------------------------------------------------- chunked */

typedef struct collect {
    unsigned char *data;
    size_t len, cap;
} collect;

static int collect_sink(const void *data, size_t len, void *ctx)
{
    collect *c = ctx;
    if (c->len + len > c->cap) {
        c->cap = (c->len + len) * 2;
        c->data = realloc(c->data, c->cap);
    }
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return 0;
}

/* Decodes body fed in pieces of step bytes (0 = all at once); 0 or the error, code set. */
static int decode(const aws_s3auth_result *auth, const unsigned char *body, size_t len, size_t step,
                  collect *out, char code[64], aws_chunked **keep)
{
    aws_chunked *d = aws_chunked_new(auth);
    char err[256];
    code[0] = '\0';
    int rc = d != NULL ? 0 : SLUICE_ENOMEM;
    for (size_t off = 0; off < len && rc == 0;) {
        size_t n = step == 0 || len - off < step ? len - off : step;
        rc = aws_chunked_feed(d, body + off, n, collect_sink, out, code, err, sizeof err);
        off += n;
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

/* ------------------------------------------------------------------ tests */

static void test_vectors_verify(void)
{
    REQUIRE(vectors != NULL);
    size_t i;
    const json_t *c;
    size_t seen = 0;
    json_array_foreach(json_object_get(vectors, "cases"), i, c)
    {
        vreq v;
        vreq_init(&v, c);
        aws_s3auth_result *out = malloc(sizeof *out);
        char code[64] = "";
        int rc = verify(&v, out, code);
        if (rc != 0) {
            fprintf(stderr, "case %s: %s\n", json_string_value(json_object_get(c, "name")), code);
        }
        CHECK_INT_EQ(rc, 0);
        const char *token = json_string_value(json_object_get(c, "session_token"));
        CHECK_STR_EQ(out->identity, token != NULL ? "tokenuser" : "demo");
        CHECK_STR_EQ(out->access_key_id, json_string_value(json_object_get(c, "access_key_id")));
        CHECK(!out->job);
        const char *kind = json_string_value(json_object_get(c, "kind"));
        CHECK(out->presigned == (strcmp(kind, "presigned") == 0));
        const char *seed = json_string_value(json_object_get(c, "seed_signature"));
        if (seed != NULL) {
            CHECK_STR_EQ(out->seed_signature, seed);
        }
        CHECK_STR_EQ(out->scope, "20261126/us-east-1/s3/aws4_request");
        aws_s3auth_result_wipe(out);
        free(out);
        vreq_free(&v);
        seen++;
    }
    CHECK(seen >= 13);
}

/* The canonical request built from the exported pieces is botocore's. */
static void test_vectors_canonical(void)
{
    REQUIRE(vectors != NULL);
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(vectors, "cases"), i, c)
    {
        vreq v;
        vreq_init(&v, c);
        bool presigned = strcmp(json_string_value(json_object_get(c, "kind")), "presigned") == 0;
        http_pair query[MAX_PAIRS];
        size_t qn = 0;
        const char *signed_headers = NULL;
        for (size_t q = 0; q < v.req.query_count; q++) {
            if (strcmp(v.query[q].name, "X-Amz-Signature") != 0) {
                query[qn++] = v.query[q];
            }
            if (strcmp(v.query[q].name, "X-Amz-SignedHeaders") == 0) {
                signed_headers = v.query[q].value;
            }
        }
        const char *payload = "UNSIGNED-PAYLOAD";
        char sh[1024] = "";
        if (!presigned) {
            const http_pair *a = find_pair(v.headers, v.req.header_count, "Authorization");
            aws_sigv4_authorization parsed;
            REQUIRE(a != NULL &&
                    aws_sigv4_parse_authorization(a->value, &parsed, NULL, 0) == SLUICE_OK);
            snprintf(sh, sizeof sh, "%s", parsed.signed_headers);
            signed_headers = sh;
            payload = find_pair(v.headers, v.req.header_count, "x-amz-content-sha256")->value;
        }
        sluice_buf uri, canonical;
        sluice_buf_init(&uri, 1 << 20);
        sluice_buf_init(&canonical, 1 << 20);
        CHECK_INT_EQ(aws_sigv4_s3_canonical_uri(v.req.raw_path, &uri), 0);
        sluice_buf_append(&uri, "", 0);
        CHECK_INT_EQ(aws_sigv4_canonical_request_uri(v.req.method, sluice_buf_cstr(&uri), query, qn,
                                                     v.headers, v.req.header_count, signed_headers,
                                                     payload, &canonical, NULL, 0),
                     0);
        sluice_buf_append(&canonical, "", 0);
        CHECK_STR_EQ(sluice_buf_cstr(&canonical),
                     json_string_value(json_object_get(c, "canonical_request")));
        sluice_buf_free(&uri);
        sluice_buf_free(&canonical);
        vreq_free(&v);
    }
}

static void test_payload_modes(void)
{
    static const struct {
        const char *name;
        aws_s3auth_payload mode;
    } want[] = {
        {"put-object-signed-payload", AWS_S3AUTH_PAYLOAD_SIGNED},
        {"get-object-odd-key", AWS_S3AUTH_PAYLOAD_SIGNED},
        {"unsigned-payload", AWS_S3AUTH_PAYLOAD_UNSIGNED},
        {"presigned-put", AWS_S3AUTH_PAYLOAD_UNSIGNED},
        {"streaming-signed", AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED},
        {"streaming-signed-trailer", AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED_TRAILER},
        {"streaming-unsigned-trailer", AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const json_t *c = find_case(want[i].name);
        REQUIRE(c != NULL);
        vreq v;
        vreq_init(&v, c);
        aws_s3auth_result *out = malloc(sizeof *out);
        char code[64];
        CHECK_INT_EQ(verify(&v, out, code), 0);
        CHECK_INT_EQ(out->payload, want[i].mode);
        if (want[i].mode == AWS_S3AUTH_PAYLOAD_SIGNED) {
            char hex[AWS_SIGV4_HEX_LEN + 1];
            aws_sigv4_sha256_hex(v.body, v.body_len, hex);
            CHECK_STR_EQ(out->payload_sha256, hex); /* the caller compares it with the body */
        }
        free(out);
        vreq_free(&v);
    }
}

/* Each streaming body decodes to botocore's bytes and trailers, whatever the split. */
static void test_vectors_chunked(void)
{
    static const char *const names[] = {"streaming-signed", "streaming-signed-trailer",
                                        "streaming-unsigned-trailer"};
    static const size_t steps[] = {0, 1, 2, 7, 64, 513, 4096};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const json_t *c = find_case(names[i]);
        REQUIRE(c != NULL);
        vreq v;
        vreq_init(&v, c);
        aws_s3auth_result *auth = malloc(sizeof *auth);
        char code[64];
        REQUIRE(verify(&v, auth, code) == 0);
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            collect got = {0};
            aws_chunked *d = NULL;
            int rc = decode(auth, v.body, v.body_len, steps[s], &got, code, &d);
            if (rc != 0) {
                fprintf(stderr, "%s step %zu: %s\n", names[i], steps[s], code);
            }
            CHECK_INT_EQ(rc, 0);
            CHECK_INT_EQ(got.len, v.decoded_len);
            CHECK(got.len == v.decoded_len && memcmp(got.data, v.decoded, got.len) == 0);
            CHECK_INT_EQ(aws_chunked_decoded_bytes(d), v.decoded_len);
            const json_t *trailers = json_object_get(c, "trailers");
            CHECK_INT_EQ(aws_chunked_trailer_count(d), json_array_size(trailers));
            size_t t;
            const json_t *pair;
            json_array_foreach(trailers, t, pair)
            {
                CHECK_STR_EQ(aws_chunked_trailer(d, json_string_value(json_array_get(pair, 0))),
                             json_string_value(json_array_get(pair, 1)));
            }
            CHECK(aws_chunked_trailer(d, "x-amz-trailer-signature") == NULL);
            aws_chunked_free(d);
            free(got.data);
        }
        /* a flipped byte anywhere in a signed body is refused; truncation is IncompleteBody */
        bool signed_body = auth->payload != AWS_S3AUTH_PAYLOAD_STREAMING_UNSIGNED_TRAILER;
        for (size_t pos = 0; pos < v.body_len && signed_body; pos += 97) {
            unsigned char *copy = malloc(v.body_len);
            memcpy(copy, v.body, v.body_len);
            copy[pos] ^= 0x01;
            collect got = {0};
            CHECK(decode(auth, copy, v.body_len, 0, &got, code, NULL) != 0);
            CHECK(strcmp(code, "SignatureDoesNotMatch") == 0 ||
                  strcmp(code, "InvalidRequest") == 0);
            free(got.data);
            free(copy);
        }
        collect got = {0};
        CHECK(decode(auth, v.body, v.body_len - 3, 5, &got, code, NULL) != 0);
        CHECK_STR_EQ(code, "IncompleteBody");
        free(got.data);
        free(auth);
        vreq_free(&v);
    }
}

static void test_altered_requests(void)
{
    REQUIRE(vectors != NULL);
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(vectors, "cases"), i, c)
    {
        bool presigned = strcmp(json_string_value(json_object_get(c, "kind")), "presigned") == 0;
        vreq v;
        /* method */
        vreq_init(&v, c);
        v.req.method = strcmp(v.req.method, "GET") == 0 ? "DELETE" : "GET";
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        vreq_free(&v);
        /* path: another key, and the same key spelled differently in a way S3 does not fold */
        vreq_init(&v, c);
        char path[2048];
        snprintf(path, sizeof path, "%sx", v.req.raw_path);
        v.req.raw_path = path;
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        snprintf(path, sizeof path, "%s/", json_string_value(json_object_get(c, "raw_path")));
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        vreq_free(&v);
        /* host */
        vreq_init(&v, c);
        find_pair(v.headers, v.req.header_count, "Host")->value = "127.0.0.1:7072";
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        vreq_free(&v);
        /* an added query parameter */
        vreq_init(&v, c);
        v.query[v.req.query_count].name = "versionId";
        v.query[v.req.query_count].value = "1";
        v.req.query_count++;
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        vreq_free(&v);
        /* the signature itself */
        vreq_init(&v, c);
        if (presigned) {
            http_pair *sig = find_pair(v.query, v.req.query_count, "X-Amz-Signature");
            snprintf(v.values[0], sizeof v.values[0], "%s", sig->value);
            v.values[0][10] = v.values[0][10] == '0' ? '1' : '0';
            sig->value = v.values[0];
        } else {
            http_pair *a = find_pair(v.headers, v.req.header_count, "Authorization");
            snprintf(v.values[0], sizeof v.values[0], "%s", a->value);
            size_t n = strlen(v.values[0]);
            v.values[0][n - 1] = v.values[0][n - 1] == '0' ? '1' : '0';
            a->value = v.values[0];
        }
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        vreq_free(&v);
        /* x-amz-content-sha256 (header form) / a signed query value (presigned) */
        vreq_init(&v, c);
        if (presigned) {
            find_pair(v.query, v.req.query_count, "X-Amz-Expires")->value = "60";
        } else {
            find_pair(v.headers, v.req.header_count, "x-amz-content-sha256")->value =
                "UNSIGNED-PAYLOAD";
            if (strcmp(json_string_value(json_object_get(c, "name")), "unsigned-payload") == 0) {
                find_pair(v.headers, v.req.header_count, "x-amz-content-sha256")->value =
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
            }
        }
        EXPECT_CODE(&v, "SignatureDoesNotMatch");
        vreq_free(&v);
        /* the clock */
        vreq_init(&v, c);
        if (presigned) {
            int64_t expires = (int64_t)json_integer_value(json_object_get(c, "expires")) * 1000;
            v.req.now_ms += expires; /* the last valid instant */
            aws_s3auth_result *out = malloc(sizeof *out);
            char code[64];
            CHECK_INT_EQ(verify(&v, out, code), 0);
            free(out);
            v.req.now_ms += 1;
            EXPECT_CODE(&v, "AccessDenied");
            v.req.now_ms -= expires + 16 * 60 * 1000 + 1;
            EXPECT_CODE(&v, "AccessDenied"); /* not valid yet */
        } else {
            v.req.now_ms += 15 * 60 * 1000 + 1;
            EXPECT_CODE(&v, "RequestTimeTooSkewed");
            v.req.now_ms -= 2 * (15 * 60 * 1000 + 1);
            EXPECT_CODE(&v, "RequestTimeTooSkewed");
        }
        vreq_free(&v);
        /* the region, when the store names one */
        vreq_init(&v, c);
        v.req.region = "eu-west-3";
        EXPECT_CODE(&v, presigned ? "AuthorizationQueryParametersError"
                                  : "AuthorizationHeaderMalformed");
        v.req.region = "us-east-1";
        aws_s3auth_result *out = malloc(sizeof *out);
        char code[64];
        CHECK_INT_EQ(verify(&v, out, code), 0);
        free(out);
        vreq_free(&v);
    }
}

static void test_keys_and_tokens(void)
{
    vreq v;
    /* wrong secret */
    vreq_init(&v, find_case("put-object-signed-payload"));
    aws_credentials *other = aws_credentials_new();
    aws_credentials_add(other, "AKIDSLUICETEST000001", "another-secret", NULL, "demo", "admin",
                        NULL, 0);
    aws_s3auth_result *out = malloc(sizeof *out);
    char code[64];
    char err[512];
    CHECK_INT_EQ(aws_s3auth_verify(other, NULL, &v.req, out, code, err, sizeof err),
                 SLUICE_EDENIED);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    CHECK(strstr(err, "another-secret") == NULL);
    /* unknown key */
    CHECK_INT_EQ(aws_s3auth_verify(NULL, NULL, &v.req, out, code, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_EQ(code, "InvalidAccessKeyId");
    CHECK_STR_EQ(out->access_key_id, "AKIDSLUICETEST000001");
    aws_credentials_free(other);
    vreq_free(&v);
    /* the configured session token must be sent, and be the same */
    vreq_init(&v, find_case("session-token"));
    http_pair *token = find_pair(v.headers, v.req.header_count, "X-Amz-Security-Token");
    REQUIRE(token != NULL);
    token->value = "IQoJb3JpZ2luX2VjEBAaCXVzLWVhc3QtMSJHMEUCIQD/sluice+test/session=!";
    EXPECT_CODE(&v, "InvalidToken");
    token->name = "X-Unrelated";
    EXPECT_CODE(&v, "InvalidToken");
    vreq_free(&v);
    vreq_init(&v, find_case("presigned-session-token"));
    find_pair(v.query, v.req.query_count, "X-Amz-Security-Token")->name = "X-Other";
    EXPECT_CODE(&v, "InvalidToken");
    vreq_free(&v);
    /* a token sent with a key configured without one */
    vreq_init(&v, find_case("get-object-odd-key"));
    v.headers[v.req.header_count].name = "X-Amz-Security-Token";
    v.headers[v.req.header_count].value = "sometoken";
    v.req.header_count++;
    EXPECT_CODE(&v, "InvalidToken");
    vreq_free(&v);
    free(out);
}

static void test_malformed_header_form(void)
{
    vreq v;
    vreq_init(&v, find_case("get-object-odd-key"));
    http_pair *a = find_pair(v.headers, v.req.header_count, "Authorization");
    http_pair *sha = find_pair(v.headers, v.req.header_count, "x-amz-content-sha256");
    http_pair *date = find_pair(v.headers, v.req.header_count, "x-amz-date");
    const char *orig = a->value;
    a->value = "AWS4-HMAC-SHA256 Credential=AKIDSLUICETEST000001/20261126/us-east-1/s3";
    EXPECT_CODE(&v, "AuthorizationHeaderMalformed");
    a->value = "AWS AKIDSLUICETEST000001:c2lnbmF0dXJl";
    EXPECT_CODE(&v, "AuthorizationHeaderMalformed");
    snprintf(v.values[0], sizeof v.values[0], "%s", orig);
    char *svc = strstr(v.values[0], "/s3/");
    REQUIRE(svc != NULL);
    memcpy(svc, "/s4/", 4);
    a->value = v.values[0];
    EXPECT_CODE(&v, "AuthorizationHeaderMalformed");
    snprintf(v.values[0], sizeof v.values[0], "%s", orig);
    memcpy(strstr(v.values[0], "20261126"), "20261125", 8);
    EXPECT_CODE(&v, "AuthorizationHeaderMalformed");
    snprintf(v.values[0], sizeof v.values[0], "%s", orig);
    memcpy(strstr(v.values[0], "aws4_request"), "aws5_request", 12);
    EXPECT_CODE(&v, "AuthorizationHeaderMalformed");
    a->value = orig;
    sha->value = "not-a-hash";
    EXPECT_CODE(&v, "InvalidArgument");
    sha->name = "x-amz-content-sha255";
    EXPECT_CODE(&v, "InvalidRequest");
    sha->name = "X-Amz-Content-SHA256";
    sha->value = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    date->value = "2026-11-26T07:07:47Z";
    EXPECT_CODE(&v, "AccessDenied");
    date->name = "X-Not-Date";
    EXPECT_CODE(&v, "AccessDenied");
    /* no authentication at all */
    v.req.header_count = 0;
    EXPECT_CODE(&v, "AccessDenied");
    vreq_free(&v);
    /* a signed header missing from the request */
    vreq_init(&v, find_case("put-object-signed-payload"));
    http_pair *len = find_opt(v.headers, v.req.header_count, "Content-MD5");
    if (len == NULL) {
        len = find_pair(v.headers, v.req.header_count, "x-amz-content-sha256");
    }
    len->name = "X-Renamed";
    CHECK(verify(&v, &(aws_s3auth_result){0}, (char[64]){0}) == SLUICE_EDENIED);
    vreq_free(&v);
}

static void test_malformed_presigned(void)
{
    static const char *const params[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                         "X-Amz-Expires", "X-Amz-SignedHeaders"};
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        vreq v;
        vreq_init(&v, find_case("presigned-get"));
        find_pair(v.query, v.req.query_count, params[i])->name = "X-Dropped";
        EXPECT_CODE(&v, "AuthorizationQueryParametersError");
        vreq_free(&v);
    }
    vreq v;
    vreq_init(&v, find_case("presigned-week"));
    http_pair *expires = find_pair(v.query, v.req.query_count, "X-Amz-Expires");
    expires->value = "604801";
    EXPECT_CODE(&v, "AuthorizationQueryParametersError");
    expires->value = "0";
    EXPECT_CODE(&v, "AuthorizationQueryParametersError");
    expires->value = "12a";
    EXPECT_CODE(&v, "AuthorizationQueryParametersError");
    expires->value = "604800";
    find_pair(v.query, v.req.query_count, "X-Amz-Algorithm")->value = "AWS4-HMAC-SHA512";
    EXPECT_CODE(&v, "AuthorizationQueryParametersError");
    find_pair(v.query, v.req.query_count, "X-Amz-Algorithm")->value = "AWS4-HMAC-SHA256";
    find_pair(v.query, v.req.query_count, "X-Amz-Date")->value = "20261126";
    EXPECT_CODE(&v, "AuthorizationQueryParametersError");
    find_pair(v.query, v.req.query_count, "X-Amz-Date")->value = "20261126T070747Z";
    find_pair(v.query, v.req.query_count, "X-Amz-Credential")->value = "AKID/20261126/us";
    EXPECT_CODE(&v, "AuthorizationQueryParametersError");
    vreq_free(&v);
}

/* AWS's published example (S3 API Reference, sigv4-streaming): seed and chunk signatures. */
static void test_aws_documentation_example(void)
{
    aws_credentials *aws = aws_credentials_new();
    aws_credentials_add(aws, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                        NULL, "example", "admin", NULL, 0);
    http_pair headers[] = {
        {"Host", "s3.amazonaws.com"},
        {"x-amz-date", "20130524T000000Z"},
        {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
        {"Authorization",
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
         "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
         "x-amz-decoded-content-length;x-amz-storage-class,"
         "Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"},
        {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
        {"Content-Encoding", "aws-chunked"},
        {"x-amz-decoded-content-length", "66560"},
        {"Content-Length", "66824"},
    };
    aws_s3auth_request req = {.method = "PUT",
                              .raw_path = "/examplebucket/chunkObject.txt",
                              .headers = headers,
                              .header_count = sizeof headers / sizeof headers[0],
                              .now_ms = 1369353600000LL + 60000,
                              .region = "us-east-1"};
    aws_s3auth_result *auth = malloc(sizeof *auth);
    char code[64];
    char err[256];
    REQUIRE(aws_s3auth_verify(aws, NULL, &req, auth, code, err, sizeof err) == 0);
    CHECK_STR_EQ(auth->seed_signature,
                 "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    CHECK_INT_EQ(auth->payload, AWS_S3AUTH_PAYLOAD_STREAMING_SIGNED);
    size_t cap = 70000;
    unsigned char *body = malloc(cap);
    size_t n = 0;
    n += (size_t)snprintf((char *)body + n, cap - n,
                          "10000;chunk-signature="
                          "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n");
    memset(body + n, 'a', 65536);
    n += 65536;
    n += (size_t)snprintf((char *)body + n, cap - n,
                          "\r\n400;chunk-signature="
                          "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n");
    memset(body + n, 'a', 1024);
    n += 1024;
    n += (size_t)snprintf((char *)body + n, cap - n,
                          "\r\n0;chunk-signature="
                          "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n"
                          "\r\n");
    CHECK_INT_EQ(n, 66824); /* the example's Content-Length */
    static const size_t steps[] = {0, 1, 1000, 65536};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        collect got = {0};
        CHECK_INT_EQ(decode(auth, body, n, steps[s], &got, code, NULL), 0);
        CHECK_INT_EQ(got.len, 66560);
        free(got.data);
    }
    /* the chunks in another order do not verify */
    body[100] = 'b';
    collect got = {0};
    CHECK(decode(auth, body, n, 0, &got, code, NULL) == SLUICE_EDENIED);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    CHECK(got.len <= 65536); /* nothing after the bad chunk reaches the sink */
    free(got.data);
    free(body);
    free(auth);
    aws_credentials_free(aws);
}

/* Signs an S3 request header-style with the exported pieces, as an SDK would. */
static void sign_s3(const char *akid, const char *secret, const char *token, const char *method,
                    const char *raw_path, int64_t now_ms, http_pair *headers, size_t *count,
                    char *auth_buf, size_t auth_len, char amz_date[17])
{
    aws_sigv4_format_amz_date(now_ms, amz_date);
    headers[(*count)++] = (http_pair){"Host", "127.0.0.1:7071"};
    headers[(*count)++] = (http_pair){"X-Amz-Date", amz_date};
    headers[(*count)++] = (http_pair){"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"};
    const char *signed_headers = "host;x-amz-content-sha256;x-amz-date";
    if (token != NULL) {
        headers[(*count)++] = (http_pair){"X-Amz-Security-Token", token};
        signed_headers = "host;x-amz-content-sha256;x-amz-date;x-amz-security-token";
    }
    sluice_buf uri, canonical, sts;
    sluice_buf_init(&uri, 1 << 16);
    sluice_buf_init(&canonical, 1 << 16);
    sluice_buf_init(&sts, 1 << 16);
    aws_sigv4_s3_canonical_uri(raw_path, &uri);
    sluice_buf_append(&uri, "", 0);
    aws_sigv4_canonical_request_uri(method, sluice_buf_cstr(&uri), NULL, 0, headers, *count,
                                    signed_headers, "UNSIGNED-PAYLOAD", &canonical, NULL, 0);
    char scope[64];
    snprintf(scope, sizeof scope, "%.8s/us-east-1/s3/aws4_request", amz_date);
    aws_sigv4_string_to_sign(amz_date, scope, sluice_buf_cstr(&canonical), canonical.len, &sts);
    unsigned char key[32];
    char date[9];
    memcpy(date, amz_date, 8);
    date[8] = '\0';
    aws_sigv4_signing_key(secret, date, "us-east-1", "s3", key);
    char sig[65];
    aws_sigv4_signature(key, sluice_buf_cstr(&sts), sts.len, sig);
    snprintf(auth_buf, auth_len,
             "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s", akid, scope,
             signed_headers, sig);
    headers[(*count)++] = (http_pair){"Authorization", auth_buf};
    sluice_buf_free(&uri);
    sluice_buf_free(&canonical);
    sluice_buf_free(&sts);
}

static void test_job_credentials(void)
{
    aws_jobcred_keys *keys = NULL;
    char err[512];
    REQUIRE(aws_jobcred_keys_parse(
                &keys, "k1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n", err,
                sizeof err) == 0);
    aws_jobcred_scope *scope = calloc(1, sizeof *scope);
    snprintf(scope->job_id, sizeof scope->job_id, "6a1f0c3e-0000-4000-8000-000000000001");
    snprintf(scope->pipeline, sizeof scope->pipeline, "demo");
    int64_t now_ms = 1795676867000LL;
    scope->expires_s = now_ms / 1000 + 600;
    scope->read_count = 1;
    snprintf(scope->read[0], sizeof scope->read[0], "sluice-artifacts/demo/src/in%%20put");
    scope->write_count = 1;
    snprintf(scope->write[0], sizeof scope->write[0], "sluice-artifacts/demo/out/abc1234");
    aws_jobcred cred;
    REQUIRE(aws_jobcred_mint(keys, scope, &cred, err, sizeof err) == 0);

    http_pair headers[8];
    size_t count = 0;
    char auth_buf[1024];
    char amz_date[17];
    sign_s3(cred.access_key_id, cred.secret_access_key, cred.session_token, "GET",
            "/sluice-artifacts/demo/src/in%20put", now_ms, headers, &count, auth_buf,
            sizeof auth_buf, amz_date);
    aws_s3auth_request req = {.method = "GET",
                              .raw_path = "/sluice-artifacts/demo/src/in%20put",
                              .headers = headers,
                              .header_count = count,
                              .now_ms = now_ms};
    aws_s3auth_result *out = malloc(sizeof *out);
    char code[64];
    CHECK_INT_EQ(aws_s3auth_verify(store, keys, &req, out, code, err, sizeof err), 0);
    CHECK(out->job);
    CHECK_STR_EQ(out->identity, "job:6a1f0c3e-0000-4000-8000-000000000001");
    CHECK_STR_EQ(out->role, "job");
    CHECK_STR_EQ(out->job_scope.pipeline, "demo");
    CHECK(aws_jobcred_allows(&out->job_scope, AWS_JOBCRED_READ, "sluice-artifacts",
                             "demo/src/in%20put"));
    CHECK(aws_jobcred_allows(&out->job_scope, AWS_JOBCRED_WRITE, "sluice-artifacts",
                             "demo/out/abc1234"));
    CHECK(!aws_jobcred_allows(&out->job_scope, AWS_JOBCRED_WRITE, "sluice-artifacts",
                              "demo/src/in%20put"));
    /* without the job keys the access key is unknown */
    CHECK_INT_EQ(aws_s3auth_verify(store, NULL, &req, out, code, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_EQ(code, "InvalidAccessKeyId");
    /* after the deadline: ExpiredToken (a fresh signature, so only the token has expired) */
    count = 0;
    sign_s3(cred.access_key_id, cred.secret_access_key, cred.session_token, "GET",
            "/sluice-artifacts/demo/src/in%20put", now_ms + 601000, headers, &count, auth_buf,
            sizeof auth_buf, amz_date);
    req.now_ms = now_ms + 601000;
    CHECK_INT_EQ(aws_s3auth_verify(store, keys, &req, out, code, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_EQ(code, "ExpiredToken");
    /* a token whose scope was edited */
    char *forged = strdup(cred.session_token);
    char *payload = strchr(forged + 5, '.') + 1;
    payload[3] = payload[3] == 'A' ? 'B' : 'A';
    count = 0;
    sign_s3(cred.access_key_id, cred.secret_access_key, forged, "GET",
            "/sluice-artifacts/demo/src/in%20put", now_ms, headers, &count, auth_buf,
            sizeof auth_buf, amz_date);
    req.now_ms = now_ms;
    CHECK_INT_EQ(aws_s3auth_verify(store, keys, &req, out, code, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_EQ(code, "InvalidToken");
    free(forged);
    /* the right token with a made-up secret */
    count = 0;
    sign_s3(cred.access_key_id, "made-up-secret-made-up-secret-made-up-se", cred.session_token,
            "GET", "/sluice-artifacts/demo/src/in%20put", now_ms, headers, &count, auth_buf,
            sizeof auth_buf, amz_date);
    CHECK_INT_EQ(aws_s3auth_verify(store, keys, &req, out, code, err, sizeof err), SLUICE_EDENIED);
    CHECK_STR_EQ(code, "SignatureDoesNotMatch");
    free(out);
    free(scope);
    aws_jobcred_clear(&cred);
    aws_jobcred_keys_free(keys);
}

static void test_canonical_uri_s3(void)
{
    static const struct {
        const char *raw, *want;
    } cases[] = {
        {"", "/"},
        {"/", "/"},
        {"/b/a%20b", "/b/a%20b"},
        {"/b/a%7eb~c", "/b/a~b~c"},
        {"/b/a%2fb", "/b/a%2Fb"},
        {"/b/./../x//y", "/b/./../x//y"}, /* not normalised */
        {"/b/a*b!c", "/b/a%2Ab%21c"},
        {"/b/%C3%A9", "/b/%C3%A9"},
        {"/b/%zz", "/b/%25zz"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sluice_buf out;
        sluice_buf_init(&out, 1024);
        CHECK_INT_EQ(aws_sigv4_s3_canonical_uri(cases[i].raw, &out), 0);
        sluice_buf_append(&out, "", 0);
        CHECK_STR_EQ(sluice_buf_cstr(&out), cases[i].want);
        sluice_buf_free(&out);
    }
    CHECK_INT_EQ(aws_s3auth_http_status("SignatureDoesNotMatch"), 403);
    CHECK_INT_EQ(aws_s3auth_http_status("AuthorizationHeaderMalformed"), 400);
    CHECK_INT_EQ(aws_s3auth_http_status("InternalError"), 500);
    CHECK_INT_EQ(aws_s3auth_http_status("ExpiredToken"), 400);
    CHECK_INT_EQ(aws_s3auth_http_status("InvalidToken"), 400);
}

int main(void)
{
    load();
    RUN_TEST(test_vectors_verify);
    RUN_TEST(test_vectors_canonical);
    RUN_TEST(test_payload_modes);
    RUN_TEST(test_vectors_chunked);
    RUN_TEST(test_altered_requests);
    RUN_TEST(test_keys_and_tokens);
    RUN_TEST(test_malformed_header_form);
    RUN_TEST(test_malformed_presigned);
    RUN_TEST(test_aws_documentation_example);
    RUN_TEST(test_job_credentials);
    RUN_TEST(test_canonical_uri_s3);
    aws_credentials_free(store);
    json_decref(vectors);
    return sluice_test_report();
}
