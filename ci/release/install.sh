#!/bin/sh
# Installs contract-gate: downloads the release tarball for this machine's architecture,
# verifies its SHA-256 checksum, and puts the binary in a folder on your PATH.
#
#   curl -fsSL <release URL>/install.sh | sh
#   sh install.sh [--version V] [--dir DIR] [--base-url URL] [--from TARBALL [--sha256 HEX]]
#
#   --dir DIR       where to put contract-gate (default: $CONTRACT_GATE_INSTALL_DIR, else
#                   ~/.local/bin, or /usr/local/bin when run as root)
#   --version V     the release to install (default: @VERSION@)
#   --base-url URL  where releases are downloaded from; "{version}" is replaced
#                   (default: @BASE_URL@)
#   --from FILE     install a tarball already on disk instead of downloading; its checksum is
#                   read from FILE.sha256 beside it, or given with --sha256
#
# Exit codes: 0 installed, 1 download or checksum failure, 2 usage error.
set -eu

version="@VERSION@"
base_url="@BASE_URL@"
dir="${CONTRACT_GATE_INSTALL_DIR:-}"
from=""
expected=""

say() { printf 'install.sh: %s\n' "$*" >&2; }
usage_error() { say "$*"; exit 2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --dir) [ $# -ge 2 ] || usage_error "--dir needs a folder"; dir="$2"; shift 2 ;;
        --version) [ $# -ge 2 ] || usage_error "--version needs a version (e.g. 0.1.0)"; version="${2#v}"; shift 2 ;;
        --base-url) [ $# -ge 2 ] || usage_error "--base-url needs a URL"; base_url="$2"; shift 2 ;;
        --from) [ $# -ge 2 ] || usage_error "--from needs a tarball"; from="$2"; shift 2 ;;
        --sha256) [ $# -ge 2 ] || usage_error "--sha256 needs a hex digest"; expected="$2"; shift 2 ;;
        -h | --help) sed -n '2,17p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) usage_error "unknown argument '$1' (see --help)" ;;
    esac
done

if [ -z "$dir" ]; then
    if [ "$(id -u)" -eq 0 ]; then dir=/usr/local/bin; else dir="$HOME/.local/bin"; fi
fi

case "$(uname -s)" in
    Linux) ;;
    *) usage_error "only Linux builds are published; on $(uname -s) build from source (see README)" ;;
esac
case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) usage_error "no build for $(uname -m); build from source (see README)" ;;
esac

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
    elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
    else say "neither sha256sum nor shasum is installed; cannot verify the download"; exit 1
    fi
}

work="$(mktemp -d "${TMPDIR:-/tmp}/contract-gate-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT INT TERM

if [ -n "$from" ]; then
    [ -f "$from" ] || usage_error "--from $from: no such file"
    tarball="$from"
    if [ -z "$expected" ]; then
        [ -f "$from.sha256" ] || usage_error "no checksum for $from: put $(basename "$from").sha256 beside it or pass --sha256 HEX"
        expected="$(cut -d' ' -f1 <"$from.sha256")"
    fi
else
    case "$version" in
        *@*) usage_error "no release version is set in this copy of install.sh; pass --version V" ;;
    esac
    case "$base_url" in
        *@* | *OWNER/*) usage_error "this install.sh does not know where releases are published; pass --base-url URL" ;;
    esac
    name="contract-gate-$version-linux-$arch.tar.gz"
    url="$(printf '%s' "$base_url" | sed "s/{version}/$version/g")/$name"
    fetch() {
        if command -v curl >/dev/null 2>&1; then curl -fsSL --retry 3 -o "$2" "$1"
        elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1"
        else say "neither curl nor wget is installed"; exit 1
        fi
    }
    say "downloading $url"
    fetch "$url" "$work/$name" || { say "download failed: $url"; exit 1; }
    if [ -z "$expected" ]; then
        fetch "$url.sha256" "$work/$name.sha256" || { say "download failed: $url.sha256"; exit 1; }
        expected="$(cut -d' ' -f1 <"$work/$name.sha256")"
    fi
    tarball="$work/$name"
fi

actual="$(sha256_of "$tarball")"
if [ "$actual" != "$expected" ]; then
    say "checksum mismatch for $(basename "$tarball"): expected $expected, got $actual; nothing installed"
    exit 1
fi

mkdir -p "$work/unpacked"
tar -xzf "$tarball" -C "$work/unpacked"
binary="$(find "$work/unpacked" -type f -name contract-gate | head -n 1)"
[ -n "$binary" ] || { say "$(basename "$tarball") holds no contract-gate binary; nothing installed"; exit 1; }

mkdir -p "$dir"
# Copy beside the target, then rename: a running contract-gate is never overwritten in place.
cp "$binary" "$dir/.contract-gate.new.$$"
chmod 0755 "$dir/.contract-gate.new.$$"
mv -f "$dir/.contract-gate.new.$$" "$dir/contract-gate"

if ! installed_version="$("$dir/contract-gate" --version 2>"$work/err")"; then
    say "installed $dir/contract-gate, but it does not run:"
    cat "$work/err" >&2
    if grep -q 'libcurl' "$work/err"; then say "install libcurl (apt-get install libcurl4), or use: pip install contract-gate"; fi
    exit 1
fi
say "installed contract-gate $installed_version to $dir/contract-gate"
case ":$PATH:" in
    *":$dir:"*) ;;
    *) say "$dir is not on your PATH; add it, e.g.: export PATH=\"$dir:\$PATH\"" ;;
esac
