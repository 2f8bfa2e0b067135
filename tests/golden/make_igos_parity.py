#!/usr/bin/env python3
"""Golden reference for the I-GOS and iGOS++ objectives at one fixed mask (noise std 0).

Written from shared/research/igos.md (sections 2 and 3), not from the C++ port, so that
tests/unit/test_igos_parity.cpp compares two independent computations. Everything is float64
(model included) so the reference is exact to far below the test's 1e-4 tolerance.

What is computed, at one seeded random mask per mask parameter (resolution RESOLUTION):
  I-GOS   S_IG = D(U M), L1 * mean|1 - M|, L2 * TV(M) on the low-res mask, total, dTotal/dM.
  iGOS++  D(U Md), Ins(U Mi), D(U Md * U Mi), Ins(U Md * U Mi), L1 * mean|1 - Md * Mi|,
          L2 * BTV(I, Md * Mi) with IGOS_pp's weight quirks, total (score not halved), and
          gd, gi = 0.5 * d(score)/dMd,Mi + d(reg)/dMd,Mi (the halving of igos.md section 3.1).
The blurred baseline is the one core/saliency/method_support.h documents: Gaussian blur of the
model pixels in [0, 1], kernel 51 (sigma 50) for inputs under 500 px, reflect-101 borders, in
float, then normalised like the input.

Run from anywhere with /usr/bin/python3 (torch, numpy, PIL); writes tests/golden/igos_parity.json.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
MODEL = "models/demo/cues.pt"
IMAGE = "resources/samples/cues/00000.png"
OUTPUT = ROOT / "tests/golden/igos_parity.json"

RESOLUTION = 7
STEPS = 4          # integration steps N per score
L1 = 3.0
L2 = 2.0           # small, so that the score gradients are a visible part of the total gradient
SEED = 20240611
BILATERAL_SIGMA = 0.01
# Baseline pixels probed by the test: (channel, row, column).
BASELINE_PROBES = [(0, 0, 0), (1, 55, 56), (2, 111, 111), (0, 30, 90), (2, 100, 3)]

torch.set_default_dtype(torch.float64)


def load_input(spec):
    """The model input per models/README.md: 8-bit RGB, v = lo + (hi - lo) p / 255, then (v - mean) / std."""
    image = Image.open(ROOT / IMAGE).convert("RGB")
    assert image.size == (spec["width"], spec["height"]), "the reference takes images at the input size"
    pixels = torch.from_numpy(np.asarray(image, dtype=np.float64) / 255.0).permute(2, 0, 1)[None]
    return pixels  # [1, 3, H, W], model pixels in [0, 1]


def normalise(pixels, spec):
    lo, hi = spec["value_range"]
    mean = torch.tensor(spec["mean"]).view(1, -1, 1, 1)
    std = torch.tensor(spec["std"]).view(1, -1, 1, 1)
    return (lo + (hi - lo) * pixels - mean) / std


def gaussian_blur(pixels, kernel, sigma):
    """OpenCV GaussianBlur(ksize=(k, k), sigmaX=sigmaY=sigma, BORDER_REFLECT_101) in float64.

    OpenCV's kernel for sigma > 0: w_i = exp(-(i - (k-1)/2)^2 / (2 sigma^2)), normalised to sum 1,
    applied separably. torch's 'reflect' padding is reflect-101 (the edge pixel is not repeated).
    """
    x = torch.arange(kernel, dtype=torch.float64) - (kernel - 1) / 2
    w = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    w = w / w.sum()
    channels = pixels.shape[1]
    r = kernel // 2
    out = F.pad(pixels, (r, r, 0, 0), mode="reflect")
    out = F.conv2d(out, w.view(1, 1, 1, kernel).repeat(channels, 1, 1, 1), groups=channels)
    out = F.pad(out, (0, 0, r, r), mode="reflect")
    out = F.conv2d(out, w.view(1, 1, kernel, 1).repeat(channels, 1, 1, 1), groups=channels)
    return out


def upsample(mask, height, width):
    """U: bilinear, align_corners=True (torch.nn.UpsamplingBilinear2d)."""
    return F.interpolate(mask, size=(height, width), mode="bilinear", align_corners=True)


def interval_score(model, target, kept, replaced, mask, steps):
    """(1/N) sum_k softmax(model(kept * m_k + replaced * (1 - m_k)))[target], m_k = (k/N) mask, noise 0."""
    fractions = torch.arange(1, steps + 1, dtype=torch.float64).view(-1, 1, 1, 1) / steps
    m = fractions * mask
    images = kept * m + replaced * (1 - m)
    return torch.softmax(model(images), dim=1)[:, target].mean()


def tv(mask):
    m = mask[0, 0]
    return ((m[1:, :] - m[:-1, :]) ** 2).mean() + ((m[:, 1:] - m[:, :-1]) ** 2).mean()


def bilateral_tv(image, mask, height, width):
    """igos.md 3.2, quirks kept: vertical weights square the channel MEAN of the difference,
    horizontal weights average the per-channel exp of the squared difference."""
    I = image[0]
    u = upsample(mask, height, width)[0, 0]
    wv = torch.exp(-((I[:, :-1, :] - I[:, 1:, :]).mean(0)) ** 2 / BILATERAL_SIGMA)
    wh = torch.exp(-((I[:, :, :-1] - I[:, :, 1:]) ** 2) / BILATERAL_SIGMA).mean(0)
    m = mask[0, 0]
    a = ((m[1:, :] - m[:-1, :]) ** 2).mean()
    b = ((m[:, 1:] - m[:, :-1]) ** 2).mean()
    bil_a = (wv * (u[1:, :] - u[:-1, :]) ** 2).mean()
    bil_b = (wh * (u[:, 1:] - u[:, :-1]) ** 2).mean()
    return 0.5 * (a + b + bil_a + bil_b)


def bilateral_tv_without_quirk(image, mask, height, width):
    """The same with both weights square-then-mean: only to show the golden tells them apart."""
    I = image[0]
    u = upsample(mask, height, width)[0, 0]
    wv = torch.exp(-((I[:, :-1, :] - I[:, 1:, :]) ** 2) / BILATERAL_SIGMA).mean(0)
    wh = torch.exp(-((I[:, :, :-1] - I[:, :, 1:]) ** 2) / BILATERAL_SIGMA).mean(0)
    return 0.5 * (tv(mask) + (wv * (u[1:, :] - u[:-1, :]) ** 2).mean() + (wh * (u[:, 1:] - u[:, :-1]) ** 2).mean())


def flat(t):
    return [float(v) for v in t.detach().reshape(-1)]


def random_mask(generator):
    # Rounded to float32 so the C++ side (float32 masks) starts from exactly the same values.
    return torch.rand(1, 1, RESOLUTION, RESOLUTION, generator=generator).float().double()


def main():
    spec = json.loads((ROOT / MODEL).with_suffix(".json").read_text())["input"]
    height, width = spec["height"], spec["width"]
    model = torch.jit.load(str(ROOT / MODEL), map_location="cpu").double().eval()
    for p in model.parameters():
        p.requires_grad_(False)

    pixels = load_input(spec)
    I = normalise(pixels, spec)
    side = max(height, width)
    kernel = 201 if side >= 800 else 151 if side >= 500 else 51
    B = normalise(gaussian_blur(pixels, kernel, kernel - 1), spec)

    with torch.no_grad():
        clean = torch.softmax(model(I), dim=1)[0]
    target = int(clean.argmax())

    generator = torch.Generator().manual_seed(SEED)
    mask_igos = random_mask(generator)
    mask_del = random_mask(generator)
    mask_ins = random_mask(generator)

    # I-GOS (igos.md 2.1, 2.3).
    M = mask_igos.clone().requires_grad_(True)
    s_ig = interval_score(model, target, I, B, upsample(M, height, width), STEPS)
    l1_term = L1 * (1 - M).abs().mean()
    tv_term = L2 * tv(M)
    total = s_ig + l1_term + tv_term
    (grad_igos,) = torch.autograd.grad(total, M, retain_graph=True)
    (grad_igos_score,) = torch.autograd.grad(s_ig, M)

    # iGOS++ (igos.md 3.1, 3.2).
    Md = mask_del.clone().requires_grad_(True)
    Mi = mask_ins.clone().requires_grad_(True)
    ud, ui = upsample(Md, height, width), upsample(Mi, height, width)
    d_del = interval_score(model, target, I, B, ud, STEPS)
    ins_ins = interval_score(model, target, B, I, ui, STEPS)
    d_both = interval_score(model, target, I, B, ud * ui, STEPS)
    ins_both = interval_score(model, target, B, I, ud * ui, STEPS)
    score = d_del - ins_ins + d_both - ins_both
    combined = Md * Mi
    pp_l1 = L1 * (1 - combined).abs().mean()
    pp_tv = L2 * bilateral_tv(I, combined, height, width)
    reg = pp_l1 + pp_tv
    pp_total = score + reg
    score_gd, score_gi = torch.autograd.grad(score, (Md, Mi), retain_graph=True)
    reg_gd, reg_gi = torch.autograd.grad(reg, (Md, Mi))
    gd = 0.5 * score_gd + reg_gd
    gi = 0.5 * score_gi + reg_gi
    plain_tv = L2 * tv(combined)
    other_btv = L2 * bilateral_tv_without_quirk(I, combined, height, width)

    golden = {
        "generator": "tests/golden/make_igos_parity.py (PyTorch float64, from research/igos.md)",
        "model": MODEL,
        "image": IMAGE,
        "resolution": RESOLUTION,
        "steps": STEPS,
        "l1": L1,
        "l2": L2,
        "noise": 0.0,
        "seed": SEED,
        "target": target,
        "clean_probability": float(clean[target]),
        "baseline_kernel": kernel,
        "baseline_probes": [
            {"channel": c, "row": r, "column": x, "value": float(B[0, c, r, x])} for c, r, x in BASELINE_PROBES
        ],
        "baseline_channel_means": [float(v) for v in B[0].mean(dim=(1, 2))],
        "igos": {
            "mask": flat(mask_igos),
            "deletion": float(s_ig),
            "l1_term": float(l1_term),
            "tv_term": float(tv_term),
            "total": float(total),
            "gradient": flat(grad_igos),
        },
        "igospp": {
            "mask_deletion": flat(mask_del),
            "mask_insertion": flat(mask_ins),
            "deletion": float(d_del),
            "insertion": float(ins_ins),
            "deletion_both": float(d_both),
            "insertion_both": float(ins_both),
            "l1_term": float(pp_l1),
            "tv_term": float(pp_tv),
            "total": float(pp_total),
            "gradient_deletion": flat(gd),
            "gradient_insertion": flat(gi),
        },
    }
    OUTPUT.write_text(json.dumps(golden, indent=1) + "\n")

    # How far apart the alternatives the test must tell apart are (printed, not stored).
    def rel(a, b):
        return float((a - b).abs().max() / b.abs().max())

    print(f"target {target} (p = {float(clean[target]):.6f}); wrote {OUTPUT.relative_to(ROOT)}")
    print(f"I-GOS   S_IG {float(s_ig):.6g}  L1 {float(l1_term):.6g}  TV {float(tv_term):.6g}  total {float(total):.6g}")
    print(f"        score part of the gradient, relative to its max-abs: {rel(grad_igos_score, grad_igos):.3g}")
    print(f"iGOS++  D {float(d_del):.6g}  Ins {float(ins_ins):.6g}  Dboth {float(d_both):.6g}  "
          f"Insboth {float(ins_both):.6g}  L1 {float(pp_l1):.6g}  BTV {float(pp_tv):.6g}  total {float(pp_total):.6g}")
    print(f"        plain TV instead {float(plain_tv):.6g}; BTV without the weight quirk {float(other_btv):.6g}")
    print(f"        unhalved gradient differs by {rel(0.5 * score_gd, gd):.3g} (gd), {rel(0.5 * score_gi, gi):.3g} (gi)")


if __name__ == "__main__":
    main()
