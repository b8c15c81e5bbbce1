"""Data sets for the Keras chapters: MNIST, CIFAR-10, cats vs dogs, sample photos.

Where the data comes from, in order:

1. A local folder named by the environment variable ``CNN_BOOK_DATA`` (or the
   ``data_dir`` argument), holding the data in the forms a person would have
   on disk:

   * ``mnist/``: the four IDX files ``train-images-idx3-ubyte.gz``,
     ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
     ``t10k-labels-idx1-ubyte.gz`` (gzip-compressed or not), or Keras' own
     ``mnist.npz`` (checked against its published sha256);
   * ``cifar10-jpg/`` or ``cifar10/``: class-per-folder image trees
     ``train/<class>/*.jpg`` and ``test/<class>/*.jpg``, as folders or inside
     ``.tar.gz`` archives, or Keras' ``cifar-10-python.tar.gz`` (sha256-checked);
   * ``cats-vs-dogs/`` or ``cats_and_dogs_filtered/``: ``train/{cats,dogs}``
     and ``validation/{cats,dogs}`` trees of JPEGs (folder or ``.tar.gz``).

2. Keras' cache (``~/.keras/datasets``) and, with internet, a download through
   ``keras.utils.get_file`` with the file's hash where a published one is known.

3. In the ``quick`` profile only, offline stand-ins (scikit-learn's real 8x8
   handwritten digits resampled to 28x28; small generated image sets), with a
   loud notice. In every other profile a missing data set raises
   :class:`DataUnavailableError` saying what to do.

Every loader subsets to the profile's sizes and returns a :class:`Dataset`
whose ``source`` says exactly what was loaded, for the run card.
"""
import dataclasses
import gzip
import hashlib
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np

from .profiles import get_profile

DATA_ENV_VAR = "CNN_BOOK_DATA"

# Published hashes. Only values that can be checked against an authoritative
# source are listed; files without a known hash are downloaded unchecked.
MNIST_NPZ_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
MNIST_NPZ_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
# sha256 as in Keras' own keras.datasets.cifar10 source; the md5 is the value published on the CIFAR page.
CIFAR10_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CATS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"

MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
CATS_DOGS_CLASSES = ("cats", "dogs")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")

WHAT_TO_DO = (
    "What to do: (a) run on a machine with internet access, so Keras can download it into "
    "~/.keras/datasets; or (b) put the files in a folder and set the environment variable "
    f"{DATA_ENV_VAR} to that folder before starting Python (expected layout: {{layout}}); or "
    "(c) for a quick offline try-out, set CNN_BOOK_PROFILE=quick, which falls back to small "
    "stand-in data."
)


class DataUnavailableError(RuntimeError):
    """The data set could not be found locally, in Keras' cache, or downloaded."""


class DataFormatError(ValueError):
    """A data file exists but is corrupt, truncated, of the wrong shape, or fails its hash."""


@dataclasses.dataclass
class Dataset:
    """Arrays plus a plain-words description of where they came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    source: str
    offline_fallback: bool = False
    test_name: str = "test"

    def describe(self):
        """One line for a run card: the source and the split sizes."""
        return (f"{self.source}; train {len(self.x_train):,}, {self.test_name} {len(self.x_test):,}, "
                f"image shape {self.x_train.shape[1:]}")

    def __iter__(self):  # allows (x_train, y_train), (x_test, y_test) = dataset
        return iter(((self.x_train, self.y_train), (self.x_test, self.y_test)))


# --------------------------------------------------------------------------- helpers

def file_hash(path, algorithm="sha256", chunk_size=1 << 20):
    """Hex digest of a file (sha256 or md5), read in chunks."""
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"algorithm must be 'sha256' or 'md5'; got {algorithm!r}.")
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk_size), b""):
            h.update(block)
    return h.hexdigest()


def verify_file(path, expected, algorithm=None):
    """Raise :class:`DataFormatError` unless the file's hash equals `expected`.

    `algorithm` defaults to sha256 for a 64-character hash and md5 for 32.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist or is not a file.")
    if algorithm is None:
        algorithm = {64: "sha256", 32: "md5"}.get(len(expected))
        if algorithm is None:
            raise ValueError(f"expected must be a 64-character sha256 or 32-character md5 hash; got {expected!r}.")
    actual = file_hash(path, algorithm)
    if actual != expected.lower():
        raise DataFormatError(
            f"{path.name}: {algorithm} is {actual}, expected {expected}. The file is corrupt, "
            f"truncated or a different version: delete {str(path)!r} and download it again."
        )
    return path


