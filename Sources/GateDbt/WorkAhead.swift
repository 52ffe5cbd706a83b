import Foundation
import GateModel

// Work a check knows it will ask of a project, done beforehand by a twin of the project on a
// thread of its own, beside whatever the calling thread asks of the project meanwhile. Nothing
// changes for the caller: the first question that needs the work waits for it and takes it over,
// with everything the twin learnt or said, as if it had been done there and then.
//
// The twin (`twin(reading:)`) reads the same revision through a tree of its own and shares only
// the memo and its parsed templates (which lock) and the immutable index, so that neither thread
// sees the other's caches half-written. Two kinds of work are done ahead:
// - the head's `graph()` (`buildGraphAhead`), while the check compares the revisions;
// - the base-side columns of the changed models (`readColumnsAhead`), the column lineage's
//   largest part, while the check resolves references and walks the graph.

extension DbtProject {
    /// Starts building this project's `graph()` ahead; the first `graph()` takes it.
    ///
    /// Does nothing on one core, for a tree that cannot be read from another thread
    /// (`check --staged`), or when the graph is already known.
    public func buildGraphAhead() throws {
        guard graphCache == nil, graphAhead == nil, let twin = try twinForWorkAhead() else { return }
        graphAhead = WorkAhead(twin) { try $0.graph() }
    }

    /// Starts working out `columns(of:)` of `nodes` ahead; the first `columns(of:)` takes them.
    /// Does nothing where `buildGraphAhead` does nothing, or when columns are already known.
    package func readColumnsAhead(_ nodes: [ColumnNode]) throws {
        guard !nodes.isEmpty, nodeColumns.isEmpty, columnsAhead == nil, let twin = try twinForWorkAhead() else { return }
        columnsAhead = WorkAhead(twin) { twin in
            for node in nodes { _ = try twin.columns(of: node) }
        }
    }

    /// Waits for work started ahead that nothing took, and drops it: what it learnt is not this
    /// project's (nothing asked for it), and no thread outlives the check. A check calls it
    /// before it writes the parse cache.
    public func finishWorkAhead() {
        if let ahead = graphAhead?.ended { retainedTwins.append(ahead.twin) }
        if let ahead = columnsAhead?.ended { retainedTwins.append(ahead.twin) }
        graphAhead = nil
        columnsAhead = nil
    }

    /// The graph built ahead, taken over with what its twin learnt; nil (and built here) when
    /// none was started or it failed, so that a failure is met, and said, as without it.
    func takeGraphAhead() -> ProjectGraph? {
        guard let ahead = graphAhead?.ended else { return nil }
        graphAhead = nil
        guard case .success(let graph) = ahead.result else { return nil }
        adopt(ahead.twin)
        return graph
    }

    /// Takes over the columns worked out ahead, if any were started (a failure is met again
    /// here, where it is said as without them).
    func takeColumnsAhead() {
        guard let ahead = columnsAhead?.ended else { return }
        columnsAhead = nil
        guard case .success = ahead.result else { return }
        adopt(ahead.twin)
    }

    private func twinForWorkAhead() throws -> DbtProject? {
        guard exists, ProcessInfo.processInfo.activeProcessorCount > 1, let reader = tree.twin() else { return nil }
        return try twin(reading: reader)
    }

    /// Takes over what a twin learnt: its words in the order it said them (after this project's
    /// own, as the same work done here would have said them), what its renders found, and its
    /// caches, so that nothing it did is done again. What this project already knows stays.
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
        nodeColumns.merge(twin.nodeColumns) { mine, _ in mine }
        sqlReadings.merge(twin.sqlReadings) { mine, _ in mine }
        sourceColumnsByFile.merge(twin.sourceColumnsByFile) { mine, _ in mine }
        details.merge(twin.details) { mine, _ in mine }
        fullVersionIndex = fullVersionIndex ?? twin.fullVersionIndex
        versionStemOwners = versionStemOwners ?? twin.versionStemOwners
        enabledEntryConfigCache = enabledEntryConfigCache ?? twin.enabledEntryConfigCache
        listedTokenHashCache = listedTokenHashCache ?? twin.listedTokenHashCache
        seedNameCache = seedNameCache ?? twin.seedNameCache
        warehouseCatalogCache = warehouseCatalogCache ?? twin.warehouseCatalogCache
        // Its renderer too (macros read, templates parsed, the twin's tree its own): its thread is done.
        if rendering == nil { rendering = twin.rendering }
        renderClock += twin.renderClock
        sqlClock += twin.sqlClock
        prerenderedFiles += twin.prerenderedFiles
        // Freed with this project, not now: a twin's caches take a while to free.
        retainedTwins.append(twin)
    }
}

/// Work a twin project does on a thread of its own (`DbtProject.buildGraphAhead`,
/// `readColumnsAhead`). `@unchecked Sendable`: the twin is used by that thread alone until
/// `ended` has returned, and by the waiting thread alone after.
final class WorkAhead<Value>: @unchecked Sendable {
    let twin: DbtProject
    private let work: (DbtProject) throws -> Value
    private var outcome: Result<Value, any Error>?
    private let finished = DispatchSemaphore(value: 0)

    init(_ twin: DbtProject, _ work: @escaping (DbtProject) throws -> Value) {
        self.twin = twin
        self.work = work
        let thread = Thread { [self] in
            outcome = Result { try self.work(self.twin) }
            finished.signal()
        }
        // Renders recurse through macros: the main thread's stack, not a secondary thread's default.
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The work's outcome and its twin, once the work is done (waits for it; asked once).
    var ended: (twin: DbtProject, result: Result<Value, any Error>) {
        finished.wait()
        return (twin, outcome ?? .failure(CancellationError()))
    }
}
