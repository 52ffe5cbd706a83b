#!/usr/bin/env python3
"""Build oracle: after a column-level edit, does contract-gate fail exactly when `dbt build` fails?

One run = one project and one seed:
  1. copy the project into a fresh temp git repo (as oracle.py does), commit it (base), and
     `dbt build` it once: it must pass, it is the baseline;
  2. a second base variant puts an enforced contract (`contract: {enforced: true}` plus the
     data types dbt's own catalog reports) on one `select *` model, committed on its own branch,
     and builds it: it must pass too;
  3. mutations are generated from the seed over the project's models, by a crude parse of each
     model's final select list in Python (never by asking the gate): drop an output column, rename
     one (`as new_name`), drop a column that only a YAML data test or unit test uses, drop a column
     under the enforced contract, add a column that the contracted `select *` model passes on,
     change a column only in YAML;
  4. for each: commit head on its own branch, `dbt build` the whole project on a fresh duckdb file
     (verdict + failing nodes from run_results.json), `contract-gate check --base B --head H
     --catalog dbt --format json` (verdict: a BUILD finding of severity error);
  5. writes results/BUILD-<name>-<seed>.json and results/BUILD.md.
Standard library only; dbt comes from /opt/dbtvenv (dbt-core 1.11 + dbt-duckdb).
"""
import argparse, csv, json, os, random, re, shutil, sys, tempfile, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import oracle  # noqa: E402  (sh, git, REPO)

BUILD_RULES = ("COLUMN_READ_EXISTS", "CONTRACT_MATCHES_SQL", "REF_RESOLVES")
GATE_CONFIG = """version: 1
dbt:
  project_dir: .
  adapter: duckdb   # what the oracle's dbt builds with, so dispatch picks alike
lineage:
  max_depth: 100000
  max_nodes: 10000000
"""
PROFILES = """# written by build_oracle.py: a duckdb file per build (ORACLE_DUCKDB)
default:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('ORACLE_DUCKDB') }}"
      threads: 2
"""
ADDED = "oracle_added"


# ---------------------------------------------------------------- data: seeds the mirror lacks

def ensure_jaffle_seeds(repo):
    """dbt-labs/jaffle-shop's two large seeds (raw_orders, raw_items) are stored outside git in the
    mirror. Generate small ones with the same columns from the seeds that are there, consistent
    with the project's data tests (order_total = subtotal + tax_paid, item prices sum to the
    subtotal, every key resolves), deterministically."""
    data = repo / "seeds" / "jaffle-data"
    if not (data / "raw_customers.csv").exists() or (data / "raw_orders.csv").exists():
        return False
    read = lambda name: list(csv.DictReader((data / name).open()))
    customers, products, stores = read("raw_customers.csv"), read("raw_products.csv"), read("raw_stores.csv")
    rng = random.Random(20240101)
    uid = lambda: "%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
    orders, items = [], []
    for n in range(400):
        store = rng.choice(stores)
        picked = [rng.choice(products) for _ in range(rng.randint(1, 3))]
        subtotal = sum(int(p["price"]) for p in picked)
        tax = int(round(subtotal * float(store["tax_rate"])))
        oid = uid()
        day = 1 + n % 28
        orders.append({"id": oid, "customer": rng.choice(customers)["id"],
                       "ordered_at": f"2017-{1 + n % 12:02d}-{day:02d}T{8 + n % 12:02d}:15:00",
                       "store_id": store["id"], "subtotal": subtotal, "tax_paid": tax, "order_total": subtotal + tax})
        for p in picked:
            items.append({"id": uid(), "order_id": oid, "sku": p["sku"]})
    for name, rows in (("raw_orders.csv", orders), ("raw_items.csv", items)):
        with (data / name).open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return True


# ---------------------------------------------------------------- crude SQL: final select lists

def mask(sql):
    """The SQL with comments, string literals and Jinja blocks blanked (same length), so commas,
    parentheses and keywords can be found by position."""
    out, i, n = list(sql), 0, len(sql)
    def blank(a, b):
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "
    while i < n:
        two = sql[i:i + 2]
        if two == "--":
            j = sql.find("\n", i)
            j = n if j < 0 else j
            blank(i, j); i = j
        elif two == "/*":
            j = sql.find("*/", i + 2); j = n if j < 0 else j + 2
            blank(i, j); i = j
        elif two in ("{{", "{%", "{#"):
            close = {"{{": "}}", "{%": "%}", "{#": "#}"}[two]
            j = sql.find(close, i + 2); j = n if j < 0 else j + 2
            # a Jinja expression stands for a value: keep one placeholder character
            blank(i, j)
            if two == "{{":
                out[i] = "J"
            i = j
        elif sql[i] == "'":
            j = i + 1
            while j < n and not (sql[j] == "'" and sql[j + 1:j + 2] != "'"):
                j += 2 if sql[j:j + 2] == "''" else 1
            blank(i + 1, j); i = j + 1
        else:
            i += 1
    return "".join(out)


