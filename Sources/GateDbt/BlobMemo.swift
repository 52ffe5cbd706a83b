import DbtFiles
import DbtJinja
import Foundation
import GateModel

/// What reading learnt from single files, by git blob id, shared by the two sides of a
/// comparison: base and head contain mostly the same blobs, so each unchanged file is read,
/// scanned and outlined once per check instead of once per side. With a `BlobFactStore`, the
/// facts that depend on nothing but the bytes are also kept between runs.
///
/// Only facts that depend on nothing but the file's bytes (and, where diagnostics carry it, its
/// path) are kept. Shared by the projects of one check, which may be read on several threads at
/// once (the head graph is built beside the comparison, `DbtProject.buildGraphAhead`): every
/// access holds `lock`.
public final class BlobMemo: @unchecked Sendable {
    struct ModelFileFacts: Equatable {
        var scan: ReferenceScan
        var config: ModelConfig?
        var problems: [Diagnostic]
        /// Whether the file's Jinja can need a render (`JinjaDemand`).
        var jinja: JinjaDemand = .render
    }

    /// Earlier runs' facts, when the check keeps them.
    let store: BlobFactStore?
    /// Whether this run learnt a fact the store did not have (the store is written only then).
    private(set) var learnt = false
    /// Property-file entries parsed and model SQL analysed by this run (what neither the other
    /// side nor the store knew), for tests.
    private(set) var parsedPropertyItems = 0
    private(set) var analysedSQL = 0

    /// Blob id + path → the `ref()`/`source()`/`config()` reading of a model file.
    private var modelFiles: [String: ModelFileFacts] = [:]
    /// Blob id → the outline of a property file.
    private var outlines: [String: PropertyFileOutline] = [:]
    /// Blob ids of property files that cannot be outlined.
    private var notOutlinable = Set<String>()
    /// Blob id → word → whether the word occurs in the file.
    private var wordHits: [String: [String: Bool]] = [:]
    /// Blob id → the hashes of a property file's identifier tokens (`WordFinder.tokenHashes`), for
    /// this run only: the word hits they answer are what is kept.
    private var tokenHashes: [String: [UInt64]] = [:]
    /// Blob id → `source.table` → the columns a property file's `sources:` declare.
    private var sourceColumns: [String: [String: [String]]] = [:]

    /// Blob id + path + item → what one outlined entry of a property file says (parsed alone),
    /// with the path it was read from (kept records leave it out).
    private var propertyItems: [String: (contents: PropertyFileContents, path: String)] = [:]
    /// Blob id + path → the versioned entries of a property file, when read without parsing.
    private var versionedEntries: [String: [PropertyModel]] = [:]
    /// Parsed macro files, by blob id and path.
    let templates = DbtTemplateCache()
    /// Blob id + path + name + macro and target fingerprint → what rendering the model file found.
    private var renderedModels: [String: RenderOutcome] = [:]
    /// What decided a model's SQL reading (file, macros, dialect, the parents and their columns)
    /// → the reading: the same file over the same parent columns reads the same at both sides,
    /// and in the next run.
    private var sqlReadings: [SQLReadingInputs: ModelSQLReading] = [:]
    /// The readings to keep, by their key in the store (readings whose render asked the
    /// warehouse for columns are shared within the run only).
    private var keptSQLReadings: [String: (reading: ModelSQLReading, inputs: SQLReadingInputs)] = [:]

    /// Facts another module reads from one file and encodes itself (DbtImpact's test reads), by
    /// kind and key, as they are written back to the store.
    private var encodedFacts: [BlobFactStore.Kind: [String: [UInt8]]] = [:]

    private let lock = NSLock()

    public init(store: BlobFactStore? = nil) {
        self.store = store
    }

