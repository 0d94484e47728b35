import HireLedgerCore
import Testing

struct WebhookRetryStateMachineTests {
    let t0 = Timestamp(iso8601: "2026-03-01T09:00:00Z")!
    let machine = WebhookRetryStateMachine(policy: RetryPolicy.webhookDelivery(jitter: 0))
    let p = LogPosition(7)

    @Test(arguments: [200, 201, 202, 204, 299])
    func anyTwoHundredDelivers(status: Int) {
        #expect(machine.decide(previous: nil, outcome: .response(status: status, retryAfter: nil), subscription: "s", position: p, now: t0) == .delivered)
    }

    @Test func failuresBackOffExponentiallyUpToTheCap() {
        var state: DeliveryRetryState?
        var now = t0
        var delays: [Double] = []
        for _ in 0..<14 {
            guard case .retry(let s) = machine.decide(previous: state, outcome: .response(status: 500, retryAfter: nil),
                                                      subscription: "s", position: p, now: now) else { Issue.record("expected retry"); return }
            delays.append(Double(s.nextAttemptAt.millisecondsSinceEpoch - now.millisecondsSinceEpoch) / 1000)
            now = s.nextAttemptAt
            state = s
        }
        #expect(delays == [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600, 3600])
        #expect(state?.attempts == 14)
        #expect(state?.firstFailureAt == t0)
        #expect(state?.lastError == "HTTP 500")
    }

    @Test func sustainedFailureDisablesOnlyAfterTwentyFourHours() {
        var state: DeliveryRetryState?
        var now = t0
        var attempts = 0
        while true {
            let d = machine.decide(previous: state, outcome: .noResponse(detail: "refused", timedOut: false), subscription: "s", position: p, now: now)
            attempts += 1
            if case .disable(let reason, let s) = d {
                #expect(now.millisecondsSinceEpoch - t0.millisecondsSinceEpoch >= 86_400_000)
                #expect(reason.contains("24 h"))
                #expect(s.attempts == attempts)
                break
            }
            guard case .retry(let s) = d else { Issue.record("unexpected \(d)"); return }
            now = s.nextAttemptAt
            state = s
        }
        #expect(attempts > 25)
    }

    @Test func goneDisablesAtOnce() {
        guard case .disable(let reason, _) = machine.decide(previous: nil, outcome: .response(status: 410, retryAfter: nil),
                                                            subscription: "s", position: p, now: t0) else { Issue.record("expected disable"); return }
        #expect(reason.contains("410"))
    }

    @Test(arguments: [429, 503])
    func retryAfterIsHonouredOnTooManyRequestsAndUnavailable(status: Int) {
        guard case .retry(let s) = machine.decide(previous: nil, outcome: .response(status: status, retryAfter: "120"),
                                                  subscription: "s", position: p, now: t0) else { Issue.record("expected retry"); return }
        #expect(s.nextAttemptAt == t0.adding(milliseconds: 120_000))
        guard case .retry(let d) = machine.decide(previous: nil, outcome: .response(status: status, retryAfter: "Sun, 01 Mar 2026 09:30:00 GMT"),
                                                  subscription: "s", position: p, now: t0) else { Issue.record("expected retry"); return }
        #expect(d.nextAttemptAt == t0.adding(milliseconds: 1_800_000))
    }

    @Test func retryAfterOnOtherStatusesIsIgnored() {
        guard case .retry(let s) = machine.decide(previous: nil, outcome: .response(status: 500, retryAfter: "120"),
                                                  subscription: "s", position: p, now: t0) else { Issue.record("expected retry"); return }
        #expect(s.nextAttemptAt == t0.adding(milliseconds: 5_000))
    }

    @Test func timeoutsCountAsFailures() {
        guard case .retry(let s) = machine.decide(previous: nil, outcome: .noResponse(detail: "after 10 s", timedOut: true),
                                                  subscription: "s", position: p, now: t0) else { Issue.record("expected retry"); return }
        #expect(s.lastStatus == nil)
        #expect(s.lastError.hasPrefix("timed out"))
    }

    @Test func retryStateOfAnotherEventStartsAfresh() {
        let old = DeliveryRetryState(position: LogPosition(3), attempts: 9, firstFailureAt: t0.adding(days: -2), lastAttemptAt: t0,
                                     lastError: "HTTP 500", lastStatus: 500, nextAttemptAt: t0)
        guard case .retry(let s) = machine.decide(previous: old, outcome: .response(status: 500, retryAfter: nil),
                                                  subscription: "s", position: p, now: t0) else { Issue.record("expected retry"); return }
        #expect(s.attempts == 1 && s.firstFailureAt == t0)
    }

    @Test func jitterIsDeterministicBoundedAndSpreadsSubscribers() {
        let policy = RetryPolicy.webhookDelivery(jitter: 0.2)
        var seen = Set<Double>()
        for sub in ["a", "b", "c", "d", "e"] {
            let d = policy.delay(afterFailures: 3, subscription: sub, position: p)
            #expect(d >= 16 && d <= 24)
            #expect(d == policy.delay(afterFailures: 3, subscription: sub, position: p))
            seen.insert(d)
        }
        #expect(seen.count > 1)
    }
}
