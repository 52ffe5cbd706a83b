import Foundation
import GateModel

/// What dbt's `profiles.yml` says about the target the project builds with: its adapter type
/// (which `<adapter>__` macros `adapter.dispatch` picks) and its name (`target.name`).
package enum DbtProfiles {
    package struct Target: Equatable {
        package var adapter: String?
        package var name: String?
    }

    /// The profile's target from the first `profiles.yml` found in `directories` (dbt's order:
    /// `DBT_PROFILES_DIR`, the project folder, `~/.dbt`). `DBT_TARGET` picks the output as
    /// dbt's `--target` does. Values written as Jinja are not guessed.
    package static func target(profile: String, directories: [String], environment: [String: String]) -> Target? {
        for directory in directories {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("profiles.yml").path
            guard let data = FileManager.default.contents(atPath: path),
                  let root = try? YAMLReading.composeKeepingLastDuplicate(String(decoding: data, as: UTF8.self), path: path).node,
                  let entry = YAMLReading.value(profile, in: root) else { continue }
            var name = environment["DBT_TARGET"].flatMap { $0.isEmpty ? nil : $0 }
                ?? YAMLReading.string(YAMLReading.value("target", in: entry))
            if let text = name, ModelConfig.isJinja(text) { name = nil }
            var adapter: String?
            if let name, let outputs = YAMLReading.value("outputs", in: entry), let output = YAMLReading.value(name, in: outputs),
               let type = YAMLReading.string(YAMLReading.value("type", in: output)), !ModelConfig.isJinja(type) {
                adapter = type
            }
            return Target(adapter: adapter, name: name)
        }
        return nil
    }
}
