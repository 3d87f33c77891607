"""The job-worker protocol in detail, through the aws CLI and boto3: PollForJobs
with a query parameter, nonces, AcknowledgeJob, GetJobDetails, a continuation
token (a new job carrying it), PutJobFailureResult failing the execution,
results for jobs that already ended, and a provider declared as served by
external workers (SLUICE_EXTERNAL_PROVIDERS)."""

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (Stack, custom_action, expect_error, pipeline_declaration,  # noqa: E402
                          run, s3_source, stage_state, unique, write_json)

NAME = unique("work")
EXTERNAL = unique("work-ext")
PROVIDER = "Jobs" + secrets.token_hex(4)
TYPE_ARG = f"category=Build,owner=Custom,provider={PROVIDER},version=1"
TYPE = {"category": "Build", "owner": "Custom", "provider": PROVIDER, "version": "1"}


def poll(stack, *extra):
    return stack.aws("poll-for-jobs", "--action-type-id", TYPE_ARG, *extra, role="worker")["jobs"]


def wait_job(stack, *extra):
    return stack.wait_for("a job", lambda: stack.client("worker").poll_for_jobs(
        actionTypeId=TYPE, **dict(extra))["jobs"])


def check_custom_jobs(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [custom_action("Compile", PROVIDER,
                                                    config={"Project": "alpha"})]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=NAME)["pipelineExecutionId"]

    # wait until the job is queued without taking it: a query that does not match takes nothing
    stack.wait_for("the build to start", lambda: stage_state(
        stack.client().get_pipeline_state(name=NAME), "Build").get("latestExecution"))
    assert poll(stack, "--query-param", "Project=beta") == []
    jobs = stack.wait_for("the job", lambda: poll(stack, "--query-param", "Project=alpha",
                                                  "--max-batch-size", "5"))
    assert len(jobs) == 1, jobs
    job = jobs[0]
    assert job["data"]["pipelineContext"]["pipelineExecutionId"] == execution, job
    assert job["data"]["pipelineContext"]["stage"]["name"] == "Build"
    assert job["data"]["actionConfiguration"]["configuration"] == {"Project": "alpha"}
    assert job["accountId"] == "123456789012"
    check_credentials(stack, job)
    assert poll(stack) == []  # handed out once
    expect_error("InvalidNonceException", stack.aws, "acknowledge-job", "--job-id", job["id"],
                 "--nonce", "not-the-nonce", role="worker")
    acked = stack.aws("acknowledge-job", "--job-id", job["id"], "--nonce", job["nonce"],
                      role="worker")
    assert acked["status"] == "InProgress", acked
    details = stack.aws("get-job-details", "--job-id", job["id"], role="worker")["jobDetails"]
    assert details["id"] == job["id"] and details["data"] == job["data"], details

    expect_error("ValidationException", stack.client("worker").put_job_success_result,
                 jobId=job["id"], continuationToken="half", outputVariables={"A": "b"})
    stack.aws("put-job-success-result", "--job-id", job["id"], "--continuation-token", "half",
              "--execution-details", "summary=halfway,percentComplete=50", role="worker")
    expect_error("InvalidJobStateException", stack.aws, "put-job-success-result", "--job-id",
                 job["id"], role="worker")
    state = stack.client().get_pipeline_state(name=NAME)
    latest = stage_state(state, "Build")["actionStates"][0]["latestExecution"]
    assert latest["status"] == "InProgress" and latest.get("percentComplete") == 50, latest

    second = wait_job(stack)[0]
    assert second["id"] != job["id"]
    assert second["data"]["continuationToken"] == "half", second
    stack.client("worker").acknowledge_job(jobId=second["id"], nonce=second["nonce"])
    stack.aws("put-job-failure-result", "--job-id", second["id"], "--failure-details",
              "type=JobFailed,message=tests failed,externalExecutionId=run-7", role="worker")
    stack.wait_for("the failure", lambda: stack.client().get_pipeline_execution(
        pipelineName=NAME, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Failed")
    latest = stage_state(stack.client().get_pipeline_state(name=NAME),
                         "Build")["actionStates"][0]["latestExecution"]
    assert latest["status"] == "Failed", latest
    assert latest["errorDetails"]["message"] == "tests failed", latest
    expect_error("InvalidJobStateException", stack.aws, "put-job-failure-result", "--job-id",
                 second["id"], "--failure-details", "type=JobFailed,message=again",
                 role="worker")
    expect_error("JobNotFoundException", stack.aws, "acknowledge-job", "--job-id",
                 "00000000-0000-4000-8000-000000000000", "--nonce", "n", role="worker")
    expect_error("ValidationException", stack.aws, "put-job-failure-result", "--job-id",
                 second["id"], "--failure-details", "type=Explosion,message=x", role="worker")


def check_credentials(stack, job):
    """artifactCredentials are a job token signed with the stack's key: read exactly the
    inputs, write exactly the outputs, until the deadline, with the derived secret."""
    cred = job["data"]["artifactCredentials"]
    assert set(cred) == {"accessKeyId", "secretAccessKey", "sessionToken"}, cred
    token = cred["sessionToken"]
    with open(stack.job_keys_file) as f:
        key_id, secret_hex = f.read().split()[:2]
    key = bytes.fromhex(secret_hex)
    prefix, kid, payload, sig = token.split(".")
    assert prefix == "SLJ1" and kid == key_id, token

    def unb64(text):
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    signed = token.rsplit(".", 1)[0].encode()
    assert hmac.compare_digest(unb64(sig), hmac.new(key, signed, hashlib.sha256).digest())
    secret = base64.b64encode(hmac.new(key, b"sluice-job-secret\n" + token.encode(),
                                       hashlib.sha256).digest()).decode()[:40]
    assert cred["secretAccessKey"] == secret, "secret is not derived from the token"
    akid = "ASIA" + base64.b32encode(hashlib.sha256(token.encode()).digest()).decode()[:16]
    assert cred["accessKeyId"] == akid and re.fullmatch(r"ASIA[A-Z2-7]{16}", akid), cred
    scope = json.loads(unb64(payload))
    assert scope["job"] == job["id"], scope
    assert scope["pipeline"] == job["data"]["pipelineContext"]["pipelineName"], scope

    def objects(artifacts):
        return [a["location"]["s3Location"]["bucketName"] + "/"
                + a["location"]["s3Location"]["objectKey"]
                for a in artifacts if "location" in a]

    assert scope["r"] == objects(job["data"]["inputArtifacts"]), scope
    assert scope["w"] == objects(job["data"]["outputArtifacts"]), scope
    assert time.time() < scope["exp"] < time.time() + 7 * 86400, scope


def check_external_provider(stack):
    decl = pipeline_declaration(EXTERNAL, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [{
            "name": "Rollout",
            "actionTypeId": {"category": "Deploy", "owner": "AWS", "provider": "CodeDeploy",
                             "version": "1"},
            "configuration": {"ApplicationName": "web", "DeploymentGroupName": "prod"},
            "inputArtifacts": [{"name": "SourceArtifact"}],
        }]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=EXTERNAL)["pipelineExecutionId"]
    worker = stack.client("worker")
    codedeploy = {"category": "Deploy", "owner": "AWS", "provider": "CodeDeploy", "version": "1"}

    def my_job():
        for job in worker.poll_for_jobs(actionTypeId=codedeploy, maxBatchSize=10)["jobs"]:
            if job["data"]["pipelineContext"]["pipelineName"] == EXTERNAL:
                return job
        return None

    job = stack.wait_for("the CodeDeploy job", my_job)
    location = job["data"]["inputArtifacts"][0]["location"]
    assert location["type"] == "S3" and location["s3Location"]["objectKey"], location
    check_credentials(stack, job)
    worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    worker.put_job_success_result(jobId=job["id"],
                                  executionDetails={"summary": "deployed",
                                                    "externalExecutionId": "d-123"})
    stack.wait_for("the deployment", lambda: stack.client().get_pipeline_execution(
        pipelineName=EXTERNAL, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded")
    listed = stack.aws("list-action-types", "--action-owner-filter", "AWS")["actionTypes"]
    assert any(t["id"]["provider"] == "CodeDeploy" for t in listed), listed


if __name__ == "__main__":
    run([check_custom_jobs, check_external_provider],
        Stack(runner_rules=["Rollout=skip"], external_providers="AWS/Deploy/CodeDeploy/1"))
