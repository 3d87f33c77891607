"""Approval votes through the api with the real aws CLI and boto3: a gate that
needs two approvals of the release group (Sluice's SluiceApprovers /
SluiceRequiredApprovals keys), voted by two identities; a double vote and a
vote from outside the group refused; the votes in GetPipelineState and
ListActionExecutions; a bad policy value refused by CreatePipeline; the keys
in ListActionTypes."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (ACCOUNT, Stack, expect_error, manual_approval,  # noqa: E402
                          pipeline_declaration, run, s3_deploy, s3_source, stage_state, unique,
                          write_json)

NAME = unique("votes")
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


def gate():
    action = manual_approval("Gate")
    action["configuration"].update({"SluiceApprovers": "group:release",
                                    "SluiceRequiredApprovals": "2"})
    return action


def declaration(action):
    return pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Release", "actions": [action]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ])


def gate_latest(stack):
    state = stack.client("viewer").get_pipeline_state(name=NAME)
    return stage_state(state, "Release").get("actionStates", [{}])[0].get("latestExecution", {})


def vote_cli(stack, who, token, status="Approved", summary="fine"):
    return stack.aws("put-approval-result", "--pipeline-name", NAME, "--stage-name", "Release",
                     "--action-name", "Gate", "--result", f"summary={summary},status={status}",
                     "--token", token, role=who)


def check_bad_policy_refused(stack):
    action = gate()
    action["configuration"]["SluiceRequiredApprovals"] = "many"
    try:
        stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(declaration(action)))
    except Exception as err:  # noqa: BLE001 - the CLI error is checked below
        assert getattr(err, "code", "") == "InvalidActionDeclarationException", err
        assert "SluiceRequiredApprovals must be a whole number" in err.message, err.message
        return
    raise AssertionError("a bad SluiceRequiredApprovals was accepted")


def check_two_of_two(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(declaration(gate())))
    execution = stack.aws("start-pipeline-execution", "--name", NAME,
                          role="operator")["pipelineExecutionId"]
    token = stack.wait_for("the approval", lambda: gate_latest(stack).get("token")
                           if gate_latest(stack).get("status") == "InProgress" else None)

    # the first vote of two: success, and the approval keeps waiting
    first = vote_cli(stack, "alice", token, summary="tested on staging")
    assert "approvedAt" in first, first
    latest = gate_latest(stack)
    assert latest["status"] == "InProgress", latest
    assert latest["summary"] == "1 of 2 approvals; rejected by nobody", latest
    assert latest["lastUpdatedBy"] == ALICE, latest

    # the same identity again (boto3), and an identity outside the group (aws CLI)
    expect_error("ApprovalAlreadyCompletedException",
                 stack.client("alice").put_approval_result, pipelineName=NAME,
                 stageName="Release", actionName="Gate",
                 result={"summary": "again", "status": "Approved"}, token=token)
    expect_error("AccessDeniedException", vote_cli, stack, "approver", token)
    assert gate_latest(stack)["status"] == "InProgress"

    # the second vote decides
    second = stack.client("bob").put_approval_result(
        pipelineName=NAME, stageName="Release", actionName="Gate",
        result={"summary": "ship it", "status": "Approved"}, token=token)
    assert "approvedAt" in second, second
    stack.wait_for("the gate to pass", lambda: gate_latest(stack).get("status") == "Succeeded")
    latest = gate_latest(stack)
    assert latest["summary"] == "2 of 2 approvals; rejected by nobody", latest
    assert latest["lastUpdatedBy"] == BOB, latest
    expect_error("ApprovalAlreadyCompletedException", vote_cli, stack, "alice", token)

    # every vote, in order, in ListActionExecutions: Sluice's own output member, which the SDKs
    # drop from parsed output (not in their model), so it is read from the raw answer
    raw = []
    viewer = stack.client("viewer")
    viewer.meta.events.register(
        "after-call.codepipeline.ListActionExecutions",
        lambda http_response, **_: raw.append(json.loads(http_response.content)))
    details = viewer.list_action_executions(pipelineName=NAME,
                                            filter={"pipelineExecutionId": execution})
    gates = [d for d in details["actionExecutionDetails"] if d["actionName"] == "Gate"]
    assert len(gates) == 1 and gates[0]["status"] == "Succeeded", details
    assert gates[0]["updatedBy"] == BOB, gates
    raw_gates = [d for d in raw[0]["actionExecutionDetails"] if d["actionName"] == "Gate"]
    votes = raw_gates[0]["output"].get("sluiceApprovalVotes")
    assert [(v["identity"], v["status"], v["comment"]) for v in votes] == [
        (ALICE, "Approved", "tested on staging"), (BOB, "Approved", "ship it")], votes
    assert all(isinstance(v["time"], (int, float)) for v in votes), votes


def check_action_types_show_keys(stack):
    types = stack.client("viewer").list_action_types(actionOwnerFilter="AWS")["actionTypes"]
    manual = [t for t in types if t["id"]["provider"] == "Manual"]
    assert len(manual) == 1, types
    props = {p["name"]: p for p in manual[0]["actionConfigurationProperties"]}
    for key in ("SluiceApprovers", "SluiceRequiredApprovals", "SluiceRejectionRule",
                "SluiceAllowSelfApproval", "SluiceTimeoutAction"):
        assert "Sluice only" in props[key].get("description", ""), props
    assert "description" not in props["CustomData"], props


if __name__ == "__main__":
    run([check_bad_policy_refused, check_two_of_two, check_action_types_show_keys], Stack())
