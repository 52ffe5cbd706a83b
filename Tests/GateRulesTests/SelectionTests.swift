import Foundation
import GateConfig
import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

func change(_ model: ModelSnapshot, to head: ModelSnapshot? = nil) -> ModelChange {
    ModelChange(name: (head ?? model).name, status: .modified, base: model, head: head ?? model)
}

@Suite("Contract selection")
struct SelectionTests {
    @Test("path globs: ** spans folders, * and ? stay within one, [..] picks a character",
          arguments: [
            ("models/marts/finance/**", "models/marts/finance/fct_orders.sql", true),
            ("models/marts/finance/**", "models/marts/finance/deep/er/x.sql", true),
            ("models/marts/finance/**", "models/marts/financed/x.sql", false),
            ("models/**/fct_*.sql", "models/fct_orders.sql", true),
            ("models/**/fct_*.sql", "models/a/b/fct_orders.sql", true),
            ("models/**/fct_*.sql", "models/a/b/dim_orders.sql", false),
            ("models/*/fct_orders.sql", "models/a/b/fct_orders.sql", false),
            ("models/marts/fct_order?.sql", "models/marts/fct_orders.sql", true),
            ("models/marts/fct_order?.sql", "models/marts/fct_order.sql", false),
            ("models/staging/stg_[a-c]*.sql", "models/staging/stg_crm.sql", true),
            ("models/staging/stg_[!a-c]*.sql", "models/staging/stg_crm.sql", false),
            ("models/marts", "models/marts/finance/fct_orders.sql", true),
            ("models/marts/", "models/marts/fct_orders.sql", true),
            ("models/mart", "models/marts/fct_orders.sql", false),
            ("**", "anything/at/all.sql", true),
          ])
    func globs(_ pattern: String, _ path: String, _ expected: Bool) throws {
        let glob = try #require(PathGlob(pattern))
        #expect(glob.matches(path) == expected, "\(pattern) vs \(path) should be \(expected)")
    }

    @Test("bad globs are refused with a reason", arguments: ["", "/models/**", "models/**x/*.sql", "models/[ab", "models/a]", "models/../x", "models//x", "models/[]x"])
    func badGlobs(_ pattern: String) {
        #expect(PathGlob(pattern) == nil)
        #expect(PathGlob.problem(with: pattern) != nil)
    }

    static let files = [
        ("contracts/finance.yml", """
        contract: finance
        models: ["models/marts/finance/**"]
        rules: {COLUMN_NO_DELETE: warning, BLAST_RADIUS: {severity: warning, max_downstream: 10}}
        when_unused: notice
        """),
        ("contracts/tagged.yml", """
        contract: tagged
        models: ["tag:Critical"]
        rules: {COLUMN_NO_DELETE: error, BLAST_RADIUS: {severity: notice, max_downstream: 3}}
        """),
        ("contracts/named.yml", """
        contract: named
        models: [dim_customers]
        rules: {MODEL_HAS_OWNER: error, COLUMN_SAME_TYPE: "off"}
        """),
    ]

    @Test("tags, names and globs select; several contracts give the strictest severity and name its contract")
    func strictest() throws {
        let set = try ContractSet.parse(files: Self.files)
        let both = Sketch.model("fct_orders", tags: ["critical"], path: "models/marts/finance/fct_orders.sql")
        let policy = set.policy(for: change(both))
        #expect(policy.contracts == ["finance", "tagged"])
        #expect(policy.rule("COLUMN_NO_DELETE").severity == .error)
        #expect(policy.rule("COLUMN_NO_DELETE").contract == "tagged")
        #expect(policy.rule("COLUMN_NO_DELETE").whenUnused == nil, "when_unused comes with the deciding contract")
        // BLAST_RADIUS: warning (finance) beats notice (tagged); its options come along.
        #expect(policy.rule("BLAST_RADIUS").severity == .warning)
        #expect(policy.rule("BLAST_RADIUS").contract == "finance")
        #expect(policy.rule("BLAST_RADIUS").options["max_downstream"] == .number(10))
        // Rules neither contract sets fall back to the default policy.
        #expect(policy.rule("COLUMN_SAME_NAME").severity == .warning)
        #expect(policy.rule("COLUMN_SAME_NAME").contract == nil)
        #expect(policy.rule("COLUMN_SAME_NAME").whenUnused == nil, "tagged has no when_unused, so nothing is lowered")
        let financeOnly = set.policy(for: change(Sketch.model("fct_x", path: "models/marts/finance/fct_x.sql")))
        #expect(financeOnly.rule("COLUMN_SAME_NAME").whenUnused == .notice, "inherited rules follow the model's contract")
        #expect(policy.rule("MODEL_HAS_OWNER").severity == .off)

        let named = set.policy(for: change(Sketch.model("dim_customers", path: "models/marts/core/dim_customers.sql")))
        #expect(named.contracts == ["named"])
        #expect(named.rule("MODEL_HAS_OWNER").severity == .error)
        #expect(named.rule("COLUMN_SAME_TYPE").severity == .off, "a contract may turn a default rule off")

        let nobody = set.policy(for: change(Sketch.model("stg_orders", path: "models/staging/stg_orders.sql")))
        #expect(nobody.contracts.isEmpty)
        for description in RuleCatalog.descriptions {
            #expect(nobody.rule(description.id).severity == description.defaultSeverity)
        }
    }

