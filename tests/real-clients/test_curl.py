"""curl --aws-sigv4 against the built server: a third, independent signer."""

import json
import subprocess

from conftest import USER


def curl(server, query: str, secret: str = USER.secret_access_key):
    out = subprocess.run(
        ["curl", "-sS", "-X", "POST", "-D", "-", f"{server.url}/v1/authorization-token?{query}",
         "--aws-sigv4", "aws:amz:us-east-1:codeartifact", "--user", f"{USER.access_key_id}:{secret}"],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    head, _, body = out.stdout.replace("\r\n", "\n").partition("\n\n")
    status = int(head.split("\n")[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in head.split("\n")[1:])}
    return status, headers, json.loads(body)


def test_success(dev_server):
    status, headers, body = curl(dev_server, "domain=demo&duration=3600")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert isinstance(body["expiration"], int) and body["authorizationToken"].startswith("v4.local.")


def test_validation_exception(dev_server):
    status, headers, body = curl(dev_server, "domain=demo&duration=100")
    assert (status, headers["x-amzn-errortype"]) == (400, "ValidationException")
    assert "Value '100' at 'durationSeconds'" in body["message"]


def test_resource_not_found(dev_server):
    status, headers, body = curl(dev_server, "domain=nope")
    assert (status, headers["x-amzn-errortype"]) == (404, "ResourceNotFoundException")
    assert body["message"] == "Domain 'nope' owned by account 111122223333 does not exist."


def test_wrong_secret(dev_server):
    status, headers, body = curl(dev_server, "domain=demo", secret="wrong")
    assert (status, headers["x-amzn-errortype"]) == (403, "InvalidSignatureException")
    assert body["message"].startswith("The request signature we calculated does not match")
