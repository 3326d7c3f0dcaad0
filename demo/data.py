"""The demo's data as plain values: the network's members, the indicators with their sample figures, the real
series and where they come from, Kongsberg's plan chain from the seed article, the accounts and their roles.
`load_demo` loads them; the benchmark builds its national data set from the same definitions."""

import datetime
from decimal import Decimal
from pathlib import Path

from indicators.importers.miljodir import sector_code
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
        "description_nb": "Direkte utslipp i kommunen fra alle sektorene i Miljødirektoratets klimagassregnskap "
        "for kommuner (veitrafikk, oppvarming, sjøfart, jordbruk, avfall og avløp m.fl.), delt på folkemengden.",
        "description_nn": "Direkte utslepp i kommunen frå alle sektorane i Miljødirektoratet sitt klimagassrekneskap "
        "for kommunar (vegtrafikk, oppvarming, sjøfart, jordbruk, avfall og avløp m.fl.), delt på folketalet.",
        "description_en": "Direct emissions in the municipality from every sector of the Norwegian Environment "
        "Agency's municipal greenhouse-gas accounts (road traffic, heating, shipping, agriculture, waste and more), "
        "divided by the population.",
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
        "plausible_max": Decimal("15000"),  # SSB's figures for 2020–2021 run from 179 (Oslo) to 10 925 (Bykle)
        "name_nb": "Bebygd areal per innbygger",
        "name_nn": "Bygd areal per innbyggjar",
        "name_en": "Built-up land per inhabitant",
        "description_nb": "Bebygd areal i SSBs arealstatistikk (summen av de elleve klassene for bebygd areal: "
        "bolig, næring, transport, skole, idrett og andre utbyggingsformål), delt på folkemengden.",
        "description_nn": "Bygd areal i arealstatistikken til SSB (summen av dei elleve klassane for bygd areal: "
        "bustad, næring, transport, skule, idrett og andre utbyggingsføremål), delt på folketalet.",
        "description_en": "Built-up land in Statistics Norway's land-use statistics (the sum of its eleven built-up "
        "classes: housing, business, transport, schools, sports and other development), divided by the population.",
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
    ("godkjenner-oslo", "Godkjenner", "Oslo"),
    ("koordinator", "Koordinator", "Nettverket"),
]
# Who does what in the reporting round: (user, municipality number, role).
ROLES = [
    ("planlegger-rana", "1833", Role.PLANNER),
    ("godkjenner-rana", "1833", Role.APPROVER),
    ("planlegger-oslo", "0301", Role.PLANNER),
    ("godkjenner-oslo", "0301", Role.APPROVER),
    ("politiker", "3303", Role.READER),
    ("planlegger-kongsberg", "3303", Role.PLANNER),
    ("godkjenner-kongsberg", "3303", Role.APPROVER),
    ("planlegger-masfjorden", "4634", Role.PLANNER),
    ("planlegger-masfjorden", "4634", Role.APPROVER),
]
EXAMPLE_NOTE = "*Eksempeltekst, skrevet for demonstrasjon av portalen.*"

# The demo's KOSTRA groups are examples: no file of SSB's grouping (KLASS 112) ships with the portal, so the demo
# groups today's municipalities by their latest population alone. SSB's groups also weigh bound costs and free
# disposable income. Loading SSB's file (Rapportering → "Last inn KOSTRA-gruppene fra KLASS") replaces them.
# (first number of inhabitants, code, name); Oslo and the three next largest cities have groups of their own.
EXAMPLE_PEER_GROUPS = [
    (0, "EKG01", "Eksempelgruppe 1: små kommuner (under 5 000 innbyggere)"),
    (5_000, "EKG08", "Eksempelgruppe 8: mellomstore kommuner (5 000–19 999 innbyggere)"),
    (20_000, "EKG13", "Eksempelgruppe 13: store kommuner utenom de fire største byene"),
]
EXAMPLE_CITY_GROUPS = {
    "0301": ("EKG16", "Eksempelgruppe 16: Oslo"),
    "4601": ("EKG14", "Eksempelgruppe 14: Bergen, Trondheim og Stavanger"),
    "5001": ("EKG14", "Eksempelgruppe 14: Bergen, Trondheim og Stavanger"),
    "1103": ("EKG14", "Eksempelgruppe 14: Bergen, Trondheim og Stavanger"),
}
# From the first year of the real built-up area series, so that every year shown is compared in the same groups.
EXAMPLE_PEER_GROUPS_FROM = datetime.date(2017, 1, 1)
EXAMPLE_PEER_GROUPS_SOURCE = "Eksempel: gruppert etter folketall alene, ikke SSBs KOSTRA-grupper"

