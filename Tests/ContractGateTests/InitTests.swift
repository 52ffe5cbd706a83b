import Foundation
import GateModel
import GateTestSupport
import Testing
@testable import ContractGate

@Suite struct InitTests {
    /// A generated 60-model project (../shared/bench), as a real git repository.
    func generatedProject() throws -> String {
        let folder = try TempRepository.temporaryDirectory(prefix: "init")
        let out = folder + "/project"
        let generator = try SharedBench.script("make_change_repo.py")
        _ = try TempRepository.execute("/usr/bin/env", ["python3", generator, "--n", "60", "--k", "2", "--seed", "3",
                                                        "--out", out], in: folder)
        return out
    }

    @Test func writesAConfigAndAContractCoveringTheEnforcedModelsThatValidate() throws {
        let project = try generatedProject()
        defer { TempRepository.removeDirectory(URL(fileURLWithPath: project).deletingLastPathComponent().path) }
        let binary = try GateBinary()
        let result = try binary.run(["init"], in: project)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("wrote contract-gate.yml"))
        #expect(result.stdout.contains("contract-gate hook install"))
        let contract = try String(contentsOfFile: project + "/contracts/first-contract.yml", encoding: .utf8)
        // The generator marks a share of models `contract: {enforced: true}`; each must be listed.
        let dag = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: project + "/synth_dag.json")))
        let nodes = ((dag as? [String: Any])?["nodes"] as? [String: [String: Any]]) ?? [:]
        let enforced = nodes.values.filter { $0["contract"] as? Bool == true }.compactMap { $0["name"] as? String }
        #expect(!enforced.isEmpty)
        for name in enforced { #expect(contract.contains("\"\(name)\""), "missing \(name)") }
        let config = try String(contentsOfFile: project + "/contract-gate.yml", encoding: .utf8)
        #expect(config.contains("# secoda:"))
        #expect(config.contains("project_dir: ."))

        let validate = try binary.run(["validate"], in: project)
        #expect(validate.status == 0, "\(validate.stderr)")
    }

    @Test func refusesToOverwriteWithoutForce() throws {
        let project = try generatedProject()
        defer { TempRepository.removeDirectory(URL(fileURLWithPath: project).deletingLastPathComponent().path) }
        try "fail_on: warning\n".write(toFile: project + "/contract-gate.yml", atomically: true, encoding: .utf8)
        let binary = try GateBinary()
        let refused = try binary.run(["init"], in: project)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: project + "/contract-gate.yml", encoding: .utf8) == "fail_on: warning\n")
        #expect(!FileManager.default.fileExists(atPath: project + "/contracts/first-contract.yml"))
        let forced = try binary.run(["init", "--force"], in: project)
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: project + "/contract-gate.yml", encoding: .utf8).contains("version: 1"))
    }

    @Test func anEmptyFolderIsAClearError() throws {
        let folder = try TempRepository.temporaryDirectory(prefix: "init-empty")
        defer { TempRepository.removeDirectory(folder) }
        let result = try GateBinary().run(["init"], in: folder)
        #expect(result.status == 2)
        #expect(result.stderr.contains("no dbt_project.yml"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func findsAProjectInASubfolderAndFallsBackToMarts() throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("analytics/dbt_project.yml", "name: shop\nmodel-paths: [\"models\"]\n")
        try repo.write("analytics/models/marts/fct_a.sql", "select 1 as id\n")
        try repo.write("analytics/models/staging/stg_a.sql", "select 1 as id\n")
        let plan = try ProjectInitializer(root: URL(fileURLWithPath: repo.path)).plan()
        #expect(plan.projectDir == "analytics")
        let contract = try #require(plan.files.first { $0.path == "contracts/first-contract.yml" })
        #expect(contract.contents.contains("\"analytics/models/marts/**\""))
    }
}
