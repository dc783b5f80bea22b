"""The English lexicon of the generated world: typed lexemes with classes, concepts, polarity and selectional
preferences. Every other language's lexicon is derived from this list (same lexemes, other forms).

A lexeme's ``key`` is its English citation form (nouns: singular, verbs: base form); named entities are keyed by
their English name. ``concept`` groups synonyms (``buy``/``purchase``): meanings are compared by concept, while the
lexeme key chooses the word, so a paraphrase can use the other synonym in every language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

THING_CLASSES = ("food", "drink", "vehicle", "text", "clothing", "instrument", "animal", "building", "artefact")
_CLASS_ALIASES = {
    "things": THING_CLASSES,
    "made": ("vehicle", "artefact", "building", "clothing", "text", "instrument"),
    "buyable": ("vehicle", "artefact", "clothing", "text", "instrument", "food", "drink"),
    "colourable": ("vehicle", "clothing", "artefact", "building", "instrument"),
    "countable": ("food", "vehicle", "artefact", "building", "animal", "instrument", "clothing"),
}


@dataclass(frozen=True)
class Lexeme:
    key: str
    cat: str  # NOUN VERB ADJ FUNC PER LOC ORG
    forms: tuple[tuple[str, str], ...]  # (form name, English form)
    concept: str
    classes: frozenset[str] = frozenset()  # nouns: semantic classes; verbs: object classes; adjs: noun classes
    polarity: int = 0  # +1 / -1 for evaluative verbs and adjectives
    group: str = ""  # adjectives: mutually exclusive scale (colour, size, ...)
    flags: frozenset[str] = field(default_factory=frozenset)

    def form(self, name: str = "base") -> str:
        for n, f in self.forms:
            if n == name:
                return f
        raise KeyError(f"{self.key} has no form {name!r}")


# key plural classes [=concept]
_NOUNS = """
apple apples food
banana bananas food
pear pears food
bread breads food,baked,mass
cake cakes food,baked
pie pies food,baked
cookie cookies food,baked
pizza pizzas food,baked
soup soups food,cooked,mass
rice rice food,cooked,mass
egg eggs food,cooked
potato potatoes food,cooked
carrot carrots food,cooked
cheese cheeses food,mass
sandwich sandwiches food
water waters drink,mass
milk milks drink,mass
tea teas drink,mass
coffee coffees drink,mass
juice juices drink,mass
car cars vehicle,drivable
automobile automobiles vehicle,drivable =car
bus buses vehicle,drivable
truck trucks vehicle,drivable
van vans vehicle,drivable
tractor tractors vehicle,drivable
bike bikes vehicle,rideable
bicycle bicycles vehicle,rideable =bike
motorbike motorbikes vehicle,rideable
plane planes vehicle,flyable
book books text
letter letters text
newspaper newspapers text
story stories text
poem poems text
novel novels text
magazine magazines text
note notes text
shirt shirts clothing
hat hats clothing
coat coats clothing
shoe shoes clothing
dress dresses clothing
scarf scarves clothing
jacket jackets clothing
sock socks clothing
piano pianos instrument
guitar guitars instrument
drum drums instrument
violin violins instrument
flute flutes instrument
trumpet trumpets instrument
dog dogs animal
cat cats animal
horse horses animal,rideable
bird birds animal
cow cows animal
sheep sheep animal
goat goats animal
duck ducks animal
camel camels animal,rideable
house houses building
school schools building
shop shops building
store stores building =shop
barn barns building
bridge bridges building
tower towers building
box boxes artefact
chair chairs artefact
table tables artefact
lamp lamps artefact
cup cups artefact
ball balls artefact
knife knives artefact
hammer hammers artefact
clock clocks artefact
bag bags artefact
bottle bottles artefact
teacher teachers person
doctor doctors person
farmer farmers person
student students person,learner
child children person,learner
driver drivers person
writer writers person
musician musicians person
mechanic mechanics person
painter painters person
builder builders person
baker bakers person
nurse nurses person
pilot pilots person
tailor tailors person
"""

# key 3sg object-classes polarity flags [=concept]   (flags: org = an organisation may be the subject,
# sym = symmetric, noloc = takes no location, use = a "use" verb for scripts, acq = an acquisition verb)
_VERBS = """
eat eats food 0 use
cook cooks cooked 0 -
bake bakes baked 0 -
drink drinks drink 0 use
buy buys buyable,animal 0 org,acq
purchase purchases buyable,animal 0 org,acq =buy
sell sells buyable,animal 0 org
drive drives drivable 0 use
ride rides rideable 0 use
fly flies flyable 0 use
read reads text 0 use
write writes text 0 -
wear wears clothing 0 use
sew sews clothing 0 -
play plays instrument 0 use
feed feeds animal 0 use
paint paints building,vehicle,artefact 0 org
build builds building 0 org
wash washes vehicle,clothing,artefact,animal 0 -
fix fixes vehicle,artefact 0 org
repair repairs vehicle,artefact 0 org =fix
carry carries artefact,food,text,instrument,clothing 0 -
find finds artefact,text,clothing,animal 0 acq
lose loses artefact,text,clothing 0 -
see sees person 0 -
meet meets person 0 sym
help helps person,org 0 org
assist assists person,org 0 org =help
call calls person,org 0 org
visit visits person,place,org 0 noloc
thank thanks person 0 -
follow follows person 0 -
teach teaches learner 0 -
pay pays person 0 org
like likes things,person 1 -
love loves things,person 1 -
enjoy enjoys food,drink,text,instrument 1 -
hate hates things,person -1 -
"""

# key group polarity noun-classes [=concept]
_ADJS = """
red colour 0 colourable
blue colour 0 colourable
green colour 0 colourable
yellow colour 0 colourable
black colour 0 colourable
white colour 0 colourable
big size 0 countable
large size 0 countable =big
small size 0 countable
little size 0 countable =small
new age 0 made
old age 0 made,person
young age 0 person
cheap price 0 buyable
expensive price 0 buyable
clean clean 0 vehicle,artefact,building,clothing,animal
dirty clean 0 vehicle,artefact,building,clothing,animal
hot temp 0 cooked,baked,drink
cold temp 0 cooked,baked,drink
tall height 0 person,building
short height 0 person
good quality 1 things
bad quality -1 things
great grade 1 things
excellent grade 1 things =great
terrible grade -1 things
awful grade -1 things =terrible
nice kind 1 things,person
horrible kind -1 things,person
beautiful beauty 1 clothing,building,animal,vehicle,instrument
ugly beauty -1 clothing,building,animal,vehicle,instrument
wonderful interest 1 text
boring interest -1 text
tasty taste 1 food,drink
disgusting taste -1 food,drink
fresh fresh 1 food
rotten fresh -1 food
"""

# function words (key = English form); "do" is the plural auxiliary
FUNCTION_WORDS = (
    "the",
    "not",
    "does",
    "do",
    "is",
    "in",
    "and",
    "who",
    "what",
    "where",
    "how",
    "many",
    "one",
    "usually",
    "then",
    "over",
    "under",
    "more",
)
# lexemes English lacks but other grammars may need (question particle); realised only where a grammar uses them
EXTRA_FUNCTION_WORDS = ("QPART",)

PERSONS = (
    "Anna",
    "Tom",
    "Maria",
    "Peter",
    "Laura",
    "David",
    "Sara",
    "Paul",
    "Nina",
    "Omar",
    "Lucas",
    "Elena",
    "Ivan",
    "Yuki",
    "Ahmed",
    "Sofia",
    "Leo",
    "Mia",
    "Hugo",
    "Emma",
    "Carlos",
    "Fatima",
    "Kenji",
    "Olga",
    "Marco",
    "Lina",
    "Oscar",
    "Rosa",
    "Felix",
    "Amir",
)
LOCATIONS = (
    "Paris",
    "Berlin",
    "Tokyo",
    "Cairo",
    "Lima",
    "Oslo",
    "Rome",
    "Delhi",
    "Sydney",
    "Madrid",
    "Moscow",
    "Nairobi",
    "Seoul",
    "Quito",
    "Dakar",
    "Lisbon",
    "Vienna",
    "New York",
    "Cape Town",
    "Buenos Aires",
    "Hong Kong",
)
ORGANISATIONS = (
    "Acme Bank",
    "Globex",
    "Initech",
    "Nova Airlines",
    "Orbit Labs",
    "Delta Foods",
    "Vertex Motors",
    "Apex Books",
    "Blue Star Bank",
    "Zenith",
    "Pioneer Group",
    "Summit Media",
)

# profession -> (verb concept, object nouns): "who usually drives the bus ?" -> driver
PROFESSIONS = {
    "driver": ("drive", ("bus", "truck", "tractor", "van")),
    "pilot": ("fly", ("plane",)),
    "writer": ("write", ("poem", "novel", "story")),
    "musician": ("play", ("piano", "guitar", "violin", "flute", "trumpet", "drum")),
    "farmer": ("feed", ("cow", "sheep", "goat", "duck")),
    "mechanic": ("fix", ("car", "truck", "motorbike")),
    "painter": ("paint", ("house", "barn", "tower")),
    "builder": ("build", ("house", "bridge", "tower", "barn", "school")),
    "baker": ("bake", ("bread", "cake", "pie", "cookie")),
    "tailor": ("sew", ("shirt", "dress", "coat", "jacket")),
    "teacher": ("teach", ("student", "child")),
}


def _expand(classes: str) -> frozenset[str]:
    out: set[str] = set()
    for c in classes.split(","):
        out.update(_CLASS_ALIASES.get(c, (c,)))
    return frozenset(out)


def _concept(parts: list[str], key: str) -> str:
    return parts[-1][1:] if parts and parts[-1].startswith("=") else key


def _build() -> dict[str, Lexeme]:
    lex: dict[str, Lexeme] = {}
    for line in _NOUNS.strip().splitlines():
        key, pl, classes, *rest = line.split()
        lex[key] = Lexeme(key, "NOUN", (("sg", key), ("pl", pl)), _concept(rest, key), _expand(classes))
    for line in _VERBS.strip().splitlines():
        key, fin, classes, pol, flags, *rest = line.split()
        forms = (("base", key), ("fin", fin), ("plfin", key))
        lex[key] = Lexeme(
            key,
            "VERB",
            forms,
            _concept(rest, key),
            _expand(classes),
            int(pol),
            flags=frozenset() if flags == "-" else frozenset(flags.split(",")),
        )
    for line in _ADJS.strip().splitlines():
        key, group, pol, classes, *rest = line.split()
        lex[key] = Lexeme(key, "ADJ", (("base", key),), _concept(rest, key), _expand(classes), int(pol), group)
    for key in FUNCTION_WORDS + EXTRA_FUNCTION_WORDS:
        lex[key] = Lexeme(key, "FUNC", (("base", key),), key)
    for cat, names in (("PER", PERSONS), ("LOC", LOCATIONS), ("ORG", ORGANISATIONS)):
        for name in names:
            lex[name] = Lexeme(name, cat, (("base", name),), name)
    return lex


LEXICON: dict[str, Lexeme] = _build()
NOUNS = tuple(k for k, v in LEXICON.items() if v.cat == "NOUN")
VERBS = tuple(k for k, v in LEXICON.items() if v.cat == "VERB")
ADJECTIVES = tuple(k for k, v in LEXICON.items() if v.cat == "ADJ")
PERSON_NOUNS = tuple(k for k in NOUNS if "person" in LEXICON[k].classes)
THING_NOUNS = tuple(k for k in NOUNS if "person" not in LEXICON[k].classes)
ENTITY_CATS = ("PER", "LOC", "ORG")


def concept(key: str) -> str:
    return LEXICON[key].concept


@cache
def synonyms(key: str) -> tuple[str, ...]:
    """All lexemes (this one included) sharing ``key``'s concept, in lexicon order."""
    c = LEXICON[key].concept
    return tuple(k for k, v in LEXICON.items() if v.concept == c and v.cat == LEXICON[key].cat)


