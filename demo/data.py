"""The demo's data as plain values: the network's members, the indicators with their sample figures, the accounts
and their roles. `load_demo` loads them; the benchmark builds its national data set from the same definitions."""

import datetime
from decimal import Decimal
from pathlib import Path

from indicators.models import LanguageForm, Role

DATA = Path(__file__).resolve().parent.parent / "indicators" / "data"
DEMO_PASSWORD = "livskraft-demo"  # noqa: S105  (published in the README; demo accounts only)
# (name, number in force on 1 January 2009, language form, the membership passes to the successor)
MEMBERS = [
    ("Kongsberg", "0604", LanguageForm.BOKMAL),
    ("Øvre Eiker", "0624", LanguageForm.BOKMAL),
    ("Nittedal", "0233", LanguageForm.BOKMAL),
    ("Rana", "1833", LanguageForm.BOKMAL),
    ("Norddal", "1524", LanguageForm.NYNORSK),
    ("Masfjorden", "1266", LanguageForm.NYNORSK),
    ("Oslo", "0301", LanguageForm.BOKMAL),
]
NETWORK_JOINED = datetime.date(2009, 1, 1)
NYNORSK_NUMBERS = ["1524", "1526", "1578", "1266"]  # Norddal, Stordal, Fjord, Masfjorden
# The years the SSB files in data/ssb hold a population for; sample values use the same years
# so that every per-inhabitant figure rests on a real population.
SAMPLE_YEARS = [2010, 2011, 2012, 2013, 2014, 2020, 2021, 2023]
SAMPLE_SOURCE = "Eksempeldata (oppdiktet for demonstrasjon)"

