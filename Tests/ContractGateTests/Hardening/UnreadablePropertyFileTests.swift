import Foundation
import GateTestSupport
import Testing

/// A property file changed in the same commit as a column drop: read as PyYAML (and so dbt)
/// reads it, or — where the gate truly cannot — a failing diagnostic at its file and line.
/// Never a pass that compared nothing.
@Suite("Hardening: property files the gate could not read")
struct UnreadablePropertyFileTests {
    /// The shop's property file without `amount` (COLUMN_NO_DELETE is an error in its contract).
    static let withoutAmount = ShopFixture.propertiesWithoutAmount

    static func check(_ properties: String) throws -> GateBinary.Result {
        let (repo, base) = try ShopFixture.make()
        defer { repo.remove() }
        try repo.write("models/schema.yml", properties)
        try ShopFixture.dropAmount(repo, yaml: false)
        _ = try repo.commit("drop amount")
        return try GateBinary().run(["check", "--base", base, "--head", "HEAD", "--fail-on", "warning", "--format", "json"],
                                    in: repo.path)
    }

    /// Shared defaults in a section the gate never walks, nested far past the alias budget: PyYAML
    /// loads them (it shares aliased values), and so must the gate, comparing the models.
    @Test func anchorsOutsideTheSectionsReadLoadAndTheDropIsFound() throws {
        let result = try Self.check(Self.withoutAmount + "x-shared-defaults:\n" + ShopFixture.aliasBomb(indent: "  "))
        #expect(result.status == 1, "the drop is found: \(result.stderr)\n\(result.stdout.prefix(2000))")
        #expect(result.stdout.contains("COLUMN_NO_DELETE"), "\(result.stdout.prefix(2000))")
    }

    /// Anchors in what the gate reads, used sensibly (a column list shared by two models), load.
    @Test func sharedColumnListsLoad() throws {
        let properties = """
            version: 2
            models:
              - name: fct_orders
                columns: &order_columns
                  - name: order_id
                    data_type: integer
              - name: stg_orders
                columns: *order_columns

            """
        let result = try Self.check(properties)
        #expect(result.status == 1, "\(result.stderr)\n\(result.stdout.prefix(2000))")
        #expect(result.stdout.contains("COLUMN_NO_DELETE"), "\(result.stdout.prefix(2000))")
    }

    /// What the gate cannot read fails the run at the file and line, whatever --fail-on says.
    @Test(arguments: [
        ("a tab PyYAML rejects", withoutAmount.replacingOccurrences(of: "      - name: order_id", with: "\t- name: order_id"), 8),
        ("an alias bomb in the model's meta", withoutAmount.replacingOccurrences(
            of: "    meta:\n      owner: \"@finance\"\n", with: "    meta:\n" + ShopFixture.aliasBomb(indent: "      ")), 3),
    ])
    func whatCannotBeReadFailsAtItsLine(_ name: String, _ properties: String, _ line: Int) throws {
        let result = try Self.check(properties)
        #expect(result.status == 2, "\(name): \(result.stderr)\n\(result.stdout.prefix(2000))")
        #expect(result.stderr.contains("models/schema.yml:\(line)"), "\(name): \(result.stderr)")
    }
}
