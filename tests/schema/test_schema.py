#!/usr/bin/python3
"""Checks schemas/pipeline.schema.json against the golden pipeline cases.

The cases live in tests/data/pipelines/<case>/ (pipeline.json + expected.json,
format in tests/data/pipelines/README.md). This test checks that:

1. the schema is a valid JSON Schema 2020-12 document;
2. every valid case validates against it;
3. every invalid case marked "schema": true fails it, for a reason located at
   (or above, or below) the expected error path, and every invalid case marked
   "schema": false passes it (so that case breaks no rule the schema can see);
4. with --cli (or SLUICE_CLI), `sluice validate <pipeline.json>` exits 0 for
   every valid case and 1 for every invalid one, and agrees with the schema on
   every valid case and every "schema": true case.

Runs with Debian's python3 and python3-jsonschema; nothing else. Prints one
line per failed check and a summary; exits 0 when everything passed, 1
otherwise, 2 on bad usage.
"""

import argparse
import json
import os
import re
import subprocess
import sys

import jsonschema

CLI_TIMEOUT_SECONDS = 20
EXCEPTIONS = {
    "InvalidStructureException",
    "InvalidStageDeclarationException",
    "InvalidActionDeclarationException",
    "InvalidBlockerDeclarationException",
    "ValidationException",
    "LimitExceededException",
}
# pipeline.stages[2].actions[0].configuration.BranchName
PATH_RE = re.compile(r"^pipeline(\.[^.\[\]]+|\[[0-9]+\])*$")
SEGMENT_RE = re.compile(r"\.([^.\[\]]+)|\[([0-9]+)\]")


class Report:
    """Collects failed checks; counts the checks made."""

    def __init__(self):
        self.checks = 0
        self.failures = []

    def check(self, ok, case, what):
        self.checks += 1
        if not ok:
            self.failures.append("%s: %s" % (case, what))
        return ok


def path_segments(path):
    """'pipeline.stages[1].name' -> ['pipeline', 'stages', 1, 'name']."""
    segments = ["pipeline"]
    for key, index in SEGMENT_RE.findall(path[len("pipeline"):]):
        segments.append(int(index) if index else key)
    return segments


def related(a, b):
    """True when one segment list is a prefix of the other."""
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def leaf_errors(error):
    """The innermost errors under a schema error (anyOf / oneOf keep theirs in context)."""
    if not error.context:
        return [error]
    leaves = []
    for sub in error.context:
        leaves.extend(leaf_errors(sub))
    return leaves


def load_cases(cases_dir, report):
    cases = []
    for name in sorted(os.listdir(cases_dir)):
        case_dir = os.path.join(cases_dir, name)
        if not os.path.isdir(case_dir):
            continue
        pipeline_file = os.path.join(case_dir, "pipeline.json")
        expected_file = os.path.join(case_dir, "expected.json")
        try:
            with open(pipeline_file, encoding="utf-8") as f:
                document = json.load(f)
            with open(expected_file, encoding="utf-8") as f:
                expected = json.load(f)
        except (OSError, ValueError) as exc:
            report.check(False, name, "cannot read case: %s" % exc)
            continue
        if not report.check(well_formed(expected), name, "expected.json does not follow the case format"):
            continue
        cases.append((name, pipeline_file, document, expected))
    return cases


def well_formed(expected):
    if not isinstance(expected, dict) or not isinstance(expected.get("valid"), bool):
        return False
    if expected["valid"]:
        return "errors" not in expected
    errors = expected.get("errors")
    if not isinstance(expected.get("schema"), bool) or not isinstance(errors, list) or not errors:
        return False
    for error in errors:
        if not isinstance(error, dict) or error.get("type") not in EXCEPTIONS:
            return False
        if not isinstance(error.get("path"), str) or not PATH_RE.match(error["path"]):
            return False
    return True


def schema_verdict(validator, document):
    """(valid, errors) of the schema on one document."""
    errors = list(validator.iter_errors(document))
    return not errors, errors


def check_schema_case(report, name, expected, valid, errors):
    if expected["valid"]:
        detail = "; ".join("%s: %s" % (list(e.absolute_path), e.message[:160]) for e in errors[:3])
        report.check(valid, name, "valid case rejected by the schema: " + detail)
        return
    if not expected["schema"]:
        detail = "; ".join("%s: %s" % (list(e.absolute_path), e.message[:160]) for e in errors[:3])
        report.check(valid, name, "case marked \"schema\": false is rejected by the schema "
                                  "(it breaks a second rule, or the flag is wrong): " + detail)
        return
    if not report.check(not valid, name, "case marked \"schema\": true passes the schema"):
        return
    wanted = [path_segments(e["path"]) for e in expected["errors"]]
    for error in errors:
        leaves = [["pipeline" if i == 0 else s for i, s in enumerate(leaf.absolute_path)]
                  for leaf in leaf_errors(error)]
        hit = any(related(leaf, want) for leaf in leaves for want in wanted)
        report.check(hit, name, "schema rejects it at %s (%s), away from the expected path"
                     % (list(error.absolute_path), error.message[:160]))


def cli_verdict(cli, pipeline_file):
    """True / False for exit 0 / 1; a string describing anything else."""
    env = dict(os.environ)
    env.pop("SLUICE_EXTERNAL_PROVIDERS", None)  # the cases assume the built-in providers only
    try:
        proc = subprocess.run([cli, "validate", pipeline_file], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=CLI_TIMEOUT_SECONDS, check=False,
                              env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return "could not run: %s" % exc
    if proc.returncode == 0:
        return True
    if proc.returncode == 1:
        return False
    return "exit status %d: %s" % (proc.returncode, proc.stderr.decode("utf-8", "replace")[-300:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", required=True, help="directory of golden pipeline cases")
    parser.add_argument("--schema", required=True, help="schemas/pipeline.schema.json")
    parser.add_argument("--cli", default=os.environ.get("SLUICE_CLI"),
                        help="path of the sluice command-line tool (default: $SLUICE_CLI)")
    args = parser.parse_args()

    report = Report()
    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
        report.check(True, "schema", "")
    except jsonschema.exceptions.SchemaError as exc:
        report.check(False, "schema", "not a valid 2020-12 schema: %s" % exc.message)
        print("\n".join(report.failures))
        return 1
    validator = jsonschema.Draft202012Validator(schema)

    cases = load_cases(args.cases, report)
    counts = {"valid": 0, "invalid": 0}
    for name, pipeline_file, document, expected in cases:
        counts["valid" if expected["valid"] else "invalid"] += 1
        valid, errors = schema_verdict(validator, document)
        check_schema_case(report, name, expected, valid, errors)
        if not args.cli:
            continue
        verdict = cli_verdict(args.cli, pipeline_file)
        if not report.check(isinstance(verdict, bool), name, "sluice validate: %s" % verdict):
            continue
        report.check(verdict == expected["valid"], name, "sluice validate says %s, expected.json says %s"
                     % ("valid" if verdict else "invalid", "valid" if expected["valid"] else "invalid"))
        if expected["valid"] or expected["schema"]:
            report.check(verdict == valid, name, "schema and sluice validate disagree (schema: %s, cli: %s)"
                         % ("valid" if valid else "invalid", "valid" if verdict else "invalid"))

    for failure in report.failures:
        print("FAIL " + failure)
    print("%d cases (%d valid, %d invalid), %d checks, %d failed%s"
          % (len(cases), counts["valid"], counts["invalid"], report.checks, len(report.failures),
             "" if args.cli else "; sluice validate not checked (no --cli)"))
    if not cases:
        print("FAIL no cases found in %s" % args.cases)
        return 1
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
