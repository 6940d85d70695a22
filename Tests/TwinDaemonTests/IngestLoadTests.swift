import Testing

@testable import TwinDaemon

/// The busy share the forwarder yields to (`forward.yield_to_ingest`), on a clock the test drives.
struct IngestLoadTests {
    let ms: Int64 = 1_000_000

    @Test func backToBackBatchesAreBusyASteadyTrickleIsNot() {
        var drain = IngestLoad()
        // Batches of 9 ms every 10 ms: 90 % busy.
        for t in stride(from: Int64(0), through: 600, by: 10) { drain.record(busyNanos: 9 * ms, endingAt: t * ms) }
        #expect(drain.share(at: 600 * ms) > 0.8)

        var steady = IngestLoad()
        // 1 ms of work every 20 ms: 5 %.
        for t in stride(from: Int64(0), through: 600, by: 20) { steady.record(busyNanos: ms, endingAt: t * ms) }
        #expect(steady.share(at: 600 * ms) < 0.1)
    }

    @Test func idleAfterTwoWindowsWithoutABatch() {
        var load = IngestLoad()
        for t in stride(from: Int64(0), through: 600, by: 10) { load.record(busyNanos: 10 * ms, endingAt: t * ms) }
        #expect(load.share(at: 700 * ms) > 0.8)
        #expect(load.share(at: 1_200 * ms) == 0)
        // One batch after a long pause is not a drain: its window's share is taken over the pause.
        load.record(busyNanos: 5 * ms, endingAt: 5_000 * ms)
        load.record(busyNanos: 5 * ms, endingAt: 5_300 * ms)
        #expect(load.share(at: 5_300 * ms) < 0.05)
    }
}
