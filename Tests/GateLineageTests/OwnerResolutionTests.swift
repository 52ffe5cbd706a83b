import Foundation
import GateLineage
import GateModel
import GateTestSupport
import SecodaEmulator
import Testing

/// Owners of downstream resources named through Secoda's `user/`, `auth/group/` and
/// `auth/teams/`, live over HTTP and from a pulled snapshot.
@Suite struct OwnerResolutionTests {
    struct Scenario {
        var seed: EmulatorSeed
        var orders: String
        var graph = ProjectGraph()
        var unknown = "9d9d9d9d-1111-4222-8333-444455556666"
        var deleted = "7e7e7e7e-aaaa-4bbb-8ccc-ddddeeeeffff"
    }

    /// A warehouse table feeding dashboards owned every way Secoda allows: a user, a group with
    /// members, a team only, the default team only, an id nobody knows, a user deleted since (still
    /// a group member and an owner), and a deactivated user.
    static func scenario() -> Scenario {
        var b = SeedBuilder()
        let unknown = "9d9d9d9d-1111-4222-8333-444455556666"
        let deleted = "7e7e7e7e-aaaa-4bbb-8ccc-ddddeeeeffff"
        let alice = b.user(firstName: "Alice", lastName: "Moreau", email: "alice@shop.example")
        let carol = b.user(firstName: "Carol", lastName: "Diaz", email: "carol@shop.example")
        let bob = b.user(firstName: "Bob", lastName: "Ng", email: "bob@shop.example")
        if let index = b.seed.users.firstIndex(where: { $0["id"] == .string(bob) }) { b.seed.users[index]["disabled"] = .bool(true) }
        let finance = b.group("Finance", users: [alice, carol, deleted])
        let marketingTeam = b.nextId(), everyone = b.nextId()
        b.seed.teams = [
            ["id": .string(marketingTeam), "name": .string("Marketing"), "type": .string("OPEN"), "is_default_team": .bool(false)],
            ["id": .string(everyone), "name": .string("Everyone"), "type": .string("OPEN"), "is_default_team": .bool(true)],
        ]
        let orders = b.table("fct_orders", owners: [alice])
        let boards: [(String, [String], [String], Int?, [String])] = [
            ("Revenue Overview", [alice], [finance], 40, []),
            ("Finance Export", [], [finance], 3, []),
            ("Ghost Board", [unknown], [], 5, []),
            ("Old Board", [deleted], [], nil, []),
            ("Campaigns", [], [], 2, [marketingTeam, everyone]),
            ("Everyone Board", [], [], 1, [everyone]),
            ("Bob's Board", [bob], [], 9, []),
        ]
        for (title, owners, groups, usage, teams) in boards {
            let id = b.dashboard(title, externalUsage: usage, owners: owners, ownerGroups: groups)
            if !teams.isEmpty, let index = b.seed.resources.firstIndex(where: { $0["id"] == .string(id) }) {
                b.seed.resources[index]["teams"] = .array(teams.map { .string($0) })
            }
            b.edge(orders, id)
        }
        return Scenario(seed: b.seed, orders: orders)
    }

    static func owners(_ impact: ModelImpact, _ name: String) -> [String] {
        impact.downstream.first { $0.name == name }?.owners.map(\.contactLabel) ?? ["<\(name) not reached>"]
    }

