"""Small inline SVG charts (bars, grouped bars, heatmap), captioned, every data text escaped.

The charts are drawn for an HTML page that runs offline under a strict Content-Security-Policy:
no scripts, no external fonts, no xmlns URL (inline SVG in HTML needs none).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

ROW = 22
LABEL_WIDTH = 170
BAR_WIDTH = 320
VALUE_WIDTH = 70
_LABEL_CHARS = 24


def esc(value: object) -> str:
    """Text or attribute value, HTML-escaped (quotes included)."""
    return escape(str(value), quote=True)


def _label(text: str) -> str:
    """A row label cut to fit, with the full text as a tooltip."""
    short = text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "\u2026"
    return f"<title>{esc(text)}</title>{esc(short)}"


def _frame(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f"<figure><figcaption>{esc(title)}</figcaption>"
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{esc(title)}"><title>{esc(title)}</title>{"".join(body)}</svg></figure>'
    )


def bar_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    colors: Sequence[str] | None = None,
    scale_max: float | None = None,
    percent: bool = False,
) -> str:
    """Horizontal bars, one row per (label, value), the value written after the bar."""
    top = max([scale_max or 0.0, *(v for _, v in rows)]) or 1.0
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    body = []
    for i, (label, value) in enumerate(rows):
        y = i * ROW
        length = max(0.0, value) / top * BAR_WIDTH
        color = colors[i % len(colors)] if colors else "#4c72b0"
        shown = f"{value:.0%}" if percent else f"{value:g}"
        body.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{_label(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW - 8}" fill="{esc(color)}"/>'
            f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 15}">{esc(shown)}</text>'
        )
    return _frame(width, max(1, len(rows)) * ROW + 4, title, body)


def grouped_bars(
    categories: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    title: str,
) -> str:
    """Horizontal bars per category, one bar per (name, color, values) series, with a legend."""
    per = len(series)
    group = per * (ROW - 8) + 10
    top = max([1.0, *(v for _, _, values in series for v in values)])
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    body = []
    for s, (name, color, _) in enumerate(series):
        x = LABEL_WIDTH + s * 150
        body.append(
            f'<rect x="{x}" y="4" width="12" height="12" fill="{esc(color)}"/>'
            f'<text x="{x + 16}" y="15">{esc(name)}</text>'
        )
    for i, category in enumerate(categories):
        y0 = ROW + i * group
        body.append(f'<text x="{LABEL_WIDTH - 6}" y="{y0 + group / 2 + 2:.1f}" text-anchor="end">{_label(category)}</text>')
        for s, (_, color, values) in enumerate(series):
            value = values[i]
            y = y0 + s * (ROW - 8)
            length = max(0.0, value) / top * BAR_WIDTH
            body.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{ROW - 10}" fill="{esc(color)}"/>'
                f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + 11}" class="small">{esc(f"{value:g}")}</text>'
            )
    return _frame(width, ROW + max(1, len(categories)) * group + 4, title, body)


def heatmap(labels: Sequence[str], matrix: Sequence[Sequence[float]], *, title: str) -> str:
    """A square grid of cells shaded by value, each with its number; rows and columns labelled."""
    cell = 56
    left = LABEL_WIDTH
    head = 28
    size = len(labels)
    top = max([0.0, *(v for row in matrix for v in row)]) or 1.0
    body = []
    for j, label in enumerate(labels):
        body.append(f'<text x="{left + j * cell + cell / 2:.0f}" y="{head - 8}" text-anchor="middle">{_label(label)}</text>')
    for i, label in enumerate(labels):
        y = head + i * cell
        body.append(f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end">{_label(label)}</text>')
        for j in range(size):
            value = matrix[i][j]
            shade = value / top
            ink = "#fff" if shade > 0.55 else "#222"
            body.append(
                f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="#2b6cb0" fill-opacity="{0.06 + 0.94 * shade:.3f}"/>'
                f'<text x="{left + j * cell + cell / 2 - 1:.0f}" y="{y + cell / 2 + 4:.0f}" '
                f'text-anchor="middle" fill="{ink}">{esc(f"{value:.3g}")}</text>'
            )
    return _frame(left + max(1, size) * cell + 8, head + max(1, size) * cell + 8, title, body)
