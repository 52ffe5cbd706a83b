/// Column facts of one rendered model: what it outputs, where each output comes from, and every
/// upstream column it reads. Pure: the SQL and the columns of upstream relations in, facts out.
public enum SQLAnalyzer {
    /// Analyses `sql` (a model as `DbtRenderer` rendered it). Never throws and never traps: SQL
    /// that does not parse, or is not a query, gives `.unknown("<what> at line N")`.
    ///
    /// - Parameter columnsOf: the columns of an upstream relation (its own analysis, its YAML, the
    ///   catalog), or nil when nothing is known; asked at most once per relation.
    public static func analyze(_ sql: String, dialect: SQLDialect,
                               columnsOf: (SQLRelation) -> SQLColumnSet?) -> SQLModelAnalysis {
        let bytes = Array(sql.utf8)
        let statement: SQLStatement
        do {
            let tokens = try SQLLexer.tokenize(bytes, dialect: dialect)
            var parser = SQLParser(tokens: tokens, dialect: dialect)
            statement = try parser.parseLastStatement()
        } catch let error as SQLSyntaxError {
            return SQLModelAnalysis(certainty: .unknown(error.description))
        } catch {
            return SQLModelAnalysis(certainty: .unknown("the SQL could not be read: \(error)"))
        }
        switch statement {
        case .empty:
            return SQLModelAnalysis(certainty: .unknown("the model rendered to no SQL"))
        case let .notQuery(word, line):
            return SQLModelAnalysis(certainty: .unknown("the SQL is not a query (it starts with `\(word)`) at line \(line)"))
        case let .opaque(line):
            return SQLModelAnalysis(certainty: .unknown("the SQL is the output of a macro the gate cannot run at line \(line)"))
        case let .query(query):
            return withoutActuallyEscaping(columnsOf) { columnsOf in
                SQLColumnAnalyzer(bytes: bytes, dialect: dialect, columnsOf: columnsOf).analyze(query)
            }
        }
    }
}

/// One output column of a query, a CTE or a subquery, as the analysis tracks it.
struct SQLColumnFact {
    var name: String
    var key: String
    /// Upstream columns, sorted and unique.
    var inputs: [SQLColumnSource]
    var pass: SQLColumnSource?
    var viaStar: String?
    var line: Int

    init(name: String, inputs: [SQLColumnSource], pass: SQLColumnSource?, viaStar: String? = nil, line: Int) {
        self.name = name
        self.key = SQLLexer.lowercase(name)
        self.inputs = inputs
        self.pass = pass
        self.viaStar = viaStar
        self.line = line
    }
}

/// Where columns a shape does not list by name may come from.
enum SQLShapeTail {
    /// Any column of this relation (a `*` over a relation whose columns are not known).
    case relation(SQLRelation)
    /// Some columns derived from these (a macro's output, a table function's, a pivot's).
    case sources([SQLColumnSource])
    /// Some of these columns (a macro's output over a relation whose columns are known).
    case columns([SQLColumnFact])
}

/// The columns a query, CTE, subquery or relation produces.
struct SQLShape {
    var columns: [SQLColumnFact] = []
    var tails: [SQLShapeTail] = []
    /// Why the shape is partial (non-empty exactly when `tails` is).
    var reasons: [String] = []
}

/// A from item in a scope.
struct SQLScopeItem {
    /// The names it is qualified by, lower-cased: its alias, or the relation's dotted suffixes.
    let qualifiers: [String]
    let shape: SQLShape
    /// The relation, when the item is one named straight in `from`/`join`.
    let base: SQLRelation?
    private let lookup = SQLColumnLookup()

    init(qualifiers: [String], shape: SQLShape, base: SQLRelation? = nil) {
        self.qualifiers = qualifiers
        self.shape = shape
        self.base = base
    }

    /// The first column of that key.
    func column(_ key: String) -> SQLColumnFact? { lookup.position(of: key, in: shape.columns).map { shape.columns[$0] } }
}

/// Column key → its first position in a scope item's columns, made on the first lookup that needs
/// it: most items are asked for a few columns or none, and an item over a wide relation (hundreds
/// of columns, every CTE that selects `*` from it) would otherwise index them all for nothing.
final class SQLColumnLookup {
    private var index: [String: Int]?

    func position(of key: String, in columns: [SQLColumnFact]) -> Int? {
        if columns.count <= 16 { return columns.firstIndex { $0.key == key } }
        if let index { return index[key] }
        var built: [String: Int] = [:]
        built.reserveCapacity(columns.count)
        for (position, column) in columns.enumerated() where built[column.key] == nil { built[column.key] = position }
        index = built
        return built[key]
    }
}

/// The CTEs visible at a point of the query.
final class SQLCTEScope {
    let parent: SQLCTEScope?
    var shapes: [String: SQLShape] = [:]
    /// `with __dbt_opaque__(…)`: unknown names may be CTEs a macro wrote, over these relations.
    var opaqueTails: [SQLShapeTail]?
    var opaqueLine = 0

    init(parent: SQLCTEScope?) { self.parent = parent }

    func shape(_ key: String) -> SQLShape? { shapes[key] ?? parent?.shape(key) }
    var macroCTEs: (tails: [SQLShapeTail], line: Int)? {
        if let opaqueTails { return (opaqueTails, opaqueLine) }
        return parent?.macroCTEs
    }
}

