"""Seeded synthetic survey data: a register of fictional organisations, one raw export per
survey year written exactly as the codebook describes it, and the planted truth.

The generative model, its parameters and the export mess are documented with formulas in
``docs/demo-data.md``. In short:

* a pool of fictional organisations (municipal administrations, regions, state agencies)
  with sector, county and head count;
* an unbalanced panel: participants stay with a fixed probability, former participants
  rejoin, and newcomers are drawn with a probability increasing in latent maturity, so
  newcomers are on average less mature than stayers;
* latent capability and legacy per organisation and year (national year effect + sector +
  size + organisation effect + yearly wobble); respondents scatter around their
  organisation, answers come from an ordered-probit model per item;
* the year effects are calibrated (deterministically, by root finding on expected scores)
  so that the organisation-level national maturity hits the targets of the spec;
* each year's export gets the mess real survey tools produce: duplicate submissions, test
  responses, break-offs, personal columns, stray spacing and case in names and labels.

Everything is drawn from one seed; every component (register, items, panel, each year's
respondents, answers, mess and rendering) has its own child stream of a
:class:`numpy.random.SeedSequence`, so changing one part does not reshuffle the others.
Same seed and spec give byte-identical files.

Run ``python -m mognad.demo.synth --help``.

One module although long: the generator's parts (register, latent levels, answers, export
mess, truth) draw from one seeded random stream in a fixed order, and keeping them together
lets that order, which fixes every byte of the demo data, read top to bottom.
"""

from __future__ import annotations

import argparse
import binascii
import csv
import json
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import ndtr

from mognad.indices.reliability import icc1_icc2
from mognad.indices.scores import organisation_scores, respondent_scores
from mognad.instrument import (
    Codebook,
    Instrument,
    YearSpec,
    load_codebook,
    load_instrument,
)

DEFAULT_SEED = 20190401
DIMENSIONS = ("capability", "legacy")
ROLES = ("manager", "staff", "it", "support")
ORG_TYPES = ("municipal", "region", "state_agency")

#: Line ending of the survey exports (the tools are Windows-born; RFC 4180 also says CRLF).
EXPORT_LINE_TERMINATOR = "\r\n"
#: Line ending of the files this module writes on its own account (register, truth).
OWN_LINE_TERMINATOR = "\n"

# Internal answer codes: 1-5 scale points as written, DK = "Vet ej", BLANK = unanswered.
DK = -1
BLANK = 0

MUNICIPAL_SECTORS = {
    "education": "Utbildningsförvaltningen",
    "social_services": "Socialförvaltningen",
    "urban_planning": "Samhällsbyggnadsförvaltningen",
    "service": "Serviceförvaltningen",
    "culture_leisure": "Kultur- och fritidsförvaltningen",
    "central_admin": "Kommunledningsförvaltningen",
}
REGION_SECTORS = {
    "health_care": "Hälso- och sjukvården",
    "regional_development": "Regional utveckling",
}
SECTORS = (*MUNICIPAL_SECTORS, *REGION_SECTORS, "state_agency")

COUNTIES = (
    "Stockholms län",
    "Uppsala län",
    "Södermanlands län",
    "Östergötlands län",
    "Jönköpings län",
    "Kronobergs län",
    "Kalmar län",
    "Gotlands län",
    "Blekinge län",
    "Skåne län",
    "Hallands län",
    "Västra Götalands län",
    "Värmlands län",
    "Örebro län",
    "Västmanlands län",
    "Dalarnas län",
    "Gävleborgs län",
    "Västernorrlands län",
    "Jämtlands län",
    "Västerbottens län",
    "Norrbottens län",
)

# Invented name parts. Municipality stems are prefix + suffix ("Ek" + "halla"); the suffixes
# are chosen so that no combination is the name of a real Swedish municipality.
_MUNICIPALITY_PREFIXES = (
    "Ek", "Björk", "Al", "Asp", "Lind", "Gran", "Tall", "Sälg", "Hassel", "Rönn", "Lönn",
    "Ask", "Sten", "Ljung", "Myr", "Kärr", "Sand", "Vass", "Näver", "Kvarn", "Lyck", "Ros",
    "Frö", "Örn", "Varg", "Hjort", "Svan", "Gås", "Tjäder", "Orr", "Lo", "Bäver", "Ull",
    "Malm", "Hägg", "Ven", "Lin",
)  # fmt: skip
_MUNICIPALITY_SUFFIXES = (
    "halla", "tjärn", "åker", "mossa", "gärde", "kulla", "hyttan", "bruk", "ängen",
    "fjärde", "lid", "bränna", "vreten", "hyddan",
)  # fmt: skip
_REGION_PREFIXES = ("Väster", "Öster", "Norr", "Söder", "Mellan", "Ytter", "Inner", "Hög")
_REGION_SUFFIXES = ("fjäll", "slätt", "kust", "skog", "myr", "hed", "sjö", "älv")
_AGENCY_TEMPLATES = (
    "Myndigheten för {}",
    "Statens institut för {}",
    "Nämnden för {}",
    "Kansliet för {}",
    "Rådet för {}",
)
_AGENCY_TOPICS = (
    "digital samverkan", "kustnära näringar", "fjällnära förvaltning", "öppen geodata",
    "hållbar vattenplanering", "språkstöd i offentlig sektor", "arkivsamverkan",
    "skärgårdsnäringar", "myrmarksforskning", "kulturhistoriska kvarnar",
    "regional matförsörjning", "planering i glesbygd", "havsnära friluftsliv",
    "tillgängliga lekmiljöer", "ädellövskog", "småskalig vattenkraft", "fyrplatsvård",
    "ängs- och hagmarker", "dialektdokumentation", "folkbildningsdata", "kanalvård",
    "samordnad fordonsdata", "båtlivets säkerhet", "vinterväghållning", "flottledsminnen",
    "byggnadsvårdsråd", "allmänningsskogar", "bygdemålsarkiv", "öppna forskningsdata",
    "stadsodling", "pollinerande insekter", "strandskyddsdata", "hembygdsarkiv",
    "lokal energilagring", "cykelinfrastruktur", "kollektivtrafikdata", "ljudmiljö",
    "vårdkasar och fornvägar", "fritidsfiske", "skoldataformat", "e-arkivstandarder",
    "ortnamnsvård", "luftkvalitetsdata", "fjällräddningssamordning", "renbetesdata",
    "insjöfiske", "kulturmiljödata", "digital tillgänglighet", "nordiska språkfrågor",
    "ideell samverkan", "klimatanpassad byggnation", "samordnade ärendeflöden",
)  # fmt: skip
_AGENCY_STEMS = (
    "Lavodlings", "Ängsvårds", "Myrmarks", "Kvarnvårds", "Fjällstigs", "Strandängs",
    "Dialektarkiv", "Fyrplats", "Kanalvårds", "Pråmtrafik", "Stenmurs", "Hagmarks",
    "Sjömärkes", "Bygdemåls", "Flottleds", "Slåtterängs", "Tallskogs", "Mossodlings",
    "Småvattens", "Vårdkase",
)  # fmt: skip
_AGENCY_STEM_SUFFIXES = ("verket", "inspektionen", "nämnden", "institutet")

_FIRST_NAMES = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Lena", "Emma", "Kerstin", "Ingrid", "Malin",
    "Johanna", "Elin", "Linnéa", "Åsa", "Ebba", "Märta", "Fatima", "Aino", "Sofia", "Helena",
    "Lars", "Anders", "Johan", "Per", "Karl", "Erik", "Peter", "Mikael", "Jonas", "Björn",
    "Göran", "Håkan", "Jörgen", "Mats", "Olof", "Ali", "Yusuf", "Oskar", "Nils", "André",
)  # fmt: skip
_LAST_NAMES = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Olofsson", "Lindqvist",
    "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lundgren", "Mattsson",
    "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Nyström", "Holm", "Åberg",
    "Öberg", "Sjöberg", "Ek", "Hassan", "Mohammed",
)  # fmt: skip
#: Free-text comments; none starts with "test". Commas, semicolons, quotes and newlines
#: exercise the CSV quoting of the exports.
_COMMENTS = (
    "Bra enkät, men vissa frågor var svåra att svara på.",
    "Svårt att svara för hela förvaltningen; jag svarade utifrån min enhet.",
    'Vi har "digitalt först" som ledord, men det märks inte alltid i vardagen.',
    "Frågorna om teknik borde besvaras av IT-avdelningen.",
    "Många system, lite samordning.",
    "Tack för en viktig enkät!\nHoppas att resultaten återkopplas till oss.",
    'Vet inte vad som menas med "gemensam arkitektur".',
    "Det har blivit bättre sedan förra året; särskilt e-tjänsterna.",
    "Enkäten tog längre tid än utlovat, ca 20 min.",
    "Svarar som chef för en liten enhet; svaren gäller främst oss.",
    "Mer stöd vid införande av nya verktyg, tack.",
    'Alternativet "Vet ej" behövs, tycker jag.',
    "Ingen kommentar.",
    "Oklart vem som äger frågan om informationssäkerhet.\nVi behöver tydligare roller; "
    "just nu faller det mellan stolarna.",
    "Vi saknar tid för utveckling, driften tar allt.",
    "Våra e-tjänster används mycket, men handläggningen är fortfarande manuell.",
)
_TEST_NAMES = ("Test Testsson", "Test Testsson", "Testa Testsson", "Test Test")
_TEST_EMAIL_LOCALS = ("test", "test.testsson", "testkonto", "testaren")
_TEST_COMMENT = "Test, ignorera"

