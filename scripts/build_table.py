#!/usr/bin/env python3
"""Build the bundled `tariffs.csv` (and `tests/data/trade_2024.csv`) from the sourced facts.

Usage: python3 scripts/build_table.py [SHARED_DATA_DIR] [--out=DIR]   (default: ../shared/data, the repository)

The output is committed; `tests/bundled.rs` checks it against the source files when they
are present, so a drift between the two fails CI. Every row carries its legal source.
"""
import csv
import os
import re
import sys

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
DATA = ARGS[0] if ARGS else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
ROOT = os.path.join(os.path.dirname(__file__), "..")
# `--out DIR` writes the tables into DIR instead of the repository (the drift test compares).
OUT = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--out=")), ROOT)

COLUMNS = ["kind", "code", "name", "rate_pct", "charged_pct", "chart_pct", "basis", "rate_of",
           "category", "applies_to", "min_usd", "max_usd", "flat_usd", "effective_from", "effective_to",
           "transit_loaded_before", "transit_entered_before", "source", "note"]

# In-transit exceptions (EO 14257 sec. 3; CBP CSMS 64680374 and its 30 May 2025 extension):
# goods loaded before 5 April and entered before 16 June 2025 are exempt from the baseline;
# goods loaded before 9 April and entered before 27 May 2025 pay the baseline, not Annex I.
TRANSIT_BASELINE = dict(transit_loaded_before="2025-04-05", transit_entered_before="2025-06-16")
TRANSIT_ANNEX1 = dict(transit_loaded_before="2025-04-09", transit_entered_before="2025-05-27")

BASELINE_FROM = "2025-04-05"
ANNEX1_FROM = "2025-04-09"
BASELINE_SOURCE = "EO 14257 sec. 2, 3(a): 10% on all trading partners (HTS 9903.01.25)"


def caveat(note):
    return note.split("||", 1)[1].strip() if "||" in note else ""


def hts_heading(note):
    m = re.search(r"HTS (9903\.01\.\d\d)", note)
    return m.group(1) if m else None


def row(**kw):
    return [kw.get(c, "") for c in COLUMNS]


def rate_rows():
    out = []
    for r in csv.DictReader(open(os.path.join(DATA, "reciprocal_2025-04-02.csv"), encoding="utf-8")):
        code, name, group, note = r["iso2"], r["name"], r["group"], r["source_note"]
        chart = dict(charged_pct=r["charged_pct"], chart_pct=r["chart_pct"])
        if group == "annex1" and code in ("HK", "MO"):
            out.append(row(kind="rate", code=code, name=name, basis="china_sar", rate_of="CN",
                           effective_from=BASELINE_FROM,
                           source="EO 14257 sec. 3(j): China's rates apply to Hong Kong and Macau (HTS 9903.01.25, then 9903.01.63)",
                           note="not on the chart nor named in Annex I; CBP applies 9903.01.63 to China incl. Hong Kong and Macau"))
        elif group == "annex1":
            heading = hts_heading(note)
            src = "EO 14257 Annex I as corrected 3 Apr 2025" + (f" (HTS {heading})" if heading else " (HTS 9903.01.43-.76)")
            out.append(row(kind="rate", code=code, name=name, rate_pct="10", basis="baseline",
                           effective_from=BASELINE_FROM, effective_to=ANNEX1_FROM, source=BASELINE_SOURCE,
                           note="baseline until the Annex I rate took effect", **TRANSIT_BASELINE))
            out.append(row(kind="rate", code=code, name=name, rate_pct=r["annex1_pct"], basis="annex1",
                           effective_from=ANNEX1_FROM, source=src, note=caveat(note), **chart, **TRANSIT_ANNEX1))
        elif group == "baseline":
            assert r["applied_pct"] == "10", code
            out.append(row(kind="rate", code=code, name=name, rate_pct="10", basis="baseline",
                           effective_from=BASELINE_FROM, source=BASELINE_SOURCE, note=caveat(note), **chart,
                           **TRANSIT_BASELINE))
        elif group == "eu_member":
            out.append(row(kind="rate", code=code, name=name, basis="eu_member", rate_of="EU",
                           effective_from=BASELINE_FROM,
                           source="EO 14257 Annex I (European Union); member list per CBP for HTS 9903.01.50",
                           note="rate of the European Union row"))
        elif group == "not_subject":
            if code in ("CA", "MX"):
                src = "EO 14257 sec. 3(d)-(e) (HTS 9903.01.26/.27)"
                order = "EO 14193" if code == "CA" else "EO 14194"
                why = f"covered instead by the border-emergency duties of {order} as amended; USMCA-originating goods keep preferential entry"
            else:
                src = "EO 14257 sec. 3(b)(v) (HTS 9903.01.29)"
                why = "HTSUS Column 2 country: Column 2 rates apply instead"
            out.append(row(kind="rate", code=code, name=name, basis="not_subject",
                           effective_from=BASELINE_FROM, source=src, note=why))
        else:
            raise SystemExit(f"unknown group {group}")
    out.append(row(kind="rate", code="*", name="All other trading partners", rate_pct="10", basis="baseline",
                   effective_from=BASELINE_FROM, source=BASELINE_SOURCE,
                   note="partners not listed above (not on the chart) pay the baseline", **TRANSIT_BASELINE))
    return out


