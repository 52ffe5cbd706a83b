#!/usr/bin/env bash
# Turns the sample dbt project in ci/sample/ into a real git history at REPO: a base commit on
# `main` (also recorded as origin/main) and a branch `change/drop-order-columns` that drops three
# columns from fct_orders and renames dim_customers to dim_clients. Used by ci/demo.sh and by
# ci/release/check.sh (the release artifacts run `check` on it).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 REPO_FOLDER" >&2; exit 2; }
sample="$(cd "$(dirname "$0")" && pwd)"
repo="$1"
rm -rf "$repo"
mkdir -p "$repo"
git_() { git -C "$repo" -c user.name=demo -c user.email=demo@example.com -c commit.gpgsign=false "$@"; }
git_ init -q -b main
cp -R "$sample/before/." "$repo/"
git_ add -A
git_ commit -qm "shop: orders, revenue and customer marts"
git_ update-ref refs/remotes/origin/main HEAD
git_ checkout -q -b change/drop-order-columns
rm -rf "$repo/models"
cp -R "$sample/after/." "$repo/"
git_ add -A
git_ commit -qm "Drop order status columns; rename dim_customers to dim_clients"
