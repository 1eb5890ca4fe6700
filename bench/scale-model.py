#!/usr/bin/env python3
"""Cost model of data-parallel training (docs/SCALING.md): seconds per L-BFGS
iteration and memory per rank for N nodes and a corpus of T tokens.

  compute    C * T / (N * cores * eff)          forward-backward, split over ranks
  optimizer  PASSES * 8 * P / MEMBW             L-BFGS vector work, on every rank
  allreduce  2 (N-1)/N * 8 P / BW + 2 (N-1) a   ring allreduce of the gradient
  memory     BT * T / N + BP * P                 data share + model, optimizer

P, the parameters, from WikiSER (measured): P = P0 (T / T0)^beta.
Usage: python3 bench/scale-model.py   (prints the Markdown tables)"""

C = 2.0e-6        # s per token per evaluation per core (bench/RESULTS.md: 0.91-1.01 s per
                  # 1M tokens per iteration on 2 threads, unloaded)
CORES, EFF = 16, 0.9
PASSES, MEMBW = 30, 10e9
BT, BP = 107, 140  # bytes per token, per parameter (bench/RESULTS.md, docs/SCALING.md)
NETS = {"10 GbE": (1.1e9, 30e-6), "InfiniBand HDR": (22e9, 2e-6)}
T0 = 297885
FITS = {"--min-freq 1": (994763, 0.88), "--min-freq 3": (313246, 0.83),
        "P held at 1e7 (a cut-off that grows with T)": (1e7, 0.0)}


def params(t, fit):
    p0, beta = FITS[fit]
    return p0 * (t / T0) ** beta


def iteration(t, p, n, net):
    bw, a = NETS[net]
    comp = C * t / (n * CORES * EFF)
    opt = PASSES * 8 * p / MEMBW
    ar = 2 * (n - 1) / n * 8 * p / bw + 2 * (n - 1) * a
    return comp, opt, ar


def gb(x):
    return "%.3g" % (x / 1e9)


def main():
    for fit in FITS:
        print("\n%s: P = %d (T / %d)^%.2f\n" % (fit, FITS[fit][0], T0, FITS[fit][1])
              if FITS[fit][1] else "\n%s\n" % fit)
        print("| tokens T | parameters P | gradient GB | net | s/iter at N = 8 | 32 | 128 | 256 "
              "| speed-up 8 -> 256 | N where allreduce + optimizer = compute "
              "| GB per rank at N = 8 | 256 |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for t in (1e7, 1e8, 1e9, 1e10):
            p = params(t, fit)
            for net in NETS:
                row = []
                for n in (8, 32, 128, 256):
                    row.append(sum(iteration(t, p, n, net)))
                star = next((n for n in range(1, 100000)
                             if sum(iteration(t, p, n, net)[1:]) >= iteration(t, p, n, net)[0]),
                            None)
                print("| %.0e | %.3g | %s | %s | %s | %.2fx | %s | %s | %s |" % (
                    t, p, gb(8 * p), net, " | ".join("%.3g" % r for r in row),
                    row[0] / row[3], star, gb(BT * t / 8 + BP * p), gb(BT * t / 256 + BP * p)))


if __name__ == "__main__":
    main()