    static func checkNames(_ impact: ModelImpact, _ s: Scenario) {
        #expect(owners(impact, "Revenue Overview") == [
            "Alice Moreau <alice@shop.example>",
            "Finance (alice@shop.example, carol@shop.example, unknown user 7e7e7e7e)",
        ])
        #expect(owners(impact, "Finance Export") == ["Finance (alice@shop.example, carol@shop.example, unknown user 7e7e7e7e)"])
        #expect(owners(impact, "Ghost Board") == ["unknown user 9d9d9d9d"])
        #expect(owners(impact, "Old Board") == ["unknown user 7e7e7e7e"])
        #expect(owners(impact, "Campaigns") == ["Marketing"])
        #expect(owners(impact, "Everyone Board") == [])          // the default team names nobody
        #expect(owners(impact, "Bob's Board") == ["Bob Ng (deactivated) <bob@shop.example>"])
        // No owner of any node is left as a bare UUID.
        for node in impact.downstream {
            for owner in node.owners { #expect(owner.displayName != owner.id, "\(node.name): \(owner.id)") }
        }
    }

    @Test func namesUsersGroupsAndTeamsLiveAndFromTheSnapshot() async throws {
        let s = Self.scenario()
        try await withEmulator(s.seed) { emulator in
            let source = SecodaCatalogSource(client: try client(for: emulator))
            let people = try await source.people()
            #expect(people.users.count == 3 && people.groups.count == 1 && people.teams.count == 2)
            #expect(people.teams.first { $0.name == "Everyone" }?.isDefaultTeam == true)

            let before = await emulator.state.requests().count
            let live = try await LineageWalker(source: source).walk([WalkRoot(model: "fct_orders", catalogId: s.orders)])
            let impact = try #require(live.first)
            Self.checkNames(impact, s)
            // The directory is listed once per walk (one page each here), not once per owner.
            let walkRoutes = await emulator.state.requests().dropFirst(before).map(\.route)
            #expect(walkRoutes.filter { $0 == "user" }.count == 1)
            #expect(walkRoutes.filter { $0 == "auth/group" }.count == 1)
            #expect(walkRoutes.filter { $0 == "auth/teams" }.count == 1)
            #expect(!walkRoutes.contains { $0.hasPrefix("user/") })   // no lookups one id at a time

            // The snapshot keeps users, groups (with members) and teams, so offline names agree.
            let snapshot = try await CatalogSnapshot.pull(from: try client(for: emulator))
            #expect(snapshot.teams.compactMap(\.name).sorted() == ["Everyone", "Marketing"])
            #expect(snapshot.groups.first?.members.count == 3)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("owners-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let file = folder.appendingPathComponent("catalog.json")
            try snapshot.write(to: file)
            let reread = try CatalogSnapshot.load(from: file)
            #expect(reread == snapshot)
            let offline = try await LineageWalker(source: SnapshotCatalogSource(snapshot: reread))
                .walk([WalkRoot(model: "fct_orders", catalogId: s.orders)])
            #expect(offline == live)
        }
    }

    @Test func aKeyThatCannotListUsersStillGetsShortIdsNotACrash() async throws {
        let s = Self.scenario()
        try await withEmulator(s.seed) { emulator in
            await emulator.state.setFaults(FaultPlan(errorRates: ["403": 1.0], pathContains: "user"))
            let source = SecodaCatalogSource(client: try client(for: emulator, options: quickOptions(maxAttempts: 1)))
            let impact = try #require(try await LineageWalker(source: source)
                .walk([WalkRoot(model: "fct_orders", catalogId: s.orders)]).first)
            #expect(impact.downstream.count == 7)
            #expect(Self.owners(impact, "Ghost Board") == ["user 9d9d9d9d"])
            #expect(Self.owners(impact, "Finance Export") == ["group 00000000"])
        }
    }

    @Test func aVersionOneSnapshotWithoutPeopleStillReads() throws {
        let json = """
            {"version": 1, "taken_at": "2026-01-01T00:00:00Z",
             "resources": [{"id": "00000000-0000-4000-8000-000000000001", "entity_type": "dashboard", "title": "Board",
                            "owners": ["3131f219-16bb-4c95-853a-894ae12db42a"]}],
             "lineage": []}
            """
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("owners-v1-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("catalog.json")
        try Data(json.utf8).write(to: file)
        let snapshot = try CatalogSnapshot.load(from: file)
        #expect(snapshot.users.isEmpty && snapshot.groups.isEmpty && snapshot.teams.isEmpty)
        #expect(snapshot.resources.first?.teams == [])
        let named = CatalogPeople(users: snapshot.users).named(Owner(id: "3131f219-16bb-4c95-853a-894ae12db42a", kind: "user"))
        #expect(named.displayName == "unknown user 3131f219")
    }

    @Test func pagesAndLevelsAreReportedThroughTheHandler() async throws {
        let s = Self.scenario()
        let events = EventLog()
        try await withEmulator(s.seed) { emulator in
            var options = quickOptions()
            options.progress = { events.append($0) }
            let source = SecodaCatalogSource(client: try client(for: emulator, options: options))
            var walker = LineageWalker(source: source)
            walker.progress = { events.append($0) }
            _ = try await walker.walk([WalkRoot(model: "fct_orders", catalogId: s.orders)])
        }
        let seen = await events.all()
        #expect(seen.contains(.level(depth: 1, nodes: 7)))
        #expect(seen.contains { if case .page(let path, _) = $0 { path == "lineage/manual/" } else { false } })
        #expect(seen.contains { if case .page(let path, _) = $0 { path == "user/" } else { false } })
    }
}

/// Collects progress events from `Sendable` callbacks.
final class EventLog: Sendable {
    private let continuation: AsyncStream<CatalogProgress>.Continuation
    private let stream: AsyncStream<CatalogProgress>

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func append(_ event: CatalogProgress) { continuation.yield(event) }

    func all() async -> [CatalogProgress] {
        continuation.finish()
        var events: [CatalogProgress] = []
        for await event in stream { events.append(event) }
        return events
    }
}
