/// Helpers the stateful optimizers share: one state tensor per parameter,
/// taken from the network's arena, and the names checkpoints store them by.
extension Arena {
    /// One zeroed tensor shaped like each parameter, named
    /// "<parameter name>.<state>" in arena errors.
    func allocateOptimizerState(_ state: String, for parameters: [Parameter]) throws -> [Tensor] {
        try parameters.map { p in
            let t = try allocate(p.value.shape, name: "\(p.name).\(state)")
            // Binding means starting afresh: zero moments, whatever the
            // memory held. A measuring arena's tensors must not be touched.
            if !isMeasuring { t.fill(0) }
            return t
        }
    }
}

/// "<parameter name>.<state>" for every parameter and every state kind, in
/// parameter order, then state order.
func namedOptimizerState(parameterNames: [String], states: [(String, [Tensor])]) -> [NamedTensor] {
    var named: [NamedTensor] = []
    for (index, name) in parameterNames.enumerated() {
        for (state, tensors) in states where index < tensors.count {
            named.append(NamedTensor(name: "\(name).\(state)", tensor: tensors[index]))
        }
    }
    return named
}
