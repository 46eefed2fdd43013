"""Codebooks: YAML format, validation with locations, and loading into a ``Codebook``."""

from qualcode.codebook.load import load_codebook, parse_term, validate_codebook

__all__ = ["load_codebook", "parse_term", "validate_codebook"]
