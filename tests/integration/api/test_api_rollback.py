"""Stage rollback and stage conditions through the aws CLI and boto3:
a three-stage pipeline whose Deploy fails on the second execution rolls back
automatically (onFailure ROLLBACK) to the first execution's revision;
RollbackStage does the same by hand, also to a target that has left the
orchestrator's working state (only in the archive); all show in
ListPipelineExecutions and GetPipelineExecution with their rollback metadata
and trigger type.
OverrideStageCondition lets a stage blocked by its entry condition through;
ListRuleExecutions shows the rule history (filter, pagination): every
evaluation, across retries of the stage and after the execution left the
orchestrator's working state (more executions than SLUICE_STATE_KEEP_TERMINAL
keeps); ListRuleTypes lists the rules Sluice runs. Each operation's errors are
checked too."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (Stack, _read_env_file, expect_error, pipeline_declaration,  # noqa: E402
                          run, s3_deploy, s3_source, stage_state, unique, write_json)

AUTO = unique("rb-auto")
MANUAL = unique("rb-manual")
GATED = unique("rb-gated")
CHECKED = unique("rb-checked")
ARCHIVED = unique("rb-archived")
MISSING = "00000000-0000-4000-8000-000000000000"


def three_stages(name, release, on_failure=None):
    deploy = {"name": "Deploy", "actions": [s3_deploy(name=release)]}
    if on_failure:
        deploy["onFailure"] = on_failure
    return pipeline_declaration(name, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [s3_deploy(name="Package")]},
        deploy,
    ])


def execution(stack, name, execution_id):
    return stack.client("viewer").get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution_id)["pipelineExecution"]


def wait_status(stack, name, execution_id, wanted, timeout=30):
    return stack.wait_for(f"{name} {execution_id} to be {wanted}",
                          lambda: execution(stack, name, execution_id)["status"] == wanted, timeout)


def summaries(stack, name):
    return stack.client("viewer").list_pipeline_executions(
        pipelineName=name)["pipelineExecutionSummaries"]


def start(stack, name):
    return stack.aws("start-pipeline-execution", "--name", name,
                     role="operator")["pipelineExecutionId"]


def release_input_key(stack, name, execution_id, action):
    details = stack.client("viewer").list_action_executions(
        pipelineName=name, filter={"pipelineExecutionId": execution_id})["actionExecutionDetails"]
    found = [d for d in details if d["actionName"] == action]
    assert len(found) == 1, details
    return found[0]["input"]["inputArtifacts"][0]["s3location"]["key"], details


def check_automatic_rollback(stack):
    decl = three_stages(AUTO, "Release", on_failure={"result": "ROLLBACK"})
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(decl))
    first = start(stack, AUTO)
    wait_status(stack, AUTO, first, "Succeeded")
    second = start(stack, AUTO)
    wait_status(stack, AUTO, second, "Failed")

    def rollback():
        rows = [s for s in summaries(stack, AUTO) if s.get("executionType") == "ROLLBACK"]
        return rows[0] if rows and rows[0]["status"] == "Succeeded" else None

    row = stack.wait_for("the automatic rollback to succeed", rollback, timeout=30)
    back = row["pipelineExecutionId"]
    assert back not in (first, second), row
    assert row["trigger"]["triggerType"] == "AutomatedRollback", row
    assert row["trigger"]["triggerDetail"] == second, row
    assert row["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": first}, row
    standard = {s["pipelineExecutionId"]: s for s in summaries(stack, AUTO)}
    assert standard[first]["executionType"] == "STANDARD", standard
    assert "rollbackMetadata" not in standard[second], standard
    # the first execution's revision, not the failed one's
    first_rev = execution(stack, AUTO, first)["artifactRevisions"][0]["revisionId"]
    second_rev = execution(stack, AUTO, second)["artifactRevisions"][0]["revisionId"]
    assert first_rev != second_rev
    assert row["sourceRevisions"][0]["revisionId"] == first_rev, row
    detail = stack.aws("get-pipeline-execution", "--pipeline-name", AUTO,
                       "--pipeline-execution-id", back, role="viewer")["pipelineExecution"]
    assert detail["executionType"] == "ROLLBACK", detail
    assert detail["rollbackMetadata"]["rollbackTargetPipelineExecutionId"] == first, detail
    assert detail["trigger"]["triggerType"] == "AutomatedRollback", detail
    assert detail["artifactRevisions"][0]["revisionId"] == first_rev, detail
    # only Deploy ran again, with the first execution's artifacts
    key, details = release_input_key(stack, AUTO, back, "Release")
    assert [d["actionName"] for d in details] == ["Release"], details
    assert key == release_input_key(stack, AUTO, first, "Release")[0], key
    state = stack.aws("get-pipeline-state", "--name", AUTO, role="viewer")
    latest = stage_state(state, "Deploy")["latestExecution"]
    assert latest == {"pipelineExecutionId": back, "status": "Succeeded", "type": "ROLLBACK"}, state
    assert stage_state(state, "Build")["latestExecution"]["pipelineExecutionId"] == second, state


def check_manual_rollback(stack):
    stack.aws("create-pipeline", "--cli-input-json",
              "file://" + write_json(three_stages(MANUAL, "Ship")))
    first = start(stack, MANUAL)
    wait_status(stack, MANUAL, first, "Succeeded")
    second = start(stack, MANUAL)
    wait_status(stack, MANUAL, second, "Succeeded")
    cp = stack.client("operator")
    expect_error("StageNotFoundException", cp.rollback_stage, pipelineName=MANUAL,
                 stageName="Nope", targetPipelineExecutionId=first)
    expect_error("PipelineNotFoundException", cp.rollback_stage, pipelineName=unique("nope"),
                 stageName="Deploy", targetPipelineExecutionId=first)
    expect_error("PipelineExecutionNotFoundException", cp.rollback_stage, pipelineName=MANUAL,
                 stageName="Deploy", targetPipelineExecutionId=MISSING)
    expect_error("ValidationException", cp.rollback_stage, pipelineName=MANUAL,
                 stageName="Deploy", targetPipelineExecutionId="not-an-id")
    expect_error("UnableToRollbackStageException", stack.aws, "rollback-stage", "--pipeline-name",
                 MANUAL, "--stage-name", "Source", "--target-pipeline-execution-id", first,
                 role="operator")
    expect_error("AccessDeniedException", stack.client("viewer").rollback_stage,
                 pipelineName=MANUAL, stageName="Deploy", targetPipelineExecutionId=first)
    back = stack.aws("rollback-stage", "--pipeline-name", MANUAL, "--stage-name", "Deploy",
                     "--target-pipeline-execution-id", first,
                     role="operator")["pipelineExecutionId"]
    assert back not in (first, second)
    wait_status(stack, MANUAL, back, "Succeeded")
    row = next(s for s in summaries(stack, MANUAL) if s["pipelineExecutionId"] == back)
    assert row["executionType"] == "ROLLBACK", row
    assert row["trigger"]["triggerType"] == "ManualRollback", row
    assert row["trigger"]["triggerDetail"].endswith(":user/operator"), row
    assert row["rollbackMetadata"]["rollbackTargetPipelineExecutionId"] == first, row
    first_rev = execution(stack, MANUAL, first)["artifactRevisions"][0]["revisionId"]
    assert row["sourceRevisions"][0]["revisionId"] == first_rev, row
    assert (release_input_key(stack, MANUAL, back, "Ship")[0] ==
            release_input_key(stack, MANUAL, first, "Ship")[0])
    # a rollback execution is no target; a new pipeline version outdates the old executions
    expect_error("UnableToRollbackStageException", cp.rollback_stage, pipelineName=MANUAL,
                 stageName="Deploy", targetPipelineExecutionId=back)
    stack.aws("update-pipeline", "--cli-input-json",
              "file://" + write_json(three_stages(MANUAL, "Ship")))
    stack.wait_for("the new version", lambda: stack.client().get_pipeline_state(
        name=MANUAL)["pipelineVersion"] == 2)

    def outdated():
        try:
            cp.rollback_stage(pipelineName=MANUAL, stageName="Deploy",
                              targetPipelineExecutionId=first)
        except Exception as err:  # noqa: BLE001 - the code is what is checked
            return getattr(err, "response", {}).get("Error", {}).get("Code") == \
                "PipelineExecutionOutdatedException"
        raise AssertionError("the rollback to an outdated execution was accepted")

    stack.wait_for("PipelineExecutionOutdatedException", outdated)


def gated_declaration():
    decl = pipeline_declaration(GATED, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy(name="Gated")],
         "beforeEntry": {"conditions": [{"result": "FAIL", "rules": [{
             "name": "Gate",
             "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "LambdaInvoke",
                            "version": "1"},
             "configuration": {"FunctionName": "gate"}}]}]}},
    ])
    return decl


def blocked(stack, execution_id):
    state = stack.client("viewer").get_pipeline_state(name=GATED)
    deploy = stage_state(state, "Deploy")
    entry = deploy.get("beforeEntryConditionState", {}).get("latestExecution", {})
    return (deploy.get("latestExecution", {}).get("pipelineExecutionId") == execution_id and
            entry.get("status") == "InProgress")


def check_override_and_rule_history(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(gated_declaration()))
    first = start(stack, GATED)
    stack.wait_for("the entry condition to hold Deploy", lambda: blocked(stack, first))
    rules = stack.aws("list-rule-executions", "--pipeline-name", GATED, "--filter",
                      f"pipelineExecutionId={first}", role="viewer")["ruleExecutionDetails"]
    assert len(rules) == 1, rules
    gate = rules[0]
    assert gate["ruleName"] == "Gate" and gate["stageName"] == "Deploy", gate
    assert gate["status"] == "InProgress" and gate["pipelineExecutionId"] == first, gate
    assert gate["input"]["ruleTypeId"]["provider"] == "LambdaInvoke", gate
    assert gate["input"]["configuration"] == {"FunctionName": "gate"}, gate
    op = stack.client("operator")
    expect_error("ConditionNotOverridableException", op.override_stage_condition,
                 pipelineName=GATED, stageName="Deploy", pipelineExecutionId=first,
                 conditionType="ON_SUCCESS")
    expect_error("NotLatestPipelineExecutionException", op.override_stage_condition,
                 pipelineName=GATED, stageName="Deploy", pipelineExecutionId=MISSING,
                 conditionType="BEFORE_ENTRY")
    expect_error("StageNotFoundException", op.override_stage_condition, pipelineName=GATED,
                 stageName="Nope", pipelineExecutionId=first, conditionType="BEFORE_ENTRY")
    expect_error("ValidationException", op.override_stage_condition, pipelineName=GATED,
                 stageName="Deploy", pipelineExecutionId=first, conditionType="ON_FAILURE")
    expect_error("AccessDeniedException", stack.client("viewer").override_stage_condition,
                 pipelineName=GATED, stageName="Deploy", pipelineExecutionId=first,
                 conditionType="BEFORE_ENTRY")
    out = stack.aws("override-stage-condition", "--pipeline-name", GATED, "--stage-name",
                    "Deploy", "--pipeline-execution-id", first, "--condition-type",
                    "BEFORE_ENTRY", role="operator")
    assert out == {}, out
    wait_status(stack, GATED, first, "Succeeded")
    entry = stage_state(stack.client().get_pipeline_state(name=GATED),
                        "Deploy")["beforeEntryConditionState"]
    assert entry["latestExecution"]["status"] == "Overridden", entry
    expect_error("NotLatestPipelineExecutionException", op.override_stage_condition,
                 pipelineName=GATED, stageName="Deploy", pipelineExecutionId=first,
                 conditionType="BEFORE_ENTRY")
    # a second blocked execution, let through by boto3
    second = start(stack, GATED)
    stack.wait_for("the entry condition to hold Deploy again", lambda: blocked(stack, second))
    op.override_stage_condition(pipelineName=GATED, stageName="Deploy",
                                pipelineExecutionId=second, conditionType="BEFORE_ENTRY")
    wait_status(stack, GATED, second, "Succeeded")
    # the rule history: one evaluation per execution, newest first, one per page
    viewer = stack.client("viewer")
    page = viewer.list_rule_executions(pipelineName=GATED, maxResults=1)
    assert [d["pipelineExecutionId"] for d in page["ruleExecutionDetails"]] == [second], page
    assert page["ruleExecutionDetails"][0]["status"] == "Abandoned", page
    rest = viewer.list_rule_executions(pipelineName=GATED, maxResults=1,
                                       nextToken=page["nextToken"])
    assert [d["pipelineExecutionId"] for d in rest["ruleExecutionDetails"]] == [first], rest
    assert "nextToken" not in rest, rest
    every = viewer.list_rule_executions(pipelineName=GATED)["ruleExecutionDetails"]
    assert len({d["ruleExecutionId"] for d in every}) == 2, every
    latest = viewer.list_rule_executions(
        pipelineName=GATED, filter={"latestInPipelineExecution": {
            "pipelineExecutionId": first, "startTimeRange": "All"}})["ruleExecutionDetails"]
    assert [d["pipelineExecutionId"] for d in latest] == [first], latest
    expect_error("InvalidNextTokenException", viewer.list_rule_executions, pipelineName=GATED,
                 nextToken="garbage")
    expect_error("PipelineExecutionNotFoundException", viewer.list_rule_executions,
                 pipelineName=GATED, filter={"pipelineExecutionId": MISSING})
    expect_error("PipelineNotFoundException", viewer.list_rule_executions,
                 pipelineName=unique("nope"))
    expect_error("ValidationException", viewer.list_rule_executions, pipelineName=GATED,
                 maxResults=101)


def checked_declaration():
    """Deploy's entry condition fails at once, every time it is evaluated."""
    return pipeline_declaration(CHECKED, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy(name="Checked")],
         "beforeEntry": {"conditions": [{"result": "FAIL", "rules": [{
             "name": "Check",
             "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "VariableCheck",
                            "version": "1"},
             "configuration": {"Variable": "#{codepipeline.PipelineExecutionId}",
                               "Value": "never", "Operator": "EQ"}}]}]}},
    ])


