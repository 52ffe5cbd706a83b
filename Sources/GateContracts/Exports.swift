// GateContracts' API is written in the rules' types: a `ModelPolicy` holds `RuleOptions` and ODCS
// expectations, the engine runs `Rule` types and reports `RuleCatalog` metadata, a policy diff
// yields `PolicyChange`s. Its callers (GateConfig, the pipeline) need both, so one
// `import GateContracts` brings the rules along, as GateLineage brings SecodaAPI.
@_exported import GateRules
