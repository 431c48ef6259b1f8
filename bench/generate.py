#!/usr/bin/env python3
"""Write a synthetic briefpress benchmark project.

    python3 bench/generate.py N DIR
    python3 bench/generate.py --sections S DIR

Creates, under DIR:

  content/brief-NNNN.toml          N publications (title, subtitle, date,
                                   summary, two key figures, six sections,
                                   one CSV attachment)
  content/brief-NNNN/*.md          section bodies kept in Markdown files
                                   (four of the six; two are inline in the TOML)
  content/brief-NNNN/attachments/figures.csv
  markdown/brief-NNNN.md           the same text as one Markdown document with
                                   a pandoc YAML title block (for the pandoc
                                   EPUB comparison)
  templates/                       a copy of the project's templates/, so the
                                   typst CLI can compile what briefpress emits

With --sections S it writes one long report instead, content/report.toml with
S sections (every body in its own Markdown file, content/report/NNNN.md, each
with a subheading) and an attachment: the big-document case of the benchmark
(320 sections are about 320 pages).

The prose is generated from seeded word lists (no lorem ipsum): every
publication gets its own topic, place, organisation and sentence mix, and the
output is byte-for-byte identical for the same N (publication i always has
the same text whatever N is). Python 3 standard library only.
"""

import os
import random
import shutil
import sys
from pathlib import Path

SEED = 20240611

# ---------------------------------------------------------------- word lists

TOPICS = [
    # (topic, short, programme noun, things measured, stakeholder groups)
    ("urban water resilience", "water", "water-sharing scheme",
     ["leakage", "household consumption", "storage capacity", "drought days"],
     ["utilities", "city councils", "farmers' cooperatives", "residents' associations"]),
    ("digital skills for older adults", "digital skills", "community training programme",
     ["course completion", "online banking use", "help-desk calls", "device ownership"],
     ["libraries", "adult-education colleges", "banks", "volunteer networks"]),
    ("rural bus services", "rural transport", "demand-responsive bus service",
     ["passenger journeys", "average waiting time", "cost per trip", "route coverage"],
     ["transport authorities", "bus operators", "parish councils", "employers"]),
    ("early childhood nutrition", "child nutrition", "school breakfast initiative",
     ["attendance", "anaemia rates", "meal uptake", "food waste"],
     ["health visitors", "primary schools", "food banks", "paediatric clinics"]),
    ("heat-health planning", "heat", "heat-alert system",
     ["excess deaths", "emergency admissions", "cooling-centre visits", "indoor temperatures"],
     ["public-health teams", "care homes", "meteorological services", "housing providers"]),
    ("small-business access to credit", "credit", "guarantee facility",
     ["loan approvals", "default rates", "average loan size", "time to decision"],
     ["commercial banks", "credit unions", "trade associations", "regional development agencies"]),
    ("coastal flood preparedness", "flood risk", "early-warning network",
     ["properties at risk", "warning lead time", "insurance claims", "evacuation drills"],
     ["coastguard services", "local planners", "insurers", "community flood groups"]),
    ("youth employment", "youth jobs", "apprenticeship pathway",
     ["job starts", "six-month retention", "median starting wage", "completion rates"],
     ["further-education colleges", "employers", "careers advisers", "youth workers"]),
    ("household energy efficiency", "home energy", "retrofit grant",
     ["energy bills", "insulation installs", "heat-pump uptake", "cold-home complaints"],
     ["installers", "landlords", "energy suppliers", "housing associations"]),
    ("mental health in universities", "student wellbeing", "peer-support service",
     ["waiting times", "counselling referrals", "drop-out rates", "self-reported wellbeing"],
     ["student unions", "university counselling services", "general practitioners", "academic tutors"]),
    ("open data in local government", "open data", "data-publishing standard",
     ["datasets published", "download counts", "freedom-of-information requests", "data-quality scores"],
     ["council analysts", "civic-technology groups", "journalists", "software suppliers"]),
    ("urban tree canopy", "tree canopy", "street-tree programme",
     ["canopy cover", "surface temperatures", "tree survival", "planting costs"],
     ["parks departments", "highway engineers", "schools", "neighbourhood groups"]),
]

PLACES = [
    "Northbridge", "Kestrel Bay", "Almsford", "the Larch Valley", "Port Ellery",
    "Westmoor", "the Carran Delta", "Halden", "Ashcombe", "the Tarn Uplands",
    "Redgate", "Marlow Sound", "Eastholme", "the Brennan Coast", "Stoneleigh",
    "Calder Heath",
]

ORGS = [
    "Civic Futures Institute", "Bridgewater Policy Centre", "Open Society Lab",
    "Foundation for Local Resilience", "Public Evidence Trust",
    "Centre for Practical Policy", "Northern Research Collective",
    "Commons Analysis Unit",
]

