/// Column type comparison for COLUMN_SAME_TYPE and ODCS: normalised spelling and the
/// widenings a consumer can always read. Deliberately conservative: a change that is only
/// "usually" safe (text ↔ varchar, timestamp ↔ timestamptz, int → numeric) is not widening.
public enum ColumnType {
    /// Lower case, no quotes, single spaces, no spaces inside parentheses, and one spelling for
    /// each alias (`int`/`int4`/`integer` → `integer`, `int8` → `bigint`, `character varying` → `varchar`).
    public static func normalize(_ raw: String) -> String {
        var text = raw.lowercased().filter { $0 != "\"" && $0 != "`" }
        text = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).joined(separator: " ")
        text = text.replacingOccurrences(of: " (", with: "(").replacingOccurrences(of: "( ", with: "(")
            .replacingOccurrences(of: " )", with: ")").replacingOccurrences(of: ", ", with: ",")
            .replacingOccurrences(of: " ,", with: ",")
        let (base, arguments) = split(text)
        let canonical = aliases[base] ?? base
        return arguments.map { "\(canonical)(\($0))" } ?? canonical
    }

    private static let aliases: [String: String] = [
        "int": "integer", "int4": "integer", "integer": "integer", "int32": "integer",
        "bigint": "bigint", "int8": "bigint", "int64": "bigint",
        "smallint": "smallint", "int2": "smallint", "int16": "smallint",
        "tinyint": "tinyint", "byteint": "tinyint",
        "real": "float", "float4": "float", "float": "float",
        "float8": "double", "double": "double", "double precision": "double", "float64": "double",
        "decimal": "numeric", "numeric": "numeric", "number": "numeric",
        "character varying": "varchar", "varchar": "varchar", "nvarchar": "varchar",
        "character": "char", "char": "char", "bpchar": "char",
        "bool": "boolean", "boolean": "boolean",
        "timestamp without time zone": "timestamp", "timestamp": "timestamp", "datetime": "timestamp",
        "timestamp_ntz": "timestamp",
        "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz", "timestamp_tz": "timestamptz",
    ]

    /// `varchar(20)` → ("varchar", "20"); `numeric(10,2)` → ("numeric", "10,2").
    static func split(_ text: String) -> (String, String?) {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")") else { return (text, nil) }
        let base = String(text[..<open]).trimmingCharacters(in: .whitespaces)
        let inner = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        return (base, inner)
    }

    /// Both nil, or the same type after normalisation — on `adapter`'s warehouse when given, where
    /// more spellings name one type (`varchar`, `text` and `string` on Snowflake, DuckDB and BigQuery).
    public static func sameType(_ a: String?, _ b: String?, adapter: String? = nil) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case let (x?, y?): normalize(x, adapter: adapter) == normalize(y, adapter: adapter)
        default: false
        }
    }

    /// `normalize(_:)`, then the one spelling `adapter`'s warehouse gives each of its synonyms, from
    /// each warehouse's documented type aliases. Without an adapter (or for one not listed, such as
    /// Postgres, where `text` and `varchar` are distinct types) nothing more is merged.
    public static func normalize(_ raw: String, adapter: String?) -> String {
        let generic = normalize(raw)
        guard let adapter = adapter?.lowercased() else { return generic }
        let (base, arguments) = split(generic)
        switch adapter {
        case "snowflake":
            // VARCHAR = STRING = TEXT = NVARCHAR…; a VARCHAR without a length is VARCHAR(16777216).
            // INT, INTEGER, BIGINT, SMALLINT, TINYINT, BYTEINT are NUMBER(38,0); every float is FLOAT (64-bit).
            if ["varchar", "text", "string", "nvarchar2", "nchar varying", "char varying"].contains(base) {
                return arguments == nil || arguments == "16777216" ? "varchar" : "varchar(\(arguments ?? ""))"
            }
            if integerRank[base] != nil { return "numeric(38,0)" }
            if base == "numeric" { return arguments.map { $0.contains(",") ? "numeric(\($0))" : "numeric(\($0),0)" } ?? "numeric(38,0)" }
            if base == "float" || base == "double" { return "float" }
            return generic
        case "duckdb":
            // VARCHAR = CHAR = BPCHAR = TEXT = STRING, and DuckDB ignores a length; LONG = BIGINT,
            // SIGNED = INTEGER, LOGICAL = BOOLEAN.
            if ["varchar", "char", "text", "string"].contains(base) { return "varchar" }
            if base == "long" { return "bigint" }
            if base == "signed" { return "integer" }
            if base == "logical" { return "boolean" }
            return generic
        case "bigquery":
            // STRING (and the VARCHAR/TEXT spellings dbt users write) is one type; INT64 has every
            // integer alias; FLOAT64 is the one float; DECIMAL = NUMERIC, BIGDECIMAL = BIGNUMERIC.
            if ["varchar", "text", "string"].contains(base) { return arguments.map { "string(\($0))" } ?? "string" }
            if integerRank[base] != nil { return "bigint" }
            if base == "float" || base == "double" { return "double" }
            if base == "bigdecimal" { return arguments.map { "bignumeric(\($0))" } ?? "bignumeric" }
            return generic
        default:
            return generic
        }
    }

    private static let integerRank = ["tinyint": 0, "smallint": 1, "integer": 2, "bigint": 3]

    /// A change every reader of the old type can still read: a larger integer, float → double,
    /// a longer (or unbounded) varchar, more numeric precision at no less scale.
    public static func isWidening(from old: String, to new: String, adapter: String? = nil) -> Bool {
        let a = normalize(old, adapter: adapter), b = normalize(new, adapter: adapter)
        if a == b { return false }
        if let ra = integerRank[a], let rb = integerRank[b] { return rb > ra }
        if a == "float", b == "double" { return true }
        let (baseA, argsA) = split(a), (baseB, argsB) = split(b)
        guard baseA == baseB else { return false }
        switch baseA {
        case "varchar":
            guard let lengthA = argsA.flatMap({ Int($0) }) else { return false }
            guard let argsB else { return true }   // unbounded varchar holds any length
            return Int(argsB).map { $0 > lengthA } ?? false
        case "numeric":
            guard let (pa, sa) = precisionScale(argsA), let (pb, sb) = precisionScale(argsB) else { return false }
            return sb >= sa && (pb - sb) >= (pa - sa) && (pb, sb) != (pa, sa)
        default:
            return false
        }
    }

    private static func precisionScale(_ args: String?) -> (Int, Int)? {
        guard let args else { return nil }
        let parts = args.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let p = parts.first.flatMap({ Int($0) }) else { return nil }
        if parts.count == 1 { return (p, 0) }
        guard parts.count == 2, let s = Int(parts[1]) else { return nil }
        return (p, s)
    }

    /// The family an ODCS `logicalType` names, for checking a physical type against it.
    static func family(ofPhysical raw: String) -> String? {
        let (base, _) = split(normalize(raw))
        switch base {
        case "tinyint", "smallint", "integer", "bigint": return "integer"
        case "float", "double", "numeric": return "number"
        case "varchar", "char", "text", "string": return "string"
        case "boolean": return "boolean"
        case "date": return "date"
        case "timestamp", "timestamptz", "time": return "date"
        case "array": return "array"
        case "object", "struct", "variant", "json", "jsonb", "map", "record": return "object"
        default: return nil
        }
    }
}
