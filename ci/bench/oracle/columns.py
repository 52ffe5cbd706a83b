#!/usr/bin/env python3
"""How many models' output columns the gate knows from their SQL, per real project (issue 18).

For each project of projects.json under PROJECTS_ROOT: copy it into a temp git repo (as the
oracle does), run `contract-gate columns --format json`, and write results/columns-<name>.json
(every model with its certainty, origin and reason) and results/COLUMNS.md (the shares, and every
model that is not known, grouped by reason).

    ci/bench/oracle/columns.py [PROJECTS_ROOT] [--only NAME ...] [--gate BIN]
"""
import argparse, collections, json, re, shutil, sys, tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import oracle  # noqa: E402


def reason_kind(reason):
    """A reason without the model-specific parts, for grouping."""
    text = re.sub(r"`[^`]*`", "`…`", reason or "")
    text = re.sub(r"line \d+", "line N", text)
    text = re.sub(r"__dbt_node_\d+__", "__dbt_node_N__", text)
    return text[:160]


def columns(gate, folder, name, spec, env_extra):
    work = Path(tempfile.mkdtemp(prefix=f"columns-{name}-"))
    repo = work / "repo"
    shutil.copytree(folder, repo, symlinks=True, ignore=shutil.ignore_patterns(".git", "target", "logs", ".user.yml"))
    # The SQL dialect (and dispatch) of the warehouse the project is written for, when it is not
    # the duckdb the oracle's dbt parses with.
    config = oracle.GATE_CONFIG
    if spec.get("adapter"):
        config = config.replace("adapter: duckdb", f"adapter: {spec['adapter']}")
    (repo / "contract-gate.yml").write_text(config)
    oracle.git(repo, "init", "-q", "-b", "main")
    (repo / ".git/info/exclude").write_text("target/\nlogs/\ndbt_packages/\n.user.yml\n")
    oracle.git(repo, "add", "-A")
    oracle.git(repo, "commit", "-q", "-m", "base")
    env = dict(env_extra)
    for k, v in spec.get("env", {}).items():
        env[k] = v
    p, took = oracle.sh([str(gate), "columns", "--format", "json"], repo, env=env, check=False)
    shutil.rmtree(work, ignore_errors=True)
    if p.returncode != 0:
        raise RuntimeError(f"columns exited {p.returncode}: {p.stderr[-2000:]}")
    return json.loads(p.stdout), took


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root", nargs="?", type=Path, default=Path("/work/oracle-projects"))
    ap.add_argument("--only", nargs="+")
    ap.add_argument("--gate", type=Path, default=oracle.REPO / ".build/debug/contract-gate")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    cli = ap.parse_args()
    cli.out.mkdir(parents=True, exist_ok=True)
    import os
    base_env = dict(os.environ, DBT_PROFILES_DIR=str(cli.root / "profiles"))
    projects = {k: v for k, v in json.loads((HERE / "projects.json").read_text()).items() if not k.startswith("_")}
    rows, details = [], []
    for name, spec in projects.items():
        if cli.only and name not in cli.only:
            continue
        folder = cli.root / spec["dir"]
        if not (folder / "dbt_project.yml").exists():
            print(f"skip {name}: no dbt_project.yml in {folder} (run prepare.sh?)")
            continue
        doc, took = columns(cli.gate.absolute(), folder, name, spec, base_env)
        (cli.out / f"columns-{name}.json").write_text(json.dumps(doc, indent=1) + "\n")
        models = doc["models"]
        total = len(models)
        known = sum(1 for m in models if m["certainty"] == "known")
        partial = sum(1 for m in models if m["certainty"] == "partial")
        unknown = total - known - partial
        rows.append((name, total, known, partial, unknown, took))
        groups = collections.defaultdict(list)
        for m in models:
            if m["certainty"] != "known":
                groups[(m["certainty"], reason_kind(m.get("reason")))].append(m["model"])
        details.append((name, groups))
        print(f"{name}: {known}/{total} known ({100.0 * known / max(total, 1):.1f} %), {partial} partial, {unknown} unknown, {took}s")
    lines = ["# Output columns known from SQL, per project (`ci/bench/oracle/columns.py`)", "",
             "| project | models | known | partly known | unknown | share known | time |", "|---|---|---|---|---|---|---|"]
    for name, total, known, partial, unknown, took in rows:
        lines.append(f"| {name} | {total} | {known} | {partial} | {unknown} | {100.0 * known / max(total, 1):.1f} % | {took} s |")
    for name, groups in details:
        lines += ["", f"## {name}: models not fully known, by reason", ""]
        for (certainty, reason), names in sorted(groups.items(), key=lambda kv: -len(kv[1])):
            shown = ", ".join(sorted(names)[:12]) + (f", … ({len(names)} in all)" if len(names) > 12 else "")
            lines.append(f"- **{certainty}** ({len(names)}): {reason} — {shown}")
    (cli.out / "COLUMNS.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
