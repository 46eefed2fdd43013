"""qualcode: qualitative coding for the descriptive qualitative method.

The public API: load a project or a codebook, read and segment sources, code them,
and build the tables of the method. Everything else is private.
"""

from qualcode._version import __version__

from qualcode.analysis import build_tables  # noqa: E402
from qualcode.codebook import load_codebook, validate_codebook  # noqa: E402
from qualcode.engine import code_segments  # noqa: E402
from qualcode.errors import QualcodeError  # noqa: E402
from qualcode.ingest import read_source  # noqa: E402
from qualcode.model import (  # noqa: E402
    Code,
    Codebook,
    CodedCorpus,
    Coding,
    Hit,
    Review,
    Rule,
    Segment,
    Source,
    Term,
)
from qualcode.project import Project, load_project  # noqa: E402
from qualcode.run import RunResult, build_corpus, run  # noqa: E402
from qualcode.segment import segment_source, segment_sources  # noqa: E402

__all__ = sorted([
    "Code", "Codebook", "CodedCorpus", "Coding", "Hit", "Project", "QualcodeError",
    "Review", "Rule", "RunResult", "Segment", "Source", "Term", "__version__",
    "build_corpus", "build_tables", "code_segments", "load_codebook", "load_project",
    "read_source", "run", "segment_source", "segment_sources", "validate_codebook",
])
