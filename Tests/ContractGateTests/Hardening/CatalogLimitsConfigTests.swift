import Foundation
import GateConfig
import GateModel
import GateRules
import GateTestSupport
import Testing
@testable import ContractGate

/// `catalog.secoda.timeout_seconds` and `deadline_seconds`: the limits the catalog fault suite
/// relies on, read from contract-gate.yml into the client's settings.
@Suite("Hardening: catalog limits in contract-gate.yml")
struct CatalogLimitsConfigTests {
    @Test func limitsReachTheCatalogSettings() throws {
        let (repo, _) = try ShopFixture.make(config: ShopFixture.secodaConfig(
            baseURL: "http://127.0.0.1:9/api/v1/", policy: "fail", timeout: 7, deadline: 5))
        defer { repo.remove() }
        let workspace = try Workspace(repository: repo.path, configPath: nil, ownerCheck: true)
        #expect(workspace.config.catalog.secoda?.timeoutSeconds == 7)
        #expect(workspace.config.catalog.secoda?.deadlineSeconds == 5)
        let settings = try ImpactStage.catalogSettings(config: workspace.config, workspace: workspace,
                                                   request: CheckRequest(repository: repo.path))
        #expect(settings.deadline == .seconds(5))
        #expect(settings.requestTimeout == .seconds(5), "one request never outlasts the whole deadline")
    }

    @Test func defaultsStayWhenUnset() throws {
        let config = try GateConfig.load(yaml: "catalog:\n  secoda: {base_url: https://api.secoda.co/api/v1/}\n",
                                         path: "contract-gate.yml")
        #expect(config.catalog.secoda?.timeoutSeconds == nil)
        #expect(config.catalog.secoda?.deadlineSeconds == nil)
    }

    @Test(arguments: ["timeout_seconds: 0", "deadline_seconds: -3", "timeout_seconds: soon", "deadline_seconds: [1]"])
    func badLimitsAreConfigurationErrors(_ line: String) throws {
        let text = "version: 1\ncatalog:\n  secoda:\n    \(line)\n"
        #expect(throws: InputErrors.self) { try GateConfig.load(yaml: text, path: "contract-gate.yml") }
        do {
            _ = try GateConfig.load(yaml: text, path: "contract-gate.yml")
        } catch let errors as InputErrors {
            #expect(errors.errors.first?.location?.line == 4, "\(errors)")
        }
    }
}
