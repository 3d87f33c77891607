"""The authorization matrix against the running api + orchestrator with boto3:
every cell of tests/data/api/authz.json (operation x role), refused =
AccessDeniedException, allowed = any other answer; and docs/api.md shows
exactly the table rendered from that file (run this script with --table to
print it).

Inputs are chosen so that an allowed call changes little: reads and requests
name pipelines that do not exist, CreatePipeline and UpdatePipeline a
pipeline of the test's own. The job operations name a real job of a Custom
type outside the scoped worker's scope (Custom/Build/Scoped*), polled by the
admin before the walk, so the scoped worker's refusals come from its scope."""

import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from botocore import xform_name  # noqa: E402
from botocore.exceptions import ClientError, ParamValidationError  # noqa: E402

from sluice_stack import (ACCOUNT, KEYS, REGION, Stack, custom_action,  # noqa: E402
                          pipeline_declaration, run, s3_source, unique)

SOURCE = os.environ.get("SLUICE_SOURCE_DIR",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../.."))
TABLE = os.path.join(SOURCE, "tests/data/api/authz.json")
DOC = os.path.join(SOURCE, "docs/api.md")
BEGIN = "<!-- authorization table: generated from tests/data/api/authz.json -->"
END = "<!-- end of the authorization table -->"

NAME = unique("authz")
OTHER = unique("authz-other")
MISSING = unique("authz-missing")
PROVIDER = "Authz" + secrets.token_hex(4)
TYPE = {"category": "Build", "owner": "Custom", "provider": PROVIDER, "version": "1"}
ZERO = "00000000-0000-4000-8000-000000000000"
MISSING_ARN = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{MISSING}"

# the identity of each role of the table: KEYS (identity = role) plus a scoped worker
SCOPED = ("AKIDTESTSCOPEDAUTHZ", "scoped-secret-xxxxxxxx")
CREDENTIALS = ",".join(
    [f"{key}:{secret}:{role}:{role}" for role, (key, secret) in KEYS.items()] +
    [f"{SCOPED[0]}:{SCOPED[1]}:scoped:worker(Custom/Build/Scoped*)"])


def load_table():
    with open(TABLE, encoding="utf-8") as handle:
        return json.load(handle)


def render_table(table):
    roles = table["roles"]
    lines = ["| operation | " + " | ".join(roles) + " |",
             "|---|" + "---|" * len(roles)]
    for row in table["operations"]:
        cells = ["yes" if row[role] == "allowed" else "—" for role in roles]
        lines.append(f"| {row['operation']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def documented_table():
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    if BEGIN not in text or END not in text:
        raise AssertionError(f"docs/api.md lacks the markers {BEGIN!r} ... {END!r}")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def inputs(job):
    declaration = pipeline_declaration(OTHER, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [custom_action("Compile", "Scoped" + PROVIDER)]},
    ])
    return {
        "CreatePipeline": declaration,
        "UpdatePipeline": declaration,
        "DeletePipeline": {"name": MISSING},
        "GetPipeline": {"name": NAME},
        "ListPipelines": {},
        "GetPipelineState": {"name": NAME},
        "GetPipelineExecution": {"pipelineName": NAME, "pipelineExecutionId": ZERO},
        "ListPipelineExecutions": {"pipelineName": NAME},
        "ListActionExecutions": {"pipelineName": NAME},
        "StartPipelineExecution": {"name": MISSING},
        "StopPipelineExecution": {"pipelineName": MISSING, "pipelineExecutionId": ZERO},
        "RetryStageExecution": {"pipelineName": MISSING, "stageName": "Build",
                                "pipelineExecutionId": ZERO, "retryMode": "FAILED_ACTIONS"},
        "EnableStageTransition": {"pipelineName": MISSING, "stageName": "Build",
                                  "transitionType": "Inbound"},
        "DisableStageTransition": {"pipelineName": MISSING, "stageName": "Build",
                                   "transitionType": "Inbound", "reason": "matrix"},
        "PutApprovalResult": {"pipelineName": MISSING, "stageName": "Approve",
                              "actionName": "Approve", "token": ZERO,
                              "result": {"summary": "matrix", "status": "Approved"}},
        "TagResource": {"resourceArn": MISSING_ARN, "tags": [{"key": "k", "value": "v"}]},
        "UntagResource": {"resourceArn": MISSING_ARN, "tagKeys": ["k"]},
        "ListTagsForResource": {"resourceArn": MISSING_ARN},
        "ListActionTypes": {},
        "CreateCustomActionType": {"category": "Build", "provider": "Authz" + PROVIDER,
                                   "version": "1",
                                   "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
                                   "outputArtifactDetails": {"minimumCount": 0,
                                                             "maximumCount": 1}},
        "DeleteCustomActionType": {"category": "Build", "provider": "Missing" + PROVIDER,
                                   "version": "1"},
        "GetActionType": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                          "version": "1"},
        "UpdateActionType": {"actionType": {
            "executor": {"type": "JobWorker", "configuration": {}},
            "id": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
            "inputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
            "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1}}},
        "PollForJobs": {"actionTypeId": TYPE},
        "AcknowledgeJob": {"jobId": job, "nonce": "not-the-nonce"},
        "GetJobDetails": {"jobId": job},
        "PutJobSuccessResult": {"jobId": job},
        "PutJobFailureResult": {"jobId": job,
                                "failureDetails": {"type": "JobFailed", "message": "matrix"}},
        "PollForThirdPartyJobs": {"actionTypeId": dict(TYPE, owner="ThirdParty")},
        "GetThirdPartyJobDetails": {"jobId": job, "clientToken": "matrix"},
        "AcknowledgeThirdPartyJob": {"jobId": job, "nonce": "not-the-nonce",
                                     "clientToken": "matrix"},
        "PutThirdPartyJobSuccessResult": {"jobId": job, "clientToken": "matrix"},
        "PutThirdPartyJobFailureResult": {"jobId": job, "clientToken": "matrix",
                                          "failureDetails": {"type": "JobFailed",
                                                             "message": "matrix"}},
        "PutActionRevision": {"pipelineName": MISSING, "stageName": "Source",
                              "actionName": "Source",
                              "actionRevision": {"revisionId": "r", "revisionChangeId": "c",
                                                 "created": 1700000000}},
        "ListDeployActionExecutionTargets": {"pipelineName": NAME, "actionExecutionId": ZERO},
        "PutWebhook": {"webhook": {"name": MISSING, "targetPipeline": MISSING,
                                   "targetAction": "Source", "filters": [],
                                   "authentication": "UNAUTHENTICATED",
                                   "authenticationConfiguration": {}}},
        "ListWebhooks": {},
        "DeleteWebhook": {"name": MISSING},
        "RegisterWebhookWithThirdParty": {"webhookName": MISSING},
        "DeregisterWebhookWithThirdParty": {"webhookName": MISSING},
        "ListRuleTypes": {},
        "ListRuleExecutions": {"pipelineName": NAME},
        "OverrideStageCondition": {"pipelineName": MISSING, "stageName": "Build",
                                   "pipelineExecutionId": ZERO, "conditionType": "BEFORE_ENTRY"},
        "RollbackStage": {"pipelineName": MISSING, "stageName": "Build",
                          "targetPipelineExecutionId": ZERO},
    }


def clients(stack):
    out = {role: stack.client(role) for role in KEYS}
    out["scoped worker"] = stack.client(key=SCOPED[0], secret=SCOPED[1])
    return out


def outcome(client, operation, params):
    """'allowed' or 'refused', and what the api answered."""
    try:
        getattr(client, xform_name(operation))(**params)
        return "allowed", "200"
    except ParamValidationError as err:
        raise AssertionError(f"{operation}: the test's input is invalid: {err}") from err
    except ClientError as err:
        code = err.response["Error"]["Code"]
        return ("refused" if code == "AccessDeniedException" else "allowed"), code


def check_docs_show_the_table(stack):
    del stack
    expected = render_table(load_table())
    got = documented_table()
    assert got == expected, ("docs/api.md's authorization table differs from "
                             f"tests/data/api/authz.json; it should read:\n{expected}")


def check_matrix(stack):
    table = load_table()
    roles = table["roles"]
    served = {row["operation"] for row in table["operations"]}
    assert len(served) == len(table["operations"]), "an operation is listed twice"
    decl = pipeline_declaration(NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [custom_action("Compile", PROVIDER)]},
    ])
    admin = stack.client()
    admin.create_pipeline(**decl)
    stack.client("operator").start_pipeline_execution(name=NAME)
    job = stack.wait_for("the job", lambda: admin.poll_for_jobs(actionTypeId=TYPE)["jobs"])[0]
    params = inputs(job["id"])
    assert set(params) == served, set(params) ^ served
    callers = clients(stack)
    wrong = []
    cells = 0
    for row in table["operations"]:
        operation = row["operation"]
        for role in roles:
            got, answer = outcome(callers[role], operation, params[operation])
            cells += 1
            if got != row[role]:
                wrong.append(f"{operation} as {role}: expected {row[role]}, got {answer}")
    assert not wrong, "\n".join(wrong)
    assert cells == len(served) * len(roles)
    print(f"     {cells} cells", flush=True)


if __name__ == "__main__":
    if "--table" in sys.argv:
        print(render_table(load_table()))
        sys.exit(0)
    run([check_docs_show_the_table, check_matrix],
        Stack(extra_env={"SLUICE_API_CREDENTIALS": CREDENTIALS}))
