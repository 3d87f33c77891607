/*
 * bus_admin against the real broker: creating topics that already exist is a
 * success, at once, whatever partition count they were created with.
 */
#include "kit.h"

#include "sluice/bus_admin.h"
#include "sluice/error.h"
#include "sluice_test.h"

static void test_existing_topic_with_fewer_partitions(void)
{
    char topic[KIT_NAME_MAX];
    kit_topic("admin", 2, topic, sizeof topic);
    const char *topics[] = {topic};
    char err[512] = "";
    /* Asking for more partitions than it has must not wait (until the timeout) for them. */
    CHECK_INT_EQ(bus_admin_create_topics(kit_brokers(), topics, 1, 6, 1, 8000, err, sizeof err),
                 SLUICE_OK);
    CHECK_STR_EQ(err, "");
}

static void test_mixed_new_and_existing(void)
{
    char existing[KIT_NAME_MAX];
    char fresh[KIT_NAME_MAX];
    kit_topic("admin-old", 1, existing, sizeof existing);
    snprintf(fresh, sizeof fresh, "%s-new", existing);
    const char *topics[] = {existing, fresh};
    char err[512] = "";
    CHECK_INT_EQ(bus_admin_create_topics(kit_brokers(), topics, 2, 3, 1, 20000, err, sizeof err),
                 SLUICE_OK);
}

int main(void)
{
    RUN_TEST(test_existing_topic_with_fewer_partitions);
    RUN_TEST(test_mixed_new_and_existing);
    return sluice_test_report();
}
