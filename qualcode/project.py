"""The project file ``qualcode.yaml`` → ``Project``, and loading a project's data.

A project names its codebook, its sources (folders, files or globs, each with an
optional technique), the unit of coding per technique, its informants table and its
output folder. Paths are relative to the folder that holds ``qualcode.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.codebook.load import _check_keys, _Ctx
from qualcode.codebook.yamlio import line_of, read_yaml
from qualcode.errors import ProjectError
from qualcode.model import TECHNIQUES, UNITS
from qualcode.segment import DEFAULT_INTERVIEWERS

PROJECT_FILE = "qualcode.yaml"
PROJECT_KEYS = ("title", "language", "report_language", "codebook", "sources", "informants",
                "unit", "interviewers", "output", "pipeline", "coder", "gold", "researcher",
                "institution", "description", "jobs", "cache")
SOURCE_KEYS = ("path", "technique", "text_column", "id_column", "attributes", "sheet")
REPORT_LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class SourceSpec:
    """One entry of ``sources``: a folder, file or glob, and the technique of its files."""

    path: str
    technique: str = ""
    line: int | None = None
    # Spreadsheets of answers (.csv/.xlsx): the column(s) of text, the respondent id
    # column, the attribute columns and the sheet; see docs/ingest.md.
    text_column: tuple[str, ...] = ()
    id_column: str = ""
    attributes: tuple[str, ...] = ()
    sheet: str = ""


@dataclass(frozen=True)
class Project:
    """A qualcode project as read from its ``qualcode.yaml``."""

    root: Path
    title: str
    codebook: Path
    sources: tuple[SourceSpec, ...]
    language: str = ""
    report_language: str = "en"
    informants: Path | None = None
    units: dict[str, str] = field(default_factory=dict)
    interviewers: tuple[str, ...] = DEFAULT_INTERVIEWERS
    output: Path = Path("out")
    pipeline: str | None = None
    jobs: int = 1
    cache: bool = True
    coder: str = "qualcode rules"
    researcher: str = ""
    institution: str = ""
    description: str = ""
    file: Path = Path(PROJECT_FILE)

    @property
    def cache_dir(self) -> Path | None:
        """Where tokenised sources are cached (``None`` when ``cache: false``)."""
        return self.root / ".qualcode-cache" if self.cache else None

    @property
    def output_dir(self) -> Path:
        return self.output if self.output.is_absolute() else self.root / self.output


def _units(ctx: _Ctx, doc: dict) -> dict[str, str]:
    value = doc.get("unit")
    if value is None:
        return {}
    if isinstance(value, str):
        value = {"*": value}
    if not isinstance(value, dict):
        ctx.error(doc, "unit", "unit", "expected a unit or a mapping technique → unit",
                  "e.g. unit: {W: turn, O: paragraph, D: paragraph}")
        return {}
    out = {}
    for key, unit in value.items():
        if str(key) not in TECHNIQUES + ("*",):
            ctx.error(value, key, f"unit.{key}", f"unknown technique '{key}'",
                      "use W (interview), O (observation) or D (documentation)")
        if unit not in UNITS:
            ctx.error(value, key, f"unit.{key}", f"unknown unit '{unit}'",
                      "use " + ", ".join(UNITS))
        out[str(key)] = str(unit)
    return out


def _sources(ctx: _Ctx, doc: dict) -> tuple[SourceSpec, ...]:
    value = doc.get("sources")
    if not value:
        ctx.error(doc, None, "sources", "no sources", "add 'sources: [transcripts]'")
        return ()
    if not isinstance(value, list):
        value = [value]
    out = []
    for i, item in enumerate(value):
        where = f"sources[{i}]"
        if isinstance(item, str):
            out.append(SourceSpec(item, line=line_of(value, i)))
            continue
        if not isinstance(item, dict) or not item.get("path"):
            ctx.error(value, i, where, "expected a path or a mapping with 'path'",
                      "e.g. - {path: transcripts/interviews, technique: W}")
            continue
        _check_keys(ctx, item, SOURCE_KEYS, where)
        technique = str(item.get("technique") or "")
        if technique and technique not in TECHNIQUES:
            ctx.error(item, "technique", f"{where}.technique",
                      f"unknown technique '{technique}'", "use W, O or D")
        out.append(SourceSpec(str(item["path"]), technique, line_of(value, i),
                              **_sheet_keys(item)))
    return tuple(out)


def _names(value: Any) -> tuple[str, ...]:
    """A column name or a list of them, as a tuple of strings."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return (str(value).strip(),) if str(value).strip() else ()


