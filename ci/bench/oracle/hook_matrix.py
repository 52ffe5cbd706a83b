#!/usr/bin/env python3
"""Which models a macro edit modifies through hooks: dbt's `state:modified+` against the gate.

    ci/bench/oracle/hook_matrix.py [GATE_BINARY]     (default .build/debug/contract-gate)

Builds one small dbt project with an installed package (`dbt_packages/pkg`, not committed, as
`dbt deps` leaves it) and a `local:` package (`dbt_packages/lpkg`, a symlink to the committed
folder `local/lpkg`, as `dbt deps` installs one), whose models get `pre-hook`/`post-hook`s from
every place dbt reads them: the root `dbt_project.yml` project-wide (`models: +post-hook`), for a
folder, for a package (`models: pkg: +post-hook`), the package's own `dbt_project.yml`, a property
file's `config:` (`post_hook`, `pre-hook`), `{{ config(post_hook=...) }}`, a hook that is plain SQL
and a hook macro that calls another macro. Each case edits the text of exactly one macro, then
compares the models dbt-core 1.11 (`/opt/dbtvenv`) selects with `dbt ls -s state:modified+` with the
gate's changed models plus everything it walks downstream. Prints both sets per case; exits 1 when
any differs. `HookChangesTests` encodes the verdicts.
"""
import json, os, shutil, subprocess, sys, tempfile
from pathlib import Path
HERE = Path(__file__).resolve().parent
GATE = sys.argv[1] if len(sys.argv) > 1 else str(HERE.parents[2] / ".build/debug/contract-gate")
DBT = "/opt/dbtvenv/bin/dbt"
MACROS = ["h_all", "h_folder", "h_pkgscope", "h_pkgown", "h_yaml", "h_yaml_dash", "h_cfg", "h_inner", "h_pkgyaml", "h_seed", "h_snap", "h_unused"]
W = Path(tempfile.mkdtemp()); P = W / "p"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def sh(cmd, ok=True):
    cmd = cmd + (["--profiles-dir", str(W)] if cmd[0] == DBT else [])
    p = subprocess.run(cmd, cwd=P, capture_output=True, text=True,
                       env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1"))
    if ok and p.returncode: raise SystemExit(" ".join(cmd) + "\n" + p.stdout[-3000:] + p.stderr[-3000:])
    return p


def macros(edited=None):
    out = []
    for m in MACROS:
        body = "{{ h_inner() }}" if m == "h_cfg" else "select 1"
        out.append(f"{{% macro {m}() %}}{body}{{# {'edited' if m == edited else 'base'} #}}{{% endmacro %}}")
    return "\n".join(out) + "\n"


write(W / "profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: ':memory:'}\n")
write(P / "dbt_project.yml", """name: shop
version: "1.0"
profile: shop
models:
  +post-hook: ["{{ h_all() }}"]
  shop:
    hooked: {+pre-hook: "{{ h_folder() }}"}
  pkg:
    scoped: {+post-hook: "{{ h_pkgscope() }}"}
seeds:
  +post-hook: "{{ h_seed() }}"
snapshots:
  +post-hook: "{{ h_snap() }}"
""")
write(P / "seeds/s_one.csv", "id\n1\n")
write(P / "models/r_from_seed.sql", "select * from {{ ref('s_one') }}\n")
write(P / "snapshots/snap.sql", "{% snapshot snap %}\n{{ config(unique_key='id', strategy='check', check_cols='all', target_schema='s') }}\n"
      "select 1 as id\n{% endsnapshot %}\n")
write(P / "models/r_from_snap.sql", "select * from {{ ref('snap') }}\n")
write(P / "contract-gate.yml", "version: 1\nfail_on: never\ndbt: {project_dir: ., adapter: duckdb}\n")
write(P / "macros/h.sql", macros())
write(P / "models/r_plain.sql", "select 1 as id\n")
write(P / "models/hooked/r_folder.sql", "select 1 as id\n")
write(P / "models/r_yaml.sql", "select 1 as id\n")
write(P / "models/r_yaml_dash.sql", "select 1 as id\n")
write(P / "models/r_cfg.sql", "{{ config(post_hook=\"{{ h_cfg() }}\") }}\nselect 1 as id\n")
write(P / "models/r_sql_hook.sql", "{{ config(post_hook='grant select on {{ this }} to reporter') }}\nselect 1 as id\n")
write(P / "models/r_from_pkg.sql", "select * from {{ ref('pkg', 'p_scoped') }}\n")
write(P / "models/schema.yml", "version: 2\nmodels:\n  - name: r_yaml\n    config: {post_hook: \"{{ h_yaml() }}\"}\n"
      "  - name: r_yaml_dash\n    config:\n      pre_hook: [\"{{ h_yaml_dash() }}\"]\n")
write(P / "packages.yml", "packages:\n  - local: local/lpkg\n")
PKG = P / "dbt_packages/pkg"
write(PKG / "dbt_project.yml", 'name: pkg\nversion: "1.0"\nconfig-version: 2\nmodels:\n  pkg:\n    own: {+pre-hook: "{{ h_pkgown() }}"}\n')
write(PKG / "models/p_base.sql", "select 1 as id\n")
write(PKG / "models/p_child.sql", "select * from {{ ref('p_base') }}\n")
write(PKG / "models/scoped/p_scoped.sql", "select 1 as id\n")
write(PKG / "models/scoped/p_scoped_child.sql", "select * from {{ ref('p_scoped') }}\n")
write(PKG / "models/p_after_scoped.sql", "select * from {{ ref('p_scoped') }}\n")
write(PKG / "models/own/p_own.sql", "select 1 as id\n")
write(PKG / "models/p_yaml.sql", "select 1 as id\n")
write(PKG / "models/p_off.sql", "{{ config(enabled=false) }}\nselect 1 as id\n")
write(PKG / "models/schema.yml", "version: 2\nmodels:\n  - name: p_yaml\n    config: {post_hook: \"{{ h_pkgyaml() }}\"}\n")
write(P / "local/lpkg/dbt_project.yml", 'name: lpkg\nversion: "1.0"\nconfig-version: 2\n')
write(P / "local/lpkg/models/l_one.sql", "select 1 as id\n")
os.symlink("../local/lpkg", P / "dbt_packages/lpkg")
sh(["git", "init", "-q", "-b", "main"])
write(P / ".git/info/exclude", "dbt_packages/\ntarget/\nlogs/\n")
sh(["git", "add", "-A"]); sh(["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "base"])
sh([DBT, "parse", "--target-path", str(W / "base"), "-q"])
failed = False
for macro in MACROS:
    write(P / "macros/h.sql", macros(edited=macro))
    sh(["git", "add", "-A"]); sh(["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "edit " + macro])
    p = sh([DBT, "ls", "-s", "state:modified+", "--state", str(W / "base"), "--target-path", str(W / "head"), "-q",
            "--output", "name", "--resource-type", "model"])
    dbt = sorted(set(l.strip() for l in p.stdout.splitlines() if l.strip()))
    g = sh([GATE, "check", "--base", "HEAD~1", "--head", "HEAD", "--catalog", "dbt", "--format", "json"], ok=False)
    try:
        rep = json.loads(g.stdout)
    except ValueError:
        raise SystemExit(f"gate failed ({g.returncode}):\n{g.stdout[-2000:]}{g.stderr[-2000:]}")
    gate = set(c["model"] for c in rep["changes"] if not c.get("documentation_only"))
    for imp in rep["impact"]:
        gate |= {d["name"] for d in imp["downstream"] if d.get("type", "model") == "model"}
    gate = sorted(gate)
    same = dbt == gate
    failed |= not same
    print(f"{macro:12} {'same' if same else 'DIFFERS'}\n  dbt : {dbt}\n  gate: {gate}")
    if not same:
        print("  missing:", sorted(set(dbt) - set(gate)), " extra:", sorted(set(gate) - set(dbt)))
    sh(["git", "reset", "-q", "--hard", "HEAD~1"])
shutil.rmtree(W, ignore_errors=True)
sys.exit(1 if failed else 0)