    @Test("a model moved out of a contract's folder is still under it")
    func movedOut() throws {
        let set = try ContractSet.parse(files: Self.files)
        let before = Sketch.model("fct_orders", path: "models/marts/finance/fct_orders.sql")
        let after = Sketch.model("fct_orders", path: "models/marts/fct_orders.sql")
        #expect(set.policy(for: change(before, to: after)).contracts == ["finance"])
    }

    @Test("ODCS files select by model name and make ODCS_SCHEMA_SATISFIED an error unless a contract sets it")
    func odcsSelection() throws {
        let odcs = ("contracts/orders.odcs.yaml", """
        apiVersion: v3.0.0
        kind: DataContract
        name: orders
        schema: [{name: fct_orders, properties: [{name: order_id}]}]
        """)
        let set = try ContractSet.parse(files: [odcs])
        let policy = set.policy(for: change(Sketch.model("fct_orders")))
        #expect(policy.odcs.map(\.model) == ["fct_orders"])
        #expect(policy.rule("ODCS_SCHEMA_SATISFIED").severity == .error)
        #expect(policy.rule("ODCS_SCHEMA_SATISFIED").contract == "orders")
        #expect(set.policy(for: change(Sketch.model("dim_x"))).rule("ODCS_SCHEMA_SATISFIED").severity == .warning)

        let relaxed = try ContractSet.parse(files: [odcs, ("contracts/r.yml", "contract: r\nmodels: [fct_orders]\nrules: {ODCS_SCHEMA_SATISFIED: notice}\n")])
        #expect(relaxed.policy(for: change(Sketch.model("fct_orders"))).rule("ODCS_SCHEMA_SATISFIED").severity == .notice)
    }

    @Test("the default policy: built in, from a `default: true` file, or from contract-gate.yml (inline or a file)")
    func defaultPolicySources() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cg-default-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ path: String, _ text: String) throws {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        try write("contracts/default.yml", "contract: house\ndefault: true\nrules: {COLUMN_NO_DELETE: error}\n")
        try write("contracts/schema/ignored.yml", "this: is not read\n")
        try write("policies/strict.yml", "contract: strict\nrules: {MODEL_HAS_OWNER: error}\n")
        try write("contracts/relaxed.yml", "contract: relaxed\ndefault: true\nrules: {COLUMN_NO_DELETE: notice}\n")
        let tree = DirectoryTree(root: dir)
        let plain = change(Sketch.model("stg_x"))

        #expect(throws: InputErrors.self, "two `default: true` files in the folder conflict") { try ContractSet.load(from: tree) }
        let relaxedNamed = try GateConfig.load(yaml: "default_policy: contracts/relaxed.yml\n", path: "contract-gate.yml")
        let relaxed = try ContractSet.load(from: tree, config: relaxedNamed)
        #expect(relaxed.defaultPolicy.name == "relaxed", "the file contract-gate.yml names wins and is not read twice")
        #expect(relaxed.contracts.isEmpty)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("contracts/relaxed.yml"))

        let fromFile = try ContractSet.load(from: tree)
        #expect(fromFile.defaultPolicy.name == "house")
        #expect(fromFile.policy(for: plain).rule("COLUMN_NO_DELETE").severity == .error)
        #expect(fromFile.policy(for: plain).rule("COLUMN_SAME_NAME").severity == .off, "a default file lists what is on")
        #expect(fromFile.skipped.isEmpty, "schema/ is never read")

        let inline = try GateConfig.load(yaml: "default_policy: {rules: {BLAST_RADIUS: notice}}\n", path: "contract-gate.yml")
        let fromInline = try ContractSet.load(from: tree, config: inline)
        #expect(fromInline.policy(for: plain).rule("BLAST_RADIUS").severity == .notice)
        #expect(fromInline.policy(for: plain).rule("COLUMN_NO_DELETE").severity == .off)

        let pointed = try GateConfig.load(yaml: "default_policy: policies/strict.yml\n", path: "contract-gate.yml")
        let strict = try ContractSet.load(from: tree, config: pointed)
        #expect(strict.policy(for: plain).rule("MODEL_HAS_OWNER").severity == .error, "`default: true` is implied for the named file")
        #expect(strict.defaultPolicy.name == "strict")

        let missing = try GateConfig.load(yaml: "default_policy: policies/nope.yml\n", path: "contract-gate.yml")
        #expect {
            try ContractSet.load(from: tree, config: missing)
        } throws: { error in
            problems(of: error) == ["1:17: `default_policy` names `policies/nope.yml`, which does not exist; fix the path or remove the key."]
        }
    }
}
