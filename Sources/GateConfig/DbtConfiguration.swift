import GateDbt

extension DbtSettings {
    /// The `dbt:` part of contract-gate.yml, as GateDbt reads a project with it. What the machine
    /// adds (installed packages, `profiles.yml`, the environment) is the caller's.
    public init(config: GateConfig) {
        let projectDir = config.dbt.projectDir
        let prefix = (projectDir == "." || projectDir.isEmpty) ? "" : projectDir.hasSuffix("/") ? projectDir : projectDir + "/"
        // The default manifest is optional (GateDbt looks for <project>/target/manifest.json itself);
        // only a manifest the user named is expected to exist.
        let manifest = config.dbt.manifest == GateConfig.Dbt().manifest ? nil : prefix + config.dbt.manifest
        self.init(projectDir: projectDir, targetDatabase: config.dbt.database, targetSchema: config.dbt.schema,
                  schemaNaming: config.dbt.schemaNaming, manifestPath: manifest)
        adapterType = config.dbt.adapter
        targetName = config.dbt.target
    }
}
