import Foundation

/// The project generators in the workplace's `shared/bench/` (make_change_repo.py, gen_dbt_project.py),
/// which live beside the repository rather than in it.
public enum SharedBench {
    /// The path of a generator script: `CONTRACT_GATE_SHARED_DIR/bench/NAME` when set, else the
    /// first `shared/bench/NAME` found beside the repository or any folder above it.
    public static func script(_ name: String, from file: String = #filePath) throws -> String {
        var candidates: [URL] = []
        if let shared = ProcessInfo.processInfo.environment["CONTRACT_GATE_SHARED_DIR"], !shared.isEmpty {
            candidates.append(URL(fileURLWithPath: shared).appendingPathComponent("bench/\(name)"))
        }
        var folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        while folder.path != "/" {
            candidates.append(folder.appendingPathComponent("shared/bench/\(name)"))
            folder.deleteLastPathComponent()
        }
        candidates.append(URL(fileURLWithPath: "/work/shared/bench/\(name)"))
        guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw FixtureCommandError(command: [name], status: -1,
                                      output: "shared/bench/\(name) not found beside the repository; "
                                          + "set CONTRACT_GATE_SHARED_DIR to the shared/ folder")
        }
        return found.standardizedFileURL.path
    }
}
