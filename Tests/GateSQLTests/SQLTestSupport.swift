@testable import GateSQL

/// Analyses `sql` with the upstream nodes' columns given by index; a node missing from
/// `columns` is one whose columns are not known.
func analyzeSQL(_ sql: String, _ dialect: SQLDialect = .snowflake, _ columns: [Int: [String]] = [:],
                partial: [Int: String] = [:]) -> SQLModelAnalysis {
    SQLAnalyzer.analyze(sql, dialect: dialect) { relation in
        guard case let .node(index) = relation, let names = columns[index] else { return nil }
        return SQLColumnSet(names: names, certainty: partial[index].map { .partial($0) } ?? .known)
    }
}

/// `n0.amount` for node 0's `amount`, `db.schema.t.col` for a table's.
func text(_ source: SQLColumnSource) -> String {
    switch source.relation {
    case let .node(index): return "n\(index).\(source.column)"
    case let .table(name): return "\(name).\(source.column)"
    }
}

extension SQLModelAnalysis {
    var names: [String] { outputs.map(\.name) }

    func output(_ name: String) -> SQLOutputColumn? { outputs.first { $0.name == name } }

    func inputs(_ name: String) -> [String]? { output(name)?.inputs.map(text) }

    func pass(_ name: String) -> String? { output(name)?.passThrough.map(text) }

    /// Every read as `n0.amount where 3`, with ` *` when it came from a `*` expansion.
    var readList: [String] {
        reads.map { "\(text($0.source)) \($0.clause.rawValue) \($0.line)\($0.viaStar ? " *" : "")" }
    }

    /// Whether any read (at any line, in any clause) is of `source` (`n0.email`).
    func reads(_ source: String) -> Bool { reads.contains { text($0.source) == source } }

    var reason: String? {
        switch certainty {
        case .known: return nil
        case let .partial(reason), let .unknown(reason): return reason
        }
    }
}
