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
        // GateDbt gives every version its own change (`dim_customers.v2`, `dim_customers.v3`), each
        // carrying the model's whole version list: only the latest kept version reports, so a removed
        // version is one finding, and the message names the model, not one of its versions.
        let model = head.name
        if let own = Self.ownVersion(of: change.name, model: model, among: kept) {
            let reporter = head.latestVersion.flatMap { kept.contains($0) ? $0 : nil }
                ?? head.versions.last(where: { kept.contains($0.version) })?.version
            guard own == reporter else { return [] }
        }
        var findings: [Finding] = []
        for version in base.versions where !kept.contains(version.version) {
            let message: String
            if let raw = version.deprecationDate {
                guard let day = CalendarDay(leadingDateOf: raw) else {
                    message = "Version \(version.version) of `\(model)` is removed, and its deprecation_date `\(raw)` is not a date; write it YYYY-MM-DD and keep the version until then."
                    findings.append(finding(message, change: change, at: head.location, context: context))
                    continue
                }
                guard context.today < day else { continue }
                message = "Version \(version.version) of `\(model)` is removed before its deprecation_date \(day). Keep it until then; consumers pinned to it break."
            } else {
                message = "Version \(version.version) of `\(model)` is removed without a deprecation_date. Set `deprecation_date` and keep the version until that day."
            }
            findings.append(finding(message, change: change, at: head.location, context: context))
        }
        return findings
    }

    /// The version a versioned node's change stands for (`dim_customers.v2` → `2`), nil for an unversioned model.
    static func ownVersion(of changeName: String, model: String, among versions: Set<String>) -> String? {
        let prefix = model + ".v"
        guard changeName.hasPrefix(prefix) else { return nil }
        let version = String(changeName.dropFirst(prefix.count))
        return versions.contains(version) ? version : nil
    }
}
