"""Third-party jobs, PutActionRevision, ListDeployActionExecutionTargets and the start on
CreatePipeline against the running api and orchestrator, through the aws CLI and boto3:

- a ThirdParty action's job round trip as its partner (an identity scoped to the type)
  plays it: poll-for-third-party-jobs (clientId, no nonce), get-third-party-job-details
  with the client token (the nonce), acknowledge-third-party-job, a continuation, the
  final success, a late failure refused; a wrong token, an unscoped caller, PollForJobs
  and maxBatchSize above 100 refused;
- put-action-revision: a new revision starts an execution (trigger PutActionRevision),
  one already used starts none; currentRevision.created is set; the errors;
- list-deploy-action-execution-targets: the S3 deploy's bucket, filters, a boto3
  paginator, the errors;
- CreatePipeline starts an execution (trigger CreatePipeline) with
  SLUICE_API_START_ON_CREATE=on, the default.
"""

import datetime
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (PEOPLE, Stack, expect_error, pipeline_declaration,  # noqa: E402
                          run, s3_deploy, s3_source, stage_state, unique, write_json)

PROVIDER = "Acme" + secrets.token_hex(3)
TYPE = {"category": "Deploy", "owner": "ThirdParty", "provider": PROVIDER, "version": "1"}
TYPE_ARG = f"category=Deploy,owner=ThirdParty,provider={PROVIDER},version=1"
TYPE_KEY = f"ThirdParty/Deploy/{PROVIDER}/1"
CLIENT_ID = "acme-client"
CLIENT_TOKEN = "acme-" + secrets.token_hex(16)
# the partner: a worker identity scoped to the ThirdParty type (a named caller of the stack)
PEOPLE["partner"] = ("AKIDTESTPARTNER", "partner-secret-xxxxxxxx", "worker",
                     f"(ThirdParty/Deploy/{PROVIDER})")
SHIP = unique("tp")
REV = unique("rev")


def partner(stack):
    return stack.client("partner")


def partner_cli(stack, *args):
    return stack.aws(*args, role="partner")


def ship_action():
    return {"name": "Ship", "actionTypeId": TYPE, "configuration": {"Site": "prod"},
            "inputArtifacts": [{"name": "SourceArtifact"}]}


def execution_of(stack, pipeline, trigger):
    summaries = stack.client().list_pipeline_executions(
        pipelineName=pipeline)["pipelineExecutionSummaries"]
    return [x for x in summaries if x["trigger"]["triggerType"] == trigger]


