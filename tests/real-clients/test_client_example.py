"""client/examples/quickstart.rs, the Rust client's example, run against the
server as a user would run it: credentials and region from a profile in
~/.aws (AWS_PROFILE), none in the environment, so the standard chain is
what is tested."""

import os
import re
import subprocess

import pytest

from conftest import BINARY, USER, Server

EXAMPLE = BINARY.parent / "examples" / "quickstart"


@pytest.fixture
def own_server(tmp_path):
    # A server of its own: the example creates a repository, which the
    # shared servers' listing tests must not see.
    workdir = tmp_path / "server"
    workdir.mkdir()
    s = Server([], workdir)
    yield s
    assert s.stop() == 0, s.log()


def profile_env(home, profile: str) -> dict:
    """No AWS setting of the machine's; HOME with ~/.aws naming `quickstart`;
    instance metadata off, so a missing credential never leaves loopback."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    aws = home / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text(
        "[quickstart]\n"
        f"aws_access_key_id = {USER.access_key_id}\n"
        f"aws_secret_access_key = {USER.secret_access_key}\n"
    )
    (aws / "config").write_text("[profile quickstart]\nregion = us-east-1\n")
    env.update(HOME=str(home), AWS_PROFILE=profile, AWS_EC2_METADATA_DISABLED="true")
    return env


def run(env: dict, url: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXAMPLE), url], env=env, capture_output=True, text=True, timeout=60)


def test_quickstart_gets_a_token_creates_and_lists_with_a_profile(own_server, tmp_path):
    out = run(profile_env(tmp_path / "home", "quickstart"), own_server.url)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert re.fullmatch(r"token for demo expires at \d+", lines[0]), out.stdout
    created = re.fullmatch(r"created repository (quickstart-\d+)", lines[1])
    assert created, out.stdout
    listed = set(lines[2:])
    assert f"repository {created.group(1)} in demo" in listed, out.stdout
    assert "repository demo-repo in demo" in listed, out.stdout
    # A token is a credential: the example never prints one.
    assert "v4.local." not in out.stdout + out.stderr

    # It runs again, finding the server through AWS_ENDPOINT_URL_CODEARTIFACT
    # as the AWS SDKs do; each run names its repository afresh.
    env = {**profile_env(tmp_path / "home", "quickstart"), "AWS_ENDPOINT_URL_CODEARTIFACT": own_server.url}
    again = subprocess.run([str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[1] != lines[1]


def test_quickstart_without_credentials_says_so(own_server, tmp_path):
    out = run(profile_env(tmp_path / "home", "nobody"), own_server.url)
    assert out.returncode == 1, out.stdout + out.stderr
    # What failed, and why, from each source of the chain.
    assert out.stderr.startswith("quickstart: "), out.stderr
    assert "failed to load AWS credentials" in out.stderr, out.stderr
    assert "profile `nobody` was not defined" in out.stderr, out.stderr
    assert "panicked" not in out.stderr


def test_get_authorization_token_reads_the_profile_too(own_server, tmp_path):
    out = subprocess.run([str(BINARY), "get-authorization-token", "--domain", "demo",
                          "--endpoint-url", own_server.url],
                         env=profile_env(tmp_path / "home", "quickstart"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert '"authorizationToken": "v4.local.' in out.stdout, out.stdout
