"""Label-preserving adversarial perturbations of target test sets, for robustness curves.

Every perturbation takes a ``strength`` in [0, 1] (0 returns copies equal to the input) and a ``seed``. Random
choices are keyed by (seed, perturbation, example id, position), never by file order, so an example gets the same
perturbation wherever it sits in its file, and the perturbations of a weaker strength are (nearly) contained in
those of a stronger one.

- ``char_noise``: each word, with probability ``strength``, gets one character edit (swap adjacent, delete, insert
  or substitute), new letters drawn from the letters of the same script in the example.
- ``codeswitch``: each word of the test language found in its lexicon is, with probability ``strength``, replaced
  by the word for the same English entry in another language's lexicon.
- ``word_shuffle``: at each position, with probability ``strength``, a word swaps with its right neighbour
  (tagging: tags travel with tokens and a multi-token BIO entity moves as one unit).
- ``entity_swap``: each distinct entity of the example is, with probability ``strength``, renamed everywhere
  (answers included) to another entity of the same type and script; entities come from a gazetteer
  (:func:`stiltgrid.core.lexicons.load_entities`) and, for BIO tagging, from the tags.

Labels never change. Span QA answers are protected: word-level perturbations leave every answer span as it is and
only move its offset; ``entity_swap`` renames entities inside answers consistently with the context. Retrieval
files are perturbed on their ``src`` lines only (``entity_swap`` is refused there: renaming the source side alone
would break its pairing with the English ``tgt`` line).
"""

from __future__ import annotations

import copy
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache

from stiltgrid.formats import FORMATS, get_format
from stiltgrid.formats.base import Edit, TextEdits, TokenFn, apply_edits, cuts

PERTURBATIONS = ("char_noise", "codeswitch", "word_shuffle", "entity_swap")

_APOSTROPHES = "'\u2019\u02bc"


# -- characters and words ----------------------------------------------------------------------------------------
def _is_word_char(c: str) -> bool:
    return unicodedata.category(c)[0] in "LMN"


def _is_letter(c: str) -> bool:
    return unicodedata.category(c)[0] in "LM"


