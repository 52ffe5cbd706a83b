import Foundation
import GateModel

/// The columns `dbt docs generate` found in the warehouse (`target/catalog.json`), by unique id:
/// the truth for sources and snapshots, whose columns no SQL in the project says.
package struct WarehouseCatalog: Sendable {
    /// Unique id → column names in the warehouse's order.
    package var columns: [String: [String]]

    /// Reads `catalog.json`'s `nodes` and `sources`; throws `InputError` naming the file when it is
    /// not a dbt catalog.
    package static func read(path: String) throws -> WarehouseCatalog {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw InputError("\(path) could not be read; delete it or run `dbt docs generate` again",
                             at: SourceLocation(path: path))
        }
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw InputError("\(path) is not a dbt catalog (JSON object with `nodes` and `sources`); delete it or run "
                             + "`dbt docs generate` again", at: SourceLocation(path: path))
        }
        var result: [String: [String]] = [:]
        for section in ["nodes", "sources"] {
            for (id, value) in root[section] as? [String: Any] ?? [:] {
                guard let columns = (value as? [String: Any])?["columns"] as? [String: Any] else { continue }
                let ordered = columns.compactMap { key, value -> (Int, String)? in
                    let column = value as? [String: Any]
                    return ((column?["index"] as? Int) ?? Int.max, (column?["name"] as? String) ?? key)
                }.sorted { $0 < $1 }
                result[id] = ordered.map(\.1)
            }
        }
        return WarehouseCatalog(columns: result)
    }
}
