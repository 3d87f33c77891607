#!/usr/bin/env python3
"""Calls a Sluice-style endpoint with the real botocore CodePipeline client.

Used by test_aws_http.c: prints one JSON line describing what the client saw
for a correctly signed ListPipelines, a call signed with a wrong secret and a
call with an unknown access key, so the C test can check that botocore (the
aws CLI's engine) accepts Sluice's answers and reads its errors.

    botocore_call.py <endpoint-url> <access-key-id> <secret-access-key>
"""
import json
import sys

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError


def client(url, key_id, secret):
    session = botocore.session.get_session()
    return session.create_client(
        "codepipeline",
        region_name="us-east-1",
        endpoint_url=url,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


def error_of(call):
    try:
        call()
    except ClientError as err:
        return {
            "code": err.response["Error"]["Code"],
            "message": err.response["Error"]["Message"],
            "status": err.response["ResponseMetadata"]["HTTPStatusCode"],
            "request_id": err.response["ResponseMetadata"].get("RequestId", ""),
        }
    return {"code": "", "status": 200}


def main():
    url, key_id, secret = sys.argv[1:4]
    good = client(url, key_id, secret).list_pipelines()
    first = good["pipelines"][0]
    print(json.dumps({
        "names": [p["name"] for p in good["pipelines"]],
        "created": first["created"].timestamp(),
        "request_id": good["ResponseMetadata"]["RequestId"],
        "wrong_secret": error_of(lambda: client(url, key_id, secret + "x").list_pipelines()),
        "unknown_key": error_of(lambda: client(url, "AKIDNOBODY0000000000", secret).list_pipelines()),
        "unknown_op": error_of(lambda: client(url, key_id, secret).get_pipeline(name="demo")),
    }))


if __name__ == "__main__":
    main()