AUTHORS = [
    "Amira Haddad", "Tomás Ferreira", "Grace Okafor", "Lena Vogel", "Rahul Mehta",
    "Sofia Lindqvist", "Daniel Mensah", "Hannah Price", "Yuki Tanaka",
    "Marek Nowak", "Chloe Bertrand", "Samuel Adeyemi",
]

SECTION_TITLES = [
    ("Context", "context"),
    ("What we found", "findings"),
    ("What is working", "working"),
    ("Costs and trade-offs", "costs"),
    ("Recommendations", "recommendations"),
    ("Next steps", "next-steps"),
]

SUBHEADINGS = [
    "Where the gaps are", "A closer look at the evidence", "Why timing matters",
    "Lessons from elsewhere", "Who benefits", "What remains uncertain",
    "Practical constraints", "Reading the numbers",
]

ADJ = [
    "modest", "steady", "uneven", "significant", "measurable", "persistent",
    "early", "encouraging", "limited", "sustained", "sharp", "gradual",
]
VERB_CHANGE = [  # intransitive: "<measure> rose by 12%"
    "rose", "fell", "improved", "stabilised", "doubled", "levelled off",
    "recovered", "dipped", "climbed", "edged up",
]
VERB_ACT = [  # transitive: "the programme improved <measure>"
    "reduced", "improved", "stabilised", "shifted", "lifted",
    "changed", "strengthened", "held down",
]
CAPACITY = [
    "strong", "well-organised", "established", "experienced", "stable",
    "well-funded",
]
VERB_PRESENT = [
    "depends on", "rests on", "reflects", "builds on", "cuts across",
    "complements", "competes with", "relies on",
]
PACE = [
    ("gradual", "dramatic"), ("uneven", "uniform"), ("steady", "spectacular"),
    ("local", "system-wide"), ("slow", "sudden"), ("patchy", "consistent"),
]
CONNECTIVES = [
    "At the same time,", "In practice,", "By contrast,", "For that reason,",
    "Even so,", "Taken together,", "More broadly,", "In several cases,",
    "Over the same period,", "Crucially,",
]
HEDGES = [
    "the evidence suggests", "our interviews indicate", "the monitoring data show",
    "partners consistently reported", "the survey results point to",
    "the case studies confirm",
]
TIMES = [
    "within two years", "over the last decade", "since the pilot began",
    "during the winter months", "in the first phase", "by the end of the review period",
]
ACTIONS = [
    "publish clear targets", "share monitoring data", "pool small budgets",
    "train frontline staff", "simplify eligibility rules", "fund evaluation from the start",
    "set up a joint steering group", "consult residents before procurement",
    "agree common definitions", "protect funding for maintenance",
]

# ---------------------------------------------------------------- prose


class Writer:
    """Seeded sentence generator for one publication."""

    def __init__(self, rng, topic, place, org):
        self.r = rng
        self.topic, self.short, self.prog, self.measures, self.groups = topic
        self.place = place
        self.org = org

    def pick(self, seq):
        return self.r.choice(seq)

    def pct(self):
        return f"{self.r.randint(4, 68)}%"

    def sentence(self):
        r, p = self.r, self.pick
        forms = [
            lambda: f"{p(CONNECTIVES)} {p(HEDGES)} that {p(self.measures)} {p(VERB_CHANGE)} by {self.pct()} {p(TIMES)}.",
            lambda: f"The {self.prog} in {self.place} {p(VERB_PRESENT)} the work of {' and '.join(r.sample(self.groups, 2))}.",
            lambda: f"Progress on {self.short} has been {' rather than '.join(p(PACE))}, and {p(self.measures)} remains the clearest signal of change.",
            lambda: f"Where {p(self.groups)} were involved from the outset, {p(self.measures)} {p(VERB_CHANGE)} {p(TIMES)}.",
            lambda: f"{p(CONNECTIVES)} the {self.prog} {p(VERB_ACT)} {p(self.measures)} most in areas that already had {p(CAPACITY)} local networks.",
            lambda: f"Most of the {r.randint(12, 240)} organisations we spoke to said that funding cycles, not ideas, were the main constraint.",
            lambda: f"A {p(ADJ)} shift in {p(self.measures)} is easy to miss in annual figures but visible in monthly data.",
            lambda: f"{p(HEDGES).capitalize()} that the benefits are {p(ADJ)} and fall unevenly across {self.place}.",
            lambda: f"{p(CONNECTIVES)} few of the {p(self.groups)} we contacted had the staff to {p(ACTIONS)}.",
            lambda: f"The cost of doing nothing is rarely counted: {p(self.measures)} tends to worsen {p(TIMES)} when attention moves elsewhere.",
            lambda: f"In {self.place}, {p(self.groups)} now {p(ACTIONS)} as a matter of routine, which took {r.randint(2, 9)} years to achieve.",
            lambda: f"None of this is new to {p(self.groups)}, but it has seldom been written down in one place.",
            lambda: f"The {self.org} compared {r.randint(3, 14)} comparable schemes and found that {p(self.measures)} {p(VERB_CHANGE)} in most of them.",
        ]
        return p(forms)()

    def paragraph(self, n_min=3, n_max=6, emphasis=True):
        sentences = [self.sentence() for _ in range(self.r.randint(n_min, n_max))]
        if emphasis and self.r.random() < 0.35:
            i = self.r.randrange(len(sentences))
            sentences[i] = f"*{sentences[i][:-1]}*."
        if emphasis and self.r.random() < 0.2:
            i = self.r.randrange(len(sentences))
            if not sentences[i].startswith("*"):
                sentences[i] = f"**{sentences[i][:-1]}**."
        return " ".join(sentences)

    def bullet_list(self):
        items = self.r.sample(ACTIONS, 4)
        lines = [f"- {self.pick(self.groups).capitalize()} should {a}." for a in items]
        return "\n".join(lines)

    def section_body(self, with_list, target_words):
        blocks = []
        words = 0
        sub_at = self.r.randint(2, 3)
        while words < target_words:
            if len(blocks) == sub_at:
                blocks.append(f"## {self.pick(SUBHEADINGS)}")
            para = self.paragraph()
            blocks.append(para)
            words += len(para.split())
            if with_list and len(blocks) == 2:
                blocks.append("We recommend that, over the next funding period:")
                blocks.append(self.bullet_list())
        return "\n\n".join(blocks) + "\n"