def depth_map(m):
    d, depths = 0, []
    for ch in m:
        if ch == ")":
            d -= 1
        depths.append(d)
        if ch == "(":
            d += 1
    return depths


WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")


def top_keywords(m, depths, lo, hi, level, words):
    return [(x.start(), x.group(0).lower()) for x in WORD.finditer(m, lo, hi)
            if depths[x.start()] == level and x.group(0).lower() in words]


def final_select(sql, m=None, depths=None, lo=0, hi=None, level=0):
    """The final select of the query in [lo, hi): its items (span, text, output name or None, star)
    and the single relation it selects from, if plain. Follows `select * from <cte>` into the CTE."""
    m = m if m is not None else mask(sql)
    depths = depths if depths is not None else depth_map(m)
    hi = len(m) if hi is None else hi
    selects = top_keywords(m, depths, lo, hi, level, {"select"})
    if not selects:
        return None
    start = selects[-1][0] + len("select")
    after = top_keywords(m, depths, start, hi, level, {"from", "where", "group", "order", "limit", "union", "qualify"})
    end = after[0][0] if after else hi
    if after and after[0][1] == "union":
        return None  # a union: leave it alone (its names come from the first branch)
    head = re.match(r"\s*(distinct\s+)?", m[start:end], re.I)
    start += head.end()
    items, cur = [], start
    for k in range(start, end + 1):
        if k == end or (m[k] == "," and depths[k] == level):
            a, b = cur, k
            while a < b and m[a].isspace():
                a += 1
            while b > a and m[b - 1].isspace():
                b -= 1
            if b > a:
                items.append(item(sql, m, a, b))
            cur = k + 1
    source = None
    if after and after[0][1] == "from":
        rest = m[after[0][0] + 4:hi]
        fm = re.match(r"\s*([A-Za-z_][\w]*)\s*(?:$|\)|;|where\b|group\b|order\b|limit\b)", rest, re.I)
        if fm:
            source = fm.group(1)
    sel = {"items": items, "source": source, "end": end, "lo": lo, "hi": hi}
    # `select * from cte`: the columns are the CTE's
    if source and len(items) == 1 and items[0]["star"] and items[0]["text"] == "*":
        cte = find_cte(m, depths, source, level)
        if cte:
            inner = final_select(sql, m, depths, cte[0], cte[1], level + 1)
            if inner:
                inner["via"] = (sel.get("via") or []) + [source]
                return inner
    return sel


def find_cte(m, depths, name, level):
    for x in re.finditer(r"\b%s\s+as\s*\(" % re.escape(name), m, re.I):
        if depths[x.start()] == level:
            open_at = x.end() - 1
            d = 0
            for k in range(open_at, len(m)):
                d += m[k] == "("
                d -= m[k] == ")"
                if d == 0:
                    return open_at + 1, k
    return None


def item(sql, m, a, b):
    text = m[a:b]
    star = text == "*" or bool(re.fullmatch(r"[A-Za-z_]\w*\s*\.\s*\*", text))
    name = None
    alias = re.search(r"\bas\s+([A-Za-z_]\w*)$", text, re.I)
    if alias:
        name = alias.group(1)
    elif re.fullmatch(r"(?:[A-Za-z_]\w*\.)?[A-Za-z_]\w*", text):
        name = text.split(".")[-1]
    return {"span": (a, b), "text": sql[a:b], "name": name and name.lower(), "star": star,
            "alias_at": (a + alias.start(1), a + alias.end(1)) if alias else None}


def drop_item(sql, sel, idx):
    items = sel["items"]
    a, b = items[idx]["span"]
    if idx + 1 < len(items):
        b = items[idx + 1]["span"][0]
    elif idx > 0:
        a = items[idx - 1]["span"][1]
    return sql[:a] + sql[b:]


def rename_item(sql, sel, idx, new):
    it = sel["items"][idx]
    if it["alias_at"]:
        a, b = it["alias_at"]
        return sql[:a] + new + sql[b:]
    a, b = it["span"]
    return sql[:b] + f" as {new}" + sql[b:]


