// swift-tools-version:6.0
import PackageDescription

// Dependency direction (see DESIGN.md §8):
//   contract-gate → ContractGate → GateConfig → {GateGit, GateDbt, GateLineage, GateContracts, GateReporters} → GateModel
//   GateContracts (contracts/ files, the policy per model, its diff, the rule engine) → GateRules (the
//   rules and their catalogue) → GateModel; GateContracts re-exports GateRules
//   GateLineage (lineage over a catalog: walk, read-ahead, impact, pull, write-back) → CatalogStore (the catalog
//     sources' protocol, people, the snapshot on disk) → SecodaAPI (the REST client and wire model) → GateModel
//   (GateConfig reads contract-gate.yml and contracts/ from a revision and hands GateDbt, GateLineage and
//   GateContracts their typed settings)
//   ContractGate → DbtImpact (column lineage across a change) → GateDbt (a dbt project at one revision, the semantic diff)
//     → DbtJinja (dbt's Jinja context) → DbtFiles (dbt's files: project, property YAML, model SQL, manifest/catalog)
//   GateDbt → GateSQL (the SQL reader; depends on nothing), GateJinja (the Jinja2 evaluator)
//   GateJinja (values, operators, interpreter, builtins) → GateJinjaSyntax (lexer, parser, syntax tree,
//   static calls; depends on nothing); GateJinja re-exports it
//   GateGit → CLibGit2 (the only module that touches C)
//   GateLineage, GateReporters, ContractGate → GateJSON (the JSON byte codecs; depends on nothing)
let package = Package(
    name: "contract-gate",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "contract-gate", targets: ["contract-gate"]),
        .executable(name: "secoda-emulator", targets: ["secoda-emulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Only the Secoda emulator (tests, demos, benchmarks) uses a server framework; the
        // contract-gate product stays on Foundation's URLSession.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]
        ),
        .target(name: "GateModel"),
        // The JSON byte codecs (PrettyJSONEncoder): unsafe-pointer code kept out of the value types,
        // fuzzed through GateFuzz's `json` target and GateJSONTests.
        .target(name: "GateJSON"),
        .target(name: "GateGit", dependencies: ["CLibGit2", "GateModel"]),
        // Test-only fixtures (temporary git repositories built with the git CLI); never a product dependency.
        .target(name: "GateTestSupport", dependencies: ["GateModel", "SecodaEmulator"]),
        // The YAML guards (byte order marks, alias bombs) both YAML readers share.
        .target(name: "GateYAML", dependencies: ["GateModel", .product(name: "Yams", package: "Yams")]),
        // The SQL reader: tokenizer, parser and scope analysis of a model's rendered SQL (the
        // columns it outputs and reads); depends on nothing.
        .target(name: "GateSQL"),
        // A Jinja2 template's syntax: lexer, parser, syntax tree, the parsed template and the calls a
        // macro's text makes without running it; no dbt in it, depends on nothing.
        .target(name: "GateJinjaSyntax"),
        // The Jinja2 evaluator over that syntax: values, operators, interpreter, builtins (filters,
        // tests, globals, Python methods); no dbt in it. Re-exports GateJinjaSyntax.
        .target(name: "GateJinja", dependencies: ["GateJinjaSyntax"]),
        // dbt's files read one at a time, with no project around them: dbt_project.yml and profiles.yml,
        // property YAML (outline, parse, versions), a model file's ref()/source()/config() calls, and
        // the manifest.json / catalog.json artifacts.
        .target(name: "DbtFiles", dependencies: ["GateModel", "GateYAML", .product(name: "Yams", package: "Yams")]),
        // dbt's parse-time Jinja context over GateJinja: the macro index, the renderer (ref, source,
        // config, var, env_var, adapter, …) and dbt's built-in macros.
        .target(name: "DbtJinja", dependencies: ["GateModel", "GateJinja", "DbtFiles"]),
        // A dbt project at one revision (files, models, graph, column facts, reference resolution,
        // macro changes) and the semantic diff of two revisions. Re-exports DbtFiles.
        .target(name: "GateDbt", dependencies: ["GateModel", "GateSQL", "GateJinja", "DbtFiles", "DbtJinja", .product(name: "Yams", package: "Yams")]),
        // What a change does downstream, read from both revisions: column lineage (broken reads,
        // contracts vs SQL, column users), the columns tests read, the owners of downstream models.
        .target(name: "DbtImpact", dependencies: ["GateModel", "GateSQL", "GateDbt", "DbtFiles", .product(name: "Yams", package: "Yams")]),
        // The Secoda REST API: transport, client (paging, retries, request slots, deadline), the
        // wire model and its fast page reader, the filter grammar, paced writes.
        .target(name: "SecodaAPI", dependencies: ["GateModel"]),
        // Lineage over a catalog: catalog sources (Secoda, snapshot), read-ahead, walker, resolver,
        // snapshot pull and file, people, write-back (lineage push, docs carry). Re-exports SecodaAPI.
        // The catalog a check reads: the CatalogSource protocol, the people directory and the snapshot
        // on disk (its JSON, its binary index, the streaming writer). Knows no walk and no pull.
        .target(name: "CatalogStore", dependencies: ["GateModel", "SecodaAPI", "GateJSON"]),
        .target(name: "GateLineage", dependencies: ["GateModel", "SecodaAPI", "GateJSON", "CatalogStore"]),
        // The rules: one file per rule (Rules/), what a rule reads (RuleContext, options, ODCS
        // expectations, policy changes), the catalogue that lists them (`rules`, `explain`).
        .target(name: "GateRules", dependencies: ["GateModel"]),
        // The contracts: contracts/ and ODCS files read into a policy, the policy per model, the
        // policy diff (POLICY rules' input) and the engine that runs the rules under it. Re-exports GateRules.
        .target(name: "GateContracts", dependencies: ["GateModel", "GateRules", "GateYAML", .product(name: "Yams", package: "Yams")]),
        .target(name: "GateReporters", dependencies: ["GateModel", "GateJSON"]),
        // contract-gate.yml and the policy (config + contracts/) as read from a revision or the worktree.
        .target(
            name: "GateConfig",
            dependencies: ["GateModel", "GateYAML", "GateLineage", "GateDbt", "GateContracts", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "ContractGate",
            dependencies: ["GateModel", "GateJSON", "GateGit", "GateDbt", "DbtImpact", "GateLineage", "GateConfig", "GateContracts", "GateRules", "GateReporters"]
        ),
        .executableTarget(
            name: "contract-gate",
            dependencies: [
                "ContractGate",
                "GateJSON",
                "GateReporters",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // libFuzzer harness for the YAML/config/config() readers and the JSON codecs. A normal build makes a replayer
        // of saved inputs; ci/fuzz/run.sh builds it with -sanitize=fuzzer -D GATE_FUZZ.
        .executableTarget(
            name: "GateFuzz",
            dependencies: ["GateDbt", "GateConfig", "GateContracts", "GateModel", "GateJSON"]
        ),

        .target(
            name: "SecodaEmulator",
            dependencies: ["GateModel", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        // A GitHub/GitLab-compatible comment API on 127.0.0.1 for the `comment` tests; tests only.
        .target(
            name: "CodeHostEmulator",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
        .executableTarget(
            name: "secoda-emulator",
            dependencies: [
                "SecodaEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "GateModelTests", dependencies: ["GateModel"]),
        .testTarget(name: "GateJSONTests", dependencies: ["GateJSON", "GateModel"]),
        .testTarget(name: "GateGitTests", dependencies: ["GateGit", "GateModel", "GateTestSupport"]),
        .testTarget(
            name: "ContractGateTests",
            dependencies: ["ContractGate", "GateLineage", "GateConfig", "GateDbt", "GateGit", "GateModel", "GateReporters", "GateContracts", "GateRules", "GateTestSupport",
                           "SecodaEmulator", "CodeHostEmulator"],
            exclude: ["Scenarios/Fixtures"]
        ),
        .testTarget(
            name: "GateReportersTests",
            dependencies: ["GateReporters", "GateModel", "GateJSON", .product(name: "Yams", package: "Yams")],
            exclude: ["Golden"]
        ),
        .testTarget(name: "GateRulesTests", dependencies: ["GateRules", "GateContracts", "GateConfig", "GateModel", "GateReporters"]),
        .testTarget(
            name: "GateDbtTests",
            dependencies: ["GateDbt", "DbtFiles", "DbtJinja", "DbtImpact", "GateSQL", "GateJinja", "GateModel", "GateTestSupport",
                           .product(name: "Yams", package: "Yams")],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "DbtFilesTests", dependencies: ["DbtFiles", "GateModel"]),
        .testTarget(name: "DbtImpactTests", dependencies: ["DbtImpact", "GateDbt", "DbtFiles", "GateModel", "GateTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "GateSQLTests", dependencies: ["GateSQL"]),
        .testTarget(name: "GateJinjaTests", dependencies: ["GateJinja", "GateJinjaSyntax"]),
        .testTarget(name: "GateLineageTests", dependencies: ["GateLineage", "CatalogStore", "SecodaAPI", "GateJSON", "GateModel", "GateTestSupport", "SecodaEmulator"]),
        .testTarget(name: "SecodaEmulatorTests", dependencies: ["SecodaEmulator", "GateModel"]),
    ]
)
