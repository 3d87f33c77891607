"""AWS/S3 Source actions in the whole stack (test_source_service's SourceStack: sluice-api,
sluice-orchestrator, sluice-artifacts and sluice-source on the shared Kafka/Redis fixture), the
source object in a versioned bucket of the artifact store, written with boto3:

- a V1 pipeline polling the object (PollForSourceChanges by default): nothing starts for the
  version there at creation; a new version starts exactly one execution (trigger
  PollForSourceChanges, detail the object's ARN), whose Source action succeeds with VersionId and
  ETag of that version, and the build's input artifact holds exactly the object's bytes;
- another version starts one more execution, with that version's bytes;
- a restart of sluice-source starts nothing again;
- a StartPipelineExecution naming an older version (S3_OBJECT_VERSION_ID) copies that version;
- the object deleted (a delete marker): a started execution's Source action fails with
  RevisionUnavailable, its message naming the bucket and the key; polling starts nothing;
- an object larger than SLUICE_SOURCE_ZIP_MAX_BYTES fails its action with JobFailed, naming
  the bound;
- sluice-source refuses to start (status 2) with a key file readable by others.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import io
import json
import os
import subprocess
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from test_source_service import (ADMIN, SourceStack, executions_of, source_binary,  # noqa: E402
                                 s3_client)
from sluice_stack import (custom_action, pipeline_declaration, run, stage_state,  # noqa: E402
                          unique, write_json)

SOURCES = "sources-" + os.urandom(3).hex()
OBJECT_KEY = "app/source bundle.zip"  # a space: the key is encoded in the signed path
BUILD = "S3SrcBld" + os.urandom(3).hex()


def bundle(text):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("README.md", text)
        z.writestr("bin/run.sh", "#!/bin/sh\necho " + text + "\n")
        z.writestr("stamp", os.urandom(8).hex())  # every bundle differs
    return out.getvalue()


class S3Stack(SourceStack):
    def __init__(self):
        key_file = os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                f"sluice-s3src-{os.getpid()}.key")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(f"{ADMIN[0]}:{ADMIN[1]}\n")
        self.key_file = key_file
        super().__init__(source_extra={"SLUICE_SOURCE_S3_KEY_FILE": key_file,
                                       "SLUICE_LOG_LEVEL": "debug"})
        self.s3 = s3_client(self.endpoint, *ADMIN)
        self.s3.create_bucket(Bucket=SOURCES)
        self.s3.put_bucket_versioning(Bucket=SOURCES,
                                      VersioningConfiguration={"Status": "Enabled"})

    def put(self, data):
        return self.s3.put_object(Bucket=SOURCES, Key=OBJECT_KEY, Body=data)

    def source_log(self):
        with open(os.path.join(self.logdir, "source.log"), encoding="utf-8",
                  errors="replace") as f:
            return f.read()

    def close(self, dump=False):
        try:
            os.unlink(self.key_file)
        except OSError:
            pass
        super().close(dump=dump)


def s3_stage(poll=None):
    config = {"S3Bucket": SOURCES, "S3ObjectKey": OBJECT_KEY}
    if poll is not None:
        config["PollForSourceChanges"] = poll
    return {"name": "Source", "actions": [{
        "name": "Fetch", "namespace": "SourceVariables",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": config, "outputArtifacts": [{"name": "SourceArtifact"}]}]}


def fetch_of(stack, name, execution):
    def done():
        details = stack.client().list_action_executions(
            pipelineName=name, filter={"pipelineExecutionId": execution})
        for d in details["actionExecutionDetails"]:
            if d["actionName"] == "Fetch" and d["status"] in ("Succeeded", "Failed"):
                return d
        return None
    return stack.wait_for("the Source action", done, timeout=30)


def build_input(stack):
    """The next build job's input artifact bytes; the job is answered with success."""
    worker = stack.client("worker")
    type_id = {"category": "Build", "owner": "Custom", "provider": BUILD, "version": "1"}
    job = stack.wait_for("the build job", lambda: worker.poll_for_jobs(
        actionTypeId=type_id, maxBatchSize=1)["jobs"], timeout=30)[0]
    location = job["data"]["inputArtifacts"][0]["location"]["s3Location"]
    data = stack.s3.get_object(Bucket=location["bucketName"],
                               Key=location["objectKey"])["Body"].read()
    worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])
    worker.put_job_success_result(jobId=job["id"])
    return data


