import GateModel
import GateRules

/// A rule threw while checking a model: the run stops with exit 2 naming the rule, never
/// passes silently.
public struct RuleFailure: GateError, Sendable {
    public var rule: String
    public var model: String
    public var message: String

    public var exitCode: GateExitCode { .usage }
    public var description: String {
        "error: rule \(rule) failed on model `\(model)`: \(message). This is a contract-gate bug or unexpected input; report it with the model's YAML."
    }
}

/// What the engine found.
public struct RuleEvaluation: Sendable, Hashable {
    /// Every finding, waived ones included (marked `waived`), plus WAIVER_EXPIRED warnings.
    public var findings: [Finding]
    /// Model → IDs of the rules that ran on it (severity not `off`), in catalogue order.
    public var checked: [String: [String]]
    /// Metadata of every rule that ran, plus WAIVER_EXPIRED when emitted (for `Report.rules`).
    public var rules: [RuleMetadata]
}

/// Runs the rule catalogue over changed models under their contracts (DESIGN.md §1 step 5), then
/// applies consumer-aware severity and waivers.
///
/// Order per model: BREAKING, GOVERNANCE and CATALOG rules → each BREAKING finding gets its
/// impact (downstream count, consumers, owners) and `when_unused` → waivers → IMPACT rules see the
/// unwaived breaks → DOWNSTREAM_DASHBOARD_IN_USE raises breaks that reach a dashboard in use →
/// waivers on IMPACT findings → expired waivers that would have applied become WAIVER_EXPIRED warnings.
public struct RuleEngine: Sendable {
    public var contracts: ContractSet
    public var today: CalendarDay
    public var catalog: CatalogFacts
    /// What breaks the next build (GateDbt's `ReferenceResolution` and `ColumnLineage`), for the BUILD rules.
    public var build: BuildBreaks
    /// How the change relaxes the policy (`PolicyDiff`), for the POLICY rules. Their severity
    /// comes from `contracts` — the policy in force — and no waiver covers them.
    public var policyChanges: [PolicyChange] = []
    public var rules: [any Rule.Type]
    /// The warehouse adapter, for type synonyms (see `RuleContext.adapter`).
    public var adapter: String?

    public init(contracts: ContractSet, today: CalendarDay, catalog: CatalogFacts = CatalogFacts(),
                build: BuildBreaks = BuildBreaks(), rules: [any Rule.Type] = RuleCatalog.all,
                adapter: String? = nil) {
        self.adapter = adapter
        self.contracts = contracts
        self.today = today
        self.catalog = catalog
        self.build = build
        self.rules = rules
    }

    /// One-call form of `RuleEngine(...).evaluate(changes:impacts:)`.
    public static func evaluate(changes: [ModelChange], impacts: [String: ModelImpact], contracts: ContractSet,
                                today: CalendarDay, catalog: CatalogFacts = CatalogFacts(),
                                build: BuildBreaks = BuildBreaks(), adapter: String? = nil,
                                policyChanges: [PolicyChange] = []) throws -> RuleEvaluation {
        var engine = RuleEngine(contracts: contracts, today: today, catalog: catalog, build: build, adapter: adapter)
        engine.policyChanges = policyChanges
        return try engine.evaluate(changes: changes, impacts: impacts)
    }

