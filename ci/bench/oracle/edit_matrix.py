#!/usr/bin/env python3
"""What dbt counts as modified, one edit per node: dbt's `state:modified+` against the gate.

    ci/bench/oracle/edit_matrix.py [GATE_BINARY]     (default .build/debug/contract-gate)

Builds a small dbt project in a temporary git repository where every model and seed gets exactly
one kind of edit between base and head (a YAML key, a column property, a dbt_project.yml config,
a seed's config, description or folder, a
folder-level `models:` config, a config of an installed package's model (`models: pkg:`), a var
read by `config()` or by a source's `schema:`/`database:`), runs `dbt parse` at base and `dbt ls -s state:modified+`
at head (dbt-core 1.11 from /opt/dbtvenv), and compares the models and seeds dbt selects with the
gate's changed models (documentation-only changes excluded) plus everything it walks downstream.
Prints both sets and the differences; exits 1 when they differ. The Swift tests encode the
verdicts this printed (SourceChangesTests, SeedChangesTests, StateModifiedParityTests).
"""
import json, os, shutil, subprocess, sys, tempfile
from pathlib import Path
HERE = Path(__file__).resolve().parent
GATE = sys.argv[1] if len(sys.argv) > 1 else str(HERE.parents[2] / ".build/debug/contract-gate")
CASES = {  # model name: (base entry extra lines, head entry extra lines)
  "m_tags": ("", "    tags: [x]"),
  "m_meta": ("", "    meta: {owner: a}"),
  "m_cfg_meta": ("", "    config: {meta: {owner: a}}"),
  "m_docs": ("", "    docs: {show: false}"),
  "m_access": ("", "    access: public"),
  "m_group": ("", "    group: g"),
  "m_col_tags": ("    columns: [{name: id}]", "    columns: [{name: id, tags: [x]}]"),
  "m_col_meta": ("    columns: [{name: id}]", "    columns: [{name: id, meta: {a: 1}}]"),
  "m_col_quote": ("    columns: [{name: id}]", "    columns: [{name: id, quote: true}]"),
  "m_col_test": ("    columns: [{name: id}]", "    columns: [{name: id, data_tests: [unique]}]"),
  "m_col_type": ("    columns: [{name: id}]", "    columns: [{name: id, data_type: int}]"),
  "m_col_constraint": ("    columns: [{name: id}]", "    columns: [{name: id, constraints: [{type: not_null}]}]"),
  "m_deprecation": ("", "    deprecation_date: 2030-01-01"),
  "m_latest_v": ("", ""),
  "m_persist": ("    config: {persist_docs: {relation: true}}\n    description: a", "    config: {persist_docs: {relation: true}}\n    description: b"),
  "m_desc": ("    description: a", "    description: b"),
  "m_unit": ("", ""),
}
def sh(cmd, cwd, ok=True):
    cmd = cmd + (["--profiles-dir", str(W)] if cmd[0].endswith("dbt") else [])
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if ok and p.returncode: raise SystemExit(p.stdout[-2000:] + p.stderr[-2000:])
    return p
W = Path(tempfile.mkdtemp()); P = W / "p"; (P / "models").mkdir(parents=True); (P / "seeds").mkdir(); (P/"snapshots").mkdir()
(W / "profiles.yml").write_text("shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, path: ':memory:'}\n")
FOLDERS = {  # folder-level `models:` config in dbt_project.yml: folder: (base, head); one model <folder>_m each
  "f_mat": ("+materialized: view", "+materialized: table"),
  "f_schema": ("+schema: a", "+schema: b"),
  "f_alias": ("+alias: a1", "+alias: a2"),
  "f_enabled": ("+enabled: true", "+enabled: false"),
  "f_contract": ("+contract: {enforced: false}", "+contract: {enforced: true}"),
  "f_persist": ("+persist_docs: {relation: false}", "+persist_docs: {relation: true}"),
  "f_prehook": ("+pre-hook: 'select 1'", "+pre-hook: 'select 2'"),
  "f_docs": ("+docs: {show: true}", "+docs: {show: false}"),
  "f_meta": ("+meta: {k: 1}", "+meta: {k: 2}"),
  "f_fullrefresh": ("+full_refresh: false", "+full_refresh: true"),
  "f_oss": ("+on_schema_change: ignore", "+on_schema_change: fail"),
  "f_database": ("+database: d1", "+database: d2"),
  "f_same": ("+materialized: view", "+materialized: view"),
}
PACKAGE = {  # `models: pkg: <model>:` in the root dbt_project.yml, for models of an installed package
  "pkg_mat": ("+materialized: view", "+materialized: table"),
  "pkg_meta": ("+meta: {k: 1}", "+meta: {k: 2}"),
  "pkg_tags": ("+tags: [a]", "+tags: [b]"),
  "pkg_same": ("+materialized: view", "+materialized: view"),
}
VARS = {"base": "{x: 1, mat_var: view, src_schema: a, src_db: d1, unused_var: 1}",
        "head": "{x: 2, mat_var: table, src_schema: b, src_db: d2, unused_var: 2}"}
