import Foundation
import GateModel

/// The parts of dbt's `target/manifest.json` that the gate trusts over its own reading:
/// relations exactly as dbt resolved them, and the graph (`depends_on`, `child_map`).
struct Manifest {
    struct Node {
        var uniqueId: String
        var name: String
        /// `model`, `seed`, `snapshot`, `source`, `exposure`, `semantic_model`, `metric`, `saved_query`.
        var resourceType: String
        var packageName: String?
        var version: String?
        var relation: Relation?
        /// `original_file_path`, relative to the project folder.
        var originalFilePath: String?
        var dependsOn: [String]
        var tags: [String]
        var owners: [Owner]
        /// An exposure's `url`; the `label` of an exposure or semantic-layer node.
        var url: String? = nil
        var label: String? = nil
    }

    var path: String
    var nodes: [String: Node]
    var childMap: [String: [String]]

    private static let keptTypes: Set<String> = ["model", "seed", "snapshot", "source", "exposure", "semantic_model",
                                                  "metric", "saved_query"]
    /// Kinds of node without a warehouse relation of their own.
    private static let consumerTypes: Set<String> = ["exposure", "semantic_model", "metric", "saved_query"]

    static func parse(_ data: Data, path: String) throws -> Manifest {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw InputError("manifest.json is not valid JSON (\(error.localizedDescription)); run `dbt parse` again or remove it",
                             at: SourceLocation(path: path))
        }
        guard let root = object as? [String: Any] else {
            throw InputError("manifest.json must be a JSON object", at: SourceLocation(path: path))
        }
        // A manifest whose sections have the wrong shape is not one dbt wrote: say so rather than
        // trust it as a manifest that knows no models.
        guard root["nodes"] is [String: Any] else {
            let found = root["nodes"].map { "found \(jsonKind($0))" } ?? "it is missing"
            throw InputError("manifest.json has no `nodes` object (\(found)); run `dbt parse` again or remove it",
                             at: SourceLocation(path: path))
        }
        for section in ["sources", "exposures", "child_map"] where root[section] != nil && !(root[section] is [String: Any]) {
            throw InputError("manifest.json: `\(section)` must be an object, found \(jsonKind(root[section] as Any)); "
                + "run `dbt parse` again or remove it", at: SourceLocation(path: path))
        }
        var nodes: [String: Node] = [:]
        for section in ["nodes", "sources", "exposures", "semantic_models", "metrics", "saved_queries"] {
            guard let entries = root[section] as? [String: Any] else { continue }
            for (id, value) in entries {
                guard let entry = value as? [String: Any] else { continue }
                let type = entry["resource_type"] as? String ?? String(id.prefix { $0 != "." })
                guard keptTypes.contains(type) else { continue }
                nodes[id] = node(id: id, type: type, entry: entry)
            }
        }
        var childMap: [String: [String]] = [:]
        if let map = root["child_map"] as? [String: Any] {
            for (id, children) in map {
                childMap[id] = (children as? [Any] ?? []).compactMap { $0 as? String }
            }
        }
        return Manifest(path: path, nodes: nodes, childMap: childMap)
    }

    /// A JSON value's kind in words, for "found an array".
    private static func jsonKind(_ value: Any) -> String {
        switch value {
        case is [String: Any]: "an object"
        case is [Any]: "an array"
        case is String: "a string"
        case is NSNull: "null"
        default: "a \(type(of: value))"
        }
    }

    private static func node(id: String, type: String, entry: [String: Any]) -> Node {
        let name = entry["name"] as? String ?? id
        var relation: Relation?
        if !consumerTypes.contains(type) {
            let identifier = (entry["alias"] as? String) ?? (entry["identifier"] as? String) ?? name
            relation = Relation(database: entry["database"] as? String, schema: entry["schema"] as? String,
                                identifier: identifier)
        }
        var version: String?
        if let number = entry["version"] as? NSNumber { version = number.stringValue }
        else if let text = entry["version"] as? String { version = text }
        let dependsOn = ((entry["depends_on"] as? [String: Any])?["nodes"] as? [Any] ?? []).compactMap { $0 as? String }
        var owners: [Owner] = []
        if let owner = entry["owner"] as? [String: Any] {
            let ownerName = owner["name"] as? String
            let email = owner["email"] as? String
            if let ownerId = email ?? ownerName { owners.append(Owner(id: ownerId, name: ownerName, email: email, kind: "dbt")) }
        }
        // The semantic layer names its people like a model does: `meta.owner` and `group`.
        if type != "exposure" && consumerTypes.contains(type) {
            let config = entry["config"] as? [String: Any]
            let meta = (config?["meta"] as? [String: Any]) ?? (entry["meta"] as? [String: Any])
            owners = DbtProject.dbtOwners(owner: meta?["owner"] as? String, group: entry["group"] as? String ?? config?["group"] as? String)
        }
        return Node(uniqueId: id, name: name, resourceType: type, packageName: entry["package_name"] as? String,
                    version: version, relation: relation, originalFilePath: entry["original_file_path"] as? String,
                    dependsOn: dependsOn, tags: (entry["tags"] as? [Any] ?? []).compactMap { $0 as? String },
                    owners: owners, url: type == "exposure" ? entry["url"] as? String : nil,
                    label: consumerTypes.contains(type) ? entry["label"] as? String : nil)
    }
}
