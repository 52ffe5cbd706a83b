import DbtFiles
import DbtJinja
import Foundation
import GateModel

/// What reading single files learnt in earlier runs, kept on disk by git blob id: the
/// persistent side of `BlobMemo`. A check of a large project reads every model file for its
/// `ref()`s and searches its property files for model names; with this file, the next check
/// reads only the blobs it has not seen (what changed since), not the whole project again.
///
/// Exact, never a guess: every fact is keyed by what it depends on — the blob id (and the path,
/// where diagnostics name it; and the project's macro fingerprint, where macros decide it; for a
/// SQL reading, also every parent's columns it was read with: `SQLReadingInputs`) — and
/// the file is tied to the binary that wrote it (`identity`), so a new build of the gate, whose
/// readers may read differently, starts afresh. A file that is missing, cut short, of another
/// version, another binary or another repository, or whose checksum does not match, is ignored
/// (and replaced at the end of the run); reading it never fails a check.
///
/// Safe under concurrent runs: the file is read whole at the start and replaced at the end by a
/// complete new file renamed over it (the last run to finish wins; both files are valid).
/// Bounded: an entry no run has used for `keptGenerations` writes is dropped, and at most
/// `maxEntries` are kept (the most recently used first).
///
/// Layout (little-endian): magic `CGPARSE1`, payload length u64, payload checksum (`StableHash.checksum`),
/// then the payload: identity string, scope string, generation u32, entry count u32, and per
/// entry: kind u8, key string, generation u32, record (length-prefixed bytes).
public final class BlobFactStore {
    package enum Kind: UInt8, CaseIterable, Sendable {
        case modelFile = 1, outline, notOutlinable, wordHits, sourceColumns, render, versionSketches,
             propertyItem, sqlReading
        /// The tests of a property file that name columns (DbtImpact's `TestColumnReads`, which
        /// encodes them itself).
        case testReads
    }

    private struct Slot {
        var generation: UInt32
        var record: Range<Int>
    }

    static let magic = Array("CGPARSE1".utf8)
    /// An entry that this many writes in a row did not use is dropped by the last of them.
    static let keptGenerations: UInt32 = 8
    static let maxEntries = 400_000

    /// The file this store reads and replaces.
    public let file: URL
    let identity: String
    let scope: String
    private var contents = Data()
    private var slots: [Kind: [String: Slot]] = [:]
    /// The generation of the file read (0: none); this run writes the next one.
    private(set) var generation: UInt32 = 0
    /// Why the file on disk was not used, when there was one (for tests and `--timings`).
    public private(set) var rejection: String?

    /// - Parameters:
    ///   - folder: the cache folder (`CacheFolder.standard`).
    ///   - scope: what the facts belong to (the repository and the dbt project folder): the
    ///     file is named by a hash of it and headed by it.
    ///   - identity: the binary that reads and writes the facts (see `binaryIdentity()`).
    public init(folder: URL, scope: String, identity: String) {
        self.scope = scope
        self.identity = identity
        self.file = folder.appendingPathComponent("parse-" + String(StableHash.fnv1a(scope), radix: 16) + ".bin")
        load()
    }

    /// The running executable's path, size and modification time: a rebuilt gate has another.
    public static func binaryIdentity() -> String {
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        return "\(path) \(size) \(modified)"
    }

    var entryCount: Int { slots.values.reduce(0) { $0 + $1.count } }

    // MARK: reading

    private func load() {
        guard let data = try? Data(contentsOf: file) else { return }
        do {
            try parse(data)
        } catch {
            slots = [:]
            generation = 0
            contents = Data()
            rejection = (error as? Rejection)?.reason ?? "cut short"
        }
    }

    private struct Rejection: Error { var reason: String }

