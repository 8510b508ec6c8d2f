"""Download and integrity helpers (``torchvision.datasets.utils``): md5 checks, URL download with
mirrors, archive extraction. Downloads use ``urllib`` with a timeout; nothing is fetched unless a
dataset is created with ``download=True``."""
from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile

__all__ = ["calculate_md5", "check_md5", "check_integrity", "download_url", "extract_archive",
           "download_and_extract_archive", "list_dir", "list_files"]

USER_AGENT = "ember-vision"


def calculate_md5(fpath, chunk_size: int = 1024 * 1024) -> str:
    """The hex md5 of a file."""
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        while chunk := f.read(chunk_size):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5: str, **kwargs) -> bool:
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5: str | None = None) -> bool:
    """The file exists and (when ``md5`` is given) has that md5."""
    if not os.path.isfile(fpath):
        return False
    if md5 is None:
        return True
    return check_md5(fpath, md5)


def download_url(url: str, root, filename: str | None = None, md5: str | None = None,
                 max_redirect_hops: int = 3, timeout: float = 30.0) -> None:
    """Download ``url`` to ``root/filename`` atomically and verify the md5 (raises RuntimeError)."""
    root = os.path.expanduser(root)
    if not filename:
        filename = os.path.basename(url)
    fpath = os.fspath(os.path.join(root, filename))
    os.makedirs(root, exist_ok=True)
    if check_integrity(fpath, md5):
        return
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".download-")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(req, timeout=timeout) as resp:
            shutil.copyfileobj(resp, out)
        if md5 is not None and not check_md5(tmp, md5):
            raise RuntimeError(f"The md5 checksum of the download of {url} does not match {md5}.")
        os.replace(tmp, fpath)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _decompress(from_path: str, to_path: str, opener) -> str:
    with opener(from_path, "rb") as rfh, open(to_path, "wb") as wfh:
        shutil.copyfileobj(rfh, wfh)
    return to_path


def extract_archive(from_path, to_path=None, remove_finished: bool = False) -> str:
    """Extract a .tar(.gz/.bz2/.xz)/.tgz/.zip archive or decompress a .gz/.bz2/.xz file."""
    from_path = os.fspath(from_path)
    if to_path is None:
        to_path = os.path.dirname(from_path)
    to_path = os.fspath(to_path)
    name = from_path.lower()
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz")):
        with tarfile.open(from_path, "r:*") as tar:
            try:
                tar.extractall(to_path, filter="data")
            except TypeError:  # Python without extraction filters
                tar.extractall(to_path)
        out = to_path
    elif name.endswith(".zip"):
        with zipfile.ZipFile(from_path, "r") as zf:
            zf.extractall(to_path)
        out = to_path
    else:
        openers = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
        ext = os.path.splitext(from_path)[1].lower()
        if ext not in openers:
            raise RuntimeError(f"Archive type of {from_path} is not supported.")
        target = os.path.join(to_path, os.path.basename(from_path)[: -len(ext)])
        out = _decompress(from_path, target, openers[ext])
    if remove_finished:
        os.remove(from_path)
    return out


def download_and_extract_archive(url: str, download_root, extract_root=None,
                                 filename: str | None = None, md5: str | None = None,
                                 remove_finished: bool = False) -> None:
    download_root = os.path.expanduser(download_root)
    if extract_root is None:
        extract_root = download_root
    if not filename:
        filename = os.path.basename(url)
    download_url(url, download_root, filename, md5)
    extract_archive(os.path.join(download_root, filename), extract_root, remove_finished)


def list_dir(root, prefix: bool = False) -> list:
    root = os.path.expanduser(root)
    directories = [p for p in sorted(os.listdir(root)) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, d) for d in directories] if prefix else directories


def list_files(root, suffix, prefix: bool = False) -> list:
    root = os.path.expanduser(root)
    files = [p for p in sorted(os.listdir(root))
             if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, d) for d in files] if prefix else files
