"""Exchange with other programs and people: REFI-QDA ``.qdpx`` projects read safely, and
codings from coded CSVs, ``.qdpx`` users or projects as comparable spans."""
