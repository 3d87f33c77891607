"""Pipeline definitions through the real aws CLI and boto3: create, get, update
(version bump), list with pagination, tags, action types, delete, and every
definition error the CLI can trigger answered with the exception AWS answers."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sluice_stack import (ACCOUNT, REGION, Stack, expect_error, manual_approval,  # noqa: E402
                          pipeline_declaration, run, s3_deploy, s3_source, unique, write_json)

BASE = unique("defs")


def simple(name, mode=None):
    return pipeline_declaration(name, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Approve", "actions": [manual_approval()]},
        {"name": "Deploy", "actions": [s3_deploy()]},
    ], execution_mode=mode)


def check_create_get_update(stack):
    name = BASE + "-main"
    path = write_json(dict(simple(name), tags=[{"key": "team", "value": "blue"}]))
    created = stack.aws("create-pipeline", "--cli-input-json", "file://" + path)
    assert created["pipeline"]["version"] == 1, created
    assert created["pipeline"]["pipelineType"] == "V2"
    assert created["tags"] == [{"key": "team", "value": "blue"}], created
    got = stack.aws("get-pipeline", "--name", name, role="viewer")
    assert got["metadata"]["pipelineArn"] == f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{name}", got
    assert got["pipeline"]["stages"][0]["actions"][0]["runOrder"] == 1
    assert got["pipeline"]["executionMode"] == "SUPERSEDED"

    # get-pipeline's output is update-pipeline's input once metadata is dropped, as AWS documents
    got["pipeline"]["executionMode"] = "QUEUED"
    update_path = write_json({"pipeline": got["pipeline"]})
    updated = stack.aws("update-pipeline", "--cli-input-json", "file://" + update_path)
    assert updated["pipeline"]["version"] == 2, updated
    now = stack.aws("get-pipeline", "--name", name)
    assert now["pipeline"]["version"] == 2 and now["pipeline"]["executionMode"] == "QUEUED", now
    assert now["metadata"]["updated"] >= now["metadata"]["created"]
    old = stack.aws("get-pipeline", "--name", name, "--pipeline-version", "1")
    assert old["pipeline"]["version"] == 1 and old["pipeline"]["executionMode"] == "SUPERSEDED"
    expect_error("PipelineVersionNotFoundException", stack.aws, "get-pipeline", "--name", name,
                 "--pipeline-version", "9")

    # the state of a pipeline without executions shows its stages
    state = stack.aws("get-pipeline-state", "--name", name, role="viewer")
    assert [s["stageName"] for s in state["stageStates"]] == ["Source", "Approve", "Deploy"], state
    assert all("latestExecution" not in s for s in state["stageStates"]), state

    expect_error("PipelineNameInUseException", stack.aws, "create-pipeline", "--cli-input-json",
                 "file://" + path)


def check_list_pagination(stack):
    names = [f"{BASE}-list-{i}" for i in range(5)]
    for name in reversed(names):
        stack.client().create_pipeline(**simple(name))
    # the CLI follows nextToken across pages of one pipeline each
    listed = stack.aws("list-pipelines", "--page-size", "1", role="viewer")
    mine = [p["name"] for p in listed["pipelines"] if p["name"].startswith(BASE + "-list-")]
    assert mine == names, mine
    # boto3 by hand: pages of two, every name once, in order
    client = stack.client("viewer")
    seen, token, pages = [], None, 0
    while True:
        kwargs = {"maxResults": 2}
        if token:
            kwargs["nextToken"] = token
        page = client.list_pipelines(**kwargs)
        assert len(page["pipelines"]) <= 2
        seen += [p["name"] for p in page["pipelines"]]
        pages += 1
        token = page.get("nextToken")
        if not token:
            break
    assert [n for n in seen if n.startswith(BASE + "-list-")] == names, seen
    assert len(seen) == len(set(seen))
    summary = next(p for p in client.list_pipelines()["pipelines"] if p["name"] == names[0])
    assert summary["version"] == 1 and summary["pipelineType"] == "V2", summary
    assert summary["executionMode"] == "SUPERSEDED" and "created" in summary, summary
    expect_error("InvalidNextTokenException", client.list_pipelines, nextToken="bm90IGEgdG9rZW4")
    # the paginator boto3 users reach for
    paginated = []
    for page in client.get_paginator("list_pipelines").paginate(PaginationConfig={"PageSize": 3}):
        paginated += [p["name"] for p in page["pipelines"]]
    assert [n for n in paginated if n.startswith(BASE + "-list-")] == names


def check_tags_and_types(stack):
    name = BASE + "-tags"
    stack.client().create_pipeline(**simple(name))
    arn = f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{name}"
    stack.aws("tag-resource", "--resource-arn", arn, "--tags", "key=a,value=1", "key=b,value=2")
    tags = stack.aws("list-tags-for-resource", "--resource-arn", arn, role="viewer")["tags"]
    assert tags == [{"key": "a", "value": "1"}, {"key": "b", "value": "2"}], tags
    stack.aws("untag-resource", "--resource-arn", arn, "--tag-keys", "a")
    tags = stack.aws("list-tags-for-resource", "--resource-arn", arn)["tags"]
    assert tags == [{"key": "b", "value": "2"}], tags
    expect_error("ResourceNotFoundException", stack.aws, "list-tags-for-resource",
                 "--resource-arn", f"arn:aws:codepipeline:{REGION}:{ACCOUNT}:{BASE}-ghost")
    expect_error("InvalidArnException", stack.aws, "list-tags-for-resource", "--resource-arn",
                 f"arn:aws:codepipeline:{REGION}:999999999999:{name}")
    expect_error("ValidationException", stack.aws, "tag-resource", "--resource-arn", "not-an-arn",
                 "--tags", "key=a,value=1")
    expect_error("InvalidTagsException", stack.aws, "tag-resource", "--resource-arn", arn,
                 "--tags", "key=aws:reserved,value=1")
    too_many = [f"key=k{i},value=v" for i in range(51)]
    expect_error("TooManyTagsException", stack.aws, "tag-resource", "--resource-arn", arn,
                 "--tags", *too_many)

    types = stack.aws("list-action-types", role="viewer")["actionTypes"]
    ids = {(t["id"]["owner"], t["id"]["category"], t["id"]["provider"]) for t in types}
    assert ("AWS", "Source", "S3") in ids and ("AWS", "Approval", "Manual") in ids, ids
    aws_only = stack.aws("list-action-types", "--action-owner-filter", "AWS")["actionTypes"]
    assert all(t["id"]["owner"] == "AWS" for t in aws_only)


def check_errors(stack):
    # declarations the validator refuses, with CodePipeline's exceptions
    one_stage = pipeline_declaration(BASE + "-bad", [{"name": "Source", "actions": [s3_source()]}])
    expect_error("InvalidStructureException", stack.aws, "create-pipeline", "--cli-input-json",
                 "file://" + write_json(one_stage))
    bad_action = simple(BASE + "-bad")
    bad_action["pipeline"]["stages"][2]["actions"][0]["actionTypeId"]["provider"] = "CodeDeploy"
    expect_error("InvalidActionDeclarationException", stack.aws, "create-pipeline",
                 "--cli-input-json", "file://" + write_json(bad_action))
    bad_stage = simple(BASE + "-bad")
    bad_stage["pipeline"]["stages"][1]["actions"].append(manual_approval())
    expect_error("InvalidStageDeclarationException", stack.aws, "create-pipeline",
                 "--cli-input-json", "file://" + write_json(bad_stage))
    v1_queued = simple(BASE + "-bad", mode="QUEUED")
    v1_queued["pipeline"]["pipelineType"] = "V1"
    expect_error("ValidationException", stack.aws, "create-pipeline", "--cli-input-json",
                 "file://" + write_json(v1_queued))
    # missing things
    expect_error("PipelineNotFoundException", stack.aws, "get-pipeline", "--name", BASE + "-none")
    expect_error("PipelineNotFoundException", stack.aws, "get-pipeline-state", "--name",
                 BASE + "-none")
    # UpdatePipeline's errors in botocore's model have no PipelineNotFoundException
    expect_error("ValidationException", stack.aws, "update-pipeline", "--cli-input-json",
                 "file://" + write_json(simple(BASE + "-none")))
    expect_error("PipelineNotFoundException", stack.aws, "start-pipeline-execution", "--name",
                 BASE + "-none")
    expect_error("PipelineNotFoundException", stack.aws, "list-pipeline-executions",
                 "--pipeline-name", BASE + "-none")
    expect_error("ValidationException", stack.aws, "get-pipeline", "--name", "bad name!")
    expect_error("ValidationException", stack.aws, "get-pipeline-execution", "--pipeline-name",
                 BASE + "-main", "--pipeline-execution-id", "not-a-uuid")
    expect_error("PipelineExecutionNotFoundException", stack.aws, "get-pipeline-execution",
                 "--pipeline-name", BASE + "-main", "--pipeline-execution-id",
                 "00000000-0000-4000-8000-000000000000")
    expect_error("JobNotFoundException", stack.aws, "get-job-details", "--job-id",
                 "00000000-0000-4000-8000-000000000000")
    expect_error("ActionTypeNotFoundException", stack.aws, "poll-for-jobs", "--action-type-id",
                 "category=Build,owner=AWS,provider=CodeBuild,version=1")


def check_delete(stack):
    name = BASE + "-gone"
    stack.client().create_pipeline(**simple(name))
    stack.aws("delete-pipeline", "--name", name)
    expect_error("PipelineNotFoundException", stack.aws, "get-pipeline", "--name", name)
    names = [p["name"] for p in stack.client().list_pipelines()["pipelines"]]
    assert name not in names
    stack.aws("delete-pipeline", "--name", name)  # deleting again is not an error
    again = stack.client().create_pipeline(**simple(name))  # the name is free again
    assert again["pipeline"]["version"] == 1


if __name__ == "__main__":
    run([check_create_get_update, check_list_pagination, check_tags_and_types, check_errors,
         check_delete], Stack())
