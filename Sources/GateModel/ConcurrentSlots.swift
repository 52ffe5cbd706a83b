import Foundation

/// Results written by several threads, each to its own indices, and the work they take in turn:
/// chunks of `chunkSize` neighbouring indices (a git reader takes 64, so each thread reads
/// neighbouring objects of the pack; a renderer takes one file at a time).
package final class ConcurrentSlots<T>: @unchecked Sendable {
    /// Written without a lock: each index by one thread only, in storage that never moves.
    private let results: UnsafeMutableBufferPointer<T?>
    private let chunkSize: Int
    private let lock = NSLock()
    private var next = 0
    private var failure = false

    package init(count: Int, chunkSize: Int = 1) {
        results = .allocate(capacity: count)
        results.initialize(repeating: nil)
        self.chunkSize = max(1, chunkSize)
    }

    deinit {
        results.deinitialize()
        results.deallocate()
    }

    /// The next indices to work on; nil once every index is taken, or after `fail()`.
    package func nextChunk() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard !failure, next < results.count else { return nil }
        let chunk = next..<min(next + chunkSize, results.count)
        next = chunk.upperBound
        return chunk
    }

    package func set(_ index: Int, _ value: T) { results[index] = value }

    /// Stops every thread at its next `nextChunk()`.
    package func fail() {
        lock.lock()
        failure = true
        lock.unlock()
    }

    package var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Read once every thread has finished; nil where nothing was set.
    package var values: [T?] { Array(results) }
}