def add_item(sql, sel, text):
    b = sel["items"][-1]["span"][1]
    return sql[:b] + f",\n        {text}" + sql[b:]


# ---------------------------------------------------------------- who uses a column (from dbt's manifest)

def word_in(name, text):
    return re.search(r"(?<![\w.])%s\b|\.%s\b" % (re.escape(name), re.escape(name)), text, re.I) is not None


def column_users(manifest, model_id, column):
    """Which dbt nodes mention `column` of `model_id`: child models' SQL (crude word match), data
    tests on it (column_name, relationships `field`, expressions), unit tests' rows."""
    users = {"models": [], "tests": [], "unit_tests": []}
    nodes = manifest["nodes"]
    for child in manifest["child_map"].get(model_id, []):
        node = nodes.get(child) or manifest.get("unit_tests", {}).get(child)
        if node is None:
            continue
        rt = node["resource_type"]
        if rt == "model" and word_in(column, node.get("raw_code", "")):
            users["models"].append(node["name"])
        elif rt == "test":
            kw = (node.get("test_metadata") or {}).get("kwargs", {})
            attached = node.get("attached_node")
            hit = (attached == model_id and (node.get("column_name") or "").lower() == column)
            hit = hit or any(isinstance(v, str) and word_in(column, v) and attached == model_id
                             for k, v in kw.items() if k in ("expression", "combination_of_columns", "column_name"))
            # relationships: a test on another model whose `to` is this model and `field` this column
            hit = hit or (kw.get("field", "").lower() == column and attached != model_id
                          and model_id in node["depends_on"]["nodes"])
            if hit:
                users["tests"].append(node["name"])
    for ut in manifest.get("unit_tests", {}).values():
        if ut.get("model") == nodes[model_id]["name"] or model_id in ut["depends_on"]["nodes"]:
            rows = json.dumps([g.get("rows") for g in ut.get("given", [])] + [ut.get("expect", {}).get("rows")])
            if re.search(r'"%s"' % re.escape(column), rows, re.I):
                users["unit_tests"].append(ut["name"])
    return users


# ---------------------------------------------------------------- running dbt and the gate

class Harness:
    def __init__(self, args):
        self.args = args
        self.work = Path(tempfile.mkdtemp(prefix=f"build-oracle-{args.name}-{args.seed}-"))
        self.repo = self.work / "repo"
        (self.work / "profiles").mkdir()
        (self.work / "profiles/profiles.yml").write_text(PROFILES)
        self.builds = 0
        self.seeded = None

    def seed(self):
        """`dbt seed` once, at base; every build starts from a copy of it."""
        _, took, _, db = self.dbt("seed", "seeded", check=True)
        self.seeded = db
        return took

    def git(self, *a):
        return oracle.git(self.repo, *a)

    def env(self, db):
        return dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false", DO_NOT_TRACK="1",
                    DBT_LOG_PATH=str(self.work / "logs"), ORACLE_DUCKDB=str(db))

    def dbt(self, command, label, *extra, check=False, fresh=True):
        """dbt in the repo on the duckdb file of `label` (a folder per label, so the database name,
        which duckdb takes from the file name, is the same everywhere). A fresh database starts as a
        copy of the seeded one: jaffle-shop's sources read the seeds, and no DAG edge orders them."""
        db = self.work / "db" / label / "oracle.duckdb"
        if fresh:
            shutil.rmtree(db.parent, ignore_errors=True)
            if self.seeded:
                shutil.copytree(self.seeded.parent, db.parent)
        db.parent.mkdir(parents=True, exist_ok=True)
        target = self.work / "targets" / label
        cmd = [self.args.dbt, *command.split(), "--profiles-dir", str(self.work / "profiles"), "--no-use-colors",
               "--target-path", str(target), "--vars", self.args.vars, *extra]
        p, took = oracle.sh(cmd, self.repo, self.env(db), check=check)
        self.builds += command == "build"
        return p, took, target, db

    def build(self, label):
        """`dbt build` of the whole project on a fresh duckdb file: (passed, failing nodes, seconds)."""
        p, took, target, db = self.dbt("build", label, "--exclude", "resource_type:seed")
        failing, errors = [], []
        rr = target / "run_results.json"
        if rr.exists():
            for r in json.loads(rr.read_text())["results"]:
                if r["status"] in ("error", "fail", "runtime error"):
                    failing.append(r["unique_id"])
                    errors.append(f"{r['unique_id']}: {(r.get('message') or '').strip()[:400]}")
        elif p.returncode != 0:  # parse/compile stopped before anything ran
            out = (p.stdout + p.stderr).splitlines()
            at = next((i for i, l in enumerate(out) if "Encountered an error" in l), max(len(out) - 6, 0))
            tail = [l for l in out[at:at + 8] if l.strip()]
            failing, errors = ["<project>"], ["\n".join(tail)[-800:]]
        if not self.args.keep and label.startswith("case-"):
            shutil.rmtree(db.parent, ignore_errors=True)
        return {"passed": p.returncode == 0, "exit": p.returncode, "failing": failing, "errors": errors,
                "seconds": took}

    def gate(self, base, head):
        cmd = [str(self.args.gate), "check", "--base", base, "--head", head, "--catalog", "dbt", "--format", "json"]
        p, took = oracle.sh(cmd, self.repo, check=False)
        try:
            report = json.loads(p.stdout)
        except json.JSONDecodeError:
            return {"fails": None, "exit": p.returncode, "error": (p.stderr or p.stdout)[-1500:], "findings": [],
                    "seconds": took}
        findings = []
        for f in report.get("findings", []):
            loc = f.get("location") or {}
            findings.append({"rule": f["rule"], "category": f.get("category"), "severity": f["severity"],
                             "model": f.get("model"), "column": f.get("column"),
                             "at": f"{loc.get('path')}:{loc.get('line')}" if loc else None,
                             "message": f.get("message", "")[:300]})
        build = [f for f in findings if f["rule"] in BUILD_RULES and f["severity"] == "error"]
        return {"fails": bool(build), "exit": p.returncode, "build_findings": build, "findings": findings,
                "diagnostics": [d.get("message", "")[:300] for d in report.get("diagnostics", [])][:10],
                "seconds": took}