def category_note(note):
    m = re.search(r"cat:(.*)$", note)
    return ("category: " + m.group(1).strip()) if m else ""


MEMO_SOURCE = ("Presidential memorandum of 11 Apr 2025 (Clarification of Exceptions), retroactive; "
               "CSMS 64724565 (HTS 9903.01.32)")


def april_rows(ends=None):
    """Annex II as issued plus the memorandum's codes not already in it; `ends` maps a code to
    (date it left Annex II, why), for the enacted schedule."""
    ends = ends or {}
    out = []
    annex2 = {r["hts8"]: r for r in csv.DictReader(open(os.path.join(DATA, "annex2_2025-04-02.csv"), encoding="utf-8"))}
    memo = [r for r in csv.DictReader(open(os.path.join(DATA, "annex2_other_changes_2025.csv"), encoding="utf-8"))
            if r["effective_date"] == BASELINE_FROM and r["change"] == "add"]
    memo_codes = {r["hts"] for r in memo}
    for code, r in annex2.items():
        note = category_note(r["source_note"])
        if code in memo_codes:
            note += "; also named in the 11 Apr 2025 memorandum"
        end, why = ends.get(code, ("", ""))
        if end:
            note += "; removed " + end + ": " + why
        out.append(row(kind="exempt", code=code, name=r["description"], basis="annex2", category=r["category"],
                       effective_from=BASELINE_FROM, effective_to=end,
                       source="EO 14257 Annex II (HTS 9903.01.32)", note=note))
    for r in memo:
        if r["hts"] not in annex2:
            out.append(row(kind="exempt", code=r["hts"], name=r["description"], basis="memo", category=r["category"],
                           effective_from=BASELINE_FROM, source=MEMO_SOURCE,
                           note="semiconductors as defined by the memorandum"))
    return out


def exempt_rows():
    out = april_rows()
    out.sort(key=lambda x: x[1])
    return out


FEE_CODES = {
    # fees.csv `fee` -> (table code, name). The formal manual surcharge (class 500) and the
    # dutiable mail fee (class 496) are not carried: the inputs cannot say an entry is manual
    # or mail.
    "MPF": ("MPF", "Merchandise processing fee, formal entry (class 499)"),
    "MPF_informal_automated": ("MPF_INFORMAL", "Merchandise processing fee, informal entry, automated (class 311)"),
    "MPF_informal_manual": ("MPF_INFORMAL_MANUAL", "Merchandise processing fee, informal entry, manual"),
    "MPF_informal_other": ("MPF_INFORMAL_CBP", "Merchandise processing fee, informal entry prepared by CBP"),
    "HMF": ("HMF", "Harbor maintenance fee"),
}
# Statutory basis of each fee, for rows whose notice was not found (the FY2027 rows).
FEE_STATUTE = {
    "MPF": "19 U.S.C. 58c(a)(9)(A) (rate)",
    "MPF_INFORMAL": "19 CFR 24.23(b)(2)(i) (class 311, as the FY2024 row cites it)",
}


