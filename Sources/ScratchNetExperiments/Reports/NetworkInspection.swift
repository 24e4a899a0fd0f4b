import ScratchNetCore

/// Looks inside a trained ``Network``: activations, predictions, filters.
public enum NetworkInspection {
    /// Each layer's outputs for the first `count` samples of `data`
    /// (inference mode), named "1: <layer name>".
    public static func activations(of network: Network, on data: LabeledImages, count: Int) -> [(layer: String, values: [Float])] {
        let n = min(count, data.count, network.maxBatch)
        guard n > 0 else { return [] }
        data.fillBatch(start: 0, count: n, into: network.inputBuffer, labels: network.labelBuffer, kernels: network.kernels)
        var h = network.inputBuffer.leading(n)
        var result: [(String, [Float])] = []
        for (i, layer) in network.layers.enumerated() {
            h = layer.forward(h, training: false)
            result.append(("\(i + 1): \(layer.name)", h.toArray()))
        }
        return result
    }

    /// The predicted class of every sample of `data`, in order.
    public static func predictions(of network: Network, on data: LabeledImages) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(data.count)
        var start = 0
        while start < data.count {
            let n = min(network.maxBatch, data.count - start)
            let logits = network.inferenceLogits(on: data, start: start, count: n)
            for r in 0..<n { out.append(Network.argmax(logits.pointer + r * network.classes, count: network.classes)) }
            start += n
        }
        return out
    }

    /// The first layer's weights when they are convolution filters: the
    /// parameter `layers.0.weight` with rank 4, (filters, channels, h, w).
    public static func firstConvFilters(of network: Network) -> FilterBank? {
        guard let p = network.parameter(named: "layers.0.weight"), p.value.shape.rank == 4 else { return nil }
        let s = p.value.shape
        return FilterBank(count: s[0], channels: s[1], height: s[2], width: s[3], values: p.value.toArray())
    }
}

/// A copy of convolution weights, (count, channels, height, width).
public struct FilterBank: Sendable, Equatable {
    public var count: Int, channels: Int, height: Int, width: Int
    public var values: [Float]

    public init(count: Int, channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == count * channels * height * width, "FilterBank: \(values.count) values for \(count)×\(channels)×\(height)×\(width)")
        self.count = count; self.channels = channels; self.height = height; self.width = width
        self.values = values
    }

    /// Filter `i`'s first channel as an image scaled to its own range (the
    /// book's `visualize_filter.py` shows filters this way).
    public func image(_ i: Int) -> GrayImage {
        let size = height * width
        let start = i * channels * size
        return GrayImage(normalizing: Array(values[start..<start + size]), width: width, height: height)
    }

    /// Per filter, ‖other − self‖ / ‖self‖ over all its weights (0 for a
    /// zero filter that stayed zero); empty when the shapes differ.
    public func relativeChanges(to other: FilterBank) -> [Double] {
        guard other.values.count == values.count, other.count == count else { return [] }
        let size = channels * height * width
        return (0..<count).map { f in
            var diff = 0.0, norm = 0.0
            for i in (f * size)..<((f + 1) * size) {
                let a = Double(values[i]), d = Double(other.values[i]) - a
                diff += d * d
                norm += a * a
            }
            return norm > 0 ? (diff / norm).squareRoot() : (diff > 0 ? .infinity : 0)
        }
    }

    public func grid(title: String) -> ImageGridChart {
        ImageGridChart(title: title, tiles: (0..<count).map { .init(image: image($0), caption: "") },
                       columns: min(count, 10), tileSize: 40)
    }
}
