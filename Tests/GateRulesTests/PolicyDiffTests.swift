import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

/// `PolicyDiff` on whole `contracts/` folders: what counts as relaxing the policy, and where it points.
@Suite("Policy diff")
struct PolicyDiffTests {
    static let orders = """
        contract: orders
        owners: ["@data-orders"]
        models: ["models/marts/**"]
        rules:
          COLUMN_NO_DELETE: error

        """

    static func set(_ files: [(String, String)]) throws -> ContractSet { try ContractSet.parse(files: files) }

    static func changes(_ base: [(String, String)], _ head: [(String, String)]) throws -> [String] {
        try PolicyDiff.changes(base: set(base), head: set(head)).map { "\($0.kind.rawValue) \($0.location.path):\($0.location.line)" }
    }

    @Test func aWaiverKeptOrShortenedIsNotReportedButAnotherApproverIs() throws {
        func waiver(_ approver: String, _ expires: String) -> String {
            Self.orders + "waivers:\n  - {rule: COLUMN_NO_DELETE, model: fct_orders, reason: r, approved_by: \"\(approver)\", expires: \(expires)}\n"
        }
        let base = [("contracts/orders.yml", waiver("@lead", "2027-01-01"))]
        #expect(try Self.changes(base, [("contracts/orders.yml", waiver("@lead", "2026-06-01"))]).isEmpty)
        #expect(try Self.changes(base, [("contracts/orders.yml", waiver("@me", "2026-06-01"))])
                == ["POLICY_WAIVER_ADDED contracts/orders.yml:7"])
        // A waiver moved to another contract file is still the waiver the base grants.
        let moved = [("contracts/orders.yml", Self.orders),
                     ("contracts/other.yml", "contract: other\nmodels: [x]\nwaivers:\n  - {rule: COLUMN_NO_DELETE, model: FCT_ORDERS, reason: r, approved_by: \"@lead\", expires: 2027-01-01}\n")]
        #expect(try Self.changes(base, moved).isEmpty)
    }

    @Test func aRemovedContractAndARemovedODCSColumnAreNarrowings() throws {
        let odcs = """
            apiVersion: v3.0.2
            kind: DataContract
            name: orders-odcs
            schema:
              - name: fct_orders
                properties:
                  - name: order_id
                  - name: amount

            """
        let base = [("contracts/orders.yml", Self.orders), ("contracts/orders.odcs.yaml", odcs)]
        let head = [("contracts/orders.odcs.yaml", odcs.replacingOccurrences(of: "      - name: amount\n", with: ""))]
        #expect(try Self.changes(base, head).sorted()
                == ["POLICY_CONTRACT_NARROWED contracts/orders.odcs.yaml:5", "POLICY_CONTRACT_NARROWED contracts/orders.yml:1"])
        // Renamed in place: the same contract, nothing narrowed.
        #expect(try Self.changes(base, [("contracts/orders.yml", Self.orders.replacingOccurrences(of: "contract: orders", with: "contract: sales")),
                                        ("contracts/orders.odcs.yaml", odcs)]).isEmpty)
    }

    @Test func theDefaultPolicyLoweredOrRemovedIsAWeakening() throws {
        let strict = "contract: default\ndefault: true\nrules:\n  COLUMN_NO_DELETE: error\n  REF_RESOLVES: error\n"
        let base = [("contracts/default.yml", strict)]
        #expect(try Self.changes(base, [("contracts/default.yml", strict.replacingOccurrences(of: "COLUMN_NO_DELETE: error", with: "COLUMN_NO_DELETE: notice"))])
                == ["POLICY_RULE_WEAKENED contracts/default.yml:4"])
        // The file removed: the built-in policy's warning is lower than error; the finding points where the rule was.
        #expect(try Self.changes(base, []) == ["POLICY_RULE_WEAKENED contracts/default.yml:4"])
        // Raising a rule and adding one are not relaxations.
        #expect(try Self.changes(base, [("contracts/default.yml", strict + "  BLAST_RADIUS: warning\n")]).isEmpty)
    }

    @Test func optionsAndWhenUnusedChangesAreReported() throws {
        let base = [("contracts/orders.yml", Self.orders + "when_unused: warning\n")]
        let head = [("contracts/orders.yml", Self.orders.replacingOccurrences(
            of: "COLUMN_NO_DELETE: error", with: "COLUMN_NO_DELETE: error\n  COLUMN_SAME_TYPE: {severity: warning, allow: [widening]}")
            + "when_unused: \"off\"\n")]
        // COLUMN_SAME_TYPE was the default policy's warning with default options: new options are reported.
        #expect(try Self.changes(base, head).sorted()
                == ["POLICY_RULE_WEAKENED contracts/orders.yml:6", "POLICY_RULE_WEAKENED contracts/orders.yml:7"])
    }

    @Test func policyRulesBelongToTheDefaultPolicyAndCannotBeWaived() throws {
        let misplaced = Self.orders + "  POLICY_WAIVER_ADDED: error\nwaivers:\n  - {rule: POLICY_RULE_WEAKENED, model: x, reason: r, approved_by: \"@a\"}\n"
        let error = try #require(throws: InputErrors.self) { try Self.set([("contracts/orders.yml", misplaced)]) }
        let messages = error.errors.map { "\($0.location?.line ?? 0) \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("6 POLICY_WAIVER_ADDED judges changes to the policy itself") }, "\(messages)")
        #expect(messages.contains { $0.hasPrefix("8 POLICY_RULE_WEAKENED findings cannot be waived") }, "\(messages)")
        let policy = try Self.set([("contracts/default.yml", "contract: default\ndefault: true\nrules:\n  POLICY_WAIVER_ADDED: error\n")])
        #expect(policy.policySeverity(PolicyWaiverAddedRule.description) == .error)
        #expect(policy.policySeverity(PolicyRuleWeakenedRule.description) == .warning)
    }
}
