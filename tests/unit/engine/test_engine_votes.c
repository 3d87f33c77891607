/*
 * test_engine_votes.c — votes on Manual approvals and Sluice's approval policy
 * (engine_votes.h, model_approval.h): N of M approvers, groups, one rejection
 * or a majority, self-approval refused by starter and by author e-mail, an
 * outsider, a double vote, both timeout actions, and approvals withdrawn when
 * their execution ends. Line format in engine_script.h.
 */
#include "engine_script.h"
#include "sluice/engine_input.h"
#include "sluice/error.h"
#include "sluice_test.h"

#include <jansson.h>

#define ALICE  "arn:aws:iam::111122223333:user/alice"
#define BOB    "arn:aws:iam::111122223333:user/bob"
#define CAROL  "arn:aws:iam::111122223333:user/carol"
#define DAVE   "arn:aws:iam::111122223333:user/dave"
#define LATEST "actionStates.0.latestExecution."

#define GATE(cfg)                                                                                  \
    "Source: Src(Source/CodeCommit out=SrcOut ns=SourceVariables) | Gate: A(Approval/Manual "      \
    "cfg=CustomData:Ship~it? " cfg ") | Deploy: D(Deploy/S3)"

#define TWO_OF_THREE "cfg=SluiceApprovers:alice,bob," CAROL " cfg=SluiceRequiredApprovals:2"

/* 2 of 3 listed approvers (user names and an ARN); an outsider and a double vote refused. */
static const char *const two_of_three[] = {
    "start E1",
    "succeed E1 Source.Src",
    "view Gate " LATEST "summary Ship~it?",
    "vote E1 Gate.A Approved by=" DAVE,
    "reply AccessDeniedException",
    "no-events",
    "vote E1 Gate.A Approved by=" ALICE " Looks~fine",
    "reply ok",
    "action E1 Gate.A InProgress",
    "events E1 -",
    "vote-events E1 V:Gate.A:PENDING",
    "detail E1 V:Gate.A:PENDING identity " ALICE,
    "detail E1 V:Gate.A:PENDING vote Approved",
    "detail E1 V:Gate.A:PENDING comment Looks~fine",
    "detail E1 V:Gate.A:PENDING approvals 1",
    "detail E1 V:Gate.A:PENDING required-approvals 2",
    "view Gate " LATEST "summary 1~of~2~approvals;~rejected~by~nobody",
    "view Gate " LATEST "lastUpdatedBy " ALICE,
    "action-view E1 Gate.A output.sluiceApprovalVotes.0.identity " ALICE,
    "action-view E1 Gate.A output.sluiceApprovalVotes.0.comment Looks~fine",
    "vote E1 Gate.A Rejected by=" ALICE,
    "reply ApprovalAlreadyCompletedException",
    "no-events",
    "action-view E1 Gate.A output.sluiceApprovalVotes.1 -",
    "vote E1 Gate.A Approved by=" CAROL,
    "reply ok",
    "action E1 Gate.A Succeeded",
    "vote-events E1 V:Gate.A:APPROVED",
    "events E1 A:Gate.A:SUCCEEDED S:Gate:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    "summary E1 Gate.A 2~of~2~approvals;~rejected~by~nobody",
    "action-view E1 Gate.A updatedBy " CAROL,
    "action-view E1 Gate.A output.sluiceApprovalVotes.1.status Approved",
    "action-view E1 Gate.A output.sluiceApprovalVotes.1.time *",
    "vote E1 Gate.A Approved by=" BOB,
    "reply ApprovalAlreadyCompletedException",
    NULL,
};

/* A group approver: membership comes with the vote. */
static const char *const group_approver[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" DAVE " group=dev",
    "reply AccessDeniedException",
    "vote E1 Gate.A Approved by=" DAVE " group=dev group=release",
    "reply ok",
    "action E1 Gate.A Succeeded",
    "summary E1 Gate.A 1~of~1~approvals",
    NULL,
};

