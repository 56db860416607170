"""Reading a register file (XLSX or CSV) as pandas DataFrame chunks with bounded memory.

CSV goes through ``pandas.read_csv(chunksize=…)``. XLSX is streamed: the sheet's XML is decompressed
and parsed by expat as it is read (openpyxl's read-only mode costs about ten times more per cell,
over a minute for a register of 100,000 letters on a shared machine), and rows are handed over in
DataFrame chunks. Merged cells get their top-left value (the range list is read first, from the end
of the sheet). Cells keep their raw types: numbers stay numbers (an Excel date is its serial number;
``domain.register_import.parse_date`` reads it), text stays text.

Anything that is not a readable register raises :class:`ImportProblem` with a code: an encrypted
(password-protected) or old binary workbook, a corrupt archive, text that is not UTF-8 (Windows-1258,
UTF-16), a file over the size limit.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from typing import Any, Iterator
from xml.parsers import expat

import pandas as pd

from .domain.register_import import ImportProblem, MergeFiller

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # encrypted OOXML and old .xls are OLE2 files
CHUNK_ROWS = 5000
READ_BYTES = 1 << 20
MAX_SHEET_XML = 2 << 30   # refuse a "zip bomb": 2 GiB of sheet XML


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_REF = re.compile(r"([A-Z]+)(\d+)")


def open_register(path: str, *, max_bytes: int, filename: str | None = None) -> "XlsxReader | CsvReader":
    """The reader for ``path``, chosen by content (the name's extension only breaks ties)."""
    try:
        size = os.path.getsize(path)
    except OSError:
        raise ImportProblem("unreadable") from None
    if size > max_bytes:
        raise ImportProblem("too_big", size_mb=round(size / 1048576, 1), max_mb=round(max_bytes / 1048576))
    if size == 0:
        raise ImportProblem("empty")
    with open(path, "rb") as fh:
        head = fh.read(8)
    name = (filename or path).lower()
    if head.startswith(OLE_MAGIC):
        raise ImportProblem("encrypted_or_xls")
    if head.startswith(b"PK"):
        return XlsxReader(path)
    if name.endswith((".xlsx", ".xlsm")):
        raise ImportProblem("corrupt_xlsx")
    return CsvReader(path)


class XlsxReader:
    fmt = "xlsx"

    def __init__(self, path: str):
        self.path = path
        try:
            self.zf = zipfile.ZipFile(path)
            names = set(self.zf.namelist())
            if "EncryptionInfo" in names or "xl/workbook.xml" not in names:
                raise ImportProblem("corrupt_xlsx")
            self.sheet = self._first_sheet(names)
            info = self.zf.getinfo(self.sheet)
            if info.file_size > MAX_SHEET_XML:
                raise ImportProblem("too_big_unpacked")
            self.sheet_size = info.file_size or 1
            self.shared = self._shared_strings() if "xl/sharedStrings.xml" in names else []
            self.merges = self._merges()
        except ImportProblem:
            raise
        except (zipfile.BadZipFile, KeyError, EOFError, OSError, expat.ExpatError, ValueError, RuntimeError,
                zlib_error()):
            raise ImportProblem("corrupt_xlsx") from None
        self._read = 0

    def _first_sheet(self, names: set[str]) -> str:
        wb = self.zf.read("xl/workbook.xml").decode("utf-8")
        m = re.search(r"<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id=\"([^\"]+)\"", wb)
        if m and "xl/_rels/workbook.xml.rels" in names:
            rels = self.zf.read("xl/_rels/workbook.xml.rels").decode("utf-8")
            for rel in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)>", rels):
                attrs = dict(re.findall(r"(\w+)=\"([^\"]*)\"", rel.group(1)))
                if attrs.get("Id") == m.group(1):
                    target = attrs.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    path = os.path.normpath(path).replace(os.sep, "/")
                    if path in names:
                        return path
        sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        if not sheets:
            raise ImportProblem("corrupt_xlsx")
        return sheets[0]

    def _shared_strings(self) -> list[str]:
        out: list[str] = []
        buf: list[str] = []
        state = {"t": False, "skip": 0}

        def start(name, attrs):
            local = name.rpartition(":")[2]
            if local == "si":
                buf.clear()
            elif local == "t":
                state["t"] = True
            elif local == "rPh":   # phonetic runs are not part of the text
                state["skip"] += 1

        def end(name):
            local = name.rpartition(":")[2]
            if local == "si":
                out.append("".join(buf))
            elif local == "t":
                state["t"] = False
            elif local == "rPh":
                state["skip"] -= 1

        def chars(data):
            if state["t"] and not state["skip"]:
                buf.append(data)

        p = expat.ParserCreate()
        p.buffer_text = True
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = start, end, chars
        with self.zf.open("xl/sharedStrings.xml") as fh:
            while data := fh.read(READ_BYTES):
                p.Parse(data, False)
        p.Parse(b"", True)
        return out

    def _merges(self) -> list[tuple[int, int, int, int]]:
        """Merged ranges, from the ``<mergeCells>`` element after the rows (a regex over the stream:
        the element is small and comes last)."""
        pat = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
        out, tail = [], b""
        with self.zf.open(self.sheet) as fh:
            while data := fh.read(READ_BYTES):
                block = tail + data
                for m in pat.finditer(block):
                    out.append((int(m[2]), _col_index(m[1].decode()) + 1, int(m[4]), _col_index(m[3].decode()) + 1))
                cut = block.rfind(b"<")
                tail = block[cut:] if cut >= 0 and len(block) - cut < 200 else b""
        return sorted(set(out))

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(sheet row number, cells) for every row with a cell, in order; merged cells filled."""
        filler = MergeFiller(self.merges)
        sheet = _SheetRows(self.shared)
        p = expat.ParserCreate()
        p.buffer_text = True
        p.StartElementHandler, p.EndElementHandler, p.CharacterDataHandler = sheet.start, sheet.end, sheet.chars
        pending = sheet.pending
        try:
            with self.zf.open(self.sheet) as fh:
                while data := fh.read(READ_BYTES):
                    self._read += len(data)
                    p.Parse(data, False)
                    for r, row_cells in pending:
                        yield r, filler.apply(r, row_cells)
                    pending.clear()
                p.Parse(b"", True)
        except (expat.ExpatError, zipfile.BadZipFile, EOFError, OSError, IndexError, ValueError, zlib_error()):
            raise ImportProblem("corrupt_xlsx") from None
        for r, row_cells in pending:
            yield r, filler.apply(r, row_cells)

    def head(self, n: int = 30) -> list[tuple[int, list[Any]]]:
        out = []
        for item in self.rows():
            out.append(item)
            if len(out) >= n:
                break
        return out

    def batches(self, after_line: int, size: int = CHUNK_ROWS) -> Iterator[list[tuple[int, list[Any]]]]:
        """Lists of (sheet row number, cells) below ``after_line`` (the header); rows keep their own
        length (a missing cell at the end is a blank)."""
        batch: list[tuple[int, list[Any]]] = []
        for item in self.rows():
            if item[0] <= after_line:
                continue
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def chunks(self, after_line: int, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        """DataFrames of the rows below ``after_line`` (the header), indexed by sheet row number."""
        for batch in self.batches(after_line, size):
            yield _frame(batch)

    def fraction(self) -> float:
        return min(1.0, self._read / max(1, self.sheet_size))


def _local(name: str) -> str:
    return name if ":" not in name else name.rpartition(":")[2]


class _SheetRows:
    """expat's handlers for a sheet's XML: the rows it completes go to ``pending`` as (row number,
    cells); a cell keeps its raw type (a number a float, a shared or inline string its text)."""

    def __init__(self, shared: list[str]):
        self.shared = shared
        self.pending: list[tuple[int, list[Any]]] = []
        self.letters: dict[str, int] = {}
        self.row_no, self.cells, self.col, self.ctype, self.buf, self.on = 0, [], -1, "n", [], False

    def start(self, name, attrs):
        if name != "c" and name != "v" and name != "row" and name != "t":
            name = _local(name)
        if name == "c":
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                c = self.letters.get(letters)
                if c is None:
                    c = self.letters[letters] = _col_index(letters)
                self.col = c
            else:
                self.col += 1
            self.ctype = attrs.get("t", "n")
            self.buf = []
        elif name == "v" or name == "t":
            self.on = True
        elif name == "row":
            r = attrs.get("r")
            self.row_no = int(r) if r else self.row_no + 1
            self.cells, self.col = [], -1

    def end(self, name):
        if name != "c" and name != "v" and name != "row" and name != "t":
            name = _local(name)
        if name == "v" or name == "t":
            self.on = False
        elif name == "c":
            buf = self.buf
            value = _cell_value(self.ctype, "".join(buf) if len(buf) != 1 else buf[0], self.shared)
            cells, col = self.cells, self.col
            n = len(cells)
            if col == n:
                cells.append(value)
            else:
                if col > n:
                    cells.extend([None] * (col - n + 1))
                cells[col] = value
        elif name == "row":
            self.pending.append((self.row_no, self.cells))

    def chars(self, data):
        if self.on:
            self.buf.append(data)


def _cell_value(t: str, raw: str, shared: list[str]) -> Any:
    if t == "n":
        return float(raw) if raw else None
    if raw == "" and t != "inlineStr":
        return None
    if t == "s":
        return shared[int(raw)]
    if t == "inlineStr" or t == "str":
        return raw
    if t == "b":
        return raw == "1"
    if t == "d":
        return raw[:10]
    return None   # an error value (#N/A…)


def zlib_error():
    import zlib
    return zlib.error


def _frame(batch: list[tuple[int, list[Any]]]) -> pd.DataFrame:
    width = max((len(c) for _r, c in batch), default=0)
    return pd.DataFrame([c + [None] * (width - len(c)) for _r, c in batch], index=[r for r, _c in batch],
                        columns=range(width), dtype=object)


class CsvReader:
    """A CSV register in UTF-8 (with or without a BOM), comma, semicolon or tab separated. Lines are
    numbered as a spreadsheet shows them (a quoted value over several lines is one row)."""

    fmt = "csv"

    def __init__(self, path: str):
        self.path = path
        with open(path, "rb") as fh:
            sample = fh.read(READ_BYTES)
        if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or sample[:4000].count(b"\x00") > 10:
            raise ImportProblem("csv_utf16")
        try:
            text = codecs.getincrementaldecoder("utf-8-sig")().decode(sample, final=False)
        except UnicodeDecodeError:
            raise ImportProblem("csv_encoding") from None
        lines = text.splitlines()[:200]
        try:
            self.sep = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t").delimiter
        except csv.Error:
            self.sep = ","
        rows = list(csv.reader(io.StringIO("\n".join(lines[:-1] if len(lines) > 1 else lines)), delimiter=self.sep))
        self.width = max((len(r) for r in rows), default=1)
        self.size = os.path.getsize(path)
        self._fh = None

    def _reader(self, size: int):
        self._fh = open(self.path, "rb")
        return pd.read_csv(self._fh, sep=self.sep, header=None, names=range(self.width), dtype=str,
                           keep_default_na=False, na_filter=False, skip_blank_lines=False,
                           encoding="utf-8-sig", encoding_errors="strict", chunksize=size, engine="c")

    def rows_frames(self, size: int) -> Iterator[pd.DataFrame]:
        try:
            with self._reader(size) as it:
                start = 1
                for df in it:
                    df.index = range(start, start + len(df))
                    start += len(df)
                    yield df
        except UnicodeDecodeError:
            raise ImportProblem("csv_encoding") from None
        except pd.errors.ParserError as exc:
            m = re.search(r"line (\d+)", str(exc))
            raise ImportProblem("csv_ragged", line=int(m.group(1)) if m else 0, width=self.width) from None
        finally:
            if self._fh is not None:
                self._fh.close()

    def head(self, n: int = 30) -> list[tuple[int, list[Any]]]:
        for df in self.rows_frames(n):
            return [(int(i), list(r)) for i, r in zip(df.index, df.itertuples(index=False, name=None))]
        return []

    def chunks(self, after_line: int, size: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        for df in self.rows_frames(size):
            df = df[df.index > after_line]
            if len(df):
                yield df

    def batches(self, after_line: int, size: int = CHUNK_ROWS) -> Iterator[list[tuple[int, list[Any]]]]:
        for df in self.chunks(after_line, size):
            yield list(frame_rows(df))

    def fraction(self) -> float:
        try:
            return min(1.0, self._fh.tell() / max(1, self.size)) if self._fh and not self._fh.closed else 1.0
        except (ValueError, OSError):
            return 1.0


def frame_rows(df: pd.DataFrame) -> Iterator[tuple[int, list[Any]]]:
    """(line, cells) of a chunk; through one object array (cheaper than ``itertuples`` on string columns)."""
    return zip(df.index.tolist(), df.to_numpy(dtype=object).tolist())
