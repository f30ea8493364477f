"""A long feature of about 12,000 words, made the same way every time, for the long-draft tests.

A real long draft has sections under headings, paragraphs of a few sentences
and facts that differ from section to section; this one is composed from
sentence patterns and a table of places, numbers and claims, so each section
reads differently and a model has something to argue with in every one.
"""

from __future__ import annotations

import random

TOPICS = [
    ("The morning traffic", "traffic", "cars in the old centre"),
    ("What shop owners say", "trade", "customers who arrive on foot"),
    ("Pontevedra's example", "safety", "traffic deaths"),
    ("Deliveries before ten", "deliveries", "delivery vans"),
    ("The cost of bollards", "cost", "signs and bollards"),
    ("Buses and bicycles", "transport", "bus lines"),
    ("Air and noise", "health", "nitrogen dioxide"),
    ("Parking at the edge", "parking", "parking spaces"),
    ("Residents with cars", "residents", "resident permits"),
    ("Tourists in summer", "tourism", "visitors"),
    ("Emergency services", "emergencies", "ambulance times"),
    ("What the council fears", "politics", "the next election"),
]
PLACES = ["Pontevedra", "Ghent", "Utrecht", "Oslo", "Ljubljana", "Groningen", "Leuven"]
SOURCES = ["a survey", "the council's own count", "a university study", "the chamber of trade"]
PATTERNS = [
    "In {place}, {source} found that {subject} changed by {number} percent within {years} years.",
    "Critics say that {subject} will suffer, but {source} shows the opposite in {place}.",
    "The figure most often quoted is {number} percent, and it comes from {source}.",
    "Nobody has yet asked what {subject} would cost the town over {years} years.",
    "Shop owners on the main square told me that {subject} matters more than parking.",
    "If {place} could do it with {number} percent less {subject}, so can we.",
    "The plan says little about {subject}, which is where the argument is weakest.",
    "A resident of {years} years said the change in {subject} was the first thing she noticed.",
    "Some of this rests on {source}, which counted {subject} on a single day in March.",
    "The council's answer on {subject} has been the same for {years} years: wait and see.",
]


def long_draft(words: int = 12_000, seed: int = 17) -> str:
    """A feature of at least `words` words: a title, then sections of paragraphs."""
    chooser = random.Random(seed)
    lines = ["# Why our town should close its old centre to cars", ""]
    count = 0
    section = 0
    while count < words:
        title, _theme, subject = TOPICS[section % len(TOPICS)]
        round_number = section // len(TOPICS)
        lines += [f"## {title}" + (f" ({round_number + 1})" if round_number else ""), ""]
        for _paragraph in range(chooser.randint(6, 9)):
            sentences = [
                chooser.choice(PATTERNS).format(
                    place=chooser.choice(PLACES),
                    source=chooser.choice(SOURCES),
                    subject=subject,
                    number=chooser.randint(3, 60),
                    years=chooser.randint(2, 30),
                )
                for _ in range(chooser.randint(4, 6))
            ]
            paragraph = " ".join(sentences)
            count += len(paragraph.split())
            lines += [paragraph, ""]
        section += 1
    return "\n".join(lines)
