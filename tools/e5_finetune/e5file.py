"""The E5S1 model-file reader, writer and tokenizer: `awn/assistant/e5file.py`, shared with the ONNX engine.

Run as a script it prints a model file's header and part of its tensor directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root: awn/ is importable

from awn.assistant.e5file import E5File, dequant_q4, quant_q4

__all__ = ["E5File", "dequant_q4", "quant_q4"]


def main() -> None:
    ap = argparse.ArgumentParser(description="Print an E5S1 file's header and part of its tensor directory.")
    ap.add_argument("model", type=Path)
    f = E5File(ap.parse_args().model)
    print(f.version, f.H, f.NL, f.NH, f.FF, f.VOC, f.MAXP, f.TVS, f.eps, f.qk, f.n_pieces)
    print("specials", f.bos, f.eos, f.pad, f.unk, "norm", len(f.norm), "max piece bytes", f.max_piece_bytes)
    for name in f.dir_order[:8] + f.dir_order[-4:]:
        print(name, f.dir[name])


if __name__ == "__main__":
    main()
