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

    /// The optimizer's state tensors (velocities, moments), named after the
    /// parameter they belong to ("layers.0.weight.m"), for checkpoints.
    var stateTensors: [NamedTensor] { get }
    /// Updates done so far (Adam's bias correction needs it); checkpoints
    /// save and restore it.
    var stepCount: Int { get set }
}

extension Optimizer {
    public var stateTensors: [NamedTensor] { [] }
}
