import Testing
@testable import GateSQL

/// The SQL analysis on real-shaped dbt model SQL as `DbtRenderer` prints it: `__dbt_node_<n>__`
/// for each ref/source, `__dbt_opaque__(…)` for a macro the gate cannot run.
@Suite struct SQLAnalyzerTests {
    // MARK: dbt shapes

    @Test func jaffleShopOrdersThroughImportCTEsAndAFinalStar() {
        let sql = """
            with orders as (
                select * from __dbt_node_0__
            ),
            order_items as (
                select * from __dbt_node_1__
            ),
            order_items_summary as (
                select
                    order_id,
                    sum(supply_cost) as order_cost,
                    sum(product_price) as order_items_subtotal,
                    count(order_item_id) as count_order_items
                from order_items
                group by 1
            ),
            compute_booleans as (
                select
                    orders.*,
                    order_items_summary.order_cost,
                    order_items_summary.count_order_items > 0 as has_items
                from orders
                left join order_items_summary
                    on orders.order_id = order_items_summary.order_id
            )
            select * from compute_booleans;
            """
        let analysis = analyzeSQL(sql, .duckdb, [0: ["order_id", "customer_id", "ordered_at", "order_total"],
                                                 1: ["order_item_id", "order_id", "supply_cost", "product_price"]])
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["order_id", "customer_id", "ordered_at", "order_total", "order_cost", "has_items"])
        #expect(analysis.pass("order_id") == "n0.order_id")
        #expect(analysis.output("order_id")?.viaStar == "the final select")
        #expect(analysis.output("order_id")?.line == 25)
        #expect(analysis.inputs("order_cost") == ["n1.supply_cost"])
        #expect(analysis.pass("order_cost") == nil)
        #expect(analysis.inputs("has_items") == ["n1.order_item_id"])
        #expect(analysis.relations == [.node(0), .node(1)])
        let reads = analysis.readList
        for expected in ["n0.customer_id select 2 *", "n1.product_price select 5 *", "n1.supply_cost select 10",
                         "n1.order_id group_by 14", "n0.customer_id select 18 *", "n0.order_id join 23",
                         "n1.order_id join 23", "n1.order_item_id select 25 *", "n0.order_total select 25 *"] {
            #expect(reads.contains(expected), "missing \(expected) in \(reads)")
        }
        // An unused CTE column (order_items_subtotal) is still read where it is written.
        #expect(reads.contains("n1.product_price select 11"))
    }

    @Test func stagingModelRenamesAndCastsOverASourceWhoseColumnsAreUnknown() {
        let sql = """
            with source as (
                select * from __dbt_node_0__
            ),
            renamed as (
                select
                    id as order_id,
                    user_id as customer_id,
                    order_date::date as ordered_at,
                    "Status" as status,
                    cast(amount as numeric(18, 2)) / 100 as amount_usd,
                    store_id
                from source
            )
            select * from renamed
            """
        let analysis = analyzeSQL(sql, .postgres)
        #expect(analysis.certainty == .known, "the final columns are all named")
        #expect(analysis.names == ["order_id", "customer_id", "ordered_at", "status", "amount_usd", "store_id"])
        #expect(analysis.pass("order_id") == "n0.id")
        #expect(analysis.pass("customer_id") == "n0.user_id")
        #expect(analysis.pass("ordered_at") == nil)
        #expect(analysis.inputs("ordered_at") == ["n0.order_date"])
        #expect(analysis.pass("status") == "n0.status")
        #expect(analysis.inputs("amount_usd") == ["n0.amount"])
        #expect(analysis.pass("store_id") == "n0.store_id")
        #expect(analysis.readList.contains("n0.* select 2 *"))
        #expect(analysis.readList.contains("n0.id select 6"))
        #expect(analysis.readList.contains("n0.order_date select 8"))
    }

    @Test func fivetranStyleNullFillsAndCasts() {
        let sql = """
            select
                cast(null as varchar) as discount_code,
                cast(id as bigint) as order_id,
                _fivetran_synced,
                cast(null as {{ dbt.type_string() }}) as note
            from __dbt_node_0__
            """.replacingOccurrences(of: "{{ dbt.type_string() }}", with: "__dbt_opaque__()")
        let analysis = analyzeSQL(sql, .snowflake, [0: ["id", "_fivetran_synced"]])
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["discount_code", "order_id", "_fivetran_synced", "note"])
        #expect(analysis.inputs("discount_code") == [])
        #expect(analysis.inputs("order_id") == ["n0.id"])
        #expect(analysis.pass("order_id") == nil)
        #expect(analysis.pass("_fivetran_synced") == "n0._fivetran_synced")
        #expect(analysis.inputs("note") == [])
    }

    @Test func unionOfSourcesTakesNamesFromTheFirstBranchAndValuesFromAll() {
        let analysis = analyzeSQL("""
            select id, amount from __dbt_node_0__
            union all
            select order_id, total from __dbt_node_1__
            """)
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["id", "amount"])
        #expect(analysis.inputs("id") == ["n0.id", "n1.order_id"])
        #expect(analysis.pass("id") == nil)
        #expect(analysis.readList.contains("n1.total select 3"))
        #expect(analysis.relations == [.node(0), .node(1)])

        let stars = analyzeSQL("select * from __dbt_node_0__ union all select * from __dbt_node_1__",
                               .snowflake, [0: ["id", "amount"], 1: ["id", "amount"]])
        #expect(stars.names == ["id", "amount"])
        #expect(stars.inputs("amount") == ["n0.amount", "n1.amount"])
        #expect(stars.output("amount")?.viaStar == "the final select")

        let parenthesised = analyzeSQL("(select a from __dbt_node_0__) union (select b from __dbt_node_1__) order by 1 limit 3")
        #expect(parenthesised.names == ["a"])
        #expect(parenthesised.inputs("a") == ["n0.a", "n1.b"])

        for operation in ["intersect", "except", "minus", "union distinct"] {
            let result = analyzeSQL("select id from __dbt_node_0__ \(operation) select id from __dbt_node_1__")
            #expect(result.names == ["id"], "\(operation)")
            #expect(result.reads("n1.id"), "\(operation)")
        }
        let byName = analyzeSQL("select a, b from __dbt_node_0__ union all by name select c, b from __dbt_node_1__", .duckdb)
        #expect(byName.names == ["a", "b", "c"])
        #expect(byName.inputs("b") == ["n0.b", "n1.b"])
    }

    // MARK: Stars

    @Test func aStarOverARelationWhoseColumnsAreUnknownIsPartial() {
        let analysis = analyzeSQL("select *, 1 as one from __dbt_node_0__")
        #expect(analysis.certainty == .partial("`*` over __dbt_node_0__ whose columns are not known"))
        #expect(analysis.names == ["one"])
        #expect(analysis.readList == ["n0.* select 1 *"])

        let throughCTE = analyzeSQL("with a as (\n select * from __dbt_node_0__\n)\nselect * from a")
        #expect(throughCTE.certainty == .partial("`*` over __dbt_node_0__ whose columns are not known"))
        #expect(throughCTE.readList == ["n0.* select 2 *", "n0.* select 4 *"])

        let partlyKnown = analyzeSQL("select * from __dbt_node_0__", .snowflake, [0: ["id"]], partial: [0: "a macro's output"])
        #expect(partlyKnown.names == ["id"])
        #expect(partlyKnown.reason?.contains("partly known (a macro's output)") == true)
        #expect(partlyKnown.readList.contains("n0.* select 1 *"))
    }

    @Test func snowflakeStarExcludeRenameReplace() {
        let columns = [0: ["id", "name", "email", "phone", "created_at"]]
        let excluded = analyzeSQL("select * exclude (email, phone) rename (name as customer_name) from __dbt_node_0__", .snowflake, columns)
        #expect(excluded.names == ["id", "customer_name", "created_at"])
        #expect(excluded.pass("customer_name") == "n0.name")
        #expect(excluded.output("customer_name")?.viaStar == "the final select")
        // `exclude` and `rename` name their columns: gone upstream, the warehouse rejects the list,
        // so they are read by name (not via the star).
        #expect(excluded.readList.contains("n0.email select 1") && excluded.readList.contains("n0.phone select 1"),
                "excluded columns are named: \(excluded.readList)")
        #expect(excluded.readList.contains("n0.name select 1"))

        let single = analyzeSQL("select t.* exclude email rename id as customer_id from __dbt_node_0__ t", .snowflake, columns)
        #expect(single.names == ["customer_id", "name", "phone", "created_at"])
        #expect(single.pass("customer_id") == "n0.id")

        let replaced = analyzeSQL("select * replace (upper(name) as name) from __dbt_node_0__", .snowflake, columns)
        #expect(replaced.names == ["id", "name", "email", "phone", "created_at"])
        #expect(replaced.pass("name") == nil)
        #expect(replaced.inputs("name") == ["n0.name"])
        #expect(replaced.readList.contains("n0.name select 1"))

        let like = analyzeSQL("select * ilike '%_AT' from __dbt_node_0__", .snowflake, columns)
        #expect(like.names == ["created_at"])
    }

    @Test func bigQueryStarExceptAndDuckDBExcludeReplace() {
        let columns = [0: ["id", "name", "email"]]
        let bigquery = analyzeSQL("select * except (email) replace (lower(name) as name) from `__dbt_node_0__`", .bigquery, columns)
        #expect(bigquery.names == ["id", "name"])
        #expect(bigquery.pass("name") == nil)
        let duckdb = analyzeSQL("select * exclude (email) from __dbt_node_0__", .duckdb, columns)
        #expect(duckdb.names == ["id", "name"])
        let databricks = analyzeSQL("select * except (id) from __dbt_node_0__", .databricks, columns)
        #expect(databricks.names == ["name", "email"])
    }

    // MARK: From, joins, subqueries

    @Test func joinUsingGivesTheColumnOnceInAStar() {
        let analysis = analyzeSQL("select * from __dbt_node_0__ a join __dbt_node_1__ b using (customer_id)",
                                  .postgres, [0: ["order_id", "customer_id"], 1: ["customer_id", "name"]])
        #expect(analysis.names == ["customer_id", "order_id", "name"])
        #expect(analysis.pass("customer_id") == "n0.customer_id")
        #expect(analysis.readList.contains("n0.customer_id join 1"))
        #expect(analysis.readList.contains("n1.customer_id join 1"))
    }

    @Test func commaJoinsQualifiedAndUnqualifiedNames() {
        let columns = [0: ["id", "x"], 1: ["id", "y"]]
        let analysis = analyzeSQL("select a.x, y from __dbt_node_0__ a, __dbt_node_1__ as b where a.id = b.id", .snowflake, columns)
        #expect(analysis.names == ["x", "y"])
        #expect(analysis.pass("x") == "n0.x")
        #expect(analysis.pass("y") == "n1.y")
        #expect(analysis.readList.contains("n0.id where 1"))
        #expect(analysis.readList.contains("n1.id where 1"))
    }

    @Test func anUnqualifiedNameGoesToTheItemThatHasItOrToEveryUnknownOne() {
        let unknown = analyzeSQL("select amount from __dbt_node_0__ join __dbt_node_1__ on __dbt_node_0__.id = __dbt_node_1__.id")
        #expect(unknown.inputs("amount") == ["n0.amount", "n1.amount"])
        #expect(unknown.pass("amount") == nil)
        #expect(unknown.readList.contains("n0.id join 1"))

        let oneKnown = analyzeSQL("select amount from __dbt_node_0__ a join __dbt_node_1__ b on a.id = b.id",
                                  .snowflake, [0: ["id", "amount"]])
        #expect(oneKnown.inputs("amount") == ["n0.amount"])
        #expect(oneKnown.pass("amount") == "n0.amount")
    }

    @Test func aReadOfAColumnTheRelationDoesNotHaveIsStillARead() {
        // The relation no longer has `amount`: the read must reach the broken-build rule.
        let analysis = analyzeSQL("with base as (select id from __dbt_node_0__)\nselect b.id, amount from base b join __dbt_node_0__ o on o.id = b.id where o.status = 'x'",
                                  .snowflake, [0: ["id"]])
        #expect(analysis.readList.contains("n0.amount select 2"))
        #expect(analysis.readList.contains("n0.status where 2"))
        #expect(analysis.pass("amount") == "n0.amount")
    }

    @Test func subqueriesInFromScalarExistsInAndCorrelated() {
        let sql = """
            select
                o.id,
                (select max(p.paid_at) from __dbt_node_1__ p where p.order_id = o.id) as last_paid_at,
                t.total
            from __dbt_node_0__ o
            join (select order_id, sum(amount) as total from __dbt_node_1__ group by order_id) as t on t.order_id = o.id
            where exists (select * from __dbt_node_2__ r where r.order_id = o.id)
              and o.status in (select status from __dbt_node_3__)
            """
        let analysis = analyzeSQL(sql)
        #expect(analysis.names == ["id", "last_paid_at", "total"])
        #expect(analysis.inputs("last_paid_at") == ["n1.paid_at"])
        #expect(analysis.inputs("total") == ["n1.amount"])
        let reads = analysis.readList
        for expected in ["n1.order_id where 3", "n0.id where 3", "n1.order_id group_by 6", "n1.order_id join 6",
                         "n0.id join 6", "n2.order_id where 7", "n0.id where 7", "n0.status where 8", "n3.status select 8"] {
            #expect(reads.contains(expected), "missing \(expected) in \(reads)")
        }
        #expect(!analysis.reads("n2.*"), "the select list of exists (…) reads nothing")

        let aliased = analyzeSQL("select x from (select a, b from __dbt_node_0__) as s(x, y)")
        #expect(aliased.names == ["x"])
        #expect(aliased.pass("x") == "n0.a")
    }

    @Test func valuesAndTableNamesThatAreNotNodes() {
        let values = analyzeSQL("select * from (values (1, 'a'), (2, 'b')) as v(id, label)")
        #expect(values.certainty == .known)
        #expect(values.names == ["id", "label"])

        let tables = analyzeSQL("select raw.orders.id, c.name from Analytics.Raw.Orders join __dbt_node_1__ c using (id)")
        #expect(tables.relations == [.table("analytics.raw.orders"), .node(1)])
        #expect(tables.pass("id") == "analytics.raw.orders.id")
        #expect(tables.pass("name") == "n1.name")
    }

    @Test func naturalJoinsPivotsUnnestFetchDistinctAndCasts() {
        let natural = analyzeSQL("select * from __dbt_node_0__ natural join __dbt_node_1__", .postgres,
                                 [0: ["id", "a"], 1: ["id", "b"]])
        #expect(natural.names == ["id", "a", "b"])

        let pivot = analyzeSQL("select * from __dbt_node_0__ pivot (sum(amount) for month in ('jan', 'feb')) as p",
                               .snowflake, [0: ["region", "month", "amount"]])
        #expect(pivot.reason == "the columns a pivot makes at line 1 are not known")
        #expect(pivot.readList.contains("n0.amount other 1") && pivot.readList.contains("n0.month other 1"))

        let unnest = analyzeSQL("select u from __dbt_node_0__ t, unnest(t.tags) as u", .postgres)
        #expect(unnest.inputs("u") == ["n0.tags"])

        let fetch = analyzeSQL("select distinct status from __dbt_node_0__ order by status nulls last fetch first 10 rows only", .postgres)
        #expect(fetch.names == ["status"])
        #expect(fetch.readList.contains("n0.status order_by 1"))

        let casts = analyzeSQL("select try_cast(a as int) as a, convert(varchar, b) as b, c::timestamp with time zone as c from __dbt_node_0__")
        #expect(casts.inputs("a") == ["n0.a"] && casts.pass("a") == nil)
        #expect(casts.inputs("b") == ["n0.b"])
        #expect(casts.inputs("c") == ["n0.c"])
        #expect(casts.certainty == .known)
    }

    // MARK: Dialects

    @Test func snowflakeFlattenVariantPathsAndQualify() {
        let sql = """
            select top 100
                e.id,
                f.value:sku::string as sku,
                e.payload:customer.id::number as customer_id,
                e.payload['total'] as total,
                f.index
            from __dbt_node_0__ e, // a Snowflake comment
                lateral flatten(input => e.items) f
            qualify row_number() over (partition by e.id order by e.loaded_at desc) = 1
            """
        let analysis = analyzeSQL(sql)
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["id", "sku", "customer_id", "total", "index"])
        #expect(analysis.pass("id") == "n0.id")
        #expect(analysis.inputs("sku") == ["n0.items"])
        #expect(analysis.inputs("customer_id") == ["n0.payload"])
        #expect(analysis.pass("customer_id") == nil)
        #expect(analysis.inputs("total") == ["n0.payload"])
        #expect(analysis.inputs("index") == ["n0.items"])
        #expect(analysis.readList.contains("n0.items join 8"))
        #expect(analysis.readList.contains("n0.id window 9"))
        #expect(analysis.readList.contains("n0.loaded_at window 9"))

        let table = analyzeSQL("select t.value as tag, key from __dbt_node_0__ o, table(flatten(input => o.tags)) t")
        #expect(table.inputs("tag") == ["n0.tags"])
        #expect(table.inputs("key") == ["n0.tags"])
    }

    /// Snowflake's hierarchical queries (Mattermost's `rpt_won_opportunities`): `start with` and
    /// `connect by [nocycle] ... prior ...` are read like a filter, `connect_by_root x` is an
    /// operator on `x`; a column named `prior` is still a column.
    @Test func snowflakeHierarchicalQueries() {
        let sql = """
            select
                sys_connect_by_path(account_id, ' -> ') as path,
                account_id,
                CONNECT_BY_ROOT account_id AS root_account_id,
                connect_by_root name as root_name
            from __dbt_node_0__
                start with parent_id is null
                connect by nocycle parent_id = prior account_id
            """
        let analysis = analyzeSQL(sql)
        #expect(analysis.certainty == .known, "\(analysis.reason ?? "")")
        #expect(analysis.names == ["path", "account_id", "root_account_id", "root_name"])
        #expect(analysis.inputs("root_account_id") == ["n0.account_id"])
        #expect(analysis.inputs("root_name") == ["n0.name"])
        #expect(analysis.readList.contains("n0.parent_id other 7"))
        #expect(analysis.readList.contains("n0.account_id other 8"))
        // Connect by first, then start with (Oracle's order), and `prior` as a plain column.
        let swapped = analyzeSQL("select id, prior from __dbt_node_0__ connect by prior id = parent_id start with parent_id is null")
        #expect(swapped.certainty == .known, "\(swapped.reason ?? "")")
        #expect(swapped.names == ["id", "prior"])
        #expect(swapped.pass("prior") == "n0.prior")
    }

    /// A number written without its leading zero (`.059`, Tuva's risk scores) after a keyword.
    @Test func aNumberWithoutItsLeadingZero() {
        let analysis = analyzeSQL("select case when x in (1, 2) then .059 else .5 end as rate, .25 * y as part, t.z from __dbt_node_0__ t")
        #expect(analysis.certainty == .known, "\(analysis.reason ?? "")")
        #expect(analysis.names == ["rate", "part", "z"])
        #expect(analysis.inputs("part") == ["n0.y"])
    }

    @Test func bigQueryBackticksStructsUnnestAndComments() {
        let sql = """
            # a comment, not a column
            select
              `o`.id,
              o.customer.address.city as city,
              item,
              pos,
              safe_cast(o.amount as numeric) as amount,
              "literal" as label
            from `__dbt_node_0__` as o
            cross join unnest(o.items) as item with offset as pos
            """
        let analysis = analyzeSQL(sql, .bigquery)
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["id", "city", "item", "pos", "amount", "label"])
        #expect(analysis.pass("id") == "n0.id")
        #expect(analysis.inputs("city") == ["n0.customer"])
        #expect(analysis.pass("city") == nil)
        #expect(analysis.inputs("item") == ["n0.items"])
        #expect(analysis.inputs("pos") == ["n0.items"])
        #expect(analysis.inputs("amount") == ["n0.amount"])
        #expect(analysis.inputs("label") == [], "a double-quoted string is a string in BigQuery")
        #expect(analysis.relations == [.node(0)])
    }

    @Test func postgresDistinctOnCastsAndKeywordFunctions() {
        let sql = """
            select distinct on (customer_id)
                customer_id,
                created_at::date,
                count(*) over (partition by customer_id) as n,
                amount # 1 as flipped,
                extract(day from created_at) as d,
                position('x' in note) as p,
                trim(both ' ' from note) as t,
                substring(note from 1 for 2) as s,
                interval '1 day' + created_at as next_day,
                E'it\\'s' as quote,
                $$ a 'quoted' $$ as dollar,
                upper(note)
            from __dbt_node_0__
            order by customer_id, created_at desc
            """
        let analysis = analyzeSQL(sql, .postgres)
        #expect(analysis.certainty == .known, "\(analysis.certainty)")
        #expect(analysis.names == ["customer_id", "created_at", "n", "flipped", "d", "p", "t", "s", "next_day", "quote", "dollar", "upper"])
        #expect(analysis.inputs("flipped") == ["n0.amount"], "`#` is an operator in Postgres, not a comment")
        #expect(analysis.inputs("d") == ["n0.created_at"])
        #expect(analysis.inputs("p") == ["n0.note"])
        #expect(analysis.inputs("t") == ["n0.note"])
        #expect(analysis.inputs("s") == ["n0.note"])
        #expect(analysis.inputs("next_day") == ["n0.created_at"])
        #expect(analysis.inputs("quote") == [])
        #expect(!analysis.reads("n0.day") && !analysis.reads("n0.both"))
        #expect(analysis.readList.contains("n0.customer_id other 1"))
        #expect(analysis.readList.contains("n0.customer_id window 4"))
        #expect(analysis.readList.contains("n0.created_at order_by 15"))
    }

    @Test func duckDBGroupByAllAndLambdas() {
        let analysis = analyzeSQL("""
            select status, region, count(*) as orders, sum(amount) as total,
                list_transform(scores, x -> x + bonus) as boosted
            from __dbt_node_0__
            group by all
            """, .duckdb)
        #expect(analysis.names == ["status", "region", "orders", "total", "boosted"])
        #expect(analysis.inputs("boosted") == ["n0.bonus", "n0.scores"])
        #expect(!analysis.reads("n0.x"), "a lambda parameter is not a column")
        #expect(analysis.readList.contains("n0.status group_by 4"))
        #expect(analysis.readList.contains("n0.region group_by 4"))
        #expect(!analysis.readList.contains("n0.amount group_by 4"), "aggregates are not grouped")
    }

    @Test func databricksLateralViewLambdasAndBackticks() {
        let sql = """
            select
              id,
              tag,
              transform(scores, s -> s * weight) as weighted,
              filter(scores, s -> s > 0) as positive,
              `order`.total as total,
              "text" as label
            from __dbt_node_0__ as `order`
            lateral view explode(tags) t as tag
            """
        let analysis = analyzeSQL(sql, .databricks)
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["id", "tag", "weighted", "positive", "total", "label"])
        #expect(analysis.pass("id") == "n0.id")
        #expect(analysis.inputs("tag") == ["n0.tags"])
        #expect(analysis.inputs("weighted") == ["n0.scores", "n0.weight"])
        #expect(analysis.inputs("positive") == ["n0.scores"])
        #expect(analysis.pass("total") == "n0.total")
        #expect(analysis.inputs("label") == [])
        #expect(!analysis.reads("n0.s"))
    }

    @Test func keywordsUsedAsColumnNames() {
        let columns = [0: ["date", "value", "type", "name", "status", "timestamp", "limit"]]
        let analysis = analyzeSQL("""
            select date, value, type, name, status, timestamp, limit, "date" as d2
            from __dbt_node_0__
            where date > date '2020-01-01' and timestamp < timestamp '2021-01-01 00:00:00'
            """, .snowflake, columns)
        #expect(analysis.names == ["date", "value", "type", "name", "status", "timestamp", "limit", "d2"])
        for name in ["date", "value", "type", "name", "status", "timestamp", "limit"] {
            #expect(analysis.pass(name) == "n0.\(name)")
        }
        #expect(analysis.pass("d2") == "n0.date")
        #expect(analysis.readList.contains("n0.date where 3"))
    }

    @Test func unaliasedExpressionsAreNamedAsTheDialectNamesThem() {
        let sql = "select count(*), o.id, upper(o.name) from __dbt_node_0__ o"
        #expect(analyzeSQL(sql, .postgres).names == ["count", "id", "upper"])
        #expect(analyzeSQL(sql, .bigquery).names == ["f0_", "id", "f1_"])
        #expect(analyzeSQL(sql, .snowflake).names == ["count(*)", "id", "upper(o.name)"])
    }

    // MARK: Aliases, clauses, windows

    @Test func lateralAliasesWhereAliasesPositionsAndOrderBy() {
        let sql = """
            select
              amount * 100 as cents,
              cents / 2 as half,
              status as order_status
            from __dbt_node_0__
            where order_status <> 'x'
            group by 1, 2, order_status
            order by cents
            limit 10 offset 5
            """
        let analysis = analyzeSQL(sql, .snowflake, [0: ["amount", "status"]])
        #expect(analysis.inputs("half") == ["n0.amount"])
        let reads = analysis.readList
        for expected in ["n0.status where 6", "n0.amount group_by 7", "n0.status group_by 7", "n0.amount order_by 8"] {
            #expect(reads.contains(expected), "missing \(expected) in \(reads)")
        }
    }

    @Test func windowsFiltersAndWithinGroup() {
        let sql = """
            select
              sum(amount) filter (where status = 'paid') as paid,
              percentile_cont(0.5) within group (order by amount) as median_amount,
              first_value(amount) over w as first_amount,
              lag(amount) over (partition by customer_id order by created_at rows between unbounded preceding and current row) as prev
            from __dbt_node_0__
            window w as (partition by region order by created_at)
            """
        let analysis = analyzeSQL(sql, .postgres)
        #expect(analysis.inputs("paid") == ["n0.amount", "n0.status"])
        #expect(analysis.inputs("median_amount") == ["n0.amount"])
        #expect(analysis.inputs("first_amount") == ["n0.amount", "n0.created_at", "n0.region"])
        #expect(analysis.inputs("prev") == ["n0.amount", "n0.created_at", "n0.customer_id"])
        #expect(analysis.readList.contains("n0.region window 7"))
        #expect(analysis.readList.contains("n0.customer_id window 5"))
        #expect(analysis.readList.contains("n0.status select 2"))
    }

    @Test func operatorsAndLiteralsReadTheirOperands() {
        let analysis = analyzeSQL("""
            select id, [a, b] as arr, {'k': c} as obj, case when d then 'y' else e end as flag
            from __dbt_node_0__
            where f between g and h and i is not distinct from j and k ilike any ('x%', 'y%')
              and l rlike 'z' and m in (1, 2) and n is not null and o::int > $1 and p like '%q' escape '!'
            """)
        #expect(analysis.inputs("arr") == ["n0.a", "n0.b"])
        #expect(analysis.inputs("obj") == ["n0.c"])
        #expect(analysis.inputs("flag") == ["n0.d", "n0.e"])
        for column in ["f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p"] {
            #expect(analysis.readList.contains("n0.\(column) where 3") || analysis.readList.contains("n0.\(column) where 4"), "\(column)")
        }
    }

    @Test func recursiveCTEsAndCTEColumnLists() {
        let sql = """
            with recursive tree(id, parent_id, depth) as (
                select id, parent_id, 0 from __dbt_node_0__ where parent_id is null
                union all
                select c.id, c.parent_id, t.depth + 1 from __dbt_node_0__ c join tree t on c.parent_id = t.id
            )
            select id, depth from tree
            """
        let analysis = analyzeSQL(sql, .postgres, [0: ["id", "parent_id"]])
        #expect(analysis.certainty == .known)
        #expect(analysis.names == ["id", "depth"])
        #expect(analysis.pass("id") == "n0.id")
        #expect(analysis.inputs("depth") == [])
        #expect(analysis.readList.contains("n0.parent_id where 2"))
        #expect(analysis.readList.contains("n0.parent_id join 4"))
    }

    @Test func readsOfCTEColumnsAreTracedUpstreamAndUnusedCTEsAreRead() {
        let analysis = analyzeSQL("""
            with unused as (select secret from __dbt_node_0__),
            base as (select id, amount as total from __dbt_node_0__)
            select id from base where total > 0
            """)
        #expect(analysis.readList.contains("n0.secret select 1"))
        #expect(analysis.readList.contains("n0.amount where 3"))
        #expect(analysis.names == ["id"])
    }

    @Test func namesAreCaseInsensitiveAndKeepTheirCase() {
        let analysis = analyzeSQL("select id, AMOUNT as Total from __DBT_NODE_0__", .snowflake, [0: ["ID", "Amount"]])
        #expect(analysis.names == ["id", "Total"])
        #expect(analysis.pass("id") == "n0.id")
        #expect(analysis.pass("Total") == "n0.amount")
        #expect(analyzeSQL("select * from __dbt_node_0__", .snowflake, [0: ["ID", "Amount"]]).names == ["ID", "Amount"])
    }

    // MARK: Macros the gate cannot run

    @Test func opaqueMacroOutput() {
        let aliased = analyzeSQL("select id, __dbt_opaque__(amount, 'usd') as amount_usd from __dbt_node_0__")
        #expect(aliased.certainty == .known)
        #expect(aliased.names == ["id", "amount_usd"])
        #expect(aliased.inputs("amount_usd") == ["n0.amount"])

        let star = analyzeSQL("select id,\n  __dbt_opaque__(__dbt_node_0__, except=[\"email\"])\nfrom __dbt_node_0__")
        #expect(star.names == ["id"])
        #expect(star.reason == "the output of a macro the gate cannot run at line 2")
        #expect(star.readList.contains("n0.* select 2 *"))

        let known = analyzeSQL("select __dbt_opaque__(from=__dbt_node_0__) from __dbt_node_0__", .snowflake, [0: ["a", "b"]])
        if case .partial = known.certainty {} else { Issue.record("an opaque select item makes the set partial: \(known.certainty)") }
        #expect(known.readList.contains("n0.a select 1 *"))

        let whole = analyzeSQL("\n__dbt_opaque__(__dbt_node_0__, __dbt_node_1__)\n")
        #expect(whole.certainty == .unknown("the SQL is the output of a macro the gate cannot run at line 2"))

        let finalQuery = analyzeSQL("with a as (select x from __dbt_node_0__)\n__dbt_opaque__(a)")
        #expect(finalQuery.certainty.isUnknown)
        #expect(finalQuery.reads("n0.x"), "the CTEs before it are still read")

        let importCTEs = analyzeSQL("""
            __dbt_opaque__([('orders', __dbt_node_0__)]),
            final as (select id, amount from orders)
            select * from final
            """)
        #expect(importCTEs.certainty == .known)
        #expect(importCTEs.names == ["id", "amount"])
        #expect(importCTEs.pass("id") == "n0.id")

        let clause = analyzeSQL("select id from __dbt_node_0__ where x = 1 __dbt_opaque__(and y = 2)")
        #expect(clause.readList.contains("n0.y where 1"))

        let namedByMacro = analyzeSQL("select id, amount as amount___dbt_opaque__() from __dbt_node_0__")
        #expect(namedByMacro.names == ["id"])
        #expect(namedByMacro.reason == "the name of the column at line 1 is written by a macro the gate cannot run")

        let fromMacro = analyzeSQL("select * from __dbt_opaque__(__dbt_node_0__)")
        #expect(fromMacro.reason == "the relation at line 1 is the output of a macro the gate cannot run")
        #expect(fromMacro.relations == [.node(0)])
    }

    // MARK: What a macro left empty

    /// At parse time a macro that needs the warehouse prints nothing where dbt's compile prints a
    /// value or a list of columns (GitLab's `hash_of_column({{ col }})`, `in ({{ ids() }})`): such a
    /// hole reads as opaque output, not as a syntax error.
    @Test func operandsAMacroLeftEmptyAreOpaqueNotSyntaxErrors() {
        let filter = analyzeSQL("select id, status\nfrom __dbt_node_0__\nwhere year = \n  and id in ()", .snowflake, [0: ["id", "status", "year"]])
        #expect(filter.certainty == .known)
        #expect(filter.names == ["id", "status"])
        #expect(filter.readList.contains("n0.year where 3"))

        let aliased = analyzeSQL("select sha2(lower( || 'salt')) as email_hash, id\nfrom __dbt_node_0__", .snowflake, [0: ["id", "email"]])
        #expect(aliased.names == ["email_hash", "id"])
        #expect(aliased.certainty == .known)

        // Items a loop over warehouse columns would have printed: the set is partial, never "known".
        let items = analyzeSQL("select id,\n   , \n   , \nfrom __dbt_node_0__", .snowflake, [0: ["id", "email"]])
        #expect(items.names == ["id"])
        if case .partial = items.certainty {} else { Issue.record("empty select items make the set partial: \(items.certainty)") }

        // A whole query a macro printed nothing for (`union_relations` at parse time).
        let emptyCTE = analyzeSQL("with unioned as (\n\n),\nfinal as (select unioned.*, 1 as one from unioned)\nselect * from final")
        #expect(emptyCTE.names == ["one"])
        if case .partial = emptyCTE.certainty {} else { Issue.record("an empty CTE makes the set partial: \(emptyCTE.certainty)") }

        let unnamed = analyzeSQL("select a,\n  b +\nfrom __dbt_node_0__", .snowflake, [0: ["a", "b"]])
        #expect(unnamed.reason == "a macro printed nothing at line 3, where dbt's compile prints part of a column")
    }

    // MARK: Unparseable input

    @Test func unparseableInputIsAnHonestUnknownWithALine() {
        #expect(analyzeSQL("").certainty == .unknown("the model rendered to no SQL"))
        #expect(analyzeSQL("\n\n  -- nothing but a comment\n;\n").certainty == .unknown("the model rendered to no SQL"))
        #expect(analyzeSQL("select (a from t").certainty == .unknown("expected `)`, found `from` at line 1"))
        #expect(analyzeSQL("select a,\n  b + ;\nfrom t").certainty == .unknown("expected an expression, found `;` at line 2"))
        #expect(analyzeSQL("select 'abc from t").certainty == .unknown("a string that is never closed, opened at line 1"))
        #expect(analyzeSQL("select 1\n/* open").certainty == .unknown("a /* comment that is never closed, opened at line 2"))
        #expect(analyzeSQL("create table x as select 1").certainty == .unknown("the SQL is not a query (it starts with `create`) at line 1"))
        #expect(analyzeSQL("select a from t where").certainty.isUnknown)
        let deep = analyzeSQL("select " + String(repeating: "(", count: 400) + "1" + String(repeating: ")", count: 400))
        #expect(deep.reason?.contains("nesting deeper than") == true)
    }
}
