"""One execution through a whole pipeline with the real aws CLI and boto3:
start (variables, clientRequestToken idempotency), the scripted runner doing
the source and the deploy, an approval through PutApprovalResult, a Custom
action done by a job worker written with boto3 (PollForJobs, AcknowledgeJob,
GetJobDetails, PutJobSuccessResult), and GetPipelineState /
GetPipelineExecution / ListActionExecutions / ListPipelineExecutions
watched as it moves."""

import os
import secrets
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (Stack, custom_action, expect_error, manual_approval,  # noqa: E402
                          pipeline_declaration, run, s3_deploy, s3_source, stage_state, unique,
                          write_json)

NAME = unique("exec")
PROVIDER = "Worker" + secrets.token_hex(4)
BUILD_TYPE = {"category": "Build", "owner": "Custom", "provider": PROVIDER, "version": "1"}


def declaration():
    return pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source(namespace="SourceVariables")]},
        {"name": "Approve", "actions": [manual_approval()]},
        {"name": "Build", "actions": [custom_action(
            "Build", PROVIDER, artifact_out="BuildArtifact",
            config={"Message": "#{variables.Greeting} #{SourceVariables.ETag}"})]},
        {"name": "Deploy", "actions": [s3_deploy(artifact="BuildArtifact")]},
    ], variables=[{"name": "Greeting", "defaultValue": "hello"}])


