"""Tensor kernels behind ``ember.vision.transforms.functional`` (torchvision's ``_functional_tensor``).

Images are ember tensors of shape ``[..., C, H, W]``. The code follows torchvision's tensor path
step for step with ember ops (same dtype handling, same blends, same HSV round trip, the same
affine grid + ``grid_sample`` for rotation), so the numbers match torchvision on torch.
``resize(antialias=True)`` uses a NumPy implementation of torch's separable anti-aliased
bilinear/bicubic filter when ember's ``interpolate`` has no antialias support.
"""
from __future__ import annotations


import numpy as np

import ember
import ember.nn.functional as _nnf

def _is_tensor_a_torch_image(x) -> bool:
    return x.ndim >= 2


def _assert_image_tensor(img) -> None:
    if not _is_tensor_a_torch_image(img):
        raise TypeError("Tensor is not a torch image.")


def get_dimensions(img) -> list:
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def get_image_size(img) -> list:
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img) -> int:
    _assert_image_tensor(img)
    if img.ndim == 2:
        return 1
    if img.ndim > 2:
        return img.shape[-3]
    raise TypeError(f"Input ndim should be 2 or more. Got {img.ndim}")


def _max_value(dtype) -> float:
    if dtype == ember.uint8:
        return 255
    if dtype == ember.int8:
        return 127
    if dtype == ember.int16:
        return 32767
    if dtype == ember.int32:
        return 2147483647
    if dtype == ember.int64:
        return 9223372036854775807
    return 1.0


def _assert_channels(img, permitted) -> None:
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but found {c}")


