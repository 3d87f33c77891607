/*
 * Unit tests of which approvals the console lists for a person
 * (con_approvals): SluiceApprovers naming a group, a user name or an ARN
 * (the engine's matching), none named (the role decides), a role that may
 * not approve, a policy that does not read; and the list drawn from
 * GetPipeline's and GetPipelineState's answers — only Manual approvals
 * InProgress with a token, "all" with mayAnswer, the bound, members of the
 * wrong type skipped.
 */
#include "con_approvals.h"

#include "sluice_test.h"

#include <jansson.h>
#include <string.h>

static const char *ALICE_GROUPS[] = {"release", "ops"};
static const char *BOB_GROUPS[] = {"release"};
static const con_approvals_who ALICE = {"arn:aws:iam::123456789012:user/alice", "approver",
                                        ALICE_GROUPS, 2};
static const con_approvals_who BOB = {"arn:aws:iam::123456789012:user/bob", "approver", BOB_GROUPS,
                                      1};
static const con_approvals_who VIEWER = {"arn:aws:iam::123456789012:user/viewer", "viewer",
                                         ALICE_GROUPS, 2};
static const con_approvals_who ADMIN = {"arn:aws:iam::123456789012:user/admin", "admin", NULL, 0};

static json_t *config(const char *approvers)
{
    json_t *c = json_pack("{s:s}", "CustomData", "Please review");
    if (approvers != NULL) {
        json_object_set_new(c, "SluiceApprovers", json_string(approvers));
    }
    return c;
}

static void test_may_answer(void)
{
    json_t *c = config("group:ops");
    CHECK(con_approvals_may_answer(c, &ALICE));
    CHECK(!con_approvals_may_answer(c, &BOB));
    CHECK(!con_approvals_may_answer(c, &VIEWER)); /* in the group, but a viewer may not approve */
    CHECK(!con_approvals_may_answer(c, &ADMIN));  /* listed approvers bind admins too */
    json_decref(c);

    c = config("bob, arn:aws:iam::123456789012:user/carol");
    CHECK(con_approvals_may_answer(c, &BOB)); /* the user name at the end of the ARN */
    CHECK(!con_approvals_may_answer(c, &ALICE));
    con_approvals_who carol = {"arn:aws:iam::123456789012:user/carol", "approver", NULL, 0};
    CHECK(con_approvals_may_answer(c, &carol)); /* the ARN itself */
    con_approvals_who other = {"arn:aws:iam::999999999999:user/carol", "approver", NULL, 0};
    CHECK(!con_approvals_may_answer(c, &other)); /* another account's carol */
    json_decref(c);

    c = config("group:release");
    CHECK(con_approvals_may_answer(c, &ALICE) && con_approvals_may_answer(c, &BOB));
    json_decref(c);

    c = config(NULL); /* none named: the role decides */
    CHECK(con_approvals_may_answer(c, &ALICE) && con_approvals_may_answer(c, &ADMIN));
    CHECK(!con_approvals_may_answer(c, &VIEWER));
    con_approvals_who op = {"arn:aws:iam::123456789012:user/op", "operator", NULL, 0};
    CHECK(!con_approvals_may_answer(c, &op));
    json_decref(c);
    CHECK(con_approvals_may_answer(NULL, &ALICE)); /* no configuration at all */

    c = json_pack("{s:s}", "SluiceRequiredApprovals", "lots"); /* a policy that does not read */
    CHECK(!con_approvals_may_answer(c, &ALICE));
    json_decref(c);
}

static json_t *approval(const char *name, const char *approvers)
{
    return json_pack("{s:s, s:{s:s, s:s, s:s, s:s}, s:o}", "name", name, "actionTypeId", "category",
                     "Approval", "owner", "AWS", "provider", "Manual", "version", "1",
                     "configuration", config(approvers));
}

static json_t *action_state(const char *name, const char *status, const char *token)
{
    json_t *latest = json_pack("{s:s, s:i}", "status", status, "lastStatusChange", 1764756000);
    if (token != NULL) {
        json_object_set_new(latest, "token", json_string(token));
    }
    return json_pack("{s:s, s:o}", "actionName", name, "latestExecution", latest);
}

