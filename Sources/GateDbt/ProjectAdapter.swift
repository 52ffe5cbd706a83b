import DbtFiles
import Foundation
import GateModel

extension DbtProject {
    /// The warehouse adapter this project builds with: `dbt.adapter` in contract-gate.yml, else the
    /// `type` of the target `profiles.yml` names (dbt's search order); nil when neither says. A
    /// `profiles.yml` that is not YAML says nothing, and a warning tells so instead of passing over it.
    public func adapter() -> String? {
        if let adapter = settings.adapterType { return adapter }
        guard let projectFile else { return nil }
        for directory in settings.profilesDirectories {
            let path = URL(fileURLWithPath: directory).appendingPathComponent("profiles.yml").path
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            do {
                _ = try YAMLReading.composeKeepingLastDuplicate(String(decoding: data, as: UTF8.self), path: path)
            } catch {
                note(Diagnostic(severity: .warning,
                                message: "profiles.yml is not valid YAML, so the adapter and target it names are unknown: "
                                    + "type synonyms and adapter.dispatch fall back to dbt's defaults (set `dbt.adapter` "
                                    + "in contract-gate.yml, or fix the file)",
                                location: SourceLocation(path: path)))
                return nil
            }
            break
        }
        return DbtProfiles.target(profile: projectFile.profile ?? projectFile.name, directories: settings.profilesDirectories,
                                  environment: settings.environment)?.adapter
    }
}
