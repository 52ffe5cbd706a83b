import Foundation
import GateConfig
import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

/// The repository's `contracts/` folder: schemas, the default policy and the examples users copy.
enum RepositoryContracts {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let folder = root.appendingPathComponent("contracts")
    static func schema(_ name: String) -> URL { folder.appendingPathComponent("schema/\(name)") }

    /// Which schema a file is validated against, by what it is.
    static func schemaName(for path: String, text: String) -> String {
        if path.hasSuffix("contract-gate.yml") { return "contract-gate.schema.json" }
        if text.contains("kind: DataContract") { return "odcs-v3-subset.schema.json" }
        return "contract.schema.json"
    }
}

/// The reference checker: Python's jsonschema over PyYAML, reading YAML the way editors do
/// (YAML 1.2 booleans, dates as text). Returns the violations, empty when the file is valid.
func jsonSchemaViolations(schema: URL, yaml: URL) throws -> [String] {
    let script = #"""
    import sys, json, re, yaml, jsonschema
    class Loader(yaml.SafeLoader):
        pass
    Loader.yaml_implicit_resolvers = {
        k: [(t, r) for t, r in v if t not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
    schema = json.load(open(sys.argv[1]))
    doc = yaml.load(open(sys.argv[2]), Loader=Loader)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for e in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.path]):
        print("/".join(str(p) for p in e.path) + ": " + e.message)
    """#
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, schema.path, yaml.path]
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let errors = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    if process.terminationStatus != 0 {
        throw InputError("python3 jsonschema check failed: \(String(decoding: errors, as: UTF8.self))")
    }
    return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
}

/// A broken file of each kind, with what both checkers must say about it.
enum BrokenExamples {
    static let contract = """
    contract: broken
    models: ["models/[marts/**"]
    rules:
      COLUMN_NO_DELEET: error
      COLUMN_SAME_TYPE: {severity: fatal, allow: [narrowing]}
    waivers:
      - rule: COLUMN_NO_DELETE
        model: fct_orders
        reason: consumers migrated
        expires: 2027-02-30
    """
    static let config = """
    fail_on: sometimes
    lineage: {max_depth: 0}
    """
    static let odcs = """
    apiVersion: v2.2.0
    kind: DataContract
    schema:
      - physicalName: orders
        properties:
          - name: id
            required: yes please
    """
}

@Suite("contracts/: schemas, default policy and examples")
struct ContractExamplesTests {
    static let exampleFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: RepositoryContracts.folder.appendingPathComponent("examples").path)) ?? []
        return ["default.yml"] + names.filter { $0.hasSuffix(".yml") || $0.hasSuffix(".yaml") }.sorted().map { "examples/\($0)" }
    }()

    @Test("there are examples of every kind")
    func examplesExist() {
        #expect(Self.exampleFiles.contains("examples/contract-gate.yml"))
        #expect(Self.exampleFiles.contains { $0.hasSuffix(".odcs.yaml") })
        #expect(Self.exampleFiles.count >= 5, "\(Self.exampleFiles)")
    }

    @Test("every example is valid against its JSON Schema", arguments: exampleFiles)
    func validAgainstSchema(_ file: String) throws {
        let url = RepositoryContracts.folder.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        let schema = RepositoryContracts.schema(RepositoryContracts.schemaName(for: file, text: text))
        let violations = try jsonSchemaViolations(schema: schema, yaml: url)
        #expect(violations.isEmpty, "\(file) violates \(schema.lastPathComponent):\n\(violations.joined(separator: "\n"))")
    }

    @Test("every example loads with the Swift loader")
    func loadsInSwift() throws {
        let tree = DirectoryTree(root: RepositoryContracts.root)
        let set = try ContractSet.load(from: tree, folder: "contracts")
        #expect(Set(set.contracts.map(\.name)) == ["finance-marts", "customer-data-governance"])
        #expect(set.odcs.map(\.name) == ["orders"])
        #expect(set.odcs.first?.schemas.first?.properties.map(\.name) == ["order_id", "customer_id", "amount", "customer_email", "ordered_at"])
        #expect(set.defaultPolicy.path == "contracts/default.yml")
        #expect(set.skipped.map(\.path) == ["contracts/examples/contract-gate.yml"])
        let config = try GateConfig.load(contentsOf: RepositoryContracts.folder.appendingPathComponent("examples/contract-gate.yml"),
                                         path: "contracts/examples/contract-gate.yml")
        #expect(config.catalog.secoda?.tokenEnv == "SECODA_API_KEY")
        let finance = try #require(set.contracts.first { $0.name == "finance-marts" })
        #expect(finance.waivers.first?.expires == CalendarDay("2027-01-31"))
        #expect(finance.setting(for: "COLUMN_SAME_TYPE")?.options["allow"] == .array([.string("widening")]))
    }

    @Test("default.yml says exactly what the built-in default policy does")
    func defaultPolicyDocumented() throws {
        let tree = DirectoryTree(root: RepositoryContracts.root)
        let documented = try ContractSet.load(from: tree, folder: "contracts").defaultPolicy
        for description in RuleCatalog.descriptions {
            #expect(documented.setting(for: description.id)?.severity == description.defaultSeverity,
                    "contracts/default.yml should say `\(description.id): \(description.defaultSeverity.rawValue)`")
        }
        #expect(documented.rules.count == RuleCatalog.ids.count)
    }

    @Test("the contract schema lists exactly the catalogue's rules and options")
    func schemaMatchesCatalogue() throws {
        for name in ["contract.schema.json", "contract-gate.schema.json"] {
            let data = try Data(contentsOf: RepositoryContracts.schema(name))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let defs = try #require(json["$defs"] as? [String: Any])
            let rules = try #require((defs["rules"] as? [String: Any])?["properties"] as? [String: Any])
            #expect(Set(rules.keys) == Set(RuleCatalog.ids), "\(name) rules differ from the catalogue")
            for description in RuleCatalog.descriptions {
                let variants = (rules[description.id] as? [String: Any])?["oneOf"] as? [[String: Any]] ?? []
                let options = (variants.last?["properties"] as? [String: Any]).map { Set($0.keys) } ?? []
                #expect(options == Set(["severity"] + description.options.map(\.name)),
                        "\(name): options of \(description.id) should be \(["severity"] + description.options.map(\.name))")
            }
        }
    }

    @Test("a broken example fails both the JSON Schema and the Swift loader")
    func brokenFailsBoth() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cg-broken-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [(file: String, text: String, schema: String)] = [
            ("broken.yml", BrokenExamples.contract, "contract.schema.json"),
            ("contract-gate.yml", BrokenExamples.config, "contract-gate.schema.json"),
            ("broken.odcs.yaml", BrokenExamples.odcs, "odcs-v3-subset.schema.json"),
        ]
        for item in cases {
            let url = dir.appendingPathComponent(item.file)
            try item.text.write(to: url, atomically: true, encoding: .utf8)
            let violations = try jsonSchemaViolations(schema: RepositoryContracts.schema(item.schema), yaml: url)
            #expect(!violations.isEmpty, "\(item.file) should violate \(item.schema)")
        }
        #expect(throws: InputErrors.self) { try ContractSet.parse(files: [("contracts/broken.yml", BrokenExamples.contract)]) }
        #expect(throws: InputErrors.self) { try GateConfig.load(yaml: BrokenExamples.config, path: "contract-gate.yml") }
        #expect(throws: InputErrors.self) { try ContractSet.parse(files: [("contracts/broken.odcs.yaml", BrokenExamples.odcs)]) }
    }
}
