"""The served API reference: every example it shows is run here, as shown,
against the development setup, and the page is loaded in headless Chromium
(Debian's package), which must show every operation of openapi.json; its
screenshot is kept as target/artifacts/docs.png."""

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from conftest import REPO, Server

EXAMPLES = REPO / "server" / "src" / "http" / "docs" / "examples"
# The endpoint the examples are written for: the development setup's.
DOCUMENTED_ENDPOINT = "http://127.0.0.1:8787"
ARTIFACTS = REPO / "target" / "artifacts"


def operation_ids() -> list:
    spec = json.loads((REPO / "openapi.json").read_text())
    return [op["operationId"] for path in spec["paths"].values() for op in path.values()]


def split_examples(path: Path):
    """The `# setup` part and each `# example: <operationId>` of a file, in
    order (the same markers the server's page reads)."""
    setup, examples, current = [], [], None
    for line in path.read_text().splitlines():
        marker = re.fullmatch(r"# example: (\w+)", line)
        if marker:
            current = (marker.group(1), [])
            examples.append(current)
        elif current is not None:
            current[1].append(line)
        elif line == "# setup" or setup:
            setup.append(line)
    return "\n".join(setup), [(op, "\n".join(lines)) for op, lines in examples]


@pytest.fixture
def fresh_dev_server(tmp_path):
    """A development setup of its own: the examples create and delete."""
    (tmp_path / "server").mkdir()
    s = Server([], tmp_path / "server")
    yield s
    assert s.stop() == 0, s.log()


@pytest.mark.parametrize("name", ["aws-cli.sh", "curl.sh"])
def test_every_operation_has_one_example(name):
    _, examples = split_examples(EXAMPLES / name)
    shown = [op for op, _ in examples]
    assert sorted(shown) == sorted(operation_ids()), f"{name}: one example per operation"


@pytest.mark.parametrize("name", ["aws-cli.sh", "curl.sh"])
def test_the_examples_run_in_order(name, fresh_dev_server, clean_env, tmp_path):
    setup, examples = split_examples(EXAMPLES / name)
    workdir = tmp_path / "work"
    workdir.mkdir()
    for op, text in examples:
        # Every example names the endpoint (the aws CLI would go to AWS without it).
        assert DOCUMENTED_ENDPOINT in text, f"{name} {op} does not name {DOCUMENTED_ENDPOINT}"
        script = f"{setup}\n{text}".replace(DOCUMENTED_ENDPOINT, fresh_dev_server.url)
        out = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=workdir, env=clean_env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, f"{name} {op} failed:\n{text}\n{out.stdout}\n{out.stderr}"
        if op == "GetPackageVersionAsset":
            assert (workdir / "downloaded-my-tool.txt").read_text() == "my-tool 1.0\n"
        if op == "GetAuthorizationToken":
            assert "v4.local." in out.stdout, out.stdout
    # What the sequence created, it deleted: the development setup is as it was.
    assert "my-repo" not in run_cli(clean_env, fresh_dev_server, "list-repositories")
    assert "my-domain" not in run_cli(clean_env, fresh_dev_server, "list-domains")


def run_cli(env, server, *args) -> str:
    env = dict(env, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
               AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    out = subprocess.run(["aws", "codeartifact", *args, "--endpoint-url", server.url], env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is missing: tests/run.sh installs Debian's package"
    return found


def headless(profile: Path, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=180)


def png_pixels(data: bytes):
    """Width, height and the decompressed (filtered) scanlines of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, width, height, idat = 8, 0, 0, b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_chromium_shows_every_operation(dev_server, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = headless(tmp_path, "--dump-dom", f"{dev_server.url}/docs")
    assert out.returncode == 0, out.stderr
    dom = out.stdout
    assert "<h1" in dom, dom[:2000]
    for op in operation_ids():
        assert f'id="{op}"' in dom, f"{op} is not on the rendered page"
        assert f'href="#{op}"' in dom, f"{op} is not in the table of contents"

    screenshot = ARTIFACTS / "docs.png"
    screenshot.unlink(missing_ok=True)
    out = headless(tmp_path, f"--screenshot={screenshot}", "--window-size=1280,1600", "--hide-scrollbars",
                   f"{dev_server.url}/docs")
    assert screenshot.exists(), out.stderr
    width, height, pixels = png_pixels(screenshot.read_bytes())
    assert (width, height) == (1280, 1600)
    # A blank page compresses to a few distinct byte values; text, tables and
    # colours give many.
    assert len(set(pixels)) > 64, "the screenshot looks blank"
