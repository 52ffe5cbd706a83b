/// What the SQL analysis of one rendered model says: the columns it outputs, where each comes
/// from, and every upstream column it reads. The SQL is what `DbtRenderer` produced: each
/// `ref()`/`source()` prints as `__dbt_node_<n>__` (a `SQLRelation.node(n)`), and the output of a
/// macro the gate cannot run (dbt's own adapter macros, unknown macros) prints as
/// `__dbt_opaque__(<its arguments as SQL>)`.

/// A relation a model's SQL reads.
public enum SQLRelation: Hashable, Sendable, CustomStringConvertible {
    /// `__dbt_node_<n>__`: the n-th relation in `RenderedModel.nodes` (a ref or a source).
    case node(Int)
    /// Any other relation named in the SQL (a hard-coded table), lower-cased, dotted as written
    /// (`analytics.raw.orders`).
    case table(String)

    public var description: String {
        switch self {
        case let .node(index): return "__dbt_node_\(index)__"
        case let .table(name): return name
        }
    }
}

/// How sure a set of columns is.
public enum SQLCertainty: Hashable, Sendable {
    /// Every output column is known by name.
    case known
    /// Some columns are known; others may exist (a `*` over a relation whose columns are not
    /// known, an opaque macro's output in the select list). The reason says which.
    case partial(String)
    /// Nothing reliable is known (the SQL did not parse, or is not a query). The reason says why,
    /// with the line when there is one.
    case unknown(String)

    public var isKnown: Bool { if case .known = self { return true } else { return false } }
    public var isUnknown: Bool { if case .unknown = self { return true } else { return false } }
}

/// The columns of a relation as the analysis is told them (an upstream model's own analysis, its
/// YAML, the catalog), or as it works them out for a model.
public struct SQLColumnSet: Hashable, Sendable {
    /// Output column names in order, as written (compare lower-cased).
    public var names: [String]
    public var certainty: SQLCertainty

    public init(names: [String], certainty: SQLCertainty) {
        self.names = names
        self.certainty = certainty
    }
}

/// One column of one relation.
public struct SQLColumnSource: Hashable, Sendable, Comparable {
    public var relation: SQLRelation
    /// Lower-cased; `*` means "every column of the relation" (read through a `*` whose columns
    /// are not known).
    public var column: String

    public init(relation: SQLRelation, column: String) {
        self.relation = relation
        self.column = column
    }

    public static func < (a: SQLColumnSource, b: SQLColumnSource) -> Bool {
        // The same order as comparing (description, column), without building descriptions for
        // the common case of one relation.
        if a.relation == b.relation { return a.column < b.column }
        return (a.relation.description, a.column) < (b.relation.description, b.column)
    }
}

/// One column the statement outputs.
public struct SQLOutputColumn: Hashable, Sendable {
    /// The output name as written (an alias, the column's own name, or the name a `*` expands to).
    public var name: String
    /// Upstream columns whose values feed this output column (through any CTEs and subqueries).
    public var inputs: [SQLColumnSource]
    /// The upstream column this output passes through unchanged, if it does (a bare reference,
    /// `t.col`, or a `*`/`t.*` expansion), so renames can be told from new expressions.
    public var passThrough: SQLColumnSource?
    /// When the column came out of a `*`/`t.*`: the name of the scope the star was written in
    /// ("the CTE `orders`", "the final select"), for explanations. Nil otherwise.
    public var viaStar: String?
    /// 1-based line in the analysed SQL text where the column is produced.
    public var line: Int

    public init(name: String, inputs: [SQLColumnSource], passThrough: SQLColumnSource? = nil, viaStar: String? = nil, line: Int) {
        self.name = name
        self.inputs = inputs
        self.passThrough = passThrough
        self.viaStar = viaStar
        self.line = line
    }
}

/// Where in a statement an upstream column is read.
public enum SQLClause: String, Hashable, Sendable {
    case select, `where`, join, groupBy = "group_by", having, qualify, window, orderBy = "order_by", other
}

/// An upstream column the statement reads, anywhere: in a select list (also of a CTE whose output
/// nobody selects), a filter, a join condition, a group by, a window.
public struct SQLColumnRead: Hashable, Sendable {
    public var source: SQLColumnSource
    public var clause: SQLClause
    /// 1-based line in the analysed SQL text.
    public var line: Int
    /// The read came from a `*` expansion (the column was not named in the text).
    public var viaStar: Bool

    public init(source: SQLColumnSource, clause: SQLClause, line: Int, viaStar: Bool = false) {
        self.source = source
        self.clause = clause
        self.line = line
        self.viaStar = viaStar
    }
}

/// The analysis of one model's SQL.
public struct SQLModelAnalysis: Hashable, Sendable {
    /// The final statement's output columns, in order.
    public var outputs: [SQLOutputColumn]
    /// How sure `outputs` is.
    public var certainty: SQLCertainty
    /// Every upstream column read, each (source, clause, line) once.
    public var reads: [SQLColumnRead]
    /// Relations the SQL reads (every `SQLRelation` that appears in a `from`/`join`).
    public var relations: [SQLRelation]

    public init(outputs: [SQLOutputColumn] = [], certainty: SQLCertainty, reads: [SQLColumnRead] = [], relations: [SQLRelation] = []) {
        self.outputs = outputs
        self.certainty = certainty
        self.reads = reads
        self.relations = relations
    }
}

/// The SQL dialect a project's adapter speaks, for the few places syntax differs (identifier
/// quoting, the case of unquoted names, `* except` vs `* exclude`). The parser accepts the union
/// of the dialects wherever they do not conflict.
public enum SQLDialect: String, Hashable, Sendable, CaseIterable {
    case snowflake, bigquery, postgres, redshift, duckdb, databricks, spark, generic

    /// The dialect of a dbt adapter type (`target.type`); `generic` for anything else.
    public init(adapter: String?) {
        self = adapter.flatMap { SQLDialect(rawValue: $0.lowercased()) } ?? .generic
    }
}
