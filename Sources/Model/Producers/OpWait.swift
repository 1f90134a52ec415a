import Sim

extension ClusterContext {
    /// Polls the op's state (one read each) until it is terminal or gone, or, for an API
    /// handler, until `API_ASYNC_WAIT` has passed: a timed-out wait, recorded with who waited
    /// and where the op sat at that moment.
    ///
    /// On a live backend every poll is a real read. On the simulated database every poll is a
    /// round trip on `connection` (drawn from its stream, counted) and then a read; a read is
    /// an observer (ordering contract, rule 3): it sees every ordinary event
    /// of its instant. That makes the polls that see the op still pending skippable: unless
    /// ``naivePolling`` is set, the first poll is taken as written, then the waiter sleeps
    /// until the op ends (or until the poll that would time out), draws and counts the round
    /// trips of the polls it slept through, and takes only the poll that sees the end at the
    /// instant polling tick by tick would have taken it. The random stream, the round-trip
    /// counts, the instant and the order of what follows are the same either way; only the
    /// kernel's job count differs.
    nonisolated(nonsending)
    func wait(for op: OpID?, on connection: any QueueConnection, as style: WaitStyle = .api, waiter: String)
        async throws {
        guard let op else { return }
        if let simulated = connection as? SimConnection {
            try await simulatedWait(for: op, on: simulated, as: style, waiter: waiter)
        } else {
            try await pollingWait(for: op, on: connection, as: style, waiter: waiter)
        }
    }

    /// Any backend (live mode): every poll is a real read.
    nonisolated(nonsending)
    private func pollingWait(for op: OpID, on connection: any QueueConnection, as style: WaitStyle, waiter: String)
        async throws {
        let deadline = runtime.now + config.apiAsyncWait
        let poll = style == .api ? config.waiterPoll : config.restClientPoll
        while true {
            let record = try await connection.loadOp(op)
            if record.map({ $0.state.isTerminal }) ?? true {
                recorder.waitEnded(op, timedOut: false)
                return
            }
            if style == .api && runtime.now >= deadline {
                let whereabouts = await store.whereIs(op)
                recorder.waitTimedOut(op, waiter: waiter, after: config.apiAsyncWait, whereabouts: whereabouts)
                return
            }
            try await runtime.sleep(for: poll)
        }
    }

    /// The simulated database: polls are observers of the virtual clock, so the empty ones
    /// can be skipped (see ``wait(for:on:as:waiter:)``).
    nonisolated(nonsending)
    private func simulatedWait(for op: OpID, on connection: SimConnection, as style: WaitStyle, waiter: String)
        async throws {
        let clock = connection.clock
        let database = connection.database
        let deadline = clock.now.advanced(by: config.apiAsyncWait)
        let poll = style == .api ? config.waiterPoll : config.restClientPoll
        let timesOut = style == .api
        while true {
            let record = try await connection.pollOp(op)
            if record.map({ $0.state.isTerminal }) ?? true {
                recorder.waitEnded(op, timedOut: false)
                return
            }
            if timesOut && clock.now >= deadline {
                let whereabouts = await database.whereIs(op)
                recorder.waitTimedOut(op, waiter: waiter, after: config.apiAsyncWait, whereabouts: whereabouts)
                return
            }
            if naivePolling {
                try await clock.sleep(until: clock.now.advanced(by: poll), observing: true)
                continue
            }
            try await skipPolls(of: op, from: clock.now.advanced(by: poll), every: poll,
                                until: timesOut ? deadline : nil, on: connection, waiter: waiter)
            return
        }
    }

    /// The polls after the first, skipped: `start` is when the next poll's round trip begins.
    nonisolated(nonsending)
    private func skipPolls(of op: OpID, from start: SimClock.Instant, every poll: Duration,
                           until deadline: SimClock.Instant?, on connection: SimConnection, waiter: String)
        async throws {
        let clock = connection.clock
        let database = connection.database
        var endedAt: SimClock.Instant?
        do {
            if let ended = await database.watchTerminal(op) {
                // No poll before the deadline times out, so until then the waiter needs only
                // the op's end. The poll that would time out (the first read at or after the
                // deadline) is found only by a wait that reaches the deadline: most end long
                // before it, and finding it drew every poll up to it (a tenth of a second
                // apart, for `API_ASYNC_WAIT`) on each wait.
                if try await ended.wait(until: deadline, observing: true) {
                    endedAt = clock.now
                } else if let deadline {
                    let timeoutRead = Self.firstRead(atOrAfter: deadline, from: start, every: poll, on: connection)
                    if try await ended.wait(until: timeoutRead, observing: true) { endedAt = clock.now }
                }
            } else {
                endedAt = clock.now
            }
        } catch {
            // The run ended: count the polls begun by now, as polling would have.
            var next = start
            var polls = 0
            while next <= clock.now {
                next = next.advanced(by: connection.drawSkippedPoll()).advanced(by: poll)
                polls += 1
            }
            connection.countSkippedPolls(polls)
            throw error
        }
        let (read, polls, ended) = connection.walkSkippedPolls(from: start, every: poll, endedAt: endedAt,
                                                               deadline: deadline)
            ?? Self.walkSkippedPolls(from: start, every: poll, endedAt: endedAt, deadline: deadline, on: connection)
        // Counted before the last read's wait, as each was when drawn one by one.
        connection.countSkippedPolls(polls)
        if ended {
            try await clock.sleep(until: read, observing: true)
            _ = await database.loadOp(op)
            recorder.waitEnded(op, timedOut: false)
        } else {
            // Woken by the timeout read's own observer timer: this is that instant.
            _ = await database.loadOp(op)
            let whereabouts = await database.whereIs(op)
            recorder.waitTimedOut(op, waiter: waiter, after: config.apiAsyncWait, whereabouts: whereabouts)
        }
    }

    /// ``SimConnection/walkSkippedPolls(from:every:endedAt:deadline:)`` poll by poll in
    /// `Duration` arithmetic, for the waits it does not walk (a round trip or an instant not
    /// a whole number of nanoseconds). One of `endedAt` and `deadline` is set.
    private static func walkSkippedPolls(from start: SimClock.Instant, every poll: Duration,
                                         endedAt: SimClock.Instant?, deadline: SimClock.Instant?,
                                         on connection: SimConnection) -> (read: SimClock.Instant, polls: Int, ended: Bool) {
        var next = start
        var polls = 0
        while true {
            let read = next.advanced(by: connection.drawSkippedPoll())
            polls += 1
            if let endedAt, read >= endedAt { return (read, polls, true) }
            if let deadline, read >= deadline { return (read, polls, false) }
            next = read.advanced(by: poll)
        }
    }

    /// The first poll read at or after `instant` of polls whose round trips begin at `start`
    /// and then `poll` after each read, drawn on a copy of `connection`'s stream (the polls are
    /// drawn again, on the stream itself, as they are counted).
    private static func firstRead(atOrAfter instant: SimClock.Instant, from start: SimClock.Instant, every poll: Duration,
                                  on connection: SimConnection) -> SimClock.Instant {
        var (stream, distribution) = connection.roundTripPreview
        var next = start
        while true {
            let read = next.advanced(by: distribution.sample(&stream))
            if read >= instant { return read }
            next = read.advanced(by: poll)
        }
    }
}
