"""Special functions: erf, erfc, erfinv, lgamma, digamma, polygamma — vectorized on NumPy.

NumPy has none of these, so the kernels are written here, vectorized over whole arrays (a loop
over a small fixed number of series terms at most; never per element). Every kernel computes in
float64 and rounds to the input's dtype once, so float32 results are correctly rounded up to the
last bit of the float64 approximation.

- erf / erfc: W. J. Cody's rational Chebyshev approximations (CALERF), three intervals, with the
  split ``exp(-y*y) = exp(-ysq*ysq) * exp(-del)`` that keeps erfc accurate in its tail.
- erfinv: M. Giles' single-precision approximation as the start, then two Newton steps. The
  residual near ``|x| = 1`` is formed as ``(1 - |x|) - erfc(|y|)`` (no cancellation), so the
  result keeps full double precision up to ``1 - 2**-53``.
- lgamma: the fdlibm ``__ieee754_lgamma_r`` scheme (polynomials around the zeros at 1 and 2
  and the minimum at 1.4616, a rational form on [2, 8), Stirling above, reflection for x < 0).
  Like fdlibm (and unlike glibc's special code for -28 < x < -2), the reflection loses
  *relative* accuracy within ~1e-4 of lgamma's zeros on the negative axis; the error there
  stays ~1e-15 absolute.
- digamma / trigamma / polygamma(n >= 2): torch's own algorithms (Cephes: recurrence to
  x >= 10 and the asymptotic series; reflection for x < 0; Hurwitz zeta), so the numbers match
  torch to the last bits.
"""
from __future__ import annotations

import math

from .. import _dtype
from .._backend import CPU
from .._tensor import Tensor
from ._erf32 import erf_f32
from .registry import ELEMENTWISE, export, make_inplace, method, primitive

__all__ = ["erf", "erfc", "erfinv", "lgamma", "digamma", "polygamma", "write_out", "float_in"]

_xp = CPU.xp


def float_in(x: Tensor) -> Tensor:
    """Integer and bool tensors promote to the default float dtype (torch's float-op rule)."""
    if x._data.dtype.kind in "biu":
        return x.to(_dtype.get_default_dtype())
    return x


def write_out(res: Tensor, out):
    """torch's ``out=``: resize ``out`` if needed and copy the result into it."""
    if out is None:
        return res
    from .registry import commit_inplace
    if out._data.shape != res._data.shape:
        out._data = _xp.empty(res._data.shape, out._data.dtype)
    return commit_inplace(out, res.detach())


def _f64(x):
    return x.astype(_xp.float64) if x.dtype != _xp.float64 else x


def _poly(x, coeffs):
    """Horner: coeffs from the highest degree down."""
    r = coeffs[0] + 0 * x
    for c in coeffs[1:]:
        r = r * x + c
    return r


def _set(out, mask, src, fn):
    if mask.any():
        out[mask] = fn(src[mask])


# -- erf / erfc (Cody) -------------------------------------------------------------------------
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1/sqrt(pi)
_XBIG = 27.3  # erfc underflows to 0 beyond (Cody's 26.543 stops at normals)


def _erf_small(x):
    """erf(x) for |x| <= 0.46875."""
    z = x * x
    num, den = _A[4] * z, z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _scale(y, r):
    ysq = _xp.trunc(y * 16.0) / 16.0
    dl = (y - ysq) * (y + ysq)
    return _xp.exp(-ysq * ysq) * _xp.exp(-dl) * r


def _erfc_mid(y):
    """erfc(y) for 0.46875 < y <= 4."""
    num, den = _C[8] * y, y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    return _scale(y, (num + _C[7]) / (den + _D[7]))


def _erfc_big(y):
    """erfc(y) for 4 < y < 26.543 (0 beyond)."""
    z = 1.0 / (y * y)
    num, den = _P[5] * z, z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    r = z * (num + _P[4]) / (den + _Q[4])
    return _scale(y, (_SQRPI - r) / y)


def _erfc_abs(y):
    """erfc(y) for y = |x| > 0.46875 (nan stays nan)."""
    out = _xp.zeros_like(y)
    mid = y <= 4.0
    _set(out, mid, y, _erfc_mid)
    _set(out, ~mid & (y < _XBIG), y, _erfc_big)
    out[_xp.isnan(y)] = _xp.nan
    return out


