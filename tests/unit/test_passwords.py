"""Password hashing cost: strong by default and in production, cheap only where the test
configuration asks for it."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.low_level import Type
from flask import Flask

from danvan_feedback.passwords import hash_password, verify_password

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


def _app(app_env: str, params: dict | None) -> Flask:
    app = Flask(__name__)
    app.config.update(APP_ENV=app_env, PASSWORD_HASH_PARAMS=params)
    return app


def _params(stored: str) -> tuple:
    from argon2 import extract_parameters
    p = extract_parameters(stored)
    return p.type, p.time_cost, p.memory_cost, p.parallelism


def test_default_cost_is_the_library_default_outside_an_app():
    default = PasswordHasher()
    stored = hash_password("mật khẩu đủ dài 2026")
    assert _params(stored) == (Type.ID, default.time_cost, default.memory_cost, default.parallelism)
    assert verify_password(stored, "mật khẩu đủ dài 2026")


def test_testing_config_lowers_the_cost_and_checks_still_work_across_costs():
    strong = hash_password("mật khẩu mạnh 2026")
    with _app("testing", CHEAP).app_context():
        cheap = hash_password("mật khẩu rẻ 2026")
        assert _params(cheap) == (Type.ID, 1, 8, 1)
        assert verify_password(cheap, "mật khẩu rẻ 2026") and not verify_password(cheap, "sai")
        assert verify_password(strong, "mật khẩu mạnh 2026")  # the stored hash's own parameters
    assert verify_password(cheap, "mật khẩu rẻ 2026")


def test_production_ignores_the_test_parameters():
    with _app("production", CHEAP).app_context():
        stored = hash_password("mật khẩu đủ dài 2026")
    assert _params(stored)[1:] == (PasswordHasher().time_cost, PasswordHasher().memory_cost,
                                   PasswordHasher().parallelism)


def test_bad_hash_is_a_refusal_not_an_error():
    assert not verify_password("not-a-hash", "x" * 12)
