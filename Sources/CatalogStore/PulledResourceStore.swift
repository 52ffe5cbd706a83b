import Foundation
import SecodaAPI
import GateModel

/// Where a resource the pull read was put: its id and type (all the pull needs to combine
/// listings) and a slot in the store that holds the rest.
package struct PulledResource: Sendable {
    package let id: String
    package let isTable: Bool
    package let slot: Int
}

/// Keeps the resources a pull reads, a page at a time, and says where each one went. The pull
/// combines listings on these entries alone, so a store decides what stays in memory.
package protocol PulledResourceStore: AnyObject, Sendable {
    /// Keeps one page of resources; one entry per resource, in page order. Called concurrently.
    func keep(_ page: [CatalogResource]) throws -> [PulledResource]
}

extension PulledResourceStore {
    /// A `resource/catalog/` listing with each page handed to `keep` as it is read: its entries in
    /// listing order, whether it was read to the end, as `SecodaClient.list`/`listPrefix` read it.
    package func keepListing(of client: SecodaClient, query: [(String, String)], pastCap: SecodaClient.PastCap = .fail,
                     stopAfterFirstPage: ((Int?) -> Bool)? = nil) async throws -> (entries: [PulledResource], complete: Bool) {
        let pages = PageCollector<PulledResource>()
        let complete = try await client.pages("resource/catalog/", query: query, as: CatalogResource.self, maxPages: nil,
                                              pastCap: pastCap, stopAfterFirstPage: stopAfterFirstPage) { number, items, _ in
            pages.add(number, try self.keep(items))
        }
        return (pages.inOrder(), complete)
    }
}

/// Keeps every resource in memory: `CatalogSnapshot.pull(from:)`, which returns the snapshot.
package final class MemoryResourceStore: PulledResourceStore, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [CatalogResource] = []

    package init() {}

    package func keep(_ page: [CatalogResource]) throws -> [PulledResource] {
        lock.lock()
        defer { lock.unlock() }
        let first = kept.count
        kept.append(contentsOf: page)
        return page.enumerated().map { PulledResource(id: $1.id, isTable: $1.type == "table", slot: first + $0) }
    }

    package func resources(_ entries: [PulledResource]) -> [CatalogResource] {
        lock.lock()
        defer { lock.unlock() }
        return entries.map { kept[$0.slot] }
    }
}

/// Writes each page's resources, already encoded as the snapshot file will hold them, to a spill
/// file beside the snapshot and keeps only where each one is: `catalog pull` holds a few pages at
/// once however big the workspace (issue 23, item 3). The spill is named like the snapshot's
/// temporary file, so a killed pull's spill is removed with it by the next pull.
package final class SpillingResourceStore: PulledResourceStore, @unchecked Sendable {
    package let url: URL
    private let lock = NSLock()
    private let handle: FileHandle
    private var records: [(offset: UInt64, length: Int)] = []
    private var end: UInt64 = 0
    private let statistics: PullStatistics?

    /// Creates the spill file beside `target` (its folder is created when needed).
    package init(beside target: URL, statistics: PullStatistics?) throws {
        let folder = target.deletingLastPathComponent()
        url = folder.appendingPathComponent(
            ".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CatalogError(.snapshot, "cannot create a temporary file beside \(target.path)")
            }
            handle = try FileHandle(forUpdating: url)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError(.snapshot, "cannot write the catalog snapshot to \(target.path): \(error.localizedDescription)")
        }
        self.statistics = statistics
    }

    deinit {
        try? handle.close()
        try? FileManager.default.removeItem(at: url)
    }

    package func keep(_ page: [CatalogResource]) throws -> [PulledResource] {
        guard !page.isEmpty else { return [] }
        statistics?.pageArrived(page.count)
        defer { statistics?.pageStored(page.count) }
        let elements = try SnapshotFileWriter.elements(page)
        lock.lock()
        defer { lock.unlock() }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(elements.reduce(0) { $0 + $1.count })
        var entries: [PulledResource] = []
        entries.reserveCapacity(page.count)
        for (resource, element) in zip(page, elements) {
            entries.append(PulledResource(id: resource.id, isTable: resource.type == "table", slot: records.count))
            records.append((end + UInt64(bytes.count), element.count))
            bytes.append(contentsOf: element)
        }
        do {
            try handle.seek(toOffset: end)
            try handle.write(contentsOf: bytes)
        } catch {
            throw CatalogError(.snapshot, "cannot write the catalog pull's temporary file \(url.path): \(error.localizedDescription)")
        }
        end += UInt64(bytes.count)
        return entries
    }

    /// The encoded bytes of the resource in `slot`.
    package func bytes(of slot: Int) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        let record = records[slot]
        do {
            try handle.seek(toOffset: record.offset)
            let data = try handle.read(upToCount: record.length) ?? Data()
            guard data.count == record.length else {
                throw CatalogError(.snapshot, "the catalog pull's temporary file \(url.path) was cut short")
            }
            return data
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError(.snapshot, "cannot read the catalog pull's temporary file \(url.path): \(error.localizedDescription)")
        }
    }
}

/// What a streaming pull held at once, for tests and benchmarks: the resources of the pages being
/// stored at the same moment (decoded, not yet on disk). A pull that kept every page in memory
/// would count them all; the spilling store keeps it to the pages in flight.
public final class PullStatistics: @unchecked Sendable {
    private let lock = NSLock()
    private var held = 0
    private var _peakHeld = 0
    private var _pages = 0
    private var _largestPage = 0

    public init() {}

    /// Most decoded resources held at once.
    public var peakResourcesHeld: Int { locked { _peakHeld } }
    /// Pages handed to the store (one per listing page read).
    public var pagesStored: Int { locked { _pages } }
    /// The most resources in one of them.
    public var largestPage: Int { locked { _largestPage } }

    func pageArrived(_ count: Int) {
        locked {
            held += count
            _peakHeld = max(_peakHeld, held)
            _pages += 1
            _largestPage = max(_largestPage, count)
        }
    }

    func pageStored(_ count: Int) { locked { held -= count } }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
