"""The approval page in a real browser: Debian's chromium driven by playwright-core
(tests/e2e/browser/approve_page.js) against sluice-approvals on the api's test stack.
The page renders the approval with the commit message of a real git commit (reported
by the source action), a comment is typed, Approve is clicked, and the execution moves
on (checked through the api); the screenshot stays in the build directory
(tests/e2e/browser/approval-page.png). Then bob signs in on the page and signs out: the
page asks to sign in again. Skipped (77) when chromium or
node_modules/playwright-core is missing (run scripts/install-deps.sh)."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "integration", "approvals"))

from approvals_stack import (ApprovalsStack, git_commit, git_source,  # noqa: E402
                             manual_approval, pipeline_declaration, report_commit, request,
                             s3_deploy, sluice_stack, unique, write_json)
from sluice_stack import PEOPLE  # noqa: E402

NAME = unique("apv-browser")
GIT_TYPE = {"category": "Source", "owner": "Custom", "provider": "BrowserGit" + NAME[-6:],
            "version": "1"}
CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "/usr/bin/chromium")
MODULES = os.environ.get("SLUICE_BROWSER_MODULES", os.path.join(HERE, "node_modules"))


def check_approve_in_browser(stack):
    commit, message = git_commit("Checkout: pay with a saved card\n\nThe card form keeps the "
                                 "last <4> digits & the expiry; nothing else is stored.")
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [git_source(GIT_TYPE)]},
        {"name": "Release", "actions": [manual_approval("Gate")]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    stack.aws("start-pipeline-execution", "--name", NAME, role="operator")
    report_commit(stack, GIT_TYPE, commit, message)
    _, approval = stack.wait_for("the approval", lambda: stack.waiting(NAME, "Release", "Gate"),
                                 timeout=30)
    link = stack.link(approval, "alice")
    stack.wait_for("the page", lambda: b'id="approve"' in request(link)[2], timeout=20)
    out_dir = os.path.join(os.environ.get("SLUICE_BINARY_DIR", "build"), "tests/e2e/browser")
    os.makedirs(out_dir, exist_ok=True)
    shot = os.path.join(out_dir, "approval-page.png")
    env = dict(os.environ, NODE_PATH=MODULES, SLUICE_CHROMIUM=CHROMIUM,
               SLUICE_EXPECT_TEXT=message + "\n" + commit,
               SLUICE_SIGNIN_URL=f"{stack.approvals[0]}/approvals/{approval}",
               SLUICE_SIGNIN_KEY=PEOPLE["bob"][0], SLUICE_SIGNIN_SECRET=PEOPLE["bob"][1])
    proc = subprocess.run(["node", os.path.join(HERE, "approve_page.js"), link, shot,
                           "looks good on my phone"], env=env, capture_output=True, text=True,
                          timeout=90, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(proc.stdout, end="", flush=True)
    assert "signed in and out" in proc.stdout, proc.stdout
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