def project(side):
    i = 0 if side == "base" else 1
    folders = "".join(f"    {f}: {{{c[i]}}}\n" for f, c in FOLDERS.items())
    package = "".join(f"    {m}: {{{c[i]}}}\n" for m, c in PACKAGE.items())
    return ('name: shop\nversion: "1.0"\nprofile: shop\nvars: ' + VARS[side] + '\nsnapshots:\n  shop:\n    snap_proj: {+tags: [a], +meta: {k: '
            + ("1" if side == "base" else "2") + '}}\nsources:\n  shop:\n    src_proj: {+meta: {k: ' + ("1" if side == "base" else "2")
            + '}}\nmodels:\n  shop:\n    p_tags: {+tags: [' + ("a" if side == "base" else "a, b") + ']}\n    p_group: {+group: '
            + ("g" if side == "base" else "h") + '}\n    p_mat: {+materialized: ' + ("view" if side == "base" else "table") + '}\n'
            + folders + '  pkg:\n' + package + 'seeds:\n  shop:\n    s_proj: {+quote_columns: ' + ("false" if side == "base" else "true") + '}\n')
PROJECT = {"base": project("base"), "head": project("head")}
(P / "dbt_project.yml").write_text(PROJECT["base"])
(P / "contract-gate.yml").write_text("version: 1\nfail_on: never\ndbt: {project_dir: ., adapter: duckdb}\n")
for m in list(CASES) + ["p_tags", "p_group", "p_mat"]: (P / "models" / f"{m}.sql").write_text("select 1 as id\n")
(P / "models" / "src.yml").write_text("version: 2\nsources:\n  - {name: src_proj, tables: [{name: t1}]}\n  - {name: src_same, tables: [{name: t2}]}\n")
(P / "models" / "from_src_proj.sql").write_text("select * from {{ source('src_proj', 't1') }}\n")
(P / "models" / "from_src_same.sql").write_text("select * from {{ source('src_same', 't2') }}\n")
for f in FOLDERS:
    (P / "models" / f).mkdir(); (P / "models" / f / f"{f}_m.sql").write_text("select 1 as id\n")
    if f != "f_enabled": (P / "models" / f"from_{f}.sql").write_text(f"select * from {{{{ ref('{f}_m') }}}}\n")
PKG = P / "dbt_packages" / "pkg"; (PKG / "models").mkdir(parents=True)
(PKG / "dbt_project.yml").write_text('name: pkg\nversion: "1.0"\nconfig-version: 2\n')
for m in PACKAGE:
    (PKG / "models" / f"{m}.sql").write_text("select 1 as id\n")
    (P / "models" / f"from_{m}.sql").write_text(f"select * from {{{{ ref('pkg', '{m}') }}}}\n")
(P / "models" / "m_var_cfg.sql").write_text("{{ config(materialized=var('mat_var')) }}\nselect 1 as id\n")
(P / "models" / "m_var_unused.sql").write_text("{{ config(materialized='view') }}\nselect 1 as id\n")
(P / "models" / "src_var.yml").write_text("version: 2\nsources:\n  - {name: src_var, schema: \"{{ var('src_schema') }}\", tables: [{name: t3}]}\n"
                                        "  - {name: src_var_db, database: \"{{ var('src_db') }}\", tables: [{name: t4}]}\n")
(P / "models" / "from_src_var.sql").write_text("select * from {{ source('src_var', 't3') }}\n")
(P / "models" / "from_src_var_db.sql").write_text("select * from {{ source('src_var_db', 't4') }}\n")
(P / "models" / "m_var.sql").write_text("select {{ var('x') }} as id\n")
(P / "models" / "m_src.sql").write_text("select 1 as id\n")
for snap in ["snap_sql", "snap_proj"]:
    (P / "snapshots" / f"{snap}.sql").write_text(f"{{% snapshot {snap} %}}\n{{{{ config(unique_key='id', strategy='check', check_cols='all', target_schema='s') }}}}\nselect * from {{{{ ref('m_src') }}}}\n{{% endsnapshot %}}\n")
