#!/usr/bin/env python3
"""Load benchmark: codeartifact-local against a bare hyper baseline, in one run.

    python3 bench/run.py [--duration 10] [--connections 64] [--sizes 1,1000,100000]

Builds the release binaries, installs the load generator (oha, pinned, from
crates.io) under target/bench-tools, then measures on this machine, server
pinned to core 0 and load generator to core 1 (taskset):

  * requests/s of signed GetAuthorizationToken, A/B/A/B, for five servers:
    ours in the default setup (`serve` with no `--config`, logging at info
    to a file), ours in a quiet configuration (`log_level = "warn"`), a
    dropshot server answering the same fixed JSON and checking nothing
    (the framework's share), the same behind our connection gate (the
    gate's share), and a bare hyper server doing the same (the machine's
    limit); and the ratios to the bare one;
  * p50/p99 latency at peak, and at a fixed rate of 50 % of our own peak;
  * RSS idle and under load, and over a run of one million requests, run
    while a few hundred hostile connections are held open (idle ones, and
    slow ones trickling headers or a body; each reopened when the server
    closes it), and latency at 50 % of our peak with and without them;
  * time from process start to the first 200 (development setup);
  * the same throughput with 1, 1 000 and 100 000 configured domains and
    principals (generated configurations, logging at info).

Prints a Markdown report (the table in BENCHMARKS.md comes from it). Uses only
loopback addresses, and every load run is bounded in time or count.
"""

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import http.client
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RELEASE = REPO / "target" / "release"
TOOLS = REPO / "target" / "bench-tools"
OHA_VERSION = "1.16.0"
SERVER_CORE, LOAD_CORE = "0", "1"

KEY, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ACCOUNT = "111122223333"
QUERY = "domain=demo&duration=3600"


def sh(*args, **kw):
    return subprocess.run(args, check=True, **kw)


