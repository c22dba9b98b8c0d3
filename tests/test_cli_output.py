"""The command line meets pipes and other programs: `--output -`, `| head`, honest flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from callreview.domain import CallRef
from callreview.library.bundle import export_bundle
from callreview.library.sample import import_sample
from callreview.secrets import MemorySecretStore
from tests.cli_helpers import run_cli
from tests.library.helpers import open_library

LONG_CALL = "rounded:c41d8e2b-7a9f-4e3c-b1d0-5f6a7b8c9d0e"  # 3:37, many lines
WITH_RECORDING = "ringyo:call_7f3a9c21"
NO_ANSWER = "ringyo:call_b84e0d55"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("sample-data")
    library = open_library(data)
    try:
        assert import_sample(library) > 0
    finally:
        library.close()
    return data


def _env(data: Path) -> dict[str, str]:
    return {**os.environ, "CALLREVIEW_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}


def _callreview(*args: str) -> list[str]:
    return [sys.executable, "-m", "callreview", *args]


def test_output_dash_writes_markdown_to_stdout_and_no_file(
    sample_dir: Path, tmp_path: Path
) -> None:
    done = subprocess.run(
        _callreview("export", WITH_RECORDING, "--format", "md", "--output", "-"),
        env=_env(sample_dir),
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"# Call summaries")
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_output_dash_writes_a_whole_pdf_to_stdout(sample_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        _callreview("export", WITH_RECORDING, LONG_CALL, "--format", "pdf", "--output", "-"),
        env=_env(sample_dir),
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"%PDF-") and done.stdout.rstrip().endswith(b"%%EOF")
    assert list(tmp_path.iterdir()) == []


def test_output_dash_refuses_what_makes_many_files(sample_dir: Path) -> None:
    code, out, err = run_cli(
        ["export", WITH_RECORDING, LONG_CALL, "--format", "srt", "--output", "-"],
        sample_dir,
        MemorySecretStore(),
    )
    assert code == 2 and out == ""
    assert "one file per call" in err and "folder" in err


def test_output_dash_to_a_text_stream_in_process(sample_dir: Path) -> None:
    code, out, err = run_cli(
        ["export", WITH_RECORDING, "--format", "segments-csv", "--output", "-"],
        sample_dir,
        MemorySecretStore(),
    )
    assert code == 0, err
    assert out.splitlines()[0].startswith("provider,call_id,index")


@pytest.mark.parametrize(
    "argv",
    [
        ["calls", "show", LONG_CALL],
        ["calls", "show", LONG_CALL, "--json"],
        ["calls", "list", "--json"],
        ["export", LONG_CALL, "--format", "json", "--output", "-"],
    ],
)
def test_a_reader_that_leaves_early_ends_it_quietly(sample_dir: Path, argv: list[str]) -> None:
    # The reader is gone before the first byte is written: the write must fail with EPIPE
    # every time, not only when `head` happens to exit first.
    with subprocess.Popen(
        _callreview(*argv), env=_env(sample_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert err == "", err
    assert code in (0, 141)


@pytest.mark.parametrize(
    ("fmt", "flag"),
    [
        ("srt", "--no-transcript"),
        ("vtt", "--no-transcript"),
        ("srt", "--bom"),
        ("json", "--bom"),
    ],
)
def test_options_that_mean_nothing_for_a_format_are_refused(
    sample_dir: Path, tmp_path: Path, fmt: str, flag: str
) -> None:
    code, _out, err = run_cli(
        ["export", WITH_RECORDING, "--format", fmt, flag, "--output", str(tmp_path / "x")],
        sample_dir,
        MemorySecretStore(),
    )
    assert code == 2, err
    assert flag in err and "no effect" in err and fmt in err
    assert list(tmp_path.iterdir()) == []


def test_a_skipped_call_is_named_on_stderr_and_the_rest_written(
    sample_dir: Path, tmp_path: Path
) -> None:
    out_dir = tmp_path / "subs"
    code, _out, err = run_cli(
        ["export", WITH_RECORDING, NO_ANSWER, "--format", "vtt", "--output", str(out_dir)],
        sample_dir,
        MemorySecretStore(),
    )
    assert code == 0, err
    assert f"{NO_ANSWER}: skipped" in err
    assert [p.name for p in out_dir.iterdir()] == ["ringyo_call_7f3a9c21.vtt"]


def test_a_call_imported_with_its_recording_is_not_missing_it(
    sample_dir: Path, tmp_path: Path
) -> None:
    library = open_library(sample_dir)
    try:
        bundle = tmp_path / "one.crbundle"
        export_bundle(library, [CallRef("ringyo", "call_7f3a9c21")], bundle)
    finally:
        library.close()
    other = tmp_path / "other"
    store = MemorySecretStore()
    assert run_cli(["bundle", "import", str(bundle)], other, store)[0] == 0
    code, out, err = run_cli(["calls", "show", WITH_RECORDING], other, store)
    assert code == 0, err
    assert "recording stored" in out and "missing" not in out
    code, out, err = run_cli(["calls", "show", WITH_RECORDING, "--json"], other, store)
    data = json.loads(out)
    assert data["recording"]["downloaded"] is True
    assert data["missing_parts"] == []
    code, out, err = run_cli(["calls", "list", "--json"], other, store)
    assert json.loads(out)[0]["missing_parts"] == []


def test_calls_show_json_writes_numbers_as_the_exports_do(sample_dir: Path) -> None:
    # The sample Rounded call answers "Satisfacción (1-5)" with 5, which its JSON spells 5.0.
    ref = "rounded:e8f7a6b5-c4d3-4e2f-a1b0-9c8d7e6f5a4b"
    code, out, err = run_cli(["calls", "show", ref, "--json"], sample_dir, MemorySecretStore())
    assert code == 0, err
    document = json.loads(out)
    values = [item["value"] for item in document["analysis"]["items"]]
    assert 5 in values and all(not isinstance(v, float) for v in values)

    def integral_floats(value: object) -> list[float]:
        if isinstance(value, dict):
            return [f for v in value.values() for f in integral_floats(v)]
        if isinstance(value, list):
            return [f for v in value for f in integral_floats(v)]
        return [value] if isinstance(value, float) and value.is_integer() else []

    assert integral_floats(document) == []
