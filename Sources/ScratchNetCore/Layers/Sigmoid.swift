/// 1 / (1 + e^−x), elementwise; the backward uses the cached output:
/// dx = dy·y·(1 − y).
public typealias Sigmoid = Activation<SigmoidFunction>

public enum SigmoidFunction: ActivationFunction {
    public static var name: String { "Sigmoid" }

    public static func forward(_ kernels: any Kernels, _ x: UnsafePointer<Float>,
                               into y: UnsafeMutablePointer<Float>, count: Int) {
        kernels.sigmoid(x, into: y, count: count)
    }

    public static func backward(_ kernels: any Kernels, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        kernels.sigmoidBackward(dy, output: y, into: dx, count: count)
    }
}
