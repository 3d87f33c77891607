/* Unit tests of sluice/state_key.h: key building, its bounds, hash tags. */
#include "sluice/error.h"
#include "sluice/state_key.h"
#include "sluice_test.h"

static void test_build(void)
{
    char key[STATE_KEY_MAX + 1];
    CHECK_INT_EQ(state_key_build(key, sizeof key, "my-pipeline", "exec:1234"), SLUICE_OK);
    CHECK_STR_EQ(key, "sluice:{my-pipeline}:exec:1234");
    CHECK_INT_EQ(state_key_build(key, sizeof key, "a.b@c_d", "outbox"), SLUICE_OK);
    CHECK_STR_EQ(key, "sluice:{a.b@c_d}:outbox");
}

static void test_rejects_bad_names(void)
{
    char key[64];
    CHECK_INT_EQ(state_key_build(key, sizeof key, "", "x"), SLUICE_EINVAL);
    CHECK_STR_EQ(key, "");
    CHECK_INT_EQ(state_key_build(key, sizeof key, "p", ""), SLUICE_EINVAL);
    CHECK_INT_EQ(state_key_build(key, sizeof key, NULL, "x"), SLUICE_EINVAL);
    CHECK_INT_EQ(state_key_build(key, sizeof key, "p{x", "x"), SLUICE_EINVAL);
    CHECK_INT_EQ(state_key_build(key, sizeof key, "p}x", "x"), SLUICE_EINVAL);
    CHECK_INT_EQ(state_key_build(key, sizeof key, "p\nx", "x"), SLUICE_EINVAL);
    CHECK_INT_EQ(state_key_build(key, sizeof key, "p", "a\tb"), SLUICE_EINVAL);
    CHECK_INT_EQ(state_key_build(key, 0, "p", "x"), SLUICE_EINVAL);
}

static void test_bounds(void)
{
    char name[STATE_KEY_PIPELINE_MAX + 2];
    memset(name, 'p', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char key[STATE_KEY_MAX + 1];
    CHECK_INT_EQ(state_key_build(key, sizeof key, name, "x"), SLUICE_EINVAL);
    name[STATE_KEY_PIPELINE_MAX] = '\0'; /* exactly the maximum */
    CHECK_INT_EQ(state_key_build(key, sizeof key, name, "x"), SLUICE_OK);

    char small[16];
    CHECK_INT_EQ(state_key_build(small, sizeof small, "pipe", "abc"), SLUICE_ETOOBIG);
    CHECK_STR_EQ(small, "");
    /* "sluice:{pipe}:ab" is 16 bytes: needs 17 with the terminator */
    CHECK_INT_EQ(state_key_build(small, sizeof small, "pipe", "ab"), SLUICE_ETOOBIG);
    CHECK_INT_EQ(state_key_build(small, sizeof small, "pipe", "a"), SLUICE_OK);
    CHECK_STR_EQ(small, "sluice:{pipe}:a");

    char suffix[STATE_KEY_MAX + 1];
    memset(suffix, 's', sizeof suffix - 1);
    suffix[sizeof suffix - 1] = '\0';
    CHECK_INT_EQ(state_key_build(key, sizeof key, "p", suffix), SLUICE_ETOOBIG);
}

static void check_tag(const char *key, const char *want)
{
    size_t off, len;
    state_key_hash_tag(key, strlen(key), &off, &len);
    char got[128];
    snprintf(got, sizeof got, "%.*s", (int)len, key + off);
    CHECK_STR_EQ(got, want);
}

static void test_hash_tags(void)
{
    /* the examples of the Redis Cluster specification */
    check_tag("{user1000}.following", "user1000");
    check_tag("foo{}{bar}", "foo{}{bar}");
    check_tag("foo{{bar}}zap", "{bar");
    check_tag("foo{bar}{zap}", "bar");
    check_tag("plain", "plain");
    check_tag("open{only", "open{only");
    check_tag("sluice:{p1}:exec:{x}", "p1");

    CHECK(state_key_same_slot("sluice:{p1}:exec", "sluice:{p1}:outbox"));
    CHECK(!state_key_same_slot("sluice:{p1}:exec", "sluice:{p2}:outbox"));
    CHECK(!state_key_same_slot("sluice:{p1}:exec", "sluice:p1:outbox"));
    CHECK(state_key_same_slot("a", "a"));
    CHECK(!state_key_same_slot("a", "b"));
}

int main(void)
{
    RUN_TEST(test_build);
    RUN_TEST(test_rejects_bad_names);
    RUN_TEST(test_bounds);
    RUN_TEST(test_hash_tags);
    return sluice_test_report();
}
