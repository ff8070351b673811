"""YAML read within limits: alias bombs, deep nesting, size and encoding are refused with one line naming the file."""

from __future__ import annotations

import pytest

from memory_stack.foundation.typed_config import ConfigError, load_yaml_file
from memory_stack.foundation.yaml_limits import YamlLimitError, YamlLimits, check_yaml_limits


def _bomb(levels: int, width: int = 9) -> str:
    text = "l0: &l0 [" + ",".join(['"x"'] * width) + "]\n"
    for k in range(1, levels):
        text += f"l{k}: &l{k} [" + ",".join([f"*l{k - 1}"] * width) + "]\n"
    return text


def test_an_alias_bomb_is_refused_by_its_expanded_size(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(_bomb(9))
    with pytest.raises(ConfigError) as info:
        load_yaml_file(path)
    assert str(info.value).startswith(f"{path}: YAML refused: expands to more than")
    assert "\n" not in str(info.value)


def test_a_few_aliases_within_the_limit_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(_bomb(3))
    data = load_yaml_file(path)
    assert len(data["l2"]) == 9 and data["l2"][0][0] == ["x"] * 9


def test_expanded_size_counts_every_copy():
    check_yaml_limits(_bomb(3), YamlLimits(max_expanded_nodes=1000))
    with pytest.raises(YamlLimitError, match="expands to more than 500"):
        # l2 alone expands to 9 * 9 * 9 scalars
        check_yaml_limits(_bomb(3), YamlLimits(max_expanded_nodes=500))


def test_deep_nesting_is_refused_before_the_recursive_composer(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(ConfigError, match="nested deeper than 64 levels"):
        load_yaml_file(path)
    check_yaml_limits("a: " + "[" * 60 + "]" * 60)


def test_too_many_aliases_and_too_many_bytes():
    with pytest.raises(YamlLimitError, match="more than 3 aliases"):
        check_yaml_limits("a: &a 1\nb: [*a, *a, *a, *a]\n", YamlLimits(max_aliases=3))
    with pytest.raises(YamlLimitError, match="larger than 10 bytes"):
        check_yaml_limits("a: 12345678901\n", YamlLimits(max_bytes=10))


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * 100 + "\n")
    with pytest.raises(ConfigError, match="file too large"):
        load_yaml_file(path, YamlLimits(max_bytes=50))


def test_non_utf8_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_yaml_file(path)
    assert str(info.value) == f"{path}: not UTF-8 text (byte 0xe9 at line 2)"


def test_a_syntax_error_is_one_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("a: [1, 2\nb: 3\n")
    with pytest.raises(ConfigError) as info:
        load_yaml_file(path)
    assert "not valid YAML" in str(info.value) and "\n" not in str(info.value)
