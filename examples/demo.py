"""ember demo (interim, until ember.nn / DataLoader land): a 2-layer MLP trained by hand.

Autograd computes the gradients, the update is plain SGD written out. The data is a NumPy-made
two-spirals problem, so nothing is downloaded.
"""
import math

import numpy as np

import ember as torch


def spirals(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.25, 1.0, size=n) * 3 * math.pi
    label = rng.integers(0, 2, size=n)
    sign = np.where(label == 0, 1.0, -1.0)
    x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / 10
    x += rng.normal(scale=0.02, size=x.shape)
    return torch.tensor(x, dtype=torch.float32), torch.tensor(label, dtype=torch.float32)


def main() -> None:
    x, y = spirals(512)
    rng = np.random.default_rng(1)
    w1 = torch.tensor(rng.normal(scale=1.0, size=(2, 64)), dtype=torch.float32, requires_grad=True)
    b1 = torch.zeros(64, requires_grad=True)
    w2 = torch.tensor(rng.normal(scale=0.1, size=(64, 1)), dtype=torch.float32, requires_grad=True)
    b2 = torch.zeros(1, requires_grad=True)
    params = [w1, b1, w2, b2]
    lr = 0.5
    for step in range(301):
        h = torch.tanh(x @ w1 + b1)
        logits = (h @ w2 + b2).reshape(-1)
        p = torch.sigmoid(logits)
        loss = -(y * torch.log(p + 1e-7) + (1 - y) * torch.log(1 - p + 1e-7)).mean()
        for prm in params:
            prm.grad = None
        loss.backward()
        with torch.no_grad():
            for prm in params:
                prm -= lr * prm.grad
        if step % 50 == 0:
            acc = ((p > 0.5).float() == y).float().mean().item()
            print(f"step {step:3d}  loss {loss.item():.4f}  accuracy {acc:.3f}")


if __name__ == "__main__":
    main()
