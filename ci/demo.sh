#!/usr/bin/env bash
# The README's main-job command: set up a fresh machine, build contract-gate, turn the sample dbt
# project in ci/sample/ into a real git history (a base commit and a change on a branch), and run
# `contract-gate check` on it offline — the dbt graph plus a bundled Secoda catalog snapshot,
# no Secoda account needed. Extra arguments go to `check` (e.g. --format markdown).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bash "$here/ci/setup.sh"

echo "demo: building contract-gate (first build takes about a minute)" >&2
if ! (cd "$here" && swift build --product contract-gate >/tmp/contract-gate-demo-build.log 2>&1); then
    cat /tmp/contract-gate-demo-build.log >&2
    exit 1
fi
bin="$(cd "$here" && swift build --show-bin-path)/contract-gate"

work="${DEMO_DIR:-$(mktemp -d -t contract-gate-demo.XXXXXX)}"
repo="$work/shop"
bash "$here/ci/sample/make_repo.sh" "$repo"

echo "demo: sample repository at $repo (branch change/drop-order-columns, base origin/main)" >&2
echo "demo: running: contract-gate check --repo $repo $*" >&2
echo >&2
set +e
"$bin" check --repo "$repo" "$@"
code=$?
set -e
echo >&2
if [ "$code" -eq 1 ]; then
    echo "demo: contract-gate exited 1 (contract violated) — the expected verdict for this sample." >&2
    exit 0
fi
echo "demo: contract-gate exited $code; the sample expects 1 (contract violated)." >&2
exit 1