def _sheet_keys(item: dict) -> dict[str, Any]:
    return {"text_column": _names(item.get("text_column")),
            "id_column": str(item.get("id_column") or "").strip(),
            "attributes": _names(item.get("attributes")),
            "sheet": str(item.get("sheet") or "").strip()}


def _str(doc: dict, key: str, default: str = "") -> str:
    value = doc.get(key)
    return default if value is None else str(value).strip()


def _jobs(ctx: _Ctx, doc: dict) -> int:
    value = doc.get("jobs", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 64:
        ctx.error(doc, "jobs", "jobs", f"expected a number of processes, got {value!r}",
                  "write jobs: 2 (0 means one per CPU)")
        return 1
    return value


def load_project(path: str | Path = ".") -> Project:
    """Read ``qualcode.yaml`` from a project folder (or the file itself)."""
    path = Path(path)
    file = path / PROJECT_FILE if path.is_dir() or not path.suffix else path
    if not file.is_file():
        raise ProjectError("no project file here", file=str(file),
                           hint="run qualcode in a project folder, give the folder as "
                                "an argument, or create qualcode.yaml (see docs/guide.md)")
    doc, problems = read_yaml(file)
    if problems:
        raise ProjectError("the project file cannot be read", file=str(file),
                           problems=problems)
    ctx = _Ctx(str(file))
    if not isinstance(doc, dict):
        raise ProjectError("the project file must be a mapping of settings", file=str(file),
                           hint="see docs/guide.md for an example")
    _check_keys(ctx, doc, PROJECT_KEYS, "")
    root = file.parent
    if not doc.get("codebook"):
        ctx.error(doc, None, "codebook", "no codebook given",
                  "add 'codebook: codebooks/<name>.yaml'")
    report_language = _str(doc, "report_language") or _str(doc, "language", "en")
    if report_language not in REPORT_LANGUAGES:
        ctx.error(doc, "report_language", "report_language",
                  f"no report labels for '{report_language}'", "use id or en")
        report_language = "en"
    interviewers: Any = doc.get("interviewers")
    project = Project(
        root=root, title=_str(doc, "title", root.resolve().name), file=file,
        codebook=root / _str(doc, "codebook"), sources=_sources(ctx, doc),
        language=_str(doc, "language"), report_language=report_language,
        informants=root / _str(doc, "informants") if doc.get("informants") else None,
        units=_units(ctx, doc),
        interviewers=DEFAULT_INTERVIEWERS + tuple(str(i) for i in (interviewers or [])),
        output=Path(_str(doc, "output", "out")), pipeline=_str(doc, "pipeline") or None,
        coder=_str(doc, "coder", "qualcode rules"), researcher=_str(doc, "researcher"),
        institution=_str(doc, "institution"), description=_str(doc, "description"),
        jobs=_jobs(ctx, doc), cache=doc.get("cache", True) is not False,
    )
    errors = [p for p in ctx.problems if p.severity == "error"]
    if errors:
        raise ProjectError(f"the project file has {len(errors)} error(s)", file=str(file),
                           problems=errors)
    if not project.codebook.is_file():
        raise ProjectError(f"codebook not found: {project.codebook}", file=str(file),
                           line=line_of(doc, "codebook"), path="codebook",
                           hint="check the path; it is relative to the project folder")
    return project