def convert_image_dtype(image, dtype=ember.float32):
    if image.dtype == dtype:
        return image
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        eps = 1e-3
        max_val = float(_max_value(dtype))
        return image.mul(max_val + 1.0 - eps).to(dtype)
    input_max = float(_max_value(image.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(dtype))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return ember.div(image, factor, rounding_mode="floor").to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


def vflip(img):
    _assert_image_tensor(img)
    return img.flip(-2)


def hflip(img):
    _assert_image_tensor(img)
    return img.flip(-1)


def crop(img, top: int, left: int, height: int, width: int):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right = left + width
    bottom = top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                        max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(img[..., max(top, 0):bottom, max(left, 0):right], padding_ltrb, fill=0)
    return img[..., top:bottom, left:right]


def rgb_to_grayscale(img, num_output_channels: int = 1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if img.shape[-3] == 3:
        r, g, b = img.unbind(dim=-3)
        # torchvision: the weighted sum is computed in float, then cast back to the input dtype
        l_img = (0.2989 * r + 0.587 * g + 0.114 * b).to(img.dtype)
        l_img = l_img.unsqueeze(dim=-3)
    else:
        l_img = img.clone()
    if num_output_channels == 3:
        return l_img.expand(img.shape)
    return l_img


def _blend(img1, img2, ratio: float):
    ratio = float(ratio)
    bound = _max_value(img1.dtype)
    return (ratio * img1 + (1.0 - ratio) * img2).clamp(0, bound).to(img1.dtype)


def adjust_brightness(img, brightness_factor: float):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    return _blend(img, ember.zeros_like(img), brightness_factor)


def adjust_contrast(img, contrast_factor: float):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    c = get_dimensions(img)[0]
    dtype = img.dtype if img.is_floating_point() else ember.float32
    if c == 3:
        mean = ember.mean(rgb_to_grayscale(img).to(dtype), dim=(-3, -2, -1), keepdim=True)
    else:
        mean = ember.mean(img.to(dtype), dim=(-3, -2, -1), keepdim=True)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor: float):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # Match PIL behaviour
        return img
    return _blend(img, rgb_to_grayscale(img), saturation_factor)


def _rgb2hsv(img):
    r, g, b = img.unbind(dim=-3)
    maxc = ember.max(img, dim=-3).values
    minc = ember.min(img, dim=-3).values
    eqc = maxc == minc
    cr = maxc - minc
    ones = ember.ones_like(maxc)
    s = cr / ember.where(eqc, ones, maxc)
    cr_divisor = ember.where(eqc, ones, cr)
    rc = (maxc - r) / cr_divisor
    gc = (maxc - g) / cr_divisor
    bc = (maxc - b) / cr_divisor
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (4.0 + gc - rc)
    h = hr + hg + hb
    h = ember.fmod((h / 6.0 + 1.0), 1.0)
    return ember.stack((h, s, maxc), dim=-3)


def _hsv2rgb(img):
    h, s, v = img.unbind(dim=-3)
    i = ember.floor(h * 6.0)
    f = (h * 6.0) - i
    i = i.to(dtype=ember.int32)
    p = ember.clamp((v * (1.0 - s)), 0.0, 1.0)
    q = ember.clamp((v * (1.0 - s * f)), 0.0, 1.0)
    t = ember.clamp((v * (1.0 - s * (1.0 - f))), 0.0, 1.0)
    i = i % 6
    mask = i.unsqueeze(dim=-3) == ember.arange(6).view(-1, 1, 1)
    a1 = ember.stack((v, q, p, p, t, v), dim=-3)
    a2 = ember.stack((t, v, v, q, p, p), dim=-3)
    a3 = ember.stack((p, p, t, v, v, q), dim=-3)
    a4 = ember.stack((a1, a2, a3), dim=-4)
    return ember.einsum("...ijk, ...xijk -> ...xjk", mask.to(dtype=img.dtype), a4)


def adjust_hue(img, hue_factor: float):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:  # Match PIL behaviour
        return img
    orig_dtype = img.dtype
    img = convert_image_dtype(img, ember.float32)
    img = _rgb2hsv(img)
    h, s, v = img.unbind(dim=-3)
    h = (h + hue_factor) % 1.0
    img = ember.stack((h, s, v), dim=-3)
    return convert_image_dtype(_hsv2rgb(img), orig_dtype)


def _pad_symmetric(img, padding):
    # padding is left, right, top, bottom
    in_sizes = img.shape
    _x_indices = [i for i in range(in_sizes[-1])]
    left_indices = [i for i in range(padding[0] - 1, -1, -1)]
    right_indices = [-(i + 1) for i in range(padding[1])]
    x_indices = ember.tensor(left_indices + _x_indices + right_indices)
    _y_indices = [i for i in range(in_sizes[-2])]
    top_indices = [i for i in range(padding[2] - 1, -1, -1)]
    bottom_indices = [-(i + 1) for i in range(padding[3])]
    y_indices = ember.tensor(top_indices + _y_indices + bottom_indices)
    ndim = img.ndim
    if ndim == 3:
        return img[:, y_indices[:, None], x_indices[None, :]]
    if ndim == 4:
        return img[:, :, y_indices[:, None], x_indices[None, :]]
    raise RuntimeError("Symmetric padding of N-D tensors are not supported yet")


def _parse_pad_padding(padding) -> list:
    if isinstance(padding, int):
        pad_left = pad_right = pad_top = pad_bottom = padding
    elif len(padding) == 1:
        pad_left = pad_right = pad_top = pad_bottom = padding[0]
    elif len(padding) == 2:
        pad_left = pad_right = padding[0]
        pad_top = pad_bottom = padding[1]
    else:
        pad_left, pad_top, pad_right, pad_bottom = padding[0], padding[1], padding[2], padding[3]
    return [pad_left, pad_right, pad_top, pad_bottom]


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, tuple):
        padding = list(padding)
    if isinstance(padding, list) and len(padding) not in [1, 2, 4]:
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ["constant", "edge", "reflect", "symmetric"]:
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    p = _parse_pad_padding(padding)
    if padding_mode == "edge":
        padding_mode = "replicate"
    elif padding_mode == "symmetric":
        # negative padding crops first, as torchvision does
        if min(p) < 0:
            neg = [-min(x, 0) for x in p]
            crop_left, crop_right, crop_top, crop_bottom = neg
            img = img[..., crop_top:img.shape[-2] - crop_bottom, crop_left:img.shape[-1] - crop_right]
            p = [max(x, 0) for x in p]
    need_squeeze = False
    if img.ndim < 4:
        img = img.unsqueeze(dim=0)
        need_squeeze = True
    out_dtype = img.dtype
    need_cast = False
    if padding_mode != "constant" and img.dtype not in (ember.float32, ember.float64):
        need_cast = True
        img = img.to(ember.float32)
    if padding_mode in ("reflect", "replicate"):
        img = _nnf.pad(img, p, mode=padding_mode)
    elif padding_mode == "symmetric":
        img = _pad_symmetric(img, p)
    else:
        img = _nnf.pad(img, p, mode="constant", value=float(fill))
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        img = img.to(out_dtype)
    return img