def rule_history(stack, execution_id=None):
    """Every page of ListRuleExecutions of CHECKED (two a page), in order."""
    args = {"pipelineName": CHECKED, "maxResults": 2}
    if execution_id:
        args["filter"] = {"pipelineExecutionId": execution_id}
    details = []
    while True:
        page = stack.client("viewer").list_rule_executions(**args)
        details += page["ruleExecutionDetails"]
        if "nextToken" not in page:
            return details
        args["nextToken"] = page["nextToken"]


def in_working_state(name, execution_id):
    env = _read_env_file()
    out = subprocess.run(["redis-cli", "-h", env["SLUICE_TEST_REDIS_HOST"], "-p",
                          env["SLUICE_TEST_REDIS_PORT"], "EXISTS",
                          f"sluice:{{{name}}}:exec:{execution_id}"],
                         check=True, capture_output=True, text=True).stdout
    return out.strip() == "1"


def check_rollback_to_archived(stack):
    stack.aws("create-pipeline", "--cli-input-json",
              "file://" + write_json(three_stages(ARCHIVED, "Carry")))
    first = start(stack, ARCHIVED)
    wait_status(stack, ARCHIVED, first, "Succeeded")
    # more executions than SLUICE_STATE_KEEP_TERMINAL (3) keeps, each succeeding everywhere:
    # the first is no stage's newest success any more and leaves the working state
    later = []
    for _ in range(4):
        later.append(start(stack, ARCHIVED))
        wait_status(stack, ARCHIVED, later[-1], "Succeeded")
    stack.wait_for(f"{first} to leave the working state",
                   lambda: not in_working_state(ARCHIVED, first))
    listed = {s["pipelineExecutionId"]: s for s in summaries(stack, ARCHIVED)}
    assert listed[first]["status"] == "Succeeded", listed  # from the archive
    first_rev = execution(stack, ARCHIVED, first)["artifactRevisions"][0]["revisionId"]
    last_rev = execution(stack, ARCHIVED, later[-1])["artifactRevisions"][0]["revisionId"]
    assert first_rev != last_rev
    first_key = release_input_key(stack, ARCHIVED, first, "Carry")[0]
    assert first_key != release_input_key(stack, ARCHIVED, later[-1], "Carry")[0]
    cp = stack.client("operator")
    expect_error("UnableToRollbackStageException", cp.rollback_stage, pipelineName=ARCHIVED,
                 stageName="Source", targetPipelineExecutionId=first)
    expect_error("PipelineExecutionNotFoundException", cp.rollback_stage, pipelineName=ARCHIVED,
                 stageName="Deploy", targetPipelineExecutionId=MISSING)
    back = stack.aws("rollback-stage", "--pipeline-name", ARCHIVED, "--stage-name", "Deploy",
                     "--target-pipeline-execution-id", first,
                     role="operator")["pipelineExecutionId"]
    assert back != first and back not in later
    wait_status(stack, ARCHIVED, back, "Succeeded")
    row = next(s for s in summaries(stack, ARCHIVED) if s["pipelineExecutionId"] == back)
    assert row["executionType"] == "ROLLBACK", row
    assert row["trigger"]["triggerType"] == "ManualRollback", row
    assert row["rollbackMetadata"] == {"rollbackTargetPipelineExecutionId": first}, row
    assert row["sourceRevisions"][0]["revisionId"] == first_rev, row
    detail = execution(stack, ARCHIVED, back)
    assert detail["rollbackMetadata"]["rollbackTargetPipelineExecutionId"] == first, detail
    assert detail["artifactRevisions"][0]["revisionId"] == first_rev, detail
    # only Deploy ran again, with what the archived execution ran it with
    key, details = release_input_key(stack, ARCHIVED, back, "Carry")
    assert [d["actionName"] for d in details] == ["Carry"], details
    assert key == first_key, (key, first_key)
    # a new pipeline version outdates the archived target as it does a hot one
    stack.aws("update-pipeline", "--cli-input-json",
              "file://" + write_json(three_stages(ARCHIVED, "Carry")))
    stack.wait_for("the new version", lambda: stack.client().get_pipeline_state(
        name=ARCHIVED)["pipelineVersion"] == 2)
    expect_error("PipelineExecutionOutdatedException", cp.rollback_stage, pipelineName=ARCHIVED,
                 stageName="Deploy", targetPipelineExecutionId=first)