def fiscal_year(date):
    y, m = int(date[:4]), int(date[5:7])
    return y + 1 if m >= 10 else y


def fee_rows():
    """The fees by fiscal year (fees/fees.csv), each row with its source and confidence."""
    out = []
    for r in csv.DictReader(open(os.path.join(DATA, "fees", "fees.csv"), encoding="utf-8")):
        if r["fee"] not in FEE_CODES:
            continue
        code, name = FEE_CODES[r["fee"]]
        source, frm = r["source"], r["effective_from"]
        if source.startswith("NOT FOUND"):
            source = FEE_STATUTE[code] + "; figures " + source
        note = r["note"] + "; confidence: " + r["confidence"]
        if code == "HMF":
            # fees.csv dates the HMF row from the start of its window (2025-01-01); the rate
            # was in force long before, so the row has no start date.
            frm, name = "", name
            note = r["note"].split("; effective_from is")[0] + "; in force before the table's range; confidence: " + r["confidence"]
        else:
            name = f"{name} FY{fiscal_year(frm)}"
        out.append(row(kind="fee", code=code, name=name, rate_pct=r["rate_pct"], min_usd=r["min_usd"],
                       max_usd=r["max_usd"], flat_usd=r["flat_usd"], effective_from=frm,
                       effective_to=r["effective_to"], source=source, note=note))
    return out


def spi_from(indicator):
    for r in csv.DictReader(open(os.path.join(DATA, "fees", "spi_programs.csv"), encoding="utf-8")):
        if r["spi"] == indicator:
            return r["effective_from"]
    raise SystemExit(f"no SPI {indicator}")


def mpf_exempt_rows():
    """The MPF exemptions the inputs can express (fees/mpf_exemptions.csv): the USMCA claim,
    and the exemptions the file says apply to products of an origin whether or not a
    preference is claimed (Israel, the insular possessions). The other programs need a
    special-program claim, which the inputs do not carry yet."""
    rows = {r["program"]: r for r in csv.DictReader(open(os.path.join(DATA, "fees", "mpf_exemptions.csv"), encoding="utf-8"))}
    out = []
    s = rows["S"]
    for code in s["countries"].split(";"):
        out.append(row(kind="mpf_exempt", code=code, name="USMCA originating goods (SPI S, S+), claimed",
                       applies_to="usmca", effective_from=spi_from("S"), source=s["source"], note=s["note"]))
    il = rows["IL"]
    assert "irrespective" in il["note"], il
    # The note gives the first entry date: "Exempt for entries on/after 1998-09-16".
    il_from = re.search(r"entries on/after (\d{4}-\d\d-\d\d)", il["note"]).group(1)
    out.append(row(kind="mpf_exempt", code="IL", name="Products of Israel, claimed or not",
                   applies_to="all", effective_from=il_from, source=il["source"],
                   note=il["note"] + f" (effective_from: the note's {il_from})"))
    y = rows["Y"]
    assert "irrespective" in y["note"], y
    for code in y["countries"].split(";"):
        out.append(row(kind="mpf_exempt", code=code, name="Products of a US insular possession, claimed or not",
                       applies_to="all", source=y["source"], note=y["note"]))
    return out


# The start of the table's window, as fees/fees.csv dates its HMF row ("effective_from is the
# start of this table's window"): the status itself is long-standing.
TERRITORY_FROM = next(r["effective_from"] for r in csv.DictReader(
    open(os.path.join(DATA, "fees", "fees.csv"), encoding="utf-8")) if r["fee"] == "HMF")


