"""The binary's own behaviour: start-up, the development banner, bad
configuration files, and the spec checked by a validator we did not write."""

import datetime
import json
import subprocess

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from conftest import BINARY, REPO, Server, write_test_config


def test_openapi_json_is_valid_openapi_3_0():
    spec, _ = read_from_filename(str(REPO / "openapi.json"))
    assert spec["openapi"].startswith("3.0")
    validate(spec)


def test_the_development_setup_is_announced(dev_server):
    log = dev_server.log()
    assert "DEVELOPMENT SETUP. Not for production." in log
    assert "AKIAIOSFODNN7EXAMPLE" in log


def serve_with_config(tmp_path, text: str):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    return subprocess.run([str(BINARY), "serve", "--bind", "127.0.0.1:0", "--config", str(config),
                           "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=30), config


def test_a_bad_config_file_is_named_with_its_problem(tmp_path):
    out, config = serve_with_config(tmp_path, '[[domains]]\nname = "My_Domain"\nowner = "111122223333"\n')
    assert out.returncode != 0
    assert str(config) in out.stderr and "My_Domain" in out.stderr, out.stderr
    assert "listening" not in out.stdout

    out, config = serve_with_config(tmp_path, "colour = 'blue'\n")
    assert out.returncode != 0
    assert str(config) in out.stderr and "unknown field" in out.stderr, out.stderr

    out, _ = serve_with_config(tmp_path, "not toml at all [")
    assert out.returncode != 0 and "invalid config file" in out.stderr, out.stderr


def test_a_missing_config_file_is_named(tmp_path):
    out = subprocess.run([str(BINARY), "serve", "--config", str(tmp_path / "absent.toml")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and "absent.toml" in out.stderr


def test_the_token_key_is_private_and_survives_restarts(tmp_path):
    first = Server([], tmp_path)
    first.stop()
    key = tmp_path / "data" / "token-key"
    assert key.stat().st_mode & 0o777 == 0o600
    before = key.read_bytes()
    second = Server([], tmp_path)
    assert second.stop() == 0
    assert key.read_bytes() == before


def test_an_unknown_condition_operator_is_refused_at_start(tmp_path):
    config = write_test_config(tmp_path, datetime.datetime.now(datetime.timezone.utc))
    policy = tmp_path / "policies" / "own-account.json"
    policy.write_text(policy.read_text().replace('"StringEquals"', '"StringEqualz"'))
    out = subprocess.run([str(BINARY), "serve", "--bind", "127.0.0.1:0", "--config", str(config),
                          "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert str(config) in out.stderr
    assert "unknown condition operator 'StringEqualz'" in out.stderr, out.stderr
    assert "listening" not in out.stdout


def test_check_config_prints_principals_and_what_they_may_do(tmp_path):
    config = write_test_config(tmp_path, datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1))
    out = subprocess.run([str(BINARY), "check-config", str(config)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert f"{config}: valid" in text
    assert "shared (owner 444455556666, domain policy 'shared-domain')" in text
    section = lambda arn: text.split(f"  {arn} (")[1].split("\n  arn:")[0]
    ci = section("arn:aws:sts::111122223333:assumed-role/ci/build-1")
    assert "session of role ci" in ci and "policies: ci-tokens" in ci
    assert "GetAuthorizationToken on shared (444455556666): allowed" in ci
    frank = section("arn:aws:iam::111122223333:user/frank")
    assert "GetAuthorizationToken on demo (111122223333): denied: User: arn:aws:iam::111122223333:user/frank" in frank
    expired = section("arn:aws:sts::111122223333:assumed-role/ci/build-0")
    assert "(EXPIRED)" in expired
    # No secret is printed.
    assert "SecretKey" not in text and "SESSIONTOKEN" not in text


def test_check_config_fails_on_a_bad_policy(tmp_path):
    config = write_test_config(tmp_path, datetime.datetime.now(datetime.timezone.utc))
    (tmp_path / "policies" / "ci-tokens.json").write_text('{"Statement": {"Effect": "Allow", "Action": "*"}}')
    out = subprocess.run([str(BINARY), "check-config", str(config)], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "ci-tokens" in out.stderr and "needs Resource" in out.stderr, out.stderr
