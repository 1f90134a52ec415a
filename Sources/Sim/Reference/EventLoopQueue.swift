import DequeModule
import HeapModule

/// The M/M/1 of ``ServerQueue`` written the plain way: one loop over a heap of events, no
/// actors, no tasks, no continuations. `simrun bench` runs it beside the actor version so the
/// cost of the actor design is a visible ratio.
///
/// It draws from the same named streams in the same order as ``ServerQueue`` with one class
/// and one server (`arrivals/0` for the gaps, `service/0` for each customer's service, drawn
/// at its arrival), so for the same seed the two record the same waits, customer for
/// customer. Ties between an arrival and a departure at the same nanosecond leave every wait
/// unchanged (a customer arriving as the server frees waits zero either way).
public enum EventLoopQueue {
    public struct Result: Sendable {
        /// Waiting time in queue (arrival to start of service) of every customer.
        public var wait: WaitHistogram
        /// Events taken from the heap (arrivals and departures).
        public var events: UInt64
        public var virtualTime: Duration
    }

    private enum Event: Comparable {
        case arrival
        case departure
    }

    private struct Scheduled: Comparable {
        var at: Duration
        /// Insertion order, so equal instants keep the order they were scheduled in.
        var sequence: UInt64
        var event: Event

        static func < (lhs: Scheduled, rhs: Scheduled) -> Bool {
            lhs.at != rhs.at ? lhs.at < rhs.at : lhs.sequence < rhs.sequence
        }
    }

    /// Runs `customers` customers through one FIFO server.
    public static func runMM1(interArrival: Distribution, service: Distribution, customers: Int,
                              seed: UInt64) -> Result {
        let root = RandomStream(seed: seed)
        var arrivals = root.derived("arrivals/0")
        var services = root.derived("service/0")
        var heap = Heap<Scheduled>()
        var sequence: UInt64 = 0
        func schedule(_ event: Event, at: Duration) {
            sequence += 1
            heap.insert(Scheduled(at: at, sequence: sequence, event: event))
        }
        var waiting = Deque<(arrived: Duration, service: Duration)>()
        var busy = false
        var admitted = 0
        var now = Duration.zero
        var wait = WaitHistogram()
        var events: UInt64 = 0

        func startService(arrived: Duration, service: Duration) {
            wait.record(now - arrived)
            busy = true
            schedule(.departure, at: now + service)
        }

        if customers > 0 { schedule(.arrival, at: interArrival.sample(&arrivals)) }
        while let next = heap.popMin() {
            now = next.at
            events += 1
            switch next.event {
            case .arrival:
                let service = service.sample(&services)
                admitted += 1
                if busy { waiting.append((now, service)) } else { startService(arrived: now, service: service) }
                if admitted < customers { schedule(.arrival, at: now + interArrival.sample(&arrivals)) }
            case .departure:
                busy = false
                if let customer = waiting.popFirst() { startService(arrived: customer.arrived, service: customer.service) }
            }
        }
        return Result(wait: wait, events: events, virtualTime: now)
    }
}
