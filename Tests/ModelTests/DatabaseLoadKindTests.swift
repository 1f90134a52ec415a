import Model
import Testing

/// `DatabaseLoad.kind(of:)`: the kind of a connection, from its name, as the database-load
/// figures group them. The names are the ones the model gives its connections, and edge
/// cases (empty parts) read as the name's `/`-separated parts say.
@Suite struct DatabaseLoadKindTests {
    @Test(arguments: [
        ("node-1/sf-net", "sf-net"),
        ("node-1/sf-net/worker-net-3", "sf-net worker"),
        ("node-1/sf-net/net-3", "sf-net"),
        ("node-1/sf-net/", "sf-net"),
        ("node-12/sf-queues", "sf-queues"),
        ("node-12/sf-queues/row-57", "sf-queues worker"),
        ("node-12/sf-queues/", "sf-queues worker"),
        ("node-2/maintain", "maintain"),
        ("node-2/maintain/net-1", "maintain"),
        ("node-2/", ""),
        ("node-2", "node-2"),
        ("api/start/i-3", "api"),
        ("source", "source"),
        ("trace/", "trace"),
        ("/sf-net", ""),
        ("", ""),
        ("nodes/sf-net", "nodes"),
    ])
    func kind(name: String, expected: String) {
        #expect(DatabaseLoad.kind(of: name) == expected)
    }
}