def _aa_weights(in_size: int, out_size: int, mode: str) -> np.ndarray:
    """torch's separable anti-aliased interpolation weights (out_size x in_size), float64."""
    scale = in_size / out_size
    support_scale = max(scale, 1.0)
    if mode == "bilinear":
        support = 1.0 * support_scale

        def filt(x):
            return np.clip(1.0 - np.abs(x), 0.0, None)
    else:  # bicubic, a = -0.5 as torch's anti-aliased kernel
        support = 2.0 * support_scale
        a = -0.5

        def filt(x):
            x = np.abs(x)
            return np.where(x < 1.0, ((a + 2) * x - (a + 3)) * x * x + 1,
                            np.where(x < 2.0, (((x - 5) * x + 8) * x - 4) * a, 0.0))
    centers = scale * (np.arange(out_size) + 0.5)
    xmin = np.maximum((centers - support + 0.5).astype(np.int64), 0)
    xmax = np.minimum((centers + support + 0.5).astype(np.int64), in_size)
    j = np.arange(in_size)
    w = filt((j[None, :] - centers[:, None] + 0.5) / support_scale)
    w = np.where((j[None, :] >= xmin[:, None]) & (j[None, :] < xmax[:, None]), w, 0.0)
    total = w.sum(axis=1, keepdims=True)
    return w / np.where(total == 0, 1.0, total)


def _resize_aa(img, size, mode: str):
    arr = img.numpy()
    wh = _aa_weights(arr.shape[-2], size[0], mode).astype(arr.dtype)
    ww = _aa_weights(arr.shape[-1], size[1], mode).astype(arr.dtype)
    out = np.matmul(np.matmul(wh, arr), ww.T)
    return ember.from_numpy(np.ascontiguousarray(out))


def resize(img, size, interpolation: str = "bilinear", antialias=True):
    _assert_image_tensor(img)
    if isinstance(size, tuple):
        size = list(size)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ["bilinear", "bicubic"]:
        antialias = False
    if interpolation == "nearest-exact" or interpolation == "nearest":
        antialias = False
    need_squeeze = img.ndim < 4
    x = img.unsqueeze(dim=0) if need_squeeze else img
    out_dtype = x.dtype
    need_cast = out_dtype not in (ember.float32, ember.float64)
    if need_cast:
        x = x.to(ember.float32)
    align_corners = False if interpolation in ["bilinear", "bicubic"] else None
    if antialias:
        try:
            x = _nnf.interpolate(x, size=size, mode=interpolation, align_corners=align_corners,
                                 antialias=True)
        except NotImplementedError:
            x = _resize_aa(x, size, interpolation)
    else:
        x = _nnf.interpolate(x, size=size, mode=interpolation, align_corners=align_corners)
    if interpolation == "bicubic" and out_dtype == ember.uint8:
        x = x.clamp(min=0, max=255)
    if need_squeeze:
        x = x.squeeze(dim=0)
    if need_cast:
        if not out_dtype.is_floating_point:
            x = ember.round(x)
        x = x.to(out_dtype)
    return x