@cache
def nouns_of(cls: str) -> tuple[str, ...]:
    return tuple(k for k in NOUNS if cls in LEXICON[k].classes)


def is_mass(noun: str) -> bool:
    return "mass" in LEXICON[noun].classes


@cache
def adj_applies(adj: str, noun: str) -> bool:
    return bool(LEXICON[adj].classes & LEXICON[noun].classes)


@cache
def adjectives_for(noun: str) -> tuple[str, ...]:
    """Adjectives that can modify ``noun``, in lexicon order."""
    return tuple(a for a in ADJECTIVES if adj_applies(a, noun))


@cache
def verb_takes(verb: str, noun: str) -> bool:
    """Selectional preference: can ``noun`` be the object of ``verb``."""
    return bool(LEXICON[verb].classes & LEXICON[noun].classes)


def _check() -> None:
    seen: dict[str, str] = {}
    for key, lx in LEXICON.items():
        for _, form in lx.forms:
            if key == "QPART":
                continue
            other = seen.setdefault(form, key)
            assert other == key, f"English homograph {form!r}: {other} / {key}"
    for prof, (verb, objs) in PROFESSIONS.items():
        assert prof in PERSON_NOUNS and verb in VERBS, prof
        for o in objs:
            assert verb_takes(verb, o), (verb, o)


_check()
