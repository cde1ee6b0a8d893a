"""Turning measurements into rows, target verdicts, a rich table, JSON, Markdown and a PNG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.benchlib.cases import BY_KEY, Case
from harness.benchlib.drivers import RunResult

GROUP_TITLES = {
    "sequence": "Gapless numbers (units: numbers/s)",
    "write": "Audited writes (units: rows/s)",
    "posting": "Document posting: number + invoice + 5 lines in one transaction (docs/s)",
    "read": "Audit reads with the event table full (reads/s)",
    "batch": "Batch insert, one call (rows/s)",
}


def build_rows(results: dict[str, dict[int, RunResult]],
               costs: dict[str, dict] | None = None) -> list[dict]:
    """One row per (case, clients), with units/s and the ratio to the baseline; the
    one-connection server cost (CPU µs and WAL bytes per transaction) goes on the row of
    the lowest client count."""
    costs = costs or {}
    rows = []
    for key, by_clients in results.items():
        case: Case = BY_KEY[key]
        for clients, r in sorted(by_clients.items()):
            base = results.get(case.baseline or "", {}).get(clients)
            ratio = (r.tps / base.tps) if base is not None and base.tps > 0 else None
            rows.append({
                "key": key, "group": case.group, "label": case.label, "raw": case.raw,
                "unit": case.unit, "per_tx": case.per_tx, **r.summary(),
                "units_per_s": round(r.tps * case.per_tx, 1),
                "baseline": case.baseline,
                "ratio": None if ratio is None else round(ratio, 3),
            })
            cost = costs.get(key)
            if cost and clients == min(by_clients):
                base_cost = costs.get(case.baseline or "")
                rows[-1].update({
                    "cpu_us": cost["cpu_us"], "wal_bytes": cost["wal_bytes"],
                    "cpu_ratio": round(cost["cpu_us"] / base_cost["cpu_us"], 2)
                    if base_cost and base_cost["cpu_us"] else None,
                })
    return rows


def find(rows: list[dict], key: str, clients: int) -> dict | None:
    return next((r for r in rows if r["key"] == key and r["clients"] == clients), None)


@dataclass
class Target:
    name: str
    measured: float | None
    threshold: float
    unit: str  # "x" ratio, "/s", "ms"
    higher_is_better: bool = True
    detail: str = ""

    @property
    def met(self) -> bool | None:
        if self.measured is None:
            return None
        if self.higher_is_better:
            return self.measured >= self.threshold
        return self.measured < self.threshold

    @property
    def gap(self) -> str:
        if self.met is None or self.met:
            return ""
        if self.unit == "x":
            return f"{self.measured / self.threshold * 100:.0f} % of target"
        if self.higher_is_better:
            return f"short by {self.threshold - self.measured:,.0f}{self.unit}"
        return f"over by {self.measured - self.threshold:.3f} {self.unit}"

    def as_dict(self) -> dict:
        return {"name": self.name, "measured": self.measured, "threshold": self.threshold,
                "unit": self.unit, "met": self.met, "gap": self.gap, "detail": self.detail}


def _ratio(rows, key, other, clients) -> float | None:
    a, b = find(rows, key, clients), find(rows, other, clients)
    if not a or not b or not b["tps"]:
        return None
    return round(a["tps"] / b["tps"], 3)


def _p50_delta(rows, key, other, clients) -> float | None:
    a, b = find(rows, key, clients), find(rows, other, clients)
    if not a or not b or a["p50_ms"] is None or b["p50_ms"] is None:
        return None
    return round(a["p50_ms"] - b["p50_ms"], 4)


def targets(rows: list[dict], batch: list[dict]) -> list[Target]:
    out: list[Target] = []
    for c in (16, 64):
        out.append(Target(f"sequence_next ≥ 0.8× raw hot-row UPDATE at {c} clients",
                          _ratio(rows, "seq.next", "seq.raw", c), 0.8, "x"))
    for c in (16, 64):
        r = find(rows, "seq.next", c)
        out.append(Target(f"sequence_next far above the handoff's 1000 numbers/s at {c} clients",
                          r["units_per_s"] if r else None, 1000, "/s"))
    for create, insert, trigger in (("w.uom_create", "w.insert", "w.trigger"),
                                    ("w.product_create", "w.product_insert",
                                     "w.product_trigger")):
        name = create.split(".")[1]
        out.append(Target(f"{name} ≥ 0.75× bare INSERT at 16 clients",
                          _ratio(rows, create, insert, 16), 0.75, "x"))
        out.append(Target(f"{name} ≥ 1.0× trigger audit peer at 16 clients",
                          _ratio(rows, create, trigger, 16), 1.0, "x"))
        out.append(Target(f"{name}: added p50 latency vs bare INSERT at 1 client < 0.1 ms",
                          _p50_delta(rows, create, insert, 1), 0.1, "ms",
                          higher_is_better=False))
    gen = next((b for b in batch if b["key"] == "b.generic"), None)
    out.append(Target(f"atomic_insert_many_with_audit ≥ 50,000 audited rows/s "
                      f"({gen['rows'] if gen else '?'} rows per call)",
                      gen["rows_per_s"] if gen else None, 50_000, "/s"))
    for key, label in (("r.history", "audit_history of one entity"),
                       ("r.page", "one audit_events page (first)"),
                       ("r.deep", "one audit_events page (keyset, mid-history)")):
        r = find(rows, key, 1)
        out.append(Target(f"{label} < 1 ms median at 1 client",
                          r["p50_ms"] if r else None, 1.0, "ms", higher_is_better=False))
    return out


# ---- rendering ----------------------------------------------------------------------------
def _fmt(value, digits=2) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _timing(info: dict) -> str:
    rounds = info.get("rounds", 1)
    each = info["duration_s"] / rounds
    return (f"{info['duration_s']:g} s measured per case and client count"
            + (f" ({rounds} alternating rounds of {each:g} s)" if rounds > 1 else "")
            + f" after {info['warmup_s']:g} s warm-up")


def _fsync(info: dict) -> str:
    before, after = info.get("fdatasync_us_before"), info.get("fdatasync_us_after")
    if before is None or after is None:
        return "disk flush time not measured (remote server)"
    return (f"8 kB write + fdatasync on the data directory's disk: {before:.0f} µs before, "
            f"{after:.0f} µs after (median)")


def _cpu(r: dict) -> str:
    if r.get("cpu_us") is None:
        return ""
    ratio = f" ({r['cpu_ratio']:.1f}×)" if r.get("cpu_ratio") else ""
    return f"{r['cpu_us']:.0f}{ratio}"


def print_tables(console: Console, rows: list[dict], batch: list[dict],
                 verdicts: list[Target], info: dict) -> None:
    m, s = info["machine"], info["server"]
    console.print(f"\n[bold]erp.base benchmark[/] — {m['cpu_model']}, {m['nproc']} CPUs, "
                  f"{m['ram_gib']} GiB RAM; {s['version'].split(' on ')[0]}; "
                  f"fsync={s['settings']['fsync']}, synchronous_commit="
                  f"{s['settings']['synchronous_commit']}, data dir on "
                  f"{s['data_directory_fs'] or '?'}; driver {info['driver']}, {_timing(info)}; "
                  f"load average {info['load_average_before'][0]:.1f} before, "
                  f"{info['load_average_after'][0]:.1f} after; {_fsync(info)}")
    for group in ("sequence", "write", "posting", "read"):
        grows = [r for r in rows if r["group"] == group]
        if not grows:
            continue
        t = Table(title=GROUP_TITLES[group], title_justify="left", show_lines=False)
        for col in ("case", "clients", "units/s", "p50 ms", "p95 ms", "p99 ms", "× base",
                    "CPU µs/tx", "WAL B/tx", "errors"):
            t.add_column(col, justify="left" if col == "case" else "right")
        for r in grows:
            ratio = r["ratio"]
            style = "" if ratio is None else ("green" if ratio >= 0.8 else "yellow")
            t.add_row(r["label"] if r["raw"] else f"[bold]{r['label']}[/]",
                      str(r["clients"]), _fmt(r["units_per_s"], 0), _fmt(r["p50_ms"], 3),
                      _fmt(r["p95_ms"], 3), _fmt(r["p99_ms"], 3),
                      f"[{style}]{ratio:.2f}[/]" if ratio is not None else "",
                      _cpu(r), _fmt(r.get("wal_bytes"), 0) if "wal_bytes" in r else "",
                      str(r["errors"]) if r["errors"] else "")
        console.print(t)
    if batch:
        t = Table(title=GROUP_TITLES["batch"], title_justify="left")
        for col in ("case", "rows", "seconds (median)", "rows/s", "× baseline"):
            t.add_column(col, justify="left" if col == "case" else "right")
        for b in batch:
            t.add_row(b["label"], f"{b['rows']:,}", f"{b['seconds']:.2f}",
                      f"{b['rows_per_s']:,.0f}", _fmt(b.get("ratio")))
        console.print(t)
    t = Table(title="Targets (reported, not asserted)", title_justify="left")
    for col in ("target", "measured", "met", "gap"):
        t.add_column(col, justify="left" if col in ("target", "gap") else "right")
    for v in verdicts:
        mark = {True: "[green]yes[/]", False: "[red]NO[/]", None: "n/a"}[v.met]
        unit = "×" if v.unit == "x" else v.unit
        t.add_row(v.name, f"{_fmt(v.measured, 3)} {unit}" if v.measured is not None else "–",
                  mark, v.gap)
    console.print(t)


def markdown(rows: list[dict], batch: list[dict], verdicts: list[Target], info: dict) -> str:
    m, s = info["machine"], info["server"]
    out = [f"Measured {info['generated_at']} on {m['cpu_model']} ({m['nproc']} CPUs, "
           f"{m['ram_gib']} GiB RAM), `{m['uname']}`; {s['version'].split(',')[0]}, data "
           f"directory on {s['data_directory_fs'] or 'an unknown file system'}, fsync="
           f"{s['settings']['fsync']}, synchronous_commit={s['settings']['synchronous_commit']}, "
           f"full_page_writes={s['settings']['full_page_writes']}. Driver: {info['driver']}, "
           f"{_timing(info)}; the audit table held {info.get('audit_events', 0):,} events "
           f"during the reads. Load average {info['load_average_before'][0]:.1f} before the "
           f"run, {info['load_average_after'][0]:.1f} after; {_fsync(info)}.", ""]
    for group in ("sequence", "write", "posting", "read"):
        grows = [r for r in rows if r["group"] == group]
        if not grows:
            continue
        out += [f"**{GROUP_TITLES[group]}**", "",
                "| case | clients | units/s | p50 ms | p95 ms | p99 ms | × baseline "
                "| server CPU µs/tx | WAL B/tx |",
                "|---|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for r in grows:
            label = r["label"] if r["raw"] else f"**{r['label']}**"
            wal = _fmt(r.get("wal_bytes"), 0) if "wal_bytes" in r else ""
            out.append(f"| {label} | {r['clients']} | {_fmt(r['units_per_s'], 0)} | "
                       f"{_fmt(r['p50_ms'], 3)} | {_fmt(r['p95_ms'], 3)} | "
                       f"{_fmt(r['p99_ms'], 3)} | "
                       f"{'' if r['ratio'] is None else format(r['ratio'], '.2f')} | "
                       f"{_cpu(r)} | {wal} |")
        out.append("")
    if batch:
        out += [f"**{GROUP_TITLES['batch']}**", "",
                "| case | rows | seconds | rows/s | × baseline |", "|---|--:|--:|--:|--:|"]
        for b in batch:
            out.append(f"| {b['label']} | {b['rows']:,} | {b['seconds']:.2f} | "
                       f"{b['rows_per_s']:,.0f} | {_fmt(b.get('ratio'))} |")
        out.append("")
    out += ["**Targets** (reported, not asserted)", "", "| target | measured | met |",
            "|---|--:|:-:|"]
    for v in verdicts:
        unit = "×" if v.unit == "x" else v.unit
        measured = "–" if v.measured is None else f"{_fmt(v.measured, 3)} {unit}"
        met = {True: "yes", False: f"**no** ({v.gap})", None: "n/a"}[v.met]
        out.append(f"| {v.name} | {measured} | {met} |")
    return "\n".join(out) + "\n"


# one colour per comparison: the raw baseline dashed, the project call solid, peers dotted
PLOTS = {
    "Gapless numbers": {"seq.raw": "C0", "seq.next": "C0", "seq.raw64": "C1",
                        "seq.next64": "C1", "seq.raw_batch": "C2", "seq.batch": "C2",
                        "seq.nextval": "C7"},
    "Audited inserts": {"w.insert": "C0", "w.cte": "C1", "w.trigger": "C2",
                        "w.uom_create": "C0", "w.product_insert": "C3",
                        "w.product_trigger": "C4", "w.product_create": "C3"},
}
PEERS = {"w.cte", "w.trigger", "w.product_trigger"}


def plot(rows: list[dict], path: Path, title: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    for ax, (name, keys) in zip(axes, PLOTS.items(), strict=True):
        for key, colour in keys.items():
            pts = sorted((r["clients"], r["units_per_s"]) for r in rows if r["key"] == key)
            if not pts:
                continue
            case = BY_KEY[key]
            style = ":" if key in PEERS else ("--" if case.raw else "-")
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=colour,
                    linestyle=style, label=case.label, linewidth=1.2 if case.raw else 2)
        ax.set_title(name)
        ax.set_xlabel("client connections")
        ax.set_ylabel("numbers/s" if name.startswith("Gapless") else "rows/s")
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xticks([1, 16, 64, 100])
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        values = [r["units_per_s"] for r in rows if r["key"] in keys and r["units_per_s"]]
        if values and max(values) > 20 * min(values):  # several decades: log scale
            ax.set_yscale("log")
            ax.get_yaxis().set_minor_formatter(matplotlib.ticker.NullFormatter())
        else:
            ax.set_ylim(bottom=0)
        ax.get_yaxis().set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _pos: f"{v:,.0f}"))
        ax.grid(True, which="both", alpha=0.3)
        if ax.get_lines():
            ax.legend(fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
