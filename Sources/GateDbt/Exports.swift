// GateDbt's callers name the settings they read a project with (`DbtSettings`, `SchemaNaming`,
// `DiffSide`) and the PII marks through it, as before dbt's file readers moved into DbtFiles: one
// import for a caller of the dbt side.
@_exported import DbtFiles