def check_rule_history_archived(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(checked_declaration()))
    first = start(stack, CHECKED)
    wait_status(stack, CHECKED, first, "Failed")
    # each retry evaluates the entry condition again: a new evaluation, the earlier ones kept
    for evaluations in (2, 3):
        stack.aws("retry-stage-execution", "--pipeline-name", CHECKED, "--stage-name", "Deploy",
                  "--pipeline-execution-id", first, "--retry-mode", "FAILED_ACTIONS",
                  role="operator")
        stack.wait_for(f"evaluation {evaluations} of {first}",
                       lambda n=evaluations: len(rule_history(stack, first)) == n)
        wait_status(stack, CHECKED, first, "Failed")
    history = rule_history(stack, first)
    assert len({d["ruleExecutionId"] for d in history}) == 3, history
    for d in history:
        assert d["pipelineExecutionId"] == first and d["stageName"] == "Deploy", d
        assert d["ruleName"] == "Check" and d["status"] == "Failed", d
        assert d["input"]["resolvedConfiguration"]["Variable"] == first, d
    starts = [d["startTime"] for d in history]
    assert starts == sorted(starts, reverse=True) and len(set(starts)) == 3, history
    viewer = stack.client("viewer")
    latest = viewer.list_rule_executions(pipelineName=CHECKED, filter={
        "latestInPipelineExecution": {"pipelineExecutionId": first, "startTimeRange": "Latest"}})
    assert latest["ruleExecutionDetails"] == history[:1], latest
    # more executions than the working state keeps: the first one leaves it, its history stays
    later = []
    for _ in range(5):
        later.append(start(stack, CHECKED))
        wait_status(stack, CHECKED, later[-1], "Failed")
    stack.wait_for(f"{first} to leave the working state",
                   lambda: not in_working_state(CHECKED, first))
    assert rule_history(stack, first) == history
    every = rule_history(stack)
    assert len({d["ruleExecutionId"] for d in every}) == 8, every
    assert [d["pipelineExecutionId"] for d in every] == later[::-1] + [first] * 3, every
    assert every[5:] == history, every
    expect_error("PipelineExecutionNotFoundException", viewer.list_rule_executions,
                 pipelineName=CHECKED, filter={"pipelineExecutionId": MISSING})