def erf_kernel(x, complement=False):
    """erf(x) (or erfc(x)) of a float64 array."""
    y = _xp.abs(x)
    small = y <= 0.46875
    out = _xp.empty_like(x)
    if small.any():
        r = _erf_small(x[small])
        out[small] = 1.0 - r if complement else r
    big = ~small
    if big.any():
        xb = x[big]
        c = _erfc_abs(y[big])
        if complement:
            out[big] = _xp.where(xb < 0, 2.0 - c, c)
        else:
            out[big] = _xp.where(xb < 0, c - 1.0, 1.0 - c)
    return out


# -- erfinv (Giles start + Newton) -------------------------------------------------------------
_G1 = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
       -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_G2 = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
       -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)
_TWO_OVER_SQRTPI = 2.0 / math.sqrt(math.pi)


def erfinv_kernel(x):
    a = _xp.abs(x)
    inside = a < 1.0
    xi, ai = x[inside], a[inside]
    y = _xp.empty_like(xi)
    w = -_xp.log((1.0 - xi) * (1.0 + xi))
    central = ai <= 0.5
    if central.any():  # Giles' start, two Newton steps on erf(y) - x
        xc = xi[central]
        yc = _poly(w[central] - 2.5, _G1) * xc
        for _ in range(2):
            yc = yc - (erf_kernel(yc) - xc) / (_TWO_OVER_SQRTPI * _xp.exp(-yc * yc))
        y[central] = yc
    tail = ~central
    if tail.any():  # Newton on log(erfc(y)) - log(1 - |x|): no cancellation near |x| = 1
        t = 1.0 - ai[tail]  # exact for |x| >= 0.5
        wt = w[tail]
        lt = -_xp.log(t)
        z = _xp.sqrt(_xp.maximum(lt - _xp.log(_xp.sqrt(lt * math.pi)), 0.25))
        giles = _xp.where(wt < 5.0, _poly(wt - 2.5, _G1), _poly(_xp.sqrt(wt) - 3.0, _G2))
        yt = _xp.where(wt < 16.0, giles * ai[tail], z)
        for _ in range(3):
            c = erf_kernel(yt, True)
            yt = yt + _xp.log(c / t) * c / (_TWO_OVER_SQRTPI * _xp.exp(-yt * yt))
        y[tail] = _xp.copysign(yt, xi[tail])
    out = _xp.full_like(x, _xp.nan)
    out[inside] = y
    one = a == 1.0
    out[one] = _xp.copysign(_xp.inf, x[one])
    return out


# -- lgamma (fdlibm) ---------------------------------------------------------------------------
def _hi(word):
    """The float64 whose high 32 bits are ``word`` (fdlibm compares high words)."""
    return float(_xp.array([word << 32], dtype=_xp.uint64).view(_xp.float64)[0])


_LA = (7.72156649015328655494e-02, 3.22467033424113591611e-01, 6.73523010531292681824e-02,
       2.05808084325167332806e-02, 7.38555086081402883957e-03, 2.89051383673415629091e-03,
       1.19270763183362067845e-03, 5.10069792153511336608e-04, 2.20862790713908385557e-04,
       1.08011567247583939954e-04, 2.52144565451257326939e-05, 4.48640949618915160150e-05)
_TC, _TF, _TT = 1.46163214496836224576e+00, -1.21486290535849611461e-01, \
    -3.63867699703950536541e-18
_LT = (4.83836122723810047042e-01, -1.47587722994593911752e-01, 6.46249402391333854778e-02,
       -3.27885410759859649565e-02, 1.79706750811820387126e-02, -1.03142241298341437450e-02,
       6.10053870246291332635e-03, -3.68452016781138256760e-03, 2.25964780900612472250e-03,
       -1.40346469989232843813e-03, 8.81081882437654011382e-04, -5.38595305356740546715e-04,
       3.15632070903625950361e-04, -3.12754168375120860518e-04, 3.35529192635519073543e-04)