def data_dir(value=None):
    """The local data folder: `value`, else $CNN_BOOK_DATA, else None."""
    if value is None:
        value = os.environ.get(DATA_ENV_VAR) or None
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_dir():
        raise DataUnavailableError(
            f"{DATA_ENV_VAR} (or data_dir) is {str(value)!r}, which is not a folder. "
            "Point it at the folder that holds mnist/, cifar10-jpg/ or cats-vs-dogs/, or unset it."
        )
    return path


def _display(path, root):
    """Show a path under the data folder as $CNN_BOOK_DATA/..., so run cards do not expose local paths."""
    path = Path(path)
    env = os.environ.get(DATA_ENV_VAR)
    if root is not None and env and Path(env).expanduser() == root:
        try:
            rel = path.relative_to(root).as_posix()
            return f"${DATA_ENV_VAR}" + ("" if rel == "." else "/" + rel)
        except ValueError:
            pass
    return str(path)


def subset(x, y, n, seed=0):
    """A reproducible random subset of n examples (all of them if n is None or >= len)."""
    if n is None or n >= len(x):
        return x, y
    if n < 1:
        raise ValueError(f"n must be a positive number of examples or None; got {n!r}.")
    idx = np.sort(np.random.default_rng(seed).permutation(len(x))[:n])
    return x[idx], y[idx]


def loud_notice(message, heading="OFFLINE STAND-IN DATA, NOT THE REAL DATA SET"):
    """Print a notice that nobody can miss in a notebook's output."""
    bar = "!" * 78
    lines = [bar, "!! " + heading, "!!"]
    lines += ["!! " + line for line in message.splitlines()]
    lines += [bar]
    print("\n".join(lines))


def _finish(ds, profile, seed):
    """Subset a Dataset to the profile's sizes and append the sizes used to the source."""
    full_train, full_test = len(ds.x_train), len(ds.x_test)
    ds.x_train, ds.y_train = subset(ds.x_train, ds.y_train, profile.train_size, seed)
    ds.x_test, ds.y_test = subset(ds.x_test, ds.y_test, profile.test_size, seed + 1)
    if (len(ds.x_train), len(ds.x_test)) != (full_train, full_test):
        ds.source += f" (subset for the {profile.name} profile from {full_train:,}/{full_test:,})"
    return ds


def _unavailable(name, layout, tried):
    raise DataUnavailableError(
        f"{name} is not available here. Tried: {'; '.join(tried)}.\n" + WHAT_TO_DO.format(layout=layout)
    )


# --------------------------------------------------------------------------- MNIST

def read_idx(path):
    """Read an IDX file (the MNIST format), gzip-compressed or not, into a NumPy array.

    The header is two zero bytes, a type code (0x08 = uint8), the number of
    dimensions, then each dimension as a big-endian 32-bit integer.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} does not exist.")
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataFormatError(f"{path.name}: not a valid gzip file ({exc}); download it again.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataFormatError(
            f"{path.name}: not an IDX file of unsigned bytes (the first bytes must be 00 00 08 and "
            f"the number of dimensions; got {raw[:4].hex(' ')})."
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        raise DataFormatError(
            f"{path.name}: the header promises shape {dims} ({expected:,} bytes in all) but the file "
            f"holds {len(raw):,} bytes; it is truncated or corrupt."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _find(folder, stem):
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def read_mnist_idx(folder):
    """Read MNIST's four IDX files from `folder` and check their shapes."""
    folder = Path(folder)
    paths = {key: _find(folder, stem) for key, stem in MNIST_FILES.items()}
    missing = [MNIST_FILES[k] + ".gz" for k, p in paths.items() if p is None]
    if missing:
        raise FileNotFoundError(f"{str(folder)!r} lacks the MNIST file(s) {', '.join(missing)}.")
    arrays = {key: read_idx(p) for key, p in paths.items()}
    _check_mnist_shapes(arrays, folder)
    return arrays


