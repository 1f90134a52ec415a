import Model
import Testing

/// A network's identifier keeps its name's hash (``NetworkID``): tables keyed by networks must
/// still find every network by a newly made identifier of the same name, tell different names
/// apart, and order networks by name.
@Suite struct NetworkIDTests {
    static let names = (0..<2_000).map { "t-\($0)" } + ["shared", "", "é✓-net", String(repeating: "n", count: 300)]

    @Test func aTableFindsEachNetworkByAFreshIdentifier() {
        var table: [NetworkID: Int] = [:]
        for (index, name) in Self.names.enumerated() { table[NetworkID(name)] = index }
        #expect(table.count == Self.names.count)
        for (index, name) in Self.names.enumerated() {
            #expect(table[NetworkID(name)] == index, "\(name)")
        }
        #expect(table[NetworkID("t-2000")] == nil)
        #expect(Set(Self.names.map(NetworkID.init)).count == Self.names.count)
    }

    @Test func identifiersAreEqualExactlyWhenTheirNamesAre() {
        #expect(NetworkID("t-1") == NetworkID("t-1"))
        #expect(NetworkID("t-1") != NetworkID("t-10"))
        #expect(NetworkID("t-1").hashValue == NetworkID("t-1").hashValue)
        #expect(NetworkID("a") < NetworkID("b"))
        #expect(Self.names.map(NetworkID.init).sorted().map(\.name) == Self.names.sorted())
    }
}
