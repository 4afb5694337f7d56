"""The one reader of record files (benchmark metadata and prediction files)."""

from __future__ import annotations

import json

import pytest

from audiomcq_plugins.benchmarks.records import WRAPPERS
from audiomcq_plugins.recordfiles import RecordFileError, read_jsonl, read_records

RECORDS = [{"id": "a", "x": 1}, {"id": "b", "x": [1, 2]}]


class TestRecordFiles:
    @pytest.mark.parametrize("name", ["r.json", "r.jsonl", "r.txt"])
    def test_list_and_jsonl_are_read_from_the_content_whatever_the_name(self, tmp_path, name):
        as_list, as_lines = tmp_path / f"list-{name}", tmp_path / f"lines-{name}"
        as_list.write_text(json.dumps(RECORDS, indent=2))
        as_lines.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n\n")
        assert read_records(as_list) == RECORDS == read_records(as_lines)

    def test_wrapper_only_where_the_caller_names_it(self, tmp_path):
        path = tmp_path / "w.json"
        path.write_text(json.dumps({"data": RECORDS}, indent=1))
        assert read_records(path, wrappers=WRAPPERS) == RECORDS
        with pytest.raises(RecordFileError, match=r"w.json:1: not valid JSON"):
            read_records(path)  # a pretty-printed object is not JSONL
        one_line = tmp_path / "one.json"
        one_line.write_text(json.dumps({"data": RECORDS}))
        assert read_records(one_line) == [{"data": RECORDS}]  # a one-line JSONL file

    def test_one_object_is_one_record(self, tmp_path):
        path = tmp_path / "o.json"
        path.write_text(json.dumps(RECORDS[0], indent=1))
        assert read_records(path, wrappers=WRAPPERS) == [RECORDS[0]]

    def test_empty_file_has_no_records(self, tmp_path):
        (tmp_path / "e.json").write_text("  \n")
        assert read_records(tmp_path / "e.json") == []

    def test_bad_jsonl_line_names_file_and_line(self, tmp_path):
        path = tmp_path / "p.jsonl"
        path.write_text(json.dumps(RECORDS[0]) + "\n\n{oops\n")
        with pytest.raises(RecordFileError, match=r"p.jsonl:3: not valid JSON.*fix or remove"):
            read_records(path)
        with pytest.raises(ValueError, match=r"p.jsonl:3"):
            list(read_jsonl(path))

    def test_bad_json_list_names_line_and_column(self, tmp_path):
        path = tmp_path / "p.json"
        path.write_text('[\n {"id": 1},\n {"id": 2\n]')
        with pytest.raises(RecordFileError, match=r"p.json:4: not valid JSON.*line 4 column"):
            read_records(path)

    @pytest.mark.parametrize(
        ("content", "pattern"),
        [
            ("[1, 2]", r"record 1 is int 1, not a JSON object"),
            ('{"id": 1}\n\n[3]\n', r"record 2 \(line 3\) is list \[3\], not a JSON object"),
        ],
    )
    def test_non_objects_are_named(self, tmp_path, content, pattern):
        path = tmp_path / "p.json"
        path.write_text(content)
        with pytest.raises(RecordFileError, match=pattern):
            read_records(path)

    def test_jsonl_is_read_lazily(self, tmp_path):
        path = tmp_path / "p.jsonl"
        path.write_text(json.dumps(RECORDS[0]) + "\n{oops\n")
        values = read_jsonl(path)
        assert next(values) == RECORDS[0]
        with pytest.raises(RecordFileError):
            next(values)
