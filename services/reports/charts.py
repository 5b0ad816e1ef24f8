"""The dashboard's charts as SVG, drawn here (no charting library, no outside network):
a bar chart of the rankings and a line of an agency's score over periods. Pure: numbers in,
markup out, every text escaped."""

from __future__ import annotations

from html import escape

BAR_HEIGHT = 26
LABEL_WIDTH = 170
CHART_WIDTH = 560


def bars(rows: list[tuple[str, float]], highlight: str | None, title: str) -> str:
    """Horizontal bars of scores (0 to 100), one per label, the highlighted one darker.

    >>> svg = bars([("A", 50.0)], "A", "Xếp hạng")
    >>> 'role="img"' in svg and "50" in svg
    True
    """
    height = max(1, len(rows)) * BAR_HEIGHT + 30
    scale = (CHART_WIDTH - LABEL_WIDTH - 50) / 100
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="100%" role="img" aria-labelledby="bars-title">',
        f'<title id="bars-title">{escape(title)}</title>',
    ]
    for n, (label, score) in enumerate(rows):
        y = 10 + n * BAR_HEIGHT
        fill = "#9b1c1c" if label == highlight else "#5b6b7c"
        width = max(1.0, score * scale)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end" font-size="12" '
            f'fill="#1a1a1a">{escape(label[:26])}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 8}" '
            f'fill="{fill}"/>'
            f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + 16}" font-size="12" '
            f'fill="#1a1a1a">{score:g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line(points: list[tuple[str, float]], title: str) -> str:
    """A line of scores (0 to 100) over periods, each point labelled with its value.

    >>> "polyline" in line([("2026-Q1", 40.0), ("2026-Q2", 60.0)], "Xu hướng")
    True
    """
    width, height, left, top, bottom = CHART_WIDTH, 220, 40, 15, 40
    inner_w, inner_h = width - left - 20, height - top - bottom
    step = inner_w / max(1, len(points) - 1)

    def at(n: int, score: float) -> tuple[float, float]:
        return left + n * step, top + inner_h * (1 - score / 100)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="line-title">',
        f'<title id="line-title">{escape(title)}</title>',
    ]
    for mark in (0, 50, 100):
        _, y = at(0, mark)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 20}" y2="{y:.1f}" stroke="#c8c8c8"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#4a4a4a">{mark}</text>'
        )
    coordinates = [at(n, score) for n, (_, score) in enumerate(points)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    parts.append(f'<polyline points="{path}" fill="none" stroke="#9b1c1c" stroke-width="2"/>')
    for (label, score), (x, y) in zip(points, coordinates, strict=True):
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#9b1c1c"/>'
            f'<text x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle" font-size="11" '
            f'fill="#1a1a1a">{score:g}</text>'
            f'<text x="{x:.1f}" y="{height - 15}" text-anchor="middle" font-size="11" '
            f'fill="#1a1a1a">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
