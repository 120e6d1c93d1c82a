"""PyTorch baseline of `shortrun bench`'s convnet.ula_step and convnet.rdm_update: the documented
ConvNet EBM (include/shortrun/models/conv_net.hpp), written the way short-run EBM code is written
in PyTorch (Nijkamp et al. 2019's style: nn.Sequential, torch.autograd.grad for dE/dx), CPU,
float32.

Network, as shortrun's: three 3 x 3 convolutions with stride 2 and zero padding 1 (1 -> 16 -> 32 ->
64 channels, 28 x 28 -> 14 -> 7 -> 4), SiLU after each, then a linear read-out of the 64 x 4 x 4
features to one energy, without bias. PyTorch's default initialisation, which shortrun copies.

Langevin step (shortrun's samplers/langevin.hpp, ULA):  x <- x - eta dE/dx + sqrt(2 eta T) xi,
with eta = 1 and T = 5e-5 as jobs/configs/convnet-fashion-mnist.ini and the bench.

rdm update (shortrun's trainer with SampledChains and Adam): k Langevin steps on chains from p0 =
uniform on [-1, 1], then the loss mean E(data) - mean E(chains) over a minibatch by index, its
parameter gradient and one Adam step (lr 1e-4).

Imports torch: load it through compare.py, which sets OPENBLAS_CORETYPE and the thread count
before the import.
"""

import torch
from torch import nn

STEP = 1.0  # eta
TEMPERATURE = 5e-5


def out_side(side):
    """Output side of a 3 x 3, stride-2, padding-1 convolution."""
    return (side + 2 - 3) // 2 + 1


class ConvEnergy(nn.Module):
    def __init__(self, side, channels=(16, 32, 64)):
        super().__init__()
        layers, c_in = [], 1
        for c in channels:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1), nn.SiLU()]
            c_in, side = c, out_side(side)
        self.features = nn.Sequential(*layers)
        self.read_out = nn.Linear(c_in * side * side, 1, bias=False)

    def forward(self, x):
        """E(x) for a batch x (n x 1 x H x W) -> (n)."""
        return self.read_out(self.features(x).flatten(1)).squeeze(1)


def langevin_step(net, x, step=STEP, temperature=TEMPERATURE):
    """One ULA step of every chain (rows of x), in place on x; returns x."""
    x.requires_grad_(True)
    grad_x, = torch.autograd.grad(net(x).sum(), x)
    with torch.no_grad():
        x.add_(grad_x, alpha=-step).add_(torch.randn_like(x), alpha=(2.0 * step * temperature) ** 0.5)
    return x.detach_()


def blobs(side, n_samples, generator):
    """Images in [-1, 1] (n x 1 x side x side): one Gaussian bump each at a random place, as
    shortrun's blobs data (the content does not change the cost)."""
    grid = torch.arange(side, dtype=torch.float32)
    centre = torch.rand(n_samples, 2, generator=generator) * (side - 1)
    width = 1.0 + torch.rand(n_samples, 1, 1, generator=generator) * side / 6
    dy = (grid.view(1, -1, 1) - centre[:, 0].view(-1, 1, 1)) ** 2
    dx = (grid.view(1, 1, -1) - centre[:, 1].view(-1, 1, 1)) ** 2
    return (2.0 * torch.exp(-(dy + dx) / (2 * width ** 2)) - 1.0).unsqueeze(1)


def make_net(side, channels=(16, 32, 64), seed=1):
    torch.manual_seed(seed)
    net = ConvEnergy(side, channels)
    net.requires_grad_(False)  # sampling needs dE/dx only; updates switch the parameters on
    return net


class ConvUlaStep:
    """One call = one Langevin step of `chains` chains (the bench's convnet.ula_step)."""

    def __init__(self, side, chains, channels=(16, 32, 64), seed=1):
        self.net = make_net(side, channels, seed)
        self.x = torch.rand(chains, 1, side, side) * 2 - 1

    def __call__(self):
        langevin_step(self.net, self.x)


class ConvParamGrad:
    """One call = forward and every parameter's gradient of the mean energy of `batch` images,
    accumulated into .grad (the bench's convnet.param_grad)."""

    def __init__(self, side, batch, channels=(16, 32, 64), seed=1):
        self.net = make_net(side, channels, seed)
        self.net.requires_grad_(True)
        self.x = blobs(side, batch, torch.Generator().manual_seed(seed + 2))

    def __call__(self):
        self.net(self.x).mean().backward()


class ConvRdmUpdate:
    """One call = one rdm update (the bench's convnet.rdm_update)."""

    def __init__(self, side, chains, k, batch, channels=(16, 32, 64), n_data=1000, seed=1):
        self.net = make_net(side, channels, seed)
        self.generator = torch.Generator().manual_seed(seed + 2)
        self.data = blobs(side, n_data, self.generator)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-4)
        self.side, self.chains, self.k, self.batch = side, chains, k, batch

    def __call__(self):
        net, g = self.net, self.generator
        x = torch.rand(self.chains, 1, self.side, self.side, generator=g).mul_(2).sub_(1)
        for _ in range(self.k):
            langevin_step(net, x)
        batch = self.data[torch.randint(self.data.shape[0], (self.batch,), generator=g)]
        net.requires_grad_(True)
        loss = net(batch).mean() - net(x).mean()  # grad of the NLL: E_data[dE] - E_chains[dE]
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        net.requires_grad_(False)
        if not torch.isfinite(loss):
            raise FloatingPointError("torch convnet: non-finite loss")