/* ANY (the default): one rejection rejects, whatever the approvals so far. */
static const char *const any_reject[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "reply ok",
    "vote E1 Gate.A Rejected by=" BOB " Not~yet",
    "reply ok",
    "action E1 Gate.A Failed",
    "vote-events E1 V:Gate.A:REJECTED",
    "events E1 A:Gate.A:FAILED S:Gate:FAILED P:FAILED",
    "summary E1 Gate.A 1~of~2~approvals;~rejected~by~" BOB,
    "error E1 Gate.A JobFailed",
    "status E1 Failed",
    /* a retry is a new approval: fresh token, no votes */
    "retry E1 Gate FAILED_ACTIONS",
    "reply ok",
    "action-view E1 Gate.A output.sluiceApprovalVotes -",
    "vote E1 Gate.A Approved by=" BOB,
    "reply ok",
    "action E1 Gate.A InProgress",
    NULL,
};

/* MAJORITY: rejected only once as many reject as must approve (2 of 3). */
static const char *const majority_reject[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Rejected by=" BOB,
    "reply ok",
    "action E1 Gate.A InProgress",
    "summary E1 Gate.A 0~of~2~approvals;~rejected~by~" BOB,
    "vote E1 Gate.A Approved by=" ALICE,
    "reply ok",
    "action E1 Gate.A InProgress",
    "vote E1 Gate.A Rejected by=" CAROL,
    "reply ok",
    "action E1 Gate.A Failed",
    "summary E1 Gate.A 1~of~2~approvals;~rejected~by~" BOB ",~" CAROL,
    NULL,
};

static const char *const majority_approve[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Rejected by=" BOB,
    "vote E1 Gate.A Approved by=" ALICE,
    "vote E1 Gate.A Approved by=" CAROL,
    "reply ok",
    "action E1 Gate.A Succeeded",
    NULL,
};

/* Self-approval off: the starter may not approve (may reject); others may. */
static const char *const self_starter[] = {
    "start E1 by=" ALICE,
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "reply AccessDeniedException",
    "no-events",
    "action-view E1 Gate.A output.sluiceApprovalVotes -",
    "vote E1 Gate.A Approved by=" BOB,
    "reply ok",
    "action E1 Gate.A Succeeded",
    NULL,
};

static const char *const self_starter_rejects[] = {
    "start E1 by=" ALICE, "succeed E1 Source.Src",   "vote E1 Gate.A Rejected by=" ALICE,
    "reply ok",           "action E1 Gate.A Failed", NULL,
};

/* Self-approval off: the author of a source revision (AuthorEmail) may not approve. */
static const char *const self_author[] = {
    "start E1",
    "succeed E1 Source.Src var=AuthorEmail=Bob@Example.com",
    "vote E1 Gate.A Approved by=" BOB " email=bob@example.com",
    "reply AccessDeniedException",
    "vote E1 Gate.A Approved by=" CAROL " email=carol@example.com",
    "reply ok",
    "action E1 Gate.A Succeeded",
    NULL,
};

/* Timeouts with a policy: REJECT (the default) fails, APPROVE succeeds. */
static const char *const timeout_reject[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "timeout E1 Gate.A",
    "action E1 Gate.A Failed",
    "error E1 Gate.A TimedOut",
    "status E1 Failed",
    NULL,
};

static const char *const timeout_approve[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "timeout E1 Gate.A",
    "action E1 Gate.A Succeeded",
    "summary E1 Gate.A Approved~on~timeout",
    "events E1 A:Gate.A:SUCCEEDED S:Gate:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    NULL,
};

/* An execution that ends while its approval waits withdraws it: later votes are refused. */
static const char *const withdrawn_by_stop[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "stop E1 abandon",
    "action E1 Gate.A Abandoned",
    "vote E1 Gate.A Approved by=" BOB,
    "reply ApprovalAlreadyCompletedException",
    "no-events",
    NULL,
};

static const char *const withdrawn_by_update[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "update 2",
    "status E1 Cancelled",
    "vote E1 Gate.A Approved by=" BOB,
    "reply InvalidApprovalTokenException",
    NULL,
};

/*
 * A newer execution does not supersede one whose approval waits (a running stage is never
 * interrupted): it waits before the stage and is itself superseded by a later one, while the
 * approval keeps its votes.
 */
static const char *const not_superseded[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" ALICE,
    "start E2",
    "succeed E2 Source.Src",
    "start E3",
    "succeed E3 Source.Src",
    "status E2 Superseded",
    "action E1 Gate.A InProgress",
    "vote E1 Gate.A Approved by=" BOB,
    "action E1 Gate.A Succeeded",
    NULL,
};

