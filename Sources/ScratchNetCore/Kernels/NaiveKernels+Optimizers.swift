// MARK: - Optimizer updates as the book writes them, one element at a time.
//
// SGD, Momentum and Nesterov give the fast kernels' results bit for bit
// (the same products and sums, only spelled differently); AdaGrad, RMSprop
// and Adam multiply and divide in the book's order, which differs from the
// fast kernels' in the last bit of some elements (see OptimizerKernelTests).

extension NaiveKernels {
    public func sgdStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, count: Int,
                        learningRate lr: Float) {
        for i in 0..<count { p[i] -= lr * g[i] }
    }

    public func momentumStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                             velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum: Float) {
        for i in 0..<count {
            v[i] = momentum * v[i] - lr * g[i]
            p[i] += v[i]
        }
    }

    public func nesterovStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                             velocity v: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, momentum: Float) {
        for i in 0..<count {
            v[i] = momentum * v[i] - lr * g[i]
            p[i] += momentum * momentum * v[i]
            p[i] -= (1 + momentum) * lr * g[i]
        }
    }

    public func adaGradStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                            sumOfSquares h: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float, epsilon: Float) {
        for i in 0..<count {
            h[i] += g[i] * g[i]
            p[i] -= lr * g[i] / (h[i].squareRoot() + epsilon)
        }
    }

    public func rmspropStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                            averageOfSquares h: UnsafeMutablePointer<Float>, count: Int, learningRate lr: Float,
                            decay: Float, epsilon: Float) {
        for i in 0..<count {
            h[i] *= decay
            h[i] += (1 - decay) * g[i] * g[i]
            p[i] -= lr * g[i] / (h[i].squareRoot() + epsilon)
        }
    }

    public func adamStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                         firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                         count: Int, correctedLearningRate lrT: Float, beta1: Float, beta2: Float, epsilon: Float) {
        for i in 0..<count {
            m[i] += (1 - beta1) * (g[i] - m[i])
            v[i] += (1 - beta2) * (g[i] * g[i] - v[i])
            p[i] -= lrT * m[i] / (v[i].squareRoot() + epsilon)
        }
    }

    public func adamWStep(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>,
                          firstMoment m: UnsafeMutablePointer<Float>, secondMoment v: UnsafeMutablePointer<Float>,
                          count: Int, correctedLearningRate lrT: Float, beta1: Float, beta2: Float, epsilon: Float,
                          decay: Float) {
        for i in 0..<count {
            m[i] += (1 - beta1) * (g[i] - m[i])
            v[i] += (1 - beta2) * (g[i] * g[i] - v[i])
            p[i] *= 1 - decay
            p[i] -= lrT * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}