# Child-stream keys of the SeedSequence; fixed numbers so adding a stream reshuffles nothing.
_STREAMS = {
    "register": 1,
    "organisations": 2,
    "items": 3,
    "panel": 4,
    "respondents": 5,
    "answers": 6,
    "mess": 7,
    "render": 8,
    "frame": 9,
}


def _rng(seed: int, stream: str, *keys: int) -> np.random.Generator:
    sequence = np.random.SeedSequence(seed, spawn_key=(_STREAMS[stream], *keys))
    return np.random.Generator(np.random.PCG64(sequence))


# --- specification --------------------------------------------------------------------


@dataclass(frozen=True)
class ModelParams:
    """Parameters of the latent model (latent units are those of the ordered probit)."""

    #: (sector, capability effect, legacy effect); ordered as published: service and
    #: urban planning highest, education and social services lowest.
    sector_effects: tuple[tuple[str, float, float], ...] = (
        ("service", 0.30, 0.24),
        ("urban_planning", 0.26, 0.20),
        ("central_admin", 0.12, 0.08),
        ("state_agency", 0.10, 0.10),
        ("regional_development", 0.06, 0.02),
        ("culture_leisure", -0.02, 0.00),
        ("health_care", -0.08, -0.06),
        ("education", -0.24, -0.18),
        ("social_services", -0.28, -0.22),
    )
    #: Effect of (log employees - pool mean) per dimension.
    size_effect: tuple[float, float] = (0.06, 0.04)
    #: Organisation effect u_o ~ N(0, Sigma): standard deviations and correlation.
    org_sd: tuple[float, float] = (0.28, 0.28)
    org_corr: float = 0.6
    #: Organisation-year wobble w_otd.
    wobble_sd: float = 0.08
    #: Respondent deviation e_rd: standard deviations and correlation.
    respondent_sd: tuple[float, float] = (0.62, 0.62)
    respondent_corr: float = 0.6
    #: Respondent-category deviation v_rc.
    category_sd: float = 0.25
    #: (role, capability effect, legacy effect) and the role shares of respondents.
    role_effects: tuple[tuple[str, float, float], ...] = (
        ("manager", 0.20, 0.15),
        ("staff", 0.00, 0.00),
        ("it", 0.05, -0.10),
        ("support", 0.05, 0.05),
    )
    role_shares: tuple[float, ...] = (0.15, 0.60, 0.08, 0.17)
    #: Items: loadings uniform in this range, thresholds = base + item difficulty.
    loading_range: tuple[float, float] = (0.6, 0.9)
    base_thresholds: tuple[float, float, float, float] = (-1.25, -0.42, 0.42, 1.25)
    difficulty_sd: float = 0.15
    threshold_jitter_sd: float = 0.05
    #: Negatively worded statements are harder to "disagree" with: difficulty shift.
    reverse_shift: float = 0.15
    #: Shift of a reworded item's difficulty in the revision(s) with the old wording.
    reword_shift: float = 0.20
    #: "Vet ej": base probability per item uniform in this range; teknik items get an
    #: extra probability (uniform in the second range) for respondents not in IT.
    dont_know_range: tuple[float, float] = (0.02, 0.06)
    dont_know_teknik_extra: tuple[float, float] = (0.04, 0.06)
    blank_rate: float = 0.01
    #: Respondents per organisation-year: log n = a + size_slope * z_size + p_o + eps.
    respondents_size_slope: float = 0.30
    respondents_org_sd: float = 0.35
    respondents_year_sd: float = 0.30


@dataclass(frozen=True)
class SynthSpec:
    """What to generate. Tuples over years are aligned with ``years``."""

    seed: int = DEFAULT_SEED
    preset: str = "custom"
    years: tuple[int, ...] = (2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025)
    org_counts: tuple[int, ...] = (20, 35, 29, 62, 126, 148, 165, 182)
    #: Organisation-level national maturity (%) to calibrate to, per year.
    maturity_targets: tuple[float, ...] = (38.0, 41.0, 47.0, 53.0, 51.0, 54.0, 56.0, 58.0)
    #: Capability minus legacy (percentage points), per year: the gap widens.
    gap_targets: tuple[float, ...] = (1.0, 2.0, 3.5, 5.0, 5.5, 7.0, 8.5, 10.0)
    # The pool of organisations.
    n_municipalities: int = 64
    n_regions: int = 10
    n_agencies: int = 40
    #: Probability that a municipality has no separate culture/leisure (service)
    #: administration.
    municipal_drop_prob: float = 0.25
    # Respondents per organisation-year.
    respondents_mean: float = 48.0
    respondents_min: int = 5
    respondents_max: int = 100
    # Panel dynamics.
    stay_prob: float = 0.8
    #: Slope of staying on the logit scale per standard deviation of the selection index:
    #: engaged (more mature) organisations stay a little more often.
    stay_slope: float = 0.5
    rejoin_prob: float = 0.25
    selection_strength: float = 0.9
    #: Municipality groups in the style of SKR's kommungruppsindelning: the three main
    #: groups' shares of municipalities (largest first) and each group's share within them.
    main_group_shares: tuple[float, ...] = (0.16, 0.37, 0.47)
    group_shares: tuple[tuple[str, float], ...] = (
        ("A1", 3), ("A2", 43), ("B3", 21), ("B4", 51), ("B5", 35),
        ("C6", 29), ("C7", 52), ("C8", 34), ("C9", 22),
    )  # fmt: skip
    # Export mess.
    duplicate_rate: float = 0.02
    duplicate_breakoff_share: float = 0.4
    duplicate_changed_share: float = 0.15
    test_orgyear_rate: float = 0.15
    breakoff_rate: float = 0.04
    identity_rate: float = 0.9
    comment_rate: float = 0.08
    org_name_variant_rate: float = 0.05
    label_variant_rate: float = 0.003
    model: ModelParams = ModelParams()

    def __post_init__(self) -> None:
        n = len(self.years)
        for name in ("org_counts", "maturity_targets", "gap_targets"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"SynthSpec.{name} needs one value per year ({n})")
        if list(self.years) != sorted(set(self.years)):
            raise ValueError("SynthSpec.years must be increasing")
        if not 1 <= self.respondents_min <= self.respondents_max:
            raise ValueError("SynthSpec needs 1 <= respondents_min <= respondents_max")

    @classmethod
    def demo(cls, seed: int = DEFAULT_SEED) -> SynthSpec:
        """The committed demo: ~410 organisations, 20-182 taking part per year."""
        return cls(seed=seed, preset="demo")

    @classmethod
    def national(cls, seed: int = DEFAULT_SEED) -> SynthSpec:
        """A national-scale run: ~2,000 organisations, 1,500 per year, ~600k responses."""
        return cls(
            seed=seed,
            preset="national",
            org_counts=(1500,) * 8,
            n_municipalities=290,
            n_regions=21,
            n_agencies=330,
        )

    @property
    def pool_size(self) -> int:
        """Expected pool size (the register draws administrations at random)."""
        per_municipality = len(MUNICIPAL_SECTORS) - 2 * self.municipal_drop_prob
        return (
            round(self.n_municipalities * per_municipality) + 2 * self.n_regions + self.n_agencies
        )

    def targets(self, year: int) -> dict[str, float]:
        """Calibration targets (%) of a year: maturity, capability and legacy."""
        i = self.years.index(year)
        maturity, gap = self.maturity_targets[i], self.gap_targets[i]
        return {
            "maturity": maturity,
            "capability": maturity + gap / 2,
            "legacy": maturity - gap / 2,
        }


# --- result -----------------------------------------------------------------------------


@dataclass
class SynthResult:
    """Everything generated; exports are rendered on access (see :attr:`exports`)."""

    spec: SynthSpec
    instrument: Instrument
    codebook: Codebook
    #: The organisation register, as written to organisations.csv.
    register: pd.DataFrame
    #: The population frame (the register with ``municipality_group``), frame.csv.
    frame: pd.DataFrame
    #: year, org_id, status (stayer / newcomer / rejoiner).
    panel: pd.DataFrame
    #: Truth per participating organisation-year (see docs/demo-data.md).
    org_latents: pd.DataFrame
    #: Canonical responses: one row per genuine, final submission, with all instrument items
    #: (as written, reverse-keyed items reversed; NA = Vet ej or unanswered) and truth.
    responses: pd.DataFrame
    #: Per year, every export row in export order with typed values and its ``kind``:
    #: response, superseded (an earlier submission of the same respondent), breakoff, test.
    submissions: dict[int, pd.DataFrame]
    #: Planted parameters, calibration targets and achieved values.
    effects: dict[str, Any]

    @property
    def exports(self) -> Mapping[int, pd.DataFrame]:
        """The raw export of each year, exactly as written (rendered when looked up)."""
        return _Exports(self)


