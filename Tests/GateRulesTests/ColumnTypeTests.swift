import GateModel
import Testing
@testable import GateContracts
@testable import GateRules

@Suite("Column types: normalisation and widening")
struct ColumnTypeTests {
    @Test("spellings of one type compare equal", arguments: [
        ("INT", "integer"), ("int4", "INTEGER"), ("\"bigint\"", "int8"), ("`BIGINT`", "bigint"),
        ("character varying(20)", "VARCHAR(20)"), ("varchar( 20 )", "varchar(20)"), ("numeric(12, 2)", "DECIMAL(12,2)"),
        ("double precision", "float8"), ("timestamp without time zone", "timestamp"), ("bool", "BOOLEAN"),
        ("timestamp with time zone", "timestamptz"),
    ])
    func same(_ a: String, _ b: String) {
        #expect(ColumnType.sameType(a, b), "\(a) and \(b) should normalise to one type: \(ColumnType.normalize(a)) vs \(ColumnType.normalize(b))")
    }

    @Test("different types stay different", arguments: [
        ("text", "varchar"), ("timestamp", "timestamptz"), ("int", "bigint"), ("varchar(20)", "varchar(21)"),
        ("numeric(12,2)", "numeric(12,3)"), ("float", "double"), ("date", "timestamp"),
    ])
    func different(_ a: String, _ b: String) {
        #expect(!ColumnType.sameType(a, b))
    }

    @Test("a warehouse's own synonyms are one type on that adapter", arguments: [
        ("snowflake", "varchar", "text"), ("snowflake", "STRING", "varchar(16777216)"), ("snowflake", "int", "number(38,0)"),
        ("snowflake", "bigint", "NUMBER"), ("snowflake", "double", "float"), ("snowflake", "nvarchar(20)", "varchar(20)"),
        ("duckdb", "varchar", "text"), ("duckdb", "string", "VARCHAR(50)"), ("duckdb", "long", "int8"),
        ("BigQuery", "varchar", "STRING"), ("bigquery", "int", "int64"), ("bigquery", "float", "float64"),
    ])
    func sameOnAdapter(_ adapter: String, _ a: String, _ b: String) {
        #expect(ColumnType.sameType(a, b, adapter: adapter),
                "\(adapter): \(ColumnType.normalize(a, adapter: adapter)) vs \(ColumnType.normalize(b, adapter: adapter))")
    }

    @Test("synonyms stay apart where the warehouse keeps them apart", arguments: [
        ("postgres", "text", "varchar"), (nil, "text", "varchar"), ("redshift", "text", "varchar"),
        ("snowflake", "varchar(20)", "varchar(30)"), ("snowflake", "number(10,2)", "int"), ("bigquery", "numeric", "bigint"),
        ("duckdb", "int", "bigint"), ("snowflake", "date", "timestamp"),
    ] as [(String?, String, String)])
    func differentOnAdapter(_ adapter: String?, _ a: String, _ b: String) {
        #expect(!ColumnType.sameType(a, b, adapter: adapter), "\(adapter ?? "no adapter"): \(a) vs \(b)")
    }

    @Test("widening: every old value stays representable", arguments: [
        ("smallint", "int", true), ("int", "bigint", true), ("int2", "int8", true), ("tinyint", "smallint", true),
        ("bigint", "int", false), ("float", "double", true), ("real", "double precision", true), ("double", "float", false),
        ("varchar(20)", "varchar(64)", true), ("varchar(64)", "varchar(20)", false), ("varchar(20)", "varchar", true),
        ("varchar", "varchar(20)", false), ("varchar(64)", "text", false), ("text", "varchar", false),
        ("numeric(10,2)", "numeric(12,2)", true), ("numeric(10,2)", "numeric(12,4)", true),
        ("numeric(10,2)", "numeric(10,4)", false), ("numeric(10,2)", "numeric(12,1)", false), ("numeric(10)", "numeric(12,2)", true),
        ("int", "numeric(38,0)", false), ("timestamp", "timestamptz", false), ("int", "int", false),
    ])
    func widening(_ old: String, _ new: String, _ expected: Bool) {
        #expect(ColumnType.isWidening(from: old, to: new) == expected, "\(old) → \(new) widening should be \(expected)")
    }

    @Test("physical types map to ODCS logical families")
    func families() {
        #expect(ColumnType.family(ofPhysical: "BIGINT") == "integer")
        #expect(ColumnType.family(ofPhysical: "numeric(12,2)") == "number")
        #expect(ColumnType.family(ofPhysical: "character varying(3)") == "string")
        #expect(ColumnType.family(ofPhysical: "timestamptz") == "date")
        #expect(ColumnType.family(ofPhysical: "geography") == nil)
        #expect(OdcsSchemaSatisfiedRule.satisfies(family: "integer", logical: "number"))
        #expect(!OdcsSchemaSatisfiedRule.satisfies(family: "number", logical: "integer"))
    }
}

@Suite("ODCS expectations end to end")
struct OdcsEndToEndTests {
    @Test("an ODCS file read from YAML breaks a change and points at both files")
    func endToEnd() throws {
        let odcs = """
        apiVersion: v3.0.2
        kind: DataContract
        name: orders
        schema:
          - name: fct_orders
            properties:
              - name: order_id
                physicalType: bigint
                required: true
              - name: amount
                logicalType: number
        """
        let set = try ContractSet.parse(files: [("contracts/orders.odcs.yaml", odcs)])
        let before = Sketch.model("fct_orders", [Sketch.column("order_id", "bigint", [.notNull]), Sketch.column("amount", "numeric")])
        let after = Sketch.model("fct_orders", [Sketch.column("order_id", "varchar", [.notNull])])
        let change = ModelChange(name: "fct_orders", status: .modified, base: before, head: after,
                                 columnChanges: Sketch.columnChanges(before: before, after: after))
        let evaluation = try RuleEngine.evaluate(changes: [change], impacts: [:], contracts: set, today: Sketch.today)
        let odcsFindings = evaluation.findings.filter { $0.rule == "ODCS_SCHEMA_SATISFIED" }
        #expect(odcsFindings.map(\.column).sorted { ($0 ?? "") < ($1 ?? "") } == ["amount", "order_id"])
        #expect(odcsFindings.allSatisfy { $0.severity == .error && $0.contract == "orders" })
        let typeFinding = try #require(odcsFindings.first { $0.column == "order_id" })
        #expect(typeFinding.message.contains("type is varchar, promised bigint"))
        #expect(typeFinding.message.contains("contracts/orders.odcs.yaml:5:5"))
        #expect(typeFinding.location?.line == 5)
        // The default policy's COLUMN_SAME_TYPE and COLUMN_NO_DELETE see the same change as warnings.
        #expect(Set(evaluation.findings.filter { $0.severity == .warning }.map(\.rule)) == ["COLUMN_SAME_TYPE", "COLUMN_NO_DELETE"])
    }
}
