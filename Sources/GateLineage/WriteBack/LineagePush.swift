import Foundation
import GateModel

/// `lineage push`: the dbt graph's edges between resources Secoda knows, created in Secoda
/// as manual lineage where missing (SECODA_API.md §4 `POST lineage/manual/`, one direction
/// only: Secoda creates the mirror).
public enum LineagePush {
    /// Node types that stand for a warehouse table or view.
    static let tableTypes: Set<String> = ["model", "seed", "snapshot", "source"]
    /// dbt's semantic layer: consumers in a check's impact, with no Secoda resource to draw lineage to.
    static let semanticLayerTypes: Set<String> = ["semantic_model", "metric", "saved_query"]

    /// Plans the push: resolves every end of the in-scope edges (tables through the same
    /// `TableResolver` the check uses; exposures to dashboards by title) and asks Secoda which
    /// edges it already has, in batched `lineage/manual/?from_entity__in=` queries.
    /// - Parameters:
    ///   - graph: the dbt graph; source nodes need their relation filled in by the caller.
    ///   - scope: dbt ids; only edges with an end among them are considered (nil: all edges).
    ///   - client: reads the catalog.
    ///   - integrationId: `catalog.secoda.integration_id`, to choose among same-named tables.
    /// - Throws: `CatalogError` when Secoda cannot be read.
    public static func plan(graph: ProjectGraph, scope: Set<String>?, client: SecodaClient,
                            integrationId: String?) async throws -> LineagePlan {
        var edges: [(String, String)] = []
        for node in graph.nodes.values where !semanticLayerTypes.contains(node.type) {
            for child in node.children where child != node.id && !semanticLayerTypes.contains(graph.nodes[child]?.type ?? "") {
                if let scope, !scope.contains(node.id), !scope.contains(child) { continue }
                edges.append((node.id, child))
            }
        }
        edges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        let endIds = Set(edges.flatMap { [$0.0, $0.1] })
        func end(_ id: String) -> LineageEnd {
            let node = graph.nodes[id]
            return LineageEnd(dbtId: id, name: node?.name ?? id, type: node?.type ?? String(id.prefix { $0 != "." }))
        }

        var ends: [String: LineageEnd] = [:]
        var reasons: [String: String] = [:]
        var relations: [String: Relation] = [:]
        var exposures: [String: (name: String, label: String?, url: String?)] = [:]
        for id in endIds {
            var item = end(id)
            let node = graph.nodes[id]
            if item.type == "exposure" {
                exposures[id] = (item.name, node?.label, node?.url)
                item.lookup = "dashboard titled like " + titledLike(name: item.name, label: node?.label)
            } else if tableTypes.contains(item.type), let relation = node?.relation {
                relations[id] = relation
                item.lookup = relation.description
            } else {
                reasons[id] = node == nil
                    ? "not defined in this project (another package?); its table cannot be looked up"
                    : "a \(item.type) without a warehouse relation cannot be matched to a Secoda table"
            }
            ends[id] = item
        }

        let source = SecodaCatalogSource(client: client)
        let resolution = try await TableResolver(source: source, integrationId: integrationId)
            .resolve(Array(Set(relations.values)))
        for (id, relation) in relations {
            if let table = resolution.resolved[relation] {
                ends[id]?.catalogId = table.id
            } else {
                switch resolution.unresolved[relation] {
                case .ambiguous(let ids)?:
                    reasons[id] = "\(relation) matches \(ids.count) Secoda tables (\(ids.joined(separator: ", "))); "
                        + "set catalog.secoda.integration_id to choose"
                default:
                    reasons[id] = "\(relation) is not in Secoda (not synced from the warehouse yet?)"
                }
            }
        }
        let dashboards = try await resolveExposures(exposures, client: client)
        for (id, exposure) in exposures {
            switch dashboards[id] {
            case .some(.success(let dashboardId)): ends[id]?.catalogId = dashboardId
            case .some(.failure(let problem)): reasons[id] = problem.message
            case nil: reasons[id] = "no Secoda dashboard is titled like " + titledLike(name: exposure.name, label: exposure.label)
            }
        }

        let resolvedIds = Set(ends.values.compactMap(\.catalogId))
        let existing = try await existingEdges(among: Array(resolvedIds), client: client)

        var plan = LineagePlan(edgesInScope: edges.count)
        var seenPairs = Set<SnapshotEdge>()
        var blocked: [String: Int] = [:]
        for (fromId, toId) in edges {
            guard let from = ends[fromId], let to = ends[toId] else { continue }
            guard let fromCatalog = from.catalogId, let toCatalog = to.catalogId else {
                if from.catalogId == nil { blocked[fromId, default: 0] += 1 }
                if to.catalogId == nil { blocked[toId, default: 0] += 1 }
                continue
            }
            // Two dbt edges can land on the same Secoda pair (versions, a model and its alias);
            // one POST covers both. A node that resolves to its own parent's table is no edge.
            guard fromCatalog != toCatalog, seenPairs.insert(SnapshotEdge(from: fromCatalog, to: toCatalog)).inserted else {
                continue
            }
            let edge = LineageEdgePlan(from: from, to: to)
            if existing.contains(SnapshotEdge(from: fromCatalog, to: toCatalog)) {
                plan.present.append(edge)
            } else {
                plan.create.append(edge)
            }
        }
        plan.unresolved = blocked.keys.sorted().compactMap { id in
            guard let end = ends[id] else { return nil }
            return UnresolvedLineageEnd(end: end, reason: reasons[id] ?? "did not resolve", edges: blocked[id] ?? 0)
        }
        return plan
    }

