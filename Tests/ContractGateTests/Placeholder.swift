import Testing
@testable import ContractGate
@Suite struct ContractGatePlaceholder { @Test func builds() {} }
