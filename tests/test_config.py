"""The training config: broken files rejected naming file, key and expectation; --set the same way.

Broken configs are fixtures in tests/fixtures/configs/, one broken rule each.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trainers.config import (
    FIELDS,
    TrainConfig,
    dump_toml,
    from_mapping,
    load_config,
)
from trainers.errors import ConfigError

CONFIGS = Path(__file__).parent / "fixtures" / "configs"


def _error(path: Path, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides)
    return str(info.value)


# ----- broken files ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown_key.toml", ["unknown key 'batch_sise'", "did you mean 'batch_size'?"]),
        ("wrong_type.toml", ["key 'batch_size' must be an integer >= 2", "got '64'"]),
        ("out_of_range.toml", ["key 'learning_rate' must be a finite number >= 0.0 and <= 1.0", "got 2.0"]),
        ("bad_choice.toml", ["key 'objective' must be one of 'unsup-simcse', 'sup-simcse'", "got 'simcse'"]),
        ("not_finite.toml", ["key 'temperature' must be a finite number", "got nan"]),
        ("not_toml.toml", ["not valid TOML", "line 2"]),
        ("table.toml", ["key 'optimizer' is a table", "the config is flat"]),
        ("not_utf8.toml", ["not UTF-8 text (byte"]),
        ("bad_combination.toml", ["objective 'labelled' needs a label-aware loss", "got loss 'info_nce'"]),
    ],
)
def test_a_broken_file_is_rejected_naming_the_file_the_key_and_the_expectation(name: str, expected: list[str]) -> None:
    path = CONFIGS / name
    message = _error(path)
    assert message.startswith(f"{path}:") or message.startswith(f"config file {path}")
    for part in expected:
        assert part in message


def test_a_missing_file_is_named() -> None:
    path = CONFIGS / "does_not_exist.toml"
    assert f"config file {path} does not exist" in _error(path)


def test_a_valid_file_loads_with_its_values_and_defaults_elsewhere() -> None:
    config = load_config(CONFIGS / "valid.toml")
    assert (config.objective, config.model, config.batch_size) == ("mirror-bert", "bert-base-uncased", 32)
    assert config.learning_rate == 2e-5 and config.temperature == 0.04 and config.max_steps == 100
    assert config.max_seq_length == TrainConfig().max_seq_length


def test_an_int_is_accepted_where_a_number_is_expected_but_a_bool_is_not() -> None:
    assert from_mapping({"temperature": 1}).temperature == 1.0
    with pytest.raises(ConfigError, match="key 'temperature' must be a finite number"):
        from_mapping({"temperature": True})
    with pytest.raises(ConfigError, match="key 'batch_size' must be an integer"):
        from_mapping({"batch_size": 64.0})


def test_a_seed_the_generators_cannot_take_is_refused_up_front() -> None:
    with pytest.raises(ConfigError, match="key 'seed' must be an integer >= 0 and <= 4294967295"):
        from_mapping({"seed": 2**63})


# ----- --set ---------------------------------------------------------------------------------

SET_EXAMPLES = {
    "model": ("bert-base-uncased", "bert-base-uncased"),
    "train_file": ("{data}/nli/SNLI", "{data}/nli/SNLI"),
    "objective": ("sup-simcse", "sup-simcse"),
    "loss": ("nt_xent", "nt_xent"),
    "batch_size": ("128", 128),
    "max_seq_length": ("64", 64),
    "max_steps": ("1000", 1000),
    "epochs": ("3", 3),
    "learning_rate": ("1e-4", 1e-4),
    "temperature": ("0.1", 0.1),
    "eval_every": ("50", 50),
    "save_every": ("500", 500),
    "seed": ("7", 7),
    "device": ("cuda:1", "cuda:1"),
    "precision": ("bf16", "bf16"),
}


@pytest.mark.parametrize("key", sorted(SET_EXAMPLES))
def test_each_documented_key_works_with_set(key: str) -> None:
    raw, value = SET_EXAMPLES[key]
    config = load_config(None, [f"{key}={raw}"])
    assert getattr(config, key) == value
    assert type(getattr(config, key)) is type(value)


def test_set_overrides_the_file_and_a_quoted_string_loses_its_quotes() -> None:
    config = load_config(CONFIGS / "valid.toml", ["batch_size=16", "model='my model'"])
    assert config.batch_size == 16 and config.model == "my model"
    assert config.objective == "mirror-bert"  # the file's value where no override touches it


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("batch_size=abc", "--set: key 'batch_size' must be an integer >= 2, got 'abc'"),
        ("batch_size=1", "--set: key 'batch_size' must be an integer >= 2, got 1"),
        ("learning_rate=2", "--set: key 'learning_rate' must be a finite number >= 0.0 and <= 1.0, got 2.0"),
        ("learning_rate=inf", "--set: key 'learning_rate' must be a finite number"),
        ("precision=fp8", "--set: key 'precision' must be one of 'fp32', 'bf16', 'fp16', got 'fp8'"),
        ("device=tpu", "--set: key 'device' must be auto, cpu, cuda or cuda:N, got 'tpu'"),
        ("compile=yes", "--set: key 'compile' must be true or false, got 'yes'"),
        ("temprature=0.1", "--set: unknown key 'temprature'"),
        ("batch_size", "--set: expected key=value, got 'batch_size'"),
        ("=3", "--set: expected key=value, got '=3'"),
    ],
)
def test_a_bad_override_goes_through_the_same_validation(override: str, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, [override])
    assert expected in str(info.value)


def test_an_override_is_checked_together_with_the_file() -> None:
    message = _error(CONFIGS / "valid.toml", ("cached_chunk_size=32",))
    assert "--set: key 'cached_chunk_size' (32) must be smaller than batch_size (32)" in message


# ----- round trip and fuzzing ----------------------------------------------------------------

_TMP = Path(tempfile.mkdtemp(prefix="simcse-config-"))


def _valid_value(f: dataclasses.Field) -> st.SearchStrategy:
    meta, kind = f.metadata, str(f.type)
    if meta["choices"]:
        return st.sampled_from(meta["choices"])
    if f.name == "device":
        return st.one_of(st.sampled_from(["auto", "cpu", "cuda"]), st.integers(0, 99).map(lambda i: f"cuda:{i}"))
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        return st.integers(int(meta["min"] or 0), int(meta["max"] if meta["max"] is not None else 10**12))
    if kind == "float":
        low = meta["min"] if meta["min"] is not None else -1e6
        high = meta["max"] if meta["max"] is not None else 1e12
        return st.floats(low, high, allow_nan=False, allow_infinity=False)
    return st.text(max_size=40)


VALID_CONFIGS = st.fixed_dictionaries({}, optional={name: _valid_value(f) for name, f in FIELDS.items()})


@settings(max_examples=150, deadline=None)
@given(VALID_CONFIGS)
def test_dump_toml_round_trips_through_load_config(values: dict) -> None:
    try:
        config = from_mapping(values)
    except ConfigError:
        assume(False)  # a rule across keys (e.g. cached_chunk_size >= batch_size)
    path = _TMP / "roundtrip.toml"
    path.write_text(dump_toml(config), encoding="utf-8")
    assert load_config(path) == config


TOML_SCALARS = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
KEYS = st.one_of(st.sampled_from(sorted(FIELDS)), st.text(min_size=1, max_size=12))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, TOML_SCALARS, max_size=6))
def test_random_keys_and_values_give_a_config_or_a_config_error(values: dict) -> None:
    try:
        config = from_mapping(values, source="fuzz.toml")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz.toml:")
        return
    assert all(getattr(config, name) == value for name, value in values.items())


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.text(max_size=20), max_size=4))
def test_random_overrides_give_a_config_or_a_config_error(values: dict) -> None:
    try:
        load_config(None, [f"{k}={v}" for k, v in values.items()])
    except ConfigError as exc:
        assert str(exc).startswith("--set")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=300),
                 st.lists(st.tuples(KEYS, TOML_SCALARS), max_size=5).map(
                     lambda kv: "\n".join(f"{k} = {v!r}" for k, v in kv).encode("utf-8", "surrogatepass"))))
def test_random_bytes_as_a_config_file_give_only_a_config_error(data: bytes) -> None:
    path = _TMP / "fuzz.toml"
    path.write_bytes(data)
    try:
        load_config(path)
    except ConfigError as exc:
        assert str(path) in str(exc)


def test_an_override_with_undecodable_bytes_is_refused_before_config_toml_is_written() -> None:
    # sys.argv holds bytes that are not UTF-8 as lone surrogates; config.toml could not store them.
    with pytest.raises(ConfigError, match="--set: key 'model' must be a string"):
        load_config(None, ["model=caf\udce9"])