# ---------------------------------------------------------------- the mutations

def own_models(manifest):
    return sorted(oracle.own_sql_models(manifest), key=lambda n: n["unique_id"])


def yaml_file(repo, node):
    """The model's property file and the text span of its `- name: <model>` entry."""
    patch = node.get("patch_path")
    if not patch:
        return None
    return repo / patch.split("://", 1)[1]


def yaml_model_block(text, model):
    """(start, end) of the `- name: model` entry under `models:` (indentation-based)."""
    mm = re.search(r"^models:\s*$", text, re.M)
    if not mm:
        return None
    for x in re.finditer(r"^(\s*)- name:\s*%s\s*$" % re.escape(model), text[mm.end():], re.M):
        a = mm.end() + x.start()
        indent = len(x.group(1))
        rest = text[mm.end() + x.end():]
        end = re.search(r"^(?!\s{%d,}\S| {%d}  )(?=\s{0,%d}\S)" % (indent + 1, indent, indent), rest, re.M)
        # the entry ends at the next line indented at most `indent`
        stop = None
        for line in re.finditer(r"^( *)\S.*$", rest, re.M):
            if len(line.group(1)) <= indent:
                stop = line.start()
                break
        b = mm.end() + x.end() + (stop if stop is not None else len(rest))
        return a, b, indent
    return None


def yaml_column_entries(text, model):
    """[(name, start, end)] of the column entries of `model` in a property file."""
    block = yaml_model_block(text, model)
    if not block:
        return []
    a, b, _ = block
    body = text[a:b]
    cm = re.search(r"^( *)columns:\s*$", body, re.M)
    if not cm:
        return []
    out = []
    entries = list(re.finditer(r"^( *)- name:\s*([\w]+)\s*$", body[cm.end():], re.M))
    level = None
    for x in entries:
        ind = len(x.group(1))
        if level is None:
            level = ind
        if ind != level:
            continue
        out.append([x.group(2).lower(), a + cm.end() + x.start(), None, ind])
    for i, e in enumerate(out):
        s = e[1]
        stop = b
        for line in re.finditer(r"^( *)\S.*$", text[s:b], re.M):
            if line.start() > 0 and len(line.group(1)) <= e[3]:
                stop = s + line.start()
                break
        e[2] = stop
    return [(n, s, t) for n, s, t, _ in out]


