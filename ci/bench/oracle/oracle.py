#!/usr/bin/env python3
"""Compare contract-gate's changed-models-plus-downstream set with dbt's `state:modified+`.

One run = one project and one seed:
  1. copy the project into a fresh temp git repo, commit (base), `dbt parse` into a state folder;
  2. append `-- oracle edit <n>` to N seeded-random models of the root project (or, with
     `--edit macros`, put a Jinja comment inside N seeded-random macros; with `--edit descriptions`,
     extend N models' one-line YAML descriptions), commit (head);
  3. dbt's set: `dbt ls -s state:modified+ --state <base state>` at head;
  4. the gate's set: `contract-gate check --base --head --catalog dbt --format json`;
  5. compare, explain the differences from the head manifest, write results/<name>-<seed>.json.
Standard library only; dbt comes from the venv given with --dbt.
"""
import argparse, json, os, random, re, shutil, subprocess, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
OTHER_TYPES = ("snapshot", "seed", "exposure", "semantic_model", "metric", "saved_query", "test", "unit_test")
GATE_CONFIG = """version: 1
fail_on: never
dbt:
  project_dir: .
  adapter: duckdb   # what the oracle's dbt runs with (profiles/profiles.yml), so dispatch picks alike
lineage:
  max_depth: 100000
  max_nodes: 10000000
"""


def sh(cmd, cwd, env=None, check=True):
    start = time.monotonic()
    p = subprocess.run(cmd, cwd=cwd, env=env, text=True, capture_output=True)
    took = round(time.monotonic() - start, 2)
    if check and p.returncode != 0:
        tail = "\n".join((p.stdout + p.stderr).splitlines()[-30:])
        raise RuntimeError(f"{' '.join(map(str, cmd[:3]))}... failed ({p.returncode}):\n{tail}")
    return p, took


def git(repo, *args):
    return sh(["git", "-c", "user.name=oracle", "-c", "user.email=oracle@example.invalid", *args], repo)[0].stdout.strip()


def dbt_cmd(args, name, *extra):
    cmd = [args.dbt, name, "--profiles-dir", str(args.profiles_dir), "--no-use-colors", *extra]
    if args.vars:
        cmd += ["--vars", args.vars]
    if args.profile:
        cmd += ["--profile", args.profile]
    return cmd


def dbt_env(args, work):
    env = dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DBT_LOG_PATH=str(work / "logs"),
               DO_NOT_TRACK="1")
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    return env


def own_sql_models(manifest):
    """The root project's enabled SQL models (not packages', not Python models)."""
    root = manifest["metadata"].get("project_name")
    return [n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["package_name"] == root
            and n.get("language", "sql") == "sql" and n["original_file_path"].endswith(".sql")
            and n.get("config", {}).get("enabled", True)]


def pick_models(manifest, seed, count):
    models = sorted(own_sql_models(manifest), key=lambda n: n["unique_id"])
    return random.Random(seed).sample(models, min(count, len(models))), len(models)


def pick_macros(manifest, seed, count):
    """Seeded-random macros of the root project (not tests, not materializations)."""
    root = manifest["metadata"].get("project_name")
    macros = sorted((m for m in manifest["macros"].values()
                     if m["package_name"] == root and m["original_file_path"].endswith(".sql")
                     and not m["name"].startswith(("test_", "materialization_"))),
                    key=lambda m: m["unique_id"])
    return random.Random(seed).sample(macros, min(count, len(macros))), len(macros)


ENDMACRO_RE = re.compile(r"\{%-?\s*endmacro\s*-?%\}\s*$")


def edit_macro(repo, macro, n):
    """Insert a Jinja comment before the macro's `{% endmacro %}`: its text (dbt's macro_sql) changes."""
    path = repo / macro["original_file_path"]
    text, sql = path.read_text(), macro["macro_sql"]
    end = ENDMACRO_RE.search(sql)
    if sql not in text or not end:
        return False
    edited = sql[:end.start()] + f"{{# oracle edit {n} #}}" + sql[end.start():]
    path.write_text(text.replace(sql, edited, 1))
    return True


PLAIN_DESCRIPTION_RE = re.compile(r"^(\s*description:\s*)([^'\"|>\s#][^#]*?)\s*$")