def check_rule_types(stack):
    types = stack.aws("list-rule-types", role="viewer")["ruleTypes"]
    by_provider = {t["id"]["provider"]: t for t in types}
    assert sorted(by_provider) == ["Commands", "DeploymentWindow", "LambdaInvoke",
                                   "VariableCheck"], types
    for t in types:
        assert t["id"]["category"] == "Rule" and t["id"]["owner"] == "AWS", t
        assert t["id"]["version"] == "1", t
        assert "minimumCount" in t["inputArtifactDetails"], t
    check = {p["name"]: p for p in by_provider["VariableCheck"]["ruleConfigurationProperties"]}
    assert sorted(check) == ["Operator", "Value", "Variable"], check
    assert all(p["required"] and not p["secret"] for p in check.values()), check
    window = {p["name"]: p for p in by_provider["DeploymentWindow"]["ruleConfigurationProperties"]}
    assert window["Cron"]["required"] and not window["TimeZone"]["required"], window
    cp = stack.client("viewer")
    assert cp.list_rule_types(ruleOwnerFilter="AWS")["ruleTypes"] == types
    assert cp.list_rule_types(regionFilter="us-east-1")["ruleTypes"] == types
    assert cp.list_rule_types(regionFilter="eu-west-3")["ruleTypes"] == []
    expect_error("ValidationException", stack.aws, "list-rule-types", "--rule-owner-filter",
                 "Custom", role="viewer")


if __name__ == "__main__":
    run([check_automatic_rollback, check_manual_rollback, check_rollback_to_archived,
         check_override_and_rule_history,
         check_rule_history_archived, check_rule_types],
        Stack(runner_rules=("Release=fail-run-2",)))
