"""Run profiles: selection by environment variable and GPU, settings, and no TensorFlow at import."""
import subprocess
import sys

import pytest

from convlib import profiles


@pytest.mark.parametrize("value, expected", [("quick", "quick"), ("cpu", "cpu"), ("full", "full"),
                                             (" QUICK ", "quick"), ("Full", "full")])
def test_environment_variable_selects_the_profile(value, expected):
    for gpu in (False, True):
        assert profiles.profile_name({"CNN_BOOK_PROFILE": value}, gpu=gpu) == expected


def test_default_is_full_with_a_gpu_and_cpu_without():
    assert profiles.profile_name({}, gpu=True) == "full"
    assert profiles.profile_name({}, gpu=False) == "cpu"
    assert profiles.profile_name({"CNN_BOOK_PROFILE": ""}, gpu=False) == "cpu"


def test_unknown_profile_name_is_explained():
    with pytest.raises(ValueError, match=r"CNN_BOOK_PROFILE must be one of 'quick', 'cpu', 'full'; got 'fast'"):
        profiles.profile_name({"CNN_BOOK_PROFILE": "fast"})
    with pytest.raises(ValueError, match=r"profile must be a Profile or one of 'quick', 'cpu', 'full'; got 'gpu'"):
        profiles.get_profile("gpu")


def test_get_profile_reads_the_environment(monkeypatch):
    monkeypatch.setenv("CNN_BOOK_PROFILE", "quick")
    assert profiles.get_profile().name == "quick"
    monkeypatch.setenv("CNN_BOOK_PROFILE", "cpu")
    assert profiles.get_profile().name == "cpu"


def test_hidden_cuda_devices_mean_no_gpu(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert profiles.gpu_visible() is False
    monkeypatch.delenv("CNN_BOOK_PROFILE", raising=False)
    assert profiles.get_profile().name == "cpu"


def test_profiles_grow_from_quick_to_full():
    quick, cpu, full = (profiles.PROFILES[n] for n in ("quick", "cpu", "full"))
    assert quick.train_size is not None and quick.train_size <= 2000
    assert cpu.train_size is None and full.train_size is None  # all of MNIST's 60,000
    for role in quick.epochs:
        assert quick.epochs_for(role) <= cpu.epochs_for(role) <= full.epochs_for(role)
    assert quick.allow_offline_fallback and not cpu.allow_offline_fallback and not full.allow_offline_fallback
    assert quick.image_size < cpu.image_size <= full.image_size


def test_unknown_role_is_explained():
    with pytest.raises(ValueError, match=r"role must be one of .* for profile 'quick'; got 'gan'"):
        profiles.PROFILES["quick"].epochs_for("gan")


def test_banner_names_profile_and_switch():
    text = profiles.PROFILES["cpu"].banner()
    assert text.startswith("Run profile: cpu")
    assert "CNN_BOOK_PROFILE=quick|cpu|full" in text


def test_import_convlib_and_profile_selection_do_not_import_tensorflow():
    code = ("import sys, convlib, convlib.profiles as p, convlib.data as d; p.get_profile(); "
            "bad = [m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_get_profile_returns_a_profile_unchanged_and_refuses_other_objects():
    cpu = profiles.PROFILES["cpu"]
    assert profiles.get_profile(cpu) is cpu
    with pytest.raises(ValueError, match=r"profile must be a Profile or one of .*; got 42"):
        profiles.get_profile(42)
