"""Destinations in Russia: the 83 federal subjects by federal district, and the occupied
territories of Ukraine as their own group (the UN does not recognise their annexation)."""

from __future__ import annotations

from intake.domain.questionnaire import CodeList, codes
from intake.i18n import N_

FEDERAL_DISTRICTS = codes(
    ("far_eastern", N_("Far Eastern Federal District")),
    ("siberian", N_("Siberian Federal District")),
    ("ural", N_("Ural Federal District")),
    ("volga", N_("Volga Federal District")),
    ("northwestern", N_("Northwestern Federal District")),
    ("central", N_("Central Federal District")),
    ("southern", N_("Southern Federal District")),
    ("north_caucasian", N_("North Caucasian Federal District")),
    ("occupied_ukraine", N_("Occupied territories of Ukraine")),
)

_BY_DISTRICT: dict[str, tuple[tuple[str, str], ...]] = {
    "far_eastern": (
        ("sakha", N_("Sakha (Yakutia)")), ("kamchatka", N_("Kamchatka Krai")),
        ("primorsky", N_("Primorsky Krai")), ("khabarovsk", N_("Khabarovsk Krai")),
        ("amur", N_("Amur Oblast")), ("magadan", N_("Magadan Oblast")),
        ("sakhalin", N_("Sakhalin Oblast")), ("jewish_ao", N_("Jewish Autonomous Oblast")),
        ("chukotka", N_("Chukotka")), ("buryatia", N_("Buryatia")),
        ("zabaykalsky", N_("Zabaykalsky Krai")),
    ),
    "siberian": (
        ("altai_republic", N_("Altai Republic")), ("tuva", N_("Tuva")),
        ("khakassia", N_("Khakassia")), ("altai_krai", N_("Altai Krai")),
        ("krasnoyarsk", N_("Krasnoyarsk Krai")), ("irkutsk", N_("Irkutsk Oblast")),
        ("kemerovo", N_("Kemerovo Oblast")), ("novosibirsk", N_("Novosibirsk Oblast")),
        ("omsk", N_("Omsk Oblast")), ("tomsk", N_("Tomsk Oblast")),
    ),
    "ural": (
        ("kurgan", N_("Kurgan Oblast")), ("sverdlovsk", N_("Sverdlovsk Oblast")),
        ("tyumen", N_("Tyumen Oblast")), ("chelyabinsk", N_("Chelyabinsk Oblast")),
        ("khanty_mansi", N_("Khanty-Mansi Autonomous Okrug")),
        ("yamalo_nenets", N_("Yamalo-Nenets Autonomous Okrug")),
    ),
    "volga": (
        ("bashkortostan", N_("Bashkortostan")), ("mari_el", N_("Mari El")),
        ("mordovia", N_("Mordovia")), ("tatarstan", N_("Tatarstan")),
        ("udmurtia", N_("Udmurtia")), ("chuvashia", N_("Chuvashia")),
        ("perm", N_("Perm Krai")), ("kirov", N_("Kirov Oblast")),
        ("nizhny_novgorod", N_("Nizhny Novgorod Oblast")), ("orenburg", N_("Orenburg Oblast")),
        ("penza", N_("Penza Oblast")), ("samara", N_("Samara Oblast")),
        ("saratov", N_("Saratov Oblast")), ("ulyanovsk", N_("Ulyanovsk Oblast")),
    ),
    "northwestern": (
        ("karelia", N_("Karelia")), ("komi", N_("Komi")),
        ("arkhangelsk", N_("Arkhangelsk Oblast")), ("nenets", N_("Nenets Autonomous Okrug")),
        ("vologda", N_("Vologda Oblast")), ("kaliningrad", N_("Kaliningrad Oblast")),
        ("leningrad_oblast", N_("Leningrad Oblast")), ("murmansk", N_("Murmansk Oblast")),
        ("novgorod", N_("Novgorod Oblast")), ("pskov", N_("Pskov Oblast")),
        ("saint_petersburg", N_("Saint Petersburg")),
    ),
    "central": (
        ("belgorod", N_("Belgorod Oblast")), ("bryansk", N_("Bryansk Oblast")),
        ("vladimir", N_("Vladimir Oblast")), ("voronezh", N_("Voronezh Oblast")),
        ("ivanovo", N_("Ivanovo Oblast")), ("kaluga", N_("Kaluga Oblast")),
        ("kostroma", N_("Kostroma Oblast")), ("kursk", N_("Kursk Oblast")),
        ("lipetsk", N_("Lipetsk Oblast")), ("moscow_oblast", N_("Moscow Oblast")),
        ("oryol", N_("Oryol Oblast")), ("ryazan", N_("Ryazan Oblast")),
        ("smolensk", N_("Smolensk Oblast")), ("tambov", N_("Tambov Oblast")),
        ("tver", N_("Tver Oblast")), ("tula", N_("Tula Oblast")),
        ("yaroslavl", N_("Yaroslavl Oblast")), ("moscow", N_("Moscow")),
    ),
    "southern": (
        ("adygea", N_("Adygea")), ("kalmykia", N_("Kalmykia")),
        ("krasnodar", N_("Krasnodar Krai")), ("astrakhan", N_("Astrakhan Oblast")),
        ("volgograd", N_("Volgograd Oblast")), ("rostov", N_("Rostov Oblast")),
    ),
    "north_caucasian": (
        ("dagestan", N_("Dagestan")), ("ingushetia", N_("Ingushetia")),
        ("kabardino_balkaria", N_("Kabardino-Balkaria")),
        ("karachay_cherkessia", N_("Karachay-Cherkessia")),
        ("north_ossetia", N_("North Ossetia–Alania")), ("chechnya", N_("Chechnya")),
        ("stavropol", N_("Stavropol Krai")),
    ),
    "occupied_ukraine": (
        ("crimea", N_("Crimea")), ("sevastopol", N_("Sevastopol")),
        ("donetsk", N_("Donetsk region")), ("luhansk", N_("Luhansk region")),
        ("zaporizhzhia", N_("Zaporizhzhia region")), ("kherson", N_("Kherson region")),
    ),
}

DESTINATION_REGIONS: CodeList = codes(
    *(pair for district in _BY_DISTRICT.values() for pair in district)
)

#: federal subject → federal district (level 1 of the hierarchy)
DISTRICT_OF: dict[str, str] = {
    code: district for district, pairs in _BY_DISTRICT.items() for code, _label in pairs
}