/// The from items of one select, inside the scopes of the queries around it.
final class SQLScope {
    let parent: SQLScope?
    let ctes: SQLCTEScope
    /// "the final select", "the CTE `orders`", "the subquery at line 4".
    let name: String
    var items: [SQLScopeItem] = []
    /// `using (…)` and natural-join columns: one column in `*`, resolved to the leftmost item.
    var usingKeys: [String] = []
    var windows: [String: SQLWindow] = [:]
    /// The select list's columns, as far as they are analysed.
    var outputs: [SQLColumnFact] = []

    init(parent: SQLScope?, ctes: SQLCTEScope, name: String) {
        self.parent = parent
        self.ctes = ctes
        self.name = name
    }
}

/// What a name resolves to.
struct SQLResolution {
    var sources: [SQLColumnSource] = []
    var pass: SQLColumnSource?

    func asPath() -> SQLResolution { SQLResolution(sources: sources, pass: nil) }
}

/// Where an expression is, for resolving the names in it.
struct SQLExpressionContext {
    var scope: SQLScope
    var clause: SQLClause
    /// Whether the select list's columns so far (`scope.outputs`) resolve names: lateral
    /// aliases, and aliases in `where`/`group by`/…
    var aliases = false
    /// `order by`: an alias wins over a from item's column.
    var aliasesFirst = false
    /// Lambda parameters.
    var bound: [String] = []
    /// Whether reads are recorded (not for the select list of `exists (…)`).
    var record = true
}

/// Walks a parsed query: builds scopes, resolves names, and records reads and outputs.
final class SQLColumnAnalyzer {
    private let bytes: [UInt8]
    private let dialect: SQLDialect
    private let columnsOf: (SQLRelation) -> SQLColumnSet?
    private var relationShapes: [SQLRelation: SQLShape] = [:]
    private var relations: [SQLRelation] = []
    private var readViaStar: [ReadKey: Bool] = [:]

    private struct ReadKey: Hashable {
        var source: SQLColumnSource
        var clause: SQLClause
        var line: Int
    }

    init(bytes: [UInt8], dialect: SQLDialect, columnsOf: @escaping (SQLRelation) -> SQLColumnSet?) {
        self.bytes = bytes
        self.dialect = dialect
        self.columnsOf = columnsOf
    }

    func analyze(_ query: SQLQuery) -> SQLModelAnalysis {
        let shape = analyzeQuery(query, ctes: nil, outer: nil, name: "the final select")
        var certainty = SQLCertainty.known
        if case let .opaque(opaque) = query.body {
            certainty = .unknown("the final query is the output of a macro the gate cannot run at line \(opaque.line)")
        } else if !shape.reasons.isEmpty {
            var seen = Set<String>()
            certainty = .partial(shape.reasons.filter { seen.insert($0).inserted }.joined(separator: "; "))
        }
        let outputs = shape.columns.map {
            SQLOutputColumn(name: $0.name, inputs: $0.inputs, passThrough: $0.pass, viaStar: $0.viaStar, line: $0.line)
        }
        var names: [SQLRelation: String] = [:]
        for key in readViaStar.keys where names[key.source.relation] == nil {
            names[key.source.relation] = key.source.relation.description
        }
        let reads = readViaStar
            .map { (read: SQLColumnRead(source: $0.key.source, clause: $0.key.clause, line: $0.key.line, viaStar: $0.value),
                    relation: names[$0.key.source.relation] ?? "") }
            .sorted {
                if $0.read.line != $1.read.line { return $0.read.line < $1.read.line }
                if $0.relation != $1.relation { return $0.relation < $1.relation }
                if $0.read.source.column != $1.read.source.column { return $0.read.source.column < $1.read.source.column }
                return $0.read.clause.rawValue < $1.read.clause.rawValue
            }
            .map(\.read)
        return SQLModelAnalysis(outputs: shape.columns.isEmpty && certainty.isUnknown ? [] : outputs,
                                certainty: certainty, reads: reads, relations: relations)
    }

    // MARK: Recording

    private func record(_ sources: [SQLColumnSource], _ clause: SQLClause, line: Int, viaStar: Bool = false) {
        for source in sources {
            let key = ReadKey(source: source, clause: clause, line: line)
            if let existing = readViaStar[key] {
                if existing && !viaStar { readViaStar[key] = false }
            } else {
                readViaStar[key] = viaStar
            }
        }
    }

    private func note(_ relation: SQLRelation) {
        if !relations.contains(relation) { relations.append(relation) }
    }

    private static func unique(_ sources: [SQLColumnSource]) -> [SQLColumnSource] {
        if sources.count <= 1 { return sources }
        return Array(Set(sources)).sorted()
    }

    // MARK: Queries

