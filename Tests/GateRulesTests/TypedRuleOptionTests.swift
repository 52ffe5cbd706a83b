import GateModel
@testable import GateRules
import Testing

/// Rule options are declared once (name, kind, default, meaning) and read through that declaration.
@Suite struct TypedRuleOptionTests {
    @Test func valuesAreReadTypedAndFallBackToTheDeclaredDefault() {
        let limit = BlastRadiusRule.maxDownstream
        #expect(RuleOptions()[limit] == 25)
        #expect(RuleOptions(["max_downstream": .number(3)])[limit] == 3)
        // A value of the wrong kind is `validate`'s to report; the check keeps the default.
        #expect(RuleOptions(["max_downstream": .string("3")])[limit] == 25)
        #expect(RuleOptions(["max_downstream": .number(.infinity)])[limit] == 25)

        let tags = DownstreamVerifiedRule.protectedTags
        #expect(RuleOptions()[tags] == ["protected", "certified"])
        #expect(RuleOptions(["protected_tags": .string("gold")])[tags] == ["gold"])
        #expect(RuleOptions(["protected_tags": .array([.string("a"), .number(1), .string("b")])])[tags] == ["a", "b"])

        #expect(RuleOptions(["columns": .bool(false)])[ModelHasDescriptionRule.columns] == false)
        #expect(RuleOptions()[ModelHasDescriptionRule.columns] == true)
    }

    /// What `rules`/`explain` list and `validate` checks is the declaration the check reads with.
    @Test func theDescriptionListsTheDeclarationsTheRulesRead() {
        #expect(DownstreamDashboardInUseRule.description.options == [DownstreamDashboardInUseRule.minUsage.declaration])
        #expect(BlastRadiusRule.description.options == [BlastRadiusRule.maxDownstream.declaration])
        #expect(ColumnSameTypeRule.description.options == [ColumnSameTypeRule.allow.declaration])
        #expect(ColumnConstraintNoDeleteRule.description.options == [ColumnConstraintNoDeleteRule.constraints.declaration])
        #expect(ColumnPiiStaysTaggedRule.description.options == [ColumnPiiStaysTaggedRule.patterns.declaration])
        #expect(DownstreamVerifiedRule.description.options == [DownstreamVerifiedRule.protectedTags.declaration])
        #expect(ModelHasDescriptionRule.description.options == [ModelHasDescriptionRule.columns.declaration])
        #expect(DownstreamDashboardInUseRule.minUsage.declaration.defaultValue == .number(1))
    }

    /// `min_usage` is read in one place: a contract's value decides both the rule's own finding
    /// and which dashboards the engine raises breaking findings for.
    @Test func minUsageDecidesWhichDashboardsAreInUse() {
        let ops = DownstreamNode(id: "d-1", name: "Ops", type: "dashboard", depth: 1, source: "secoda",
                                 usage: Usage(external: 5))
        let impact = ModelImpact(model: "fct_orders", downstream: [ops])
        let breaking = Finding(rule: "MODEL_SAME_RELATION", category: .breaking, severity: .error, model: "fct_orders",
                               message: "renamed", location: nil)
        let defaults = RuleOptions([:], defaults: DownstreamDashboardInUseRule.description.options)
        #expect(DownstreamDashboardInUseRule.dashboardsInUse(reachedBy: breaking, in: impact, options: defaults).map(\.id) == ["d-1"])
        let strict = RuleOptions(["min_usage": .number(10)], defaults: DownstreamDashboardInUseRule.description.options)
        #expect(DownstreamDashboardInUseRule.dashboardsInUse(reachedBy: breaking, in: impact, options: strict).isEmpty)
    }
}