@lru_cache(maxsize=4096)
def script_of(c: str) -> str:
    """The Unicode script of a character, as the first word of its name (LATIN, CYRILLIC, GEORGIAN, ...)."""
    name = unicodedata.name(c, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _script_of_text(text: str) -> str:
    for c in text:
        if unicodedata.category(c)[0] == "L":
            return script_of(c)
    return "UNKNOWN"


def word_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every word: a maximal run of letters, combining marks and digits holding at least one
    letter. Punctuation, spaces and bare numbers are never words."""
    spans = []
    start = None
    has_letter = False
    for i, c in enumerate(text):
        cat = unicodedata.category(c)[0]
        if cat in "LMN":
            if start is None:
                start, has_letter = i, False
            has_letter = has_letter or cat == "L"
        elif start is not None:
            if has_letter:
                spans.append((start, i))
            start = None
    if start is not None and has_letter:
        spans.append((start, len(text)))
    return spans


def _overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    # a zero-length span protects a word that strictly contains its position
    return any(s < pe and ps < e if pe > ps else s < ps < e for ps, pe in spans)


def match_case(original: str, new: str, via_lower: bool) -> str:
    """Carry a capital initial over to a substitute found through the lower-cased original (title-casing, so
    scripts without case such as Georgian stay as they are)."""
    if via_lower and original[:1].isupper() and new[:1].islower():
        return new[:1].title() + new[1:]
    return new


def lookup(table: dict[str, str], word: str) -> tuple[str | None, bool]:
    """(entry for ``word``, found only through its lower-case form?); exact spelling first."""
    if word in table:
        return table[word], False
    low = word.lower()
    if low != word and low in table:
        return table[low], True
    return None, False


# -- applying a transformation to an example (Format.rewrite applies it to each format's fields) --------------
WordFn = Callable[[str, str], "str | None"]  # (position key, word) -> replacement or None


def word_rewriter(word_fn: WordFn, *, one_token: bool = True) -> tuple[TextEdits, TokenFn]:
    """Text and token functions applying ``word_fn`` to every word outside the answer spans; in tagging, to the
    words inside each token (a replacement with whitespace is dropped there when ``one_token``)."""

    def text_edits(field: str, text: str, protect: list[tuple[int, int]]) -> list[Edit]:
        edits = []
        for s, e in word_spans(text):
            if protect and _overlaps(s, e, protect):
                continue
            new = word_fn(f"{field}@{s}", text[s:e])
            if new is not None and new != text[s:e]:
                edits.append((s, e, new))
        return edits

    def token_fn(tokens: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
        out = []
        for i, tok in enumerate(tokens):
            edits = [
                ed for ed in text_edits(f"tokens.{i}", tok, []) if not (one_token and any(c.isspace() for c in ed[2]))
            ]
            out.append(apply_edits(tok, edits)[0])
        return out, tags

    return text_edits, token_fn


class Stream:
    """A small deterministic random stream hashed from a key: far cheaper to start than ``random.Random``, which
    matters because every word position gets its own stream."""

    __slots__ = ("key", "n")

    def __init__(self, key: bytes):
        self.key, self.n = key, 0

    def _next(self) -> int:
        self.n += 1
        digest = hashlib.blake2b(self.key + self.n.to_bytes(4, "little"), digest_size=8).digest()
        return int.from_bytes(digest, "little")

    def random(self) -> float:
        return (self._next() >> 11) / 2**53

    def randrange(self, n: int) -> int:
        return self._next() % n  # 64-bit draws: the modulo bias is negligible

    def choice(self, seq):
        return seq[self.randrange(len(seq))]


class KeyedRandom:
    """Random streams keyed by position: ``rng(key)`` is the same for the same (seed, kind, example id, key)."""

    def __init__(self, seed: int, kind: str, ex_id: str):
        self.base = f"stiltgrid.perturb|{seed}|{kind}|{ex_id}|"

    def __call__(self, key: str) -> Stream:
        return Stream((self.base + key).encode("utf-8"))


# -- char_noise ------------------------------------------------------------------------------------------------------
def _letter_pool(text: str) -> dict[str, list[str]]:
    pool: dict[str, set[str]] = {}
    for c in set(text):
        if unicodedata.category(c)[0] == "L":
            pool.setdefault(script_of(c), set()).add(c.lower())
    return {k: sorted(v) for k, v in pool.items()}


def _char_edit(word: str, rng: Stream, pool: dict[str, list[str]]) -> str:
    chars = list(word)
    letters = pool.get(_script_of_text(word)) or sorted({c.lower() for c in word if c.isalpha()} or {word[0]})
    ops = ["insert", "substitute"]
    swaps = [i for i in range(len(chars) - 1) if chars[i] != chars[i + 1]]
    if swaps:
        ops.append("swap")
    if len(chars) >= 2:
        ops.append("delete")
    op = rng.choice(ops)
    if op == "substitute":
        i = rng.randrange(len(chars))
        options = [c for c in letters if c != chars[i].lower()]
        if options:
            c = rng.choice(options)
            chars[i] = c.upper() if chars[i].isupper() else c
            return "".join(chars)
        op = "insert"  # a one-letter alphabet: nothing to substitute with
    if op == "insert":
        i = rng.randrange(len(chars) + 1)
        c = rng.choice(letters)
        chars.insert(i, c.upper() if len(word) > 1 and word.isupper() else c)
    elif op == "swap":
        i = rng.choice(swaps)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        del chars[rng.randrange(len(chars))]
    return "".join(chars)


def char_noise(examples: list[dict], fmt: str, strength: float, seed: int) -> list[dict]:
    """Each word (letters only; numbers and punctuation untouched) gets one character edit with probability
    ``strength``."""
    form = _check_args(fmt, strength)
    out = []
    for ex in examples:
        keyed = KeyedRandom(seed, "char_noise", ex["id"])
        pool = _letter_pool(form.all_text(ex))

        def word_fn(key: str, word: str, keyed=keyed, pool=pool) -> str | None:
            if not all(_is_letter(c) for c in word):
                return None
            rng = keyed(key)
            if rng.random() >= strength:
                return None
            return _char_edit(word, rng, pool)

        out.append(form.rewrite(ex, *word_rewriter(word_fn))[0])
    return out


# -- codeswitch ------------------------------------------------------------------------------------------------------
def invert_lexicon(lexicon: dict[str, str]) -> dict[str, str]:
    """Word in the language -> English word; a word shared by several English entries keeps the first."""
    inverse: dict[str, str] = {}
    for en, word in lexicon.items():
        inverse.setdefault(word, en)
    return inverse


def codeswitch(
    examples: list[dict], fmt: str, strength: float, seed: int, *, lang: str, lexicons: dict[str, dict[str, str]]
) -> list[dict]:
    """Each word of ``lang`` found in ``lexicons[lang]`` is, with probability ``strength``, replaced by the word for
    the same English entry in another language of ``lexicons`` (drawn per word among those whose word differs)."""
    form = _check_args(fmt, strength)
    if not lexicons:
        raise ValueError("codeswitch needs lexicons (language -> {English word: word}, see lexicons.load_lexicon)")
    if lang not in lexicons:
        raise ValueError(
            f"codeswitch: no lexicon for the test language {lang!r}; lexicons given for "
            f"{', '.join(sorted(lexicons)) or 'no language'}"
        )
    others = sorted(code for code in lexicons if code != lang)
    if not others:
        raise ValueError(f"codeswitch: lexicons hold only the test language {lang!r}; need at least one other")
    inverse = invert_lexicon(lexicons[lang])
    out = []
    for ex in examples:
        keyed = KeyedRandom(seed, "codeswitch", ex["id"])

        def word_fn(key: str, word: str, keyed=keyed) -> str | None:
            en, via_lower = lookup(inverse, word)
            if en is None:
                return None
            rng = keyed(key)
            if rng.random() >= strength:
                return None
            original = word.lower() if via_lower else word
            options = [
                (code, lexicons[code][en]) for code in others if en in lexicons[code] and lexicons[code][en] != original
            ]
            if not options:
                return None
            return match_case(word, rng.choice(options)[1], via_lower)

        out.append(form.rewrite(ex, *word_rewriter(word_fn))[0])
    return out


# -- word_shuffle ----------------------------------------------------------------------------------------------------
def _bio_units(tags: list[str]) -> list[tuple[int, int]]:
    """Token ranges that move as one: a B-/I- entity with its continuation, every other token alone."""
    units: list[tuple[int, int]] = []
    for i, tag in enumerate(tags):
        if units and tag.startswith("I-") and tags[i - 1][:2] in ("B-", "I-") and tags[i - 1][2:] == tag[2:]:
            units[-1] = (units[-1][0], i + 1)
        else:
            units.append((i, i + 1))
    return units


def _swap_plan(n: int, movable: list[bool], rng_at: Callable[[int], Stream], strength: float) -> list[int]:
    """Left positions of the adjacent pairs to swap; a swapped unit does not move again."""
    plan, i = [], 0
    while i < n - 1:
        if movable[i] and movable[i + 1] and rng_at(i).random() < strength:
            plan.append(i)
            i += 2
        else:
            i += 1
    return plan


def word_shuffle(examples: list[dict], fmt: str, strength: float, seed: int) -> list[dict]:
    """Local word-order noise: each whitespace token swaps with its right neighbour with probability ``strength``
    (tokens without a letter or digit and tokens touching a span QA answer stay in place; in tagging, tags move
    with their tokens and a BIO entity moves whole)."""
    form = _check_args(fmt, strength)
    out = []
    for ex in examples:
        keyed = KeyedRandom(seed, "word_shuffle", ex["id"])

        def text_edits(field: str, text: str, protect: list[tuple[int, int]], keyed=keyed) -> list[Edit]:
            units = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
            movable = [any(_is_word_char(c) for c in text[s:e]) and not _overlaps(s, e, protect) for s, e in units]
            plan = _swap_plan(len(units), movable, lambda i: keyed(f"{field}@{units[i][0]}"), strength)
            edits = []
            for i in plan:
                (s1, e1), (s2, e2) = units[i], units[i + 1]
                edits.append((s1, e2, text[s2:e2] + text[e1:s2] + text[s1:e1]))
            return edits

        def token_fn(tokens: list[str], tags: list[str], keyed=keyed) -> tuple[list[str], list[str]]:
            units = _bio_units(tags)
            movable = [any(_is_word_char(c) for t in tokens[s:e] for c in t) for s, e in units]
            plan = set(_swap_plan(len(units), movable, lambda i: keyed(f"tokens@{units[i][0]}"), strength))
            order, i = [], 0
            while i < len(units):
                if i in plan:
                    order += [units[i + 1], units[i]]
                    i += 2
                else:
                    order.append(units[i])
                    i += 1
            return ([t for s, e in order for t in tokens[s:e]], [t for s, e in order for t in tags[s:e]])

        out.append(form.rewrite(ex, text_edits, token_fn)[0])
    return out


# -- entity_swap -----------------------------------------------------------------------------------------------------
def _split_suffix(token: str) -> tuple[str, str]:
    """A proper-noun token with an apostrophe case ending (``Anna'ek``, ``Ankara'da``) -> (name, ending)."""
    for i in range(len(token) - 2, 0, -1):
        if token[i] in _APOSTROPHES:
            tail = token[i + 1 :]
            if all(_is_word_char(c) for c in tail):
                return token[:i], token[i:]
            break
    return token, ""


def _find_names(text: str, names: list[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping whole-word occurrences of the names (longest first) in the text, by position."""
    found: list[tuple[int, int, str]] = []
    for name in names:
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            bounded = (start == 0 or not _is_word_char(text[start - 1])) and (
                end == len(text) or not _is_word_char(text[end])
            )
            if bounded and not _overlaps(start, end, [(s, e) for s, e, _ in found]):
                found.append((start, end, name))
            start = text.find(name, start + 1)
    return sorted(found)


Mention = tuple[int, int, str, str]  # tagging: (first token, end token, name, case ending of the last token)


def _name_and_suffix(tokens: list[str], known: set[str] | frozenset[str]) -> tuple[str, str]:
    whole = " ".join(tokens)
    if whole in known:
        return whole, ""
    stem, suffix = _split_suffix(tokens[-1])
    return " ".join(tokens[:-1] + [stem]), suffix


def _tag_mentions(tokens: list[str], tags: list[str], known: set[str] | frozenset[str]) -> list[tuple[Mention, str]]:
    """(mention, type) of each BIO entity; an apostrophe ending is not part of the name unless the gazetteer
    knows the whole token (``O'Brien``)."""
    out = []
    for s, e in _bio_units(tags):
        if tags[s][:2] in ("B-", "I-"):
            name, suffix = _name_and_suffix(tokens[s:e], known)
            out.append(((s, e, name, suffix), tags[s][2:]))
    return out


def _gazetteer_mentions(tokens: list[str], names: list[str], taken: set[int]) -> list[Mention]:
    """Token sequences spelling a gazetteer name (longest names first), outside the ``taken`` tokens."""
    out = []
    stems = [_split_suffix(t)[0] for t in tokens]
    for name in names:
        parts = name.split()
        k = len(parts)
        for i in range(len(tokens) - k + 1):
            last = i + k - 1
            if tokens[i:last] != parts[:-1] or parts[-1] not in (tokens[last], stems[last]):
                continue
            if not taken.intersection(range(i, i + k)):
                out.append((i, i + k, name, tokens[last][len(parts[-1]) :]))
                taken.update(range(i, i + k))
    return out


def entity_pools(examples: list[dict], fmt: str, entities: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Type -> candidate names, sorted: the gazetteer's, plus (BIO tagging) the entities the tags mark."""
    pools: dict[str, set[str]] = {
        kind: {" ".join(n.split()) for n in names} for kind, names in (entities or {}).items()
    }
    if get_format(fmt).token_level:
        known = {n for names in pools.values() for n in names}
        for ex in examples:
            for (_, _, name, _), kind in _tag_mentions(ex["tokens"], ex["tags"], known):
                pools.setdefault(kind, set()).add(name)
    return {kind: sorted(names) for kind, names in pools.items()}


def _has_bio(examples: list[dict]) -> bool:
    return any(tag[:2] in ("B-", "I-") for ex in examples for tag in ex["tags"])


class _Gazetteer:
    """Candidate names by type, and a first-word index so finding the names in an example does not scan them all."""

    def __init__(self, pools: dict[str, list[str]]):
        self.pools = pools
        self.type_of: dict[str, str] = {}
        for kind, names in pools.items():
            for name in names:
                self.type_of.setdefault(name, kind)
        self.names = frozenset(self.type_of)
        self._buckets: dict[tuple[str, str, int], tuple[list[str], set[str]]] = {}
        self.by_first_word: dict[str, list[str]] = {}
        self.wordless: list[str] = []
        for name in self.type_of:
            spans = word_spans(name)
            if spans:
                self.by_first_word.setdefault(name[spans[0][0] : spans[0][1]], []).append(name)
            else:
                self.wordless.append(name)

    def bucket(self, kind: str, script: str, n_tokens: int) -> tuple[list[str], set[str]]:
        """Names of one type and script (and, unless ``n_tokens`` is 0, that many tokens), sorted."""
        key = (kind, script, n_tokens)
        if key not in self._buckets:
            names = [
                n
                for n in self.pools.get(kind, ())
                if _script_of_text(n) == script and (not n_tokens or len(n.split()) == n_tokens)
            ]
            self._buckets[key] = (names, set(names))
        return self._buckets[key]

    def present(self, text: str) -> list[str]:
        """The names occurring in ``text`` (as substrings), longest first."""
        words = {text[s:e] for s, e in word_spans(text)}
        found = {n for w in words for n in self.by_first_word.get(w, ()) if n in text}
        found.update(n for n in self.wordless if n in text)
        return sorted(found, key=lambda n: (-len(n), n))


def entity_swap(
    examples: list[dict], fmt: str, strength: float, seed: int, *, entities: dict[str, list[str]] | None = None
) -> list[dict]:
    """Rename each distinct entity of an example, with probability ``strength``, to another entity of the same
    type, same script and (tagging) same number of tokens, consistently in every field; two entities never merge
    into one and a name already in the example is never reused. In BIO-tagged data the tags say what is an
    entity (the gazetteer only adds the names to draw from and finds untagged repeats of tagged names)."""
    form = _check_args(fmt, strength)
    if form.one_sided:
        raise ValueError(
            f"entity_swap is not label-preserving on {fmt}: renaming entities on the src side alone "
            "breaks its pairing with the English tgt line"
        )
    bio = form.token_level and _has_bio(examples)
    if not entities and not bio:
        raise ValueError(
            f"entity_swap on {fmt} needs entities (a gazetteer: type -> names, see "
            "lexicons.load_entities); only BIO-tagged tagging data can do without"
        )
    gaz = _Gazetteer(entity_pools(examples, fmt, entities))
    out = []
    for ex in examples:
        keyed = KeyedRandom(seed, "entity_swap", ex["id"])
        if strength <= 0:
            out.append(copy.deepcopy(ex))
        elif form.token_level:
            out.append(_swap_in_tokens(ex, form, strength, keyed, gaz, bio))
        else:
            out.append(_swap_in_text(ex, form, strength, keyed, gaz))
    return out


def _choose_renames(
    mentioned: dict[str, str],
    blocked: set[str],
    strength: float,
    keyed: KeyedRandom,
    gaz: _Gazetteer,
    same_length: bool,
) -> dict[str, str]:
    """Old name -> new name for the entities drawn for renaming (in order of first mention)."""
    renames: dict[str, str] = {}
    used = set(mentioned)
    for name, kind in mentioned.items():
        if name in blocked or keyed(f"entity:{name}").random() >= strength:
            continue
        options, option_set = gaz.bucket(kind, _script_of_text(name), len(name.split()) if same_length else 0)
        if len(option_set) <= len(option_set & used):
            continue
        rng = keyed(f"entity:{name}:choice")
        for _ in range(32):  # rejection sampling: ``used`` is small next to a real gazetteer
            new = rng.choice(options)
            if new not in used:
                break
        else:
            new = rng.choice([c for c in options if c not in used])
        renames[name] = new
        used.add(new)
    return renames


def _swap_in_tokens(ex: dict, form, strength: float, keyed: KeyedRandom, gaz: _Gazetteer, bio: bool) -> dict:
    tokens = ex["tokens"]
    tagged = _tag_mentions(tokens, ex["tags"], gaz.names)
    mentions = [m for m, _ in tagged]
    types: dict[str, str] = {}
    for (_, _, name, _), kind in tagged:
        types.setdefault(name, kind)
    # BIO data: the tags decide what is an entity; the gazetteer only finds untagged repeats of tagged names
    candidates = sorted(types, key=lambda n: (-len(n), n)) if bio else gaz.present(" ".join(tokens))
    taken = {j for s, e, _, _ in mentions for j in range(s, e)}
    for mention in _gazetteer_mentions(tokens, candidates, taken):
        types.setdefault(mention[2], gaz.type_of.get(mention[2], ""))
        mentions.append(mention)
    mentions.sort()
    mentioned = {name: types[name] for _, _, name, _ in mentions}
    renames = _choose_renames(mentioned, set(), strength, keyed, gaz, same_length=True)

    def token_fn(tokens: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
        tokens = list(tokens)
        for s, e, name, suffix in mentions:
            if name in renames:
                new = renames[name].split()
                new[-1] += suffix
                tokens[s:e] = new
        return tokens, tags

    return form.rewrite(ex, _no_text_edits, token_fn)[0]


def _swap_in_text(ex: dict, form, strength: float, keyed: KeyedRandom, gaz: _Gazetteer) -> dict:
    present = gaz.present(form.all_text(ex))
    fields = form.text_items(ex)
    found = {field: _find_names(value, present) for field, value in fields}
    mentioned: dict[str, str] = {}
    for field, _ in fields:
        for _, _, name in found[field]:
            mentioned.setdefault(name, gaz.type_of[name])
    blocked: set[str] = set()
    for field, _ in fields:
        spans = form.protected_spans(ex, field)
        for s, e, name in found[field]:
            if any(cuts(s, e, a, b) for a, b in spans):
                blocked.add(name)  # renaming it would cut an answer span
    renames = _choose_renames(mentioned, blocked, strength, keyed, gaz, same_length=False)

    def text_edits(field: str, text: str, protect: list[tuple[int, int]]) -> list[Edit]:
        return [(s, e, renames[name]) for s, e, name in found[field] if name in renames]

    return form.rewrite(ex, text_edits, _same_tokens)[0]


def _no_text_edits(field: str, text: str, protect: list[tuple[int, int]]) -> list[Edit]:
    return []


def _same_tokens(tokens: list[str], tags: list[str]) -> tuple[list[str], list[str]]:
    return tokens, tags


# -- single entry ----------------------------------------------------------------------------------------------------
def _check_args(fmt: str, strength: float):
    """The format of a perturbation's input, after checking it and the strength."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown task format {fmt!r}; known: {', '.join(FORMATS)}")
    if isinstance(strength, bool) or not isinstance(strength, (int, float)) or not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be a number in [0, 1], got {strength!r}")
    return get_format(fmt)


def validate(examples: list[dict], fmt: str, what: str) -> None:
    """Check every example against its task format (raises :class:`stiltgrid.formats.FormatError`)."""
    form = get_format(fmt)
    for i, ex in enumerate(examples):
        form.check(ex, f"{what}: example {i} (id {ex.get('id') if isinstance(ex, dict) else None!r})")


def perturb(
    examples: list[dict],
    fmt: str,
    kind: str,
    strength: float,
    seed: int,
    *,
    lang: str,
    lexicons: dict[str, dict[str, str]] | None = None,
    entities: dict[str, list[str]] | None = None,
) -> list[dict]:
    """Perturb a test set in language ``lang`` with perturbation ``kind`` (one of :data:`PERTURBATIONS`); the
    result has the same examples, ids and labels in the same order and passes the format's validation.
    ``codeswitch`` needs ``lexicons`` (language -> {English word: word}, the test language included);
    ``entity_swap`` needs ``entities`` (type -> names) unless the data is BIO-tagged."""
    if kind not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {kind!r}; known: {', '.join(PERTURBATIONS)}")
    _check_args(fmt, strength)
    validate(examples, fmt, f"{kind} input")
    if kind == "char_noise":
        out = char_noise(examples, fmt, strength, seed)
    elif kind == "word_shuffle":
        out = word_shuffle(examples, fmt, strength, seed)
    elif kind == "codeswitch":
        if lexicons is None:
            raise ValueError(
                "perturbation 'codeswitch' needs lexicons (language -> {English word: word}); "
                "load them with stiltgrid.core.lexicons.load_lexicon"
            )
        out = codeswitch(examples, fmt, strength, seed, lang=lang, lexicons=lexicons)
    else:
        out = entity_swap(examples, fmt, strength, seed, entities=entities)
    validate(out, fmt, f"{kind} output")
    return out
