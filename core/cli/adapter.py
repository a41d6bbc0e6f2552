"""`python -m core adapter fit | info`: fit a linear adapter between two models, describe an adapter file.

Every failure here exits with status 1 (as the adapters' own command line did), argparse errors with 2.
"""
from __future__ import annotations

from core.cli.common import Parser
from core.latent import adapters


def add_commands(sub) -> None:
    a = sub.add_parser("adapter", help="linear adapters between two models' embedding spaces")
    commands = a.add_subparsers(dest="adapter_command", metavar="{fit,info}", required=True, parser_class=Parser)
    f = commands.add_parser("fit", help="fit an adapter on the sample corpus and save it as .npz")
    f.add_argument("--source", required=True, help="model name to map from")
    f.add_argument("--target", required=True, help="model name to map into")
    f.add_argument("--method", choices=adapters.METHODS, default="ridge")
    f.add_argument("--alpha", type=float, default=None, help="ridge penalty (default: chosen on held-out rows)")
    f.add_argument("--output", required=True, help="the .npz file to write")
    f.set_defaults(run=cmd_fit, usage_errors=())
    i = commands.add_parser("info", help="print an adapter file's models and report")
    i.add_argument("file")
    i.set_defaults(run=cmd_info, usage_errors=())


def cmd_fit(args) -> int:
    from core.store.embedder import get_embedder

    adapter = adapters.between(get_embedder(args.source), get_embedder(args.target), method=args.method,
                               alpha=args.alpha)
    adapters.save(adapter, args.output)
    _describe(adapter)
    return 0


def cmd_info(args) -> int:
    _describe(adapters.load(args.file))
    return 0


def _describe(adapter: adapters.Adapter) -> None:
    r = adapter.report
    print(f"{adapter.source} ({adapter.source_dim}) -> {adapter.target} ({adapter.target_dim}), {adapter.method}"
          + (f", alpha {adapter.alpha:g}" if adapter.alpha is not None else ""))
    if r:
        print(f"held-out cosine {r['cosine']:.3f}, top-1 retrieval {r['top1']:.1%} of {r['n']} "
              f"(chance {r['chance']:.2%})")