def territory_rows():
    """Places that are not foreign trading partners (fees/customs_territory.csv): Puerto Rico
    is in the customs territory (refused as an origin, like the US); the GN 3(a)(iv)
    possessions are priced as their own origins with no reciprocal duty, a reading."""
    out = []
    for r in csv.DictReader(open(os.path.join(DATA, "fees", "customs_territory.csv"), encoding="utf-8")):
        code, status = r["code"], r["status"]
        if code in ("US", "DC"):
            continue  # the United States itself is refused by the crate; DC is no ISO code
        window = f"effective_from is the start of the table's window (the status is long-standing)"
        if status == "customs_territory":
            out.append(row(kind="rate", code=code, name=r["name"], basis="customs_territory",
                           effective_from=TERRITORY_FROM, source=r["source"],
                           note="in the customs territory of the United States: not a trading partner; " + window))
        elif status == "possession_gn3aiv":
            out.append(row(kind="rate", code=code, name=r["name"], basis="insular_possession",
                           effective_from=TERRITORY_FROM, source=r["source"],
                           note="reading: a US insular possession, not a foreign trading partner, so no reciprocal "
                                "or other IEEPA duty (no source read settles it; peers split between 10% and 0%); "
                                "duty-free entry under HTSUS General Note 3(a)(iv) has conditions of origin, content "
                                "and direct shipment (19 CFR 7.3; CBP Form 3229 certificate of origin) that the tool "
                                "does not check; the Section 122 surcharge (not IEEPA) applies as the table's * "
                                "rows say, no source read excluding them; " + window))
    return out


EU_MEMBERS = None  # filled from the announced file


def eu_members():
    return [(r["iso2"], r["name"]) for r in csv.DictReader(open(os.path.join(DATA, "reciprocal_2025-04-02.csv"), encoding="utf-8"))
            if r["group"] == "eu_member"]


END = "2026-02-24"


def enacted_rate_rows():
    """The reciprocal rate actually in force, by partner and period (reciprocal_timeline.csv)."""
    out = []
    rows = list(csv.DictReader(open(os.path.join(DATA, "reciprocal_timeline.csv"), encoding="utf-8")))
    china = [(r["rate_pct"], r["rule"], r["effective_from"], r["effective_to"]) for r in rows if r["iso2"] == "CN"]
    for sar in ("HK", "MO"):
        mine = [(r["rate_pct"], r["rule"], r["effective_from"], r["effective_to"]) for r in rows if r["iso2"] == sar]
        assert mine == china, sar  # so they can take China's rows
    for r in rows:
        code, rule, auth, note = r["iso2"], r["rule"], r["authority"], r["source_note"]
        if code in ("HK", "MO"):
            continue
        transit = {}
        m = re.search(r"loaded before (\d\d-\d\d) and entered before (\d\d-\d\d)(?: \(later (\d\d-\d\d)\))?", note)
        if m:
            transit = dict(transit_loaded_before="2025-" + m.group(1),
                           transit_entered_before="2025-" + (m.group(3) or m.group(2)))
        elif r["effective_from"] == "2025-04-10" and code != "CN":
            # The suspension restored the 10% baseline (HTS 9903.01.25), whose in-transit
            # exception for goods loaded before 5 April (9903.01.28) still ran.
            transit = dict(TRANSIT_BASELINE)
            note += "; in-transit exception of 2025-04-05 carried (CSMS 64680374: goods loaded before 04-05 and entered before 05-27, later 06-16, use 9903.01.28)"
        elif code == "*" and rule == "flat":
            transit = dict(TRANSIT_BASELINE)
        if rule == "flat":
            baseline = r["rate_pct"] == "10" and any(w in auth for w in ("baseline", "suspension", "Geneva"))
            basis = "baseline" if baseline else "annex1"
        else:
            basis = {"eu_floor_15": "floor_15", "kr_floor_15": "floor_15_applied",
                     "not_subject": "not_subject", "transship_40": "transshipment"}[rule]
        out.append(row(kind="rate", code=code, name=r["name"] if code != "*" else "All other trading partners",
                       rate_pct="" if basis == "not_subject" else r["rate_pct"], basis=basis,
                       effective_from=r["effective_from"], effective_to=r["effective_to"],
                       source=auth, note=note, **transit))
    for sar, name in (("HK", "Hong Kong"), ("MO", "Macau")):
        out.append(row(kind="rate", code=sar, name=name, basis="china_sar", rate_of="CN",
                       effective_from=BASELINE_FROM, effective_to=END,
                       source="EO 14257 sec. 3(j): China's reciprocal rates apply to Hong Kong and Macau",
                       note="reciprocal_timeline.csv gives Hong Kong and Macau China's rows, period for period"))
    for code, name in eu_members():
        out.append(row(kind="rate", code=code, name=name, basis="eu_member", rate_of="EU",
                       effective_from=BASELINE_FROM, effective_to=END,
                       source="EO 14257 Annex I and EO 14326 Annex I (European Union); member list per CBP for HTS 9903.01.50",
                       note="rate of the European Union rows"))
    return out