def _check_mnist_shapes(arrays, where):
    for split in ("train", "test"):
        x, y = arrays["x_" + split], arrays["y_" + split]
        if x.ndim != 3 or x.shape[1:] != (28, 28) or y.ndim != 1 or len(x) != len(y):
            raise DataFormatError(
                f"MNIST {split} split in {str(where)!r}: images must have shape (n, 28, 28) and labels "
                f"(n,) with the same n; got {x.shape} and {y.shape}."
            )
        if y.size and y.max() > 9:
            raise DataFormatError(f"MNIST {split} labels must be 0..9; found {int(y.max())}.")


def read_mnist_npz(path, check_hash=True):
    """Read Keras' mnist.npz (hash-checked) without pickle."""
    if check_hash:
        verify_file(path, MNIST_NPZ_SHA256)
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in MNIST_FILES}
    _check_mnist_shapes(arrays, path)
    return arrays


def _keras_file(fname, origin, file_hash=None, extract=False):
    """keras.utils.get_file: uses the cache if the file is there, else downloads and checks it."""
    import keras

    return keras.utils.get_file(fname, origin=origin, file_hash=file_hash, extract=extract)


def digits_28x28():
    """scikit-learn's 1,797 real handwritten digits (8x8, 0..16) resampled to MNIST's form.

    Each digit is enlarged to 20x20 (bilinear), placed in the centre of a 28x28
    frame as in MNIST, and scaled to 0..255 uint8.
    """
    from scipy.ndimage import zoom
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = digits.images.astype(np.float64) / 16.0
    big = np.clip(zoom(small, (1, 2.5, 2.5), order=1), 0, 1)
    x = np.zeros((len(small), 28, 28), np.uint8)
    x[:, 4:24, 4:24] = np.round(big * 255).astype(np.uint8)
    return x, digits.target.astype(np.uint8)


def mnist_fallback(seed=0):
    """Offline stand-in for MNIST: scikit-learn's digits, 28x28, split 1,297 / 500."""
    x, y = digits_28x28()
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    return Dataset(x[:-500], y[:-500], x[-500:], y[-500:], tuple(str(i) for i in range(10)),
                   "OFFLINE STAND-IN: scikit-learn digits (8x8) resampled to 28x28, not MNIST",
                   offline_fallback=True)


def load_mnist(profile=None, data_dir_=None, seed=0, download=True):
    """MNIST as uint8 images (n, 28, 28) and integer labels, subset to the profile.

    Looks in $CNN_BOOK_DATA (or `data_dir_`) for ``mnist/`` IDX files or
    ``mnist.npz``, then in Keras' cache / online via ``keras.utils.get_file``
    (sha256-checked), and in the quick profile falls back to scikit-learn's
    digits with a loud notice.
    """
    profile = get_profile(profile)
    tried = []
    root = data_dir(data_dir_)
    if root is not None:
        for folder in (root / "mnist", root):
            if any(_find(folder, s) for s in MNIST_FILES.values()):  # a missing one is reported by name
                arrays = read_mnist_idx(folder)
                return _finish(Dataset(**arrays, class_names=tuple(str(i) for i in range(10)),
                                       source=f"MNIST, IDX files in {_display(folder, root)}"), profile, seed)
            if (folder / "mnist.npz").is_file():
                arrays = read_mnist_npz(folder / "mnist.npz")
                return _finish(Dataset(**arrays, class_names=tuple(str(i) for i in range(10)),
                                       source=f"MNIST, Keras mnist.npz in {_display(folder, root)}"), profile, seed)
        tried.append(f"{DATA_ENV_VAR}={root} (no mnist/ IDX files or mnist.npz)")
    if download:
        try:
            path = _keras_file("mnist.npz", MNIST_NPZ_URL, MNIST_NPZ_SHA256)
            arrays = read_mnist_npz(path)
            return _finish(Dataset(**arrays, class_names=tuple(str(i) for i in range(10)),
                                   source="MNIST, Keras mnist.npz (sha256 checked)"), profile, seed)
        except DataFormatError:
            raise
        except Exception as exc:  # no network, DNS failure, HTTP error
            tried.append(f"Keras cache / download of mnist.npz ({type(exc).__name__}: {str(exc)[:120]})")
    if profile.allow_offline_fallback:
        ds = mnist_fallback(seed)
        loud_notice(
            "MNIST could not be loaded, so this run uses scikit-learn's 1,797 handwritten digits\n"
            "(8x8 pixels) enlarged to 28x28. Accuracies are NOT MNIST results.\n"
            f"Set {DATA_ENV_VAR} to a folder with mnist/ IDX files, or go online, for real MNIST."
        )
        return _finish(ds, profile, seed)
    _unavailable("MNIST", "mnist/train-images-idx3-ubyte.gz and the three other IDX files, "
                 "or mnist/mnist.npz", tried)