/* Two stages: Gate (group:ops, waiting), Open (no approvers, waiting), Done (succeeded), Build. */
static void pipeline(json_t **decl, json_t **state)
{
    json_t *build =
        json_pack("{s:s, s:{s:s, s:s, s:s, s:s}}", "name", "Build", "actionTypeId", "category",
                  "Build", "owner", "Custom", "provider", "Manual", "version", "1");
    *decl =
        json_pack("{s:{s:s, s:[{s:s, s:[o, o]}, {s:s, s:[o, o]}]}}", "pipeline", "name", "web",
                  "stages", "name", "Release", "actions", approval("Gate", "group:ops"),
                  approval("Open", NULL), "name", "Late", "actions", approval("Done", NULL), build);
    *state = json_pack("{s:[{s:s, s:{s:s}, s:[o, o]}, {s:s, s:[o, o]}]}", "stageStates",
                       "stageName", "Release", "latestExecution", "pipelineExecutionId", "e-1",
                       "actionStates", action_state("Gate", "InProgress", "t-gate"),
                       action_state("Open", "InProgress", "t-open"), "stageName", "Late",
                       "actionStates", action_state("Done", "Succeeded", "t-done"),
                       action_state("Build", "InProgress", "t-build"));
}

static void test_collect(void)
{
    json_t *decl;
    json_t *state;
    pipeline(&decl, &state);
    CHECK(con_approvals_pending(state));

    json_t *out = json_array();
    CHECK_INT_EQ(con_approvals_collect("web", decl, state, &ALICE, false, out), 2);
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(out, 0), "action")), "Gate");
    json_t *gate = json_array_get(out, 0);
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "token")), "t-gate");
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "executionId")), "e-1");
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "approvers")), "group:ops");
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "customData")), "Please review");
    CHECK_STR_EQ(json_string_value(json_object_get(gate, "pipeline")), "web");
    CHECK(json_integer_value(json_object_get(gate, "lastStatusChange")) == 1764756000);
    CHECK(json_is_true(json_object_get(gate, "mayAnswer")));
    json_array_clear(out);

    CHECK_INT_EQ(con_approvals_collect("web", decl, state, &BOB, false, out), 1); /* Open only */
    CHECK_STR_EQ(json_string_value(json_object_get(json_array_get(out, 0), "action")), "Open");
    json_array_clear(out);

    CHECK_INT_EQ(con_approvals_collect("web", decl, state, &VIEWER, false, out), 0);
    CHECK_INT_EQ(con_approvals_collect("web", decl, state, &VIEWER, true, out), 2);
    CHECK(json_is_false(json_object_get(json_array_get(out, 0), "mayAnswer")));
    CHECK(json_is_false(json_object_get(json_array_get(out, 1), "mayAnswer")));
    json_array_clear(out);

    /* the bound: a full list takes no more */
    for (size_t i = 0; i < CON_APPROVALS_MAX - 1; i++) {
        json_array_append_new(out, json_object());
    }
    CHECK_INT_EQ(con_approvals_collect("web", decl, state, &ALICE, false, out), -1);
    CHECK_INT_EQ((long)json_array_size(out), CON_APPROVALS_MAX);
    json_array_clear(out);

    /* members of the wrong type are skipped, never trusted */
    json_t *bad = json_pack("{s:[{s:i, s:s}]}", "stageStates", "stageName", 3, "x", "y");
    CHECK(!con_approvals_pending(bad));
    CHECK_INT_EQ(con_approvals_collect("web", decl, bad, &ALICE, true, out), 0);
    json_t *odd = json_pack("{s:[s, {s:i}]}", "pipeline", "x", "stages", 1);
    CHECK_INT_EQ(con_approvals_collect("web", odd, state, &ALICE, true, out), 0);
    CHECK(!con_approvals_pending(NULL));
    CHECK_INT_EQ(con_approvals_collect("web", NULL, NULL, &ALICE, true, out), 0);
    json_decref(odd);
    json_decref(bad);

    /* nothing waiting: not pending */
    json_t *quiet = json_pack("{s:[{s:s, s:[o]}]}", "stageStates", "stageName", "Release",
                              "actionStates", action_state("Gate", "InProgress", NULL));
    CHECK(!con_approvals_pending(quiet));
    json_decref(quiet);

    json_decref(out);
    json_decref(decl);
    json_decref(state);
}

int main(void)
{
    test_may_answer();
    test_collect();
    return sluice_test_report();
}