def check_start_on_create_and_third_party_jobs(stack):
    decl = pipeline_declaration(SHIP, [{"name": "Source", "actions": [s3_source()]},
                                       {"name": "Deploy", "actions": [ship_action()]}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    # CodePipeline starts a new pipeline; so does Sluice (SLUICE_API_START_ON_CREATE=on)
    started = stack.wait_for("the execution CreatePipeline started",
                             lambda: execution_of(stack, SHIP, "CreatePipeline"))
    execution = started[0]["pipelineExecutionId"]
    assert started[0]["trigger"]["triggerDetail"].endswith(":user/admin"), started

    expect_error("ActionTypeNotFoundException", stack.aws, "poll-for-jobs", "--action-type-id",
                 TYPE_ARG, role="worker")
    expect_error("AccessDeniedException", stack.client().poll_for_third_party_jobs,
                 actionTypeId=TYPE)
    expect_error("ValidationException", partner(stack).poll_for_third_party_jobs,
                 actionTypeId=TYPE, maxBatchSize=101)
    jobs = stack.wait_for("the partner's job", lambda: partner_cli(
        stack, "poll-for-third-party-jobs", "--action-type-id", TYPE_ARG,
        "--max-batch-size", "5")["jobs"])
    assert len(jobs) == 1 and jobs[0]["clientId"] == CLIENT_ID and set(jobs[0]) == {
        "clientId", "jobId"}, jobs
    job = jobs[0]["jobId"]
    expect_error("InvalidClientTokenException", partner_cli, stack, "get-third-party-job-details",
                 "--job-id", job, "--client-token", "not-the-token")
    expect_error("JobNotFoundException", stack.client().get_third_party_job_details, jobId=job,
                 clientToken=CLIENT_TOKEN)
    details = partner_cli(stack, "get-third-party-job-details", "--job-id", job,
                          "--client-token", CLIENT_TOKEN)["jobDetails"]
    assert details["id"] == job and "accountId" not in details, details
    data = details["data"]
    assert data["pipelineContext"]["pipelineExecutionId"] == execution, data
    assert data["actionConfiguration"]["configuration"] == {"Site": "prod"}, data
    assert data["inputArtifacts"][0]["location"]["s3Location"]["bucketName"], data
    expect_error("InvalidNonceException", partner(stack).acknowledge_third_party_job, jobId=job,
                 nonce="bad", clientToken=CLIENT_TOKEN)
    acked = partner(stack).acknowledge_third_party_job(jobId=job, nonce=details["nonce"],
                                                       clientToken=CLIENT_TOKEN)
    assert acked["status"] == "InProgress", acked

    partner_cli(stack, "put-third-party-job-success-result", "--job-id", job, "--client-token",
                CLIENT_TOKEN, "--continuation-token", "half", "--execution-details",
                "summary=halfway,percentComplete=50")
    second = stack.wait_for("the continued job", lambda: partner(stack).poll_for_third_party_jobs(
        actionTypeId=TYPE)["jobs"])[0]["jobId"]
    assert second != job
    again = partner(stack).get_third_party_job_details(jobId=second, clientToken=CLIENT_TOKEN)
    assert again["jobDetails"]["data"]["continuationToken"] == "half", again
    partner(stack).put_third_party_job_success_result(
        jobId=second, clientToken=CLIENT_TOKEN,
        currentRevision={"revision": "v2", "changeIdentifier": "c2"})
    stack.wait_for("the execution to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=SHIP, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded")
    expect_error("InvalidJobStateException", partner_cli, stack,
                 "put-third-party-job-failure-result", "--job-id", second, "--client-token",
                 CLIENT_TOKEN, "--failure-details", "type=JobFailed,message=late")

    # a second execution, which the partner fails
    failed = stack.client("operator").start_pipeline_execution(name=SHIP)["pipelineExecutionId"]
    third = stack.wait_for("the third job", lambda: partner(stack).poll_for_third_party_jobs(
        actionTypeId=TYPE)["jobs"])[0]["jobId"]
    partner(stack).put_third_party_job_failure_result(
        jobId=third, clientToken=CLIENT_TOKEN,
        failureDetails={"type": "JobFailed", "message": "target down"})
    stack.wait_for("the execution to fail", lambda: stack.client().get_pipeline_execution(
        pipelineName=SHIP, pipelineExecutionId=failed)["pipelineExecution"]["status"] == "Failed")


def check_put_action_revision(stack):
    decl = pipeline_declaration(REV, [{"name": "Source", "actions": [s3_source()]},
                                      {"name": "Deploy", "actions": [s3_deploy()]}])
    stack.client().create_pipeline(**decl)
    first = stack.wait_for("the first execution", lambda: execution_of(
        stack, REV, "CreatePipeline"))[0]["pipelineExecutionId"]
    stack.wait_for("it to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=REV, pipelineExecutionId=first)["pipelineExecution"]["status"]
        == "Succeeded")
    current = stage_state(stack.client().get_pipeline_state(name=REV),
                          "Source")["actionStates"][0]["currentRevision"]
    assert isinstance(current.get("created"), datetime.datetime), current  # always dated

    revision = "v-" + secrets.token_hex(4)
    put = stack.aws("put-action-revision", "--pipeline-name", REV, "--stage-name", "Source",
                    "--action-name", "Source", "--action-revision",
                    f"revisionId={revision},revisionChangeId={revision},"
                    "created=2026-01-02T03:04:05Z", role="operator")
    assert put["newRevision"] is True and put["pipelineExecutionId"] != first, put
    execution = stack.client().get_pipeline_execution(
        pipelineName=REV, pipelineExecutionId=put["pipelineExecutionId"])["pipelineExecution"]
    assert execution["trigger"]["triggerType"] == "PutActionRevision", execution
    stack.wait_for("it to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=REV, pipelineExecutionId=put["pipelineExecutionId"])["pipelineExecution"]
        ["status"] == "Succeeded")

    used = current["revisionId"]
    again = stack.client("operator").put_action_revision(
        pipelineName=REV, stageName="Source", actionName="Source",
        actionRevision={"revisionId": used, "revisionChangeId": used,
                        "created": datetime.datetime(2026, 1, 2)})
    assert again["newRevision"] is False and again["pipelineExecutionId"] == first, again
    assert len(stack.client().list_pipeline_executions(
        pipelineName=REV)["pipelineExecutionSummaries"]) == 2

    revision_arg = {"revisionId": "x", "revisionChangeId": "x",
                    "created": datetime.datetime(2026, 1, 2)}
    operator = stack.client("operator")
    for code, stage, action, pipeline in [
            ("PipelineNotFoundException", "Source", "Source", unique("missing")),
            ("StageNotFoundException", "Nope", "Source", REV),
            ("ActionNotFoundException", "Source", "Nope", REV),
            ("ValidationException", "Deploy", "Deploy", REV)]:
        expect_error(code, operator.put_action_revision, pipelineName=pipeline, stageName=stage,
                     actionName=action, actionRevision=revision_arg)
    expect_error("AccessDeniedException", stack.client("viewer").put_action_revision,
                 pipelineName=REV, stageName="Source", actionName="Source",
                 actionRevision=revision_arg)


def check_deploy_targets(stack):
    details = stack.client().list_action_executions(pipelineName=REV)["actionExecutionDetails"]
    deploy = [d for d in details if d["actionName"] == "Deploy"][0]
    source = [d for d in details if d["actionName"] == "Source"][0]
    targets = stack.aws("list-deploy-action-execution-targets", "--pipeline-name", REV,
                        "--action-execution-id", deploy["actionExecutionId"])["targets"]
    assert len(targets) == 1, targets
    target = targets[0]
    assert target["targetId"] == "s3://site" and target["targetType"] == "S3Bucket", target
    assert target["status"] == "Succeeded" and "endTime" in target and target["events"] == [], \
        target
    none = stack.aws("list-deploy-action-execution-targets", "--pipeline-name", REV,
                     "--action-execution-id", deploy["actionExecutionId"],
                     "--filters", "name=TARGET_STATUS,values=Failed,InProgress")
    assert none["targets"] == [], none
    pages = stack.client("viewer").get_paginator("list_deploy_action_execution_targets").paginate(
        pipelineName=REV, actionExecutionId=deploy["actionExecutionId"],
        PaginationConfig={"PageSize": 1})
    assert [t["targetId"] for page in pages for t in page["targets"]] == ["s3://site"]
    empty = stack.client().list_deploy_action_execution_targets(
        pipelineName=REV, actionExecutionId=source["actionExecutionId"])
    assert empty["targets"] == [], empty
    viewer = stack.client("viewer")
    expect_error("ActionExecutionNotFoundException", viewer.list_deploy_action_execution_targets,
                 pipelineName=REV, actionExecutionId="00000000-0000-4000-8000-000000000000")
    expect_error("PipelineNotFoundException", viewer.list_deploy_action_execution_targets,
                 pipelineName=unique("missing"), actionExecutionId="x")
    expect_error("InvalidNextTokenException", viewer.list_deploy_action_execution_targets,
                 pipelineName=REV, actionExecutionId=deploy["actionExecutionId"],
                 nextToken="made-up")
    expect_error("ValidationException", viewer.list_deploy_action_execution_targets,
                 pipelineName=REV, actionExecutionId=deploy["actionExecutionId"], maxResults=101)


if __name__ == "__main__":
    run([check_start_on_create_and_third_party_jobs, check_put_action_revision,
         check_deploy_targets],
        Stack(runner_rules=["Ship=skip"], external_providers=TYPE_KEY,
              extra_env={"SLUICE_API_THIRD_PARTY_CLIENTS":
                             f"{TYPE_KEY}:{CLIENT_ID}:{CLIENT_TOKEN}",
                         "SLUICE_API_START_ON_CREATE": "on"}))