_LU = (-7.72156649015328655494e-02, 6.32827064025093366517e-01, 1.45492250137234768737e+00,
       9.77717527963372745603e-01, 2.28963728064692451092e-01, 1.33810918536787660377e-02)
_LV = (1.0, 2.45597793713041134822e+00, 2.12848976379893395361e+00, 7.69285150456672783825e-01,
       1.04222645593369134254e-01, 3.21709242282423911810e-03)
_LS = (-7.72156649015328655494e-02, 2.14982415960608852501e-01, 3.25778796408930981787e-01,
       1.46350472652464452805e-01, 2.66422703033638609560e-02, 1.84028451407337715652e-03,
       3.19475326584100867617e-05)
_LR = (1.0, 1.39200533467621045958e+00, 7.21935547567138069525e-01, 1.71933865632803078993e-01,
       1.86459191715652901344e-02, 7.77942496381893596434e-04, 7.32668430744625636189e-06)
_LW = (4.18938533204672725052e-01, 8.33333333333329678849e-02, -2.77777777728775536470e-03,
       7.93650558643019558500e-04, -5.95187557450339963135e-04, 8.36339918996282139126e-04,
       -1.63092934096575273989e-03)
_X09, _X07, _X02 = _hi(0x3feccccd), _hi(0x3FE76944), _hi(0x3FCDA661)
_X17, _X12 = _hi(0x3FFBB4C3), _hi(0x3FF3B4C4)


def _asc(y, c):
    """sum c[i] * y**i (ascending coefficients)."""
    return _poly(y, c[::-1])


def _lg_a(y):  # around the zeros (y = 1 - x or 2 - x)
    z = y * y
    p1 = _asc(z, _LA[0::2])
    p2 = z * _asc(z, _LA[1::2])
    return y * p1 + p2 - 0.5 * y


def _lg_t(y):  # around the minimum (y = x - tc)
    z = y * y
    w = z * y
    p1, p2, p3 = _asc(w, _LT[0::3]), _asc(w, _LT[1::3]), _asc(w, _LT[2::3])
    return _TF + (z * p1 - (_TT - w * (p2 + y * p3)))


def _lg_u(y):  # y = x or x - 1
    return -0.5 * y + y * _asc(y, _LU) / _asc(y, _LV)


def _lg_below2(x):
    r = _xp.where(x < _X09, -_xp.log(x), 0.0)
    lo = x < _X09
    out = _xp.empty_like(x)
    # x < 0.9: y = 1 - x | x - (tc - 1) | x ;  x >= 0.9: y = 2 - x | x - tc | x - 1
    ca = _xp.where(lo, x >= _X07, x >= _X17)
    ct = ~ca & _xp.where(lo, x >= _X02, x >= _X12)
    cu = ~ca & ~ct
    _set(out, ca, _xp.where(lo, 1.0 - x, 2.0 - x), _lg_a)
    _set(out, ct, _xp.where(lo, x - (_TC - 1.0), x - _TC), _lg_t)
    _set(out, cu, _xp.where(lo, x, x - 1.0), _lg_u)
    return r + out


def _lg_2to8(x):
    i = _xp.floor(x)
    y = x - i
    r = 0.5 * y + y * _asc(y, _LS) / _asc(y, _LR)
    z = _xp.ones_like(y)
    for j in range(2, 7):
        z = z * _xp.where(i > j, y + j, 1.0)
    return r + _xp.log(z)


def _lg_stirling(x):
    t = _xp.log(x)
    z = 1.0 / x
    y = z * z
    w = _LW[0] + z * _asc(y, _LW[1:])
    return (x - 0.5) * (t - 1.0) + w


def _sin_pi(x):
    """sin(pi * x) for x > 0 with exact argument reduction (fdlibm's sin_pi)."""
    x = 2.0 * (x * 0.5 - _xp.floor(x * 0.5))
    n = ((x * 4.0).astype(_xp.int64) + 1) // 2
    x = (x - n * 0.5) * math.pi
    s, c = _xp.sin(x), _xp.cos(x)
    return _xp.choose(n % 4, (s, c, -s, -c))


