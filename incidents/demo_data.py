"""Real events of summer 2023, as reported at the time, for demonstrations.

Figures are the ones the cited sources gave on the day; where later reports differ, the
description says so. Times are local (Europe/Kyiv).
"""

from __future__ import annotations

from typing import Any

DEMO_SOURCE = "impact-demo"

DEMO_ORGANISATION = {
    "slug": "impact-demo",
    "name": "Impact demo data",
    "acronym": "DEMO",
    "kind": "other",
}

UP_15_AUGUST = (
    "Ukrainska Pravda",
    "Russians hit Smila in Cherkasy Oblast with missiles: part of city without water",
    "https://www.pravda.com.ua/eng/news/2023/08/15/7415602/",
    "2023-08-15",
)
AFP_15_AUGUST = (
    "AFP via Gulf Times",
    "3 killed in air strikes on western Ukraine",
    "https://www.gulf-times.com/article/666590/international/3-killed-in-air-strikes-on-western-ukraine",
    "2023-08-15",
)

ATTACK_WAVES: list[dict[str, Any]] = [
    {
        "key": "2023-08-15-missiles",
        "name": "Missile attack of 15 August 2023",
        "started_at": "2023-08-15T04:00",
        "description": (
            "28 air- and sea-launched cruise missiles fired at about 04:00; air defence "
            "destroyed 16. Strikes hit Lviv, Lutsk, Dnipro, Smila and other places."
        ),
        "source_name": UP_15_AUGUST[0],
        "source_url": UP_15_AUGUST[2],
        "weapons": [
            {
                "weapon_type": "cruise_missile",
                "model_names": "Kh-101/Kh-555, Kalibr",
                "launched": 28,
                "intercepted": 16,
            }
        ],
    }
]

