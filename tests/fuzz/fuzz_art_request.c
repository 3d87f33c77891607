/*
 * libFuzzer target: sluice-artifacts' request parsing — S3 routing of a
 * method, path, query and Host (art_route), the Range header (art_range), the
 * continuation token (art_list), ListObjectVersions' markers over a fixed
 * version list (art_list_versions_run), versionId validation (art_store) and
 * the XML bodies (art_xml: Complete multipart, Delete, Versioning). Input: lines
 * "method\npath\nhost\nrange\n" then query pairs "name=value" separated by '&', a line, and the
 * body.
 */
#include "art_list.h"
#include "art_range.h"
#include "art_route.h"
#include "art_store.h"
#include "art_xml.h"

#include <libxml/parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_QUERY_MAX 16

static char *fuzz_line(char **cursor, char *end)
{
    char *start = *cursor;
    char *nl = memchr(start, '\n', (size_t)(end - start));
    if (nl == NULL) {
        *cursor = end;
        return start;
    }
    *nl = '\0';
    *cursor = nl + 1;
    return start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialised;
    if (!initialised) {
        xmlInitParser();
        initialised = 1;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    char *end = text + size;
    char *cursor = text;
    char *method = fuzz_line(&cursor, end);
    char *path = fuzz_line(&cursor, end);
    char *host = fuzz_line(&cursor, end);
    char *range = fuzz_line(&cursor, end);
    char *query_text = fuzz_line(&cursor, end);
    const char *body = cursor;
    size_t body_len = (size_t)(end - cursor);

    http_pair query[FUZZ_QUERY_MAX];
    size_t count = 0;
    char *save = query_text;
    while (*save != '\0' && count < FUZZ_QUERY_MAX) {
        char *amp = strchr(save, '&');
        if (amp != NULL) {
            *amp = '\0';
        }
        char *eq = strchr(save, '=');
        if (eq != NULL) {
            *eq = '\0';
        }
        query[count].name = save;
        query[count].value = eq != NULL ? eq + 1 : "";
        count++;
        if (amp == NULL) {
            break;
        }
        save = amp + 1;
    }
    art_route route;
    if (art_route_resolve(method, path, query, count, host, range[0] == 'c', "localhost", &route) ==
        0) {
        if (route.op == ART_OP_UNKNOWN ||
            (route.op != ART_OP_LIST_BUCKETS && !art_keypath_bucket_valid(route.bucket))) {
            abort();
        }
    }
    uint64_t start = 0;
    uint64_t length = 0;
    if (art_range_parse(range, 1000, &start, &length) == ART_RANGE_PARTIAL &&
        (length == 0 || start + length > 1000)) {
        abort();
    }
    char token_out[ART_LIST_TOKEN_MAX];
    bool is_prefix = false;
    art_list_token_decode(range, token_out, sizeof token_out, &is_prefix);

    /* ListObjectVersions over a fixed history: the query names the markers */
    static const char *const vkeys[] = {"a", "a", "a/b", "a/c", "a/c", "b", "b/x/y", "c"};
    static const char *const vids[] = {
        "0000000000002000001aaaaaaaaaaaaa", "null",
        "0000000000001000001aaaaaaaaaaaaa", "0000000000003000001aaaaaaaaaaaaa",
        "0000000000002000001aaaaaaaaaaaaa", "null",
        "0000000000001000001aaaaaaaaaaaaa", "0000000000004000001aaaaaaaaaaaaa"};
    art_list_version_params vp = {"", "", "", "", (size_t)(size % 10)};
    for (size_t i = 0; i < count; i++) {
        if (strcmp(query[i].name, "prefix") == 0) {
            vp.prefix = query[i].value;
        } else if (strcmp(query[i].name, "delimiter") == 0) {
            vp.delimiter = query[i].value;
        } else if (strcmp(query[i].name, "key-marker") == 0) {
            vp.key_marker = query[i].value;
        } else if (strcmp(query[i].name, "version-id-marker") == 0) {
            vp.version_id_marker = query[i].value;
        }
        if (art_store_version_id_valid(query[i].value) &&
            (strchr(query[i].value, '/') != NULL || strchr(query[i].value, '.') != NULL)) {
            abort(); /* a valid id names a file: never a path */
        }
    }
    art_list_result vres;
    if (art_list_versions_run(vkeys, vids, 8, &vp, &vres) == 0) {
        if (vres.content_count + vres.prefix_count > vp.max_keys ||
            (vres.truncated && vres.next == NULL)) {
            abort();
        }
        for (size_t i = 1; i < vres.content_count; i++) {
            if (vres.contents[i] <= vres.contents[i - 1]) {
                abort();
            }
        }
        art_list_result_free(&vres);
    }

    char err[256];
    art_xml_part *parts = malloc(64 * sizeof *parts);
    art_xml_delete_item *items = malloc(8 * sizeof *items);
    if (parts != NULL && items != NULL) {
        size_t n = 0;
        bool quiet = false;
        char status[16];
        art_xml_parse_complete(body, body_len, parts, 64, &n, err, sizeof err);
        art_xml_parse_delete(body, body_len, items, 8, &n, &quiet, err, sizeof err);
        art_xml_parse_versioning(body, body_len, status, err, sizeof err);
    }
    free(parts);
    free(items);
    free(text);
    return 0;
}
