"""Custom action types through the aws CLI and boto3, with registration required (the
default of an installation, as on AWS): CreateCustomActionType and its refusals,
ListActionTypes with its filters, declarations held to the registered type (a missing
required property, an unknown key, artifact counts, an unregistered type), secret values
masked by GetPipeline and kept by an UpdatePipeline that sends "****", a boto3 job worker
that polls with queryParam, DeleteCustomActionType (listing, polling and declarations
refuse the deleted type; only its identical definition restores it), the limit of 50
types, and GetActionType / UpdateActionType on built-in and job-worker types."""

import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (REGION, Stack, expect_error, pipeline_declaration,  # noqa: E402
                          run, s3_source, stage_state, unique, write_json)

PROVIDER = "Types" + secrets.token_hex(4)
TYPE = {"category": "Build", "owner": "Custom", "provider": PROVIDER, "version": "1"}
EXTERNAL = "Tp" + secrets.token_hex(4)
EXTERNAL_TYPE = {"category": "Deploy", "owner": "ThirdParty", "provider": EXTERNAL,
                 "version": "1"}
NAME = unique("types")


def definition(provider=PROVIDER, version="1", **changes):
    """The CreateCustomActionType input of the test's type (changes override members)."""
    doc = {
        "category": "Build", "provider": provider, "version": version,
        "settings": {"entityUrlTemplate": "https://ci.example.com/{Config:Project}",
                     "executionUrlTemplate": "https://ci.example.com/run/{ExternalExecutionId}"},
        "configurationProperties": [
            {"name": "Project", "required": True, "key": True, "secret": False,
             "queryable": True, "description": "the project the worker builds", "type": "String"},
            {"name": "Token", "required": True, "key": False, "secret": True},
            {"name": "Flags", "required": False, "key": False, "secret": False},
        ],
        "inputArtifactDetails": {"minimumCount": 1, "maximumCount": 1},
        "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 1},
    }
    doc.update(changes)
    return doc


def build_action(config, inputs=("SourceArtifact",), type_id=None):
    return {"name": "Compile", "actionTypeId": type_id or TYPE, "configuration": config,
            "inputArtifacts": [{"name": name} for name in inputs]}


def declaration(config, name=NAME, **kwargs):
    return pipeline_declaration(name, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Build", "actions": [build_action(config, **kwargs)]},
    ])


def listed(stack, **filters):
    types = stack.client("viewer").list_action_types(**filters)["actionTypes"]
    return [t for t in types if t["id"]["provider"] == PROVIDER]


def check_create_refusals(stack):
    admin = stack.client()
    two_queryable = definition(configurationProperties=[
        {"name": "A", "required": True, "key": True, "secret": False, "queryable": True},
        {"name": "B", "required": True, "key": True, "secret": False, "queryable": True}])
    err = expect_error("ValidationException", admin.create_custom_action_type, **two_queryable)
    assert "at most one property may be queryable" in str(err), err
    secret_queryable = definition(configurationProperties=[
        {"name": "A", "required": True, "key": True, "secret": True, "queryable": True}])
    expect_error("ValidationException", admin.create_custom_action_type, **secret_queryable)
    twice = definition(configurationProperties=[
        {"name": "A", "required": True, "key": True, "secret": False},
        {"name": "A", "required": False, "key": True, "secret": False}])
    err = expect_error("ValidationException", admin.create_custom_action_type, **twice)
    assert "given twice" in str(err), err
    inverted = definition(inputArtifactDetails={"minimumCount": 2, "maximumCount": 1})
    expect_error("ValidationException", admin.create_custom_action_type, **inverted)
    # the CLI: a provider outside the pattern, and a reserved tag key
    bad = write_json(definition(provider="no spaces"))
    err = expect_error("ValidationException", stack.aws, "create-custom-action-type",
                       "--cli-input-json", "file://" + bad)
    assert "provider" in str(err), err
    tagged = write_json(definition(tags=[{"key": "aws:owner", "value": "x"}]))
    expect_error("InvalidTagsException", stack.aws, "create-custom-action-type",
                 "--cli-input-json", "file://" + tagged)
    many = definition(tags=[{"key": f"k{i}", "value": "v"} for i in range(51)])
    expect_error("TooManyTagsException", admin.create_custom_action_type, **many)
    # none of them registered anything; only an admin registers
    assert listed(stack) == []
    expect_error("AccessDeniedException", stack.client("worker").create_custom_action_type,
                 **definition())


