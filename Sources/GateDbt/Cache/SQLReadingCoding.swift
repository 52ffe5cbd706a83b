import Foundation
import GateModel
import GateSQL

/// The binary form of a model's SQL reading (`ModelSQLReading`) for the parse cache, and the
/// exact description of what decided it (`SQLReadingInputs`).
extension BlobFactStore {
    /// The record of `reading`, read over `inputs`; nil when a value cannot be written faithfully.
    static func encode(_ reading: ModelSQLReading, inputs: SQLReadingInputs) -> [UInt8]? {
        var writer = BinaryWriter()
        var faithful = true
        func int(_ value: Int) {
            if value < 0 || value > Int(UInt32.max) { faithful = false }
            writer.count(value)
        }
        func source(_ source: SQLColumnSource) {
            relation(source.relation)
            writer.string(source.column)
        }
        func relation(_ relation: SQLRelation) {
            switch relation {
            case let .node(index): writer.u8(0); int(index)
            case let .table(name): writer.u8(1); writer.string(name)
            }
        }
        writer.count(inputs.bytes.count)
        writer.bytes.append(contentsOf: inputs.bytes)
        writer.string(reading.sql)
        let analysis = reading.analysis
        write(analysis.certainty, to: &writer)
        int(analysis.outputs.count)
        for output in analysis.outputs {
            writer.string(output.name)
            int(output.inputs.count)
            for input in output.inputs { source(input) }
            if let passThrough = output.passThrough { writer.u8(1); source(passThrough) } else { writer.u8(0) }
            writer.optional(output.viaStar)
            int(output.line)
        }
        int(analysis.reads.count)
        for read in analysis.reads {
            source(read.source)
            writer.string(read.clause.rawValue)
            int(read.line)
            writer.bool(read.viaStar)
        }
        int(analysis.relations.count)
        for item in analysis.relations { relation(item) }
        return faithful ? writer.bytes : nil
    }

    /// The reading a record holds, when it was read over exactly `inputs` and from `sql`;
    /// nil when it was read over anything else (a hash collision of the key: not this reading).
    static func decodeSQLReading(_ reader: inout BinaryReader, inputs: SQLReadingInputs, sql: String) throws -> ModelSQLReading? {
        let length = try reader.count()
        guard length <= reader.bytes.count - reader.position else { throw BinaryReader.Short() }
        let stored = UnsafeRawBufferPointer(rebasing: reader.bytes[reader.position..<reader.position + length])
        guard stored.elementsEqual(inputs.bytes) else { return nil }
        reader.position += length
        guard try reader.string() == sql else { return nil }
        func count() throws -> Int {
            let count = try reader.count()
            guard count <= reader.bytes.count - reader.position else { throw BinaryReader.Short() }
            return count
        }
        func relation() throws -> SQLRelation {
            switch try reader.u8() {
            case 0: return .node(try reader.count())
            case 1: return .table(try reader.string())
            default: throw BinaryReader.Short()
            }
        }
        func source() throws -> SQLColumnSource {
            let relation = try relation()
            return SQLColumnSource(relation: relation, column: try reader.string())
        }
        let certainty = try readCertainty(&reader)
        var outputs: [SQLOutputColumn] = []
        for _ in 0..<(try count()) {
            let name = try reader.string()
            var sources: [SQLColumnSource] = []
            for _ in 0..<(try count()) { sources.append(try source()) }
            let passThrough: SQLColumnSource? = try reader.bool() ? try source() : nil
            let viaStar = try reader.optionalString()
            outputs.append(SQLOutputColumn(name: name, inputs: sources, passThrough: passThrough, viaStar: viaStar,
                                           line: try reader.count()))
        }
        var reads: [SQLColumnRead] = []
        for _ in 0..<(try count()) {
            let source = try source()
            guard let clause = SQLClause(rawValue: try reader.string()) else { throw BinaryReader.Short() }
            let line = try reader.count()
            reads.append(SQLColumnRead(source: source, clause: clause, line: line, viaStar: try reader.bool()))
        }
        var relations: [SQLRelation] = []
        for _ in 0..<(try count()) { relations.append(try relation()) }
        return ModelSQLReading(node: inputs.node, path: inputs.path,
                               analysis: SQLModelAnalysis(outputs: outputs, certainty: certainty, reads: reads, relations: relations),
                               parents: inputs.parents, sql: sql)
    }

    static func write(_ certainty: SQLCertainty, to writer: inout BinaryWriter) {
        switch certainty {
        case .known: writer.u8(0)
        case let .partial(reason): writer.u8(1); writer.string(reason)
        case let .unknown(reason): writer.u8(2); writer.string(reason)
        }
    }

    static func readCertainty(_ reader: inout BinaryReader) throws -> SQLCertainty {
        switch try reader.u8() {
        case 0: return .known
        case 1: return .partial(try reader.string())
        case 2: return .unknown(try reader.string())
        default: throw BinaryReader.Short()
        }
    }
}

/// Everything a model's SQL reading depends on besides its rendered SQL: the model file (blob and
/// path), the macros and target that rendered it (the rendering fingerprint), the dialect, the node
/// read, and each `__dbt_node_<n>__` placeholder's node with the columns the reading was given for
/// it. Two readings with equal inputs and equal SQL are equal, so the inputs (written out in full,
/// every string length-prefixed: no two different inputs give the same bytes) are the exact key
/// under which a reading is shared by the two sides of a check and kept between checks.
struct SQLReadingInputs: Hashable {
    var node: ColumnNode
    var path: String
    var parents: [Int: ColumnNode]
    /// The whole description, in bytes.
    var bytes: [UInt8]

    init(blob: String, path: String, fingerprint: String, dialect: SQLDialect, node: ColumnNode,
         parents: [Int: ColumnNode], columns: [ColumnNode: SQLColumnSet?]) {
        self.node = node
        self.path = path
        self.parents = parents
        var writer = BinaryWriter()
        writer.string(blob)
        writer.string(path)
        writer.string(fingerprint)
        writer.string(dialect.rawValue)
        Self.write(node, to: &writer)
        writer.count(parents.count)
        for (index, parent) in parents.sorted(by: { $0.key < $1.key }) {
            writer.count(index)
            Self.write(parent, to: &writer)
            if let set = columns[parent] ?? nil {
                writer.u8(1)
                BlobFactStore.write(set.certainty, to: &writer)
                writer.strings(set.names)
            } else {
                writer.u8(0)
            }
        }
        bytes = writer.bytes
    }

    static func == (a: SQLReadingInputs, b: SQLReadingInputs) -> Bool { a.bytes == b.bytes }
    func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// The parse cache's key: the blob and path (readable in the file), then a hash of the rest;
    /// the record holds `bytes` whole, and a record whose bytes differ is not used.
    func storeKey(blob: String) -> String {
        blob + ":" + path + ":" + String(StableHash.checksum(bytes[...]), radix: 16)
    }

    static func write(_ node: ColumnNode, to writer: inout BinaryWriter) {
        switch node {
        case let .model(name, version): writer.u8(0); writer.string(name); writer.optional(version)
        case let .seed(name): writer.u8(1); writer.string(name)
        case let .snapshot(name): writer.u8(2); writer.string(name)
        case let .source(source, table): writer.u8(3); writer.string(source); writer.string(table)
        case let .other(name): writer.u8(4); writer.string(name)
        }
    }
}
