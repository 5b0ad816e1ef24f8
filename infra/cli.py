"""The ``portal`` command: run the local stack, mint local tokens, operate the services."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from infra import paths

ROLES = ("citizen", "official", "operator", "system")


def _token(args: argparse.Namespace) -> int:
    from services.core import tokens

    if args.role in ("official", "system") and not args.agency:
        print("portal token: --agency is required for official and system", file=sys.stderr)
        return 2
    pem = tokens.load_or_create_private_key(paths.signing_key_file())
    print(tokens.mint(pem, roles=[args.role], sub=args.sub, agency_id=args.agency))
    return 0


def _use_local_stack(endpoint_url: str | None) -> None:
    """Point boto3 at ``endpoint_url``, or at the running local stack when none is given."""
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
        return
    if os.environ.get("AWS_ENDPOINT_URL"):
        return
    state_file = paths.local_stack_file()
    if state_file.exists():
        state = json.loads(state_file.read_text())
        os.environ["AWS_ENDPOINT_URL"] = state["endpoint_url"]
        os.environ.setdefault("PORTAL_STAGE", state["stage"])
        for name, value in state.get("environment", {}).items():
            os.environ.setdefault(name, value)


def _up(args: argparse.Namespace) -> int:
    from infra import local_stack

    return local_stack.run(port=args.port, host=args.host, seed=not args.no_seed)


def _positive(text: str) -> int:
    number = int(text) if text.isdigit() else 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"a whole number of at least 1, not {text!r}")
    return number


def _catalogue_import(args: argparse.Namespace) -> int:
    _use_local_stack(args.endpoint_url)
    from services.catalogue import importer

    report = importer.import_file(
        args.file,
        publish=not args.draft_only,
        force=args.force,
        progress=not args.quiet,
        workers=args.workers,
    )
    print(report.summary())
    return 0 if not report.failures else 1


def _payments_reconcile(args: argparse.Namespace) -> int:
    _use_local_stack(args.endpoint_url)
    from services.core.problems import Problem
    from services.payments import service
    from services.payments.app import report_model

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except OSError as error:
        print(
            f"portal payments reconcile: cannot read {args.file}: {error.strerror}", file=sys.stderr
        )
        return 2
    try:
        outcome = service.reconcile_statement(text, args.provider, args.day)
    except Problem as refused:
        reasons = "; ".join(error.message for error in refused.errors) or refused.detail.en
        print(f"portal payments reconcile: {reasons}", file=sys.stderr)
        return 2
    report = report_model(outcome)
    if args.json:
        print(report.model_dump_json(indent=2))
    else:
        for category, count in report.counts.items():
            print(f"{category:<28} {count}")
        for problem in report.line_errors:
            print(f"line {problem.line}: {problem.message}")
        if report.flagged_order_ids:
            print("flagged for an operator (bank says paid, still pending here):")
            print("\n".join(f"  {order_id}" for order_id in report.flagged_order_ids))
        print("clean" if report.clean else "NOT clean")
    return 0 if report.clean else 1


def _period(text: str) -> str:
    from services.core.identifiers import PERIOD_PATTERN

    if not re.fullmatch(PERIOD_PATTERN, text):
        raise argparse.ArgumentTypeError(
            f"a period YYYY, YYYY-Qn or YYYY-MM (2026, 2026-Q4, 2026-11), not {text!r}"
        )
    return text


def _reports_rebuild(args: argparse.Namespace) -> int:
    _use_local_stack(args.endpoint_url)
    from infra import rebuild

    say = (lambda line: None) if args.quiet else (lambda line: print(line, file=sys.stderr))
    progress = rebuild.rebuild(args.period, segments=args.segments, say=say)
    print(progress.summary())
    return 0


def _package(args: argparse.Namespace) -> int:
    from infra import access, packaging, stages

    try:
        manifest = packaging.package(
            args.stage,
            Path(args.out),
            args.service or access.SERVICES,
            lambda line: print(line, file=sys.stderr),
        )
    except (stages.UnknownStage, packaging.PackagingError) as error:
        print(f"portal package: {error}", file=sys.stderr)
        return 2
    for service, entry in manifest["services"].items():
        print(
            f"{service:<10} {entry['template']:<26} {entry['bundle']} "
            f"({entry['bundle_bytes'] / 1e6:.1f} MB, {entry['unzipped_bytes'] / 1e6:.1f} MB "
            "unzipped)"
        )
    print(f"shared     {manifest['shared_template']}; all cfn-lint clean; in {args.out}")
    return 0


def _deploy(args: argparse.Namespace) -> int:
    from infra import deploy, packaging, stages

    try:
        outputs = deploy.deploy(
            args.stage,
            services=args.service or None,
            package_dir=Path(args.package) if args.package else None,
            endpoint_url=args.endpoint_url,
            region=args.region,
            update_shared=True if args.shared else None,
        )
    except (stages.UnknownStage, packaging.PackagingError, deploy.DeployError) as error:
        print(f"portal deploy: {error}", file=sys.stderr)
        return 1
    for stack, values in outputs.items():
        if "EndpointURL" in values:
            print(f"{stack:<10} {values['EndpointURL']}")
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="portal", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="start the whole local portal")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--no-seed", action="store_true", help="start without demo data")
    up.set_defaults(handler=_up)

    token = commands.add_parser("token", help="print a token the local stack accepts (1 hour)")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--sub", help="the person or system (random by default)")
    token.add_argument("--agency", help="agency_id, for official and system")
    token.set_defaults(handler=_token)

    catalogue = commands.add_parser("catalogue", help="operate the catalogue")
    catalogue_commands = catalogue.add_subparsers(dest="catalogue_command", required=True)
    importing = catalogue_commands.add_parser(
        "import", help="import procedures from JSON Lines (the PUT body plus code)"
    )
    importing.add_argument("file")
    importing.add_argument(
        "--endpoint-url", help="AWS endpoint (default: the running local stack, else AWS)"
    )
    importing.add_argument("--draft-only", action="store_true", help="leave drafts unpublished")
    importing.add_argument("--force", action="store_true", help="publish duplicate names too")
    importing.add_argument("--quiet", action="store_true", help="no progress bar")
    importing.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="import with N threads (default 1); the catalogue ends the same",
    )
    importing.set_defaults(handler=_catalogue_import)

    payments = commands.add_parser("payments", help="operate payments")
    payments_commands = payments.add_subparsers(dest="payments_command", required=True)
    reconciling = payments_commands.add_parser(
        "reconcile",
        help="reconcile a provider's daily statement "
        "(CSV: order_id,bank_transaction_no,amount_vnd,paid_at)",
    )
    reconciling.add_argument("file")
    reconciling.add_argument("--provider", choices=("vnpay", "momo"), default="vnpay")
    reconciling.add_argument(
        "--day", type=date.fromisoformat, help="the day (YYYY-MM-DD) the statement covers"
    )
    reconciling.add_argument(
        "--endpoint-url", help="AWS endpoint (default: the running local stack, else AWS)"
    )
    reconciling.add_argument("--json", action="store_true", help="the whole report as JSON")
    reconciling.set_defaults(handler=_payments_reconcile)

    reports = commands.add_parser("reports", help="operate reports")
    reports_commands = reports.add_subparsers(dest="reports_command", required=True)
    rebuilding = reports_commands.add_parser(
        "rebuild",
        help="recompute a period of the index from the other services' tables (read only)",
    )
    rebuilding.add_argument(
        "--period", required=True, type=_period, help="YYYY, YYYY-Qn or YYYY-MM"
    )
    rebuilding.add_argument(
        "--segments", type=_positive, default=4, help="parallel scan segments per table"
    )
    rebuilding.add_argument(
        "--endpoint-url", help="AWS endpoint (default: the running local stack, else AWS)"
    )
    rebuilding.add_argument("--quiet", action="store_true", help="no progress, the summary only")
    rebuilding.set_defaults(handler=_reports_rebuild)

    from infra.access import SERVICES as services

    packaging = commands.add_parser(
        "package", help="write the shared template and each service's template and bundle"
    )
    packaging.add_argument("--stage", required=True, help="a stage of infra/stages.json")
    packaging.add_argument("--out", required=True, help="directory to write into")
    packaging.add_argument(
        "--service", action="append", choices=services, help="only this one (repeatable)"
    )
    packaging.set_defaults(handler=_package)

    deploying = commands.add_parser(
        "deploy", help="deploy the shared stack, then the services' stacks, and wait"
    )
    deploying.add_argument("--stage", required=True, help="a stage of infra/stages.json")
    deploying.add_argument(
        "--service", action="append", choices=services, help="only this one (repeatable)"
    )
    deploying.add_argument(
        "--package",
        help="deploy this 'portal package' output (an earlier one rolls back); "
        "default: package now",
    )
    deploying.add_argument(
        "--shared",
        action="store_true",
        help="with --service: update the shared stack too (a full deploy always does)",
    )
    deploying.add_argument("--endpoint-url", help="CloudFormation and S3 endpoint (moto)")
    deploying.add_argument("--region", help="default: the stage's region")
    deploying.set_defaults(handler=_deploy)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
