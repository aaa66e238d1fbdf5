"""A problem in some input, at a line of a file: what importers report and what the writer warns about."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """Something wrong in the input, at a line of a file.

    ``warning``: the input is read all the same, but deserves a look (printed ``… avertissement : …``);
    ``label``: a warning about a line that looks like a field label, which ``import_actions --strict`` turns
    into a problem.
    """

    source: str
    line: int
    message: str
    warning: bool = False
    label: bool = False

    def __str__(self):
        kind = "avertissement : " if self.warning else ""
        return f"{self.source}: line {self.line}: {kind}{self.message}"

    def as_problem(self) -> "Problem":
        """The same, as a problem (``--strict``)."""
        return Problem(self.source, self.line, self.message)