def lgamma_kernel(x):
    a = _xp.abs(x)
    out = _xp.empty_like(x)
    tiny = a < 2.0 ** -70
    _set(out, tiny, a, lambda v: -_xp.log(v))
    _set(out, (a >= 2.0 ** -70) & (a < 2.0), a, _lg_below2)
    _set(out, (a >= 2.0) & (a < 8.0), a, _lg_2to8)
    _set(out, (a >= 8.0) & (a < 2.0 ** 58), a, _lg_stirling)
    _set(out, a >= 2.0 ** 58, a, lambda v: v * (_xp.log(v) - 1.0))
    out[(a == 1.0) | (a == 2.0)] = 0.0
    neg = (x < 0) & ~tiny & _xp.isfinite(x)
    if neg.any():
        an = a[neg]
        t = _xp.abs(_sin_pi(an))
        nadj = _xp.log(math.pi / (t * an))
        out[neg] = _xp.where(t == 0.0, _xp.inf, nadj - out[neg])
    nonfin = ~_xp.isfinite(x)
    out[nonfin] = x[nonfin] * x[nonfin]
    return out


# -- digamma / trigamma / polygamma (torch's algorithms) ---------------------------------------
_PSI_10 = 2.25175258906672110764
_DA = (8.33333333333333333333E-2, -2.10927960927960927961E-2, 7.57575757575757575758E-3,
       -4.16666666666666666667E-3, 3.96825396825396825397E-3, -8.33333333333333333333E-3,
       8.33333333333333333333E-2)


def _digamma_pos(x):
    res = _xp.zeros_like(x)
    for _ in range(10):
        m = x < 10
        if not m.any():
            break
        res = _xp.where(m, res - 1.0 / x, res)
        x = _xp.where(m, x + 1.0, x)
    z = 1.0 / (x * x)
    y = _xp.where(x < 1.0e17, z * _poly(z, _DA), 0.0)
    return _xp.where(x == 10, res + _PSI_10, res + _xp.log(x) - 0.5 / x - y)


def digamma_kernel(x):
    isint = x == _xp.trunc(x)
    neg = (x < 0) & ~isint
    frac = x - _xp.trunc(x)
    v = _xp.where(neg, 1.0 - x, x)
    out = _digamma_pos(_xp.where(x > 0, x, _xp.where(neg, v, 1.0)))
    out = _xp.where(neg, out - math.pi / _xp.tan(math.pi * frac), out)
    out = _xp.where((x < 0) & isint, _xp.nan, out)
    out = _xp.where(x == 0, _xp.copysign(_xp.inf, -x), out)
    return _xp.where(_xp.isnan(x), x, out)


