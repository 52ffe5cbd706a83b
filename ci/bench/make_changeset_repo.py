#!/usr/bin/env python3
"""Build a git repository for the change-set benchmark, deterministic by seed.

A minimal dbt project of FILES files (dbt_project.yml, one schema.yml per folder, the rest
model .sql files in folders of 200) committed and tagged `base`; then CHANGES changes committed
and tagged `head`: RENAMES renames (half exact moves, half moves with a one-line edit), the rest
split between edits, additions and deletions (2/3 edits, 1/6 additions, 1/6 deletions).

Ground truth (the expected `git diff --name-status -M base head` counts) goes to stdout as JSON.

usage: make_changeset_repo.py --out DIR [--files 20000] [--changes 300] [--renames 20] [--seed 1]
"""
import argparse
import json
import os
import random
import subprocess

FOLDER_SIZE = 200


def git(out, *args, date):
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date,
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.invalid")
    subprocess.run(["git", "-C", out, *args], check=True, env=env, stdout=subprocess.DEVNULL)


def model_sql(index, extra=""):
    columns = ",\n    ".join(f"col_{c} as column_{c}_of_m{index:05d}" for c in range(12))
    upstream = f"m{index - 1:05d}" if index % FOLDER_SIZE else "raw_source"
    return f"select\n    id,\n    {columns}\nfrom {{{{ ref('{upstream}') }}}}\n{extra}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", type=int, default=20000)
    ap.add_argument("--changes", type=int, default=300)
    ap.add_argument("--renames", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    os.makedirs(a.out, exist_ok=False)
    git(a.out, "init", "-q", "-b", "main", date="2024-01-01T00:00:00Z")
    with open(os.path.join(a.out, "dbt_project.yml"), "w") as f:
        f.write("name: bench\nversion: '1.0'\nconfig-version: 2\nprofile: bench\nmodel-paths: ['models']\n")
    folders = max(1, (a.files - 1) // (FOLDER_SIZE + 1))
    model_count = a.files - 1 - folders
    paths = []
    for index in range(model_count):
        folder = f"models/d{index // FOLDER_SIZE:03d}"
        os.makedirs(os.path.join(a.out, folder), exist_ok=True)
        path = f"{folder}/m{index:05d}.sql"
        with open(os.path.join(a.out, path), "w") as f:
            f.write(model_sql(index))
        paths.append(path)
    for number in range(folders):
        folder = f"models/d{number:03d}"
        os.makedirs(os.path.join(a.out, folder), exist_ok=True)
        names = [os.path.basename(p)[:-4] for p in paths if p.startswith(folder + "/")]
        with open(os.path.join(a.out, folder, "schema.yml"), "w") as f:
            f.write("version: 2\nmodels:\n" + "".join(f"  - name: {n}\n    columns:\n      - name: id\n" for n in names))
    git(a.out, "add", "-A", date="2024-01-01T00:00:00Z")
    git(a.out, "commit", "-q", "-m", "base", date="2024-01-01T00:00:00Z")
    git(a.out, "tag", "base", date="2024-01-01T00:00:00Z")

    others = a.changes - a.renames
    adds = others // 6
    deletes = others // 6
    edits = others - adds - deletes
    chosen = rng.sample(paths, a.renames + edits + deletes)
    renamed, edited, deleted = chosen[:a.renames], chosen[a.renames:a.renames + edits], chosen[a.renames + edits:]
    for number, path in enumerate(renamed):
        target = path.replace("/m", "/renamed_m")
        git(a.out, "mv", path, target, date="2024-01-02T00:00:00Z")
        if number % 2:
            with open(os.path.join(a.out, target), "a") as f:
                f.write("where id is not null\n")
    for path in edited:
        with open(os.path.join(a.out, path), "a") as f:
            f.write("-- edited for the benchmark\n")
    for path in deleted:
        os.remove(os.path.join(a.out, path))
    for number in range(adds):
        path = f"models/added/new_m{number:05d}.sql"
        os.makedirs(os.path.join(a.out, "models/added"), exist_ok=True)
        with open(os.path.join(a.out, path), "w") as f:
            f.write(model_sql(100000 + number))
    git(a.out, "add", "-A", date="2024-01-02T00:00:00Z")
    git(a.out, "commit", "-q", "-m", "head", date="2024-01-02T00:00:00Z")
    git(a.out, "tag", "head", date="2024-01-02T00:00:00Z")
    print(json.dumps({"files": a.files, "changes": a.changes, "R": a.renames, "M": edits, "A": adds, "D": deletes}))


if __name__ == "__main__":
    main()