# --------------------------------------------------------------------------- image trees

def _decode(data, image_size):
    from PIL import Image

    with Image.open(io.BytesIO(data) if isinstance(data, bytes) else data) as im:
        im = im.convert("RGB")
        if image_size is not None and im.size != (image_size, image_size):
            im = im.resize((image_size, image_size), Image.BILINEAR)
        return np.asarray(im, dtype=np.uint8)


def _pick(files_by_class, max_per_class, seed):
    if max_per_class is None:
        return files_by_class
    rng = np.random.default_rng(seed)
    out = {}
    for c, files in files_by_class.items():
        files = sorted(files, key=lambda f: getattr(f, "name", str(f)))
        if len(files) > max_per_class:
            files = [files[i] for i in sorted(rng.permutation(len(files))[:max_per_class])]
        out[c] = files
    return out


def read_image_tree(source, split, class_names=None, image_size=None, max_per_class=None, seed=0):
    """Read ``<split>/<class>/*.jpg`` from a folder or a .tar.gz archive.

    `source` is a folder that contains `split/` (or a folder one level up
    whose single subfolder does), or a ``.tar.gz`` whose members are
    ``[prefix/]split/class/file``. Returns uint8 images (n, h, w, 3), integer
    labels and the class names (sorted folder names unless given).
    Every image must have the same size unless `image_size` resizes them.
    """
    source = Path(source)
    if not source.exists():
        raise FileNotFoundError(f"source {str(source)!r} does not exist.")
    if source.is_dir():
        base = source / split
        if not base.is_dir():
            subs = [d / split for d in source.iterdir() if (d / split).is_dir()]
            if len(subs) != 1:
                raise DataFormatError(f"{str(source)!r} has no folder {split!r}/<class>/ of images.")
            base = subs[0]
        found = {d.name: [f for f in d.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES]
                 for d in sorted(base.iterdir()) if d.is_dir()}
        reader = lambda f: f  # noqa: E731
        archive = None
    else:
        try:
            archive = tarfile.open(source, "r:*")
            members = archive.getmembers()
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise DataFormatError(f"{source.name}: not a readable tar archive ({exc}); download it again.") from None
        found = {}
        for m in members:
            parts = Path(m.name).parts
            if m.isfile() and len(parts) >= 3 and parts[-3] == split and Path(m.name).suffix.lower() in IMAGE_SUFFIXES:
                found.setdefault(parts[-2], []).append(m)
        reader = lambda m: archive.extractfile(m).read()  # noqa: E731
    try:
        if not found:
            raise DataFormatError(f"{source.name}: no images under {split!r}/<class>/.")
        names = tuple(sorted(found)) if class_names is None else tuple(class_names)
        unknown = sorted(set(found) - set(names))
        if unknown or not set(names) <= set(found):
            raise DataFormatError(
                f"{source.name}: class folders under {split!r} are {sorted(found)}; expected {list(names)}."
            )
        keyed = {c: sorted(found[c], key=lambda f: getattr(f, "name", str(f))) for c in names}
        keyed = _pick(keyed, max_per_class, seed)
        todo = [(label, f) for label, c in enumerate(names) for f in keyed[c]]
        if archive is not None:  # read a compressed stream front to back, never seeking backwards
            todo.sort(key=lambda item: item[1].offset)
        images, labels = [], []
        for label, f in todo:
            try:
                images.append(_decode(reader(f), image_size))
            except (OSError, tarfile.TarError, EOFError, ValueError) as exc:
                raise DataFormatError(f"{source.name}: cannot decode {getattr(f, 'name', f)} ({exc}).") from None
            labels.append(label)
    finally:
        if archive is not None:
            archive.close()
    shapes = {im.shape for im in images}
    if len(shapes) != 1:
        raise DataFormatError(
            f"{source.name}: images have different sizes {sorted(shapes)[:3]}...; pass image_size= to resize them."
        )
    return np.stack(images), np.asarray(labels, np.uint8), names


# --------------------------------------------------------------------------- CIFAR-10

