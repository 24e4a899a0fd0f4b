/// max(0, x), elementwise. The backward passes the gradient where the output
/// was positive (the book's Relu layer: zero where x <= 0).
public typealias ReLU = Activation<ReLUFunction>

public enum ReLUFunction: ActivationFunction {
    public static var name: String { "ReLU" }

    public static func forward(_ kernels: any Kernels, _ x: UnsafePointer<Float>,
                               into y: UnsafeMutablePointer<Float>, count: Int) {
        kernels.relu(x, into: y, count: count)
    }

    public static func backward(_ kernels: any Kernels, _ dy: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                into dx: UnsafeMutablePointer<Float>, count: Int) {
        kernels.reluBackward(dy, output: y, into: dx, count: count)
    }
}
