import Foundation
import GateModel
import GateTestSupport
import Testing

/// The demo (ci/demo.sh) names people: the sample's bundled snapshot carries users, groups and
/// teams, and the reports group the impact by owner.
@Suite struct SampleOwnersTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../ci/sample").standardizedFileURL

    /// The sample as ci/demo.sh builds it: `before` on main (also origin/main), `after` on a branch.
    static func sampleRepository(editBefore: ((TempRepository) throws -> Void)? = nil,
                                 editAfter: ((TempRepository) throws -> Void)? = nil) throws -> TempRepository {
        let repo = try TempRepository()
        try copy(sample.appendingPathComponent("before"), into: repo)
        try editBefore?(repo)
        _ = try repo.commit("shop: orders, revenue and customer marts")
        _ = try TempRepository.execute("/usr/bin/env", ["git", "update-ref", "refs/remotes/origin/main", "HEAD"], in: repo.path)
        _ = try TempRepository.execute("/usr/bin/env", ["git", "checkout", "-q", "-b", "change/drop-order-columns"], in: repo.path)
        try FileManager.default.removeItem(atPath: repo.path + "/models")
        try copy(sample.appendingPathComponent("after"), into: repo)
        try editAfter?(repo)
        _ = try repo.commit("Drop order status columns; rename dim_customers to dim_clients")
        return repo
    }

    static func copy(_ folder: URL, into repo: TempRepository) throws {
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = files?.nextObject() as? URL {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let relative = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
            try repo.write(relative, data: try Data(contentsOf: url))
        }
    }

    @Test func theTextReportListsRevenueOverviewUnderItsOwners() throws {
        let repo = try Self.sampleRepository()
        defer { repo.remove() }
        let result = try GateBinary().run(["check", "--repo", repo.path, "--format", "text"], in: repo.path)
        #expect(result.status == 1, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let section = Self.section("Who is affected", in: lines)
        #expect(section.contains { $0.hasPrefix("  Finance (alice@shop.example, carol@shop.example): ") && $0.contains("Revenue Overview") },
                "\(section)")
        #expect(section.contains { $0.hasPrefix("  Alice Moreau <alice@shop.example>: ") && $0.contains("Revenue Overview") },
                "\(section)")
        #expect(section.contains { $0.hasPrefix("  Bob Ng <bob@shop.example>: ") && $0.contains("Campaign Targeting") })
        // dbt's own owners count too: a downstream model's `meta.owner`, an exposure's `owner`.
        #expect(section.contains("  @data-finance: fct_revenue"), "\(section)")
        // The exposure revenue_overview and the Secoda dashboard at its URL are one consumer.
        #expect(section.contains("  Finance <finance@example.com>: Revenue Overview"), "\(section)")
        #expect(!result.stdout.contains("revenue_overview"))
        // Two owners named Finance (the Secoda group, the exposure's owner) are told apart.
        #expect(result.stdout.contains("owners: Alice Moreau, Finance (group), Finance <finance@example.com>"))
        // The stale board is not a consumer to protect: its owners are asked before deprecating.
        #expect(!section.joined().contains("Orders Legacy Board"))
        let stale = Self.section("Ask before deprecating", in: lines)
        #expect(stale.contains("  Bob Ng <bob@shop.example>: Orders Legacy Board"), "\(stale)")
        #expect(stale.contains("  unknown user 0f4c9d2e: Orders Legacy Board"), "\(stale)")
        // No raw owner UUID reaches the report.
        #expect(!result.stdout.contains("3131f219-16bb"))
        // Each rule that fired points to its documentation.
        let rules = Self.section("Rules", in: lines)
        #expect(rules.contains { $0.contains("COLUMN_NO_DELETE · https://github.com/contract-gate/contract-gate#rule-column-no-delete") },
                "\(rules)")
    }

    @Test func theMarkdownReportGroupsByOwnerAndLinksRules() throws {
        let repo = try Self.sampleRepository()
        defer { repo.remove() }
        let result = try GateBinary().run(["check", "--repo", repo.path, "--format", "markdown"], in: repo.path)
        #expect(result.status == 1, "\(result.stderr)")
        let md = result.stdout
        #expect(md.contains("### Who is affected\n"))
        let finance = md.split(separator: "\n").first { $0.hasPrefix("- **Finance** (alice@shop.example, carol@shop.example): ") }
        #expect(finance?.contains("Revenue Overview") == true, "\(md)")
        #expect(md.contains("### Ask before deprecating"))
        #expect(md.contains("- **Bob Ng** <bob@shop.example>: Orders Legacy Board") || md.contains("- **Bob Ng** &lt;bob@shop.example&gt;: Orders Legacy Board"), "\(md)")
        #expect(md.contains("[`COLUMN_NO_DELETE`](https://github.com/contract-gate/contract-gate#rule-column-no-delete)"))
        #expect(md.contains("contract-gate explain RULE_ID"))
        // Without `handles:` nobody is mentioned.
        #expect(!md.contains("**Notify:**"))

        let json = try GateBinary().run(["check", "--repo", repo.path, "--format", "json"], in: repo.path)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let impact = document?["impact"] as? [[String: Any]] ?? []
        let nodes = impact.flatMap { $0["downstream"] as? [[String: Any]] ?? [] }
        let revenue = nodes.first { $0["name"] as? String == "Revenue Overview" }
        // Secoda's owners and the merged exposure's dbt owner; `owner_details` tells the two Finances apart.
        #expect((revenue?["owners"] as? [String]) == ["Alice Moreau", "Finance", "Finance"])
        let details = revenue?["owner_details"] as? [[String: Any]] ?? []
        #expect(details.compactMap { $0["email"] as? String } == ["alice@shop.example", "finance@example.com"])
        #expect(details.first { $0["kind"] as? String == "group" }?["members"] as? [String] == ["alice@shop.example", "carol@shop.example"])
    }

    @Test func notifyWithHandlesMentionsTheOwnersInMarkdownOnly() throws {
        // On the base branch: the base's contracts judge the change.
        let repo = try Self.sampleRepository(editBefore: { repo in
            let path = repo.path + "/contracts/finance.yml"
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text += "notify: [consumers, owners]\nhandles:\n  alice@shop.example: \"@alice-m\"\n  Finance: \"@shop/finance\"\n"
            try repo.write("contracts/finance.yml", text)
        })
        defer { repo.remove() }
        let markdown = try GateBinary().run(["check", "--repo", repo.path, "--format", "markdown"], in: repo.path)
        #expect(markdown.status == 1, "\(markdown.stderr)")
        let notify = markdown.stdout.split(separator: "\n").first { $0.hasPrefix("**Notify:**") }
        #expect(notify == "**Notify:** @alice-m @data-finance @shop/finance", "\(markdown.stdout)")

        let json = try GateBinary().run(["check", "--repo", repo.path, "--format", "json"], in: repo.path)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let findings = document?["findings"] as? [[String: Any]] ?? []
        let breaking = findings.filter { $0["category"] as? String == "BREAKING" && $0["waived"] as? Bool == false }
        #expect(!breaking.isEmpty)
        for finding in breaking where (finding["model"] as? String) == "fct_orders" {
            #expect((finding["mentions"] as? [String])?.contains("@data-finance") == true)
        }
    }

    /// The indented lines after a heading line that starts with `title`.
    static func section(_ title: String, in lines: [String]) -> [String] {
        guard let start = lines.firstIndex(where: { $0.hasPrefix(title) }) else { return [] }
        return Array(lines[(start + 1)...].prefix { $0.hasPrefix("  ") })
    }
}

