/*
 * Tests of sluice-artifacts' copy and multipart-listing modules: art_copy
 * (x-amz-copy-source, x-amz-copy-source-range, the copy preconditions, the
 * CopyObjectResult / CopyPartResult documents), art_mpu (ListMultipartUploads'
 * selection and document) and the routing of the three operations.
 */
#include "art_copy.h"
#include "art_mpu.h"
#include "art_route.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

static void test_source(void)
{
    art_copy_source s;
    CHECK_INT_EQ(art_copy_source_parse("src/a/blob.bin", &s), SLUICE_OK);
    CHECK_STR_EQ(s.bucket, "src");
    CHECK_STR_EQ(s.key, "a/blob.bin");
    CHECK_STR_EQ(s.version_id, "");
    CHECK_INT_EQ(art_copy_source_parse("/src/dir%2Fwith%20space%2Bplus%C3%BC", &s), SLUICE_OK);
    CHECK_STR_EQ(s.key, "dir/with space+plus\xc3\xbc");
    CHECK_INT_EQ(art_copy_source_parse("src/k?versionId=abc", &s), SLUICE_OK);
    CHECK_STR_EQ(s.key, "k");
    CHECK_STR_EQ(s.version_id, "abc");
    CHECK_INT_EQ(art_copy_source_parse("src/k%3FversionId=x", &s), SLUICE_OK);
    CHECK_STR_EQ(s.key, "k?versionId=x");
    CHECK_STR_EQ(s.version_id, "");
    CHECK_INT_EQ(art_copy_source_parse(NULL, &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("/k", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("Bad_Bucket/k", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/a%2", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/a%zz", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/a%00b", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/k?acl", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/k?versionId=", &s), SLUICE_EINVAL);
    CHECK_INT_EQ(art_copy_source_parse("src/k?versionId=a&b=c", &s), SLUICE_EINVAL);
    CHECK_STR_EQ(s.bucket, "");
    char *longkey = malloc(1200);
    memcpy(longkey, "src/", 4);
    memset(longkey + 4, 'k', 1100);
    longkey[1104] = '\0';
    CHECK_INT_EQ(art_copy_source_parse(longkey, &s), SLUICE_EINVAL);
    longkey[4 + 1024] = '\0';
    CHECK_INT_EQ(art_copy_source_parse(longkey, &s), SLUICE_OK);
    CHECK_INT_EQ((long)strlen(s.key), 1024);
    free(longkey);
}

static void test_range(void)
{
    uint64_t start = 0;
    uint64_t len = 0;
    CHECK_INT_EQ(art_copy_range_parse("bytes=0-9", 100, &start, &len), SLUICE_OK);
    CHECK(start == 0 && len == 10);
    CHECK_INT_EQ(art_copy_range_parse("bytes=99-99", 100, &start, &len), SLUICE_OK);
    CHECK(start == 99 && len == 1);
    CHECK_INT_EQ(art_copy_range_parse("bytes=0-100", 100, &start, &len), SLUICE_ERANGE);
    CHECK_INT_EQ(art_copy_range_parse("bytes=0-0", 0, &start, &len), SLUICE_ERANGE);
    CHECK_INT_EQ(art_copy_range_parse("bytes=9-3", 100, &start, &len), SLUICE_EPARSE);
    CHECK_INT_EQ(art_copy_range_parse("bytes=5-", 100, &start, &len), SLUICE_EPARSE);
    CHECK_INT_EQ(art_copy_range_parse("bytes=-5", 100, &start, &len), SLUICE_EPARSE);
    CHECK_INT_EQ(art_copy_range_parse("bytes=1-2,4-5", 100, &start, &len), SLUICE_EPARSE);
    CHECK_INT_EQ(art_copy_range_parse("items=1-2", 100, &start, &len), SLUICE_EPARSE);
    CHECK_INT_EQ(art_copy_range_parse("bytes=99999999999999999999-1", 100, &start, &len),
                 SLUICE_EPARSE);
    CHECK_INT_EQ(art_copy_range_parse(NULL, 100, &start, &len), SLUICE_EPARSE);
}

static void test_conditions(void)
{
    const char *etag = "abc";
    int64_t mtime = 1000000500; /* compared as 1000000000 */
    art_copy_conditions c = {0};
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    c.if_match = "\"abc\"";
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    c.if_match = "abc";
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    c.if_match = "*";
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    c.if_match = "\"abd\"";
    CHECK(!art_copy_conditions_hold(&c, etag, mtime));
    /* if-match true wins over if-unmodified-since false */
    c.if_match = "\"abc\"";
    c.has_unmodified_since = true;
    c.unmodified_since_ms = 0;
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    c.if_match = NULL;
    CHECK(!art_copy_conditions_hold(&c, etag, mtime));
    c.unmodified_since_ms = 1000000000;
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    memset(&c, 0, sizeof c);
    c.if_none_match = "\"abc\"";
    CHECK(!art_copy_conditions_hold(&c, etag, mtime));
    c.if_none_match = "*";
    CHECK(!art_copy_conditions_hold(&c, etag, mtime));
    c.if_none_match = "\"other\"";
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    /* if-none-match false with if-modified-since true fails: S3's order */
    c.if_none_match = "\"abc\"";
    c.has_modified_since = true;
    c.modified_since_ms = 0;
    CHECK(!art_copy_conditions_hold(&c, etag, mtime));
    c.if_none_match = NULL;
    CHECK(art_copy_conditions_hold(&c, etag, mtime));
    c.modified_since_ms = 1000000000;
    CHECK(!art_copy_conditions_hold(&c, etag, mtime));
}

static void test_result_xml(void)
{
    sluice_buf b;
    sluice_buf_init(&b, 1 << 16);
    CHECK_INT_EQ(art_copy_result_xml("CopyObjectResult", "0123abcd", 1764672000123LL, &b),
                 SLUICE_OK);
    const char *doc = sluice_buf_cstr(&b);
    CHECK(strstr(doc, "<CopyObjectResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">") !=
          NULL);
    CHECK(strstr(doc, "<LastModified>2025-12-02T10:40:00.123Z</LastModified>") != NULL);
    CHECK(strstr(doc, "<ETag>&quot;0123abcd&quot;</ETag>") != NULL ||
          strstr(doc, "<ETag>\"0123abcd\"</ETag>") != NULL);
    sluice_buf_free(&b);
    sluice_buf_init(&b, 1 << 16);
    CHECK_INT_EQ(art_copy_result_xml("CopyPartResult", "ff", 0, &b), SLUICE_OK);
    CHECK(strstr(sluice_buf_cstr(&b), "<CopyPartResult") != NULL);
    sluice_buf_free(&b);
}

static art_store_entry mpu_entry(char *key, char id)
{
    art_store_entry e;
    memset(&e, 0, sizeof e);
    e.key = key;
    memset(e.upload_id, id, ART_STORE_UPLOAD_ID_LEN);
    e.upload_id[ART_STORE_UPLOAD_ID_LEN] = '\0';
    e.mtime_ms = 1764672000000LL;
    return e;
}

static void test_mpu(void)
{
    static char keys[6][16] = {"other/c", "up/a", "up/b", "up/b", "up/b/deep", "x&y"};
    art_store_entry e[] = {mpu_entry(keys[0], 'a'), mpu_entry(keys[1], 'b'),
                           mpu_entry(keys[2], '1'), mpu_entry(keys[3], '2'),
                           mpu_entry(keys[4], 'c'), mpu_entry(keys[5], 'd')};
    size_t n = sizeof e / sizeof e[0];
    art_mpu_result r;
    art_mpu_params p = {"", "", "", "", 1000};
    CHECK_INT_EQ(art_mpu_select(e, n, &p, &r), SLUICE_OK);
    CHECK_INT_EQ((long)r.upload_count, 6);
    CHECK(!r.truncated);
    art_mpu_result_free(&r);

    p.delimiter = "/";
    CHECK_INT_EQ(art_mpu_select(e, n, &p, &r), SLUICE_OK);
    CHECK_INT_EQ((long)r.prefix_count, 2);
    CHECK_STR_EQ(r.prefixes[0], "other/");
    CHECK_STR_EQ(r.prefixes[1], "up/");
    CHECK_INT_EQ((long)r.upload_count, 1);
    CHECK_INT_EQ((long)r.uploads[0], 5);
    art_mpu_result_free(&r);

    p.prefix = "up/";
    CHECK_INT_EQ(art_mpu_select(e, n, &p, &r), SLUICE_OK);
    CHECK_INT_EQ((long)r.upload_count, 3); /* up/a and both up/b */
    CHECK_INT_EQ((long)r.prefix_count, 1);
    CHECK_STR_EQ(r.prefixes[0], "up/b/");
    art_mpu_result_free(&r);

    /* paging: max 2, resume by key and upload id markers */
    art_mpu_params q = {"", "", "", "", 2};
    CHECK_INT_EQ(art_mpu_select(e, n, &q, &r), SLUICE_OK);
    CHECK(r.truncated && r.upload_count == 2);
    CHECK_STR_EQ(r.next_key, "up/a");
    char key[64];
    char id[ART_STORE_UPLOAD_ID_LEN + 1];
    snprintf(key, sizeof key, "%s", r.next_key);
    snprintf(id, sizeof id, "%s", r.next_upload_id);
    art_mpu_result_free(&r);
    q.key_marker = key;
    q.upload_id_marker = id;
    CHECK_INT_EQ(art_mpu_select(e, n, &q, &r), SLUICE_OK);
    CHECK(r.truncated && r.upload_count == 2);
    CHECK_INT_EQ((long)r.uploads[0], 2);
    CHECK_INT_EQ((long)r.uploads[1], 3);
    CHECK_STR_EQ(r.next_key, "up/b");
    CHECK(r.next_upload_id[0] == '2');
    snprintf(key, sizeof key, "%s", r.next_key);
    snprintf(id, sizeof id, "%s", r.next_upload_id);
    art_mpu_result_free(&r);
    CHECK_INT_EQ(art_mpu_select(e, n, &q, &r), SLUICE_OK);
    CHECK(!r.truncated && r.upload_count == 2);
    CHECK_INT_EQ((long)r.uploads[0], 4);
    art_mpu_result_free(&r);
    /* a key marker without an upload id marker skips every upload of that key */
    q.key_marker = "up/b";
    q.upload_id_marker = "";
    q.max_uploads = 10;
    CHECK_INT_EQ(art_mpu_select(e, n, &q, &r), SLUICE_OK);
    CHECK_INT_EQ((long)r.upload_count, 2);
    CHECK_INT_EQ((long)r.uploads[0], 4);
    art_mpu_result_free(&r);
    /* a prefix marker skips the prefix */
    art_mpu_params d = {"", "/", "other/", "", 1};
    CHECK_INT_EQ(art_mpu_select(e, n, &d, &r), SLUICE_OK);
    CHECK(r.truncated && r.prefix_count == 1 && r.upload_count == 0);
    CHECK_STR_EQ(r.prefixes[0], "up/");
    CHECK_STR_EQ(r.next_key, "up/");
    CHECK_STR_EQ(r.next_upload_id, "");
    art_mpu_result_free(&r);
    /* max 0 answers nothing, not truncated */
    art_mpu_params z = {"", "", "", "", 0};
    CHECK_INT_EQ(art_mpu_select(e, n, &z, &r), SLUICE_OK);
    CHECK(!r.truncated && r.upload_count == 0);
    art_mpu_result_free(&r);

    /* the document */
    art_mpu_params x = {"", "/", "", "", 1000};
    CHECK_INT_EQ(art_mpu_select(e, n, &x, &r), SLUICE_OK);
    sluice_buf b;
    sluice_buf_init(&b, 1 << 16);
    CHECK_INT_EQ(art_mpu_xml("lists", &x, e, &r, &b), SLUICE_OK);
    const char *doc = sluice_buf_cstr(&b);
    CHECK(strstr(doc, "<ListMultipartUploadsResult xmlns=") != NULL);
    CHECK(strstr(doc, "<Bucket>lists</Bucket>") != NULL);
    CHECK(strstr(doc, "<Delimiter>/</Delimiter>") != NULL);
    CHECK(strstr(doc, "<MaxUploads>1000</MaxUploads>") != NULL);
    CHECK(strstr(doc, "<IsTruncated>false</IsTruncated>") != NULL);
    CHECK(strstr(doc, "NextKeyMarker") == NULL);
    CHECK(strstr(doc, "<Key>x&amp;y</Key>") != NULL);
    CHECK(strstr(doc, "<UploadId>dddddddddddddddddddddddddddddddd</UploadId>") != NULL);
    CHECK(strstr(doc, "<Initiated>2025-12-02T10:40:00.000Z</Initiated>") != NULL);
    CHECK(strstr(doc, "<CommonPrefixes><Prefix>other/</Prefix></CommonPrefixes>") != NULL);
    CHECK(strstr(doc, "<StorageClass>STANDARD</StorageClass>") != NULL);
    sluice_buf_free(&b);
    art_mpu_result_free(&r);
    art_mpu_params t = {"", "", "", "", 1};
    CHECK_INT_EQ(art_mpu_select(e, n, &t, &r), SLUICE_OK);
    sluice_buf_init(&b, 1 << 16);
    CHECK_INT_EQ(art_mpu_xml("lists", &t, e, &r, &b), SLUICE_OK);
    doc = sluice_buf_cstr(&b);
    CHECK(strstr(doc, "<IsTruncated>true</IsTruncated>") != NULL);
    CHECK(strstr(doc, "<NextKeyMarker>other/c</NextKeyMarker>") != NULL);
    CHECK(
        strstr(doc, "<NextUploadIdMarker>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</NextUploadIdMarker>") !=
        NULL);
    sluice_buf_free(&b);
    art_mpu_result_free(&r);
}

static void test_routes(void)
{
    art_route r;
    http_pair upload[] = {{"partNumber", "2"}, {"uploadId", "abc"}};
    CHECK_INT_EQ(art_route_resolve("PUT", "/dst/k", NULL, 0, "h", true, "", &r), SLUICE_OK);
    CHECK_INT_EQ(r.op, ART_OP_COPY_OBJECT);
    CHECK_INT_EQ(art_route_resolve("PUT", "/dst/k", NULL, 0, "h", false, "", &r), SLUICE_OK);
    CHECK_INT_EQ(r.op, ART_OP_PUT_OBJECT);
    CHECK_INT_EQ(art_route_resolve("PUT", "/dst/k", upload, 2, "h", true, "", &r), SLUICE_OK);
    CHECK_INT_EQ(r.op, ART_OP_UPLOAD_PART_COPY);
    http_pair uploads[] = {{"uploads", ""}, {"prefix", "a/"}, {"max-uploads", "2"}};
    CHECK_INT_EQ(art_route_resolve("GET", "/dst", uploads, 3, "h", false, "", &r), SLUICE_OK);
    CHECK_INT_EQ(r.op, ART_OP_LIST_MULTIPART_UPLOADS);
    CHECK_INT_EQ(art_route_resolve("GET", "/", uploads, 1, "dst.localhost", false, "localhost", &r),
                 SLUICE_OK);
    CHECK_INT_EQ(r.op, ART_OP_LIST_MULTIPART_UPLOADS);
    CHECK_STR_EQ(r.bucket, "dst");
}

int main(void)
{
    xmlInitParser();
    test_source();
    test_range();
    test_conditions();
    test_result_xml();
    test_mpu();
    test_routes();
    return sluice_test_report();
}
