@testable import Model
import Testing

/// `OperationType` hashes and compares by its place in `allCases` (`index`), which tables by
/// type index arrays with: every case must have its own place, in `allCases` order.
@Suite struct OperationTypeTests {
    @Test func eachTypeIndexIsItsPlaceInAllCases() {
        #expect(OperationType.allCases.map(\.index) == Array(OperationType.allCases.indices))
    }

    @Test func typesAreEqualAndHashAlikeOnlyWhenTheyAreTheSameCase() {
        for lhs in OperationType.allCases {
            for rhs in OperationType.allCases {
                #expect((lhs == rhs) == (lhs.rawValue == rhs.rawValue))
            }
        }
        #expect(Set(OperationType.allCases).count == OperationType.allCases.count)
        #expect(Set(OperationType.allCases.map(\.hashValue)).count == OperationType.allCases.count)
    }
}

/// `TaskName` compares and hashes by an id given per distinct name: equal names made
/// separately (and on several threads at once) are equal and hash alike, different names are
/// not, and the order stays the names' order.
@Suite struct TaskNameTests {
    @Test func equalNamesAreEqualTasksWhereverTheyAreMade() async {
        let names = (0..<200).map { "task-\($0 % 50)" }
        let made = await withTaskGroup(of: [TaskName].self) { group in
            for _ in 0..<4 { group.addTask { names.map { TaskName($0) } } }
            var all: [[TaskName]] = []
            for await tasks in group { all.append(tasks) }
            return all
        }
        for tasks in made {
            #expect(tasks == names.map { TaskName($0) })
            for (task, name) in zip(tasks, names) { #expect(task.name == name) }
        }
        #expect(Set(made.flatMap { $0 }).count == 50)
        #expect(TaskName("a") != TaskName("b"))
        #expect(TaskName.updateDnsmasq == TaskName("network_apply_update_dnsmasq"))
        #expect(TaskName("instance_start") < TaskName("network_ensure_mesh"))
        #expect(Set([TaskName("x"), TaskName("x"), "x"]).count == 1)
    }
}

/// `OpSpec` keeps its fields in a shared box: a copy must still behave as a value. Changing
/// any field of one copy, in place or by assignment, leaves every other copy as it was, and
/// the task label follows the tasks.
@Suite struct OpSpecValueTests {
    private func spec() -> OpSpec {
        OpSpec(type: .nodeInstOp, tasks: ["instance_work"], priority: .userFacing,
               queue: QueueName(.any, .clusterOperation, .userFacing), dependsOn: [OpID(1)],
               parameters: ["b=2", "a=1"], randomKey: 7)
    }

    @Test func changingACopyLeavesTheOriginal() {
        let original = spec()
        var copy = original
        copy.dependsOn.append(OpID(2))
        copy.runsAfter.append(OpID(3))
        copy.parameters.append("c=3")
        copy.interfaces.append(NetworkID("net-4"))
        copy.tasks = ["network_apply_update_dnsmasq", "instance_work"]
        copy.type = .netOp
        copy.priority = .background
        copy.queue = QueueName(.networkNode, .clusterOperation, .background)
        copy.networkID = NetworkID("net-5")
        copy.nodeID = NodeID(index: 6)
        copy.randomKey = 8
        copy.measuredService = .seconds(1)

        #expect(original.dependsOn == [OpID(1)] && original.runsAfter.isEmpty)
        #expect(original.parameters == ["a=1", "b=2"] && original.interfaces.isEmpty)
        #expect(original.tasks == ["instance_work"] && original.taskLabel == "instance_work")
        #expect(original.type == .nodeInstOp && original.priority == .userFacing)
        #expect(original.queue == QueueName(.any, .clusterOperation, .userFacing))
        #expect(original.networkID == nil && original.nodeID == nil)
        #expect(original.randomKey == 7 && original.measuredService == nil)

        #expect(copy.dependsOn == [OpID(1), OpID(2)] && copy.runsAfter == [OpID(3)])
        #expect(copy.parameters == ["a=1", "b=2", "c=3"] && copy.interfaces == [NetworkID("net-4")])
        #expect(copy.taskLabel == "network_apply_update_dnsmasq+instance_work")
        #expect(copy.type == .netOp && copy.priority == .background)
        #expect(copy.queue == QueueName(.networkNode, .clusterOperation, .background))
        #expect(copy.networkID == NetworkID("net-5") && copy.nodeID == NodeID(index: 6))
        #expect(copy.randomKey == 8 && copy.measuredService == .seconds(1))
    }

    @Test func aCopyMadeAfterAChangeSeesItAndTheChangeBeforeItIsKept() {
        var first = spec()
        first.dependsOn.append(OpID(2))
        var second = first
        first.dependsOn.removeAll()
        second.tasks = ["a", "b"]
        #expect(first.dependsOn.isEmpty && first.taskLabel == "instance_work")
        #expect(second.dependsOn == [OpID(1), OpID(2)] && second.taskLabel == "a+b")
    }
}