for snap in ["snap_yaml", "snap_sql", "snap_proj"]:
    (P / "models" / f"from_{snap}.sql").write_text(f"select * from {{{{ ref('{snap}') }}}}\n")
for sname in ["s_proj", "s_persist", "s_moved", "s_tags"]:
    (P / "seeds" / f"{sname}.csv").write_text("id\n1\n")
    (P / "models" / f"from_{sname}.sql").write_text(f"select * from {{{{ ref('{sname}') }}}}\n")
(P / "seeds" / "s_types.csv").write_text("id,name\n1,a\n")
(P / "seeds" / "s_plain.csv").write_text("id,name\n1,a\n")
(P / "models" / "from_seed.sql").write_text("select * from {{ ref('s_types') }}\n")
(P / "models" / "from_seed2.sql").write_text("select * from {{ ref('s_plain') }}\n")
(P / "models" / "groups.yml").write_text("version: 2\ngroups:\n  - {name: g, owner: {name: a}}\n  - {name: h, owner: {name: b}}\n")
def yml(side):
    out = ["version: 2", "models:"]
    for m, (b, h) in CASES.items():
        out.append(f"  - name: {m}")
        extra = b if side == "base" else h
        if extra: out.append(extra)
    out += ["seeds:", "  - name: s_types"] + (["    config: {column_types: {id: bigint}}"] if side == "head" else [])
    out += ["  - name: s_plain"] + (["    description: changed"] if side == "head" else [])
    out += ["  - name: s_persist", "    config: {persist_docs: {relation: true}}", "    description: " + side]
    out += ["  - name: s_tags", f"    config: {{tags: [{side}]}}"]
    out += ["snapshots:", "  - name: snap_yaml", "    relation: ref('m_src')",
            "    config: {unique_key: id, strategy: check, check_cols: " + ("all" if side == "base" else "[id]") + "}",
            "  - name: snap_sql", "    config: {meta: {k: " + ("1" if side == "base" else "2") + "}}"]
    if side == "head":
        out += ["unit_tests:", "  - name: ut", "    model: m_unit", "    given: []", "    expect: {rows: [{id: 1}]}"]
    return "\n".join(out) + "\n"
(P / "models" / "schema.yml").write_text(yml("base"))
sh(["git", "init", "-q", "-b", "main"], P); (P / ".git/info/exclude").write_text("dbt_packages/\ntarget/\nlogs/\n"); sh(["git", "add", "-A"], P); sh(["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "base"], P)
env = dict(os.environ, DBT_PROFILES_DIR=str(W))
sh(["/opt/dbtvenv/bin/dbt", "parse", "--target-path", str(W / "base"), "-q"], P)
(P / "models" / "schema.yml").write_text(yml("head"))
(P / "dbt_project.yml").write_text(PROJECT["head"])
(P / "seeds" / "sub").mkdir(); (P / "seeds" / "s_moved.csv").rename(P / "seeds" / "sub" / "s_moved.csv")
sh(["git", "add", "-A"], P); sh(["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "head"], P)
p = sh(["/opt/dbtvenv/bin/dbt", "ls", "-s", "state:modified+", "--state", str(W / "base"), "--target-path", str(W / "head"), "-q", "--output", "name", "--resource-type", "model", "--resource-type", "seed", "--resource-type", "snapshot"], P)
dbt = sorted(set(l.strip() for l in p.stdout.splitlines() if l.strip()))
g = sh([GATE, "check", "--base", "HEAD~1", "--head", "HEAD", "--catalog", "dbt", "--format", "json"], P, ok=False)
rep = json.loads(g.stdout)
# A model disabled or deleted at head is a change (status deleted) that `dbt ls` cannot list; a changed
# source is an impact root (`source.table`) that the resource types asked of dbt leave out.
gate = set(c["model"] for c in rep["changes"] if not c.get("documentation_only") and c["status"] != "deleted")
for imp in rep["impact"]:
    gate |= {d["name"] for d in imp["downstream"] if d["type"] in ("model", "seed", "snapshot")}
    if imp["model"] not in {c["model"] for c in rep["changes"]} and "." not in imp["model"]: gate.add(imp["model"])
gate = sorted(gate)
print("doc-only:", sorted(c["model"] for c in rep["changes"] if c.get("documentation_only")))
print("deleted (disabled at head):", sorted(c["model"] for c in rep["changes"] if c["status"] == "deleted"))
print("dbt :", dbt); print("gate:", gate)
print("missing:", sorted(set(dbt) - set(gate))); print("extra:", sorted(set(gate) - set(dbt)))
shutil.rmtree(W, ignore_errors=True)
sys.exit(0 if dbt == gate else 1)
