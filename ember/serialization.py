"""``ember.save`` / ``ember.load``: PyTorch's checkpoint format, read and written without torch.

Files are interchangeable with ``torch.save``/``torch.load``: the zip format torch writes by
default (``<name>/data.pkl``, ``<name>/data/<key>`` storages stored uncompressed and aligned to
64 bytes, ``byteorder``, ``version``, ...) and torch's legacy pickle stream
(``_use_new_zipfile_serialization=False``). Loading is weights-only by default, like torch 2.6+.
"""
from __future__ import annotations

import contextlib
import importlib
import io
import mmap as _mmap
import os
import pickle
import secrets
import struct
import sys
import tempfile
import zipfile

from ._backend import np
from ._device import device as _device_cls
from ._serialization._zipfmt import ZipReader, ZipWriter

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals",
           "safe_globals", "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class _LazyModule:
    """Imports a sibling module on first use (it needs ``ember.nn``, which may still be loading
    while ``ember/__init__`` imports this file)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._name, __package__), attr)


_rd = _LazyModule("._serialization._pickle_read")
_UNSAFE = ("Re-running `ember.load` with `weights_only=False` will likely succeed, but it can "
           "result in arbitrary code execution. Do it only if you got the file from a trusted "
           "source.")


# -- saving ----------------------------------------------------------------------------------------
def save(obj, f, pickle_module=pickle, pickle_protocol: int = DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to a path or binary file object in torch's checkpoint format.

    Mirrors ``torch.save``: real ``torch.load`` reads the file back as torch tensors (views of one
    NumPy buffer stay views of one storage). A path is written to a temporary file in the same
    directory and moved into place, so a failed save never leaves a truncated file; file objects
    are written directly. ``pickle_module`` is accepted for compatibility (ember always uses its
    own pickler built on the standard library's).

    Example:
        >>> ember.save({"w": ember.ones(2, 3)}, "ckpt.pt")
    """
    from ._serialization._pickle_write import StorageTable, TorchPickler

    storages = StorageTable()
    legacy = not _use_new_zipfile_serialization
    buf = io.BytesIO()
    TorchPickler(buf, pickle_protocol, storages, legacy=legacy).dump(obj)
    pkl = buf.getvalue()

    def write(fp, archive_name):
        if legacy:
            _write_legacy(fp, pkl, storages, pickle_protocol)
        else:
            _write_zip(fp, archive_name, pkl, storages, _disable_byteorder_record)

    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        directory = os.path.dirname(os.path.abspath(path))
        name = os.path.splitext(os.path.basename(path))[0] or "archive"
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fp:
                write(fp, name)
                fp.flush()
                os.fsync(fp.fileno())
            os.chmod(tmp, _file_mode(path))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    else:
        if not hasattr(f, "write"):
            raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a "
                                 f"'write' attribute, got {type(f).__name__}")
        write(f, "archive")
        if hasattr(f, "flush"):
            f.flush()


def _file_mode(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _write_zip(fp, archive_name, pkl, storages, no_byteorder) -> None:
    zw = ZipWriter(fp, archive_name)
    zw.write_record("data.pkl", pkl)
    zw.write_record(".format_version", b"1")
    zw.write_record(".storage_alignment", b"64")
    if not no_byteorder:
        zw.write_record("byteorder", sys.byteorder.encode("ascii"))
    for ref in storages.records:
        zw.write_record(f"data/{ref.key}", ref.raw)
    zw.write_record("version", b"3\n")
    zw.write_record(".data/serialization_id", f"{secrets.randbelow(10 ** 40):040d}".encode())
    zw.close()


def _write_legacy(fp, pkl, storages, protocol) -> None:
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        pickle.dump(header, fp, protocol=protocol)
    fp.write(pkl)
    pickle.dump([ref.key for ref in storages.records], fp, protocol=protocol)
    for ref in storages.records:
        fp.write(struct.pack("<q", ref.numel))
        fp.write(memoryview(ref.raw))


# -- safe globals (torch.serialization.add_safe_globals) -------------------------------------------
def add_safe_globals(safe_globals) -> None:
    """Allow these classes/functions in ``weights_only`` loads (``torch`` names or ember's).

    Entries are objects (looked up by ``module.qualname``) or ``(object, "full.name")`` pairs.
    """
    for g in safe_globals:
        obj, name = g if isinstance(g, tuple) else (g, f"{g.__module__}.{g.__qualname__}")
        _rd.USER_ALLOWED[name] = obj
        if name.startswith("ember."):
            _rd.USER_ALLOWED["torch." + name[len("ember."):]] = obj


def get_safe_globals() -> list:
    """The objects added with ``add_safe_globals``."""
    return list({id(v): v for v in _rd.USER_ALLOWED.values()}.values())


def clear_safe_globals() -> None:
    _rd.USER_ALLOWED.clear()


@contextlib.contextmanager
def safe_globals(globals_list):
    """Context manager form of ``add_safe_globals``."""
    saved = dict(_rd.USER_ALLOWED)
    add_safe_globals(globals_list)
    try:
        yield
    finally:
        _rd.USER_ALLOWED.clear()
        _rd.USER_ALLOWED.update(saved)


# -- loading ---------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = True,
         mmap: bool | None = False, **pickle_load_args):
    """Load an object saved by ``torch.save`` or ``ember.save`` (tensors become ember tensors).

    Mirrors ``torch.load``: ``weights_only=True`` (the default) unpickles only tensors,
    parameters, containers, ``Size``, dtypes, devices and torch's short allow-list, and raises
    ``pickle.UnpicklingError`` naming any other global; ``weights_only=False`` runs a full pickle
    (trusted files only) and maps ``torch.*`` classes to their ``ember.*`` twins. ``mmap=True``
    maps the file copy-on-write instead of reading it. ``map_location`` may be a device, string,
    dict or callable; every storage must end up on the CPU.

    Example:
        >>> sd = ember.load("model.pt", map_location="cpu")
    """
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, bytes, os.PathLike)):
        name = os.fsdecode(f)
        with open(name, "rb") as fp:
            return _load_stream(fp, name, map_location, pickle_module, weights_only, mmap,
                                pickle_load_args)
    if not hasattr(f, "read"):
        raise AttributeError(f"expected 'f' to be string, path, or a file-like object with a "
                             f"'read' attribute, got {type(f).__name__}")
    name = getattr(f, "name", None)
    name = name if isinstance(name, str) else f"<{type(f).__name__} object>"
    return _load_stream(f, name, map_location, pickle_module, weights_only, mmap,
                        pickle_load_args)