def pick_described(manifest, repo, seed, count):
    """Seeded-random root-project models whose YAML entry has a one-line plain description."""
    found = []
    for node in sorted(own_sql_models(manifest), key=lambda n: n["unique_id"]):
        patch = node.get("patch_path")
        if not patch or not node.get("description"):
            continue
        path = repo / patch.split("://", 1)[-1]
        if not path.is_file():
            continue  # a property file outside the copied tree (a symlinked folder, say)
        lines = path.read_text().splitlines(keepends=True)
        start = next((i for i, l in enumerate(lines) if re.match(rf"^\s*-\s*name:\s*['\"]?{re.escape(node['name'])}['\"]?\s*$", l)), None)
        if start is None:
            continue
        indent = len(lines[start]) - len(lines[start].lstrip(" "))
        for i in range(start + 1, len(lines)):
            if lines[i].strip() and len(lines[i]) - len(lines[i].lstrip(" ")) <= indent:
                break  # the next entry: this one has no description line of its own
            if PLAIN_DESCRIPTION_RE.match(lines[i]) and len(lines[i]) - len(lines[i].lstrip(" ")) == indent + 2:
                found.append((node, path, i))
                break
    return random.Random(seed).sample(found, min(count, len(found))), len(found)


def edit_description(path, line, n):
    lines = path.read_text().splitlines(keepends=True)
    m = PLAIN_DESCRIPTION_RE.match(lines[line])
    lines[line] = f"{m.group(1)}{m.group(2)} (oracle edit {n})\n"
    path.write_text("".join(lines))


def pick_seeds(manifest, seed, count):
    """Seeded-random enabled CSV seeds of the root project."""
    root = manifest["metadata"].get("project_name")
    seeds = sorted((n for n in manifest["nodes"].values()
                    if n["resource_type"] == "seed" and n["package_name"] == root
                    and n["original_file_path"].endswith(".csv") and n.get("config", {}).get("enabled", True)),
                   key=lambda n: n["unique_id"])
    return random.Random(seed).sample(seeds, min(count, len(seeds))), len(seeds)


def edit_seed(repo, node):
    """Repeat the seed's last row: its contents (dbt's checksum) change, its columns do not."""
    path = repo / node["original_file_path"]
    lines = path.read_text().splitlines()
    if len(lines) < 2:
        return False
    path.write_text("\n".join(lines + [lines[-1]]) + "\n")
    return True


def pick_snapshots(manifest, seed, count):
    """Seeded-random SQL snapshots of the root project."""
    root = manifest["metadata"].get("project_name")
    snaps = sorted((n for n in manifest["nodes"].values()
                    if n["resource_type"] == "snapshot" and n["package_name"] == root
                    and n["original_file_path"].endswith(".sql")), key=lambda n: n["unique_id"])
    return random.Random(seed).sample(snaps, min(count, len(snaps))), len(snaps)


def edit_snapshot(repo, node, n):
    """A SQL comment before the block's `{% endsnapshot %}`: that block's text changes."""
    path = repo / node["original_file_path"]
    text = path.read_text()
    block = re.search(r"\{%-?\s*snapshot\s+" + re.escape(node["name"]) + r"\s*-?%\}.*?(\{%-?\s*endsnapshot)", text, re.S)
    if not block:
        return False
    at = block.start(1)
    path.write_text(text[:at] + f"\n-- oracle edit {n}\n" + text[at:])
    return True


def dbt_selection(args, repo, work, env, selector="state:modified+"):
    """`dbt ls -s <selector>` at head, every resource type; returns {unique_id: type}, seconds.
    Runs reuse <tmp>/head-target, so a second call parses partially (fast)."""
    cmd = dbt_cmd(args, "ls", "-s", selector, "--state", str(work / "base-state"),
                  "--target-path", str(work / "head-target"), "--output", "json", "--quiet")
    p, took = sh(cmd, repo, env)
    found = {}
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            d = json.loads(line)
            found[d["unique_id"]] = d.get("resource_type") or d["unique_id"].split(".")[0]
    return found, took


