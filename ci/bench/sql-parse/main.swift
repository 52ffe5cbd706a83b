// The SQL analyser's speed and coverage on a corpus (ci/bench/sql-parse-bench builds and runs
// this with the analyser's own source files, optimised, outside the package).
//
//   sql-parse-bench CORPUS.json [--runs N]
//
// CORPUS.json: [{"path": "...", "dialect": "snowflake", "sql": "..."}]. Prints one line per
// model whose analysis is unknown (with the reason), the share of models per certainty, and the
// median time per model and throughput over --runs passes of the whole corpus.
import Foundation

struct Entry: Decodable { var path: String; var dialect: String; var sql: String }

let arguments = CommandLine.arguments
guard arguments.count >= 2, let data = FileManager.default.contents(atPath: arguments[1]),
      let corpus = try? JSONDecoder().decode([Entry].self, from: data) else {
    FileHandle.standardError.write(Data("usage: sql-parse-bench CORPUS.json [--runs N]\n".utf8))
    exit(2)
}
var runs = 7
if let index = arguments.firstIndex(of: "--runs"), index + 1 < arguments.count, let n = Int(arguments[index + 1]) { runs = max(1, n) }
let verbose = arguments.contains("--verbose")

// Upstream columns are unknown: every `*` over a relation stays partial, as on a first run.
let noColumns: (SQLRelation) -> SQLColumnSet? = { _ in nil }
var counts: [String: Int] = [:]
for entry in corpus {
    let analysis = SQLAnalyzer.analyze(entry.sql, dialect: SQLDialect(rawValue: entry.dialect) ?? .generic, columnsOf: noColumns)
    switch analysis.certainty {
    case .known: counts["known", default: 0] += 1
    case .partial(let reason):
        counts["partial", default: 0] += 1
        if verbose { print("partial  \(entry.path): \(reason)") }
    case .unknown(let reason):
        counts["unknown", default: 0] += 1
        print("unknown  \(entry.path): \(reason)")
    }
}
let bytes = corpus.reduce(0) { $0 + $1.sql.utf8.count }
let clock = ContinuousClock()
var passes: [Duration] = []
var sink = 0
for _ in 0..<runs {
    let elapsed = clock.measure {
        for entry in corpus {
            sink &+= SQLAnalyzer.analyze(entry.sql, dialect: SQLDialect(rawValue: entry.dialect) ?? .generic, columnsOf: noColumns).reads.count
        }
    }
    passes.append(elapsed)
}
let median = passes.sorted()[passes.count / 2]
let seconds = Double(median.components.seconds) + Double(median.components.attoseconds) / 1e18
let total = max(corpus.count, 1)
func share(_ key: String) -> String { String(format: "%d (%.1f %%)", counts[key, default: 0], 100.0 * Double(counts[key, default: 0]) / Double(total)) }
print("models \(corpus.count), \(bytes) bytes; known \(share("known")), partial \(share("partial")), unknown \(share("unknown"))")
print(String(format: "median of %d passes: %.1f ms per pass, %.1f µs per model, %.1f MB/s (reads %d)",
             runs, seconds * 1000, seconds * 1e6 / Double(total), Double(bytes) / seconds / 1e6, sink / runs))
