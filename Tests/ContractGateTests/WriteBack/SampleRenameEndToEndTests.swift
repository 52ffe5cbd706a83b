import Foundation
import GateLineage
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// Issue 7's "done when": on the sample project, a rename PR merged in CI runs
/// `lineage push --scope changed --apply` and `docs carry --apply` (the built binary, as CI
/// would), and Secoda afterwards has the new lineage and the documentation on the renamed table;
/// the bundled snapshot is refreshed with both.
@Suite(.serialized) struct SampleRenameEndToEndTests {
    /// Issue 23 item 8 through the binary: Secoda carries the POST out, then the answer is lost
    /// (the connection drops, or a 500 comes back). The push looks, finds the edge, reports it
    /// created, and never sends the POST again.
    @Test(arguments: [FaultStep.applyThenDrop, .applyThenStatus(500)])
    func aPushWhoseAnswerIsLostWritesTheEdgeOnce(_ fault: FaultStep) async throws {
        let fixture = try SampleRenameFixture()
        defer { fixture.repo.remove() }
        let binary = try GateBinary()
        try await withEmulator(fixture.seed) { emulator in
            // Lineage reads come first (the plan): a dry run counts them, so the fault meets the POST.
            let environment = SampleRenameFixture.environment(emulator)
            let dry = try await binary.runDetached(["lineage", "push", "--scope", "changed", "--base", fixture.base],
                                                   in: fixture.repo.path, environment: environment)
            #expect(dry.status == 0, "\(dry.stderr)")
            let readsBeforeWrite = await emulator.state.requests().filter { $0.route.contains("lineage") }.count
            await emulator.state.reset()
            await emulator.state.setFaults(FaultPlan(queue: Array(repeating: .pass, count: readsBeforeWrite) + [fault],
                                                     pathContains: "lineage"))
            let push = try await binary.runDetached(["lineage", "push", "--scope", "changed", "--base", fixture.base, "--apply",
                                                     "--format", "json"], in: fixture.repo.path, environment: environment)
            let posts = await emulator.state.requests().filter { $0.method == "POST" }
            #expect(push.status == 0, "\(fault): \(push.stderr)\n\(push.stdout)")
            #expect(posts.count == 1, "\(fault): \(posts.map(\.status))")
            let pushed = try JSONSerialization.jsonObject(with: Data(push.stdout.utf8)) as? [String: Any]
            let created = ((pushed?["result"] as? [String: Any])?["created"] as? [[String: Any]]) ?? []
            #expect(created.count == 1, "\(push.stdout)")
        }
    }

