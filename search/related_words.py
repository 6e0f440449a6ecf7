"""Words too weak to relate two articles, as data (STYLE.md habit 3).

The index's analyzer removes only a short list of English stop words, so "said", "would" or
"yesterday" are indexed terms.  Two stories sharing them are not related for that reason, and a
reader shown "Shares: said, yesterday" learns nothing.  Related-article scoring ignores these words,
and so does the "why" shown with each related article.  Plain words: they are analysed (stemmed)
with the index's own analyzer where they are used, so "says" and "saying" go with "say".

Month names are dates, not topics (a story about a protest march still has its other words).
A word is listed only if its stem stands for nothing better: "according" (stem "accord"),
"currently" ("current"), "reported" ("report"), "quite" ("quit") and "several" ("sever", as in
"severe") are not, because their stems are also telling words.
"""

from __future__ import annotations

# English function words the index's stop list leaves in.
_FUNCTION_WORDS = """
    about above across after again against all almost along already although always am among
    another any anyone anything around back because been before being below between both but
    could did do does doing done down during each either else enough even ever every few first
    further had has having he her here hers herself him himself his how however i into its itself
    just least less like made make makes many me might more most much must my myself neither never
    next no nor now off often once only other others otherwise our ours ourselves out over own per
    perhaps rather really same shall she should since so some still such than their
    theirs them themselves then there these they those though through thus too under until up upon
    very was were what whatever where whether which while who whom whose why within without would
"""

# Reporting verbs and vague time or quantity words that every kind of news uses.
_NEWS_WORDS = """
    said say says saying told tell tells added adding asked announced
    statement spokesman spokeswoman official officials
    today yesterday tomorrow tonight earlier later recently meanwhile
    monday tuesday wednesday thursday friday saturday sunday week weeks weekend month months
    january february march april june july august september october november december
    year years day days time times ago
    also new one two three four five six seven eight nine ten second third last
    mr mrs ms dr
"""

FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())
NEWS_WORDS = frozenset(_NEWS_WORDS.split())
WEAK_WORDS = FUNCTION_WORDS | NEWS_WORDS
