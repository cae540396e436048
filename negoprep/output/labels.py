"""The dossier's fixed words (headings, labels) in the dossier's language.

The agents write the content in any language; the headings around it come from here. A table is
keyed by the English text; a missing word falls back to English. To add a language, add a table
and its names to `LANGUAGES`.
"""

from __future__ import annotations

from negoprep.reading.case import LANGUAGE_NAMES

NB: dict[str, str] = {
    "Preparation dossier": "Forberedelsesdossier",
    "Case folder": "Saksmappe",
    "documents": "dokumenter",
    "passages": "avsnitt",
    "written": "skrevet",
    "language": "språk",
    "Status": "Status",
    "complete": "komplett",
    "INCOMPLETE": "UFULLSTENDIG",
    "(see the warnings below)": "(se varslene under)",
    "citations verified": "kildehenvisninger verifisert",
    "of": "av",
    "marked": "merket",
    "Files with problems": "Filer med problemer",
    "One-page brief": "Sammendrag på én side",
    "Goal": "Mål",
    "Walk-away": "Smertegrense",
    "Top three moves": "De tre viktigste grepene",
    "Top three risks": "De tre største risikoene",
    "Next wise move": "Neste kloke trekk",
    "Why now": "Hvorfor nå",
    "Opening words": "Åpningsord",
    "1. Widen the field of vision": "1. Utvid synsfeltet",
    "Parties and stakeholders": "Parter og interessenter",
    "Every element at stake": "Alt som står på spill",
    "Ours": "Vår posisjon",
    "Theirs": "Deres posisjon",
    "Tradeable": "Kan byttes",
    "Our positions and interests": "Våre posisjoner og interesser",
    "Their positions and interests": "Deres posisjoner og interesser",
    "Position": "Posisjon",
    "interest": "interesse",
    "priority": "prioritet",
    "Facts": "Fakta",
    "Timeline": "Tidslinje",
    "Constraints": "Rammer og begrensninger",
    "Cognitive traps": "Kognitive feller",
    "Guard": "Motgift",
    "Assumptions challenged": "Antakelser som utfordres",
    "The narrow frame": "Den smale rammen",
    "Reframe": "Ny innramming",
    "2. Build partial alternatives": "2. Bygg delvise alternativer",
    "First step": "Første steg",
    "Does not solve": "Løser ikke",
    "Hidden trades": "Skjulte bytter",
    "We offer": "Vi tilbyr",
    "We ask": "Vi ber om",
    "Why it costs us little": "Hvorfor det koster oss lite",
    "Why they value it": "Hvorfor de verdsetter det",
    "Our side": "Vår side",
    "Counterpart": "Motpart",
    "Rehearsal persona": "Motparten i øvingen",
    "Across the table": "På andre siden av bordet",
    "Public objective": "Uttalt mål",
    "Opening stance": "Åpningsposisjon",
    "Emotional baseline": "Følelsesmessig utgangspunkt",
    "Hidden interests": "Skjulte interesser",
    "Red lines": "Absolutte grenser",
    "Softens when": "Myker opp når",
    "Hardens when": "Stivner når",
    "Packages of equivalent offers": "Pakker med likeverdige tilbud",
    "Appeals to": "Appellerer til",
    "3. Their alternatives and dependencies": "3. Deres alternativer og avhengigheter",
    "If they say no to us, what problem will they still have tomorrow morning?": (
        "Hvis de sier nei til oss, hvilket problem har de fortsatt i morgen tidlig?"
    ),
    "Their dependencies": "Deres avhengigheter",
    "Their alternatives": "Deres alternativer",
    "viability": "gjennomførbarhet",
    "cost to them": "kostnad for dem",
    "Pressures on them": "Press de står under",
    "What they need to explain a deal internally": "Hva de trenger for å forklare en avtale internt",
    "Behavioural profile": "Atferdsprofil",
    "Communication style": "Kommunikasjonsstil",
    "Decision style": "Beslutningsstil",
    "Values": "Verdier",
    "Hypotheses about hidden aims": "Hypoteser om skjulte mål",
    "confidence": "sikkerhet",
    "test": "test",
    "Likely tactics": "Sannsynlige taktikker",
    "signs": "tegn",
    "response": "svar",
    "How they may see us": "Hvordan de kan se oss",
    "4. Warnings, tactical consent and inertia": "4. Advarsler, taktisk samtykke og treghet",
    "Warnings instead of threats": "Advarsler i stedet for trusler",
    "Instead of": "I stedet for",
    "Say": "Si",
    "Shared risk": "Felles risiko",
    "Tactical-consent ladder (small yes first)": "Stige for taktisk samtykke (små ja først)",
    "Easy to accept": "Lett å akseptere",
    "Opens": "Åpner for",
    "Inertia and defaults": "Treghet og standardvalg",
    "5. Process, relationship, substance": "5. Prosess, relasjon, substans",
    "Key questions, asked three ways": "Nøkkelspørsmål, stilt på tre måter",
    "Substance": "Substans",
    "Process": "Prosess",
    "Relationship": "Relasjon",
    "Process moves": "Prosessgrep",
    "Relationship moves": "Relasjonsgrep",
    "Substance moves": "Substansgrep",
    "Communication guidance": "Råd om kommunikasjon",
    "Interaction guidance": "Råd om samhandling",
    "Negotiation guidance": "Råd om forhandlingen",
    "Phrases to use": "Formuleringer å bruke",
    "Phrases to avoid": "Formuleringer å unngå",
    "If they…, we…": "Hvis de…, gjør vi…",
    "If they": "Hvis de",
    "we": "vi",
    "Risks": "Risikoer",
    "borne by": "bæres av",
    "likelihood": "sannsynlighet",
    "impact": "konsekvens",
    "Missing information: questions to ask": "Manglende informasjon: spørsmål å stille",
    "Why": "Hvorfor",
    "Ask": "Spør",
    "Sources": "Kilder",
    "Knowledge": "Kunnskap",
    "(none)": "(ingen)",
    "Appendix": "Vedlegg",
    "⚠ unverified": "⚠ ikke verifisert",
    "no such entry": "finnes ikke",
    "partly failed": "delvis feilet",
    "Missing: the": "Mangler: agenten",
    "did not produce this part.": "leverte ikke denne delen.",
    "No output.": "Ingen utdata.",
    "Resume the run to retry only what failed": "Gjenoppta kjøringen for å prøve bare det som feilet på nytt",
    "File": "Fil",
    "Passages": "Avsnitt",
    "Notes": "Merknader",
    "Citations not verified": "Kildehenvisninger som ikke kunne verifiseres",
    "occurs in": "finnes i",
    "found in": "funnet i",
    "Knowledge ids named but not in the knowledge base": "Kunnskaps-id-er som ikke finnes i kunnskapsbasen",
    "Knowledge entries used": "Kunnskapsartikler brukt",
    "built-in": "innebygd",
    "Models, prompts and usage": "Modeller, prompter og forbruk",
    "Mode": "Modus",
    "read": "lest",
    "read with warnings": "lest med varsler",
    "unreadable": "ulesbar",
    "skipped": "hoppet over",
    "quote not in passage": "sitatet står ikke i avsnittet",
    "unknown passage": "ukjent avsnitt",
    # the reading page's own words
    "Contents": "Innhold",
    "Source passage": "Kildeavsnitt",
    "Source passages": "Kildeavsnitt",
    "Close": "Lukk",
    "quote highlighted": "sitatet er uthevet",
    "no highlight: the quote was not verified in this passage": (
        "ingen utheving: sitatet ble ikke verifisert i dette avsnittet"
    ),
    "Point at a citation to see its quote; select it to open its passage here, the quote highlighted.": (
        "Pek på en kildehenvisning for å se sitatet; velg den for å åpne avsnittet her, med sitatet uthevet."
    ),
    "Only the passages the dossier cites are kept with it.": (
        "Bare avsnittene dossieret viser til, følger med det."
    ),
    "“": "«",
    "”": "»",
    # language names (negoprep.reading.case.LANGUAGE_NAMES)
    "English": "engelsk",
    "Norwegian": "norsk",
    "Norwegian (Bokmål)": "norsk (bokmål)",
    "Swedish": "svensk",
    "Danish": "dansk",
    "German": "tysk",
    "French": "fransk",
    # values the agents fill in from fixed lists
    "ours": "vår side",
    "theirs": "motparten",
    "both": "begge",
    "third party": "tredjepart",
    "high": "høy",
    "medium": "middels",
    "low": "lav",
    "stated": "uttalt",
    "inferred": "utledet",
    "agreed": "omforent",
    "contested": "omstridt",
    "one-sided claim": "ensidig påstand",
    "past": "passert",
    "deadline": "frist",
    "upcoming": "kommende",
    "process": "prosess",
    "relationship": "relasjon",
    "substance": "substans",
    "reduces dependency": "reduserer avhengighet",
    "creates time": "skaper tid",
    "strengthens credibility": "styrker troverdighet",
    "adds process choices": "gir flere prosessvalg",
    "money": "penger",
    "delivery": "levering",
    "documentation": "dokumentasjon",
    "precedent": "presedens",
    "timing": "tidspunkt",
    "internal decision-making": "interne beslutninger",
    "liquidity": "likviditet",
    "reputation": "omdømme",
    "operations": "drift",
    "future cooperation": "fremtidig samarbeid",
    "legal": "juridisk",
    "other": "annet",
    "loss aversion": "tapsaversjon",
    "framing": "innramming",
    "overconfidence": "overdreven selvtillit",
    "escalation of commitment": "eskalerende forpliktelse",
    "anchoring": "forankring",
    "fixed-pie thinking": "nullsumtenkning",
    "bounded rationality": "begrenset rasjonalitet",
}

# English display of values the agents fill in from fixed lists, where the raw value reads badly.
DISPLAY: dict[str, str] = {"ours": "our side", "theirs": "their side"}

LANGUAGES: dict[str, dict[str, str]] = {"nb": NB}
NAMES = {"nb": ("norwegian", "norsk", "bokmål", "no", "nb", "nn", "nynorsk")}


def language_code(language: str) -> str:
    """An ISO 639-1 code for a dossier language given as a name or a code (`en` when unknown)."""
    lowered = language.strip().lower()
    for code, names in NAMES.items():
        if any(lowered == n or lowered.startswith(n + " ") for n in names):
            return code
    for code, name in LANGUAGE_NAMES.items():
        if lowered in (code, name.lower()) or lowered.startswith(name.lower() + " "):
            return code
    return "en"


def table_for(language: str) -> dict[str, str]:
    """The label table for a dossier language given as a name or a code; {} means English."""
    lowered = language.strip().lower()
    for code, names in NAMES.items():
        if any(lowered == n or lowered.startswith(n + " ") for n in names):
            return LANGUAGES[code]
    return {}
