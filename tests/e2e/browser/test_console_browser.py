"""The console in a real browser: Debian's chromium driven by playwright-core
(tests/e2e/browser/console_page.js) against sluice-console on the api's test stack
(real Kafka, Redis, api, orchestrator). Screenshots stay in the build directory
(tests/e2e/browser/console-*.png). Skipped (77) when chromium or
node_modules/playwright-core is missing (run scripts/install-deps.sh)."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "console"))

from console_stack import (KEYS, ConsoleStack, Page, big_declaration,  # noqa: E402
                           pipeline_declaration, s3_deploy, s3_source, sluice_stack, stage_state,
                           unique, write_json)
from sluice_stack import manual_approval  # noqa: E402

NAME = unique("con-browser")
BIG = unique("con-50x50")
SMALL = unique("con-small")
APPROVAL = unique("con-gate")
LOGS = unique("con-logs")
CONDITIONS = unique("con-conditions")
RETRY = unique("con-retry")
WRITER = ("AKIDTESTLOGWRITER", "log-writer-secret-xxxxxxxx")
READER = ("AKIDTESTLOGREADER", "log-reader-secret-xxxxxxxx")
BUCKET = "sluice-artifacts"
CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "/usr/bin/chromium")
MODULES = os.environ.get("SLUICE_BROWSER_MODULES", os.path.join(HERE, "node_modules"))


def start_store(out_dir):
    """A sluice-artifacts for the action logs: the writer plays the worker, the reader is
    the console's own key of the store (a viewer's)."""
    binary = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"),
                          "services/artifacts/sluice-artifacts")
    data = os.path.join(out_dir, "store")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    port = sluice_stack._free_port()
    env = dict(os.environ, SLUICE_ARTIFACTS_PORT=str(port), SLUICE_ARTIFACTS_DIR=data,
               SLUICE_ARTIFACTS_MIN_FREE_BYTES="0", SLUICE_ARTIFACTS_BUCKETS=BUCKET,
               SLUICE_ARTIFACTS_CREDENTIALS=f"{WRITER[0]}:{WRITER[1]}:worker-1:operator,"
                                            f"{READER[0]}:{READER[1]}:console:viewer")
    log = open(os.path.join(out_dir, "store.log"), "w", encoding="utf-8")
    proc = subprocess.Popen([binary], env=env, stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            with urllib.request.urlopen(endpoint + "/healthz", timeout=1):
                break
        except OSError:
            time.sleep(0.05)
    return proc, endpoint


def grow_log(endpoint, key, stop):
    """Writes the log object again with one more line every 0.4 s, as the worker flushes."""
    s3 = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=WRITER[0],
                      aws_secret_access_key=WRITER[1], region_name="us-east-1",
                      config=Config(s3={"addressing_style": "path"}))
    text = ""
    n = 0
    while not stop.is_set() and n < 200:
        n += 1
        text += f"step {n} ✓ compiled module-{n:03d}\n"
        s3.put_object(Bucket=BUCKET, Key=key, Body=text.encode())
        stop.wait(0.4)


def held_action(stack):
    """Starts LOGS and waits for its Build action (held by the runner) to run: (execution
    id, action execution id)."""
    execution = stack.client("operator").start_pipeline_execution(name=LOGS)["pipelineExecutionId"]
    viewer = stack.client("viewer")
    for _ in range(200):
        details = viewer.list_action_executions(
            pipelineName=LOGS, filter={"pipelineExecutionId": execution})["actionExecutionDetails"]
        build = [d for d in details if d["actionName"] == "Build" and d["status"] == "InProgress"]
        if build:
            return execution, build[0]["actionExecutionId"]
        time.sleep(0.1)
    raise AssertionError("the Build action did not start")


def variable_check(name, operator, value):
    return {"name": name,
            "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "VariableCheck",
                           "version": "1"},
            "configuration": {"Variable": "#{variables.Env}", "Operator": operator,
                              "Value": value}}


def conditions_pipeline(stack):
    """CONDITIONS, run once to its end with Env=staging: Gate's beforeEntry rule (Env EQ
    prod, result SKIP) fails and skips Gate, Deploy's onSuccess rule (Env NE prod) passes,
    Deploy's onFailure (RETRY) is never evaluated."""
    decl = pipeline_declaration(CONDITIONS, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Gate", "actions": [s3_deploy("Smoke")],
         "beforeEntry": {"conditions": [{"result": "SKIP",
                                         "rules": [variable_check("OnlyProd", "EQ", "prod")]}]}},
        {"name": "Deploy", "actions": [s3_deploy()],
         "onSuccess": {"conditions": [{"result": "FAIL",
                                       "rules": [variable_check("NotProd", "NE", "prod")]}]},
         "onFailure": {"result": "RETRY", "retryConfiguration": {"retryMode": "FAILED_ACTIONS"}}},
    ], variables=[{"name": "Env", "defaultValue": "dev", "description": "The target environment"}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    execution = stack.client("operator").start_pipeline_execution(
        name=CONDITIONS, variables=[{"name": "Env", "value": "staging"}])["pipelineExecutionId"]
    viewer = stack.client("viewer")
    stack.wait_for("the conditions pipeline to succeed", lambda: viewer.get_pipeline_execution(
        pipelineName=CONDITIONS, pipelineExecutionId=execution)["pipelineExecution"]["status"]
        == "Succeeded", timeout=30)
    gate = stage_state(viewer.get_pipeline_state(name=CONDITIONS), "Gate")
    assert gate["latestExecution"]["status"] == "Skipped", gate


def failed_stage(stack):
    """RETRY, started once: its Ship stage's Flaky action (the runner fails it the first
    time) has failed, and so has the execution."""
    decl = pipeline_declaration(RETRY, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Ship", "actions": [s3_deploy("Flaky")]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.client("operator").start_pipeline_execution(name=RETRY)
    stack.wait_for("Ship to fail", lambda: stack.action_status(RETRY, "Ship", "Flaky") == "Failed",
                   timeout=30)


def check_console_in_browser(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ], variables=[{"name": "Color", "defaultValue": "blue"}])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    decl = pipeline_declaration(SMALL, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy("Deploy-a"), s3_deploy("Deploy-b")]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(big_declaration(BIG)))
    decl = pipeline_declaration(APPROVAL, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Release", "actions": [manual_approval("Gate")]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.client("operator").start_pipeline_execution(name=APPROVAL)
    decl = pipeline_declaration(LOGS, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [s3_deploy("Build")]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    conditions_pipeline(stack)
    failed_stage(stack)
    log_execution, log_action = held_action(stack)
    stop = threading.Event()
    writer = threading.Thread(target=grow_log, daemon=True,
                              args=(stack.store, f"logs/{LOGS}/{log_action}.log", stop))
    writer.start()
    out_dir = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"), "tests/e2e/browser")
    os.makedirs(out_dir, exist_ok=True)
    cfg = {"url": stack.console, "pipeline": NAME, "big": BIG, "small": SMALL,
           "approval": APPROVAL, "logPipeline": LOGS, "logExecution": log_execution,
           "logAction": log_action, "conditions": CONDITIONS, "retry": RETRY, "operator": list(KEYS["operator"]),
           "viewer": list(KEYS["viewer"]), "approver": list(KEYS["approver"]),
           "shots": os.path.abspath(out_dir)}
    env = dict(os.environ, NODE_PATH=MODULES, SLUICE_CHROMIUM=CHROMIUM)
    try:
        proc = subprocess.run(["node", os.path.join(HERE, "console_page.js"), json.dumps(cfg)],
                              env=env, capture_output=True, text=True, timeout=140, check=False)
    finally:
        stop.set()
        writer.join(5)
    print(proc.stdout, end="", flush=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for shot in ("console-pipeline.png", "console-50x50.png", "console-executions.png",
                 "console-execution.png", "console-action.png", "console-approvals.png",
                 "console-log.png", "console-conditions.png"):
        assert os.path.getsize(os.path.join(out_dir, shot)) > 1000, shot
    # the start from the page carried its variable
    state = stack.client("viewer").list_pipeline_executions(pipelineName=NAME)
    latest = state["pipelineExecutionSummaries"][0]
    execution = stack.client("viewer").get_pipeline_execution(
        pipelineName=NAME, pipelineExecutionId=latest["pipelineExecutionId"])
    variables = {v["name"]: v["resolvedValue"]
                 for v in execution["pipelineExecution"].get("variables", [])}
    assert variables.get("Color") == "green", execution
    # the approval from the approvals view passed the gate with the comment typed there
    state = stack.client("viewer").get_pipeline_state(name=APPROVAL)
    gate = stage_state(state, "Release")["actionStates"][0]["latestExecution"]
    assert gate["status"] == "Succeeded", gate
    # the vote (Sluice's own output member, read raw through the console) carries the comment
    viewer = Page(stack.console)
    viewer.sign_in("viewer")
    status, voted = viewer.call("ListActionExecutions", {"pipelineName": APPROVAL})
    assert status == 200, voted
    gates = [d for d in voted["actionExecutionDetails"] if d["actionName"] == "Gate"]
    assert gates and gates[0]["status"] == "Succeeded", gates
    votes = [(v["identity"].split("/")[-1], v["status"], v["comment"])
             for v in gates[0]["output"].get("sluiceApprovalVotes", [])]
    assert votes == [("approver", "Approved", "Looks good from the console")], votes


if __name__ == "__main__":
    if not os.access(CHROMIUM, os.X_OK) or \
            not os.path.isdir(os.path.join(MODULES, "playwright-core")):
        print(f"skipped: {CHROMIUM} or {MODULES}/playwright-core missing "
              "(run scripts/install-deps.sh)", flush=True)
        sys.exit(sluice_stack.SKIP)
    out = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"), "tests/e2e/browser")
    os.makedirs(out, exist_ok=True)
    store, store_endpoint = start_store(out)
    try:
        console_stack = ConsoleStack(
            extra_console_env={"SLUICE_CONSOLE_LOGS_ENDPOINT": store_endpoint,
                               "SLUICE_CONSOLE_LOGS_KEY": f"{READER[0]}:{READER[1]}"},
            runner_rules=["Build=hold", "Flaky=fail-once"])
        console_stack.store = store_endpoint
        sluice_stack.run([check_console_in_browser], console_stack)
    finally:
        store.terminate()
        store.wait(10)
