import Sim

/// The recorder's eventlog events (`--events`, docs/eventlog.md): handed to its
/// ``EventLogSink`` at the instant the model emits them, never kept.
extension RunRecorder {
    /// Hands an eventlog event to the sink, if there is one.
    /// The kind, node and queue are evaluated only when an event log is kept (they build
    /// strings, on every op's path).
    func emit(_ kind: @autoclosure () -> EventLogEvent.Kind, op: OpID, spec: OpSpec,
              node: @autoclosure () -> String?, queue: @autoclosure () -> String? = nil) {
        guard let eventLog else { return }
        eventLog.write(EventLogEvent(time: clock.now, kind: kind(), op: op, spec: spec, node: node(),
                                     queue: queue() ?? spec.queue.description))
    }

    /// One execution of `op` ended (the `execution duration` event): its tasks ran from
    /// `workStarted` to now, after it was picked up at `pickup`; `state` is what it left the
    /// op in. Only the event log reads it (the histograms were fed at ``started``).
    func executionEnded(_ op: OpRecord, item: WorkItem, pickup: Duration, workStarted: Duration,
                        state: OpState, by claimer: String) {
        emit(.executionDuration(seconds: clock.now - workStarted, wait: pickup - op.createdAt,
                                deferCount: item.deferCount, state: state),
             op: op.id, spec: op.spec, node: EventLogEvent.node(of: claimer), queue: item.queue.description)
    }

    /// The terminal-state branch's event: the item of `op` (terminal as `state`) was dropped.
    func skippedTerminal(_ op: OpRecord, state: OpState, by claimer: String) {
        emit(.skippedTerminal(state: state), op: op.id, spec: op.spec, node: EventLogEvent.node(of: claimer))
    }
}