    /// Writes what this run learnt, with what earlier runs knew, to the store (when there is one
    /// and the run learnt anything). A store that cannot be written is left as it was.
    public func persist() {
        lock.lock()
        defer { lock.unlock() }
        guard let store, learnt else { return }
        var used: [BlobFactStore.Kind: [String: [UInt8]]] = [:]
        used[.modelFile] = modelFiles.mapValues(BlobFactStore.encode)
        used[.outline] = outlines.mapValues(BlobFactStore.encode)
        used[.notOutlinable] = Dictionary(uniqueKeysWithValues: notOutlinable.map { ($0, []) })
        used[.wordHits] = wordHits.mapValues(BlobFactStore.encode)
        used[.sourceColumns] = sourceColumns.mapValues(BlobFactStore.encode)
        used[.render] = renderedModels.mapValues(BlobFactStore.encode)
        used[.versionSketches] = versionedEntries.compactMapValues { BlobFactStore.encode(sketches: $0) }
        used[.propertyItem] = propertyItems.compactMapValues { PropertyFileCoding.encode($0.contents, path: $0.path) }
        used[.sqlReading] = keptSQLReadings.compactMapValues { BlobFactStore.encode($0.reading, inputs: $0.inputs) }
        for (kind, facts) in encodedFacts { used[kind] = facts }
        store.write(used: used)
    }

    /// A fact of `kind` an earlier run kept, decoded by its owner (kept for the next run too).
    func fact<T>(_ kind: BlobFactStore.Kind, _ key: String, encode: (T) -> [UInt8],
                 decode: (inout BinaryReader) throws -> T) -> T? {
        lock.lock()
        defer { lock.unlock() }
        guard let value = store?.fact(kind, key, decode) else { return nil }
        encodedFacts[kind, default: [:]][key] = encode(value)
        return value
    }

    func remember(_ record: [UInt8], as kind: BlobFactStore.Kind, at key: String) {
        lock.lock()
        defer { lock.unlock() }
        encodedFacts[kind, default: [:]][key] = record
        learnt = true
    }

    func modelFile(_ key: String) -> ModelFileFacts? {
        lock.lock()
        defer { lock.unlock() }
        if let facts = modelFiles[key] { return facts }
        guard let facts = store?.fact(.modelFile, key, BlobFactStore.decodeModelFile) else { return nil }
        modelFiles[key] = facts
        return facts
    }

    func remember(modelFile facts: ModelFileFacts, at key: String) {
        remember(modelFiles: [(key, facts)])
    }

    /// Many model files' facts at once (a revision's index), under one lock.
    func remember(modelFiles learnt: [(key: String, facts: ModelFileFacts)]) {
        guard !learnt.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        if learnt.count > 1 { modelFiles.reserveCapacity(modelFiles.count + learnt.count) }
        for (key, facts) in learnt { modelFiles[key] = facts }
        self.learnt = true
    }

    /// The outline of a property file blob: `.some(nil)` when it cannot be outlined, nil when not known.
    func outline(_ blob: String) -> PropertyFileOutline?? {
        lock.lock()
        defer { lock.unlock() }
        if let outline = outlines[blob] { return .some(outline) }
        if notOutlinable.contains(blob) { return .some(nil) }
        if let outline = store?.fact(.outline, blob, BlobFactStore.decodeOutline) {
            outlines[blob] = outline
            return .some(outline)
        }
        if store?.has(.notOutlinable, blob) == true {
            notOutlinable.insert(blob)
            return .some(nil)
        }
        return nil
    }

    func remember(outline: PropertyFileOutline?, of blob: String) {
        lock.lock()
        defer { lock.unlock() }
        if let outline { outlines[blob] = outline } else { notOutlinable.insert(blob) }
        learnt = true
    }

    /// Whether what this run learns is kept for later runs (a parse cache is in use).
    var keepsFacts: Bool { store != nil }

    /// Which words are known to occur (or not) in a blob.
    func wordHits(_ blob: String) -> [String: Bool]? {
        lock.lock()
        defer { lock.unlock() }
        return knownWordHits(blob)
    }

    private func knownWordHits(_ blob: String) -> [String: Bool]? {
        if let hits = wordHits[blob] { return hits }
        guard let hits = store?.fact(.wordHits, blob, BlobFactStore.decodeWordHits) else { return nil }
        wordHits[blob] = hits
        return hits
    }

    func remember(wordHits hits: [String: Bool], of blob: String) {
        lock.lock()
        defer { lock.unlock() }
        var known = knownWordHits(blob) ?? [:]
        known.merge(hits) { _, new in new }
        wordHits[blob] = known
        learnt = true
    }

    func tokenHashes(_ blob: String) -> [UInt64]? { lock.withLock { tokenHashes[blob] } }

    func remember(tokenHashes hashes: [UInt64], of blob: String) { lock.withLock { tokenHashes[blob] = hashes } }