def build():
    sh("cargo", "build", "--release", "-p", "codeartifact-server", "-p", "codeartifact-bench", cwd=REPO)
    oha = TOOLS / "bin" / "oha"
    if not oha.exists():
        sh("cargo", "install", "oha", "--version", OHA_VERSION, "--locked", "--root", str(TOOLS))
    return oha


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A server pinned to the server core; `url` from its first stdout line."""

    def __init__(self, args, marker, log: Path = None):
        self.started = time.perf_counter()
        stderr = open(log, "w") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, *args], stdout=subprocess.PIPE,
                                     stderr=stderr, text=True)
        line = self.proc.stdout.readline()
        if marker not in line:
            raise RuntimeError(f"unexpected first line: {line!r}")
        self.url = line.split(marker)[1].strip()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def signed_headers(url: str) -> dict:
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1"}
    out = subprocess.run([str(RELEASE / "bench-sign"), url], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout)


def post(url: str, headers: dict):
    host = url.split("//")[1].split("/")[0]
    conn = http.client.HTTPConnection(host, timeout=5)
    path = "/" + url.split("//")[1].split("/", 1)[1]
    conn.request("POST", path, headers={k: v for k, v in headers.items() if k != "host"})
    response = conn.getresponse()
    return response.status, response.read()


def oha(oha_bin, url, duration, connections, rate=None, count=None, signed=True) -> dict:
    """One load run; returns requests/s, p50 and p99 in ms, and the status counts."""
    args = ["taskset", "-c", LOAD_CORE, str(oha_bin), "--no-tui", "--output-format", "json",
            "-m", "POST", "-c", str(connections)]
    args += ["-n", str(count)] if count else ["-z", f"{duration}s"]
    if rate:
        args += ["-q", str(rate), "--latency-correction"]
    if signed:
        for name, value in signed_headers(url).items():
            if name != "host":
                args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    percentiles = result["latencyPercentiles"]
    return {
        "requests": sum(result.get("statusCodeDistribution", {}).values()),
        "rps": result["summary"]["requestsPerSec"],
        "p50": percentiles["p50"] * 1000,
        "p99": percentiles["p99"] * 1000,
        "status": result.get("statusCodeDistribution", {}),
    }


class Hostile:
    """Holds `idle` connections that send nothing and `slow` ones that send a
    request a line or a byte every few seconds (half slow headers, half a
    slow body), reopening each one the server closes; bounded by `stop()`."""

    SLOW_HEAD = b"POST /v1/domains HTTP/1.1\r\nhost: x\r\n"

    def __init__(self, url: str, idle: int, slow: int):
        host, port = url.split("//")[1].split(":")
        self.address = (host, int(port))
        self.url, self.signed_at = url, 0.0
        self.kinds = ["idle"] * idle + ["head"] * (slow // 2) + ["body"] * (slow - slow // 2)
        self.reopened = 0
        self.running = True
        self.sockets = [self._open(kind) for kind in self.kinds]
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _slow_body(self) -> bytes:
        """Signed by a known key (so that the server goes on to read the
        body), signed again each minute (signatures are good for 15)."""
        if time.monotonic() - self.signed_at > 60:
            signed = signed_headers(f"{self.url}/v1/domain?domain=slow")
            head = "".join(f"{k}: {v}\r\n" for k, v in signed.items() if k != "host")
            self.body_head = (f"POST /v1/domain?domain=slow HTTP/1.1\r\nhost: {self.address[0]}:"
                              f"{self.address[1]}\r\n{head}transfer-encoding: chunked\r\n\r\n").encode()
            self.signed_at = time.monotonic()
        return self.body_head

    def _open(self, kind):
        s = socket.create_connection(self.address, timeout=5)
        if kind == "head":
            s.sendall(self.SLOW_HEAD)
        elif kind == "body":
            s.sendall(self._slow_body())
        s.setblocking(False)
        return s

    def _closed(self, s) -> bool:
        try:
            return s.recv(65536) == b""
        except BlockingIOError:
            return False
        except OSError:
            return True

    def _run(self):
        tick = 0
        while self.running:
            time.sleep(1)
            tick += 1
            for i, kind in enumerate(self.kinds):
                s = self.sockets[i]
                if self._closed(s):
                    s.close()
                    self.sockets[i] = self._open(kind)
                    self.reopened += 1
                elif tick % 5 == 0 and kind != "idle":
                    try:
                        s.send(b"x-slow: 1\r\n" if kind == "head" else b"1\r\na\r\n")
                    except OSError:
                        pass

    def stop(self):
        self.running = False
        self.thread.join()
        for s in self.sockets:
            s.close()


def config_of_size(n: int, directory: Path, log_level: str = "info") -> Path:
    """n domains and n principals (one IAM user each, with a policy); the
    benchmark's own user and domain come first."""
    policy = json.dumps(json.dumps({"Statement": [
        {"Effect": "Allow", "Action": "codeartifact:GetAuthorizationToken", "Resource": f"arn:aws:codeartifact:*:{ACCOUNT}:domain/*"},
        {"Effect": "Allow", "Action": "sts:GetServiceBearerToken", "Resource": "*",
         "Condition": {"StringEquals": {"sts:AWSServiceName": "codeartifact.amazonaws.com"}}}]}))
    lines = [f'log_level = "{log_level}"', ""]
    lines += ["[[domains]]", 'name = "demo"', f'owner = "{ACCOUNT}"', ""]
    for i in range(1, n):
        lines += ["[[domains]]", f'name = "domain-{i}"', f'owner = "{ACCOUNT}"', ""]
    lines += ["[[accounts]]", f'id = "{ACCOUNT}"', ""]
    for i in range(n):
        key, secret, name = (KEY, SECRET, "demo") if i == 0 else (f"AKIABENCH{i:011d}", f"secret-{i}", f"user-{i}")
        lines += ["[[accounts.users]]", f'name = "{name}"',
                  f'access_keys = [{{ access_key_id = "{key}", secret_access_key = "{secret}" }}]',
                  f'policies = [{{ name = "tokens", document = {policy} }}]', ""]
    path = directory / f"config-{n}-{log_level}.toml"
    path.write_text("\n".join(lines))
    return path


def ours(config: Path, data: Path, log: Path = None) -> Process:
    """Ours; with no `config`, the default (development) setup, which logs at
    info: to `log` when given, as a redirect or a service manager would."""
    args = [str(RELEASE / "codeartifact-local"), "serve", "--bind", "127.0.0.1:0", "--data-dir", str(data)]
    if config:
        args += ["--config", str(config)]
    return Process(args, "listening on ", log)


