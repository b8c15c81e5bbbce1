"""Data loaders, tested offline on small files written here in the standard formats.

IDX files are written byte by byte from the format's published description
(two zero bytes, type 0x08, number of dimensions, big-endian 32-bit sizes, data);
CIFAR-10 archives as the python batches are laid out (dicts with b'data' rows of
3072 bytes, channels first, and b'labels'); image trees as train/<class>/*.jpg.
"""
import gzip
import hashlib
import io
import pickle
import struct
import tarfile

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from convlib import data
from convlib.profiles import PROFILES

QUICK, CPU = PROFILES["quick"], PROFILES["cpu"]


def idx_bytes(array):
    array = np.asarray(array, np.uint8)
    return bytes([0, 0, 8, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape) + array.tobytes()


def write_mnist(folder, n_train=6, n_test=4, image_shape=(28, 28), compress=True):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, *image_shape)),
        "train-labels-idx1-ubyte": np.arange(n_train) % 10,
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, *image_shape)),
        "t10k-labels-idx1-ubyte": (np.arange(n_test) + 3) % 10,
    }
    for name, arr in arrays.items():
        raw = idx_bytes(arr)
        if compress:
            (folder / (name + ".gz")).write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return arrays


@pytest.fixture
def offline(monkeypatch):
    """No network: any attempt to reach Keras' download fails like a DNS error."""
    def fail(*args, **kwargs):
        raise OSError("Name or service not known (test: offline)")
    monkeypatch.setattr(data, "_keras_file", fail)
    monkeypatch.delenv("CNN_BOOK_DATA", raising=False)


# ------------------------------------------------------------------ IDX

@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_round_trip(tmp_path, compress):
    arrays = write_mnist(tmp_path, compress=compress)
    suffix = ".gz" if compress else ""
    x = data.read_idx(tmp_path / ("train-images-idx3-ubyte" + suffix))
    np.testing.assert_array_equal(x, arrays["train-images-idx3-ubyte"])
    assert x.dtype == np.uint8 and x.shape == (6, 28, 28)
    y = data.read_idx(tmp_path / ("t10k-labels-idx1-ubyte" + suffix))
    np.testing.assert_array_equal(y, [3, 4, 5, 6])


