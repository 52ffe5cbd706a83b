#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test contract-gate:
# libgit2-dev and pkg-config (the CLibGit2 system library), and the Python packages the tests use
# as reference checkers (jsonschema, PyYAML). Idempotent and quiet when everything is present.
# `--release` adds what only ci/release.sh needs: libcurl's development link (the static Swift
# Foundation links libcurl by name) and python3-venv for the packaging tools' own venv.
set -euo pipefail

release=false
[ "${1:-}" = "--release" ] && release=true

need_apt=()
dpkg -s libgit2-dev >/dev/null 2>&1 || need_apt+=(libgit2-dev)
if $release; then
    dpkg -s libcurl4-openssl-dev >/dev/null 2>&1 || need_apt+=(libcurl4-openssl-dev)
    python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
fi
command -v pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
command -v git >/dev/null 2>&1 || need_apt+=(git)

if ((${#need_apt[@]})); then
    echo "setup: installing ${need_apt[*]} (apt)" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import jsonschema, yaml' >/dev/null 2>&1; then
    echo "setup: installing jsonschema and PyYAML (pip)" >&2
    python3 -m pip install --quiet jsonschema pyyaml
fi

command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (expected Swift 6.x, e.g. /opt/swift/usr/bin)" >&2; exit 1; }
