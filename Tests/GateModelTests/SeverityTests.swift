import Testing
@testable import GateModel

@Suite struct SeverityTests {
    @Test func severitiesAreOrdered() {
        #expect(Severity.off < .notice)
        #expect(Severity.notice < .warning)
        #expect(Severity.warning < .error)
        #expect([Severity.warning, .error, .notice].max() == .error)
    }

    @Test func failOnThresholds() {
        #expect(FailOn.error.fails(.error))
        #expect(!FailOn.error.fails(.warning))
        #expect(FailOn.warning.fails(.warning))
        #expect(!FailOn.warning.fails(.notice))
        #expect(!FailOn.never.fails(.error))
    }

    @Test func relationNormalisationIgnoresCaseAndQuotes() {
        let a = Relation(database: "\"Analytics\"", schema: "PROD", identifier: "`Fct_Orders`")
        let b = Relation(database: "analytics", schema: "prod", identifier: "fct_orders")
        #expect(a.normalized == b.normalized)
        #expect(b.description == "analytics.prod.fct_orders")
    }

    @Test func findingsSortInBufOrderWithUnlocatedLast() {
        let f1 = Finding(rule: "B", category: .breaking, severity: .error, message: "m",
                         location: SourceLocation(path: "b.yml", line: 1))
        let f2 = Finding(rule: "A", category: .breaking, severity: .error, message: "m",
                         location: SourceLocation(path: "a.yml", line: 9))
        let f3 = Finding(rule: "A", category: .breaking, severity: .error, message: "m")
        let report = Report(base: "x", head: "y", verdict: .fail, exitCode: 1, findings: [f3, f1, f2, f1])
        #expect(report.sortedFindings == [f2, f1, f3])
        #expect(report.summary.errors == 4)
    }
}

@Suite struct ProjectGraphTests {
    func graph() -> ProjectGraph {
        // a → b → d, a → c → d, d → a (a cycle back to the start), d → e
        let edges = ["a": ["b", "c"], "b": ["d"], "c": ["d"], "d": ["a", "e"], "e": []]
        var nodes: [String: ProjectGraphNode] = [:]
        for (id, children) in edges {
            nodes[id] = ProjectGraphNode(id: id, name: id.uppercased(), type: "model", children: children)
        }
        return ProjectGraph(nodes: nodes)
    }

    @Test func walksDiamondAndCycleOnce() {
        let (nodes, truncated) = graph().downstream(of: "a")
        #expect(!truncated)
        #expect(nodes.map(\.id).sorted() == ["b", "c", "d", "e"])
        #expect(nodes.first { $0.id == "d" }?.depth == 2)
        #expect(nodes.first { $0.id == "e" }?.depth == 3)
        #expect(nodes.first { $0.id == "b" }?.parentId == nil)
        #expect(nodes.first { $0.id == "d" }?.parentId == "b")
    }

    @Test func budgetsCutTheWalkAndSaySo() {
        let byDepth = graph().downstream(of: "a", maxDepth: 1)
        #expect(byDepth.nodes.map(\.id).sorted() == ["b", "c"])
        #expect(byDepth.truncated)
        let byCount = graph().downstream(of: "a", maxNodes: 3)
        #expect(byCount.nodes.count == 3)
        #expect(byCount.truncated)
        let exact = graph().downstream(of: "a", maxDepth: 3)
        #expect(!exact.truncated)
    }
}
