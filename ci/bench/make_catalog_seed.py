#!/usr/bin/env python3
"""Build a Secoda emulator seed that matches a generated dbt project, deterministic by seed.

The catalog describes what is deployed, so it follows the project's `base` commit
(`synth_dag.json` at base, as written by ../shared/bench/make_change_repo.py):

- one table per model, titled with dbt's alias (the model name; `<name>_v1` for a model whose
  only version is 1), in DATABASE.SCHEMA, the relation contract-gate and dbt compute for the
  generated project under a profile with that database and schema;
- one table per source table (`raw_<domain>.raw_<name>`), feeding its staging model;
- a lineage edge for every `ref()` (upstream table -> downstream table);
- charts on the marts tables and dashboards over the charts (table -> chart -> dashboard),
  enough of them for the total to reach --target-edges (at least one chart per mart); about
  60 % of charts and dashboards have usage, the rest report 0 or none (stale).

usage: make_catalog_seed.py --dag synth_dag.json --database warehouse --schema analytics
                            --target-edges 105000 --seed 1 --out seed.json
Prints a one-line JSON summary (resources by type, edges by kind).
"""
import argparse
import collections
import json
import random

WAREHOUSE_INTEGRATION = "11111111-1111-4111-8111-111111111111"
BI_INTEGRATION = "22222222-2222-4222-8222-222222222222"
KIND_PREFIX = {"table": "a0000000", "source": "b0000000", "chart": "c0000000", "dashboard": "d0000000",
               "user": "e0000000"}


def uuid(kind, n):
    return f"{KIND_PREFIX[kind]}-0000-4000-8000-{n:012d}"


def alias(node):
    return node["name"] + ("_v1" if node["versioned"] else "")


def common(resource_id, entity_type, title, owners, rng):
    return {
        "id": resource_id, "entity_type": entity_type, "native_type": entity_type, "title": title,
        "description": "", "owners": owners, "owners_groups": [], "tags": [],
        "pii": rng.random() < 0.05, "verified": rng.random() < 0.2, "published": True, "archived": False,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
    }


def usage(rng):
    """Usage of a BI asset: 60 % used, 20 % zero, 20 % unreported (both stale)."""
    roll = rng.random()
    if roll < 0.6:
        return rng.randint(1, 500), rng.randint(0, 80), "2026-11-20T00:00:00Z"
    if roll < 0.8:
        return 0, 0, "2026-03-01T00:00:00Z"
    return None, None, None


def build(dag, database, schema, target_edges, seed):
    rng = random.Random(seed)
    users = [{"id": uuid("user", i + 1), "first_name": f"Owner{i + 1}", "last_name": "Bench",
              "email": f"owner{i + 1}@example.invalid", "role": "editor", "disabled": False} for i in range(20)]
    resources, lineage = [], []
    edges = collections.Counter()
    table_id = {}
    for n, name in enumerate(dag["order"], start=1):
        node = dag["nodes"][name]
        table_id[name] = uuid("table", n)
        resource = common(table_id[name], "table", alias(node), [rng.choice(users)["id"]], rng)
        resource.update({"database": database, "schema": schema, "title_full": f"{database}.{schema}.{alias(node)}",
                         "integration": WAREHOUSE_INTEGRATION, "external_usage": None})
        resources.append(resource)
    source_count = 0
    for name in dag["order"]:
        node = dag["nodes"][name]
        if node.get("source"):
            source_count += 1
            sid = uuid("source", source_count)
            src_schema, src_table = node["source"]
            resource = common(sid, "table", src_table, [], rng)
            resource.update({"database": database, "schema": src_schema,
                             "title_full": f"{database}.{src_schema}.{src_table}",
                             "integration": WAREHOUSE_INTEGRATION, "external_usage": None})
            resources.append(resource)
            lineage.append({"from_entity": sid, "to_entity": table_id[name]})
            edges["source"] += 1
        for upstream in node["upstream"]:
            lineage.append({"from_entity": table_id[upstream], "to_entity": table_id[name]})
            edges["ref"] += 1

    marts = [name for name in dag["order"] if dag["nodes"][name]["layer"] == "marts"]
    # Each chart brings two edges (table -> chart, chart -> dashboard).
    charts_wanted = max(len(marts), (target_edges - len(lineage) + 1) // 2)
    per_mart = charts_wanted / max(1, len(marts))
    chart_count, dashboard_count = 0, 0
    pending = []  # charts waiting for a dashboard, domain by domain
    by_domain = collections.defaultdict(list)
    for name in marts:
        by_domain[dag["nodes"][name]["domain"]].append(name)
    for domain in sorted(by_domain):
        for name in by_domain[domain]:
            # Uneven on purpose: a few marts carry many charts, most carry a handful.
            count = max(1, round(rng.expovariate(1 / per_mart))) if per_mart > 1 else 1
            for _ in range(count):
                chart_count += 1
                cid = uuid("chart", chart_count)
                external, internal, updated = usage(rng)
                resource = common(cid, "chart", f"{alias(dag['nodes'][name])} chart {chart_count}",
                                  [rng.choice(users)["id"]], rng)
                resource.update({"integration": BI_INTEGRATION, "external_usage": external, "internal_usage": internal,
                                 "external_updated_at": updated, "url": f"https://bi.example.invalid/chart/{chart_count}",
                                 "title_full": f"chart {chart_count}"})
                resources.append(resource)
                lineage.append({"from_entity": table_id[name], "to_entity": cid})
                edges["table_to_chart"] += 1
                pending.append(cid)
        # Dashboards group 1-8 charts of one domain.
        while pending:
            size = rng.randint(1, 8)
            group, pending = pending[:size], pending[size:]
            dashboard_count += 1
            did = uuid("dashboard", dashboard_count)
            external, internal, updated = usage(rng)
            resource = common(did, "dashboard", f"{domain} dashboard {dashboard_count}", [rng.choice(users)["id"]], rng)
            resource.update({"integration": BI_INTEGRATION, "external_usage": external, "internal_usage": internal,
                             "external_updated_at": updated,
                             "url": f"https://bi.example.invalid/dashboard/{dashboard_count}",
                             "title_full": f"{domain} dashboard {dashboard_count}"})
            resources.append(resource)
            for cid in group:
                lineage.append({"from_entity": cid, "to_entity": did})
                edges["chart_to_dashboard"] += 1
    seed_json = {"resources": resources, "lineage": lineage, "users": users, "groups": [], "teams": []}
    summary = {"tables": len(dag["order"]), "source_tables": source_count, "charts": chart_count,
               "dashboards": dashboard_count, "edges": len(lineage), "edges_by_kind": dict(edges)}
    return seed_json, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dag", required=True)
    ap.add_argument("--database", required=True)
    ap.add_argument("--schema", required=True)
    ap.add_argument("--target-edges", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    with open(a.dag) as f:
        dag = json.load(f)
    seed_json, summary = build(dag, a.database, a.schema, a.target_edges, a.seed)
    with open(a.out, "w") as f:
        json.dump(seed_json, f, separators=(",", ":"))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