    /// `impacts` is keyed by model name. Throws `RuleFailure` when a rule throws.
    public func evaluate(changes: [ModelChange], impacts: [String: ModelImpact]) throws -> RuleEvaluation {
        var findings: [Finding] = []
        var checked: [String: [String]] = [:]
        var ran: Set<String> = []
        let waivers = contracts.waivers
        var expiredHit: [Waiver] = []
        // A changed model's own build breaks are checked with it; the rest (unchanged models,
        // snapshots, exposures the change breaks) after the changes.
        var unclaimed = build

        for change in changes {
            let policy = contracts.policy(for: change)
            let impact = impacts[change.name]
            var own: [Finding] = []
            var ids: [String] = []
            let breaks = unclaimed.claim(change)

            func run(_ type: any Rule.Type, breaking: [Finding]) throws -> [Finding] {
                let description = type.description
                let effective = policy.rule(description.id)
                guard effective.severity != .off else { return [] }
                ids.append(description.id)
                ran.insert(description.id)
                let context = RuleContext(
                    severity: effective.severity, options: RuleOptions(effective.options, defaults: description.options),
                    today: today, catalog: catalog, odcs: policy.odcs, contracts: policy.contracts,
                    breakingFindings: breaking, danglingReferences: breaks.danglingReferences,
                    brokenReads: breaks.brokenReads, contractMismatches: breaks.contractMismatches, adapter: adapter)
                do {
                    return try type.init().check(change, impact: impact, context: context).map { finding in
                        var finding = finding
                        finding.contract = effective.contract
                        return finding
                    }
                } catch {
                    throw RuleFailure(rule: description.id, model: change.name, message: String(describing: error))
                }
            }

            for type in rules where type.description.category != .impact && type.description.category != .policy {
                own += try run(type, breaking: [])
            }
            let readers = danglingReaders(of: change)
            own = own.compactMap { annotate($0, impact: impact, policy: policy, danglingReaders: readers) }
                .map { placedAtDanglingCall($0, change: change) }
            own = own.map { apply(waivers, to: $0, expired: &expiredHit) }

            let unwaivedBreaks = own.filter { $0.category == .breaking && !$0.waived }
            var impactFindings: [Finding] = []
            for type in rules where type.description.category == .impact {
                impactFindings += try run(type, breaking: unwaivedBreaks)
            }
            own = raiseForDashboards(own, impact: impact, policy: policy)
            own += impactFindings.compactMap { annotate($0, impact: impact, policy: policy) }
                .map(Self.countedOnce)
                .map { apply(waivers, to: $0, expired: &expiredHit) }

            findings += own
            checked[change.name] = ids
        }

        // BUILD findings about nodes the change does not touch: the node's contracts decide.
        for (subject, breaks) in unclaimed.bySubject() {
            let policy = contracts.policy(for: subject)
            var ids: [String] = []
            for type in rules where type.description.category == .build {
                let description = type.description
                let effective = policy.rule(description.id)
                guard effective.severity != .off else { continue }
                ids.append(description.id)
                ran.insert(description.id)
                let context = RuleContext(
                    severity: effective.severity, options: RuleOptions(effective.options, defaults: description.options),
                    today: today, catalog: catalog, odcs: policy.odcs, contracts: policy.contracts,
                    danglingReferences: breaks.danglingReferences, brokenReads: breaks.brokenReads,
                    contractMismatches: breaks.contractMismatches, adapter: adapter)
                do {
                    findings += try type.init().check(subject, impact: nil, context: context).map { finding in
                        var finding = finding
                        finding.contract = effective.contract
                        return apply(waivers, to: finding, expired: &expiredHit)
                    }
                } catch {
                    throw RuleFailure(rule: description.id, model: subject.name, message: String(describing: error))
                }
            }
            checked[subject.name, default: []] += ids.filter { !(checked[subject.name] ?? []).contains($0) }
        }

        findings += try policyFindings(ran: &ran)

        var seen: Set<SourceLocation> = []
        var emitted = false
        for waiver in expiredHit where seen.insert(waiver.location).inserted {
            emitted = true
            findings.append(Self.expiredFinding(waiver))
        }
        // Waivers past their date that name a changed model but matched nothing are still worth saying.
        let changed = Set(changes.map { $0.name.lowercased() })
        for waiver in waivers where waiver.isExpired(on: today) && changed.contains(waiver.model.lowercased())
            && seen.insert(waiver.location).inserted {
            emitted = true
            findings.append(Self.expiredFinding(waiver))
        }
        var metadata = RuleCatalog.metadata.filter { ran.contains($0.id) }
        if emitted { metadata.append(RuleCatalog.waiverExpired) }
        return RuleEvaluation(findings: Self.mergedProjectFileFindings(findings), checked: checked, rules: metadata)
    }

