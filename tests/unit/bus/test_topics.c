/* Unit tests of sluice/bus_topics.h: names from a prefix and Kafka's naming rules. */
#include "sluice/bus_topics.h"
#include "sluice/error.h"
#include "sluice_test.h"

static void test_default_prefix(void)
{
    bus_topics topics;
    char err[256] = "";
    REQUIRE(bus_topics_init(&topics, NULL, err, sizeof err) == SLUICE_OK);
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_EVENTS), "sluice.events");
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_REQUESTS), "sluice.requests");
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_JOBS), "sluice.jobs");
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_DEADLETTER), "sluice.deadletter");
}

static void test_custom_and_empty_prefix(void)
{
    bus_topics topics;
    char err[256] = "";
    REQUIRE(bus_topics_init(&topics, "staging_2-sluice.", err, sizeof err) == SLUICE_OK);
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_JOBS), "staging_2-sluice.jobs");
    REQUIRE(bus_topics_init(&topics, "", err, sizeof err) == SLUICE_OK);
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_EVENTS), "events");
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_DEADLETTER), "deadletter");
}

static void test_bad_prefix(void)
{
    bus_topics topics;
    char err[256] = "";
    CHECK_INT_EQ(bus_topics_init(&topics, "my sluice.", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "topic prefix has an illegal character at position 3 "
                      "(allowed: A-Z a-z 0-9 . _ -)");
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_EVENTS), "");

    char longest[BUS_TOPICS_NAME_MAX + 2];
    /* "deadletter" is the longest suffix (10): a 239-character prefix fits, 240 does not. */
    memset(longest, 'p', sizeof longest);
    longest[BUS_TOPICS_NAME_MAX - 10] = '\0';
    REQUIRE(bus_topics_init(&topics, longest, err, sizeof err) == SLUICE_OK);
    CHECK_INT_EQ(strlen(bus_topics_get(&topics, BUS_TOPICS_DEADLETTER)), BUS_TOPICS_NAME_MAX);
    longest[BUS_TOPICS_NAME_MAX - 10] = 'p';
    longest[BUS_TOPICS_NAME_MAX - 9] = '\0';
    CHECK_INT_EQ(bus_topics_init(&topics, longest, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "topic prefix is too long");
    CHECK_STR_EQ(bus_topics_get(&topics, BUS_TOPICS_EVENTS), "");
}

static void test_suffix(void)
{
    CHECK_STR_EQ(bus_topics_suffix(BUS_TOPICS_REQUESTS), "requests");
    CHECK(bus_topics_suffix(BUS_TOPICS_COUNT) == NULL);
}

static void test_validate(void)
{
    char err[256] = "";
    CHECK_INT_EQ(bus_topics_validate("sluice.events", err, sizeof err), SLUICE_OK);
    CHECK_INT_EQ(bus_topics_validate("", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "topic name is empty");
    CHECK_INT_EQ(bus_topics_validate("..", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "topic name \"..\" is reserved");
    CHECK_INT_EQ(bus_topics_validate("a/b", err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_CONTAINS(err, "illegal character at position 2");
    char name[BUS_TOPICS_NAME_MAX + 2];
    memset(name, 'n', sizeof name);
    name[BUS_TOPICS_NAME_MAX + 1] = '\0';
    CHECK_INT_EQ(bus_topics_validate(name, err, sizeof err), SLUICE_EINVAL);
    CHECK_STR_EQ(err, "topic name is 250 characters, Kafka allows at most 249");
    name[BUS_TOPICS_NAME_MAX] = '\0';
    CHECK_INT_EQ(bus_topics_validate(name, err, sizeof err), SLUICE_OK);
}

int main(void)
{
    RUN_TEST(test_default_prefix);
    RUN_TEST(test_custom_and_empty_prefix);
    RUN_TEST(test_bad_prefix);
    RUN_TEST(test_suffix);
    RUN_TEST(test_validate);
    return sluice_test_report();
}
