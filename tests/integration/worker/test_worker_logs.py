"""sluice-worker's action logs and the commands' isolation, on the stack of
test_worker_commands.py (orchestrator, api, artifact store and one worker on the shared
Kafka/Redis fixture), the worker storing logs in the stack's bucket every 200 ms and, when the
test runs as root, running the commands as the unprivileged user sluice-run (created when
absent):
  - a Commands action's log is readable in the artifact store while the action runs (a line
    written before a pause is there, the line after it not yet), and ranged reads follow it;
    at the end it holds every line, the secret variable's value masked; the action's
    externalExecutionUrl in GetPipelineState and ListActionExecutions is the log's URL;
    the commands ran as sluice-run (id -u), in a workspace it owns, and none of the worker's
    SLUICE_* variables reached them;
  - a CodeBuild build whose buildspec maps a secret (env.secrets-manager) and fails: the log,
    the failure message's last lines and the result's URL, with the value masked everywhere;
  - a command past the timeout whose grandchild ignores SIGTERM: the action fails, no child or
    grandchild is left;
  - as root, a source directory the commands replaced by a link to /etc: the output is not
    packed (the worker reads outputs as root), the action fails saying why.
Exit 0, 1 or 77 (skipped: a binary is not built).
"""

import os
import pwd
import secrets
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import test_worker_commands as wc  # noqa: E402
from test_worker_commands import (ADMIN, BUCKET, SECRET, action_execution,  # noqa: E402
                                  commands_action, error_message, jobcred_client, leftover,
                                  start_with_source, unique)

RUN_AS = "sluice-run"
LOG_ACTIONS = ("Streamed", "SecretBuild", "Stubborn", "Escape")


def run_as_uid():
    """The uid of RUN_AS, created when absent; None when the test is not root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(RUN_AS).pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                        "/usr/sbin/nologin", RUN_AS], check=True, timeout=30)
        return pwd.getpwnam(RUN_AS).pw_uid


class LogsStack(wc.WorkerStack):
    """WorkerStack whose worker stores logs and runs the commands as RUN_AS."""

    def __init__(self):
        # the api's scripted runner leaves these actions to the worker too
        super().__init__(actions=tuple(wc.WORKER_ACTIONS) + LOG_ACTIONS)

    def start_worker(self):
        if "SLUICE_WORKER_LOGS_BUCKET" not in self.worker_env:
            self.uid = run_as_uid()
            self.worker_env.update(SLUICE_WORKER_LOGS_BUCKET=BUCKET,
                                   SLUICE_WORKER_LOG_FLUSH_MS="200")
            if self.uid is not None:
                os.chmod(self.logdir, 0o711)  # the user must reach its workspaces
                self.worker_env["SLUICE_WORKER_RUN_AS"] = RUN_AS
        super().start_worker()


def admin_s3(stack):
    return jobcred_client.s3(stack.endpoint, *ADMIN)


def in_progress_id(stack, name, execution, action):
    """The actionExecutionId of action while it runs."""
    def running():
        for detail in stack.client().list_action_executions(
                pipelineName=name, filter={"pipelineExecutionId": execution}
        )["actionExecutionDetails"]:
            if detail["actionName"] == action and detail["status"] == "InProgress":
                return detail["actionExecutionId"]
        return None
    return stack.wait_for(f"{action} to run", running, timeout=60, interval=0.05)


def read_log(s3, key, start=0):
    """The log object from byte start on ("" when absent or nothing new)."""
    try:
        extra = {"Range": f"bytes={start}-"} if start > 0 else {}
        return s3.get_object(Bucket=BUCKET, Key=key, **extra)["Body"].read().decode()
    except s3.exceptions.NoSuchKey:
        return ""
    except Exception as exc:  # 416 InvalidRange: nothing past start yet
        if "InvalidRange" in str(exc):
            return ""
        raise


def action_state(stack, name, stage="Run"):
    state = stack.client().get_pipeline_state(name=name)
    run_stage = [s for s in state["stageStates"] if s["stageName"] == stage][0]
    return run_stage["actionStates"][0].get("latestExecution", {})


def check_log_readable_while_running(stack):
    name = unique("wk-log")
    action = commands_action(
        "Streamed",
        ["echo first line; echo \"token $TOKEN in the log\"",
         "echo \"uid $(id -u) owner $(stat -c %u .)\"; echo \"worker vars $(env | grep -c '^SLUICE_')\"",
         "sleep 1.5",
         "echo last line"],
        environmentVariables=[
            {"name": "TOKEN", "value": "deploy/token", "type": "SECRETS_MANAGER"}])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    run_id = in_progress_id(stack, name, execution, "Streamed")
    key = f"logs/{name}/{run_id}.log"
    s3 = admin_s3(stack)
    early = stack.wait_for("the first lines in the stored log",
                           lambda: (lambda t: t if "worker vars" in t else None)(read_log(s3, key)),
                           timeout=10, interval=0.05)
    # read before the action ended: the line after the pause is not there yet
    assert "last line" not in early, early
    statuses = [d["status"] for d in stack.client().list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution}
    )["actionExecutionDetails"] if d["actionName"] == "Streamed"]
    assert statuses == ["InProgress"], statuses
    assert early.endswith("\n"), repr(early)  # whole lines only
    rest = stack.wait_for("the rest through a ranged read",
                          lambda: (lambda t: t if "last line" in t else None)(
                              read_log(s3, key, len(early.encode()))), timeout=10, interval=0.1)
    detail = action_execution(stack, name, execution, "Streamed")
    assert detail["status"] == "Succeeded", error_message(detail)
    full = read_log(s3, key)
    assert full.startswith(early) and full.endswith(rest), (early, rest, full)
    assert "token *** in the log" in full, full
    assert SECRET not in full, full
    assert "[sluice] command 4 of 4" in full, full
    assert "worker vars 0\n" in full, full  # no SLUICE_* of the worker reached a command
    assert full.endswith("last line\n[sluice] the action succeeded\n"), full
    if stack.uid is not None:
        assert f"uid {stack.uid} owner {stack.uid}\n" in full, full
    else:
        print("     not root: the commands ran as the worker's user, not as " + RUN_AS,
              flush=True)
    url = f"{stack.endpoint}/{BUCKET}/{key}"
    result = detail["output"]["executionResult"]
    assert result.get("externalExecutionUrl") == url, result
    assert result.get("externalExecutionId") == run_id, result
    latest = action_state(stack, name)
    assert latest.get("externalExecutionUrl") == url, latest
    assert latest.get("actionExecutionId") == run_id, latest


SECRET_BUILDSPEC = b"""version: 0.2
env:
  secrets-manager:
    DEPLOY_TOKEN: deploy/token
