import GateModel

/// REF_RESOLVES: every `ref()`/`source()` in the head tree still resolves, or `dbt parse` fails.
public struct RefResolvesRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "REF_RESOLVES", name: "References resolve", category: .build,
        purpose: "Checks that every `ref()` and `source()` the change touches or leaves behind still points at an "
            + "enabled model, model version, seed, snapshot or source, and that no model calls a project macro the "
            + "change deleted.",
        rationale: "A `ref()` to a model that was deleted, renamed or disabled, a `v=` pin on a removed version, or a "
            + "`source()` whose table is no longer declared, or a call of a macro that no longer exists, makes dbt fail to parse the whole project: nothing builds, "
            + "contract or not. The finding points at the call in the head tree (models, snapshots and exposures' "
            + "`depends_on`). Only calls the change can have broken are checked: those in files it adds or edits, and "
            + "those anywhere that point at something it removed; a call that already dangled in an untouched file is "
            + "left to dbt. Calls into a package that is not installed (`dbt deps` not run) are not checked.",
        defaultSeverity: .error,
        triggeringExamples: [
            RuleExample("A consumer still calls ref() on a model the change renamed",
                        before: Sketch.model("rpt_revenue"), after: Sketch.model("rpt_revenue"),
                        references: [Sketch.dangling("rpt_revenue", call: "ref('fct_orders')", target: "fct_orders",
                                                     reason: .renamed, renamedTo: "fct_orders_v2", line: 4)],
                        expect: [.model(line: 4)]),
            RuleExample("A consumer pins a version the change removed",
                        before: Sketch.model("rpt_customers"), after: Sketch.model("rpt_customers"),
                        references: [Sketch.dangling("rpt_customers", call: "ref('dim_customers', v=1)",
                                                     target: "dim_customers", version: "1", reason: .versionRemoved,
                                                     versions: ["2"], line: 7)],
                        expect: [.model(line: 7)]),
            RuleExample("A new model reads a source table nobody declared",
                        before: nil, after: Sketch.model("stg_refunds"),
                        references: [Sketch.dangling("stg_refunds", call: "source('stripe', 'refunds')", type: "source",
                                                     target: "stripe.refunds", reason: .notFound, resolvedAtBase: false,
                                                     line: 2)],
                        expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("A model is renamed and its consumers call ref() on the new name",
                        before: Sketch.model("rpt_revenue"), after: Sketch.model("rpt_revenue")),
            RuleExample("A new model whose calls all resolve",
                        before: nil, after: Sketch.model("stg_refunds")),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        context.danglingReferences.map { reference in
            Finding(rule: Self.description.id, category: Self.description.category, severity: context.severity,
                    model: reference.referrer, message: Self.message(reference), location: reference.location)
        }
    }

    /// What the call points at, why dbt cannot resolve it, and how to fix it.
    static func message(_ r: DanglingReference) -> String {
        let who = r.referrerType == "model" ? "`\(r.referrer)`" : "\(r.referrerType) `\(r.referrer)`"
        let what = r.targetType == "node" ? "`\(r.targetName)`" : "\(r.targetType) `\(r.targetName)`"
        let why: String
        let fix: String
        switch r.reason {
        case .renamed:
            let to = r.renamedTo ?? "?"
            why = "\(what) was renamed to `\(to)` in this change"
            fix = "call `ref('\(to)')` instead"
        case .deleted:
            why = r.targetType == "source" ? "\(what) is no longer declared under `sources:`" : "\(what) was deleted in this change"
            fix = "point the call at what replaces it, or keep \(what) until nothing reads it"
        case .disabled:
            why = "\(what) is disabled (`enabled: false`)" + (r.resolvedAtBase ? " by this change" : "")
            fix = "enable it again, or disable or update its readers as well"
        case .versionRemoved:
            let left = r.versions.isEmpty ? "it is not versioned" : "versions defined: \(r.versions.joined(separator: ", "))"
            why = "version \(r.version ?? "?") of \(what) " + (r.resolvedAtBase ? "was removed in this change" : "is not defined") + " (\(left))"
            fix = r.versions.isEmpty ? "drop `v=`" : "pin a version still defined, or drop `v=` to read the latest"
        case .notFound:
            why = "no enabled model, seed, snapshot or source named \(what) exists" + (r.targetType == "source" ? " (check `sources:`)" : "")
            fix = "fix the name, or add what it means"
        }
        let already = r.resolvedAtBase ? "" : " (It did not resolve before this change either, but this change edits the file.)"
        return "\(who) calls `\(r.call)`, but \(why): dbt will fail to parse the project. Fix: \(fix).\(already)"
    }
}
