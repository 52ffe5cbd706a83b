import GateModel

/// The one report every golden file is rendered from. It covers what the reporters must get
/// right: several files, a finding with no location, errors, warnings and notices, waived
/// findings, a duplicate, impact with a stale and a used dashboard, an incomplete catalog,
/// and hostile text (newlines, `%`, `::`, `,`, `<`, `&`, quotes, non-ASCII, ANSI escapes).
enum CanonicalReport {
    static let hostileMessage = "Type of amount changed from numeric(10,2) to varchar: 100% of \"Revenue\" reads it "
        + "<b>& more</b> — ünïcødé ✓\n::error::pwned\r\n%0A \u{1B}[31mred\u{1B}[0m, 'quoted' | piped"

    static let schemaPath = "models/marts/finance/schema.yml"
    static let oddPath = "models/staging/odd:name,v2.yml"

    static var report: Report {
        let revenue = DownstreamNode(
            id: "3b0f7c1e-0000-4000-8000-000000000001", name: "Revenue", type: "dashboard", depth: 2,
            source: "secoda", owners: [Owner(id: "u-1", name: "Dana Finance", email: "dana@example.com", kind: "user")],
            tags: ["finance"], verified: true, usage: Usage(external: 40, internal: 3), url: "https://bi.example/d/1",
            parentId: "model.shop.rpt_finance")
        let oldRevenue = DownstreamNode(
            id: "3b0f7c1e-0000-4000-8000-000000000002", name: "Old Revenue <legacy>", type: "dashboard", depth: 2,
            source: "secoda",
            owners: [Owner(id: "u-2", name: "Olaf <Legacy>", email: "olaf@example.com", kind: "user"),
                     Owner(id: "g-2", name: "Finance", kind: "group", members: ["dana@example.com", "unknown user 7e7e7e7e"])],
            usage: Usage(external: 0, internal: nil), stale: true, parentId: "model.shop.rpt_finance")
        let rptFinance = DownstreamNode(
            id: "model.shop.rpt_finance", name: "rpt_finance", type: "model", depth: 1, source: "dbt+secoda",
            owners: [Owner(id: "@data-finance", kind: "dbt")], relation: "analytics.prod.rpt_finance")
        let export = DownstreamNode(
            id: "exposure.shop.orders_export", name: "orders_export", type: "exposure", depth: 1, source: "dbt",
            owners: [Owner(id: "ops@example.com", email: "ops@example.com", kind: "dbt")])
        let customer360 = DownstreamNode(
            id: "3b0f7c1e-0000-4000-8000-000000000003", name: "Customer 360 | \"VIP\"", type: "dashboard", depth: 1,
            source: "secoda", owners: [Owner(id: "g-9", name: "CRM team", kind: "group")], verified: true, pii: true,
            usage: Usage(external: 12, internal: 0))

        var columnNoDelete = Finding(
            rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: "fct_orders", column: "status",
            message: "Column status was removed from fct_orders.",
            location: SourceLocation(path: schemaPath, line: 12, column: 9),
            downstream: 3, consumers: ["Revenue", "rpt_finance", "orders_export"], owners: ["@data-finance"],
            contract: "finance-marts")
        // The contract maps people to handles: real mentions, plus one that is not a handle and must not ping.
        columnNoDelete.mentions = ["@data-finance", "@dana-f", "@everyone please"]
        let findings: [Finding] = [
            Finding(rule: "BLAST_RADIUS", category: .impact, severity: .warning, model: "fct_orders",
                    message: "fct_orders reaches 27 downstream resources; the contract allows 25.", downstream: 27,
                    contract: "finance-marts"),
            columnNoDelete,
            Finding(rule: "COLUMN_SAME_TYPE", category: .breaking, severity: .error, model: "fct_orders", column: "amount",
                    message: hostileMessage, location: SourceLocation(path: schemaPath, line: 20, column: 9),
                    downstream: 1, consumers: ["Revenue"], owners: ["Dana Finance"], contract: "finance-marts"),
            Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: "fct_orders",
                    column: "legacy_status", message: "Column legacy_status was removed from fct_orders.",
                    location: SourceLocation(path: schemaPath, line: 30, column: 9), waived: true,
                    waiver: WaiverReference(reason: "Replaced by order_status; consumers migrated <see #123> & \"done\"",
                                            approvedBy: "@alice", expires: "2027-01-31",
                                            location: SourceLocation(path: "contracts/finance.yml", line: 14, column: 5)),
                    contract: "finance-marts"),
            Finding(rule: "MODEL_SAME_RELATION", category: .breaking, severity: .error, model: "dim_customers",
                    message: "dim_customers moved from analytics.prod.customers to analytics.prod.dim_customers.",
                    location: SourceLocation(path: "models/marts/core/dim_customers.sql", line: 1, column: 1),
                    downstream: 1, consumers: ["Customer 360 | \"VIP\""], owners: ["CRM team"]),
            Finding(rule: "COLUMN_PII_STAYS_TAGGED", category: .governance, severity: .warning, model: "dim_customers",
                    column: "email", message: "Column email lost its PII mark (meta.pii).",
                    location: SourceLocation(path: "models/marts/core/schema.yml", line: 8, column: 11, endLine: 8,
                                             endColumn: 16)),
            Finding(rule: "MODEL_HAS_OWNER", category: .governance, severity: .notice, model: "dim_customers",
                    message: "dim_customers has no owner.", waived: true,
                    waiver: WaiverReference(reason: "Owned by the CRM team until the reorg")),
            Finding(rule: "MODEL_HAS_DESCRIPTION", category: .governance, severity: .notice, model: "stg_payments",
                    message: "New model stg_payments has no description.",
                    location: SourceLocation(path: oddPath, line: 3, column: 5)),
            columnNoDelete,
        ]
        let rules = [
            rule("COLUMN_NO_DELETE", "ColumnNoDelete", .breaking, "Checks that a declared column is not removed."),
            rule("COLUMN_SAME_TYPE", "ColumnSameType", .breaking, "Checks that data_type does not change."),
            rule("MODEL_SAME_RELATION", "ModelSameRelation", .breaking,
                 "Checks that database.schema.alias does not change."),
            rule("BLAST_RADIUS", "BlastRadius", .impact,
                 "Checks that the number of downstream resources stays under max_downstream.", severity: .warning),
            rule("COLUMN_PII_STAYS_TAGGED", "ColumnPiiStaysTagged", .governance,
                 "Checks that a column marked PII keeps its mark."),
            rule("MODEL_HAS_DESCRIPTION", "ModelHasDescription", .governance,
                 "Checks that new models and columns are described.", severity: .notice),
            rule("MODEL_NO_DELETE", "ModelNoDelete", .breaking,
                 "Checks that a model with downstream consumers is not deleted."),
            // MODEL_HAS_OWNER deliberately has no metadata: reporters must still cope.
        ]
        return Report(
            base: "9c1d6f1a2b3c4d5e6f708192a3b4c5d6e7f80912", head: "4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071",
            verdict: .fail, exitCode: 1,
            catalog: CatalogStatus(sources: ["dbt", "secoda"], complete: false,
                                   errors: ["secoda: lineage request timed out after 30 s (page 3)"]),
            changes: [
                ChangeRecord(model: "fct_orders", status: "modified", path: "models/marts/finance/fct_orders.sql",
                             relation: "analytics.prod.fct_orders", catalogId: "3b0f7c1e-0000-4000-8000-0000000000aa",
                             uniqueId: "model.shop.fct_orders"),
                ChangeRecord(model: "dim_customers", status: "renamed", path: "models/marts/core/dim_customers.sql",
                             oldPath: "models/marts/core/customers.sql", relation: "analytics.prod.dim_customers",
                             oldRelation: "analytics.prod.customers", uniqueId: "model.shop.dim_customers"),
                ChangeRecord(model: "stg_payments", status: "added", path: "models/staging/stg_payments.sql",
                             relation: "analytics.staging.stg_payments"),
            ],
            impact: [
                ModelImpact(model: "fct_orders", catalogId: "3b0f7c1e-0000-4000-8000-0000000000aa",
                            downstream: [oldRevenue, revenue, export, rptFinance],
                            columnUsers: ["status": [revenue.id, rptFinance.id]]),
                ModelImpact(model: "dim_customers", downstream: [customer360], truncated: true),
                ModelImpact(model: "stg_payments"),
            ],
            findings: findings,
            diagnostics: [
                Diagnostic(severity: .warning,
                           message: "config() in models/legacy/odd.sql uses a Jinja expression; its relation was assumed.",
                           location: SourceLocation(path: "models/legacy/odd.sql", line: 2, column: 3)),
            ],
            rules: rules,
            checked: [
                "fct_orders": ["COLUMN_NO_DELETE", "COLUMN_SAME_TYPE", "BLAST_RADIUS", "MODEL_NO_DELETE"],
                "dim_customers": ["MODEL_SAME_RELATION", "COLUMN_PII_STAYS_TAGGED", "MODEL_HAS_OWNER"],
                "stg_payments": ["MODEL_HAS_DESCRIPTION"],
            ],
            timings: ["diff": 12, "catalog": 340])
    }

    static func rule(_ id: String, _ name: String, _ category: RuleCategory, _ purpose: String,
                     severity: Severity = .error) -> RuleMetadata {
        RuleMetadata(id: id, name: name, category: category, purpose: purpose,
                     rationale: "Consumers downstream rely on it; see the contract that selects the model.",
                     defaultSeverity: severity, helpURI: "https://contract-gate.example/rules#\(id.lowercased())")
    }
}
