"""Evaluating a classifier: confusion matrix, per-class precision/recall/F1, misclassified examples."""
import numpy as np


def _labels(y, name):
    y = np.asarray(y)
    if y.ndim == 2:  # one-hot or probabilities
        y = y.argmax(axis=1)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must be integer class labels of shape (n,) or one-hot (n, classes); "
                         f"got shape {y.shape} and dtype {y.dtype}.")
    return y


def confusion_matrix(y_true, y_pred, num_classes=None):
    """cm[i, j] = number of examples of true class i predicted as class j."""
    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length; got {len(y_true)} and {len(y_pred)}.")
    n = int(max(y_true.max(initial=0), y_pred.max(initial=0)) + 1) if num_classes is None else num_classes
    cm = np.zeros((n, n), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def per_class_report(y_true, y_pred, class_names):
    """Precision, recall, F1 and support per class from the confusion matrix.

    Returns a dict with arrays 'precision', 'recall', 'f1', 'support' and the
    macro averages; a class never predicted gets precision 0 (as scikit-learn's zero_division=0).
    """
    cm = confusion_matrix(y_true, y_pred, len(class_names))
    tp = np.diag(cm).astype(float)
    predicted, support = cm.sum(axis=0), cm.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    denom = precision + recall
    f1 = np.divide(2 * precision * recall, denom, out=np.zeros_like(tp), where=denom > 0)
    return {"precision": precision, "recall": recall, "f1": f1, "support": support,
            "accuracy": tp.sum() / max(cm.sum(), 1),
            "macro": (precision.mean(), recall.mean(), f1.mean())}


def print_report(report, class_names):
    """Print :func:`per_class_report` as a table."""
    print(f"{'class':>10} {'precision':>10} {'recall':>8} {'F1':>8} {'support':>8}")
    for i, name in enumerate(class_names):
        print(f"{name:>10} {report['precision'][i]:>10.4f} {report['recall'][i]:>8.4f} "
              f"{report['f1'][i]:>8.4f} {report['support'][i]:>8d}")
    p, r, f = report["macro"]
    print(f"{'macro avg':>10} {p:>10.4f} {r:>8.4f} {f:>8.4f} {int(report['support'].sum()):>8d}")
    print(f"accuracy {report['accuracy']:.4f}")


def plot_confusion_matrix(cm, class_names, ax=None, title="confusion matrix"):
    """Heat map of a confusion matrix with the counts written in the cells."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.2, 4.6), dpi=75)
    ax.imshow(np.log1p(cm), cmap="Blues")
    top = np.log1p(cm).max()
    for (i, j), v in np.ndenumerate(cm):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7,
                    color="white" if np.log1p(v) > 0.6 * top else "black")
    ax.set_xticks(range(len(class_names)), class_names)
    ax.set_yticks(range(len(class_names)), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return ax


def misclassified_grid(images, y_true, y_pred, class_names, n=24, cols=8, probabilities=None):
    """A grid of up to `n` misclassified images titled 'true -> predicted' (and the confidence).

    Returns the figure and the indices shown (the first `n` mistakes in order).
    """
    import matplotlib.pyplot as plt

    y_true, y_pred = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 1.1, rows * 1.3), dpi=75)
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, i in zip(np.ravel(axes), wrong):
        img = np.asarray(images[i])
        ax.imshow(img.squeeze(), cmap="gray_r" if img.squeeze().ndim == 2 else None)
        title = f"{class_names[y_true[i]]}->{class_names[y_pred[i]]}"
        if probabilities is not None:
            title += f"\n{probabilities[i, y_pred[i]]:.2f}"
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    return fig, wrong
