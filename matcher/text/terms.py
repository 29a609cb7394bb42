"""The words texts use for the contract's values: `drug_free` is "staying drug-free",
`evenings` is "in the evenings", `opioids` is "opioider" in bokmål. English words are
the catalogue's message ids, with the vocabulary field as context, so that a translator
sees what a word names. A value with no word here (a scenario's own tag) is shown as
written."""

from __future__ import annotations

from matcher.text.language import NP_, pgettext

#: Field -> value -> its word in English (translated through the catalogue).
TERMS: dict[str, dict[str, str]] = {
    "substances": {
        "alcohol": NP_("substance", "alcohol"),
        "cannabis": NP_("substance", "cannabis"),
        "opioids": NP_("substance", "opioids"),
        "stimulants": NP_("substance", "stimulants"),
        "benzodiazepines": NP_("substance", "benzodiazepines"),
        "other": NP_("substance", "other"),
    },
    "goals": {
        "public_services": NP_("goal", "public services"),
        "social_network": NP_("goal", "a social network"),
        "drug_free": NP_("goal", "staying drug-free"),
        "finances": NP_("goal", "finances"),
        "work": NP_("goal", "work"),
        "education": NP_("goal", "education"),
        "housing": NP_("goal", "housing"),
        "activities": NP_("goal", "activities"),
        "family": NP_("goal", "family"),
        "health": NP_("goal", "health"),
    },
    "availability": {
        "daytime": NP_("availability", "in the daytime"),
        "evenings": NP_("availability", "in the evenings"),
        "weekends": NP_("availability", "at weekends"),
    },
    "priority": {
        "young": NP_("priority", "young"),
        "in_treatment": NP_("priority", "in treatment"),
        "after_prison": NP_("priority", "after prison"),
        "urgent": NP_("priority", "urgent"),
    },
    "gender": {
        "female": NP_("gender", "woman"),
        "male": NP_("gender", "man"),
        "other": NP_("gender", "other gender"),
    },
    "interests": {
        "home": NP_("interest", "home"),
        "routines": NP_("interest", "routines"),
        "cooking": NP_("interest", "cooking"),
        "baking": NP_("interest", "baking"),
        "gardening": NP_("interest", "gardening"),
        "shopping": NP_("interest", "shopping"),
        "cleaning": NP_("interest", "cleaning"),
        "pets": NP_("interest", "pets"),
        "dogs": NP_("interest", "dogs"),
        "cats": NP_("interest", "cats"),
        "reading": NP_("interest", "reading"),
        "tv": NP_("interest", "tv"),
        "films": NP_("interest", "films"),
        "movies": NP_("interest", "movies"),
        "series": NP_("interest", "series"),
        "cafes": NP_("interest", "cafes"),
        "cafe": NP_("interest", "cafe"),
        "coffee": NP_("interest", "coffee"),
        "meeting_places": NP_("interest", "meeting places"),
        "peer_groups": NP_("interest", "peer groups"),
        "self_help_groups": NP_("interest", "self help groups"),
        "na": NP_("interest", "na"),
        "aa": NP_("interest", "aa"),
        "church": NP_("interest", "church"),
        "friends": NP_("interest", "friends"),
        "board_games": NP_("interest", "board games"),
        "card_games": NP_("interest", "card games"),
        "gaming": NP_("interest", "gaming"),
        "quiz": NP_("interest", "quiz"),
        "music": NP_("interest", "music"),
        "guitar": NP_("interest", "guitar"),
        "piano": NP_("interest", "piano"),
        "drums": NP_("interest", "drums"),
        "singing": NP_("interest", "singing"),
        "choir": NP_("interest", "choir"),
        "band": NP_("interest", "band"),
        "woodwork": NP_("interest", "woodwork"),
        "carpentry": NP_("interest", "carpentry"),
        "knitting": NP_("interest", "knitting"),
        "crochet": NP_("interest", "crochet"),
        "sewing": NP_("interest", "sewing"),
        "painting": NP_("interest", "painting"),
        "drawing": NP_("interest", "drawing"),
        "art": NP_("interest", "art"),
        "photography": NP_("interest", "photography"),
        "writing": NP_("interest", "writing"),
        "poetry": NP_("interest", "poetry"),
        "crafts": NP_("interest", "crafts"),
        "theatre": NP_("interest", "theatre"),
        "dancing": NP_("interest", "dancing"),
        "volunteering": NP_("interest", "volunteering"),
        "associations": NP_("interest", "associations"),
        "charity": NP_("interest", "charity"),
        "red_cross": NP_("interest", "red cross"),
        "sports_club": NP_("interest", "sports club"),
        "organisations": NP_("interest", "organisations"),
        "activism": NP_("interest", "activism"),
        "work": NP_("interest", "work"),
        "work_practice": NP_("interest", "work practice"),
        "paid_work": NP_("interest", "paid work"),
        "job": NP_("interest", "job"),
        "jobs": NP_("interest", "jobs"),
        "internship": NP_("interest", "internship"),
        "education": NP_("interest", "education"),
        "courses": NP_("interest", "courses"),
        "school": NP_("interest", "school"),
        "studies": NP_("interest", "studies"),
        "languages": NP_("interest", "languages"),
        "study": NP_("interest", "study"),
        "hiking": NP_("interest", "hiking"),
        "fishing": NP_("interest", "fishing"),
        "hunting": NP_("interest", "hunting"),
        "trips": NP_("interest", "trips"),
        "skiing": NP_("interest", "skiing"),
        "camping": NP_("interest", "camping"),
        "boating": NP_("interest", "boating"),
        "sailing": NP_("interest", "sailing"),
        "climbing": NP_("interest", "climbing"),
        "walking": NP_("interest", "walking"),
        "nature": NP_("interest", "nature"),
        "mountains": NP_("interest", "mountains"),
        "berry_picking": NP_("interest", "berry picking"),
        "kayaking": NP_("interest", "kayaking"),
        "trekking": NP_("interest", "trekking"),
        "gym": NP_("interest", "gym"),
        "swimming": NP_("interest", "swimming"),
        "football": NP_("interest", "football"),
        "golf": NP_("interest", "golf"),
        "bowling": NP_("interest", "bowling"),
        "running": NP_("interest", "running"),
        "cycling": NP_("interest", "cycling"),
        "training": NP_("interest", "training"),
        "yoga": NP_("interest", "yoga"),
        # common tags outside the taxonomy (no category), so that they still translate
        "cars": NP_("interest", "cars"),
        "motorcycles": NP_("interest", "motorcycles"),
        "boxing": NP_("interest", "boxing"),
        "martial_arts": NP_("interest", "martial arts"),
        "handball": NP_("interest", "handball"),
        "basketball": NP_("interest", "basketball"),
        "padel": NP_("interest", "padel"),
        "tennis": NP_("interest", "tennis"),
        "table_tennis": NP_("interest", "table tennis"),
        "crossfit": NP_("interest", "crossfit"),
        "motorsport": NP_("interest", "motorsport"),
    },
}
#: Interest category -> its words.
CATEGORIES: dict[str, str] = {
    "everyday": NP_("category", "everyday activities"),
    "social": NP_("category", "social activities"),
    "creative": NP_("category", "creative activities"),
    "volunteering": NP_("category", "volunteering"),
    "work": NP_("category", "work-related activities"),
    "education": NP_("category", "learning"),
    "outdoor": NP_("category", "outdoor activities"),
    "physical": NP_("category", "sports and exercise"),
}
_CONTEXT = {
    "substances": "substance",
    "goals": "goal",
    "availability": "availability",
    "priority": "priority",
    "gender": "gender",
    "interests": "interest",
}


def term(field: str, value: str) -> str:
    """`value` of `field` in words of the current language (as written if it has none)."""
    word = TERMS.get(field, {}).get(value)
    if word is None:
        return value.replace("_", " ")
    return pgettext(_CONTEXT[field], word)


def category(value: str) -> str:
    """An interest category in words of the current language."""
    word = CATEGORIES.get(value)
    return value if word is None else pgettext("category", word)
