"""Charts where a person would rather look than read: who raised which code, which
technique carries which code, and which codes meet on the same segment.

Figures are drawn with matplotlib's object API on the Agg canvas (no pyplot, no global
state, no display needed) and saved as PNG for the Word report to embed.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qualcode.analysis.display import cooccurrence_matrix
from qualcode.analysis.evidence import evidence_index
from qualcode.analysis.labels import label
from qualcode.export.files import atomic_path
from qualcode.model import CodedCorpus

DPI = 150
MAX_ANNOTATED_CELLS = 400
"""Bigger heatmaps show colour only: numbers would be unreadable (and slow to draw)."""
TECHNIQUE_COLOURS = {"W": "#1f77b4", "O": "#ff7f0e", "D": "#2ca02c"}


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=DPI)
    return path


def _heat(figure: Figure, grid: list[list[int]], rows: list[str], columns: list[str],
          title: str) -> None:
    axes = figure.add_subplot()
    image = axes.imshow(grid, cmap="Blues", aspect="auto", vmin=0)
    axes.set_xticks(range(len(columns)), columns, rotation=45, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    top = max((max(r) for r in grid if r), default=0)
    small = len(grid) * len(columns) <= MAX_ANNOTATED_CELLS
    for i, row in enumerate(grid if small else []):
        for j, value in enumerate(row):
            if value:
                axes.text(j, i, str(value), ha="center", va="center", fontsize=7,
                          color="white" if value > top / 2 else "black")
    axes.set_title(title, fontsize=10)
    figure.colorbar(image, ax=axes, shrink=0.8)


def code_informant_heatmap(corpus: CodedCorpus, path: Path) -> Path | None:
    """Codes × interview informants, coloured by coded segments; None without informants."""
    index = evidence_index(corpus)
    if not index.people or not index.leaves:
        return None
    grid = []
    for code in index.leaves:
        counts = dict.fromkeys(index.people, 0)
        for coding in index.by_code[code.id].codings:
            source = corpus.source_of(coding.segment_id)
            if source.technique == "W" and source.informant in counts:
                counts[source.informant] += 1
        grid.append(list(counts.values()))
    figure = Figure(figsize=(max(5, 1 + 0.6 * len(index.people)),
                             max(3, 1 + 0.35 * len(index.leaves))))
    _heat(figure, grid, [c.id for c in index.leaves], list(index.people),
          label("chart_heatmap", corpus.language))
    return _save(figure, path)


def code_technique_bars(corpus: CodedCorpus, path: Path) -> Path | None:
    """Coded segments per code, stacked by technique (W, O, D); None without codes."""
    index = evidence_index(corpus)
    if not index.leaves:
        return None
    codes = [c.id for c in index.leaves]
    figure = Figure(figsize=(7, max(3, 1 + 0.35 * len(codes))))
    axes = figure.add_subplot()
    left = [0] * len(codes)
    for technique, colour in TECHNIQUE_COLOURS.items():
        widths = [sum(1 for c in index.by_code[code].codings
                      if corpus.source_of(c.segment_id).technique == technique)
                  for code in codes]
        axes.barh(codes, widths, left=left, color=colour, label=label(technique, corpus.language))
        left = [a + b for a, b in zip(left, widths)]
    axes.invert_yaxis()
    axes.set_xlabel(label("segments", corpus.language), fontsize=8)
    axes.tick_params(labelsize=8)
    axes.legend(fontsize=8)
    axes.set_title(label("chart_techniques", corpus.language), fontsize=10)
    return _save(figure, path)


def cooccurrence_heatmap(corpus: CodedCorpus, path: Path) -> Path | None:
    """Codes × codes, coloured by segments carrying both (diagonal blanked)."""
    index = evidence_index(corpus)
    if len(index.leaves) < 2:
        return None
    frame = cooccurrence_matrix(corpus)
    codes = [c.id for c in index.leaves]
    grid = [[0 if a == b else int(frame.iloc[i][b]) for b in codes]
            for i, a in enumerate(codes)]
    figure = Figure(figsize=(max(4, 1 + 0.5 * len(codes)), max(3.5, 0.5 + 0.45 * len(codes))))
    _heat(figure, grid, codes, codes, label("chart_cooccurrence", corpus.language))
    return _save(figure, path)


CHARTS = {
    "code_informant": code_informant_heatmap,
    "code_technique": code_technique_bars,
    "cooccurrence": cooccurrence_heatmap,
}
"""Chart name → function(corpus, path); the name is also the PNG's file name."""


def make_charts(corpus: CodedCorpus, folder: Path) -> dict[str, Path]:
    """Draw every chart the corpus has data for into ``folder`` as ``<name>.png``."""
    folder = Path(folder)
    out: dict[str, Path] = {}
    for name, draw in CHARTS.items():
        path = draw(corpus, folder / f"{name}.png")
        if path is not None:
            out[name] = path
    return out