def trigamma_kernel(x):
    refl = x < 0.5
    s = _xp.sin(math.pi * x)
    res = _xp.where(refl, -(math.pi * math.pi) / (s * s), 0.0)
    x = _xp.where(refl, 1.0 - x, x)
    for _ in range(6):
        res = res + 1.0 / (x * x)
        x = x + 1.0
    ixx = 1.0 / (x * x)
    res = res + (1.0 + 1.0 / (2.0 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x
    return _xp.where(refl, -res, res)


_ZA = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9, 7.47242496e10,
       -2.950130727918164224e12, 1.1646782814350067249e14, -4.5979787224074726105e15,
       1.8152105401943546773e17, -7.1661652561756670113e18)
_MACHEP = 1.11022302462515654042E-16


def zeta_kernel(s: float, q):
    """Hurwitz zeta(s, q) for a float s > 1 (Cephes' Euler-Maclaurin scheme, vectorized)."""
    total = q ** -s
    a = q.copy()
    b = _xp.zeros_like(q)
    pole = (q <= 0) & (q == _xp.floor(q))  # includes -inf
    done = pole | _xp.isnan(q)
    i = 0
    while i < 100_000:  # q < 0 needs about -q extra terms (torch loops as long)
        # NOTE: non-finite q (and a runaway loop for q far below 0) must not spin forever
        active = ~done & _xp.isfinite(a) & ((i < 9) | (a <= 9.0))
        if not active.any():
            break
        i += 1
        a = _xp.where(active, a + 1.0, a)
        b = _xp.where(active, a ** -s, b)
        total = _xp.where(active, total + b, total)
        done |= active & (-_MACHEP * total < b) & (b < _MACHEP * total)
    w = a
    total = _xp.where(done, total, total + b * w / (s - 1.0) - 0.5 * b)
    fac, k = 1.0, 0.0
    for j in range(12):
        fac *= s + k
        b = b / w
        t = fac * b / _ZA[j]
        total = _xp.where(done, total, total + t)
        done |= _xp.abs(t / total) < _MACHEP
        k += 1.0
        fac *= s + k
        b = b / w
        k += 1.0
    return _xp.where(pole, _xp.inf, total)


def polygamma_kernel(x, n: int):
    if n == 0:
        return digamma_kernel(x)
    if n == 1:
        return trigamma_kernel(x)
    sign = 1.0 if n % 2 else -1.0
    return sign * math.exp(math.lgamma(n + 1.0)) * zeta_kernel(float(n + 1), x)


def _run(kernel, x, *args):
    with _xp.errstate(all="ignore"):
        return kernel(_f64(x), *args).astype(x.dtype, copy=False)


# -- primitives and public functions -----------------------------------------------------------
@primitive("erf", ELEMENTWISE)
def _erf(xp, x):
    if x.dtype == xp.float32:
        return erf_f32(x)
    return _run(erf_kernel, x)


@_erf.defvjp
def _(g, out, x):
    return g * (_TWO_OVER_SQRTPI * (-(x * x)).exp())


@primitive("erfc", ELEMENTWISE)
def _erfc(xp, x):
    return _run(erf_kernel, x, True)


@_erfc.defvjp
def _(g, out, x):
    return g * (-_TWO_OVER_SQRTPI * (-(x * x)).exp())


@primitive("erfinv", ELEMENTWISE, saves=False, save_out=True)
def _erfinv(xp, x):
    return _run(erfinv_kernel, x)


@_erfinv.defvjp
def _(g, out, x):
    return g * (0.5 * math.sqrt(math.pi) * (out * out).exp())


@primitive("lgamma", ELEMENTWISE)
def _lgamma(xp, x):
    return _run(lgamma_kernel, x)


@_lgamma.defvjp
def _(g, out, x):
    return g * _digamma(x)


@primitive("digamma", ELEMENTWISE)
def _digamma(xp, x):
    return _run(digamma_kernel, x)


@_digamma.defvjp
def _(g, out, x):
    return g * _polygamma(x, n=1)


@primitive("polygamma", ELEMENTWISE)
def _polygamma(xp, x, n):
    return _run(polygamma_kernel, x, n) if n else _run(digamma_kernel, x)


@_polygamma.defvjp
def _(g, out, x, n):
    return g * _polygamma(x, n=n + 1)


def _public(name, op, doc):
    def fn(input, *, out=None):
        return write_out(op(float_in(input)), out)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return export(name, inplace=name + "_")(fn)


erf = _public("erf", _erf, """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``.

    Example::

        >>> ember.erf(ember.tensor([0.0, 1.0]))
        tensor([0.0000, 0.8427])
    """)
erfc = _public("erfc", _erfc, "The complementary error function ``1 - erf(x)``, accurate in "
               "the tail.")
erfinv = _public("erfinv", _erfinv, "The inverse error function on (-1, 1) (+-inf at +-1, nan "
                 "outside).")
lgamma = _public("lgamma", _lgamma, "``log(|Gamma(x)|)``; +inf at the poles 0, -1, -2, ...")
digamma = _public("digamma", _digamma, "``d/dx lgamma(x)``; like torch, -inf/+inf at +0/-0 "
                  "and nan at negative integers.")


@export("polygamma")
def polygamma(n, input, *, out=None):
    """The n-th derivative of digamma (``polygamma(0, x) == digamma(x)``).

    Example::

        >>> ember.polygamma(1, ember.tensor([1.0]))   # pi**2 / 6
        tensor([1.6449])
    """
    if isinstance(n, Tensor):  # Tensor.polygamma(n) binds self first
        n, input = input, n
    n = int(n)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return write_out(_polygamma(float_in(input), n=n), out)


@method("polygamma_")
def _polygamma_(self, n):
    return make_inplace(lambda s: polygamma(n, s), "polygamma_")(self)
