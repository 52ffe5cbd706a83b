import Foundation

/// Renders templates. Single-threaded: use one environment per thread.
public final class JinjaEnvironment {
    /// Filters consulted before Jinja2's builtins.
    public var filters: [String: (JinjaValue, JinjaArguments, any JinjaCallContext) throws -> JinjaValue] = [:]
    /// Tests consulted before Jinja2's builtins.
    public var tests: [String: (JinjaValue, JinjaArguments, any JinjaCallContext) throws -> Bool] = [:]
    /// Told when a template calls an undefined name: (name, line, template name). The call
    /// itself gives an undefined. A call on an undefined attribute chain reports the dotted
    /// path (`dbt_utils.star`).
    public var onUndefinedCall: ((String, Int, String) -> Void)?
    /// What a call of an undefined name gives, given (name, arguments); nil (or no hook) gives an
    /// undefined, as Jinja2 does.
    public var undefinedCallResult: ((String, JinjaArguments) -> JinjaValue?)?
    /// Told when the rendered template itself (not a macro it called) calls a macro: (macro name,
    /// the name of the template that defines it).
    public var onTopLevelMacroCall: ((String, String) -> Void)?
    /// Guards against runaway templates; exceeding one throws a `JinjaError`.
    public var maxCallDepth = 200
    public var maxLoopIterations = 1_000_000
    public var maxOutputBytes = 64 << 20

    let resolve: (_ name: String, _ template: JinjaTemplate) -> JinjaValue?
    private(set) lazy var interpreter = JinjaInterpreter(environment: self)

    /// `resolve` is consulted for a name that is neither local nor a top-level name of the
    /// running template (`template` is the template whose code runs: a macro runs in its own).
    /// Then Jinja2's globals, else the name is undefined.
    public init(resolve: @escaping (_ name: String, _ template: JinjaTemplate) -> JinjaValue?) {
        self.resolve = resolve
    }

    /// Runs the template's top-level statements with `context` as its outer names.
    public func render(_ template: JinjaTemplate, context: [String: JinjaValue]) throws -> String {
        try interpreter.render(template, context: context)
    }

    /// A callable for the top-level macro `name` of `template`, running with this environment.
    public func macro(_ name: String, in template: JinjaTemplate) -> JinjaValue? {
        template.macros[name].map { .callable(JinjaMacro($0, template: template, closure: nil, interpreter: interpreter)) }
    }
}
