"""The book's Sphinx extension: publishing the results with the HTML."""

from __future__ import annotations

import importlib.util
import zipfile

from esgrisk import paths

_spec = importlib.util.spec_from_file_location("book_extras", paths.ROOT / "book" / "_ext" / "book_extras.py")
book_extras = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(book_extras)


def _results(root):
    (root / "tables").mkdir(parents=True)
    (root / "figures").mkdir()
    (root / "fe_entity.json").write_text('{"model_id": "fe_entity"}\n')
    (root / "tables" / "tbl-x.csv").write_text("a,b\n1,2\n")
    (root / "figures" / "fig-y.png").write_bytes(b"\x89PNG fake")
    return root


def test_publish_results_copies_the_tree_and_zips_it_deterministically(tmp_path):
    results = _results(tmp_path / "results")
    out = tmp_path / "html"
    out.mkdir()
    book_extras.publish_results(results, out)
    first = (out / "results.zip").read_bytes()
    assert (out / "results" / "tables" / "tbl-x.csv").read_text() == "a,b\n1,2\n"
    assert (out / "results" / "figures" / "fig-y.png").read_bytes() == b"\x89PNG fake"
    with zipfile.ZipFile(out / "results.zip") as archive:
        assert sorted(archive.namelist()) == ["results/fe_entity.json", "results/figures/fig-y.png",
                                              "results/tables/tbl-x.csv"]
    book_extras.publish_results(results, out)   # a rebuild gives the same archive, byte for byte
    assert (out / "results.zip").read_bytes() == first


def test_publish_results_removes_what_is_no_longer_produced(tmp_path):
    results = _results(tmp_path / "results")
    out = tmp_path / "html"
    out.mkdir()
    book_extras.publish_results(results, out)
    (results / "tables" / "tbl-x.csv").unlink()
    book_extras.publish_results(results, out)
    assert not (out / "results" / "tables" / "tbl-x.csv").exists()
    with zipfile.ZipFile(out / "results.zip") as archive:
        assert "results/tables/tbl-x.csv" not in archive.namelist()