def gate_selection(args, repo, base, head, project):
    cmd = [str(args.gate), "check", "--base", base, "--head", head, "--catalog", "dbt", "--format", "json"]
    # The gate sees the environment dbt sees (env_var() in models and macros), as it would in CI.
    env = dict(os.environ)
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    # The parse cache: a first run with an empty cache folder, then a run over what it kept; the
    # two reports must be the same (timings aside), and the set compared with dbt is the second's.
    cache = tempfile.mkdtemp(prefix="oracle-parse-cache-")
    env["CONTRACT_GATE_CACHE_DIR"] = cache
    cold, _ = sh(cmd, repo, env=env, check=False)
    p, took = sh(cmd, repo, env=env, check=False)
    shutil.rmtree(cache, ignore_errors=True)
    try:
        report = json.loads(p.stdout)
        cold_report = json.loads(cold.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"gate exited {p.returncode} without JSON:\n{p.stderr[-3000:]}")
    cache_equal = {k: v for k, v in report.items() if k != "timings"} == {k: v for k, v in cold_report.items() if k != "timings"}
    # A change to documentation only (a description dbt does not persist) builds the same table:
    # dbt's state:modified does not select it, and the gate walks nothing downstream of it.
    changed = {c["model"] for c in report["changes"] if c["status"] != "removed" and not c.get("documentation_only")}
    nodes = {}  # id -> type
    for m in changed:
        nodes[f"model.{project}.{m}" if "." not in m else m] = "model"
    for imp in report["impact"]:
        for d in imp["downstream"]:
            nid = d["id"] if d["id"].startswith(d["type"] + ".") else f"{d['type']}.{project}.{d['name']}"
            nodes[nid] = d["type"]
    diags = [d.get("message") for d in report.get("diagnostics", [])]
    truncated = any(i.get("truncated") for i in report["impact"])
    return {"changed": sorted(changed), "nodes": nodes, "exit": p.returncode, "diagnostics": diags,
            "truncated": truncated, "cache_equal": cache_equal}, took


REF_RE = re.compile(r"""\bref\s*\(\s*(?:['"]([\w.-]+)['"]\s*,\s*)?['"]([\w.-]+)['"]""")


def explain_missing(uid, manifest, dbt_set, gate_set):
    """Why dbt selects `uid` and the gate does not: the edge from a parent the gate has."""
    node = manifest["nodes"][uid]
    parents = [p for p in node["depends_on"]["nodes"] if p in dbt_set]
    seen_parents = [p for p in parents if p in gate_set]
    raw = node.get("raw_code", "")
    text_refs = {m.group(2) for m in REF_RE.finditer(raw)}
    reasons = []
    for p in parents or node["depends_on"]["nodes"]:
        pname = p.split(".")[-1]
        ptype = p.split(".")[0]
        if ptype != "model":
            reasons.append(f"through {ptype} {p}")
            continue
        if p not in gate_set:
            continue  # the gate missed the parent itself; explained there
        if pname in text_refs:
            reasons.append(_literal_ref_context(raw, pname, p))
        else:
            macros = ref_macros(node, manifest)
            if macros:
                reasons.append(f"ref to {pname} inside macro {', '.join(m.split('.')[-1] for m in macros)}")
            else:
                reasons.append(f"ref to {pname} not literal in the model text (var/loop/computed name?)")
    if not reasons and parents and not seen_parents:
        reasons.append("only reached through other missing models: " + ", ".join(p.split(".")[-1] for p in parents[:3]))
    return {"id": uid, "path": node["original_file_path"], "why": sorted(set(reasons)) or ["unexplained"]}


def ref_macros(node, manifest):
    """The macros a node calls, directly or through other macros and adapter.dispatch
    (`pkg.name` also tries `pkg.default__name`, `pkg.<adapter>__name`), whose text calls ref()."""
    macros, todo, seen = manifest["macros"], list(node["depends_on"].get("macros", [])), set()
    by_suffix = {}
    for uid in macros:
        _, pkg, name = uid.split(".", 2)
        if "__" in name:
            by_suffix.setdefault((pkg, name.split("__", 1)[1]), []).append(uid)
    found = []
    while todo:
        uid = todo.pop()
        if uid in seen or uid not in macros:
            continue
        seen.add(uid)
        m = macros[uid]
        if m["name"] != "ref" and re.search(r"\bref\s*\(", m.get("macro_sql", "")):  # not a ref() override
            found.append(m["name"])
        todo += m.get("depends_on", {}).get("macros", [])
        todo += by_suffix.get((m["package_name"], m["name"]), [])
    return sorted(set(found))


