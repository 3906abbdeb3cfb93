"""The import of a file, step by step: upload (read and suggest a mapping), map, check (a dry run with a preview
and every problem), import (all rows, or only the valid ones), in the background when the file is big."""

from __future__ import annotations

import contextlib
import datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from oqms.core import audit
from oqms.core.errors import DomainError
from oqms.dataio import records, work
from oqms.dataio.models import ImportJob, JobStatus, SavedMapping
from oqms.dataio.reading import FileProblem, Table, read_table
from oqms.dataio.targets import PRESETS, Entity, preset_mapping, suggest, targets

PREVIEW_ROWS = 20
SHOWN_PROBLEMS = 200


def may_import(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("dataio.add_importjob"))


def _labels(entity: str) -> dict[str, list[str]]:
    """Each field's names in both languages (its label and, for work orders, the model's verbose name), so a file
    exported from OQMS maps back by its own headers."""
    labels: dict[str, list[str]] = {}
    model = None
    if entity == Entity.WORK_ORDERS:
        from oqms.workorders.models import WorkOrder

        model = WorkOrder
    for target in targets(entity):
        names = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.append(str(target.label))
                if model is not None:
                    with contextlib.suppress(Exception):  # a target that is not a model field
                        names.append(str(model._meta.get_field(target.name).verbose_name))
        labels[target.name] = names
    return labels


def check_size(size: int) -> None:
    limit = settings.OQMS_MAX_IMPORT_MB
    if size > limit * 1024 * 1024:
        raise FileProblem(
            _(
                "The file is %(size).1f MB; imports through the page take at most %(limit)d MB. Split it, or use "
                "“oqms import” on the server."
            )
            % {"size": size / 1048576, "limit": limit},
            code="file_size",
        )


def upload(user: Any, entity: str, upload: Any, encoding: str = "") -> ImportJob:
    """Read the uploaded file (refusing what is not a readable table) and keep it with a suggested mapping."""
    if not may_import(user):
        raise DomainError(_("You may not import data."), code="forbidden")
    if entity not in dict(Entity.choices):
        raise DomainError(_("Choose what the file holds."), code="entity")
    check_size(upload.size)
    data = upload.read()
    table = read_table(data, upload.name, encoding or None)
    job = ImportJob(
        entity=entity,
        original_name=upload.name[:255],
        size=len(data),
        encoding=table.encoding or table.kind,
        headers=table.headers,
        rows=table.rows,
        mapping=suggest(entity, table.headers, _labels(entity))
        | ({"encoding": encoding} if encoding else {}),
        created_by=user,
    )
    job.file.save(Path(upload.name).name[-100:] or "import.csv", ContentFile(data), save=False)
    job.save()
    return job


def table_of(job: ImportJob) -> Table:
    with job.file.open("rb") as handle:
        data = handle.read()
    return read_table(data, job.original_name, job.mapping.get("encoding") or None)


def set_mapping(job: ImportJob, mapping: dict[str, Any], valid_only: bool | None = None) -> ImportJob:
    if job.status in {JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.DONE}:
        raise DomainError(_("This import has already run."), code="already_run")
    known = {t.name for t in targets(job.entity)}
    columns = {
        k: [h for h in v if h in job.headers] for k, v in (mapping.get("columns") or {}).items() if k in known
    }
    job.mapping = {**job.mapping, **mapping, "columns": {k: v for k, v in columns.items() if v}}
    if valid_only is not None:
        job.valid_only = valid_only
    job.status = JobStatus.UPLOADED
    job.save()
    return job


def use_preset(job: ImportJob, key: str) -> ImportJob:
    if key in PRESETS:
        return set_mapping(job, preset_mapping(key, job.headers))
    saved = SavedMapping.objects.filter(pk=key, entity=job.entity).first() if str(key).isdigit() else None
    if saved is None:
        raise DomainError(_("There is no such mapping."), code="mapping")
    return set_mapping(job, dict(saved.mapping))


def save_mapping(job: ImportJob, name: str, user: Any) -> SavedMapping:
    name = name.strip()
    if not name:
        raise DomainError(_("Give the mapping a name."), code="name")
    mapping = {k: v for k, v in job.mapping.items() if k != "encoding"}
    saved, _created = SavedMapping.objects.update_or_create(
        entity=job.entity, name=name[:100], defaults={"mapping": mapping, "owner": user}
    )
    return saved