    func sourceColumns(_ blob: String) -> [String: [String]]? {
        lock.lock()
        defer { lock.unlock() }
        if let columns = sourceColumns[blob] { return columns }
        guard let columns = store?.fact(.sourceColumns, blob, BlobFactStore.decodeSourceColumns) else { return nil }
        sourceColumns[blob] = columns
        return columns
    }

    func remember(sourceColumns columns: [String: [String]], of blob: String) {
        lock.lock()
        defer { lock.unlock() }
        sourceColumns[blob] = columns
        learnt = true
    }

    /// What rendering a model file found, from this run or an earlier one whose `env_var()` reads
    /// saw what `environment` holds now.
    func render(_ key: String, environment: [String: String]) -> RenderOutcome? {
        lock.lock()
        defer { lock.unlock() }
        if let outcome = renderedModels[key] { return outcome }
        guard let outcome = store?.fact(.render, key, BlobFactStore.decodeRender),
              (outcome.rendered?.environmentRead ?? [:]).allSatisfy({ name, seen in
                  DbtRenderer.environmentValue(name, in: environment) == seen
              }) else { return nil }
        renderedModels[key] = outcome
        return outcome
    }

    func remember(render outcome: RenderOutcome, at key: String) {
        lock.lock()
        defer { lock.unlock() }
        renderedModels[key] = outcome
        learnt = true
    }

    /// A parsed entry of the property file at `path`, when the other side of this comparison or
    /// an earlier run parsed it (kept in `PropertyFileCoding`'s binary form: decoding it is
    /// several times faster than parsing the YAML, where Codable was not).
    func propertyItem(_ key: String, path: String) -> PropertyFileContents? {
        lock.lock()
        defer { lock.unlock() }
        if let known = propertyItems[key] { return known.contents }
        guard let contents = store?.fact(.propertyItem, key, { reader in try PropertyFileCoding.decode(&reader, path: path) })
        else { return nil }
        propertyItems[key] = (contents, path)
        return contents
    }

    /// Shares a parsed entry with the other side and later runs (one that parsed: a failure is
    /// read again, and said again, at each side).
    func remember(propertyItem contents: PropertyFileContents, at key: String, path: String) {
        lock.lock()
        defer { lock.unlock() }
        parsedPropertyItems += 1
        guard contents.failure == nil else { return }
        propertyItems[key] = (contents, path)
        learnt = true
    }

    /// A model's SQL reading over exactly `inputs`, from this run or an earlier one; `sql` is the
    /// model's rendered SQL now (a kept reading of other SQL — another `env_var()` value — is
    /// not used). `keep`: whether the reading may come from, and go to, the store.
    func sqlReading(_ inputs: SQLReadingInputs, sql: String, blob: String, keep: Bool) -> ModelSQLReading? {
        lock.lock()
        defer { lock.unlock() }
        if let reading = sqlReadings[inputs] { return reading }
        guard keep else { return nil }
        let key = inputs.storeKey(blob: blob)
        guard let found = store?.fact(.sqlReading, key, { reader in
            try BlobFactStore.decodeSQLReading(&reader, inputs: inputs, sql: sql)
        }), let reading = found else { return nil }
        sqlReadings[inputs] = reading
        keptSQLReadings[key] = (reading, inputs)
        return reading
    }

    func remember(sqlReading reading: ModelSQLReading, inputs: SQLReadingInputs, blob: String, keep: Bool) {
        lock.lock()
        defer { lock.unlock() }
        sqlReadings[inputs] = reading
        analysedSQL += 1
        guard keep, store != nil else { return }
        keptSQLReadings[inputs.storeKey(blob: blob)] = (reading, inputs)
        learnt = true
    }

    /// The versioned entries `VersionSketch` read from a property file, this run or an earlier one.
    func versionSketches(_ key: String) -> [PropertyModel]? {
        lock.lock()
        defer { lock.unlock() }
        if let models = versionedEntries[key] { return models }
        guard let models = store?.fact(.versionSketches, key, BlobFactStore.decodeSketches) else { return nil }
        versionedEntries[key] = models
        return models
    }

    func remember(versionSketches models: [PropertyModel], at key: String) {
        lock.lock()
        defer { lock.unlock() }
        versionedEntries[key] = models
        learnt = true
    }
}