def read_cifar10_python(archive_path, check_hash=True):
    """Read Keras' cifar-10-python.tar.gz. Its sha256 is checked BEFORE anything is unpickled."""
    if check_hash:
        verify_file(archive_path, CIFAR10_SHA256)
    xs, ys = {"train": [], "test": []}, {"train": [], "test": []}
    try:
        with tarfile.open(archive_path, "r:gz") as tar:
            for m in sorted(tar.getmembers(), key=lambda m: m.name):
                base = Path(m.name).name
                split = "train" if base.startswith("data_batch_") else "test" if base == "test_batch" else None
                if split is None:
                    continue
                d = pickle.load(tar.extractfile(m), encoding="bytes")
                xs[split].append(np.asarray(d[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
                ys[split].append(np.asarray(d[b"labels"], np.uint8))
    except (tarfile.TarError, OSError, EOFError, pickle.UnpicklingError, KeyError) as exc:
        raise DataFormatError(f"{Path(archive_path).name}: corrupt CIFAR-10 archive ({exc}).") from None
    if not xs["train"] or not xs["test"]:
        raise DataFormatError(f"{Path(archive_path).name}: no data_batch_* / test_batch members.")
    return (np.concatenate(xs["train"]), np.concatenate(ys["train"]),
            np.concatenate(xs["test"]), np.concatenate(ys["test"]))


def generated_images(n_per_class, n_classes, size, seed=0):
    """Small generated colour images: class k is a blob of hue k/n at a random place, on noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    x, y = [], []
    for k in range(n_classes):
        hue = k / n_classes
        colour = 0.5 + 0.5 * np.cos(2 * np.pi * (hue + np.array([0, 1 / 3, 2 / 3])))
        for _ in range(n_per_class):
            cy, cx = rng.uniform(0.3, 0.7, 2)
            r = rng.uniform(0.12, 0.25)
            blob = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))[..., None]
            img = 0.35 * rng.random((size, size, 3)) + 0.65 * blob * colour
            x.append(np.round(np.clip(img, 0, 1) * 255).astype(np.uint8))
            y.append(k)
    order = rng.permutation(len(x))
    return np.stack(x)[order], np.asarray(y, np.uint8)[order]


def load_cifar10(profile=None, data_dir_=None, seed=0, download=True):
    """CIFAR-10 as uint8 (n, 32, 32, 3) images and labels 0..9, subset to the profile.

    Local forms: ``cifar10-jpg/cifar10_jpg_{train,test}.tar.gz`` or a
    ``cifar10/{train,test}/<class>/*.jpg`` tree (JPEG copies are lossy: the
    source string says so), or ``cifar-10-python.tar.gz`` (sha256-checked).
    """
    profile = get_profile(profile)
    per_class = None if profile.train_size is None else -(-profile.train_size // 10)
    per_class_test = None if profile.test_size is None else -(-profile.test_size // 10)
    tried = []
    root = data_dir(data_dir_)
    if root is not None:
        for folder in (root / "cifar10-jpg", root / "cifar10", root):
            tr, te = folder / "cifar10_jpg_train.tar.gz", folder / "cifar10_jpg_test.tar.gz"
            sources = (tr, te) if tr.is_file() and te.is_file() else (
                (folder, folder) if (folder / "train").is_dir() and (folder / "test").is_dir() else None)
            if sources:
                x_tr, y_tr, _ = read_image_tree(sources[0], "train", CIFAR10_CLASSES, None, per_class, seed)
                x_te, y_te, _ = read_image_tree(sources[1], "test", CIFAR10_CLASSES, None, per_class_test, seed + 1)
                ds = Dataset(x_tr, y_tr, x_te, y_te, CIFAR10_CLASSES,
                             f"CIFAR-10 as JPEG files in {_display(folder, root)}{'' if per_class is None else f', at most {per_class}/{per_class_test} per class for the {profile.name} profile'} (lossy JPEG re-encoding: pixels differ "
                             "slightly from the original CIFAR-10, so accuracies are close to but not "
                             "exactly comparable with keras.datasets.cifar10)")
                return _finish(ds, profile, seed)
            if (folder / "cifar-10-python.tar.gz").is_file():
                ds = Dataset(*read_cifar10_python(folder / "cifar-10-python.tar.gz"), CIFAR10_CLASSES,
                             f"CIFAR-10, python batches in {_display(folder, root)} (sha256 checked)")
                return _finish(ds, profile, seed)
        tried.append(f"{DATA_ENV_VAR}={root} (no cifar10-jpg/ archives, cifar10/ tree or cifar-10-python.tar.gz)")
    if download:
        try:
            path = _keras_file("cifar-10-python.tar.gz", CIFAR10_URL, CIFAR10_SHA256)
            ds = Dataset(*read_cifar10_python(path), CIFAR10_CLASSES, "CIFAR-10, Keras download (sha256 checked)")
            return _finish(ds, profile, seed)
        except DataFormatError:
            raise
        except Exception as exc:
            tried.append(f"Keras cache / download of cifar-10-python.tar.gz ({type(exc).__name__})")
    if profile.allow_offline_fallback:
        x, y = generated_images(60, 10, 32, seed)
        ds = Dataset(x[:400], y[:400], x[400:], y[400:], CIFAR10_CLASSES,
                     "OFFLINE STAND-IN: generated 32x32 colour blobs (class = hue), not CIFAR-10",
                     offline_fallback=True)
        loud_notice("CIFAR-10 could not be loaded, so this run uses 600 generated 32x32 images\n"
                    "whose class is the colour of a blob. Accuracies are NOT CIFAR-10 results.")
        return _finish(ds, profile, seed)
    _unavailable("CIFAR-10", "cifar10-jpg/cifar10_jpg_train.tar.gz and cifar10_jpg_test.tar.gz, "
                 "a cifar10/train|test/<class>/*.jpg tree, or cifar-10-python.tar.gz", tried)


# --------------------------------------------------------------------------- cats vs dogs

def load_cats_vs_dogs(profile=None, data_dir_=None, image_size=None, seed=0, download=True):
    """Cats vs dogs (2,000 training / 1,000 validation photos), resized to a square.

    Local forms: ``cats-vs-dogs/`` or ``cats_and_dogs_filtered/`` with
    ``train/{cats,dogs}`` and ``validation/{cats,dogs}`` (folders or a
    ``.tar.gz``). Online: the TensorFlow tutorial's zip through
    ``keras.utils.get_file`` (no published hash is known, so it is not checked).
    The validation split is returned as ``x_test``/``y_test``.
    """
    profile = get_profile(profile)
    size = profile.image_size if image_size is None else image_size
    per_class = None if profile.train_size is None else -(-profile.train_size // 2)
    per_class_val = None if profile.test_size is None else -(-profile.test_size // 2)
    tried = []
    root = data_dir(data_dir_)

    def from_tree(c):
        x_tr, y_tr, _ = read_image_tree(c, "train", CATS_DOGS_CLASSES, size, per_class, seed)
        x_va, y_va, _ = read_image_tree(c, "validation", CATS_DOGS_CLASSES, size, per_class_val, seed + 1)
        note = "" if per_class is None else f", at most {per_class}/{per_class_val} per class for the {profile.name} profile"
        ds = Dataset(x_tr, y_tr, x_va, y_va, CATS_DOGS_CLASSES,
                     f"cats vs dogs photos in {_display(c, root)}, resized to {size}x{size}{note}", test_name="validation")
        return _finish(ds, profile, seed)

    def is_tree(c):
        return c.is_dir() and ((c / "validation").is_dir() or any(
            (d / "validation").is_dir() for d in c.iterdir() if d.is_dir()))

    if root is not None:
        for name in ("cats-vs-dogs", "cats_and_dogs_filtered"):
            if is_tree(root / name):
                return from_tree(root / name)
            if (root / (name + ".tar.gz")).is_file():
                return from_tree(root / (name + ".tar.gz"))
        tried.append(f"{DATA_ENV_VAR}={root} (no cats-vs-dogs/ or cats_and_dogs_filtered/)")
    if download:
        try:
            path = Path(_keras_file("cats_and_dogs_filtered.zip", CATS_DOGS_URL, None, extract=True))
            for c in [path] + sorted(path.parent.glob("cats_and_dogs_filtered*")):
                if is_tree(c):
                    return from_tree(c)
            tried.append(f"the download at {path} (no train/ and validation/ folders inside)")
        except DataFormatError:
            raise
        except Exception as exc:
            tried.append(f"Keras cache / download of cats_and_dogs_filtered.zip ({type(exc).__name__})")
    if profile.allow_offline_fallback:
        x, y = generated_images(80, 2, size, seed)
        ds = Dataset(x[:100], y[:100], x[100:], y[100:], CATS_DOGS_CLASSES,
                     f"OFFLINE STAND-IN: generated {size}x{size} images of two colours, not photos",
                     offline_fallback=True, test_name="validation")
        loud_notice("The cats-vs-dogs photos could not be loaded, so this run uses 160 generated\n"
                    "two-colour images. Accuracies say nothing about cats and dogs.")
        return _finish(ds, profile, seed)
    _unavailable("The cats-vs-dogs photos", "cats-vs-dogs/train/{cats,dogs}/*.jpg and "
                 "cats-vs-dogs/validation/{cats,dogs}/*.jpg", tried)


@dataclasses.dataclass(frozen=True)
class ImageFolder:
    """A folder with ``train/<class>/`` and ``validation/<class>/`` image files, for
    ``keras.utils.image_dataset_from_directory``; `source` says what it holds, for run cards."""

    path: Path
    source: str
    offline_fallback: bool = False


def _write_stand_in_folder(folder, size, seed):
    """Generated two-colour images as PNG files in folder/{train,validation}/{cats,dogs}/ (100 + 60)."""
    from PIL import Image

    x, y = generated_images(80, 2, size, seed)
    for split, part in (("train", slice(0, 100)), ("validation", slice(100, None))):
        for i, (img, label) in enumerate(zip(x[part], y[part])):
            target = folder / split / CATS_DOGS_CLASSES[label]
            target.mkdir(parents=True, exist_ok=True)
            Image.fromarray(img).save(target / f"{i:03d}.png")


def cats_vs_dogs_folder(profile=None, data_dir_=None, seed=0, download=True):
    """Where the cats-vs-dogs photos are on disk: an :class:`ImageFolder`.

    Looks in ``$CNN_BOOK_DATA`` (``cats-vs-dogs/`` or ``cats_and_dogs_filtered/``),
    then in Keras' cache, then downloads the TensorFlow tutorial's zip. Offline,
    the ``quick`` profile writes 160 generated two-colour images into a
    temporary folder of the same layout, with a loud notice; other profiles
    raise :class:`DataUnavailableError`.
    """
    import tempfile

    profile = get_profile(profile)
    root = data_dir(data_dir_)
    tried = []

    def has_splits(c):
        return (c / "train").is_dir() and (c / "validation").is_dir()

    if root is not None:
        for name in ("cats-vs-dogs", "cats_and_dogs_filtered"):
            if has_splits(root / name):
                return ImageFolder(root / name, f"cats vs dogs photos in {_display(root / name, root)}")
        tried.append(f"{DATA_ENV_VAR}={root} (no cats-vs-dogs/ or cats_and_dogs_filtered/ with train/ and validation/)")
    if download:
        try:
            path = Path(_keras_file("cats_and_dogs_filtered.zip", CATS_DOGS_URL, None, extract=True))
            for c in [path] + sorted(path.rglob("cats_and_dogs_filtered")):
                if has_splits(c):
                    return ImageFolder(c, "cats vs dogs photos (the TensorFlow tutorial's cats_and_dogs_filtered)")
            tried.append(f"the download at {path} (no train/ and validation/ folders inside)")
        except Exception as exc:
            tried.append(f"Keras cache / download of cats_and_dogs_filtered.zip ({type(exc).__name__})")
    if profile.allow_offline_fallback:
        folder = Path(tempfile.mkdtemp(prefix="cats-vs-dogs-stand-in-"))
        _write_stand_in_folder(folder, profile.image_size, seed)
        loud_notice("The cats-vs-dogs photos could not be loaded, so this run uses 160 generated\n"
                    "two-colour images. Accuracies say nothing about cats and dogs.")
        return ImageFolder(folder, "OFFLINE STAND-IN: generated two-colour images, not photos", offline_fallback=True)
    _unavailable("The cats-vs-dogs photos", "cats-vs-dogs/train/{cats,dogs}/*.jpg and "
                 "cats-vs-dogs/validation/{cats,dogs}/*.jpg", tried)


# --------------------------------------------------------------------------- sample photos

def sample_photos():
    """A few photographs that are always available offline (scikit-image's test images).

    Returns a dict name -> uint8 RGB array: 'cat' (Chelsea), 'astronaut',
    'coffee', 'rocket'.
    """
    from skimage import data

    return {"cat": data.chelsea(), "astronaut": data.astronaut(),
            "coffee": data.coffee(), "rocket": data.rocket()}