INCIDENTS: list[dict[str, Any]] = [
    {
        "key": "2023-08-15-lviv",
        "wave": "2023-08-15-missiles",
        "occurred_on": "2023-08-15",
        "region": "UA46",
        "settlement": "Lviv",
        "latitude": "49.839700",
        "longitude": "24.029700",
        "incident_type": "missile_strike",
        "weapons_launched": 6,
        "injured": 19,
        "children_injured": 1,
        "description": (
            "Six missiles hit Lviv and villages around it during the night. 19 people were "
            "injured, the youngest a 10-year-old child. About 120 residential buildings and a "
            "kindergarten yard were damaged; power lines were hit."
        ),
        "assets": [
            ("residential", "Apartment blocks and houses", 120, "damaged"),
            ("education", "Kindergarten yard", 1, "damaged"),
            ("energy", "Power lines", 1, "damaged"),
        ],
        "disruptions": [
            {
                "service": "electricity",
                "facility": "Power lines",
                "people_affected": None,
                "started_at": "2023-08-15T04:00",
                "restored_at": "2023-08-15T18:00",
                "description": (
                    "The grid operator reported power being restored the same day; the "
                    "restoration time here is approximate."
                ),
            }
        ],
        "sources": [("media", *AFP_15_AUGUST)],
    },
    {
        "key": "2023-08-15-lutsk",
        "wave": "2023-08-15-missiles",
        "occurred_on": "2023-08-15",
        "region": "UA07",
        "settlement": "Lutsk",
        "latitude": "50.747200",
        "longitude": "25.325400",
        "incident_type": "missile_strike",
        "killed": 3,
        "injured": 3,
        "description": (
            "A missile hit the SKF bearings factory in Lutsk: three employees were killed and "
            "three injured."
        ),
        "assets": [("industrial", "SKF bearings factory", 1, "damaged")],
        "sources": [
            (
                "media",
                "The Kyiv Independent",
                "Swedish firm says Russian missile hit its factory in Lutsk, killing 3 workers",
                "https://news.yahoo.com/swedish-firm-says-russian-missile-161336296.html",
                "2023-08-15",
            ),
            ("media", *AFP_15_AUGUST),
        ],
    },
    {
        "key": "2023-08-14-kramatorsk",
        "occurred_on": "2023-08-14",
        "occurred_at": "2023-08-14T23:23",
        "region": "UA14",
        "settlement": "Kramatorsk",
        "latitude": "48.738900",
        "longitude": "37.584800",
        "incident_type": "missile_strike",
        "killed": 1,
        "injured": 1,
        "description": (
            "S-300 missiles hit a warehouse of food products; the fire covered about "
            "2,400 m². One loader was found dead under the rubble and a woman employee was "
            "injured. Early report: a second loader was missing; the mayor later spoke of "
            "two dead."
        ),
        "assets": [("food_storage", "Food products warehouse", 1, "destroyed")],
        "sources": [
            (
                "official",
                "Donetsk regional prosecutor's office via Novyny.LIVE",
                "Occupiers shelled Kramatorsk with S-300 missiles: one killed",
                "https://war.novyny.live/okupanti-obstriliali-kramatorsk-raketami-s-300-ie-zagiblii-112648.html",
                "2023-08-15",
            )
        ],
    },
    {
        "key": "2023-08-15-smila",
        "wave": "2023-08-15-missiles",
        "occurred_on": "2023-08-15",
        "region": "UA71",
        "settlement": "Smila",
        "latitude": "49.222500",
        "longitude": "31.887300",
        "incident_type": "missile_strike",
        "description": (
            "One missile hit a private enterprise, another the grounds of a medical facility. "
            "About a kilometre of water main and the heating network were damaged; five "
            "districts, about 12,000 people, were left without water. No casualties."
        ),
        "assets": [
            ("health", "Medical facility", 1, "damaged"),
            ("industrial", "Private enterprise", 1, "damaged"),
            ("water", "Water main (about 1 km)", 1, "damaged"),
        ],
        "disruptions": [
            {
                "service": "water",
                "facility": "Water main",
                "people_affected": 12000,
                "started_at": "2023-08-15T04:00",
                "restored_at": "2023-08-18T12:00",
                "description": (
                    "Technical water was delivered on a schedule. The restoration date was "
                    "not reported; the one here is an assumption for the demo."
                ),
            }
        ],
        "sources": [
            ("media", *UP_15_AUGUST),
            (
                "official",
                "Ministry of Internal Affairs of Ukraine",
                "Law enforcers record the consequences of a missile strike on Smila",
                "https://mvs.gov.ua/en/news/pravooxoronci-fiksuiut-naslidki-raketnogo-udaru-po-m-smila-na-cerkashhini",
                "2023-08-15",
            ),
        ],
    },
    {
        "key": "2023-07-19-chornomorsk",
        "occurred_on": "2023-07-19",
        "region": "UA51",
        "settlement": "Chornomorsk",
        "latitude": "46.301000",
        "longitude": "30.656000",
        "location_precision": "settlement",
        "incident_type": "missile_strike",
        "description": (
            "Two days after Russia left the Black Sea Grain Initiative, a night attack on the "
            "ports of Odesa oblast put a considerable part of Chornomorsk's grain export "
            "infrastructure out of operation and destroyed 60,000 tonnes of grain that was "
            "waiting to be shipped."
        ),
        "assets": [
            ("port", "Grain export terminals", 1, "severely_damaged"),
            ("food_storage", "Grain storage (60,000 t destroyed)", 1, "destroyed"),
        ],
        "sources": [
            (
                "media",
                "Reuters via Al Arabiya",
                "Ukraine says Russian attack on Odesa destroyed 60,000 tons of grain",
                "https://english.alarabiya.net/News/world/2023/07/19/Ukraine-says-Russian-attacks-on-Odesa-destroyed-60-000-tons-of-grain",
                "2023-07-19",
            )
        ],
    },
    {
        "key": "2023-07-23-odesa",
        "occurred_on": "2023-07-23",
        "region": "UA51",
        "settlement": "Odesa",
        "latitude": "46.485600",
        "longitude": "30.732600",
        "incident_type": "missile_strike",
        "weapons_launched": 19,
        "weapons_intercepted": 9,
        "killed": 1,
        "injured": 18,
        "children_injured": 4,
        "description": (
            "The largest attack on Odesa's historic centre, a UNESCO World Heritage site: the "
            "Transfiguration Cathedral was partly destroyed and about 25 historic buildings "
            "damaged, with port infrastructure. One person killed; 18 injured including four "
            "children in first reports (later police figures: 22)."
        ),
        "assets": [
            ("cultural_heritage", "Transfiguration Cathedral", 1, "severely_damaged"),
            ("cultural_heritage", "Historic buildings of the old town", 25, "damaged"),
            ("residential", "Residential buildings", 6, "damaged"),
            ("port", "Port infrastructure", 1, "damaged"),
        ],
        "sources": [
            (
                "media",
                "The Kyiv Independent",
                "Russian missile attack destroys historic cathedral in Odesa",
                "https://kyivindependent.com/russian-missile-attack-destroys-odesas-transfiguration-cathedral/",
                "2023-07-23",
            )
        ],
    },
]

GRAIN_DISRUPTIONS: list[dict[str, Any]] = [
    {
        "key": "2023-07-17-bsgi-terminated",
        "disruption_type": "corridor_terminated",
        "started_on": "2023-07-17",
        "description": (
            "Russia ended its participation in the Black Sea Grain Initiative, which had let "
            "about 32.9 million tonnes of food leave Odesa, Chornomorsk and Pivdennyi since "
            "August 2022."
        ),
        "sources": [("ngo", "United Nations Joint Coordination Centre", "", "", "2023-07-17")],
    },
    {
        "key": "2023-07-19-chornomorsk-grain",
        "incident": "2023-07-19-chornomorsk",
        "disruption_type": "storage_strike",
        "started_on": "2023-07-19",
        "port": "Chornomorsk",
        "facility": "Grain export terminals",
        "grain_destroyed_tonnes": "60000",
        "description": "60,000 tonnes of grain destroyed; repairs expected to take a year.",
    },
    {
        "key": "2023-07-23-odesa-port",
        "incident": "2023-07-23-odesa",
        "disruption_type": "port_strike",
        "started_on": "2023-07-23",
        "port": "Odesa",
        "facility": "Port infrastructure",
        "description": "Port infrastructure damaged in the attack on Odesa's centre.",
    },
]
