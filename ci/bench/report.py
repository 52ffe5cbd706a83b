#!/usr/bin/env python3
"""Render a ci/bench/run results JSON as the Markdown tables of the README's Performance section.

usage: ci/bench/report.py ci/bench/results/latest.json [more.json …]
"""
import json
import sys

MODES = [("dbt", "offline, dbt graph"), ("dbt_cached", "offline, dbt graph, parse cache warm"),
         ("snapshot", "offline, catalog snapshot"),
         ("secoda_0ms", "online, emulator 0 ms"), ("secoda_50ms", "online, emulator 50 ms")]


def fmt(value, spec, suffix=""):
    return "" if value is None else f"{value:{spec}}{suffix}"


def render(path):
    with open(path) as f:
        r = json.load(f)
    out = [f"Run of {r['started_at']} ({'quick' if r.get('quick') else 'full'}; {r.get('runs')} runs per mode, "
           f"dbt ls ×{r.get('dbt_runs')}; {r.get('dbt_version') or 'no dbt'}; load average "
           f"{r['machine']['load_before'][0]:.1f} before, {r['machine'].get('load_after', [0])[0]:.1f} after, "
           f"{r['machine']['cpus']} CPUs)", "",
           "| models | catalog edges | command | median wall s | CPU s | peak RSS MB | HTTP requests | rounds | dbt ls ÷ check (wall / CPU) |",
           "|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    ratios = r.get("ratios_dbt_ls_over_check", {})
    for n, size in r["sizes"].items():
        for mode, label in MODES:
            m = size["modes"].get(mode)
            if not m:
                if mode in size.get("failed_modes", {}):
                    out.append(f"| {int(n):,} | {size['catalog']['edges']:,} | check, {label} | failed: "
                               f"{size['failed_modes'][mode][:90]} | | | | | |")
                if mode == "snapshot" and "error" in size.get("pull", {}):
                    out.append(f"| {int(n):,} | {size['catalog']['edges']:,} | check, {label} | pull failed | | | | | |")
                continue
            ratio = ratios.get(n, {}).get(mode)
            ratio_text = f"{ratio['wall']:.0f}× / {ratio['cpu']:.0f}×" if ratio and ratio.get("wall") else ""
            out.append(f"| {int(n):,} | {size['catalog']['edges']:,} | check, {label} | {m['median_s']:.3f} | "
                       f"{m['cpu_median_s']:.3f} | {m['peak_rss_mb']:.0f} | {fmt(m.get('requests'), 'd')} | "
                       f"{fmt(m.get('rounds') if mode == 'secoda_50ms' else None, 'd')} | {ratio_text} |")
        d = size.get("dbt_ls", {})
        if "median_s" in d:
            out.append(f"| {int(n):,} | | `dbt ls -s state:modified+` | {d['median_s']:.2f} | {d['cpu_median_s']:.2f} | "
                       f"{d['peak_rss_mb']:.0f} | | | |")
        elif "skipped" in d:
            out.append(f"| {int(n):,} | | `dbt ls -s state:modified+` | skipped | | | | | |")
    out.append("")
    out.append("| models | changed | downstream models (`modified+`) | walk levels | nodes reached online | catalog pull |")
    out.append("|---:|---:|---:|---:|---:|---|")
    for n, size in r["sizes"].items():
        pull = size.get("pull", {})
        pull_text = (f"failed after {pull['wall_s']:.0f} s ({pull['requests']} requests): {pull['error'][:170]}"
                     if "error" in pull else
                     f"{pull.get('wall_s', 0):.1f} s, {pull.get('requests')} requests, {pull.get('snapshot_mb', 0):.1f} MB")
        out.append(f"| {int(n):,} | {size['changed_models']} | {size['modified_plus']} | {size.get('levels')} | "
                   f"{size.get('unique_downstream_nodes_online')} | {pull_text} |")
    staged = [(n, size["modes"]["dbt"]["stages_ms"]) for n, size in r["sizes"].items()
              if size["modes"].get("dbt", {}).get("stages_ms")]
    if staged:
        out.append("")
        out.append("Where the offline (dbt graph) check spends its time, median ms per stage from `check --timings` "
                   "(`ref scan` = reading and scanning every model file at both sides, part of `models` and `impact`):")
        out.append("")
        out.append("| models | git diff | models (semantic diff) | impact (dbt graph, walk, owners) | rules | ref scan |")
        out.append("|---:|---:|---:|---:|---:|---:|")
        for n, stages in staged:
            out.append(f"| {int(n):,} | {stages.get('diff', 0):.0f} | {stages.get('models', 0):.0f} | "
                       f"{stages.get('impact', 0):.0f} | {stages.get('rules', 0):.0f} | {stages.get('ref_scan', 0):.0f} |")
    out.append("")
    out.append("Cross-checks:")
    for n, size in r["sizes"].items():
        for name, check in size["cross_checks"].items():
            out.append(f"- {int(n):,} models, {name}: {'agree' if check['equal'] else 'DIFFER'} {check['counts']}")
    walk = r.get("walk")
    if walk and "error" not in walk:
        out.append("")
        out.append(f"Lineage walk (ci/bench/walk-bench): {walk['downstream_nodes']:,} downstream nodes over "
                   f"{walk['levels']} levels, {walk['latency_ms']} ms injected latency, "
                   f"max_concurrent_requests {walk['max_concurrent_requests']}:")
        out.append("")
        out.append("| run | requests | extra pages | sequential rounds | rounds allowed | median wall s | wall allowed s |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        out.append(f"| nothing remembered (a fresh CI job) | {walk['requests']} | {walk['extra_pages']} | {walk['rounds']} | "
                   f"{walk['target_rounds']} | {walk['median_s']:.3f} | {walk['target_wall_s']:.3f} |")
        if "warm_median_s" in walk:
            out.append(f"| table id remembered (the next local run) | {walk['warm_requests']} | | {walk['warm_rounds']} | "
                       f"{walk['target_rounds']} | {walk['warm_median_s']:.3f} | {walk['target_wall_s']:.3f} |")
    elif walk:
        out.append("")
        out.append(f"Lineage walk benchmark failed: {walk['error'][:200]}")
    if r.get("targets"):
        out.append("")
        out.append("Targets:")
        for t in r["targets"]:
            out.append(f"- [{'met' if t['met'] else 'NOT met'}] {t['target']}: {t['measured']}")
    return "\n".join(out)


if __name__ == "__main__":
    print("\n\n".join(render(p) for p in sys.argv[1:]))