class Worker(threading.Thread):
    """A CodePipeline custom-action job worker, as users write them with boto3."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.client = stack.client("worker")
        self.stop = threading.Event()
        self.done = []
        self.errors = []

    def run(self):
        while not self.stop.is_set():
            try:
                jobs = self.client.poll_for_jobs(actionTypeId=BUILD_TYPE, maxBatchSize=1)["jobs"]
                if not jobs:
                    time.sleep(0.2)
                    continue
                job = jobs[0]
                status = self.client.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
                assert status["status"] == "InProgress", status
                details = self.client.get_job_details(jobId=job["id"])["jobDetails"]
                data = details["data"]
                message = data["actionConfiguration"]["configuration"]["Message"]
                out = data["outputArtifacts"][0]["location"]["s3Location"]
                assert out["bucketName"] == "sluice-test-artifacts", out
                assert data["inputArtifacts"][0]["name"] == "SourceArtifact", data
                self.client.put_job_success_result(
                    jobId=job["id"],
                    executionDetails={"summary": "built: " + message,
                                      "externalExecutionId": "build-1", "percentComplete": 100},
                    outputVariables={"Version": "1.2.3", "Message": message})
                self.done.append((job["id"], message, out["objectKey"]))
            except Exception as err:  # noqa: BLE001 - reported by the test
                self.errors.append(repr(err))
                time.sleep(0.2)


def check_full_execution(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(declaration()))
    client = stack.client("viewer")
    token = "tok-" + secrets.token_hex(6)
    started = stack.aws("start-pipeline-execution", "--name", NAME, "--variables",
                        "name=Greeting,value=hi", "--client-request-token", token,
                        role="operator")
    execution = started["pipelineExecutionId"]
    again = stack.client("operator").start_pipeline_execution(
        name=NAME, clientRequestToken=token, variables=[{"name": "Greeting", "value": "hi"}])
    assert again["pipelineExecutionId"] == execution, (again, execution)

    # the runner answers the source; the approval waits with a token
    def approval_pending():
        state = client.get_pipeline_state(name=NAME)
        approve = stage_state(state, "Approve")
        latest = approve.get("actionStates", [{}])[0].get("latestExecution", {})
        return latest.get("token") if latest.get("status") == "InProgress" else None

    approval_token = stack.wait_for("the approval", approval_pending)
    state = stack.aws("get-pipeline-state", "--name", NAME, role="viewer")
    source = stage_state(state, "Source")
    assert source["latestExecution"]["status"] == "Succeeded", source
    assert source["latestExecution"]["pipelineExecutionId"] == execution
    assert stage_state(state, "Approve")["latestExecution"]["status"] == "InProgress"
    assert "latestExecution" not in stage_state(state, "Build"), state
    running = stack.aws("get-pipeline-execution", "--pipeline-name", NAME,
                        "--pipeline-execution-id", execution)["pipelineExecution"]
    assert running["status"] == "InProgress", running

    expect_error("InvalidApprovalTokenException", stack.aws, "put-approval-result",
                 "--pipeline-name", NAME, "--stage-name", "Approve", "--action-name", "Approve",
                 "--result", "summary=wrong,status=Approved", "--token",
                 "00000000-0000-4000-8000-000000000000", role="approver")
    expect_error("ActionNotFoundException", stack.aws, "put-approval-result",
                 "--pipeline-name", NAME, "--stage-name", "Approve", "--action-name", "Nope",
                 "--result", "summary=x,status=Approved", "--token", approval_token,
                 role="approver")
    worker = Worker(stack)
    worker.start()
    approved = stack.aws("put-approval-result", "--pipeline-name", NAME, "--stage-name",
                         "Approve", "--action-name", "Approve", "--result",
                         "summary=looks good,status=Approved", "--token", approval_token,
                         role="approver")
    assert "approvedAt" in approved, approved
    expect_error("ApprovalAlreadyCompletedException", stack.aws, "put-approval-result",
                 "--pipeline-name", NAME, "--stage-name", "Approve", "--action-name", "Approve",
                 "--result", "summary=again,status=Approved", "--token", approval_token,
                 role="approver")

    # the worker builds; the runner deploys; the execution succeeds
    def finished():
        status = client.get_pipeline_execution(
            pipelineName=NAME, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        return status if status != "InProgress" else None

    try:
        final = stack.wait_for("the execution to end", finished, timeout=30)
    finally:
        worker.stop.set()
        worker.join(timeout=5)
    assert not worker.errors, worker.errors
    assert final == "Succeeded", final
    assert len(worker.done) == 1 and worker.done[0][1].startswith("hi etag-"), worker.done

    detail = stack.aws("get-pipeline-execution", "--pipeline-name", NAME,
                       "--pipeline-execution-id", execution)["pipelineExecution"]
    assert detail["variables"] == [{"name": "Greeting", "resolvedValue": "hi"}], detail
    assert detail["trigger"]["triggerType"] == "StartPipelineExecution", detail
    assert detail["trigger"]["triggerDetail"].endswith(":user/operator"), detail
    assert detail["artifactRevisions"][0]["name"] == "SourceArtifact", detail

    actions = stack.aws("list-action-executions", "--pipeline-name", NAME, "--filter",
                        f"pipelineExecutionId={execution}", role="viewer")
    by_name = {a["actionName"]: a for a in actions["actionExecutionDetails"]}
    assert set(by_name) == {"Source", "Approve", "Build", "Deploy"}, by_name.keys()
    assert all(a["status"] == "Succeeded" for a in by_name.values()), by_name
    build = by_name["Build"]
    assert build["output"]["outputVariables"]["Version"] == "1.2.3", build
    assert build["input"]["resolvedConfiguration"]["Message"].startswith("hi etag-"), build
    assert build["input"]["configuration"]["Message"].startswith("#{variables.Greeting}"), build
    assert build["output"]["executionResult"]["externalExecutionId"] == "build-1", build
    assert by_name["Approve"]["updatedBy"].endswith(":user/approver"), by_name["Approve"]
    assert "ETag" in by_name["Source"]["output"]["outputVariables"], by_name["Source"]
    assert by_name["Deploy"]["input"]["inputArtifacts"][0]["name"] == "BuildArtifact"

    listed = stack.aws("list-pipeline-executions", "--pipeline-name", NAME, role="viewer")
    summary = listed["pipelineExecutionSummaries"][0]
    assert summary["pipelineExecutionId"] == execution and summary["status"] == "Succeeded"
    state = client.get_pipeline_state(name=NAME)
    assert [stage_state(state, s)["latestExecution"]["status"]
            for s in ("Source", "Approve", "Build", "Deploy")] == ["Succeeded"] * 4, state


def check_rejection_and_second_run(stack):
    client = stack.client("operator")
    execution = client.start_pipeline_execution(name=NAME)["pipelineExecutionId"]

    def pending():
        state = client.get_pipeline_state(name=NAME)
        latest = stage_state(state, "Approve")["actionStates"][0].get("latestExecution", {})
        if latest.get("status") == "InProgress" and stage_state(state, "Approve")[
                "latestExecution"]["pipelineExecutionId"] == execution:
            return latest.get("token")
        return None

    token = stack.wait_for("the second approval", pending)
    stack.client("approver").put_approval_result(
        pipelineName=NAME, stageName="Approve", actionName="Approve", token=token,
        result={"summary": "not today", "status": "Rejected"})
    final = stack.wait_for("the rejection", lambda: client.get_pipeline_execution(
        pipelineName=NAME, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        if client.get_pipeline_execution(pipelineName=NAME, pipelineExecutionId=execution)[
            "pipelineExecution"]["status"] != "InProgress" else None)
    assert final == "Failed", final
    listed = client.list_pipeline_executions(pipelineName=NAME, maxResults=1)
    assert listed["pipelineExecutionSummaries"][0]["pipelineExecutionId"] == execution
    assert "nextToken" in listed, listed
    rest = client.list_pipeline_executions(pipelineName=NAME, nextToken=listed["nextToken"])
    assert rest["pipelineExecutionSummaries"][0]["status"] == "Succeeded", rest


if __name__ == "__main__":
    run([check_full_execution, check_rejection_and_second_run], Stack())
