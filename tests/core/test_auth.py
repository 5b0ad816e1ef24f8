"""Bearer tokens: signature, expiry, issuer and audience are all checked."""

from __future__ import annotations

import time

import jwt
import pytest

from services.core import tokens
from services.core.auth import Role, principal_from_header, require, verify
from services.core.problems import Problem


def test_a_valid_token_names_the_caller_and_roles(signing_key: str) -> None:
    token = tokens.mint(signing_key, roles=["official"], sub="cb-001", agency_id="bo-cong-an")
    principal = verify(token)
    assert principal.sub == "cb-001"
    assert principal.roles == {Role.OFFICIAL}
    assert principal.acts_for(["bo-cong-an"])
    assert not principal.acts_for(["bo-tu-phap"])


def test_operators_act_for_every_agency(signing_key: str) -> None:
    assert verify(tokens.mint(signing_key, roles=["operator"])).acts_for(["any"])


def test_a_citizen_acts_for_no_agency(signing_key: str) -> None:
    citizen = verify(tokens.mint(signing_key, roles=["citizen"], agency_id="bo-cong-an"))
    assert not citizen.acts_for(["bo-cong-an"])


@pytest.mark.parametrize(
    "overrides",
    [
        {"lifetime_seconds": -120},
        {"issuer": "https://attacker.example"},
        {"audience": "another-app"},
    ],
)
def test_expired_foreign_or_misaddressed_tokens_are_401(
    signing_key: str, overrides: dict[str, object]
) -> None:
    token = tokens.mint(signing_key, roles=["operator"], **overrides)  # type: ignore[arg-type]
    with pytest.raises(Problem) as refused:
        verify(token)
    assert refused.value.status == 401


def test_a_token_signed_by_another_key_is_401() -> None:
    stranger = tokens.generate_private_key_pem()
    with pytest.raises(Problem):
        verify(tokens.mint(stranger, roles=["operator"]))


def test_an_unsigned_token_is_401() -> None:
    claims = {
        "iss": "https://id.portal.local",
        "aud": "public-service-portal",
        "sub": "x",
        "roles": ["operator"],
        "exp": int(time.time()) + 60,
    }
    unsigned = jwt.encode(claims, key=None, algorithm="none")  # type: ignore[arg-type]
    with pytest.raises(Problem):
        verify(unsigned)


def test_unknown_roles_are_ignored_not_trusted(signing_key: str) -> None:
    principal = verify(tokens.mint(signing_key, roles=["admin", "citizen"]))
    assert principal.roles == {Role.CITIZEN}


def test_no_header_is_anonymous_and_require_says_401_then_403(signing_key: str) -> None:
    assert principal_from_header(None) is None
    with pytest.raises(Problem) as missing:
        require(None, Role.OPERATOR)
    assert missing.value.status == 401
    citizen = verify(tokens.mint(signing_key, roles=["citizen"]))
    with pytest.raises(Problem) as wrong_role:
        require(citizen, Role.OPERATOR)
    assert wrong_role.value.status == 403


def _signed(signing_key: str, **claims: object) -> str:
    base: dict[str, object] = {
        "iss": "https://id.portal.local",
        "aud": "public-service-portal",
        "sub": "cd-1",
        "roles": ["citizen"],
        "exp": int(time.time()) + 60,
    }
    base.update(claims)
    present = {k: v for k, v in base.items() if v is not _ABSENT}
    return jwt.encode(present, signing_key, algorithm="ES256", headers={"kid": tokens.LOCAL_KID})


class _Absent:
    def __repr__(self) -> str:  # the same test id in every xdist worker
        return "ABSENT"


_ABSENT = _Absent()


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": ""},
        {"sub": "   "},
        {"sub": 42},
        {"sub": _ABSENT},
        {"exp": _ABSENT},
        {"iss": _ABSENT},
        {"aud": _ABSENT},
        {"roles": "citizen"},
        {"roles": ["citizen", 7]},
        {"roles": [["operator"]]},
        {"roles": {"operator": True}},
        {"roles": ["official"], "agency_id": 12},
        {"roles": ["official"], "agency_id": "../../etc"},
    ],
    ids=repr,
)
def test_a_token_with_a_claim_missing_or_malformed_is_401(
    signing_key: str, claims: dict[str, object]
) -> None:
    with pytest.raises(Problem) as refused:
        verify(_signed(signing_key, **claims))
    assert refused.value.status == 401


def test_the_well_formed_control_of_those_tokens_is_accepted(signing_key: str) -> None:
    principal = verify(_signed(signing_key, roles=["official"], agency_id="bo-tu-phap"))
    assert (principal.sub, principal.agency_id) == ("cd-1", "bo-tu-phap")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_a_bearer_header_names_its_caller_whatever_the_schemes_case(
    signing_key: str, scheme: str
) -> None:
    token = tokens.mint(signing_key, roles=["citizen"], sub="cd-7")
    principal = principal_from_header(f"{scheme} {token}")
    assert principal is not None
    assert (principal.sub, principal.roles) == ("cd-7", {Role.CITIZEN})
    spaced = principal_from_header(f"Bearer   {token}  ")
    assert spaced is not None and spaced.sub == "cd-7"


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer    ", "Token abc", "abc"]
)
def test_any_other_authorization_header_is_401(header: str) -> None:
    with pytest.raises(Problem) as refused:
        principal_from_header(header)
    assert refused.value.status == 401


def test_an_empty_header_is_anonymous() -> None:
    assert principal_from_header("") is None


def test_require_without_roles_takes_any_signed_in_caller(signing_key: str) -> None:
    citizen = verify(tokens.mint(signing_key, roles=["citizen"], sub="cd-8"))
    assert require(citizen) is citizen
    assert require(citizen, Role.OPERATOR, Role.CITIZEN) is citizen