def test_read_idx_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.read_idx(tmp_path / "nope.gz")
    (tmp_path / "bad-magic").write_bytes(b"\x00\x00\x0d\x01" + b"\x00" * 8)
    with pytest.raises(data.DataFormatError, match="not an IDX file of unsigned bytes.*00 00 0d 01"):
        data.read_idx(tmp_path / "bad-magic")
    (tmp_path / "short").write_bytes(idx_bytes(np.zeros((3, 4, 4)))[:-5])
    with pytest.raises(data.DataFormatError, match=r"promises shape \(3, 4, 4\).*truncated or corrupt"):
        data.read_idx(tmp_path / "short")
    good = gzip.compress(idx_bytes(np.zeros((3, 4, 4))))
    (tmp_path / "cut.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(data.DataFormatError, match="not a valid gzip file"):
        data.read_idx(tmp_path / "cut.gz")
    (tmp_path / "plain.gz").write_bytes(b"this is not gzip at all")
    with pytest.raises(data.DataFormatError, match="not a valid gzip file"):
        data.read_idx(tmp_path / "plain.gz")


def test_read_mnist_idx_checks_files_and_shapes(tmp_path):
    write_mnist(tmp_path / "ok")
    arrays = data.read_mnist_idx(tmp_path / "ok")
    assert arrays["x_train"].shape == (6, 28, 28) and arrays["y_test"].shape == (4,)
    write_mnist(tmp_path / "missing")
    (tmp_path / "missing" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="lacks the MNIST file.*t10k-labels-idx1-ubyte.gz"):
        data.read_mnist_idx(tmp_path / "missing")
    write_mnist(tmp_path / "wrong", image_shape=(27, 27))
    with pytest.raises(data.DataFormatError, match=r"must have shape \(n, 28, 28\).*\(6, 27, 27\)"):
        data.read_mnist_idx(tmp_path / "wrong")


def test_load_mnist_from_local_folder(tmp_path, offline):
    arrays = write_mnist(tmp_path / "mnist")
    ds = data.load_mnist(CPU, data_dir_=tmp_path)
    np.testing.assert_array_equal(ds.x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(ds.y_test, arrays["t10k-labels-idx1-ubyte"])
    assert not ds.offline_fallback and str(tmp_path / "mnist") in ds.source
    (x_train, y_train), (x_test, y_test) = ds
    assert x_train.shape == (6, 28, 28) and y_test.shape == (4,)


def test_load_mnist_reads_the_environment_variable_and_subsets(tmp_path, offline, monkeypatch):
    write_mnist(tmp_path / "mnist", n_train=1500, n_test=700)
    monkeypatch.setenv("CNN_BOOK_DATA", str(tmp_path))
    ds = data.load_mnist(QUICK)
    assert (len(ds.x_train), len(ds.x_test)) == (QUICK.train_size, QUICK.test_size)
    assert "subset for the quick profile from 1,500/700" in ds.source
    assert ds.source.startswith("MNIST, IDX files in $CNN_BOOK_DATA/mnist")  # no local path in run cards
    again = data.load_mnist(QUICK)
    np.testing.assert_array_equal(ds.y_train, again.y_train)  # reproducible subset


def test_load_mnist_names_a_missing_idx_file(tmp_path, offline):
    write_mnist(tmp_path / "mnist")
    (tmp_path / "mnist" / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="lacks the MNIST file.*train-labels-idx1-ubyte.gz"):
        data.load_mnist(QUICK, data_dir_=tmp_path)


def test_data_dir_that_is_not_a_folder(tmp_path):
    with pytest.raises(data.DataUnavailableError, match="is not a folder"):
        data.load_mnist(QUICK, data_dir_=tmp_path / "absent")


# ------------------------------------------------------------------ hashes, Keras cache files

def test_verify_file_good_and_bad_hash(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"convolution")
    sha, md5 = hashlib.sha256(b"convolution").hexdigest(), hashlib.md5(b"convolution").hexdigest()
    assert data.verify_file(path, sha) == path
    assert data.verify_file(path, md5) == path
    with pytest.raises(data.DataFormatError, match=f"sha256 is {sha}, expected 0{{64}}.*delete"):
        data.verify_file(path, "0" * 64)
    with pytest.raises(data.DataFormatError, match="md5 is"):
        data.verify_file(path, "f" * 32)
    with pytest.raises(ValueError, match="expected must be a 64-character sha256 or 32-character md5"):
        data.verify_file(path, "abc")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.verify_file(tmp_path / "none", sha)


def test_keras_mnist_npz_is_hash_checked(tmp_path, offline):
    arrays = write_mnist(tmp_path / "unused")
    folder = tmp_path / "cache"
    folder.mkdir()
    np.savez(folder / "mnist.npz", x_train=arrays["train-images-idx3-ubyte"], y_train=arrays["train-labels-idx1-ubyte"],
             x_test=arrays["t10k-images-idx3-ubyte"], y_test=arrays["t10k-labels-idx1-ubyte"])
    # A home-made mnist.npz is not Keras' file: its sha256 differs from the published one.
    with pytest.raises(data.DataFormatError, match="mnist.npz: sha256 is .* expected 731c5ac6"):
        data.load_mnist(QUICK, data_dir_=folder)
    got = data.read_mnist_npz(folder / "mnist.npz", check_hash=False)
    np.testing.assert_array_equal(got["x_test"], arrays["t10k-images-idx3-ubyte"])


def test_keras_get_file_verifies_a_hash(tmp_path):
    """The download path: keras.utils.get_file with a file hash, from a file:// origin (no network)."""
    import keras

    src = tmp_path / "src.bin"
    src.write_bytes(b"pixels")
    good = hashlib.sha256(b"pixels").hexdigest()
    path = keras.utils.get_file("a.bin", origin=src.as_uri(), file_hash=good, cache_dir=str(tmp_path / "c1"))
    assert open(path, "rb").read() == b"pixels"
    with pytest.raises(Exception, match="(?i)hash|corrupt|incomplete"):
        keras.utils.get_file("b.bin", origin=src.as_uri(), file_hash="1" * 64, cache_dir=str(tmp_path / "c2"))


class Boom:
    def __reduce__(self):
        return (eval, ("1/0",))  # would raise ZeroDivisionError if ever unpickled


def cifar_archive(path, batches):
    with tarfile.open(path, "w:gz") as tar:
        for name, obj in batches.items():
            blob = pickle.dumps(obj)
            info = tarfile.TarInfo("cifar-10-batches-py/" + name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def test_cifar_python_archive(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    rows = x.transpose(0, 3, 1, 2).reshape(5, 3072)  # the published layout: R plane, G plane, B plane
    batch = {b"data": rows, b"labels": [0, 1, 2, 3, 9]}
    cifar_archive(tmp_path / "c.tar.gz", {"data_batch_1": batch, "test_batch": batch, "batches.meta": {}})
    x_tr, y_tr, x_te, y_te = data.read_cifar10_python(tmp_path / "c.tar.gz", check_hash=False)
    np.testing.assert_array_equal(x_tr, x)
    np.testing.assert_array_equal(y_te, [0, 1, 2, 3, 9])
    # With the hash check on, a file that is not the published archive is refused before unpickling.
    cifar_archive(tmp_path / "evil.tar.gz", {"data_batch_1": Boom(), "test_batch": batch})
    with pytest.raises(data.DataFormatError, match="sha256 is .* expected 6d958be0"):
        data.read_cifar10_python(tmp_path / "evil.tar.gz")
    (tmp_path / "broken.tar.gz").write_bytes((tmp_path / "c.tar.gz").read_bytes()[:100])
    with pytest.raises(data.DataFormatError, match="corrupt CIFAR-10 archive"):
        data.read_cifar10_python(tmp_path / "broken.tar.gz", check_hash=False)


# ------------------------------------------------------------------ image trees

def write_tree(root, split, classes, n, size=(8, 8), fmt="PNG"):
    for k, c in enumerate(classes):
        (root / split / c).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            colour = (40 * k, 255 - 40 * k, 10 * i)
            Image.new("RGB", size, colour).save(root / split / c / f"{c}.{i}.{'jpg' if fmt == 'JPEG' else 'png'}", fmt)


def test_read_image_tree_from_folder_and_tar(tmp_path):
    write_tree(tmp_path / "set", "train", ["dogs", "cats"], 3)
    x, y, names = data.read_image_tree(tmp_path / "set", "train")
    assert names == ("cats", "dogs")  # sorted folder names
    assert x.shape == (6, 8, 8, 3) and x.dtype == np.uint8
    np.testing.assert_array_equal(y, [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(x[3, 0, 0], [0, 255, 0])  # dogs.0 (written first, colour k=0), lossless PNG
    with tarfile.open(tmp_path / "set.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "set", arcname="prefix")
    xt, yt, _ = data.read_image_tree(tmp_path / "set.tar.gz", "train", class_names=("cats", "dogs"))
    np.testing.assert_array_equal(np.sort(yt), y)
    assert sorted(map(bytes, xt.reshape(6, -1))) == sorted(map(bytes, x.reshape(6, -1)))
    xs, _, _ = data.read_image_tree(tmp_path / "set", "train", image_size=4, max_per_class=2)
    assert xs.shape == (4, 4, 4, 3)


def test_read_image_tree_errors(tmp_path):
    write_tree(tmp_path / "a", "train", ["x", "y"], 2)
    with pytest.raises(data.DataFormatError, match=r"class folders under 'train' are \['x', 'y'\]; expected \['cats', 'dogs'\]"):
        data.read_image_tree(tmp_path / "a", "train", class_names=("cats", "dogs"))
    with pytest.raises(data.DataFormatError, match="no folder 'test'"):
        data.read_image_tree(tmp_path / "a", "test")
    Image.new("RGB", (5, 7)).save(tmp_path / "a" / "train" / "x" / "odd.png")
    with pytest.raises(data.DataFormatError, match="different sizes.*pass image_size="):
        data.read_image_tree(tmp_path / "a", "train")
    (tmp_path / "a" / "train" / "y" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(data.DataFormatError, match="cannot decode .*broken.jpg"):
        data.read_image_tree(tmp_path / "a", "train", image_size=8)
    (tmp_path / "junk.tar.gz").write_bytes(b"\x1f\x8b\x08 corrupt")
    with pytest.raises(data.DataFormatError, match="not a readable tar archive"):
        data.read_image_tree(tmp_path / "junk.tar.gz", "train")


def test_load_cifar10_from_jpeg_tree_says_it_is_lossy(tmp_path, offline):
    for split in ("train", "test"):
        write_tree(tmp_path / "cifar10", split, data.CIFAR10_CLASSES, 2, size=(32, 32), fmt="JPEG")
    ds = data.load_cifar10(CPU, data_dir_=tmp_path)
    assert ds.x_train.shape == (20, 32, 32, 3) and ds.class_names[0] == "airplane"
    assert "lossy JPEG" in ds.source
    np.testing.assert_array_equal(np.bincount(ds.y_test), [2] * 10)


def test_load_cats_vs_dogs_from_tar(tmp_path, offline):
    for split in ("train", "validation"):
        write_tree(tmp_path / "src", split, ["cats", "dogs"], 3, size=(20, 12))
    with tarfile.open(tmp_path / "cats-vs-dogs.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "src", arcname="cats-vs-dogs")
    ds = data.load_cats_vs_dogs(CPU, data_dir_=tmp_path, image_size=16)
    assert ds.x_train.shape == (6, 16, 16, 3) and ds.test_name == "validation"
    assert "validation 6" in ds.describe()


# ------------------------------------------------------------------ offline fallback and errors

def test_digits_resampled_to_28x28_are_sklearn_digits():
    x, y = data.digits_28x28()
    digits = load_digits()
    assert x.shape == (1797, 28, 28) and x.dtype == np.uint8
    np.testing.assert_array_equal(y, digits.target)
    assert x[:, :4].max() == 0 and x[:, 24:].max() == 0  # a 4-pixel empty border, as in MNIST
    # Averaging the 20x20 centre back into 8x8 blocks recovers the original picture.
    centre = x[:, 4:24, 4:24].astype(float)
    idx = (np.arange(8) * 2.5 + 1.25).astype(int)
    sampled = centre[:, idx][:, :, idx] / 255
    r = np.corrcoef(sampled.ravel(), (digits.images / 16).ravel())[0, 1]
    assert r > 0.95


def test_quick_profile_falls_back_loudly(offline, capsys):
    ds = data.load_mnist(QUICK)
    out = capsys.readouterr().out
    assert "OFFLINE STAND-IN DATA, NOT THE REAL DATA SET" in out and "NOT MNIST results" in out
    assert ds.offline_fallback and "not MNIST" in ds.source
    assert ds.x_train.shape == (1200, 28, 28) and ds.x_test.shape == (500, 28, 28)
    assert set(np.unique(ds.y_train)) == set(range(10))
    for loader in (data.load_cifar10, data.load_cats_vs_dogs):
        ds = loader(QUICK)
        assert ds.offline_fallback and "OFFLINE STAND-IN" in ds.source
        assert "OFFLINE STAND-IN DATA" in capsys.readouterr().out


@pytest.mark.parametrize("loader, name", [(data.load_mnist, "MNIST"), (data.load_cifar10, "CIFAR-10"),
                                          (data.load_cats_vs_dogs, "cats-vs-dogs")])
def test_other_profiles_raise_and_say_what_to_do(offline, loader, name):
    with pytest.raises(data.DataUnavailableError, match=f"(?s){name}.*not available here.*CNN_BOOK_DATA.*CNN_BOOK_PROFILE=quick"):
        loader(CPU)


def test_subset_errors_and_reproducibility():
    x, y = np.arange(10), np.arange(10)
    a, _ = data.subset(x, y, 4, seed=3)
    b, _ = data.subset(x, y, 4, seed=3)
    np.testing.assert_array_equal(a, b)
    assert len(np.unique(a)) == 4
    assert data.subset(x, y, None)[0] is x
    with pytest.raises(ValueError, match="n must be a positive number of examples or None; got 0"):
        data.subset(x, y, 0)


def test_sample_photos_are_rgb():
    photos = data.sample_photos()
    assert set(photos) >= {"cat", "astronaut"}
    assert all(p.ndim == 3 and p.shape[2] == 3 and p.dtype == np.uint8 for p in photos.values())


def test_published_hashes_are_the_ones_keras_itself_checks():
    import inspect

    from keras.src.datasets import cifar10, mnist

    assert data.MNIST_NPZ_SHA256 in inspect.getsource(mnist)
    assert data.CIFAR10_SHA256 in inspect.getsource(cifar10)
    assert data.CIFAR10_URL in inspect.getsource(cifar10)
    assert data.MNIST_NPZ_URL.rsplit("/", 1)[0] in inspect.getsource(mnist)
