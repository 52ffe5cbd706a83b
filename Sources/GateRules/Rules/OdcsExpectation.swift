import GateModel

/// One column an ODCS contract promises.
public struct OdcsPropertyExpectation: Sendable, Hashable {
    public var name: String
    public var physicalType: String?
    public var logicalType: String?
    public var required: Bool
    public var unique: Bool
    public var primaryKey: Bool
    public var classification: String?
    public var location: SourceLocation

    public init(name: String, physicalType: String? = nil, logicalType: String? = nil, required: Bool = false,
                unique: Bool = false, primaryKey: Bool = false, classification: String? = nil,
                location: SourceLocation) {
        self.name = name
        self.physicalType = physicalType
        self.logicalType = logicalType
        self.required = required
        self.unique = unique
        self.primaryKey = primaryKey
        self.classification = classification
        self.location = location
    }

    /// Classifications that promise the column is treated as personal or secret data.
    public static let sensitiveClassifications: Set<String> = ["pii", "restricted", "confidential", "sensitive", "secret"]

    /// The classification promises personal or secret data, so the column must stay marked PII.
    public var isSensitive: Bool {
        classification.map { Self.sensitiveClassifications.contains($0.lowercased()) } ?? false
    }
}

/// One `schema[]` object of an ODCS v3 contract: the model (table) it describes and its promised columns.
public struct OdcsSchemaExpectation: Sendable, Hashable {
    /// The ODCS contract's `name` (else `id`, else the file name).
    public var contract: String
    /// `schema[].name`: the model name.
    public var model: String
    /// `schema[].physicalName`: the table name in the warehouse, when given.
    public var physicalName: String?
    public var properties: [OdcsPropertyExpectation]
    /// The `- name:` line of the schema object.
    public var location: SourceLocation

    public init(contract: String, model: String, physicalName: String? = nil,
                properties: [OdcsPropertyExpectation] = [], location: SourceLocation) {
        self.contract = contract
        self.model = model
        self.physicalName = physicalName
        self.properties = properties
        self.location = location
    }

    /// Matches on model name, or on `physicalName` against the relation's identifier, at either side.
    public func applies(to change: ModelChange) -> Bool {
        let snapshots = [change.base, change.head].compactMap { $0 }
        let names = Set(([change.name] + snapshots.map(\.name)).map { $0.lowercased() })
        if names.contains(model.lowercased()) { return true }
        guard let physicalName else { return false }
        let wanted = Relation.normalize(physicalName.split(separator: ".").last.map(String.init) ?? physicalName)
        return snapshots.contains { Relation.normalize($0.relation.identifier) == wanted }
    }
}
