import Foundation
import GateModel

/// Files in memory whose blob ids are content hashes (as git's are), counting every read: what the
/// parse cache and the revision index tests assert "read once per blob" and "not read again" with.
public final class CountingTree: FileTree {
    public let files: [String: Data]
    public private(set) var reads: [String: Int] = [:]

    public init(_ files: [String: String]) { self.files = files.mapValues { Data($0.utf8) } }

    public func files(under folder: String) throws -> [String] {
        files.keys.filter { folder.isEmpty || $0.hasPrefix(folder + "/") }.sorted()
    }

    public func contents(of path: String) throws -> Data? {
        reads[path, default: 0] += 1
        return files[path]
    }

    public func blobID(of path: String) -> String? {
        files[path].map { String(StableHash.fnv1a($0), radix: 16) }
    }

    /// Reads of the files `include` accepts.
    public func readCount(where include: (String) -> Bool) -> Int {
        reads.filter { include($0.key) }.values.reduce(0, +)
    }
}
