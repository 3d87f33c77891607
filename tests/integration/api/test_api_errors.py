"""Every error the api answers is one botocore's codepipeline model lists for that operation,
or one of the errors common to AWS services.

Reads the service model of the botocore the tests use, then calls every operation the api
serves (tests/data/api/authz.json) as admin, with client-side validation off, several ways:
an empty input, the authorization matrix's input (resources that do not exist), the same
input with its first string member broken, and inputs that reach the orchestrator's
refusals (an unknown execution to stop or retry, a wrong approval token, a finished job).
Fails listing every (operation, error) pair the model does not allow.
"""

import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import botocore.session  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402
from botocore import xform_name  # noqa: E402

import test_api_authz as authz  # noqa: E402
from sluice_stack import (KEYS, REGION, Stack, custom_action, manual_approval,  # noqa: E402
                          pipeline_declaration, run, s3_source)

# Errors any AWS JSON service may answer (the AWS common errors, and those of the protocol).
COMMON = {
    "AccessDeniedException", "IncompleteSignature", "InternalFailure", "InvalidAction",
    "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue",
    "InvalidQueryParameter", "MalformedQueryString", "MissingAction",
    "MissingAuthenticationTokenException", "MissingParameter", "NotAuthorized",
    "OptInRequired", "RequestExpired", "ServiceUnavailable", "ServiceUnavailableException",
    "ThrottlingException", "ValidationError", "ValidationException", "SerializationException",
    "UnrecognizedClientException", "InvalidSignatureException",
    "RequestEntityTooLargeException", "UnknownOperationException",
}
ZERO = authz.ZERO


def model():
    return botocore.session.get_session().get_service_model("codepipeline")


def raw_client(stack):
    """An admin client that sends inputs as given (no client-side validation)."""
    key, secret = KEYS["admin"]
    session = botocore.session.get_session()
    return session.create_client(
        "codepipeline", endpoint_url=stack.url, region_name=REGION, aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}))


def broken(params):
    """params with its first string member (depth first) replaced by one no pattern allows."""
    def walk(value):
        if isinstance(value, dict):
            for key in value:
                if isinstance(value[key], str):
                    value[key] = " bad value! " * 200
                    return True
                if walk(value[key]):
                    return True
        if isinstance(value, list):
            return any(walk(item) for item in value)
        return False
    changed = copy.deepcopy(params)
    walk(changed)
    return changed


def check_errors_are_modelled(stack):
    service = model()
    table = authz.load_table()
    served = [row["operation"] for row in table["operations"]]
    admin = stack.client()
    decl = pipeline_declaration(authz.NAME, [
        {"name": "Source", "actions": [s3_source()]},
        {"name": "Approve", "actions": [manual_approval()]},
        {"name": "Build", "actions": [custom_action("Compile", authz.PROVIDER)]},
    ])
    admin.create_pipeline(**decl)
    execution = admin.start_pipeline_execution(name=authz.NAME)["pipelineExecutionId"]
    stack.wait_for("the approval", lambda: [
        s for s in admin.get_pipeline_state(name=authz.NAME)["stageStates"]
        if s["stageName"] == "Approve" and s.get("latestExecution", {}).get("status")
        == "InProgress"])
    inputs = authz.inputs(ZERO)
    extra = {
        "StopPipelineExecution": [{"pipelineName": authz.NAME, "pipelineExecutionId": ZERO}],
        "RetryStageExecution": [{"pipelineName": authz.NAME, "stageName": "Build",
                                 "pipelineExecutionId": ZERO, "retryMode": "FAILED_ACTIONS"},
                                {"pipelineName": authz.NAME, "stageName": "Nope",
                                 "pipelineExecutionId": execution,
                                 "retryMode": "FAILED_ACTIONS"}],
        "PutApprovalResult": [{"pipelineName": authz.NAME, "stageName": "Approve",
                               "actionName": "Approve", "token": ZERO,
                               "result": {"summary": "x", "status": "Approved"}},
                              {"pipelineName": authz.NAME, "stageName": "Approve",
                               "actionName": "Nope", "token": ZERO,
                               "result": {"summary": "x", "status": "Approved"}}],
        "GetPipelineExecution": [{"pipelineName": authz.NAME, "pipelineExecutionId": ZERO}],
        "ListActionExecutions": [{"pipelineName": authz.NAME,
                                  "filter": {"pipelineExecutionId": ZERO}},
                                 {"pipelineName": authz.NAME, "nextToken": "made-up"}],
        "UpdatePipeline": [pipeline_declaration(authz.MISSING, [
            {"name": "Source", "actions": [s3_source()]},
            {"name": "Approve", "actions": [manual_approval()]}])],
        "GetPipeline": [{"name": authz.NAME, "version": 99}],
        "PutActionRevision": [{"pipelineName": authz.NAME, "stageName": "Approve",
                               "actionName": "Approve",
                               "actionRevision": {"revisionId": "r", "revisionChangeId": "c",
                                                  "created": 1700000000}}],
        "ListDeployActionExecutionTargets": [{"pipelineName": authz.NAME,
                                              "actionExecutionId": ZERO}],
        "EnableStageTransition": [{"pipelineName": authz.NAME, "stageName": "Nope",
                                   "transitionType": "Inbound"}],
    }
    client = raw_client(stack)
    seen = {}
    wrong = []
    for operation in served:
        allowed = {shape.name for shape in service.operation_model(operation).error_shapes}
        cases = [{}, inputs[operation], broken(inputs[operation])] + extra.get(operation, [])
        for params in cases:
            try:
                getattr(client, xform_name(operation))(**params)
                code = None
            except ClientError as err:
                code = err.response["Error"]["Code"]
            if code is None:
                continue
            seen.setdefault(operation, set()).add(code)
            if code not in allowed and code not in COMMON:
                wrong.append(f"{operation} answered {code}; botocore lists "
                             f"{sorted(allowed)} (input {str(params)[:120]})")
    assert not wrong, "\n".join(wrong)
    # the refusals the cases are there for were reached (the orchestrator's among them)
    for operation, code in [("StopPipelineExecution", "PipelineExecutionNotStoppableException"),
                            ("RetryStageExecution", "StageNotRetryableException"),
                            ("RetryStageExecution", "StageNotFoundException"),
                            ("PutApprovalResult", "InvalidApprovalTokenException"),
                            ("GetPipelineExecution", "PipelineExecutionNotFoundException"),
                            ("ListDeployActionExecutionTargets",
                             "ActionExecutionNotFoundException"),
                            ("GetPipeline", "PipelineVersionNotFoundException"),
                            ("AcknowledgeThirdPartyJob", "JobNotFoundException")]:
        assert code in seen.get(operation, set()), (operation, code, seen.get(operation))
    modelled = sum(len(codes - COMMON) for codes in seen.values())
    print(f"     {len(served)} operations, {sum(len(c) for c in seen.values())} distinct "
          f"errors seen, {modelled} of them operation-specific", flush=True)


if __name__ == "__main__":
    run([check_errors_are_modelled], Stack())