/* Without a policy: the first vote decides exactly as PutApprovalResult, and is recorded. */
static const char *const no_policy[] = {
    "start E1",
    "succeed E1 Source.Src",
    "vote E1 Gate.A Approved by=" DAVE " Ship~it",
    "reply ok",
    "action E1 Gate.A Succeeded",
    "summary E1 Gate.A Ship~it",
    "action-view E1 Gate.A updatedBy " DAVE,
    "action-view E1 Gate.A output.sluiceApprovalVotes.0.identity " DAVE,
    "vote-events E1 V:Gate.A:APPROVED",
    "events E1 A:Gate.A:SUCCEEDED S:Gate:SUCCEEDED S:Deploy:STARTED A:Deploy.D:STARTED",
    NULL,
};

static const char *const no_policy_put_approval_result[] = {
    "start E1",
    "succeed E1 Source.Src",
    "reject E1 Gate.A Nope",
    "reply ok",
    "action E1 Gate.A Failed",
    "summary E1 Gate.A Nope",
    "vote-events E1 V:Gate.A:REJECTED",
    "detail E1 V:Gate.A:REJECTED identity arn:aws:iam::111122223333:user/approver",
    "action-view E1 Gate.A output.sluiceApprovalVotes.0.status Rejected",
    NULL,
};

/* A timeout action alone counts nothing: the first vote still decides. */
static const char *const timeout_key_only[] = {
    "start E1",
    "succeed E1 Source.Src",
    "approve E1 Gate.A Fine",
    "action E1 Gate.A Succeeded",
    "summary E1 Gate.A Fine",
    NULL,
};

/* The approval job carries the execution's source revisions (the page shows their messages). */
static const char *const job_revisions[] = {
    "start E1",
    "succeed E1 Source.Src rev=abc123",
    "jobs Gate.A",
    "job Gate.A token *",
    "job Gate.A artifactRevisions.0.revisionId abc123",
    "job Gate.A artifactRevisions.0.revisionSummary a~commit",
    "job Gate.A artifactRevisions.0.actionName Src",
    "job Gate.A artifactRevisions.0.name SrcOut",
    "job Gate.A artifactRevisions.0.created *",
    "job Gate.A artifactRevisions.1 -",
    "approve E1 Gate.A",
    "jobs Deploy.D",
    "job Deploy.D artifactRevisions -",
    NULL,
};

static const es_case cases[] = {
    {"approval job carries the revisions", MODEL_MODE_SUPERSEDED, GATE(""), NULL, job_revisions,
     NULL},
    {"2 of 3 approvers", MODEL_MODE_SUPERSEDED, GATE(TWO_OF_THREE), NULL, two_of_three, NULL},
    {"group approver", MODEL_MODE_SUPERSEDED, GATE("cfg=SluiceApprovers:group:release," ALICE),
     NULL, group_approver, NULL},
    {"any rejection rejects", MODEL_MODE_SUPERSEDED, GATE(TWO_OF_THREE), NULL, any_reject, NULL},
    {"majority rejects", MODEL_MODE_SUPERSEDED,
     GATE(TWO_OF_THREE " cfg=SluiceRejectionRule:MAJORITY"), NULL, majority_reject, NULL},
    {"majority approves", MODEL_MODE_SUPERSEDED,
     GATE(TWO_OF_THREE " cfg=SluiceRejectionRule:MAJORITY"), NULL, majority_approve, NULL},
    {"self-approval refused: starter", MODEL_MODE_SUPERSEDED,
     GATE("cfg=SluiceAllowSelfApproval:false"), NULL, self_starter, NULL},
    {"self-approval: the starter may reject", MODEL_MODE_SUPERSEDED,
     GATE("cfg=SluiceAllowSelfApproval:false"), NULL, self_starter_rejects, NULL},
    {"self-approval refused: author e-mail", MODEL_MODE_SUPERSEDED,
     GATE("cfg=SluiceAllowSelfApproval:false"), NULL, self_author, NULL},
    {"timeout rejects", MODEL_MODE_SUPERSEDED, GATE(TWO_OF_THREE), NULL, timeout_reject, NULL},
    {"timeout approves", MODEL_MODE_SUPERSEDED,
     GATE(TWO_OF_THREE " cfg=SluiceTimeoutAction:APPROVE"), NULL, timeout_approve, NULL},
    {"withdrawn by stop", MODEL_MODE_SUPERSEDED, GATE(TWO_OF_THREE), NULL, withdrawn_by_stop, NULL},
    {"withdrawn by update", MODEL_MODE_SUPERSEDED, GATE(TWO_OF_THREE), NULL, withdrawn_by_update,
     NULL},
    {"waiting approval not superseded", MODEL_MODE_SUPERSEDED, GATE(TWO_OF_THREE), NULL,
     not_superseded, NULL},
    {"no policy: the vote decides", MODEL_MODE_SUPERSEDED, GATE(""), NULL, no_policy, NULL},
    {"no policy: PutApprovalResult is a vote", MODEL_MODE_SUPERSEDED, GATE(""), NULL,
     no_policy_put_approval_result, NULL},
    {"timeout key only", MODEL_MODE_SUPERSEDED, GATE("cfg=SluiceTimeoutAction:APPROVE"), NULL,
     timeout_key_only, NULL},
};

