/// The coalescing rules of a run by op type, looked up on every dispatched item, so built once.
struct CoalescingTable: Sendable {
    /// By ``OperationType/index``.
    private let rules: [[CoalescingRule]]
    /// The set's guards (phase 11's batch-of-one skip and urgency check).
    let set: CoalescingSet
    /// Every task some rule names: the tasks whose runs can make a change on behalf of
    /// another op, so the effect ledger keeps only their runs.
    let tasks: Set<TaskName>
    /// The distinct key column lists of the rules naming each task, in rule order: the keys
    /// under which a pending op of that task can be looked up as a sibling.
    let keyColumns: [TaskName: [[TargetColumn]]]

    init(_ config: ModelConfig) {
        var rules = Array(repeating: [CoalescingRule](), count: OperationType.allCases.count)
        var tasks: Set<TaskName> = []
        for type in OperationType.allCases {
            let found = config.coalescingRules(for: type)
            rules[type.index] = found
            for rule in found { tasks.formUnion(rule.tasks) }
        }
        self.rules = rules
        self.tasks = tasks
        var columns: [TaskName: [[TargetColumn]]] = [:]
        for type in OperationType.allCases {
            for rule in rules[type.index] {
                for task in rule.tasks where !(columns[task] ?? []).contains(rule.key) {
                    columns[task, default: []].append(rule.key)
                }
            }
        }
        keyColumns = columns
        set = config.coalescing
    }

    /// The rules that cover an op like `spec` (its type, and its queue where a rule is limited).
    func rules(for spec: OpSpec) -> [CoalescingRule] {
        rules[spec.type.index].filter { $0.applies(to: spec.queue) }
    }

    /// The rule under which `task` of an op like `spec` coalesces, if any.
    func rule(for spec: OpSpec, task: TaskName) -> CoalescingRule? {
        rules[spec.type.index].first { $0.tasks.contains(task) && $0.applies(to: spec.queue) }
    }
}
