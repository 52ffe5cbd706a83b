import Foundation
import GateDbt
import GateJSON
import GateModel

/// `contract-gate columns [MODEL…]`: each model's output columns as the gate works them out from
/// its SQL (with `*` expanded through the graph), else its YAML, and how sure that is.
public enum ColumnsQuery {
    public struct Result: Sendable {
        public var models: [ModelOutputColumns]
        public var diagnostics: [Diagnostic]
        /// Model → its rendered SQL, when asked for.
        public var sql: [String: String] = [:]

        public var knownCount: Int { models.filter { $0.certainty.isKnown }.count }
        public var unknownCount: Int { models.filter { $0.certainty.isUnknown }.count }
        public var partialCount: Int { models.count - knownCount - unknownCount }
    }

    public static func run(models: [String], request: CheckRequest, useWorktree: Bool, showSQL: Bool = false) throws -> Result {
        let workspace = try Workspace(repository: request.repository, configPath: request.configPath,
                                      ownerCheck: request.ownerCheck)
        let project = try workspace.currentProject(useWorktree: useWorktree, environment: request.environment)
        var result: [ModelOutputColumns] = []
        for name in models.isEmpty ? try project.modelNames() : models {
            let found = try project.outputColumns(ofModel: name)
            guard !found.isEmpty else {
                throw InputError("no model named '\(name)' in the dbt project at \(project.projectFilePath); "
                                 + "check the name (model names are file names without .sql)")
            }
            result += found
        }
        var sql: [String: String] = [:]
        if showSQL {
            for model in result where sql[model.model] == nil { sql[model.model] = try project.renderedSQL(ofModel: model.model) }
        }
        return Result(models: result, diagnostics: project.diagnostics, sql: sql)
    }

    public static func renderText(_ result: Result) -> String {
        var lines: [String] = []
        for model in result.models {
            let how: String
            switch model.certainty {
            case .known: how = "known"
            case let .partial(reason): how = "partly known: \(reason)"
            case let .unknown(reason): how = "UNKNOWN: \(reason)"
            }
            lines.append("\(model.model) (\(model.path ?? "-"), from \(model.origin.rawValue)) — \(how)")
            if !model.columns.isEmpty { lines.append("  " + model.columns.joined(separator: ", ")) }
            if let sql = result.sql[model.model] {
                lines.append("  rendered SQL:")
                lines += sql.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { "  \($0.offset + 1)| \($0.element)" }
            }
        }
        let total = result.models.count
        let share = total == 0 ? 100.0 : Double(result.knownCount) * 100 / Double(total)
        lines.append(String(format: "%d models: %d known (%.1f %%), %d partly known, %d unknown",
                            total, result.knownCount, share, result.partialCount, result.unknownCount))
        return Sanitized.text(lines.joined(separator: "\n")) + "\n"
    }

    public static func renderJSON(_ result: Result) throws -> Data {
        struct Entry: Encodable {
            var model: String
            var path: String?
            var origin: String
            var certainty: String
            var reason: String?
            var columns: [String]
        }
        struct Document: Encodable {
            var schema_version = 1
            var models: [Entry]
            var known: Int
            var partial: Int
            var unknown: Int
        }
        let entries = result.models.map { model -> Entry in
            let (certainty, reason): (String, String?) = switch model.certainty {
            case .known: ("known", nil)
            case let .partial(why): ("partial", why)
            case let .unknown(why): ("unknown", why)
            }
            return Entry(model: model.model, path: model.path, origin: model.origin.rawValue, certainty: certainty,
                         reason: reason, columns: model.columns)
        }
        return try PrettyJSONEncoder().encode(Document(models: entries, known: result.knownCount, partial: result.partialCount,
                                                       unknown: result.unknownCount), newlineAtEnd: true)
    }
}