class _Exports(Mapping):
    def __init__(self, result: SynthResult):
        self._result = result

    def __getitem__(self, year: int) -> pd.DataFrame:
        if year not in self._result.submissions:
            raise KeyError(year)
        return render_export(self._result, year)

    def __iter__(self) -> Iterator[int]:
        return iter(self._result.submissions)

    def __len__(self) -> int:
        return len(self._result.submissions)


# --- register ---------------------------------------------------------------------------


def _ascii(text: str) -> str:
    table = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "A", "Ä": "A", "Ö": "O"})
    return text.translate(table)


def _municipality_stems(n: int, rng: np.random.Generator) -> list[str]:
    stems = []
    for prefix in _MUNICIPALITY_PREFIXES:
        for suffix in _MUNICIPALITY_SUFFIXES:
            if prefix[-1] == suffix[0] and len(prefix) > 1 and prefix[-2] == prefix[-1]:
                continue  # no triple consonants ("Ull" + "lid")
            stems.append(prefix + suffix)
    if n > len(stems):
        raise ValueError(f"at most {len(stems)} municipalities can be named")
    return [stems[i] for i in rng.permutation(len(stems))[:n]]


def _region_stems(n: int, rng: np.random.Generator) -> list[str]:
    stems = [p + s for p in _REGION_PREFIXES for s in _REGION_SUFFIXES]
    if n > len(stems):
        raise ValueError(f"at most {len(stems)} regions can be named")
    return [stems[i] for i in rng.permutation(len(stems))[:n]]


def _agency_names(n: int, rng: np.random.Generator) -> list[str]:
    names = [t.format(topic) for t in _AGENCY_TEMPLATES for topic in _AGENCY_TOPICS]
    names += [stem + suffix for stem in _AGENCY_STEMS for suffix in _AGENCY_STEM_SUFFIXES]
    if n > len(names):
        raise ValueError(f"at most {len(names)} agencies can be named")
    return [names[i] for i in rng.permutation(len(names))[:n]]


def _agency_domain(name: str) -> str:
    words = _ascii(name).lower().split()
    return (words[0] if len(words) == 1 else "".join(w[0] for w in words)) + ".example"


def make_register(spec: SynthSpec) -> tuple[pd.DataFrame, np.ndarray]:
    """The organisation register and each organisation's e-mail domain (not in the file)."""
    rng = _rng(spec.seed, "register")
    rows: list[tuple[str, str, str, str, str, float]] = []
    domains: list[str] = []
    # Municipalities: a shared size factor; each has all six administrations except that
    # culture/leisure and service are sometimes not separate administrations.
    stems = _municipality_stems(spec.n_municipalities, rng)
    county = rng.integers(0, len(COUNTIES), size=spec.n_municipalities)
    size = rng.normal(0.0, 0.9, size=spec.n_municipalities)
    keep = rng.random((spec.n_municipalities, 2)) >= spec.municipal_drop_prob
    noise = rng.normal(0.0, 0.3, size=(spec.n_municipalities, len(MUNICIPAL_SECTORS)))
    medians = {
        "education": 900, "social_services": 800, "urban_planning": 150, "service": 180,
        "culture_leisure": 90, "central_admin": 110,
    }  # fmt: skip
    for m, stem in enumerate(stems):
        for s, (sector, label) in enumerate(MUNICIPAL_SECTORS.items()):
            if (sector == "culture_leisure" and not keep[m, 0]) or (
                sector == "service" and not keep[m, 1]
            ):
                continue
            employees = np.exp(np.log(medians[sector]) + size[m] + noise[m, s])
            rows.append(
                (f"{stem} kommun, {label}", "municipal", sector, f"M{m + 1:03d}",
                 COUNTIES[county[m]], employees)
            )  # fmt: skip
            domains.append(f"{_ascii(stem).lower()}.example")
    # Regions: one county each, two administrations.
    regions = _region_stems(spec.n_regions, rng)
    region_county = rng.permutation(len(COUNTIES))[: spec.n_regions] % len(COUNTIES)
    region_size = rng.normal(0.0, 0.6, size=(spec.n_regions, 2))
    for r, stem in enumerate(regions):
        for s, (sector, label) in enumerate(REGION_SECTORS.items()):
            median = 5000 if sector == "health_care" else 120
            employees = np.exp(np.log(median) + region_size[r, s])
            rows.append(
                (f"Region {stem}, {label}", "region", sector, "", COUNTIES[region_county[r]],
                 employees)
            )  # fmt: skip
            domains.append(f"region{_ascii(stem).lower()}.example")
    # State agencies: head offices mostly in Stockholm.
    agencies = _agency_names(spec.n_agencies, rng)
    in_stockholm = rng.random(spec.n_agencies) < 0.5
    agency_county = np.where(in_stockholm, 0, rng.integers(1, len(COUNTIES), size=spec.n_agencies))
    agency_size = rng.normal(np.log(300), 1.2, size=spec.n_agencies)
    for a, name in enumerate(agencies):
        rows.append(
            (name, "state_agency", "state_agency", "", COUNTIES[agency_county[a]],
             np.exp(agency_size[a]))
        )  # fmt: skip
        domains.append(_agency_domain(name))
    frame = pd.DataFrame(
        rows, columns=["name", "org_type", "sector", "municipality_id", "county", "employees"]
    )
    frame["employees"] = np.maximum(np.round(frame["employees"].to_numpy()), 5).astype(np.int64)
    frame.insert(0, "org_id", [f"O{i + 1:04d}" for i in range(len(frame))])
    return frame, np.array(domains, dtype=object)


#: Counties with a metropolitan city: the largest municipality of group A there is a
#: storstad (A1).
METROPOLITAN_COUNTIES = ("Stockholms län", "Västra Götalands län", "Skåne län")


def make_frame(spec: SynthSpec, register: pd.DataFrame) -> pd.DataFrame:
    """The population frame: every organisation of the pool with its municipality group.

    Municipalities are ranked by their administrations' total head count with noise; the
    largest share ``main_group_shares[0]`` form main group A, the next B, the rest C. Within
    A the largest municipality of each metropolitan county is A1; within B and C the group
    is drawn with the ``group_shares`` weights. Regions and agencies have no group.
    """
    rng = _rng(spec.seed, "frame")
    municipal = register[register["org_type"] == "municipal"]
    ids = sorted(municipal["municipality_id"].unique())
    total = municipal.groupby("municipality_id")["employees"].sum().reindex(ids)
    county = municipal.groupby("municipality_id")["county"].first().reindex(ids)
    score = np.log(total.to_numpy(dtype=float)) + rng.normal(0.0, 0.4, size=len(ids))
    order = np.argsort(-score, kind="stable")
    cuts = np.round(np.cumsum(spec.main_group_shares) * len(ids)).astype(int)
    main = np.empty(len(ids), dtype=object)
    main[order] = np.asarray(["A", "B", "C"], dtype=object)[
        np.searchsorted(cuts, np.arange(len(ids)), side="right")
    ]
    shares = dict(spec.group_shares)
    group = np.empty(len(ids), dtype=object)
    for letter in ("B", "C"):
        codes = [c for c in shares if c.startswith(letter)]
        weights = np.array([shares[c] for c in codes], dtype=float)
        members = np.flatnonzero(main == letter)
        group[members] = rng.choice(codes, size=len(members), p=weights / weights.sum())
    in_a = main == "A"
    group[in_a] = "A2"
    for metro in METROPOLITAN_COUNTIES:
        candidates = np.flatnonzero(in_a & (county.to_numpy() == metro))
        if len(candidates):
            group[candidates[np.argmax(score[candidates])]] = "A1"
    of_municipality = dict(zip(ids, group, strict=True))
    frame = register.copy()
    frame.insert(
        5,
        "municipality_group",
        [of_municipality.get(m, "") for m in frame["municipality_id"]],
    )
    return frame


# --- item parameters --------------------------------------------------------------------


@dataclass(frozen=True)
class _ItemSet:
    """Ordered-probit parameters of the items asked in one instrument revision."""

    ids: tuple[str, ...]
    category: np.ndarray  # index into the instrument's categories
    loading: np.ndarray
    thresholds: np.ndarray  # (k, 4)
    reverse: np.ndarray
    teknik: np.ndarray
    dont_know: np.ndarray  # base probability
    dont_know_teknik: np.ndarray  # extra for non-IT respondents on teknik items

    @property
    def noise_sd(self) -> np.ndarray:
        return np.sqrt(1.0 - self.loading**2)


