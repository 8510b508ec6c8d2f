"""ember.linalg beyond the sweep: errors and messages, namedtuples, info codes, gradients of the
raw decompositions against torch, and things the OpInfo format cannot express."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.linalg as L


def _e(a):
    return ember.from_numpy(np.array(a))


def _t(a):
    return torch.from_numpy(np.array(a))


SING = [[1., 2.], [2., 4.]]


def _same_error(fn_e, fn_t):
    with pytest.raises(Exception) as te:
        fn_t()
    with pytest.raises(Exception) as ee:
        fn_e()
    assert str(ee.value) == str(te.value)
    return ee.value, te.value


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "matrix_exp",
                                  "eigvalsh", "inv_ex", "matrix_power"])
def test_square_errors(name):
    args = (2,) if name == "matrix_power" else ()
    x = np.ones((3, 4))
    _same_error(lambda: getattr(L, name)(_e(x), *args),
                lambda: getattr(torch.linalg, name)(_t(x), *args))


@pytest.mark.parametrize("name", ["inv", "cholesky", "svd", "qr", "det", "eigh"])
def test_int_input_raises(name):
    x = np.eye(3, dtype=np.int64)
    ee, te = _same_error(lambda: getattr(L, name)(_e(x)),
                         lambda: getattr(torch.linalg, name)(_t(x)))
    assert type(te).__name__ == type(ee).__name__


def test_linalg_error_class():
    assert issubclass(L.LinAlgError, RuntimeError)
    assert L.LinAlgError.__name__ == "LinAlgError"


@pytest.mark.parametrize("batched", [False, True])
def test_singular_messages(batched):
    a = np.array(SING)
    if batched:
        a = np.stack([np.eye(2), a])
    for fe, ft in ((lambda: L.inv(_e(a)), lambda: torch.linalg.inv(_t(a))),
                   (lambda: L.solve(_e(a), _e(np.ones(2))),
                    lambda: torch.linalg.solve(_t(a), _t(np.ones(2)))),
                   (lambda: L.cholesky(_e(a)), lambda: torch.linalg.cholesky(_t(a)))):
        ee, te = _same_error(fe, ft)
        assert isinstance(ee, L.LinAlgError) and isinstance(ee, RuntimeError)


def test_ex_info():
    a = np.stack([np.eye(2), np.array(SING)])
    res = L.inv_ex(_e(a))
    ref = torch.linalg.inv_ex(_t(a))
    assert type(res).__name__ == "linalg_inv_ex" and res._fields == ("inverse", "info")
    assert res.info.dtype == ember.int32 and res.info.tolist() == ref.info.tolist()
    res = L.cholesky_ex(_e(a))
    ref = torch.linalg.cholesky_ex(_t(a))
    assert res.info.tolist() == ref.info.tolist() == [0, 2]
    np.testing.assert_allclose(res.L.numpy(), ref.L.numpy())
    with pytest.raises(L.LinAlgError):
        L.inv_ex(_e(a), check_errors=True)


def test_namedtuples():
    a = np.random.default_rng(0).standard_normal((4, 3))
    cases = [(L.slogdet(_e(a[:3])), "linalg_slogdet", ("sign", "logabsdet")),
             (L.eigh(_e(a[:3])), "linalg_eigh", ("eigenvalues", "eigenvectors")),
             (L.qr(_e(a)), "linalg_qr", ("Q", "R")),
             (L.svd(_e(a)), "linalg_svd", ("U", "S", "Vh")),
             (L.eig(_e(a[:3])), "linalg_eig", ("eigenvalues", "eigenvectors")),
             (L.lstsq(_e(a), _e(a[:, :1])), "linalg_lstsq",
              ("solution", "residuals", "rank", "singular_values")),
             (ember.slogdet(_e(a[:3])), "slogdet", ("sign", "logabsdet")),
             (ember.svd(_e(a)), "svd", ("U", "S", "V")),
             (ember.qr(_e(a)), "qr", ("Q", "R"))]
    for res, name, fields in cases:
        assert type(res).__name__ == name and res._fields == fields
        assert repr(res).startswith(f"torch.return_types.{name}(")


def test_grad_fn_names():
    a = ember.from_numpy(np.eye(3) * 2).requires_grad_()
    assert L.inv(a).grad_fn.name() == "LinalgInvExBackward0"
    assert L.det(a).grad_fn.name() == "LinalgDetBackward0"
    assert L.solve(a, ember.ones(3, 2, dtype=ember.float64)).grad_fn.name() == \
        "LinalgSolveExBackward0"
    assert L.eigh(a)[0].grad_fn.name() == "LinalgEighBackward0"
    assert L.svd(a)[1].grad_fn.name() == "LinalgSvdBackward0"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_raw_gradients_vs_torch(dtype):
    """Gradients of the raw factors (no invariant wrapper) where they are unique."""
    rng = np.random.default_rng(1)
    a = rng.standard_normal((2, 4, 4)).astype(dtype)
    spd = a @ a.transpose(0, 2, 1) + 4 * np.eye(4, dtype=dtype)
    tol = 1e-4 if dtype == np.float32 else 1e-8
    for fn in (lambda lib, x: lib.linalg.cholesky(x),
               lambda lib, x: lib.linalg.cholesky(x, upper=True),
               lambda lib, x: lib.linalg.inv(x),
               lambda lib, x: lib.linalg.det(x),
               lambda lib, x: lib.linalg.qr(x)[0] * 2 + lib.linalg.qr(x)[1],
               lambda lib, x: lib.linalg.matrix_exp(x / 4)):
        te = torch.from_numpy(spd).requires_grad_()
        ee = ember.from_numpy(spd.copy()).requires_grad_()
        cot = rng.standard_normal(tuple(fn(torch, te).shape)).astype(dtype)
        gt, = torch.autograd.grad(fn(torch, te), te, torch.from_numpy(cot))
        ge, = ember.autograd.grad(fn(ember, ee), ee, ember.from_numpy(cot))
        np.testing.assert_allclose(ge.numpy(), gt.numpy(), rtol=tol, atol=tol)


def test_det_singular_gradient():
    a = np.array([[1., 2., 3.], [2., 4., 6.], [1., 0., 1.]])
    te = torch.from_numpy(a).requires_grad_()
    torch.linalg.det(te).backward()
    ee = ember.from_numpy(a.copy()).requires_grad_()
    L.det(ee).backward()
    np.testing.assert_allclose(ee.grad.numpy(), te.grad.numpy(), atol=1e-8)


def test_qr_backward_errors():
    a = np.random.default_rng(0).standard_normal((4, 3))
    for mode in ("r", "complete"):
        te = torch.from_numpy(a).requires_grad_()
        ee = ember.from_numpy(a.copy()).requires_grad_()
        _same_error(lambda: L.qr(ee, mode=mode)[1].sum().backward(),
                    lambda: torch.linalg.qr(te, mode=mode)[1].sum().backward())
    r = L.qr(_e(a), mode="r")
    tr = torch.linalg.qr(_t(a), mode="r")
    assert tuple(r.Q.shape) == tuple(tr.Q.shape) == (0,)
    np.testing.assert_allclose(r.R.numpy(), tr.R.numpy(), atol=1e-10)


def test_lstsq_singular_values_and_rank():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    for driver in ("gelsy", "gelsd", "gelss", "gels"):
        r = L.lstsq(_e(a), _e(b), driver=driver)
        t = torch.linalg.lstsq(_t(a), _t(b), driver=driver)
        for x, y in zip(r, t):
            assert tuple(x.shape) == tuple(y.shape) and str(x.dtype) == str(y.dtype)
            np.testing.assert_allclose(x.numpy(), y.numpy(), atol=1e-8)


def test_svd_reconstruction_and_orthogonality():
    a = np.random.default_rng(2).standard_normal((3, 5, 4))
    U, S, Vh = L.svd(_e(a), full_matrices=True)
    assert tuple(U.shape) == (3, 5, 5) and tuple(Vh.shape) == (3, 4, 4)
    np.testing.assert_allclose((U[..., :4] * S.unsqueeze(-2) @ Vh).numpy(), a, atol=1e-10)
    np.testing.assert_allclose((U.mT @ U).numpy(), np.broadcast_to(np.eye(5), (3, 5, 5)),
                               atol=1e-10)


def test_eigh_reads_one_triangle():
    a = np.random.default_rng(3).standard_normal((4, 4))
    for uplo in ("L", "U"):
        e = L.eigvalsh(_e(a), UPLO=uplo).numpy()
        t = torch.linalg.eigvalsh(_t(a), UPLO=uplo).numpy()
        np.testing.assert_allclose(e, t, atol=1e-10)


def test_cross_default_dim_warns():
    a = np.ones((3, 4))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        r = ember.cross(_e(a), _e(a))
    assert tuple(r.shape) == (3, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="no dimension of size 3"):
            ember.cross(_e(np.ones((4, 4))), _e(np.ones((4, 4))))


def test_top_level_and_methods():
    a = _e(np.eye(3) * 2)
    for name in ("det", "logdet", "inverse", "matrix_exp", "trace", "pinverse", "cholesky"):
        assert hasattr(ember, name) and hasattr(a, name), name
    assert a.matrix_power(2).tolist() == [[4., 0., 0.], [0., 4., 0.], [0., 0., 4.]]
    assert ember.tril_indices(3, 3).tolist() == torch.tril_indices(3, 3).tolist()
    assert ember.triu_indices(3, 4, 1).tolist() == torch.triu_indices(3, 4, 1).tolist()
    assert tuple(ember.block_diag().shape) == (1, 0)


def test_norm_dispatch_and_torch_norm_nuc():
    a = np.random.default_rng(4).standard_normal((3, 4))
    for ord in ("nuc", 2, -2):
        np.testing.assert_allclose(ember.norm(_e(a), p="nuc").item() if ord == "nuc" else
                                   L.norm(_e(a), ord).item(),
                                   torch.norm(_t(a), p="nuc").item() if ord == "nuc" else
                                   torch.linalg.norm(_t(a), ord).item(), rtol=1e-10)


def test_solve_double_backward():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    b = rng.standard_normal((3, 2))
    A = ember.from_numpy(a).requires_grad_()
    B = ember.from_numpy(b).requires_grad_()
    assert ember.autograd.gradgradcheck(lambda x, y: L.solve(x, y), (A, B))
