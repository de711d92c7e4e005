"""Server-side SVG charts for the statistics dashboard: horizontal bars, grouped columns and the
cross-province heat map. Plain strings (no chart library, no script): fast to render, readable
without JavaScript, and every label is text in a font-family naming CJK fonts with fallbacks.

Every value and label passes through `escape`; the charts carry a <title> and role="img" so a
screen reader announces them (the tables next to them hold the same figures)."""
from __future__ import annotations

from markupsafe import Markup, escape

FONT = '"WenQuanYi Zen Hei","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif'
COLOURS = ("#0b5cad", "#c8102e", "#1e7f4f", "#a65e00", "#6b4fbb", "#0f7a8a")


def wan(fen: int) -> str:
    """Fen as 万元 with two decimals (the statistics office's unit)."""
    return f"{fen / 1_000_000:,.2f}"


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart" font-family=\'{FONT}\' font-size="13"><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def hbars(title: str, rows: list[tuple[str, int]], *, label_width: int = 110, width: int = 560) -> Markup:
    """One bar per (label, fen) row, longest first as given; values in 万元 at the bar's end."""
    bar_h, gap, top = 22, 8, 8
    height = top + len(rows) * (bar_h + gap) + 4
    largest = max((v for _, v in rows), default=0) or 1
    room = width - label_width - 90
    body = []
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = round(room * value / largest) if value else 0
        body.append(f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end" fill="#1b2430">{escape(label)}</text>'
                    f'<rect x="{label_width}" y="{y}" width="{w}" height="{bar_h}" rx="3" fill="{COLOURS[0]}"/>'
                    f'<text x="{label_width + w + 6}" y="{y + 16}" fill="#5d6b7a">{wan(value)}</text>')
    return _svg(width, max(height, 40), title, body)


def columns(title: str, categories: list[str], series: list[tuple[str, list[int]]], *, width: int = 1100) -> Markup:
    """Grouped columns: one group per category (a quarter), one column per series (a province)."""
    left, top, bottom, height = 70, 30, 40, 260
    plot_h = height - top - bottom
    largest = max((v for _, values in series for v in values), default=0) or 1
    group_w = (width - left - 10) / max(len(categories), 1)
    col_w = max(min(group_w * 0.8 / max(len(series), 1), 28), 2)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#b9c4d0"/>',
            f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" fill="#5d6b7a">{wan(largest)}</text>',
            f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" fill="#5d6b7a">0</text>']
    for s, (name, _) in enumerate(series):   # legend
        x = left + s * 80
        body.append(f'<rect x="{x}" y="6" width="12" height="12" fill="{COLOURS[s % len(COLOURS)]}"/>'
                    f'<text x="{x + 16}" y="17" fill="#1b2430">{escape(name)}</text>')
    for c, category in enumerate(categories):
        gx = left + c * group_w + group_w * 0.1
        for s, (_, values) in enumerate(series):
            h = round(plot_h * values[c] / largest) if values[c] else 0
            body.append(f'<rect x="{gx + s * col_w:.1f}" y="{top + plot_h - h}" width="{col_w - 1:.1f}" '
                        f'height="{h}" fill="{COLOURS[s % len(COLOURS)]}"/>')
        body.append(f'<text x="{gx + group_w * 0.4:.1f}" y="{height - 18}" text-anchor="middle" '
                    f'fill="#1b2430">{escape(category)}</text>')
    return _svg(width, height, title, body)


def heatmap(title: str, buckets: list[str], cells: dict[tuple[str, str], int], *, cell: int = 72) -> Markup:
    """Seller province (rows) × buyer province (columns), shaded by contract amount."""
    left, top = 100, 50
    n = len(buckets)
    width, height = left + n * cell + 10, top + n * cell + 30
    largest = max(cells.values(), default=0) or 1
    body = [f'<text x="{left + n * cell / 2}" y="16" text-anchor="middle" fill="#5d6b7a">买方（吸纳）→</text>',
            f'<text x="4" y="{top - 10}" fill="#5d6b7a">卖方（输出）↓</text>']
    for j, buyer in enumerate(buckets):
        body.append(f'<text x="{left + j * cell + cell / 2}" y="{top - 10}" text-anchor="middle" '
                    f'fill="#1b2430">{escape(buyer)}</text>')
    for i, seller in enumerate(buckets):
        y = top + i * cell
        body.append(f'<text x="{left - 8}" y="{y + cell / 2 + 5}" text-anchor="end" fill="#1b2430">{escape(seller)}</text>')
        for j, buyer in enumerate(buckets):
            value = cells.get((seller, buyer), 0)
            strength = value / largest
            fill = f"rgba(11,92,173,{0.08 + 0.92 * strength:.3f})" if value else "#f4f6f9"
            ink = "#fff" if strength > 0.5 else "#1b2430"
            body.append(f'<rect x="{left + j * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                        f'<title>{escape(seller)} → {escape(buyer)}：{wan(value)} 万元</title></rect>'
                        f'<text x="{left + j * cell + cell / 2 - 1}" y="{y + cell / 2 + 4}" text-anchor="middle" '
                        f'font-size="12" fill="{ink}">{wan(value) if value else "—"}</text>')
    body.append(f'<text x="{left}" y="{height - 8}" fill="#5d6b7a">单位：万元（合同成交额）</text>')
    return _svg(width, height, title, body)
