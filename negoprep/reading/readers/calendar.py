"""Calendar files and invitations (.ics, text/calendar parts of mails; icalendar).

Each event (and to-do) becomes one "event" block with what a calendar shows at a glance
("Event: ... | When: 2024-03-12 10:00-11:30 CET | Where: ... | Organizer: ... | Attendees: ...",
a cancellation or a repeat said in words), followed by its description split at blank lines.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from negoprep.reading.readers.base import (
    Block,
    FormatReader,
    RawDocument,
    ReadOptions,
    UnreadableFile,
)
from negoprep.reading.readers.text import decode_text, text_blocks

if TYPE_CHECKING:
    from icalendar.cal import Component

_COMPONENTS = ("VEVENT", "VTODO")


def _when(value: Any) -> str:
    """A DTSTART/DTEND value as shown: '2024-03-12' or '2024-03-12 10:00 CET'."""
    moment = getattr(value, "dt", value)
    if isinstance(moment, datetime):
        zone = moment.tzname() or ""
        return f"{moment:%Y-%m-%d %H:%M} {zone}".strip()
    if isinstance(moment, date):
        return moment.isoformat()
    return " ".join(str(moment).split())


def _span(component: Component) -> str:
    start, end = component.get("DTSTART"), component.get("DTEND") or component.get("DUE")
    if start is None:
        return ""
    first = _when(start)
    if end is None:
        return first
    last = _when(end)
    if first[:10] == last[:10] and len(first) > 10:  # same day: 10:00-11:30
        return f"{first[:16]}-{last[11:]}"
    return f"{first} to {last}"


def _person(value: Any) -> str:
    address = str(value).removeprefix("mailto:").removeprefix("MAILTO:")
    name = getattr(value, "params", {}).get("CN")
    return f"{name} <{address}>" if name else address


def _people(value: Any) -> str:
    values = value if isinstance(value, list) else [value]
    return ", ".join(_person(v) for v in values)


def _rule(component: Component) -> str:
    if "RRULE" not in component:
        return ""
    rule = component["RRULE"].to_ical()
    return rule.decode() if isinstance(rule, bytes) else str(rule)


def _event_blocks(component: Component, method: str) -> list[Block]:
    kind = "To-do" if component.name == "VTODO" else "Event"
    fields = [f"{kind}: {' '.join(str(component.get('SUMMARY', '(no title)')).split())}"]
    status = str(component.get("STATUS", "")).upper()
    if method == "CANCEL" or status == "CANCELLED":
        fields.append("Cancelled")
    for label, value in (
        ("When", _span(component)),
        ("Repeats", _rule(component)),
        ("Where", " ".join(str(component.get("LOCATION", "")).split())),
        ("Organizer", _person(component["ORGANIZER"]) if "ORGANIZER" in component else ""),
        ("Attendees", _people(component["ATTENDEE"]) if "ATTENDEE" in component else ""),
    ):
        if value:
            fields.append(f"{label}: {value}")
    blocks = [Block(text=" | ".join(fields), kind="event")]
    description = str(component.get("DESCRIPTION", "")).replace("\r\n", "\n")
    blocks.extend(text_blocks(description))
    return blocks


def read_calendar(data: bytes, name: str) -> RawDocument:
    """Read an iCalendar file: one event block per event or to-do, then its description."""
    import icalendar

    text, encoding, warnings = decode_text(data)
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except ValueError as exc:
        raise UnreadableFile(f"not a valid calendar file: {' '.join(str(exc).split())}") from exc
    method = str(calendar.get("METHOD", "")).upper()
    doc = RawDocument(name=name, format="ics", warnings=warnings)
    doc.metadata["encoding"] = encoding
    for component in calendar.walk():
        if component.name in _COMPONENTS:
            doc.blocks.extend(_event_blocks(component, method))
    if not doc.blocks:
        raise UnreadableFile("the calendar file has no events")
    return doc


def _read(data: bytes, name: str, options: ReadOptions) -> RawDocument:
    return read_calendar(data, name)


READER = FormatReader(
    format="ics",
    name="calendar",
    label="a calendar file (.ics)",
    suffixes=frozenset({".ics", ".ical", ".ifb", ".vcs"}),
    media_types=frozenset({"text/calendar", "application/ics"}),
    read_function=_read,
)
