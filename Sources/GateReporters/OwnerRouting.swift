import GateModel

/// The people an impact reaches, each with the resources of theirs it reaches: what the
/// Markdown and text reports print as "Finance (alice@…, bob@…): Revenue Overview, Finance Export".
struct OwnerGroup: Equatable {
    /// The owner's contact label (`Owner.contactLabel`), or nil for resources nobody owns.
    var label: String?
    /// Display name alone (bold in Markdown); nil for the "no known owner" group.
    var name: String?
    /// What follows the name: a group's members or a person's email, already in brackets.
    var contact: String?
    /// Names of the owner's resources the change reaches, sorted, unique.
    var resources: [String]
}

extension ReportFacts {
    /// Owners of the consumers the change reaches (stale dashboards excluded), sorted by name,
    /// then one group for consumers without a known owner.
    var affectedOwners: [OwnerGroup] {
        Self.group(report.impact.flatMap(\.downstream).filter { !$0.stale }, includeUnowned: true)
    }

    /// Owners of the stale dashboards the change reaches: people to ask before deprecating them.
    var staleOwners: [OwnerGroup] {
        Self.group(report.impact.flatMap(\.downstream).filter(\.stale), includeUnowned: true)
    }

    /// Every handle the findings ask to mention, unique and sorted (only well-formed handles).
    var mentions: [String] {
        Array(Set(unwaived.flatMap(\.mentions).filter(Self.isHandle))).sorted()
    }

    /// `@user` or `@org/team`: the reporters' own check before text becomes a live mention.
    static func isHandle(_ text: String) -> Bool {
        guard text.hasPrefix("@"), text.count > 1, text.count <= 100 else { return false }
        let body = text.dropFirst()
        let parts = body.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else { return false }
        return body.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0) || $0 == "/") }
    }

    static func group(_ nodes: [DownstreamNode], includeUnowned: Bool) -> [OwnerGroup] {
        var byOwner: [String: (owner: Owner, resources: Set<String>)] = [:]
        var unowned = Set<String>()
        for node in nodes {
            if node.owners.isEmpty { unowned.insert(node.name) }
            for owner in node.owners {
                // The same person may arrive as a Secoda user and a dbt owner with the same email.
                let key = owner.email.map { "email:" + $0.lowercased() } ?? "\(owner.kind):\(owner.id)"
                byOwner[key, default: (owner, [])].resources.insert(node.name)
            }
        }
        var groups = byOwner.values.map { entry -> OwnerGroup in
            let owner = entry.owner
            let contact: String? = if !owner.members.isEmpty {
                "(" + owner.members.joined(separator: ", ") + ")"
            } else if let email = owner.email, email != owner.displayName {
                "<\(email)>"
            } else {
                nil
            }
            return OwnerGroup(label: owner.contactLabel, name: owner.displayName, contact: contact,
                              resources: entry.resources.sorted())
        }
        groups.sort { ($0.name ?? "", $0.label ?? "") < ($1.name ?? "", $1.label ?? "") }
        // "No known owner" only means something next to owners that are known; without any owner
        // data (no catalog) it would just repeat the impact list.
        if includeUnowned, !unowned.isEmpty, !groups.isEmpty {
            groups.append(OwnerGroup(label: nil, name: nil, contact: nil, resources: unowned.sorted()))
        }
        return groups
    }

    /// "A, B, C and 4 more".
    static func shortList(_ names: [String], limit: Int) -> String {
        let shown = names.prefix(limit).joined(separator: ", ")
        return names.count > limit ? shown + " and \(names.count - limit) more" : shown
    }

    /// The rules the shown findings come from, in ID order, with their documentation link when
    /// the report carries the rule's metadata.
    var firedRules: [(id: String, helpURI: String?)] {
        let ids = Set(findings.filter { $0.severity != .off }.map(\.rule)).sorted()
        return ids.map { id in (id, report.rules.first { $0.id == id }.map(\.helpURI).flatMap { $0.isEmpty ? nil : $0 }) }
    }

    /// The documentation link of `rule`, if the report carries its metadata.
    func helpURI(of rule: String) -> String? {
        report.rules.first { $0.id == rule }.map(\.helpURI).flatMap { $0.isEmpty ? nil : $0 }
    }
}
