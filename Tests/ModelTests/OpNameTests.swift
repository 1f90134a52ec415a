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
