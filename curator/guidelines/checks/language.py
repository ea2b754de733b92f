"""The reply language check, with a small offline language detector built on stop-word profiles."""

from __future__ import annotations

import re
from collections import Counter

from pydantic import Field, field_validator

from curator.guidelines.checks.prefilter import fast, lowered
from curator.guidelines.checks.registry import CheckParams, Flag, check, partly_read, scanned
from curator.models import Example

UNKNOWN = "unknown"

LANGUAGE_NAMES = {
    "en": "English", "de": "German", "es": "Spanish", "fr": "French",
    "it": "Italian", "pt": "Portuguese", "nl": "Dutch",
}

# The most frequent function words of each language: they make up a third or more of any
# running text, whatever its topic, so a few sentences are enough to tell the languages apart.
_STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the and of to is in that it you for with on are this be as have was not your can will or "
        "but at by from they we if an my there what which would about should has do does been their our "
        "just than then into also how when here please any these those its them were it's don't you'll "
        "i'm i you're let me so",
        "de": "der die das und ist nicht ich sie es ein eine einen einem dem den des mit auf für von zu im "
        "sich auch wie bei oder aber wenn sind wird werden kann können dass nur noch schon hier bitte ihr "
        "ihre ihnen mein wir uns haben hat diese dieser dieses kein keine nach über sehr gibt zum zur dann "
        "man ob um wo mich mir dir dich",
        "es": "el la los las de del que y en un una es por para con no se su sus lo al como más pero sí muy "
        "este esta estos también puede puedes hay ser está están tu usted nos cuando donde porque ya le les "
        "si sin sobre gracias mi eso",
        "fr": "le la les de des du et est un une en que qui pour pas ne dans sur avec il elle vous nous je ce "
        "cette ces son sa ses au aux par plus mais ou sont être avoir votre vos très peut pouvez si tout "
        "aussi comme merci bien c'est n'est",
        "it": "il lo la gli le di del della che e è un una per non con sono si da dei delle nel nella al alla "
        "come più ma anche questo questa può puoi essere ha hanno mi ti ci suo sua tuo grazie molto se "
        "quando dove perché già",
        "pt": "o a os as de do da dos das que e é um uma para com não em no na nos nas por se mais mas como ao "
        "pelo pela você seu sua são está também pode muito isso este esta ser ter já obrigado quando onde "
        "porque há",
        "nl": "de het een en van is dat die niet in op te met voor zijn er aan ook als maar om bij dit je u uw "
        "wij we ze naar kan kunt wordt worden heeft hebben nog wel geen meer dan hoe wat waar omdat alleen "
        "graag bedankt uit tot",
    }.items()
}
# A word shared by several profiles counts for each only in part ("de" is es, fr, pt and nl).
_WEIGHTS: dict[str, dict[str, float]] = {}
for _lang, _words in _STOP_WORDS.items():
    for _word in _words:
        _WEIGHTS.setdefault(_word, {})[_lang] = 1.0
for _word, _langs in _WEIGHTS.items():
    for _lang in _langs:
        _langs[_lang] = 1.0 / len(_langs)

# The same weights as whole multiples of 1/420 (420 is divisible by 1 to 7, the most profiles a
# word can share), so the pre-filter can compare scores exactly, with no rounding to worry about.
_UNITS: dict[str, dict[str, int]] = {w: {lang: 420 // len(langs) for lang in langs} for w, langs in _WEIGHTS.items()}
_NOISE_MARKS = ("`", "://", "@")  # _NOISE cannot match a text without one of these
# The e-mail alternative starts only where a run of non-space starts: unanchored, "\S+@" tried
# again at every position of one long run is quadratic ("a.a.a...a@" took 45 s at 80 kB).
_NOISE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`|https?://\S+|(?<!\S)\S+@\S+", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def language_scores(text: str) -> dict[str, float]:
    """Weighted stop-word hits per language, over the text's words (code and URLs left out)."""
    words = _WORD.findall(_NOISE.sub(" ", text).lower().replace("\u2019", "'"))
    scores: dict[str, float] = dict.fromkeys(_STOP_WORDS, 0.0)
    for word in words:
        for lang, weight in _WEIGHTS.get(word, {}).items():
            scores[lang] += weight
    return {lang: score / len(words) if words else 0.0 for lang, score in scores.items()}


def detect_language(text: str, *, min_words: int = 6) -> str:
    """The text's language code (en, de, es, fr, it, pt, nl), or "unknown" when unsure or too short."""
    words = _WORD.findall(_NOISE.sub(" ", text))
    if len(words) < min_words:
        return UNKNOWN
    ranked = sorted(language_scores(text).items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    # Too few function words (a list of names, a table) or two languages too close: say so.
    if top < 0.12 or top * len(words) < 2.5 or top < second * 1.3:
        return UNKNOWN
    return best


def _surely_in(text: str, language: str, min_words: int) -> bool:
    """True only when detect_language(text) is certainly ``language`` or "unknown" (False: not sure).

    Exact: the stop-word sums are counted in whole units, so "``language`` scores strictly
    highest" holds for the float scores too (their rounding is far below one unit), and the
    stable sort then ranks ``language`` first.
    """
    kept = _NOISE.sub(" ", text) if any(mark in text for mark in _NOISE_MARKS) else text
    low = lowered(kept)
    if low is None:
        return False
    scored = low.replace("\u2019", "'")
    words = _WORD.findall(scored)
    # Lower-casing keeps the words where they are (see prefilter), so this counts the words
    # detect_language counts; only a curly apostrophe, made straight above, joins two of them.
    count = len(words) if "\u2019" not in low else len(_WORD.findall(low))
    if count < min_words:
        return True
    units = dict.fromkeys(_STOP_WORDS, 0)
    counts = Counter(words)
    for word in counts.keys() & _UNITS.keys():  # integer sums: the order of adding is free
        n = counts[word]
        for lang, unit in _UNITS[word].items():
            units[lang] += unit * n
    best_other = max(v for lang, v in units.items() if lang != language)
    return units[language] > best_other or units[language] == best_other == 0


class ReplyLanguageParams(CheckParams):
    language: str  # filled from the guideline's language unless the rule names one
    min_words: int = Field(default=6, ge=1)

    @field_validator("language")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value not in LANGUAGE_NAMES:
            raise ValueError(f"language {value!r} cannot be detected; supported: {', '.join(LANGUAGE_NAMES)}")
        return value


@check("reply_language", params=ReplyLanguageParams)
def reply_language(example: Example, params: ReplyLanguageParams) -> list[Flag]:
    """The final assistant reply is written in the guideline's language."""
    reply = example.final_reply
    if reply is None:
        return []
    index = max(i for i, m in enumerate(example.messages) if m is reply)
    unread = partly_read("reply_language", index, reply.text)
    text = scanned(reply.text)
    if fast() and _surely_in(text, params.language, params.min_words):
        return unread
    found = detect_language(text, min_words=params.min_words)
    if found in (UNKNOWN, params.language):
        return unread
    message = f"reply (message {index + 1}) is in {LANGUAGE_NAMES[found]}, not {LANGUAGE_NAMES[params.language]}"
    return [*unread, Flag(check="reply_language", message=message, message_index=index)]
