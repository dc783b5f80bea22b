"""Languages of the generated world: derived lexicons (proto-forms + regular sound changes + script) and grammars
(word order, adjective position, negation, case, questions), and the realiser that turns a :class:`Clause` into
tokens with exact POS, NER and CCG-like supertags in every language.
"""

from __future__ import annotations

import random
import re
from typing import NamedTuple

from stiltgrid.world.lexicon import EXTRA_FUNCTION_WORDS, FUNCTION_WORDS, LEXICON
from stiltgrid.world.meaning import NP, Clause, cat, wh_key
from stiltgrid.world.scripts import to_script

# ---------------------------------------------------------------------------------------------------------------
# sound changes: regular rewrite rules on lower-case Latin forms; a language applies the first round(drift * len)
# rules of its own seeded shuffle of this pool, in pool order.

SOUND_CHANGES: tuple[tuple[str, str, str], ...] = (
    ("ck>k", r"ck", "k"),
    ("c>s", r"c(?=[eiy])", "s"),
    ("c>k", r"c(?![h])", "k"),
    ("qu>kw", r"qu", "kw"),
    ("x>ks", r"x", "ks"),
    ("ph>f", r"ph", "f"),
    ("th>d", r"th", "d"),
    ("sh>sj", r"sh", "sj"),
    ("ch>tj", r"ch", "tj"),
    ("w>v", r"w", "v"),
    ("y>j", r"^y", "j"),
    ("ee>ie", r"ee", "ie"),
    ("oo>u", r"oo", "u"),
    ("ou>au", r"ou", "au"),
    ("ea>e", r"ea", "e"),
    ("ai>ei", r"ai", "ei"),
    ("a>e", r"a(?![aeiou])", "e"),
    ("o>u", r"o(?![aeiou])", "u"),
    ("i>y", r"(?<=[^aeiou])i(?=[^aeiou])", "y"),
    ("-e", r"(?<=\w\w\w)e$", ""),
    ("+e", r"(?<=[bdgkptfvz])$", "e"),
    ("s>z", r"(?<=[aeiou])s(?=[aeiou])", "z"),
    ("p>b", r"(?<=[aeiou])p(?=[aeiou])", "b"),
    ("t>d", r"(?<=[aeiou])t(?=[aeiou])", "d"),
    ("k>g", r"(?<=[aeiou])k(?=[aeiou])", "g"),
    ("d>t", r"d$", "t"),
    ("g>gh", r"g$", "gh"),
    ("h-", r"^h(?=[aeiou])", ""),
    ("gem", r"([bdfgklmnprst])\1", r"\1"),
    ("s>n", r"(?<=[^s])s$", "n"),
    ("er>ar", r"er", "ar"),
    ("y>i", r"y$", "i"),
)
_COMPILED = tuple((name, re.compile(pat), repl) for name, pat, repl in SOUND_CHANGES)

