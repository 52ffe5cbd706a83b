import Foundation
import Testing
@testable import GateModel

/// The slots several threads fill (git reads, renders ahead): every index is taken by exactly one
/// thread, each result lands at its own index, and a failure stops the others.
struct ConcurrentSlotsTests {
    @Test(arguments: [1, 7, 64, 5_000])
    func everyIndexIsTakenOnceAndKeepsItsResult(chunkSize: Int) {
        let count = 1_000
        let slots = ConcurrentSlots<Int>(count: count, chunkSize: chunkSize)
        let taken = ConcurrentSlots<Int>(count: 4)   // per thread: how many indices it took
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            var mine = 0
            while let chunk = slots.nextChunk() {
                #expect(chunk.count <= chunkSize)
                for index in chunk {
                    slots.set(index, index * 2)
                    mine += 1
                }
            }
            taken.set(thread, mine)
        }
        #expect(slots.values == (0..<count).map { $0 * 2 })
        #expect(taken.values.compactMap { $0 }.reduce(0, +) == count)
        #expect(!slots.failed)
        #expect(slots.nextChunk() == nil)
    }

    @Test func aFailureStopsTheTaking() {
        let slots = ConcurrentSlots<String>(count: 10, chunkSize: 2)
        #expect(slots.nextChunk() == 0..<2)
        slots.set(1, "one")
        slots.fail()
        #expect(slots.failed)
        #expect(slots.nextChunk() == nil)
        #expect(slots.values == [nil, "one"] + Array(repeating: nil, count: 8))
    }
}
