"""The targets of issue 6 checked against a benchmark's results, and the table printed at the end. Pure.

The targets are stated for PostgreSQL at 100,000 actions: they are checked at the largest size of the run
(the table says which), the scaling ones between the smallest and the largest size.
"""

from dataclasses import asdict, dataclass

IMPORT_SHEETS_PER_SECOND = 1000
PEAK_MEMORY_BYTES = 2 * 1024**3
REIMPORT_SPEEDUP = 3
LIST_P95_MS = 100
DETAIL_P95_MS = 15
API_OVER_LIST = 1.2
SCALING_P95 = 5
#: Visitors' p95 during and right after a burst of approvals, at most this times the quiet p95 (issue 13).
BURST_OVER_QUIET = 2
DOWNLOAD_BUILD_MEMORY_BYTES = 500 * 1024**2
DOWNLOAD_TTFB_MS = 1000
#: The pages whose p95 must scale (the floor is the reference, not a target).
SCALED_PAGES = ("home", "list", "list_filtered", "detail", "api_list")


@dataclass
class Target:
    name: str
    target: str
    value: str
    passed: bool | None  # None: cannot be checked by this run (a single size)

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "MISS", None: "n/a"}[self.passed]


def evaluate(results: dict) -> list[Target]:
    sizes = sorted(results["sizes"], key=lambda size: size["actions"])
    small, large = sizes[0], sizes[-1]
    imp, reimport, pages = large["import"], large["reimport"], large["pages"]
    at = f"{large['actions']:,} actions"
    targets = [
        Target(
            f"import speed ({at})",
            f">= {IMPORT_SHEETS_PER_SECOND:,} sheets/s",
            f"{imp['sheets_per_second']:,.0f} sheets/s",
            imp["sheets_per_second"] >= IMPORT_SHEETS_PER_SECOND,
        ),
        Target(
            f"import peak memory ({at})",
            "< 2 GB",
            f"{imp['peak_memory_bytes'] / 1024**2:,.0f} MB",
            imp["peak_memory_bytes"] < PEAK_MEMORY_BYTES,
        ),
        Target(
            f"re-import speed-up ({at})",
            f">= {REIMPORT_SPEEDUP}x faster",
            f"{reimport['speedup']:.2f}x ({reimport['seconds']:.1f} s)",
            reimport["speedup"] >= REIMPORT_SPEEDUP,
        ),
        Target(
            f"re-import writes nothing ({at})",
            "created+updated 0, rows unchanged",
            f"created+updated {reimport['created'] + reimport['updated']}, "
            f"{len(reimport['changed_tables'])} table(s) changed",
            reimport["wrote_nothing"],
        ),
    ]
    for name, label in (("list", "unfiltered list"), ("list_filtered", "list + 2 facets + search")):
        p95 = pages[name]["p95_ms"]
        targets.append(Target(f"{label} p95 ({at})", f"< {LIST_P95_MS} ms", f"{p95:.1f} ms", p95 < LIST_P95_MS))
    p95 = pages["detail"]["p95_ms"]
    targets.append(Target(f"detail p95 ({at})", f"< {DETAIL_P95_MS} ms", f"{p95:.1f} ms", p95 < DETAIL_P95_MS))
    api, html = pages["api_list"]["p95_ms"], pages["list"]["p95_ms"]
    targets.append(
        Target(
            f"API list p95 vs HTML list ({at})",
            "within 20%",
            f"{api:.1f} ms vs {html:.1f} ms ({(api / html - 1) * 100 if html else 0:+.0f}%)",
            api <= API_OVER_LIST * html,
        )
    )
    if "downloads" in large:
        built = large["downloads"]
        memory = built["build_peak_memory_bytes"]
        targets.append(
            Target(
                f"full downloads built, peak memory ({at})",
                f"< {DOWNLOAD_BUILD_MEMORY_BYTES // 1024**2} MB",
                f"{memory / 1024**2:,.0f} MB in {built['build_seconds']:.1f} s",
                memory < DOWNLOAD_BUILD_MEMORY_BYTES,
            )
        )
        ttfb = max(fmt["ttfb_max_ms"] for fmt in built["formats"].values())
        ok = all(fmt["statuses"] == [200] for fmt in built["formats"].values())
        targets.append(
            Target(
                f"20 concurrent downloads per format, first byte ({at})",
                f"< {DOWNLOAD_TTFB_MS} ms, all 200",
                f"max {ttfb:,.0f} ms",
                ok and ttfb < DOWNLOAD_TTFB_MS,
            )
        )
        ratio = built["ratio"] or 0
        targets.append(
            Target(
                f"home p95 during the downloads vs quiet ({at})",
                f"< {BURST_OVER_QUIET}x",
                f"{built['home_during_p95_ms']:.1f} vs {built['home_quiet_p95_ms']:.1f} ms ({ratio:.2f}x; "
                f"{built['home_requests_during']} requests, {built.get('rounds', 1)} rounds)",
                ratio < BURST_OVER_QUIET,
            )
        )
    if "burst" in large:
        burst = large["burst"]
        ratio = burst["ratio"] or 0
        targets.append(
            Target(
                f"p95 during/after 20 approvals vs quiet ({at})",
                f"< {BURST_OVER_QUIET}x",
                f"{burst['burst_p95_ms']:.1f} vs {burst['quiet_p95_ms']:.1f} ms ({ratio:.2f}x)",
                ratio < BURST_OVER_QUIET and all(status == 200 for status in burst["statuses"]),
            )
        )
    if len(sizes) < 2:
        targets.append(Target("query counts identical across sizes", "identical", "one size only", None))
        targets.append(Target(f"p95 scaling (<= {SCALING_P95}x)", f"<= {SCALING_P95}x", "one size only", None))
        return targets
    between = f"{small['actions']:,} -> {large['actions']:,}"
    differing = [
        f"{name} {small['pages'][name]['queries']}->{large['pages'][name]['queries']}"
        for name in large["pages"]
        if small["pages"][name]["queries"] != large["pages"][name]["queries"]
    ]
    targets.append(
        Target(
            f"query counts identical ({between})",
            "identical",
            ", ".join(differing) or "identical",
            not differing,
        )
    )
    ratios = {
        name: large["pages"][name]["p95_ms"] / small["pages"][name]["p95_ms"]
        for name in SCALED_PAGES
        if small["pages"][name]["p95_ms"] > 0
    }
    worst = max(ratios, key=ratios.get)
    targets.append(
        Target(
            f"p95 scaling ({between})",
            f"<= {SCALING_P95}x for every page",
            f"worst {worst} {ratios[worst]:.1f}x",
            all(ratio <= SCALING_P95 for ratio in ratios.values()),
        )
    )
    return targets