    private func analyzeQuery(_ query: SQLQuery, ctes outerCTEs: SQLCTEScope?, outer: SQLScope?, name: String,
                              ignoreSelectList: Bool = false) -> SQLShape {
        let ctes = SQLCTEScope(parent: outerCTEs)
        if !query.opaqueCTEs.isEmpty {
            var tails: [SQLShapeTail] = []
            for opaque in query.opaqueCTEs {
                for node in opaque.nodes {
                    note(.node(node))
                    tails.append(.relation(.node(node)))
                }
            }
            ctes.opaqueTails = tails.isEmpty ? [.sources([])] : tails
            ctes.opaqueLine = query.opaqueCTEs[0].line
        }
        for cte in query.ctes {
            if query.recursive, case let .setOperation(anchor, _, _, _) = cte.query.body {
                let anchorShape = analyzeBody(anchor, ctes: ctes, outer: outer, name: "the CTE `\(cte.name)`")
                ctes.shapes[cte.key] = renamed(anchorShape, cte.columns)
            }
            let shape = analyzeQuery(cte.query, ctes: ctes, outer: outer, name: "the CTE `\(cte.name)`")
            ctes.shapes[cte.key] = renamed(shape, cte.columns)
        }
        return analyzeBody(query.body, ctes: ctes, outer: outer, name: name, ignoreSelectList: ignoreSelectList)
    }

    private func analyzeBody(_ body: SQLBody, ctes: SQLCTEScope, outer: SQLScope?, name: String,
                             ignoreSelectList: Bool = false) -> SQLShape {
        switch body {
        case let .select(select):
            return analyzeSelect(select, ctes: ctes, outer: outer, name: name, ignoreSelectList: ignoreSelectList)
        case let .query(query):
            return analyzeQuery(query, ctes: ctes, outer: outer, name: name, ignoreSelectList: ignoreSelectList)
        case let .setOperation(left, right, byName, _):
            let first = analyzeBody(left, ctes: ctes, outer: outer, name: name, ignoreSelectList: ignoreSelectList)
            let second = analyzeBody(right, ctes: ctes, outer: outer, name: name, ignoreSelectList: ignoreSelectList)
            return combine(first, second, byName: byName)
        case let .values(rows, line):
            let scope = SQLScope(parent: outer, ctes: ctes, name: name)
            return valuesShape(rows, names: nil, scope: scope, line: line)
        case let .opaque(opaque):
            let scope = SQLScope(parent: outer, ctes: ctes, name: name)
            var ignored: [SQLColumnSource] = []
            collect(.opaque(opaque), SQLExpressionContext(scope: scope, clause: .other), into: &ignored)
            let tails: [SQLShapeTail] = opaque.nodes.isEmpty ? [.sources([])] : opaque.nodes.map { .relation(.node($0)) }
            return SQLShape(columns: [], tails: tails,
                            reasons: ["the query at line \(opaque.line) is the output of a macro the gate cannot run"])
        }
    }

    /// A set operation: names from the left, values from both sides, by position (or by name).
    private func combine(_ left: SQLShape, _ right: SQLShape, byName: Bool) -> SQLShape {
        var result = left
        func merge(_ index: Int, _ other: SQLColumnFact) {
            result.columns[index].inputs = SQLColumnAnalyzer.unique(result.columns[index].inputs + other.inputs)
            if result.columns[index].pass != other.pass { result.columns[index].pass = nil }
        }
        if byName {
            for column in right.columns {
                if let index = result.columns.firstIndex(where: { $0.key == column.key }) {
                    merge(index, column)
                } else {
                    result.columns.append(column)
                }
            }
        } else {
            for index in result.columns.indices where index < right.columns.count {
                merge(index, right.columns[index])
            }
        }
        result.tails += right.tails
        result.reasons += right.reasons
        return result
    }

    private func valuesShape(_ rows: [[SQLExpr]], names: [String]?, scope: SQLScope, line: Int) -> SQLShape {
        let width = max(rows.map(\.count).max() ?? 0, names?.count ?? 0)
        var columns: [SQLColumnFact] = []
        for column in 0..<width {
            var inputs: [SQLColumnSource] = []
            for row in rows where column < row.count {
                collect(row[column], SQLExpressionContext(scope: scope, clause: .other), into: &inputs)
            }
            let name = names.flatMap { column < $0.count ? $0[column] : nil } ?? "column\(column + 1)"
            columns.append(SQLColumnFact(name: name, inputs: SQLColumnAnalyzer.unique(inputs), pass: nil, line: line))
        }
        return SQLShape(columns: columns)
    }

    /// A column-alias list (`cte(a, b)`, `t as x(a, b)`) renames by position.
    private func renamed(_ shape: SQLShape, _ names: [String]?) -> SQLShape {
        guard let names, !names.isEmpty else { return shape }
        var result = shape
        for (position, name) in names.enumerated() {
            if position < result.columns.count {
                result.columns[position].name = name
                result.columns[position].key = SQLLexer.lowercase(name)
            } else {
                result.columns.append(SQLColumnFact(name: name, inputs: [], pass: nil, line: 0))
            }
        }
        if names.count >= result.columns.count {
            result.tails = []
            result.reasons = []
        }
        return result
    }

    // MARK: Select

    private static let aggregates: Set<String> = [
        "count", "sum", "avg", "min", "max", "any_value", "array_agg", "listagg", "string_agg", "group_concat", "median",
        "mode", "stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp", "count_if", "countif",
        "bool_and", "bool_or", "booland_agg", "boolor_agg", "every", "approx_count_distinct", "approx_distinct",
        "hll", "percentile_cont", "percentile_disc", "approx_percentile", "object_agg", "arbitrary", "collect_list",
        "collect_set", "logical_and", "logical_or", "bit_and", "bit_or", "sum_if", "max_by", "min_by", "arg_max",
        "arg_min", "corr", "covar_pop", "covar_samp", "product", "list", "json_agg", "jsonb_agg", "json_object_agg",
        "array_concat_agg", "array_union_agg", "first", "last", "kurtosis", "skewness", "histogram",
    ]

