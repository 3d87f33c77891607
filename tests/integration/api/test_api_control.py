"""Controlling executions through the aws CLI: retry of a failed stage
(RetryStageExecution), stop and wait then stop and abandon
(StopPipelineExecution), disabled and re-enabled transitions, and the
exceptions CodePipeline answers when these are misused."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (Stack, expect_error, pipeline_declaration, run, s3_deploy,  # noqa: E402
                          s3_source, stage_state, unique, write_json)

RETRY = unique("ctl-retry")
STOP = unique("ctl-stop")
TRANS = unique("ctl-trans")


def two_stages(name, deploy):
    return pipeline_declaration(name, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Deploy", "actions": [s3_deploy(name=deploy)]},
    ])


def execution_status(stack, name, execution):
    return stack.client("viewer").get_pipeline_execution(
        pipelineName=name, pipelineExecutionId=execution)["pipelineExecution"]["status"]


def wait_status(stack, name, execution, wanted, timeout=20):
    return stack.wait_for(f"{name} {execution} to be {wanted}",
                          lambda: execution_status(stack, name, execution) == wanted, timeout)


def check_retry(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(two_stages(RETRY,
                                                                                     "Flaky")))
    execution = stack.aws("start-pipeline-execution", "--name", RETRY,
                          role="operator")["pipelineExecutionId"]
    wait_status(stack, RETRY, execution, "Failed")
    state = stack.aws("get-pipeline-state", "--name", RETRY)
    flaky = stage_state(state, "Deploy")
    assert flaky["latestExecution"]["status"] == "Failed", flaky
    assert flaky["actionStates"][0]["latestExecution"]["errorDetails"]["message"], flaky
    expect_error("StageNotFoundException", stack.aws, "retry-stage-execution", "--pipeline-name",
                 RETRY, "--stage-name", "Nope", "--pipeline-execution-id", execution,
                 "--retry-mode", "FAILED_ACTIONS", role="operator")
    retried = stack.aws("retry-stage-execution", "--pipeline-name", RETRY, "--stage-name",
                        "Deploy", "--pipeline-execution-id", execution, "--retry-mode",
                        "FAILED_ACTIONS", role="operator")
    assert retried["pipelineExecutionId"] == execution, retried
    wait_status(stack, RETRY, execution, "Succeeded")
    state = stack.aws("get-pipeline-state", "--name", RETRY)
    meta = stage_state(state, "Deploy").get("retryStageMetadata", {})
    assert meta.get("manualStageRetryAttempt") == 1, state
    expect_error("StageNotRetryableException", stack.aws, "retry-stage-execution",
                 "--pipeline-name", RETRY, "--stage-name", "Deploy", "--pipeline-execution-id",
                 execution, "--retry-mode", "ALL_ACTIONS", role="operator")
    actions = stack.client().list_action_executions(
        pipelineName=RETRY, filter={"pipelineExecutionId": execution})["actionExecutionDetails"]
    statuses = sorted(a["status"] for a in actions if a["actionName"] == "Flaky")
    assert "Succeeded" in statuses, actions


def check_stop(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(two_stages(STOP,
                                                                                     "Held")))
    execution = stack.aws("start-pipeline-execution", "--name", STOP,
                          role="operator")["pipelineExecutionId"]
    stack.wait_for("the held action", lambda: stage_state(
        stack.client().get_pipeline_state(name=STOP), "Deploy").get("latestExecution", {}).get(
            "status") == "InProgress")
    stopping = stack.aws("stop-pipeline-execution", "--pipeline-name", STOP,
                         "--pipeline-execution-id", execution, "--reason", "wrong commit",
                         role="operator")
    assert stopping["pipelineExecutionId"] == execution
    assert execution_status(stack, STOP, execution) == "Stopping"
    expect_error("DuplicatedStopRequestException", stack.aws, "stop-pipeline-execution",
                 "--pipeline-name", STOP, "--pipeline-execution-id", execution,
                 role="operator")
    stack.aws("stop-pipeline-execution", "--pipeline-name", STOP, "--pipeline-execution-id",
              execution, "--abandon", "--reason", "now", role="operator")
    wait_status(stack, STOP, execution, "Stopped")
    expect_error("PipelineExecutionNotStoppableException", stack.aws, "stop-pipeline-execution",
                 "--pipeline-name", STOP, "--pipeline-execution-id", execution, "--abandon",
                 role="operator")
    expect_error("PipelineExecutionNotStoppableException", stack.aws, "stop-pipeline-execution",
                 "--pipeline-name", STOP, "--pipeline-execution-id",
                 "00000000-0000-4000-8000-000000000000", role="operator")
    summary = stack.aws("list-pipeline-executions", "--pipeline-name",
                        STOP)["pipelineExecutionSummaries"][0]
    assert summary["status"] == "Stopped" and "stopTrigger" in summary, summary
    actions = stack.aws("list-action-executions", "--pipeline-name", STOP, "--filter",
                        f"pipelineExecutionId={execution}")["actionExecutionDetails"]
    held = next(a for a in actions if a["actionName"] == "Held")
    assert held["status"] == "Abandoned", held


def check_transitions(stack):
    stack.aws("create-pipeline", "--cli-input-json", "file://" + write_json(two_stages(TRANS,
                                                                                     "Deploy")))
    expect_error("ValidationException", stack.aws, "disable-stage-transition", "--pipeline-name",
                 TRANS, "--stage-name", "Deploy", "--transition-type", "Inbound", "--reason",
                 "semi;colon", role="operator")
    expect_error("StageNotFoundException", stack.aws, "disable-stage-transition",
                 "--pipeline-name", TRANS, "--stage-name", "Nope", "--transition-type",
                 "Inbound", "--reason", "freeze", role="operator")
    stack.aws("disable-stage-transition", "--pipeline-name", TRANS, "--stage-name", "Deploy",
              "--transition-type", "Inbound", "--reason", "Release freeze (Friday)",
              role="operator")
    state = stack.aws("get-pipeline-state", "--name", TRANS, role="viewer")
    inbound = stage_state(state, "Deploy")["inboundTransitionState"]
    assert inbound["enabled"] is False, inbound
    assert inbound["disabledReason"] == "Release freeze (Friday)", inbound
    assert inbound["lastChangedBy"].endswith(":user/operator"), inbound
    execution = stack.aws("start-pipeline-execution", "--name", TRANS,
                          role="operator")["pipelineExecutionId"]

    def waiting():
        deploy = stage_state(stack.client().get_pipeline_state(name=TRANS), "Deploy")
        return deploy.get("inboundExecution", {}).get("pipelineExecutionId") == execution

    stack.wait_for("the execution to wait at the transition", waiting)
    assert execution_status(stack, TRANS, execution) == "InProgress"
    stack.aws("enable-stage-transition", "--pipeline-name", TRANS, "--stage-name", "Deploy",
              "--transition-type", "Inbound", role="operator")
    wait_status(stack, TRANS, execution, "Succeeded")
    inbound = stage_state(stack.client().get_pipeline_state(name=TRANS),
                          "Deploy")["inboundTransitionState"]
    assert inbound["enabled"] is True, inbound


if __name__ == "__main__":
    run([check_retry, check_stop, check_transitions],
        Stack(runner_rules=["Flaky=fail-once", "Held=hold"]))