def check_lifecycle_with_a_job_worker(stack):
    admin = stack.client()
    # an unregistered Custom type is refused, naming the action
    err = expect_error("InvalidActionDeclarationException", admin.create_pipeline,
                       **declaration({"Project": "alpha", "Token": "t0p"}))
    assert "action 'Compile'" in str(err) and "CreateCustomActionType" in str(err), err
    expect_error("ActionTypeNotFoundException", stack.client("worker").poll_for_jobs,
                 actionTypeId=TYPE)

    created = stack.aws("create-custom-action-type", "--cli-input-json",
                        "file://" + write_json(definition(tags=[{"key": "team", "value": "ci"}])))
    assert created["actionType"]["id"] == TYPE, created
    assert created["tags"] == [{"key": "team", "value": "ci"}], created
    props = created["actionType"]["actionConfigurationProperties"]
    assert [p["name"] for p in props] == ["Project", "Token", "Flags"], props
    assert props[0]["queryable"] and props[1]["secret"] and not props[2]["required"], props
    assert created["actionType"]["settings"]["entityUrlTemplate"].endswith("{Config:Project}")
    # the same definition again changes nothing; another one under the same id is refused
    again = admin.create_custom_action_type(**definition())
    assert again["actionType"] == created["actionType"], again
    expect_error("ValidationException", admin.create_custom_action_type,
                 **definition(inputArtifactDetails={"minimumCount": 0, "maximumCount": 2}))

    # ListActionTypes: Custom and unfiltered listings show it, AWS and other regions do not
    assert listed(stack, actionOwnerFilter="Custom") == [created["actionType"]]
    assert len(listed(stack)) == 1
    assert listed(stack, actionOwnerFilter="AWS") == []
    assert listed(stack, regionFilter=REGION) == [created["actionType"]]
    assert stack.client().list_action_types(regionFilter="eu-west-3")["actionTypes"] == []
    cli = stack.aws("list-action-types", "--action-owner-filter", "Custom")["actionTypes"]
    assert [t["id"] for t in cli if t["id"]["provider"] == PROVIDER] == [TYPE], cli

    # declarations are held to the registered type
    err = expect_error("InvalidActionDeclarationException", admin.create_pipeline,
                       **declaration({"Project": "alpha"}))
    assert ("stage 'Build', action 'Compile'" in str(err) and
            "required configuration property 'Token'" in str(err)), err
    err = expect_error("InvalidActionDeclarationException", admin.create_pipeline,
                       **declaration({"Project": "alpha", "Token": "x", "Colour": "red"}))
    assert "configuration key 'Colour' is not a property" in str(err), err
    err = expect_error("InvalidActionDeclarationException", admin.create_pipeline,
                       **declaration({"Project": "alpha", "Token": "x"}, inputs=()))
    assert "0 inputArtifacts" in str(err) and "allows 1 to 1" in str(err), err
    err = expect_error("InvalidActionDeclarationException", admin.create_pipeline,
                       **declaration({"Project": "not queryable!", "Token": "x"}))
    assert "queryable property 'Project'" in str(err), err
    # the CLI reads the same refusal
    err = expect_error("InvalidActionDeclarationException", stack.aws, "create-pipeline",
                       "--cli-input-json", "file://" + write_json(declaration({"Token": "x"})))
    assert "'Project'" in str(err), err

    # a valid one: the secret reads "****"; an update sending "****" keeps it
    created_pipeline = admin.create_pipeline(**declaration({"Project": "alpha", "Token": "s3cr3t"}))
    config = created_pipeline["pipeline"]["stages"][1]["actions"][0]["configuration"]
    assert config == {"Project": "alpha", "Token": "****"}, config
    got = admin.get_pipeline(name=NAME)["pipeline"]
    assert got["stages"][1]["actions"][0]["configuration"]["Token"] == "****", got
    del got["version"]
    got["stages"][1]["actions"][0]["configuration"]["Flags"] = "-O2"
    updated = stack.aws("update-pipeline", "--cli-input-json",
                        "file://" + write_json({"pipeline": got}))
    assert updated["pipeline"]["version"] == 2, updated
    assert updated["pipeline"]["stages"][1]["actions"][0]["configuration"]["Token"] == "****"

    # the job worker: queryParam must be the queryable property, and matches its value
    worker = stack.client("worker")
    err = expect_error("ValidationException", worker.poll_for_jobs, actionTypeId=TYPE,
                       queryParam={"Flags": "x"})
    assert "queryable property" in str(err), err
    execution = stack.client("operator").start_pipeline_execution(
        name=NAME)["pipelineExecutionId"]
    stack.wait_for("the build to start", lambda: stage_state(
        admin.get_pipeline_state(name=NAME), "Build").get("latestExecution"))
    assert worker.poll_for_jobs(actionTypeId=TYPE, queryParam={"Project": "beta"})["jobs"] == []
    job = stack.wait_for("the job", lambda: worker.poll_for_jobs(
        actionTypeId=TYPE, queryParam={"Project": "alpha"})["jobs"])[0]
    # the worker sees the real secret, kept through the update
    assert job["data"]["actionConfiguration"]["configuration"] == {
        "Project": "alpha", "Token": "s3cr3t", "Flags": "-O2"}, job
    assert worker.acknowledge_job(jobId=job["id"], nonce=job["nonce"])["status"] == "InProgress"
    worker.put_job_success_result(jobId=job["id"], executionDetails={"summary": "built"})
    status = stack.wait_for("the execution to succeed", lambda: (
        lambda s: s if s in ("Succeeded", "Failed") else None)(
        admin.get_pipeline_execution(pipelineName=NAME, pipelineExecutionId=execution)
        ["pipelineExecution"]["status"]))
    assert status == "Succeeded", status
    # the action's inputs ListActionExecutions shows mask the secret too
    details = stack.client("viewer").list_action_executions(
        pipelineName=NAME, filter={"pipelineExecutionId": execution})["actionExecutionDetails"]
    build = [d for d in details if d["stageName"] == "Build"][0]["input"]
    assert build["configuration"]["Token"] == "****", build
    assert build.get("resolvedConfiguration", {}).get("Token", "****") == "****", build
    assert build["configuration"]["Project"] == "alpha", build

    # DeleteCustomActionType (the CLI): unlisted, not polled, not declarable
    stack.aws("delete-custom-action-type", "--category", "Build", "--provider", PROVIDER,
              "--action-version", "1")
    stack.aws("delete-custom-action-type", "--category", "Build", "--provider", PROVIDER,
              "--action-version", "1")  # again: nothing to change
    assert listed(stack) == []
    err = expect_error("ActionTypeNotFoundException", worker.poll_for_jobs, actionTypeId=TYPE)
    assert "deleted" in str(err), err
    err = expect_error("InvalidActionDeclarationException", admin.create_pipeline,
                       **declaration({"Project": "alpha", "Token": "x"}, name=unique("gone")))
    assert "was deleted" in str(err), err
    expect_error("ValidationException", admin.delete_custom_action_type, category="Build",
                 provider="Never" + PROVIDER, version="1")
    # re-created only from the identical definition (restored, its tags kept); else a new version
    err = expect_error("ValidationException", admin.create_custom_action_type,
                       **definition(outputArtifactDetails={"minimumCount": 0,
                                                           "maximumCount": 0}))
    assert "new version string" in str(err), err
    restored = admin.create_custom_action_type(**definition())
    assert restored["tags"] == [{"key": "team", "value": "ci"}], restored
    assert listed(stack) == [created["actionType"]]
    admin.create_custom_action_type(**definition(version="2", outputArtifactDetails={
        "minimumCount": 0, "maximumCount": 0}))
    assert sorted(t["id"]["version"] for t in listed(stack)) == ["1", "2"]


