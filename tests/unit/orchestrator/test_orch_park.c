/*
 * Unit tests of parked requests (orch_park.h): parked in order beside the
 * applied offsets, a request delivered again not parked twice, the bound,
 * reading one back, dropping the oldest, and the key gone when none is left.
 */
#include "orch_park.h"

#include "sluice/error.h"
#include "sluice_test.h"

#include <string.h>

static void test_park_in_order(void)
{
    json_t *applied = json_pack("{s:I}", "sluice.requests:2", (json_int_t)40);
    CHECK_INT_EQ(orch_park_count(applied), 0);
    CHECK_INT_EQ(orch_park_add(applied, "sluice.requests", 2, 41, "{\"a\":1}", 7), SLUICE_OK);
    CHECK_INT_EQ(orch_park_add(applied, "sluice.requests", 2, 43, "{\"b\":2}", 7), SLUICE_OK);
    /* Delivered again after a crash before its offset was committed: parked once. */
    CHECK_INT_EQ(orch_park_add(applied, "sluice.requests", 2, 41, "{\"a\":1}", 7), SLUICE_OK);
    CHECK_INT_EQ(orch_park_count(applied), 2);
    /* The applied offsets stay as they were. */
    CHECK_INT_EQ(json_integer_value(json_object_get(applied, "sluice.requests:2")), 40);

    const char *topic = NULL;
    const char *text = NULL;
    int32_t partition = -1;
    int64_t offset = -1;
    size_t len = 0;
    REQUIRE(orch_park_get(applied, 0, &topic, &partition, &offset, &text, &len) == SLUICE_OK);
    CHECK_STR_EQ(topic, "sluice.requests");
    CHECK_INT_EQ(partition, 2);
    CHECK_INT_EQ(offset, 41);
    CHECK_INT_EQ(len, 7);
    CHECK(memcmp(text, "{\"a\":1}", 7) == 0);
    REQUIRE(orch_park_get(applied, 1, &topic, &partition, &offset, &text, &len) == SLUICE_OK);
    CHECK_INT_EQ(offset, 43);
    CHECK_INT_EQ(orch_park_get(applied, 2, &topic, &partition, &offset, &text, &len),
                 SLUICE_ERANGE);

    orch_park_drop(applied, 1);
    CHECK_INT_EQ(orch_park_count(applied), 1);
    REQUIRE(orch_park_get(applied, 0, &topic, &partition, &offset, &text, &len) == SLUICE_OK);
    CHECK_INT_EQ(offset, 43);
    orch_park_drop(applied, 5);
    CHECK_INT_EQ(orch_park_count(applied), 0);
    CHECK(json_object_get(applied, ORCH_PARK_KEY) == NULL);
    CHECK_INT_EQ(json_object_size(applied), 1);
    orch_park_drop(applied, 1); /* nothing parked: no-op */
    json_decref(applied);
}

static void test_park_bound_and_bad_entries(void)
{
    json_t *applied = json_object();
    for (int64_t i = 0; i < ORCH_PARK_MAX; i++) {
        REQUIRE(orch_park_add(applied, "t", 0, i, "{}", 2) == SLUICE_OK);
    }
    CHECK_INT_EQ(orch_park_add(applied, "t", 0, ORCH_PARK_MAX, "{}", 2), SLUICE_ETOOBIG);
    CHECK_INT_EQ(orch_park_count(applied), ORCH_PARK_MAX);
    CHECK_INT_EQ(orch_park_add(applied, "t", 0, 7, "{}", 2), SLUICE_OK); /* parked already */
    json_decref(applied);

    /* Not UTF-8: never an envelope, never parked. */
    applied = json_object();
    CHECK_INT_EQ(orch_park_add(applied, "t", 0, 1, "\xff\xfe", 2), SLUICE_EPARSE);
    CHECK_INT_EQ(orch_park_count(applied), 0);
    /* An entry that is not a parked request (a hand-edited state) is reported. */
    json_object_set_new(applied, ORCH_PARK_KEY, json_pack("[{s:s}]", "topic", "t"));
    const char *topic = NULL;
    const char *text = NULL;
    int32_t partition = 0;
    int64_t offset = 0;
    size_t len = 0;
    CHECK_INT_EQ(orch_park_get(applied, 0, &topic, &partition, &offset, &text, &len),
                 SLUICE_EPARSE);
    json_decref(applied);
}

int main(void)
{
    RUN_TEST(test_park_in_order);
    RUN_TEST(test_park_bound_and_bad_entries);
    return sluice_test_report();
}
