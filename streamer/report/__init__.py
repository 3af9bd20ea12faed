"""The release report: shadow against live, forecast against live, drift over time.

`write_report` reads nothing but the graded records it is given and writes a
self-contained `index.html`, the PNG figures and `report.json` (every number shown).

    data.py      every number, as plain JSON data
    figures.py   the matplotlib figures (Agg, grey-scale readable)
    html.py      the page (no scripts, fonts or links; figures as data URIs)
    build.py     from graded records (and a forecast) to the files
"""

from streamer.report.build import ReportFiles, write_report
from streamer.report.data import ReportOptions

__all__ = ["ReportFiles", "ReportOptions", "write_report"]