def start_to_first_200(data: Path, runs: int = 10) -> float:
    """Median ms from spawning the development setup to its first 200."""
    times = []
    for _ in range(runs):
        port = free_port()
        url = f"http://127.0.0.1:{port}/v1/authorization-token?{QUERY}"
        headers = signed_headers(url)
        started = time.perf_counter()
        proc = subprocess.Popen(["taskset", "-c", SERVER_CORE, str(RELEASE / "codeartifact-local"), "serve",
                                 "--bind", f"127.0.0.1:{port}", "--data-dir", str(data)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = started + 10
        while time.perf_counter() < deadline:
            try:
                status, _ = post(url, headers)
                if status == 200:
                    times.append((time.perf_counter() - started) * 1000)
                    break
            except OSError:
                time.sleep(0.0005)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    return statistics.median(times)


def machine() -> str:
    model = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                  if l.startswith("model name")), platform.processor())
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return f"{os.cpu_count()} cores ({model}), {int(mem) // 1024 // 1024} GiB, Linux {platform.release()}, {rustc}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--sizes", default="1,1000,100000", help="configured domains/principals to compare")
    parser.add_argument("--million", type=int, default=1_000_000, help="requests of the RSS soak run")
    parser.add_argument("--before", help="another build of codeartifact-local to measure beside ours "
                        "(peak requests/s, A/B/A/B), e.g. the previous commit's")
    parser.add_argument("--idle", type=int, default=200, help="idle connections held during the soak")
    parser.add_argument("--slow", type=int, default=100, help="slow connections held during the soak")
    a = parser.parse_args()
    oha_bin = build()
    work = Path(tempfile.mkdtemp(prefix="codeartifact-bench-"))
    report = [f"Machine: {machine()}", f"Load: oha {OHA_VERSION}, {a.connections} connections, "
              f"{a.duration} s per run; server on core {SERVER_CORE}, load on core {LOAD_CORE}.", ""]

    # Throughput and latency, A/B/A/B: ours in the default setup (the
    # headline) and in a quiet configuration, the framework alone, the
    # framework behind our gate, and bare hyper.
    server = ours(None, work / "data", log=work / "default-setup.log")
    token_url = f"{server.url}/v1/authorization-token?{QUERY}"
    status, body = post(token_url, signed_headers(token_url))
    assert status == 200, body
    quiet = ours(config_of_size(1, work, "warn"), work / "data-quiet")
    fixed_body = ["--bind", "127.0.0.1:0", "--body-bytes", str(len(body))]
    servers = {
        "ours": (server, True),
        "quiet": (quiet, True),
        "dropshot": (Process([str(RELEASE / "dropshot-baseline"), *fixed_body], "listening on "), False),
        "gated": (Process([str(RELEASE / "dropshot-baseline"), *fixed_body, "--gate"], "listening on "), False),
        "baseline": (Process([str(RELEASE / "baseline"), *fixed_body], "listening on "), False),
    }
    if a.before:
        servers["before"] = (Process([a.before, "serve", "--bind", "127.0.0.1:0", "--data-dir",
                                      str(work / "data-before")], "listening on ", log=work / "before.log"), True)
    url = {k: f"{p.url}/v1/authorization-token?{QUERY}" for k, (p, _) in servers.items()}
    idle_rss = server.rss_kib()
    runs = {k: [] for k in servers}
    under_load_rss = 0
    for _ in range(2):
        for k, (_, signed) in servers.items():
            r = oha(oha_bin, url[k], a.duration, a.connections, signed=signed)
            assert set(r["status"]) == {"200"}, (k, r["status"])
            runs[k].append(r)
            if k == "ours":
                under_load_rss = max(under_load_rss, server.rss_kib())
    peak = {k: statistics.mean(r["rps"] for r in v) for k, v in runs.items()}
    each = lambda rs: " / ".join(f"{r['rps']:,.0f}" for r in rs)
    # Latency when keeping up: at half of our own peak (at half of the bare
    # server's, ours would only measure its queue).
    own_half = int(peak["ours"] / 2)
    fixed_own = oha(oha_bin, token_url, a.duration, a.connections, rate=own_half)
    fixed_quiet = oha(oha_bin, url["quiet"], a.duration, a.connections, rate=own_half)
    fixed_base = oha(oha_bin, url["baseline"], a.duration, a.connections, rate=own_half, signed=False)
    for k, (p, _) in servers.items():
        if k != "ours":
            p.stop()
    requests_made = sum(r["requests"] for r in runs["ours"]) + fixed_own["requests"]
    with open(work / "default-setup.log") as log:
        request_lines = sum(1 for line in log if "request completed" in line)

    names = {"ours": "codeartifact-local, default setup (log at info)",
             "quiet": 'codeartifact-local, `log_level = "warn"`',
             "before": "`--before` build, default setup",
             "dropshot": "dropshot alone: the fixed JSON, nothing checked",
             "gated": "the same dropshot server behind our gate",
             "baseline": "bare hyper: the fixed JSON, nothing checked"}
    report += ["| server | requests/s at peak (A/B mean) | runs | p50 / p99 at peak (ms) | of bare hyper |",
               "|---|---|---|---|---|"]
    for k in ["ours", "quiet", *(["before"] if a.before else []), "dropshot", "gated", "baseline"]:
        r = runs[k][0]
        report.append(f"| {names[k]} | {peak[k]:,.0f} | {each(runs[k])} | {r['p50']:.2f} / {r['p99']:.2f} | "
                      f"{peak[k] / peak['baseline']:.1%} |")
    report += ["", "| measure | codeartifact-local (default setup) | quiet | bare hyper |", "|---|---|---|---|",
               f"| p50 / p99 at {own_half:,} req/s, 50 % of our peak (ms) | {fixed_own['p50']:.3f} / "
               f"{fixed_own['p99']:.3f} | {fixed_quiet['p50']:.3f} / {fixed_quiet['p99']:.3f} | "
               f"{fixed_base['p50']:.3f} / {fixed_base['p99']:.3f} |",
               f"| request lines logged at info, default setup: lines / requests answered | "
               f"{request_lines:,} / {requests_made:,} | | |"]

    # The same, and the soak below, with hostile connections held open.
    hostile = Hostile(server.url, a.idle, a.slow)
    time.sleep(1)
    hostile_own = oha(oha_bin, token_url, a.duration, a.connections, rate=own_half)
    assert set(hostile_own["status"]) == {"200"}, hostile_own["status"]
    report += [f"| the same with {a.idle} idle and {a.slow} slow connections held open (ms) | "
               f"{hostile_own['p50']:.3f} / {hostile_own['p99']:.3f} | | |"]

    # RSS over a million requests, sampled every second from another thread.
    before = server.rss_kib()
    samples, soak = [], {}
    runner = threading.Thread(target=lambda: soak.update(
        r=oha(oha_bin, token_url, 0, a.connections, count=a.million)))
    runner.start()
    while runner.is_alive():
        samples.append(server.rss_kib())
        time.sleep(1)
    runner.join()
    assert set(soak["r"]["status"]) == {"200"}, soak["r"]["status"]
    after = server.rss_kib()
    hostile.stop()
    server.stop()
    report += [f"| RSS idle / under load (MiB) | {idle_rss / 1024:.1f} / {under_load_rss / 1024:.1f} | | |",
               f"| RSS over {a.million:,} requests with the hostile connections held: before / max / after "
               f"(MiB) | {before / 1024:.1f} / {max(samples or [0]) / 1024:.1f} / {after / 1024:.1f} | | |",
               f"| that soak: requests/s, p99 (ms), hostile connections closed by the server and reopened | "
               f"{soak['r']['rps']:,.0f}, {soak['r']['p99']:.2f}, {hostile.reopened:,} | | |",
               f"| start to first 200, development setup (median of 10, ms) | "
               f"{start_to_first_200(work / 'data-start'):.1f} | | |", ""]

    # Scaling with the size of the configuration.
    report += ["| configured domains and principals | requests/s | p99 (ms) | start (s) | idle RSS (MiB) |",
               "|---|---|---|---|---|"]
    for n in [int(x) for x in a.sizes.split(",")]:
        config = config_of_size(n, work)  # logging at info to a file, as the default setup
        t0 = time.perf_counter()
        server = ours(config, work / "data", log=work / f"size-{n}.log")
        start_s = time.perf_counter() - t0
        rss = server.rss_kib()
        r = oha(oha_bin, f"{server.url}/v1/authorization-token?{QUERY}", a.duration, a.connections)
        server.stop()
        report.append(f"| {n:,} | {r['rps']:,.0f} | {r['p99']:.2f} | {start_s:.2f} | {rss / 1024:.1f} |")
    print("\n".join(report))


if __name__ == "__main__":
    main()