def check_polling_copies_each_version(stack):
    stack.first_data = bundle("one")
    first = stack.put(stack.first_data)
    name = unique("s3src")
    stack.pipeline = name
    decl = pipeline_declaration(name, [s3_stage(), {"name": "Build", "actions": [
        custom_action("Compile", BUILD)]}], pipeline_type="V1")
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    # the first check records the version there (other tests' pipelines may share the Redis,
    # so the global metrics are not this pipeline's alone)
    seen = f"polling: s3://{SOURCES} {OBJECT_KEY} first seen at {first['VersionId']}"
    stack.wait_for("the first check", lambda: seen in stack.source_log(), timeout=15)
    time.sleep(1.5)  # one more interval: still nothing
    assert executions_of(stack, name) == [], "the version there at creation starts nothing"
    stack.first_version = first["VersionId"]

    for n, text in enumerate(("two", "three"), start=1):
        data = bundle(text)
        put = stack.put(data)
        stack.wait_for(f"execution {n}", lambda: len(executions_of(stack, name)) == n,
                       timeout=15)
        summary = executions_of(stack, name)[0]
        assert summary["trigger"]["triggerType"] == "PollForSourceChanges", summary
        assert summary["trigger"]["triggerDetail"] == f"arn:aws:s3:::{SOURCES}/{OBJECT_KEY}", \
            summary
        fetch = fetch_of(stack, name, summary["pipelineExecutionId"])
        assert fetch["status"] == "Succeeded", fetch
        variables = fetch["output"]["outputVariables"]
        assert variables["VersionId"] == put["VersionId"], (variables, put["VersionId"])
        assert variables["ETag"] == put["ETag"].strip('"'), (variables, put["ETag"])
        assert build_input(stack) == data, "the source artifact is the object's bytes"
    time.sleep(2.5)  # two more intervals: nothing new
    assert len(executions_of(stack, name)) == 2, executions_of(stack, name)


def check_restart_starts_nothing(stack):
    stack.source.terminate()
    stack.source.wait(timeout=5)
    stack.start_source()
    stack.wait_for("checks after the restart", lambda: stack.metric(
        'sluice_source_checks_total{result="ok"}') >= 2, timeout=15)
    time.sleep(1.5)
    assert len(executions_of(stack, stack.pipeline)) == 2, executions_of(stack, stack.pipeline)


def check_override_names_a_version(stack):
    name = stack.pipeline
    execution = stack.client("operator").start_pipeline_execution(
        name=name, sourceRevisions=[{"actionName": "Fetch",
                                     "revisionType": "S3_OBJECT_VERSION_ID",
                                     "revisionValue": stack.first_version}]
    )["pipelineExecutionId"]
    fetch = fetch_of(stack, name, execution)
    assert fetch["status"] == "Succeeded", fetch
    assert fetch["output"]["outputVariables"]["VersionId"] == stack.first_version, fetch
    assert build_input(stack) == stack.first_data, "the source artifact is the named version"


def check_deleted_object_fails(stack):
    name = stack.pipeline
    before = len(executions_of(stack, name))
    stack.s3.delete_object(Bucket=SOURCES, Key=OBJECT_KEY)  # a delete marker
    gone = f"polling: s3://{SOURCES} {OBJECT_KEY} is missing"
    stack.wait_for("a check finding the object gone", lambda: gone in stack.source_log(),
                   timeout=15)
    time.sleep(1.5)
    assert len(executions_of(stack, name)) == before, "a deletion starts nothing"
    execution = stack.client("operator").start_pipeline_execution(
        name=name)["pipelineExecutionId"]
    stack.wait_for("the execution to fail", lambda: stack.client().get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Failed", timeout=30)
    latest = stage_state(stack.client().get_pipeline_state(name=name),
                         "Source")["actionStates"][0]["latestExecution"]
    assert latest["status"] == "Failed", latest
    message = latest["errorDetails"]["message"]
    assert f"s3://{SOURCES}/{OBJECT_KEY}" in message and "S3ObjectKey" in message, latest
    fetch = fetch_of(stack, name, execution)
    print(f"     {fetch['status']}: {message}", flush=True)


def check_object_over_the_bound_fails(stack):
    """sluice-source restarted with a 4 KiB bound; a larger new version, polled, fails the job."""
    stack.source.terminate()
    stack.source.wait(timeout=5)
    stack.source_env["SLUICE_SOURCE_ZIP_MAX_BYTES"] = "4096"
    stack.start_source()
    name = stack.pipeline
    before = len(executions_of(stack, name))
    stack.put(os.urandom(8192))
    stack.wait_for("the execution of the big version", lambda: len(
        executions_of(stack, name)) == before + 1, timeout=15)
    execution = executions_of(stack, name)[0]["pipelineExecutionId"]
    fetch = fetch_of(stack, name, execution)
    assert fetch["status"] == "Failed", fetch
    latest = stage_state(stack.client().get_pipeline_state(name=name),
                         "Source")["actionStates"][0]["latestExecution"]
    message = latest["errorDetails"]["message"]
    assert f"s3://{SOURCES}/{OBJECT_KEY}" in message and "larger than 4096 bytes" in message, \
        latest
    assert "SLUICE_SOURCE_ZIP_MAX_BYTES" in message, latest
    _, metrics = stack.source_get("/metrics")
    assert 'provider="AWS/S3",outcome="JobFailed"} 1' in metrics, metrics


def check_refuses_an_open_key_file(stack):
    os.chmod(stack.key_file, 0o644)
    env = dict(stack.source_env, SLUICE_SOURCE_PORT="0")
    out = subprocess.run([source_binary()], env=env, capture_output=True, text=True, timeout=20)
    os.chmod(stack.key_file, 0o600)
    assert out.returncode == 2, (out.returncode, out.stderr)
    assert "SLUICE_SOURCE_S3_KEY_FILE" in out.stderr and "0644" in out.stderr, out.stderr
    assert ADMIN[1] not in out.stderr


if __name__ == "__main__":
    run([check_polling_copies_each_version, check_restart_starts_nothing,
         check_override_names_a_version, check_deleted_object_fails,
         check_object_over_the_bound_fails, check_refuses_an_open_key_file], S3Stack())
