#!/usr/bin/python3
"""Checks schemas/events/ against AWS's example events and a real Sluice run.

Without --capture (ctest events_schemas, pure):
1. every schema is a valid JSON Schema 2020-12 document with the expected $id;
2. CodePipeline's example events (aws-examples/, from the user guide as quoted
   in the reference, §5) validate against the schema of their detail-type and
   against event.schema.json — the schemas describe AWS's shape;
3. Sluice's reference documents (sluice-examples/) validate likewise;
4. mutations that break the contract fail: a misspelled or lowercase state
   (CANCELLED), a stray or misspelled field, a version as a string, an id in
   upper case, a field in a state that does not carry it, and so on; and
   every state of each enum passes with the fields its state calls for.

With --capture FILE (ctest int_events_capture): FILE is what capture_events
wrote while it drove a real orchestrator. Every message is validated against
its schema, and every CodePipeline event is compared with AWS's examples:
envelope members and detail members per state (the examples' own keys plus
the pipeline-execution-attempt the current documentation adds), value types
member by member, source, account, time, resources, ids; plus the job,
request and dead-letter documents against what the run did.

Runs with Debian's python3 and python3-jsonschema; nothing else. Prints one
line per failed check and a summary; exits 0 when everything passed, 1
otherwise, 2 on bad usage.
"""

import argparse
import copy
import json
import os
import re
import sys

import jsonschema

PIPELINE = "CodePipeline Pipeline Execution State Change"
STAGE = "CodePipeline Stage Execution State Change"
ACTION = "CodePipeline Action Execution State Change"
REQUEST = "Sluice Pipeline Request"
JOB_RESULT = "Sluice Job Result"
JOB = "Sluice Action Job"
DEAD_LETTER = "Sluice Dead Letter"
ARTIFACT_STORED = "Sluice Artifact Stored"
APPROVAL_VOTE = "Sluice Approval Vote"
APPROVAL_NEEDED = "Sluice Approval Needed"
APPROVAL_DECIDED = "Sluice Approval Decided"

SCHEMA_FILES = {
    "envelope.schema.json": "urn:sluice:schema:events:envelope",
    "pipeline-execution-state-change.schema.json": "urn:sluice:schema:events:pipeline-execution-state-change",
    "stage-execution-state-change.schema.json": "urn:sluice:schema:events:stage-execution-state-change",
    "action-execution-state-change.schema.json": "urn:sluice:schema:events:action-execution-state-change",
    "pipeline-request.schema.json": "urn:sluice:schema:events:pipeline-request",
    "job-result.schema.json": "urn:sluice:schema:events:job-result",
    "action-job.schema.json": "urn:sluice:schema:events:action-job",
    "dead-letter.schema.json": "urn:sluice:schema:events:dead-letter",
    "artifact-stored.schema.json": "urn:sluice:schema:events:artifact-stored",
    "approval-vote.schema.json": "urn:sluice:schema:events:approval-vote",
    "approval-needed.schema.json": "urn:sluice:schema:events:approval-needed",
    "approval-decided.schema.json": "urn:sluice:schema:events:approval-decided",
    "event.schema.json": "urn:sluice:schema:events:event",
}
SCHEMA_OF = {
    PIPELINE: "urn:sluice:schema:events:pipeline-execution-state-change",
    STAGE: "urn:sluice:schema:events:stage-execution-state-change",
    ACTION: "urn:sluice:schema:events:action-execution-state-change",
    REQUEST: "urn:sluice:schema:events:pipeline-request",
    JOB_RESULT: "urn:sluice:schema:events:job-result",
    JOB: "urn:sluice:schema:events:action-job",
    DEAD_LETTER: "urn:sluice:schema:events:dead-letter",
    ARTIFACT_STORED: "urn:sluice:schema:events:artifact-stored",
    APPROVAL_VOTE: "urn:sluice:schema:events:approval-vote",
    APPROVAL_NEEDED: "urn:sluice:schema:events:approval-needed",
    APPROVAL_DECIDED: "urn:sluice:schema:events:approval-decided",
}
ANY = "urn:sluice:schema:events:event"
ENVELOPE = "urn:sluice:schema:events:envelope"

# The AWS example files and the (detail-type, state) each one shows.
AWS_EXAMPLES = {
    "pipeline-started.json": (PIPELINE, "STARTED"),
    "pipeline-stopping.json": (PIPELINE, "STOPPING"),
    "stage-started.json": (STAGE, "STARTED"),
    "action-succeeded.json": (ACTION, "SUCCEEDED"),
}
# The reference (§5): "current docs add detail.pipeline-execution-attempt".
ATTEMPT = "pipeline-execution-attempt"

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
TIME_Z_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")


class Report:
    """Collects failed checks; counts the checks made."""

    def __init__(self):
        self.checks = 0
        self.failures = []

    def check(self, ok, where, what):
        self.checks += 1
        if not ok:
            self.failures.append("%s: %s" % (where, what))
        return ok


def no_duplicate_keys(pairs):
    """object_pairs_hook refusing duplicate member names (the bus refuses them too)."""
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError("duplicate member %r" % key)
        obj[key] = value
    return obj


