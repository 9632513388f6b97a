#!/usr/bin/env python3
"""Generate benchmark configurations of null_resource instances.

Usage: gen.py --variant {chains,separate} --n N --out DIR

Variant "chains" (A): K=10 resource blocks c0..c9, each with count = N/10.
  c{k}[i] depends on c{k-1}[i], so there are N/10 parallel chains of length 10.
Variant "separate" (B): N resource blocks r0..r{N-1} without count.
  r{i} depends on r{i-100}, so there are 100 parallel chains of length N/100.

Both reference var.v in every instance and var.w in exactly 1% of the
instances (count.index % 100 == 0 for A, i % 100 == 0 for B). Those instances
form whole chains, so `plan -var w=2` replaces exactly 1% of the instances
(the replacement does not cascade into instances outside that 1%).
"""
import argparse
import os
import sys

HEADER = '''terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

variable "v" {
  default = "1"
}

variable "w" {
  default = "1"
}
'''


def chains(n, k=10):
    if n % k:
        sys.exit(f"gen.py: N={n} must be a multiple of {k}")
    per = n // k
    out = [HEADER]
    for b in range(k):
        lines = [f'resource "null_resource" "c{b}" {{', f"  count = {per}", "  triggers = {"]
        if b > 0:
            lines.append(f"    prev = null_resource.c{b - 1}[count.index].id")
        lines.append("    v    = var.v")
        lines.append('    w    = count.index % 100 == 0 ? var.w : ""')
        lines.append("  }")
        lines.append("}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def separate(n, chains_count=100):
    if n % chains_count:
        sys.exit(f"gen.py: N={n} must be a multiple of {chains_count}")
    out = [HEADER]
    for i in range(n):
        lines = [f'resource "null_resource" "r{i}" {{', "  triggers = {"]
        if i >= chains_count:
            lines.append(f"    prev = null_resource.r{i - chains_count}.id")
        lines.append("    v    = var.v")
        if i % 100 == 0:
            lines.append("    w    = var.w")
        lines.append("  }")
        lines.append("}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--variant", required=True, choices=["chains", "separate", "A", "B"])
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--out", required=True, help="directory to write main.tf into")
    a = ap.parse_args()
    variant = {"A": "chains", "B": "separate"}.get(a.variant, a.variant)
    text = chains(a.n) if variant == "chains" else separate(a.n)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "main.tf"), "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