def _row(cells, widths) -> str:
    return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()


def _table(header, rows) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    return [_row(header, widths), _row(["-" * width for width in widths], widths), *(_row(r, widths) for r in rows)]


def render(results: dict, targets: list[Target]) -> str:
    lines = [
        f"Benchmark of {results['date']} on {results['database']['vendor']} {results['database']['version']}, "
        f"{results['machine']['cpu']} ({results['machine']['cores']} cores, {results['machine']['ram_gb']} GB)",
        "",
    ]
    rows = []
    for size in results["sizes"]:
        imp, again = size["import"], size["reimport"]
        rows.append(
            [
                f"{size['actions']:,}",
                f"{size['sheets']:,}",
                f"{imp['seconds']:.1f} s",
                f"{imp['sheets_per_second']:,.0f}",
                f"{imp['peak_memory_bytes'] / 1024**2:,.0f} MB",
                f"{again['seconds']:.1f} s",
                f"{again['speedup']:.2f}x",
                "yes" if again["wrote_nothing"] else "NO",
            ]
        )
    header = ["actions", "sheets", "import", "sheets/s", "peak mem", "re-import", "speed-up", "wrote nothing"]
    lines += _table(header, rows) + [""]
    rows = []
    for size in results["sizes"]:
        for name, page in size["pages"].items():
            rows.append(
                [
                    f"{size['actions']:,}",
                    name,
                    f"{page['cold_ms']:.1f}",
                    f"{page['p50_ms']:.1f}",
                    f"{page['p95_ms']:.1f}",
                    page["queries"],
                    page["url"] if len(page["url"]) < 70 else page["url"][:69] + "…",
                ]
            )
    lines += _table(["actions", "page", "cold ms", "p50 ms", "p95 ms", "queries", "url"], rows) + [""]
    lines.append("Targets of issue 6:")
    lines += _table(["target", "wanted", "measured", ""], [[t.name, t.target, t.value, t.verdict] for t in targets])
    return "\n".join(lines)


def targets_as_dicts(targets: list[Target]) -> list[dict]:
    return [asdict(target) | {"verdict": target.verdict} for target in targets]
