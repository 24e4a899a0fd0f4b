"""The book's layer-by-layer NumPy MLP (ch. 5/6 style), on the same job as
`scratchnet train`: Fashion-MNIST, batch 100, shuffled epochs, float32, He
initialization, ReLU, softmax-with-loss; SGD or Adam (the book's formulas).

    python numpy_mlp.py --model two-layer --optimizer sgd --epochs 3 --threads 1

Prints one JSON line; samples_per_second is the median over timed epochs.
"""
import peer_threads

peer_threads.apply_from_argv()

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import fashion_mnist  # noqa: E402


class Affine:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = None
        self.dW = self.db = None

    def forward(self, x):
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout):
        dx = dout @ self.W.T
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return dx


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class SoftmaxWithLoss:
    """Softmax + cross-entropy on class-index labels; the loss is computed
    stably (logsumexp - logit), as ScratchNet does, not with log(y + 1e-7)."""

    def __init__(self):
        self.y = self.t = None

    def forward(self, x, t):
        self.t = t
        z = x - x.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        self.y = e / s
        return float(np.mean(np.log(s[:, 0]) - z[np.arange(len(t)), t]))

    def backward(self):
        n = len(self.t)
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1
        return dx / np.float32(n)


class SGD:
    def __init__(self, lr=0.01):
        self.lr = np.float32(lr)

    def update(self, params, grads):
        for key in params:
            params[key] -= self.lr * grads[key]


class Adam:
    """The book's Adam: bias correction folded into lr, eps 1e-7 outside the sqrt."""

    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999):
        self.lr, self.beta1, self.beta2 = lr, beta1, beta2
        self.iter = 0
        self.m = self.v = None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(v) for k, v in params.items()}
            self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.iter += 1
        lr_t = np.float32(self.lr * np.sqrt(1.0 - self.beta2 ** self.iter) / (1.0 - self.beta1 ** self.iter))
        b1, b2 = np.float32(1 - self.beta1), np.float32(1 - self.beta2)
        for key in params:
            self.m[key] += b1 * (grads[key] - self.m[key])
            self.v[key] += b2 * (grads[key] ** 2 - self.v[key])
            params[key] -= lr_t * self.m[key] / (np.sqrt(self.v[key]) + np.float32(1e-7))


class MultiLayerNet:
    def __init__(self, sizes, rng):
        self.params = {}
        self.layers = []
        for i in range(len(sizes) - 1):
            std = np.sqrt(2.0 / sizes[i])  # He
            self.params[f"W{i}"] = (rng.standard_normal((sizes[i], sizes[i + 1])) * std).astype(np.float32)
            self.params[f"b{i}"] = np.zeros(sizes[i + 1], dtype=np.float32)
            self.layers.append(Affine(self.params[f"W{i}"], self.params[f"b{i}"]))
            if i < len(sizes) - 2:
                self.layers.append(Relu())
        self.last = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last.forward(self.predict(x), t)

    def gradient(self, x, t):
        loss = self.loss(x, t)
        dout = self.last.backward()
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        grads = {}
        for i, layer in enumerate(l for l in self.layers if isinstance(l, Affine)):
            grads[f"W{i}"], grads[f"b{i}"] = layer.dW, layer.db
        return loss, grads

    def accuracy(self, x, t, batch=1000):
        correct = 0
        for i in range(0, len(x), batch):
            correct += int(np.sum(np.argmax(self.predict(x[i:i + batch]), axis=1) == t[i:i + batch]))
        return correct / len(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fashion_mnist.add_common_arguments(parser, ["two-layer", "mlp"])
    args = fashion_mnist.resolve_defaults(parser.parse_args())
    x_train, t_train, x_test, t_test = fashion_mnist.load(flatten=True)
    rng = np.random.default_rng(args.seed)
    net = MultiLayerNet([784] + fashion_mnist.hidden_sizes(args.model) + [10], rng)
    optimizer = SGD(args.lr) if args.optimizer == "sgd" else Adam(args.lr)

    rates, loss = [], float("nan")
    n = len(x_train)
    for _ in range(args.epochs):
        order = rng.permutation(n)
        start = time.perf_counter()
        for i in range(0, n, args.batch_size):
            idx = order[i:i + args.batch_size]
            loss, grads = net.gradient(x_train[idx], t_train[idx])
            optimizer.update(net.params, grads)
        rates.append(n / (time.perf_counter() - start))
    fashion_mnist.report("numpy", args, rates, net.accuracy(x_test, t_test), loss,
                         numpy_version=np.__version__)


if __name__ == "__main__":
    main()
