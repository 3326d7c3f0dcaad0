"""The benchmark's 40 indicators: the demo's five, and 35 more of the kinds municipalities report.

Each spec holds the Indicator fields and `sample`: the per-inhabitant (or direct) figure's low and high
level across municipalities and its yearly drift, from which the invented values are drawn.
"""

from decimal import Decimal

from demo.data import INDICATORS as DEMO_INDICATORS

BENCH_SOURCE = "Benchmark-data (oppdiktet)"

# (code, name_nb, name_nn, name_en, unit, amount_unit or "" for direct, factor, direction, bottom line,
#  source, (low, high, yearly drift))
_MORE = [
    ("utslipp-veitrafikk", "Klimagassutslipp fra veitrafikk per innbygger", "Klimagassutslepp frå vegtrafikk per innbyggjar",
     "Greenhouse-gas emissions from road traffic per inhabitant", "tonnes_co2e", "tonnes_co2e", 1, "lower", "ecological",
     "Miljødirektoratet", (0.6, 3.0, -0.04)),
    ("utslipp-jordbruk", "Klimagassutslipp fra jordbruk per innbygger", "Klimagassutslepp frå jordbruk per innbyggjar",
     "Greenhouse-gas emissions from agriculture per inhabitant", "tonnes_co2e", "tonnes_co2e", 1, "lower", "ecological",
     "Miljødirektoratet", (0.1, 6.0, -0.02)),
    ("utslipp-oppvarming", "Klimagassutslipp fra oppvarming per innbygger", "Klimagassutslepp frå oppvarming per innbyggjar",
     "Greenhouse-gas emissions from heating per inhabitant", "tonnes_co2e", "tonnes_co2e", 1, "lower", "ecological",
     "Miljødirektoratet", (0.02, 0.5, -0.01)),
    ("restavfall", "Restavfall per innbygger", "Restavfall per innbyggjar", "Residual waste per inhabitant", "kg", "tonnes",
     1000, "lower", "ecological", "SSB, tabell 12313", (150, 300, -3)),
    ("matavfall", "Utsortert matavfall per innbygger", "Utsortert matavfall per innbyggjar",
     "Separated food waste per inhabitant", "kg", "tonnes", 1000, "higher", "ecological", "SSB, tabell 12313",
     (20, 70, 1)),
    ("plastavfall", "Utsortert plastemballasje per innbygger", "Utsortert plastemballasje per innbyggjar",
     "Separated plastic packaging per inhabitant", "kg", "tonnes", 1000, "higher", "ecological", "SSB, tabell 12313",
     (5, 20, 0.3)),
    ("driftsutgifter-kultur", "Netto driftsutgifter til kultur per innbygger", "Netto driftsutgifter til kultur per innbyggjar",
     "Net operating expenses for culture per inhabitant", "nok_1000", "nok_1000", 1, "neutral", "social",
     "SSB, KOSTRA tabell 12367", (1.5, 4.0, 0.05)),
    ("driftsutgifter-miljo", "Netto driftsutgifter til natur og nærmiljø per innbygger",
     "Netto driftsutgifter til natur og nærmiljø per innbyggjar", "Net operating expenses for nature per inhabitant",
     "nok_1000", "nok_1000", 1, "neutral", "ecological", "SSB, KOSTRA tabell 12362", (0.3, 1.5, 0.02)),
    ("investeringer", "Brutto investeringsutgifter per innbygger", "Brutto investeringsutgifter per innbyggjar",
     "Gross investment expenses per inhabitant", "nok_1000", "nok_1000", 1, "neutral", "economic",
     "SSB, KOSTRA tabell 12134", (5, 25, 0.3)),
    ("lanegjeld", "Netto lånegjeld per innbygger", "Netto lånegjeld per innbyggjar", "Net debt per inhabitant",
     "nok_1000", "nok_1000", 1, "lower", "economic", "SSB, KOSTRA tabell 12134", (40, 120, 1.5)),
    ("friluftsareal", "Friluftsareal per innbygger", "Friluftsareal per innbyggjar", "Recreation area per inhabitant",
     "m2", "km2", 1_000_000, "higher", "social", "SSB, tabell 09579", (100, 5000, -10)),
    ("omdisponert-dyrka-jord", "Omdisponert dyrka jord per innbygger", "Omdisponert dyrka jord per innbyggjar",
     "Cultivated land rezoned per inhabitant", "m2", "km2", 1_000_000, "lower", "ecological", "SSB, tabell 09594",
     (0.2, 5.0, -0.05)),
    ("nedbygd-natur", "Nedbygd naturareal per innbygger", "Nedbygd naturareal per innbyggjar",
     "Natural land built on per inhabitant", "m2", "km2", 1_000_000, "lower", "ecological", "SSB, tabell 09594",
     (1, 20, -0.2)),
    ("formalsbygg-areal", "Areal kommunale formålsbygg per innbygger", "Areal kommunale føremålsbygg per innbyggjar",
     "Municipal building floor area per inhabitant", "m2", "m2", 1, "lower", "economic", "SSB, KOSTRA tabell 12371",
     (4, 8, 0.02)),
    ("ladepunkt", "Offentlige ladepunkt per 1000 innbyggere", "Offentlege ladepunkt per 1000 innbyggjarar",
     "Public charging points per 1 000 inhabitants", "count", "count", 1000, "higher", "ecological", "Nobil",
     (0.2, 5.0, 0.25)),
    ("nye-boliger", "Nye boliger per 1000 innbyggere", "Nye bustader per 1000 innbyggjarar",
     "New dwellings per 1 000 inhabitants", "count", "count", 1000, "neutral", "economic", "SSB, tabell 05940",
     (1, 10, 0.05)),
    ("elbilandel", "Andel elbiler i personbilparken", "Del elbilar i personbilparken",
     "Share of electric cars in the car fleet", "percent", "", 1, "higher", "ecological", "SSB, tabell 07849",
     (1, 35, 1.4)),
    ("kollektivandel", "Andel reiser med kollektivtransport", "Del reiser med kollektivtransport",
     "Share of trips by public transport", "percent", "", 1, "higher", "ecological", "Reisevaneundersøkelsen",
     (2, 30, 0.3)),
    ("sykkelandel", "Andel reiser med sykkel", "Del reiser med sykkel", "Share of trips by bicycle", "percent", "", 1,
     "higher", "ecological", "Reisevaneundersøkelsen", (2, 15, 0.2)),
    ("fornybar-energi", "Andel fornybar energi i kommunale bygg", "Del fornybar energi i kommunale bygg",
     "Share of renewable energy in municipal buildings", "percent", "", 1, "higher", "ecological", "Kommunens energiregnskap",
     (40, 95, 1.0)),
    ("fullfort-vgs", "Andel som fullfører videregående opplæring", "Del som fullfører vidaregåande opplæring",
     "Share completing upper secondary education", "percent", "", 1, "higher", "social", "SSB, tabell 12971",
     (60, 90, 0.4)),
    ("sysselsetting", "Sysselsatte 20–66 år", "Sysselsette 20–66 år", "Employed aged 20–66", "percent", "", 1, "higher",
     "economic", "SSB, tabell 11618", (70, 85, 0.1)),
    ("uforetrygdede", "Uføretrygdede 18–66 år", "Uføretrygda 18–66 år", "Disability pensioners aged 18–66", "percent",
     "", 1, "lower", "social", "SSB, tabell 11715", (5, 18, 0.05)),
    ("lavinntekt", "Barn i husholdninger med lavinntekt", "Born i hushald med låginntekt",
     "Children in low-income households", "percent", "", 1, "lower", "social", "SSB, tabell 08764", (5, 20, 0.15)),
    ("trivsel", "Elever som trives på skolen, 7. trinn", "Elevar som trivst på skulen, 7. trinn",
     "Pupils who thrive at school, year 7", "percent", "", 1, "higher", "social", "Udir, Elevundersøkelsen",
     (80, 95, 0.1)),
    ("frivillige-lag", "Frivillige lag og foreninger", "Frivillige lag og foreiningar",
     "Voluntary clubs and associations", "count", "", 1, "higher", "social", "Frivillighetsregisteret",
     (10, 300, 2)),
    ("bredband", "Husstander med høyhastighetsbredbånd", "Hushald med høgfarts breiband",
     "Households with high-speed broadband", "percent", "", 1, "higher", "economic", "Nkom", (40, 99, 2.0)),
    ("vannlekkasje", "Lekkasje fra vannledningsnettet", "Lekkasje frå vassleidningsnettet",
     "Leakage from the water mains", "percent", "", 1, "lower", "ecological", "SSB, KOSTRA tabell 12305",
     (10, 40, -0.3)),
    ("avlop-rensing", "Innbyggere tilknyttet avløpsanlegg som oppfyller rensekrav",
     "Innbyggjarar knytte til avløpsanlegg som oppfyller reinsekrav",
     "Inhabitants connected to compliant sewage treatment", "percent", "", 1, "higher", "ecological",
     "SSB, tabell 12385", (50, 100, 0.5)),
    ("kommunale-boliger", "Kommunalt disponerte boliger", "Kommunalt disponerte bustader",
     "Dwellings at the municipality's disposal", "count", "", 1, "neutral", "social", "SSB, KOSTRA tabell 12660",
     (20, 500, 1)),
    ("nyetableringer", "Nyetablerte foretak", "Nyetablerte føretak", "Newly established enterprises", "count", "", 1,
     "higher", "economic", "SSB, tabell 09028", (10, 300, 2)),
    ("netto-driftsresultat", "Netto driftsresultat i prosent av driftsinntektene",
     "Netto driftsresultat i prosent av driftsinntektene", "Net operating result as a share of operating income",
     "percent", "", 1, "higher", "economic", "SSB, KOSTRA tabell 12134", (-1, 5, 0.02)),
    ("disposisjonsfond", "Disposisjonsfond i prosent av driftsinntektene",
     "Disposisjonsfond i prosent av driftsinntektene", "Unrestricted reserves as a share of operating income",
     "percent", "", 1, "higher", "economic", "SSB, KOSTRA tabell 12134", (2, 20, 0.2)),
    ("vernet-areal", "Andel vernet areal", "Del verna areal", "Share of protected land", "percent", "", 1, "higher",
     "ecological", "Miljødirektoratet, Naturbase", (0, 40, 0.1)),
    ("barnehagedekning", "Barn 1–5 år i barnehage", "Born 1–5 år i barnehage", "Children aged 1–5 in kindergarten",
     "percent", "", 1, "higher", "social", "SSB, KOSTRA tabell 12562", (75, 97, 0.4)),
]  # fmt: skip


def _spec(row) -> dict:
    code, nb, nn, en, unit, amount_unit, factor, direction, bottom_line, source, sample = row
    return {
        "code": code,
        "name_nb": nb,
        "name_nn": nn,
        "name_en": en,
        "description_nb": f"{nb}. Oppdiktede tall for ytelsestesten.",
        "description_en": f"{en}. Invented figures for the benchmark.",
        "unit": unit,
        "computation": "per_inhabitant" if amount_unit else "direct",
        "amount_unit": amount_unit,
        "per_inhabitant_factor": Decimal(factor),
        "direction": direction,
        "bottom_line": bottom_line,
        "source": source,
        "sample": sample,
    }


SPECS: list[dict] = [dict(spec) for spec in DEMO_INDICATORS] + [_spec(row) for row in _MORE]
for _order, _spec_fields in enumerate(SPECS, start=1):
    _spec_fields["order"] = _order * 10
if len(SPECS) != 40:
    raise RuntimeError(f"The benchmark defines 40 indicators, not {len(SPECS)}.")
