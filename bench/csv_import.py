"""``python -m bench.csv_import --rows 100000``: the admin's import of a large CSV, as its job runs it.

Run against a benchmark database (``BENCH_DATABASE_URL``, recreated): migrate, import the seed sheets, write a
CSV of ``--rows`` distinct actions in the export's flat format (the seed actions' rows under new titles), then
run the import job (``importers.import_file``, not a dry run) in this process and report its time and this
process's peak memory (``ru_maxrss``). The CSV is streamed: memory must not grow with the number of rows.
"""

import argparse
import csv
import os
import resource
import sys
import tempfile
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.csv_import")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    from bench.run import child_environment, choose_database

    database = choose_database()
    database.recreate()
    os.environ.update(child_environment(database, __import__("pathlib").Path(tempfile.mkdtemp()), "bench.settings"))
    import django

    django.setup()
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from actions_catalog.core.export_schema import export_rows, flat_headers, flat_row
    from actions_catalog.jobs import queue, runner
    from importers.file_imports import HANDLER

    call_command("migrate", verbosity=0)
    call_command("import_actions", "fixtures/fiches-actions-centres-sociaux.txt", verbosity=0)
    seed = export_rows()
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", encoding="utf-8-sig", delete=False) as handle:
        writer = csv.writer(handle)
        writer.writerow(flat_headers())
        for number in range(args.rows):
            record = dict(seed[number % len(seed)])
            record["title"] = f"{record['title']} (copie {number})"
            record["slug"] = ""
            writer.writerow(["" if value is None else value for value in flat_row(record)])
        path = handle.name
    size = os.path.getsize(path)
    with open(path, "rb") as stream:
        stored = default_storage.save("imports/bench.csv", stream)
    os.unlink(path)
    job = queue.submit(
        HANDLER, label="bench", params={"name": "bench.csv", "format": "csv", "dry_run": False}, file=stored
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    job = runner.run(job.pk)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"rows: {args.rows:,}, file: {size / 1024**2:,.1f} MB, state: {job.state}, {job.summary} "
        f"time: {seconds:,.1f} s ({args.rows / seconds:,.0f} rows/s), peak memory: {peak / 1024:,.0f} MB "
        f"(before the import: {before / 1024:,.0f} MB)"
    )
    return 0 if job.state == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
