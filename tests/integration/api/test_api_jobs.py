"""Jobs belong to their worker, against the running api + orchestrator with
boto3: worker B can neither read nor finish (nor acknowledge) the job worker A
acknowledged, and nothing changes; a job polled and not acknowledged is
offered again after the lease (SLUICE_API_JOB_LEASE_S=3 here) with a new
nonce, the old nonce acknowledging nothing; an acknowledged job is never
offered again; a scoped worker polling outside its scope gets
AccessDeniedException; a built-in provider's job (AWS/S3, held by the
scripted runner) cannot be read, acknowledged or finished through the api."""

import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (KEYS, Stack, custom_action, expect_error,  # noqa: E402
                          pipeline_declaration, run, s3_source, stage_state, unique)

LEASE_S = 3
NAME = unique("jobs")
HELD = unique("jobs-held")
PROVIDER = "Owned" + secrets.token_hex(4)
TYPE = {"category": "Build", "owner": "Custom", "provider": PROVIDER, "version": "1"}

# extra identities: a second worker and a worker scoped away from PROVIDER
EXTRA = {
    "workerb": ("AKIDTESTWORKERB", "workerb-secret-xxxxxxxx", "worker"),
    "scoped": ("AKIDTESTSCOPED", "scoped-secret-xxxxxxxx", "worker(Custom/Build/Scoped*)"),
}
CREDENTIALS = ",".join(
    [f"{key}:{secret}:{role}:{role}" for role, (key, secret) in KEYS.items()] +
    [f"{key}:{secret}:{name}:{role}" for name, (key, secret, role) in EXTRA.items()])


def client(stack, name):
    if name in EXTRA:
        key, secret, _ = EXTRA[name]
        return stack.client(key=key, secret=secret)
    return stack.client(name)


def build_state(stack, pipeline):
    return stage_state(stack.client().get_pipeline_state(name=pipeline),
                       "Build")["actionStates"][0].get("latestExecution", {})


def check_owner_and_lease(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [custom_action("Compile", PROVIDER)]},
    ])
    stack.client().create_pipeline(**decl)
    execution = stack.client("operator").start_pipeline_execution(
        name=NAME)["pipelineExecutionId"]
    alice = client(stack, "worker")
    bob = client(stack, "workerb")

    job = stack.wait_for("the job", lambda: alice.poll_for_jobs(actionTypeId=TYPE)["jobs"])[0]
    polled = time.monotonic()
    taken = bob.poll_for_jobs(actionTypeId=TYPE)["jobs"]
    if time.monotonic() - polled < LEASE_S - 1:  # surely inside the lease (a slow machine)
        assert taken == [], taken  # handed out once
    expect_error("JobNotFoundException", bob.get_job_details, jobId=job["id"])

    # the lease ends unacknowledged: offered again, with a new nonce
    time.sleep(max(0.0, LEASE_S + 0.3 - (time.monotonic() - polled)))
    again = stack.wait_for("the job again", lambda: bob.poll_for_jobs(actionTypeId=TYPE)["jobs"],
                           timeout=10)[0]
    assert again["id"] == job["id"], (again["id"], job["id"])
    assert again["nonce"] != job["nonce"]
    expect_error("InvalidNonceException", alice.acknowledge_job, jobId=job["id"],
                 nonce=job["nonce"])
    assert bob.acknowledge_job(jobId=job["id"], nonce=again["nonce"])["status"] == "InProgress"

    # bob's job now: alice can neither read, acknowledge nor finish it, and nothing changes
    expect_error("JobNotFoundException", alice.get_job_details, jobId=job["id"])
    expect_error("InvalidNonceException", alice.acknowledge_job, jobId=job["id"],
                 nonce=again["nonce"])
    expect_error("JobNotFoundException", alice.put_job_success_result, jobId=job["id"],
                 outputVariables={"Image": "forged"})
    expect_error("JobNotFoundException", alice.put_job_failure_result, jobId=job["id"],
                 failureDetails={"type": "JobFailed", "message": "forged"})
    expect_error("JobNotFoundException", stack.client("admin").put_job_success_result,
                 jobId=job["id"])
    latest = build_state(stack, NAME)
    assert latest.get("status") == "InProgress", latest

    # acknowledged: never offered again, however long it runs
    time.sleep(LEASE_S + 0.3)
    assert alice.poll_for_jobs(actionTypeId=TYPE, maxBatchSize=10)["jobs"] == []
    details = bob.get_job_details(jobId=job["id"])["jobDetails"]
    assert details["id"] == job["id"], details
    bob.put_job_success_result(jobId=job["id"], outputVariables={"Image": "app:1"})
    stack.wait_for("the execution to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=NAME, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded")


def check_scoped_worker(stack):
    scoped = client(stack, "scoped")
    err = expect_error("AccessDeniedException", scoped.poll_for_jobs, actionTypeId=TYPE)
    message = err.response["Error"]["Message"]
    assert f"actiontype:Custom/Build/{PROVIDER}/1" in message, message
    inside = dict(TYPE, provider="ScopedTool")
    assert scoped.poll_for_jobs(actionTypeId=inside)["jobs"] == []
    expect_error("AccessDeniedException", scoped.poll_for_jobs,
                 actionTypeId=dict(TYPE, category="Test", provider="ScopedTool"))


def check_builtin_job(stack):
    decl = pipeline_declaration(HELD, [
        {"name": "Source", "actions": [s3_source("HeldSource")]},
        {"name": "Build", "actions": [custom_action("Compile", PROVIDER)]},
    ])
    stack.client().create_pipeline(**decl)
    stack.client("operator").start_pipeline_execution(name=HELD)
    line = stack.runner_saw(f"held {HELD} HeldSource")
    job_id = line.split()[-1]
    for name in ("worker", "admin"):
        caller = client(stack, name)
        expect_error("JobNotFoundException", caller.get_job_details, jobId=job_id)
        expect_error("JobNotFoundException", caller.acknowledge_job, jobId=job_id, nonce="n")
        expect_error("JobNotFoundException", caller.put_job_success_result, jobId=job_id,
                     outputVariables={"ETag": "forged"})
        expect_error("JobNotFoundException", caller.put_job_failure_result, jobId=job_id,
                     failureDetails={"type": "JobFailed", "message": "forged"})
    time.sleep(0.5)
    source = stage_state(stack.client().get_pipeline_state(name=HELD),
                         "Source")["actionStates"][0]["latestExecution"]
    assert source["status"] == "InProgress", source


if __name__ == "__main__":
    run([check_owner_and_lease, check_scoped_worker, check_builtin_job],
        Stack(runner_rules=["HeldSource=hold"],
              extra_env={"SLUICE_API_CREDENTIALS": CREDENTIALS,
                         "SLUICE_API_JOB_LEASE_S": str(LEASE_S)}))
