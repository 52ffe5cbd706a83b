import Foundation
import SecodaAPI
import GateModel

/// What the resolver and the lineage walker need from a catalog. Two implementations: live
/// Secoda over HTTP, and an offline snapshot in memory; both answer the same questions the
/// same way, so online and offline impact agree.
public protocol CatalogSource: Sendable {
    /// Tables whose title is exactly one of `titles` (optionally only in one integration).
    func tables(titled titles: [String], integrationId: String?) async throws -> [CatalogResource]
    /// Direct downstream ids of each id (data flows id → child), from `DOWNSTREAM` lineage rows.
    func downstream(of ids: [String]) async throws -> DownstreamLinks
    /// Metadata of the resources with these ids; unknown ids are absent from the result.
    func resources(ids: [String]) async throws -> [String: CatalogResource]
    /// The workspace's users and groups, to put names on owner ids.
    func people() async throws -> CatalogPeople
    /// Lower-cased names of the columns marked `pii` in the catalog, by table id, for the tables
    /// `ids` (tables without any are absent); nil when this source does not know columns' marks
    /// (a snapshot pulled before `catalog pull` copied them).
    func piiColumns(ofTables ids: [String]) async throws -> [String: Set<String>]?
    /// This catalog with the lineage below `roots` (and its resources) read ahead of a walk of
    /// `maxDepth` levels, up to `maxNodes` nodes; it answers the same as `self`. Sources that
    /// answer from memory return themselves.
    func readAhead(below roots: [String], maxDepth: Int, maxNodes: Int) async throws -> any CatalogSource
}

extension CatalogSource {
    public func readAhead(below roots: [String], maxDepth: Int, maxNodes: Int) async throws -> any CatalogSource { self }
}

/// What `CatalogSource.downstream(of:)` answers.
public struct DownstreamLinks: Sendable, Equatable {
    /// Direct downstream ids by id, sorted; ids without downstream lineage may be absent.
    public var children: [String: [String]]
    /// Ids whose lineage listing had more pages than the client's page cap: their children are
    /// only those on the pages read, so a walk through them is incomplete and must say so.
    /// (A node with 100,000 consumers cuts the walk, like the node budget, instead of failing it.)
    public var partial: Set<String>

    public init(children: [String: [String]] = [:], partial: Set<String> = []) {
        self.children = children
        self.partial = partial
    }
}
