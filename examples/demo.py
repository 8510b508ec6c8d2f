"""ember demo (`make demo`): train a small CNN on handwritten digits, the PyTorch way.

Written against PyTorch's names — ``import ember as torch`` is the only change from a torch +
torchvision program. The data is ember.vision's ``Digits`` (the 1797 8x8 digits that ship inside
scikit-learn, so nothing is downloaded), upsampled to 16x16. Steps: Dataset -> DataLoader (two
worker processes, shuffled) -> CNN -> CrossEntropyLoss -> Adam -> evaluation under no_grad.
Writes a checkpoint loadable by ``torch.load`` and a CSV + JSON log of the metrics.

Usage: python examples/demo.py [--epochs N] [--out DIR]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time

# The model's matrices are tiny: one BLAS thread per process beats a thread pool (torch users
# would call torch.set_num_threads(1)). Set before NumPy loads; DataLoader workers inherit it.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from tqdm import tqdm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
try:
    import ember as torch
except ModuleNotFoundError:  # running from a source checkout without `pip install -e .`
    sys.path.insert(0, ROOT)
    import ember as torch
import ember.nn as nn  # noqa: E402
from ember.utils.data import DataLoader  # noqa: E402
from ember.vision import datasets, transforms  # noqa: E402


class DigitsCNN(nn.Module):
    """conv(1->16) relu pool -> conv(16->32) relu pool -> linear(512->64) relu -> linear(64->10)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 16 -> 8
            nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 8 -> 4
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(32 * 4 * 4, 64), nn.ReLU(), nn.Linear(64, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def evaluate(model, loader) -> tuple[float, float]:
    """(mean loss, accuracy) over a loader, without building a graph."""
    model.eval()
    criterion = nn.CrossEntropyLoss(reduction="sum")
    total, correct, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images)
            loss_sum += criterion(logits, labels).item()
            correct += (logits.argmax(dim=1) == labels).sum().item()
            total += labels.numel()
    return loss_sum / total, correct / total


def save_atomic(obj, path: str) -> None:
    """``torch.save`` to a temporary file, then rename: a crash never leaves half a checkpoint."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main(argv=None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=os.path.join(ROOT, "runs", "digits_cnn"))
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    torch.manual_seed(args.seed)
    transform = transforms.Compose([
        transforms.Resize(16),                     # 8x8 -> 16x16 (bilinear, Pillow)
        transforms.ToTensor(),                     # float32 (1, 16, 16) in [0, 1]
        transforms.Normalize((0.5,), (0.5,)),
    ])
    train_set = datasets.Digits(train=True, transform=transform)
    test_set = datasets.Digits(train=False, transform=transform)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers, persistent_workers=args.workers > 0)
    test_loader = DataLoader(test_set, batch_size=256, shuffle=False)
    print(f"data: Digits (scikit-learn 8x8 digits, resized to 16x16), {len(train_set)} train / "
          f"{len(test_set)} test images, {len(train_set.classes)} classes; "
          f"DataLoader(batch_size={args.batch_size}, shuffle=True, num_workers={args.workers})")

    model = DigitsCNN(num_classes=len(train_set.classes))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: DigitsCNN, {n_params:,} parameters; optimizer: Adam(lr={args.lr})")
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    history = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        running, seen = 0.0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch:2d}/{args.epochs}", leave=False,
                   file=sys.stderr, dynamic_ncols=True)
        for images, labels in bar:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            optimizer.step()
            running += loss.item() * labels.numel()
            seen += labels.numel()
            bar.set_postfix(loss=f"{running / seen:.4f}")
        scheduler.step()
        train_loss = running / seen
        test_loss, test_acc = evaluate(model, test_loader)
        secs = time.perf_counter() - t0
        history.append({"epoch": epoch, "train_loss": round(train_loss, 6),
                        "test_loss": round(test_loss, 6), "test_accuracy": round(test_acc, 6),
                        "seconds": round(secs, 3)})
        print(f"epoch {epoch:2d}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
              f"test accuracy {test_acc:.4f}  ({secs:.1f}s)")

    ckpt_path = os.path.join(args.out, "digits_cnn.pt")
    save_atomic({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "epoch": args.epochs, "test_accuracy": history[-1]["test_accuracy"]}, ckpt_path)
    # reload to prove the file round-trips
    restored = DigitsCNN()
    restored.load_state_dict(torch.load(ckpt_path)["model"])
    _, restored_acc = evaluate(restored, test_loader)
    csv_path = os.path.join(args.out, "metrics.csv")
    with open(csv_path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(history[0]))
        writer.writeheader()
        writer.writerows(history)
    json_path = os.path.join(args.out, "metrics.json")
    with open(json_path, "w") as f:
        json.dump({"dataset": "Digits", "epochs": args.epochs, "seed": args.seed,
                   "history": history}, f, indent=2)
    total = time.perf_counter() - t_start
    print(f"checkpoint: {os.path.relpath(ckpt_path, os.getcwd())} (reloaded: test accuracy "
          f"{restored_acc:.4f}; loadable with torch.load)")
    print(f"logs: {os.path.relpath(csv_path, os.getcwd())}, {os.path.relpath(json_path, os.getcwd())}")
    final = history[-1]["test_accuracy"]
    print(f"final test accuracy: {final:.4f}  (total time {total:.1f}s)")
    return final


if __name__ == "__main__":
    main()