DEFAULT_PHONOLOGY = {
    "onsets": ["b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "br"],
    "nuclei": ["a", "e", "i", "o", "u", "ea", "oo"],
    "codas": ["", "", "n", "r", "s", "t", "ck"],
}

UPOS = ("ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT", "VERB")
NER_TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG")
CCG_TAGS = (
    "N",
    "N/N",
    "N\\N",
    "NP",
    "NP/N",
    "conj",
    ".",
    ",",
    "?",
    "(S\\NP)/NP",
    "(S\\NP)\\NP",
    "(S/NP)/NP",
    "(S\\NP)/(S\\NP)",
    "(S\\NP)\\(S\\NP)",
    "(S/(S\\NP))/NP",
    "S\\NP",
    "S/S",
    "S\\S",
    "((S\\NP)\\(S\\NP))/NP",
    "((S\\NP)\\(S\\NP))\\NP",
    "(S/S)/NP",
    "(S/S)\\NP",
    "(NP\\NP)/(S\\NP)",
    "(NP\\NP)\\(S\\NP)",
    "(N/N)/(N/N)",
    "S/(S\\NP)",
    "S/(S/NP)",
)


class Tok(NamedTuple):
    text: str
    pos: str
    ner: str
    ccg: str
    role: str  # which part of the meaning the token realises ("subj", "obj", "loc", "rel.obj", ...)


def _pseudo_word(rng: random.Random, phon: dict, syllables: int) -> str:
    out = []
    for i in range(syllables):
        onset = rng.choice(phon["onsets"])
        if i > 0 and not onset:
            onset = rng.choice([o for o in phon["onsets"] if o] or ["n"])
        out.append(onset + rng.choice(phon["nuclei"]) + (rng.choice(phon["codas"]) if i == syllables - 1 else ""))
    return "".join(out)


def sound_change_rules(seed: int, family: str, drift: float) -> list[str]:
    """The rules a language of ``family`` with ``drift`` applies: the first round(drift * len(pool)) rules of the
    family's seeded shuffle of the pool, applied in pool order. Rules are nested within a family (a sister with more
    drift applies a superset of the changes), so lexical distance to the proto-language grows with drift."""
    rng = random.Random(f"{seed}:sound:{family}")
    order = list(range(len(SOUND_CHANGES)))
    rng.shuffle(order)
    k = round(drift * len(SOUND_CHANGES))
    return [SOUND_CHANGES[i][0] for i in sorted(order[:k])]


def proto_lexicon(seed: int, family: str, fam: dict) -> dict[tuple[str, str], str]:
    """(lexeme key, form name) -> proto-form for every non-entity lexeme, plus the family's bound morphemes
    ("#CASE", "#PL", "#FIN")."""
    proto: dict[tuple[str, str], str] = {}
    if fam["proto"] == "english":
        for key, lx in LEXICON.items():
            if lx.cat in ("PER", "LOC", "ORG") or key in EXTRA_FUNCTION_WORDS:
                continue
            for form, text in lx.forms:
                proto[(key, form)] = text
        phon = fam.get("phonology", DEFAULT_PHONOLOGY)
        rng = random.Random(f"{seed}:proto:{family}:#morph")
        used = set(proto.values())
        for key in EXTRA_FUNCTION_WORDS:
            w = _pseudo_word(rng, phon, 1)
            while w in used:
                w = _pseudo_word(rng, phon, 1)
            used.add(w)
            proto[(key, "base")] = w
        proto[("#CASE", "base")] = _pseudo_word(rng, phon, 1)
        return proto
    phon = fam["phonology"]
    used: set[str] = set()
    mrng = random.Random(f"{seed}:proto:{family}:#morph")
    consonants = [o for o in phon["onsets"] if o]
    pl = mrng.choice(phon["nuclei"]) + mrng.choice(consonants) + mrng.choice(phon["nuclei"])
    fin = mrng.choice(consonants) + mrng.choice(phon["nuclei"])
    case = mrng.choice(consonants) + mrng.choice(phon["nuclei"])
    for key, lx in LEXICON.items():
        if lx.cat in ("PER", "LOC", "ORG"):
            continue
        rng = random.Random(f"{seed}:proto:{family}:{key}")
        nsyl = 1 if lx.cat == "FUNC" else rng.choice((2, 2, 3))
        stem = _pseudo_word(rng, phon, nsyl)
        tries = 0
        while stem in used:
            tries += 1
            stem = _pseudo_word(rng, phon, nsyl + (tries > 20))
        used.add(stem)
        if lx.cat == "NOUN":
            proto[(key, "sg")] = stem
            proto[(key, "pl")] = stem + pl
        elif lx.cat == "VERB":
            proto[(key, "base")] = stem
            proto[(key, "fin")] = stem + fin
            proto[(key, "plfin")] = stem + fin
        else:
            proto[(key, "base")] = stem
    proto[("#CASE", "base")] = case
    return proto


class Language:
    """One language: its word forms and its grammar; :meth:`realise` turns meanings into tagged tokens."""

    def __init__(self, code: str, spec: dict, family: dict, proto: dict[tuple[str, str], str], seed: int):
        self.code = code
        self.name = spec["name"]
        self.family = spec["family"]
        self.script = spec["script"]
        self.volume = float(spec["volume"])
        self.drift = float(spec["drift"])
        self.g = family
        self.rules = sound_change_rules(seed, self.family, self.drift)
        rule_set = set(self.rules)
        compiled = [(pat, repl) for name, pat, repl in _COMPILED if name in rule_set]

        def change(text: str) -> str:
            out = text
            for pat, repl in compiled:
                out = pat.sub(repl, out)
            return out or text

        # entities: transliterated, never sound-changed
        self.names: dict[str, tuple[str, ...]] = {
            key: tuple(to_script(t, self.script) for t in key.split())
            for key, lx in LEXICON.items()
            if lx.cat in ("PER", "LOC", "ORG")
        }
        # lexical forms: sound change, made unique per lexeme, then script
        latin: dict[tuple[str, str], str] = {}
        owner: dict[str, str] = {}
        for (key, form), text in proto.items():
            if key.startswith("#"):
                continue
            w = change(text)
            fill = 0
            while owner.get(w, key) != key:
                w = w + "aeiou"[fill % 5]
                fill += 1
            owner.setdefault(w, key)
            latin[(key, form)] = w
        self.forms: dict[tuple[str, str], str] = {k: to_script(v, self.script) for k, v in latin.items()}
        self.case_suffix = to_script(change(proto[("#CASE", "base")]), self.script) if family["object_case"] else ""
        self._pools: dict[str, list[str]] | None = None

    # -- words --------------------------------------------------------------------------------------------------
    def word(self, key: str, form: str = "base") -> str:
        """This language's form of a lexeme (nouns: "sg"/"pl", the default "base" meaning "sg"; verbs:
        "base"/"fin"/"plfin")."""
        try:
            return self.forms[(key, form)]
        except KeyError:
            if form == "base" and (key, "sg") in self.forms:
                return self.forms[(key, "sg")]
            raise KeyError(f"{self.code}: no form {form!r} of {key!r}") from None

    def lexicon(self) -> list[tuple[str, str, str]]:
        """(English word, this language's word, UPOS) for every word form and entity; first English form wins."""
        rows: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for key, lx in LEXICON.items():
            if key in EXTRA_FUNCTION_WORDS:
                continue
            if lx.cat in ("PER", "LOC", "ORG"):
                en, pos = key, "PROPN"
                if en not in seen:
                    seen.add(en)
                    rows.append((en, " ".join(self.names[key]), pos))
                continue
            pos = {"NOUN": "NOUN", "VERB": "VERB", "ADJ": "ADJ"}.get(lx.cat) or _FUNC_POS[key]
            for form, en in lx.forms:
                if en not in seen:
                    seen.add(en)
                    rows.append((en, self.forms[(key, form)], pos))
        return rows

    def pools(self) -> dict[str, list[str]]:
        """Word lists by UPOS, for noisy substitution."""
        if self._pools is None:
            pools: dict[str, list[str]] = {}
            for _en, word, pos in self.lexicon():
                if pos != "PROPN":
                    pools.setdefault(pos, []).append(word)
            self._pools = pools
        return self._pools

    # -- noun phrases -------------------------------------------------------------------------------------------
    def np(self, np: NP, role: str, case: bool = False, bare: bool = False) -> list[Tok]:
        g = self.g
        c = cat(np.head)
        if c in ("PER", "LOC", "ORG"):
            parts = self.names[np.head]
            toks = [
                Tok(t, "PROPN", ("B-" if i == 0 else "I-") + c, "N" if i == len(parts) - 1 else "N/N", role)
                for i, t in enumerate(parts)
            ]
            if case and self.case_suffix:
                last = toks[-1]
                toks[-1] = last._replace(text=last.text + "'" + self.case_suffix)
            return toks
        if np.head == "one":
            toks = [Tok(self.word("one"), "PRON", "O", "NP", role)]
        else:
            after = g["adjective"] == "after"
            plural = np.plural
            toks = []
            if g["articles"] and not plural and not bare:
                toks.append(Tok(self.word("the"), "DET", "O", "NP/N", role))
            if np.quant in ("over", "under"):
                toks.append(Tok(self.word(np.quant), "ADV", "O", "(N/N)/(N/N)", role))
            if np.num is not None:
                toks.append(Tok(str(np.num), "NUM", "O", "N/N", role + ".num"))
            if np.quant == "more":
                toks.append(Tok(self.word("more"), "ADJ", "O", "N/N", role))
            adj = Tok(self.word(np.adj), "ADJ", "O", "N\\N" if after else "N/N", role) if np.adj else None
            if adj and not after:
                toks.append(adj)
            toks.append(Tok(self.word(np.head, "pl" if plural else "sg"), "NOUN", "O", "N", role))
            if adj and after:
                toks.append(adj)
        if case and self.case_suffix:
            last = toks[-1]
            toks[-1] = last._replace(text=last.text + self.case_suffix)
        return toks

    # -- clauses ------------------------------------------------------------------------------------------------
    def _verb_group(
        self, c: Clause, plural: bool, base: bool, role: str, in_question: bool
    ) -> tuple[list[Tok], list[Tok]]:
        """(verb group tokens, tokens to put at clause end) for the clause's verb, negation and adverb."""
        g = self.g
        order = g["order"]
        vso = order == "VSO"
        vp_mod_pre = "S/S" if vso else "(S\\NP)/(S\\NP)"
        vp_mod_post = "S\\S" if vso else "(S\\NP)\\(S\\NP)"
        if c.verb is None:
            vtok = Tok(
                self.word("is"),
                "AUX",
                "O",
                {"SVO": "(S\\NP)/(S\\NP)", "SOV": "(S\\NP)\\(S\\NP)", "VSO": "(S/(S\\NP))/NP"}[order],
                role + "verb",
            )
        else:
            form = "base" if base else ("plfin" if plural else "fin")
            vtok = Tok(
                self.word(c.verb, form),
                "VERB",
                "O",
                {"SVO": "(S\\NP)/NP", "SOV": "(S\\NP)\\NP", "VSO": "(S/NP)/NP"}[order],
                role + "verb",
            )
        group: list[Tok] = [vtok]
        tail: list[Tok] = []
        if c.neg:
            neg = g["negation"]
            if neg == "aux":
                not_tok = Tok(self.word("not"), "PART", "O", "(S\\NP)\\(S\\NP)", role + "neg")
                if c.verb is None or in_question:
                    group = [vtok, not_tok] if c.verb is None else [not_tok, vtok]
                else:
                    aux = Tok(self.word("do" if plural else "does"), "AUX", "O", "(S\\NP)/(S\\NP)", role + "neg")
                    base_tok = vtok._replace(text=self.word(c.verb, "base"))
                    group = [aux, not_tok, base_tok]
            elif neg == "preverbal":
                group = [Tok(self.word("not"), "PART", "O", vp_mod_pre, role + "neg"), vtok]
            elif neg == "postverbal":
                group = [vtok, Tok(self.word("not"), "PART", "O", vp_mod_post, role + "neg")]
            else:  # final
                tail = [Tok(self.word("not"), "PART", "O", "S\\S", role + "neg")]
        if c.adv:
            group = [Tok(self.word(c.adv), "ADV", "O", vp_mod_pre, role + "adv")] + group
        return group, tail

    def _loc(self, loc: str, role: str, front: bool) -> list[Tok]:
        pre = self.g["adposition"] == "pre"
        if front:
            ccg = "(S/S)/NP" if pre else "(S/S)\\NP"
        else:
            ccg = "((S\\NP)\\(S\\NP))/NP" if pre else "((S\\NP)\\(S\\NP))\\NP"
        adp = Tok(self.word("in"), "ADP", "O", ccg, role + "adp")
        name = self.np(NP(loc), role + "loc")
        return [adp] + name if pre else name + [adp]

    def _subject(self, c: Clause, role: str) -> list[Tok]:
        toks: list[Tok] = []
        for i, s in enumerate(c.subj):
            if i:
                toks.append(Tok(self.word("and"), "CCONJ", "O", "conj", role + "subj"))
            toks.extend(self.np(s, role + "subj"))
        if c.rel is not None:
            toks.extend(self._relative(c.rel, role + "rel."))
        return toks

    def _relative(self, r: Clause, role: str) -> list[Tok]:
        g = self.g
        sov = g["order"] == "SOV"
        who = Tok(self.word("who"), "PRON", "O", "(NP\\NP)\\(S\\NP)" if sov else "(NP\\NP)/(S\\NP)", role + "who")
        group, tail = self._verb_group(r, False, False, role, False)
        obj = self.np(r.obj, role + "obj", case=True)
        body = obj + group if sov else group + obj
        body += tail
        comma = Tok(",", "PUNCT", "O", ",", role + "punct")
        return [comma] + (body + [who] if sov else [who] + body) + [comma]

    def _wh_phrase(self, c: Clause, role: str, fronted: bool) -> list[Tok]:
        if c.wh == "subj":
            key = wh_key(c.subj[0])
            return [Tok(self.word(key), "PRON", "O", "S/(S\\NP)" if fronted else "NP", role + "wh")]
        if c.wh == "obj":
            key = wh_key(c.obj)
            tok = Tok(self.word(key), "PRON", "O", "S/(S/NP)" if fronted else "NP", role + "wh")
            if not fronted and self.case_suffix:
                tok = tok._replace(text=tok.text + self.case_suffix)
            return [tok]
        if c.wh == "loc":
            return [Tok(self.word("where"), "ADV", "O", "S/S" if fronted else "(S\\NP)\\(S\\NP)", role + "wh")]
        # how many + noun
        toks = [
            Tok(self.word("how"), "ADV", "O", "(N/N)/(N/N)", role + "wh"),
            Tok(self.word("many"), "ADJ", "O", "N/N", role + "wh"),
            Tok(self.word(c.obj.head, "pl"), "NOUN", "O", "N", role + "wh"),
        ]
        if not fronted and self.case_suffix:
            toks[-1] = toks[-1]._replace(text=toks[-1].text + self.case_suffix)
        return toks

    def clause(self, c: Clause, role: str = "") -> list[Tok]:
        """Tokens of one sentence (with final punctuation)."""
        g = self.g
        order = g["order"]
        plural = len(c.subj) > 1 and c.wh != "subj"
        question = c.wh is not None
        qmode = g["question"] if question else None
        aux_q = qmode == "front_aux" and c.wh != "subj"
        group, tail = self._verb_group(c, plural, aux_q and c.verb is not None, role, aux_q)
        if c.verb is None:
            ccg_pred = "S\\NP"
            comp = [Tok(self.word(c.pred), "ADJ", "O", ccg_pred, role + "pred")]
        elif c.wh in ("obj", "num"):
            comp = ["WH"]
        else:
            comp = self.np(c.obj, role + "obj", case=True)
        subj: list = ["WH"] if c.wh == "subj" else self._subject(c, role)
        loc: list = []
        if c.wh == "loc":
            loc = ["WH"]
        elif c.loc:
            loc = [] if c.loc_front else self._loc(c.loc, role, False)
        if order == "SVO":
            blocks = [subj, group, comp, loc]
        elif order == "SOV":
            blocks = [subj, loc, comp, group]
        else:
            blocks = [group, subj, comp, loc]
        fronted_wh = question and (qmode in ("front", "front_aux") or (c.wh == "subj" and order != "VSO"))
        toks: list[Tok] = []
        if question and fronted_wh:
            toks.extend(self._wh_phrase(c, role, True))
            rest = [b for b in blocks if b != ["WH"]]
            if aux_q:
                aux = Tok(self.word("do" if plural else "does"), "AUX", "O", "(S/(S\\NP))/NP", role + "aux")
                if c.verb is None:
                    aux = None
                s_block = self._subject(c, role)
                rest = [b for b in rest if b is not subj]
                toks += ([aux] if aux else []) + s_block
            for b in rest:
                toks.extend(b)
        else:
            for b in blocks:
                if b == ["WH"]:
                    toks.extend(self._wh_phrase(c, role, False))
                else:
                    toks.extend(b)
        toks.extend(tail)
        if c.loc and c.loc_front and c.wh != "loc":
            toks = self._loc(c.loc, role, True) + [Tok(",", "PUNCT", "O", ",", role + "punct")] + toks
        if c.then:
            toks = [Tok(self.word("then"), "ADV", "O", "S/S", role + "then")] + toks
        if question and g["question_particle"]:
            q = Tok(self.word("QPART"), "PART", "O", "S\\S" if g["question_particle"] == "final" else "S/S", role + "q")
            toks = [q] + toks if g["question_particle"] == "initial" else toks + [q]
        toks.append(Tok("?" if question else ".", "PUNCT", "O", "?" if question else ".", role + "punct"))
        return toks

    def realise(self, clauses: Clause | list[Clause]) -> list[Tok]:
        """Tokens of one or more sentences; roles of sentence i are prefixed ``"{i}:"``."""
        if isinstance(clauses, Clause):
            return self.clause(clauses, "0:")
        out: list[Tok] = []
        for i, c in enumerate(clauses):
            out.extend(self.clause(c, f"{i}:"))
        return out

    def text(self, clauses: Clause | list[Clause]) -> str:
        return " ".join(t.text for t in self.realise(clauses))

    def noisy(self, toks: list[Tok], noise: float, rng: random.Random, protect=frozenset()) -> list[Tok]:
        """Deliberately noisy translation: each plain word (not an entity, number, punctuation or a protected index)
        is, with probability ``noise``, dropped or replaced by a random word of the same POS."""
        if noise <= 0:
            return toks
        pools = self.pools()
        out: list[Tok] = []
        for i, t in enumerate(toks):
            if i in protect or t.ner != "O" or t.pos in ("PUNCT", "NUM") or rng.random() >= noise:
                out.append(t)
                continue
            if rng.random() < 0.5 and len(toks) > 2:
                continue
            pool = pools.get(t.pos)
            out.append(t._replace(text=rng.choice(pool)) if pool else t)
        return out or toks


_FUNC_POS = {
    "the": "DET",
    "not": "PART",
    "does": "AUX",
    "do": "AUX",
    "is": "AUX",
    "in": "ADP",
    "and": "CCONJ",
    "who": "PRON",
    "what": "PRON",
    "where": "ADV",
    "how": "ADV",
    "many": "ADJ",
    "one": "PRON",
    "usually": "ADV",
    "then": "ADV",
    "over": "ADV",
    "under": "ADV",
    "more": "ADJ",
}
assert set(_FUNC_POS) == set(FUNCTION_WORDS)
