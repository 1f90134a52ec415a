import Model
import Sim

/// One change to the model's defaults, read from a scenario file.
public struct ConfigOverride: Sendable {
    /// Where it was written (`overrides.sf_net.batch_size`), for listings.
    public let keyPath: String
    /// The line it was written on, if it came from a file.
    public let line: Int?
    /// The task this override defines or changes, if it is under `overrides.tasks`.
    public let definesTask: TaskName?
    /// Names it uses that must exist once the whole file is read (a task, a node).
    public let references: [Reference]
    let apply: @Sendable (inout ModelConfig) -> Void

    /// A name an override uses, with where it was written (an error whose message is filled
    /// in if the name does not exist).
    public enum Reference: Sendable {
        case task(TaskName, at: ScenarioError)
        /// A node by index (`node-K` is K - 1).
        case node(Int, at: ScenarioError)
    }

    public init(keyPath: String, line: Int? = nil, definesTask: TaskName? = nil, references: [Reference] = [],
                apply: @escaping @Sendable (inout ModelConfig) -> Void) {
        self.keyPath = keyPath
        self.line = line
        self.definesTask = definesTask
        self.references = references
        self.apply = apply
    }

    var location: SourceLocation { SourceLocation(line: line, keyPath: keyPath) }
}

/// Where something was written in a scenario file, for messages: `FILE:LINE: KEY.PATH: ...`.
public struct SourceLocation: Sendable, Equatable {
    public var line: Int?
    public var keyPath: String

    public init(line: Int?, keyPath: String) {
        self.line = line
        self.keyPath = keyPath
    }

    init(_ node: YAMLNode) {
        self.init(line: node.line, keyPath: node.path.description)
    }

    /// An error at this place of `file`.
    public func error(in file: String, _ message: String) -> ScenarioError {
        ScenarioError(file: file, line: line, keyPath: keyPath, message: message)
    }
}

/// Era, ideal mode and overrides: the top of a scenario, or one named variant on top of it.
public struct ModelSettings: Sendable {
    public var era: Era?
    public var ideal: Bool?
    /// The plan's steps that are on (nil: the era's).
    public var steps: Set<PlanStep>?
    public var followUp: Bool?
    /// What coalesces (nil: the era's set).
    public var coalescing: CoalescingSet?
    /// Whether the coalescing SQL matches (nil: as designed).
    public var coalescingSQL: CoalescingSQL?
    /// Each daemon's claim policy (nil: strict, or the scenario's for a variant).
    public var fairness: FairnessSettings?
    public var overrides: [ConfigOverride]
    /// Where each switch of this level was written (`era`, `steps`, ...: its line).
    public var lines: [String: Int]

    public init(era: Era? = nil, ideal: Bool? = nil, steps: Set<PlanStep>? = nil, followUp: Bool? = nil,
                coalescing: CoalescingSet? = nil, coalescingSQL: CoalescingSQL? = nil,
                fairness: FairnessSettings? = nil, overrides: [ConfigOverride] = [], lines: [String: Int] = [:]) {
        self.era = era
        self.ideal = ideal
        self.steps = steps
        self.followUp = followUp
        self.coalescing = coalescing
        self.coalescingSQL = coalescingSQL
        self.fairness = fairness
        self.overrides = overrides
        self.lines = lines
    }

    /// Applies the steps, follow-up, coalescing choices and fairness this level states.
    func applySwitches(to config: inout ModelConfig) {
        if let steps { config.steps = steps }
        if let followUp { config.followUp = followUp }
        if let coalescing { config.coalescing = coalescing }
        if let coalescingSQL { config.coalescingSQL = coalescingSQL }
        if let fairness { config.fairness = fairness }
    }
}

/// A named variant: a set of settings applied on top of the scenario's own.
public struct Variant: Sendable {
    public var name: String
    public var description: String?
    public var settings: ModelSettings

    public init(name: String, description: String? = nil, settings: ModelSettings) {
        self.name = name
        self.description = description
        self.settings = settings
    }
}

/// A parsed scenario file: the cluster, the workload, the defaults and the named variants.
public struct Scenario: Sendable {
    public var name: String
    public var description: String?
    /// The file it came from (as given on the command line), for messages.
    public var file: String
    public var seed: UInt64
    public var timeLimit: Duration
    /// Where `time_limit` was written (nil: the default).
    public var timeLimitOrigin: SourceLocation?
    public var topology: Topology
    public var workload: Workload
    /// Where each workload event (the event as written, before `repeat` expands it) and each
    /// source were written, in the order of `workload.events` and `workload.sources`.
    public var eventOrigins: [SourceLocation]
    public var sourceOrigins: [SourceLocation]
    /// The scenario's own era, ideal flag and overrides; every variant starts from them.
    public var base: ModelSettings
    /// Named variants in file order. A scenario without any has one, named after its era.
    public var variants: [Variant]
    /// Variants `simrun run` runs when none is named (default: all).
    public var defaultVariants: [String]
    /// The scenario's `figures:` (the wait bound and the key of the per-lane and per-key
    /// figures), if it has one.
    public var figures: FigureSettings? = nil

    /// The bound and key the fairness figures use (the defaults when `figures:` is absent).
    public var figureSettings: FigureSettings { figures ?? FigureSettings() }

    /// A fairness study: the scenario states `figures:` or a `fairness:` policy somewhere.
    /// Reports show per-lane and per-key figures for these (and only these, so other
    /// scenarios' reports and baselines are unchanged).
    public var isFairnessStudy: Bool {
        figures != nil || base.fairness != nil || variants.contains { $0.settings.fairness != nil }
    }

    /// The variant called `name`, if the scenario has one.
    public func variant(named name: String) -> Variant? {
        variants.first { $0.name == name }
    }

    /// The era of `variant` (its own, else the scenario's, else `facade`).
    public func era(of variant: Variant) -> Era {
        variant.settings.era ?? base.era ?? .facade
    }

    /// The model configuration of `variant`: the era preset, ideal mode if asked, the
    /// scenario's then the variant's steps and coalescing set, then the scenario's overrides,
    /// then the variant's.
    public func config(for variant: Variant) -> ModelConfig {
        var config = ModelConfig.preset(era(of: variant))
        if variant.settings.ideal ?? base.ideal ?? false { config.makeIdeal() }
        base.applySwitches(to: &config)
        variant.settings.applySwitches(to: &config)
        for override in base.overrides { override.apply(&config) }
        for override in variant.settings.overrides { override.apply(&config) }
        return config
    }
}

extension Scenario {
    /// Every queue name a run of this scenario can report (`by_queue` keys): each target
    /// (every node, `networknode`, `any`), family and lane, and the `inline` era's lock.
    public var queueNames: [String] {
        let targets = [QueueTarget.networkNode, .any] + topology.nodes.map { QueueTarget.node($0) }
        return targets.flatMap { target in
            QueueFamily.allCases.flatMap { QueueName.lanes(target, $0).map(\.description) }
        } + [RunRecorder.inlineQueue]
    }

    /// Every task a run of this scenario can report (`by_task` keys are these, or several
    /// joined with `+` for an op with several tasks): the defaults and those defined under
    /// `overrides.tasks` by the scenario or a variant.
    public var taskNames: [String] {
        var tasks = Set(DefaultTaskProfiles.all.keys)
        for override in base.overrides + variants.flatMap(\.settings.overrides) {
            if let task = override.definesTask { tasks.insert(task) }
        }
        return tasks.map(\.name).sorted()
    }
}