def _item_parameters(
    spec: SynthSpec, instrument: Instrument
) -> tuple[dict[int, _ItemSet], dict[str, Any]]:
    model = spec.model
    rng = _rng(spec.seed, "items")
    items = instrument.items
    n = len(items)
    loading = rng.uniform(*model.loading_range, size=n)
    difficulty = rng.normal(0.0, model.difficulty_sd, size=n)
    jitter = rng.normal(0.0, model.threshold_jitter_sd, size=(n, 4))
    dk = rng.uniform(*model.dont_know_range, size=n)
    dk_extra = rng.uniform(*model.dont_know_teknik_extra, size=n)
    categories = list(instrument.categories)
    reverse = np.array([i.reverse for i in items])
    teknik = np.array([i.category == "teknik" for i in items])
    base = np.sort(np.asarray(model.base_thresholds)[None, :] + jitter, axis=1)
    thresholds = base + (difficulty + model.reverse_shift * reverse)[:, None]
    dk_extra = np.where(teknik, dk_extra, 0.0)
    sets: dict[int, _ItemSet] = {}
    for rev in instrument.revisions:
        index = [k for k, item in enumerate(items) if rev in item.revisions]
        shift = np.array([model.reword_shift if rev in items[k].previously else 0.0 for k in index])
        sets[rev] = _ItemSet(
            ids=tuple(items[k].id for k in index),
            category=np.array([categories.index(items[k].category) for k in index]),
            loading=loading[index],
            thresholds=thresholds[index] + shift[:, None],
            reverse=reverse[index],
            teknik=teknik[index],
            dont_know=dk[index],
            dont_know_teknik=dk_extra[index],
        )
    truth = {
        item.id: {
            "loading": loading[k],
            "thresholds": thresholds[k].tolist(),
            "reverse": bool(reverse[k]),
            "dont_know_prob": dk[k],
            "dont_know_extra_non_it": dk_extra[k],
            "reworded_shift": {str(r): model.reword_shift for r in sorted(item.previously)},
        }
        for k, item in enumerate(items)
    }
    return sets, truth


def _expected_percent(
    eta: np.ndarray, loading: np.ndarray, thresholds: np.ndarray, noise_sd: np.ndarray
) -> np.ndarray:
    """Expected score (%) of the mean of ``k`` items at latents ``eta`` (shape (n,)).

    E[y] = 1 + sum_k Phi((lambda * eta - tau_k) / sigma); as %: 25 * (E[y] - 1).
    """
    z = (loading[None, :, None] * eta[:, None, None] - thresholds[None, :, :]) / noise_sd[
        None, :, None
    ]
    return 25.0 * ndtr(z).sum(axis=2).mean(axis=1)


class _Calibration:
    """Organisation-level national expected score (%) of one dimension as a function of the
    year effect mu, at the simulated respondent latents (without mu)."""

    def __init__(
        self,
        eta_rest: np.ndarray,
        items: _ItemSet,
        in_dimension: np.ndarray,
        org: np.ndarray,
        count: np.ndarray,
    ):
        self.eta_rest = eta_rest
        self.items = items
        self.categories = np.flatnonzero(in_dimension)
        self.org = org
        self.count = count

    def respondent(self, mu: float) -> np.ndarray:
        """Expected dimension score (%) per respondent: mean of its category scores."""
        items = self.items
        pct = np.zeros(self.eta_rest.shape[0])
        for c in self.categories:
            k = items.category == c
            pct += _expected_percent(
                self.eta_rest[:, c] + mu, items.loading[k], items.thresholds[k], items.noise_sd[k]
            )
        return pct / len(self.categories)

    @overload
    def national(self, mu: float, slope: Literal[False] = False) -> float: ...
    @overload
    def national(self, mu: float, slope: Literal[True]) -> tuple[float, float]: ...
    def national(self, mu: float, slope: bool = False) -> float | tuple[float, float]:
        """Mean over organisations of the mean over their respondents (and its derivative
        in mu when ``slope``)."""
        items = self.items
        pct = np.zeros(self.eta_rest.shape[0])
        grad = np.zeros(self.eta_rest.shape[0])
        for c in self.categories:
            k = items.category == c
            lam, tau, sig = items.loading[k], items.thresholds[k], items.noise_sd[k]
            z = (lam[None, :, None] * (self.eta_rest[:, c] + mu)[:, None, None] - tau[None]) / sig[
                None, :, None
            ]
            pct += 25.0 * ndtr(z).sum(axis=2).mean(axis=1)
            if slope:
                density = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
                grad += 25.0 * (density * (lam / sig)[None, :, None]).sum(axis=2).mean(axis=1)
        n_cat = len(self.categories)
        value = self._org_mean(pct / n_cat)
        return (value, self._org_mean(grad / n_cat)) if slope else value

    def _org_mean(self, values: np.ndarray) -> float:
        org_mean = np.bincount(self.org, weights=values, minlength=self.count.size) / self.count
        return float(org_mean.mean())

    def solve(self, target: float, lo: float = -5.0, hi: float = 5.0, tol: float = 1e-9) -> float:
        """The mu at which national(mu) = target: Newton steps, kept inside a shrinking
        bracket (bisection when a step leaves it). Deterministic."""
        mu = 0.0
        for _ in range(100):
            value, slope = self.national(mu, slope=True)
            error = value - target
            if abs(error) < tol:
                return mu
            if error > 0:
                hi = mu
            else:
                lo = mu
            step = mu - error / slope if slope > 0 else np.inf
            mu = step if lo < step < hi else 0.5 * (lo + hi)
        raise RuntimeError(f"calibration did not converge to {target}")


# --- organisations and panel ------------------------------------------------------------


def _correlated_pairs(rng: np.random.Generator, n: int, sd: np.ndarray, corr: float) -> np.ndarray:
    """(n, 2) normal draws with standard deviations ``sd`` and correlation ``corr``.

    The 2 x 2 Cholesky factor written out, in elementwise arithmetic: a matrix product
    would go through BLAS, whose kernels (with or without fused multiply-add) round the
    last bit differently on different CPUs, and the planted truth would not regenerate
    byte for byte on another machine.
    """
    z = rng.standard_normal((n, 2))
    out = np.empty_like(z)
    out[:, 0] = z[:, 0] * sd[0]
    out[:, 1] = z[:, 0] * (sd[1] * corr) + z[:, 1] * (sd[1] * np.sqrt(1.0 - corr * corr))
    return out


