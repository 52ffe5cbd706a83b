// GateLineage's callers read the Secoda client's types (`SecodaClient`, `CatalogError`,
// `CatalogResource`, …) through it, as before the client moved into its own module: one import
// for a caller of the catalog, and the module boundary stays internal to the catalog's design.
@_exported import SecodaAPI
// The same for the catalog store (the CatalogSource protocol, people, the snapshot formats).
@_exported import CatalogStore