    private static func containsAggregate(_ expression: SQLExpr) -> Bool {
        switch expression {
        case let .call(name, arguments): return aggregates.contains(name) || arguments.contains(where: containsAggregate)
        case let .compound(parts): return parts.contains(where: containsAggregate)
        case let .cast(inner), let .lambda(_, inner): return containsAggregate(inner)
        case let .path(inner, indexes): return containsAggregate(inner) || indexes.contains(where: containsAggregate)
        case .opaque, .windowed, .column, .literal, .position, .star, .subquery: return false
        }
    }

    private func analyzeSelect(_ select: SQLSelect, ctes: SQLCTEScope, outer: SQLScope?, name: String,
                               ignoreSelectList: Bool) -> SQLShape {
        let scope = SQLScope(parent: outer, ctes: ctes, name: name)
        for item in select.from { addFromItem(item, to: scope) }
        for (windowName, window) in select.windows { scope.windows[windowName] = window }
        var shape = SQLShape()
        /// Per expression item: its expression and the index of its column.
        var expressionColumns: [(SQLExpr, Int)] = []
        var anonymous = 0
        for item in select.items {
            switch item {
            case let .star(star):
                let expansion = expandStar(star, in: scope, clause: .select, record: !ignoreSelectList)
                scope.outputs += expansion.columns
                shape.tails += expansion.tails
                shape.reasons += expansion.reasons
            case let .expression(expression, alias, text, line):
                if case let .opaque(opaque) = expression, alias == nil {
                    let expansion = opaqueSelectItem(opaque, in: scope, record: !ignoreSelectList)
                    shape.tails += expansion.tails
                    shape.reasons += expansion.reasons
                    continue
                }
                let context = SQLExpressionContext(scope: scope, clause: .select, aliases: true, record: !ignoreSelectList)
                let (inputs, pass) = evaluate(expression, context)
                if alias == nil, let hole = expression.holeLine {
                    // Its name would be dbt's compiled text, which a macro left out here.
                    shape.reasons.append("a macro printed nothing at line \(hole), where dbt's compile prints part of a column")
                }
                let columnName = alias ?? derivedName(expression, text: text, anonymous: &anonymous)
                expressionColumns.append((expression, scope.outputs.count))
                scope.outputs.append(SQLColumnFact(name: columnName, inputs: inputs, pass: pass, line: line))
            }
        }
        let facts = scope.outputs
        shape.columns = facts
        var ignored: [SQLColumnSource] = []
        func read(_ expression: SQLExpr?, _ clause: SQLClause, aliasesFirst: Bool = false) {
            guard let expression else { return }
            if case let .position(position, line) = expression {
                if position >= 1, position <= facts.count { record(facts[position - 1].inputs, clause, line: line) }
                return
            }
            collect(expression, SQLExpressionContext(scope: scope, clause: clause, aliases: true, aliasesFirst: aliasesFirst),
                    into: &ignored)
        }
        read(select.whereClause, .where)
        for expression in select.groupBy { read(expression, .groupBy) }
        if select.groupByAll {
            for (expression, index) in expressionColumns where !SQLColumnAnalyzer.containsAggregate(expression) {
                if case .windowed = expression { continue }
                record(facts[index].inputs, .groupBy, line: select.groupByLine)
            }
        }
        read(select.having, .having)
        read(select.qualify, .qualify)
        for (_, window) in select.windows {
            for expression in window.partition + window.order { read(expression, .window) }
        }
        for expression in select.orderBy { read(expression, .orderBy, aliasesFirst: true) }
        for expression in select.others { read(expression, .other) }
        return shape
    }

    /// The output name of an unaliased expression, as the dialect names it.
    private func derivedName(_ expression: SQLExpr, text: Range<Int>, anonymous: inout Int) -> String {
        if case let .column(_, name, _) = expression { return name }
        switch dialect {
        case .postgres, .redshift:
            return SQLColumnAnalyzer.postgresName(expression) ?? "?column?"
        case .bigquery:
            defer { anonymous += 1 }
            return "f\(anonymous)_"
        default:
            guard text.lowerBound >= 0, text.upperBound <= bytes.count, !text.isEmpty else { return "?column?" }
            return String(decoding: bytes[text], as: UTF8.self)
        }
    }

    private static func postgresName(_ expression: SQLExpr) -> String? {
        switch expression {
        case let .column(_, name, _): return name
        case let .cast(inner): return postgresName(inner)
        case let .call(name, _): return name
        case let .windowed(inner, _): return postgresName(inner)
        default: return nil
        }
    }

    // MARK: From

    private func relationShape(_ relation: SQLRelation) -> SQLShape {
        if let known = relationShapes[relation] { return known }
        let set = columnsOf(relation)
        let columns = (set?.names ?? []).map { name -> SQLColumnFact in
            let source = SQLColumnSource(relation: relation, column: SQLLexer.lowercase(name))
            return SQLColumnFact(name: name, inputs: [source], pass: source, line: 0)
        }
        var shape = SQLShape(columns: columns)
        switch set?.certainty {
        case .known?:
            break
        case let .partial(reason)?:
            shape.tails = [.relation(relation)]
            shape.reasons = ["`*` over \(relation) whose columns are only partly known (\(reason))"]
        case .unknown?, nil:
            shape.columns = []
            shape.tails = [.relation(relation)]
            shape.reasons = ["`*` over \(relation) whose columns are not known"]
        }
        relationShapes[relation] = shape
        return shape
    }

