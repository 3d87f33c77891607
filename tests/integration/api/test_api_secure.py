"""Sluice against the secured servers of the integration_secure_env fixture:
Kafka with SASL/SCRAM and the StandardAuthorizer's ACLs, Redis with an ACL
user and the default user off. The orchestrator, the api and the scripted
runner authenticate with passwords read from 0600 files, and a pipeline runs
end to end through the aws CLI; a service given a wrong Kafka password, a wrong
Redis password or a password file others can read refuses to start, quickly
and saying why; an orchestrator the broker stops authorizing reports it on
/healthz."""

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (Stack, _free_port, _read_env_file, pipeline_declaration,  # noqa: E402
                          run, s3_deploy, s3_source, unique, write_json)

NAME = unique("secure")


def check_pipeline_end_to_end(stack):
    assert stack.secure, "the secured fixture's env file is expected (SLUICE_TEST_SECURE=1)"
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.aws("start-pipeline-execution", "--name", NAME)["pipelineExecutionId"]

    def finished():
        got = stack.aws("get-pipeline-execution", "--pipeline-name", NAME,
                        "--pipeline-execution-id", execution)["pipelineExecution"]["status"]
        return got if got in ("Succeeded", "Failed", "Stopped", "Superseded") else None

    assert stack.wait_for("the execution to finish", finished, timeout=60, interval=0.3) == \
        "Succeeded"
    state = stack.aws("get-pipeline-state", "--name", NAME)
    assert [s["latestExecution"]["status"] for s in state["stageStates"]] == \
        ["Succeeded", "Succeeded"], state


def _private_file(text, mode=0o600):
    handle = tempfile.NamedTemporaryFile("w", delete=False, prefix="sluice-secure-")
    handle.write(text)
    handle.close()
    os.chmod(handle.name, mode)
    return handle.name


def _refused(stack, binary, overrides, wanted, status):
    """Runs binary with the stack's settings plus overrides; it must exit with status, saying wanted."""
    env = dict(stack.service_env)
    env.update(overrides)
    env["SLUICE_API_PORT"] = "0"
    started = time.monotonic()
    proc = subprocess.run([binary], env=env, capture_output=True, text=True, timeout=60,
                          check=False)
    took = time.monotonic() - started
    output = proc.stdout + proc.stderr
    assert proc.returncode == status, (proc.returncode, output[-2000:])
    assert took < 20, f"took {took:.1f}s to give up"
    for text in wanted:
        assert text in output, (text, output[-2000:])


def check_wrong_credentials_refused(stack):
    wrong = _private_file("not-the-password\n")
    try:
        # the broker refuses the orchestrator's SASL login: a clear error, not a hang
        _refused(stack, stack.orchestrator_bin, {"SLUICE_KAFKA_SASL_PASSWORD_FILE": wrong},
                 ["refused this client", "_AUTHENTICATION"], 1)
        _refused(stack, stack.api_bin, {"SLUICE_KAFKA_SASL_PASSWORD_FILE": wrong},
                 ["refused this client", "_AUTHENTICATION"], 1)
        # Redis refuses the api's AUTH
        _refused(stack, stack.api_bin, {"SLUICE_REDIS_PASSWORD_FILE": wrong},
                 ["AUTH refused"], 1)
    finally:
        os.unlink(wrong)


def check_readable_password_file_refused(stack):
    with open(stack.service_env["SLUICE_KAFKA_SASL_PASSWORD_FILE"], encoding="utf-8") as handle:
        shared = _private_file(handle.read(), 0o644)
    try:
        _refused(stack, stack.orchestrator_bin, {"SLUICE_KAFKA_SASL_PASSWORD_FILE": shared},
                 ["SLUICE_KAFKA_SASL_PASSWORD_FILE", shared, "mode 0644"], 2)
        _refused(stack, stack.api_bin, {"SLUICE_REDIS_PASSWORD_FILE": shared},
                 ["SLUICE_REDIS_PASSWORD_FILE", shared, "mode 0644"], 2)
    finally:
        os.unlink(shared)


def _health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
    except OSError:
        return None, None


def check_orchestrator_health_follows_broker(stack):
    """An ACL that denies the orchestrator its topic and group turns its /healthz to 503."""
    env = _read_env_file()
    port = _free_port()
    tag = secrets.token_hex(4)
    prefix = f"{env['SLUICE_TEST_KAFKA_ACL_PREFIX']}.d{tag}."
    group = f"{env['SLUICE_TEST_KAFKA_ACL_PREFIX']}-orch-denied-{tag}"
    overrides = {"SLUICE_TOPIC_PREFIX": prefix, "SLUICE_ORCHESTRATOR_GROUP": group,
                 "SLUICE_ORCHESTRATOR_PORT": str(port)}
    log_path = os.path.join(stack.logdir, "orchestrator-denied.log")
    log = open(log_path, "w", encoding="utf-8")
    proc = subprocess.Popen([stack.orchestrator_bin], env={**stack.service_env, **overrides},
                            stdout=log, stderr=log)
    try:
        stack.wait_for("a healthy orchestrator", lambda: _health(port)[0] == 200, timeout=30)
        assert _health(port)[1]["kafka"] is True
        kafka_sh = os.path.join(os.environ.get("SLUICE_SOURCE_DIR", "."), "scripts/kafka.sh")
        subprocess.run([kafka_sh, "run-class", "kafka.admin.AclCommand", "--bootstrap-server",
                        stack.brokers, "--command-config", env["SLUICE_TEST_KAFKA_ADMIN_CONFIG"],
                        "--add", "--force", "--deny-principal", "User:sluice", "--operation",
                        "Read", "--topic", prefix + "requests", "--group", group],
                       check=True, capture_output=True, timeout=60)

        def refused():
            status, body = _health(port)
            return body if status == 503 else None

        body = stack.wait_for("/healthz to report the refusal", refused, timeout=30,
                              interval=0.2)
        assert body["kafka"] is False and body["redis"] is True, body
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
    with open(log_path, encoding="utf-8") as handle:
        assert "AUTHORIZATION_FAILED" in handle.read()


if __name__ == "__main__":
    run([check_pipeline_end_to_end, check_wrong_credentials_refused,
         check_readable_password_file_refused, check_orchestrator_health_follows_broker], Stack())
