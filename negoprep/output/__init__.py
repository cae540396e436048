"""Output: the dossier as data, its rendering, translated labels, rehearsal transcripts."""
