"""The compose test's scenario, against the published ports of a running stack:
a pipeline with a Custom source and a Manual approval created through the aws
CLI; this script plays the source's job worker (PollForJobs, AcknowledgeJob,
an upload of the source zip with the job's artifactCredentials,
PutJobSuccessResult) with the worker identity; sluice-worker runs the Commands
action that reads the zip's file; while the execution waits for
the approval the orchestrator's container is killed (SIGKILL to its process)
and must be restarted by its restart policy; then the approval is given and the execution
must Succeed. An object is put into and read back from the artifact store.

    scenario.py API_URL ARTIFACTS_URL SECRETS_DIR CONTAINER_OF_ORCHESTRATOR

Environment: SLUICE_AWS_CLI (the aws CLI of the project's venv). Prints each
phase's duration; exits non-zero with the reason on the first failure."""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile

CLI = os.environ.get("SLUICE_AWS_CLI", "aws")
NAME = "compose-" + secrets.token_hex(4)
PROVIDER = "ComposeSource"
TYPE_ARG = f"category=Source,owner=Custom,provider={PROVIDER},version=1"
MARK = "compose-" + secrets.token_hex(8)


class Failure(Exception):
    pass


def read_env(path):
    values = {}
    with open(path) as f:
        for line in f:
            name, _, value = line.strip().partition("=")
            if name:
                values[name] = value
    return values


class Stack:
    def __init__(self, api, artifacts, secrets_dir, orchestrator):
        self.api, self.artifacts, self.orchestrator = api, artifacts, orchestrator
        self.identities = {role: read_env(os.path.join(secrets_dir, role + ".env"))
                           for role in ("admin", "worker")}

    def env(self, role):
        env = dict(os.environ)
        env.update(self.identities[role])
        env.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/dev/null",
                    "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_PAGER": "",
                    "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "3"})
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        return env

    def aws(self, *args, role="admin", service="codepipeline", endpoint=None, creds=None):
        argv = [CLI, service, "--endpoint-url", endpoint or self.api, "--output", "json", *args]
        env = self.env(role)
        if creds is not None:
            env.update({"AWS_ACCESS_KEY_ID": creds["accessKeyId"],
                        "AWS_SECRET_ACCESS_KEY": creds["secretAccessKey"],
                        "AWS_SESSION_TOKEN": creds["sessionToken"]})
        done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise Failure(f"aws {service} {args[0]} ({role}) failed: {done.stderr.strip()}")
        if service != "codepipeline":
            return done.stdout
        return json.loads(done.stdout) if done.stdout.strip() else {}


def wait_for(what, probe, timeout=60, interval=0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            value = probe()
            if value:
                return value
        except Failure as e:
            last = e
        time.sleep(interval)
    raise Failure(f"timed out after {timeout}s waiting for {what}" + (f" ({last})" if last else ""))


def stage(state, name):
    for s in state.get("stageStates", []):
        if s["stageName"] == name:
            return s
    return {}


def execution_status(stack, execution):
    return stack.aws("get-pipeline-execution", "--pipeline-name", NAME,
                     "--pipeline-execution-id", execution)["pipelineExecution"]["status"]


def healthy(url):
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def podman(*args):
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=60)


phases = []


def phase(name, started):
    took = time.monotonic() - started
    phases.append((name, took))
    print(f"scenario: {name:<44} {took:6.1f}s", flush=True)


