#!/usr/bin/env python3
"""Write one folder of a (bare) git repository's revision to disk, skipping blobs that are
absent (the mirrors here leave their largest files out, which makes `git archive` fail).

    export_tree.py GIT_DIR REV SUBDIR DEST      (SUBDIR "." for the whole tree)
"""
import subprocess, sys
from pathlib import Path


def export(git_dir, rev, subdir, dest):
    prefix = "" if subdir in (".", "") else subdir.rstrip("/") + "/"
    ls = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", rev, "--", prefix or "."],
                        check=True, capture_output=True).stdout.decode()
    entries = []
    for item in filter(None, ls.split("\0")):
        meta, path = item.split("\t", 1)
        mode, kind, sha = meta.split()
        if kind == "blob" and path.startswith(prefix):
            entries.append((mode, sha, path[len(prefix):]))
    batch = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    skipped = []
    for mode, sha, rel in entries:
        batch.stdin.write(sha.encode() + b"\n"); batch.stdin.flush()
        header = batch.stdout.readline().decode().split()
        if header[-1] == "missing":
            skipped.append(rel); continue
        data = batch.stdout.read(int(header[2])); batch.stdout.read(1)
        out = Path(dest) / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            out.unlink(missing_ok=True); out.symlink_to(data.decode())
        else:
            out.write_bytes(data)
    batch.stdin.close(); batch.wait()
    print(f"{dest}: {len(entries) - len(skipped)} files, {len(skipped)} absent blobs skipped"
          + (f" (e.g. {', '.join(skipped[:3])})" if skipped else ""))


if __name__ == "__main__":
    export(*sys.argv[1:5])
