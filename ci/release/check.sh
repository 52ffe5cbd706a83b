#!/usr/bin/env bash
# Checks the release artifacts as a new user would meet them, on a machine without Swift:
#
#   1. ci/release.sh builds dist/ (skipped with --no-build when dist/ is already there);
#   2. the tarball's binary loads nothing from the Swift toolchain or libgit2 (ldd);
#   3. with the toolchain hidden (an empty tmpfs over it in a private mount namespace, and
#      libgit2's shared library masked), the binary runs --version and `check` of the sample
#      project, which must fail with the sample's breaking errors and one waiver (exit 1);
#   4. dist/install.sh --from installs the tarball (and refuses one whose checksum is wrong);
#   5. the wheel installs into a fresh venv, with libcurl masked as well (the wheel carries its
#      own), and the same `check` runs from the venv's contract-gate and `python -m contract_gate`.
#
# Without mount namespaces (not root, no user namespaces) step 3 and 5 fall back to a clean
# environment (PATH without the toolchain, no LD_LIBRARY_PATH) and say so.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$here"
if [ "${1:-}" != "--no-build" ]; then bash ci/release.sh; fi

version="$(sed -n 's/^ *public static let current = "\(.*\)"$/\1/p' Sources/GateModel/Report.swift)"
arch="$(uname -m)"
[ "$arch" = arm64 ] && arch=aarch64
tarball="dist/contract-gate-$version-linux-$arch.tar.gz"
wheel="$(ls dist/contract_gate-"$version"-*.whl 2>/dev/null | head -n 1)"
for artifact in "$tarball" "$tarball.sha256" dist/install.sh "$wheel"; do
    [ -n "$artifact" ] && [ -f "$artifact" ] || { echo "check: missing artifact ${artifact:-dist/*.whl}; run ci/release.sh" >&2; exit 1; }
done

work="$(mktemp -d -t contract-gate-release-check.XXXXXX)"
trap 'rm -rf "$work"' EXIT
fail() { echo "check: FAIL: $*" >&2; exit 1; }
pass() { echo "check: ok: $*" >&2; }

toolchain="$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")"   # /opt/swift
libgit2_so="$(readlink -f "$(pkg-config --variable=libdir libgit2)/libgit2.so" 2>/dev/null || true)"
libcurl_so="$(ldconfig -p | awk '/libcurl\.so\.4 .*x86-64|libcurl\.so\.4 .*AArch64/ {print $NF; exit}')"

mkdir -p "$work/tar"
tar -xzf "$tarball" -C "$work/tar"
bin="$work/tar/contract-gate-$version-linux-$arch/contract-gate"
[ -x "$bin" ] || fail "the tarball holds no executable contract-gate-$version-linux-$arch/contract-gate"
for doc in README.md INSTALL.txt; do
    [ -f "$work/tar/contract-gate-$version-linux-$arch/$doc" ] || fail "the tarball lacks $doc"
done

deps="$(ldd "$bin")"
if grep -Eq "$toolchain|libswift|libFoundation|libdispatch|libgit2|not found" <<<"$deps"; then
    echo "$deps" >&2
    fail "the binary loads a toolchain library or libgit2, or misses a library (above)"
fi
pass "ldd shows nothing from $toolchain and no libgit2: $(awk '{print $1}' <<<"$deps" | tr '\n' ' ')"

bash ci/sample/make_repo.sh "$work/shop"
clean_env=(env -i "HOME=$work/home" "PATH=/usr/local/bin:/usr/bin:/bin" "LANG=C.UTF-8" "TMPDIR=$work")
mkdir -p "$work/home"

# Runs "$@" with the toolchain hidden and the named shared libraries masked (each replaced by
# /dev/null, so loading one fails), in a private mount namespace; else in a clean environment.
isolated=false
if unshare --mount true 2>/dev/null; then isolated=true; fi
without_swift() {
    local masks="$1"; shift
    if $isolated; then
        local script='mount -t tmpfs none "$0"; for lib in $1; do mount --bind /dev/null "$lib"; done; shift 1; exec "$@"'
        "${clean_env[@]}" unshare --mount sh -c "$script" "$toolchain" "$masks" "$@"
    else
        "${clean_env[@]}" "$@"
    fi
}
if $isolated; then
    without_swift "" sh -c 'command -v swift >/dev/null 2>&1 || [ -x "$0/usr/bin/swift" ]' "$toolchain" \
        && fail "the toolchain is still visible inside the namespace"
    pass "artifacts run in a mount namespace with $toolchain empty and libgit2's .so masked"
