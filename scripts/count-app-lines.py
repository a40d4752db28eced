#!/usr/bin/env python3
"""Counts the e-conomic example's own code as its issue counts it: examples/economic/src/app/**
except dev.rs, plus main.rs; code lines only (no blanks, no comment lines), and nothing inside
a `#[cfg(test)]` item. Prints the total and the lines per file.

    python3 scripts/count-app-lines.py [--max N]   # exits 1 when the total is above N
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent / "examples" / "economic" / "src"


def code_lines(text: str) -> int:
    count, depth, skip_from = 0, 0, None
    pending_cfg_test = False
    in_block_comment = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_block_comment:
            if "*/" in line:
                in_block_comment = False
            continue
        if line.startswith("/*"):
            in_block_comment = "*/" not in line
            continue
        if not line or line.startswith("//"):
            continue
        if line.startswith("#[cfg(test)]"):
            pending_cfg_test = True
            continue
        opens, closes = line.count("{"), line.count("}")
        if pending_cfg_test and skip_from is None:
            skip_from = depth
            pending_cfg_test = False
            if opens == 0 and line.endswith(";"):
                skip_from = None  # a one-line item (`mod tests;`, a `use`)
                continue
        depth += opens - closes
        if skip_from is not None:
            if depth <= skip_from and (opens or closes):
                skip_from = None
            continue
        count += 1
    return count


def main() -> int:
    files = sorted(p for p in (ROOT / "app").rglob("*.rs") if p.name != "dev.rs")
    files.append(ROOT / "main.rs")
    total = 0
    for path in files:
        n = code_lines(path.read_text())
        total += n
        print(f"{n:6}  {path.relative_to(ROOT.parent.parent.parent)}")
    print(f"{total:6}  total")
    if "--max" in sys.argv:
        limit = int(sys.argv[sys.argv.index("--max") + 1])
        if total > limit:
            print(f"above the limit of {limit}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
