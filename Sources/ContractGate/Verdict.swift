import GateModel

extension Report {
    /// Builds a report whose verdict and exit code follow from its findings: the worst unwaived
    /// finding against `failOn` (DESIGN.md §6).
    public static func judged(
        base: String, head: String, failOn: FailOn, catalog: CatalogStatus, changes: [ChangeRecord], files: [ChangedFile] = [],
        impact: [ModelImpact], findings: [Finding], diagnostics: [Diagnostic], rules: [RuleMetadata],
        checked: [String: [String]], timings: [String: Int]
    ) -> Report {
        let fails = findings.contains { !$0.waived && failOn.fails($0.severity) }
        return Report(
            base: base, head: head, verdict: fails ? .fail : .pass,
            exitCode: Int(fails ? GateExitCode.violated.rawValue : GateExitCode.pass.rawValue),
            catalog: catalog, changes: changes, files: files, impact: impact, findings: findings, diagnostics: diagnostics,
            rules: rules, checked: checked, timings: timings)
    }
}
