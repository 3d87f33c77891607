"""The console in a real browser: Debian's chromium driven by playwright-core
(tests/e2e/browser/console_page.js) against sluice-console on the api's test stack
(real Kafka, Redis, api, orchestrator). Screenshots stay in the build directory
(tests/e2e/browser/console-*.png). Skipped (77) when chromium or
node_modules/playwright-core is missing (run scripts/install-deps.sh)."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "console"))

from console_stack import (KEYS, ConsoleStack, Page, pipeline_declaration, s3_deploy,  # noqa: E402
                           s3_source, sluice_stack, stage_state, unique, write_json)
from sluice_stack import manual_approval  # noqa: E402

NAME = unique("con-browser")
BIG = unique("con-50x50")
SMALL = unique("con-small")
APPROVAL = unique("con-gate")
CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "/usr/bin/chromium")
MODULES = os.environ.get("SLUICE_BROWSER_MODULES", os.path.join(HERE, "node_modules"))


def big_declaration():
    """50 stages of 50 actions (CodePipeline's limits), names long enough to wrap."""
    first = [s3_source(f"fetch-{i:02d}-from-the-artifact-store-bucket", artifact=f"Src{i:02d}")
             for i in range(50)]
    stages = [{"name": "Stage-01", "actions": first}]
    for s in range(2, 51):
        actions = []
        for a in range(50):
            action = s3_deploy(f"deploy-{s:02d}-{a:02d}-region-eu-west-1-canary-group",
                               artifact=f"Src{a:02d}")
            action["runOrder"] = 1 + a % 7
            actions.append(action)
        stages.append({"name": f"Stage-{s:02d}", "actions": actions})
    return pipeline_declaration(BIG, stages)


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
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(big_declaration()))
    decl = pipeline_declaration(APPROVAL, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Release", "actions": [manual_approval("Gate")]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.client("operator").start_pipeline_execution(name=APPROVAL)
    out_dir = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"), "tests/e2e/browser")
    os.makedirs(out_dir, exist_ok=True)
    cfg = {"url": stack.console, "pipeline": NAME, "big": BIG, "small": SMALL,
           "approval": APPROVAL, "operator": list(KEYS["operator"]),
           "viewer": list(KEYS["viewer"]), "approver": list(KEYS["approver"]),
           "shots": os.path.abspath(out_dir)}
    env = dict(os.environ, NODE_PATH=MODULES, SLUICE_CHROMIUM=CHROMIUM)
    proc = subprocess.run(["node", os.path.join(HERE, "console_page.js"), json.dumps(cfg)],
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    print(proc.stdout, end="", flush=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for shot in ("console-pipeline.png", "console-50x50.png", "console-executions.png",
                 "console-execution.png", "console-action.png", "console-approvals.png"):
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
    sluice_stack.run([check_console_in_browser], ConsoleStack())