def mutations(h, manifest, seed):
    """The cases for this seed: [(kind, variant, description, apply(repo) -> None, meta)]."""
    rng = random.Random(seed)
    repo = h.repo
    models = own_models(manifest)
    by_id = {n["unique_id"]: n for n in models}
    selects, cands = {}, []
    for node in models:
        path = repo / node["original_file_path"]
        sql = path.read_text()
        sel = final_select(sql)
        if not sel:
            continue
        selects[node["unique_id"]] = (path, sql, sel)
        for i, it in enumerate(sel["items"]):
            if it["name"] and not it["star"]:
                users = column_users(manifest, node["unique_id"], it["name"])
                kind = ("read" if users["models"] else "test" if users["tests"] or users["unit_tests"] else "unused")
                cands.append({"model": node["unique_id"], "idx": i, "column": it["name"], "class": kind, "users": users})
    cases = []

    def pick(pool, k):
        pool = sorted(pool, key=lambda c: (c["model"], c["column"]))
        return rng.sample(pool, min(k, len(pool)))

    def sql_edit(c, how):
        path, sql, sel = selects[c["model"]]
        def apply():
            path.write_text(how(sql, sel, c["idx"]))
        return apply

    for c in pick([c for c in cands if c["class"] == "read"], 2):
        cases.append(("drop_read", "plain", f"drop `{c['column']}` from {by_id[c['model']]['name']}; read by "
                      f"{', '.join(c['users']['models'])}", sql_edit(c, drop_item), c))
    for c in pick([c for c in cands if c["class"] == "test"], 2):
        who = ", ".join(c["users"]["tests"] + c["users"]["unit_tests"])
        cases.append(("drop_test_only", "plain", f"drop `{c['column']}` from {by_id[c['model']]['name']}; only "
                      f"tests use it ({who})", sql_edit(c, drop_item), c))
    for c in pick([c for c in cands if c["class"] == "unused"], 2):
        cases.append(("drop_unused", "plain", f"drop `{c['column']}` from {by_id[c['model']]['name']}; no model "
                      f"or test names it", sql_edit(c, drop_item), c))
    for c in pick([c for c in cands if c["class"] == "read"], 1) + pick([c for c in cands if c["class"] != "read"], 1):
        new = c["column"] + "_renamed"
        cases.append(("rename", "plain", f"rename `{c['column']}` to `{new}` in {by_id[c['model']]['name']} "
                      f"({c['class']})", sql_edit(c, lambda s, sel, i, new=new: rename_item(s, sel, i, new)), c))
    # YAML-only edits on a model that has column entries (no contract here)
    yaml_models = []
    for node in models:
        f = yaml_file(repo, node)
        if f and f.suffix in (".yml", ".yaml"):
            entries = yaml_column_entries(f.read_text(), node["name"])
            if entries:
                yaml_models.append((node, f, entries))
    if yaml_models:
        node, f, entries = rng.choice(yaml_models)
        name, a, b = rng.choice(entries)
        def apply(f=f, a=a, b=b, last=len(entries) == 1):
            text = f.read_text()
            if last:  # `columns:` with no entry left is a parse error for dbt: drop the key too
                a = text.rfind("\n", 0, text.rfind("columns:", 0, a)) + 1
            f.write_text(text[:a] + text[b:])
        cases.append(("yaml_remove_entry", "plain", f"remove column `{name}` of {node['name']} from YAML only "
                      f"({f.relative_to(repo)}), SQL unchanged", apply, {"model": node["unique_id"], "column": name}))
    # add a column to a model with readers (nobody contracted in the plain variant)
    addable = sorted(u for u, (_, _, sel) in selects.items() if sel["items"] and manifest["child_map"].get(u))
    if addable:
        u = rng.choice(addable)
        path, sql, sel = selects[u]
        cases.append(("add_column", "plain", f"add `{ADDED}` to {by_id[u]['name']} (no contract downstream)",
                      lambda path=path, sql=sql, sel=sel: path.write_text(add_item(sql, sel, f"1 as {ADDED}")),
                      {"model": u, "column": ADDED}))
    return cases, selects, cands


def contract_target(manifest, selects, rng):
    """A model to put under an enforced contract: one whose final select passes a parent model's
    columns on through `*` (so that adding a column upstream reaches it)."""
    options = []
    for u, (path, sql, sel) in selects.items():
        node = manifest["nodes"][u]
        parents = [p for p in node["depends_on"]["nodes"] if p.startswith("model.")]
        if any(it["star"] for it in sel["items"]) and parents and node["config"].get("materialized") in ("table", "view"):
            options.append(u)
    options += [u for u, (path, sql, sel) in selects.items()
                if not sel["items"] or sel["items"][0]["star"]] if not options else []
    return rng.choice(sorted(options)) if options else None


