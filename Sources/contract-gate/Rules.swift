import ArgumentParser
import GateModel
import GateReporters
import GateRules

extension ContractGateCommand {
    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rule catalogue (IDs are public API and never renamed).")

        @Option(help: "Output on stdout.")
        var format: DocumentFormat = .text

        func run() throws {
            switch format {
            // Through GateReporters, as `check` prints.
            case .text: Terminal.write(RuleListReporter().renderText(RuleCatalog.listing))
            case .json: Terminal.write(RuleListReporter().renderJSON(RuleCatalog.listing))
            }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Explain a rule: purpose, rationale, options and examples.")

        @Argument(help: "A rule ID, e.g. COLUMN_NO_DELETE.")
        var ruleID: String

        func run() throws {
            guard let text = RuleCatalog.explain(ruleID) else {
                let hint = RuleCatalog.suggestion(for: ruleID).map { " (did you mean \($0)?)" } ?? ""
                throw InputError("unknown rule ID '\(ruleID)'\(hint); `contract-gate rules` lists them")
            }
            Terminal.write(text.hasSuffix("\n") ? text : text + "\n")
        }
    }
}