def _gen_affine_grid(theta, w: int, h: int, ow: int, oh: int):
    d = 0.5
    x_grid = ember.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, steps=ow, dtype=theta.dtype)
    y_grid = ember.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, steps=oh, dtype=theta.dtype)
    base_grid = ember.stack((x_grid.view(1, ow).expand(oh, ow), y_grid.view(oh, 1).expand(oh, ow),
                             ember.ones(oh, ow, dtype=theta.dtype)), dim=-1).view(1, oh * ow, 3)
    rescaled_theta = theta.transpose(1, 2) / ember.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    return base_grid.bmm(rescaled_theta).view(1, oh, ow, 2)


def _compute_affine_output_size(matrix, w: int, h: int):
    pts = ember.tensor([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                        [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]])
    theta = ember.tensor(matrix, dtype=ember.float32).view(2, 3)
    new_pts = ember.matmul(pts, theta.T)
    min_vals, max_vals = new_pts.min(dim=0)[0], new_pts.max(dim=0)[0]
    tol = 1e-4
    cmax = ember.ceil(ember.trunc(max_vals / tol) * tol)
    cmin = ember.floor(ember.trunc(min_vals / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def _apply_grid_transform(img, grid, mode: str, fill):
    need_squeeze = img.ndim < 4
    if need_squeeze:
        img = img.unsqueeze(dim=0)
    out_dtype = img.dtype
    need_cast = out_dtype != grid.dtype
    if need_cast:
        img = img.to(grid.dtype)
    if img.shape[0] > 1:
        grid = grid.expand(img.shape[0], grid.shape[1], grid.shape[2], grid.shape[3])
    if fill is not None:
        mask = ember.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
        img = ember.cat((img, mask), dim=1)
    img = _nnf.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    if fill is not None:
        mask = img[:, -1:, :, :]
        img = img[:, :-1, :, :]
        mask = mask.expand_as(img)
        fill_list, len_fill = (fill, len(fill)) if isinstance(fill, (tuple, list)) else ([float(fill)], 1)
        fill_img = ember.tensor(fill_list, dtype=img.dtype).view(1, len_fill, 1, 1).expand_as(img)
        if mode == "nearest":
            img = ember.where(mask < 0.5, fill_img, img)
        else:
            img = img * mask + (1.0 - mask) * fill_img
    if need_squeeze:
        img = img.squeeze(dim=0)
    if need_cast:
        if not out_dtype.is_floating_point:
            img = ember.round(img)
        img = img.to(out_dtype)
    return img


def rotate(img, matrix, interpolation: str = "nearest", expand: bool = False, fill=None):
    _assert_image_tensor(img)
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    dtype = img.dtype if img.is_floating_point() else ember.float32
    theta = ember.tensor(matrix, dtype=dtype).reshape(1, 2, 3)
    grid = _gen_affine_grid(theta, w=w, h=h, ow=ow, oh=oh)
    return _apply_grid_transform(img, grid, interpolation, fill=fill)


def normalize(tensor, mean, std, inplace: bool = False):
    _assert_image_tensor(tensor)
    if not tensor.is_floating_point():
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                         f"tensor.size() = {tensor.size()}")
    if not inplace:
        tensor = tensor.clone()
    dtype = tensor.dtype
    mean = ember.as_tensor(mean, dtype=dtype)
    std = ember.as_tensor(std, dtype=dtype)
    if (std == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {dtype}, leading to division by zero.")
    if mean.ndim == 1:
        mean = mean.view(-1, 1, 1)
    if std.ndim == 1:
        std = std.view(-1, 1, 1)
    return tensor.sub_(mean).div_(std)


def erase(img, i: int, j: int, h: int, w: int, v, inplace: bool = False):
    _assert_image_tensor(img)
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img