def _literal_ref_context(raw, pname, pid):
    idx = raw.find(pname)
    before = raw[:idx]
    if before.count("{#") > before.count("#}"):
        return f"ref to {pname} inside a Jinja comment"
    opens = len(re.findall(r"{%-?\s*(if|for)\b", before))
    closes = len(re.findall(r"{%-?\s*end(if|for)\b", before))
    if "execute" in before and opens > closes:
        return f"ref to {pname} in an if-execute block"
    if opens > closes:
        return f"ref to {pname} inside an if/for block"
    return f"literal ref to {pname} in the model text (gate edge missing: versioned/package ref? {pid})"


def explain_extra(uid, manifest, dbt_set, gate_set):
    """Why the gate selects `uid` and dbt does not: which gate-set names its text refers to."""
    node = manifest["nodes"].get(uid)
    if node is None:
        disabled = manifest.get("disabled", {}).get(uid)
        if disabled:
            return {"id": uid, "path": disabled[0]["original_file_path"],
                    "why": ["disabled in dbt (config enabled is false for these vars/target)"]}
        return {"id": uid, "path": None, "why": ["not a node in dbt's manifest (other package? renamed?)"]}
    raw = node.get("raw_code", "")
    gate_names = {g.split(".")[-1]: g for g in gate_set}
    manifest_parents = set(node["depends_on"]["nodes"])
    hits = []
    for m in REF_RE.finditer(raw):
        g = gate_names.get(m.group(2))
        if g and g not in manifest_parents:
            hits.append(_literal_ref_context(raw, m.group(2), g).replace("literal ref", "ref") + " (not in dbt's depends_on)")
    if not hits:
        hits = [f"no ref in text to a gate-selected model; dbt parents: "
                + ", ".join(p.split(".")[-1] for p in sorted(manifest_parents)[:4])]
    return {"id": uid, "path": node["original_file_path"], "why": sorted(set(hits))}


SOURCE_EDITS = ("loaded_at_field", "identifier", "description", "meta")


def pick_sources(manifest, seed, count):
    """Seeded-random source tables of the root project, defined in a YAML file of the copied tree."""
    root = manifest["metadata"].get("project_name")
    tables = sorted((s for s in manifest.get("sources", {}).values()
                     if s["package_name"] == root and s["original_file_path"].endswith((".yml", ".yaml"))),
                    key=lambda s: s["unique_id"])
    return random.Random(seed).sample(tables, min(count, len(tables))), len(tables)


def _entry(lines, start, name, indent_above):
    """Index of the `- name: <name>` line after `start` indented deeper than `indent_above`."""
    pattern = re.compile(rf"^(\s*)-\s*name:\s*['\"]?{re.escape(name)}['\"]?\s*(#.*)?$")
    for i in range(start, len(lines)):
        stripped = lines[i].strip()
        indent = len(lines[i]) - len(lines[i].lstrip(" "))
        if i > start and stripped and not stripped.startswith("#") and indent <= indent_above:
            return None
        m = pattern.match(lines[i])
        if m and len(m.group(1)) > indent_above:
            return i
    return None


