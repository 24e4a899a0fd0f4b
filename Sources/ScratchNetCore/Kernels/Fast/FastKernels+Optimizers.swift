import CKernels

// MARK: - Optimizer updates: SGD, Momentum, Adam and AdamW in C (threads above a
// grain size), Nesterov, AdaGrad and RMSprop in Swift SIMD. Both compute
// each element with separately rounded operations (no fused multiply-add),
// so the thread count and the instruction set never change a weight.

extension FastKernels {
    public func sgdStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
                        learningRate lr: Float) {
        sn_sgd_step(nthreads, p, g, count, lr)
    }

    public func momentumStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                             velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum: Float) {
        sn_momentum_step(nthreads, p, g, v, count, lr, momentum)
    }

    public func nesterovStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                             velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum: Float) {
        SIMDOptimizerSteps.nesterov(p, g, v, count, lr, momentum)
    }

    public func adaGradStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                            sumOfSquares h: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, epsilon: Float) {
        SIMDOptimizerSteps.adaGrad(p, g, h, count, lr, epsilon)
    }

    public func rmspropStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                            averageOfSquares h: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float,
                            decay: Float, epsilon: Float) {
        SIMDOptimizerSteps.rmsprop(p, g, h, count, lr, decay, epsilon)
    }

    public func adamStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                         count: Int, correctedLearningRate lrT: Float, beta1: Float, beta2: Float, epsilon: Float) {
        sn_adam_step(nthreads, p, g, m, v, count, lrT, beta1, beta2, epsilon)
    }

    public func adamWStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                          firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                          count: Int, correctedLearningRate lrT: Float, beta1: Float, beta2: Float, epsilon: Float,
                          decay: Float) {
        sn_adamw_step(nthreads, p, g, m, v, count, lrT, beta1, beta2, epsilon, decay)
    }
}
