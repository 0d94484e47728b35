import Foundation
import HireLedgerCore

/// The simulator's only source of randomness (SplitMix64 from HireLedgerCore), so a seed fully determines the world.
///
/// Never replace with `SystemRandomNumberGenerator` or anything that depends on `Hasher`'s per-process seed:
/// the simulator promises byte-identical responses for the same seed and the same sequence of advances.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var base: SplitMix64

    init(seed: UInt64) { base = SplitMix64(seed: seed) }

    /// A generator derived from this seed and a stream label, independent of how many values others drew.
    init(seed: UInt64, stream: UInt64) { base = SplitMix64(seed: seed, stream: stream) }

    mutating func next() -> UInt64 { base.next() }

    /// Uniform in `0..<bound` (bound > 0), via multiply-shift (bias is negligible for the bounds used here).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform in the closed range.
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Exponentially distributed with the given mean.
    mutating func exponential(mean: Double) -> Double {
        let u = unit()
        return -mean * Foundation.log(1 - u)
    }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// Index chosen with probability proportional to `weights`.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            x -= w
            if x < 0 { return i }
        }
        return weights.count - 1
    }
}
