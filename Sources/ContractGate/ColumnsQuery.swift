import Foundation
import GateDbt
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

        /// The result as GateReporters' `ColumnsReporter` prints it.
        public var listing: ColumnsListing {
            ColumnsListing(models: models.map { model in
                let certainty: ColumnsListing.Certainty = switch model.certainty {
                case .known: .known
                case let .partial(reason): .partial(reason)
                case let .unknown(reason): .unknown(reason)
                }
                return ColumnsListing.Model(model: model.model, path: model.path, origin: model.origin.rawValue,
                                            certainty: certainty, columns: model.columns)
            }, sql: sql)
        }
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
}
