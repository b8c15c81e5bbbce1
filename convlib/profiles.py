"""Run profiles: how heavy a chapter's training is.

One environment variable, ``CNN_BOOK_PROFILE``, picks the profile:

``quick``
    For tests and CI: small subsets, one or two epochs. A whole chapter runs
    in well under two minutes on two CPU cores, offline if need be.
``cpu``
    A laptop or Binder (no GPU, about 2 GB of RAM): enough data and epochs
    to reach the chapter's results in minutes rather than hours.
``full``
    The complete data sets and the epochs the chapter's text is about.

When the variable is unset, the profile is ``full`` if a GPU is visible and
``cpu`` otherwise. GPU detection does not import TensorFlow: it looks for the
NVIDIA driver (``nvidia-smi`` / ``/proc/driver/nvidia``) or, if TensorFlow is
already imported, asks it. ``import convlib`` therefore stays NumPy-only.
"""
import dataclasses
import os
import shutil
import sys

ENV_VAR = "CNN_BOOK_PROFILE"
PROFILE_NAMES = ("quick", "cpu", "full")


@dataclasses.dataclass(frozen=True)
class Profile:
    """Settings that the Keras chapters read instead of hard-coding sizes.

    ``None`` for a subset size means "the whole split". ``epochs`` is a dict
    from a model role ("baseline", "cnn", "augmented", "transfer", ...) to a
    number of epochs, so that one profile can train a cheap dense baseline
    longer than an expensive CNN.
    """

    name: str
    description: str
    train_size: int | None
    test_size: int | None
    epochs: dict
    batch_size: int
    image_size: int
    allow_offline_fallback: bool

    def epochs_for(self, role):
        """Epochs for a model role; unknown roles raise a helpful error."""
        if role not in self.epochs:
            raise ValueError(
                f"role must be one of {sorted(self.epochs)} for profile {self.name!r}; got {role!r}."
            )
        return self.epochs[role]

    def banner(self):
        """A short text that the first cell of a chapter prints."""
        sizes = ", ".join(f"{k} {v}" for k, v in self.epochs.items())
        train = "all" if self.train_size is None else f"{self.train_size:,}"
        test = "all" if self.test_size is None else f"{self.test_size:,}"
        return (
            f"Run profile: {self.name} ({self.description})\n"
            f"  training examples: {train}, test examples: {test}, batch size {self.batch_size}\n"
            f"  epochs: {sizes}\n"
            f"  change it with the environment variable {ENV_VAR}=quick|cpu|full before starting Python"
        )


PROFILES = {
    "quick": Profile(
        name="quick",
        description="tests and CI: tiny subsets, 1-2 epochs, offline fallback data allowed",
        train_size=1200,
        test_size=500,
        epochs={"baseline": 2, "cnn": 2, "augmented": 1, "transfer": 1, "finetune": 1,
                "cifar_baseline": 2, "cifar_compare": 1, "cifar_final": 2, "cifar_resume": 1,
                "cifar8_pretrain": 1},
        batch_size=128,
        image_size=96,
        allow_offline_fallback=True,
    ),
    "cpu": Profile(
        name="cpu",
        description="a laptop or Binder without a GPU",
        train_size=None,
        test_size=None,
        epochs={"baseline": 5, "cnn": 8, "augmented": 4, "transfer": 5, "finetune": 5,
                "cifar_baseline": 10, "cifar_compare": 4, "cifar_final": 18, "cifar_resume": 2,
                "cifar8_pretrain": 8},
        batch_size=128,
        image_size=224,
        allow_offline_fallback=False,
    ),
    "full": Profile(
        name="full",
        description="all data and the epochs the text is about (a GPU is recommended)",
        train_size=None,
        test_size=None,
        epochs={"baseline": 20, "cnn": 15, "augmented": 48, "transfer": 10, "finetune": 10,
                "cifar_baseline": 30, "cifar_compare": 30, "cifar_final": 80, "cifar_resume": 10,
                "cifar8_pretrain": 30},
        batch_size=128,
        image_size=224,
        allow_offline_fallback=False,
    ),
}


def gpu_visible():
    """True if a GPU seems usable, without importing TensorFlow.

    If TensorFlow is already imported we ask it; otherwise we look for the
    NVIDIA driver. ``CUDA_VISIBLE_DEVICES`` set to "" or "-1" hides GPUs.
    """
    if os.environ.get("CUDA_VISIBLE_DEVICES", None) in ("", "-1"):
        return False
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        try:
            return bool(tf.config.list_physical_devices("GPU"))
        except Exception:
            return False
    return os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi") is not None


def profile_name(environ=None, gpu=None):
    """Name of the active profile: the environment variable, else full/cpu by GPU."""
    environ = os.environ if environ is None else environ
    value = environ.get(ENV_VAR, "").strip().lower()
    if value:
        if value not in PROFILE_NAMES:
            raise ValueError(
                f"{ENV_VAR} must be one of 'quick', 'cpu', 'full'; got {environ.get(ENV_VAR)!r}. "
                f"Unset it to choose automatically (full with a GPU, cpu without)."
            )
        return value
    has_gpu = gpu_visible() if gpu is None else gpu
    return "full" if has_gpu else "cpu"


def get_profile(name=None, environ=None, gpu=None):
    """The active :class:`Profile` (or the one called `name`; a Profile is returned as it is)."""
    if isinstance(name, Profile):
        return name
    if name is None:
        name = profile_name(environ, gpu)
    elif not isinstance(name, str) or name.lower() not in PROFILE_NAMES:
        raise ValueError(f"profile must be a Profile or one of 'quick', 'cpu', 'full'; got {name!r}.")
    return PROFILES[name.lower()]
