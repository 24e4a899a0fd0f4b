/// Why training stopped or could not start.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// The loss became NaN or infinite: the weights are no longer usable.
    case nonFiniteLoss(epoch: Int, step: Int, loss: Float)
    case invalidOption(String)
    case incompatibleData(String)

    public var description: String {
        switch self {
        case let .nonFiniteLoss(epoch, step, loss):
            return "training diverged: loss is \(loss) at step \(step) (epoch \(epoch)); lower the learning rate"
        case let .invalidOption(message):
            return message
        case let .incompatibleData(message):
            return message
        }
    }
}
