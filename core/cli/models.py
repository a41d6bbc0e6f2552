"""`python -m core models`: each model, whether it is here, and the path it runs on with its measured speed-up
and fidelity; `--check` measures the paths of sentence-transformers models that have no verdict on this CPU
(`--recheck`: measure again). `ensure_path` is what `score` calls before its first encode."""
from __future__ import annotations

import sys

from core.directions import fidelity
from core.directions.datasets import load_all
from core.models import overview, paths, registry


def add_commands(sub) -> None:
    m = sub.add_parser("models", help="list the models, the path each runs on, its speed-up and fidelity")
    m.add_argument("--check", action="store_true", help="measure the paths of models not yet measured on this CPU")
    m.add_argument("--recheck", action="store_true", help="measure every ready sentence-transformers model again")
    m.set_defaults(run=cmd_models)


def _progress(fraction: float, label: str) -> None:
    print(f"  {100 * fraction:3.0f}%  {label}", file=sys.stderr, flush=True)


def ensure_path(model: str, quiet: bool = False) -> None:
    """Measure `model`'s paths first if this CPU has no verdict for it (once per model and machine)."""
    if not fidelity.needs_check(model):
        return
    print(f"note: measuring which path runs {model} fastest without changing its scores on this CPU "
          "(once per model and machine; LATENT_PATH_CHECK=off skips)", file=sys.stderr)
    verdict = fidelity.choose_path(model, list(load_all()[0].values()), None if quiet else _progress)
    print(f"note: {model} runs on {verdict.summary()}", file=sys.stderr)


def path_lines(verdict: paths.Verdict) -> list[str]:
    """One line per measured path: speed-up, fidelity, and why it was or was not chosen."""
    out = []
    for name, r in verdict.paths.items():
        mark = "*" if name == verdict.chosen else ("+" if r.get("passed") else "-")
        if r.get("rate") is None:
            out.append(f"  {mark} {name:18} {'':>8} {r.get('why', '')}")
            continue
        shift = r.get("validity_shift")
        fid = (f"min r {r['pearson']:.4f}, neighbours {r['overlap']:.3f}, validity shift "
               f"{'-' if shift is None else f'{shift:.4f}'}")
        ms = f", one text {r['ms']:.1f} ms" if r.get("ms") is not None else ""
        out.append(f"  {mark} {name:18} {r['speedup']:6.2f}x{ms}  {fid}; {r.get('why', '')}")
    return out


def cmd_models(args) -> int:
    key = paths.cpu_key()
    print(f"CPU: {key['cpu']} ({', '.join(key['flags']) or 'no AVX2'})")
    for row in overview.rows():
        line = f"{row.model}: {row.status} - {row.unlocks}"
        spec = registry.get_spec(row.model)
        if spec.kind == "sentence-transformers" and row.status in ("ready", "loaded"):
            if args.recheck:
                registry.unload(row.model)
                fidelity.forget_verdict(row.model)
            if args.check or args.recheck:
                ensure_path(row.model)
            encoder = registry.get_encoder(row.model)
            verdict = encoder.verdict
            where = paths.PATHS[encoder.path_name].words
            line += f"\n  path: {verdict.summary()}" if verdict is not None else \
                f"\n  path: {where} (provisional: not measured on this CPU; run with --check)"
            if verdict is not None:
                line += "\n" + "\n".join(path_lines(verdict))
        print(line)
    return 0
