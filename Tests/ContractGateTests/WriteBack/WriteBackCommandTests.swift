import Foundation
import GateLineage
import GateModel
import GateReporters
import GateTestSupport
import SecodaEmulator
import Testing
@testable import ContractGate

/// `lineage push` and `docs carry` on the sample project after a real git rename
/// (dim_customers → dim_clients), against the emulator over HTTP.
@Suite struct WriteBackCommandTests {
    func options(_ fixture: SampleRenameFixture, _ emulator: SecodaEmulator, apply: Bool) -> WriteBackOptions {
        WriteBackOptions(repository: fixture.repo.path, apply: apply, environment: SampleRenameFixture.environment(emulator))
    }

    @Test func dryRunsPlanButWriteNothing() async throws {
        let fixture = try SampleRenameFixture()
        defer { fixture.repo.remove() }
        try await withEmulator(fixture.seed) { emulator in
            let push = try await PushLineage.run(scope: .changed(base: fixture.base, head: nil),
                                                 options: options(fixture, emulator, apply: false))
            #expect(push.changedModels == ["dim_clients", "fct_orders"])
            #expect(push.plan.create.map(\.label) == ["stg_customers → dim_clients"])
            #expect(push.plan.present.map(\.label).sorted() == ["fct_orders → fct_revenue", "stg_orders → fct_orders"])
            #expect(push.result == nil && push.exitCode == .pass)
            #expect(WriteBackReporter().renderText(push).contains("dry run: nothing written"))

            let carry = try await CarryDocs.run(.changed(base: fixture.base, head: nil), overwrite: false,
                                                options: options(fixture, emulator, apply: false))
            #expect(carry.items.map(\.pair.model) == ["dim_clients"])
            #expect(carry.items.first?.pair.fromId == SampleRenameFixture.dimCustomers)
            #expect(carry.items.first?.pair.toId == SampleRenameFixture.dimClients)
            #expect(carry.copies > 0 && carry.result == nil)
            #expect(WriteBackReporter().renderText(carry).contains("copy table.description = \"One row per customer, for campaign targeting.\""))

            let writes = await emulator.writes()
            #expect(writes.isEmpty, "a dry run wrote: \(writes)")
        }
    }

    @Test func carryCopiesDocsAfterARealRenameSkipsFilledFieldsHonoursOverwriteAndIsIdempotent() async throws {
        let fixture = try SampleRenameFixture(newDescription: "Clients.")
        defer { fixture.repo.remove() }
        try await withEmulator(fixture.seed) { emulator in
            let client = try SecodaClient(baseURL: emulator.baseURL.absoluteString, apiKey: emulator.token)
            let first = try await CarryDocs.run(.changed(base: fixture.base, head: nil), overwrite: false,
                                                options: options(fixture, emulator, apply: true))
            #expect(first.exitCode == .pass)
            #expect(first.result?.succeeded == true)
            let skip = first.items.first?.decisions.first { $0.target == "table" && $0.field == .description }
            #expect(skip?.action == .skip)
            var table = try await client.get("table/tables/\(SampleRenameFixture.dimClients)/", as: [String: JSONValue].self)
            #expect(table["description"]?.stringValue == "Clients.")
            #expect(table["definition"]?.stringValue == "Customers with at least one order.")
            #expect(table["owners"] == .array([.string(SampleRenameFixture.marketingOwner)]))
            #expect(table["tags"] == .array([.string(SampleRenameFixture.tag)]))
            let name = try await client.get("resource/all/\(SampleRenameFixture.columns["new.name"]!)/", as: [String: JSONValue].self)
            #expect(name["description"]?.stringValue == "Full name." && name["pii"] == .bool(true))
            #expect(WriteBackReporter().renderText(first).contains("summary: "))

            await emulator.state.clearLog()
            let second = try await CarryDocs.run(.changed(base: fixture.base, head: nil), overwrite: false,
                                                 options: options(fixture, emulator, apply: true))
            #expect(second.result?.patched.isEmpty == true)
            #expect(second.copies == 0)
            #expect(await emulator.writes().isEmpty)

            let third = try await CarryDocs.run(.changed(base: fixture.base, head: nil), overwrite: true,
                                                options: options(fixture, emulator, apply: true))
            #expect(third.result?.patched.map(\.target) == ["table"])
            table = try await client.get("table/tables/\(SampleRenameFixture.dimClients)/", as: [String: JSONValue].self)
            #expect(table["description"]?.stringValue == "One row per customer, for campaign targeting.")
        }
    }

    @Test func explicitPairsAndBadInput() async throws {
        let fixture = try SampleRenameFixture()
        defer { fixture.repo.remove() }
        try await withEmulator(fixture.seed) { emulator in
            let report = try await CarryDocs.run(.explicit(from: SampleRenameFixture.dimCustomers, to: SampleRenameFixture.dimClients),
                                                 overwrite: false, options: options(fixture, emulator, apply: false))
            #expect(report.items.count == 1 && report.items.first?.pair.model == nil)
            #expect(report.copies > 0)

            await #expect(throws: InputError.self) {
                _ = try await CarryDocs.run(.explicit(from: "not an id", to: SampleRenameFixture.dimClients), overwrite: false,
                                            options: options(fixture, emulator, apply: false))
            }
            do {
                _ = try await CarryDocs.run(.explicit(from: SampleRenameFixture.dimCustomers,
                                                      to: "00000000-0000-4000-8000-000000000404"),
                                            overwrite: false, options: options(fixture, emulator, apply: false))
                Issue.record("an unknown --to id must be an input error")
            } catch let error as InputError {
                #expect(error.message.contains("check --from and --to"))
            }
            var noKey = options(fixture, emulator, apply: false)
            noKey.environment["SECODA_API_KEY"] = nil
            do {
                _ = try await PushLineage.run(scope: .all(head: nil), options: noKey)
                Issue.record("a missing key must be an error")
            } catch let error as CatalogError {
                #expect(error.exitCode == .usage)
                #expect(error.message.contains("SECODA_API_KEY"))
            }
        }
    }

    @Test func pushOfTheWholeGraphAtHeadReportsUnresolvedSources() async throws {
        let fixture = try SampleRenameFixture()
        defer { fixture.repo.remove() }
        try await withEmulator(fixture.seed) { emulator in
            let report = try await PushLineage.run(scope: .all(head: nil), options: options(fixture, emulator, apply: false))
            #expect(report.scope == "all")
            #expect(report.plan.create.map(\.label) == ["stg_customers → dim_clients"])
            // Sources resolve by dbt's defaults (target database, source name as schema): raw.* is not in the catalog.
            let unresolved = report.plan.unresolved.map(\.end.name)
            #expect(unresolved == ["raw.customers", "raw.orders"])
            #expect(report.plan.unresolved.first?.end.lookup == "analytics.raw.customers")
        }
    }
}