/// One JSON shape per entity across commands, through the binary: `impact --format json` lists
/// a model's impact as the very object `check --format json` reports for it.
@Suite struct ImpactShapeAcrossCommandsTests {
    @Test func impactAndCheckPrintTheSameImpactEntry() throws {
        let repo = try SampleOwnersTests.sampleRepository()
        defer { repo.remove() }
        let check = try GateBinary().run(["check", "--repo", repo.path, "--format", "json"], in: repo.path)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any], "\(check.stderr)")
        let reported = try #require(report["impact"] as? [[String: Any]])
        // A model changed in place (a renamed one is found in the catalog under its old table by
        // `check` only, which knows the rename).
        let modified = Set(((report["changes"] as? [[String: Any]]) ?? []).filter { $0["status"] as? String == "modified" }
            .compactMap { $0["model"] as? String })
        let entry = try #require(reported.first { ($0["downstream"] as? [Any])?.isEmpty == false && modified.contains($0["model"] as? String ?? "") },
                                 "the sample has a modified model with downstream impact")
        let model = try #require(entry["model"] as? String)

        let impact = try GateBinary().run(["impact", model, "--repo", repo.path, "--format", "json"], in: repo.path)
        #expect(impact.status == 0, "\(impact.stderr)")
        let listing = try #require(try JSONSerialization.jsonObject(with: Data(impact.stdout.utf8)) as? [String: Any])
        #expect(listing["schema_version"] as? Int == 2)
        let listed = try #require((listing["impact"] as? [[String: Any]])?.first)
        #expect(Set(listed.keys) == Set(entry.keys))
        // Column use is worked out for the columns a change touched, so only `check` has it; the
        // rest — every downstream node, owner and usage — is the same object.
        var withoutColumns = entry, listedWithoutColumns = listed
        withoutColumns.removeValue(forKey: "column_users")
        listedWithoutColumns.removeValue(forKey: "column_users")
        #expect(NSDictionary(dictionary: withoutColumns) == NSDictionary(dictionary: listedWithoutColumns),
                "check: \(withoutColumns)\nimpact: \(listedWithoutColumns)")
        #expect(NSDictionary(dictionary: listing["catalog"] as? [String: Any] ?? [:])
                == NSDictionary(dictionary: report["catalog"] as? [String: Any] ?? ["missing": true]))
    }
}
