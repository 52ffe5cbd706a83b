import Foundation
import GateDbt
import GateModel
import GateContracts

/// `contract-gate validate`: the configuration and `contracts/` as written, checked against the dbt
/// project in the working tree — which project, whether every selector and waiver reaches a model,
/// and whether every `ref()`/`source()` resolves (a model deleted while another still reads it).
public struct ProjectValidation: Sendable {
    /// Whether contract-gate.yml exists (false: the defaults apply).
    public var configExists: Bool
    public var configPath: String
    public var project: DbtProjectLocation
    /// Enabled models of the project.
    public var modelCount: Int
    public var contractCount: Int
    public var odcsCount: Int
    public var waiverCount: Int
    public var skipped: [SkippedContractFile]
    public var expiredWaivers: [Waiver]
    /// Selectors and waivers that reach no model (warnings).
    public var unreached: [Diagnostic]
    /// BUILD findings on the working tree as it is (REF_RESOLVES), under the contracts' severities.
    public var findings: [Finding]
    /// Problems met while reading the project.
    public var diagnostics: [Diagnostic]
    /// 1 when an unwaived finding reaches `fail_on`, else 0 (configuration errors throw: exit 2).
    public var exitCode: Int32

    /// Reads everything `validate` reports. Throws `InputError(s)` (exit 2) for a configuration or
    /// contract that cannot be read, and when no dbt project can be found.
    public static func run(repository: String, configPath: String?, ownerCheck: Bool,
                           environment: [String: String], today: Date) throws -> ProjectValidation {
        let workspace = try Workspace(repository: repository, configPath: configPath, ownerCheck: ownerCheck)
        guard let root = workspace.root else {
            throw InputError("validate reads contracts/ from the working tree; this repository is bare")
        }
        let tree = DirectoryTree(root: root)
        let contracts = try workspace.contracts(from: tree)
        let location = try workspace.locateDbtProject(in: [tree])
        let project = try DbtProject.load(tree: tree, settings: DbtSettings(workspace: workspace, environment: environment))
        let selectable = try selectableModels(project)

        let dangling = try ReferenceResolution.unresolvedReferences(in: project)
        let evaluation = try RuleEngine.evaluate(changes: [], impacts: [:], contracts: contracts,
                                                 today: CalendarDay(date: today), build: BuildBreaks(danglingReferences: dangling),
                                                 adapter: project.adapter())
        let fails = evaluation.findings.contains { !$0.waived && workspace.config.failOn.fails($0.severity) }
        return ProjectValidation(
            configExists: workspace.configExists, configPath: workspace.configPath, project: location,
            modelCount: selectable.count, contractCount: contracts.contracts.count, odcsCount: contracts.odcs.count,
            waiverCount: contracts.waivers.count, skipped: contracts.skipped,
            expiredWaivers: contracts.expiredWaivers(on: CalendarDay(date: today)),
            unreached: contracts.unreached(models: selectable), findings: evaluation.findings,
            diagnostics: CheckPipeline.unique(project.diagnostics), exitCode: fails ? 1 : 0)
    }

    /// The enabled models of a project as selectors see them (name, file, tags from every config level).
    static func selectableModels(_ project: DbtProject) throws -> [SelectableModel] {
        try project.graph().nodes.values.filter { $0.type == "model" }.compactMap { node in
            node.path.map { SelectableModel(name: node.name, path: $0, tags: node.tags) }
        }
    }
}
