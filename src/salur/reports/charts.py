"""Charts drawn with matplotlib and embedded as inline SVG, so reports need no CDN or network."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Series:
    """One line of a small-multiples panel."""

    label: str
    colour: str
    dashed: bool
    xs: Sequence[Any]
    ys: Sequence[float]


def progress_curves(
    panels: dict[str, list[Series]], deadline: Any, deadline_label: str, columns: int = 3
) -> str:
    """Small multiples, one panel per region, each with its step lines and the deadline as a
    red vertical line; one legend for all; returns SVG."""
    names = list(panels)
    columns = max(1, min(columns, len(names)))
    rows = max(1, -(-len(names) // columns))
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(max(7.0, 3.2 * columns), 2.4 * rows + 0.6),
        squeeze=False,
        sharey=True,
    )
    for ax, name in zip(axes.flat, names, strict=False):
        for line in panels[name]:
            ax.step(
                line.xs,
                line.ys,
                where="post",
                color=line.colour,
                linestyle="--" if line.dashed else "-",
                linewidth=1.0 if line.dashed else 1.6,
                label=line.label,
            )
        ax.axvline(deadline, color="#c0392b", linewidth=0.8, label=deadline_label)
        ax.set_title(name, fontsize=9, loc="left")
        ax.tick_params(labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
        locator = matplotlib.dates.AutoDateLocator(maxticks=5)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            matplotlib.dates.DateFormatter("%d/%m")  # type: ignore[no-untyped-call]
        )
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    handles, legend = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, legend, loc="upper center", ncol=4, fontsize=7.5, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.6 / (2.4 * rows + 0.6)))
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
