"""JAX (jit, CPU) on the same job as `scratchnet train`: Fashion-MNIST,
batch 100, shuffled epochs, float32, He initialization, zero biases.

The whole step (forward, backward, update) is one jitted function; the
models and optimizers match torch_train.py (Adam written out as the book
has it: bias correction folded into lr, eps 1e-7 outside the sqrt).

    python jax_train.py --model two-layer --optimizer sgd --epochs 3 --threads 1

Prints one JSON line; samples_per_second is the median over timed epochs.
XLA's CPU thread pools follow the CPU affinity mask set by peer_threads.
"""
import peer_threads

threads = peer_threads.apply_from_argv()

import argparse  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import fashion_mnist  # noqa: E402


def init_params(model, rng):
    def he(shape, fan_in):
        return jnp.asarray(rng.standard_normal(shape) * np.sqrt(2.0 / fan_in), dtype=jnp.float32)

    if model == "simple-conv":
        return {
            "conv_w": he((30, 1, 5, 5), 25), "conv_b": jnp.zeros(30, jnp.float32),
            "w1": he((30 * 12 * 12, 100), 30 * 12 * 12), "b1": jnp.zeros(100, jnp.float32),
            "w2": he((100, 10), 100), "b2": jnp.zeros(10, jnp.float32),
        }
    sizes = [784] + fashion_mnist.hidden_sizes(model) + [10]
    params = {}
    for i in range(len(sizes) - 1):
        params[f"w{i}"] = he((sizes[i], sizes[i + 1]), sizes[i])
        params[f"b{i}"] = jnp.zeros(sizes[i + 1], jnp.float32)
    return params


def make_forward(model):
    if model == "simple-conv":
        def forward(p, x):
            h = jax.lax.conv_general_dilated(x, p["conv_w"], (1, 1), "VALID") + p["conv_b"][None, :, None, None]
            h = jax.nn.relu(h)
            h = jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")
            h = h.reshape(h.shape[0], -1)
            h = jax.nn.relu(h @ p["w1"] + p["b1"])
            return h @ p["w2"] + p["b2"]
        return forward

    layers = len(fashion_mnist.hidden_sizes(model)) + 1

    def forward(p, x):
        for i in range(layers):
            x = x @ p[f"w{i}"] + p[f"b{i}"]
            if i < layers - 1:
                x = jax.nn.relu(x)
        return x
    return forward


def make_step(forward, optimizer, lr):
    def loss_fn(p, x, t):
        logits = forward(p, x)
        return jnp.mean(jax.nn.logsumexp(logits, axis=1) - jnp.take_along_axis(logits, t[:, None], axis=1)[:, 0])

    grad_fn = jax.value_and_grad(loss_fn)

    if optimizer == "sgd":
        def step(p, state, x, t):
            loss, g = grad_fn(p, x, t)
            return jax.tree.map(lambda a, b: a - lr * b, p, g), state, loss
    else:
        beta1, beta2 = 0.9, 0.999

        def step(p, state, x, t):
            m, v, it = state
            loss, g = grad_fn(p, x, t)
            it = it + 1
            lr_t = lr * jnp.sqrt(1 - beta2 ** it) / (1 - beta1 ** it)
            m = jax.tree.map(lambda m_, g_: m_ + (1 - beta1) * (g_ - m_), m, g)
            v = jax.tree.map(lambda v_, g_: v_ + (1 - beta2) * (g_ * g_ - v_), v, g)
            p = jax.tree.map(lambda p_, m_, v_: p_ - lr_t * m_ / (jnp.sqrt(v_) + 1e-7), p, m, v)
            return p, (m, v, it), loss
    return jax.jit(step, donate_argnums=(0, 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    fashion_mnist.add_common_arguments(parser, ["two-layer", "mlp", "simple-conv"])
    args = fashion_mnist.resolve_defaults(parser.parse_args())
    x_train, t_train, x_test, t_test = fashion_mnist.load(flatten=args.model != "simple-conv")
    rng = np.random.default_rng(args.seed)
    params = init_params(args.model, rng)
    zeros = jax.tree.map(jnp.zeros_like, params)
    state = (zeros, jax.tree.map(jnp.zeros_like, params), jnp.float32(0))
    forward = make_forward(args.model)
    step = make_step(forward, args.optimizer, args.lr)
    # Data stays in host NumPy; each batch is gathered there and passed in,
    # as the other peers and ScratchNet do.
    n = len(x_train)
    # Compile outside the timed epochs (both batch shapes, if the last differs).
    warm_p = jax.tree.map(jnp.copy, params)
    warm_s = jax.tree.map(jnp.copy, state)
    jax.block_until_ready(step(warm_p, warm_s, x_train[:args.batch_size], t_train[:args.batch_size]))

    rates, loss = [], jnp.float32(jnp.nan)
    for _ in range(args.epochs):
        order = rng.permutation(n)
        start = time.perf_counter()
        for i in range(0, n, args.batch_size):
            idx = order[i:i + args.batch_size]
            params, state, loss = step(params, state, x_train[idx], t_train[idx])
        jax.block_until_ready(params)
        rates.append(n / (time.perf_counter() - start))

    predict = jax.jit(forward)
    correct = 0
    for i in range(0, len(x_test), 1000):
        correct += int((np.asarray(predict(params, x_test[i:i + 1000])).argmax(1) == t_test[i:i + 1000]).sum())
    fashion_mnist.report("jax", args, rates, correct / len(x_test), float(loss), jax_version=jax.__version__)


if __name__ == "__main__":
    main()
