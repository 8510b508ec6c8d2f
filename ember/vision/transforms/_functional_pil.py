"""Pillow kernels behind ``ember.vision.transforms.functional`` (torchvision's ``_functional_pil``).

Each function takes and returns a ``PIL.Image.Image`` and does what torchvision's PIL path does
(ImageEnhance for brightness/contrast/saturation, an HSV round trip for hue, ``Image.rotate``,
``ImageOps.expand``/``np.pad`` for padding).
"""
from __future__ import annotations

import numbers

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

try:  # Pillow >= 9.1
    _FLIP_LEFT_RIGHT = Image.Transpose.FLIP_LEFT_RIGHT
    _FLIP_TOP_BOTTOM = Image.Transpose.FLIP_TOP_BOTTOM
except AttributeError:  # pragma: no cover - old Pillow
    _FLIP_LEFT_RIGHT = Image.FLIP_LEFT_RIGHT
    _FLIP_TOP_BOTTOM = Image.FLIP_TOP_BOTTOM


def _is_pil_image(img) -> bool:
    return isinstance(img, Image.Image)


def _check(img) -> None:
    if not _is_pil_image(img):
        raise TypeError(f"img should be PIL Image. Got {type(img)}")


def get_dimensions(img) -> list:
    _check(img)
    channels = len(img.getbands())
    width, height = img.size
    return [channels, height, width]


def get_image_size(img) -> list:
    _check(img)
    return list(img.size)


def get_image_num_channels(img) -> int:
    _check(img)
    return len(img.getbands())


def hflip(img):
    _check(img)
    return img.transpose(_FLIP_LEFT_RIGHT)


def vflip(img):
    _check(img)
    return img.transpose(_FLIP_TOP_BOTTOM)


def adjust_brightness(img, brightness_factor: float):
    _check(img)
    return ImageEnhance.Brightness(img).enhance(brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    _check(img)
    return ImageEnhance.Contrast(img).enhance(contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    _check(img)
    return ImageEnhance.Color(img).enhance(saturation_factor)


def adjust_hue(img, hue_factor: float):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    input_mode = img.mode
    if input_mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    # uint8 addition wraps around, which is the hue rotation
    with np.errstate(over="ignore"):
        np_h += np.array(hue_factor * 255).astype(np.uint8)
    h = Image.fromarray(np_h, "L")
    return Image.merge("HSV", (h, s, v)).convert(input_mode)


def _parse_fill(fill, img, name: str = "fillcolor") -> dict:
    num_channels = get_image_num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and num_channels > 1:
        fill = tuple([fill] * num_channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = fill * num_channels
        elif len(fill) != num_channels:
            raise ValueError("The number of elements in 'fill' does not match the number of channels "
                             f"of the image ({len(fill)} != {num_channels})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, (list, tuple)) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    _check(img)
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, list):
        padding = tuple(padding)
    if isinstance(padding, tuple) and len(padding) not in [1, 2, 4]:
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if isinstance(padding, tuple) and len(padding) == 1:
        padding = padding[0]
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if padding_mode == "constant":
        opts = _parse_fill(fill, img, name="fill")
        if img.mode == "P":
            palette = img.getpalette()
            image = ImageOps.expand(img, border=padding, **opts)
            image.putpalette(palette)
            return image
        return ImageOps.expand(img, border=padding, **opts)
    if isinstance(padding, int):
        pad_left = pad_right = pad_top = pad_bottom = padding
    elif len(padding) == 2:
        pad_left = pad_right = padding[0]
        pad_top = pad_bottom = padding[1]
    else:
        pad_left, pad_top, pad_right, pad_bottom = padding
    p = [-pad_left, -pad_top, -pad_right, -pad_bottom]
    cropping = [max(x, 0) for x in p]
    if any(cropping):
        crop_left, crop_top, crop_right, crop_bottom = cropping
        img = img.crop((crop_left, crop_top, img.width - crop_right, img.height - crop_bottom))
    pad_left, pad_top, pad_right, pad_bottom = [-min(x, 0) for x in p]
    if img.mode == "P":
        palette = img.getpalette()
        arr = np.pad(np.asarray(img), ((pad_top, pad_bottom), (pad_left, pad_right)), mode=padding_mode)
        out = Image.fromarray(arr)
        out.putpalette(palette)
        return out
    arr = np.asarray(img)
    if arr.ndim == 3:
        arr = np.pad(arr, ((pad_top, pad_bottom), (pad_left, pad_right), (0, 0)), padding_mode)
    elif arr.ndim == 2:
        arr = np.pad(arr, ((pad_top, pad_bottom), (pad_left, pad_right)), padding_mode)
    return Image.fromarray(arr)


def crop(img, top: int, left: int, height: int, width: int):
    _check(img)
    return img.crop((left, top, left + width, top + height))


def resize(img, size, interpolation=Image.BILINEAR):
    _check(img)
    if not (isinstance(size, list) and len(size) == 2):
        raise TypeError(f"Got inappropriate size arg: {size}")
    return img.resize(tuple(size[::-1]), interpolation)


def rotate(img, angle: float, interpolation=Image.NEAREST, expand: bool = False, center=None,
           fill=None):
    _check(img)
    opts = _parse_fill(fill, img)
    return img.rotate(angle, interpolation, expand, center, **opts)


def to_grayscale(img, num_output_channels: int = 1):
    _check(img)
    if num_output_channels == 1:
        return img.convert("L")
    if num_output_channels == 3:
        img = img.convert("L")
        np_img = np.array(img, dtype=np.uint8)
        return Image.fromarray(np.dstack([np_img, np_img, np_img]), "RGB")
    raise ValueError("num_output_channels should be either 1 or 3")