def add_contract(repo, node, columns_typed):
    """Property-file entry for `node` with an enforced contract and every column's data type."""
    f = yaml_file(repo, node)
    block = ["  - name: %s" % node["name"], "    config:", "      contract:", "        enforced: true", "    columns:"]
    for name, dtype in columns_typed:
        block += [f"      - name: {name}", f"        data_type: {dtype}"]
    entry = "\n".join(block) + "\n"
    if f and f.suffix in (".yml", ".yaml"):
        text = f.read_text()
        span = yaml_model_block(text, node["name"])
        if span:
            existing = text[span[0]:span[1]]
            tests = {}
            for name, a, b in yaml_column_entries(text, node["name"]):
                tests[name] = text[a:b]
            # keep the existing entry's tests/descriptions: rebuild columns with data types merged in
            lines = [l for l in existing.splitlines()]
            head = []
            for l in lines:
                if re.match(r"^\s*columns:\s*$", l):
                    break
                head.append(l)
            body = ["    columns:"]
            for name, dtype in columns_typed:
                if name in tests:
                    ent = tests[name].rstrip("\n").splitlines()
                    body += [ent[0], f"        data_type: {dtype}"] + ent[1:]
                else:
                    body += [f"      - name: {name}", f"        data_type: {dtype}"]
            new = "\n".join(head + ["    config:", "      contract:", "        enforced: true"] + body) + "\n"
            f.write_text(text[:span[0]] + new + text[span[1]:])
            return f
        if re.search(r"^models:\s*$", text, re.M):
            f.write_text(re.sub(r"^models:\s*$", "models:\n" + entry.rstrip("\n"), text, count=1, flags=re.M))
        else:
            f.write_text("models:\n" + entry + "\n" + text)
        return f
    f = repo / Path(node["original_file_path"]).with_suffix(".yml")
    f.write_text("models:\n" + entry)
    return f


def contract_cases(h, manifest, selects, cands, target, cfile, typed, rng):
    repo = h.repo
    node = manifest["nodes"][target]
    name = node["name"]
    cases = []
    path, sql, sel = selects[target]
    own = [i for i, it in enumerate(sel["items"]) if it["name"] and not it["star"]]
    if own:
        i = rng.choice(own)
        col = sel["items"][i]["name"]
        cases.append(("contract_drop_own", "contract", f"drop `{col}` from the contracted {name}'s SQL",
                      lambda i=i: path.write_text(drop_item(sql, sel, i)), {"model": target, "column": col}))
    # a parent's column that reaches the contracted model through `*`
    declared = {n for n, _ in typed}
    parent_cands = [c for c in cands if c["model"] in node["depends_on"]["nodes"] and c["column"] in declared]
    if parent_cands:
        c = rng.choice(sorted(parent_cands, key=lambda c: (c["model"], c["column"])))
        ppath, psql, psel = selects[c["model"]]
        cases.append(("contract_drop_upstream", "contract",
                      f"drop `{c['column']}` from {manifest['nodes'][c['model']]['name']}, passed on by `*` into "
                      f"the contracted {name}", lambda: ppath.write_text(drop_item(psql, psel, c["idx"])), c))
    parents = sorted(p for p in node["depends_on"]["nodes"] if p in selects and selects[p][2]["items"])
    if parents:
        p = rng.choice(parents)
        ppath, psql, psel = selects[p]
        cases.append(("contract_add_upstream", "contract",
                      f"add `{ADDED}` to {manifest['nodes'][p]['name']}, passed on by `*` into the contracted {name}",
                      lambda: ppath.write_text(add_item(psql, psel, f"1 as {ADDED}")), {"model": p, "column": ADDED}))
    text = cfile.read_text()
    entries = yaml_column_entries(text, name)
    if entries:
        col, a, b = rng.choice(entries)
        cases.append(("contract_yaml_remove", "contract", f"remove column `{col}` from the contracted {name}'s YAML "
                      f"only", lambda a=a, b=b: cfile.write_text(text[:a] + text[b:]), {"model": target, "column": col}))
        col2, a2, b2 = rng.choice(entries)
        entry = text[a2:b2]
        dtype = dict(typed)[col2]
        other = "varchar" if dtype.lower() not in ("varchar", "text", "string") else "integer"
        new_entry = re.sub(r"data_type: .*", f"data_type: {other}", entry, count=1)
        cases.append(("contract_yaml_type", "contract", f"change data_type of `{col2}` in the contracted {name}'s "
                      f"YAML only ({dtype} -> {other})",
                      lambda a2=a2, b2=b2, new_entry=new_entry: cfile.write_text(text[:a2] + new_entry + text[b2:]),
                      {"model": target, "column": col2}))
    # a column added to the contracted model's YAML only (SQL does not output it)
    cases.append(("contract_yaml_add", "contract", f"declare a new column `{ADDED}` in the contracted {name}'s YAML "
                  f"only", lambda: cfile.write_text(re.sub(r"(\n    columns:\n)", r"\1      - name: %s\n        data_type: integer\n" % ADDED,
                                                          text, count=1)), {"model": target, "column": ADDED}))
    return cases


