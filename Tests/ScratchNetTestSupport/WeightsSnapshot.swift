import ScratchNet

extension Network {
    /// A copy of every parameter's values, tensor by tensor.
    ///
    /// A method, so the network is alive while its tensors are read:
    /// parameters are views into the network's arena, and in
    /// `makeNetwork().parameters.map { $0.value.toArray() }` the temporary
    /// network (and its arena) can be freed before `map` reads them (ASan
    /// caught exactly that).
    public func weightsSnapshot() -> [[Float]] {
        parameters.map { $0.value.toArray() }
    }
}
