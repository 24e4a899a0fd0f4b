/// Updates parameters from their gradients after each backward pass.
///
/// An optimizer keeps its state (velocities, moments) in the network's
/// arena: `bind` is called with the parameters once they exist (and again
/// after a measuring pass), `update` once per training step.
public protocol Optimizer: AnyObject {
    var name: String { get }
    var learningRate: Float { get set }
    func bind(parameters: [Parameter], arena: Arena, kernels: any Kernels) throws
    func update(_ parameters: [Parameter])
}
