"""A problem in some input, at a line of a file: what importers report and what the writer warns about."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong in the input, at a line of a file."""

    source: str
    line: int
    message: str

    def __str__(self):
        return f"{self.source}: line {self.line}: {self.message}"
