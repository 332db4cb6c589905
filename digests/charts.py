"""Charts for the digests as PNG images: matplotlib's Agg renderer, no display, no pyplot global state.

Chinese labels need a CJK font. We use the first one installed (Debian: `fonts-noto-cjk`); with none, the
labels show as boxes but the chart is still a valid PNG and the figures are in the text next to it.
"""

from __future__ import annotations

import io
import warnings
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything else of matplotlib is imported: never a GUI backend

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

# Simplified Chinese first; any CJK family will do.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "SimHei", "PingFang SC", "Noto Serif CJK SC",
)  # fmt: skip
COLOURS = ("#1f6feb", "#bf8700", "#2da44e", "#8250df")
_DEFAULT = object()


@cache
def cjk_font(families: tuple[str, ...] = CJK_FAMILIES) -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    found = _known_cjk_font(families)
    if found is None and families and _register_new_system_fonts():
        found = _known_cjk_font(families)
    return found


def _known_cjk_font(families: tuple[str, ...]) -> str | None:
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in families:
        if family in installed:
            return family
    return next((name for name in sorted(installed) if "CJK" in name), None) if families else None


def _register_new_system_fonts() -> bool:
    """Tell matplotlib of the system's font files it does not know; True when there were any.

    matplotlib lists the system's fonts once, into a cache file (~/.cache/matplotlib), and never looks again: a
    CJK font installed after its first run (fonts-noto-cjk after `make run`, or after a deployment's first
    start) stayed unknown and every chart drew its Chinese as boxes. The list is written back, so that the next
    process knows the new fonts without looking."""
    manager = font_manager.fontManager
    known = {font.fname for font in manager.ttflist}
    new = [path for path in font_manager.findSystemFonts() if path not in known]
    for path in new:
        try:
            manager.addfont(path)
        except (OSError, RuntimeError):  # a file FreeType cannot read: skipped, as matplotlib's own scan does
            continue
    if new:
        version = font_manager.FontManager.__version__
        font_manager.json_dump(manager, Path(matplotlib.get_cachedir(), f"fontlist-v{version}.json"))
    return bool(new)


def rates_chart(groups: list[str], series: list[tuple[str, list[float | None]]], *, font=_DEFAULT) -> bytes:
    """Horizontal bars, 0–100 %: for each group (a rate, a tier) one bar per series; None shows as "—"."""
    height = 1.1 + 0.32 * len(groups) * len(series)
    figure, axes = _figure(height)
    step = 0.8 / len(series)
    for i, (name, values) in enumerate(series):
        positions = [g - 0.4 + step * (i + 0.5) for g in range(len(groups))]  # first series on top
        bars = axes.barh(positions, [v or 0 for v in values], height=step * 0.9, color=COLOURS[i % 4], label=name)
        labels = ["—" if v is None else f"{v:.0%}" for v in values]
        axes.bar_label(bars, labels=labels, padding=3, fontsize=8)
    axes.set_yticks(range(len(groups)), groups)
    axes.invert_yaxis()
    axes.set_xlim(0, 1.12)
    axes.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    if len(series) > 1:
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(series), fontsize=8, frameon=False)
    return _png(figure, font)


def counts_chart(items: list[tuple[str, int]], *, font=_DEFAULT) -> bytes:
    """Horizontal bars of counts, largest on top."""
    figure, axes = _figure(0.9 + 0.35 * max(len(items), 1))
    bars = axes.barh(range(len(items)), [n for _label, n in items], color=COLOURS[0], height=0.6)
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.set_yticks(range(len(items)), [label for label, _n in items])
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.margins(x=0.15)
    return _png(figure, font)


def _figure(height: float):
    figure = Figure(figsize=(6.4, height), dpi=100)
    # Fixed margins, room for ten characters of label on the left: tight_layout would draw everything twice.
    figure.subplots_adjust(left=0.25, right=0.96, bottom=0.45 / height, top=1 - 0.4 / height)
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    return figure, axes


def _png(figure: Figure, font) -> bytes:
    font = cjk_font() if font is _DEFAULT else font
    for text in figure.findobj(matplotlib.text.Text):
        text.set_fontfamily([font, "DejaVu Sans"] if font else ["DejaVu Sans"])
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")  # no CJK font: boxes, said above
        FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()
