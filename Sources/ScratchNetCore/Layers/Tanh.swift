/// tanh(x), elementwise (the third activation of the book's ch. 6
/// experiments); the backward uses the cached output: dx = dy·(1 − y²).
public typealias Tanh = Activation<TanhFunction>

public enum TanhFunction: ActivationFunction {
    public static var name: String { "Tanh" }

    public static func forward(_ kernels: any Kernels, _ x: UnsafePointer<Float>,
                               into y: UnsafeMutablePointer<Float>, count: Int) {
        kernels.tanh(x, into: y, count: count)
    }

    public static func backward(_ kernels: any Kernels, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        kernels.tanhBackward(dy, output: y, into: dx, count: count)
    }
}
