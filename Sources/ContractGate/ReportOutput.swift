import Foundation
import GateModel
import GateReporters

/// Where a report goes: one format on stdout, any number of `FORMAT=PATH` files (DESIGN.md §6).
public struct ReportOutput: Sendable {
    public var stdoutFormat: ReportFormat
    public var files: [ReportDestination]
    public var useColor: Bool

    /// - Parameters:
    ///   - format: `--format` (parsed by the command line); default `github` under GitHub Actions, else `text`.
    ///   - reports: the `--report FORMAT=PATH` values. Under GitLab CI (`GITLAB_CI=true`) a
    ///     Code Quality file is written to `gl-code-quality-report.json` unless one is named.
    public init(format: ReportFormat?, reports: [String], environment: [String: String], stdoutIsTerminal: Bool) throws {
        stdoutFormat = format ?? ReportFormat.defaultFormat(environment: environment)
        files = try reports.map { try ReportDestination(parsing: $0) }
        if environment["GITLAB_CI"] == "true", !files.contains(where: { $0.format == .gitlab }), format == nil {
            files.append(ReportDestination(format: .gitlab, path: "gl-code-quality-report.json"))
        }
        useColor = ReporterOptions.colorAllowed(environment: environment, stdoutIsTerminal: stdoutIsTerminal)
    }

    /// Renders the report to stdout (through `writeStdout`) and to every file. Files are written
    /// atomically; the GitHub step summary file is appended to, never overwritten.
    public func emit(_ report: Report, environment: [String: String], writeStdout: (Data) -> Void) throws {
        // The Markdown report links findings to their lines on the code host the job runs in.
        let links = SourceLinks.fromEnvironment(environment, head: report.head)
        let options = ReporterOptions(useColor: useColor, sourceLinks: links)
        writeStdout(stdoutFormat.reporter(options).render(report))
        for destination in files {
            let data = destination.format.reporter(ReporterOptions(useColor: false, sourceLinks: links)).render(report)
            if destination.format == .markdown, let summary = environment["GITHUB_STEP_SUMMARY"],
               !summary.isEmpty, destination.path == summary {
                _ = try GitHubStepSummary(path: summary).append(String(decoding: data, as: UTF8.self))
                continue
            }
            do {
                try data.write(to: URL(fileURLWithPath: destination.path), options: .atomic)
            } catch {
                throw InputError("cannot write the \(destination.format.rawValue) report to \(destination.path): "
                                 + "\(error.localizedDescription); check the folder exists and is writable")
            }
        }
        if stdoutFormat == .github, let summary = environment["GITHUB_STEP_SUMMARY"], !summary.isEmpty,
           !files.contains(where: { $0.format == .markdown && $0.path == summary }) {
            _ = try GitHubStepSummary(path: summary).append(MarkdownReporter(links: links).renderText(report))
        }
    }
}
