import Model
import Testing

/// A queue's rendered name lives in a table by index, filled when the queue is first made
/// (`QueueNames`), not in the value. Every queue must still render as
/// `{target}-{family}-{priority}`, whichever thread makes it first and however far its index
/// lies past the ones made so far, and equal queues must render alike.
@Suite struct QueueNameTests {
    @Test func everyQueueRendersItsOwnName() async {
        let targets: [(QueueTarget, String)] = [(.any, "any"), (.networkNode, "networknode")]
            + [0, 1, 49, 4_999].map { (QueueTarget.node(NodeID(index: $0)), "node-\($0 + 1)") }
        // Made on several threads at once: the table grows under its lock.
        let rendered = await withTaskGroup(of: [(String, String)].self) { group in
            for (target, name) in targets {
                group.addTask {
                    QueueFamily.allCases.flatMap { family in
                        Priority.allCases.map { priority in
                            (QueueName(target, family, priority).description,
                             "\(name)-\(family.rawValue)-\(priority.name)")
                        }
                    }
                }
            }
            var all: [(String, String)] = []
            for await part in group { all += part }
            return all
        }
        #expect(rendered.count == targets.count * QueueFamily.allCases.count * Priority.allCases.count)
        for (description, expected) in rendered {
            #expect(description == expected)
        }
        let copy = QueueName(.node(NodeID(index: 4_999)), .network, .background)
        #expect(copy.description == "node-5000-network-background")
        #expect(copy == QueueName(.node(NodeID(index: 4_999)), .network, .background))
    }
}