def edit_source(repo, node, n):
    """One edit to a source table's YAML entry, cycling through SOURCE_EDITS by n: a freshness field
    and the relation (dbt's state:modified counts both) and a description and top-level meta (it
    counts neither). Returns the kind of edit made, or None when the entry was not found."""
    path = repo / node["original_file_path"]
    lines = path.read_text().splitlines(keepends=True)
    source = _entry(lines, 0, node["source_name"], -1)
    table = _entry(lines, source + 1, node["name"], len(lines[source]) - len(lines[source].lstrip(" "))) if source is not None else None
    if table is None:
        return None
    key_indent = lines[table].index("-") + 2
    end = len(lines)
    for i in range(table + 1, len(lines)):
        if lines[i].strip() and not lines[i].strip().startswith("#") and len(lines[i]) - len(lines[i].lstrip(" ")) < key_indent:
            end = i
            break
    block = "".join(lines[table:end])
    for k in range(len(SOURCE_EDITS)):
        kind = SOURCE_EDITS[(n - 1 + k) % len(SOURCE_EDITS)]
        if re.search(rf"^\s*{kind}:", block, re.M) is None:
            break
    else:
        return None
    value = {"loaded_at_field": "_oracle_loaded_at", "identifier": f"{node['identifier']}_oracle_{n}",
             "description": f"'oracle edit {n}'", "meta": f"{{oracle_edit: {n}}}"}[kind]
    lines.insert(table + 1, " " * key_indent + f"{kind}: {value}\n")
    path.write_text("".join(lines))
    return kind


def run(args):
    work = Path(tempfile.mkdtemp(prefix=f"oracle-{args.name}-{args.seed}-"))
    repo = work / "repo"
    shutil.copytree(args.project, repo, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "target", "logs", ".user.yml"))
    (repo / "contract-gate.yml").write_text(GATE_CONFIG)
    env = dbt_env(args, work)
    git(repo, "init", "-q", "-b", "main")
    (repo / ".git/info/exclude").write_text("target/\nlogs/\ndbt_packages/\n.user.yml\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    base = git(repo, "rev-parse", "HEAD")

    _, base_parse_s = sh(dbt_cmd(args, "parse", "--target-path", str(work / "base-state")), repo, env)
    base_manifest = json.loads((work / "base-state/manifest.json").read_text())
    project = base_manifest["metadata"]["project_name"]
    if args.edit == "sources":
        picked, own_models = pick_sources(base_manifest, args.seed, args.count)
        kinds = [edit_source(repo, node, n) for n, node in enumerate(picked, 1)]
        picked = [dict(node, edit_kind=kind) for node, kind in zip(picked, kinds) if kind]
    elif args.edit == "snapshots":
        picked, own_models = pick_snapshots(base_manifest, args.seed, args.count)
        picked = [node for n, node in enumerate(picked, 1) if edit_snapshot(repo, node, n)]
    elif args.edit == "seeds":
        picked, own_models = pick_seeds(base_manifest, args.seed, args.count)
        picked = [n for n in picked if edit_seed(repo, n)]
    elif args.edit == "descriptions":
        chosen, own_models = pick_described(base_manifest, repo, args.seed, args.count)
        for n, (node, path, line) in enumerate(chosen, 1):
            edit_description(path, line, n)
        picked = [node for node, _, _ in chosen]
    elif args.edit == "macros":
        picked, own_models = pick_macros(base_manifest, args.seed, args.count)
        picked = [m for n, m in enumerate(picked, 1) if edit_macro(repo, m, n)]
    else:
        picked, own_models = pick_models(base_manifest, args.seed, args.count)
        for n, node in enumerate(picked, 1):
            path = repo / node["original_file_path"]
            text = path.read_text()
            path.write_text(text + ("" if text.endswith("\n") else "\n") + f"-- oracle edit {n}\n")
    if not picked:
        raise RuntimeError(f"nothing to edit: the project has no {args.edit} the oracle can edit")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"oracle: edit {len(picked)} {args.edit} (seed {args.seed})")
    head = git(repo, "rev-parse", "HEAD")

    dbt_nodes, dbt_s = dbt_selection(args, repo, work, env)
    dbt_modified, _ = dbt_selection(args, repo, work, env, "state:modified")
    head_manifest = json.loads((work / "head-target/manifest.json").read_text())
    gate, gate_s = gate_selection(args, repo, base, head, project)

    # The gate names a changed model by its name; one of an installed package (changed through a
    # hook or the root project's `models: <package>:`) is that package's node, not the project's.
    models_named = {}
    for uid, n in head_manifest["nodes"].items():
        if n["resource_type"] == "model":
            models_named.setdefault(n["name"], []).append(uid)
    for m in gate["changed"]:
        rid = f"model.{project}.{m}"
        if rid not in head_manifest["nodes"] and len(models_named.get(m, [])) == 1 and gate["nodes"].get(rid) == "model":
            del gate["nodes"][rid]
            gate["nodes"][models_named[m][0]] = "model"

    def of(nodes, t):
        return {k for k, v in nodes.items() if v == t}
    dbt_models, gate_models = of(dbt_nodes, "model"), of(gate["nodes"], "model")
    missing, extra = sorted(dbt_models - gate_models), sorted(gate_models - dbt_models)
    edited = sorted(n["unique_id"] for n in picked)
    result = {
        "project": args.name, "dbt_project": project, "seed": args.seed, "edited_count": len(picked),
        "own_sql_models": own_models, "all_models": sum(1 for n in base_manifest["nodes"].values()
                                                      if n["resource_type"] == "model"),
        "gate_binary": str(args.gate), "gate_version": sh([str(args.gate), "--version"], repo, check=False)[0].stdout.strip(),
        "gate_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(args.gate.stat().st_mtime)), "vars": args.vars, "env": args.env, "profile": args.profile,
        "edited": edited,
        **({"edit_kinds": {n["unique_id"]: n["edit_kind"] for n in picked}} if args.edit == "sources" else {}),
        "gate_changed_models": gate["changed"],
        # dbt's own state:modified beyond the edits would be noise in the oracle (env/vars/time)
        "dbt_modified_not_edited": sorted(set(dbt_modified) - set(edited)),
        "dbt_models": len(dbt_models), "gate_models": len(gate_models),
        "missing_count": len(missing), "extra_count": len(extra),
        "exact": not missing and not extra,
        "parse_cache_report_equal": gate["cache_equal"],
        "missing": [explain_missing(u, head_manifest, dbt_models, gate_models) for u in missing],
        "extra": [explain_extra(u, head_manifest, dbt_models, gate_models) for u in extra],
        "other_types": {t: {"dbt": len(of(dbt_nodes, t)), "gate": len(of(gate["nodes"], t))}
                        for t in sorted(set(OTHER_TYPES) | set(dbt_nodes.values()) | set(gate["nodes"].values()))
                        if t != "model" and (of(dbt_nodes, t) or of(gate["nodes"], t))},
        "gate_exit": gate["exit"], "gate_truncated": gate["truncated"], "gate_diagnostics": gate["diagnostics"][:20],
        "seconds": {"dbt_parse_base": base_parse_s, "dbt_ls_head": dbt_s, "gate": gate_s},
    }
    result["edit"] = args.edit
    out = args.out / (f"{args.name}-{args.seed}.json" if args.edit == "body" else f"{args.name}-{args.edit}-{args.seed}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}")
    print(f"{args.name} ({args.edit}) seed {args.seed}: dbt {len(dbt_models)} gate {len(gate_models)} "
          f"missing {len(missing)} extra {len(extra)} (dbt ls {dbt_s}s, gate {gate_s}s) -> {out}")
    return result


