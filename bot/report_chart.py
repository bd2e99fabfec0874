"""The team report's chart: a PNG drawn with matplotlib's Agg backend (no display needed).

Only `matplotlib.figure.Figure` and the Agg canvas are used, never `pyplot`, so nothing global is
touched and charts can be drawn from worker threads. matplotlib is imported on first use: the bot
starts without paying for it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BAR = "#4c72b0"
LINE = "#dd8452"
WEAK = "#c44e52"


@dataclass(frozen=True)
class TeamChart:
    title: str
    weeks: Sequence[str]  # labels, oldest first ("16 Nov")
    answers: Sequence[int]  # on-time answers per week
    members: Sequence[int]  # distinct members answering on time per week
    questions: Sequence[str]  # labels of recent questions ("#12"), oldest first
    rates: Sequence[float]  # their on-time answer rates, 0..1


def render_team_chart(chart: TeamChart) -> bytes:
    """Two panels: participation per week, and the answer rate of each recent question."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6.5), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    figure.suptitle(chart.title, fontsize=12)

    positions = list(range(len(chart.weeks)))
    top.bar(positions, chart.answers, color=BAR, label="on-time answers")
    top.plot(positions, chart.members, color=LINE, marker="o", label="members answering")
    top.set_xticks(positions, list(chart.weeks), fontsize=8)
    top.set_title("Participation by week", fontsize=10)
    top.set_ylim(bottom=0)
    top.yaxis.get_major_locator().set_params(integer=True)
    top.legend(fontsize=8, loc="upper left")

    if chart.questions:
        places = list(range(len(chart.questions)))
        percents = [round(rate * 100) for rate in chart.rates]
        colours = [WEAK if p < 50 else BAR for p in percents]
        bottom.bar(places, percents, color=colours)
        bottom.set_xticks(places, list(chart.questions), fontsize=8)
        bottom.set_ylim(0, 100)
        bottom.set_ylabel("% of active members", fontsize=8)
    else:
        bottom.text(0.5, 0.5, "No questions in this period", ha="center", va="center", transform=bottom.transAxes)
        bottom.set_xticks([])
        bottom.set_yticks([])
    bottom.set_title("Answer rate per question (on time)", fontsize=10)

    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
