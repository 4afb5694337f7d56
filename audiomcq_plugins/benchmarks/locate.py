"""Where a benchmark's files are found: :class:`Locating`, the lookup half of
:class:`~audiomcq_plugins.benchmarks.spec.BenchmarkSpec` (the resolution order is in
:mod:`audiomcq_plugins.benchmarks.spec`)."""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "AUDIOMCQ_DATA_DIR"


class DataNotFoundError(FileNotFoundError):
    """The benchmark's files are not where we looked; the message says what to download."""


class Locating:
    """Methods of :class:`~audiomcq_plugins.benchmarks.spec.BenchmarkSpec` that find its files
    (they read its ``name``, ``metadata``, ``layout``, ``hub_*``, ``revision`` and
    ``source_layout`` fields)."""

    def find_metadata(self, root: Path) -> list[Path]:
        """The metadata files of this layout under ``root`` (first matching pattern)."""
        if not root.is_dir():
            return []
        for pattern in self.metadata:
            found = sorted(p for p in root.glob(pattern) if p.is_file())
            if found:
                return found
        return []

    def _candidates(self, base: Path) -> list[Path]:
        """``<base>/<name>`` first: a folder holding several benchmarks must not lend one
        benchmark's files to another's wide glob (MMSU's ``**/*.parquet``)."""
        return [base / self.name, base]

    def locate(
        self,
        source: str | os.PathLike | None = None,
        *,
        data_dir: str | os.PathLike | None = None,
        hub: bool | None = None,
    ) -> tuple[Path, list[Path]]:
        """(data root, metadata files), following the resolution order of this module."""
        if source is not None:
            src = Path(source).expanduser()
            if src.is_file():
                return src.parent, [src]
            files = self.find_metadata(src)
            if files:
                return src, files
            raise DataNotFoundError(
                f"benchmark {self.name}: {src} does not hold its metadata "
                f"({' or '.join(self.metadata)}). {self._what_to_download()}"
            )
        tried = []
        for base in (data_dir, os.environ.get(ENV_VAR)):
            if not base:
                continue
            for cand in self._candidates(Path(base).expanduser()):
                tried.append(str(cand))
                files = self.find_metadata(cand)
                if files:
                    return cand, files
        if self.hub_id and _hub_allowed(hub):
            try:
                root = self._download()
            except Exception as exc:  # offline, gated repo, missing package...
                tried.append(f"hf://datasets/{self.hub_id} ({type(exc).__name__}: {exc})")
            else:
                files = self.find_metadata(root)
                if files:
                    return root, files
                tried.append(f"{root} (Hub snapshot without {' or '.join(self.metadata)})")
        looked = "; looked in: " + ", ".join(tried) if tried else ""
        raise DataNotFoundError(
            f"benchmark {self.name}: data not found{looked}. " + self._what_to_download()
        )

    def _what_to_download(self) -> str:
        hub = (
            f"Download hf://datasets/{self.hub_id} at revision {self.hub_revision or 'main'}"
            if self.hub_id
            else "Obtain the files"
        )
        pin = f" (checked against source revision {self.revision})" if self.revision else ""
        return (
            f"{hub}{pin}; the layout is: {self.layout}. Put it in a directory and pass it "
            f"(`audiomcq prepare --source DIR`, `audiomcq eval --data-dir DIR`, or "
            f"data_dir=DIR in Python), or set {ENV_VAR} to a folder holding {self.name}/."
        )

    def hub_files(self) -> list[str] | None:
        """``allow_patterns`` of a Hub download: the metadata patterns plus the audio (
        :attr:`hub_audio`, else the layout's audio folder); None (the whole repository) only
        when the layout names no audio location."""
        audio = self.hub_audio
        if audio is None:
            layout = self.source_layout
            folder = layout.audio_dir or str(layout.audio_root_template or "").split("{")[0]
            folder = folder.rstrip("/")
            if not folder:
                return None
            audio = (f"{folder}/*",)
        return [*self.metadata, *audio]

    def _download(self) -> Path:
        """Fetch only :meth:`hub_files` at :attr:`hub_revision` (the default branch when no
        revision is pinned)."""
        from huggingface_hub import snapshot_download

        return Path(
            snapshot_download(
                repo_id=self.hub_id,
                repo_type="dataset",
                revision=self.hub_revision,
                allow_patterns=self.hub_files(),
            )
        )


def _hub_allowed(hub: bool | None) -> bool:
    if hub is not None:
        return hub
    offline = {"1", "true", "yes"}
    return (
        os.environ.get("HF_HUB_OFFLINE", "").lower() not in offline
        and os.environ.get("HF_DATASETS_OFFLINE", "").lower() not in offline
    )