# Real figures: demo/real/figures.csv (see demo/real/SOURCES.md). Each series of the file is loaded into one of the
# indicators above as official statistics, with the source's credit in the value's source text (at most
# indicators.models.SOURCE_LENGTH characters; {file} is the row's source_file). Where the file gives a figure per
# inhabitant and the indicator stores the total ("per_inhabitant": True), the total is the figure times the
# population on 1 January divided by the indicator's factor, so the portal shows the source's own figure.
REAL_FILE = Path(__file__).resolve().parent / "real" / "figures.csv"
SSB_CREDIT = "Kilde: Statistisk sentralbyrå (CC BY 4.0)"
MILJODIR_CREDIT = "Kilde: Miljødirektoratet"
REAL_SERIES = {
    "builtup_area_km2": {
        "indicator": "arealbruk",
        "unit": "km²",
        "per_inhabitant": False,
        "source": "SSB tabell 09594, bebygd areal (sum av de 11 klassene for bebygd areal, 2024-inndeling), "
        "summert av NINA: github NINAnor/arealbruksscenarier@2c89e66, {file}. " + SSB_CREDIT,
    },
    "ghg_emissions_total": {
        "indicator": "klimagassutslipp",
        "unit": "tonn CO2-ekvivalenter",
        "per_inhabitant": False,
        "source": "Miljødirektoratet, Klimagassutslipp i kommuner, datasett Oslo (sum av 10 sektorer): "
        "github aroyne/NullutslippOslo@81dde13, {file}. " + MILJODIR_CREDIT,
    },
    "household_waste_kg_per_inhabitant": {
        "indicator": "husholdningsavfall",
        "unit": "kg per innbygger",
        "per_inhabitant": True,
        "source": "SSB, Avfall frå hushalda (KOSTRA), arkivert tabell {file}: kg per innbygger, lagret som tonn "
        "= kg × folkemengde 1. januar (SSB 07459) / 1000. " + SSB_CREDIT,
    },
}
# Oslo's emissions by sector, as Miljødirektoratet names the sectors: each goes to klimagassutslipp-<sector>, the
# indicator Miljødirektoratet's import writes it to (indicators.importers.miljodir.sector_code()).
EMISSION_SECTORS = [
    "Industri, olje og gass",
    "Energiforsyning",
    "Oppvarming",
    "Veitrafikk",
    "Sjøfart",
    "Luftfart",
    "Annen mobil forbrenning",
    "Jordbruk",
    "Avfall og avløp",
    "produkter med fluorgasser",
]
REAL_SERIES |= {
    f"ghg_emissions_by_sector|{sector}": {
        "indicator": sector_code(sector),
        "unit": "tonn CO2-ekvivalenter",
        "per_inhabitant": False,
        "source": f"Miljødirektoratet, Klimagassutslipp i kommuner, datasett Oslo, sektor {sector}: "
        "github aroyne/NullutslippOslo@81dde13, {file}. " + MILJODIR_CREDIT,
    }
    for sector in EMISSION_SECTORS
}
REAL_REASON = "Offisiell statistikk lastet av load_demo fra demo/real/figures.csv"

