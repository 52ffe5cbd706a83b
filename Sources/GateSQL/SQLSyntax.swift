/// The parse of rendered model SQL, reduced to what column analysis needs: the query structure
/// (CTEs, set operations, selects, from items, joins) in full, and expressions only as far as
/// the columns, subqueries and lambdas inside them. Names are lower-cased where they are matched
/// and kept as written where they become output names.

/// An expression, kept as the column references, calls and subqueries it is made of.
indirect enum SQLExpr {
    /// `a`, `t.a`, `db.schema.t.a`, `s.field.sub`: lower-cased parts; `name` is the last part as
    /// written (the output name of an unaliased reference).
    case column([String], name: String, line: Int)
    /// A literal, keyword value or parameter: reads nothing.
    case literal
    /// A bare integer in `group by`/`order by`: the 1-based select item.
    case position(Int, line: Int)
    /// `*` or `t.*` as a function argument (`hash(*)`, `object_construct(t.*)`).
    case star([String]?, line: Int)
    /// A function call or operator form; `name` is lower-cased (the last part of a dotted name).
    case call(String, [SQLExpr])
    /// An aggregate or window call with its `over (…)`.
    case windowed(SQLExpr, SQLWindow)
    case subquery(SQLQuery, SQLSubqueryUse, line: Int)
    /// `cast(x as t)`, `x::t`: names `x` in Postgres, never a pass-through.
    case cast(SQLExpr)
    /// A field, subscript or variant path of a value (`(x).f`, `x[0]`, `v:a.b`): the indexes read too.
    case path(SQLExpr, [SQLExpr])
    case lambda([String], SQLExpr)
    /// Operators, `case`, lists: whatever the parts read.
    case compound([SQLExpr])
    case opaque(SQLOpaque)

    /// The line of an operand a macro left empty (`SQLParser.hole`) in this expression, outside
    /// subqueries, if there is one.
    var holeLine: Int? {
        switch self {
        case let .opaque(opaque) where opaque.arguments.isEmpty && opaque.nodes.isEmpty && !opaque.namesOneColumn:
            return opaque.line
        case let .call(_, parts), let .compound(parts): return parts.lazy.compactMap(\.holeLine).first
        case let .windowed(inner, _), let .cast(inner), let .lambda(_, inner): return inner.holeLine
        case let .path(inner, indexes): return inner.holeLine ?? indexes.lazy.compactMap(\.holeLine).first
        default: return nil
        }
    }
}

/// How a subquery in an expression is used.
enum SQLSubqueryUse {
    /// A scalar subquery, `in (select …)`, `array(select …)`: its output values flow on.
    case value
    /// `exists (…)`: only its filters matter, not its select list.
    case exists
}

/// `__dbt_opaque__(…)`: the output of a macro the gate cannot run.
struct SQLOpaque {
    /// The arguments parsed as expressions, or, when they do not parse, the bare names in them.
    var arguments: [SQLExpr]
    /// `__dbt_node_<n>__` placeholders among the arguments: relations the macro likely reads.
    var nodes: [Int]
    var line: Int
    /// A select item whose alias a macro wrote (`x as col_{{ suffix() }}`): exactly one
    /// column, name unknown; `arguments` holds its expression.
    var namesOneColumn = false
}

struct SQLWindow {
    /// `over w` or `over (w …)`: a named window of the select.
    var name: String?
    var partition: [SQLExpr] = []
    var order: [SQLExpr] = []
}

/// A query: `with …` CTEs and a body.
final class SQLQuery {
    var ctes: [SQLCTE] = []
    /// `__dbt_opaque__(…)` entries of the `with` list: CTEs a macro wrote, names unknown.
    var opaqueCTEs: [SQLOpaque] = []
    var recursive = false
    var body: SQLBody
    var line: Int

    init(body: SQLBody, line: Int) {
        self.body = body
        self.line = line
    }
}

struct SQLCTE {
    var key: String
    var name: String
    var columns: [String]?
    var query: SQLQuery
    var line: Int
}

indirect enum SQLBody {
    case select(SQLSelect)
    /// A parenthesised query (with its own CTEs).
    case query(SQLQuery)
    /// `union`/`intersect`/`except`/`minus`: names from the left, values from both sides.
    case setOperation(SQLBody, SQLBody, byName: Bool, line: Int)
    case values([[SQLExpr]], line: Int)
    /// A whole query written by a macro the gate cannot run.
    case opaque(SQLOpaque)
}

final class SQLSelect {
    var items: [SQLSelectItem] = []
    var from: [SQLFromItem] = []
    var whereClause: SQLExpr?
    var groupBy: [SQLExpr] = []
    var groupByAll = false
    var groupByLine = 0
    var having: SQLExpr?
    var qualify: SQLExpr?
    var windows: [(String, SQLWindow)] = []
    var orderBy: [SQLExpr] = []
    /// `distinct on`, `limit`, `offset`, `fetch`, `top`, macro-written clauses: read, not output.
    var others: [SQLExpr] = []
    var line: Int

    init(line: Int) { self.line = line }
}

enum SQLSelectItem {
    /// An expression; `text` is its UTF-8 range in the SQL (the output name some dialects give
    /// an unaliased expression).
    case expression(SQLExpr, alias: String?, text: Range<Int>, line: Int)
    case star(SQLStar)
}

/// `*` or `t.*` in a select list, with its modifiers.
struct SQLStar {
    var qualifier: [String]?
    /// `exclude`/`except`, lower-cased.
    var exclude: [String] = []
    /// `replace (expr as name)`.
    var replace: [(expression: SQLExpr, name: String)] = []
    /// `rename (old as new)`: old lower-cased, new as written.
    var rename: [(old: String, new: String)] = []
    /// Snowflake `* ilike 'pattern'`.
    var like: String?
    var line: Int
}

indirect enum SQLFromItem {
    /// A named relation: a `__dbt_node_<n>__`, a CTE or a table. `parts` are lower-cased.
    case table(parts: [String], alias: SQLAlias?, line: Int)
    case subquery(SQLQuery, alias: SQLAlias?, line: Int)
    /// A table function: `flatten(…)`, `unnest(…)`, `explode(…)` (lateral view), `generate_series(…)`.
    case function(name: String, arguments: [SQLExpr], alias: SQLAlias?, offset: String?, line: Int)
    case values([[SQLExpr]], alias: SQLAlias?, line: Int)
    case join(SQLFromItem, SQLFromItem, SQLJoin)
    case opaque(SQLOpaque, alias: SQLAlias?)
    /// `pivot (…)`/`unpivot (…)`: the expressions inside, over the source item.
    case pivot(SQLFromItem, [SQLExpr], alias: SQLAlias?, line: Int)
}

struct SQLAlias {
    var name: String
    /// A column-alias list `t(a, b)`, as written.
    var columns: [String]?
    var key: String { SQLLexer.lowercase(name) }
}

struct SQLJoin {
    var natural = false
    var on: SQLExpr?
    /// `using (…)`, lower-cased.
    var using: [String] = []
    var line: Int
}
