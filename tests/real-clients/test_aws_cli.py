"""The aws CLI (v1, from PyPI) against the built server."""

import datetime
import json
import subprocess
import time

from conftest import BINARY, FRANK, SESSION, USER


def aws(env, *args):
    return subprocess.run(["aws", "codeartifact", *args], env=env, capture_output=True, text=True, timeout=60)


def test_get_authorization_token_against_the_development_setup(dev_server, clean_env):
    # The README's quick start, word for word but for the port.
    env = {**clean_env, **USER.env()}
    before = time.time()
    out = aws(env, "get-authorization-token", "--domain", "demo", "--endpoint-url", dev_server.url)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert set(result) == {"authorizationToken", "expiration"}
    assert isinstance(result["expiration"], int)
    assert abs(result["expiration"] - (before + 43200)) < 5


def test_query_text_output_is_the_bare_token(dev_server, clean_env):
    env = {**clean_env, **USER.env()}
    out = aws(env, "get-authorization-token", "--domain", "demo", "--domain-owner", "111122223333",
              "--query", "authorizationToken", "--output", "text", "--endpoint-url", dev_server.url)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().startswith("v4.local.")


def test_duration_zero_with_a_session(server, clean_env, session_expiry):
    env = {**clean_env, **SESSION.env()}
    out = aws(env, "get-authorization-token", "--domain", "demo", "--duration-seconds", "0",
              "--endpoint-url", server.url)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["expiration"] == int(session_expiry.timestamp())


def error(out) -> str:
    assert out.returncode != 0
    return out.stderr.strip()


def test_validation_exception(dev_server, clean_env):
    env = {**clean_env, **USER.env()}
    out = aws(env, "get-authorization-token", "--domain", "demo", "--duration-seconds", "50000",
              "--endpoint-url", dev_server.url)
    assert error(out) == (
        "An error occurred (ValidationException) when calling the GetAuthorizationToken operation: "
        "1 validation error detected: Value '50000' at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value less than or equal to 43200"
    )


def test_resource_not_found(dev_server, clean_env):
    env = {**clean_env, **USER.env()}
    out = aws(env, "get-authorization-token", "--domain", "nope", "--endpoint-url", dev_server.url)
    assert error(out) == (
        "An error occurred (ResourceNotFoundException) when calling the GetAuthorizationToken operation: "
        "Domain 'nope' owned by account 111122223333 does not exist."
    )


def test_wrong_secret(dev_server, clean_env):
    env = {**clean_env, "AWS_ACCESS_KEY_ID": USER.access_key_id, "AWS_SECRET_ACCESS_KEY": "wrong"}
    out = aws(env, "get-authorization-token", "--domain", "demo", "--endpoint-url", dev_server.url)
    assert error(out).startswith(
        "An error occurred (InvalidSignatureException) when calling the GetAuthorizationToken operation: "
        "The request signature we calculated does not match the signature you provided."
    )


def test_our_binary_prints_what_the_cli_prints(dev_server, clean_env):
    env = {**clean_env, **USER.env()}
    ours = subprocess.run([str(BINARY), "get-authorization-token", "--domain", "demo", "--duration-seconds", "900",
                           "--endpoint-url", dev_server.url], env=env, capture_output=True, text=True, timeout=60)
    theirs = aws(env, "get-authorization-token", "--domain", "demo", "--duration-seconds", "900",
                 "--endpoint-url", dev_server.url)
    assert ours.returncode == 0 and theirs.returncode == 0, ours.stderr + theirs.stderr
    a, b = json.loads(ours.stdout), json.loads(theirs.stdout)
    assert a.keys() == b.keys() and type(a["expiration"]) is type(b["expiration"])
    assert abs(a["expiration"] - b["expiration"]) <= 2
    # Same layout: the CLI indents by four spaces, and so do we.
    shape = lambda text: [line[: len(line) - len(line.lstrip())] for line in text.splitlines()]
    assert shape(ours.stdout) == shape(theirs.stdout)


def test_our_binary_reports_errors_like_the_cli(dev_server, clean_env):
    env = {**clean_env, **USER.env()}
    ours = subprocess.run([str(BINARY), "get-authorization-token", "--domain", "nope",
                           "--endpoint-url", dev_server.url], env=env, capture_output=True, text=True, timeout=60)
    theirs = aws(env, "get-authorization-token", "--domain", "nope", "--endpoint-url", dev_server.url)
    assert ours.returncode != 0
    assert error(ours) == error(theirs)


def test_access_denied(server, clean_env):
    env = {**clean_env, **FRANK.env()}
    out = aws(env, "get-authorization-token", "--domain", "demo", "--endpoint-url", server.url)
    assert error(out) == (
        "An error occurred (AccessDeniedException) when calling the GetAuthorizationToken operation: "
        "User: arn:aws:iam::111122223333:user/frank is not authorized to perform: sts:GetServiceBearerToken "
        "on resource: arn:aws:iam::111122223333:user/frank because no identity-based policy allows the "
        "sts:GetServiceBearerToken action"
    )


def test_the_development_session_with_duration_zero(dev_server, clean_env):
    # The banner prints the demo session's keys and expiry; duration 0 follows it.
    session = dev_server.log().split("role session:")[1]
    value = lambda name: session.split(f"{name}=")[1].split()[0]
    expiry = session.split("expires ")[1].split()[0]
    env = {**clean_env, "AWS_ACCESS_KEY_ID": value("AWS_ACCESS_KEY_ID"),
           "AWS_SECRET_ACCESS_KEY": value("AWS_SECRET_ACCESS_KEY"), "AWS_SESSION_TOKEN": value("AWS_SESSION_TOKEN")}
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    out = aws(env, "get-authorization-token", "--domain", "demo", "--duration-seconds", "0",
              "--endpoint-url", dev_server.url)
    assert out.returncode == 0, out.stderr
    expected = int(datetime.datetime.fromisoformat(expiry).timestamp())
    assert json.loads(out.stdout)["expiration"] == expected
    assert 3500 < expected - time.time() <= 3600
