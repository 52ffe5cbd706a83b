import Foundation
import GateConfig
import GateGit
import GateModel
import GateRules

/// Which policy judges a check (DESIGN.md §9 "Policy from the base"), and how the change relaxes
/// the policy it is judged by.
///
/// - Commit ranges (CI, `--base/--head`, the pre-push hook) read contract-gate.yml and
///   `contracts/` from the base revision, through GateGit's tree, so a change cannot waive its own
///   break, lower a rule or point the catalog key elsewhere and be judged by that.
/// - `--policy head`, `--staged` and `--worktree` read the working tree, as the author edits it.
///
/// Either way the policy at the base is compared with the one at the head, and every relaxation
/// becomes a POLICY finding.
struct PolicySelection {
    /// The policy the change is judged by.
    var inForce: Policy
    /// What each side's dbt project is read with: a revision's own `dbt:` section describes its
    /// own layout (a change may move the project; reading it elsewhere only shows more change).
    var baseConfig: GateConfig
    var headConfig: GateConfig
    var relaxations: [PolicyChange]
    var notices: [Diagnostic]

    static func choose(workspace: Workspace, resolved: ResolvedChange, request: CheckRequest) throws -> PolicySelection {
        let source: CheckRequest.PolicySource
        switch request.target {
        case .commits: source = request.policy ?? .base
        case .staged, .worktree: source = request.policy ?? .head
        }
        let baseSha = resolved.changeSet.base
        let short = String(baseSha.prefix(12))
        // The config is read at the same repository path on every side; a file named with
        // --config outside the repository is the caller's and is read as it is.
        let configPath = workspace.repositoryRelativeConfigPath

        func load(_ tree: FileTree, origin: Policy.Origin) throws -> Policy {
            guard let configPath else {
                return try Policy.load(config: workspace.config, contractsFrom: tree, origin: origin, hasConfigFile: true)
            }
            let policy = try Policy.load(from: tree, configPath: configPath, origin: origin)
            // A file named with --config is meant to exist: the defaults would be a silent surprise.
            if !policy.hasConfigFile, configPath != GateConfig.fileName, case .revision(let sha) = origin {
                throw InputErrors([InputError(
                    "the configuration file \(configPath) (--config) does not exist at revision \(sha.prefix(12)), whose "
                    + "policy this check reads; commit it there, or check locally with --policy head",
                    at: SourceLocation(path: configPath))])
            }
            return policy
        }

        switch source {
        case .base:
            let base: Policy
            do {
                base = try load(resolved.baseTree, origin: .revision(baseSha))
            } catch let error as InputErrors {
                throw PolicyAtBaseError(errors: error, revision: short)
            }
            // The head's policy must parse too: merged, it becomes the next change's base.
            let head = try load(resolved.headTree, origin: .revision(resolved.changeSet.head.description))
            var notices: [Diagnostic] = []
            let name = configPath ?? workspace.configPath
            if !base.hasConfigFile && head.hasConfigFile {
                notices.append(Diagnostic(severity: .notice, message:
                    "the base revision \(short) has no \(name), so the default configuration judges this change; "
                    + "the head's \(name) applies once merged (`--policy head` tries it now)."))
            }
            let edited = resolved.changeSet.changes.flatMap { [$0.path, $0.oldPath ?? $0.path] }
                .filter { $0 == name || $0.hasPrefix("contracts/") }
            if !edited.isEmpty {
                var seen = Set<String>()
                let files = edited.filter { seen.insert($0).inserted }
                notices.append(Diagnostic(severity: .notice, message:
                    "this change edits the policy (\(files.prefix(5).joined(separator: ", "))"
                    + (files.count > 5 ? " and \(files.count - 5) more" : "") + "); it is judged by the base revision "
                    + "\(short)'s policy, and the edits apply once merged (`--policy head` tries them now)."))
            }
            return PolicySelection(inForce: base, baseConfig: base.config, headConfig: head.config,
                                   relaxations: base.relaxations(in: head), notices: notices)
        case .head:
            let working = try Policy.load(
                config: workspace.config, contractsFrom: workspace.contractTree(fallback: resolved.headTree),
                origin: .workingTree, hasConfigFile: workspace.config.path != nil)
            var relaxations: [PolicyChange] = []
            var notices: [Diagnostic] = []
            do {
                relaxations = try load(resolved.baseTree, origin: .revision(baseSha)).relaxations(in: working)
            } catch let error as InputErrors {
                notices.append(Diagnostic(severity: .warning, message:
                    "the policy at \(short) does not load, so how this change relaxes it is not reported: "
                    + (error.errors.first?.description ?? "")))
            }
            return PolicySelection(inForce: working, baseConfig: workspace.config, headConfig: workspace.config,
                                   relaxations: relaxations, notices: notices)
        }
    }
}

/// The base revision's policy does not load (exit 2): it judges the change, so the check cannot go on.
struct PolicyAtBaseError: GateError {
    var errors: InputErrors
    var revision: String

    var exitCode: GateExitCode { .usage }
    var description: String {
        errors.description + "\nerror: the policy above is the base revision \(revision)'s, which judges this change "
            + "(a commit range reads contract-gate.yml and contracts/ from its base). Fix it on the base branch, "
            + "or check locally with --policy head."
    }
}
