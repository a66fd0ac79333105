import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--x", required=True)
    ap.add_argument("--y", required=True)
    ap.add_argument("--kind", choices=["line", "bar", "scatter"], default="line")
    ap.add_argument("--out", default="chart.png")
    a = ap.parse_args()
    df = pd.read_csv(a.csv)
    ax = df.plot(x=a.x, y=a.y, kind=a.kind, figsize=(10, 5), legend=False)
    ax.set_xlabel(a.x)
    ax.set_ylabel(a.y)
    plt.tight_layout()
    plt.savefig(a.out, dpi=150)
    print("saved", a.out)


if __name__ == "__main__":
    main()
