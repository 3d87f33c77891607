/*
 * Unit tests of sluice/model_approval.h and of its rules in the validator:
 * Sluice's approval policy keys of AWS/Manual, each bad value reported once at
 * its key with InvalidActionDeclarationException, the good ones accepted, and
 * the matching of approver entries.
 */
#include "model_fixture.h"
#include "sluice/model_approval.h"
#include "sluice/model_registry.h"
#include "sluice_test.h"

#define GATE "pipeline.stages[2].actions[0]"
#define CFG  GATE ".configuration."

static void expect_bad(const char *key, const char *value, const char *message_part)
{
    char path[128];
    snprintf(path, sizeof path, CFG "%s", key);
    model_errors errs;
    char *text = fixture_with(fixture_base, path, value);
    CHECK_INT_EQ(fixture_validate(text, NULL, &errs), SLUICE_EINVAL);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, path));
    CHECK_STR_CONTAINS(fixture_message(&errs, path), message_part);
    if (model_errors_total(&errs) != 1 || !fixture_has(&errs, MODEL_EXC_ACTION, path)) {
        fprintf(stderr, "  %s = %s; got:\n", path, value);
        fixture_dump(&errs);
    }
    model_errors_free(&errs);
    free(text);
}

static void expect_good(const char *key, const char *value)
{
    char path[128];
    snprintf(path, sizeof path, CFG "%s", key);
    model_errors errs;
    char *text = fixture_with(fixture_base, path, value);
    CHECK_INT_EQ(fixture_validate(text, NULL, &errs), SLUICE_OK);
    fixture_dump(&errs);
    model_errors_free(&errs);
    free(text);
}

static void test_policy_keys_validated(void)
{
    expect_good("SluiceApprovers", "\"alice, group:release ,arn:aws:iam::111122223333:user/bob\"");
    expect_good("SluiceRequiredApprovals", "\"2\"");
    expect_good("SluiceRejectionRule", "\"MAJORITY\"");
    expect_good("SluiceAllowSelfApproval", "\"false\"");
    expect_good("SluiceTimeoutAction", "\"APPROVE\"");
    expect_bad("SluiceRequiredApprovals", "\"two\"", "must be a whole number from 1 to 50");
    expect_bad("SluiceRequiredApprovals", "\"0\"", "from 1 to 50, not \"0\"");
    expect_bad("SluiceRequiredApprovals", "\"51\"", "from 1 to 50");
    expect_bad("SluiceRejectionRule", "\"any\"", "must be ANY or MAJORITY, not \"any\"");
    expect_bad("SluiceAllowSelfApproval", "\"no\"", "must be true or false");
    expect_bad("SluiceTimeoutAction", "\"IGNORE\"", "must be REJECT or APPROVE");
    expect_bad("SluiceApprovers", "\"alice,,bob\"", "without empty entries");
    expect_bad("SluiceApprovers", "\"alice,alice\"", "lists \"alice\" twice");
    expect_bad("SluiceApprovers", "\"group:\"", "nor group:<name>");
    expect_bad("SluiceApprovers", "\"group:a/b\"", "nor group:<name>");
    expect_bad("SluiceApprovers", "\"al ice\"", "is neither an identity");
    expect_bad("SluiceApprovers", "\"#{codepipeline.PipelineExecutionId}\"", "takes no variables");
    expect_bad("Sluiceapprovers", "\"alice\"", "has no configuration key \"Sluiceapprovers\"");
}

static void test_required_within_listed_identities(void)
{
    char *one = fixture_with(fixture_base, CFG "SluiceApprovers", "\"alice,bob\"");
    char *two = fixture_with(one, CFG "SluiceRequiredApprovals", "\"3\"");
    model_errors errs;
    CHECK_INT_EQ(fixture_validate(two, NULL, &errs), SLUICE_EINVAL);
    CHECK_INT_EQ(model_errors_total(&errs), 1);
    CHECK(fixture_has(&errs, MODEL_EXC_ACTION, CFG "SluiceRequiredApprovals"));
    CHECK_STR_CONTAINS(fixture_message(&errs, CFG "SluiceRequiredApprovals"),
                       "lists only 2 identities");
    model_errors_free(&errs);
    free(two);
    /* a group may hold any number of people */
    two = fixture_with(one, CFG "SluiceApprovers", "\"alice,group:ops\"");
    char *three = fixture_with(two, CFG "SluiceRequiredApprovals", "\"5\"");
    CHECK_INT_EQ(fixture_validate(three, NULL, &errs), SLUICE_OK);
    model_errors_free(&errs);
    free(three);
    free(two);
    free(one);
}

