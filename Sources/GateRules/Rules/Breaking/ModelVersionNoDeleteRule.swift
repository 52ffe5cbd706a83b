import GateModel

/// MODEL_VERSION_NO_DELETE: a model version lives until its deprecation date.
public struct ModelVersionNoDeleteRule: Rule {
    public init() {}

    public static let description = RuleDescription(
        id: "MODEL_VERSION_NO_DELETE", name: "Model version kept until deprecation", category: .breaking,
        purpose: "Checks that a model version is not removed before its `deprecation_date`.",
        rationale: "Model versions exist so consumers can migrate on their own schedule; the deprecation date is "
            + "the promise of how long the old version stays. Removing it earlier (or without any date) breaks "
            + "consumers that still pin it.",
        defaultSeverity: .warning,
        triggeringExamples: [
            RuleExample("Version 1 is removed before its deprecation date (today is 2026-06-01)",
                         before: Sketch.model("dim_customers", versions: [
                             ModelVersion(version: "1", deprecationDate: "2026-12-31"), ModelVersion(version: "2")]),
                         after: Sketch.model("dim_customers", versions: [ModelVersion(version: "2")]),
                         expect: [.model(line: 2)]),
            RuleExample("Version 1 is removed and its deprecation_date is not a date",
                         before: Sketch.model("dim_customers", versions: [
                             ModelVersion(version: "1", deprecationDate: "{{ var('sunset') }}"), ModelVersion(version: "2")]),
                         after: Sketch.model("dim_customers", versions: [ModelVersion(version: "2")]),
                         expect: [.model(line: 2)]),
            RuleExample("Version 1 is removed without any deprecation date",
                         before: Sketch.model("dim_customers", versions: [ModelVersion(version: "1"), ModelVersion(version: "2")]),
                         after: Sketch.model("dim_customers", versions: [ModelVersion(version: "2")]),
                         expect: [.model(line: 2)]),
        ],
        nonTriggeringExamples: [
            RuleExample("Version 1 is removed after its deprecation date passed",
                         before: Sketch.model("dim_customers", versions: [
                             ModelVersion(version: "1", deprecationDate: "2026-03-31T00:00:00Z"), ModelVersion(version: "2")]),
                         after: Sketch.model("dim_customers", versions: [ModelVersion(version: "2")])),
            RuleExample("A version is added",
                         before: Sketch.model("dim_customers", versions: [ModelVersion(version: "1")]),
                         after: Sketch.model("dim_customers", versions: [ModelVersion(version: "1"), ModelVersion(version: "2")])),
        ])

    public func check(_ change: ModelChange, impact: ModelImpact?, context: RuleContext) throws -> [Finding] {
        guard let base = change.base, let head = change.head else { return [] }
        let kept = Set(head.versions.map(\.version))
        var findings: [Finding] = []
        for version in base.versions where !kept.contains(version.version) {
            let message: String
            if let raw = version.deprecationDate {
                guard let day = CalendarDay(leadingDateOf: raw) else {
                    message = "Version \(version.version) of `\(change.name)` is removed, and its deprecation_date `\(raw)` is not a date; write it YYYY-MM-DD and keep the version until then."
                    findings.append(finding(message, change: change, at: head.location, context: context))
                    continue
                }
                guard context.today < day else { continue }
                message = "Version \(version.version) of `\(change.name)` is removed before its deprecation_date \(day). Keep it until then; consumers pinned to it break."
            } else {
                message = "Version \(version.version) of `\(change.name)` is removed without a deprecation_date. Set `deprecation_date` and keep the version until that day."
            }
            findings.append(finding(message, change: change, at: head.location, context: context))
        }
        return findings
    }
}
