import Foundation
import GateDbt
import GateModel

/// `contract-gate init`: a commented `contract-gate.yml` and a first contract for a dbt repository,
/// so the first five minutes need nothing but the README.
public struct ProjectInitializer {
    /// A file init wants to write.
    public struct PlannedFile: Sendable, Equatable {
        public var path: String
        public var contents: String
    }

    public struct Plan: Sendable {
        public var files: [PlannedFile]
        /// The dbt project folder found, relative to the root ("." for the root).
        public var projectDir: String
        /// What the first contract covers, in words.
        public var coverage: String
    }

    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    /// Finds the dbt project (the root, else the shallowest `dbt_project.yml` below it) and plans
    /// the files. Throws when there is no dbt project.
    public func plan() throws -> Plan {
        guard let projectDir = findProjectDir() else {
            throw InputError("no dbt_project.yml in \(root.path) or its subfolders; run `contract-gate init` "
                             + "inside a dbt repository (or pass --repo)")
        }
        let settings = DbtSettings(projectDir: projectDir == "." ? "" : projectDir)
        let project = try DbtProject.load(tree: DirectoryTree(root: root), settings: settings)
        let graph = try project.graph()
        var enforced: [String] = []
        var modelPathsByFolder: [String] = []
        for node in graph.nodes.values where node.type == "model" {
            if let path = node.path { modelPathsByFolder.append(path) }
            if let model = try project.model(named: node.name), model.contractEnforced, model.enabled {
                enforced.append(model.name)
            }
        }
        enforced = Array(Set(enforced)).sorted()
        let manifest = FileManager.default.fileExists(
            atPath: root.appendingPathComponent(prefix(projectDir) + "target/manifest.json").path)

        let selectors: [String]
        let coverage: String
        if !enforced.isEmpty {
            selectors = enforced
            coverage = "the \(enforced.count) model(s) with `contract: {enforced: true}`"
        } else if let marts = martsFolder(project: project, modelFiles: modelPathsByFolder) {
            selectors = ["\(marts)/**"]
            coverage = "the models under \(marts)/ (no model enforces a contract yet)"
        } else {
            selectors = project.modelPaths.map { "\($0)/**" }
            coverage = "every model (no enforced contracts and no marts folder found)"
        }
        return Plan(
            files: [
                PlannedFile(path: "contract-gate.yml", contents: configText(
                    projectDir: projectDir, modelPaths: project.modelPaths, manifest: manifest)),
                PlannedFile(path: "contracts/first-contract.yml", contents: contractText(
                    selectors: selectors, coverage: coverage)),
            ],
            projectDir: projectDir, coverage: coverage)
    }

    /// Writes the plan. Existing files are never overwritten without `force`; the refusal names
    /// every file in the way before anything is written.
    public func write(_ plan: Plan, force: Bool) throws -> [String] {
        let existing = plan.files.map(\.path).filter {
            FileManager.default.fileExists(atPath: root.appendingPathComponent($0).path)
        }
        if !existing.isEmpty && !force {
            throw InputError("\(existing.joined(separator: " and ")) already exist(s); contract-gate init never "
                             + "overwrites a file — move it away or rerun with --force")
        }
        for file in plan.files {
            let url = root.appendingPathComponent(file.path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url, options: .atomic)
        }
        return plan.files.map(\.path)
    }

    /// The next steps printed after writing.
    public static func nextSteps(_ plan: Plan) -> String {
        """
        Next steps:
          1. Review contract-gate.yml and contracts/first-contract.yml (it covers \(plan.coverage)).
          2. contract-gate validate                 # checks both files, with file:line:col
          3. contract-gate check                    # this branch against origin/main
          4. contract-gate hook install             # check every git push before it leaves
          5. In CI (GitHub Actions), after actions/checkout with fetch-depth: 0:
               - run: contract-gate check --format github --report sarif=contract-gate.sarif
             or use the composite action in ci/github/action.yml of contract-gate.
          Secoda: export SECODA_API_KEY and uncomment catalog.secoda in contract-gate.yml;
          `contract-gate catalog pull` writes an offline snapshot for the hook.

        """
    }

