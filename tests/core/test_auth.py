"""Bearer tokens: signature, expiry, issuer and audience are all checked."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import jwt
import pytest

from services.core import auth, settings, tokens
from services.core.auth import Principal, Role, principal_from_header, require, verify
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


REFUSED = "The token is invalid or expired."


def _refusal(token: str) -> str:
    with pytest.raises(Problem) as refused:
        verify(token)
    assert refused.value.status == 401
    return refused.value.detail.en


def test_every_refused_token_is_told_it_is_invalid_or_expired(signing_key: str) -> None:
    # The front end shows this text to explain a sign-out; the generic "a valid bearer token
    # is required" would say the caller sent none.
    assert _refusal(tokens.mint(signing_key, roles=[], issuer="https://x.example")) == REFUSED
    assert _refusal(tokens.mint(signing_key, roles=[], kid="retired-key")) == REFUSED
    assert _refusal(tokens.mint(signing_key, roles=[], lifetime_seconds=-120)) == REFUSED
    assert _refusal(_signed(signing_key, sub=" ")) == REFUSED
    assert _refusal("not-a-token") == REFUSED
    with pytest.raises(Problem) as other_scheme:
        principal_from_header("Token abc")
    assert other_scheme.value.detail.en == REFUSED


def test_a_valid_token_under_another_scheme_is_401(signing_key: str) -> None:
    token = tokens.mint(signing_key, roles=["operator"], sub="op-1")
    for header in (f"Token {token}", f"Basic {token}", f"Bearerish {token}"):
        with pytest.raises(Problem) as refused:
            principal_from_header(header)
        assert refused.value.status == 401


def test_thirty_seconds_of_clock_skew_are_forgiven_and_no_more(signing_key: str) -> None:
    now = int(time.time())
    assert verify(_signed(signing_key, exp=now - 25)).sub == "cd-1"
    assert _refusal(_signed(signing_key, exp=now - 30)) == REFUSED
    assert _refusal(_signed(signing_key, exp=now - 31)) == REFUSED


def test_a_token_without_roles_signs_in_a_caller_with_none(signing_key: str) -> None:
    principal = verify(_signed(signing_key, roles=_ABSENT))
    assert (principal.sub, principal.roles) == ("cd-1", frozenset())


def test_a_one_stop_system_acts_for_its_own_agency_only() -> None:
    system = Principal(sub="mot-cua-hn", roles=frozenset({Role.SYSTEM}), agency_id="ubnd-ha-noi")
    assert system.acts_for(["ubnd-ha-noi"])
    assert not system.acts_for(["bo-tu-phap"])
    no_agency = Principal(sub="mot-cua", roles=frozenset({Role.SYSTEM}))
    assert not no_agency.acts_for(["ubnd-ha-noi"])


OTHER_KEY = tokens.generate_private_key_pem()


def _unnamed(pem: str) -> str:
    claims = {
        "iss": "https://id.portal.local",
        "aud": "public-service-portal",
        "sub": "cd-2",
        "exp": int(time.time()) + 60,
    }
    return jwt.encode(claims, pem, algorithm="ES256")


@pytest.fixture
def local_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    def trust(*keys: tuple[str, str]) -> None:
        sets = [json.loads(tokens.jwks_json(pem, kid=kid))["keys"][0] for pem, kid in keys]
        monkeypatch.setenv("PORTAL_JWKS_JSON", json.dumps({"keys": sets}))
        settings.get_settings.cache_clear()
        auth.reset_key_caches()

    yield trust
    monkeypatch.undo()
    settings.get_settings.cache_clear()
    auth.reset_key_caches()


def test_a_token_without_a_key_id_is_checked_against_the_only_local_key(
    signing_key: str, local_keys: Callable[..., None]
) -> None:
    local_keys((signing_key, tokens.LOCAL_KID))
    assert verify(_unnamed(signing_key)).sub == "cd-2"
    assert _refusal(_unnamed(OTHER_KEY)) == REFUSED
    # A key id the set lacks is refused even when the only key would verify the signature.
    assert _refusal(tokens.mint(signing_key, roles=[], kid="retired-key")) == REFUSED


def test_a_token_without_a_key_id_is_401_when_there_are_two_local_keys(
    signing_key: str, local_keys: Callable[..., None]
) -> None:
    local_keys((signing_key, tokens.LOCAL_KID), (OTHER_KEY, "local-2"))
    assert _refusal(_unnamed(signing_key)) == REFUSED
    assert _refusal(_unnamed(OTHER_KEY)) == REFUSED
    assert verify(tokens.mint(OTHER_KEY, roles=[], sub="cd-3", kid="local-2")).sub == "cd-3"
