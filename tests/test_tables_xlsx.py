"""matrices.xlsx: empty cells do not break the sheet formatting."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from qualcode.export.tables import write_xlsx


def test_missing_values_are_written_as_empty_cells(tmp_path):
    frame = pd.DataFrame({"Kode": ["PENG-TL", None], "Kutipan": ["x" * 50, None],
                          "n": [3, None]})
    path = tmp_path / "m.xlsx"
    write_xlsx({"t": frame}, path)
    sheet = load_workbook(path)["t"]
    assert [c.value for c in sheet[3]] == [None, None, None]
    assert sheet["B2"].alignment.wrap_text  # the long column wraps
    assert sheet.column_dimensions["B"].width == 52