# Kongsberg's plan chain, from the seed article ("Overordnet planlegging og samfunnsutvikling", Livskraftige
# kommuner, September 2009): the kommuneplan's focus areas and goals in its own words, carried into the
# økonomiplan/handlingsprogram (indicators from 2009), the årsbudsjett, the miljøplan, zoning plans and the annual
# report. What the article does not give (dates, case numbers, periods, amounts, some goals) is illustrative and
# says so in the data.
ILLUSTRATIVE_DECISION = "Illustrativ: dato og saksnummer er ikke oppgitt i artikkelen"
KONGSBERG_FOCUS_AREAS = [
    ("a", "Natur, miljø og bærekraftig utvikling", ""),
    ("b", "Vekst, attraktivitet og næringsutvikling", "Artikkelen nevner ingen målsettinger under dette "
     "innsatsområdet."),
    ("c", "Kommunale tjenester / livskvalitet og levekår, med vekt på barn og unges oppvekstmiljø",
     "Artikkelen nevner ingen målsettinger under dette innsatsområdet; målet under er illustrativt."),
]  # fmt: skip
# (focus area, order, goal, indicator, measure): goals 1 and 2 are the article's.
KONGSBERG_GOALS = [
    ("a", 1, "Kongsberg skal ha et næringsliv og innbyggere som er miljøbevisste i forhold til egen praksis og egne "
     "handlinger", "miljofyrtarn", {"target_year": 2012, "direction": "higher"}),
    ("a", 2, "Arealforbruk pr. innbygger til utbyggingsformål skal reduseres", "arealbruk", {"direction": "lower"}),
    ("c", 1, "Flere skoler og barnehager skal ha trygg tilgang til friluftsområder (illustrativt mål)",
     "skoler-naer-friluftsomrade", {"direction": "higher"}),
]  # fmt: skip
# The økonomiplan's goal under (a): the article's next step from goal 1, measured by Miljøfyrtårn certificates.
KONGSBERG_BUSINESS_GOAL = (
    "Stimulere private virksomheter til å etablere godkjent miljøledelsessystem: innen 2012 er målet å sertifisere "
    "alle virksomheter i kommunen"
)
KONGSBERG_PROJECT = {
    "title": "Indikatorer i hele styringssystemet",
    "description": "«Vi har satt ned et prosjekt for innføring av indikatorer i hele styringssystemet», forteller "
    "kommuneplanlegger Ingebjørg Trandum; prosjektet skal implementeres ved neste budsjettkorsvei. Strategiske "
    "prosjekter knyttet til satsingsområdene i kommuneplanen omfatter flere tjenesteområder, initieres av rådmannen "
    "og vedtas i budsjettet/handlingsprogrammet. Ansvarlig enhet og tjenesteområder er illustrative.",
    "responsible_unit": "Rådmannens stab",
    "service_areas": "Plan, Økonomi, Oppvekst, Helse og omsorg",
    "first_budget_year": 2009,
    "last_budget_year": 2012,
}
KONGSBERG_ENVIRONMENT_PLAN = (
    "«Vi har en miljøplan med indikatorer for temaene vi fokuserer på; avfallsmengder, klimagassutslipp pr "
    "innbygger, antall skoler/barnehager med nærhet til friluftsområder, m.fl.» (kommuneplanlegger Trandum). Planperioden og "
    "målformuleringene under er illustrative."
)
# (order, goal, indicator, direction) of the miljøplan: the article's three themes, worded as illustrative goals.
KONGSBERG_ENVIRONMENT_GOALS = [
    (1, "Mindre avfall per innbygger (illustrativ målformulering)", "husholdningsavfall", "lower"),
    (2, "Lavere klimagassutslipp per innbygger (illustrativ målformulering)", "klimagassutslipp", "lower"),
    (3, "Flere skoler og barnehager nær friluftsområder (illustrativ målformulering)", "skoler-naer-friluftsomrade",
     "higher"),
]  # fmt: skip
# Illustrative budget for 2009 by focus area (a, b, c), NOK 1 000: adopted, accounts.
KONGSBERG_BUDGET_2009 = {"a": (4200, 4050), "b": (6800, 7010), "c": (15300, 15120)}
KONGSBERG_BUDGET_SOURCE = "Eksempeltall: illustrative beløp, ikke Kongsbergs budsjett"