class _Progress:
    """Writes how far a running import is, at most every half second (the page polls it)."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        import time

        now = time.monotonic()
        if now - self.last < 0.5:
            return
        self.last = now
        if self.job.pk and not transaction.get_connection().in_atomic_block:
            ImportJob.objects.filter(pk=self.job.pk).update(processed=min(done, self.job.rows))


def execute(job: ImportJob, dry_run: bool, now: datetime.datetime | None = None) -> ImportJob:
    """Check (``dry_run``) or import the file of ``job`` with its mapping; the job records the outcome."""
    user = job.created_by
    now = now or timezone.now()
    job.status = JobStatus.CHECKING if dry_run else JobStatus.RUNNING
    job.started_at = job.started_at if dry_run else now
    job.processed = 0
    job.save(update_fields=["status", "started_at", "processed", "updated_at"])
    try:
        table = table_of(job)
        with audit.audit_context(actor=user, source="import"):
            if job.entity == Entity.WORK_ORDERS:
                result = _work_orders(job, table, user, dry_run, now)
            else:
                result = _records(job, table, user, dry_run)
    except FileProblem as problem:
        job.status, job.message = JobStatus.REFUSED, str(problem.message)
        job.problems, job.problem_count, job.finished_at = [], 0, timezone.now()
        job.save()
        return job
    created, updated, unchanged, problems, notes, preview, wrote = result
    job.created, job.updated, job.unchanged = created, updated, unchanged
    job.failed = int(problems.bad.sum())
    job.problem_count = problems.count
    job.problems = problems.listed(SHOWN_PROBLEMS)
    job.notes = notes
    job.preview = preview
    if problems.count:
        job.problems_file.save(f"problems-{job.pk}.csv", ContentFile(problems.csv_bytes()), save=False)
    elif job.problems_file:
        job.problems_file = ""
    if dry_run:
        job.status, job.checked_at = JobStatus.CHECKED, timezone.now()
        job.message = ""
    elif wrote:
        job.status, job.finished_at, job.processed = JobStatus.DONE, timezone.now(), job.rows
        job.message = ""
    else:
        job.status, job.finished_at = JobStatus.REFUSED, timezone.now()
        job.message = _(
            "Nothing was imported: %(count)d rows have problems. Correct them and upload the file again, or "
            "choose to import only the valid rows."
        ) % {"count": job.failed}
    job.save()
    return job


def _preview(
    table: Table, rows: np.ndarray, actions: np.ndarray, fields: list[tuple[str, np.ndarray]]
) -> list[Any]:
    out = []
    for position in range(min(PREVIEW_ROWS, len(rows))):
        out.append(
            {
                "row": int(rows[position]) + 2,
                "action": str(actions[position]),
                "values": [_shown(values[position]) for _name, values in fields],
            }
        )
    return out


def _shown(value: Any) -> str:
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            return ""
        moment = value.astype("datetime64[us]").astype(datetime.datetime).replace(tzinfo=datetime.UTC)
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def _work_orders(
    job: ImportJob, table: Table, user: Any, dry_run: bool, now: datetime.datetime
) -> tuple[Any, ...]:
    from oqms.workorders import bulk

    prepared = work.prepare(table, job.mapping, user, now)
    problems = prepared.problems
    write = not dry_run and (job.valid_only or not problems.count)
    outcome = bulk.upsert(prepared.columns, now=now, dry_run=not write, progress=_Progress(job))
    from oqms.contracts.choices import Priority
    from oqms.workorders.choices import Status

    def labels(values: np.ndarray, choices: Any) -> np.ndarray:
        names = {code: str(label) for code, label in choices}
        return np.array([names.get(v, v) for v in values.tolist()], dtype=object)

    shown = [
        ("external_id", prepared.columns["external_id"]),
        ("title", prepared.columns["title"]),
        ("priority", labels(prepared.columns["priority"], Priority.choices)),
        ("status", labels(prepared.columns["status"], Status.choices)),
        ("opened_at", prepared.columns["opened_at"]),
        ("resolved_at", prepared.columns["resolved_at"]),
    ]
    preview = _preview(table, prepared.rows, outcome.actions, shown)
    return outcome.created, outcome.updated, outcome.unchanged, problems, prepared.notes, preview, write


def _records(job: ImportJob, table: Table, user: Any, dry_run: bool) -> tuple[Any, ...]:
    outcome, problems = records.run(
        job.entity, table, job.mapping, user, dry_run, job.valid_only, progress=_Progress(job)
    )
    wrote = not dry_run and (job.valid_only or not problems.count)
    key_columns = [
        h for t in targets(job.entity)[:2] for h in (job.mapping.get("columns") or {}).get(t.name, [])
    ]
    rows = np.array([i for i, a in enumerate(outcome.actions) if a], np.int64)
    actions = np.array([a for a in outcome.actions if a], dtype=object)
    fields = [(h, table.column(h)[rows]) for h in key_columns]
    preview = _preview(table, rows, actions, fields)
    return outcome.created, outcome.updated, outcome.unchanged, problems, [], preview, wrote


def start(job: ImportJob, dry_run: bool = False) -> ImportJob:
    """Run now when the file is small; queue it for the worker when it is big (the page shows progress)."""
    if job.status in {JobStatus.RUNNING, JobStatus.QUEUED}:
        raise DomainError(_("This import is already running."), code="running")
    if job.status == JobStatus.DONE:
        raise DomainError(_("This import has already run."), code="already_run")
    if job.rows <= settings.OQMS_IMPORT_INLINE_ROWS:
        return execute(job, dry_run)
    from django_q.tasks import async_task

    job.status = JobStatus.QUEUED
    job.processed = 0
    job.save(update_fields=["status", "processed", "updated_at"])
    async_task("oqms.dataio.services.run_queued", job.pk, dry_run, task_name=f"oqms-import-{job.pk}")
    return job


def run_queued(job_id: int, dry_run: bool) -> None:
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return
    try:
        execute(job, dry_run)
    except Exception as error:  # noqa: BLE001 - recorded on the job for the user, then re-raised for the log
        ImportJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            message=_("The import stopped on an unexpected error: %(error)s") % {"error": error},
            finished_at=timezone.now(),
        )
        raise