def load_json_text(text):
    return json.loads(text, object_pairs_hook=no_duplicate_keys)


def load_json_file(path):
    with open(path, encoding="utf-8") as f:
        return load_json_text(f.read())


def json_type(value):
    """The JSON type name of a decoded value (booleans are not integers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


class Schemas:
    """The schemas of one directory, cross-references resolved among them."""

    def __init__(self, directory, report):
        self.by_id = {}
        for name, expected_id in sorted(SCHEMA_FILES.items()):
            path = os.path.join(directory, name)
            where = "schemas/events/" + name
            if not report.check(os.path.exists(path), where, "missing"):
                continue
            schema = load_json_file(path)
            try:
                jsonschema.Draft202012Validator.check_schema(schema)
                report.check(True, where, "")
            except jsonschema.exceptions.SchemaError as e:
                report.check(False, where, "not a valid 2020-12 schema: %s" % e.message)
                continue
            report.check(schema.get("$id") == expected_id, where,
                         "$id is %r, want %r" % (schema.get("$id"), expected_id))
            report.check(schema.get("$schema") == "https://json-schema.org/draft/2020-12/schema",
                         where, "not declared as 2020-12")
            self.by_id[schema.get("$id")] = schema
        extra = sorted(set(f for f in os.listdir(directory) if f.endswith(".json")) - set(SCHEMA_FILES))
        report.check(not extra, "schemas/events", "files this test does not know: %s" % extra)
        self.validators = {}
        for schema_id, schema in self.by_id.items():
            resolver = jsonschema.RefResolver.from_schema(schema, store=self.by_id)
            self.validators[schema_id] = jsonschema.Draft202012Validator(schema, resolver=resolver)

    def errors(self, schema_id, doc):
        """Readable reasons doc fails schema_id (empty when it passes)."""
        validator = self.validators.get(schema_id)
        if validator is None:
            return ["schema %s not loaded" % schema_id]
        out = []
        for e in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in e.absolute_path)
            out.append("%s: %s" % (path or "(root)", e.message[:300]))
        return out

    def enum(self, schema_id, *path):
        """The enum at $defs/detail/properties/<path> of schema_id."""
        node = self.by_id[schema_id]["$defs"]["detail"]["properties"]
        for p in path:
            node = node[p]
        return node["enum"]


def validate(report, schemas, where, doc, detail_type=None):
    """doc must pass envelope, event and its detail-type's schema."""
    detail_type = detail_type or doc.get("detail-type")
    for schema_id in (ENVELOPE, ANY, SCHEMA_OF.get(detail_type)):
        if schema_id is None:
            report.check(False, where, "unknown detail-type %r" % detail_type)
            continue
        errs = schemas.errors(schema_id, doc)
        report.check(not errs, where, "fails %s: %s" % (schema_id, "; ".join(errs[:5])))


# ---- pure checks ----------------------------------------------------------------------


def load_examples(directory, report):
    unknown = sorted(f for f in os.listdir(directory) if f.endswith(".json") and f not in AWS_EXAMPLES)
    report.check(not unknown, "aws-examples", "files this test does not know: %s" % unknown)
    examples = {}
    for name in sorted(AWS_EXAMPLES):
        path = os.path.join(directory, name)
        if report.check(os.path.exists(path), "aws-examples/" + name, "missing"):
            examples[name] = load_json_file(path)
    return examples


def mutated(doc, change):
    out = copy.deepcopy(doc)
    change(out)
    return out


