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
    /// ``hasRule(for:task:)``'s answers, by op type index and then ``TaskName``'s id: bit `i`
    /// set when a rule for the task is limited to `QueueScope.allCases[i]`, ``everyQueue`` when
    /// a rule covers every queue, 0 when no rule names the task.
    private let coverage: [[UInt8]]
    private static let everyQueue: UInt8 = 0x80

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
        var coverage = Array(repeating: [UInt8](), count: rules.count)
        for (type, typeRules) in rules.enumerated() {
            for rule in typeRules {
                let covered = rule.queues.map { scopes in
                    scopes.reduce(UInt8(0)) { $0 | 1 << UInt8(QueueScope.allCases.firstIndex(of: $1)!) }
                } ?? Self.everyQueue
                for task in rule.tasks {
                    if coverage[type].count <= task.id {
                        coverage[type] += Array(repeating: 0, count: task.id + 1 - coverage[type].count)
                    }
                    coverage[type][task.id] |= covered
                }
            }
        }
        self.coverage = coverage
    }

    /// The rules that cover an op like `spec` (its type, and its queue where a rule is limited).
    func rules(for spec: OpSpec) -> [CoalescingRule] {
        rules[spec.type.index].filter { $0.applies(to: spec.queue) }
    }

    /// The rule under which `task` of an op like `spec` coalesces, if any.
    func rule(for spec: OpSpec, task: TaskName) -> CoalescingRule? {
        rules[spec.type.index].first { $0.tasks.contains(task) && $0.applies(to: spec.queue) }
    }

    /// Whether some rule covers `task` of an op like `spec` (``rule(for:task:)`` is not nil),
    /// asked for every created and every dispatched item: two array reads where the rules'
    /// task lists were searched and a rule copied out (`CoalescingRuleTests` compares the two
    /// on every type, task and queue of each era).
    func hasRule(for spec: OpSpec, task: TaskName) -> Bool {
        let byTask = coverage[spec.type.index]
        guard task.id < byTask.count else { return false }
        let covered = byTask[task.id]
        if covered == 0 { return false }
        if covered & Self.everyQueue != 0 { return true }
        for (index, scope) in QueueScope.allCases.enumerated() where covered & 1 << UInt8(index) != 0 {
            if scope.contains(spec.queue) { return true }
        }
        return false
    }
}
