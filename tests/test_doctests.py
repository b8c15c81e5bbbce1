"""The examples in the docstrings of convlib's NumPy core run and print what they show."""
import doctest

import numpy as np
import pytest

import convlib
from convlib import activations, arithmetic, conv, kernels, pooling

MODULES = [conv, pooling, arithmetic, activations, kernels]
# Submodules whose examples need Keras, Matplotlib or ipywidgets (imported here by name, so that a
# missing example fails loudly rather than passing unseen).
SUBMODULES = ["convlib.keras_reference", "convlib.widgets.sliding", "convlib.widgets.pooling",
              "convlib.widgets.volume", "convlib.transpose", "convlib.memory"]


@pytest.mark.parametrize("module", MODULES + SUBMODULES, ids=lambda m: m if isinstance(m, str) else m.__name__)
def test_docstring_examples(module):
    if isinstance(module, str):
        import importlib

        import matplotlib
        matplotlib.use("Agg")
        module = importlib.import_module(module)
    # The examples assume `import numpy as np` and `import convlib`, as their modules say.
    result = doctest.testmod(module, extraglobs={"np": np, "convlib": convlib},
                             optionflags=doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {module.__name__} failed (see above)"


@pytest.mark.parametrize("name", [name for name in convlib.__all__ if callable(getattr(convlib, name))
                                  and getattr(convlib, name).__module__ in {m.__name__ for m in MODULES}])
def test_public_functions_have_numpydoc_sections(name):
    doc = getattr(convlib, name).__doc__ or ""
    for section in ("Parameters\n    ----------", "Returns\n    -------", "Raises\n    ------",
                    "Examples\n    --------\n"):
        assert section in doc, f"convlib.{name} has no {section.split()[0]} section"
    assert ">>> " in doc