    private func parse(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var reader = BinaryReader(raw)
            guard raw.count >= 24, Array(raw.prefix(8)) == Self.magic else { throw Rejection(reason: "not a parse cache of this version") }
            reader.position = 8
            let length = try reader.u64(), checksum = try reader.u64()
            guard length == UInt64(raw.count - 24) else { throw Rejection(reason: "cut short") }
            guard StableHash.checksum(UnsafeRawBufferPointer(rebasing: raw[24...])) == checksum else {
                throw Rejection(reason: "checksum mismatch")
            }
            guard try reader.string() == identity else { throw Rejection(reason: "written by another build") }
            guard try reader.string() == scope else { throw Rejection(reason: "of another repository") }
            let generation = try reader.u32()
            let count = try reader.count()
            var slots: [Kind: [String: Slot]] = [:]
            for _ in 0..<count {
                guard let kind = Kind(rawValue: try reader.u8()) else { throw Rejection(reason: "unknown entry kind") }
                let key = try reader.string()
                let entryGeneration = try reader.u32()
                let length = try reader.count()
                guard length <= raw.count - reader.position else { throw BinaryReader.Short() }
                slots[kind, default: [:]][key] = Slot(generation: entryGeneration, record: reader.position..<reader.position + length)
                reader.position += length
            }
            self.slots = slots
            self.generation = generation
        }
        contents = data
    }

    /// The record stored for `key`, decoded by `decode`; nil when there is none or it does not
    /// decode (a record the checksum passed but this reader cannot read is a miss, not a fact).
    func fact<T>(_ kind: Kind, _ key: String, _ decode: (inout BinaryReader) throws -> T) -> T? {
        guard let slot = slots[kind]?[key] else { return nil }
        return contents.withUnsafeBytes { raw -> T? in
            var reader = BinaryReader(UnsafeRawBufferPointer(rebasing: raw[slot.record]))
            guard let value = try? decode(&reader), reader.position == slot.record.count else { return nil }
            return value
        }
    }

    func has(_ kind: Kind, _ key: String) -> Bool { slots[kind]?[key] != nil }

    // MARK: writing

    /// Writes the facts of this run (`used`, each kind's key → record) with the ones earlier runs
    /// left that are recent enough, to a new file renamed over the old one.
    /// - Returns: false when the file could not be written (the next run reads without it).
    @discardableResult
    func write(used: [Kind: [String: [UInt8]]]) -> Bool {
        let next = generation &+ 1
        var entries: [(kind: Kind, key: String, generation: UInt32, record: ArraySlice<UInt8>?, stored: Range<Int>?)] = []
        for kind in Kind.allCases {
            let fresh = used[kind] ?? [:]
            for (key, record) in fresh { entries.append((kind, key, next, record[...], nil)) }
            for (key, slot) in slots[kind] ?? [:] where fresh[key] == nil && next &- slot.generation < Self.keptGenerations {
                entries.append((kind, key, slot.generation, nil, slot.record))
            }
        }
        if entries.count > Self.maxEntries {
            entries.sort { $0.generation > $1.generation }
            entries.removeLast(entries.count - Self.maxEntries)
        }
        var payload = BinaryWriter()
        payload.string(identity)
        payload.string(scope)
        payload.u32(next)
        payload.count(entries.count)
        contents.withUnsafeBytes { raw in
            for entry in entries {
                payload.u8(entry.kind.rawValue)
                payload.string(entry.key)
                payload.u32(entry.generation)
                if let record = entry.record {
                    payload.count(record.count)
                    payload.bytes.append(contentsOf: record)
                } else if let stored = entry.stored {
                    payload.count(stored.count)
                    payload.bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[stored]))
                }
            }
        }
        var header = BinaryWriter()
        header.bytes = Self.magic
        header.u64(UInt64(payload.bytes.count))
        header.u64(StableHash.checksum(payload.bytes[...]))
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(header.bytes + payload.bytes).write(to: file, options: .atomic)
            return true
        } catch {
            return false
        }
    }
}

// MARK: - the records

extension BlobFactStore {
    static func encode(_ facts: BlobMemo.ModelFileFacts) -> [UInt8] {
        var writer = BinaryWriter()
        write(facts.scan.refs, facts.scan.sources, to: &writer)
        writer.count(facts.scan.configCalls.count)
        for offset in facts.scan.configCalls { writer.count(offset) }
        writer.count(facts.scan.unreadCalls)
        // Rare (a `config()` call, a problem): kept as JSON, which their types already speak.
        let encoder = JSONEncoder()
        writer.data(facts.config.flatMap { try? encoder.encode($0) } ?? Data())
        writer.data(facts.problems.isEmpty ? Data() : (try? encoder.encode(facts.problems)) ?? Data())
        switch facts.jinja {
        case .render: writer.bool(false)
        case let .plain(words, macros): writer.bool(true); writer.strings(words); writer.strings(macros)
        }
        return writer.bytes
    }

