import GateModel
import Testing
@testable import ContractGate

@Suite struct BaseSelectionTests {
    @Test func flagWinsOverEverything() {
        let choice = BaseSelection.choose(
            flag: "HEAD~2", configured: "origin/develop", environment: ["GITHUB_BASE_REF": "main"])
        #expect(choice == .revision("HEAD~2"))
    }

    @Test func ciTargetBranchBeatsConfiguredBase() {
        #expect(BaseSelection.choose(flag: nil, configured: "origin/develop", environment: ["GITHUB_BASE_REF": "release"])
            == .revision("origin/release"))
        #expect(BaseSelection.choose(
            flag: nil, configured: nil, environment: ["CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"])
            == .revision("origin/main"))
    }

    @Test func configuredBaseThenRemoteDefault() {
        #expect(BaseSelection.choose(flag: nil, configured: "origin/develop", environment: [:]) == .revision("origin/develop"))
        #expect(BaseSelection.choose(flag: "", configured: nil, environment: ["GITHUB_BASE_REF": ""]) == .remoteDefault)
    }
}

@Suite struct VerdictTests {
    func finding(_ severity: Severity, waived: Bool = false) -> Finding {
        Finding(rule: "COLUMN_NO_DELETE", category: .breaking, severity: severity, message: "m", waived: waived)
    }

    func judge(_ findings: [Finding], failOn: FailOn) -> Report {
        Report.judged(base: "b", head: "h", failOn: failOn, catalog: CatalogStatus(), changes: [], impact: [],
                      findings: findings, diagnostics: [], rules: [], checked: [:], timings: [:])
    }

    @Test func worstUnwaivedFindingDecides() {
        #expect(judge([finding(.warning)], failOn: .error).exitCode == 0)
        #expect(judge([finding(.warning), finding(.error)], failOn: .error).exitCode == 1)
        #expect(judge([finding(.warning)], failOn: .warning).verdict == .fail)
        #expect(judge([finding(.error)], failOn: .never).verdict == .pass)
    }

    @Test func waivedFindingsNeverFail() {
        let report = judge([finding(.error, waived: true)], failOn: .error)
        #expect(report.verdict == .pass)
        #expect(report.summary.waived == 1)
        #expect(report.summary.errors == 0)
    }
}