def catalog_types(h, label, node_id):
    """The column types dbt's own catalog (`dbt docs generate`) reports for a built model."""
    p, _, target, _ = h.dbt("docs generate", label, "--select", node_id.split(".")[-1], check=True, fresh=False)
    cat = json.loads((target / "catalog.json").read_text())
    cols = cat["nodes"][node_id]["columns"]
    return [(c["name"].lower(), c["type"].lower()) for c in sorted(cols.values(), key=lambda c: c["index"])]


def run(args):
    h = Harness(args)
    repo = h.repo
    shutil.copytree(args.project, repo, symlinks=True,
                    ignore=shutil.ignore_patterns(".git", "target", "logs", ".user.yml"))
    generated = ensure_jaffle_seeds(repo)
    (repo / "contract-gate.yml").write_text(GATE_CONFIG)
    h.git("init", "-q", "-b", "main")
    (repo / ".git/info/exclude").write_text("target/\nlogs/\ndbt_packages/\n.user.yml\n")
    h.git("add", "-A")
    h.git("commit", "-q", "-m", "base")
    base = h.git("rev-parse", "HEAD")
    started = time.monotonic()
    seed_s = h.seed()
    baseline = h.build("base")
    if not baseline["passed"]:
        raise RuntimeError(f"baseline dbt build fails: {baseline['errors']}")
    manifest = json.loads((h.work / "targets/base/manifest.json").read_text())
    rng = random.Random(args.seed)
    cases, selects, cands = mutations(h, manifest, args.seed)
    # base variant with an enforced contract on a `select *` model
    target = contract_target(manifest, selects, rng)
    contract_base, contract_baseline, ccases = None, None, []
    if target:
        typed = catalog_types(h, "base", target)
        h.git("checkout", "-q", "-b", "contract-base", base)
        cfile = add_contract(repo, manifest["nodes"][target], typed)
        h.git("add", "-A")
        h.git("commit", "-q", "-m", f"base variant: enforced contract on {target}")
        contract_base = h.git("rev-parse", "HEAD")
        contract_baseline = h.build("contract-base")
        if not contract_baseline["passed"]:
            raise RuntimeError(f"contract baseline fails: {contract_baseline['errors']}")
        # the mutations read the files as they are in this variant
        _, _, cman_target, _ = h.dbt("parse", "contract-parse", check=True)
        cmanifest = json.loads((cman_target / "manifest.json").read_text())
        ccases = contract_cases(h, cmanifest, selects, cands, target, cfile, typed, rng)
        h.git("checkout", "-q", "main")
    results = []
    for n, (kind, variant, desc, apply, meta) in enumerate(cases + ccases, 1):
        if args.only and kind not in args.only:
            continue
        b = contract_base if variant == "contract" else base
        h.git("checkout", "-q", "-f", "-B", f"case-{n}", b)
        h.git("clean", "-qfd")
        apply()
        diff = h.git("diff", "--unified=0")
        h.git("commit", "-q", "-am", f"case {n}: {desc}")
        head = h.git("rev-parse", "HEAD")
        dbt = h.build(f"case-{n}")
        gate = h.gate(b, head)
        agree = gate["fails"] == (not dbt["passed"])
        res = {"case": n, "kind": kind, "variant": variant, "mutation": desc, "diff": diff[:3000],
               "model": meta.get("model"), "column": meta.get("column"), "class": meta.get("class"),
               "users": meta.get("users"), "dbt": dbt, "gate": gate, "agree": agree}
        results.append(res)
        print(f"[{n}] {kind:24} dbt {'PASS' if dbt['passed'] else 'FAIL'} gate "
              f"{'?' if gate['fails'] is None else 'FAIL' if gate['fails'] else 'PASS'} "
              f"{'agree' if agree else 'DISAGREE'}  {desc}", flush=True)
    out = {
        "project": args.name, "seed": args.seed, "generated_seeds": generated,
        "gate_binary": str(args.gate), "dbt": args.dbt, "vars": args.vars,
        "contract_model": target, "baseline_seconds": baseline["seconds"],
        "contract_baseline_seconds": contract_baseline and contract_baseline["seconds"],
        "cases": results, "agree": sum(r["agree"] for r in results), "total": len(results),
        "seconds": round(time.monotonic() - started, 1),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"BUILD-{args.name}-{args.seed}.json").write_text(json.dumps(out, indent=2) + "\n")
    if args.keep:
        print(f"kept {h.work}")
    else:
        shutil.rmtree(h.work, ignore_errors=True)
    return out