else
    echo "check: note: no mount namespaces here; running with a clean PATH and environment only" >&2
fi

# The sample's verdict: exit 1 with its two errors and the waived removal.
check_sample() {
    local label="$1"; shift
    local out="$work/$label.out" status=0
    without_swift "$@" check --repo "$work/shop" --format json >"$out" 2>"$work/$label.err" || status=$?
    [ "$status" -eq 1 ] || { cat "$work/$label.err" >&2; fail "$label: check exited $status, the sample expects 1"; }
    python3 - "$out" "$label" <<'PY' || fail "$label: the report is not the sample's (above)"
import json, sys
report = json.load(open(sys.argv[1]))
summary = report["summary"]
# What SampleProjectTests pins (and the README shows): the breaking errors and the waived removal.
errors = sorted(f"{f['rule']} {f['model']}" + (f".{f['column']}" if f.get("column") else "")
                for f in report["findings"] if not f["waived"] and f["severity"] == "error")
want = ["COLUMN_NO_DELETE fct_orders.status", "MODEL_SAME_RELATION dim_clients"]
# Other rules may add findings as the gate learns more; these two and the waiver must be there.
if report["verdict"] != "fail" or not set(want) <= set(errors) or summary["waived"] != 1:
    print(f"{sys.argv[2]}: verdict {report['verdict']}, summary {summary}, errors {errors}; expected fail, {want} among the errors, 1 waived", file=sys.stderr)
    sys.exit(1)
PY
    pass "$label: check of the sample fails with its errors and 1 waiver (exit 1)"
}

version_out="$(without_swift "$libgit2_so" "$bin" --version)" || fail "tarball: --version did not run"
[ "$version_out" = "$version" ] || fail "tarball: --version printed '$version_out', expected $version"
pass "tarball: --version prints $version without the toolchain"
check_sample tarball "$libgit2_so" "$bin"

# install.sh --from: installs, and refuses a tarball whose checksum does not match.
"${clean_env[@]}" sh dist/install.sh --from "$here/$tarball" --dir "$work/bin" 2>"$work/install.err" \
    || { cat "$work/install.err" >&2; fail "install.sh --from did not install"; }
[ "$("$work/bin/contract-gate" --version)" = "$version" ] || fail "install.sh --from installed something that is not $version"
pass "install.sh --from installed $work/bin/contract-gate"
cp "$tarball" "$work/tampered.tar.gz"
echo "0000000000000000000000000000000000000000000000000000000000000000  tampered.tar.gz" >"$work/tampered.tar.gz.sha256"
status=0
"${clean_env[@]}" sh dist/install.sh --from "$work/tampered.tar.gz" --dir "$work/bin2" 2>"$work/tampered.err" || status=$?
[ "$status" -eq 1 ] && grep -q "checksum mismatch" "$work/tampered.err" && [ ! -e "$work/bin2/contract-gate" ] \
    || { cat "$work/tampered.err" >&2; fail "install.sh accepted a tarball with a wrong checksum (exit $status)"; }
pass "install.sh refuses a checksum mismatch and installs nothing"

# The wheel, in a fresh venv, with the machine's libcurl masked: it must carry its own.
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$here/$wheel" \
    || fail "the wheel does not install into a fresh venv"
[ -x "$work/venv/bin/contract-gate" ] || fail "the wheel put no contract-gate into the venv's bin/"
masks="$libgit2_so $libcurl_so"
wheel_version="$(without_swift "$masks" "$work/venv/bin/contract-gate" --version)" || fail "wheel: --version did not run"
[ "$wheel_version" = "$version" ] || fail "wheel: --version printed '$wheel_version'"
pass "wheel: $(basename "$wheel") installs; contract-gate --version runs with libcurl and libgit2 masked"
check_sample wheel "$masks" "$work/venv/bin/contract-gate"
check_sample wheel-python-m "$masks" "$work/venv/bin/python" -m contract_gate
echo "check: all release artifacts pass" >&2