    private func addFromItem(_ item: SQLFromItem, to scope: SQLScope) {
        switch item {
        case let .table(parts, alias, line):
            if parts.count == 1, let shape = scope.ctes.shape(parts[0]) {
                scope.items.append(SQLScopeItem(qualifiers: [alias?.key ?? parts[0]], shape: renamed(shape, alias?.columns)))
                return
            }
            let relation: SQLRelation
            if parts.count == 1, let node = SQLParser.nodeIndex(parts[0]) {
                relation = .node(node)
            } else if parts.count == 1, let macroCTEs = scope.ctes.macroCTEs {
                let shape = SQLShape(columns: [], tails: macroCTEs.tails, reasons: [
                    "`\(parts[0])` (line \(line)) may be a CTE written by a macro the gate cannot run (line \(macroCTEs.line))",
                ])
                scope.items.append(SQLScopeItem(qualifiers: [alias?.key ?? parts[0]], shape: renamed(shape, alias?.columns)))
                return
            } else {
                relation = .table(parts.joined(separator: "."))
            }
            note(relation)
            let qualifiers = alias.map { [$0.key] } ?? (1...parts.count).map { parts.suffix($0).joined(separator: ".") }
            scope.items.append(SQLScopeItem(qualifiers: qualifiers, shape: renamed(relationShape(relation), alias?.columns),
                                            base: relation))
        case let .subquery(query, alias, line):
            let shape = analyzeQuery(query, ctes: scope.ctes, outer: scope, name: "the subquery at line \(line)")
            scope.items.append(SQLScopeItem(qualifiers: alias.map { [$0.key] } ?? [], shape: renamed(shape, alias?.columns)))
        case let .function(name, arguments, alias, offset, line):
            var inputs: [SQLColumnSource] = []
            let context = SQLExpressionContext(scope: scope, clause: .join)
            for argument in arguments { collect(argument, context, into: &inputs) }
            inputs = SQLColumnAnalyzer.unique(inputs)
            var shape = SQLShape()
            var names: [String]
            switch name {
            case "flatten":
                names = ["seq", "key", "path", "index", "value", "this"]
                if let columns = alias?.columns { names = columns }
            case "unnest", "explode", "explode_outer", "posexplode", "posexplode_outer", "inline", "inline_outer":
                let defaults = name.hasPrefix("posexplode") ? ["pos", "col"] : name == "unnest" ? [alias?.name ?? "unnest"] : ["col"]
                names = alias?.columns ?? defaults
            default:
                names = alias?.columns ?? []
                if names.isEmpty {
                    if let alias { names = [alias.name] }
                    shape.tails = [.sources(inputs)]
                    shape.reasons = ["the columns of `\(name)(…)` at line \(line) are not known"]
                }
            }
            if let offset { names.append(offset) }
            shape.columns = names.map { SQLColumnFact(name: $0, inputs: inputs, pass: nil, line: line) }
            scope.items.append(SQLScopeItem(qualifiers: [alias?.key ?? name], shape: shape))
        case let .values(rows, alias, line):
            let shape = valuesShape(rows, names: alias?.columns, scope: scope, line: line)
            scope.items.append(SQLScopeItem(qualifiers: alias.map { [$0.key] } ?? [], shape: shape))
        case let .join(left, right, join):
            addFromItem(left, to: scope)
            let before = scope.items.count
            addFromItem(right, to: scope)
            var using = join.using
            if join.natural, before > 0, before < scope.items.count {
                let leftKeys = Set(scope.items[..<before].flatMap { $0.shape.columns.map(\.key) })
                using += scope.items[before...].flatMap { $0.shape.columns.map(\.key) }.filter { leftKeys.contains($0) }
            }
            for key in using where !scope.usingKeys.contains(key) { scope.usingKeys.append(key) }
            for key in using {
                for candidate in scope.items {
                    record(sources(of: key, in: candidate)?.sources ?? [], .join, line: join.line)
                }
            }
            if let condition = join.on {
                var ignored: [SQLColumnSource] = []
                collect(condition, SQLExpressionContext(scope: scope, clause: .join), into: &ignored)
            }
        case let .opaque(opaque, alias):
            for node in opaque.nodes { note(.node(node)) }
            var ignored: [SQLColumnSource] = []
            collect(.opaque(opaque), SQLExpressionContext(scope: scope, clause: .join), into: &ignored)
            let tails: [SQLShapeTail] = opaque.nodes.isEmpty ? [.sources([])] : opaque.nodes.map { .relation(.node($0)) }
            let shape = SQLShape(columns: [], tails: tails,
                                 reasons: ["the relation at line \(opaque.line) is the output of a macro the gate cannot run"])
            scope.items.append(SQLScopeItem(qualifiers: alias.map { [$0.key] } ?? [], shape: shape))
        case let .pivot(source, expressions, alias, line):
            let inner = SQLScope(parent: scope.parent, ctes: scope.ctes, name: scope.name)
            addFromItem(source, to: inner)
            var inputs: [SQLColumnSource] = []
            for expression in expressions {
                collect(expression, SQLExpressionContext(scope: inner, clause: .other), into: &inputs)
            }
            var shape = SQLShape(columns: inner.items.flatMap(\.shape.columns))
            shape.tails = [.sources(SQLColumnAnalyzer.unique(inputs))] + inner.items.flatMap(\.shape.tails)
            shape.reasons = ["the columns a pivot makes at line \(line) are not known"] + inner.items.flatMap(\.shape.reasons)
            let qualifiers = alias.map { [$0.key] } ?? inner.items.flatMap(\.qualifiers)
            scope.items.append(SQLScopeItem(qualifiers: qualifiers, shape: renamed(shape, alias?.columns)))
        }
    }