def _org_effects(
    spec: SynthSpec, register: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
    """Time-constant latent part per organisation and dimension, size z-score, propensity."""
    model = spec.model
    rng = _rng(spec.seed, "organisations")
    n = len(register)
    sd = np.asarray(model.org_sd)
    u = _correlated_pairs(rng, n, sd, model.org_corr)
    propensity = rng.normal(0.0, model.respondents_org_sd, size=n)
    sector = {s: (c, leg) for s, c, leg in model.sector_effects}
    beta = np.array([sector[s] for s in register["sector"]])
    log_emp = np.log(register["employees"].to_numpy(dtype=float))
    centre = float(log_emp.mean())
    size = np.asarray(model.size_effect)[None, :] * (log_emp - centre)[:, None]
    z_size = (log_emp - centre) / log_emp.std()
    base = beta + size + u
    truth = {"log_employees_mean": centre, "org_effects_sd_realised": u.std(axis=0).tolist()}
    return base, z_size, propensity, truth


def _make_panel(spec: SynthSpec, selection_index: np.ndarray) -> pd.DataFrame:
    """Who takes part each year: stayers, rejoiners and (maturity-selected) newcomers."""
    rng = _rng(spec.seed, "panel")
    n = len(selection_index)
    kappa = spec.selection_strength
    ever = np.zeros(n, dtype=bool)
    previous = np.zeros(n, dtype=bool)
    frames = []
    logit_stay = np.log(spec.stay_prob / (1.0 - spec.stay_prob))

    def pick(eligible: np.ndarray, k: int, gumbel: np.ndarray) -> np.ndarray:
        # Weighted sampling without replacement (weights exp(kappa * z)): Gumbel top-k.
        if k <= 0:
            return np.zeros(0, dtype=np.int64)
        keys = np.where(eligible, kappa * selection_index + gumbel, -np.inf)
        order = np.argsort(-keys, kind="stable")
        return order[: min(k, int(eligible.sum()))]

    for year, target in zip(spec.years, spec.org_counts, strict=True):
        if target > n:
            raise ValueError(f"{target} organisations wanted in {year} but the pool has {n}")
        u_stay, u_rejoin, u_drop = rng.random(n), rng.random(n), rng.random(n)
        g_new, g_back = rng.gumbel(size=n), rng.gumbel(size=n)
        stay = 1.0 / (1.0 + np.exp(-(logit_stay + spec.stay_slope * selection_index)))
        keep = (previous & (u_stay < stay)) | (ever & ~previous & (u_rejoin < spec.rejoin_prob))
        if keep.sum() > target:
            kept = np.flatnonzero(keep)
            keep[kept[np.argsort(u_drop[kept], kind="stable")[target:]]] = False
        taking = keep.copy()
        new = pick(~ever, target - int(taking.sum()), g_new)
        taking[new] = True
        # A pool exhausted of newcomers is topped up with former participants.
        back = pick(ever & ~taking, target - int(taking.sum()), g_back)
        taking[back] = True
        status = np.where(previous, "stayer", np.where(ever, "rejoiner", "newcomer"))
        index = np.flatnonzero(taking)
        frames.append(pd.DataFrame({"year": year, "org": index, "status": status[index]}))
        ever |= taking
        previous = taking
    return pd.concat(frames, ignore_index=True)


def _respondents_intercept(spec: SynthSpec) -> float:
    """log-scale intercept so that E[clip(n, min, max)] equals the spec's mean."""
    model = spec.model
    sd = float(
        np.sqrt(
            model.respondents_size_slope**2
            + model.respondents_org_sd**2
            + model.respondents_year_sd**2
        )
    )
    x, w = np.polynomial.hermite_e.hermegauss(101)
    w = w / w.sum()

    def mean(a: float) -> float:
        return float(
            (w * np.clip(np.exp(a + sd * x), spec.respondents_min, spec.respondents_max)).sum()
        )

    lo, hi = np.log(spec.respondents_min) - 3, np.log(spec.respondents_max) + 3
    if not spec.respondents_min < spec.respondents_mean < spec.respondents_max:
        return float(np.log(spec.respondents_mean))
    return float(brentq(lambda a: mean(a) - spec.respondents_mean, lo, hi, xtol=1e-12))


# --- one year ---------------------------------------------------------------------------


@dataclass
class _Year:
    canonical: pd.DataFrame
    submissions: pd.DataFrame
    org_truth: pd.DataFrame
    mu: dict[str, float]
    sample_expected: dict[str, float]


def _role_matrix(spec: SynthSpec) -> np.ndarray:
    effects = {r: (c, leg) for r, c, leg in spec.model.role_effects}
    return np.array([effects[r] for r in ROLES])


def _population_expected(
    theta: np.ndarray, items: _ItemSet, spec: SynthSpec, dim_of_category: np.ndarray
) -> np.ndarray:
    """Expected category-mean score (%) of an organisation's respondent population.

    Given theta (n_org, 2), a respondent's category latent is N(theta_d + rho_role,d,
    sigma_e,d^2 + sigma_v^2); integrating the probit over it widens the noise:
    P(y > k) = Phi((lambda m - tau_k) / sqrt(sigma^2 + lambda^2 s^2)). Roles are mixed by
    their shares. Returns (n_org, 2): capability and legacy.
    """
    model = spec.model
    roles = _role_matrix(spec)
    shares = np.asarray(model.role_shares)
    out = np.zeros((theta.shape[0], 2))
    n_cat = int(items.category.max()) + 1
    for d in range(2):
        cats = [c for c in range(n_cat) if dim_of_category[c] == d]
        s2 = model.respondent_sd[d] ** 2 + model.category_sd**2
        total = np.zeros(theta.shape[0])
        for c in cats:
            k = items.category == c
            wide = np.sqrt(items.noise_sd[k] ** 2 + items.loading[k] ** 2 * s2)
            for r in range(len(ROLES)):
                m = theta[:, d] + roles[r, d]
                total += shares[r] * _expected_percent(
                    m, items.loading[k], items.thresholds[k], wide
                )
        out[:, d] = total / len(cats)
    return out


def _hex_tokens(rng: np.random.Generator, n: int, taken: set[str]) -> np.ndarray:
    """n random 16-hex-digit tokens, unique and not in ``taken`` (which they join)."""

    def draw(k: int) -> np.ndarray:
        raw = np.frombuffer(binascii.hexlify(rng.bytes(8 * k)), dtype="S16")
        return raw.astype(str).astype(object)

    out = draw(n)
    while True:
        clash = pd.Series(out).duplicated(keep="first").to_numpy() | np.fromiter(
            (t in taken for t in out), dtype=bool, count=n
        )
        if not clash.any():
            break
        out[clash] = draw(int(clash.sum()))
    taken.update(out.tolist())
    return out


def _simulate_year(
    spec: SynthSpec,
    year: int,
    revision: int,
    items: _ItemSet,
    orgs: np.ndarray,
    base: np.ndarray,
    z_size: np.ndarray,
    propensity: np.ndarray,
    intercept: float,
    register: pd.DataFrame,
    domains: np.ndarray,
    instrument: Instrument,
    dim_of_category: np.ndarray,
    tokens_taken: set[str],
) -> _Year:
    model = spec.model
    targets = spec.targets(year)
    n_org = len(orgs)
    n_cat = len(dim_of_category)

    # Respondents: counts, roles and latents (stream "respondents", per year).
    rng = _rng(spec.seed, "respondents", year)
    wobble = rng.normal(0.0, model.wobble_sd, size=(n_org, 2))
    log_n = (
        intercept
        + model.respondents_size_slope * z_size[orgs]
        + propensity[orgs]
        + rng.normal(0.0, model.respondents_year_sd, size=n_org)
    )
    n_resp = np.clip(np.round(np.exp(log_n)), spec.respondents_min, spec.respondents_max).astype(
        np.int64
    )
    n_break = rng.binomial(n_resp, spec.breakoff_rate)
    per_org = n_resp + n_break
    total = int(per_org.sum())
    row_org = np.repeat(np.arange(n_org), per_org)
    start = np.repeat(np.cumsum(per_org) - per_org, per_org)
    breakoff = (np.arange(total) - start) >= np.repeat(n_resp, per_org)
    role = rng.choice(len(ROLES), size=total, p=np.asarray(model.role_shares))
    sd = np.asarray(model.respondent_sd)
    e = _correlated_pairs(rng, total, sd, model.respondent_corr)
    v = rng.normal(0.0, model.category_sd, size=(total, n_cat))
    duplicated = ~breakoff & (rng.random(total) < spec.duplicate_rate)

    theta_rest = base[orgs] + wobble  # theta without the national year effect
    roles = _role_matrix(spec)
    person = theta_rest[row_org] + roles[role] + e  # (total, 2), without mu
    eta_rest = person[:, dim_of_category] + v  # (total, n_cat)

    # Calibrate mu per dimension on the genuine, final respondents: the organisation-level
    # national mean of expected scores at the simulated latents equals the target.
    valid = ~breakoff
    org_valid = row_org[valid]
    count = np.bincount(org_valid, minlength=n_org)
    mu: dict[str, float] = {}
    sample_expected: dict[str, float] = {}
    expected_rd = np.zeros((total, 2))
    for d, dim in enumerate(DIMENSIONS):
        calibration = _Calibration(eta_rest[valid], items, dim_of_category == d, org_valid, count)
        mu[dim] = calibration.solve(targets[dim])
        expected_rd[valid, d] = calibration.respondent(mu[dim])
        sample_expected[dim] = calibration.national(mu[dim])
    mu_vec = np.array([mu[d] for d in DIMENSIONS])
    eta = eta_rest + mu_vec[dim_of_category][None, :]

    # Answers (stream "answers", per year): ordered probit, reverse-keyed items written
    # reversed, then "Vet ej" and blanks.
    rng = _rng(spec.seed, "answers", year)
    k_items = len(items.ids)
    eta_items = eta[:, items.category]
    ystar = items.loading[None, :] * eta_items + items.noise_sd[None, :] * rng.standard_normal(
        (total, k_items)
    )
    y = 1 + (ystar[:, :, None] > items.thresholds[None, :, :]).sum(axis=2)
    y = np.where(items.reverse[None, :], 6 - y, y).astype(np.int8)
    p_dk = items.dont_know[None, :] + np.where(
        role[:, None] == ROLES.index("it"), 0.0, items.dont_know_teknik[None, :]
    )
    dk = rng.random((total, k_items)) < p_dk
    # Respondents who will submit twice leave nothing blank in their final submission, so
    # that "the latest complete submission" is the final one.
    blank = (rng.random((total, k_items)) < model.blank_rate) & ~dk & ~duplicated[:, None]
    answers = np.where(dk, DK, np.where(blank, BLANK, y)).astype(np.int8)
    # Break-offs: only the first k < half of the items, in questionnaire order.
    k_answered = rng.integers(1, (k_items - 1) // 2 + 1, size=total)
    cut = breakoff[:, None] & (np.arange(k_items)[None, :] >= k_answered[:, None])
    answers[cut] = BLANK

    # Mess (stream "mess", per year).
    rng = _rng(spec.seed, "mess", year)
    sub = _submissions(
        spec, year, rng, answers, row_org, orgs, role, breakoff, duplicated, items,
        register, domains, tokens_taken,
    )  # fmt: skip

    # Canonical responses: genuine final submissions, all instrument items.
    final = sub.loc[sub["kind"] == "response"].sort_values("_row")
    rows = final["_row"].to_numpy()
    all_ids = instrument.item_ids()
    item_values = {}
    for item in all_ids:
        if item in items.ids:
            col = answers[rows, items.ids.index(item)]
            item_values[item] = pd.arrays.IntegerArray(np.maximum(col, 0), mask=col <= 0)
        else:
            item_values[item] = pd.arrays.IntegerArray(
                np.zeros(len(rows), dtype=np.int8), mask=np.ones(len(rows), dtype=bool)
            )
    expected_rows = expected_rd[rows]
    canonical = pd.DataFrame(
        {
            "year": np.full(len(rows), year, dtype=np.int16),
            "org_id": register["org_id"].to_numpy()[orgs[row_org[rows]]],
            "submission_id": final["submission_id"].to_numpy(),
            "respondent_token": final["respondent_token"].to_numpy(),
            "role": np.asarray(ROLES, dtype=object)[role[rows]],
            "instrument_revision": np.full(len(rows), revision, dtype=np.int8),
            **item_values,
            "n_dont_know": (answers[rows] == DK).sum(axis=1).astype(np.int16),
            "n_blank": (answers[rows] == BLANK).sum(axis=1).astype(np.int16),
            "capability_latent": person[rows, 0] + mu_vec[0],
            "legacy_latent": person[rows, 1] + mu_vec[1],
            "expected_capability": expected_rows[:, 0],
            "expected_legacy": expected_rows[:, 1],
            "expected_maturity": expected_rows.mean(axis=1),
        }
    )
    theta = theta_rest + mu_vec[None, :]
    pop = _population_expected(theta, items, spec, dim_of_category)
    org_truth = pd.DataFrame(
        {
            "year": year,
            "org_id": register["org_id"].to_numpy()[orgs],
            "sector": register["sector"].to_numpy()[orgs],
            "org_type": register["org_type"].to_numpy()[orgs],
            "capability_latent": theta[:, 0],
            "legacy_latent": theta[:, 1],
            "expected_capability": pop[:, 0],
            "expected_legacy": pop[:, 1],
            "expected_maturity": pop.mean(axis=1),
            "respondents": n_resp,
        }
    )
    return _Year(
        canonical=canonical,
        submissions=sub.drop(columns="_row"),
        org_truth=org_truth,
        mu=mu,
        sample_expected=sample_expected,
    )


def _timestamps(
    rng: np.random.Generator, year: int, n: int, last_day_offset: int = 0
) -> np.ndarray:
    """Submission times in February-April: uniform days, office-hour-ish times of day."""
    first = np.datetime64(f"{year}-02-01T00:00:00", "s")
    days = int(
        (np.datetime64(f"{year}-05-01") - np.datetime64(f"{year}-02-01")) / np.timedelta64(1, "D")
    )
    day = rng.integers(0, days - last_day_offset, size=n)
    seconds = np.clip(rng.normal(11.5 * 3600, 2.5 * 3600, size=n), 6 * 3600, 22 * 3600 - 1)
    return first + (day * 86400 + seconds.astype(np.int64)).astype("timedelta64[s]")


def _submissions(
    spec: SynthSpec,
    year: int,
    rng: np.random.Generator,
    answers: np.ndarray,
    row_org: np.ndarray,
    orgs: np.ndarray,
    role: np.ndarray,
    breakoff: np.ndarray,
    duplicated: np.ndarray,
    items: _ItemSet,
    register: pd.DataFrame,
    domains: np.ndarray,
    tokens_taken: set[str],
) -> pd.DataFrame:
    """Every export row of a year, typed, with its kind, in export (shuffled) order."""
    total: int
    total, k_items = answers.shape
    n_org = len(orgs)
    # Identities of the genuine respondents.
    tokens = _hex_tokens(rng, total, tokens_taken)
    has_identity = rng.random(total) < spec.identity_rate
    first = rng.integers(0, len(_FIRST_NAMES), size=total)
    last = rng.integers(0, len(_LAST_NAMES), size=total)
    first_names = np.asarray(_FIRST_NAMES, dtype=object)[first]
    last_names = np.asarray(_LAST_NAMES, dtype=object)[last]
    names = np.where(has_identity, first_names + " " + last_names, "")
    first_ascii = np.array([_ascii(x).lower() for x in _FIRST_NAMES], dtype=object)
    last_ascii = np.array([_ascii(x).lower() for x in _LAST_NAMES], dtype=object)
    local = first_ascii[first] + "." + last_ascii[last]
    emails = np.where(has_identity, local + "@" + domains[orgs[row_org]], "")
    has_comment = rng.random(total) < spec.comment_rate
    comments = np.where(
        has_comment, np.asarray(_COMMENTS, dtype=object)[rng.integers(0, len(_COMMENTS), total)], ""
    )
    # Times: the final submission of a respondent who submitted twice comes 15 min to 5 days
    # after the first one.
    when = _timestamps(rng, year, total, last_day_offset=1)
    delay = rng.uniform(15 * 60, 5 * 86400, size=total).astype(np.int64).astype("timedelta64[s]")
    end = np.datetime64(f"{year}-04-30T23:59:59", "s")
    first_when = when.copy()
    when = np.where(duplicated, np.minimum(when + delay, end), when)
    duration = np.maximum(rng.lognormal(np.log(11.0), 0.45, size=total), 2.0)
    duration = np.where(
        breakoff, np.maximum(rng.lognormal(np.log(3.5), 0.5, size=total), 0.5), duration
    )

    genuine = pd.DataFrame(
        {
            "org": orgs[row_org],
            "role": np.asarray(ROLES, dtype=object)[role],
            "respondent_token": tokens,
            "submitted_at": when,
            "duration_minutes": np.round(duration, 1),
            "name": names,
            "email": emails,
            "comment": comments,
            "kind": np.where(breakoff, "breakoff", "response"),
            "_row": np.arange(total),
        }
    )
    answer_cols = list(items.ids)
    genuine_answers = answers

    # Earlier submissions of respondents who submitted twice: a break-off, or a complete
    # submission of which some answers changed before the final one.
    dup = np.flatnonzero(duplicated)
    early = answers[dup].copy()
    was_breakoff = rng.random(dup.size) < spec.duplicate_breakoff_share
    k_answered = rng.integers(1, (k_items - 1) // 2 + 1, size=dup.size)
    cut = was_breakoff[:, None] & (np.arange(k_items)[None, :] >= k_answered[:, None])
    early[cut] = BLANK
    change = ~was_breakoff[:, None] & (rng.random(early.shape) < spec.duplicate_changed_share)
    early[change] = rng.integers(1, 6, size=int(change.sum()))
    early_duration = np.where(
        was_breakoff,
        rng.lognormal(np.log(3.0), 0.5, size=dup.size),
        rng.lognormal(np.log(10.0), 0.45, size=dup.size),
    )
    superseded = genuine.iloc[dup].copy()
    superseded["submitted_at"] = first_when[dup]
    superseded["duration_minutes"] = np.round(np.maximum(early_duration, 0.5), 1)
    superseded["comment"] = ""
    superseded["kind"] = "superseded"
    superseded["_row"] = -1

    # Test responses by the key user in some organisation-years: random answers.
    n_test = np.where(rng.random(n_org) < spec.test_orgyear_rate, rng.integers(1, 3, size=n_org), 0)
    test_org = np.repeat(np.arange(n_org), n_test)
    t = test_org.size
    test_names = np.asarray(_TEST_NAMES, dtype=object)[rng.integers(0, len(_TEST_NAMES), t)]
    test_locals = np.asarray(_TEST_EMAIL_LOCALS, dtype=object)[
        rng.integers(0, len(_TEST_EMAIL_LOCALS), t)
    ]
    test_answers = rng.integers(0, 6, size=(t, k_items)).astype(np.int8)
    test_answers[test_answers == 0] = DK
    tests = pd.DataFrame(
        {
            "org": orgs[test_org],
            "role": np.asarray(ROLES, dtype=object)[rng.integers(0, len(ROLES), t)],
            "respondent_token": _hex_tokens(rng, t, tokens_taken),
            "submitted_at": _timestamps(rng, year, t),
            "duration_minutes": np.round(
                np.maximum(rng.lognormal(np.log(1.5), 0.5, size=t), 0.2), 1
            ),
            "name": test_names,
            "email": test_locals + "@" + domains[orgs[test_org]],
            "comment": _TEST_COMMENT,
            "kind": "test",
            "_row": -1,
        }
    )
    frame = pd.concat([genuine, superseded, tests], ignore_index=True)
    all_answers = np.vstack([genuine_answers, early, test_answers])

    # Submission ids: increasing with time (ties broken at random), with gaps; then the rows
    # are shuffled.
    n = len(frame)
    tiebreak = rng.random(n)
    order = np.lexsort((tiebreak, frame["submitted_at"].to_numpy()))
    ids = np.empty(n, dtype=np.int64)
    ids[order] = int(rng.integers(10_000, 90_000)) + np.cumsum(rng.integers(1, 4, size=n))
    frame.insert(0, "submission_id", ids)
    shuffle = rng.permutation(n)
    frame = frame.iloc[shuffle].reset_index(drop=True)
    all_answers = all_answers[shuffle]
    frame.insert(1, "year", np.int16(year))
    frame.insert(2, "org_id", register["org_id"].to_numpy()[frame.pop("org").to_numpy()])
    answers_frame = pd.DataFrame(all_answers, columns=answer_cols)
    return pd.concat([frame, answers_frame], axis=1)


# --- generation -------------------------------------------------------------------------


def org_level_national(responses: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Per year: mean over organisations of the mean over their respondents (%), from
    :func:`mognad.indices.scores.respondent_scores` on canonical responses."""
    scores = respondent_scores(responses, instrument)
    scores["year"] = responses["year"].to_numpy()
    scores["org_id"] = responses["org_id"].to_numpy()
    columns = ["capability", "legacy", "maturity"]
    return organisation_scores(scores, columns).groupby("year")[columns].mean()


def generate(spec: SynthSpec, instrument: Instrument, codebook: Codebook) -> SynthResult:
    """Generate register, panel, responses, export rows and truth for ``spec``."""
    missing = [y for y in spec.years if y not in codebook.years]
    if missing:
        raise ValueError(f"the codebook has no entry for {missing}")
    register, domains = make_register(spec)
    frame = make_frame(spec, register)
    base, z_size, propensity, org_info = _org_effects(spec, register)
    selection = base.mean(axis=1)
    selection_index = (selection - selection.mean()) / selection.std()
    panel_idx = _make_panel(spec, selection_index)
    item_sets, item_truth = _item_parameters(spec, instrument)
    intercept = _respondents_intercept(spec)
    categories = list(instrument.categories)
    dim_of_category = np.array(
        [DIMENSIONS.index(instrument.categories[c]["dimension"]) for c in categories]
    )
    tokens_taken: set[str] = set()
    years: dict[int, _Year] = {}
    for year in spec.years:
        revision = codebook.years[year].instrument_revision
        orgs = panel_idx.loc[panel_idx["year"] == year, "org"].to_numpy()
        years[year] = _simulate_year(
            spec, year, revision, item_sets[revision], orgs, base, z_size, propensity, intercept,
            register, domains, instrument, dim_of_category, tokens_taken,
        )  # fmt: skip
    responses = pd.concat([y.canonical for y in years.values()], ignore_index=True)
    org_latents = pd.concat([y.org_truth for y in years.values()], ignore_index=True)
    panel = pd.DataFrame(
        {
            "year": panel_idx["year"].to_numpy(),
            "org_id": register["org_id"].to_numpy()[panel_idx["org"].to_numpy()],
            "status": panel_idx["status"].to_numpy(),
        }
    )
    achieved = org_level_national(responses, instrument)
    scores = respondent_scores(responses, instrument)
    effects = _effects(
        spec, years, achieved, scores, responses, org_latents, item_truth, org_info, panel,
        base, register,
    )  # fmt: skip
    return SynthResult(
        spec=spec,
        instrument=instrument,
        codebook=codebook,
        register=register,
        frame=frame,
        panel=panel,
        org_latents=org_latents,
        responses=responses,
        submissions={year: y.submissions for year, y in years.items()},
        effects=effects,
    )


def _effects(
    spec: SynthSpec,
    years: dict[int, _Year],
    achieved: pd.DataFrame,
    scores: pd.DataFrame,
    responses: pd.DataFrame,
    org_latents: pd.DataFrame,
    item_truth: dict[str, Any],
    org_info: dict[str, Any],
    panel: pd.DataFrame,
    base: np.ndarray,
    register: pd.DataFrame,
) -> dict[str, Any]:
    model = spec.model
    icc = {}
    for year in spec.years:
        in_year = (responses["year"] == year).to_numpy()
        icc[str(year)] = icc1_icc2(
            scores["maturity"].to_numpy()[in_year], responses["org_id"].to_numpy()[in_year]
        )[0]
    counts = {}
    for year, y in years.items():
        kinds = y.submissions["kind"].value_counts()
        counts[str(year)] = {
            "organisations": len(y.org_truth),
            "responses": int(kinds.get("response", 0)),
            "superseded": int(kinds.get("superseded", 0)),
            "breakoff": int(kinds.get("breakoff", 0)),
            "test": int(kinds.get("test", 0)),
            "export_rows": len(y.submissions),
            "stayers": int(((panel["year"] == year) & (panel["status"] == "stayer")).sum()),
            "newcomers": int(((panel["year"] == year) & (panel["status"] == "newcomer")).sum()),
            "rejoiners": int(((panel["year"] == year) & (panel["status"] == "rejoiner")).sum()),
        }
    calibration = {}
    for year in spec.years:
        row = achieved.loc[year]
        calibration[str(year)] = {
            "target": spec.targets(year),
            "expected_at_sampled_latents": {
                **years[year].sample_expected,
                "maturity": float(np.mean(list(years[year].sample_expected.values()))),
            },
            "achieved": {c: float(row[c]) for c in ("capability", "legacy", "maturity")},
            "population_expected_participants": {
                c: float(org_latents.loc[org_latents["year"] == year, f"expected_{c}"].mean())
                for c in ("capability", "legacy", "maturity")
            },
        }
    spec_dict = asdict(spec)
    spec_dict.pop("model")
    return {
        "preset": spec.preset,
        "seed": spec.seed,
        "spec": {k: list(v) if isinstance(v, tuple) else v for k, v in spec_dict.items()},
        "model": "see docs/demo-data.md",
        "year_effects": {
            dim: {str(year): y.mu[dim] for year, y in years.items()} for dim in DIMENSIONS
        },
        "sector_effects": {
            s: {"capability": c, "legacy": leg} for s, c, leg in model.sector_effects
        },
        "size_effect": {
            "capability": model.size_effect[0],
            "legacy": model.size_effect[1],
            "log_employees_mean": org_info["log_employees_mean"],
        },
        "variance_components": {
            "org_sd": {"capability": model.org_sd[0], "legacy": model.org_sd[1]},
            "org_corr": model.org_corr,
            "org_year_wobble_sd": model.wobble_sd,
            "respondent_sd": {
                "capability": model.respondent_sd[0],
                "legacy": model.respondent_sd[1],
            },
            "respondent_corr": model.respondent_corr,
            "respondent_category_sd": model.category_sd,
        },
        "role_effects": {
            r: {"capability": c, "legacy": leg, "share": share}
            for (r, c, leg), share in zip(model.role_effects, model.role_shares, strict=True)
        },
        "selection": {
            "strength": spec.selection_strength,
            "index": "standardised mean over dimensions of sector + size + organisation effect",
            "stay_prob": spec.stay_prob,
            "stay_slope": spec.stay_slope,
            "rejoin_prob": spec.rejoin_prob,
        },
        "items": item_truth,
        "answers": {
            "base_thresholds": list(model.base_thresholds),
            "difficulty_sd": model.difficulty_sd,
            "reverse_shift": model.reverse_shift,
            "blank_rate": model.blank_rate,
        },
        "calibration": calibration,
        "icc1_maturity": icc,
        "counts": counts,
        "pool": {
            "organisations": len(register),
            "by_type": {t: int((register["org_type"] == t).sum()) for t in ORG_TYPES},
            "mean_latent_all": {
                "capability": float(base[:, 0].mean()),
                "legacy": float(base[:, 1].mean()),
            },
        },
    }


# --- rendering the exports --------------------------------------------------------------


def _spellings(spec: YearSpec) -> tuple[dict[int, str], dict[str, str]]:
    """How the codebook spells each answer (1-5, DK) and each role in a year's export."""
    answers = {
        DK if point is None else point: text for point, text in spec.answers.spelling().items()
    }
    missing = [r for r in ROLES if r not in spec.role_labels]
    if missing:
        raise ValueError(f"the codebook has no role label for {missing} in {spec.year}")
    return answers, dict(spec.role_labels)


def _variants(text: str) -> list[str]:
    """Spellings that normalise_label() maps back to ``text``: case and whitespace only."""
    doubled = text.replace(" ", "  ", 1) if " " in text else text + "  "
    return [text.lower(), text.upper(), text + " ", " " + text, doubled, "  " + text.title()]


def render_export(result: SynthResult, year: int, codebook: Codebook | None = None) -> pd.DataFrame:
    """A year's export exactly as written: codebook columns, spellings and mess.

    CSV years: every cell is text ("" = blank). XLSX years: typed cells (int, float,
    datetime, str; None = blank).
    """
    codebook = codebook or result.codebook
    spec = codebook.years[year]
    sub = result.submissions[year]
    rng = _rng(result.spec.seed, "render", year)
    answers, roles = _spellings(spec)
    n = len(sub)
    register = result.register.set_index("org_id")
    org_names = register.loc[sub["org_id"], "name"].to_numpy(dtype=object)
    is_csv = spec.format == "csv"
    columns: dict[str, Any] = {}
    meta = spec.columns
    for role_name, column in meta.items():
        if role_name == "submission_id":
            values = sub["submission_id"].to_numpy()
            columns[column] = values.astype(str).astype(object) if is_csv else values.astype(object)
        elif role_name == "respondent_token":
            columns[column] = sub["respondent_token"].to_numpy(dtype=object)
        elif role_name == "submitted_at":
            when = sub["submitted_at"]
            if is_csv:
                fmt = spec.submitted_at_format or "%Y-%m-%dT%H:%M:%S"
                columns[column] = when.dt.strftime(fmt).to_numpy(dtype=object)
            else:
                columns[column] = np.array(when.dt.to_pydatetime(), dtype=object)
        elif role_name == "organisation":
            if spec.organisation_match == "id":
                columns[column] = sub["org_id"].to_numpy(dtype=object)
            else:
                names = org_names.copy()
                vary = np.flatnonzero(rng.random(n) < result.spec.org_name_variant_rate)
                pick = rng.integers(0, 6, size=vary.size)
                names[vary] = [_variants(names[i])[p] for i, p in zip(vary, pick, strict=True)]
                columns[column] = names
            for extra in spec.ignore:
                columns[extra] = org_names.copy()
        elif role_name == "role":
            table = np.array([roles[r] for r in ROLES], dtype=object)
            columns[column] = table[pd.Index(ROLES).get_indexer(sub["role"])]
        elif role_name == "duration_minutes":
            values = sub["duration_minutes"].to_numpy(dtype=float)
            if is_csv:
                text = np.char.mod("%.1f", values).astype(object)
                if spec.decimal != ".":
                    text = np.char.replace(text.astype(str), ".", spec.decimal).astype(object)
                columns[column] = text
            else:
                columns[column] = values.astype(object)
        else:  # pragma: no cover - META_ROLES are all handled above
            raise ValueError(f"unknown meta column role {role_name!r}")
    for field_name, column in spec.personal.items():
        values = sub[field_name].to_numpy(dtype=object)
        columns[column] = values if is_csv else np.where(values == "", None, values)
    for extra in spec.ignore:
        columns.setdefault(extra, org_names.copy())
    # Items: the codebook's spelling of each answer; blank = "" (CSV) or no cell (XLSX).
    codes = (DK, BLANK, 1, 2, 3, 4, 5)
    if is_csv:
        spelled = np.array(["" if c == BLANK else answers[c] for c in codes], dtype=object)
    else:
        spelled = np.array(
            [None if c == BLANK else (int(answers[c]) if answers[c].isdigit() else answers[c])
             for c in codes],
            dtype=object,
        )  # fmt: skip
    lookup = np.zeros(7, dtype=np.int64)
    for i, c in enumerate(codes):
        lookup[c + 1] = i  # DK=-1 -> 0, BLANK=0 -> 1, 1..5 -> 2..6
    variants = None
    if is_csv and spec.answers.kind == "labels" and result.spec.label_variant_rate > 0:
        variants = {c: _variants(answers[c]) for c in codes if c != BLANK}
    for column, item in spec.items.items():
        raw = sub[item].to_numpy()
        cells = spelled[lookup[raw + 1]]
        if variants is not None:
            vary = np.flatnonzero((rng.random(n) < result.spec.label_variant_rate) & (raw != BLANK))
            pick = rng.integers(0, 6, size=vary.size)
            cells = cells.copy()
            cells[vary] = [variants[int(raw[i])][p] for i, p in zip(vary, pick, strict=True)]
        columns[column] = cells
    # dtype=object keeps the cells exactly as built (no string or datetime inference).
    return pd.DataFrame(columns, columns=_export_columns(spec), dtype=object)


def _export_columns(spec: YearSpec) -> list[str]:
    """Export column order: meta columns (ignored columns after the organisation), personal
    columns, items."""
    out: list[str] = []
    for role_name, column in spec.columns.items():
        out.append(column)
        if role_name == "organisation":
            out.extend(spec.ignore)
    out.extend(c for c in spec.ignore if c not in out)
    out.extend(spec.personal.values())
    out.extend(spec.items)
    return out


# --- writing ----------------------------------------------------------------------------


def _write_export_csv(frame: pd.DataFrame, spec: YearSpec, path: Path) -> None:
    with open(path, "w", encoding=spec.encoding, newline="", errors="strict") as handle:
        writer = csv.writer(
            handle,
            delimiter=spec.delimiter,
            lineterminator=EXPORT_LINE_TERMINATOR,
            quoting=csv.QUOTE_MINIMAL,
        )
        writer.writerow(frame.columns)
        writer.writerows(frame.itertuples(index=False, name=None))


def _write_export_xlsx(frame: pd.DataFrame, spec: YearSpec, path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    # A fixed creation date (the export day) makes the bytes reproducible.
    workbook.set_properties({"created": datetime(spec.year, 5, 2, 8, 0, 0)})
    sheet = workbook.add_worksheet(spec.sheet or "Sheet1")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    header_format = workbook.add_format({"bold": True})
    for j, name in enumerate(frame.columns):
        sheet.write_string(0, j, name, header_format)
    numeric = {spec.columns.get("submission_id"), spec.columns.get("duration_minutes")}
    if spec.answers.kind == "codes":
        numeric |= set(spec.items)
    dates = {spec.columns.get("submitted_at")}
    writers = []
    for j, column in enumerate(frame.columns):
        values = frame[column].tolist()
        if column in dates:
            writers.append((j, values, "date"))
        elif column in numeric:
            writers.append((j, [None if v is None else float(v) for v in values], "number"))
        else:
            writers.append((j, values, "string"))
    write_number, write_string, write_datetime = (
        sheet.write_number,
        sheet.write_string,
        sheet.write_datetime,
    )
    for i in range(len(frame)):
        row = i + 1
        for j, values, kind in writers:
            value = values[i]
            if value is None or value == "":
                continue
            if kind == "number":
                write_number(row, j, value)
            elif kind == "string":
                write_string(row, j, value)
            else:
                write_datetime(row, j, value, date_format)
    workbook.close()


def _write_own_csv(frame: pd.DataFrame, path: Path, float_format: str = "%.6f") -> None:
    text = frame.to_csv(index=False, lineterminator=OWN_LINE_TERMINATOR, float_format=float_format)
    path.write_bytes(text.encode("utf-8"))


def _round_floats(value: Any, digits: int = 10) -> Any:
    if isinstance(value, dict):
        return {str(k): _round_floats(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_round_floats(v, digits) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        rounded = round(float(value), digits)
        return 0.0 if rounded == 0 else rounded
    return value


def write_demo(
    result: SynthResult, codebook: Codebook, out_dir: str | Path, truth_dir: str | Path
) -> dict[str, Path]:
    """Write the register and each year's export to ``out_dir`` and the truth to
    ``truth_dir``; return the written paths."""
    out_dir, truth_dir = Path(out_dir), Path(truth_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    path = out_dir / "organisations.csv"
    _write_own_csv(result.register, path)
    written["organisations"] = path
    path = out_dir / "frame.csv"
    _write_own_csv(result.frame, path)
    written["frame"] = path
    for year in result.spec.years:
        spec = codebook.years[year]
        frame = render_export(result, year, codebook)
        path = out_dir / spec.file.name
        if spec.format == "csv":
            _write_export_csv(frame, spec, path)
        else:
            _write_export_xlsx(frame, spec, path)
        written[str(year)] = path
    latents = result.org_latents.drop(columns="respondents").sort_values(
        ["year", "org_id"], ignore_index=True
    )
    _write_own_csv(latents, truth_dir / "org_latents.csv")
    _write_own_csv(
        result.panel.sort_values(["year", "org_id"], ignore_index=True), truth_dir / "panel.csv"
    )
    mess = pd.concat(
        [
            s.loc[
                s["kind"] != "response",
                ["year", "submission_id", "org_id", "respondent_token", "kind"],
            ]
            for s in result.submissions.values()
        ],
        ignore_index=True,
    ).sort_values(["year", "submission_id"], ignore_index=True)
    _write_own_csv(mess, truth_dir / "mess.csv")
    text = json.dumps(_round_floats(result.effects), sort_keys=True, indent=2, ensure_ascii=False)
    (truth_dir / "effects.json").write_bytes((text + "\n").encode("utf-8"))
    for name in ("org_latents", "panel", "mess", "effects"):
        written[name] = truth_dir / (f"{name}.json" if name == "effects" else f"{name}.csv")
    return written


# --- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mognad.demo.synth",
        description="Generate the seeded synthetic survey exports and the planted truth.",
    )
    parser.add_argument("--preset", choices=["demo", "national"], default="demo")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", required=True, help="directory for the register and exports")
    parser.add_argument("--truth", required=True, help="directory for the planted truth")
    parser.add_argument("--instrument", default="data/codebook/instrument.yaml")
    parser.add_argument("--codebook", default="data/codebook/demo.yaml")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    instrument = load_instrument(args.instrument)
    codebook = load_codebook(args.codebook, instrument, args.out)
    spec = SynthSpec.demo(args.seed) if args.preset == "demo" else SynthSpec.national(args.seed)
    result = generate(spec, instrument, codebook)
    generated = time.perf_counter()
    write_demo(result, codebook, args.out, args.truth)
    done = time.perf_counter()
    calibration = result.effects["calibration"]
    achieved = ", ".join(
        f"{y}: {calibration[str(y)]['achieved']['maturity']:.1f}" for y in spec.years
    )
    print(
        f"{spec.preset} (seed {spec.seed}): {len(result.register)} organisations, "
        f"{len(result.responses)} responses, "
        f"{sum(len(s) for s in result.submissions.values())} export rows; "
        f"generated in {generated - started:.1f} s, written in {done - generated:.1f} s.\n"
        f"Organisation-level national maturity (%): {achieved}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
