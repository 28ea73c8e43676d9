"""A msgpack decoder for the outbox's frames, so the test needs no module
beyond Python's own (python3-msgpack is not on a fresh Debian machine).
Maps become dicts, arrays lists, bin bytes, ext ("ext", code, bytes);
a float32 is widened exactly."""
import struct

_U8, _U16, _U32, _U64 = struct.Struct(">B"), struct.Struct(">H"), struct.Struct(">I"), struct.Struct(">Q")
_I8, _I16, _I32, _I64 = struct.Struct(">b"), struct.Struct(">h"), struct.Struct(">i"), struct.Struct(">q")
_F32, _F64 = struct.Struct(">f"), struct.Struct(">d")
_NUMBERS = {0xca: _F32, 0xcb: _F64, 0xcc: _U8, 0xcd: _U16, 0xce: _U32, 0xcf: _U64,
            0xd0: _I8, 0xd1: _I16, 0xd2: _I32, 0xd3: _I64}
_LENGTH = {1: _U8, 2: _U16, 4: _U32}
# tag -> (width of the length field, kind)
_SIZED = {0xc4: (1, "bin"), 0xc5: (2, "bin"), 0xc6: (4, "bin"),
          0xd9: (1, "str"), 0xda: (2, "str"), 0xdb: (4, "str"),
          0xdc: (2, "array"), 0xdd: (4, "array"), 0xde: (2, "map"), 0xdf: (4, "map"),
          0xc7: (1, "ext"), 0xc8: (2, "ext"), 0xc9: (4, "ext")}
_FIXEXT = {0xd4: 1, 0xd5: 2, 0xd6: 4, 0xd7: 8, 0xd8: 16}
_CONST = {0xc0: None, 0xc2: False, 0xc3: True}


def _value(data, at):
    """(value, next offset) of the value at offset at."""
    tag = data[at]
    at += 1
    if tag <= 0x7f:
        return tag, at
    if tag >= 0xe0:
        return tag - 0x100, at
    if tag >= 0xa0 and tag <= 0xbf:
        end = at + (tag & 0x1f)
        return data[at:end].decode("utf-8"), end
    if tag <= 0x8f:
        return _map(data, at, tag & 0x0f)
    if tag <= 0x9f:
        return _array(data, at, tag & 0x0f)
    number = _NUMBERS.get(tag)
    if number is not None:
        return number.unpack_from(data, at)[0], at + number.size
    if tag in _CONST:
        return _CONST[tag], at
    if tag in _FIXEXT:
        end = at + 1 + _FIXEXT[tag]
        return ("ext", _I8.unpack_from(data, at)[0], bytes(data[at + 1:end])), end
    if tag not in _SIZED:
        raise ValueError(f"msgpack: unknown tag 0x{tag:02x}")
    width, kind = _SIZED[tag]
    n = _LENGTH[width].unpack_from(data, at)[0]
    at += width
    if kind == "array":
        return _array(data, at, n)
    if kind == "map":
        return _map(data, at, n)
    if kind == "ext":
        return ("ext", _I8.unpack_from(data, at)[0], bytes(data[at + 1:at + 1 + n])), at + 1 + n
    chunk = data[at:at + n]
    if len(chunk) != n:
        raise ValueError("msgpack: truncated")
    return (chunk.decode("utf-8") if kind == "str" else bytes(chunk)), at + n


def _array(data, at, n):
    out = []
    for _ in range(n):
        v, at = _value(data, at)
        out.append(v)
    return out, at


def _map(data, at, n):
    out = {}
    for _ in range(n):
        k, at = _value(data, at)
        v, at = _value(data, at)
        out[k if isinstance(k, (str, int)) else repr(k)] = v
    return out, at


def unpack(data):
    """The one value encoded in data (bytes)."""
    try:
        value, at = _value(data, 0)
    except (IndexError, struct.error) as e:
        raise ValueError(f"msgpack: truncated ({e})")
    if at != len(data):
        raise ValueError("msgpack: trailing bytes")
    return value
