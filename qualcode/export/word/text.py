"""The words of the report itself, in each report language (table labels live in
``qualcode.analysis.labels``; this adds what only the report says)."""

from __future__ import annotations

from qualcode.analysis.labels import label

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "subtitle": "Qualitative coding report", "contents": "Contents",
        "toc_hint": "Update this table (F9 in Word, Tools ▸ Update in LibreOffice) "
                    "to add page numbers.",
        "summary": "Corpus", "date": "Date", "sources": "Sources", "informants": "Informants",
        "words": "Words", "segments": "Segments", "coded_segments": "Coded segments",
        "codings": "Codings", "codes_applied": "Codes applied",
        "reviews": "Review decisions", "review_counts": "Reviewed codings",
        "researcher": "Researcher", "table": "Table", "figure": "Figure",
        "rows": "rows", "appendix": "Appendix", "not_shown": "Not shown",
        "no_rows": "the project has no data for it",
        "charts": "Charts", "decision": "Decision", "new_code": "New code",
        "reviewer": "Reviewer", "when": "When", "comment": "Comment",
        "accept": "accepted", "reject": "rejected", "recode": "recoded",
        "pending": "pending",
        "intro_reduction": "Each coded segment with its quote, citation, code and the rule "
                           "that applied it; matched terms are highlighted.",
        "intro_display": "Matrices that display the coded data by informant, role, "
                         "technique, time and code.",
        "intro_conclusion": "Triangulation, the evidence behind each provisional "
                            "conclusion, and the reviewers' decisions.",
        "intro_codebook": "The codebook the data were coded with.",
    },
    "id": {
        "subtitle": "Laporan koding kualitatif", "contents": "Daftar Isi",
        "toc_hint": "Perbarui daftar ini (F9 di Word, Alat ▸ Perbarui di LibreOffice) "
                    "untuk menambahkan nomor halaman.",
        "summary": "Korpus", "date": "Tanggal", "sources": "Sumber data",
        "informants": "Informan", "words": "Kata", "segments": "Segmen",
        "coded_segments": "Segmen berkode", "codings": "Koding",
        "codes_applied": "Kode yang diterapkan", "reviews": "Keputusan tinjauan",
        "review_counts": "Koding yang ditinjau", "researcher": "Peneliti",
        "table": "Tabel", "figure": "Gambar", "rows": "baris", "appendix": "Lampiran",
        "not_shown": "Tidak ditampilkan", "no_rows": "proyek tidak memiliki data untuknya",
        "charts": "Grafik", "decision": "Keputusan", "new_code": "Kode baru",
        "reviewer": "Peninjau", "when": "Waktu", "comment": "Komentar",
        "accept": "diterima", "reject": "ditolak", "recode": "dikode ulang",
        "pending": "menunggu",
        "intro_reduction": "Setiap segmen berkode beserta kutipan, sitasi, kode, dan aturan "
                           "yang menerapkannya; kata yang cocok ditandai.",
        "intro_display": "Matriks yang menyajikan data berkode menurut informan, peran, "
                         "teknik, waktu, dan kode.",
        "intro_conclusion": "Triangulasi, bukti di balik setiap kesimpulan sementara, dan "
                            "keputusan peninjau.",
        "intro_codebook": "Buku kode yang digunakan untuk mengode data.",
    },
}


def say(key: str, language: str = "en") -> str:
    """The report's own text for ``key``; falls back to the table labels."""
    table = TEXT.get(language, TEXT["en"])
    return table.get(key) or TEXT["en"].get(key) or label(key, language)