# Oslo's climate budget (klimabudsjett), built on Miljødirektoratet's real figures 2009–2024. The target is Oslo's own
# (a 95 per cent cut from 2009 by 2030, Klimastrategi for Oslo mot 2030); the interim target, the frames, the
# reference paths, the measures, their cuts, costs and statuses are examples, computed or invented by load_demo.
OSLO_CLIMATE = {
    "reference_year": 2009,
    "target_year": 2030,
    "target_percent": 95,
    "interim": [(2026, 52)],
    "method_note": (
        "*Eksempel, laget for demonstrasjon av portalen.* Målet (95 % kutt fra 2009 innen 2030) er Oslos eget. "
        "Rammene går i rett linje fra hver sektors siste kjente utslipp (2024) til 5 % av utslippet i 2009 i 2030. "
        "Referansebanen viderefører halvparten av sektorens årlige endring 2019–2024. Tiltakenes effekter er "
        "eksempler. Jordbruk og luftfart er utelatt: Miljødirektoratet fører ingen utslipp for dem i Oslo."
    ),
    "reference_source": "Eksempel: halve den årlige endringen 2019–2024 videreført (beregnet av load_demo)",
}
# The sectors the example budget covers: every sector with emissions in Oslo.
OSLO_CLIMATE_SECTORS = [
    "Industri, olje og gass",
    "Energiforsyning",
    "Oppvarming",
    "Veitrafikk",
    "Sjøfart",
    "Annen mobil forbrenning",
    "Avfall og avløp",
    "produkter med fluorgasser",
]
# Example result indicators, Oslo's own: (code, name nb, nn, en, unit).
OSLO_RESULT_INDICATORS = [
    ("oslo-utslippsfrie-byggeplasser", "Andel utslippsfrie kommunale byggeplasser",
     "Del utsleppsfrie kommunale byggjeplassar", "Share of zero-emission municipal construction sites", "percent"),
    ("oslo-utslippsfrie-busser", "Andel utslippsfrie busser i Ruters flåte i Oslo",
     "Del utsleppsfrie bussar i flåten til Ruter i Oslo", "Share of zero-emission buses in Ruter's Oslo fleet",
     "percent"),
    ("oslo-landstrom", "Andel skipsanløp med landstrøm", "Del skipsanløp med landstraum",
     "Share of ship calls on shore power", "percent"),
    ("oslo-karbonfangst", "CO₂ fanget ved Klemetsrud", "CO₂ fanga ved Klemetsrud", "CO₂ captured at Klemetsrud",
     "tonnes"),
    ("oslo-fossil-oppvarming", "Oljefyrer fjernet med tilskudd", "Oljefyrar fjerna med tilskot",
     "Oil boilers removed with a grant", "count"),
]  # fmt: skip
# Example measures: (number, title, sector, emission source, level, responsible unit, project title or "",
# cuts as {year: per cent of the sector's reference path that year}, effect class, captured by the inventory,
# co-benefits, result indicator code or "", result targets {year: figure}).
OSLO_MEASURES = [
    ("T1", "Utslippsfrie kommunale bygge- og anleggsplasser", "Annen mobil forbrenning", "Anleggsmaskiner", "own",
     "Omsorgsbygg KF og Undervisningsbygg KF", "Utslippsfrie byggeplasser",
     {2025: 8, 2026: 12, 2027: 16, 2028: 20, 2030: 25}, "", True, "Mindre støy og lokal luftforurensning",
     "oslo-utslippsfrie-byggeplasser", {2025: 60, 2026: 75, 2027: 85, 2028: 95}),
    ("T2", "Utslippsfrie busser i hele Ruters flåte i Oslo", "Veitrafikk", "Tunge kjøretøy", "regional",
     "Ruter AS (Oslo og Viken)", "", {2025: 4, 2026: 6, 2027: 7, 2028: 8, 2030: 8}, "", True,
     "Renere luft langs bussvegene", "oslo-utslippsfrie-busser", {2025: 90, 2026: 100, 2027: 100, 2028: 100}),
    ("T3", "Landstrøm til skip ved kai i Oslo havn", "Sjøfart", "Passasjerskip og ferger", "own", "Oslo Havn KF",
     "Landstrøm i Oslo havn", {2025: 10, 2026: 15, 2027: 20, 2028: 25, 2030: 30}, "", True,
     "Mindre støy og NOx ved kaiene", "oslo-landstrom", {2025: 30, 2026: 40, 2027: 50, 2028: 60}),
    ("T4", "Karbonfangst ved Klemetsrud energigjenvinningsanlegg", "Energiforsyning", "Avfallsforbrenning",
     "regional", "Hafslund Celsio AS", "", {2029: 40, 2030: 60}, "", True, "", "oslo-karbonfangst",
     {2029: 100000, 2030: 160000}),
    ("T5", "Klimakrav i alle kommunale anskaffelser", "Veitrafikk", "Lette kjøretøy", "own", "Utviklings- og "
     "kompetanseetaten", "", {}, "medium", False, "Markedet for utslippsfrie løsninger vokser", "", {}),
    ("T6", "Tilskudd til utfasing av fossil oppvarming", "Oppvarming", "Oljefyring", "own", "Klimaetaten", "",
     {2025: 5, 2026: 8, 2027: 10, 2028: 12}, "", True, "", "oslo-fossil-oppvarming",
     {2025: 150, 2026: 150, 2027: 150, 2028: 150}),
]  # fmt: skip
# The example low and high estimates, in per cent of the central cut.
OSLO_CUT_RANGE = (70, 130)
# Example statuses for 2025, reported in the 2025–2028 version: (number, status, explanation, result figure, published).
OSLO_STATUSES_2025 = [
    ("T1", "on_track", "Ni av femten nye byggeplasser var utslippsfrie.", 62, True),
    ("T2", "on_track", "De siste dieselbussene i bybussnettet ble faset ut.", 92, True),
    ("T3", "delayed", "Nettilknytningen på Filipstad ble forsinket av Elvia; landstrøm fra våren 2026.", 24, True),
    ("T4", "not_started", "Investeringsbeslutningen er ventet når statsstøtten er avklart.", None, True),
    ("T5", "on_track", "Klimakrav er med i 87 % av anskaffelsene over terskelverdi.", None, True),
    ("T6", "done", "Tilskuddsordningen ble fullt brukt.", 168, False),
]
# Example strategic projects and their money, NOK 1 000: (title, responsible unit, {year: (adopted, accounts)}).
OSLO_PROJECTS = [
    ("Utslippsfrie byggeplasser", "Omsorgsbygg KF og Undervisningsbygg KF", {2025: (42000, 39800), 2026: (48000, None)}),
    ("Landstrøm i Oslo havn", "Oslo Havn KF", {2025: (65000, 51200), 2026: (80000, None)}),
]  # fmt: skip