INDICATORS = [
    {
        "code": "husholdningsavfall",
        "plausible_min": Decimal("150"),
        "plausible_max": Decimal("900"),
        "name_nb": "Husholdningsavfall per innbygger",
        "name_nn": "Hushaldsavfall per innbyggjar",
        "name_en": "Household waste per inhabitant",
        "description_nb": "Mengde husholdningsavfall samlet inn, delt på folkemengden.",
        "description_nn": "Mengda hushaldsavfall samla inn, delt på folketalet.",
        "description_en": "Household waste collected, divided by the population.",
        "unit": "kg",
        "computation": "per_inhabitant",
        "amount_unit": "tonnes",
        "per_inhabitant_factor": Decimal(1000),
        "direction": "lower",
        "bottom_line": "ecological",
        "source": "SSB, KOSTRA tabell 12241 (tonn: 13136)",
        "source_url": "https://www.ssb.no/statbank/table/12241",
        "order": 10,
        "sample": (380, 480, -4),  # per inhabitant: low, high, yearly drift
    },
    {
        "code": "klimagassutslipp",
        "plausible_min": Decimal("0.5"),
        "plausible_max": Decimal("30"),
        "name_nb": "Klimagassutslipp per innbygger",
        "name_nn": "Klimagassutslepp per innbyggjar",
        "name_en": "Greenhouse-gas emissions per inhabitant",
        "description_nb": "Direkte utslipp i kommunen fra ni sektorer, delt på folkemengden.",
        "description_nn": "Direkte utslepp i kommunen frå ni sektorar, delt på folketalet.",
        "description_en": "Direct emissions in the municipality from nine sectors, divided by the population.",
        "unit": "tonnes_co2e",
        "computation": "per_inhabitant",
        "amount_unit": "tonnes_co2e",
        "per_inhabitant_factor": Decimal(1),
        "direction": "lower",
        "bottom_line": "ecological",
        "source": "Miljødirektoratet, Klimagassutslipp i kommuner",
        "source_url": "https://www.miljodirektoratet.no/tjenester/klimagassutslipp-kommuner/",
        "order": 20,
        "sample": (2.5, 9.0, -0.08),
    },
    {
        "code": "arealbruk",
        "plausible_min": Decimal("50"),
        "plausible_max": Decimal("5000"),
        "name_nb": "Bebygd areal per innbygger",
        "name_nn": "Bygd areal per innbyggjar",
        "name_en": "Built-up land per inhabitant",
        "description_nb": "Areal brukt til utbyggingsformål, delt på folkemengden.",
        "description_nn": "Areal brukt til utbyggingsføremål, delt på folketalet.",
        "description_en": "Land used for development, divided by the population.",
        "unit": "m2",
        "computation": "per_inhabitant",
        "amount_unit": "km2",
        "per_inhabitant_factor": Decimal(1_000_000),
        "direction": "lower",
        "bottom_line": "ecological",
        "source": "SSB, tabell 09594",
        "source_url": "https://www.ssb.no/statbank/table/09594",
        "order": 30,
        "sample": (350, 1100, 3),
    },
    {
        "code": "miljofyrtarn",
        "plausible_min": Decimal("0"),
        "plausible_max": Decimal("2000"),
        "name_nb": "Miljøfyrtårn-sertifiserte virksomheter",
        "name_nn": "Miljøfyrtårn-sertifiserte verksemder",
        "name_en": "Eco-Lighthouse certified businesses",
        "description_nb": "Antall private virksomheter i kommunen med gyldig Miljøfyrtårn-sertifikat.",
        "description_nn": "Talet på private verksemder i kommunen med gyldig Miljøfyrtårn-sertifikat.",
        "description_en": "Private businesses in the municipality holding a valid Eco-Lighthouse certificate.",
        "unit": "count",
        "computation": "direct",
        "amount_unit": "",
        "per_inhabitant_factor": Decimal(1),
        "direction": "higher",
        "bottom_line": "economic",
        "source": "Miljøfyrtårn-registeret",
        "source_url": "https://www.miljofyrtarn.no/",
        "order": 40,
        "sample": (5, 40, 3),
    },
    {
        "code": "skoler-naer-friluftsomrade",
        "plausible_min": Decimal("0"),
        "plausible_max": Decimal("100"),
        "name_nb": "Skoler og barnehager nær friluftsområder",
        "name_nn": "Skular og barnehagar nær friluftsområde",
        "name_en": "Schools and kindergartens near recreation areas",
        "description_nb": "Andel skoler og barnehager med trygg tilgang til nærturterreng.",
        "description_nn": "Del skular og barnehagar med trygg tilgang til nærturterreng.",
        "description_en": "Share of schools and kindergartens with safe access to nearby recreation areas.",
        "unit": "percent",
        "computation": "direct",
        "amount_unit": "",
        "per_inhabitant_factor": Decimal(1),
        "direction": "higher",
        "bottom_line": "social",
        "source": "SSB, tabell 09579",
        "source_url": "https://www.ssb.no/statbank/table/09579",
        "order": 50,
        "sample": (55, 90, 0.8),
    },
]

USERS = [
    ("planlegger-kongsberg", "Planlegger", "Kongsberg"),
    ("godkjenner-kongsberg", "Godkjenner", "Kongsberg"),
    ("planlegger-masfjorden", "Planleggjar", "Masfjorden"),
    ("planlegger-rana", "Planlegger", "Rana"),
    ("planlegger-oslo", "Planlegger", "Oslo"),
    ("politiker", "Politiker", "Kongsberg"),
    ("godkjenner-rana", "Godkjenner", "Rana"),
    ("koordinator", "Koordinator", "Nettverket"),
]
# Who does what in the reporting round: (user, municipality number, role).
ROLES = [
    ("planlegger-rana", "1833", Role.PLANNER),
    ("godkjenner-rana", "1833", Role.APPROVER),
    ("planlegger-oslo", "0301", Role.PLANNER),
    ("politiker", "3303", Role.READER),
    ("planlegger-kongsberg", "3303", Role.PLANNER),
    ("godkjenner-kongsberg", "3303", Role.APPROVER),
    ("planlegger-masfjorden", "4634", Role.PLANNER),
    ("planlegger-masfjorden", "4634", Role.APPROVER),
]
EXAMPLE_NOTE = "*Eksempeltekst, skrevet for demonstrasjon av portalen.*"
