"""CockroachDB version numbers and the build string that `version()` returns."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A release series such as (24, 3); settings and column layouts change per series.
Release = tuple[int, int]

_TAG_PATTERN = re.compile(r"v(\d+)\.(\d+)\.(\d+)")
_ACTIVE_PATTERN = re.compile(r"(\d+)\.(\d+)(-upgrading-to-\d+\.\d+-step-\d+)?")

# Go toolchain of official binaries per release series, used when a scenario
# names none. v24.3 (go1.22.8), v25.x (go1.23) and v26.x (go1.25) follow
# CockroachDB build strings.
# NOTE: the go versions for v23.1 to v24.2 are best guesses.
_DEFAULT_GO_VERSIONS: dict[Release, str] = {
    (23, 1): "go1.19.13",
    (23, 2): "go1.21.9",
    (24, 1): "go1.22.5",
    (24, 2): "go1.22.5",
    (24, 3): "go1.22.8",
}


@dataclass(frozen=True, order=True)
class Version:
    """Binary version of a CockroachDB node, such as v24.3.5."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse_tag(cls, text: str) -> Version:
        """Parse a binary tag such as `v24.3.5`; raise ValueError otherwise."""
        match = _TAG_PATTERN.fullmatch(text)
        if match is None:
            raise ValueError(f"invalid CockroachDB version tag {text!r}")
        return cls(int(match[1]), int(match[2]), int(match[3]))

    @property
    def release(self) -> Release:
        return (self.major, self.minor)

    @property
    def tag(self) -> str:
        return f"v{self.major}.{self.minor}.{self.patch}"

    @property
    def series(self) -> str:
        """Major and minor version as `SHOW CLUSTER SETTING version` prints them."""
        return f"{self.major}.{self.minor}"


def parse_active_version(text: str) -> Release:
    """Parse an active cluster version such as `24.2` into a release series."""
    match = _ACTIVE_PATTERN.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid active cluster version {text!r}")
    return (int(match[1]), int(match[2]))


def default_go_version(release: Release) -> str:
    """Return the Go toolchain that official binaries of a release series use."""
    if release in _DEFAULT_GO_VERSIONS:
        return _DEFAULT_GO_VERSIONS[release]
    if release[0] == 25:
        return "go1.23.12"
    if release[0] >= 26:
        return "go1.25.3"
    return "go1.19.13"


def build_string(edition: str, tag: str, platform: str, built: str, go_version: str) -> str:
    """Format the build string that `version()` and `crdb_version` report."""
    return f"CockroachDB {edition} {tag} ({platform}, built {built}, {go_version})"