    /// Creates the planned edges, paced under the write limit. Never throws: a failure is
    /// recorded and, when Secoda itself is failing (not refusing one edge), stops the run, which
    /// can be re-run safely because the next plan only holds what is still missing.
    public static func apply(_ plan: LineagePlan, writer: CatalogWriter,
                             progress: (@Sendable (WriteProgress) -> Void)? = nil) async -> LineagePushResult {
        let applied = await PacedApply.run(plan.create, writer: writer, progress: progress,
                                           skip: { $0.from.catalogId == nil || $0.to.catalogId == nil }) { edge in
            try await create(from: edge.from.catalogId ?? "", to: edge.to.catalogId ?? "", writer: writer)
        }
        var result = LineagePushResult()
        for (edge, outcome) in applied.done {
            switch outcome {
            case .created: result.created.append(edge)
            case .alreadyPresent: result.alreadyPresent.append(edge)
            }
        }
        result.failed = applied.failed
        result.notAttempted = applied.notAttempted
        result.stoppedBecause = applied.stoppedBecause
        return result
    }

    private enum Created { case created, alreadyPresent }

    /// POSTs one edge, at most `maxAttempts` times, and never blindly twice: after an answer
    /// that was lost (`WriteOutcomeUnknown`) Secoda is asked whether the edge is there now, and
    /// the POST is sent again only when it is not. A 400 is looked into the same way (a write
    /// that landed before may be answered "already exists").
    private static func create(from: String, to: String, writer: CatalogWriter) async throws -> Created {
        var attempt = 0
        while true {
            attempt += 1
            do {
                _ = try await writer.write("POST", "lineage/manual/", body: [
                    "from_entity": .string(from), "to_entity": .string(to), "direction": .string("DOWNSTREAM"),
                ])
                return .created
            } catch let lost as WriteOutcomeUnknown {
                if try await edgeExists(from: from, to: to, client: writer.client) { return .created }
                guard attempt < writer.client.options.maxAttempts else {
                    throw CatalogError(lost.cause.kind, lost.cause.message + " (no answer to \(attempt) attempts, and the edge is not there)")
                }
            } catch let error as CatalogError where error.kind == .rejected {
                if (try? await edgeExists(from: from, to: to, client: writer.client)) == true { return .alreadyPresent }
                throw error
            }
        }
    }

    // MARK: Lookups

    /// The data-flow pairs Secoda has among `ids`: a `DOWNSTREAM` row A→B, or the `UPSTREAM`
    /// row B→A that mirrors it (SECODA_API.md §6), whichever the listing holds.
    static func existingEdges(among ids: [String], client: SecodaClient) async throws -> Set<SnapshotEdge> {
        let unique = Array(Set(ids)).sorted()
        guard !unique.isEmpty else { return [] }
        try SecodaCatalogSource.checkIds(unique)
        let batches = try await client.concurrently(unique.chunked(client.options.idsPerRequest)) { chunk in
            try await SecodaCatalogSource(client: client).lineageRows(from: chunk, maxPages: 100_000)
        }
        var pairs = Set<SnapshotEdge>()
        for row in batches.joined() {
            switch row.direction {
            case "DOWNSTREAM": pairs.insert(SnapshotEdge(from: row.from, to: row.to))
            case "UPSTREAM": pairs.insert(SnapshotEdge(from: row.to, to: row.from))
            default: break
            }
        }
        return pairs
    }

