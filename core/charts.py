"""Plotly figures as plain dicts, in the JSON form plotly.js reads.

plotly's Python graph objects validate every property on construction, which costs ~17 ms per small chart:
a dashboard with 40 indicators spent most of its time there. The portal's charts use a handful of
well-known properties, so they are written as dicts directly; plotly.js in the browser does the drawing and
the defaults, as it would for a figure from plotly's `to_plotly_json()` with the "none" template.
"""

import plotly.colors


def trace(kind: str, **properties) -> dict:
    return {"type": kind, **properties}


def figure(data: list[dict], **layout) -> dict:
    return {"data": data, "layout": layout}


def colorscale(name: str, *, reverse: bool = False, skip_lightest: int = 0) -> list[list]:
    """A named sequential scale (e.g. "Greens") as the explicit [[position, colour], …] list plotly.js takes.

    skip_lightest leaves out that many of the palest colours, so that no value is drawn almost white on white.
    """
    colours = list(getattr(plotly.colors.sequential, name))[skip_lightest:]
    if reverse:
        colours.reverse()
    last = len(colours) - 1
    return [[round(index / last, 6), colour] for index, colour in enumerate(colours)]


def vertical_line(x: float, *, line: dict, text: str) -> tuple[dict, dict]:
    """A line across the plot at x with a label at its top, as plotly's add_vline() makes them."""
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line}
    annotation = {
        "text": text, "x": x, "xref": "x", "y": 1, "yref": "y domain",
        "showarrow": False, "xanchor": "left", "yanchor": "top",
    }  # fmt: skip
    return shape, annotation


def every_year(points: dict[int, object]) -> tuple[list[int], list]:
    """The years from the first to the last of the points, and each year's value, None where a year has none.

    A line through the points then breaks where a year is missing (plotly leaves a gap at None, with
    connectgaps false), instead of joining 2014 to 2020 as if the years between had been measured.
    """
    if not points:
        return [], []
    years = list(range(min(points), max(points) + 1))
    return years, [points.get(year) for year in years]


def axis_unit(text: str) -> dict:
    """The unit of the vertical axis as a label above it, reading across (an annotation for layout.annotations).

    Unlike an axis title along the axis, it needs no more height than one line, so a short printed chart cannot
    cut it off; the figure's top margin must leave that line room (30 px).
    """
    return {
        "text": text,
        "xref": "paper",
        "yref": "paper",
        "x": 0,
        "y": 1,
        "xanchor": "left",
        "yanchor": "bottom",
        "xshift": -40,
        "yshift": 8,
        "showarrow": False,
        "name": "axis-unit",
    }


def gaps_before(starts: set[int], x: list[int], *columns: list) -> tuple[list, ...]:
    """x and each column with a gap (x half a year before, None in every column) before each year in starts.

    A line through the points then stops before a year that starts a new series (a series break), as it does at a
    missing year, though the years on both sides have figures: plotly leaves a gap at None with connectgaps false.
    """
    out_x: list = []
    out_columns: list[list] = [[] for _column in columns]
    for index, year in enumerate(x):
        if year in starts and index > 0:
            out_x.append(year - 0.5)
            for out in out_columns:
                out.append(None)
        out_x.append(year)
        for out, column in zip(out_columns, columns, strict=True):
            out.append(column[index])
    return (out_x, *out_columns)


def marked_lines(xs: list[float], *, line: dict, name: str) -> tuple[list[dict], list[dict]]:
    """Vertical lines across the plot at each x, and the legend entry that says what they mean (a line drawn
    nowhere), so that no label on the plot can collide with another; neither when xs is empty."""
    if not xs:
        return [], []
    shapes = [
        {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain", "line": line} for x in xs
    ]
    return shapes, [trace("scatter", x=[None], y=[None], mode="lines", line=line, name=name, hoverinfo="skip")]