    @Test func mergedRenamePushesLineageAndCarriesDocs() async throws {
        let fixture = try SampleRenameFixture()
        defer { fixture.repo.remove() }
        let binary = try GateBinary()
        try await withEmulator(fixture.seed) { emulator in
            let environment = SampleRenameFixture.environment(emulator)
            // Post-merge CI: HEAD is the merge; the change set is against the commit before it.
            let push = try await binary.runDetached(["lineage", "push", "--scope", "changed", "--base", fixture.base, "--apply",
                                       "--format", "json", "--progress"],
                                      in: fixture.repo.path, environment: environment)
            #expect(push.status == 0, "stderr: \(push.stderr)\nstdout: \(push.stdout)")
            let pushed = try JSONSerialization.jsonObject(with: Data(push.stdout.utf8)) as? [String: Any]
            let created = ((pushed?["result"] as? [String: Any])?["created"] as? [[String: Any]]) ?? []
            #expect(created.count == 1)
            #expect(pushed?["schema_version"] as? Int == 1, "\(push.stdout)")
            #expect(((created.first?["to"] as? [String: Any])?["catalog_id"] as? String) == SampleRenameFixture.dimClients)
            #expect(push.stderr.contains("lineage push: 1/1 writes"), "progress on stderr: \(push.stderr)")
            #expect(!push.stdout.contains("writes,"), "progress must stay off stdout")

            let carry = try await binary.runDetached(["docs", "carry", "--base", fixture.base, "--apply"],
                                       in: fixture.repo.path, environment: environment)
            #expect(carry.status == 0, "stderr: \(carry.stderr)\nstdout: \(carry.stdout)")
            #expect(carry.stdout.contains("copied table.description"))
            #expect(carry.stdout.contains("snapshot refreshed"))
            #expect(!carry.stderr.contains(emulator.token) && !carry.stdout.contains(emulator.token))

            // Secoda's side, read over HTTP.
            let client = try SecodaClient(baseURL: emulator.baseURL.absoluteString, apiKey: emulator.token)
            let rows = try await client.list("lineage/manual/", query: [("from_entity", SampleRenameFixture.stgCustomers)],
                                             as: LineageRow.self)
            #expect(rows.contains { $0.to == SampleRenameFixture.dimClients && $0.direction == "DOWNSTREAM" })
            let table = try await client.get("table/tables/\(SampleRenameFixture.dimClients)/", as: [String: JSONValue].self)
            #expect(table["description"]?.stringValue == "One row per customer, for campaign targeting.")
            #expect(table["owners"] == .array([.string(SampleRenameFixture.marketingOwner)]))
            let customerId = try await client.get("resource/all/\(SampleRenameFixture.columns["new.customer_id"]!)/",
                                                  as: [String: JSONValue].self)
            #expect(customerId["description"]?.stringValue == "The customer's key.")

            // The offline snapshot `check` reads was pulled again after the writes.
            let snapshot = try CatalogSnapshot.load(from: URL(fileURLWithPath: fixture.repo.path + "/catalog/secoda-snapshot.json"))
            #expect(snapshot.lineage.contains(SnapshotEdge(from: SampleRenameFixture.stgCustomers, to: SampleRenameFixture.dimClients)))
            #expect(snapshot.tables.contains { $0.id == SampleRenameFixture.dimClients && $0.owners == [SampleRenameFixture.marketingOwner] })

            // Running both again changes nothing.
            await emulator.state.clearLog()
            let again = try await binary.runDetached(["lineage", "push", "--scope", "changed", "--base", fixture.base, "--apply"],
                                       in: fixture.repo.path, environment: environment)
            let carryAgain = try await binary.runDetached(["docs", "carry", "--base", fixture.base, "--apply", "--format", "json"],
                                            in: fixture.repo.path, environment: environment)
            #expect(again.status == 0 && carryAgain.status == 0)
            let carried = try JSONSerialization.jsonObject(with: Data(carryAgain.stdout.utf8)) as? [String: Any]
            #expect(carried?["schema_version"] as? Int == 1 && carried?["command"] as? String == "docs carry", "\(carryAgain.stdout)")
            #expect(again.stdout.contains("created 0 of 0 missing edges"), "\(again.stdout)")
            #expect(await emulator.writes().isEmpty)
        }
    }

    @Test func exitCodesTellBadInputFromAFailingSecoda() async throws {
        let fixture = try SampleRenameFixture()
        defer { fixture.repo.remove() }
        let binary = try GateBinary()
        let usage = try await binary.runDetached(["docs", "carry", "--from", "x"], in: fixture.repo.path)
        #expect(usage.status == 2)
        let format = try await binary.runDetached(["lineage", "push", "--format", "sarif"], in: fixture.repo.path)
        #expect(format.status == 2 && format.stderr.contains("'sarif'") && format.stderr.contains("'text' and 'json'"), "\(format.stderr)")
        try await withEmulator(fixture.seed) { emulator in
            var environment = SampleRenameFixture.environment(emulator)
            let noKey = try await binary.runDetached(["lineage", "push"], in: fixture.repo.path,
                                       environment: environment.filter { $0.key != "SECODA_API_KEY" })
            #expect(noKey.status == 2 && noKey.stderr.contains("SECODA_API_KEY"))
            environment["SECODA_API_KEY"] = "wrong-key"
            let refused = try await binary.runDetached(["lineage", "push"], in: fixture.repo.path, environment: environment)
            #expect(refused.status == 3, "stderr: \(refused.stderr)")
            #expect(!refused.stderr.contains("wrong-key"))
        }
    }
}
