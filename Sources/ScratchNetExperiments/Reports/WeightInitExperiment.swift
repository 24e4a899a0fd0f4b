#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ScratchNetCore

/// The book's `ch06/weight_init_activation_histogram.py`: 1000 samples of
/// 100 N(0, 1) inputs pass through five 100-unit layers (no biases) with
/// weights N(0, std²); the histograms of each layer's activations show
/// vanishing gradients (sigmoid with std 1: values pile up at 0 and 1) or
/// healthy spread (Xavier for sigmoid/tanh, He for ReLU).
public enum WeightInitExperiment {
    public enum Activation: String, CaseIterable, Sendable {
        case sigmoid, relu, tanh
        func apply(_ x: Float) -> Float {
            switch self {
            case .sigmoid: return 1 / (1 + expf(-x))
            case .relu: return max(0, x)
            case .tanh: return tanhf(x)
            }
        }
        /// The histogram range the book uses for sigmoid, widened for tanh.
        var range: ClosedRange<Double> { self == .tanh ? -1...1 : 0...1 }
    }

    /// Each layer's activations (`layers` arrays of samples × nodes values).
    public static func run(activation: Activation, initializer: WeightInitializer, samples: Int = 1000,
                           nodes: Int = 100, layers: Int = 5, seed: UInt64 = 0) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        var x = (0..<(samples * nodes)).map { _ in Float(rng.nextGaussian()) }
        var result: [[Float]] = []
        let std = Double(initializer.standardDeviation(fanIn: nodes))
        for _ in 0..<layers {
            let w = (0..<(nodes * nodes)).map { _ in Float(rng.nextGaussian() * std) }
            var a = [Float](repeating: 0, count: samples * nodes)
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    a.withUnsafeMutableBufferPointer { ap in
                        for s in 0..<samples {
                            for k in 0..<nodes {
                                let xv = xp[s * nodes + k]
                                for j in 0..<nodes { ap[s * nodes + j] += xv * wp[k * nodes + j] }
                            }
                        }
                    }
                }
            }
            x = a.map(activation.apply)
            result.append(x)
        }
        return result
    }

    /// One panel per layer, as one SVG.
    public static func svg(activation: Activation, initializer: WeightInitializer, layers: [[Float]]) -> String {
        let charts = layers.enumerated().map { i, values in
            HistogramChart(title: "\(i + 1)-layer (\(activation.rawValue), \(initializer))", xLabel: "activation",
                           values: values, bins: 30, range: activation == .relu ? nil : activation.range,
                           color: ChartPalette.color(0))
        }
        return HistogramChart.row(charts, panelWidth: 260, height: 250, columns: charts.count)
    }
}
