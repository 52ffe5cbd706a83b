#!/usr/bin/env bash
# Change-set benchmark: how long `contract-gate check` takes on a 20,000-file repository with
# 300 changes (20 renames), next to `git diff --name-status -M` on the same two commits.
#
# usage: ci/bench/changeset-bench.sh [WORKDIR]
#   BIN         the contract-gate binary (default .build/release/contract-gate;
#               build it first with `swift build -c release`)
#   RUNS        timed runs of each command; the median is reported (default 5)
#   FILES, CHANGES, RENAMES, SEED   the repository's shape (defaults 20000, 300, 20, 1)
#   CHECK_ARGS  extra arguments for `contract-gate check` (for example a catalog option)
#
# The repository is built once per shape under WORKDIR (default /tmp/contract-gate-bench) and
# reused. The check runs as `"$BIN" check --base base --head head --format json --repo DIR`; its
# exit code is reported, not judged (1 means findings, which a benchmark may well have). An exit
# code of 2 or more means the gate itself failed, and the script fails too.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${BIN:-.build/release/contract-gate}"
RUNS="${RUNS:-5}"
FILES="${FILES:-20000}"
CHANGES="${CHANGES:-300}"
RENAMES="${RENAMES:-20}"
SEED="${SEED:-1}"
workdir="${1:-/tmp/contract-gate-bench}"
repo="$workdir/changeset-f${FILES}-c${CHANGES}-r${RENAMES}-s${SEED}"

if [[ ! -x "$BIN" ]]; then
  echo "changeset-bench: no contract-gate binary at $BIN; run 'swift build -c release' or set BIN" >&2
  exit 2
fi

mkdir -p "$workdir"
if [[ ! -d "$repo/.git" ]]; then
  rm -rf "$repo"
  echo "building $repo ..." >&2
  python3 "$here/make_changeset_repo.py" --out "$repo" --files "$FILES" --changes "$CHANGES" \
    --renames "$RENAMES" --seed "$SEED" > "$repo.truth.json"
fi

python3 - "$BIN" "$repo" "$RUNS" "${CHECK_ARGS:-}" <<'PY'
import collections, json, shlex, statistics, subprocess, sys, time

binary, repo, runs, extra = sys.argv[1], sys.argv[2], int(sys.argv[3]), shlex.split(sys.argv[4])

def timed(command):
    durations, last = [], None
    for _ in range(runs):
        start = time.perf_counter()
        last = subprocess.run(command, capture_output=True)
        durations.append(time.perf_counter() - start)
    return statistics.median(durations), last

git_cmd = ["git", "-C", repo, "diff", "--name-status", "-M", "base", "head"]
git_time, git_run = timed(git_cmd)
letters = collections.Counter(line.split("\t")[0][0] for line in git_run.stdout.decode().splitlines() if line)

check_cmd = [binary, "check", "--base", "base", "--head", "head", "--format", "json", "--repo", repo, "--timings", *extra]
diff_stage = []
def timed_check():
    durations, last = [], None
    for _ in range(runs):
        start = time.perf_counter()
        last = subprocess.run(check_cmd, capture_output=True)
        durations.append(time.perf_counter() - start)
        # `check --timings`: the `diff` stage is the change set alone (libgit2 diff + renames).
        for line in last.stderr.decode(errors="replace").splitlines():
            if line.startswith("timings (ms): "):
                stages = dict(item.rsplit(" ", 1) for item in line[len("timings (ms): "):].split(" · "))
                diff_stage.append(int(stages.get("diff", "0")) / 1000)
    return statistics.median(durations), last
check_time, check_run = timed_check()

truth = json.load(open(repo + ".truth.json"))
print(f"repository: {repo}")
print(f"shape: {truth}")
print(f"git diff --name-status -M: {dict(sorted(letters.items()))}")
print(f"{'command':<40} {'median s':>9}  (of {runs})")
print(f"{'git diff --name-status -M base head':<40} {git_time:>9.3f}")
print(f"{'contract-gate check --format json':<40} {check_time:>9.3f}  exit {check_run.returncode}")
if diff_stage:
    print(f"{'change set (check --timings diff stage)':<40} {statistics.median(diff_stage):>9.3f}")
if check_run.returncode >= 2:
    sys.stderr.write(check_run.stderr.decode()[-2000:])
    sys.exit(check_run.returncode)
PY