    /// The POLICY findings: one per relaxation, at the severity the policy in force gives its rule.
    func policyFindings(ran: inout Set<String>) throws -> [Finding] {
        guard !policyChanges.isEmpty else { return [] }
        var findings: [Finding] = []
        // The rules judge the policy, not a model; the protocol's change is a placeholder they ignore.
        let subject = ModelChange(name: "contracts", status: .modified, base: nil, head: nil)
        for type in rules where type.description.category == .policy {
            let description = type.description
            let severity = contracts.policySeverity(description)
            guard severity != .off else { continue }
            ran.insert(description.id)
            var context = RuleContext(severity: severity, today: today, catalog: catalog)
            context.policyChanges = policyChanges
            do {
                findings += try type.init().check(subject, impact: nil, context: context)
            } catch {
                throw RuleFailure(rule: description.id, model: "contracts", message: String(describing: error))
            }
        }
        return findings
    }

    /// Who a finding should name, per the deciding contract's `notify:`: owners of the consumers
    /// reached (as code-host handles where `handles:` knows them) and the contract's own owners.
    static func people(toTell consumers: [DownstreamNode], rule: EffectiveRule) -> [String] {
        var owners: [String] = []
        if rule.notify.contains(.consumers) {
            for owner in consumers.flatMap(\.owners) {
                let handle = [owner.email, owner.name, Optional(owner.id)].compactMap { $0 }
                    .compactMap { rule.handles[$0] }.first
                owners.append(handle ?? owner.displayName)
            }
        }
        if rule.notify.contains(.owners) { owners += rule.contractOwners }
        var unique: Set<String> = []
        return owners.filter { unique.insert($0).inserted }
    }

    /// Whom a PR comment should @-mention, per the deciding contract: the consumers' owners that
    /// `handles:` maps to a handle (with `notify: [consumers]`), and the contract's own owners
    /// (with `notify: [owners]`) when they are handles or `handles:` maps them. Only text the
    /// contract wrote becomes a mention; a name from the catalog never pings anyone by itself.
    static func mentions(toTell consumers: [DownstreamNode], rule: EffectiveRule) -> [String] {
        var mentions: [String] = []
        if rule.notify.contains(.consumers) {
            for owner in consumers.flatMap(\.owners) {
                if let handle = [owner.email, owner.name, Optional(owner.id)].compactMap({ $0 })
                    .compactMap({ rule.handles[$0] }).first { mentions.append(handle) }
            }
        }
        if rule.notify.contains(.owners) {
            for owner in rule.contractOwners { mentions.append(rule.handles[owner] ?? owner) }
        }
        var unique: Set<String> = []
        return mentions.filter { isHandle($0) && unique.insert($0).inserted }
    }

