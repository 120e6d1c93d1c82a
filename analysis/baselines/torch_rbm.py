"""PyTorch baseline of `shortrun bench`'s rbm.rdm_update.f32: one rdm parameter update of a
Bernoulli RBM, written the way RBM researchers write it in PyTorch (CPU, float32).

Same work as src/app/cmd_bench.cpp's bench_rdm_update_f32, in the same order:
  positive statistics of a minibatch drawn by index from bars-and-stripes images,
  p0: every visible unit uniform on {0, 1} (independent fair coins),
  k block-Gibbs steps (h | v, then v | h), each a Bernoulli draw of a sigmoid,
  negative statistics of the chains, p = sigmoid(b + v W),
  the SGD step  theta += lr (E_data[-dE/dtheta] - E_chains[-dE/dtheta]).
Samples are rows here (PyTorch's batch-first convention), columns in shortrun: the products are
the same 2 Nv Nh flops per sample.

Imports torch: load it through compare.py, which sets OPENBLAS_CORETYPE and the thread count
before the import.
"""

import torch


def bars_and_stripes(side, n_samples, generator):
    """n_samples images (n_samples x side^2, values 0/1): each a random set of full rows or full
    columns switched on, as shortrun's bars-stripes data."""
    on = torch.rand(n_samples, side, generator=generator) < 0.5
    rows = on.unsqueeze(2).expand(n_samples, side, side)
    vertical = torch.rand(n_samples, generator=generator) < 0.5
    images = torch.where(vertical.view(-1, 1, 1), rows.transpose(1, 2), rows)
    return images.reshape(n_samples, side * side).float()


class RbmRdmUpdate:
    """One call = one rdm update. Buffers are allocated once and every step works in place
    (addmm into a preallocated tensor, sigmoid_, a Bernoulli draw), under torch.no_grad().

    The Bernoulli draw h ~ B(p) is written as h = (u < p) with u = uniform_() in a preallocated
    buffer and the comparison written straight into the float tensor: with PyTorch 1.13 on CPU
    it is about 4x faster than h.bernoulli_(p) or torch.bernoulli(p) (8 ms against 33 ms for
    1000 x 500 units), so the baseline is at its best."""

    def __init__(self, n_visible, n_hidden, chains, k, batch, n_data, lr=0.01, seed=17):
        self.generator = torch.Generator().manual_seed(seed)
        g = self.generator
        side = int(round(n_visible ** 0.5))
        if side * side != n_visible:
            raise ValueError(f"n_visible must be a square, got {n_visible}")
        self.data = bars_and_stripes(side, n_data, g)
        self.W = 0.01 * torch.randn(n_visible, n_hidden, generator=g)  # freshly initialised, as the bench
        self.a = torch.zeros(n_visible)
        self.b = torch.zeros(n_hidden)
        self.k, self.lr, self.chains, self.batch = k, lr, chains, batch
        self.v = torch.empty(chains, n_visible)
        self.h = torch.empty(chains, n_hidden)
        self.pv = torch.empty(chains, n_visible)
        self.ph = torch.empty(chains, n_hidden)
        self.ph_data = torch.empty(batch, n_hidden)
        self.uv = torch.empty(chains, n_visible)
        self.uh = torch.empty(chains, n_hidden)

    @torch.no_grad()
    def __call__(self):
        g, W, a, b = self.generator, self.W, self.a, self.b
        v, h, pv, ph = self.v, self.h, self.pv, self.ph
        # Positive statistics: a minibatch by index.
        vd = self.data[torch.randint(self.data.shape[0], (self.batch,), generator=g)]
        torch.addmm(b, vd, W, out=self.ph_data).sigmoid_()
        # p0 = uniform on {0, 1}^Nv, then k block-Gibbs steps.
        uv, uh = self.uv, self.uh
        torch.lt(uv.uniform_(generator=g), 0.5, out=v)
        for _ in range(self.k):
            torch.addmm(b, v, W, out=ph).sigmoid_()
            torch.lt(uh.uniform_(generator=g), ph, out=h)
            torch.addmm(a, h, W.t(), out=pv).sigmoid_()
            torch.lt(uv.uniform_(generator=g), pv, out=v)
        # Negative statistics and the SGD step, fused into the in-place updates.
        torch.addmm(b, v, W, out=ph).sigmoid_()
        W.addmm_(vd.t(), self.ph_data, alpha=self.lr / self.batch)
        W.addmm_(v.t(), ph, alpha=-self.lr / self.chains)
        a.add_(vd.mean(0) - v.mean(0), alpha=self.lr)
        b.add_(self.ph_data.mean(0) - ph.mean(0), alpha=self.lr)
        if not torch.isfinite(W).all():
            raise FloatingPointError("torch rbm: non-finite weights")
