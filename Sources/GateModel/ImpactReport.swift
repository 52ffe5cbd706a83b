/// What `contract-gate impact` reports: the downstream impact of the models asked about, and
/// how complete the catalog's answer was. Rendered by `ImpactReporter` (GateReporters), whose
/// impact entries have the same JSON shape as the `impact` of `check`'s report.
public struct ImpactReport: Sendable, Hashable {
    /// The `impact --format json` document's version. 2: its impact entries took `check`'s
    /// report shape (`owners` as display names, `owner_details` as objects, every key present).
    public static let schemaVersion = 2

    public var catalog: CatalogStatus
    public var impacts: [ModelImpact]

    public init(catalog: CatalogStatus, impacts: [ModelImpact]) {
        self.catalog = catalog
        self.impacts = impacts
    }
}