static void test_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int failures = es_run(&cases[i]);
        fprintf(stderr, "%s %s\n", failures == 0 ? "  ok  " : "  FAIL", cases[i].name);
        CHECK_INT_EQ(failures, 0);
    }
}

/* The ApprovalVote request as the api puts it on the requests topic. */
static void test_vote_from_json(void)
{
    char err[256];
    engine_input_doc doc;
    json_t *json =
        json_loads("{\"type\":\"ApprovalVote\",\"requestId\":\"r\",\"stageName\":\"Gate\","
                   "\"actionName\":\"A\",\"token\":\"t\",\"identity\":\"" ALICE "\","
                   "\"groups\":[\"release\",\"ops\"],\"emails\":[\"alice@example.com\"],"
                   "\"result\":{\"status\":\"Approved\",\"summary\":\"fine\"}}",
                   0, NULL);
    REQUIRE(json != NULL);
    REQUIRE(engine_input_from_json(json, &doc, err, sizeof err) == SLUICE_OK);
    json_decref(json);
    CHECK_INT_EQ(doc.input.kind, ENGINE_INPUT_VOTE);
    CHECK_STR_EQ(engine_input_kind_name(ENGINE_INPUT_VOTE), "ApprovalVote");
    CHECK_STR_EQ(doc.input.vote.identity, ALICE);
    CHECK_INT_EQ((int)doc.input.vote.ngroups, 2);
    CHECK_STR_EQ(doc.input.vote.groups[1], "ops");
    CHECK_INT_EQ((int)doc.input.vote.nemails, 1);
    CHECK_STR_EQ(doc.input.vote.emails[0], "alice@example.com");
    CHECK(doc.input.vote.approved);
    CHECK_STR_EQ(doc.input.vote.comment, "fine");
    engine_input_doc_free(&doc);

    static const char *const bad[] = {
        /* no identity */
        "{\"type\":\"ApprovalVote\",\"stageName\":\"G\",\"actionName\":\"A\",\"token\":"
        "\"t\",\"result\":{\"status\":\"Approved\"}}",
        /* a group that is not a string */
        "{\"type\":\"ApprovalVote\",\"stageName\":\"G\",\"actionName\":\"A\",\"token\":"
        "\"t\",\"identity\":\"x\",\"groups\":[7],\"result\":{\"status\":\"Approved\"}}",
        /* emails not a list */
        "{\"type\":\"ApprovalVote\",\"stageName\":\"G\",\"actionName\":\"A\",\"token\":"
        "\"t\",\"identity\":\"x\",\"emails\":\"a@b\",\"result\":{\"status\":\"Approved\"}}",
        /* a status in the wrong case */
        "{\"type\":\"ApprovalVote\",\"stageName\":\"G\",\"actionName\":\"A\",\"token\":"
        "\"t\",\"identity\":\"x\",\"result\":{\"status\":\"APPROVED\"}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json = json_loads(bad[i], 0, NULL);
        REQUIRE(json != NULL);
        CHECK_INT_EQ(engine_input_from_json(json, &doc, err, sizeof err), SLUICE_EPARSE);
        json_decref(json);
    }
}

int main(void)
{
    RUN_TEST(test_cases);
    RUN_TEST(test_vote_from_json);
    return sluice_test_report();
}
