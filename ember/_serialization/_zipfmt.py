"""The zip container of torch's checkpoint format, written and read without torch.

torch writes with (its fork of) miniz: every entry is *stored* (uncompressed), the local header
carries an ``FB`` extra field padded with ``Z`` bytes so that the entry's data starts on a
64-byte boundary (for memory mapping), non-empty entries are followed by a data descriptor, and
timestamps are zero. ``ZipWriter`` reproduces that layout byte for byte (zip64 records are added
only past 4 GiB); reading goes through :mod:`zipfile` plus the local header for data offsets.
"""
from __future__ import annotations

import struct
import zipfile
import zlib

__all__ = ["ZipWriter", "ZipReader", "ALIGNMENT"]

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_EOCD = struct.Struct("<IHHHHIIH")
_UTF8 = 0x0800
_DESCRIPTOR = 0x0008


class ZipWriter:
    """Write stored, 64-byte aligned zip entries under ``<archive_name>/`` to a binary stream."""

    def __init__(self, fp, archive_name: str, alignment: int = ALIGNMENT) -> None:
        self.fp = fp
        self.prefix = archive_name + "/"
        self.alignment = alignment
        self.offset = 0
        self.entries = []  # (name bytes, crc, size, header offset, flags)

    def _write(self, data) -> None:
        self.fp.write(data)
        self.offset += len(data) if not isinstance(data, memoryview) else data.nbytes

    def write_record(self, name: str, data) -> None:
        """Append one entry; ``data`` is bytes or a C-contiguous buffer (memoryview)."""
        full = (self.prefix + name).encode("utf-8")
        view = memoryview(data).cast("B") if not isinstance(data, (bytes, bytearray)) else data
        size = len(view)
        hdr = self.offset
        big = size >= _U32
        extra = b""
        if big:  # zip64 extra field with both sizes; the header fields say 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, size, size)
        after = hdr + _LOCAL.size + len(full) + len(extra) + 4
        pad = (-after) % self.alignment
        extra += b"FB" + struct.pack("<H", pad) + b"Z" * pad
        flags = _UTF8 | (_DESCRIPTOR if size else 0)
        hsize = _U32 if big else 0
        self._write(_LOCAL.pack(0x04034B50, 45 if big else 0, flags, 0, 0, 0, 0, hsize, hsize,
                                len(full), len(extra)))
        self._write(full)
        self._write(extra)
        crc = 0
        chunk = 1 << 26
        for start in range(0, size, chunk):
            part = view[start:start + chunk]
            crc = zlib.crc32(part, crc)
            self._write(part)
        if size:
            if big or hdr >= _U32:
                self._write(struct.pack("<IIQQ", 0x08074B50, crc, size, size))
            else:
                self._write(struct.pack("<IIII", 0x08074B50, crc, size, size))
        self.entries.append((full, crc, size, hdr, flags))

    def close(self) -> None:
        """Write the central directory and the end records (zip64 ones when needed)."""
        cd_start = self.offset
        for full, crc, size, hdr, flags in self.entries:
            z64 = b""
            if size >= _U32:
                z64 += struct.pack("<QQ", size, size)
            if hdr >= _U32:
                z64 += struct.pack("<Q", hdr)
            extra = struct.pack("<HH", 1, len(z64)) + z64 if z64 else b""
            s = _U32 if size >= _U32 else size
            self._write(_CENTRAL.pack(0x02014B50, 0, 45 if z64 else 0, flags, 0, 0, 0, crc, s, s,
                                      len(full), len(extra), 0, 0, 0, 0, min(hdr, _U32)))
            self._write(full)
            self._write(extra)
        cd_size = self.offset - cd_start
        count = len(self.entries)
        if count >= 0xFFFF or cd_size >= _U32 or cd_start >= _U32:
            z64_start = self.offset
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count,
                                    cd_size, cd_start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, z64_start, 1))
        self._write(_EOCD.pack(0x06054B50, 0, 0, min(count, 0xFFFF), min(count, 0xFFFF),
                               min(cd_size, _U32), min(cd_start, _U32), 0))


class ZipReader:
    """Random access to the records of a torch checkpoint archive (any zip writer's)."""

    def __init__(self, fp) -> None:
        self.fp = fp
        self.zf = zipfile.ZipFile(fp)
        infos = self.zf.infolist()
        if not infos:
            raise zipfile.BadZipFile("the zip archive is empty")
        self.prefix = None
        for info in infos:
            if info.filename.endswith("/data.pkl") and info.filename.count("/") == 1:
                self.prefix = info.filename[:-len("data.pkl")]
                break
        if self.prefix is None:
            raise zipfile.BadZipFile("the archive has no '<name>/data.pkl' record")
        self.infos = {i.filename[len(self.prefix):]: i for i in infos
                      if i.filename.startswith(self.prefix)}

    def has_record(self, name: str) -> bool:
        return name in self.infos

    def records(self):
        return list(self.infos)

    def get_record(self, name: str) -> bytes:
        return self.zf.read(self.infos[name])

    def record_size(self, name: str) -> int:
        return self.infos[name].file_size

    def is_stored(self, name: str) -> bool:
        return self.infos[name].compress_type == zipfile.ZIP_STORED

    def data_offset(self, name: str) -> int:
        """Absolute offset of a stored record's first data byte (from its local header)."""
        info = self.infos[name]
        self.fp.seek(info.header_offset)
        head = self.fp.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for record '{info.filename}'")
        fields = _LOCAL.unpack(head)
        return info.header_offset + _LOCAL.size + fields[9] + fields[10]

    def read_into(self, name: str, out) -> None:
        """Fill the writable buffer ``out`` (exactly the record's size) with the record."""
        mv = memoryview(out).cast("B")
        size = self.infos[name].file_size
        if mv.nbytes != size:
            raise zipfile.BadZipFile(f"record '{name}' holds {size} bytes, expected {mv.nbytes}")
        if not size:
            return
        if self.is_stored(name):
            self.fp.seek(self.data_offset(name))
            got = 0
            while got < size:
                n = self.fp.readinto(mv[got:])
                if not n:
                    raise zipfile.BadZipFile(f"record '{name}' is truncated")
                got += n
            crc = zlib.crc32(mv)
            if crc != self.infos[name].CRC:
                raise zipfile.BadZipFile(f"CRC-32 mismatch in record '{name}'")
        else:
            with self.zf.open(self.infos[name]) as src:
                got = 0
                while got < size:
                    n = src.readinto(mv[got:])
                    if not n:
                        raise zipfile.BadZipFile(f"record '{name}' is truncated")
                    got += n

    def close(self) -> None:
        self.zf.close()