def _restore_location(map_location):
    """torch's ``_get_restore_location`` for a CPU-only build."""
    def default(storage, location):
        _rd.check_cpu(location)
        return storage

    if map_location is None:
        return default
    if isinstance(map_location, dict):
        return lambda storage, location: default(storage, map_location.get(location, location))
    if isinstance(map_location, (str, bytes, _device_cls)):
        return lambda storage, location: default(storage, map_location)
    if callable(map_location):
        def call(storage, location):
            result = map_location(storage, location)
            if result is None:
                return default(storage, location)
            if not isinstance(result, _rd.Storage):
                raise TypeError(f"map_location returned {type(result).__name__}; it should "
                                f"return the storage it was given (or None)")
            return result
        return call
    raise TypeError(f"map_location should be a str, device, dict or callable, not "
                    f"{type(map_location).__name__}")


def _load_stream(fp, name, map_location, pickle_module, weights_only, use_mmap, load_args):
    start = fp.tell() if hasattr(fp, "tell") else 0
    head = fp.read(4)
    if not head:
        raise EOFError(f"Ran out of input: '{name}' is empty, not a checkpoint")
    fp.seek(start)
    restore = _restore_location(map_location)
    try:
        if head == b"PK\x03\x04":
            return _load_zip(fp, name, restore, pickle_module, weights_only, use_mmap, load_args)
        if use_mmap:
            raise RuntimeError(f"mmap can only be used with files saved with `torch.save({name}, "
                               f"_use_new_zipfile_serialization=True)`, please torch.save your "
                               f"checkpoint with this option in order to use mmap.")
        return _load_legacy(fp, name, restore, pickle_module, weights_only, load_args)
    except pickle.UnpicklingError as e:
        if weights_only and not getattr(e, "_ember_file_error", False):
            raise pickle.UnpicklingError(_weights_only_message(str(e), name)) from None
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, struct.error, EOFError,
            UnicodeDecodeError, OSError) as e:
        raise RuntimeError(f"Failed to load '{name}': PytorchStreamReader failed reading the "
                           f"checkpoint ({type(e).__name__}: {e}). The file is truncated or "
                           f"corrupted, or it is not a checkpoint written by torch.save / "
                           f"ember.save.") from e


def _weights_only_message(message: str, name: str) -> str:
    if "was not an allowed global by default" in message:
        return ("Weights only load failed. This file can still be loaded, to do so you have two "
                f"options, do those steps only if you trust the source of the checkpoint "
                f"('{name}'). \n\t(1) {_UNSAFE}\n\t(2) Alternatively, to load with "
                "`weights_only=True` please check the recommended steps in the following error "
                "message.\n\tWeightsUnpickler error: " + message)
    return (f"Weights only load failed ('{name}'). {_UNSAFE}\n\nWeightsUnpickler error: "
            + message)


def _file_error(message: str) -> pickle.UnpicklingError:
    err = pickle.UnpicklingError(message)
    err._ember_file_error = True
    return err


def _unpickler(file, load_storage, pickle_module, weights_only, load_args):
    if weights_only:
        return _rd.WeightsOnlyUnpickler(file, load_storage,
                                        encoding=load_args.get("encoding", "utf-8"))
    return _rd.full_unpickler(pickle_module, file, load_storage, **load_args)


