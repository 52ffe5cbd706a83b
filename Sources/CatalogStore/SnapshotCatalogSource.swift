import Foundation
import SecodaAPI
import GateModel

/// The offline catalog: a pulled snapshot, indexed in memory.
public struct SnapshotCatalogSource: CatalogSource {
    public let snapshot: CatalogSnapshot
    private let byId: [String: CatalogResource]
    private let tablesByTitle: [String: [CatalogResource]]
    private let children: [String: [String]]

    /// Indexes `snapshot` for lookups by id, table title and lineage source.
    public init(snapshot: CatalogSnapshot) {
        self.snapshot = snapshot
        var byId: [String: CatalogResource] = [:]
        var tablesByTitle: [String: [CatalogResource]] = [:]
        for resource in snapshot.resources {
            byId[resource.id] = resource
            if resource.type == "table" { tablesByTitle[resource.title, default: []].append(resource) }
        }
        var children: [String: Set<String>] = [:]
        for edge in snapshot.lineage { children[edge.from, default: []].insert(edge.to) }
        self.byId = byId
        self.tablesByTitle = tablesByTitle
        self.children = children.mapValues { $0.sorted() }
    }

    public func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource] {
        Set(titles).sorted().flatMap { tablesByTitle[$0] ?? [] }.filter { integrationId == nil || $0.integration == integrationId }
    }

    public func downstream(of ids: [String]) async throws -> DownstreamLinks {
        var result = DownstreamLinks()
        for id in Set(ids) { if let list = children[id] { result.children[id] = list } }
        return result
    }

    public func resources(ids: [String]) async throws -> [String: CatalogResource] {
        var result: [String: CatalogResource] = [:]
        for id in Set(ids) { if let resource = byId[id] { result[id] = resource } }
        return result
    }

    public func people() async throws -> CatalogPeople {
        CatalogPeople(users: snapshot.users, groups: snapshot.groups, teams: snapshot.teams)
    }

    public func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]? {
        CatalogSnapshot.piiColumns(snapshot.piiColumns, ofTables: ids)
    }
}
