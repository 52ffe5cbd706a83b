import Foundation
import GateModel

/// One output format of `check` (DESIGN.md §6). The raw values are what `--format` and
/// `--report F=PATH` accept.
public enum ReportFormat: String, Sendable, CaseIterable, Codable {
    /// For people at a terminal.
    case text
    /// The stable, versioned machine-readable report (`schema_version` 1).
    case json
    /// GitHub Actions workflow commands (annotations).
    case github
    /// SARIF 2.1.0 for code scanning.
    case sarif
    /// JUnit XML for any CI.
    case junit
    /// GitLab Code Quality JSON for the merge request widget.
    case gitlab
    /// A pull request comment or job summary.
    case markdown

    /// Parses a format name as a user types it: case-insensitive, with the common aliases
    /// (`github-actions`, `codequality`, `code-quality`, `md`, `xml`). Nil for an unknown name.
    public init?(parsing name: String) {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        if let format = ReportFormat(rawValue: key) {
            self = format
            return
        }
        switch key {
        case "github-actions", "gha": self = .github
        case "codequality", "code-quality", "gitlab-codequality": self = .gitlab
        case "md": self = .markdown
        case "xml", "junit-xml": self = .junit
        default: return nil
        }
    }

    /// Parses a format name, or explains which names exist (exit 2).
    public static func parse(_ name: String) throws(InputError) -> ReportFormat {
        guard let format = ReportFormat(parsing: name) else {
            let known = allCases.map(\.rawValue).joined(separator: ", ")
            throw InputError("unknown report format '\(name)'; use one of: \(known)")
        }
        return format
    }

    /// The format for stdout when `--format` is not given (DESIGN.md §6): `github` inside GitHub
    /// Actions (`GITHUB_ACTIONS=true`), otherwise `text`. The caller passes the environment in,
    /// so this stays a pure function.
    public static func defaultFormat(environment: [String: String]) -> ReportFormat {
        environment["GITHUB_ACTIONS"] == "true" ? .github : .text
    }

    /// The reporter for this format, configured by what only the caller knows
    /// (whether stdout is a colour terminal, where the full report ends up).
    public func reporter(_ options: ReporterOptions = ReporterOptions()) -> any Reporter {
        switch self {
        case .text: TextReporter(useColor: options.useColor)
        case .json: JSONReporter()
        case .github: GitHubActionsReporter(fullReportHint: options.fullReportHint)
        case .sarif: SARIFReporter()
        case .junit: JUnitReporter()
        case .gitlab: GitLabCodeQualityReporter()
        case .markdown: MarkdownReporter(maxCharacters: options.markdownCharacterLimit, links: options.sourceLinks)
        }
    }
}

/// What the caller decides for the reporters, so none of them reads the environment.
public struct ReporterOptions: Sendable, Hashable {
    /// Colour the text report: the CLI sets this only on a TTY without `NO_COLOR`.
    public var useColor: Bool
    /// Where the full list of findings can be read when GitHub annotations overflow.
    public var fullReportHint: String
    /// The Markdown report's size limit (a GitHub comment holds 65,536 characters).
    public var markdownCharacterLimit: Int
    /// Where the Markdown report links file lines (from the CI environment; nil: no links).
    public var sourceLinks: SourceLinks?

    /// Whether the text report should be coloured: only on a terminal, and not when `NO_COLOR`
    /// is set to a non-empty value (https://no-color.org).
    public static func colorAllowed(environment: [String: String], stdoutIsTerminal: Bool) -> Bool {
        stdoutIsTerminal && (environment["NO_COLOR"] ?? "").isEmpty
    }

    public init(useColor: Bool = false, fullReportHint: String = GitHubActionsReporter.defaultFullReportHint,
                markdownCharacterLimit: Int = MarkdownReporter.defaultCharacterLimit, sourceLinks: SourceLinks? = nil) {
        self.useColor = useColor
        self.fullReportHint = fullReportHint
        self.markdownCharacterLimit = markdownCharacterLimit
        self.sourceLinks = sourceLinks
    }
}

/// Renders a `Report` in one format. A reporter is a pure function: the same report gives the
/// same bytes, with no clock, environment or global state consulted (STYLE.md "Reporters").
public protocol Reporter: Sendable {
    /// The format this reporter writes.
    var format: ReportFormat { get }
    /// The report in this format, as the bytes to write to stdout or a file.
    func render(_ report: Report) -> Data
}

extension Reporter {
    /// The rendered report as text (every format is UTF-8).
    public func renderText(_ report: Report) -> String {
        String(decoding: render(report), as: UTF8.self)
    }
}

/// One `--report FORMAT=PATH` request: an extra report written to a file.
public struct ReportDestination: Sendable, Hashable {
    /// The format to write.
    public var format: ReportFormat
    /// The file to write it to, as given (relative to the current folder). For `markdown` in
    /// GitHub Actions this may be `$GITHUB_STEP_SUMMARY`: write it with `GitHubStepSummary`.
    public var path: String

    public init(format: ReportFormat, path: String) {
        self.format = format
        self.path = path
    }

    /// Parses `FORMAT=PATH` (e.g. `sarif=out.sarif`); the path may itself contain `=`.
    public init(parsing argument: String) throws(InputError) {
        guard let equals = argument.firstIndex(of: "=") else {
            throw InputError("--report expects FORMAT=PATH (e.g. sarif=results.sarif), got '\(argument)'")
        }
        let path = String(argument[argument.index(after: equals)...])
        guard !path.isEmpty else {
            throw InputError("--report '\(argument)' names no file; write FORMAT=PATH (e.g. junit=report.xml)")
        }
        self.format = try ReportFormat.parse(String(argument[..<equals]))
        self.path = path
    }
}
