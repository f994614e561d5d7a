"""The files a `docker build` of this repository puts in the image: the build context (the working
tree, untracked files included) less what `.dockerignore` excludes.

Docker's rules, as far as this repository uses them: one pattern a line, `#` comments, paths relative
to the context root, `*` and `?` within one path segment, `**` across any number of segments, a
leading `!` re-includes, the last matching line wins, and a pattern that matches a directory excludes
everything below it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path


def _regex(pattern: str) -> re.Pattern[str]:
    parts = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


class DockerIgnore:
    def __init__(self, text: str) -> None:
        self._rules: list[tuple[bool, re.Pattern[str]]] = []
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            include = line.startswith("!")
            pattern = line[1:] if include else line
            pattern = os.path.normpath(pattern.strip("/")).lstrip("/")
            self._rules.append((include, _regex(pattern)))

    @classmethod
    def of(cls, context: Path) -> DockerIgnore:
        path = context / ".dockerignore"
        return cls(path.read_text() if path.is_file() else "")

    def excludes(self, relative: str) -> bool:
        """Whether the path (relative, '/'-separated), or a directory above it, is excluded."""
        segments = relative.split("/")
        for depth in range(1, len(segments) + 1):
            if self._matches("/".join(segments[:depth])):
                return True
        return False

    def _matches(self, path: str) -> bool:
        excluded = False
        for include, regex in self._rules:
            if regex.match(path):
                excluded = not include
        return excluded


def image_files(context: Path) -> list[str]:
    """Relative paths of the regular files the image gets, sorted."""
    ignore = DockerIgnore.of(context)
    found: list[str] = []
    for directory, subdirectories, files in os.walk(context):
        relative_directory = os.path.relpath(directory, context)
        prefix = "" if relative_directory == "." else relative_directory + "/"
        subdirectories[:] = sorted(name for name in subdirectories if not ignore.excludes(prefix + name))
        for name in files:
            relative = prefix + name
            if os.path.isfile(os.path.join(directory, name)) and not ignore.excludes(relative):
                found.append(relative)
    return sorted(found)
