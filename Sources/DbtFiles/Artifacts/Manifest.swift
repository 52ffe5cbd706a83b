import Foundation
import GateModel

/// The parts of dbt's `target/manifest.json` that the gate trusts over its own reading:
/// relations exactly as dbt resolved them, and the graph (`depends_on`, `child_map`).
package struct Manifest {
    package struct Node {
        package var uniqueId: String
        package var name: String
        /// `model`, `seed`, `snapshot`, `source`, `exposure`, `semantic_model`, `metric`, `saved_query`.
        package var resourceType: String
        var packageName: String?
        package var version: String?
        package var relation: Relation?
        /// `original_file_path`, relative to the project folder.
        package var originalFilePath: String?
        package var dependsOn: [String]
        package var tags: [String]
        package var owners: [Owner]
        /// An exposure's `url`; the `label` of an exposure or semantic-layer node.
        package var url: String? = nil
        package var label: String? = nil
    }

    package var path: String
    package var nodes: [String: Node]
    package var childMap: [String: [String]]

    private static let keptTypes: Set<String> = ["model", "seed", "snapshot", "source", "exposure",
                                                 "semantic_model", "metric", "saved_query"]
    /// Kinds of node without a warehouse relation of their own.
    private static let consumerTypes: Set<String> = ["exposure", "semantic_model", "metric", "saved_query"]
    private static let nodeSections: Set<String> = ["nodes", "sources", "exposures", "semantic_models", "metrics", "saved_queries"]

    /// Reads the manifest with a pull reader that keeps only the fields below and skips the rest
    /// (compiled SQL, column docs), so a 44 MB manifest costs its bytes and the graph, no more.
    package static func parse(_ data: Data, path: String) throws -> Manifest {
        try parse(reader: JSONPullReader(data), path: path)
    }

    package static func parse(bytes: [UInt8], path: String) throws -> Manifest {
        try parse(reader: JSONPullReader(bytes: bytes), path: path)
    }

    private static func parse(reader start: JSONPullReader, path: String) throws -> Manifest {
        var reader = start
        var nodes: [String: Node] = [:]
        var childMap: [String: [String]] = [:]
        var sawNodes = false
        do {
            guard try reader.peekKind() == .object else {
                throw InputError("manifest.json must be a JSON object", at: SourceLocation(path: path))
            }
            try reader.readObject { reader, section in
                let kind = try reader.peekKind()
                if section == "nodes" {
                    guard kind == .object else {
                        throw InputError("manifest.json has no `nodes` object (found \(words(kind))); run `dbt parse` again or remove it",
                                         at: SourceLocation(path: path))
                    }
                    sawNodes = true
                }
                if nodeSections.contains(section) || section == "child_map" {
                    if kind == .null, section != "nodes" { try reader.skipValue(); return }
                    guard kind == .object else {
                        throw InputError("manifest.json: `\(section)` must be an object, found \(words(kind)); "
                            + "run `dbt parse` again or remove it", at: SourceLocation(path: path))
                    }
                }
                switch section {
                case _ where nodeSections.contains(section):
                    try reader.readObject { reader, id in
                        guard try reader.peekKind() == .object else { try reader.skipValue(); return }
                        let node = try readNode(id: id, &reader)
                        if keptTypes.contains(node.resourceType) { nodes[id] = node }
                    }
                case "child_map":
                    try reader.readObject { reader, id in childMap[id] = try reader.readStrings() ?? [] }
                default:
                    try reader.skipValue()
                }
            }
            guard reader.atEnd() else { throw JSONPullReader.Failure(message: "unexpected data after the end", offset: reader.index) }
        } catch let failure as JSONPullReader.Failure {
            throw InputError("manifest.json is not valid JSON (\(failure.message) at byte \(failure.offset)); run `dbt parse` again or remove it",
                             at: SourceLocation(path: path))
        }
        guard sawNodes else {
            throw InputError("manifest.json has no `nodes` object (it is missing); run `dbt parse` again or remove it",
                             at: SourceLocation(path: path))
        }
        return Manifest(path: path, nodes: nodes, childMap: childMap)
    }

    private static func words(_ kind: JSONPullReader.Kind) -> String {
        switch kind {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    /// One entry of `nodes`/`sources`/`exposures`/…, reading only what the graph and relations use.
    private static func readNode(id: String, _ reader: inout JSONPullReader) throws -> Node {
        var fields: [String: String] = [:]
        var dependsOn: [String] = []
        var tags: [String] = []
        var owners: [Owner] = []
        var metaOwner: String?
        var configGroup: String?
        let scalars: Set<String> = ["resource_type", "name", "package_name", "version", "alias", "identifier", "database",
                                    "schema", "original_file_path", "url", "label", "group"]
        /// `meta.owner` (a string) inside `meta` or `config.meta`.
        func readMetaOwner(_ reader: inout JSONPullReader) throws {
            guard try reader.peekKind() == .object else { try reader.skipValue(); return }
            try reader.readObject { reader, key in
                guard key == "owner", try reader.peekKind() == .string else { try reader.skipValue(); return }
                let owner = try reader.readString()
                if metaOwner == nil { metaOwner = owner }
            }
        }
        try reader.readObject { reader, key in
            switch key {
            case _ where scalars.contains(key):
                let kind = try reader.peekKind()
                if kind == .object || kind == .array { try reader.skipValue() } else { fields[key] = try reader.readScalarText() }
            case "depends_on":
                guard try reader.peekKind() == .object else { try reader.skipValue(); return }
                try reader.readObject { reader, inner in
                    if inner == "nodes" { dependsOn = try reader.readStrings() ?? [] } else { try reader.skipValue() }
                }
            case "tags":
                tags = try reader.readStrings() ?? []
            case "meta":
                try readMetaOwner(&reader)
            case "config":
                guard try reader.peekKind() == .object else { try reader.skipValue(); return }
                try reader.readObject { reader, inner in
                    switch inner {
                    case "meta": try readMetaOwner(&reader)
                    case "group" where try reader.peekKind() == .string: configGroup = try reader.readString()
                    default: try reader.skipValue()
                    }
                }
            case "owner":
                guard try reader.peekKind() == .object else { try reader.skipValue(); return }
                var name: String?
                var email: String?
                try reader.readObject { reader, inner in
                    let kind = try reader.peekKind()
                    guard kind == .string, inner == "name" || inner == "email" else { try reader.skipValue(); return }
                    if inner == "name" { name = try reader.readString() } else { email = try reader.readString() }
                }
                if let ownerId = email ?? name { owners.append(Owner(id: ownerId, name: name, email: email, kind: "dbt")) }
            default:
                try reader.skipValue()
            }
        }
        let type = fields["resource_type"] ?? String(id.prefix { $0 != "." })
        let name = fields["name"] ?? id
        if type != "exposure" && consumerTypes.contains(type) {
            owners = DbtOwners.of(owner: metaOwner, group: fields["group"] ?? configGroup)
        }
        var relation: Relation?
        if !consumerTypes.contains(type) {
            relation = Relation(database: fields["database"], schema: fields["schema"],
                                identifier: fields["alias"] ?? fields["identifier"] ?? name)
        }
        var version = fields["version"]
        if let text = version, let number = Double(text), number == number.rounded(), !text.contains("e") {
            version = String(Int(number))
        }
        return Node(uniqueId: id, name: name, resourceType: type, packageName: fields["package_name"], version: version,
                    relation: relation, originalFilePath: fields["original_file_path"], dependsOn: dependsOn, tags: tags,
                    owners: owners, url: type == "exposure" ? fields["url"] : nil,
                    label: consumerTypes.contains(type) ? fields["label"] : nil)
    }
}