    static func decodeModelFile(_ reader: inout BinaryReader) throws -> BlobMemo.ModelFileFacts {
        var scan = ReferenceScan()
        (scan.refs, scan.sources) = try readReferences(&reader)
        for _ in 0..<(try reader.count()) { scan.configCalls.append(try reader.count()) }
        scan.unreadCalls = try reader.count()
        let decoder = JSONDecoder()
        let config = try reader.data(), problems = try reader.data()
        let jinja: JinjaDemand = try reader.bool() ? .plain(words: try reader.strings(), macros: try reader.strings()) : .render
        return BlobMemo.ModelFileFacts(
            scan: scan,
            config: config.isEmpty ? nil : try decoder.decode(ModelConfig.self, from: config),
            problems: problems.isEmpty ? [] : try decoder.decode([Diagnostic].self, from: problems),
            jinja: jinja)
    }

    static func encode(_ outcome: RenderOutcome) -> [UInt8] {
        var writer = BinaryWriter()
        write(outcome.refs, outcome.sources, to: &writer)
        writer.data(outcome.problems.isEmpty ? Data() : (try? JSONEncoder().encode(outcome.problems)) ?? Data())
        guard let rendered = outcome.rendered else {
            writer.bool(false)
            return writer.bytes
        }
        writer.bool(true)
        write(rendered.refs, rendered.sources, to: &writer)
        writer.string(rendered.sql)
        writer.count(rendered.nodes.count)
        for node in rendered.nodes {
            switch node {
            case .ref(let ref): writer.u8(0); write([ref], [], to: &writer)
            case .source(let source): writer.u8(1); write([], [source], to: &writer)
            }
        }
        writer.strings(rendered.unknownMacros)
        writer.data(rendered.config.isEmpty ? Data() : (try? JSONEncoder().encode(rendered.config)) ?? Data())
        writer.strings(rendered.missingEnvVars)
        writer.bool(rendered.askedWarehouse)
        writer.bool(rendered.askedColumns)
        writer.count(rendered.calledMacros.count)
        for call in rendered.calledMacros {
            writer.string(call.path)
            writer.string(call.name)
        }
        writer.count(rendered.environmentRead.count)
        for (name, value) in rendered.environmentRead.sorted(by: { $0.key < $1.key }) {
            writer.string(name)
            writer.optional(value)
        }
        return writer.bytes
    }

    static func decodeRender(_ reader: inout BinaryReader) throws -> RenderOutcome {
        let (refs, sources) = try readReferences(&reader)
        let problems = try reader.data()
        var outcome = RenderOutcome(refs: refs, sources: sources,
                                    problems: problems.isEmpty ? [] : try JSONDecoder().decode([Diagnostic].self, from: problems),
                                    rendered: nil)
        guard try reader.bool() else { return outcome }
        var rendered = RenderedModel()
        (rendered.refs, rendered.sources) = try readReferences(&reader)
        rendered.sql = try reader.string()
        for _ in 0..<(try reader.count()) {
            let kind = try reader.u8()
            let (refs, sources) = try readReferences(&reader)
            if kind == 0, let ref = refs.first { rendered.nodes.append(.ref(ref)) }
            else if kind == 1, let source = sources.first { rendered.nodes.append(.source(source)) }
            else { throw BinaryReader.Short() }
        }
        rendered.unknownMacros = try reader.strings()
        let config = try reader.data()
        rendered.config = config.isEmpty ? [:] : try JSONDecoder().decode([String: JSONValue].self, from: config)
        rendered.missingEnvVars = try reader.strings()
        rendered.askedWarehouse = try reader.bool()
        rendered.askedColumns = try reader.bool()
        for _ in 0..<(try reader.count()) {
            let path = try reader.string()
            rendered.calledMacros.append(MacroCall(path: path, name: try reader.string()))
        }
        for _ in 0..<(try reader.count()) {
            let name = try reader.string()
            rendered.environmentRead[name] = .some(try reader.optionalString())
        }
        outcome.rendered = rendered
        return outcome
    }

