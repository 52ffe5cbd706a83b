import Foundation
import GateModel

/// A compact binary form of what one outlined entry of a property file says
/// (`PropertyFileContents`), for the parse cache: the next check takes a kept entry back without
/// parsing its YAML again. Hand-made rather than Codable because decoding through Codable (for the
/// entry's nested `raw` value above all) measured as slow as parsing the YAML.
///
/// Every field is written, so a decoded value equals the one encoded. Locations in the file the
/// entry comes from (nearly all of them) are written without their path, which the caller gives
/// back at decode (the cache key names it). Object keys are written sorted, so one value always
/// gives the same bytes.
package enum PropertyFileCoding {
    /// Deeper `raw`/`meta` values than this are not kept (the entry is parsed again instead):
    /// decoding never recurses further than encoding did.
    static let maxDepth = 256

    /// The bytes of `contents`, read from `path`; nil when a value cannot be written faithfully
    /// (a negative or huge line number, a value nested deeper than `maxDepth`).
    package static func encode(_ contents: PropertyFileContents, path: String) -> [UInt8]? {
        var writer = Writer(path: path)
        writer.contents(contents)
        return writer.faithful ? writer.out.bytes : nil
    }

    /// What `encode` wrote, with `path` for the locations written without one.
    package static func decode(_ reader: inout BinaryReader, path: String) throws -> PropertyFileContents {
        var decoder = Reader(path: path, input: reader)
        let contents = try decoder.contents()
        reader = decoder.input
        return contents
    }

    struct Malformed: Error {}

    // MARK: writing

    struct Writer {
        let file: String
        var out = BinaryWriter()
        var faithful = true

        init(path: String) { file = path }

        mutating func int(_ value: Int) {
            if value < 0 || value > Int(UInt32.max) { faithful = false }
            out.count(value)
        }

        mutating func string(_ value: String) { out.string(value) }
        mutating func optional(_ value: String?) { out.optional(value) }
        mutating func strings(_ values: [String]) { out.strings(values) }
        mutating func bool(_ value: Bool) { out.bool(value) }

        mutating func optionalStrings(_ values: [String]?) {
            guard let values else { out.u8(0); return }
            out.u8(1)
            out.strings(values)
        }

        /// A path: 0 for the entry's own file, else 1 and the path.
        mutating func path(_ value: String) {
            if value == file { out.u8(0); return }
            out.u8(1)
            out.string(value)
        }

        mutating func location(_ location: SourceLocation) {
            path(location.path)
            int(location.line)
            int(location.column)
            optionalInt(location.endLine)
            optionalInt(location.endColumn)
        }

        mutating func optionalInt(_ value: Int?) {
            guard let value else { out.u8(0); return }
            out.u8(1)
            int(value)
        }

        mutating func optional(_ location: SourceLocation?) {
            guard let location else { out.u8(0); return }
            out.u8(1)
            self.location(location)
        }

        mutating func json(_ value: JSONValue, depth: Int = 0) {
            guard depth < PropertyFileCoding.maxDepth else { faithful = false; out.u8(0); return }
            switch value {
            case .null: out.u8(0)
            case .bool(let flag): out.u8(flag ? 2 : 1)
            case .number(let number): out.u8(3); out.u64(number.bitPattern)
            case .string(let text): out.u8(4); out.string(text)
            case .array(let items):
                out.u8(5)
                int(items.count)
                for item in items { json(item, depth: depth + 1) }
            case .object(let members):
                out.u8(6)
                object(members, depth: depth + 1)
            }
        }

        mutating func object(_ members: [String: JSONValue], depth: Int = 0) {
            int(members.count)
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                out.string(key)
                json(value, depth: depth)
            }
        }

        mutating func diagnostic(_ diagnostic: Diagnostic) {
            out.string(diagnostic.severity.rawValue)
            out.string(diagnostic.message)
            optional(diagnostic.location)
        }

        mutating func config(_ config: ModelConfig) {
            object(config.values)
            int(config.unknown.count)
            for (key, text) in config.unknown.sorted(by: { $0.key < $1.key }) {
                out.string(key)
                out.string(text)
            }
            int(config.locations.count)
            for (key, location) in config.locations.sorted(by: { $0.key < $1.key }) {
                out.string(key)
                self.location(location)
            }
        }

        mutating func references(_ refs: [ModelReference], _ sources: [SourceReference]) {
            int(refs.count)
            for ref in refs {
                out.optional(ref.package)
                out.string(ref.name)
                out.optional(ref.version)
                int(ref.line)
            }
            int(sources.count)
            for source in sources {
                out.string(source.source)
                out.string(source.table)
                int(source.line)
            }
        }

        mutating func constraints(_ constraints: [ModelConstraint]) {
            int(constraints.count)
            for constraint in constraints {
                out.string(constraint.kind.rawValue)
                strings(constraint.columns)
                location(constraint.location)
            }
        }

        mutating func column(_ column: ParsedColumn) {
            let spec = column.spec
            out.string(spec.name)
            out.optional(spec.dataType)
            int(spec.position)
            int(spec.constraints.count)
            for constraint in spec.constraints {
                out.string(constraint.kind.rawValue)
                out.string(constraint.origin.rawValue)
                optional(constraint.location)
            }
            out.optional(spec.description)
            strings(spec.tags)
            object(spec.meta)
            bool(spec.isPII)
            out.optional(spec.renamedFrom)
            optional(spec.location)
            optional(column.dataTypeLocation)
            optional(column.descriptionLocation)
            optional(column.piiLocation)
        }

        mutating func columns(_ columns: [ParsedColumn]) {
            int(columns.count)
            for column in columns { self.column(column) }
        }

        mutating func model(_ model: PropertyModel) {
            out.string(model.name)
            path(model.path)
            location(model.location)
            out.optional(model.description)
            config(model.config)
            columns(model.columns)
            constraints(model.constraints)
            int(model.versions.count)
            for version in model.versions {
                out.string(version.version)
                out.optional(version.definedIn)
                location(version.location)
                if let versionColumns = version.columns {
                    out.u8(1)
                    optionalStrings(versionColumns.include)
                    strings(versionColumns.exclude)
                    columns(versionColumns.columns)
                } else {
                    out.u8(0)
                }
                config(version.config)
                constraints(version.constraints)
                out.optional(version.deprecationDate)
                out.optional(version.description)
            }
            out.optional(model.latestVersion)
            out.optional(model.deprecationDate)
            json(model.raw)
        }

        mutating func contents(_ contents: PropertyFileContents) {
            int(contents.models.count)
            for model in contents.models { self.model(model) }
            int(contents.exposures.count)
            for exposure in contents.exposures {
                out.string(exposure.name)
                path(exposure.path)
                location(exposure.location)
                out.optional(exposure.type)
                if let owner = exposure.owner {
                    out.u8(1)
                    out.string(owner.id)
                    out.optional(owner.name)
                    out.optional(owner.email)
                    out.string(owner.kind)
                    strings(owner.members)
                } else {
                    out.u8(0)
                }
                strings(exposure.tags)
                references(exposure.refs, exposure.sources)
                out.optional(exposure.url)
                out.optional(exposure.label)
            }
            int(contents.snapshots.count)
            for snapshot in contents.snapshots {
                out.string(snapshot.name)
                path(snapshot.path)
                references(snapshot.refs, snapshot.sources)
            }
            int(contents.semanticNodes.count)
            for node in contents.semanticNodes {
                out.string(node.kind.rawValue)
                out.string(node.name)
                path(node.path)
                out.optional(node.label)
                out.optional(node.owner)
                out.optional(node.group)
                strings(node.tags)
                references(node.refs, [])
                strings(node.definedMeasures)
                strings(node.measures)
                strings(node.metrics)
                strings(node.columnExpressions)
            }
            int(contents.diagnostics.count)
            for diagnostic in contents.diagnostics { self.diagnostic(diagnostic) }
            if let failure = contents.failure {
                out.u8(1)
                out.string(failure.message)
                optional(failure.location)
            } else {
                out.u8(0)
            }
        }
    }

    // MARK: reading

    struct Reader {
        let file: String
        var input: BinaryReader

        init(path: String, input: BinaryReader) {
            file = path
            self.input = input
        }

        mutating func int() throws -> Int { try input.count() }
        mutating func string() throws -> String { try input.string() }
        mutating func optionalString() throws -> String? { try input.optionalString() }
        mutating func strings() throws -> [String] { try input.strings() }
        mutating func bool() throws -> Bool { try input.bool() }

        /// A count of items each at least one byte long: more than the bytes left is damage.
        mutating func count() throws -> Int {
            let count = try input.count()
            guard count <= input.bytes.count - input.position else { throw BinaryReader.Short() }
            return count
        }

        mutating func flag() throws -> Bool {
            switch try input.u8() {
            case 0: return false
            case 1: return true
            default: throw Malformed()
            }
        }

        mutating func optionalStrings() throws -> [String]? { try flag() ? try strings() : nil }

        mutating func path() throws -> String { try flag() ? try string() : file }

        mutating func location() throws -> SourceLocation {
            let file = try self.path(), line = try int(), column = try int()
            return SourceLocation(path: file, line: line, column: column, endLine: try optionalInt(), endColumn: try optionalInt())
        }

        mutating func optionalInt() throws -> Int? { try flag() ? try int() : nil }
        mutating func optionalLocation() throws -> SourceLocation? { try flag() ? try location() : nil }

        mutating func json(depth: Int = 0) throws -> JSONValue {
            guard depth < PropertyFileCoding.maxDepth else { throw Malformed() }
            switch try input.u8() {
            case 0: return .null
            case 1: return .bool(false)
            case 2: return .bool(true)
            case 3: return .number(Double(bitPattern: try input.u64()))
            case 4: return .string(try string())
            case 5:
                let count = try count()
                var items: [JSONValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(try json(depth: depth + 1)) }
                return .array(items)
            case 6: return .object(try object(depth: depth + 1))
            default: throw Malformed()
            }
        }

        mutating func object(depth: Int = 0) throws -> [String: JSONValue] {
            let count = try count()
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(count)
            for _ in 0..<count {
                let key = try string()
                members[key] = try json(depth: depth)
            }
            return members
        }

        mutating func severity() throws -> Severity {
            guard let severity = Severity(rawValue: try string()) else { throw Malformed() }
            return severity
        }

        mutating func constraintKind() throws -> ConstraintKind {
            guard let kind = ConstraintKind(rawValue: try string()) else { throw Malformed() }
            return kind
        }

        mutating func diagnostic() throws -> Diagnostic {
            let severity = try severity(), message = try string()
            return Diagnostic(severity: severity, message: message, location: try optionalLocation())
        }

        mutating func config() throws -> ModelConfig {
            var config = ModelConfig()
            config.values = try object()
            for _ in 0..<(try count()) {
                let key = try string()
                config.unknown[key] = try string()
            }
            for _ in 0..<(try count()) {
                let key = try string()
                config.locations[key] = try location()
            }
            return config
        }

        mutating func references() throws -> ([ModelReference], [SourceReference]) {
            var refs: [ModelReference] = [], sources: [SourceReference] = []
            for _ in 0..<(try count()) {
                let package = try optionalString(), name = try string(), version = try optionalString()
                refs.append(ModelReference(package: package, name: name, version: version, line: try int()))
            }
            for _ in 0..<(try count()) {
                let source = try string(), table = try string()
                sources.append(SourceReference(source: source, table: table, line: try int()))
            }
            return (refs, sources)
        }

        mutating func constraints() throws -> [ModelConstraint] {
            var constraints: [ModelConstraint] = []
            for _ in 0..<(try count()) {
                let kind = try constraintKind(), columns = try strings()
                constraints.append(ModelConstraint(kind: kind, columns: columns, location: try location()))
            }
            return constraints
        }

        mutating func column() throws -> ParsedColumn {
            let name = try string(), dataType = try optionalString(), position = try int()
            var constraints: [ColumnConstraint] = []
            for _ in 0..<(try count()) {
                let kind = try constraintKind()
                guard let origin = ConstraintOrigin(rawValue: try string()) else { throw Malformed() }
                constraints.append(ColumnConstraint(kind: kind, origin: origin, location: try optionalLocation()))
            }
            let description = try optionalString(), tags = try strings(), meta = try object()
            let isPII = try bool(), renamedFrom = try optionalString(), location = try self.optionalLocation()
            let spec = ColumnSpec(name: name, dataType: dataType, position: position, constraints: constraints,
                                  description: description, tags: tags, meta: meta, isPII: isPII,
                                  renamedFrom: renamedFrom, location: location)
            let dataTypeLocation = try optionalLocation(), descriptionLocation = try optionalLocation()
            return ParsedColumn(spec: spec, dataTypeLocation: dataTypeLocation, descriptionLocation: descriptionLocation,
                                piiLocation: try optionalLocation())
        }

        mutating func columns() throws -> [ParsedColumn] {
            var columns: [ParsedColumn] = []
            for _ in 0..<(try count()) { columns.append(try column()) }
            return columns
        }

        mutating func model() throws -> PropertyModel {
            let name = try string(), modelPath = try path(), location = try self.location(), description = try optionalString()
            let config = try self.config(), columns = try self.columns(), constraints = try self.constraints()
            var versions: [PropertyVersion] = []
            for _ in 0..<(try count()) {
                let version = try string(), definedIn = try optionalString(), versionLocation = try self.location()
                var versionColumns: VersionColumns?
                if try flag() {
                    let include = try optionalStrings(), exclude = try strings()
                    versionColumns = VersionColumns(include: include, exclude: exclude, columns: try self.columns())
                }
                let versionConfig = try self.config(), versionConstraints = try self.constraints()
                let deprecationDate = try optionalString()
                versions.append(PropertyVersion(version: version, definedIn: definedIn, location: versionLocation,
                                                columns: versionColumns, config: versionConfig, constraints: versionConstraints,
                                                deprecationDate: deprecationDate, description: try optionalString()))
            }
            let latestVersion = try optionalString(), deprecationDate = try optionalString()
            return PropertyModel(name: name, path: modelPath, location: location, description: description, config: config,
                                 columns: columns, constraints: constraints, versions: versions, latestVersion: latestVersion,
                                 deprecationDate: deprecationDate, raw: try json())
        }

        mutating func contents() throws -> PropertyFileContents {
            var contents = PropertyFileContents()
            for _ in 0..<(try count()) { contents.models.append(try model()) }
            for _ in 0..<(try count()) {
                let name = try string(), exposurePath = try path(), location = try self.location(), type = try optionalString()
                var owner: Owner?
                if try flag() {
                    let id = try string(), ownerName = try optionalString(), email = try optionalString(), kind = try string()
                    owner = Owner(id: id, name: ownerName, email: email, kind: kind, members: try strings())
                }
                let tags = try strings(), (refs, sources) = try references()
                let url = try optionalString()
                contents.exposures.append(PropertyExposure(name: name, path: exposurePath, location: location, type: type,
                                                           owner: owner, tags: tags, refs: refs, sources: sources,
                                                           url: url, label: try optionalString()))
            }
            for _ in 0..<(try count()) {
                let name = try string(), snapshotPath = try path(), (refs, sources) = try references()
                contents.snapshots.append(PropertySnapshot(name: name, path: snapshotPath, refs: refs, sources: sources))
            }
            for _ in 0..<(try count()) {
                guard let kind = PropertySemanticNode.Kind(rawValue: try string()) else { throw Malformed() }
                let name = try string(), nodePath = try path()
                var node = PropertySemanticNode(kind: kind, name: name, path: nodePath, label: try optionalString(),
                                                owner: try optionalString(), group: try optionalString(), tags: try strings())
                let (refs, sources) = try references()
                guard sources.isEmpty else { throw Malformed() }
                node.refs = refs
                node.definedMeasures = try strings()
                node.measures = try strings()
                node.metrics = try strings()
                node.columnExpressions = try strings()
                contents.semanticNodes.append(node)
            }
            for _ in 0..<(try count()) { contents.diagnostics.append(try diagnostic()) }
            if try flag() {
                let message = try string()
                contents.failure = InputError(message, at: try optionalLocation())
            }
            return contents
        }
    }
}
