import Foundation
import GateDbt
import GateModel

/// `contract-gate columns [MODEL…]`: each model's output columns as the gate works them out from
/// its SQL (with `*` expanded through the graph), else its YAML, and how sure that is.
public enum ColumnsQuery {
    public struct Result: Sendable {
        /// Each model's columns (and its rendered SQL, when asked for): what GateReporters'
        /// `ColumnsReporter` prints, counts included.
        public var listing: ColumnsListing
        public var diagnostics: [Diagnostic]
    }

    public static func run(models: [String], request: CheckRequest, useWorktree: Bool, showSQL: Bool = false) throws -> Result {
        let workspace = try Workspace(repository: request.repository, configPath: request.configPath,
                                      ownerCheck: request.ownerCheck)
        let project = try workspace.currentProject(useWorktree: useWorktree, environment: request.environment)
        var listing = ColumnsListing(models: [])
        for name in models.isEmpty ? try project.modelNames() : models {
            let found = try project.outputColumns(ofModel: name)
            guard !found.isEmpty else {
                throw InputError("no model named '\(name)' in the dbt project at \(project.projectFilePath); "
                                 + "check the name (model names are file names without .sql)")
            }
            listing.models += found
        }
        if showSQL {
            for model in listing.models where listing.sql[model.model] == nil {
                listing.sql[model.model] = try project.renderedSQL(ofModel: model.model)
            }
        }
        return Result(listing: listing, diagnostics: project.diagnostics)
    }
}
