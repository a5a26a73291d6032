"""Stream rows out of CSV, JSON Lines and Parquet files without loading them whole.

Every row comes with its line number (CSV/JSONL: the physical line where the record
ends, header = line 1; Parquet: the row's position, starting at 1), so a bad row can
be reported where a person would look for it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class ReadError(ValueError):
    """The file as a whole cannot be read (not a row problem)."""


@dataclass(slots=True)
class Row:
    line: int
    values: dict[str, Any] | None  # None when the line could not be parsed
    error: str | None = None


def detect_format(path: Path, declared: str | None = None) -> str:
    if declared:
        if declared not in ("csv", "jsonl", "parquet"):
            raise ReadError(f"Unknown format {declared!r}; use csv, jsonl or parquet.")
        return declared
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    for suffix in reversed(suffixes):
        if suffix in FORMATS:
            return FORMATS[suffix]
    raise ReadError(
        f"Cannot tell the format of {path.name} from its name; pass --format csv|jsonl|parquet."
    )


class _CountingReader(io.RawIOBase):
    """Wraps a binary file and counts bytes read, for the progress bar."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        return n


class RowSource:
    """Rows of one file; ``progress()`` says how far through it we are (0..total)."""

    def __init__(self, path: Path, fmt: str | None = None, *, delimiter: str | None = None) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise ReadError(f"No such file: {self.path}")
        self.format = detect_format(self.path, fmt)
        self.delimiter = delimiter or ("\t" if self.path.suffix.lower() == ".tsv" else ",")
        self.total = self.path.stat().st_size
        self._counter: _CountingReader | None = None
        self._parquet_rows = 0

    def progress(self) -> int:
        if self.format == "parquet":
            return self._parquet_rows
        return self._counter.count if self._counter else 0

    def rows(self) -> Iterator[Row]:
        if self.format == "csv":
            yield from self._csv()
        elif self.format == "jsonl":
            yield from self._jsonl()
        else:
            yield from self._parquet()

    def _open_binary(self) -> Any:
        raw = self.path.open("rb")
        if self.path.suffix.lower() == ".gz":
            import gzip

            raw = gzip.open(raw)  # noqa: SIM115 - closed with the reader that wraps it
        self._counter = _CountingReader(raw)
        return io.BufferedReader(self._counter, buffer_size=1 << 20)

    def _csv(self) -> Iterator[Row]:
        with io.TextIOWrapper(
            self._open_binary(), encoding="utf-8-sig", errors="replace", newline=""
        ) as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                header = next(reader)
            except StopIteration:
                return
            header = [name.strip() for name in header]
            if len(set(header)) != len(header):
                raise ReadError(f"{self.path.name}: the header repeats a column name: {header}")
            width = len(header)
            for record in reader:
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != width:
                    yield Row(
                        reader.line_num,
                        None,
                        f"expected {width} columns as in the header, found {len(record)}",
                    )
                    continue
                yield Row(
                    reader.line_num,
                    {k: (v if v != "" else None) for k, v in zip(header, record, strict=True)},
                )

    def _jsonl(self) -> Iterator[Row]:
        with self._open_binary() as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    value = orjson.loads(line)
                except orjson.JSONDecodeError as error:
                    yield Row(number, None, f"not valid JSON: {error}")
                    continue
                if not isinstance(value, dict):
                    yield Row(number, None, "each line must be a JSON object")
                    continue
                yield Row(number, value)

    def _parquet(self) -> Iterator[Row]:
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as error:  # pyarrow raises several types for a bad file
            raise ReadError(f"{self.path.name} is not a readable Parquet file: {error}") from None
        self.total = parquet.metadata.num_rows
        number = 0
        for batch in parquet.iter_batches(batch_size=10_000):
            for values in batch.to_pylist():
                number += 1
                yield Row(number, values)
            self._parquet_rows = number
