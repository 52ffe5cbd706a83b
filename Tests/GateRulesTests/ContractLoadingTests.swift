import GateConfig
import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

@Suite("Contract files: validation with positions")
struct ContractLoadingTests {
    @Test("every problem in a contract file is reported at once, at its line and column")
    func manyProblems() {
        let yaml = """
        contract: finance
        owner: ["@x"]
        models:
          - "models/[marts/**"
          - tag:
          - /abs/**
          - "fct orders!"
        rules:
          COLUMN_NO_DELEET: error
          COLUMN_SAME_TYPE: {severity: fatal, allow: [narrowing]}
          BLAST_RADIUS: {max_downstream: many}
          MODEL_HAS_OWNER: [error]
          DOWNSTREAM_DASHBOARD_IN_USE: {severity: error, min_views: 3}
        when_unused: ignore
        notify: [everyone]
        waivers:
          - rule: COLUMN_NO_DELETE
            model: fct_orders
            reason: consumers migrated
            expires: 2027-02-30
          - rule: COLUMN_SAME_TYP
            model: fct_orders
            reason: ok
            approved_by: "@bob"
            expires: next week
          - model: fct_orders
            approved_by: "@bob"
        """
        #expect {
            try ContractSet.parse(files: [("contracts/finance.yml", yaml)])
        } throws: { error in
            expectProblems(error, [
                ("2:1", "unknown key `owner` in a contract. Did you mean `owners`?"),
                ("4:5", "bad path glob `models/[marts/**`: unclosed `[`"),
                ("5:5", "is a YAML mapping; write the selector as `\"tag:<name>\"`"),
                ("6:5", "globs are relative to the repository root"),
                ("7:5", "is neither a path glob"),
                ("9:3", "unknown rule ID `COLUMN_NO_DELEET`. Did you mean `COLUMN_NO_DELETE`?"),
                ("10:32", "severity of COLUMN_SAME_TYPE must be one of `error`, `warning`, `notice`, `off`, found `fatal`"),
                ("10:47", "must be one of `widening`, found `narrowing`"),
                ("11:17", "BLAST_RADIUS needs `severity:`"),
                ("11:34", "`max_downstream` of BLAST_RADIUS must be a whole number"),
                ("12:20", "MODEL_HAS_OWNER must be a severity"),
                ("13:50", "unknown key `min_views` in options of DOWNSTREAM_DASHBOARD_IN_USE. Did you mean `min_usage`?"),
                ("14:14", "`when_unused` must be one of `warning`, `notice`, `off`, found `ignore`"),
                ("15:10", "each item of `notify` must be one of `owners`, `consumers`"),
                ("17:5", "waiver is missing `approved_by`"),
                ("20:14", "waiver `expires` must be a date written YYYY-MM-DD (e.g. 2027-01-31), found `2027-02-30`"),
                ("21:11", "waiver names unknown rule ID `COLUMN_SAME_TYP`. Did you mean `COLUMN_SAME_TYPE`?"),
                ("25:14", "found `next week`"),
                ("26:5", "waiver is missing `rule`"),
                ("26:5", "waiver is missing `reason`"),
            ], path: "contracts/finance.yml")
            return true
        }
    }

    @Test("a contract must be named and must select models; a default policy must not")
    func namesAndSelection() {
        #expect {
            try ContractSet.parse(files: [
                ("contracts/a.yml", "description: x\nrules: {COLUMN_NO_DELETE: error}\n"),
                ("contracts/b.yml", "contract: b\nrules: {COLUMN_NO_DELETE: error}\n"),
                ("contracts/c.yml", "contract: c\ndefault: true\nmodels: [x]\n"),
                ("contracts/d.yml", "contract: b\nmodels: [y]\n"),
            ])
        } throws: { error in
            let all = problems(of: error)
            let paths = ((error as? InputErrors)?.errors ?? []).map { $0.location?.path ?? "" }
            #expect(all.count == 4, "\(all)")
            #expect(paths == ["contracts/a.yml", "contracts/b.yml", "contracts/c.yml", "contracts/d.yml"], "\(paths)")
            #expect(all[0].contains("no `contract:` name"))
            #expect(all[1].contains("selects no models"))
            #expect(all[2].hasPrefix("3:1:") && all[2].contains("remove `models:`"))
            #expect(all[3].contains("contract name `b` is also used by contracts/b.yml"))
            return true
        }
    }

    @Test("files that are neither a contract nor ODCS are skipped and listed")
    func skipped() throws {
        let set = try ContractSet.parse(files: [
            ("contracts/notes.yml", "title: some notes\n"),
            ("contracts/empty.yml", ""),
            ("contracts/contract-gate.yml", "fail_on: error\n"),
            ("contracts/ok.yml", "contract: ok\nmodels: [fct_orders]\n"),
        ])
        #expect(set.contracts.map(\.name) == ["ok"])
        #expect(set.skipped.map(\.path) == ["contracts/contract-gate.yml", "contracts/empty.yml", "contracts/notes.yml"])
    }

    @Test("empty sections configure nothing rather than fail")
    func emptySections() throws {
        let set = try ContractSet.parse(files: [("contracts/a.yml", "contract: a\nmodels: [x]\nrules:\nwaivers:\nowners:\n")])
        #expect(set.contracts.first?.rules.isEmpty == true)
        #expect(set.contracts.first?.waivers.isEmpty == true)
        let config = try GateConfig.load(yaml: "dbt:\ncatalog:\n", path: "contract-gate.yml")
        #expect(config.dbt.projectDir == "." && config.catalog.secoda == nil)
        #expect {
            try ContractSet.parse(files: [("contracts/b.yml", "contract: b\nmodels: []\n")])
        } throws: { error in
            problems(of: error) == ["2:1: contract `b` selects no models; add `models:` with path globs, `tag:` selectors or model names."]
        }
    }

    @Test("YAML syntax errors in several files are all reported")
    func syntaxErrorsAcrossFiles() {
        #expect {
            try ContractSet.parse(files: [("contracts/a.yml", "contract: [x\n"), ("contracts/b.yml", "contract: b\nmodels: [x]\nrules: {A: error\n")])
        } throws: { error in
            let errors = (error as? InputErrors)?.errors ?? []
            return errors.count == 2 && errors.allSatisfy { $0.message.contains("YAML syntax") }
        }
    }

    @Test("an ODCS v3 file becomes column expectations")
    func odcs() throws {
        let yaml = """
        apiVersion: v3.0.2
        kind: DataContract
        id: 5358
        name: orders
        schema:
          - name: fct_orders
            physicalName: analytics.prod.fct_orders
            properties:
              - name: order_id
                physicalType: bigint
                required: true
                primaryKey: true
              - name: email
                logicalType: string
                classification: PII
        """
        let set = try ContractSet.parse(files: [("contracts/orders.odcs.yaml", yaml)])
        let schema = try #require(set.odcs.first?.schemas.first)
        #expect(schema.contract == "orders")
        #expect(schema.model == "fct_orders")
        #expect(schema.location == GateModel.SourceLocation(path: "contracts/orders.odcs.yaml", line: 6, column: 5))
        #expect(schema.properties.map(\.name) == ["order_id", "email"])
        #expect(schema.properties[0].required && schema.properties[0].primaryKey && !schema.properties[0].unique)
        #expect(schema.properties[0].physicalType == "bigint")
        #expect(schema.properties[1].isSensitive)
        #expect(schema.properties[1].location.line == 13)
        // physicalName matches the relation even when the model has another name.
        let renamed = Sketch.model("orders_v2", alias: "fct_orders")
        #expect(schema.applies(to: ModelChange(name: "orders_v2", status: .modified, base: renamed, head: renamed)))
        #expect(!schema.applies(to: ModelChange(name: "dim_x", status: .modified, base: Sketch.model("dim_x"), head: Sketch.model("dim_x"))))
    }

    @Test("ODCS problems are reported with positions")
    func odcsProblems() {
        let yaml = """
        apiVersion: v2.2.0
        kind: DataContract
        schemas: []
        schema:
          - physicalName: orders
            properties:
              - name: id
                required: yes please
                logicalType: bigint
                nullable: false
        """
        #expect {
            try ContractSet.parse(files: [("contracts/o.yaml", yaml)])
        } throws: { error in
            expectProblems(error, [
                ("1:13", "`apiVersion` must be an ODCS v3 version"),
                ("3:1", "unknown key `schemas` in an ODCS data contract. Did you mean `schema`?"),
                ("5:5", "an ODCS `schema` object needs `name:`"),
                ("8:19", "property `required` must be true or false"),
                ("9:22", "property `logicalType` must be one of"),
                ("10:9", "unknown key `nullable` in an ODCS property"),
            ], path: "contracts/o.yaml")
            return true
        }
    }

    @Test("dates: only real YYYY-MM-DD days")
    func dates() {
        #expect(CalendarDay("2027-01-31") != nil)
        #expect(CalendarDay("2028-02-29") != nil)
        #expect(CalendarDay("2027-02-29") == nil)
        #expect(CalendarDay("2027-1-31") == nil)
        #expect(CalendarDay("31/01/2027") == nil)
        #expect(CalendarDay(leadingDateOf: "2026-03-31T00:00:00Z") == CalendarDay("2026-03-31"))
        #expect(CalendarDay(leadingDateOf: "2026-03-31x") == nil)
        #expect(CalendarDay("2026-12-31")! > CalendarDay("2026-06-01")!)
    }
}
