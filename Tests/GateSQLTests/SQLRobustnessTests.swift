import Testing
@testable import GateSQL

/// The analysis never traps and always answers, whatever it is given: random token soup,
/// every prefix of real model SQL, every dialect. (ci/bench/sql-parse-bench runs it on
/// thousands of real models.)
@Suite struct SQLRobustnessTests {
    /// A fixed-seed generator, so a failure reproduces.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = [
        "select", "from", "where", "with", "as", "(", ")", ",", "*", ".", "::", ":", "[", "]", "{", "}", "union all",
        "join", "on", "using", "left", "lateral", "flatten", "unnest", "exclude", "except", "replace", "rename",
        "over", "partition by", "order by", "group by", "qualify", "case", "when", "then", "end", "cast", "interval",
        "'1 day'", "\"quoted\"", "`tick`", "$$x$$", "1", "2.5", "a", "b.c", "__dbt_node_0__", "__dbt_node_1__",
        "__dbt_opaque__(", "->", "=>", "=", "+", "-- c\n", "/* c */", "#", ";", "\n", "values", "exists", "in",
        "between", "and", "not", "distinct", "on", "top", "limit", "pivot", "lateral view", "explode", "filter",
        "within group", "table(", "date", "'", "\"", "`", "$1", "@p", "e'", "/*",
    ]

    static let realModel = """
        with orders as (
            select * from __dbt_node_0__
        ),
        payments as (
            select order_id, sum(amount) filter (where status = 'ok') as paid
            from __dbt_node_1__ p
            group by 1
        ),
        final as (
            select o.*, p.paid, row_number() over (partition by o.customer_id order by o.ordered_at) as seq,
                   f.value:sku::string as sku, __dbt_opaque__(o.amount) as amount_usd
            from orders o
            left join payments p using (order_id)
            , lateral flatten(input => o.items) f
            where exists (select 1 from __dbt_node_2__ r where r.id = o.id)
            qualify seq = 1
        )
        select * exclude (seq) from final union all select * from final;
        """

    @Test func randomTokenSoupAlwaysGetsAnAnswer() {
        var random = SplitMix64(state: 18)
        var answered = 0
        for _ in 0..<1500 {
            let count = Int.random(in: 1...40, using: &random)
            let sql = (0..<count).map { _ in Self.pieces.randomElement(using: &random) ?? "" }.joined(separator: " ")
            let dialect = SQLDialect.allCases.randomElement(using: &random) ?? .generic
            let analysis = analyzeSQL(sql, dialect, [0: ["a", "b"]])
            if case let .unknown(reason) = analysis.certainty {
                #expect(!reason.isEmpty)
            }
            answered += 1
        }
        #expect(answered == 1500)
    }

    @Test func everyPrefixOfARealModelGetsAnAnswerThatNamesALine() {
        let bytes = Array(Self.realModel.utf8)
        var known = 0
        for end in stride(from: 0, through: bytes.count, by: 3) {
            let sql = String(decoding: bytes[0..<end], as: UTF8.self)
            for dialect in [SQLDialect.snowflake, .bigquery, .postgres] {
                let analysis = analyzeSQL(sql, dialect, [0: ["id", "customer_id", "ordered_at", "amount", "items"]])
                switch analysis.certainty {
                case .known, .partial: known += 1
                case let .unknown(reason):
                    #expect(reason.contains("line") || reason == "the model rendered to no SQL", "\(reason)")
                }
            }
        }
        #expect(known > 0, "some prefixes are whole queries")
        let whole = analyzeSQL(Self.realModel, .snowflake, [0: ["id", "customer_id", "ordered_at", "amount", "items"],
                                                             1: ["order_id", "amount", "status"]])
        #expect(whole.names == ["id", "customer_id", "ordered_at", "amount", "items", "paid", "sku", "amount_usd"])
    }

    @Test func nestingIsBoundedInEveryPosition() {
        for shape in [("select ", "(", "1", ")"), ("select ", "f(", "1", ")"), ("", "(", "select 1", ")"),
                      ("select 1 from ", "(", "select 1", ")"), ("select ", "case when ", "1", " then 1 end"),
                      ("select ", "(select ", "1", ")")] {
            let sql = shape.0 + String(repeating: shape.1, count: 300) + shape.2 + String(repeating: shape.3, count: 300)
            let analysis = analyzeSQL(sql)
            #expect(analysis.reason?.contains("nesting deeper than") == true, "\(shape)")
        }
    }
}
