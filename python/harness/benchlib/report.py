"""Turning measurements into rows, target verdicts, a rich table, JSON, Markdown and a PNG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from harness.benchlib import cases_inventory
from harness.benchlib.cases import BY_KEY, TX_SIZES, Case
from harness.benchlib.drivers import RunResult

GROUPS = ("sequence", "write", "txsize", "posting", "numbers", "sales", "sales_numbers",
          "inventory", "read")
GROUP_TITLES = {
    "sequence": "Gapless numbers (units: numbers/s)",
    "write": "Audited writes, one per transaction (units: rows/s)",
    "txsize": "Audited writes, 1 / 100 / 500 in one transaction (units: rows/s)",
    "posting": "Document posting: number + invoice + 5 lines in one transaction (docs/s)",
    "numbers": "Numbers at commit: document posting with 10 ms of work, one series (docs/s)",
    "sales": "Sales: a 10-line order created and confirmed in one transaction (orders/s)",
    "sales_numbers": "Sales: create + confirm on one number series vs without a number (orders/s)",
    "read": "Audit reads with the event table full (reads/s)",
    "inventory": cases_inventory.TITLE,
    "batch": "Batch insert, one call (rows/s)",
}

# What `make bench` measured for 0.1.0 (bench/results/latest.json as committed at tag v0.1.0,
# measured 2026-11-25 22:07 UTC on the same 2-CPU machine, one connection after the runs):
# backend CPU µs and WAL bytes per transaction. The "before" column of the WAL table.
BEFORE_SOURCE = ("bench/results/latest.json at tag v0.1.0 (measured 2026-11-25 22:07 UTC, "
                 "one connection after the runs, no checkpoint before each case)")
BEFORE_0_1_0 = {  # key: (cpu µs per tx, WAL bytes per tx)
    "seq.raw": (166.7, 115), "seq.nextval": (53.2, 4), "seq.next": (428.0, 8896),
    "seq.raw64": (161.2, 113), "seq.next64": (459.8, 3450),
    "seq.raw_batch": (1229.4, 73048), "seq.batch": (1904.6, 88599),
    "w.insert": (348.2, 4035), "w.cte": (396.3, 3138), "w.trigger": (368.3, 3477),
    "w.uom_create": (528.4, 3521), "w.product_insert": (286.1, 2625),
    "w.product_trigger": (404.6, 3888), "w.product_create": (544.4, 3607),
    "w.partner_raw": (223.2, 968), "w.partner_trigger": (427.0, 8645),
    "w.partner_update": (684.8, 7399),
    "p.nextval": (782.7, 2490), "p.raw": (781.5, 2560), "p.next": (1032.8, 3079),
    "p.raw_late": (909.3, 2166), "p.next_late": (1290.9, 3122),
}
# the cases whose WAL per audited write / per allocation the WAL table shows, in order
WAL_CASES = ("seq.raw", "seq.next", "seq.raw64", "seq.next64", "seq.cte", "seq.raw_batch",
             "seq.batch", "seq.raw_churn", "seq.next_churn", "w.insert", "w.cte", "w.trigger",
             "w.uom_create", "w.trigger_churn", "w.uom_churn", "w.product_insert",
             "w.product_trigger", "w.product_create", "w.product_generic", "w.partner_raw",
             "w.partner_trigger", "w.partner_update", "t.raw500", "t.call500", "p.raw",
             "p.next", "p.raw_late", "p.next_late", "n.none", "n.first", "n.last", "n.raw_last",
             "n.commit", "so.peer", "so.confirm", "so.peer_nonum", "so.nonum")


def build_rows(results: dict[str, dict[int, RunResult]],
               costs: dict[str, dict] | None = None) -> list[dict]:
    """One row per (case, clients), with units/s and the ratio to the baseline, the server
    CPU per transaction at that client count (all backends, ``ReapedCpu``) and its ratio to
    the baseline's; the one-connection server cost (schedstat CPU µs, WAL bytes, WAL records
    and full-page images per transaction) goes on the row of the lowest client count."""
    costs = costs or {}
    rows = []
    for key, by_clients in results.items():
        case: Case = BY_KEY[key]
        for clients, r in sorted(by_clients.items()):
            base = results.get(case.baseline or "", {}).get(clients)
            ratio = (r.tps / base.tps) if base is not None and base.tps > 0 else None
            cpu, base_cpu = r.server_cpu_us, base.server_cpu_us if base is not None else None
            rows.append({
                "key": key, "group": case.group, "label": case.label, "raw": case.raw,
                "unit": case.unit, "per_tx": case.per_tx, **r.summary(),
                "units_per_s": round(r.tps * case.per_tx, 1),
                "baseline": case.baseline,
                "ratio": None if ratio is None else round(ratio, 3),
                "cpu_ratio": round(cpu / base_cpu, 2) if cpu and base_cpu else None,
            })
            cost = costs.get(key)
            if cost and clients == min(by_clients):
                base_cost = costs.get(case.baseline or "")
                rows[-1].update({
                    "cost_cpu_us": cost["cpu_us"], "wal_bytes": cost["wal_bytes"],
                    "wal_fpi": cost.get("wal_fpi"), "wal_records": cost.get("wal_records"),
                    "cost_cpu_ratio": round(cost["cpu_us"] / base_cost["cpu_us"], 2)
                    if base_cost and base_cost["cpu_us"] else None,
                })
    return rows


def find(rows: list[dict], key: str, clients: int) -> dict | None:
    return next((r for r in rows if r["key"] == key and r["clients"] == clients), None)


def first(rows: list[dict], key: str) -> dict | None:
    """The row of the lowest client count of a case (where its one-connection cost is)."""
    found = [r for r in rows if r["key"] == key]
    return min(found, key=lambda r: r["clients"]) if found else None


@dataclass
class Target:
    """One target of an issue, read against what this run measured.

    ``threshold`` None: reported, no verdict. ``alternative``: an alternative criterion the
    target allows (e.g. "or ≥ 0.9× the raw CTE where the CTE is below 0.8×") holds.
    ``bound``: what bounds it, measured in the same run; ``note``: more about the value."""

    issue: str
    name: str
    measured: float | None
    threshold: float | None
    unit: str  # "x" ratio, "/s", "ms", "%"
    higher_is_better: bool = True
    bound: str = ""
    note: str = ""
    alternative: bool = False

    @property
    def met(self) -> bool | None:
        if self.measured is None or self.threshold is None:
            return None
        if self.alternative:
            return True
        if self.higher_is_better:
            return self.measured >= self.threshold
        return self.measured < self.threshold

    @property
    def gap(self) -> str:
        if self.met is None or self.met:
            return ""
        if self.unit == "x" and self.higher_is_better:
            return (f"{self.measured / self.threshold * 100:.0f} % of target, short by "
                    f"{self.threshold - self.measured:.2f}×")
        if self.unit == "x":
            return f"over by {self.measured - self.threshold:.2f}×"
        if self.higher_is_better:
            return (f"{self.measured / self.threshold * 100:.0f} % of target, short by "
                    f"{self.threshold - self.measured:,.0f} {self.unit}")
        return f"over by {self.measured - self.threshold:.3g} {self.unit}"

    @property
    def verdict(self) -> str:
        if self.threshold is None:
            return "reported" if self.measured is not None else "n/a"
        if self.met is None:
            return "n/a"
        if self.met:
            return "met (alternative)" if self.alternative else "met"
        return f"missed: {self.gap}"

    def measured_text(self) -> str:
        if self.measured is None:
            return "–"
        value = {"x": f"{self.measured:.3f}×", "/s": f"{self.measured:,.0f} /s",
                 "ms": f"{self.measured:.3f} ms", "%": f"{self.measured:.1f} %"}.get(
                     self.unit, f"{self.measured:g} {self.unit}")
        return value + (f" ({self.note})" if self.note else "")

    def as_dict(self) -> dict:
        return {"issue": self.issue, "name": self.name, "measured": self.measured,
                "threshold": self.threshold, "unit": self.unit, "met": self.met,
                "alternative": self.alternative, "verdict": self.verdict, "gap": self.gap,
                "bound": self.bound, "note": self.note}


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


def _cost(rows, key, field="cost_cpu_us") -> float | None:
    r = first(rows, key)
    return r.get(field) if r else None


def _cost_ratio(rows, key, other) -> float | None:
    a, b = _cost(rows, key), _cost(rows, other)
    return round(a / b, 2) if a and b else None


def _x(value) -> str:
    return "–" if value is None else f"{value:.2f}×"


def _n(value, digits=0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _cpu_note(rows, key, other, clients) -> str:
    a = find(rows, key, clients)
    if not a or a.get("cpu_ratio") is None:
        return ""
    return f"CPU/call {a['server_cpu_us']:.0f} µs = {a['cpu_ratio']:.2f}× the {other}'s"


def _tx_flatness(rows, prefix: str) -> tuple[float | None, dict[int, float | None]]:
    """Backend CPU µs per write at each transaction size (one connection), and the ratio of
    the largest size's to the 100-write one's (flat = about 1)."""
    per_write = {}
    for n in TX_SIZES:
        cpu = _cost(rows, f"{prefix}{n}")
        per_write[n] = round(cpu / n, 1) if cpu else None
    big, mid = per_write.get(max(TX_SIZES)), per_write.get(100)
    return (round(big / mid, 2) if big and mid else None), per_write


def targets(rows: list[dict], batch: list[dict], extra: dict | None = None) -> list[Target]:
    """Every target of the issues this benchmark reports on, with its bound."""
    extra = extra or {}
    out: list[Target] = []
    # ---- issue 14: the fast path ------------------------------------------------------------
    for name, create, insert, trigger, cte in (
            ("uom_create", "w.uom_create", "w.insert", "w.trigger", "w.cte"),
            ("product_create", "w.product_create", "w.product_insert", "w.product_trigger",
             "w.product_cte"),
            ("atomic_insert_with_audit (generic, products)", "w.product_generic",
             "w.product_insert", "w.product_trigger", "w.product_cte")):
        for c in (1, 16):
            out.append(Target(
                "14", f"{name} ≥ 1.0× the trigger audit peer, {c} client{'s' * (c > 1)}",
                _ratio(rows, create, trigger, c), 1.0, "x",
                note=_cpu_note(rows, create, "peer", c),
                bound=f"hand-written CTE insert + audit: {_x(_ratio(rows, cte, trigger, c))} "
                      "the trigger peer"))
            out.append(Target(
                "14", f"{name} ≥ 0.75× the bare INSERT, {c} client{'s' * (c > 1)}",
                _ratio(rows, create, insert, c), 0.75, "x",
                note=_cpu_note(rows, create, "INSERT", c),
                bound=f"trigger peer {_x(_ratio(rows, trigger, insert, c))}, CTE "
                      f"{_x(_ratio(rows, cte, insert, c))} the bare INSERT"))
        out.append(Target(
            "14", f"{name}: added p50 latency per audited write, 1 client < 0.1 ms",
            _p50_delta(rows, create, insert, 1), 0.1, "ms", higher_is_better=False,
            bound=f"trigger peer adds {_n(_p50_delta(rows, trigger, insert, 1), 3)} ms, CTE "
                  f"{_n(_p50_delta(rows, cte, insert, 1), 3)} ms to the bare INSERT"))
    for c in (1, 16):
        out.append(Target(
            "14", f"partner_update ≥ 1.0× the trigger audit peer on UPDATE, "
                  f"{c} client{'s' * (c > 1)}",
            _ratio(rows, "w.partner_update", "w.partner_trigger", c), 1.0, "x",
            note=_cpu_note(rows, "w.partner_update", "peer", c),
            bound=f"raw CTE update + audit: "
                  f"{_x(_ratio(rows, 'w.partner_cte', 'w.partner_trigger', c))} the peer; "
                  f"peer {_x(_ratio(rows, 'w.partner_trigger', 'w.partner_raw', c))} the bare "
                  "UPDATE"))
    out.append(Target(
        "14", "partner_update: added p50 latency per audited write, 1 client < 0.1 ms",
        _p50_delta(rows, "w.partner_update", "w.partner_raw", 1), 0.1, "ms",
        higher_is_better=False,
        bound=f"trigger peer adds "
              f"{_n(_p50_delta(rows, 'w.partner_trigger', 'w.partner_raw', 1), 3)} ms"))
    for c in (16, 64):
        vs_raw = _ratio(rows, "seq.next", "seq.raw", c)
        cte = _ratio(rows, "seq.cte", "seq.raw", c)
        vs_cte = _ratio(rows, "seq.next", "seq.cte", c)
        out.append(Target(
            "14", f"sequence_next ≥ 0.8× the raw hot counter at {c} clients (or ≥ 0.9× the "
                  "raw counter-upsert + audit CTE where that CTE is below 0.8×)",
            vs_raw, 0.8, "x",
            alternative=bool(cte is not None and cte < 0.8 and vs_cte is not None
                             and vs_cte >= 0.9),
            note=f"{_x(vs_cte)} the CTE" if vs_cte is not None else "",
            bound=f"raw CTE (upsert + event into a partitioned clone of the trail) = {_x(cte)} "
                  f"the raw counter; into a plain clone "
                  f"{_x(_ratio(rows, 'seq.cte_plain', 'seq.raw', c))}"))
    for c in (16, 64):
        r = find(rows, "seq.next", c)
        out.append(Target("14", f"sequence_next far above the handoff's 1000 numbers/s at {c} "
                                "clients", r["units_per_s"] if r else None, 1000, "/s"))
    out.append(Target(
        "14", "sequence_next spread over 64 tenants ≥ 0.7× the raw spread counter, 16 clients",
        _ratio(rows, "seq.next64", "seq.raw64", 16), 0.7, "x",
        note=_cpu_note(rows, "seq.next64", "raw counter", 16),
        bound=f"raw CTE over 64 tenants: {_x(_ratio(rows, 'seq.cte64', 'seq.raw64', 16))} the "
              "raw spread counter"))
    out.append(Target(
        "14", "sequence_next server CPU per call ≤ 1.5× the raw counter's (one connection)",
        _cost_ratio(rows, "seq.next", "seq.raw"), 1.5, "x", higher_is_better=False,
        note=f"{_n(_cost(rows, 'seq.next'))} µs vs {_n(_cost(rows, 'seq.raw'))} µs",
        bound=f"raw CTE {_x(_cost_ratio(rows, 'seq.cte', 'seq.raw'))} "
              f"({_n(_cost(rows, 'seq.cte'))} µs)"))
    gen = next((b for b in batch if b["key"] == "b.generic"), None)
    cte_b = next((b for b in batch if b["key"] == "b.cte"), None)
    bare_b = next((b for b in batch if b["key"] == "b.bare"), None)
    out.append(Target(
        "14", f"atomic_insert_many_with_audit ≥ 50,000 audited rows/s "
              f"({_n(gen['rows'] if gen else None)} rows per call)",
        gen["rows_per_s"] if gen else None, 50_000, "/s",
        bound=f"set-based raw CTE insert + audit {_n(cte_b['rows_per_s'] if cte_b else None)}"
              f" /s; bare INSERT without audit {_n(bare_b['rows_per_s'] if bare_b else None)} /s"))
    out.append(Target(
        "14", f"{max(TX_SIZES)} uom_category_create in one transaction ≥ 1.0× as many "
              "trigger-peer INSERTs, 1 client",
        _ratio(rows, f"t.call{max(TX_SIZES)}", f"t.raw{max(TX_SIZES)}", 1), 1.0, "x",
        note=f"CPU/write {_x(_cost_ratio(rows, f't.call{max(TX_SIZES)}', f't.raw{max(TX_SIZES)}'))}"
             " the peer's",
        bound="the same PL/pgSQL loop writing the trigger peer"))
    flat, per_write = _tx_flatness(rows, "t.call")
    raw_flat, raw_per_write = _tx_flatness(rows, "t.raw")
    out.append(Target(
        "14", f"per-write cost flat with transaction size: CPU µs/write at {max(TX_SIZES)} "
              "writes ≤ 1.15× at 100 (no subtransaction cliff)",
        flat, 1.15, "x", higher_is_better=False,
        note=", ".join(f"{n}: {_n(v, 1)} µs" for n, v in per_write.items()),
        bound=f"trigger peer {_x(raw_flat)} ("
              + ", ".join(f"{n}: {_n(v, 1)} µs" for n, v in raw_per_write.items()) + ")"))
    # ---- issue 11: the audit trail at scale -------------------------------------------------
    events = extra.get("events") or {}
    server = extra.get("server_ms") or {}
    where = (f" ({events.get('total', 0):,} events, {events.get('partitions', '?')} partitions)"
             if events else "")
    for key, raw, label in (("r.history", "r.raw_history", "audit_history of one entity"),
                            ("r.page", "r.raw_page", "audit_events, first page of 100"),
                            ("r.deep", "r.raw_deep", "audit_events, keyset page mid-history"),
                            ("r.as_of", "r.raw_as_of", "entity_as_of (time travel)")):
        r, b = find(rows, key, 1), find(rows, raw, 1)
        s = server.get(key) or {}
        out.append(Target(
            "11", f"{label} < 1 ms median, 1 client{where}", r["p50_ms"] if r else None, 1.0,
            "ms", higher_is_better=False,
            note=(f"p95 {r['p95_ms']:.3f} ms; server {_n(s.get('p50'), 3)} / "
                  f"{_n(s.get('p95'), 3)} ms p50/p95" if r else ""),
            bound=f"raw SELECT p50 {_n(b['p50_ms'] if b else None, 3)} ms"))
    check = extra.get("history_check") or {}
    if check:
        ok = min(check["history_complete"], check["as_of_right"])
        out.append(Target(
            "11", "history complete and time travel right across partitions (sampled entities)",
            round(ok / check["entities"] * 100, 1) if check["entities"] else None, 100, "%",
            note=f"{check['entities']} entities spanning {check['months_spanned_avg']} months "
                 f"on average, up to {check['months_spanned_max']}"))
    # ---- issue 15: tamper evidence and feed ------------------------------------------------------
    impact = extra.get("seal_impact") or {}
    if impact:
        out.append(Target(
            "15", f"writers ({impact['label']}, {impact['clients']} clients) lose < 10 % while "
                  f"erp.audit_seal() runs every {impact['interval_ms']:.0f} ms",
            impact["drop_pct"], 10, "%", higher_is_better=False,
            note=f"{_n(impact['without']['tps'])} → {_n(impact['with']['tps'])} rows/s",
            bound=f"sealer: {impact['sealer']['calls']} calls, "
                  f"{impact['sealer']['events']:,} events sealed, "
                  f"{_n(impact['sealer']['ms_per_call'], 1)} ms per call"))
    seal = extra.get("seal") or {}
    if seal:
        out.append(Target("15", f"seal throughput ({seal['events']:,} events, "
                                f"{seal['tenants']} tenants)", seal["events_per_s"], None, "/s",
                          note=f"{seal['blocks']} blocks in {seal['seconds']:.1f} s"))
        if seal.get("verify_events_per_s"):
            out.append(Target("15", "seal verification throughput (one tenant)",
                              seal["verify_events_per_s"], None, "/s",
                              note=f"{seal['verify_events']:,} events, "
                                   f"{seal['verify_problems']} problems"))
    feed = extra.get("feed") or {}
    if feed:
        out.append(Target("15", f"feed throughput, one tenant's whole feed in pages of "
                                f"{feed['page_size']}", feed["events_per_s"], None, "/s",
                          note=f"{feed['events']:,} events, {feed['pages']} pages, "
                               f"p50 {feed['page_p50_ms']:.1f} ms per page"
                               + ("" if feed["complete"] else ", INCOMPLETE")))
    # ---- issue 16: numbers at commit ------------------------------------------------------------
    c = 64
    commit, first_, none = (find(rows, k, c) for k in ("n.commit", "n.first", "n.none"))
    out.append(Target(
        "16", f"posting with numbers at commit ≥ 10× allocating first, {c} clients",
        _ratio(rows, "n.commit", "n.first", c), 10, "x",
        note=(f"{_n(commit['units_per_s'])} vs {_n(first_['units_per_s'])} docs/s"
              if commit and first_ else ""),
        bound=f"allocating last: {_x(_ratio(rows, 'n.last', 'n.first', c))}; raw counter "
              f"UPDATE just before COMMIT: {_x(_ratio(rows, 'n.raw_last', 'n.first', c))} "
              "allocating first"))
    raw_rows = sorted((r for r in rows if r["key"] == "seq.raw" and r["clients"] <= c),
                      key=lambda r: r["clients"])
    raw = raw_rows[-1] if raw_rows else None
    raw_note = (f"raw hot counter {_n(raw['units_per_s'])} numbers/s at {raw['clients']} "
                "clients" if raw else "raw hot counter not measured")
    if commit and none and raw and none["units_per_s"] > raw["units_per_s"]:
        measured = round(commit["units_per_s"] / raw["units_per_s"], 3)
        note = "read against the raw counter: no-number posting is faster than it"
    else:
        measured = _ratio(rows, "n.commit", "n.none", c)
        note = "against no-number posting"
    out.append(Target(
        "16", f"posting with numbers at commit ≥ 0.8× the same posting without a number (or "
              f"≥ 0.8× the raw hot counter where that posting is faster), {c} clients",
        measured, 0.8, "x", note=note,
        bound=f"no number {_n(none['units_per_s'] if none else None)} docs/s; {raw_note}; "
              f"raw counter UPDATE + number just before COMMIT "
              f"{_x(_ratio(rows, 'n.raw_last', 'n.none', c))} no-number posting"))
    return out


# ---- rendering: the same sections to the terminal (rich) and to Markdown ---------------------
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


@dataclass
class Section:
    title: str
    headers: list[str]
    rows: list[list[str]]
    bold: list[bool]  # per row: a project call (bold) or a baseline
    note: str = ""


def _case_section(group: str, grows: list[dict]) -> Section:
    headers = ["case", "clients", "units/s", "p50 ms", "p95 ms", "p99 ms", "× baseline",
               "CPU µs/tx", "CPU × base", "WAL B/tx", "FPI/tx"]
    body, bold = [], []
    for r in grows:
        body.append([r["label"], str(r["clients"]), _fmt(r["units_per_s"], 0),
                     _fmt(r["p50_ms"], 3), _fmt(r["p95_ms"], 3), _fmt(r["p99_ms"], 3),
                     "" if r["ratio"] is None else f"{r['ratio']:.2f}",
                     _fmt(r.get("server_cpu_us"), 0) if r.get("server_cpu_us") else "",
                     "" if r.get("cpu_ratio") is None else f"{r['cpu_ratio']:.2f}",
                     _fmt(r.get("wal_bytes"), 0) if "wal_bytes" in r else "",
                     _fmt(r.get("wal_fpi"), 2) if r.get("wal_fpi") is not None else ""])
        bold.append(not r["raw"])
    return Section(GROUP_TITLES[group], headers, body, bold)


def _txsize_section(rows: list[dict]) -> Section | None:
    body = []
    for n in TX_SIZES:
        raw, call = first(rows, f"t.raw{n}"), first(rows, f"t.call{n}")
        if not raw and not call:
            continue

        def per_write(r, field, n=n):
            return None if not r or r.get(field) is None else r[field] / n

        ratio = (round(call["tps"] / raw["tps"], 2) if raw and call and raw["tps"] else None)
        cpu_raw, cpu_call = per_write(raw, "cost_cpu_us"), per_write(call, "cost_cpu_us")
        body.append([str(n), _fmt(raw["units_per_s"] if raw else None, 0),
                     _fmt(call["units_per_s"] if call else None, 0), _fmt(ratio),
                     _fmt(cpu_raw, 1), _fmt(cpu_call, 1),
                     _fmt(round(cpu_call / cpu_raw, 2) if cpu_raw and cpu_call else None),
                     _fmt(per_write(raw, "wal_bytes"), 0), _fmt(per_write(call, "wal_bytes"), 0)])
    if not body:
        return None
    return Section("Per-write cost by transaction size (1 client; CPU and WAL on one connection)",
                   ["writes/tx", "trigger peer rows/s", "uom_category_create rows/s", "×",
                    "peer CPU µs/write", "project CPU µs/write", "CPU ×", "peer WAL B/write",
                    "project WAL B/write"], body, [False] * len(body),
                   "Flat means the per-write cost at 500 writes is that at 100: no "
                   "subtransaction per write and nothing that grows with the transaction.")


def _wal_section(rows: list[dict]) -> Section | None:
    body, bold = [], []
    for key in WAL_CASES:
        r = first(rows, key)
        before = BEFORE_0_1_0.get(key)
        if r is None or r.get("wal_bytes") is None:
            continue
        per = r["per_tx"]
        wal_now = r["wal_bytes"] / per
        wal_before = before[1] / per if before else None
        change = (f"{(wal_now / wal_before - 1) * 100:+.0f} %" if wal_before else "new")
        body.append([r["label"], r["unit"].rstrip("s") if per == 1 else f"{r['unit']} (÷{per})",
                     _fmt(before[0] / per if before else None, 0),
                     _fmt(r["cost_cpu_us"] / per, 0),
                     _fmt(wal_before, 0), _fmt(wal_now, 0), change,
                     _fmt(r["wal_fpi"] / per if r.get("wal_fpi") is not None else None, 3),
                     _fmt(r["wal_records"] / per if r.get("wal_records") is not None else None,
                          1)])
        bold.append(not r["raw"])
    if not body:
        return None
    return Section(
        "WAL and CPU per audited write and per allocation: 0.1.0 (before) and now (after)",
        ["case", "per", "CPU µs 0.1.0", "CPU µs now", "WAL B 0.1.0", "WAL B now", "WAL change",
         "FPI now", "WAL records now"], body, bold,
        f"Before: {BEFORE_SOURCE}. Now: one connection per case, after a CHECKPOINT and a "
        "warm-up (full runs), so full-page images of the pages a case keeps touching fall "
        "into the warm-up; FPI = full-page images per unit (pg_stat_wal, cluster-wide). "
        "Rollback churn: the *churn* cases roll every other transaction back; their figures "
        "are per committed unit, the rolled-back work included.")


def _read_server_section(extra: dict) -> Section | None:
    server = extra.get("server_ms") or {}
    if not server:
        return None
    body = [[BY_KEY[k].label, _fmt(v["p50"], 3), _fmt(v["p95"], 3), str(v["samples"])]
            for k, v in server.items()]
    return Section("Audit reads, server-side execution time (EXPLAIN ANALYZE, ms)",
                   ["read", "p50 ms", "p95 ms", "samples"], body, [True] * len(body))


def _audit_section(extra: dict) -> Section | None:
    body = []
    ev = extra.get("events") or {}
    if ev:
        body.append(["audit trail for the reads", f"{ev['total']:,} events",
                     f"{ev.get('generated', 0):,} generated over {ev.get('months')} months "
                     f"from {ev.get('first_month')} ({ev.get('partitions')} partitions, "
                     f"{ev.get('partitions_created', 0)} created for it), "
                     f"{ev.get('entities', 0):,} entities; {ev.get('seconds', 0):.0f} s to "
                     "generate"])
    seal = extra.get("seal") or {}
    if seal:
        body.append(["erp.audit_seal(tenant), tenant by tenant",
                     f"{seal['events_per_s']:,.0f} events/s",
                     f"{seal['events']:,} events of {seal['tenants']} tenants in "
                     f"{seal['seconds']:.1f} s, {seal['blocks']} blocks"])
        if seal.get("verify_events_per_s"):
            body.append(["erp.audit_seal_verify(tenant)",
                         f"{seal['verify_events_per_s']:,.0f} events/s",
                         f"{seal['verify_events']:,} events in {seal['verify_seconds']:.1f} s, "
                         f"{seal['verify_problems']} problems"])
    catch = (extra.get("seal_impact") or {}).get("catch_up")
    if catch:
        body.append(["erp.audit_seal() catching up on the cases' events",
                     f"{catch['events_per_s']:,.0f} events/s",
                     f"{catch['events']:,} events in {catch['seconds']:.1f} s"])
    feed = extra.get("feed") or {}
    if feed:
        body.append([f"erp.audit_feed, pages of {feed['page_size']}",
                     f"{feed['events_per_s']:,.0f} events/s",
                     f"{feed['events']:,} events in {feed['pages']} pages, {feed['seconds']:.1f}"
                     f" s; page p50 {feed['page_p50_ms']:.1f} ms, p95 {feed['page_p95_ms']:.1f}"
                     f" ms; {'complete' if feed['complete'] else 'INCOMPLETE'}"])
    impact = extra.get("seal_impact") or {}
    for name in ("without", "with"):
        r = impact.get(name)
        if r:
            cpu = (f", server CPU {r['server_cpu_us']:.0f} µs/write" if r.get("server_cpu_us")
                   else "")
            body.append([f"{impact['label']}, {impact['clients']} clients, {name} a sealer "
                         f"every {impact['interval_ms']:.0f} ms",
                         f"{r['tps']:,.0f} rows/s",
                         f"p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms{cpu}"])
    if impact:
        body.append(["drop while sealing", f"{impact['drop_pct']:.1f} %",
                     f"sealer: {impact['sealer']['calls']} calls, "
                     f"{impact['sealer']['events']:,} events, "
                     f"{impact['sealer']['ms_per_call']:.1f} ms per call"])
    if not body:
        return None
    return Section("Audit trail at scale, seal and feed", ["what", "result", "detail"], body,
                   [False] * len(body))


def sections(rows: list[dict], batch: list[dict], verdicts: list[Target],
             extra: dict | None = None) -> list[Section]:
    extra = extra or {}
    out = [Section("Targets (reported, not asserted; every bound measured in this run)",
                   ["issue", "target", "measured", "verdict", "bound (same run)"],
                   [[v.issue, v.name, v.measured_text(), v.verdict, v.bound] for v in verdicts],
                   [False] * len(verdicts),
                   "Raw baselines write their events into clones of erp.erp_audit_events that "
                   "are partitioned like it (same columns, indexes and monthly partitions): "
                   "the same storage and routing work as the project's writes, without its "
                   "row-level security, triggers or events in the real trail. CPU µs/tx: all "
                   "backends of the run, at that client count; WAL and FPI: one connection.")]
    for group in GROUPS:
        grows = [r for r in rows if r["group"] == group]
        if grows:
            out.append(_case_section(group, grows))
        if group == "txsize":
            out += [s for s in [_txsize_section(rows)] if s]
    out += [s for s in [_read_server_section(extra)] if s]
    if batch:
        out.append(Section(GROUP_TITLES["batch"],
                           ["case", "rows", "seconds (median)", "rows/s", "× baseline"],
                           [[b["label"], f"{b['rows']:,}", f"{b['seconds']:.2f}",
                             f"{b['rows_per_s']:,.0f}", _fmt(b.get("ratio"))] for b in batch],
                           [b["key"] == "b.generic" for b in batch]))
    out += [s for s in [_wal_section(rows), _audit_section(extra)] if s]
    return out


def _header(info: dict) -> str:
    m, s = info["machine"], info["server"]
    return (f"Measured {info['generated_at']} on {m['cpu_model']} ({m['nproc']} CPUs, "
            f"{m['ram_gib']} GiB RAM), `{m['uname']}`; {s['version'].split(',')[0]}, data "
            f"directory on {s['data_directory_fs'] or 'an unknown file system'}, fsync="
            f"{s['settings']['fsync']}, synchronous_commit={s['settings']['synchronous_commit']}"
            f", full_page_writes={s['settings']['full_page_writes']}. Driver: {info['driver']}, "
            f"{_timing(info)}; the audit table held {info.get('audit_events', 0):,} events "
            f"during the reads. Load average {info['load_average_before'][0]:.1f} before the "
            f"run, {info['load_average_after'][0]:.1f} after; {_fsync(info)}; "
            f"{info.get('elapsed_s', 0):.0f} s in all.")


def print_tables(console: Console, rows: list[dict], batch: list[dict],
                 verdicts: list[Target], info: dict, extra: dict | None = None) -> None:
    console.print(f"\n[bold]erp.base benchmark[/] — {_header(info)}")
    parts = sections(rows, batch, verdicts, extra)
    for sec in parts[1:] + parts[:1]:  # the targets last, where the eye lands
        t = Table(title=sec.title, title_justify="left")
        for i, h in enumerate(sec.headers):
            t.add_column(h, justify="left" if i == 0 or h in ("target", "verdict",
                         "bound (same run)", "detail", "what") else "right")
        for row, bold in zip(sec.rows, sec.bold, strict=True):
            cells = list(row)
            if bold:
                cells[0] = f"[bold]{cells[0]}[/]"
            if sec is parts[0]:
                cells[3] = ("[green]" if cells[3].startswith("met") else
                            "[red]" if cells[3].startswith("missed") else "") + cells[3]
            t.add_row(*cells)
        console.print(t)
        if sec.note:
            console.print(f"[dim]{sec.note}[/]")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def markdown(rows: list[dict], batch: list[dict], verdicts: list[Target], info: dict,
             extra: dict | None = None) -> str:
    out = [_header(info), ""]
    for sec in sections(rows, batch, verdicts, extra):
        out += [f"**{sec.title}**", ""]
        aligns = ["---" if i == 0 or h in ("target", "verdict", "bound (same run)", "detail",
                                           "what", "issue") else "--:"
                  for i, h in enumerate(sec.headers)]
        out += ["| " + " | ".join(sec.headers) + " |", "|" + "|".join(aligns) + "|"]
        for row, bold in zip(sec.rows, sec.bold, strict=True):
            cells = [_md_cell(c) for c in row]
            if bold:
                cells[0] = f"**{cells[0]}**"
            if sec is not None and sec.headers[:2] == ["issue", "target"] and \
                    cells[3].startswith("missed"):
                cells[3] = f"**{cells[3]}**"
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
        if sec.note:
            out += [sec.note, ""]
    return "\n".join(out)


# one colour per comparison: the raw baseline dashed, the project call solid, peers dotted
PLOTS = {
    "Gapless numbers": {"seq.raw": "C0", "seq.next": "C0", "seq.raw64": "C1",
                        "seq.next64": "C1", "seq.raw_batch": "C2", "seq.batch": "C2",
                        "seq.nextval": "C7", "seq.cte": "C3"},
    "Audited inserts": {"w.insert": "C0", "w.cte": "C1", "w.trigger": "C2",
                        "w.uom_create": "C0", "w.product_insert": "C3",
                        "w.product_trigger": "C4", "w.product_create": "C3",
                        "w.product_generic": "C5"},
}
PEERS = {"w.cte", "w.trigger", "w.product_trigger", "seq.cte"}


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
