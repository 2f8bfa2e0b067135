#!/usr/bin/env python3
"""Puts one generated section into tests/bench/RESULTS.md, in place.

  write_section.py OUT SECTION_FILE [AFTER]

SECTION_FILE's first line is its start marker ("<!-- NAME results: written by ... -->") and its
last line its end marker ("<!-- end of NAME results -->"). The text in OUT from the start marker
(matched up to its colon) to the end marker is replaced by the section; a section not yet in OUT
goes after the line AFTER (another section's end marker, say) when given and present, else before
the hand-written "## Summary", or at the end when there is none. Every run_*.sh
script writes its part this way, so rerunning one part keeps the others and the summary.
"""
import os
import sys


def write_section(out, section, after=None):
    lines = section.rstrip("\n").split("\n")
    start_marker, end_marker = lines[0].split(":")[0], lines[-1]
    if not start_marker.startswith("<!--") or not end_marker.startswith("<!-- end"):
        sys.exit(f"write_section.py: the section must open with '<!-- NAME results: ...' and close "
                 f"with '<!-- end ... -->'; it opens with {lines[0]!r}")
    section = "\n".join(lines) + "\n"
    text = open(out, encoding="utf-8").read() if os.path.exists(out) else ""
    start, end = text.find(start_marker), text.find(end_marker)
    if start >= 0 and end > start:
        rest = text[end + len(end_marker):]
        text = text[:start] + section + (rest[1:] if rest.startswith("\n") else rest)
    elif after and after in text:
        if not text.endswith("\n"):
            text += "\n"
        at = text.index("\n", text.index(after)) + 1
        text = text[:at] + "\n" + section + text[at:]
    elif "\n## Summary" in text:
        at = text.index("\n## Summary") + 1
        text = text[:at] + section + "\n" + text[at:]
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + section
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    write_section(sys.argv[1], open(sys.argv[2], encoding="utf-8").read(),
                  sys.argv[3] if len(sys.argv) == 4 else None)