    /// Whether Secoda has the edge `from → to` now.
    static func edgeExists(from: String, to: String, client: SecodaClient) async throws -> Bool {
        try await existingEdges(among: [from, to], client: client).contains(SnapshotEdge(from: from, to: to))
    }

    /// A problem that keeps an exposure from resolving.
    struct ExposureProblem: Error {
        var message: String
    }

    /// Exposures matched to dashboards: a dashboard whose title, folded (case, `_`, `-` and
    /// spaces), equals the exposure's `label`, else its name, folded the same way. One `contains`
    /// query per few spellings. Of two matching dashboards, the one at the exposure's `url` is
    /// chosen (as the lineage walk merges them, `LineageWalker.urlKey`); otherwise they are
    /// ambiguous, never guessed between.
    static func resolveExposures(_ exposures: [String: (name: String, label: String?, url: String?)],
                                 client: SecodaClient) async throws
        -> [String: Result<String, ExposureProblem>]
    {
        guard !exposures.isEmpty else { return [:] }
        // `contains` is a substring test, so each spelling a title may use is asked for.
        var spellings = Set<String>()
        for name in exposures.values.flatMap({ [$0.name] + ($0.label.map { [$0] } ?? []) }) {
            let words = titleWords(name)
            spellings.formUnion([words, words.replacingOccurrences(of: " ", with: "_"),
                                 words.replacingOccurrences(of: " ", with: "-")])
        }
        let batches = try await client.concurrently(spellings.sorted().chunked(20)) { chunk in
            let titles = CatalogFilter.or(chunk.map { CatalogFilter.contains("title", .string($0)) })
            let filter = CatalogFilter.and([CatalogFilter.exact("type", .string("dashboard")), titles])
            return try await client.list("resource/catalog/", query: [("filter", CatalogFilter.encode(filter))],
                                         as: CatalogResource.self)
        }
        var byTitle: [String: Set<String>] = [:]
        var urlKeys: [String: String] = [:]
        for dashboard in batches.joined() where dashboard.type == "dashboard" {
            byTitle[titleWords(dashboard.title), default: []].insert(dashboard.id)
            urlKeys[dashboard.id] = dashboard.url.flatMap(LineageWalker.urlKey)
        }
        var result: [String: Result<String, ExposureProblem>] = [:]
        for (id, (name, label, url)) in exposures {
            // The label is the exposure's human name; a label no dashboard has falls back to the name.
            let words = label.map(titleWords).flatMap { byTitle[$0] == nil ? nil : $0 } ?? titleWords(name)
            let matches = (byTitle[words] ?? []).sorted()
            let atURL = url.flatMap(LineageWalker.urlKey).map { key in matches.filter { urlKeys[$0] == key } } ?? []
            switch matches.count {
            case 0: continue
            case 1: result[id] = .success(matches[0])
            case _ where atURL.count == 1: result[id] = .success(atURL[0])
            default:
                result[id] = .failure(ExposureProblem(message: "\(matches.count) Secoda dashboards are titled like "
                    + "\"\(words)\" (\(matches.joined(separator: ", "))); rename one so the exposure names one dashboard"))
            }
        }
        return result
    }

    /// The titles an exposure is looked for under, quoted: its label's words, then its name's.
    static func titledLike(name: String, label: String?) -> String {
        var spellings = label.map { [titleWords($0)] } ?? []
        if !spellings.contains(titleWords(name)) { spellings.append(titleWords(name)) }
        return spellings.map { "\"\($0)\"" }.joined(separator: " or ")
    }

    /// `Revenue_Overview-v2` → `revenue overview v2`: how exposure names and dashboard titles are compared.
    static func titleWords(_ text: String) -> String {
        text.lowercased()
            .map { $0 == "_" || $0 == "-" ? " " : $0 }
            .reduce(into: "") { $0.append($1) }
            .split(separator: " ", omittingEmptySubsequences: true)
            .joined(separator: " ")
    }
}

extension CatalogFilter {
    static func contains(_ field: String, _ value: JSONValue) -> JSONValue {
        .object(["operator": .string("contains"), "field": .string(field), "value": value])
    }

    static func or(_ operands: [JSONValue]) -> JSONValue {
        .object(["operator": .string("or"), "operands": .array(operands)])
    }
}