def write_markdown(out_dir):
    runs = [json.loads(p.read_text()) for p in sorted(out_dir.glob("BUILD-*.json"))]
    lines = ["# Build oracle: does the gate fail exactly when `dbt build` fails?", "",
             "Written by `ci/bench/oracle/build_oracle.py` (see README.md). dbt-core 1.11 + dbt-duckdb builds the",
             "whole project after each column-level edit; the gate's verdict is a BUILD finding of severity error",
             f"({', '.join(BUILD_RULES)}). The disagreements the first runs found, and their fixes, are in",
             "README.md (\"Build oracle\"); jaffle-shop seed 1 agreed on 11 of 15 cases before them.", "",
             "| project | seed | cases | agree | contract on |", "|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['project']} | {r['seed']} | {r['total']} | {r['agree']} | "
                     f"{(r.get('contract_model') or '-').split('.')[-1]} |")
    for r in runs:
        lines += ["", f"## {r['project']}, seed {r['seed']}", "",
                  "| # | mutation | dbt | failing node | gate | BUILD findings | agree |", "|---|---|---|---|---|---|---|"]
        for c in r["cases"]:
            fail = ", ".join(x.split(".")[-1] if x.count(".") < 3 else ".".join(x.split(".")[2:3])
                             for x in c["dbt"]["failing"][:3]) or "-"
            g = c["gate"]
            gv = "?" if g["fails"] is None else "FAIL" if g["fails"] else "pass"
            bf = "; ".join(f"{f['rule']} {f.get('at')}" for f in g.get("build_findings", [])[:3]) or "-"
            lines.append(f"| {c['case']} | {c['mutation']} | {'pass' if c['dbt']['passed'] else 'FAIL'} | {fail} | "
                         f"{gv} | {bf} | {'yes' if c['agree'] else '**no**'} |")
        why = [c for c in r["cases"] if not c["agree"]]
        if why:
            lines += ["", "Disagreements (dbt's first error; the gate's findings):", ""]
            for c in why:
                err = (c["dbt"]["errors"] or ["-"])[0]
                err = " ".join(l.strip() for l in err.splitlines()[:3])[:300]
                found = "; ".join(f"{f['rule']} {f['severity']} {f.get('at')}" for f in c["gate"]["findings"][:4]) or "none"
                lines.append(f"- case {c['case']} ({c['kind']}): dbt: {err} — gate: {found}")
    (out_dir / "BUILD.md").write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("project", type=Path, nargs="?", default=Path("/work/oracle-projects/jaffle-shop"))
    ap.add_argument("--name", help="result name (default: folder name)")
    ap.add_argument("--seed", type=int, nargs="+", default=[1])
    ap.add_argument("--gate", type=Path, default=oracle.REPO / ".build/debug/contract-gate")
    ap.add_argument("--dbt", default="/opt/dbtvenv/bin/dbt")
    ap.add_argument("--vars", default="{load_source_data: true}", help="dbt --vars")
    ap.add_argument("--only", nargs="+", help="mutation kinds to run (e.g. drop_read contract_add_upstream)")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--keep", action="store_true", help="keep the temp repo and duckdb files")
    ap.add_argument("--markdown-only", action="store_true", help="rewrite results/BUILD.md from the JSON files")
    args = ap.parse_args()
    if not args.markdown_only:
        args.name = args.name or args.project.resolve().name
        args.gate = args.gate.absolute()
        for seed in args.seed:
            a = argparse.Namespace(**vars(args))
            a.seed = seed
            run(a)
    write_markdown(args.out)


if __name__ == "__main__":
    main()
