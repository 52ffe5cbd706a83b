import Foundation
import GateModel

extension DbtProject {
    /// The `ref()`s and `source()`s a model file makes, as dbt's parse records them. Every reader
    /// of a model's parents goes through here (the graph, the dangling-reference check).
    func references(ofModelFile path: String) throws -> ReferenceScan? {
        try scan(path)
    }
}
