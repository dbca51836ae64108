#!/usr/bin/env bash
# Runs every test of codeartifact-local, the way CI does:
#   1. formatting, lints and the client's docs (cargo fmt --check, clippy
#      -D warnings, cargo doc -D warnings);
#   2. the Rust tests: unit tests, the spec guard, the integration binary,
#      and the micro-benchmarks, each run once in the test profile so that
#      they cannot rot (criterion's test mode; no release build: the load
#      benchmark, bench/run.py, measures and is not part of it);
#   3. the real clients (boto3, the aws CLI, curl --aws-sigv4), the real
#      package managers behind `aws codeartifact login` (npm, pip, twine), a
#      kill -9 durability test, an OpenAPI validator and a property-based
#      test of the contract (Schemathesis, from openapi.json) against the built
#      binary, from a pinned virtual environment that this script creates
#      under target/. npm is the machine's (Node 20); Chromium, which loads
#      the served API reference (/docs) headless and keeps its screenshot as
#      target/artifacts/docs.png, is Debian's package.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

# The client's documentation is what outside users read first: it must
# build without a warning (broken links, bad examples). --no-deps: cheap.
step "cargo doc (codeartifact-client)"
RUSTDOCFLAGS="-D warnings" cargo doc -p codeartifact-client --no-deps

# One build per profile: clippy's check build, then the test profile for
# every target (benches included) and the binary.
step "cargo test (unit, spec, integration, benches once each)"
cargo test --workspace --all-targets

step "build the binary and the client's example for the real-client tests"
cargo build --workspace --bins --examples

step "real-client environment"
if ! command -v curl >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq curl
fi
# Debian's chromium, unpinned: the mirror carries only the current
# (security-patched) build, so a pinned version would stop installing.
if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && apt-get install -y -qq chromium
fi
/usr/bin/chromium --version 2>/dev/null
if ! command -v npm >/dev/null 2>&1; then
    echo "npm (Node 20) is needed for the package-manager tests" >&2
    exit 1
fi
venv=target/real-clients-venv
requirements=tests/real-clients/requirements.txt
if ! cmp -s "$requirements" "$venv/installed-requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/installed-requirements.txt"
fi

step "real clients against target/debug/codeartifact-local"
PATH="$PWD/$venv/bin:$PATH" \
CODEARTIFACT_LOCAL_BIN="$PWD/target/debug/codeartifact-local" \
    "$venv/bin/pytest" -p no:cacheprovider -q tests/real-clients
