#!/usr/bin/env bash
# Rebuild the oracle's project working copies under ROOT (default /work/oracle-projects) from
# bare mirrors under MIRROR (default /work/.mirror, owner+name/repo, as the `fetch` tool leaves
# them). `dbt deps` cannot reach the hub here, so each project's packages are vendored into its
# dbt_packages/ at the versions its packages.yml asks for (nearest tag the mirror has).
set -euo pipefail
ROOT=${1:-/work/oracle-projects}
MIRROR=${MIRROR:-/work/.mirror}
HERE=$(cd "$(dirname "$0")" && pwd)
export_tree() { python3 "$HERE/export_tree.py" "$MIRROR/$1/repo" "$2" "$3" "$4"; }
mkdir -p "$ROOT"
cd "$ROOT"

# package <mirror> <rev> <project> <name>: vendor a package into <project>/dbt_packages/<name>
package() { rm -rf "$3/dbt_packages/$4"; export_tree "$1" "$2" . "$3/dbt_packages/$4"; }

# 1. dbt-labs/jaffle-shop (its large seeds are absent from the mirror; they are disabled anyway)
rm -rf jaffle-shop && export_tree dbt-labs+jaffle-shop HEAD . jaffle-shop
package dbt-labs+dbt-utils 1.3.3 jaffle-shop dbt_utils
package godatadriven+dbt-date 0.17.1 jaffle-shop dbt_date
package dbt-labs+dbt-audit-helper HEAD jaffle-shop audit_helper

# 2. cal-itp/data-infra warehouse/ (asks dbt_utils 1.3.3, dbt_expectations 0.10.10: mirror's newest is 0.10.9)
rm -rf data-infra-warehouse && export_tree cal-itp+data-infra HEAD warehouse data-infra-warehouse
package dbt-labs+dbt-utils 1.3.3 data-infra-warehouse dbt_utils
package metaplane+dbt-expectations 0.10.9 data-infra-warehouse dbt_expectations
package godatadriven+dbt-date 0.17.1 data-infra-warehouse dbt_date

# 3. fivetran/dbt_shopify (HEAD already holds the staging models of the former dbt_shopify_source)
rm -rf dbt_shopify && export_tree fivetran+dbt_shopify HEAD . dbt_shopify
package fivetran+dbt_fivetran_utils v0.4.10 dbt_shopify fivetran_utils
package dbt-labs+spark-utils 0.3.3 dbt_shopify spark_utils
package dbt-labs+dbt-utils 1.3.3 dbt_shopify dbt_utils
cat > dbt_shopify/macros/oracle_duckdb_shims.sql <<'EOF'
{#- added by contract-gate's ci/bench/oracle prepare step: the package has no duckdb branch of
    max_columns, and its default returns none, which get_metafields cannot sort at parse time -#}
{%- macro duckdb__max_columns(source_table_column_count, id_column) -%}
{{ return(1600) }}
{%- endmacro -%}
EOF

# 4. GitLab analytics, transform/snowflake-dbt, from a GitHub mirror of gitlab.com/gitlab-data/analytics
rm -rf gitlab-analytics && export_tree somun0891+analytics-master HEAD transform/snowflake-dbt gitlab-analytics
package dbt-labs+dbt-audit-helper 0.9.0 gitlab-analytics audit_helper
package dbt-labs+dbt-utils 1.1.1 gitlab-analytics dbt_utils
package dbt-labs+snowplow 0.15.1 gitlab-analytics snowplow
package dbt-labs+dbt-external-tables 0.8.7 gitlab-analytics dbt_external_tables
package brooklyn-data+dbt_artifacts 2.6.3 gitlab-analytics dbt_artifacts
package gitlabhq+snowflake_spend updates_for_dbt_1_1 gitlab-analytics snowflake_spend
# gitlab-data/data-tests lives on gitlab.com only (tests, no models): drop it so dbt's package count matches
python3 - gitlab-analytics/packages.yml <<'EOF'
import re, sys
p = sys.argv[1]; s = open(p).read()
s = re.sub(r"  - git: git@gitlab.com:gitlab-data/data-tests.git\n(    .*\n)*",
           "  # oracle prepare: gitlab-data/data-tests (gitlab.com only, tests only) removed\n", s)
open(p, "w").write(s)
EOF
# 5. tuva-health/tuva (1,200 models, most `enabled` by var(); packages: dbt_utils, dbt_expectations,
#    and Tuva's fork of elementary's dbt-data-reliability at v0.18.4). projects.json sets the vars
#    claims_enabled/clinical_enabled so the models are enabled, as Tuva's own integration_tests do.
rm -rf tuva && export_tree tuva-health+tuva HEAD . tuva
# its dbt_project.yml has the enablement vars commented out (nearly every model is `enabled:
# var('claims_enabled', false)`): uncomment them, as the project's README tells a user to, so the
# gate reads them from the project as dbt does (the gate has no --vars)
sed -i -E 's/^  # (claims|clinical|provider_attribution|semantic_layer)_enabled: true/  \1_enabled: true/' tuva/dbt_project.yml
# Tuva is a package: its input layer ref()s models (`observation`, `medical_claim`, ...) that the
# user's project provides. Its integration_tests/ project provides them from seeds; put those models
# and seeds into the root project (integration_tests' macros duplicate Tuva's own and are left out)
mkdir -p tuva/models/_oracle_input tuva/seeds/_oracle_input
cp tuva/integration_tests/models/* tuva/models/_oracle_input/
cp tuva/integration_tests/seeds/* tuva/seeds/_oracle_input/
rm -rf tuva/integration_tests
# its seeds' YAML reads var('use_synthetic_data') with no default (integration_tests sets it)
sed -i -E 's/^  semantic_layer_enabled: true/&\n  use_synthetic_data: true/' tuva/dbt_project.yml
package dbt-labs+dbt-utils 1.3.3 tuva dbt_utils
package metaplane+dbt-expectations 0.10.9 tuva dbt_expectations
package godatadriven+dbt-date 0.17.1 tuva dbt_date
package tuva-health+dbt-data-reliability v0.18.4 tuva elementary

# 6. mattermost/mattermost-data-warehouse transform/mattermost-analytics (Snowflake SQL; packages
#    dbt_utils 1.3.0, codegen 0.13.1, dbt_project_evaluator 0.14.3, dbt_snowflake_query_tags 2.x)
rm -rf mattermost-analytics && export_tree mattermost+mattermost-data-warehouse HEAD transform/mattermost-analytics mattermost-analytics
package dbt-labs+dbt-utils 1.3.0 mattermost-analytics dbt_utils
package dbt-labs+dbt-codegen 0.13.1 mattermost-analytics codegen
package dbt-labs+dbt-project-evaluator v0.14.3 mattermost-analytics dbt_project_evaluator
package get-select+dbt-snowflake-query-tags 2.6.0 mattermost-analytics dbt_snowflake_query_tags

# 7. fivetran/dbt_hubspot (every source table's models are enabled by a hubspot_*_enabled var) at 4552ec0,
#    the commit before "Standardize unioning macros to use fivetran_utils versions": HEAD calls
#    fivetran_utils.apply_source_relation/union_connections, which no released fivetran_utils 0.4.x has
rm -rf dbt_hubspot && export_tree fivetran+dbt_hubspot 4552ec0 . dbt_hubspot
package fivetran+dbt_fivetran_utils v0.4.10 dbt_hubspot fivetran_utils
package dbt-labs+spark-utils 0.3.3 dbt_hubspot spark_utils
package dbt-labs+dbt-utils 1.3.3 dbt_hubspot dbt_utils
echo "projects ready under $ROOT"