typedef struct kv {
    const char *key;
    const char *value;
} kv;

static const char *lookup(const void *ctx, const char *key)
{
    for (const kv *p = ctx; p->key != NULL; p++) {
        if (strcmp(p->key, key) == 0) {
            return p->value;
        }
    }
    return NULL;
}

static void test_policy_read(void)
{
    model_approval_policy policy;
    const char *bad = NULL;
    char err[256];
    const kv none[] = {{"CustomData", "x"}, {NULL, NULL}};
    CHECK_INT_EQ(model_approval_policy_read(lookup, none, &policy, &bad, err, sizeof err),
                 SLUICE_OK);
    CHECK(!policy.counted && !policy.any_key && policy.required == 1 && policy.allow_self &&
          !policy.reject_majority && !policy.approve_on_timeout);
    const kv timeout_only[] = {{MODEL_APPROVAL_KEY_TIMEOUT, "APPROVE"}, {NULL, NULL}};
    CHECK_INT_EQ(model_approval_policy_read(lookup, timeout_only, &policy, &bad, err, sizeof err),
                 SLUICE_OK);
    CHECK(!policy.counted && policy.any_key && policy.approve_on_timeout);
    const kv full[] = {{MODEL_APPROVAL_KEY_APPROVERS, " alice , group:ops"},
                       {MODEL_APPROVAL_KEY_REQUIRED, "2"},
                       {MODEL_APPROVAL_KEY_REJECTION, "MAJORITY"},
                       {MODEL_APPROVAL_KEY_SELF, "false"},
                       {NULL, NULL}};
    CHECK_INT_EQ(model_approval_policy_read(lookup, full, &policy, &bad, err, sizeof err),
                 SLUICE_OK);
    CHECK(policy.counted && policy.required == 2 && policy.reject_majority && !policy.allow_self);
    CHECK_INT_EQ((int)policy.napprovers, 2);
    CHECK(!policy.approvers[0].group && policy.approvers[0].len == 5);
    CHECK(policy.approvers[1].group && policy.approvers[1].len == 3);
    const char *groups[] = {"dev", "ops"};
    CHECK(model_approval_entry_matches(&policy.approvers[0], "alice", NULL, 0));
    CHECK(model_approval_entry_matches(&policy.approvers[0], "arn:aws:iam::1:user/alice", NULL, 0));
    CHECK(
        !model_approval_entry_matches(&policy.approvers[0], "arn:aws:iam::1:user/malice", NULL, 0));
    CHECK(!model_approval_entry_matches(&policy.approvers[0], NULL, groups, 2));
    CHECK(model_approval_entry_matches(&policy.approvers[1], "x", groups, 2));
    CHECK(!model_approval_entry_matches(&policy.approvers[1], "x", groups, 1));
    const kv bad_required[] = {{MODEL_APPROVAL_KEY_REQUIRED, "007"}, {NULL, NULL}};
    CHECK_INT_EQ(model_approval_policy_read(lookup, bad_required, &policy, &bad, err, sizeof err),
                 SLUICE_EINVAL);
    CHECK_STR_EQ(bad, MODEL_APPROVAL_KEY_REQUIRED);
    CHECK(model_approval_is_policy_key("SluiceTimeoutAction"));
    CHECK(!model_approval_is_policy_key("CustomData"));
}

static void test_registry_marks_sluice_keys(void)
{
    const model_provider *p = model_registry_find(NULL, "Approval", "AWS", "Manual", "1");
    CHECK(p != NULL);
    size_t sluice = 0;
    for (size_t i = 0; p != NULL && i < p->nconfig_keys; i++) {
        CHECK(p->config_keys[i].sluice == model_approval_is_policy_key(p->config_keys[i].name));
        sluice += p->config_keys[i].sluice ? 1 : 0;
    }
    CHECK_INT_EQ((int)sluice, 5);
}

int main(void)
{
    RUN_TEST(test_policy_keys_validated);
    RUN_TEST(test_required_within_listed_identities);
    RUN_TEST(test_policy_read);
    RUN_TEST(test_registry_marks_sluice_keys);
    return sluice_test_report();
}
