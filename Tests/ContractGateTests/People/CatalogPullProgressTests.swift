import Foundation
import GateTestSupport
import SecodaEmulator
import Testing

/// `catalog pull` against the emulator: pages fetched are shown on a terminal or with
/// `--progress`, never in a plain log; the snapshot keeps the people who own things.
@Suite struct CatalogPullProgressTests {
    static func seed() -> EmulatorSeed {
        var b = SeedBuilder()
        let alice = b.user(firstName: "Alice", lastName: "Moreau", email: "alice@shop.example")
        let finance = b.group("Finance", users: [alice])
        let orders = b.table("fct_orders", owners: [alice])
        // Enough dashboards for several pages of `resource/catalog`.
        for n in 1...120 { b.edge(orders, b.dashboard("Board \(n)", externalUsage: n, ownerGroups: [finance])) }
        return b.seed
    }

    @Test func pullShowsPagesWithProgressAndKeepsPeople() async throws {
        let repo = try TempRepository()
        defer { repo.remove() }
        try repo.write("contract-gate.yml", "version: 1\ncatalog:\n  secoda: {}\n  snapshot: catalog.json\n")
        _ = try repo.commit("config")
        let emulator = try await SecodaEmulator.start(seed: Self.seed())
        do {
            let environment = ["SECODA_API_URL": emulator.baseURL.absoluteString, "SECODA_API_KEY": emulator.token]
            let binary = try GateBinary()

            let quiet = try binary.run(["catalog", "pull", "--repo", repo.path], in: repo.path, environment: environment)
            #expect(quiet.status == 0, "\(quiet.stderr)")
            #expect(quiet.stderr.hasPrefix("wrote "), "\(quiet.stderr)")
            #expect(!quiet.stderr.contains("pulling the catalog"))

            let loud = try binary.run(["catalog", "pull", "--repo", repo.path, "--progress"], in: repo.path,
                                      environment: environment)
            #expect(loud.status == 0, "\(loud.stderr)")
            #expect(loud.stderr.contains("pulling the catalog"), "\(loud.stderr)")
            #expect(loud.stderr.contains(" pages"), "\(loud.stderr)")
            #expect(!loud.stderr.contains(emulator.token))

            let pty = try ProgressTests.runOnPseudoTerminal(["catalog", "pull", "--repo", repo.path], in: repo.path,
                                                            environment: environment)
            #expect(pty.status == 0, "\(pty.output)")
            #expect(pty.output.contains("\r\u{1B}[2Kpulling the catalog"), "\(pty.output)")

            let snapshot = try String(contentsOfFile: repo.path + "/catalog.json", encoding: .utf8)
            #expect(snapshot.contains("\"alice@shop.example\""))
            #expect(snapshot.contains("\"Finance\""))
            #expect(snapshot.contains("\"teams\""))
        } catch {
            await emulator.stop()
            throw error
        }
        await emulator.stop()
    }
}