def enacted_exempt_rows():
    other = list(csv.DictReader(open(os.path.join(DATA, "annex2_other_changes_2025.csv"), encoding="utf-8")))
    sept = list(csv.DictReader(open(os.path.join(DATA, "annex2_changes_2025-09-08.csv"), encoding="utf-8")))
    ends = {r["hts"]: (r["effective_date"], r["source_note"]) for r in other if r["change"] == "remove"}
    ends.update({r["hts8"]: ("2025-09-08", r["source_note"]) for r in sept if r["change"] == "remove"})
    out = april_rows(ends)
    for r in list(out):
        if r[COLUMNS.index("effective_to")] == "2025-08-01":
            out.append(row(kind="exempt", code=r[1], name=r[2], basis="section232", category="copper",
                           effective_from="2025-08-01",
                           source="Proclamation 10962 (Section 232 copper, HTS 9903.78.01); excluded from the reciprocal duty (HTS 9903.01.33)",
                           note="semi-finished copper and derivatives moved from Annex II to Section 232; the Section 232 duty itself is not computed"))
    for r in sept:
        if r["change"] != "add":
            continue
        code = r["hts8"]
        note = category_note(r["source_note"])
        if code == "8505.11.00":
            # EO 14346 names only statistical line 8505.11.00.70 (SOURCES-annex2.md, doubt 5).
            code = "8505.11.0070"
            note += "; EO 14346 names the 10-digit line 8505.11.00.70 only (sintered NdFeB magnets)"
        out.append(row(kind="exempt", code=code, name=r["description"], basis="annex2", category=r["category"],
                       effective_from="2025-09-08",
                       source="EO 14346 updated Annex II (HTS 9903.01.32); CSMS 66151866", note=note))
    out.sort(key=lambda x: (x[1], x[COLUMNS.index("effective_from")]))
    return out


def applies_to(r):
    c, code, frm = r["conditions"], r["iso2"], r["effective_from"]
    if code in ("CN", "HK", "BR", "IN", "*"):
        return "all"
    if c.startswith("goods entered free of duty as USMCA"):
        return "usmca"
    if "transshipped" in c:
        return "non_usmca_transshipped"
    if code == "CA" and frm == "2025-03-04":
        return "energy" if c.startswith("energy") else "non_energy"
    if code == "MX" and frm == "2025-03-04":
        return "all"
    if "potash" in c and c.startswith("non-USMCA energy"):
        return "non_usmca_energy_potash"
    if c.startswith("non-USMCA potash"):
        return "non_usmca_potash"
    if c.startswith("non-USMCA goods other than"):
        return "non_usmca"
    raise SystemExit(f"no condition keyword for {code} {frm}: {c}")


PROGRAM_TRANSIT = {
    # program rows whose order excepted goods in transit: (loaded before, entered before)
    ("CN", "2025-02-04"): ("2025-02-01", ""),
    ("HK", "2025-02-04"): ("2025-02-01", ""),
    ("BR", "2025-08-06"): ("2025-08-06", "2025-10-05"),
    ("IN", "2025-08-27"): ("2025-08-27", "2025-09-17"),
    ("*", "2026-02-24"): ("2026-02-24", "2026-02-28"),
}


