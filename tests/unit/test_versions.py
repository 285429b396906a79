import pytest

from pytest_crdb_security.parsing.versions import (
    ClusterVersion,
    Version,
    parse_build,
    parse_cluster_version,
    parse_version,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v24.3.5", Version(24, 3, 5)),
        ("24.3", Version(24, 3, 0)),
        ("v25.1.0-alpha.1", Version(25, 1, 0, "alpha.1")),
        ("v23.2.0-rc.2", Version(23, 2, 0, "rc.2")),
        ("1000024.3", Version(24, 3, 0)),
        (" v26.2.1 ", Version(26, 2, 1)),
    ],
)
def test_parse_version_accepts(text: str, expected: Version) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["", "v24", "latest", "24.x", "v24.3.5 extra"])
def test_parse_version_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid CockroachDB version"):
        parse_version(text)


def test_prerelease_sorts_before_release() -> None:
    assert Version(25, 1, 0, "rc.1") < Version(25, 1, 0)
    assert Version(24, 3, 9) < Version(25, 1, 0, "alpha.1")
    assert Version(23, 2) >= Version(23, 2)


@pytest.mark.parametrize(
    ("text", "distribution", "version", "go"),
    [
        (
            "CockroachDB CCL v24.3.0 (aarch64-unknown-linux-gnu, built 2024/11/21 17:04:09,"
            " go1.22.8 X:nocoverageredesign)",
            "CCL",
            Version(24, 3, 0),
            "go1.22.8",
        ),
        (
            "CockroachDB OSS v23.1.2 (x86_64-pc-linux-gnu, built 2023/06/01 10:00:00, go1.19.4)",
            "OSS",
            Version(23, 1, 2),
            "go1.19.4",
        ),
        ("CockroachDB CCL v25.4.1", "CCL", Version(25, 4, 1), None),
    ],
)
def test_parse_build(text: str, distribution: str, version: Version, go: str | None) -> None:
    build = parse_build(text)

    assert build.distribution == distribution
    assert build.version == version
    assert build.go_version == go


@pytest.mark.parametrize("text", ["PostgreSQL 13.0", "CockroachDB", "CockroachDB CCL 24.3"])
def test_parse_build_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid CockroachDB build string"):
        parse_build(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24.3", ClusterVersion((24, 3))),
        ("23.1", ClusterVersion((23, 1))),
        ("24.2-upgrading-to-24.3-step-022", ClusterVersion((24, 2), (24, 3))),
        ("24.2-12", ClusterVersion((24, 2))),
        ("1000024.2", ClusterVersion((24, 2))),
    ],
)
def test_parse_cluster_version(text: str, expected: ClusterVersion) -> None:
    assert parse_cluster_version(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "24.2-upgrading", "24.2-x"])
def test_parse_cluster_version_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid"):
        parse_cluster_version(text)


def test_cluster_version_label_names_target() -> None:
    assert parse_cluster_version("24.2-upgrading-to-24.3-step-022").label() == (
        "24.2 (upgrading to 24.3)"
    )
