"""``arena report`` and ``arena audit`` (registered by harness/cli.py).

Exit codes: 0 done (audit: every invariant holds or is explained), 1 the audit found
unexplained violations (``arena report --docs`` refuses to publish such a campaign),
2 bad input (no such campaign, a runs.csv with a missing column or a broken line, a
malformed notes.toml); nothing is written on 1 or 2.
"""
from __future__ import annotations

import argparse
import sys

from harness.analysis import audit, frame, report


def _report(args: argparse.Namespace) -> int:
    try:
        if args.docs:
            campaign = report.resolve(args.campaign) if args.campaign else None
            paths = report.write_docs(args.docs, args.readme, campaign)
            print(f"docs: {paths['markdown']} and {paths['charts']}/"
                  + (f"; {paths['readme']} updated" if "readme" in paths else ""))
            return 0
        if args.readme:
            print("arena report: --readme goes with --docs", file=sys.stderr)
            return 2
        if not args.campaign:
            print("arena report: name a campaign (a folder under results/)", file=sys.stderr)
            return 2
        paths = report.write_report(report.resolve(args.campaign), args.out)
    except report.PublishRefused as exc:
        print(audit.text(exc.audit, exc.shown), file=sys.stderr)
        print(f"arena report: {exc}; fix the rows or explain each violation in the campaign's "
              "notes.toml", file=sys.stderr)
        return 1
    except frame.CampaignError as exc:
        print(f"arena report: {exc}", file=sys.stderr)
        return 2
    print(f"report: {paths['markdown']}")
    print(f"        {paths['html']} (self-contained)")
    return 0


def _audit(args: argparse.Namespace) -> int:
    try:
        result = audit.audit(report.resolve(args.campaign))
    except frame.CampaignError as exc:
        print(f"arena audit: {exc}", file=sys.stderr)
        return 2
    print(audit.text(result, args.campaign))
    return 0 if result.ok else 1


def register(sub) -> None:
    p = sub.add_parser("report", help="write a campaign's report (Markdown + HTML), or publish docs/",
                       description="results/<campaign>/report.md and a self-contained report.html; "
                                   "with --docs, publish a campaign whose audit passes into docs/.")
    p.add_argument("campaign", nargs="?",
                   help="campaign name under results/, or its directory (with --docs: default "
                        "the one results/published.txt names)")
    p.add_argument("--out", help="write the report here instead of the campaign's directory")
    p.add_argument("--docs", metavar="DIR",
                   help="publish into DIR (charts/, results.md, methodology.md's invariants) instead "
                        "of writing a report; refused when the campaign's audit fails")
    p.add_argument("--readme", metavar="FILE",
                   help="with --docs: also update FILE's published-results block (overview, claims)")
    p.set_defaults(func=_report)
    a = sub.add_parser("audit", help="check every row and point of a campaign against the invariants",
                       description="Print every violation of an invariant no honest row can break, with "
                                   "its run ids and reason; exit 1 if any is not explained in the "
                                   "campaign's notes.toml, 2 on a campaign that cannot be read.")
    a.add_argument("campaign", help="campaign name under results/, or its directory")
    a.set_defaults(func=_audit)


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.analysis.commands report|audit ...``, the same as ``arena``."""
    parser = argparse.ArgumentParser(prog="arena")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