    // MARK: Stars

    private struct Expansion {
        var columns: [SQLColumnFact] = []
        var tails: [SQLShapeTail] = []
        var reasons: [String] = []
    }

    private func items(qualifiedBy parts: [String], in scope: SQLScope) -> [SQLScopeItem] {
        let qualifier = parts.joined(separator: ".")
        return scope.items.filter { $0.qualifiers.contains(qualifier) }
    }

    /// `*`/`t.*` with `exclude`, `replace`, `rename`, `ilike`: the columns it stands for, each
    /// read (via the star) where the star is written.
    private func expandStar(_ star: SQLStar, in scope: SQLScope, clause: SQLClause, record recording: Bool) -> Expansion {
        var expansion = Expansion()
        var selected: [SQLScopeItem]
        if let qualifier = star.qualifier {
            selected = items(qualifiedBy: qualifier, in: scope)
            if selected.isEmpty {
                // A struct's fields (BigQuery `s.*`), or a name that is not in scope.
                let text = qualifier.joined(separator: ".")
                let resolution = resolve(qualifier, line: star.line, SQLExpressionContext(scope: scope, clause: clause, record: recording))
                expansion.tails = [.sources(resolution.sources)]
                expansion.reasons = ["`\(text).*` at line \(star.line) expands columns that are not known"]
                if recording { record(resolution.sources, clause, line: star.line, viaStar: true) }
                return expansion
            }
            for item in selected { expansion.columns += item.shape.columns }
        } else {
            selected = scope.items
            if scope.usingKeys.isEmpty {
                for item in selected { expansion.columns += item.shape.columns }
            } else {
                for key in scope.usingKeys {
                    if let column = selected.lazy.compactMap({ $0.column(key) }).first { expansion.columns.append(column) }
                }
                for item in selected {
                    expansion.columns += item.shape.columns.filter { !scope.usingKeys.contains($0.key) }
                }
            }
        }
        for item in selected {
            expansion.tails += item.shape.tails
            expansion.reasons += item.shape.reasons
        }
        if !star.exclude.isEmpty {
            let excluded = Set(star.exclude)
            // An `exclude`/`except` list names its columns: the warehouse rejects one that is not
            // there (DuckDB, Snowflake and BigQuery alike), so each is read by name, not via the star.
            if recording {
                for column in expansion.columns where excluded.contains(column.key) { record(column.inputs, clause, line: star.line) }
            }
            expansion.columns.removeAll { excluded.contains($0.key) }
        }
        if let pattern = star.like {
            expansion.columns.removeAll { !SQLColumnAnalyzer.like($0.key, SQLLexer.lowercase(pattern)) }
        }
        for index in expansion.columns.indices {
            expansion.columns[index].viaStar = scope.name
            expansion.columns[index].line = star.line
        }
        for (old, new) in star.rename {
            if let index = expansion.columns.firstIndex(where: { $0.key == old }) {
                // Like `exclude`, `rename` names the old column: read by name.
                if recording { record(expansion.columns[index].inputs, clause, line: star.line) }
                expansion.columns[index].name = new
                expansion.columns[index].key = SQLLexer.lowercase(new)
            } else if !expansion.tails.isEmpty {
                let resolution = tailResolution(expansion.tails, old)
                expansion.columns.append(SQLColumnFact(name: new, inputs: resolution.sources, pass: resolution.pass,
                                                       viaStar: scope.name, line: star.line))
            }
        }
        var replaced = Set<String>()
        for (expression, name) in star.replace {
            let key = SQLLexer.lowercase(name)
            let (inputs, pass) = evaluate(expression, SQLExpressionContext(scope: scope, clause: clause, record: recording))
            let column = SQLColumnFact(name: name, inputs: inputs, pass: pass, line: star.line)
            if let index = expansion.columns.firstIndex(where: { $0.key == key }) {
                expansion.columns[index] = column
            } else {
                expansion.columns.append(column)
            }
            replaced.insert(key)
        }
        if recording {
            for column in expansion.columns where !replaced.contains(column.key) {
                record(column.inputs, clause, line: star.line, viaStar: true)
            }
            for tail in expansion.tails { recordTail(tail, clause, line: star.line) }
        }
        return expansion
    }

    private func recordTail(_ tail: SQLShapeTail, _ clause: SQLClause, line: Int) {
        switch tail {
        case let .relation(relation): record([SQLColumnSource(relation: relation, column: "*")], clause, line: line, viaStar: true)
        case let .sources(sources): record(sources, clause, line: line, viaStar: true)
        case let .columns(columns): for column in columns { record(column.inputs, clause, line: line, viaStar: true) }
        }
    }