def check_the_limit_of_50(stack):
    admin = stack.client()
    active = len(stack.client().list_action_types(actionOwnerFilter="Custom")["actionTypes"])
    made = []
    for i in range(50 - active):
        provider = f"Many{i}" + secrets.token_hex(2)
        admin.create_custom_action_type(**definition(provider=provider))
        made.append(provider)
    err = expect_error("LimitExceededException", admin.create_custom_action_type,
                       **definition(provider="OneTooMany"))
    assert "50" in str(err), err
    admin.delete_custom_action_type(category="Build", provider=made[0], version="1")
    admin.create_custom_action_type(**definition(provider="OneTooMany"))
    for provider in made[1:] + ["OneTooMany"]:
        admin.delete_custom_action_type(category="Build", provider=provider, version="1")


def check_get_and_update_action_type(stack):
    viewer = stack.client("viewer")
    got = stack.aws("get-action-type", "--category", "Build", "--owner", "AWS", "--provider",
                    "CodeBuild", "--action-version", "1", role="viewer")["actionType"]
    assert got["id"] == {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                         "version": "1"}, got
    assert got["executor"]["type"] == "JobWorker", got
    assert {"name": "ProjectName", "optional": False, "key": False, "noEcho": False,
            "queryable": False} in got["properties"], got
    expect_error("ValidationException", viewer.get_action_type, category="Build",
                 owner="Custom", provider=PROVIDER, version="1")
    expect_error("ActionTypeNotFoundException", viewer.get_action_type, category="Deploy",
                 owner="ThirdParty", provider="Nobody", version="1")

    # a job-worker type (SLUICE_EXTERNAL_PROVIDERS): its declaration can be updated
    before = viewer.get_action_type(**EXTERNAL_TYPE)["actionType"]
    assert before["executor"]["configuration"]["jobWorkerExecutorConfiguration"] == {
        "pollingAccounts": ["123456789012"]}, before
    update = {
        "executor": {"type": "JobWorker", "configuration": {
            "jobWorkerExecutorConfiguration": {"pollingAccounts": ["123456789012"]}},
            "jobTimeout": 600},
        "id": EXTERNAL_TYPE, "description": "deploys to the fleet",
        "inputArtifactDetails": {"minimumCount": 1, "maximumCount": 1},
        "outputArtifactDetails": {"minimumCount": 0, "maximumCount": 0},
        "properties": [{"name": "Fleet", "optional": False, "key": True, "noEcho": False,
                        "queryable": True},
                       {"name": "ApiKey", "optional": True, "key": False, "noEcho": True}],
        "urls": {"entityUrlTemplate": "https://fleet.example.com/{Config:Fleet}"},
    }
    stack.aws("update-action-type", "--cli-input-json",
              "file://" + write_json({"actionType": update}))
    assert stack.client().get_action_type(**EXTERNAL_TYPE)["actionType"] == update
    deploy = {"name": "Ship", "actionTypeId": EXTERNAL_TYPE, "configuration": {"ApiKey": "k"},
              "inputArtifacts": [{"name": "SourceArtifact"}]}
    err = expect_error("InvalidActionDeclarationException", stack.client().create_pipeline,
                       **pipeline_declaration(unique("tp"), [
                           {"name": "Source", "actions": [s3_source()]},
                           {"name": "Deploy", "actions": [deploy]}]))
    assert "required configuration property 'Fleet'" in str(err), err
    deploy["configuration"]["Fleet"] = "blue"
    made = stack.client().create_pipeline(**pipeline_declaration(unique("tp"), [
        {"name": "Source", "actions": [s3_source()]}, {"name": "Deploy", "actions": [deploy]}]))
    assert made["pipeline"]["stages"][1]["actions"][0]["configuration"] == {
        "ApiKey": "****", "Fleet": "blue"}, made

    # what cannot be updated
    builtin = dict(update, id={"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                               "version": "1"})
    err = expect_error("RequestFailedException", stack.client().update_action_type,
                       actionType=builtin)
    assert "run by Sluice itself" in str(err), err
    expect_error("ActionTypeNotFoundException", stack.client().update_action_type,
                 actionType=dict(update, id=dict(EXTERNAL_TYPE, provider="Nobody")))
    expect_error("RequestFailedException", stack.client().update_action_type,
                 actionType=dict(update, executor={"type": "Lambda", "configuration": {
                     "lambdaExecutorConfiguration": {"lambdaFunctionArn":
                                                     "arn:aws:lambda:us-east-1:123456789012:"
                                                     "function:f"}}}))
    expect_error("ValidationException", stack.client().update_action_type,
                 actionType=dict(update, inputArtifactDetails={"minimumCount": 0,
                                                               "maximumCount": 11}))
    expect_error("AccessDeniedException", stack.client("operator").update_action_type,
                 actionType=update)


if __name__ == "__main__":
    run([check_create_refusals, check_lifecycle_with_a_job_worker, check_the_limit_of_50,
         check_get_and_update_action_type],
        Stack(external_providers="ThirdParty/Deploy/%s/1" % EXTERNAL, require_custom_types=True))
