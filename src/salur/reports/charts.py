"""Charts drawn with matplotlib and embedded as inline SVG, so reports need no CDN or network."""

from __future__ import annotations

import io

import matplotlib

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
