"""Charts drawn with matplotlib and embedded as inline SVG, so reports need no CDN or network."""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import matplotlib.dates

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

# Series colours: ballots in KPU red, equipment grey; ballot types in their official 2024 colours.
COLOURS = {
    "Surat suara": "#7a0d12",
    "Ballots": "#7a0d12",
    "Perlengkapan": "#9aa4ae",
    "Equipment": "#9aa4ae",
    "ppwp": "#8c8c8c",
    "dpr": "#e6b800",
    "dpd": "#c0392b",
    "dprd_prov": "#2e6fbd",
    "dprd_kab": "#2e9e4f",
}


def stacked_bars(frame: pd.DataFrame, title: str, xlabel: str) -> str:
    """Horizontal stacked bars: one bar per index row, one segment per column; returns SVG."""
    height = max(2.2, 0.28 * len(frame) + 1.2)
    fig, ax = plt.subplots(figsize=(8, height))
    left = pd.Series(0.0, index=frame.index)
    for column in frame.columns:
        ax.barh(
            frame.index,
            frame[column],
            left=left,
            label=str(column),
            color=COLOURS.get(str(column)),
            edgecolor="white",
            linewidth=0.4,
        )
        left += frame[column]
    ax.invert_yaxis()
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=8)
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.1f}"))
    ax.legend(fontsize=8, ncol=min(5, len(frame.columns)), loc="lower right", frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def progress_curves(
    curves: dict[str, tuple[list[Any], list[int], list[int]]],
    deadline: Any,
    labels: tuple[str, str, str],
    columns: int = 3,
) -> str:
    """Small multiples, one per region: kits at TPS per day, planned (dashed) and delivered
    (solid), with the deadline as a red line; returns SVG. `labels`: planned, delivered,
    deadline."""
    names = list(curves)
    rows = max(1, -(-len(names) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(9, 2.3 * rows), squeeze=False, sharex=True)
    for ax, name in zip(axes.flat, names, strict=False):
        days, planned, delivered = curves[name]
        ax.step(days, planned, where="post", linestyle="--", color="#5b6673", label=labels[0])
        ax.step(days, delivered, where="post", color="#7a0d12", label=labels[1])
        ax.axvline(deadline, color="#c0392b", linewidth=0.8, label=labels[2])
        ax.set_title(name, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d/%m"))  # type: ignore[no-untyped-call]
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    handles, legend = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, legend, loc="upper center", ncol=3, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
