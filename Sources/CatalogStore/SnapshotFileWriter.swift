import Foundation
import SecodaAPI
import GateJSON
import GateModel

/// Writes a snapshot file a piece at a time, byte for byte as `CatalogSnapshot.write(to:)` (one
/// `PrettyJSONEncoder` document) writes the same snapshot, without the whole document in memory:
/// the resources come from a spill file in id order and the lineage is encoded a slice at a time.
///
/// How it stays identical: the document around the two big arrays (people, PII marks, dates) is
/// encoded once by the same encoder with one sentinel element in each array, and cut where the
/// sentinels are; elements are encoded by the same encoder as a top-level array and re-indented
/// to the depth the document holds them at. If the sentinels are not found where they must be,
/// the writer fails rather than write different bytes.
package enum SnapshotFileWriter {
    /// Each value's bytes as an element of one of the snapshot's top-level arrays (`resources`,
    /// `lineage`): encoded as a top-level array's element (two-space indent) and shifted two
    /// spaces deeper. Values must encode as JSON objects.
    package static func elements<T: Encodable>(_ values: [T]) throws -> [[UInt8]] {
        guard !values.isEmpty else { return [] }
        let encoded: Data
        do { encoded = try PrettyJSONEncoder().encode(values) } catch {
            throw CatalogError(.snapshot, "cannot encode the catalog snapshot: \(error)")
        }
        let bytes = [UInt8](encoded)
        // `[`, newline, then elements `  {…}` separated by `,` newline, then newline `]`. An
        // element's own lines are indented deeper, so a newline, two spaces and `}` end one.
        var result: [[UInt8]] = []
        result.reserveCapacity(values.count)
        var index = 4   // after "[\n  "
        while index < bytes.count, result.count < values.count {
            guard bytes[index] == UInt8(ascii: "{") else { break }
            var element: [UInt8] = []
            var cursor = index
            var closed = false
            while cursor < bytes.count {
                let byte = bytes[cursor]
                element.append(byte)
                if byte == 0x0A {
                    if cursor + 3 < bytes.count, bytes[cursor + 1] == 0x20, bytes[cursor + 2] == 0x20, bytes[cursor + 3] == UInt8(ascii: "}") {
                        element.append(contentsOf: [0x20, 0x20, 0x20, 0x20, UInt8(ascii: "}")])
                        cursor += 4
                        closed = true
                        break
                    }
                    if cursor + 1 < bytes.count, bytes[cursor + 1] != 0x0A { element.append(contentsOf: [0x20, 0x20]) }
                }
                cursor += 1
            }
            guard closed else { break }
            result.append(element)
            index = cursor + 4   // past ",\n  " (or "\n]" at the end)
        }
        guard result.count == values.count else {
            throw CatalogError(.snapshot, "cannot encode the catalog snapshot: an element is not laid out as expected")
        }
        return result
    }

    /// Writes `catalog` to `url` through a temporary file beside it, renamed into place at the end:
    /// a reader never sees half a file, and a pull killed before the rename leaves the old one.
    /// `resourceBytes` gives a resource's element bytes (as `elements(_:)` makes them).
    package static func write(_ catalog: PulledCatalog, resourceBytes: (PulledResource) throws -> Data, to url: URL) throws {
        let resourceSentinel = CatalogResource(id: "contract-gate-sentinel-\(UUID().uuidString)", type: "sentinel", title: "")
        let edgeSentinel = SnapshotEdge(from: "contract-gate-sentinel-\(UUID().uuidString)", to: "")
        let skeleton: [UInt8]
        do {
            skeleton = [UInt8](try PrettyJSONEncoder().encode(catalog.skeleton(
                resources: catalog.resources.isEmpty ? [] : [resourceSentinel],
                lineage: catalog.lineage.isEmpty ? [] : [edgeSentinel])))
        } catch {
            throw CatalogError(.snapshot, "cannot encode the catalog snapshot: \(error)")
        }
        // The document's pieces in order: fixed bytes, then an array's elements where its sentinel was.
        enum Piece { case bytes(ArraySlice<UInt8>), resources, lineage }
        var cuts: [(range: Range<Int>, piece: Piece)] = []
        if !catalog.resources.isEmpty { cuts.append((try find(elements([resourceSentinel])[0], in: skeleton), .resources)) }
        if !catalog.lineage.isEmpty { cuts.append((try find(elements([edgeSentinel])[0], in: skeleton), .lineage)) }
        cuts.sort { $0.range.lowerBound < $1.range.lowerBound }
        var pieces: [Piece] = []
        var position = 0
        for cut in cuts {
            guard cut.range.lowerBound >= position else { throw layoutError }
            pieces.append(.bytes(skeleton[position..<cut.range.lowerBound]))
            pieces.append(cut.piece)
            position = cut.range.upperBound
        }
        pieces.append(.bytes(skeleton[position...]))
        // Between elements: a comma, a newline and the indent the sentinel had.
        var separator: [UInt8] = [UInt8(ascii: ","), 0x0A]
        if let first = cuts.first {
            let lineStart = (skeleton[..<first.range.lowerBound].lastIndex(of: 0x0A) ?? -1) + 1
            separator.append(contentsOf: skeleton[lineStart..<first.range.lowerBound])
        }

        try CatalogSnapshot.writeAtomically(to: url) { output in
            var buffer = OutputBuffer(handle: output)
            for piece in pieces {
                switch piece {
                case .bytes(let bytes):
                    try buffer.append(bytes)
                case .resources:
                    for (index, resource) in catalog.resources.enumerated() {
                        if index > 0 { try buffer.append(separator[...]) }
                        try buffer.append(resourceBytes(resource))
                    }
                case .lineage:
                    var index = 0
                    while index < catalog.lineage.count {
                        let slice = Array(catalog.lineage[index..<min(catalog.lineage.count, index + 1_000)])
                        for element in try elements(slice) {
                            if index > 0 { try buffer.append(separator[...]) }
                            try buffer.append(element[...])
                            index += 1
                        }
                    }
                }
            }
            try buffer.flush()
        }
    }

    private static var layoutError: CatalogError {
        CatalogError(.snapshot, "cannot encode the catalog snapshot: its layout is not as expected")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) throws -> Range<Int> {
        guard let first = needle.first, needle.count <= haystack.count else { throw layoutError }
        var start = 0
        while let index = haystack[start...].firstIndex(of: first) {
            if index + needle.count > haystack.count { break }
            if haystack[index..<index + needle.count].elementsEqual(needle) { return index..<index + needle.count }
            start = index + 1
        }
        throw layoutError
    }

    /// Bytes gathered into writes of about a megabyte.
    private struct OutputBuffer {
        let handle: FileHandle
        var bytes: [UInt8] = []

        init(handle: FileHandle) {
            self.handle = handle
            bytes.reserveCapacity(1 << 20)
        }

        mutating func append<C: Collection>(_ more: C) throws where C.Element == UInt8 {
            bytes.append(contentsOf: more)
            if bytes.count >= 1 << 20 { try flush() }
        }

        mutating func flush() throws {
            guard !bytes.isEmpty else { return }
            try handle.write(contentsOf: bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }
}

/// What `CatalogSnapshot.pull` reads from Secoda, with the resources themselves left where the
/// pull's `PulledResourceStore` put them (in memory, or spilled to disk page by page): tables
/// (past the per-query cap by a title split), dashboards and charts, all lineage, every other
/// resource lineage names, people and the PII marks of the tables' columns.
///
/// Why the resources are kept apart: a workspace of 65,000 tables is hundreds of megabytes of
/// decoded resources; `catalog pull` hands each page to a spilling store as it is read, so what
/// it holds at once is a few pages and an index of ids, and the snapshot writer copies the
/// resources' bytes from the spill in id order (issue 23, item 3).
package struct PulledCatalog: Sendable {
    /// One entry per resource id, sorted by id (the snapshot's order).
    package var resources: [PulledResource]
    /// Downstream edges, sorted.
    package var lineage: [SnapshotEdge]
    package var people: CatalogPeople
    package var piiColumns: [String: [String]]?
    package var takenAt: String
    package var baseURL: String?
    package var integrationId: String?

    package init(resources: [PulledResource], lineage: [SnapshotEdge], people: CatalogPeople, piiColumns: [String: [String]]?,
                 takenAt: String, baseURL: String?, integrationId: String?) {
        self.resources = resources
        self.lineage = lineage
        self.people = people
        self.piiColumns = piiColumns
        self.takenAt = takenAt
        self.baseURL = baseURL
        self.integrationId = integrationId
    }

    /// The snapshot's document without its resources and lineage.
    package func skeleton(resources: [CatalogResource], lineage: [SnapshotEdge]) -> CatalogSnapshot {
        CatalogSnapshot(takenAt: takenAt, baseURL: baseURL, integrationId: integrationId, resources: resources, lineage: lineage,
                        users: people.users, groups: people.groups, teams: people.teams, piiColumns: piiColumns)
    }

    package var summary: CatalogSnapshot.PullSummary {
        CatalogSnapshot.PullSummary(tables: resources.count { $0.isTable }, resources: resources.count, lineageEdges: lineage.count,
                                    piiColumns: piiColumns.map { $0.values.reduce(0) { $0 + $1.count } }, takenAt: takenAt,
                                    users: people.users.count, groups: people.groups.count, teams: people.teams.count)
    }
}
