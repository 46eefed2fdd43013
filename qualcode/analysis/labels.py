"""Every label the tables and the report show, in each report language, in one place."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "id": "ID", "technique": "Technique", "informant": "Informant", "role": "Role",
        "agency": "Agency", "date": "Date", "quote": "Quote", "place": "Place",
        "code": "Code", "code_id": "Code ID", "category": "Category", "theme": "Theme",
        "magnitude": "Magnitude", "matched_by": "Matched by", "coder": "Coder",
        "review": "Review", "memo": "Memo", "segments": "Segments",
        "informants_n": "Informants n/N", "techniques": "Techniques",
        "condensed": "Condensed statement", "quotes": "Strongest quotes",
        "dimension": "Dimension", "indicator": "Indicator", "finding": "Finding",
        "evidence": "Evidence (segment IDs)", "triangulation": "Triangulation status",
        "provisional": "Provisional conclusion", "verification": "Verification",
        "final": "Final conclusion", "brief": "Brief definition", "use_when": "When to use",
        "not_when": "When not to use", "example": "Example", "rules": "Rules",
        "reduction": "Data reduction", "display": "Data display",
        "conclusion": "Conclusion drawing and verification",
        "coding_sheet": "Coding sheet", "code_summary": "Summary per code",
        "clustered": "Conceptually clustered matrix", "conclusion_table": "Conclusion table",
        "codebook": "Codebook", "W": "Interview", "O": "Observation", "D": "Documentation",
        "corroborated": "corroborated", "single_source": "single technique",
        "no_evidence": "no evidence", "negative_cases": "negative case(s)",
        "lines": "lines", "total": "Total",
    },
    "id": {
        "id": "ID", "technique": "Teknik", "informant": "Informan", "role": "Peran",
        "agency": "Instansi", "date": "Tanggal", "quote": "Kutipan", "place": "Letak",
        "code": "Kode", "code_id": "ID Kode", "category": "Kategori", "theme": "Tema",
        "magnitude": "Magnitudo", "matched_by": "Dikenali oleh", "coder": "Pengode",
        "review": "Tinjauan", "memo": "Memo", "segments": "Segmen",
        "informants_n": "Informan n/N", "techniques": "Teknik",
        "condensed": "Pernyataan ringkas", "quotes": "Kutipan terkuat",
        "dimension": "Dimensi", "indicator": "Indikator", "finding": "Temuan",
        "evidence": "Bukti (ID segmen)", "triangulation": "Status triangulasi",
        "provisional": "Kesimpulan sementara", "verification": "Verifikasi",
        "final": "Kesimpulan akhir", "brief": "Definisi singkat",
        "use_when": "Digunakan bila", "not_when": "Tidak digunakan bila",
        "example": "Contoh", "rules": "Aturan",
        "reduction": "Reduksi Data", "display": "Penyajian Data",
        "conclusion": "Penarikan Kesimpulan dan Verifikasi",
        "coding_sheet": "Lembar koding", "code_summary": "Ringkasan per kode",
        "clustered": "Matriks berkelompok konseptual",
        "conclusion_table": "Tabel kesimpulan", "codebook": "Buku Kode",
        "W": "Wawancara", "O": "Observasi", "D": "Dokumentasi",
        "corroborated": "terkonfirmasi", "single_source": "satu teknik",
        "no_evidence": "tidak ada bukti", "negative_cases": "kasus negatif",
        "lines": "baris", "total": "Jumlah",
    },
}


def label(key: str, language: str = "en") -> str:
    """The label for ``key`` in ``language`` (English when the language lacks it)."""
    table = LABELS.get(language, LABELS["en"])
    return table.get(key) or LABELS["en"].get(key, key)
