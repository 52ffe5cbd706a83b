import Foundation
import GateModel
import XCTest
@testable import DbtImpact

/// The dbt tests of a property file that name a column: what `dbt build` runs against it, so what
/// breaks when the column leaves its model's output.
final class TestColumnReadsTests: XCTestCase {
    private func reads(_ yaml: String) -> [String] {
        TestColumnReads.read(Data(yaml.utf8), path: "models/schema.yml").map {
            "\($0.model).\($0.column) by \($0.owner) line \($0.location.line ?? 0): \($0.test)"
        }
    }

    func testEveryGenericTestUnderAColumnReadsIt() {
        let found = reads("""
            models:
              - name: orders
                columns:
                  - name: id
                    data_tests:
                      - not_null
                      - dbt_expectations.expect_column_values_to_be_between:
                          min_value: 0
                  - name: status
                    tests:
                      - accepted_values:
                          values: ['a', 'b']
                  - name: note
                    description: no tests here
            """)
        XCTAssertEqual(found, [
            "orders.id by orders line 6: data test `not_null` on `orders.id`",
            "orders.id by orders line 7: data test `dbt_expectations.expect_column_values_to_be_between` on `orders.id`",
            "orders.status by orders line 11: data test `accepted_values` on `orders.status`",
        ])
    }

    func testRelationshipsReadsItsFieldOfTheModelItPointsAt() {
        let found = reads("""
            models:
              - name: payments
                columns:
                  - name: order_ref
                    data_tests:
                      - relationships:
                          arguments:
                            to: ref('orders')
                            field: ID
            """)
        XCTAssertEqual(found, [
            "payments.order_ref by payments line 6: data test `relationships` on `payments.order_ref`",
            "orders.id by payments line 6: data test `relationships` on `payments` (field `ID` of `orders`)",
        ])
    }

    func testModelLevelTestsReadTheirColumnArgumentsAndExpressionIdentifiers() {
        let found = reads("""
            models:
              - name: orders
                data_tests:
                  - dbt_utils.expression_is_true:
                      expression: "order_total - tax_paid = subtotal and status <> 'tax_free'"
                  - dbt_utils.unique_combination_of_columns:
                      arguments:
                        combination_of_columns: [order_id, line]
                  - test_name: not_null
                    column_name: customer_id
                  - dbt_utils.expression_is_true:
                      expression: "never_read > 0"
                      config:
                        enabled: false
            """)
        XCTAssertEqual(Set(found.map { String($0.prefix { $0 != " " }) }), [
            "orders.order_total", "orders.tax_paid", "orders.subtotal", "orders.and", "orders.status",
            "orders.order_id", "orders.line", "orders.customer_id",
        ])
        XCTAssertFalse(found.contains { $0.contains("tax_free") }, "a quoted string is not a column: \(found)")
        XCTAssertFalse(found.contains { $0.contains("never_read") }, "a disabled test reads nothing: \(found)")
    }

    func testUnitTestsReadTheColumnsOfTheirDictRows() {
        let found = reads("""
            unit_tests:
              - name: test_totals
                model: fct_orders
                given:
                  - input: ref('stg_orders')
                    rows:
                      - {order_id: 1, amount: 2}
                      - {order_id: 2, amount: 3}
                  - input: source('shop', 'raw_payments')
                    rows:
                      - {id: 1}
                  - input: ref('stg_customers')
                    format: csv
                    rows: |
                      customer_id
                      1
                expect:
                  rows:
                    - {order_id: 1, total: 2}
            """)
        XCTAssertEqual(found, [
            "stg_orders.order_id by fct_orders line 7: unit test `test_totals`",
            "stg_orders.amount by fct_orders line 7: unit test `test_totals`",
            "fct_orders.order_id by fct_orders line 19: unit test `test_totals`",
            "fct_orders.total by fct_orders line 19: unit test `test_totals`",
        ])
    }

    func testUnreadableYAMLReadsNothing() {
        XCTAssertEqual(reads("models: [\n  - name: x"), [])
    }
}
