/// Which revision a `check` compares against (DESIGN.md §1 step 1): `--base` when given, else the
/// target branch CI names (`GITHUB_BASE_REF`, `CI_MERGE_REQUEST_TARGET_BRANCH_NAME`, as
/// `origin/<branch>`), else the configured `base`, else the remote default branch. CI comes before
/// the configuration on purpose: a pull request into `release` is judged against `release`, not
/// against the `main` a repository configures for local runs.
public enum BaseSelection: Equatable, Sendable {
    /// A revision to resolve as written, then take the merge base with head.
    case revision(String)
    /// The repository's remote default branch (origin/HEAD, origin/main, …).
    case remoteDefault

    /// - Parameters:
    ///   - flag: `--base`, when given.
    ///   - configured: `base:` from contract-gate.yml.
    ///   - environment: the process environment (GitHub and GitLab name the PR target branch).
    public static func choose(flag: String?, configured: String?, environment: [String: String]) -> BaseSelection {
        if let flag, !flag.isEmpty { return .revision(flag) }
        for variable in ["GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"] {
            if let branch = environment[variable], !branch.isEmpty { return .revision("origin/\(branch)") }
        }
        if let configured, !configured.isEmpty { return .revision(configured) }
        return .remoteDefault
    }
}
