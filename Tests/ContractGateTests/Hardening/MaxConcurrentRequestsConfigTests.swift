import Foundation
import GateConfig
import GateLineage
import GateModel
import GateRules
import GateTestSupport
import Testing
@testable import ContractGate

/// `catalog.secoda.max_concurrent_requests`: how many read requests the walk may have in flight,
/// read from contract-gate.yml into the catalog settings; writes keep their own small bound.
@Suite("Hardening: catalog.secoda.max_concurrent_requests")
struct MaxConcurrentRequestsConfigTests {
    static func settings(_ yaml: String) throws -> CatalogSettings {
        let config = try GateConfig.load(yaml: yaml, path: "contract-gate.yml")
        let repo = try TempRepository()
        defer { repo.remove() }
        let workspace = try Workspace(repository: repo.path, configPath: nil, ownerCheck: true)
        return try ImpactStage.catalogSettings(config: config, workspace: workspace, request: CheckRequest(repository: repo.path))
    }

    @Test func theConfiguredValueReachesTheReadClientButNotTheWriter() throws {
        let yaml = "version: 1\ncatalog:\n  secoda:\n    base_url: http://127.0.0.1:9/api/v1/\n    max_concurrent_requests: 9\n"
        #expect(try GateConfig.load(yaml: yaml, path: "contract-gate.yml").catalog.secoda?.maxConcurrentRequests == 9)
        let settings = try Self.settings(yaml)
        #expect(settings.maxConcurrentRequests == 9)
        let environment = [settings.tokenEnv: "test-key-not-real"]
        #expect(try settings.makeClient(environment: environment).options.maxConcurrentRequests == 9)
        #expect(try settings.makeWriter(environment: environment).client.options.maxConcurrentRequests
            == SecodaClientOptions.maxConcurrentRequestsWhileWriting)
    }

    @Test func unsetMeansTheClientDefault() throws {
        let settings = try Self.settings("version: 1\ncatalog:\n  secoda: {base_url: http://127.0.0.1:9/api/v1/}\n")
        #expect(settings.maxConcurrentRequests == SecodaClientOptions.defaultMaxConcurrentRequests)
        #expect(SecodaClientOptions().maxConcurrentRequests == SecodaClientOptions.defaultMaxConcurrentRequests)
    }

    /// The config schema (editors show its default) says what the client does.
    @Test func theSchemaStatesTheClientDefault() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("contracts/schema/contract-gate.schema.json"))
        var node = try JSONDecoder().decode(JSONValue.self, from: data)
        for key in ["properties", "catalog", "properties", "secoda", "properties", "max_concurrent_requests", "default"] {
            guard case .object(let object) = node, let next = object[key] else {
                Issue.record("the schema has no \(key) on the way to catalog.secoda.max_concurrent_requests.default")
                return
            }
            node = next
        }
        #expect(node == .number(Double(SecodaClientOptions.defaultMaxConcurrentRequests)))
    }

    @Test(arguments: ["max_concurrent_requests: 0", "max_concurrent_requests: -4", "max_concurrent_requests: many",
                      "max_concurrent_requests: 2.5", "max_concurrent_requests: [8]", "max_concurrent_requests: \"8\""])
    func badValuesAreConfigurationErrorsWithTheirLine(_ line: String) throws {
        let text = "version: 1\ncatalog:\n  secoda:\n    \(line)\n"
        do {
            _ = try GateConfig.load(yaml: text, path: "contract-gate.yml")
            Issue.record("`\(line)` was accepted")
        } catch let errors as InputErrors {
            let first = try #require(errors.errors.first)
            #expect(first.location?.line == 4, "\(errors)")
            #expect(first.location?.path == "contract-gate.yml", "\(errors)")
            #expect(first.message.contains("catalog.secoda.max_concurrent_requests"), "\(errors)")
        }
    }
}