def main(api, artifacts, secrets_dir, orchestrator):
    stack = Stack(api, artifacts, secrets_dir, orchestrator)

    t = time.monotonic()
    # the Custom source's action type, registered first as on AWS (a re-run: unchanged)
    stack.aws("create-custom-action-type", "--category", "Source", "--provider", PROVIDER,
              "--action-version", "1",
              "--configuration-properties", "name=Repository,required=true,key=true,secret=false",
              "--input-artifact-details", "minimumCount=0,maximumCount=0",
              "--output-artifact-details", "minimumCount=1,maximumCount=1")
    declaration = {"pipeline": {
        "name": NAME, "roleArn": "arn:aws:iam::123456789012:role/compose",
        "artifactStore": {"type": "S3", "location": "sluice-artifacts"},
        "pipelineType": "V2", "executionMode": "QUEUED",
        "stages": [
            {"name": "Source", "actions": [{
                "name": "Source",
                "actionTypeId": {"category": "Source", "owner": "Custom",
                                 "provider": PROVIDER, "version": "1"},
                "configuration": {"Repository": "compose"},
                "outputArtifacts": [{"name": "SourceArtifact"}],
                "namespace": "SourceVariables"}]},
            # Run by sluice-worker: fails unless the source zip was unpacked
            # into its workspace with the file's content.
            {"name": "Build", "actions": [{
                "name": "Check",
                "actionTypeId": {"category": "Compute", "owner": "AWS",
                                 "provider": "Commands", "version": "1"},
                "commands": ["grep -qx '" + MARK + "' note.txt", "echo checked"],
                "inputArtifacts": [{"name": "SourceArtifact"}]}]},
            {"name": "Approve", "actions": [{
                "name": "Approve",
                "actionTypeId": {"category": "Approval", "owner": "AWS",
                                 "provider": "Manual", "version": "1"},
                "configuration": {"CustomData": "Ship #{SourceVariables.Revision}?"}}]},
        ]}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(declaration, f)
    stack.aws("create-pipeline", "--cli-input-json", "file://" + f.name)
    os.unlink(f.name)
    execution = stack.aws("start-pipeline-execution", "--name", NAME)["pipelineExecutionId"]
    phase("create pipeline + start execution", t)

    t = time.monotonic()
    jobs = wait_for("the source job", lambda: stack.aws(
        "poll-for-jobs", "--action-type-id", TYPE_ARG, role="worker")["jobs"])
    job = jobs[0]
    if job["data"]["pipelineContext"]["pipelineExecutionId"] != execution:
        raise Failure(f"the job belongs to another execution: {job['data']['pipelineContext']}")
    acked = stack.aws("acknowledge-job", "--job-id", job["id"], "--nonce", job["nonce"],
                      role="worker")
    if acked.get("status") != "InProgress":
        raise Failure(f"AcknowledgeJob answered {acked}")
    # The source zip, into the job's output location with the job's credentials.
    location = job["data"]["outputArtifacts"][0]["location"]["s3Location"]
    with tempfile.TemporaryDirectory() as tmp:
        archive = os.path.join(tmp, "source.zip")
        with zipfile.ZipFile(archive, "w") as z:
            z.writestr("note.txt", MARK + "\n")
        stack.aws("cp", archive, f"s3://{location['bucketName']}/{location['objectKey']}",
                  service="s3", endpoint=stack.artifacts,
                  creds=job["data"]["artifactCredentials"])
    stack.aws("put-job-success-result", "--job-id", job["id"], "--output-variables",
              "Revision=r1", "--current-revision", "revision=r1,changeIdentifier=r1",
              role="worker")
    phase("job worker: poll, acknowledge, upload, succeed", t)

    t = time.monotonic()

    def approval_token():
        latest = (stage(stack.aws("get-pipeline-state", "--name", NAME), "Approve")
                  .get("actionStates", [{}])[0].get("latestExecution", {}))
        return latest.get("token") if latest.get("status") == "InProgress" else None

    token = wait_for("the approval to wait (after the worker's Commands action)",
                     approval_token, timeout=120)
    build = stage(stack.aws("get-pipeline-state", "--name", NAME), "Build")
    if build.get("latestExecution", {}).get("status") != "Succeeded":
        raise Failure(f"the Commands action did not succeed: {build}")
    phase("worker ran Commands; execution waits for approval", t)

    t = time.monotonic()
    before = podman("inspect", "--format", "{{.RestartCount}} {{.State.StartedAt}}",
                    orchestrator).stdout.strip()
    # SIGKILL to the container's process from the host, as a crash or the
    # kernel's OOM killer would: `podman kill` (4.3) marks the container as
    # stopped by its user, and a restart policy leaves such a one stopped.
    pid = podman("inspect", "--format", "{{.State.Pid}}", orchestrator).stdout.strip()
    if not pid.isdigit() or pid == "0":
        raise Failure(f"no process for {orchestrator}: {pid!r}")
    os.kill(int(pid), 9)

    def restarted():
        now = podman("inspect", "--format",
                     "{{.State.Status}} {{.RestartCount}} {{.State.StartedAt}}", orchestrator)
        status, _, rest = now.stdout.strip().partition(" ")
        if status != "running" or rest == before:
            return False
        probe = podman("exec", orchestrator, "sluice-healthz")
        return probe.returncode == 0

    wait_for("the orchestrator to be restarted and healthy", restarted, timeout=90)
    phase("orchestrator killed and back (restart policy)", t)

    t = time.monotonic()
    stack.aws("put-approval-result", "--pipeline-name", NAME, "--stage-name", "Approve",
              "--action-name", "Approve", "--result", "summary=ship-it,status=Approved",
              "--token", token)
    wait_for("the execution to succeed",
             lambda: execution_status(stack, execution) == "Succeeded", timeout=60)
    state = stack.aws("get-pipeline-state", "--name", NAME)
    for name in ("Source", "Build", "Approve"):
        status = stage(state, name).get("latestExecution", {}).get("status")
        if status != "Succeeded":
            raise Failure(f"stage {name} is {status}, not Succeeded: {state}")
    phase("approved, execution Succeeded", t)

    t = time.monotonic()
    body = ("compose " + secrets.token_hex(16) + "\n").encode()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.txt")
        with open(src, "wb") as f:
            f.write(body)
        key = f"s3://sluice-artifacts/{NAME}/note.txt"
        stack.aws("cp", src, key, service="s3", endpoint=artifacts)
        stack.aws("cp", key, dst, service="s3", endpoint=artifacts)
        with open(dst, "rb") as f:
            got = f.read()
        if got != body:
            raise Failure(f"the artifact store gave back {got!r}, not {body!r}")
    phase("artifact store: put + get an object", t)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        main(*sys.argv[1:])
    except Failure as e:
        print(f"scenario: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print(f"scenario: passed in {sum(t for _, t in phases):.1f}s")