    /// `@user` or `@org/team`, as GitHub and GitLab spell mentions.
    static func isHandle(_ text: String) -> Bool {
        guard text.hasPrefix("@"), text.count > 1, text.count <= 100 else { return false }
        let body = text.dropFirst()
        let parts = body.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return false }
        return body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
    }

    /// The head models, snapshots and exposures whose calls to `change`'s base model no longer
    /// resolve because of the change: consumers, whatever the lineage walk found.
    func danglingReaders(of change: ModelChange) -> [String] {
        guard let old = change.base?.name else { return [] }
        var seen = Set<String>()
        return build.danglingReferences.filter { $0.resolvedAtBase && $0.targetType == "model" && $0.targetName == old }
            .map(\.referrer).filter { seen.insert($0).inserted }
    }

    /// Fills a BREAKING finding's impact and applies `when_unused`; nil drops a finding lowered to `off`.
    /// Other findings that name consumers get the people to tell. A model-level break of a model
    /// whose readers' calls now dangle (`danglingReaders`) counts those readers as consumers, so
    /// `when_unused` never lowers it.
    func annotate(_ finding: Finding, impact: ModelImpact?, policy: ModelPolicy,
                  danglingReaders: [String] = []) -> Finding? {
        guard finding.category == .breaking else {
            guard !finding.consumers.isEmpty, let impact else { return finding }
            var annotated = finding
            let named = Set(finding.consumers)
            let reached = impact.downstream.filter { named.contains($0.name) }
            annotated.owners = Self.people(toTell: reached, rule: policy.rule(finding.rule))
            annotated.mentions = Self.mentions(toTell: reached, rule: policy.rule(finding.rule))
            return annotated
        }
        var finding = finding
        let effective = policy.rule(finding.rule)
        let consumers = ConsumerReach.consumers(reachedBy: finding, in: impact)
        var names = consumers.map(\.name)
        if finding.column == nil { names += danglingReaders.filter { !names.contains($0) } }
        finding.downstream = names.count
        finding.consumers = names
        finding.owners = Self.people(toTell: consumers, rule: effective)
        finding.mentions = Self.mentions(toTell: consumers, rule: effective)
        // Why the column counts as used, from the models' SQL (column lineage).
        if let column = finding.column, !names.isEmpty, let note = impact?.columnNotes[column.lowercased()] {
            finding.message += " (Used: \(note).)"
        }

        // Lower a break nobody is known to consume; an ODCS promise is made to consumers outside
        // the lineage, and an unknown or incomplete impact is not "no consumer".
        if names.isEmpty, impact != nil, catalog.impactComplete, let ceiling = effective.whenUnused,
           finding.rule != OdcsSchemaSatisfiedRule.description.id, ceiling < finding.severity {
            if ceiling == .off { return nil }
            let what = finding.column == nil ? "nothing downstream reads the model" : "no downstream consumer uses the column"
            finding.message += " (Lowered to \(ceiling.rawValue) by `when_unused`: \(what).)"
            finding.severity = ceiling
        }
        return finding
    }

    /// Raises each unwaived BREAKING finding that reaches a dashboard in use to DOWNSTREAM_DASHBOARD_IN_USE's severity.
    func raiseForDashboards(_ findings: [Finding], impact: ModelImpact?, policy: ModelPolicy) -> [Finding] {
        let rule = policy.rule(DownstreamDashboardInUseRule.description.id)
        guard rule.severity != .off else { return findings }
        let options = RuleOptions(rule.options, defaults: DownstreamDashboardInUseRule.description.options)
        return findings.map { finding in
            guard finding.category == .breaking, !finding.waived, finding.severity < rule.severity else { return finding }
            let dashboards = DownstreamDashboardInUseRule.dashboardsInUse(reachedBy: finding, in: impact, options: options)
            guard let top = ConsumerReach.ranked(dashboards).first else { return finding }
            var raised = finding
            raised.severity = rule.severity
            raised.message += " (Raised to \(rule.severity.rawValue): reaches dashboard \(ConsumerReach.label(top))"
                + (dashboards.count > 1 ? " and \(dashboards.count - 1) more" : "") + " in use.)"
            return raised
        }
    }

    /// Marks `finding` waived by the first unexpired waiver covering it; records expired ones that would have.
    func apply(_ waivers: [Waiver], to finding: Finding, expired: inout [Waiver]) -> Finding {
        let covering = waivers.filter { $0.covers(finding) }
        expired += covering.filter { $0.isExpired(on: today) }
        guard let waiver = covering.first(where: { !$0.isExpired(on: today) }) else { return finding }
        var waived = finding
        waived.waived = true
        waived.waiver = waiver.reference
        return waived
    }

    static func expiredFinding(_ waiver: Waiver) -> Finding {
        let target = waiver.model + (waiver.column.map { ".\($0)" } ?? "")
        return Finding(
            rule: RuleCatalog.waiverExpired.id, category: .governance, severity: .warning, model: waiver.model,
            column: waiver.column,
            message: "Waiver for \(waiver.rule) on `\(target)` in contract `\(waiver.contract)` expired on \(waiver.expires?.description ?? "?") "
                + "(approved by \(waiver.approvedBy): \(waiver.reason)). It no longer applies; renew `expires` with a new approval, or fix the break.",
            location: waiver.location, contract: waiver.contract)
    }

    // MARK: Verdict

    /// The worst severity among unwaived findings (`off` when there are none).
    public static func worstUnwaivedSeverity(_ findings: [Finding]) -> Severity {
        findings.filter { !$0.waived }.map(\.severity).max() ?? .off
    }

    /// Pass or fail under `failOn`, with the matching exit code (0 or 1).
    public static func verdict(for findings: [Finding], failOn: FailOn) -> (verdict: Verdict, exitCode: GateExitCode) {
        failOn.fails(worstUnwaivedSeverity(findings)) ? (.fail, .violated) : (.pass, .pass)
    }
}