phases:
  build:
    commands:
      - echo "deploying with $DEPLOY_TOKEN"
      - printf 'split %s' "${DEPLOY_TOKEN%????}"; sleep 0.3; printf '%s over two writes\\n' "${DEPLOY_TOKEN#${DEPLOY_TOKEN%????}}"
      - exit 5
"""


def check_buildspec_secret_masked(stack):
    name = unique("wk-log-cb")
    execution = start_with_source(stack, name, wc.codebuild_action("SecretBuild"),
                                  {"buildspec.yml": SECRET_BUILDSPEC})
    detail = action_execution(stack, name, execution, "SecretBuild")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "Phase BUILD: command 3 of 3 failed with exit code 5" in message, message
    assert "deploying with ***" in message and "split *** over two writes" in message, message
    assert SECRET not in message, message
    url = detail["output"]["executionResult"].get("externalExecutionUrl", "")
    prefix = f"{stack.endpoint}/{BUCKET}/"
    assert url.startswith(prefix + f"logs/{name}/"), detail["output"]
    assert action_state(stack, name).get("externalExecutionUrl") == url
    log = read_log(admin_s3(stack), url[len(prefix):])
    assert "deploying with ***\n" in log and "split *** over two writes\n" in log, log
    assert "\n[sluice] the action failed: Phase BUILD: command 3 of 3 failed with exit code 5: " \
        "exit 5\n" in log, log
    assert SECRET not in log, log


def check_timeout_kills_stubborn_grandchild(stack):
    name = unique("wk-stubborn")
    seconds = f"{300 + secrets.randbelow(500)}.{secrets.randbelow(1000):03d}"
    grand = f"{900 + secrets.randbelow(90)}.{secrets.randbelow(1000):03d}"
    action = commands_action("Stubborn", [
        f"sh -c 'trap \"\" TERM; exec sleep {grand}' & sleep 0.3; kill -TERM $!; sleep 0.3; "
        f"kill -0 $! && echo grandchild ignores SIGTERM; sleep {seconds}"])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    stack.wait_for("the command to run", lambda: leftover(f"sleep {seconds}"), timeout=30)
    assert leftover(f"sleep {grand}"), "the grandchild is not running"
    detail = action_execution(stack, name, execution, "Stubborn")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "did not finish within the timeout" in message, message
    assert "grandchild ignores SIGTERM" in message, message
    stack.wait_for("the group to be gone",
                   lambda: not leftover(f"sleep {seconds}") and not leftover(f"sleep {grand}"),
                   timeout=5)


def check_output_link_out_refused(stack):
    """As root, the worker packs outputs with its own rights: a source directory the commands'
    user replaced by a link out of the workspace is not read."""
    if stack.uid is None:
        print("     skipped: not root, the commands run as the worker's user", flush=True)
        return
    name = unique("wk-escape")
    action = commands_action(
        "Escape", ["cd .. && mv SourceArtifact moved && ln -s /etc SourceArtifact"],
        outputArtifacts=[{"name": "Loot", "files": ["shadow"]}])
    execution = start_with_source(stack, name, action, {"a.txt": b"a"})
    detail = action_execution(stack, name, execution, "Escape")
    assert detail["status"] == "Failed", detail["status"]
    message = error_message(detail)
    assert "output artifact Loot: the directory src/SourceArtifact leads out of the workspace" \
        in message, message


if __name__ == "__main__":
    wc.run([check_log_readable_while_running, check_buildspec_secret_masked,
            check_timeout_kills_stubborn_grandchild, check_output_link_out_refused], LogsStack())