MEASURE_COLUMNS = ["measure", "origin", "scope", "scope_except", "condition", "rate_pct", "rate_kind", "rate_unit",
                   "base", "heading", "heading_nochange", "effective_from", "effective_to", "transit_loaded_before",
                   "transit_entered_before", "excludes", "source", "note", "confidence"]

# The timeline's program names as measure names (the shared data's `excludes` vocabulary).
MEASURE_NAMES = {"fentanyl": "ieepa_fentanyl", "brazil": "ieepa_brazil", "russia_oil": "ieepa_india",
                 "section122": "s122"}

# Which declared facts select a row (condition tokens), by the timeline's condition keyword; a
# row with a condition replaces the default rate for those goods (in_lieu). Listed in the order
# that breaks ties between rows with as many tokens (the row listed first wins).
CONDITION_TOKENS = {"all": [""], "non_usmca": [""], "non_energy": [""], "usmca": ["usmca=yes"],
                    "non_usmca_transshipped": ["transshipped=yes"], "energy": ["energy=yes"],
                    "non_usmca_energy_potash": ["energy=yes", "potash=yes"], "non_usmca_potash": ["potash=yes"]}
TOKEN_ORDER = ["section232=autos", "section232=yes", "usmca=yes", "transshipped=yes", "energy=yes", "potash=yes", ""]

# The exceptions the orders make for goods declared subject to Section 232 (and Section 122's
# for USMCA goods), as rows of rate 0 in lieu of the measure's rate: (measure, origin,
# condition, from, to, heading, source). Their sources are the orders the timeline cites
# (SOURCES-timeline.md: WH-NOSTACK, WH14323, WH14329, WH-S122); Section 122's headings are
# those of other/measures_other.csv.
EXCEPTIONS = [
    ("ieepa_fentanyl", "CA;MX", "section232=autos", "2025-03-04", "2026-02-24", "",
     "EO of 29 Apr 2025 (Addressing Certain Tariffs on Imported Articles): Section 232 autos and auto parts do not "
     "also pay the Canada or Mexico IEEPA duty, retroactive to 2025-03-04 [WH-NOSTACK]"),
    ("ieepa_brazil", "BR", "section232=yes", "2025-08-06", "2026-02-24", "",
     "EO 14323: articles subject to Section 232 are excepted from the Brazil duty [WH14323]"),
    ("ieepa_india", "IN", "section232=yes", "2025-08-27", "2026-02-07", "",
     "EO 14329: articles subject to Section 232 are excepted from the India duty [WH14329]"),
    ("s122", "*", "section232=yes", "2026-02-24", "2026-07-24", "",
     "Proclamation 11012: articles subject to Section 232 are excepted from the surcharge [WH-S122]"),
    ("s122", "CA", "usmca=yes", "2026-02-24", "2026-07-24", "9903.03.07",
     "Proclamation 11012: USMCA-originating goods of Canada are excepted [WH-S122]; heading per other/measures_other.csv"),
    ("s122", "MX", "usmca=yes", "2026-02-24", "2026-07-24", "9903.03.08",
     "Proclamation 11012: USMCA-originating goods of Mexico are excepted [WH-S122]; heading per other/measures_other.csv"),
]

# Goods in Annex II are excepted from the India duty (EO 14329): the schedule's own exemption
# rows, scope key `annex2`.
SCOPE_EXCEPT = {"ieepa_india": "annex2"}