    /// SQL `like` (case-insensitive by the caller): `%` any run, `_` one character.
    static func like(_ text: String, _ pattern: String) -> Bool {
        let t = Array(text.unicodeScalars), p = Array(pattern.unicodeScalars)
        var ti = 0, pi = 0, starP = -1, starT = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "_" || p[pi] == t[ti] {
                ti += 1; pi += 1
            } else if pi < p.count, p[pi] == "%" {
                starP = pi; starT = ti; pi += 1
            } else if starP >= 0 {
                pi = starP + 1; starT += 1; ti = starT
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "%" { pi += 1 }
        return pi == p.count
    }

    /// A macro's output as a whole select item: like a `*` over the relations its arguments
    /// name, or over every from item when it names none.
    private func opaqueSelectItem(_ opaque: SQLOpaque, in scope: SQLScope, record recording: Bool) -> Expansion {
        var expansion = Expansion()
        var inputs: [SQLColumnSource] = []
        collect(.opaque(opaque), SQLExpressionContext(scope: scope, clause: .select, record: recording), into: &inputs)
        if opaque.namesOneColumn {
            expansion.tails = [.sources(SQLColumnAnalyzer.unique(inputs))]
            expansion.reasons = ["the name of the column at line \(opaque.line) is written by a macro the gate cannot run"]
            return expansion
        }
        var shapes: [SQLShape] = []
        if opaque.nodes.isEmpty {
            shapes = scope.items.map(\.shape)
        } else {
            for node in opaque.nodes {
                note(.node(node))
                let relation = SQLRelation.node(node)
                shapes.append(scope.items.first { $0.base == relation }?.shape ?? relationShape(relation))
            }
        }
        for shape in shapes {
            if !shape.columns.isEmpty { expansion.tails.append(.columns(shape.columns)) }
            expansion.tails += shape.tails
        }
        if expansion.tails.isEmpty { expansion.tails = [.sources([])] }
        expansion.reasons = ["the output of a macro the gate cannot run at line \(opaque.line)"]
        if recording {
            for tail in expansion.tails { recordTail(tail, .select, line: opaque.line) }
        }
        return expansion
    }

    // MARK: Expressions

    /// The upstream columns an expression reads (recorded), and the column it passes through
    /// unchanged when it is a bare or qualified column reference.
    private func evaluate(_ expression: SQLExpr, _ context: SQLExpressionContext) -> ([SQLColumnSource], SQLColumnSource?) {
        if case let .column(parts, _, line) = expression {
            let resolution = resolve(parts, line: line, context)
            if context.record { record(resolution.sources, context.clause, line: line) }
            return (SQLColumnAnalyzer.unique(resolution.sources), resolution.pass)
        }
        var sources: [SQLColumnSource] = []
        collect(expression, context, into: &sources)
        return (SQLColumnAnalyzer.unique(sources), nil)
    }

    private func collect(_ expression: SQLExpr, _ context: SQLExpressionContext, into sources: inout [SQLColumnSource]) {
        switch expression {
        case let .column(parts, _, line):
            let resolution = resolve(parts, line: line, context)
            if context.record { record(resolution.sources, context.clause, line: line) }
            sources += resolution.sources
        case .literal, .position:
            break
        case let .star(qualifier, line):
            let expansion = expandStar(SQLStar(qualifier: qualifier, line: line), in: context.scope, clause: context.clause,
                                       record: context.record)
            for column in expansion.columns { sources += column.inputs }
            for tail in expansion.tails {
                switch tail {
                case let .relation(relation): sources.append(SQLColumnSource(relation: relation, column: "*"))
                case let .sources(tailSources): sources += tailSources
                case let .columns(columns): for column in columns { sources += column.inputs }
                }
            }
        case let .call(_, arguments), let .compound(arguments):
            for argument in arguments { collect(argument, context, into: &sources) }
        case let .windowed(call, window):
            collect(call, context, into: &sources)
            var windowContext = context
            windowContext.clause = .window
            var parts = window.partition + window.order
            if let name = window.name, let named = context.scope.windows[name] { parts += named.partition + named.order }
            for part in parts { collect(part, windowContext, into: &sources) }
        case let .subquery(query, use, line):
            let shape = analyzeQuery(query, ctes: context.scope.ctes, outer: context.scope, name: "the subquery at line \(line)",
                                     ignoreSelectList: use == .exists || !context.record)
            if use == .value {
                for column in shape.columns { sources += column.inputs }
            }
        case let .cast(inner):
            collect(inner, context, into: &sources)
        case let .path(inner, indexes):
            collect(inner, context, into: &sources)
            for index in indexes { collect(index, context, into: &sources) }
        case let .lambda(parameters, body):
            var lambdaContext = context
            lambdaContext.bound += parameters
            collect(body, lambdaContext, into: &sources)
        case let .opaque(opaque):
            for node in opaque.nodes { note(.node(node)) }
            for argument in opaque.arguments { collect(argument, context, into: &sources) }
        }
    }

    // MARK: Names

    /// Resolves `a`, `t.a`, `s.t.a` or a struct path `a.b.c`: qualified names by their
    /// qualifier; unqualified ones by the unique item that has the column, then a select-list
    /// alias, then an outer scope (correlation); then, over-approximating, every item whose
    /// columns are not known; then (a read of a column that does not exist) every relation.
    private func resolve(_ parts: [String], line: Int, _ context: SQLExpressionContext) -> SQLResolution {
        let key = parts[0]
        if context.bound.contains(key) { return SQLResolution() }
        let isPath = parts.count > 1
        if context.aliasesFirst, !isPath, let alias = context.scope.outputs.last(where: { $0.key == key }) {
            return SQLResolution(sources: alias.inputs, pass: alias.pass)
        }
        if isPath {
            var scope: SQLScope? = context.scope
            while let current = scope {
                if let resolution = resolveQualified(parts, in: current) { return resolution }
                scope = current.parent
            }
        }
        var scope: SQLScope? = context.scope
        var innermost = true
        while let current = scope {
            if let resolution = resolveKnown(key, in: current) { return isPath ? resolution.asPath() : resolution }
            if innermost, context.aliases, let alias = context.scope.outputs.first(where: { $0.key == key }) {
                let resolution = SQLResolution(sources: alias.inputs, pass: alias.pass)
                return isPath ? resolution.asPath() : resolution
            }
            if !isPath, let resolution = resolveWholeRow(key, in: current) { return resolution }
            scope = current.parent
            innermost = false
        }
        scope = context.scope
        while let current = scope {
            let open = current.items.filter { !$0.shape.tails.isEmpty }
            if !open.isEmpty {
                var resolution = SQLResolution()
                for item in open { resolution.sources += tailResolution(item.shape.tails, key).sources }
                if open.count == 1 { resolution.pass = tailResolution(open[0].shape.tails, key).pass }
                return isPath ? resolution.asPath() : resolution
            }
            scope = current.parent
        }
        scope = context.scope
        while let current = scope {
            let bases = current.items.compactMap(\.base)
            if !bases.isEmpty {
                let sources = bases.map { SQLColumnSource(relation: $0, column: key) }
                return SQLResolution(sources: sources, pass: sources.count == 1 && !isPath ? sources[0] : nil)
            }
            scope = current.parent
        }
        return SQLResolution()
    }

    private func resolveQualified(_ parts: [String], in scope: SQLScope) -> SQLResolution? {
        var length = min(parts.count - 1, 3)
        while length >= 1 {
            let matches = items(qualifiedBy: Array(parts[0..<length]), in: scope)
            if !matches.isEmpty {
                let key = parts[length]
                var resolution = SQLResolution()
                for item in matches {
                    if let found = sources(of: key, in: item) {
                        resolution.sources += found.sources
                        resolution.pass = found.pass
                    }
                }
                if matches.count > 1 || parts.count > length + 1 { resolution.pass = nil }
                return resolution
            }
            length -= 1
        }
        return nil
    }

    /// A column of one item: by name, or through its relation or its unknown part.
    private func sources(of key: String, in item: SQLScopeItem) -> SQLResolution? {
        if let column = item.column(key) { return SQLResolution(sources: column.inputs, pass: column.pass) }
        if let base = item.base {
            let source = SQLColumnSource(relation: base, column: key)
            return SQLResolution(sources: [source], pass: source)
        }
        if !item.shape.tails.isEmpty { return tailResolution(item.shape.tails, key) }
        return nil
    }

    private func resolveKnown(_ key: String, in scope: SQLScope) -> SQLResolution? {
        var matches: [SQLColumnFact] = []
        for item in scope.items {
            if let column = item.column(key) { matches.append(column) }
        }
        guard let first = matches.first else { return nil }
        if matches.count == 1 || scope.usingKeys.contains(key) { return SQLResolution(sources: first.inputs, pass: first.pass) }
        return SQLResolution(sources: matches.flatMap(\.inputs), pass: nil)
    }

    /// `select t from t` (a whole row: BigQuery structs, Postgres records).
    private func resolveWholeRow(_ key: String, in scope: SQLScope) -> SQLResolution? {
        guard let item = scope.items.first(where: { $0.qualifiers.contains(key) }) else { return nil }
        var sources = item.shape.columns.flatMap(\.inputs)
        for tail in item.shape.tails {
            switch tail {
            case let .relation(relation): sources.append(SQLColumnSource(relation: relation, column: "*"))
            case let .sources(tailSources): sources += tailSources
            case let .columns(columns): sources += columns.flatMap(\.inputs)
            }
        }
        return SQLResolution(sources: sources, pass: nil)
    }

    private func tailResolution(_ tails: [SQLShapeTail], _ key: String) -> SQLResolution {
        var resolution = SQLResolution()
        var passes: [SQLColumnSource] = []
        for tail in tails {
            switch tail {
            case let .relation(relation):
                let source = SQLColumnSource(relation: relation, column: key)
                resolution.sources.append(source)
                passes.append(source)
            case let .sources(sources):
                resolution.sources += sources
            case let .columns(columns):
                if let column = columns.first(where: { $0.key == key }) {
                    resolution.sources += column.inputs
                    if let pass = column.pass { passes.append(pass) }
                }
            }
        }
        if passes.count == 1, resolution.sources.count == 1 { resolution.pass = passes[0] }
        return resolution
    }
}
