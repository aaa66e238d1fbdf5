"""The read side's background work: the catalogue index of each new version, and the download files.

- ``refresh_catalogue`` (a watcher of every worker, every second): a new catalogue version gets its index
  (one build at a time, at most one every ``INDEX_EVERY``, for the newest version), then the full downloads are
  queued (one job at a time, at most one build every ``DOWNLOADS_EVERY``: a burst of writes never queues builds).
- ``catalogue.full_downloads``: the CSV, XLSX and JSON files of the whole catalogue at the newest stored index.
- ``catalogue.download``: the file of one filtered list in one format (it expires after a day). Like the full
  files, it is rebuilt for a newer version at most every ``DOWNLOADS_EVERY``: meanwhile requests get the newest
  finished file, so that approvals never make every download of a popular list a new build.
"""

from datetime import timedelta

from django.http import QueryDict
from django.utils import timezone

from actions_catalog.catalogue import downloads
from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.jobs import queue, runner
from actions_catalog.jobs.models import Job, JobState

FULL = "catalogue.full_downloads"
FILTERED = "catalogue.download"
FULL_KEY = "downloads:full"
#: The least time between two builds of the same download file, full or filtered (see ``ensure_full_downloads``).
DOWNLOADS_EVERY = timedelta(minutes=5)
#: The least time between two index builds: a burst of approvals gets one index every 2 seconds, each of the
#: newest version, not one per approval (every app process loads each index, then searches its changed rows).
INDEX_EVERY = timedelta(seconds=2)


@queue.watcher(every=1.0)
def refresh_catalogue():
    """Every second, in every worker: the index of a new version (at most one every ``INDEX_EVERY``), then its
    full downloads."""
    catalogue_index.refresh_stored_index(spacing=INDEX_EVERY)
    ensure_full_downloads()


# -- The whole catalogue ------------------------------------------------------------------------------------


def newest_full_downloads() -> Job | None:
    """The newest finished build of the full files (whose files are still there)."""
    return (
        Job.objects.succeeded()
        .filter(handler=FULL, result__has_key="files")
        .exclude(result__has_key="expired")
        .order_by("-finished_at")
        .first()
    )


def ensure_full_downloads() -> Job | None:
    """Queue a build of the full files when the newest stored index has none (nothing when one is open).

    With no full files yet the build starts at once. Otherwise visitors keep the newest finished files and the
    next build waits until ``DOWNLOADS_EVERY`` after the last one: a day of approvals gives a build every
    few minutes at most, each of the catalogue as it is when the build starts (at 100,000 actions a build takes
    a worker about five minutes)."""
    newest = catalogue_index.read_version()  # the newest stored index
    if newest is None:
        return None
    done = newest_full_downloads()
    if done is not None and done.result.get("index") == newest:
        return None
    run_after = done.finished_at + DOWNLOADS_EVERY if done is not None else None
    return queue.submit(
        FULL, label="Téléchargements complets du catalogue", dedup_key=FULL_KEY, priority=-10, run_after=run_after
    )


@queue.handler(FULL)
def full_downloads(context: runner.JobContext):
    from actions_catalog.catalogue.listing import build_listing

    listing = build_listing(QueryDict(""), paginate=False)
    ids = listing.ids()
    steps = 1 + len(downloads.FORMATS)  # the records read once, then each format written
    context.progress(0, len(ids) * steps)
    key = f"complet-{listing.index.version}-{timezone.now():%Y%m%d%H%M%S}"
    names = {fmt: downloads.file_name(fmt, key) for fmt in downloads.FORMATS}
    files, _ = downloads.write_files(names, ids, progress=context.progress, pause=context.pause)
    context.progress(len(ids) * steps)
    context.result = {"index": listing.index.version, "files": files, "count": len(ids)}
    context.summary = f"{len(ids)} actions, en {', '.join(downloads.FORMATS)}."
    # The files they replace stay a little while, for the downloads under way.
    Job.objects.succeeded().filter(handler=FULL, expires_at__isnull=True).exclude(pk=context.job.pk).update(
        expires_at=timezone.now() + downloads.REPLACED_LIFETIME
    )


def build_full_downloads_now() -> Job:
    """Build the full files now, in this process (``manage.py refresh_catalogue --downloads``), without pauses:
    it was asked for on purpose."""
    job = queue.submit(FULL, label="Téléchargements complets du catalogue", dedup_key=FULL_KEY)
    runner.run(job.pk, work_share=1)
    job.refresh_from_db()
    return job


# -- Filtered lists ------------------------------------------------------------------------------------------


def filtered_key(fmt: str, listing) -> str:
    return f"download:{fmt}:{listing.download_key()}"


def filtered_download(fmt: str, listing) -> Job:
    """The job of this list's file: the newest finished one when it is of the same index or younger than
    ``DOWNLOADS_EVERY``, else the one building it (queued now if there is none; the older file, if any, is
    served meanwhile)."""
    key = filtered_key(fmt, listing)
    jobs = Job.objects.filter(handler=FILTERED, dedup_key=key)
    done = jobs.succeeded().exclude(file="").order_by("-finished_at").first()
    if done is not None and (
        done.result.get("index") == listing.index.version or done.finished_at > timezone.now() - DOWNLOADS_EVERY
    ):
        return done
    job = queue.submit(
        FILTERED,
        label=f"Téléchargement {fmt.upper()} : {listing.download_key()}"[:300],
        params={"format": fmt, "query": listing.params.urlencode()},
        dedup_key=key,
        priority=10,
        total=listing.total,
    )
    return done if done is not None and job.is_open else job


@queue.handler(FILTERED)
def filtered_download_job(context: runner.JobContext):
    from actions_catalog.catalogue.listing import InvalidParameter, build_listing

    fmt = context.params["format"]
    try:
        listing = build_listing(QueryDict(context.params["query"]), paginate=False)
    except InvalidParameter as error:
        raise runner.JobFailed(error.message) from error
    ids = listing.ids()
    context.progress(0, len(ids))
    name, count = downloads.write_file(
        fmt,
        ids,
        downloads.file_name(fmt, f"{context.job.dedup_key}-{context.job.pk}"),
        progress=context.progress,
        pause=context.pause,
    )
    context.progress(count)
    Job.objects.filter(pk=context.job.pk).update(file=name, expires_at=timezone.now() + downloads.FILTERED_LIFETIME)
    context.result = {"index": listing.index.version, "files": {fmt: name}, "count": count}
    context.summary = f"{count} actions en {fmt.upper()}."


def job_state(job: Job) -> str:
    return JobState(job.state).label
