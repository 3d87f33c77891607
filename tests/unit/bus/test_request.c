/*
 * Unit tests of bus_request: the ApprovalVote detail the api and
 * sluice-approvals send is one shape, and incomplete votes build nothing.
 */
#include "sluice/bus_request.h"

#include "sluice_test.h"

#include <stdlib.h>
#include <string.h>

static void test_vote_detail(void)
{
    const char *groups[] = {"release", "ops"};
    const char *emails[] = {"alice@example.com"};
    bus_request_vote vote = {.stage = "Release",
                             .action = "Gate",
                             .token = "tok",
                             .identity = "arn:aws:iam::123456789012:user/alice",
                             .groups = groups,
                             .ngroups = 2,
                             .emails = emails,
                             .nemails = 1,
                             .status = "Approved",
                             .summary = "ship it"};
    json_t *d = bus_request_vote_detail(&vote);
    REQUIRE(d != NULL);
    char *text = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR_EQ(text, "{\"actionName\":\"Gate\",\"emails\":[\"alice@example.com\"],"
                       "\"groups\":[\"release\",\"ops\"],\"identity\":\"arn:aws:iam::123456789012:"
                       "user/alice\",\"result\":{\"status\":\"Approved\",\"summary\":\"ship it\"},"
                       "\"stageName\":\"Release\",\"token\":\"tok\",\"type\":\"ApprovalVote\"}");
    free(text);
    json_decref(d);

    /* no groups, no e-mail, no comment: empty lists and "" */
    bus_request_vote bare = vote;
    bare.groups = NULL;
    bare.ngroups = 0;
    bare.emails = NULL;
    bare.nemails = 0;
    bare.summary = NULL;
    d = bus_request_vote_detail(&bare);
    REQUIRE(d != NULL);
    CHECK_INT_EQ(json_array_size(json_object_get(d, "groups")), 0);
    CHECK_STR_EQ(json_string_value(json_object_get(json_object_get(d, "result"), "summary")), "");
    json_decref(d);

    /* a required member missing, or a NULL group: nothing */
    bare.token = NULL;
    CHECK(bus_request_vote_detail(&bare) == NULL);
    const char *holes[] = {"release", NULL};
    bare = vote;
    bare.groups = holes;
    CHECK(bus_request_vote_detail(&bare) == NULL);
    CHECK(bus_request_vote_detail(NULL) == NULL);
}

int main(void)
{
    RUN_TEST(test_vote_detail);
    return sluice_test_report();
}
