/*
 * test_engine_json.c — engine_json_dumps / engine_json_append give the bytes
 * of json_dumps(…, JSON_COMPACT | JSON_ENCODE_ANY): every escape, integers at
 * their bounds, reals, strings beyond ASCII, keys in insertion order, nesting,
 * the buffer's bound and what jansson refuses, and strings of every length
 * around the writer's chunk (a string beyond ASCII taken back across it). (unit_engine_random
 * checks the same on the states and effects of its random runs.)
 */
#include "sluice/engine_json.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when both renders of doc (a new reference, released) agree byte for byte. */
static bool same_as_jansson(json_t *doc)
{
    char *want = json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len = 0;
    char *got = engine_json_dumps(doc, &len);
    bool same = want != NULL && got != NULL && strlen(want) == len && memcmp(want, got, len) == 0;
    if (!same) {
        fprintf(stderr, "  jansson: %s\n  engine:  %s\n", want != NULL ? want : "(null)",
                got != NULL ? got : "(null)");
    }
    free(want);
    free(got);
    json_decref(doc);
    return same;
}

static void test_scalars(void)
{
    CHECK(same_as_jansson(json_null()));
    CHECK(same_as_jansson(json_true()));
    CHECK(same_as_jansson(json_false()));
    const json_int_t ints[] = {0, 1, -1, 9, 10, -10, 1767225600000, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        CHECK(same_as_jansson(json_integer(ints[i])));
    }
    const double reals[] = {0.0, -0.0, 0.5, 1.0, 1e20, 1e-7, 3.141592653589793, -2.5e300};
    for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
        CHECK(same_as_jansson(json_real(reals[i])));
    }
}

static void test_strings(void)
{
    /* every byte below 0x80, alone and inside text */
    for (int c = 1; c < 0x80; c++) {
        char one[2] = {(char)c, '\0'};
        CHECK(same_as_jansson(json_string(one)));
        char inside[8] = {'a', 'b', (char)c, 'c', (char)c, '\0'};
        CHECK(same_as_jansson(json_string(inside)));
    }
    CHECK(same_as_jansson(json_string("")));
    CHECK(same_as_jansson(json_string("plain text, nothing to escape / here")));
    CHECK(same_as_jansson(json_string("\"quoted\" \\ back\\slash\n\r\t\b\f\x01\x1f\x7f")));
    CHECK(same_as_jansson(json_stringn("nul\0inside", 10)));
    /* beyond ASCII: handed to jansson */
    CHECK(same_as_jansson(json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \"x\"\n")));
}

static void test_containers(void)
{
    CHECK(same_as_jansson(json_object()));
    CHECK(same_as_jansson(json_array()));
    /* keys in insertion order, escaped keys, keys beyond ASCII, nesting */
    json_t *doc = json_pack("{s:i, s:s, s:[i, s, n, b, {}], s:{s:{s:[]}}}", "zeta", 1, "alpha",
                            "a\"b", "list", 2, "c\n", 1, "nested", "deeper", "deepest");
    json_object_set_new(doc, "k\"ey\t", json_string("v"));
    json_object_set_new(doc, "cl\xc3\xa9", json_real(2.25));
    json_object_set_new(doc, "", json_null());
    CHECK(same_as_jansson(doc));
    json_t *deep = json_array();
    for (int i = 0; i < 200; i++) {
        deep = json_pack("[o, i]", deep, i);
    }
    CHECK(same_as_jansson(deep));
}

static void test_bound_and_refusals(void)
{
    json_t *doc = json_pack("{s:s}", "key", "a value longer than the bound");
    sluice_buf buf;
    sluice_buf_init(&buf, 16);
    CHECK_INT_EQ(engine_json_append(&buf, doc), SLUICE_ETOOBIG);
    sluice_buf_free(&buf);
    sluice_buf_init(&buf, 1024);
    REQUIRE(engine_json_append(&buf, doc) == SLUICE_OK);
    CHECK_STR_EQ(buf.data, "{\"key\":\"a value longer than the bound\"}");
    /* appended after what the buffer holds */
    REQUIRE(engine_json_append(&buf, json_object_get(doc, "key")) == SLUICE_OK);
    CHECK_STR_EQ(buf.data, "{\"key\":\"a value longer than the bound\"}\"a value longer than the "
                           "bound\"");
    sluice_buf_free(&buf);
    json_decref(doc);

    /* a string alone, as a key is written */
    sluice_buf_init(&buf, 1024);
    REQUIRE(engine_json_append_string(&buf, "k\"\n\x01", 4) == SLUICE_OK);
    CHECK_STR_EQ(buf.data, "\"k\\\"\\n\\u0001\"");
    sluice_buf_free(&buf);

    /* what jansson would not dump is refused, not written */
    sluice_buf_init(&buf, 1024);
    CHECK_INT_EQ(engine_json_append(&buf, NULL), SLUICE_EINVAL);
    json_t *bad = json_stringn_nocheck("\xff\xfe", 2);
    CHECK_INT_EQ(engine_json_append(&buf, bad), SLUICE_EINVAL);
    size_t len = 0;
    CHECK(engine_json_dumps(bad, &len) == NULL);
    json_decref(bad);
    sluice_buf_free(&buf);
}

/*
 * The text goes through a chunk of a few KiB: strings of every length
 * around its size, escapes and strings beyond ASCII straddling its end (the
 * partial copy taken back once the chunk went in), and a bound met there.
 */
static void test_chunk_edges(void)
{
    static char pad[5000];
    memset(pad, 'p', sizeof pad);
    for (size_t k = 2000; k < 2100; k++) {
        json_t *doc = json_array();
        json_array_append_new(doc, json_stringn(pad, k));
        json_array_append_new(doc, json_string("tail \"q\" caf\xc3\xa9 end"));
        json_array_append_new(doc, json_stringn(pad, 4100 - k));
        CHECK(same_as_jansson(json_incref(doc)));
        json_t *obj = json_object();
        json_object_set_new(obj, "caf\xc3\xa9", json_stringn(pad, k));
        json_object_set(obj, "list", doc);
        json_object_set_new(obj, "big", json_stringn(pad, k + 2100));
        CHECK(same_as_jansson(obj));
        json_decref(doc);
    }
    char big[4200];
    memset(big, 'b', sizeof big);
    memcpy(big + sizeof big - 3, "\xc3\xa9", 2);
    big[sizeof big - 1] = '\n';
    CHECK(same_as_jansson(json_stringn(big, sizeof big)));
    for (size_t max = 2040; max < 2060; max++) {
        sluice_buf buf;
        sluice_buf_init(&buf, max);
        json_t *doc = json_pack("[s#, s]", pad, (int)2045, "x");
        CHECK_INT_EQ(engine_json_append(&buf, doc), max >= 2053 ? SLUICE_OK : SLUICE_ETOOBIG);
        sluice_buf_free(&buf);
        json_decref(doc);
    }
}

int main(void)
{
    RUN_TEST(test_scalars);
    RUN_TEST(test_strings);
    RUN_TEST(test_containers);
    RUN_TEST(test_bound_and_refusals);
    RUN_TEST(test_chunk_edges);
    return sluice_test_report();
}