    private static func write(_ refs: [ModelReference], _ sources: [SourceReference], to writer: inout BinaryWriter) {
        writer.count(refs.count)
        for ref in refs {
            writer.optional(ref.package)
            writer.string(ref.name)
            writer.optional(ref.version)
            writer.count(ref.line)
        }
        writer.count(sources.count)
        for source in sources {
            writer.string(source.source)
            writer.string(source.table)
            writer.count(source.line)
        }
    }

    private static func readReferences(_ reader: inout BinaryReader) throws -> ([ModelReference], [SourceReference]) {
        var refs: [ModelReference] = [], sources: [SourceReference] = []
        for _ in 0..<(try reader.count()) {
            let package = try reader.optionalString(), name = try reader.string(), version = try reader.optionalString()
            refs.append(ModelReference(package: package, name: name, version: version, line: try reader.count()))
        }
        for _ in 0..<(try reader.count()) {
            let source = try reader.string(), table = try reader.string()
            sources.append(SourceReference(source: source, table: table, line: try reader.count()))
        }
        return (refs, sources)
    }

    /// The versioned entries of a property file as `VersionSketch` read them; nil when one of
    /// them holds more than a sketch does (it came from a parse: not kept).
    static func encode(sketches models: [PropertyModel]) -> [UInt8]? {
        var writer = BinaryWriter()
        writer.count(models.count)
        for model in models {
            let fields = model.versions.map { ($0.version, $0.definedIn, $0.location) }
            guard model == VersionSketch.model(name: model.name, location: model.location, latest: model.latestVersion,
                                               versions: fields) else { return nil }
            writer.string(model.name)
            writer.location(model.location)
            writer.optional(model.latestVersion)
            writer.count(fields.count)
            for (version, definedIn, location) in fields {
                writer.string(version)
                writer.optional(definedIn)
                writer.location(location)
            }
        }
        return writer.bytes
    }

    static func decodeSketches(_ reader: inout BinaryReader) throws -> [PropertyModel] {
        var models: [PropertyModel] = []
        for _ in 0..<(try reader.count()) {
            let name = try reader.string(), location = try reader.location(), latest = try reader.optionalString()
            var versions: [(version: String, definedIn: String?, location: SourceLocation)] = []
            for _ in 0..<(try reader.count()) {
                let version = try reader.string(), definedIn = try reader.optionalString()
                versions.append((version, definedIn, try reader.location()))
            }
            models.append(VersionSketch.model(name: name, location: location, latest: latest, versions: versions))
        }
        return models
    }


    static func encode(_ outline: PropertyFileOutline) -> [UInt8] {
        var writer = BinaryWriter()
        writer.count(outline.items.count)
        for item in outline.items {
            writer.string(item.section)
            writer.count(item.bytes.lowerBound)
            writer.count(item.bytes.upperBound)
            writer.count(item.line)
            writer.optional(item.name)
        }
        return writer.bytes
    }

    static func decodeOutline(_ reader: inout BinaryReader) throws -> PropertyFileOutline {
        var items: [PropertyFileOutline.Item] = []
        for _ in 0..<(try reader.count()) {
            let section = try reader.string(), lower = try reader.count(), upper = try reader.count()
            guard lower <= upper else { throw BinaryReader.Short() }
            items.append(PropertyFileOutline.Item(section: section, bytes: lower..<upper, line: try reader.count(),
                                                  name: try reader.optionalString()))
        }
        return PropertyFileOutline(items: items)
    }

    static func encode(_ hits: [String: Bool]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.count(hits.count)
        for (word, hit) in hits.sorted(by: { $0.key < $1.key }) {
            writer.string(word)
            writer.bool(hit)
        }
        return writer.bytes
    }

    static func decodeWordHits(_ reader: inout BinaryReader) throws -> [String: Bool] {
        var hits: [String: Bool] = [:]
        for _ in 0..<(try reader.count()) {
            let word = try reader.string()
            hits[word] = try reader.bool()
        }
        return hits
    }

    static func encode(_ columns: [String: [String]]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.count(columns.count)
        for (table, names) in columns.sorted(by: { $0.key < $1.key }) {
            writer.string(table)
            writer.strings(names)
        }
        return writer.bytes
    }

    static func decodeSourceColumns(_ reader: inout BinaryReader) throws -> [String: [String]] {
        var columns: [String: [String]] = [:]
        for _ in 0..<(try reader.count()) {
            let table = try reader.string()
            columns[table] = try reader.strings()
        }
        return columns
    }
}