def parser():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("project", type=Path, help="dbt project folder (holds dbt_project.yml)")
    ap.add_argument("--name", help="result name (default: folder name)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=20, help="models to edit")
    ap.add_argument("--gate", type=Path, default=REPO / ".build/debug/contract-gate")
    ap.add_argument("--dbt", default="/opt/dbtvenv/bin/dbt")
    ap.add_argument("--profiles-dir", type=Path, default=HERE / "profiles")
    ap.add_argument("--profile", help="dbt --profile (for projects whose dbt_project.yml names none)")
    ap.add_argument("--vars", help="YAML/JSON passed to dbt --vars")
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for dbt (repeatable)")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--keep", action="store_true", help="keep the temp repo")
    ap.add_argument("--edit", choices=["body", "macros", "descriptions", "seeds", "snapshots", "sources"], default="body",
                    help="what to edit: N models' bodies, N macros of the root project (dbt's state:modified.macros), "
                         "N models' one-line YAML descriptions (modified only where persist_docs writes them), N seeds' rows, "
                         "N SQL snapshot blocks, or N source tables' YAML (a freshness field, the identifier, a description, meta)")
    return ap


def main():
    args = parser().parse_args()
    args.name = args.name or args.project.resolve().name
    args.gate = args.gate.absolute()
    run(args)


if __name__ == "__main__":
    main()
