import ArgumentParser
import ContractGate
import GateModel
import GateReporters

// The closed sets of values the flags take, as ArgumentParser values: `--help` lists them, and a
// value outside the set is ArgumentParser's usage error (exit 2, see `ContractGateCommand.main`)
// before any command runs. Values are read case-insensitively, as they always were.

/// `--format` of `check`: every report format, with the aliases `ReportFormat(parsing:)` knows
/// (`md`, `xml`, `github-actions`, `code-quality`, …).
extension ReportFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(parsing: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `--catalog`.
extension CheckRequest.CatalogChoice: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `--policy`.
extension CheckRequest.PolicySource: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `--fail-on`.
extension FailOn: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `--format` of the commands that print a document of their own (`impact`, `columns`, `rules`,
/// `lineage push`, `docs carry`).
enum DocumentFormat: String, CaseIterable, ExpressibleByArgument {
    case text
    case json

    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `lineage push --scope`.
enum LineageScope: String, CaseIterable, ExpressibleByArgument {
    /// Every edge of the graph at `--head`.
    case all
    /// The edges touching the models the change set changed.
    case changed

    init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
