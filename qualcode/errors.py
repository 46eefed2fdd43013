"""One exception tree for qualcode.

Every error carries a location (file, line, field) and a hint, so that the CLI can
print ``where: what (how to fix)`` and exit with the right status. The library never
prints or exits; it raises these.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: str = ""
    line: int | None = None
    path: str = ""
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [p for p in (where, self.path) if p]
        text = ": ".join(parts + [self.message])
        if self.hint:
            text += f" ({self.hint})"
        if self.severity == "warning":
            text = "warning: " + text
        return text


class QualcodeError(Exception):
    """Root of every error qualcode raises on purpose.

    ``exit_code`` is 1 for a failed job and 2 for wrong usage.
    """

    exit_code = 1

    def __init__(self, message: str, *, file: str = "", line: int | None = None,
                 path: str = "", hint: str = "", problems: list[Problem] | None = None):
        self.problem = Problem(message, file=file, line=line, path=path, hint=hint)
        self.problems = list(problems or [])
        super().__init__(str(self.problem))

    def __str__(self) -> str:
        if self.problems:
            head = str(self.problem)
            return "\n".join([head] + [f"  {p}" for p in self.problems])
        return str(self.problem)


class UsageError(QualcodeError):
    """The command was called wrongly (a missing argument, an unknown option value)."""

    exit_code = 2


class ProjectError(QualcodeError):
    """The project file or the project layout is wrong."""


class CodebookError(QualcodeError):
    """A codebook failed validation; ``problems`` lists every error found."""


class IngestError(QualcodeError):
    """A source could not be read."""


class OutputError(QualcodeError):
    """An output could not be written without losing something."""


class ExchangeError(QualcodeError):
    """A REFI-QDA or other exchange file is invalid or unsafe."""


@dataclass
class Report:
    """Problems collected while a job goes on (one bad source does not stop the rest)."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]
