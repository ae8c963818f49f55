#!/usr/bin/env python3
"""Signs requests with the official SDK's signer (huaweicloudsdkcore.signer.signer.Signer).

stdin: a JSON list of {"method", "host", "path", "query": [[k, v], ...], "headers": {k: v}, "body", "ak", "sk"};
each request's headers carry a fixed X-Sdk-Date. stdout: a JSON list of {"authorization", "uri", "headers"}.
Used by the Swift signing-vector test to compare our signer byte for byte.
"""
import json
import sys

try:
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer
except ImportError as error:  # pragma: no cover
    sys.stderr.write("huaweicloudsdkcore is not installed (%s): run `make venv`\n" % error)
    sys.exit(3)


def sign(vector):
    request = SdkRequest(
        method=vector["method"],
        schema="https",
        host=vector["host"],
        resource_path=vector["path"],
        query_params=[(k, v) for k, v in vector.get("query", [])],
        header_params=dict(vector.get("headers", {})),
        body=vector.get("body", "").encode("utf-8") if vector.get("body") else "",
    )
    signed = Signer(BasicCredentials(vector["ak"], vector["sk"])).sign(request)
    return {
        "authorization": signed.header_params["Authorization"],
        "uri": signed.uri,
        "headers": {k: v for k, v in signed.header_params.items()},
    }


def main():
    vectors = json.load(sys.stdin)
    json.dump([sign(v) for v in vectors], sys.stdout)


if __name__ == "__main__":
    main()
