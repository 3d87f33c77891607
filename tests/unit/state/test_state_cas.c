/* Unit tests of the pure parts of sluice/state_cas.h: stream ids and reply parsing. */
#include "sluice/error.h"
#include "sluice/state_cas.h"
#include "sluice_test.h"

#include <stdlib.h>

/* ---- hand-built hiredis replies (freed with freeReplyObject, like real ones) ---- */

static redisReply *reply_new(int type)
{
    redisReply *r = calloc(1, sizeof *r);
    if (r == NULL) {
        abort();
    }
    r->type = type;
    return r;
}

static redisReply *reply_str(const char *bytes, size_t len)
{
    redisReply *r = reply_new(REDIS_REPLY_STRING);
    r->str = malloc(len + 1);
    if (r->str == NULL) {
        abort();
    }
    memcpy(r->str, bytes, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

static redisReply *reply_cstr(const char *text)
{
    return reply_str(text, strlen(text));
}

static redisReply *reply_int(long long value)
{
    redisReply *r = reply_new(REDIS_REPLY_INTEGER);
    r->integer = value;
    return r;
}

static redisReply *reply_array(size_t n, redisReply **items)
{
    redisReply *r = reply_new(REDIS_REPLY_ARRAY);
    r->elements = n;
    if (n > 0) {
        r->element = calloc(n, sizeof *r->element);
        if (r->element == NULL) {
            abort();
        }
        memcpy(r->element, items, n * sizeof *items);
    }
    return r;
}

static redisReply *reply_pair(redisReply *a, redisReply *b)
{
    redisReply *items[2] = {a, b};
    return reply_array(2, items);
}

/* ---- stream ids ---- */

static void test_stream_ids(void)
{
    uint64_t ms = 0, seq = 0;
    CHECK_INT_EQ(state_cas_stream_id_parse("1718000000000-7", &ms, &seq), SLUICE_OK);
    CHECK(ms == 1718000000000ULL && seq == 7);
    CHECK_INT_EQ(state_cas_stream_id_parse("18446744073709551615-0", &ms, &seq), SLUICE_OK);
    CHECK(ms == UINT64_MAX);
    CHECK_INT_EQ(state_cas_stream_id_parse("18446744073709551616-0", &ms, &seq), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_stream_id_parse("12", &ms, &seq), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_stream_id_parse("-1", &ms, &seq), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_stream_id_parse("1-", &ms, &seq), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_stream_id_parse("1-2-3", &ms, &seq), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_stream_id_parse("1-+2", &ms, &seq), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_stream_id_parse(NULL, &ms, &seq), SLUICE_EINVAL);

    char next[STATE_CAS_STREAM_ID_MAX];
    CHECK_INT_EQ(state_cas_stream_id_next("5-9", next, sizeof next), SLUICE_OK);
    CHECK_STR_EQ(next, "5-10");
    CHECK_INT_EQ(state_cas_stream_id_next("5-18446744073709551615", next, sizeof next), SLUICE_OK);
    CHECK_STR_EQ(next, "6-0");
    CHECK_INT_EQ(
        state_cas_stream_id_next("18446744073709551615-18446744073709551615", next, sizeof next),
        SLUICE_ERANGE);
    CHECK_INT_EQ(state_cas_stream_id_next("x", next, sizeof next), SLUICE_EINVAL);
    char tiny[3];
    CHECK_INT_EQ(state_cas_stream_id_next("10-1", tiny, sizeof tiny), SLUICE_EINVAL);
}

/* ---- records ---- */

static void test_record_from_reply(void)
{
    state_cas_record rec;
    redisReply *reply = reply_pair(reply_cstr("3"), reply_str("a\0b", 3));
    CHECK_INT_EQ(state_cas_record_from_reply(reply, &rec), SLUICE_OK);
    CHECK_INT_EQ(rec.version, 3);
    CHECK_INT_EQ(rec.len, 3);
    CHECK(rec.data != NULL && memcmp(rec.data, "a\0b", 4) == 0); /* terminated too */
    state_cas_record_clear(&rec);
    CHECK(rec.data == NULL && rec.version == 0);
    freeReplyObject(reply);

    reply = reply_pair(reply_new(REDIS_REPLY_NIL), reply_new(REDIS_REPLY_NIL));
    CHECK_INT_EQ(state_cas_record_from_reply(reply, &rec), SLUICE_ENOTFOUND);
    CHECK(rec.version == 0 && rec.data == NULL);
    freeReplyObject(reply);

    reply = reply_pair(reply_cstr("12"), reply_new(REDIS_REPLY_NIL));
    CHECK_INT_EQ(state_cas_record_from_reply(reply, &rec), SLUICE_OK);
    CHECK(rec.version == 12 && rec.len == 0 && rec.data != NULL && rec.data[0] == '\0');
    state_cas_record_clear(&rec);
    freeReplyObject(reply);

    const char *bad_versions[] = {"0", "-1", "1.5", "", "abc", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad_versions / sizeof bad_versions[0]; i++) {
        reply = reply_pair(reply_cstr(bad_versions[i]), reply_cstr("x"));
        CHECK_INT_EQ(state_cas_record_from_reply(reply, &rec), SLUICE_EPARSE);
        CHECK(rec.data == NULL);
        freeReplyObject(reply);
    }
    reply = reply_pair(reply_new(REDIS_REPLY_NIL), reply_cstr("orphan data"));
    CHECK_INT_EQ(state_cas_record_from_reply(reply, &rec), SLUICE_EPARSE);
    freeReplyObject(reply);

    reply = reply_int(4);
    CHECK_INT_EQ(state_cas_record_from_reply(reply, &rec), SLUICE_EPARSE);
    freeReplyObject(reply);
    CHECK_INT_EQ(state_cas_record_from_reply(NULL, &rec), SLUICE_EPARSE);
}

/* ---- outbox ---- */

static redisReply *stream_entry(const char *id, size_t nfields, const char **fields)
{
    redisReply *items[8];
    for (size_t i = 0; i < nfields; i++) {
        items[i] = reply_cstr(fields[i]);
    }
    return reply_pair(reply_cstr(id), reply_array(nfields, items));
}

static void test_outbox_from_reply(void)
{
    state_cas_outbox ob;
    const char *f1[] = {"e", "first"};
    const char *f2[] = {"other", "zzz", "e", "second"};
    redisReply *items[2] = {stream_entry("100-0", 2, f1), stream_entry("100-1", 4, f2)};
    redisReply *reply = reply_array(2, items);
    CHECK_INT_EQ(state_cas_outbox_from_reply(reply, &ob), SLUICE_OK);
    REQUIRE(ob.count == 2);
    CHECK_STR_EQ(ob.entries[0].id, "100-0");
    CHECK_STR_EQ(ob.entries[0].data, "first");
    CHECK_INT_EQ(ob.entries[0].len, 5);
    CHECK_STR_EQ(ob.entries[1].id, "100-1");
    CHECK_STR_EQ(ob.entries[1].data, "second");
    state_cas_outbox_clear(&ob);
    CHECK(ob.entries == NULL && ob.count == 0);
    freeReplyObject(reply);

    reply = reply_array(0, NULL);
    CHECK_INT_EQ(state_cas_outbox_from_reply(reply, &ob), SLUICE_OK);
    CHECK_INT_EQ(ob.count, 0);
    state_cas_outbox_clear(&ob);
    freeReplyObject(reply);

    /* an entry without "e", an odd field list, a bad id: EPARSE, nothing kept */
    const char *no_e[] = {"x", "y"};
    const char *odd[] = {"e"};
    redisReply *bad_cases[] = {
        stream_entry("1-0", 2, no_e),
        stream_entry("1-0", 1, odd),
        stream_entry("not-an-id", 2, f1),
    };
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        redisReply *two[2] = {stream_entry("0-1", 2, f1), bad_cases[i]};
        reply = reply_array(2, two);
        CHECK_INT_EQ(state_cas_outbox_from_reply(reply, &ob), SLUICE_EPARSE);
        CHECK(ob.entries == NULL && ob.count == 0);
        freeReplyObject(reply);
    }
    reply = reply_cstr("OK");
    CHECK_INT_EQ(state_cas_outbox_from_reply(reply, &ob), SLUICE_EPARSE);
    freeReplyObject(reply);
}

/* ---- argument checks that need no server ---- */

static void test_save_rejects_bad_writes(void)
{
    state_redis *r = NULL; /* never reached: every case fails its checks first */
    uint64_t v = 0;
    state_cas_bytes entry = {"ev", 2};
    state_cas_write w = {.key = "sluice:{p}:exec", .data = "x", .len = 1};

    state_cas_write bad = w;
    bad.key = "";
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);
    bad = w;
    bad.entries = &entry;
    bad.nentries = 1; /* no outbox key */
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);
    bad.outbox_key = "sluice:{other}:outbox"; /* another slot */
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);
    bad.outbox_key = "sluice:{p}:exec"; /* the record itself */
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);
    bad.outbox_key = "sluice:{p}:outbox";
    bad.nentries = STATE_CAS_MAX_ENTRIES + 1;
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);
    bad = w;
    bad.data = NULL;
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);
    bad = w;
    bad.expected_version = UINT64_MAX;
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_ERANGE);
    char long_op[STATE_CAS_OP_ID_MAX + 2];
    memset(long_op, 'o', sizeof long_op - 1);
    long_op[sizeof long_op - 1] = '\0';
    bad = w;
    bad.op_id = long_op;
    CHECK_INT_EQ(state_cas_save(r, &bad, &v), SLUICE_EINVAL);

    CHECK_INT_EQ(state_cas_delete(r, "sluice:{p}:exec", 0), SLUICE_EINVAL);
    state_cas_outbox ob;
    CHECK_INT_EQ(state_cas_outbox_peek(r, "sluice:{p}:outbox", 0, &ob), SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_outbox_peek(r, "sluice:{p}:outbox", STATE_CAS_MAX_ENTRIES + 1, &ob),
                 SLUICE_EINVAL);
    CHECK_INT_EQ(state_cas_outbox_ack(r, "sluice:{p}:outbox", "nope", NULL), SLUICE_EINVAL);
}

int main(void)
{
    RUN_TEST(test_stream_ids);
    RUN_TEST(test_record_from_reply);
    RUN_TEST(test_outbox_from_reply);
    RUN_TEST(test_save_rejects_bad_writes);
    return sluice_test_report();
}
