"""Job credentials end to end: sluice-api + sluice-orchestrator (the api's test stack on the
shared Kafka/Redis fixture) and sluice-artifacts sharing one SLUICE_JOB_CREDENTIAL_KEYS_FILE.

A pipeline Custom source -> Custom build: as the source's job worker, the test writes the
output artifact to sluice-artifacts with boto3 and the job's artifactCredentials at the job's
artifact location and succeeds the job; as the build's worker it reads the input with the
build job's credentials and compares the bytes (jobcred_client.job_worker also checks the
scope: an input cannot be written, an output read, nothing else listed or read, nothing
written outside the outputs); the source's token names the pipeline and its execution.
Then, with the build's credentials: another pipeline's object and another key are
AccessDenied, a token whose signature or scope was changed is InvalidToken, and a forged
secret is SignatureDoesNotMatch.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from botocore.exceptions import ClientError  # noqa: E402

import jobcred_client  # noqa: E402
from artifacts_stack import artifacts_binary, free_port  # noqa: E402
from sluice_stack import (SKIP, Stack, custom_action, pipeline_declaration,  # noqa: E402
                          run, unique, write_json)

BUCKET = "sluice-test-artifacts"  # pipeline_declaration's artifactStore location
ADMIN = ("AKIDJOBCREDADMIN", "jobcred-admin-secret-xxxxxxxx")
NAME = unique("jobcred")
SOURCE = "Src" + secrets.token_hex(4)
BUILD = "Bld" + secrets.token_hex(4)


class ArtifactStack(Stack):
    """The api's stack plus sluice-artifacts reading the same job-credential key file."""

    def __init__(self):
        binary = artifacts_binary()
        if not os.access(binary, os.X_OK):
            print(f"skipped: {binary} is not built", flush=True)
            sys.exit(SKIP)
        super().__init__()
        try:
            port = free_port()
            env = dict(self.service_env, SLUICE_ARTIFACTS_PORT=str(port),
                       SLUICE_ARTIFACTS_DIR=os.path.join(self.logdir, "artifacts"),
                       SLUICE_ARTIFACTS_MIN_FREE_BYTES="0", SLUICE_ARTIFACTS_BUCKETS=BUCKET,
                       SLUICE_ARTIFACTS_CREDENTIALS=f"{ADMIN[0]}:{ADMIN[1]}:admin:admin")
            log = open(os.path.join(self.logdir, "artifacts.log"), "wb")
            proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
            self.procs.append(("artifacts", proc, log))
            self.endpoint = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("sluice-artifacts did not start")
                    time.sleep(0.05)
        except BaseException:
            self.close(dump=True)
            raise


def take_job(stack, provider, category):
    type_id = {"category": category, "owner": "Custom", "provider": provider, "version": "1"}
    worker = stack.client("worker")
    job = stack.wait_for(f"the {provider} job", lambda: worker.poll_for_jobs(
        actionTypeId=type_id, maxBatchSize=1)["jobs"], timeout=20)[0]
    worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    return job


def code_of(fn):
    try:
        fn()
    except ClientError as exc:
        return exc.response.get("Error", {}).get("Code")
    return None


def check_source_to_build(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [{
            "name": "Fetch",
            "actionTypeId": {"category": "Source", "owner": "Custom", "provider": SOURCE,
                             "version": "1"},
            "configuration": {"Repo": "demo"},
            "outputArtifacts": [{"name": "SourceArtifact"}],
        }]},
        {"name": "Build", "actions": [custom_action("Compile", BUILD)]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    started = time.monotonic()
    execution = stack.client("operator").start_pipeline_execution(
        name=NAME)["pipelineExecutionId"]

    source = take_job(stack, SOURCE, "Source")
    # the token names the job's pipeline and execution: the store records them for retention
    middle = source["data"]["artifactCredentials"]["sessionToken"].split(".")[2]
    scope = json.loads(base64.urlsafe_b64decode(middle + "=" * (-len(middle) % 4)))
    assert scope["pipeline"] == NAME and scope["e"] == execution, (scope, execution)
    outputs = jobcred_client.locations(source["data"]["outputArtifacts"])
    assert [o[0] for o in outputs] == ["SourceArtifact"] and outputs[0][1] == BUCKET, outputs
    payload = os.urandom(200 * 1024 + 11)
    jobcred_client.job_worker(stack.endpoint, source, {"SourceArtifact": payload})
    stack.client("worker").put_job_success_result(jobId=source["id"])

    build = take_job(stack, BUILD, "Build")
    inputs = jobcred_client.locations(build["data"]["inputArtifacts"])
    assert inputs == outputs, (inputs, outputs)
    got = jobcred_client.job_worker(stack.endpoint, build)
    assert got == {"SourceArtifact": payload}, "the build read other bytes than the source wrote"

    cred = build["data"]["artifactCredentials"]
    client = jobcred_client.s3(stack.endpoint, cred["accessKeyId"], cred["secretAccessKey"],
                               cred["sessionToken"])
    _, bucket, key = inputs[0]
    admin = jobcred_client.s3(stack.endpoint, *ADMIN)
    # objects the build may not read, present in the store
    other_pipeline = key.replace(NAME, NAME + "-other", 1)
    assert other_pipeline != key, key
    for other in (other_pipeline, key + ".other"):
        admin.put_object(Bucket=bucket, Key=other, Body=b"not yours")
        got_code = code_of(lambda: client.get_object(Bucket=bucket, Key=other))
        assert got_code == "AccessDenied", (other, got_code)
    got_code = code_of(lambda: client.put_object(Bucket=bucket, Key=key + ".out", Body=b"x"))
    assert got_code == "AccessDenied", got_code

    # a token with its signature changed, or its scope widened, is not Sluice's
    prefix, kid, scope, sig = cred["sessionToken"].split(".")
    flipped = sig[:5] + ("A" if sig[5] != "A" else "B") + sig[6:]
    widened = json.loads(base64.urlsafe_b64decode(scope + "=" * (-len(scope) % 4)))
    widened["r"] = widened["r"] + [f"{bucket}/{other_pipeline}"]
    wide = base64.urlsafe_b64encode(json.dumps(widened, separators=(",", ":")).encode())
    for token in (f"{prefix}.{kid}.{scope}.{flipped}",
                  f"{prefix}.{kid}.{wide.decode().rstrip('=')}.{sig}"):
        bad = jobcred_client.s3(stack.endpoint, cred["accessKeyId"], cred["secretAccessKey"],
                                token)
        got_code = code_of(lambda: bad.get_object(Bucket=bucket, Key=key))
        assert got_code == "InvalidToken", got_code
    forged = jobcred_client.s3(stack.endpoint, cred["accessKeyId"], "x" * 40,
                               cred["sessionToken"])
    got_code = code_of(lambda: forged.get_object(Bucket=bucket, Key=key))
    assert got_code == "SignatureDoesNotMatch", got_code
    stack.client("worker").put_job_success_result(jobId=build["id"])
    stack.wait_for("the execution to succeed", lambda: stack.client().get_pipeline_execution(
        pipelineName=NAME, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded")
    print(f"     source -> build through sluice-artifacts in {time.monotonic() - started:.1f} s",
          flush=True)


if __name__ == "__main__":
    run([check_source_to_build], ArtifactStack())