def toml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def toml_multiline(s):
    assert '"""' not in s and "\\" not in s
    return '"""\n' + s + '"""'


def publication(i):
    """Returns (name, files: dict rel-path -> text, markdown document)."""
    rng = random.Random(SEED * 100003 + i)
    topic = TOPICS[i % len(TOPICS)]
    place = rng.choice(PLACES)
    org = rng.choice(ORGS)
    w = Writer(rng, topic, place, org)
    name = f"brief-{i:04d}"
    year = 2015 + i % 10
    month = 1 + rng.randrange(12)
    day = 1 + rng.randrange(28)
    date = f"{year:04d}-{month:02d}-{day:02d}"
    title = f"{topic[0][0].upper()}{topic[0][1:]} in {place}"
    subtitle = f"A policy brief from the {org}"
    authors = rng.sample(AUTHORS, rng.randint(1, 3))
    summary = " ".join([
        f"This brief reviews {topic[0]} in {place} and what the {topic[2]} has achieved so far.",
        w.paragraph(2, 3, emphasis=False),
        f"It ends with {rng.randint(4, 7)} recommendations for {rng.choice(topic[4])} and their partners.",
    ])
    m1, m2 = rng.sample(topic[3], 2)
    highlights = [
        (f"{rng.randint(5, 72)}%", f"change in {m1} since the {topic[2]} started", f"{org} monitoring data, {year}"),
        (f"{rng.randint(2, 900):,}", f"{rng.choice(topic[4])} taking part in {place}", f"{org} survey, {year}"),
    ]
    list_section = rng.randrange(6)
    inline_sections = set(rng.sample(range(6), 2))
    sections = []
    for s, (stitle, sid) in enumerate(SECTION_TITLES):
        body = w.section_body(with_list=(s == list_section), target_words=rng.randint(280, 420))
        sections.append((stitle, sid, body))

    csv_rows = ["indicator,value,unit,year,source"]
    for k, (value, label, source) in enumerate(highlights):
        plain = value.replace(",", "").rstrip("%")
        unit = "percent change" if value.endswith("%") else "count"
        csv_rows.append(f'"{label}",{plain},{unit},{year},"{source}"')
    for k in range(6):
        csv_rows.append(f'"{rng.choice(topic[3])} ({2010 + k + i % 5})",{rng.randint(10, 9999)},index,{2010 + k + i % 5},"{org}"')
    csv = "\n".join(csv_rows) + "\n"

    files = {}
    t = [
        f"# Synthetic benchmark publication {i} (bench/generate.py, seed {SEED}).",
        f"title = {toml_str(title)}",
        f"subtitle = {toml_str(subtitle)}",
        "authors = [" + ", ".join(toml_str(a) for a in authors) + "]",
        f"publisher = {toml_str(org)}",
        f"date = {date}",
        'language = "en-GB"',
        "keywords = [" + ", ".join(toml_str(k) for k in [topic[1], place, "policy brief"]) + "]",
        f"summary = {toml_multiline(summary + chr(10))}",
        "",
    ]
    for value, label, source in highlights:
        t += ["[[highlights]]", f"value = {toml_str(value)}", f"label = {toml_str(label)}",
              f"source = {toml_str(source)}", ""]
    for s, (stitle, sid, body) in enumerate(sections):
        t += ["[[sections]]", f"title = {toml_str(stitle)}", f"id = {toml_str(sid)}"]
        if s in inline_sections:
            t.append(f"body = {toml_multiline(body)}")
        else:
            rel = f"{name}/{s + 1:02d}-{sid}.md"
            files[f"content/{rel}"] = body
            t.append(f"file = {toml_str(rel)}")
        t.append("")
    t += ["[[attachments]]", 'title = "Indicators (CSV)"',
          f"file = {toml_str(name + '/attachments/figures.csv')}",
          'description = "The key figures and supporting indicators of this brief in machine-readable form."',
          ""]
    files[f"content/{name}.toml"] = "\n".join(t)
    files[f"content/{name}/attachments/figures.csv"] = csv

    def yaml_str(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    md = ["---", f"title: {yaml_str(title)}", f"subtitle: {yaml_str(subtitle)}", "author:"]
    md += [f"  - {yaml_str(a)}" for a in authors]
    md += [f"publisher: {yaml_str(org)}", f"date: {date}", "lang: en-GB",
           "keywords:"] + [f"  - {yaml_str(k)}" for k in [topic[1], place, "policy brief"]]
    md += ["---", "", summary, "", "# Key figures", ""]
    md += [f"- **{value}** {label} ({source})" for value, label, source in highlights]
    md.append("")
    for stitle, sid, body in sections:
        md += [f"# {stitle} {{#{sid}}}", "", body]
    md += ["# Attachments & resources", "",
           "- [Indicators (CSV)](figures.csv): the key figures and supporting indicators of this brief in machine-readable form.",
           ""]
    files[f"markdown/{name}.md"] = "\n".join(md)
    return name, files


def report(n_sections):
    """One long report of n_sections sections: (name, files) as publication() returns."""
    rng = random.Random(SEED * 7 + n_sections)
    topic = TOPICS[n_sections % len(TOPICS)]
    place, org = rng.choice(PLACES), rng.choice(ORGS)
    w = Writer(rng, topic, place, org)
    name = "report"
    files = {}
    t = [
        f"# Synthetic benchmark report with {n_sections} sections (bench/generate.py, seed {SEED}).",
        f"title = {toml_str(f'{topic[0][0].upper()}{topic[0][1:]} in {place}: the full review')}",
        f"subtitle = {toml_str(f'A report from the {org}')}",
        "authors = [" + ", ".join(toml_str(a) for a in rng.sample(AUTHORS, 3)) + "]",
        f"publisher = {toml_str(org)}",
        "date = 2024-06-11",
        'language = "en-GB"',
        "keywords = [" + ", ".join(toml_str(k) for k in [topic[1], place, "report"]) + "]",
        f"summary = {toml_multiline(w.paragraph(4, 6, emphasis=False) + chr(10))}",
        "",
        "[[highlights]]", 'value = "42%"', f"label = {toml_str('change in ' + topic[3][0])}",
        f"source = {toml_str(org + ' monitoring data')}", "",
    ]
    for s in range(n_sections):
        stitle, sid = SECTION_TITLES[s % len(SECTION_TITLES)]
        rel = f"{name}/{s + 1:04d}-{sid}.md"
        files[f"content/{rel}"] = w.section_body(with_list=(s % 7 == 3), target_words=rng.randint(280, 420))
        t += ["[[sections]]", f"title = {toml_str(f'{stitle} ({s + 1})')}", f"id = {toml_str(f'{sid}-{s + 1}')}",
              f"file = {toml_str(rel)}", ""]
    files[f"content/{name}/attachments/figures.csv"] = "indicator,value\nexample,1\n"
    t += ["[[attachments]]", 'title = "Indicators (CSV)"', f"file = {toml_str(name + '/attachments/figures.csv')}",
          'description = "Supporting indicators in machine-readable form."', ""]
    files[f"content/{name}.toml"] = "\n".join(t)
    return name, files


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--sections":
        sections = int(args[1])
        make = [lambda: report(sections)]
        what = f"one report with {args[1]} sections"
        args = args[2:]
    elif len(args) == 2:
        n = int(args[0])
        make = [lambda i=i: publication(i) for i in range(1, n + 1)]
        what = f"{n} publications"
        args = args[1:]
    else:
        sys.exit("usage: generate.py N DIR | generate.py --sections S DIR")
    out = Path(args[0])
    templates = Path(__file__).resolve().parent.parent / "templates"
    for sub in ("content", "markdown", "templates"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    for one in make:
        _, files = one()
        for rel, text in files.items():
            path = out / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if templates.is_dir():
        shutil.copytree(templates, out / "templates")
    else:
        os.makedirs(out / "templates", exist_ok=True)
    print(f"wrote {what} to {out}")


if __name__ == "__main__":
    main()
