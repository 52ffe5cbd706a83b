import Foundation
import GateModel

extension DbtProject {
    /// Starts building this project's `graph()` on a thread of its own, beside whatever this
    /// thread asks of the project meanwhile (a check compares the two revisions and resolves the
    /// head's references while its head graph is built). Nothing changes for the caller: the
    /// first `graph()` waits for that build and takes it as its own, with everything the build
    /// learnt or said, as if it had built the graph there and then.
    ///
    /// The build runs in a twin of the project (`twin(reading:)`): the same revision through a
    /// tree of its own, sharing only the memo and its parsed templates (which lock) and the
    /// immutable index, so that neither thread sees the other's caches half-written. Does nothing
    /// on one core, for a tree that cannot be read from another thread (`check --staged`), or when
    /// the graph is already known.
    public func buildGraphAhead() throws {
        guard exists, graphCache == nil, graphAhead == nil, ProcessInfo.processInfo.activeProcessorCount > 1,
              let reader = tree.twin() else { return }
        graphAhead = GraphAhead(try twin(reading: reader))
    }

    /// Waits for a graph started by `buildGraphAhead` that no `graph()` took, and drops it: what
    /// it learnt is not this project's (`graph()` was never asked), and no thread outlives the
    /// check. A check calls it before it writes the parse cache.
    public func finishGraphAhead() {
        guard let ahead = graphAhead else { return }
        graphAhead = nil
        _ = ahead.result()
        retainedTwins.append(ahead.twin)
    }

    /// The graph built ahead, taken over with what its twin learnt; nil (and built here) when
    /// none was started or it failed, so that a failure is met, and said, as without it.
    func takeGraphAhead() -> ProjectGraph? {
        guard let ahead = graphAhead else { return nil }
        graphAhead = nil
        guard case .success(let graph) = ahead.result() else { return nil }
        adopt(ahead.twin)
        return graph
    }

    /// Takes over what a twin learnt building the graph: its words in the order it said them
    /// (after this project's own, as a build here would have said them), what its renders found,
    /// and its caches, so that nothing it did is done again.
    private func adopt(_ twin: DbtProject) {
        for diagnostic in twin.diagnosticList { note(diagnostic) }
        unknownMacroCallers.merge(twin.unknownMacroCallers) { $0.union($1) }
        warehouseCallers.formUnion(twin.warehouseCallers)
        missingEnvVarReaders.merge(twin.missingEnvVarReaders) { $0.union($1) }
        renderedConfigs.merge(twin.renderedConfigs) { mine, _ in mine }
        modelFileReferences.merge(twin.modelFileReferences) { mine, _ in mine }
        prerenderedOutcomes.merge(twin.prerenderedOutcomes) { mine, _ in mine }
        semanticColumnExpressions.merge(twin.semanticColumnExpressions) { mine, _ in mine }
        folderConfigCache.merge(twin.folderConfigCache) { mine, _ in mine }
        fullVersionIndex = fullVersionIndex ?? twin.fullVersionIndex
        versionStemOwners = versionStemOwners ?? twin.versionStemOwners
        enabledEntryConfigCache = enabledEntryConfigCache ?? twin.enabledEntryConfigCache
        listedTokenHashCache = listedTokenHashCache ?? twin.listedTokenHashCache
        seedNameCache = seedNameCache ?? twin.seedNameCache
        // Its renderer too (macros read, templates parsed, the twin's tree its own): its thread is done.
        if rendering == nil { rendering = twin.rendering }
        renderClock += twin.renderClock
        prerenderedFiles += twin.prerenderedFiles
        // Freed with this project, not now: a twin's caches take a while to free.
        retainedTwins.append(twin)
    }
}

/// A twin project building its graph on a thread of its own (`DbtProject.buildGraphAhead`).
/// `@unchecked Sendable`: the twin is used by that thread alone until `result()` has returned,
/// and by the waiting thread alone after.
final class GraphAhead: @unchecked Sendable {
    let twin: DbtProject
    private var outcome: Result<ProjectGraph, any Error>?
    private let finished = DispatchSemaphore(value: 0)

    init(_ twin: DbtProject) {
        self.twin = twin
        let thread = Thread { [self] in
            outcome = Result { try self.twin.graph() }
            finished.signal()
        }
        // Renders recurse through macros: the main thread's stack, not a secondary thread's default.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The build's outcome, once it is done (waits for it; asked once).
    func result() -> Result<ProjectGraph, any Error> {
        finished.wait()
        return outcome ?? .failure(CancellationError())
    }
}
