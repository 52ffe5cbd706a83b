import Foundation
import GateTestSupport
import Testing

/// REF_RESOLVES through the built binary, as CI sees it: a `ref()`/`source()` the change leaves
/// dangling fails `check` (exit 1) with the finding at the call's line, under no contract at all.
/// The fixtures are the `ref_resolves_*` scenarios; their `expected.txt` says where each finding lands.
/// What dbt-core 1.11 says about each case is in the commit that added them.
@Suite struct RefResolvesScenarioTests {
    struct Landing: Hashable, CustomStringConvertible {
        var referrer: String
        var place: String
        var description: String { "\(referrer) \(place)" }
    }

    /// `check --format json` of the scenario's branch against main.
    func check(_ name: String) async throws -> (status: Int32, findings: [[String: Any]], stderr: String) {
        let repo = try Scenario(name: name).makeRepository()
        defer { repo.remove() }
        let result = try await GateBinary().runDetached(["check", "--base", "main", "--format", "json"], in: repo.path)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (result.status, json?["findings"] as? [[String: Any]] ?? [], result.stderr)
    }

    /// The REF_RESOLVES lines of the scenario's expected.txt, and its exit code.
    func expected(_ name: String) throws -> (exit: Int32, landings: Set<Landing>) {
        let lines = try Scenario(name: name).expectedLines()
        let exit = lines.first.flatMap { $0.split(separator: " ").last?.dropLast() }.flatMap { Int32($0) } ?? -1
        let landings = lines.dropFirst().map { $0.split(separator: " ").map(String.init) }
            .filter { $0.first == "REF_RESOLVES" && $0.count >= 4 }
            .map { Landing(referrer: $0[2], place: $0[3]) }
        return (exit, Set(landings))
    }

    @Test(arguments: Scenario.allNames().filter { $0.hasPrefix("ref_resolves_") })
    func binaryReportsTheDanglingCallsAtTheirLines(_ name: String) async throws {
        let want = try expected(name)
        let got = try await check(name)
        #expect(got.status == want.exit, "\(name): stderr \(got.stderr)")
        let landings = got.findings.filter { $0["rule"] as? String == "REF_RESOLVES" }.map { finding in
            let location = finding["location"] as? [String: Any]
            return Landing(referrer: finding["model"] as? String ?? "-",
                           place: "\(location?["path"] as? String ?? "-"):\(location?["line"] as? Int ?? 0)")
        }
        #expect(Set(landings) == want.landings, "\(name): got \(landings.map(\.description).sorted())")
        for finding in got.findings where finding["rule"] as? String == "REF_RESOLVES" {
            #expect(finding["category"] as? String == "BUILD")
            #expect(finding["severity"] as? String == "error")
            #expect((finding["message"] as? String)?.contains("Fix:") == true)
        }
    }

    @Test func renameNamesTheNewModelAndKeepsTheBreakUnlowered() async throws {
        let got = try await check("ref_resolves_rename_leaves_consumer")
        let finding = try #require(got.findings.first { $0["rule"] as? String == "REF_RESOLVES" })
        let message = try #require(finding["message"] as? String)
        #expect(message.contains("`ref('fct_orders')`"), "\(message)")
        #expect(message.contains("renamed to `fct_sales`"), "\(message)")
        #expect(message.contains("call `ref('fct_sales')` instead"), "\(message)")
    }

    @Test func deletedModelMessagesNameTheTargetAndEveryKindOfReader() async throws {
        let got = try await check("ref_resolves_deleted_model")
        let messages = got.findings.filter { $0["rule"] as? String == "REF_RESOLVES" }.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.hasPrefix("snapshot `orders_snapshot` calls `ref('fct_orders')`") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("exposure `weekly_kpis` calls `ref('fct_orders')`") }, "\(messages)")
        #expect(messages.allSatisfy { $0.contains("model `fct_orders` was deleted in this change") }, "\(messages)")
        // Those readers are users: the deletion itself is not lowered as unused.
        let deletion = try #require(got.findings.first { $0["rule"] as? String == "MODEL_NO_DELETE" })
        #expect((deletion["downstream"] as? Int ?? 0) >= 3, "\(deletion)")
    }
    /// dbt reads a repeated YAML key as its last value and warns: calls to a snapshot and a source
    /// declared in files with repeats resolve, and each repeat is said once, as a warning at its line.
    @Test func repeatedYAMLKeysAreReadAsDbtReadsThem() async throws {
        let repo = try Scenario(name: "duplicate_yaml_keys_in_project_and_snapshots").makeRepository()
        defer { repo.remove() }
        let result = try await GateBinary().runDetached(["check", "--base", "main", "--format", "json"], in: repo.path)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let diagnostics = (json?["diagnostics"] as? [[String: Any]] ?? []).map { diagnostic in
            let location = diagnostic["location"] as? [String: Any]
            return "\(location?["path"] as? String ?? "-"):\(location?["line"] as? Int ?? 0) \(diagnostic["message"] as? String ?? "")"
        }
        let repeats = diagnostics.filter { $0.contains("duplicate key") }
        #expect(repeats.contains { $0.hasPrefix("dbt_project.yml:3 duplicate key `profile`") }, "\(diagnostics)")
        #expect(repeats.contains { $0.hasPrefix("snapshots/snapshots.yml:4 duplicate key `description`") }, "\(diagnostics)")
        #expect(repeats.count == Set(repeats.map { $0.replacingOccurrences(of: "at base: ", with: "") }).count, "said twice: \(repeats)")
        #expect(!diagnostics.contains { $0.contains("not valid YAML") }, "\(diagnostics)")
    }
}
