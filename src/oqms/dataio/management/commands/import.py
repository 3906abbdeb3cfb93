"""``oqms import FILE``: check or import a CSV/XLSX file from the command line (no size limit, no worker)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from oqms.core.errors import DomainError
from oqms.dataio import services
from oqms.dataio.models import JobStatus, SavedMapping
from oqms.dataio.targets import PRESETS, Entity


class Command(BaseCommand):
    help = "Import work orders, vendors, sites, contracts or vendor staff from a CSV or Excel (.xlsx) file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--records",
            default=Entity.WORK_ORDERS,
            choices=[c for c, _l in Entity.choices],
            help="what the file holds (default: workorders)",
        )
        parser.add_argument(
            "--user",
            required=True,
            help="username of the quality manager or administrator "
            "the import runs as (its permissions and audit trail)",
        )
        parser.add_argument(
            "--mapping",
            default="",
            help="a ready mapping (servicenow, jira), the name of a "
            'saved mapping, or a JSON file {"columns": {"field": ["header"]}, ...}; '
            "default: matched by the headers",
        )
        parser.add_argument("--contract", default="", help="contract number for every row")
        parser.add_argument("--site", default="", help="site code for every row")
        parser.add_argument("--service-type", default="", help="service type code for every row")
        parser.add_argument("--requester", default="", help="default requester (username)")
        parser.add_argument(
            "--date-order",
            choices=["dmy", "mdy"],
            default=None,
            help="03-01-2025 is 3 January (dmy) or March 1 (mdy)",
        )
        parser.add_argument(
            "--time-zone",
            default="",
            help="zone of times without an offset (default: the server's, Asia/Shanghai)",
        )
        parser.add_argument("--encoding", default="", help="force the file's encoding (default: detected)")
        parser.add_argument(
            "--duplicates",
            choices=["error", "last"],
            default=None,
            help="a ticket on several rows: an error, or the last row wins (event logs)",
        )
        parser.add_argument(
            "--valid-only",
            action="store_true",
            help="import the valid rows even when others "
            "have problems (default: nothing unless every row is valid)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
        parser.add_argument("--problems", type=Path, default=None, help="write the problems to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        from oqms.accounts.models import User

        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['user']!r}")
        started = time.perf_counter()
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        try:
            with override_settings(OQMS_MAX_IMPORT_MB=1_000_000):
                job = services.upload(user, options["records"], upload, options["encoding"])
            mapping = dict(job.mapping)
            chosen = options["mapping"]
            if chosen in PRESETS:
                job = services.use_preset(job, chosen)
                mapping = dict(job.mapping)
            elif chosen and Path(chosen).is_file():
                mapping.update(json.loads(Path(chosen).read_text(encoding="utf-8")))
            elif chosen:
                saved = SavedMapping.objects.filter(entity=job.entity, name=chosen).first()
                if saved is None:
                    raise CommandError(
                        f"no mapping {chosen!r}: use servicenow, jira, a saved name or a JSON file"
                    )
                mapping.update(saved.mapping)
            defaults = dict(mapping.get("defaults") or {})
            for option, name in (
                ("contract", "contract"),
                ("site", "site"),
                ("service_type", "service_type"),
                ("requester", "requester"),
            ):
                if options[option]:
                    defaults[name] = options[option]
            mapping["defaults"] = defaults
            for option in ("date_order", "duplicates"):
                if options[option]:
                    mapping[option] = options[option]
            if options["time_zone"]:
                mapping["time_zone"] = options["time_zone"]
            job = services.set_mapping(job, mapping, valid_only=options["valid_only"])
            self.stdout.write(
                f"{path.name}: {job.rows} rows, {job.encoding}; mapping "
                f"{json.dumps(job.mapping.get('columns'), ensure_ascii=False)}"
            )
            job = services.execute(job, dry_run=options["dry_run"])
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        seconds = time.perf_counter() - started
        for note in job.notes:
            self.stdout.write(f"note: {note}")
        for problem in job.problems[:20]:
            self.stdout.write(
                f"row {problem['row']} [{problem['column']}] {problem['value']!r}: {problem['message']}"
            )
        if job.problem_count > 20:
            self.stdout.write(f"... {job.problem_count - 20} more problems")
        if options["problems"] and job.problems_file:
            with job.problems_file.open("rb") as handle:
                options["problems"].write_bytes(handle.read())
            self.stdout.write(f"problems written to {options['problems']}")
        verb = "would create" if options["dry_run"] else "created"
        summary = (
            f"{verb} {job.created}, updated {job.updated}, unchanged {job.unchanged}, "
            f"rows with problems {job.failed}, in {seconds:.1f} s ({job.get_status_display()})"
        )
        if job.status in {JobStatus.REFUSED, JobStatus.FAILED}:
            raise CommandError(f"{job.message} {summary}".strip())
        self.stdout.write(self.style.SUCCESS(summary))
