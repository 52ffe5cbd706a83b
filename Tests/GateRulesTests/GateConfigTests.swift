import GateConfig
import GateModel
import Testing
@testable import GateRules

/// Every expected problem as `line:col: fragment`, so a failing test prints paste-ready expectations.
func problems(of error: any Error) -> [String] {
    let errors = (error as? InputErrors)?.errors ?? [(error as? InputError)].compactMap { $0 }
    return errors.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0): \($0.message)" }
}

/// Asserts that `errors` has one problem per expectation, at that `line:col`, whose message contains the fragment.
func expectProblems(_ error: any Error, _ expected: [(String, String)], path: String? = nil,
                    sourceLocation: SourceLocation_ = #_sourceLocation) {
    let actual = problems(of: error)
    let pasteable = actual.map { p -> String in
        let parts = p.split(separator: ":", maxSplits: 2)
        return "(\"\(parts[0]):\(parts[1])\", \"\(parts.count > 2 ? parts[2].trimmingCharacters(in: .whitespaces).prefix(30) : "")\")"
    }.joined(separator: ",\n ")
    #expect(actual.count == expected.count,
            "expected \(expected.count) problems, got \(actual.count):\n\(actual.joined(separator: "\n"))\nTo accept: [\(pasteable)]",
            sourceLocation: sourceLocation)
    for (position, fragment) in expected {
        #expect(actual.contains { $0.hasPrefix(position + ":") && $0.contains(fragment) },
                "no problem at \(position) containing “\(fragment)”. Got:\n\(actual.joined(separator: "\n"))\nTo accept: [\(pasteable)]",
                sourceLocation: sourceLocation)
    }
    if let path, let errors = (error as? InputErrors)?.errors {
        #expect(errors.allSatisfy { $0.location?.path == path }, "every problem names \(path)", sourceLocation: sourceLocation)
    }
}

typealias SourceLocation_ = Testing.SourceLocation

@Suite("contract-gate.yml")
struct GateConfigTests {
    @Test("an empty file is the documented defaults")
    func defaults() throws {
        let config = try GateConfig.load(yaml: "", path: "contract-gate.yml")
        #expect(config.version == 1)
        #expect(config.failOn == .error)
        #expect(config.base == nil)
        #expect(config.dbt.projectDir == ".")
        #expect(config.dbt.manifest == "target/manifest.json")
        #expect(config.dbt.schemaNaming == .dbtDefault)
        #expect(config.catalog.secoda == nil)
        #expect(config.catalog.snapshot == ".contract-gate/catalog.json")
        #expect(config.catalog.onCatalogError == .fail)
        #expect(config.lineage.maxDepth == 6)
        #expect(config.lineage.maxNodes == 5000)
        #expect(config.defaultPolicy == nil)
    }

    @Test("every key of DESIGN.md §4 is read")
    func fullFile() throws {
        let yaml = """
        version: 1
        base: origin/develop
        fail_on: warning
        dbt:
          project_dir: transform
          manifest: target/manifest.json
          database: analytics
          schema: prod
          schema_naming: custom_only
        catalog:
          secoda:
            base_url: https://eu.secoda.co/api/v1
            token_env: SECODA_TOKEN
            integration_id: 0b0d4419-aaaa
          snapshot: .cache/catalog.json
          on_catalog_error: warn
        lineage:
          max_depth: 3
          max_nodes: 100
        default_policy:
          when_unused: notice
          rules:
            COLUMN_NO_DELETE: error
        """
        let config = try GateConfig.load(yaml: yaml, path: "contract-gate.yml")
        #expect(config.base == "origin/develop")
        #expect(config.failOn == .warning)
        #expect(config.dbt.projectDir == "transform")
        #expect(config.dbt.database == "analytics")
        #expect(config.dbt.schema == "prod")
        #expect(config.dbt.schemaNaming == .customOnly)
        #expect(config.catalog.secoda?.baseURL == "https://eu.secoda.co/api/v1/")
        #expect(config.catalog.secoda?.tokenEnv == "SECODA_TOKEN")
        #expect(config.catalog.secoda?.integrationId == "0b0d4419-aaaa")
        #expect(config.catalog.snapshot == ".cache/catalog.json")
        #expect(config.catalog.onCatalogError == .warn)
        #expect(config.lineage.maxDepth == 3)
        #expect(config.lineage.maxNodes == 100)
        guard case .inline(let policy) = config.defaultPolicy else {
            Issue.record("default_policy should be inline, got \(String(describing: config.defaultPolicy))")
            return
        }
        #expect(policy.whenUnused == .notice)
        #expect(policy.setting(for: "COLUMN_NO_DELETE")?.severity == .error)
    }

    @Test("every problem in one pass, each at its line and column")
    func manyProblems() {
        let yaml = """
        version: 2
        fail_on: sometimes
        dbt:
          projct_dir: x
          schema_naming: custom
        catalog:
          on_catalog_error: [fail]
          secoda:
            token_env: sk-live-abc
        lineage:
          max_depth: deep
          max_nodes: 0
        default_policy:
          rules:
            COLUMN_NO_DELEET: error
        colour: blue
        """
        #expect {
            try GateConfig.load(yaml: yaml, path: "contract-gate.yml")
        } throws: { error in
            expectProblems(error, [
                ("1:10", "`version` must be 1"),
                ("2:10", "`fail_on` must be one of `error`, `warning`, `never`, found `sometimes`"),
                ("4:3", "unknown key `projct_dir` in `dbt`. Did you mean `project_dir`?"),
                ("5:18", "Did you mean `custom_only`?"),
                ("7:21", "`catalog.on_catalog_error` must be a string, found a list"),
                ("9:16", "names an environment variable"),
                ("11:14", "`lineage.max_depth` must be a whole number, found `deep`"),
                ("12:14", "`lineage.max_nodes` must be at least 1"),
                ("15:5", "unknown rule ID `COLUMN_NO_DELEET`. Did you mean `COLUMN_NO_DELETE`?"),
                ("16:1", "unknown key `colour` in contract-gate.yml"),
            ], path: "contract-gate.yml")
            let lines = ((error as? InputErrors)?.errors ?? []).compactMap { $0.location?.line }
            #expect(lines == lines.sorted(), "problems are listed top to bottom")
            return true
        }
    }

    @Test("the token itself is never echoed back")
    func tokenNotEchoed() {
        #expect {
            try GateConfig.load(yaml: "catalog:\n  secoda:\n    token_env: sk-live-SECRETSECRET\n", path: "c.yml")
        } throws: { error in
            !String(describing: error).contains("SECRETSECRET")
        }
    }

    @Test("a YAML syntax error is an input error at its position")
    func syntaxError() {
        #expect {
            try GateConfig.load(yaml: "dbt:\n  project_dir: [unclosed\n", path: "contract-gate.yml")
        } throws: { error in
            let all = problems(of: error)
            return all.count == 1 && all[0].contains("YAML syntax") && (error as? InputErrors)?.exitCode == .usage
        }
    }

    @Test("default_policy may name a file")
    func defaultPolicyPath() throws {
        let config = try GateConfig.load(yaml: "default_policy: contracts/strict-default.yml\n", path: "contract-gate.yml")
        guard case .file(let path, let location) = config.defaultPolicy else {
            Issue.record("expected a file default policy")
            return
        }
        #expect(path == "contracts/strict-default.yml")
        #expect(location.line == 1 && location.column == 17)
    }
}