def set_path(path, value):
    def change(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value
    return change


def delete_path(path):
    def change(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        del node[path[-1]]
    return change


def combine(*changes):
    def change(doc):
        for c in changes:
            c(doc)
    return change


def detail_for_state(detail_type, state, base):
    """base's detail reshaped into what detail_type carries in state."""
    d = copy.deepcopy(base)
    d["state"] = state
    if detail_type == PIPELINE:
        d.pop("stop-execution-comments", None)
        if state == "STARTED":
            d["execution-trigger"] = {"trigger-type": "StartPipelineExecution", "trigger-detail": ""}
        else:
            d.pop("execution-trigger", None)
        if state == "STOPPING":
            d["stop-execution-comments"] = "for an update"
    elif detail_type == ACTION:
        for k in ("input-artifacts", "output-artifacts", "execution-result"):
            d.pop(k, None)
        if state == "STARTED":
            d["input-artifacts"] = [{"name": "SourceArtifact",
                                     "s3location": {"bucket": "b", "key": "k"}}]
        if state == "SUCCEEDED":
            d["output-artifacts"] = copy.deepcopy(base["output-artifacts"])
            d["execution-result"] = copy.deepcopy(base["execution-result"])
        if state == "FAILED":
            d["execution-result"] = {"external-execution-summary": "2 tests failed",
                                     "external-execution-id": "build-17", "error-code": "JobFailed"}
    return d


def check_pure(args, report, schemas):
    examples = load_examples(args.aws_examples, report)
    for name, doc in examples.items():
        where = "aws-examples/" + name
        detail_type, state = AWS_EXAMPLES[name]
        report.check(doc.get("detail-type") == detail_type and doc["detail"].get("state") == state,
                     where, "is not a %s %s event" % (detail_type, state))
        validate(report, schemas, where, doc)

    sluice_docs = {}
    for name in sorted(os.listdir(args.sluice_examples)):
        if name.endswith(".json"):
            doc = load_json_file(os.path.join(args.sluice_examples, name))
            sluice_docs[name] = doc
            validate(report, schemas, "sluice-examples/" + name, doc)
    seen_types = set(d.get("detail-type") for d in sluice_docs.values())
    for detail_type in (REQUEST, JOB_RESULT, JOB, DEAD_LETTER, ARTIFACT_STORED, APPROVAL_VOTE,
                        APPROVAL_NEEDED, APPROVAL_DECIDED):
        report.check(detail_type in seen_types, "sluice-examples", "no %s example" % detail_type)

    # Every state of every state-change enum passes with the fields it calls for.
    bases = {PIPELINE: examples.get("pipeline-started.json"), STAGE: examples.get("stage-started.json"),
             ACTION: examples.get("action-succeeded.json")}
    for detail_type, base in bases.items():
        if base is None:
            continue
        for state in schemas.enum(SCHEMA_OF[detail_type], "state"):
            doc = copy.deepcopy(base)
            doc["detail"] = detail_for_state(detail_type, state, base["detail"])
            errs = schemas.errors(SCHEMA_OF[detail_type], doc)
            report.check(not errs, "%s %s" % (detail_type, state), "a well-formed event fails: %s" % errs[:3])
            report.check(state == state.upper(), "%s %s" % (detail_type, state), "state not UPPERCASE")
        report.check("CANCELLED" not in schemas.enum(SCHEMA_OF[detail_type], "state"), detail_type,
                     "CANCELED is spelled with one L in events")

    # Mutations that must fail.
    must_fail = []
    started = examples.get("pipeline-started.json")
    if started is not None:
        must_fail += [
            ("state CANCELLED", started, set_path(["detail", "state"], "CANCELLED")),
            ("state in PascalCase", started, set_path(["detail", "state"], "Started")),
            ("stray detail field", started, set_path(["detail", "stage-name"], "Build")),
            ("misspelled detail field", started, combine(delete_path(["detail", "execution-id"]),
                                                         set_path(["detail", "execution_id"], "12345678-1234-5678-abcd-12345678abcd"))),
            ("version as a string", started, set_path(["detail", "version"], "1")),
            ("version 0", started, set_path(["detail", "version"], 0)),
            ("attempt as a string", started, set_path(["detail", ATTEMPT], "1")),
            ("execution-id in upper case", started, set_path(["detail", "execution-id"], "12345678-1234-5678-ABCD-12345678ABCD")),
            ("envelope id in upper case", started, set_path(["id"], "01234567-89AB-4CDE-8F01-23456789AB01")),
            ("envelope id not a UUID", started, set_path(["id"], "01234567-EXAMPLE")),
            ("account as a number", started, set_path(["account"], 123456789012)),
            ("account of 11 digits", started, set_path(["account"], "12345678901")),
            ("time without a zone", started, set_path(["time"], "2020-01-24T22:03:07")),
            ("time with a space", started, set_path(["time"], "2020-01-24 22:03:07Z")),
            ("envelope version 1", started, set_path(["version"], "1")),
            ("source not aws.codepipeline", started, set_path(["source"], "sluice.orchestrator")),
            ("no resources", started, set_path(["resources"], [])),
            ("resource not a pipeline ARN", started, set_path(["resources"], ["myPipeline"])),
            ("missing detail.pipeline", started, delete_path(["detail", "pipeline"])),
            ("STARTED without execution-trigger", started, delete_path(["detail", "execution-trigger"])),
            ("execution-trigger on SUCCEEDED", started, set_path(["detail", "state"], "SUCCEEDED")),
            ("stray execution-trigger field", started, set_path(["detail", "execution-trigger", "trigger-id"], "x")),
            ("unknown trigger-type", started, set_path(["detail", "execution-trigger", "trigger-type"], "Manual")),
            ("stop-execution-comments on STARTED", started, set_path(["detail", "stop-execution-comments"], "x")),
            ("detail-type misspelled", started, set_path(["detail-type"], "CodePipeline Pipeline Execution State Changed")),
        ]
    stopping = examples.get("pipeline-stopping.json")
    if stopping is not None:
        must_fail += [
            ("stop-execution-comments on STOPPED", stopping, set_path(["detail", "state"], "STOPPED")),
            ("state ABANDONED for a pipeline", stopping, combine(set_path(["detail", "state"], "ABANDONED"),
                                                                 delete_path(["detail", "stop-execution-comments"]))),
        ]
    stage = examples.get("stage-started.json")
    if stage is not None:
        must_fail += [
            ("stage version \"1\" as the documentation once wrote it", stage, set_path(["detail", "version"], "1")),
            ("state SUPERSEDED for a stage", stage, set_path(["detail", "state"], "SUPERSEDED")),
            ("state CANCELLED for a stage", stage, set_path(["detail", "state"], "CANCELLED")),
            ("missing detail.stage", stage, delete_path(["detail", "stage"])),
            ("action field on a stage", stage, set_path(["detail", "action"], "Build")),
        ]
    action = examples.get("action-succeeded.json")
    if action is not None:
        must_fail += [
            ("type.version as a number", action, set_path(["detail", "type", "version"], 1)),
            ("stray type field", action, set_path(["detail", "type", "name"], "x")),
            ("unknown category", action, set_path(["detail", "type", "category"], "Lint")),
            ("missing type.provider", action, delete_path(["detail", "type", "provider"])),
            ("FAILED without error-code", action, combine(set_path(["detail", "state"], "FAILED"),
                                                          delete_path(["detail", "output-artifacts"]))),
            ("error-code on SUCCEEDED", action, set_path(["detail", "execution-result", "error-code"], "JobFailed")),
            ("execution-result on STARTED", action, combine(set_path(["detail", "state"], "STARTED"),
                                                            delete_path(["detail", "output-artifacts"]))),
            ("output-artifacts on STARTED", action, combine(set_path(["detail", "state"], "STARTED"),
                                                            delete_path(["detail", "execution-result"]))),
            ("input-artifacts on SUCCEEDED", action, set_path(["detail", "input-artifacts"], [{"name": "SourceArtifact"}])),
            ("execution-result on ABANDONED", action, combine(set_path(["detail", "state"], "ABANDONED"),
                                                              delete_path(["detail", "output-artifacts"]))),
            ("stray execution-result field", action, set_path(["detail", "execution-result", "external-execution-status"], "x")),
            ("stray artifact field", action, set_path(["detail", "output-artifacts", 0, "revision"], "x")),
            ("s3location without key", action, delete_path(["detail", "output-artifacts", 0, "s3location", "key"])),
            ("s3location misspelled", action, combine(delete_path(["detail", "output-artifacts", 0, "s3location"]),
                                                      set_path(["detail", "output-artifacts", 0, "s3Location"], {"bucket": "b", "key": "k"}))),
            ("missing detail.region", action, delete_path(["detail", "region"])),
            ("state IN_PROGRESS", action, set_path(["detail", "state"], "IN_PROGRESS")),
            ("state SUPERSEDED for an action", action, set_path(["detail", "state"], "SUPERSEDED")),
        ]
    by_name = sluice_docs
    if "request-start.json" in by_name:
        r = by_name["request-start.json"]
        must_fail += [
            ("request of unknown type", r, set_path(["detail", "type"], "StartExecution")),
            ("JobResult as a Sluice Pipeline Request", r, set_path(["detail", "type"], "JobResult")),
            ("request without pipeline", r, delete_path(["detail", "pipeline"])),
            ("stray request field", r, set_path(["detail", "pipelineName"], "my-pipeline")),
            ("variable without value", r, delete_path(["detail", "variables", 0, "value"])),
            ("requestId not a UUID", r, set_path(["detail", "requestId"], "42")),
            ("request source not sluice.*", r, set_path(["source"], "aws.codepipeline")),
        ]
    if "request-approval.json" in by_name:
        r = by_name["request-approval.json"]
        must_fail += [
            ("approval status in lower case", r, set_path(["detail", "result", "status"], "approved")),
            ("approval without token", r, delete_path(["detail", "token"])),
        ]
    if "request-updated.json" in by_name:
        r = by_name["request-updated.json"]
        must_fail += [
            ("PipelineUpdated without version", r, delete_path(["detail", "version"])),
            ("PipelineUpdated version as a string", r, set_path(["detail", "version"], "2")),
        ]
    if "job-result-failed.json" in by_name:
        r = by_name["job-result-failed.json"]
        must_fail += [
            ("Failed without failureDetails", r, delete_path(["detail", "failureDetails"])),
            ("unknown failure type", r, set_path(["detail", "failureDetails", "type"], "Oops")),
            ("job result of another type", r, set_path(["detail", "type"], "PutApprovalResult")),
        ]
    if "job-result-succeeded.json" in by_name:
        r = by_name["job-result-succeeded.json"]
        must_fail += [
            ("outcome in upper case", r, set_path(["detail", "outcome"], "SUCCEEDED")),
            ("percentComplete over 100", r, set_path(["detail", "executionDetails", "percentComplete"], 101)),
            ("output variable not a string", r, set_path(["detail", "outputVariables", "CommitId"], 7)),
        ]
    if "action-job.json" in by_name:
        r = by_name["action-job.json"]
        must_fail += [
            ("stray job field", r, set_path(["detail", "jobID"], "x")),
            ("job without jobId", r, delete_path(["detail", "jobId"])),
            ("pipelineVersion as a string", r, set_path(["detail", "pipelineVersion"], "2")),
            ("actionTypeId.version as a number", r, set_path(["detail", "actionTypeId", "version"], 1)),
            ("token without expires", r, set_path(["detail", "token"], "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9")),
            ("job from another source", r, set_path(["source"], "sluice.api")),
            ("configuration value not a string", r, set_path(["detail", "configuration", "X"], 1)),
        ]
    if "dead-letter.json" in by_name:
        r = by_name["dead-letter.json"]
        must_fail += [
            ("dead letter with resources", r, set_path(["resources"], ["arn:aws:codepipeline:us-east-1:123456789012:p"])),
            ("keyEncoding without key", r, set_path(["detail", "key"], None)),
            ("stray dead-letter field", r, set_path(["detail", "error"], "x")),
            ("negative offset", r, set_path(["detail", "offset"], -1)),
            ("unknown payloadEncoding", r, set_path(["detail", "payloadEncoding"], "hex")),
            ("dead letter without reason", r, delete_path(["detail", "reason"])),
        ]
    if "approval-vote.json" in by_name:
        r = by_name["approval-vote.json"]
        must_fail += [
            ("decision in lower case", r, set_path(["detail", "decision"], "pending")),
            ("vote in upper case", r, set_path(["detail", "vote"], "APPROVED")),
            ("stray vote field", r, set_path(["detail", "token"], "1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9")),
            ("vote without identity", r, delete_path(["detail", "identity"])),
            ("approvals as a string", r, set_path(["detail", "approvals"], "1")),
            ("no approvals required", r, set_path(["detail", "required-approvals"], 0)),
            ("vote from the api", r, set_path(["source"], "sluice.api")),
        ]
    if "request-vote.json" in by_name:
        r = by_name["request-vote.json"]
        must_fail += [
            ("vote request without identity", r, delete_path(["detail", "identity"])),
            ("vote request with a group not a string", r, set_path(["detail", "groups", 0], 7)),
            ("vote request with a stray field", r, set_path(["detail", "approvers"], [])),
        ]
    for what, base, change in must_fail:
        doc = mutated(base, change)
        schema_id = SCHEMA_OF.get(base.get("detail-type"))
        report.check(bool(schemas.errors(schema_id, doc)), what, "passes %s but must fail" % schema_id)
        report.check(bool(schemas.errors(ANY, doc)), what, "passes event.schema.json but must fail")


# ---- capture checks -------------------------------------------------------------------


def read_capture(path, report):
    lines = []
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            text = text.strip()
            if not text:
                continue
            try:
                lines.append(load_json_text(text))
            except ValueError as e:
                report.check(False, "%s:%d" % (path, n), "not JSON: %s" % e)
    return lines


def expected_detail_keys(examples):
    """Per (detail-type, state): the detail members AWS's examples show, or None when derived.

    Returns a function (detail_type, state, has_inputs, has_outputs) -> set."""
    p_started = set(examples["pipeline-started.json"]["detail"]) | {ATTEMPT}
    p_stopping = set(examples["pipeline-stopping.json"]["detail"]) | {ATTEMPT}
    # "execution-trigger (on STARTED)", "stop-execution-comments (STOPPING)": without them, the rest.
    p_other = p_started - {"execution-trigger"}
    stage = set(examples["stage-started.json"]["detail"]) | {ATTEMPT}
    a_succeeded = set(examples["action-succeeded.json"]["detail"]) | {ATTEMPT}
    # "Action FAILED adds execution-result {..., error-code}; Action STARTED carries
    # input-artifacts; ABANDONED has no execution-result."
    a_base = a_succeeded - {"execution-result", "output-artifacts"}

    def keys(detail_type, state, has_inputs, has_outputs):
        if detail_type == PIPELINE:
            return {"STARTED": p_started, "STOPPING": p_stopping}.get(state, p_other)
        if detail_type == STAGE:
            return stage
        if state == "SUCCEEDED":
            return a_succeeded if has_outputs else a_succeeded - {"output-artifacts"}
        if state == "STARTED":
            return a_base | {"input-artifacts"} if has_inputs else a_base
        if state == "FAILED":
            return a_base | {"execution-result"}
        return a_base

    return keys, p_other == p_stopping - {"stop-execution-comments"}


def compare_types(report, where, example, value, path="detail"):
    """Every member value has the JSON type the AWS example gives the same member."""
    if isinstance(example, dict) and isinstance(value, dict):
        for k in sorted(set(example) & set(value)):
            compare_types(report, where, example[k], value[k], path + "." + k)
        return
    if isinstance(example, list) and isinstance(value, list):
        if example:
            for i, item in enumerate(value):
                compare_types(report, where, example[0], item, "%s[%d]" % (path, i))
        return
    report.check(json_type(example) == json_type(value), where,
                 "%s is a %s, AWS's example has a %s" % (path, json_type(value), json_type(example)))


def check_capture(args, report, schemas):
    examples = load_examples(args.aws_examples, report)
    if len(examples) != len(AWS_EXAMPLES):
        return
    lines = read_capture(args.capture, report)
    meta = [l for l in lines if l.get("stream") == "meta"]
    if not report.check(len(meta) == 1, args.capture, "want one meta line, got %d" % len(meta)):
        return
    meta = meta[0]
    injected = [l for l in lines if l.get("stream") == "injected"]
    injected_payloads = set(l["payload"] for l in injected)
    streams = {"events": [], "jobs": [], "requests": [], "deadletter": []}
    for l in lines:
        if l.get("stream") in streams:
            streams[l["stream"]].append(l)
    wanted_topics = {s: meta["prefix"] + s for s in streams}

    # Decode, drop exact duplicates (at-least-once delivery), validate.
    decoded = {s: [] for s in streams}
    for s, items in streams.items():
        seen = {}
        for l in items:
            where = "%s %s[%s]@%s" % (s, l.get("topic"), l.get("partition"), l.get("offset"))
            report.check(l.get("topic") == wanted_topics[s], where, "topic %r" % l.get("topic"))
            if s == "requests" and l["payload"] in injected_payloads:
                continue
            try:
                doc = load_json_text(l["payload"])
            except ValueError as e:
                report.check(False, where, "payload is not JSON: %s" % e)
                continue
            if not report.check(isinstance(doc, dict), where, "payload is not an object"):
                continue
            ident = doc.get("id")
            if ident in seen:
                report.check(seen[ident] == l["payload"], where,
                             "id %s seen before with other content" % ident)
                continue
            seen[ident] = l["payload"]
            where = "%s %s %s" % (s, doc.get("detail-type"), ident)
            validate(report, schemas, where, doc)
            decoded[s].append((where, l.get("key"), doc))

    check_events(report, schemas, examples, decoded["events"], decoded["jobs"])
    check_jobs(report, decoded["jobs"])
    check_requests(report, decoded["requests"])
    check_dead_letters(report, meta, injected, decoded["deadletter"])


def check_events(report, schemas, examples, events, jobs):
    keys_for, consistent = expected_detail_keys(examples)
    report.check(consistent, "aws-examples", "the STARTED and STOPPING examples disagree on the common members")
    by_type = {PIPELINE: [], STAGE: [], ACTION: []}
    votes = []
    for where, key, doc in events:
        if doc.get("detail-type") == APPROVAL_VOTE:
            # Sluice's audit record of a vote: its schema, keyed by its pipeline
            report.check(not schemas.errors(SCHEMA_OF[APPROVAL_VOTE], doc), where,
                         "does not match the approval-vote schema")
            report.check(key == doc.get("detail", {}).get("pipeline"), where,
                         "key %r is not the pipeline" % key)
            votes.append(doc)
        elif report.check(doc.get("detail-type") in by_type, where, "not a CodePipeline detail-type"):
            by_type[doc["detail-type"]].append((where, key, doc))
    report.check(events, "events", "nothing captured")
    decisions = set(v["detail"].get("decision") for v in votes)
    report.check({"APPROVED", "REJECTED"} <= decisions, "events",
                 "the run's approval and rejection produced no vote events (%s)" % sorted(decisions))

    example_of = {PIPELINE: [examples["pipeline-started.json"], examples["pipeline-stopping.json"]],
                  STAGE: [examples["stage-started.json"]], ACTION: [examples["action-succeeded.json"]]}
    job_index = {}
    for _, _, job in jobs:
        d = job.get("detail", {})
        job_index.setdefault((d.get("pipelineExecutionId"), d.get("stage"), d.get("action")), []).append(d)
    versions = {}
    for _, _, job in jobs:
        d = job.get("detail", {})
        versions.setdefault(d.get("pipelineExecutionId"), set()).add(d.get("pipelineVersion"))

    # Every state of every detail-type occurs.
    for detail_type, items in by_type.items():
        states = set(doc["detail"].get("state") for _, _, doc in items)
        for state in schemas.enum(SCHEMA_OF[detail_type], "state"):
            report.check(state in states, detail_type, "the run produced no %s event" % state)

    first_event = {}
    outputs = {}
    for detail_type, items in by_type.items():
        aws = example_of[detail_type]
        for where, key, doc in items:
            d = doc.get("detail", {})
            state = d.get("state")
            where = "%s %s %s/%s/%s" % (where, state, d.get("execution-id"), d.get("stage", "-"), d.get("action", "-"))
            # Envelope: AWS's members exactly, AWS's types, fixed values.
            report.check(set(doc) == set(aws[0]), where,
                         "envelope members %s, AWS has %s" % (sorted(doc), sorted(aws[0])))
            for member in set(doc) & set(aws[0]):
                if member != "detail":
                    compare_types(report, where, aws[0][member], doc[member], member)
            report.check(doc.get("source") == "aws.codepipeline", where, "source %r" % doc.get("source"))
            report.check(doc.get("version") == "0", where, "version %r" % doc.get("version"))
            report.check(isinstance(doc.get("account"), str) and ACCOUNT_RE.match(doc["account"]) is not None,
                         where, "account %r" % doc.get("account"))
            report.check(isinstance(doc.get("time"), str) and TIME_Z_RE.match(doc["time"]) is not None,
                         where, "time %r is not RFC 3339 UTC (Z)" % doc.get("time"))
            report.check(isinstance(doc.get("id"), str) and UUID_RE.match(doc["id"]) is not None,
                         where, "id %r is not a lowercase UUID" % doc.get("id"))
            report.check(isinstance(d.get("execution-id"), str) and UUID_RE.match(d["execution-id"]) is not None,
                         where, "execution-id %r is not a lowercase UUID" % d.get("execution-id"))
            arn = "arn:aws:codepipeline:%s:%s:%s" % (doc.get("region"), doc.get("account"), d.get("pipeline"))
            report.check(doc.get("resources") == [arn], where, "resources %r, want [%r]" % (doc.get("resources"), arn))
            report.check(key == d.get("pipeline"), where, "message key %r is not the pipeline" % key)

            # Detail: AWS's members for this state, AWS's types.
            job_list = job_index.get((d.get("execution-id"), d.get("stage"), d.get("action")), [])
            has_inputs = any(j.get("inputArtifacts") for j in job_list)
            has_outputs = any(j.get("outputArtifacts") for j in job_list)
            if detail_type == ACTION:
                report.check(job_list, where, "no job was published for this action")
            want = keys_for(detail_type, state, has_inputs, has_outputs)
            report.check(set(d) == want, where, "detail members: extra %s, missing %s" % (
                sorted(set(d) - want), sorted(want - set(d))))
            for example in aws:
                compare_types(report, where, example["detail"], d)
            report.check(isinstance(d.get(ATTEMPT), int) and not isinstance(d.get(ATTEMPT), bool)
                         and d.get(ATTEMPT) >= 1, where, "%s %r" % (ATTEMPT, d.get(ATTEMPT)))
            if versions.get(d.get("execution-id")):
                report.check(versions[d["execution-id"]] == {d.get("version")}, where,
                             "version %r, the execution's jobs say %s" % (d.get("version"), sorted(versions[d["execution-id"]])))

            # Order: an execution's first event is its pipeline STARTED.
            first_event.setdefault(d.get("execution-id"), (detail_type, state, where))

            if detail_type == PIPELINE:
                if state == "STARTED":
                    trigger = d.get("execution-trigger", {})
                    report.check(trigger.get("trigger-type") == "StartPipelineExecution", where,
                                 "trigger-type %r" % trigger.get("trigger-type"))
                    report.check(d.get(ATTEMPT) == 1, where, "STARTED with attempt %r" % d.get(ATTEMPT))
                if state == "RESUMED":
                    report.check(d.get(ATTEMPT, 0) >= 2, where, "RESUMED with attempt %r" % d.get(ATTEMPT))
                if state == "STOPPING" and d.get("stop-execution-comments"):
                    report.check(d["stop-execution-comments"] == "Stopping the pipeline for an update", where,
                                 "stop-execution-comments %r" % d["stop-execution-comments"])
            if detail_type == ACTION:
                check_action(report, where, examples["action-succeeded.json"]["detail"], d, job_list, outputs)
    for execution, (detail_type, state, where) in first_event.items():
        report.check((detail_type, state) == (PIPELINE, "STARTED"), where,
                     "the execution's first event is %s %s, not the pipeline's STARTED" % (detail_type, state))


def check_action(report, where, aws, d, job_list, outputs):
    """An action event against AWS's SUCCEEDED example and the action's jobs."""
    state = d.get("state")
    if job_list:
        report.check(d.get("type") == job_list[0].get("actionTypeId"), where,
                     "type %r, the job says %r" % (d.get("type"), job_list[0].get("actionTypeId")))
        report.check(d.get("region") == (job_list[0].get("region") or d.get("region")), where, "region")
    report.check(set(d.get("type", {})) == set(aws["type"]), where,
                 "type members %s, AWS has %s" % (sorted(d.get("type", {})), sorted(aws["type"])))
    approval = d.get("type", {}).get("category") == "Approval"
    result = d.get("execution-result")
    aws_result = set(aws["execution-result"])
    if state == "SUCCEEDED" and not approval:
        # The run's workers report summary, external id and URL, as CodeCommit does in AWS's example.
        report.check(result is not None and set(result) == aws_result, where,
                     "execution-result members %s, AWS has %s" % (sorted(result or {}), sorted(aws_result)))
    if state == "FAILED":
        report.check(result is not None and "error-code" in result
                     and set(result) <= aws_result | {"error-code"}, where,
                     "FAILED execution-result %r" % result)
    execution = d.get("execution-id")
    aws_artifact = aws["output-artifacts"][0]
    for artifact in d.get("output-artifacts", []):
        report.check(set(artifact) == set(aws_artifact), where,
                     "output artifact members %s, AWS has %s" % (sorted(artifact), sorted(aws_artifact)))
        report.check(set(artifact.get("s3location", {})) == set(aws_artifact["s3location"]), where,
                     "s3location members %s" % sorted(artifact.get("s3location", {})))
        outputs[(execution, artifact.get("name"))] = artifact.get("s3location")
    for artifact in d.get("input-artifacts", []):
        produced = outputs.get((execution, artifact.get("name")))
        report.check(produced is not None and artifact.get("s3location") == produced, where,
                     "input artifact %r is not where its producer put it (%r)" % (artifact, produced))


def check_jobs(report, jobs):
    report.check(jobs, "jobs", "nothing captured")
    for where, key, doc in jobs:
        d = doc.get("detail", {})
        report.check(doc.get("detail-type") == JOB, where, "detail-type %r on the jobs topic" % doc.get("detail-type"))
        report.check(doc.get("id") == d.get("jobId"), where, "envelope id %r is not the jobId %r" % (doc.get("id"), d.get("jobId")))
        report.check(key == d.get("pipelineExecutionId"), where, "message key %r is not the execution id" % key)
        arn = "arn:aws:codepipeline:%s:%s:%s" % (doc.get("region"), doc.get("account"), d.get("pipeline"))
        report.check(d.get("pipelineArn") == arn and doc.get("resources") == [arn], where,
                     "pipelineArn %r / resources %r, want %r" % (d.get("pipelineArn"), doc.get("resources"), arn))
        approval = d.get("actionTypeId", {}).get("category") == "Approval"
        report.check(("token" in d) == approval, where, "token present: %s, approval: %s" % ("token" in d, approval))
        report.check(str(d.get("created", "")) <= str(d.get("deadline", "")), where,
                     "deadline %r before created %r" % (d.get("deadline"), d.get("created")))
        if d.get("actionTypeId", {}).get("provider") == "Commands":
            report.check(d.get("commands") == ["make check TARGET=staging"], where,
                         "commands %r (variables resolved?)" % d.get("commands"))
            report.check(d.get("environmentVariables") == [{"name": "TARGET", "value": "staging", "type": "PLAINTEXT"}],
                         where, "environmentVariables %r" % d.get("environmentVariables"))


def check_requests(report, requests):
    timers = 0
    for where, key, doc in requests:
        d = doc.get("detail", {})
        report.check(doc.get("detail-type") in (REQUEST, JOB_RESULT), where,
                     "detail-type %r on the requests topic" % doc.get("detail-type"))
        report.check(key == d.get("pipeline"), where, "message key %r is not the pipeline" % key)
        if "requestId" in d:
            report.check(d["requestId"] == doc.get("id"), where, "requestId %r is not the envelope id" % d["requestId"])
        if d.get("type") == "TimerFired":
            timers += 1
            report.check(doc.get("source") == "sluice.orchestrator", where, "TimerFired from %r" % doc.get("source"))
    report.check(timers >= 1, "requests", "no TimerFired request from the orchestrator")


def check_dead_letters(report, meta, injected, letters):
    report.check(len(letters) == len(injected), "deadletter",
                 "%d dead letters for %d injected messages" % (len(letters), len(injected)))
    for inj in injected:
        match = [(w, k, doc) for w, k, doc in letters if doc.get("detail", {}).get("payload") == inj["payload"]]
        where = "dead letter of %s" % inj["why"]
        if not report.check(len(match) == 1, where, "want one dead letter, got %d" % len(match)):
            continue
        _, key, doc = match[0]
        d = doc["detail"]
        raw = inj["payload"].encode("utf-8")
        report.check(doc.get("source") == "sluice.orchestrator", where, "source %r" % doc.get("source"))
        report.check(key == inj["key"], where, "message key %r, the original had %r" % (key, inj["key"]))
        report.check(d.get("topic") == meta["prefix"] + "requests", where, "topic %r" % d.get("topic"))
        report.check(d.get("key") == inj["key"] and d.get("keyEncoding") == "text", where,
                     "key %r (%r)" % (d.get("key"), d.get("keyEncoding")))
        report.check(d.get("payloadEncoding") == "text" and d.get("payloadBytes") == len(raw)
                     and d.get("truncated") is False, where,
                     "payload %r bytes %r truncated %r" % (d.get("payloadEncoding"), d.get("payloadBytes"), d.get("truncated")))
        report.check(d.get("consumerGroup") == meta["group"], where,
                     "consumerGroup %r, the orchestrator's is %r" % (d.get("consumerGroup"), meta["group"]))
        report.check(bool(d.get("reason")), where, "no reason")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schemas", required=True, help="schemas/events")
    parser.add_argument("--aws-examples", required=True, help="tests/events/aws-examples")
    parser.add_argument("--sluice-examples", required=True, help="tests/events/sluice-examples")
    parser.add_argument("--capture", help="what capture_events wrote (integration check)")
    args = parser.parse_args()
    for d in (args.schemas, args.aws_examples, args.sluice_examples):
        if not os.path.isdir(d):
            print("not a directory: %s" % d, file=sys.stderr)
            return 2
    report = Report()
    schemas = Schemas(args.schemas, report)
    if args.capture is None:
        check_pure(args, report, schemas)
    elif os.path.exists(args.capture):
        check_capture(args, report, schemas)
    else:
        report.check(False, args.capture, "no such file")
    for failure in report.failures:
        print("FAIL %s" % failure)
    print("%d checks, %d failed" % (report.checks, len(report.failures)))
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
