import Testing
@testable import GateGit
@Suite struct GateGitPlaceholder { @Test func builds() {} }
