import GateModel

/// dbt's own owner fields of a node, as the gate lists owners.
package enum DbtOwners {
    /// A dbt node's `meta.owner` and `group` as owners (kind `dbt`), the way impact lists name them.
    package static func of(owner: String?, group: String?) -> [Owner] {
        var owners: [Owner] = []
        if let owner, !owner.isEmpty { owners.append(Owner(id: owner, name: owner, kind: "dbt")) }
        if let group, !group.isEmpty { owners.append(Owner(id: "group:" + group, name: "dbt group " + group, kind: "dbt")) }
        return owners
    }
}
