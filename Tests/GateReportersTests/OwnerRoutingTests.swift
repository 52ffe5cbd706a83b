import Foundation
import GateModel
import Testing
@testable import GateReporters

/// Impact grouped by owner, stale dashboards' owners apart, mentions only from the contract.
@Suite struct OwnerRoutingTests {
    static func report(mentions: [String] = []) -> Report {
        let finance = Owner(id: "g-1", name: "Finance", kind: "group", members: ["alice@shop.example", "bob@shop.example"])
        let alice = Owner(id: "u-1", name: "Alice", email: "alice@shop.example", kind: "user")
        // Same person through dbt (exposure owner email): one entry, not two.
        let aliceInDbt = Owner(id: "alice@shop.example", name: "Alice M.", email: "ALICE@shop.example", kind: "dbt")
        let loud = Owner(id: "u-2", name: "@everyone", kind: "user")
        let nodes = [
            DownstreamNode(id: "d1", name: "Revenue Overview", type: "dashboard", depth: 1, source: "secoda",
                           owners: [finance, alice], usage: Usage(external: 40)),
            DownstreamNode(id: "d2", name: "Finance Export", type: "dashboard", depth: 2, source: "secoda",
                           owners: [finance], usage: Usage(external: 3)),
            DownstreamNode(id: "e1", name: "weekly_email", type: "exposure", depth: 1, source: "dbt", owners: [aliceInDbt]),
            DownstreamNode(id: "m1", name: "int_orphans", type: "model", depth: 1, source: "dbt"),
            DownstreamNode(id: "d3", name: "Old Board", type: "dashboard", depth: 1, source: "secoda",
                           owners: [loud], usage: Usage(external: 0), stale: true),
        ]
        var finding = Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: .error, model: "fct_orders",
                              column: "status", message: "Column status was removed.", downstream: 4,
                              consumers: ["Revenue Overview"], owners: ["Finance", "Alice"])
        finding.mentions = mentions
        return Report(base: "main", head: "HEAD", verdict: .fail, exitCode: 1,
                      impact: [ModelImpact(model: "fct_orders", downstream: nodes)], findings: [finding],
                      rules: [RuleMetadata(id: "COLUMN_NO_DELETE", name: "Column not deleted", category: .breaking,
                                           purpose: "Checks that columns are not deleted.", rationale: "r",
                                           defaultSeverity: .error,
                                           helpURI: "https://github.com/contract-gate/contract-gate#rule-column-no-delete")])
    }

    @Test func groupsConsumersByOwnerWithContactsAndUnownedLast() {
        let groups = ReportFacts(Self.report()).affectedOwners
        #expect(groups.map(\.label) == ["Alice <alice@shop.example>", "Finance (alice@shop.example, bob@shop.example)", nil])
        #expect(groups.map(\.resources) == [["Revenue Overview", "weekly_email"], ["Finance Export", "Revenue Overview"],
                                            ["int_orphans"]])
        let stale = ReportFacts(Self.report()).staleOwners
        #expect(stale.map(\.label) == ["@everyone"])
        #expect(stale.map(\.resources) == [["Old Board"]])
    }

    @Test func markdownNamesOwnersWithoutPingingAndMentionsOnlyHandles() {
        let markdown = MarkdownReporter().renderText(Self.report(mentions: ["@alice-m", "@shop/finance", "alice", "@x y", "@a/b/c"]))
        #expect(markdown.contains("- **Finance** (alice@shop.example, bob@shop.example): Finance Export, Revenue Overview\n"))
        #expect(markdown.contains("- _No known owner:_ int\\_orphans\n"))
        // A catalog name that looks like a mention is shown, defused by a word joiner.
        #expect(markdown.contains("- **@\u{2060}everyone**: Old Board\n"))
        // The impact table shows it in a code span (which never pings); nowhere else is it live.
        #expect(!markdown.replacingOccurrences(of: "`@everyone`", with: "").contains("@everyone"))
        #expect(markdown.contains("**Notify:** @alice-m @shop/finance\n"))
        #expect(markdown.contains("[`COLUMN_NO_DELETE`](https://github.com/contract-gate/contract-gate#rule-column-no-delete)"))
        #expect(!MarkdownReporter().renderText(Self.report()).contains("**Notify:**"))
    }

    @Test func textListsOwnersAndPointsToTheRuleReference() {
        let text = TextReporter(useColor: false).renderText(Self.report())
        #expect(text.contains("Who is affected\n  Alice <alice@shop.example>: Revenue Overview, weekly_email\n"
            + "  Finance (alice@shop.example, bob@shop.example): Finance Export, Revenue Overview\n  no known owner: int_orphans\n"))
        #expect(text.contains("Ask before deprecating (dashboards with no recorded usage)\n  @everyone: Old Board\n"))
        #expect(text.contains("  COLUMN_NO_DELETE · https://github.com/contract-gate/contract-gate#rule-column-no-delete\n"))
        #expect(text.contains("contract-gate explain RULE_ID"))
    }

    @Test func withoutAnyOwnerDataThereIsNoOwnerSection() {
        var report = Self.report()
        for index in report.impact[0].downstream.indices { report.impact[0].downstream[index].owners = [] }
        #expect(ReportFacts(report).affectedOwners.isEmpty)
        #expect(!MarkdownReporter().renderText(report).contains("Who is affected"))
    }

    /// Owners sharing a name on one node are told apart by email, else by kind; others keep their name.
    @Test func ownersSharingANameAreToldApart() {
        let owners = [Owner(id: "g-1", name: "Finance", kind: "group", members: ["alice@shop.example"]),
                      Owner(id: "finance@example.com", name: "Finance", email: "finance@example.com", kind: "dbt"),
                      Owner(id: "u-1", name: "Alice", email: "alice@shop.example", kind: "user")]
        #expect(owners.distinctNames == ["Finance (group)", "Finance <finance@example.com>", "Alice"])
        #expect([Owner(id: "u-9", name: "Sam", kind: "user"), Owner(id: "@sam", name: "Sam", kind: "dbt")].distinctNames
            == ["Sam (user)", "Sam (dbt)"])
    }
}

