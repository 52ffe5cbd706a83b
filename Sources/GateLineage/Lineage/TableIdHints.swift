import Foundation
import GateModel

/// Catalog table ids that earlier runs resolved, so that a run can start reading Secoda's
/// lineage below them while the resolution that confirms them is still on its way: one round
/// trip fewer on every run after the first (`CatalogImpact`).
///
/// Only ever a hint. Every run still resolves its relations against Secoda; unless the hinted
/// ids are exactly the resolved ones (a table re-created under a new id, a second table of the
/// same name, a model renamed), what was read below them is dropped and the walk reads ahead
/// from the resolved ids as it would without hints. So a stale or foreign file costs requests,
/// never a different impact; a file that cannot be read counts as empty, and one that cannot be
/// written stays as it was.
///
/// One small tab-separated file per Secoda endpoint and integration, most recently resolved
/// first, at most `capacity` lines, in the cache folder: `CONTRACT_GATE_CACHE_DIR`, else
/// `$XDG_CACHE_HOME/contract-gate`, else `~/.cache/contract-gate`.
public struct TableIdHints: Sendable {
    public let directory: URL
    /// Relations remembered per endpoint and integration; the least recently resolved go first.
    public var capacity = 5000

    public init(directory: URL) {
        self.directory = directory
    }

    /// The cache folder the environment names. Nil when hints are off
    /// (`CONTRACT_GATE_CACHE_DIR` set empty or to `off`) or no home folder is known.
    public static func standard(environment: [String: String]) -> TableIdHints? {
        CacheFolder.standard(environment: environment).map(TableIdHints.init(directory:))
    }

    /// Which Secoda tables a file speaks of: the endpoint (without any user or password in it)
    /// and the integration resolution is limited to.
    public static func scope(baseURL: String, integrationId: String?) -> String {
        var components = URLComponents(string: baseURL)
        components?.user = nil
        components?.password = nil
        return (components?.string ?? baseURL) + " " + (integrationId ?? "*")
    }

    /// The remembered table id of each relation that has one.
    public func ids(for relations: [Relation], scope: String) -> [Relation: String] {
        let remembered = Dictionary(read(scope: scope), uniquingKeysWith: { first, _ in first })
        var ids: [Relation: String] = [:]
        for relation in relations {
            if let key = Self.key(relation), let id = remembered[key] { ids[relation] = id }
        }
        return ids
    }

    /// Remembers the ids `resolution` resolved, first, and forgets the relations it could not
    /// resolve; the file is rewritten only when that changes it.
    /// - Returns: whether the file was rewritten.
    @discardableResult
    public func remember(_ resolution: TableResolution, scope: String) -> Bool {
        let old = read(scope: scope)
        let resolved = resolution.resolved.compactMap { relation, table in
            Self.key(relation).map { ($0, table.id) }
        }.filter { SecodaID.isValid($0.1) }.sorted { $0.0 < $1.0 }
        var settled = Set(resolved.map(\.0))
        settled.formUnion(resolution.unresolved.keys.compactMap(Self.key))
        let entries = Array((resolved + old.filter { !settled.contains($0.0) }).prefix(capacity))
        guard !entries.elementsEqual(old, by: { $0 == $1 }) else { return false }
        let text = ([Self.header(scope)] + entries.map { "\($0.0)\t\($0.1)" }).joined(separator: "\n") + "\n"
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file(scope: scope), options: .atomic)
            return true
        } catch {
            // A hint that cannot be kept is a round trip lost next time, nothing more.
            return false
        }
    }

    /// The file for `scope`: named by a hash of it, headed by it (so two scopes that share a
    /// hash never read each other's ids).
    func file(scope: String) -> URL {
        let hash = StableHash.fnv1a(scope)   // the same in every run
        return directory.appendingPathComponent("table-ids-" + String(hash, radix: 16) + ".tsv")
    }

    private static func header(_ scope: String) -> String {
        "# contract-gate table ids, v1, " + scope.replacingOccurrences(of: "\n", with: " ")
    }

    /// The file's (relation key, id) lines, most recent first; empty when it is missing,
    /// unreadable, of another scope or version.
    private func read(scope: String) -> [(String, String)] {
        guard let data = try? Data(contentsOf: file(scope: scope)) else { return [] }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == Self.header(scope) else { return [] }
        return lines.dropFirst().prefix(capacity).compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2, SecodaID.isValid(String(fields[1])) else { return nil }
            return (String(fields[0]), String(fields[1]))
        }
    }

    /// A relation as the resolver matches it (each part unquoted, lower-cased); nil for one
    /// that a line could not hold.
    static func key(_ relation: Relation) -> String? {
        let key = [relation.database ?? "", relation.schema ?? "", relation.identifier].map(Relation.normalize).joined(separator: ".")
        return key.contains(where: { $0 == "\t" || $0 == "\n" || $0 == "\r" }) ? nil : key
    }
}