def measure_rows():
    """The enacted schedule's measures (measures-enacted.csv): the other IEEPA duties and Section 122."""
    out = []
    for r in csv.DictReader(open(os.path.join(DATA, "ieepa_other_timeline.csv"), encoding="utf-8")):
        loaded, entered = PROGRAM_TRANSIT.get((r["iso2"], r["effective_from"]), ("", ""))
        name = MEASURE_NAMES[r["program"]]
        m = re.search(r"9903\.\d\d\.\d\d", r["conditions"])
        for token in CONDITION_TOKENS[applies_to(r)]:
            out.append(dict(measure=name, origin=r["iso2"], scope="all",
                            scope_except=SCOPE_EXCEPT.get(name, "") if token == "" else "",
                            condition=token, rate_pct=r["rate_pct"], rate_kind="in_lieu" if token else "additional",
                            base="full_value", heading=m.group(0) if m else "", effective_from=r["effective_from"],
                            effective_to=r["effective_to"], transit_loaded_before=loaded,
                            transit_entered_before=entered, source=r["source_note"], note=r["conditions"]))
    for name, origin, token, frm, to, heading, source in EXCEPTIONS:
        out.append(dict(measure=name, origin=origin, scope="all", condition=token, rate_pct="0", rate_kind="in_lieu",
                        base="full_value", heading=heading, effective_from=frm, effective_to=to, source=source,
                        note="excepted from the measure"))
    names = list(MEASURE_NAMES.values())
    out.sort(key=lambda r: (names.index(r["measure"]), TOKEN_ORDER.index(r["condition"])))
    return [[r.get(c, "") for c in MEASURE_COLUMNS] for r in out]


def trade_rows():
    rec = {r["iso2"]: r for r in csv.DictReader(open(os.path.join(DATA, "reciprocal_2025-04-02.csv"), encoding="utf-8"))}
    out = []
    for r in csv.DictReader(open(os.path.join(DATA, "trade_2024.csv"), encoding="utf-8")):
        c = rec.get(r["iso2"])
        usable = c is not None and c["chart_pct"] != "" and r["iso2"] not in ("SY", "FK")
        out.append([r["iso2"], r["name"], r["us_imports_usd"], r["us_exports_usd"],
                    c["charged_pct"] if c else "", c["chart_pct"] if c else "",
                    "yes" if usable else "no", r["source_note"]])
    return out


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


if __name__ == "__main__" and "--iso" not in sys.argv:
    write(os.path.join(OUT, "tariffs.csv"), COLUMNS,
          rate_rows() + territory_rows() + exempt_rows() + fee_rows() + mpf_exempt_rows())
    write(os.path.join(OUT, "tariffs-enacted.csv"), COLUMNS,
          enacted_rate_rows() + territory_rows() + enacted_exempt_rows() + fee_rows() + mpf_exempt_rows())
    write(os.path.join(OUT, "measures-enacted.csv"), MEASURE_COLUMNS, measure_rows())
    os.makedirs(os.path.join(OUT, "tests", "data"), exist_ok=True)
    write(os.path.join(OUT, "tests", "data", "trade_2024.csv"),
          ["iso2", "name", "us_imports_usd", "us_exports_usd", "chart_charged_pct", "chart_reciprocal_pct",
           "usable", "source_note"], trade_rows())


def iso_rust(path="/usr/share/iso-codes/json/iso_3166-1.json"):
    """Write src/iso3166.rs from Debian's iso-codes (run separately: `build_table.py --iso`)."""
    import json
    data = json.load(open(path, encoding="utf-8"))["3166-1"]
    lines = ["//! ISO 3166-1 countries, generated by `scripts/build_table.py --iso` from Debian's",
             "//! iso-codes package (version 4.15.0, `/usr/share/iso-codes/json/iso_3166-1.json`).",
             "//! Columns: alpha-2, alpha-3, name, official name, common name (\"\" when absent).",
             "",
             "pub(crate) static ISO_3166_1: &[(&str, &str, &str, &str, &str)] = &["]
    for d in sorted(data, key=lambda d: d["alpha_2"]):
        vals = [d["alpha_2"], d["alpha_3"], d["name"], d.get("official_name", ""), d.get("common_name", "")]
        lines.append("    (" + ", ".join(json.dumps(v, ensure_ascii=False) for v in vals) + "),")
    lines.append("];")
    with open(os.path.join(ROOT, "src", "iso3166.rs"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__" and "--iso" in sys.argv:
    iso_rust()
