"""`codeartifact-local conformance` against the built server: the table, the
exit code and the JUnit XML; a read-only run leaves nothing; Ctrl-C in the
middle of a run with writes still deletes what the run made; and an
endpoint that breaks the contract fails the run."""

import http.server
import json
import signal
import subprocess
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import pytest

from conftest import BINARY, REPO, USER

OPERATIONS = sorted(
    op["operationId"]
    for path in json.loads((REPO / "openapi.json").read_text())["paths"].values()
    for op in path.values()
)


def env_for(clean_env) -> dict:
    return {**clean_env, **USER.env()}


def conformance(args: list, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(BINARY), "conformance", *args], env=env, capture_output=True,
                          text=True, timeout=timeout)


def names_with(server, prefix: str) -> list:
    client = boto3.client("codeartifact", endpoint_url=server.url, region_name="us-east-1",
                          aws_access_key_id=USER.access_key_id,
                          aws_secret_access_key=USER.secret_access_key)
    domains = [d["name"] for d in client.list_domains()["domains"]]
    repos = [r["name"] for r in client.list_repositories()["repositories"]]
    return [n for n in domains + repos if n.startswith(prefix)]


def test_a_run_with_writes_passes_and_writes_junit(server, clean_env, tmp_path):
    junit = tmp_path / "conformance.xml"
    prefix = "conformance-pytest"
    run = conformance(["--endpoint-url", server.url, "--allow-writes", "--prefix", prefix,
                       "--junit", str(junit)], env_for(clean_env))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["OPERATION", "CHECK", "RESULT"]
    assert " 0 failed" in lines[-1], lines[-1]
    table_ops = {line.split()[0] for line in lines[1:-1] if not line.startswith(" ")}
    assert table_ops == set(OPERATIONS)
    # Each check is PASS or a SKIP that says why.
    for line in lines[1:-1]:
        assert "  PASS" in line or "  SKIP  " in line, line
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0"
    assert sorted(s.get("name") for s in root.iter("testsuite")) == OPERATIONS
    assert int(root.get("tests")) == len(lines) - 2
    assert names_with(server, prefix) == []


def test_a_read_only_run_creates_nothing(server, clean_env):
    prefix = "conformance-readonly"
    run = conformance(["--endpoint-url", server.url, "--prefix", prefix], env_for(clean_env))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert "needs --allow-writes" in run.stdout
    assert names_with(server, prefix) == []


def test_one_operation_with_writes_reports_only_it(server, clean_env):
    prefix = "conformance-one"
    run = conformance(["--endpoint-url", server.url, "--allow-writes", "--prefix", prefix,
                       "--operation", "DescribePackageVersion"], env_for(clean_env))
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    lines = run.stdout.splitlines()
    assert {line.split()[0] for line in lines[1:-1] if not line.startswith(" ")} == {"DescribePackageVersion"}
    # Its success needs the domain, repository and version the run made first.
    assert any(line.split()[-2:] == ["success", "PASS"] for line in lines), run.stdout
    assert names_with(server, prefix) == []


def test_ctrl_c_mid_run_deletes_what_the_run_made(server, clean_env):
    prefix = "conformance-sigint"
    process = subprocess.Popen(
        [str(BINARY), "conformance", "--endpoint-url", server.url, "--allow-writes", "--prefix", prefix],
        env=env_for(clean_env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The run says when its domain exists; the input edges (thousands of
        # requests) follow while it does.
        for line in process.stderr:
            if line.startswith("conformance: created domain"):
                break
        else:
            pytest.fail("the run never created its domain")
        assert names_with(server, prefix), "the run's resources exist mid-run"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "interrupted; cleaning up" in stderr
    assert "could not delete" not in stderr
    assert names_with(server, prefix) == []


class Lawless(http.server.BaseHTTPRequestHandler):
    """Answers every request 200 with `{}` and no x-amzn-RequestId."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args):
        pass


def test_an_endpoint_that_breaks_the_contract_fails(clean_env, tmp_path):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Lawless)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        junit = tmp_path / "lawless.xml"
        url = f"http://127.0.0.1:{httpd.server_address[1]}"
        run = conformance(["--endpoint-url", url, "--operation", "ListDomains", "--junit", str(junit)],
                          env_for(clean_env))
    finally:
        httpd.shutdown()
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL  expected header x-amzn-RequestId, got none" in run.stdout
    assert "FAIL  expected 403 MissingAuthenticationTokenException, got 200" in run.stdout
    assert "FAIL  expected 400 ValidationException, got 200" in run.stdout
    assert int(ET.parse(junit).getroot().get("failures")) > 0
