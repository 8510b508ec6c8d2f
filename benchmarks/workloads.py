"""Benchmark workloads, each written once against the torch API and run with ``lib`` = ember
or torch. ``make(lib)`` builds the model, data and optimizer (same seed → same weights, since
ember reproduces torch's init streams) and returns a zero-argument step function."""
from __future__ import annotations

import numpy as np

WORKLOADS = {}


def workload(name):
    def deco(fn):
        WORKLOADS[name] = fn
        return fn
    return deco


def _data(*shape, seed=0, kind="float"):
    rng = np.random.default_rng(seed)
    if kind == "float":
        return rng.standard_normal(shape).astype(np.float32)
    return rng.integers(0, kind, size=shape).astype(np.int64)


@workload("overhead_scalar")
def overhead_scalar(lib):
    a, b, c = (lib.tensor(v, requires_grad=True) for v in (1.5, 2.0, 0.5))

    def step():
        (a * b + c).sum().backward()
    return step


@workload("overhead_chain100")
def overhead_chain(lib):
    x = lib.tensor(_data(16), requires_grad=True)

    def step():
        y = x
        for i in range(25):
            y = ((y * 1.01) + 0.1).tanh() - 0.05
        y.sum().backward()
    return step


def _train_step(lib, model, opt, loss_fn, x, y):
    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return step


def _mlp(lib, batch):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                          nn.Linear(512, 10))
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = lib.tensor(_data(batch, 784))
    y = lib.tensor(_data(batch, kind=10))
    return _train_step(lib, model, opt, nn.functional.cross_entropy, x, y)


@workload("mlp_b64")
def mlp64(lib):
    return _mlp(lib, 64)


@workload("mlp_b512")
def mlp512(lib):
    return _mlp(lib, 512)


@workload("cnn")
def cnn(lib):
    nn = lib.nn
    lib.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = lib.tensor(_data(64, 1, 28, 28))
    y = lib.tensor(_data(64, kind=10))
    return _train_step(lib, model, opt, nn.functional.cross_entropy, x, y)


def _resnet18(lib, num_classes=10):
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.short = nn.Sequential()
            if stride != 1 or cin != cout:
                self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                           nn.BatchNorm2d(cout))

        def forward(self, x):
            out = nn.functional.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return nn.functional.relu(out + self.short(x))

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            layers, cin = [], 64
            for cout, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
                layers += [Block(cin, cout, stride), Block(cout, cout, 1)]
                cin = cout
            self.layers = nn.Sequential(*layers)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(512, num_classes)

        def forward(self, x):
            x = nn.functional.relu(self.bn1(self.conv1(x)))
            x = self.pool(self.layers(x))
            return self.fc(lib.flatten(x, 1))
    return ResNet()


@workload("resnet")
def resnet(lib):
    lib.manual_seed(0)
    model = _resnet18(lib)
    opt = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x = lib.tensor(_data(32, 3, 32, 32))
    y = lib.tensor(_data(32, kind=10))
    return _train_step(lib, model, opt, lib.nn.functional.cross_entropy, x, y)


def _gpt(lib, vocab=65, ctx=64, d=128, heads=4, layers=2):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.proj = nn.Linear(d, d)
            self.ln2 = nn.LayerNorm(d)
            self.fc = nn.Linear(d, 4 * d)
            self.out = nn.Linear(4 * d, d)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
            q = q.view(B, T, heads, C // heads).transpose(1, 2)
            k = k.view(B, T, heads, C // heads).transpose(1, 2)
            v = v.view(B, T, heads, C // heads).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            y = y.transpose(1, 2).contiguous().view(B, T, C)
            x = x + self.proj(y)
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d)
            self.pos = nn.Embedding(ctx, d)
            self.blocks = nn.Sequential(*[Block() for _ in range(layers)])
            self.ln = nn.LayerNorm(d)
            self.head = nn.Linear(d, vocab)

        def forward(self, idx):
            T = idx.shape[1]
            x = self.tok(idx) + self.pos(lib.arange(T))
            return self.head(self.ln(self.blocks(x)))
    return GPT()


@workload("gpt")
def gpt(lib):
    lib.manual_seed(0)
    model = _gpt(lib)
    opt = lib.optim.AdamW(model.parameters(), lr=3e-4)
    x = lib.tensor(_data(32, 64, kind=65))
    y = lib.tensor(_data(32, 64, seed=1, kind=65))

    def loss_fn(logits, targets):
        return lib.nn.functional.cross_entropy(logits.view(-1, 65), targets.view(-1))
    return _train_step(lib, model, opt, loss_fn, x, y)


@workload("lstm")
def lstm(lib):
    nn = lib.nn
    lib.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(100, 64)
            self.rnn = nn.LSTM(64, 256, num_layers=2, batch_first=True)
            self.fc = nn.Linear(256, 10)

        def forward(self, x):
            out, _ = self.rnn(self.emb(x))
            return self.fc(out[:, -1])
    model = Net()
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x = lib.tensor(_data(32, 50, kind=100))
    y = lib.tensor(_data(32, kind=10))
    return _train_step(lib, model, opt, nn.functional.cross_entropy, x, y)


def _inference(lib, build, x):
    model = build(lib).eval()

    def step():
        with lib.inference_mode():
            model(x)
    return step


@workload("infer_cnn_b1")
def infer_cnn1(lib):
    return _infer_cnn(lib, 1)


@workload("infer_cnn_b64")
def infer_cnn64(lib):
    return _infer_cnn(lib, 64)


def _infer_cnn(lib, batch):
    nn = lib.nn
    lib.manual_seed(0)

    def build(lib):
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    return _inference(lib, build, lib.tensor(_data(batch, 1, 28, 28)))


@workload("infer_gpt_b1")
def infer_gpt1(lib):
    lib.manual_seed(0)
    return _inference(lib, _gpt, lib.tensor(_data(1, 64, kind=65)))


@workload("infer_gpt_b64")
def infer_gpt64(lib):
    lib.manual_seed(0)
    return _inference(lib, _gpt, lib.tensor(_data(64, 64, kind=65)))
