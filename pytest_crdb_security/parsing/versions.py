"""Parse CockroachDB version tags, build strings and cluster version settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

# Development builds offset the major version by one million (CockroachDB's
# DevOffset), so an unreleased 24.3 reports 1000024.3.
_DEV_OFFSET = 1_000_000

_VERSION = re.compile(
    r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?:-(?P<pre>[0-9A-Za-z.+-]+))?$"
)
_BUILD = re.compile(
    r"^CockroachDB\s+(?P<distribution>\w+)\s+(?P<tag>v\S+)"
    r"(?:\s+\((?P<platform>[^,]+),\s*built\s+(?P<built>[^,]+),\s*(?P<go>[^)\s]+)[^)]*\))?"
)
_UPGRADING = re.compile(r"^(?P<from>[\d.]+)-upgrading-to-(?P<to>[\d.]+)(?:-step-(?P<step>\d+))?$")


@total_ordering
@dataclass(frozen=True)
class Version:
    """A CockroachDB release version; a pre-release sorts before its final release."""

    major: int
    minor: int
    patch: int = 0
    prerelease: str = ""

    def _key(self) -> tuple[int, int, int, int, str]:
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, self.prerelease)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    @property
    def release(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        return f"{text}-{self.prerelease}" if self.prerelease else text


def parse_version(text: str) -> Version:
    """Parse ``v24.3.5``, ``24.3``, ``v25.1.0-alpha.1`` or a development ``1000024.3``."""
    match = _VERSION.match(text.strip())
    if match is None:
        raise ValueError(f"invalid CockroachDB version {text!r}")
    major = int(match["major"])
    if major >= _DEV_OFFSET:
        major -= _DEV_OFFSET
    return Version(major, int(match["minor"]), int(match["patch"] or 0), match["pre"] or "")


@dataclass(frozen=True)
class BuildInfo:
    """The parts of the build string that ``version()`` returns."""

    distribution: str
    version: Version
    platform: str | None
    built: str | None
    go_version: str | None

    @property
    def is_ccl(self) -> bool:
        return self.distribution.upper() == "CCL"


def parse_build(text: str) -> BuildInfo:
    """Parse a build string.

    Example: ``CockroachDB CCL v24.3.0 (x86_64-pc-linux-gnu, built 2024/11/21 17:04:09, go1.22.8)``.
    """
    match = _BUILD.match(text.strip())
    if match is None:
        raise ValueError(f"invalid CockroachDB build string {text!r}")
    return BuildInfo(
        distribution=match["distribution"],
        version=parse_version(match["tag"]),
        platform=match["platform"],
        built=match["built"],
        go_version=match["go"],
    )


@dataclass(frozen=True)
class ClusterVersion:
    """The active cluster version (``SHOW CLUSTER SETTING version``)."""

    active: tuple[int, int]
    upgrading_to: tuple[int, int] | None = None

    def label(self) -> str:
        text = f"{self.active[0]}.{self.active[1]}"
        if self.upgrading_to:
            text += f" (upgrading to {self.upgrading_to[0]}.{self.upgrading_to[1]})"
        return text


def _release(text: str) -> tuple[int, int]:
    version = parse_version(text)
    return version.release


def parse_cluster_version(text: str) -> ClusterVersion:
    """Parse ``24.3``, ``24.2-upgrading-to-24.3-step-022`` or an internal ``24.2-12``."""
    raw = text.strip()
    match = _UPGRADING.match(raw)
    if match is not None:
        return ClusterVersion(_release(match["from"]), _release(match["to"]))
    # Internal versions between releases read "<major>.<minor>-<internal>": the
    # cluster runs the named release plus some of the next one's upgrade steps.
    base, _, internal = raw.partition("-")
    try:
        active = _release(base)
    except ValueError:
        raise ValueError(f"invalid cluster version {text!r}") from None
    if internal and not internal.isdigit():
        raise ValueError(f"invalid cluster version {text!r}")
    if internal and int(internal) > 0:
        return ClusterVersion(active, None)
    return ClusterVersion(active)
