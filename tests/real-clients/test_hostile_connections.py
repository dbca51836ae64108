"""The binary under hostile connections: shutdown with a request stuck in
flight ends within the grace period, a second signal ends it at once, and
with a file-descriptor limit of 256 a thousand idle connections do not keep
a legitimate request out. Every wait is bounded; all on loopback."""

import resource
import signal
import socket
import subprocess
import time

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import BINARY, USER, write_test_config



def stuck_head(address) -> bytes:
    """A request signed by a known key whose chunked body stops after its
    first chunk: what the headers decide passes, so the server reads on."""
    url = f"http://{address[0]}:{address[1]}/v1/domain?domain=stuck"
    request = AWSRequest(method="POST", url=url, data=b"")
    SigV4Auth(Credentials(USER.access_key_id, USER.secret_access_key), "codeartifact", "us-east-1").add_auth(request)
    head = f"POST /v1/domain?domain=stuck HTTP/1.1\r\nhost: {address[0]}:{address[1]}\r\n"
    for name in ("Authorization", "X-Amz-Date"):
        head += f"{name}: {request.headers[name]}\r\n"
    return (head + "transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n").encode()


def serve(tmp_path, session_expiry, extra: str, limit_fds: int = 0) -> tuple:
    config = write_test_config(tmp_path, session_expiry, extra)

    def limit():
        if limit_fds:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit_fds, limit_fds))

    process = subprocess.Popen(
        [str(BINARY), "serve", "--bind", "127.0.0.1:0", "--config", str(config),
         "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE, stderr=open(tmp_path / "server.log", "wb"), preexec_fn=limit)
    line = process.stdout.readline().decode()
    assert line.startswith("codeartifact-local listening on "), line
    host, port = line.rsplit("/", 1)[1].strip().split(":")
    return process, (host, int(port))


def stuck_request(address) -> socket.socket:
    stuck = socket.create_connection(address)
    stuck.sendall(stuck_head(address))
    time.sleep(0.3)
    return stuck


def test_sigterm_ends_within_the_grace_period_despite_a_stuck_request(tmp_path, session_expiry):
    extra = "connections = { idle_timeout_seconds = 600, shutdown_grace_seconds = 1 }"
    process, address = serve(tmp_path, session_expiry, extra)
    stuck = stuck_request(address)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()
    took = time.monotonic() - started
    assert 0.9 <= took < 8, took
    stuck.close()


def test_a_second_signal_exits_at_once(tmp_path, session_expiry):
    extra = "connections = { idle_timeout_seconds = 600, shutdown_grace_seconds = 600 }"
    process, address = serve(tmp_path, session_expiry, extra)
    stuck = stuck_request(address)
    process.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    assert process.poll() is None, "the grace period was not waited for"
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        status = process.wait(timeout=5)
    finally:
        process.kill()
    assert time.monotonic() - started < 3
    assert status == 128 + signal.SIGINT, status
    stuck.close()


def test_idle_connections_past_the_descriptor_limit_do_not_keep_requests_out(tmp_path, session_expiry):
    extra = "connections = { idle_timeout_seconds = 2 }"
    process, address = serve(tmp_path, session_expiry, extra, limit_fds=256)
    idle = []
    try:
        for _ in range(1000):
            try:
                idle.append(socket.create_connection(address, timeout=2))
            except OSError:
                break
        assert len(idle) > 300, "the test's own connections"
        client = boto3.client(
            "codeartifact", endpoint_url=f"http://{address[0]}:{address[1]}", region_name="us-east-1",
            aws_access_key_id=USER.access_key_id, aws_secret_access_key=USER.secret_access_key)
        started = time.monotonic()
        # Told to retry (503) or served: the SDK retries, and within a few
        # idle timeouts the request is in.
        client.list_domains()
        assert time.monotonic() - started < 15
        log = (tmp_path / "server.log").read_text(errors="replace")
        assert "fewer connections than configured" in log
    finally:
        for s in idle:
            s.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        finally:
            process.kill()