def _load_zip(fp, name, restore, pickle_module, weights_only, use_mmap, load_args):
    try:
        reader = ZipReader(fp)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise RuntimeError(f"PytorchStreamReader failed reading zip archive '{name}': {e}. The "
                           f"checkpoint file is likely truncated or corrupted (it may not have "
                           f"been saved completely or was transferred incorrectly).") from e
    if reader.has_record("constants.pkl"):
        raise RuntimeError(f"'{name}' is a TorchScript archive (torch.jit.save); ember.load "
                           f"reads torch.save checkpoints only")
    swap = False
    if reader.has_record("byteorder"):
        order = reader.get_record("byteorder")
        if order not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + order.decode(errors="replace"))
        swap = order.decode() != sys.byteorder
    mm = None
    if use_mmap:
        try:
            fileno = fp.fileno()
        except (AttributeError, OSError, ValueError):
            raise ValueError(f"f must be a file path (or a real file) in order to use the mmap "
                             f"argument; got {name}") from None
        mm = _mmap.mmap(fileno, 0, access=_mmap.ACCESS_COPY)
    loaded: dict = {}

    def load_storage(dtype, numel, key, location, view):
        storage = loaded.get(key)
        if storage is None:
            record = f"data/{key}"
            nbytes = numel * dtype.itemsize
            if not reader.has_record(record):
                raise RuntimeError(f"'{name}' has no record '{record}' for a storage the pickle "
                                   f"refers to; the checkpoint is corrupted")
            if reader.record_size(record) != nbytes:
                raise RuntimeError(f"record '{record}' of '{name}' holds "
                                   f"{reader.record_size(record)} bytes, expected {nbytes}")
            if mm is not None and reader.is_stored(record) and nbytes:
                raw = np.ndarray((nbytes,), np.uint8, buffer=mm, offset=reader.data_offset(record))
            else:
                raw = np.empty(nbytes, np.uint8)
                reader.read_into(record, raw)
            if swap and dtype.itemsize > 1:
                typed = raw.view(dtype.np if not dtype.is_complex else dtype.to_real().np)
                typed.byteswap(inplace=True)
            storage = restore(_rd.Storage(raw, dtype, location), location)
            loaded[key] = storage
        return storage

    data = io.BytesIO(reader.get_record("data.pkl"))
    return _unpickler(data, load_storage, pickle_module, weights_only, load_args).load()


def _load_legacy(fp, name, restore, pickle_module, weights_only, load_args):
    import tarfile

    start = fp.tell()
    with contextlib.suppress(Exception):
        if tarfile.is_tarfile(fp):
            raise RuntimeError(f"'{name}' is a legacy tar-format checkpoint (PyTorch < 0.4); "
                               f"ember cannot read it. Re-save it with a recent torch.save.")
    fp.seek(start)
    no_storage = _no_storage(name)

    def header():
        try:
            return _unpickler(fp, no_storage, pickle_module, weights_only, load_args).load()
        except (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError,
                TypeError) as e:
            raise _file_error(f"'{name}' is not a checkpoint written by torch.save or ember.save "
                              f"(neither a zip archive nor torch's legacy format: "
                              f"{type(e).__name__}: {e})") from None

    magic = header()
    if magic != MAGIC_NUMBER:
        raise _file_error(f"Invalid magic number; '{name}' is corrupt or not a checkpoint")
    version = header()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version} in '{name}'")
    sys_info = header()
    if isinstance(sys_info, dict) and sys_info.get("little_endian") is False:
        raise RuntimeError(f"'{name}' was saved on a big-endian machine in the legacy format; "
                           f"ember cannot read it")
    roots: dict = {}
    views: dict = {}

    def load_storage(dtype, numel, key, location, view):
        root = roots.get(key)
        if root is None:
            root = restore(_rd.Storage(np.empty(numel * dtype.itemsize, np.uint8), dtype,
                                       location), location)
            roots[key] = root
        if view is None:
            return root
        view_key, offset, size = view
        if view_key not in views:
            item = dtype.itemsize
            views[view_key] = _rd.Storage(root.raw[offset * item:(offset + size) * item], dtype,
                                          location)
        return views[view_key]

    result = _unpickler(fp, load_storage, pickle_module, weights_only, load_args).load()
    keys = _unpickler(fp, no_storage, pickle_module, weights_only, load_args).load()
    for key in keys:
        storage = roots[str(key)]
        (numel,) = struct.unpack("<q", _read_exact(fp, 8, name))
        if numel * storage.dtype.itemsize != storage.raw.nbytes:
            raise RuntimeError(f"storage {key} of '{name}' holds {numel} elements, expected "
                               f"{storage.size()}")
        _read_into(fp, storage.raw, name)
    return result


def _no_storage(name):
    def load_storage(*args):
        raise _file_error(f"unexpected storage reference in a header of '{name}'")
    return load_storage


def _read_exact(fp, n, name) -> bytes:
    data = fp.read(n)
    if len(data) != n:
        raise EOFError(f"'{name}' ends before its tensor data does")
    return data


def _read_into(fp, raw, name) -> None:
    mv = memoryview(raw).cast("B")
    got = 0
    while got < mv.nbytes:
        n = fp.readinto(mv[got:]) if hasattr(fp, "readinto") else None
        if n is None:
            chunk = fp.read(mv.nbytes - got)
            n = len(chunk)
            mv[got:got + n] = chunk
        if not n:
            raise EOFError(f"'{name}' ends before its tensor data does")
        got += n