    // MARK: - Detection

    /// The shallowest project `check` would find too (the same search, `DbtProjectLocator`).
    private func findProjectDir() -> String? {
        DbtProjectLocator.outermost(DbtProjectLocator.candidatesOnDisk(root: root)).first
    }

    private func martsFolder(project: DbtProject, modelFiles: [String]) -> String? {
        for modelPath in project.modelPaths {
            let candidate = modelPath + "/marts"
            if modelFiles.contains(where: { $0.hasPrefix(candidate + "/") }) { return candidate }
        }
        return nil
    }

    private func prefix(_ projectDir: String) -> String { projectDir == "." ? "" : projectDir + "/" }

    // MARK: - Templates

    private func configText(projectDir: String, modelPaths: [String], manifest: Bool) -> String {
        let manifestLine = manifest
            ? "  manifest: target/manifest.json  # found: dbt's own relations and graph win when it is present"
            : "  # manifest: target/manifest.json  # none found; dbt parse writes one, and its relations then win"
        return """
            # contract-gate configuration — written by `contract-gate init`. Every key is optional.
            # Reference: the README's "Configuration" section; schema: contracts/schema/contract-gate.schema.json
            version: 1

            # The lowest unwaived severity that fails a check: error | warning | never
            fail_on: error

            dbt:
              project_dir: \(projectDir)   # the folder holding dbt_project.yml
              # model paths found: \(modelPaths.joined(separator: ", "))
            \(manifestLine)
              # The target database/schema dbt builds in (relations are database.schema.alias):
              # database: analytics
              # schema: prod
              # schema_naming: dbt_default      # custom_only if you override generate_schema_name

            catalog:
              # Secoda: set the API key in SECODA_API_KEY and uncomment to see dashboards, usage and owners.
              # secoda:
              #   base_url: https://api.secoda.co/api/v1/
              #   token_env: SECODA_API_KEY
              #   integration_id: <your warehouse integration id>
              snapshot: .contract-gate/catalog.json   # `contract-gate catalog pull` writes it; used offline
              on_catalog_error: fail                  # fail (exit 3) | warn (report marked incomplete)

            lineage:
              max_depth: 6
              max_nodes: 5000

            """
    }

    private func contractText(selectors: [String], coverage: String) -> String {
        let models = selectors.map { "  - \"\($0)\"" }.joined(separator: "\n")
        return """
            # A first contract — written by `contract-gate init`. It covers \(coverage).
            # Rules: `contract-gate rules`; one rule in detail: `contract-gate explain COLUMN_NO_DELETE`.
            contract: first-contract
            description: Breaking changes to these models fail the check unless no consumer uses what changed.
            owners: []          # e.g. ["@data-platform"]
            models:
            \(models)
            when_unused: warning  # a break nobody downstream reads is a warning, not an error
            rules:
              MODEL_NO_DELETE: error
              MODEL_SAME_RELATION: error
              COLUMN_NO_DELETE: error
              COLUMN_SAME_NAME: error
              COLUMN_SAME_TYPE: {severity: error, allow: [widening]}
              COLUMN_CONSTRAINT_NO_DELETE: error
              CONTRACT_STAYS_ENFORCED: error
              MATERIALIZATION_KEEPS_RELATION: error
              DOWNSTREAM_DASHBOARD_IN_USE: {severity: error, min_usage: 1}
              BLAST_RADIUS: {severity: warning, max_downstream: 25}
            waivers: []
              # - rule: COLUMN_NO_DELETE
              #   model: fct_orders
              #   column: legacy_status
              #   reason: Consumers migrated to order_status
              #   approved_by: "@alice"
              #   expires: 2027-01-31

            """
    }
}
