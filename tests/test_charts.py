"""Chart helpers (core/charts.py): plotly's figures as plain dicts."""

from core.charts import colorscale


def relative_luminance(colour: str) -> float:
    """WCAG's relative luminance of an "rgb(r,g,b)" or "#rrggbb" colour."""
    if colour.startswith("#"):
        channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    else:
        channels = [int(part) for part in colour[colour.index("(") + 1 : -1].split(",")]
    linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_a_scale_runs_from_0_to_1_and_can_be_reversed():
    scale = colorscale("Greens")
    assert scale[0][0] == 0 and scale[-1][0] == 1
    assert colorscale("Greens", reverse=True)[0][1] == scale[-1][1]


def test_the_map_scale_leaves_out_the_near_white_greens():
    """The map's worst figure must not be drawn almost white on a white page (it was #f7fcf5)."""
    full, trimmed = colorscale("Greens"), colorscale("Greens", skip_lightest=2)
    assert relative_luminance(full[0][1]) > 0.9
    assert relative_luminance(trimmed[0][1]) < 0.8
    assert trimmed[-1][1] == full[-1][1] and trimmed[0][0] == 0 and trimmed[-1][0] == 1
