"""The approval page in a real browser: Debian's chromium driven by playwright-core
(tests/e2e/browser/approve_page.js) against sluice-approvals on the api's test stack.
The page renders the approval, a comment is typed, Approve is clicked, and the
execution moves on (checked through the api); the screenshot stays in the build
directory (tests/e2e/browser/approval-page.png). Skipped (77) when chromium or
node_modules/playwright-core is missing (run scripts/install-deps.sh)."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "approvals"))

from approvals_stack import (ApprovalsStack, manual_approval, pipeline_declaration,  # noqa: E402
                             request, s3_deploy, s3_source, sluice_stack, unique, write_json)

NAME = unique("apv-browser")
CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "/usr/bin/chromium")
MODULES = os.environ.get("SLUICE_BROWSER_MODULES", os.path.join(HERE, "node_modules"))


def check_approve_in_browser(stack):
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Release", "actions": [manual_approval("Gate")]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.aws("start-pipeline-execution", "--name", NAME, role="operator")
    _, approval = stack.wait_for("the approval", lambda: stack.waiting(NAME, "Release", "Gate"),
                                 timeout=30)
    link = stack.link(approval, "alice")
    stack.wait_for("the page", lambda: b'id="approve"' in request(link)[2], timeout=20)
    out_dir = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"), "tests/e2e/browser")
    os.makedirs(out_dir, exist_ok=True)
    shot = os.path.join(out_dir, "approval-page.png")
    env = dict(os.environ, NODE_PATH=MODULES, SLUICE_CHROMIUM=CHROMIUM)
    proc = subprocess.run(["node", os.path.join(HERE, "approve_page.js"), link, shot,
                           "looks good on my phone"], env=env, capture_output=True, text=True,
                          timeout=90, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert os.path.getsize(shot) > 1000, shot
    stack.wait_for("the gate to pass",
                   lambda: stack.action_status(NAME, "Release", "Gate") == "Succeeded")
    state = stack.client("viewer").get_pipeline_state(name=NAME)
    gate = [a for s in state["stageStates"] if s["stageName"] == "Release"
            for a in s["actionStates"]][0]["latestExecution"]
    assert gate["summary"] == "looks good on my phone", gate
    assert gate["lastUpdatedBy"].endswith(":user/alice"), gate


if __name__ == "__main__":
    if not os.access(CHROMIUM, os.X_OK) or \
            not os.path.isdir(os.path.join(MODULES, "playwright-core")):
        print(f"skipped: {CHROMIUM} or {MODULES}/playwright-core missing "
              "(run scripts/install-deps.sh)", flush=True)
        sys.exit(sluice_stack.SKIP)
    sluice_stack.run([check_approve_in_browser], ApprovalsStack(replicas=1))
