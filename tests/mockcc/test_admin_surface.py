"""The account-admin surface: User Login as LivePerson documents it, feature grants, and the Send API's gate."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from mockcc.schemas import validate
from tests.conftest import ACCOUNT, LP, quiet_seed

LOGIN = f"/api/account/{ACCOUNT}/login"
GRANTS = f"/api/account/{ACCOUNT}/configuration/provision/featureGrants"
APPS = f"/api/account/{ACCOUNT}/configuration/app-install/installations"
ADMIN = {"username": "admin", "password": "mockcc-admin"}


def login(client: Any) -> dict[str, Any]:
    r = client.post(LOGIN, params={"v": "1.3"}, json=ADMIN)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def bearer(client: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + login(client)["bearer"]}


def grants_doc(**features: bool) -> dict[str, Any]:
    data = [{"compoundFeatureID": f.replace("__", "."), "value": {"value": on}} for f, on in features.items()]
    return {"appDataList": [{"accountList": {"accountList": [{"itemsCollection": {"data": data}}]}}]}


def grants(document: dict[str, Any]) -> dict[str, bool]:
    data = document["appDataList"][0]["accountList"]["accountList"][0]["itemsCollection"]["data"]
    return {item["compoundFeatureID"]: item["value"]["value"] for item in data}


class TestLogin:
    def test_answers_the_documented_shape_with_the_bearer_last(self, client):
        r = client.post(LOGIN, params={"v": "1.3"}, json=ADMIN)
        assert r.status_code == 200
        answer = r.json()
        assert validate("login/login-response", answer) is None
        assert list(answer) == [
            "csrf", "wsuk", "config", "csdsCollectionResponse", "accountData", "sessionTTl", "bearer",
        ]  # fmt: skip
        config = answer["config"]
        assert config["isAdmin"] is True
        assert config["isLPA"] is False
        assert config["loginName"] == "admin"
        assert config["userId"].isdigit()
        assert len(config["userId"]) == 10
        assert config["serverCurrentTime"] == 1_700_000_000_000  # the mock's clock, in ms
        assert answer["sessionTTl"] == "28800000"
        services = {u["service"]: u["baseURI"] for u in answer["csdsCollectionResponse"]["baseURIs"]}
        assert services["agentVep"] == services["accountConfigReadWrite"] == "mock.test"
        assert "Session_id" in r.cookies

    def test_user_id_is_stable_and_each_login_a_new_bearer(self, client):
        first, second = login(client), login(client)
        assert first["config"]["userId"] == second["config"]["userId"]
        assert first["bearer"] != second["bearer"]
        assert first["csrf"] != second["csrf"]

    def test_v_defaults_to_the_documented_1_3_and_must_be_a_number(self, client):
        assert client.post(LOGIN, json=ADMIN).status_code == 200
        bad = client.post(LOGIN, params={"v": "latest"}, json=ADMIN)
        assert bad.status_code == 400
        assert bad.json()["code"] == "BAD_REQUEST"
        assert bad.json()["mockcc"]["path"] == "$query.v"

    @pytest.mark.parametrize(
        "body", [{"username": "admin", "password": "wrong"}, {"username": "agent", "password": "mockcc-admin"}]
    )
    def test_wrong_credentials_are_401_and_issue_nothing(self, client, body):
        r = client.post(LOGIN, params={"v": "1.3"}, json=body)
        assert r.status_code == 401
        assert r.json()["code"] == "UNAUTHORIZED"
        assert r.json()["mockcc"]["rule"] == "login"
        assert "Session_id" not in r.cookies

    def test_unknown_account_is_the_documented_401_invalid_site(self, client):
        r = client.post("/api/account/99999999/login", params={"v": "1.3"}, json=ADMIN)
        assert r.status_code == 401
        assert r.json()["mockcc"]["path"] == "$path.accountId"

    @pytest.mark.parametrize(
        ("body", "path", "rule"),
        [({"username": "admin"}, "$", "required"), ({"username": "admin", "password": 7}, "$.password", "type")],
    )
    def test_bad_body_is_400(self, client, body, path, rule):
        r = client.post(LOGIN, params={"v": "1.3"}, json=body)
        assert r.status_code == 400
        assert (r.json()["mockcc"]["path"], r.json()["mockcc"]["rule"]) == (path, rule)

    def test_the_bearer_ends_with_the_session(self, client):
        auth = bearer(client)
        assert client.get(APPS, params={"v": "1.0"}, headers=auth).status_code == 200
        client.post("/_mockcc/clock/advance", json={"seconds": 28_800 - 1})
        assert client.get(APPS, params={"v": "1.0"}, headers=auth).status_code == 200
        client.post("/_mockcc/clock/advance", json={"seconds": 1})
        expired = client.get(APPS, params={"v": "1.0"}, headers=auth)
        assert expired.status_code == 401
        assert expired.json()["mockcc"]["rule"] == "bearer"

    def test_a_bearer_is_for_its_own_account(self, client):
        client.post("/_mockcc/reset", json={"accounts": [{"account_id": ACCOUNT}, {"account_id": "70000002"}]})
        auth = bearer(client)
        other = client.get("/api/account/70000002/configuration/provision/featureGrants?v=1.0", headers=auth)
        assert other.status_code == 401


class TestMethodOverride:
    MANIFEST: ClassVar[dict[str, Any]] = {"client_name": "override test", "capabilities": {"webhooks": {}}}

    def test_post_with_override_put_updates_and_delete_uninstalls(self, client):
        auth = bearer(client)
        app = client.post(APPS, params={"v": "1.0"}, json=self.MANIFEST, headers=auth).json()
        one = f"{APPS}/{app['id']}"
        updated = client.post(
            one,
            params={"v": "1.0"},
            json={**self.MANIFEST, "description": "tunnelled"},
            headers={**auth, "If-Match": "1", "X-HTTP-Method-Override": "PUT"},
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["description"] == "tunnelled"
        assert updated.headers["ac-revision"] == "2"
        gone = client.post(
            one, params={"v": "1.0"}, headers={**auth, "If-Match": "2", "X-HTTP-Method-Override": "DELETE"}
        )
        assert gone.status_code == 204
        assert client.get(one, params={"v": "1.0"}, headers=auth).status_code == 404

    def test_post_without_override_or_with_another_and_a_contradicting_override_are_400(self, client):
        """The override header is required on POST (the document says so): missing, it is a 400 naming it."""
        auth = bearer(client)
        app = client.post(APPS, params={"v": "1.0"}, json=self.MANIFEST, headers=auth).json()
        one = f"{APPS}/{app['id']}"
        plain = client.post(one, params={"v": "1.0"}, json=self.MANIFEST, headers={**auth, "If-Match": "1"})
        assert plain.status_code == 400
        assert plain.json()["mockcc"]["path"] == "$headers.x-http-method-override"
        assert plain.json()["mockcc"]["rule"] == "required"
        assert plain.json()["mockcc"]["expected"] == ["PUT", "DELETE"]
        other = client.post(
            one,
            params={"v": "1.0"},
            json=self.MANIFEST,
            headers={**auth, "If-Match": "1", "X-HTTP-Method-Override": "GET"},
        )
        assert other.status_code == 400
        assert other.json()["mockcc"]["rule"] == "enum"
        contradicting = client.put(
            one,
            params={"v": "1.0"},
            json=self.MANIFEST,
            headers={**auth, "If-Match": "1", "X-HTTP-Method-Override": "DELETE"},
        )
        assert contradicting.status_code == 400
        assert client.get(one, params={"v": "1.0"}, headers=auth).headers["ac-revision"] == "1"


class TestFeatureGrants:
    def test_async_messaging_is_on_by_default_in_livepersons_nesting(self, client):
        r = client.get(
            GRANTS, params={"v": "1.0", "excludeLegacy": "true", "jsonProvider": "gson"}, headers=bearer(client)
        )
        assert r.status_code == 200
        assert validate("accountconfig/feature-grants", r.json()) is None
        assert grants(r.json()) == {"Common.Async_Messaging": True}

    def test_needs_the_bearer_and_v(self, client):
        assert client.get(GRANTS, params={"v": "1.0"}).status_code == 401
        assert client.get(GRANTS, params={"v": "1.0"}, headers={"Authorization": "Bearer 00"}).status_code == 401
        assert client.get(GRANTS, headers=bearer(client)).status_code == 400

    def test_post_changes_only_the_posted_features(self, client):
        auth = bearer(client)
        posted = grants_doc(Messaging__Agent_File_Sharing=True)
        r = client.post(GRANTS, params={"v": "1.0", "overrideAll": "false"}, json=posted, headers=auth)
        assert r.status_code == 200, r.text
        expected = {"Common.Async_Messaging": True, "Messaging.Agent_File_Sharing": True}
        assert grants(r.json()) == expected
        assert grants(client.get(GRANTS, params={"v": "1.0"}, headers=auth).json()) == expected

    def test_override_all_replaces_the_list(self, client):
        auth = bearer(client)
        client.post(GRANTS, params={"v": "1.0"}, json=grants_doc(Messaging__Agent_File_Sharing=True), headers=auth)
        r = client.post(
            GRANTS,
            params={"v": "1.0", "overrideAll": "true"},
            json=grants_doc(Common__Async_Messaging=True),
            headers=auth,
        )
        assert grants(r.json()) == {"Common.Async_Messaging": True}

    @pytest.mark.parametrize(
        ("body", "params", "path"),
        [
            (grants_doc(Common__Async_Messaging="yes"), {}, "$.appDataList[0].accountList.accountList[0]"),
            ({"appDataList": []}, {}, "$.appDataList"),
            (grants_doc(Common__Async_Messaging=False), {"overrideAll": "maybe"}, "$query.overrideAll"),
        ],
    )
    def test_a_bad_post_is_400_and_changes_nothing(self, client, body, params, path):
        auth = bearer(client)
        r = client.post(GRANTS, params={"v": "1.0", **params}, json=body, headers=auth)
        assert r.status_code == 400
        assert r.json()["mockcc"]["path"].startswith(path)
        assert grants(client.get(GRANTS, params={"v": "1.0"}, headers=auth).json()) == {"Common.Async_Messaging": True}

    def test_grants_are_capped(self, client):
        auth = bearer(client)
        many = {f"Pkg__F{i}": True for i in range(500)}
        r = client.post(GRANTS, params={"v": "1.0"}, json=grants_doc(**many), headers=auth)
        assert r.status_code == 400
        assert r.json()["mockcc"]["rule"] == "maxItems"


class TestAsyncMessagingOff:
    @pytest.fixture
    def seed(self):
        return quiet_seed(feature_grants={"Common.Async_Messaging": False})

    def test_the_seed_turns_it_off_and_the_send_api_refuses(self, client, ext_id):
        assert grants(client.get(GRANTS, params={"v": "1.0"}, headers=bearer(client)).json()) == {
            "Common.Async_Messaging": False
        }
        lp = LP(client)
        r = client.post(
            f"/api/account/{ACCOUNT}/messaging/consumer/conversation?v=3",
            json=[{"kind": "req", "id": "1", "type": "cm.ConsumerRequestConversation", "body": {"brandId": ACCOUNT}}],
            headers=lp.headers(ext_id),
        )
        assert r.status_code == 403
        body = r.json()
        assert (body["code"], body["body"], body["mockcc"]["rule"]) == (
            "FORBIDDEN",
            {"msg": "Forbidden"},
            "feature-grant",
        )
        assert "inferred" in body["mockcc"]["explanation"]
        assert client.get(f"/_mockcc/accounts/{ACCOUNT}/conversations").json() == []

    def test_turning_it_back_on_by_post_lets_send_work(self, client, ext_id):
        auth = bearer(client)
        on = client.post(GRANTS, params={"v": "1.0"}, json=grants_doc(Common__Async_Messaging=True), headers=auth)
        assert grants(on.json())["Common.Async_Messaging"] is True
        lp = LP(client)
        conversation = lp.open(ext_id)
        client.post(GRANTS, params={"v": "1.0"}, json=grants_doc(Common__Async_Messaging=False), headers=auth)
        refused = lp.text(ext_id, conversation, "hello")
        assert refused.status_code == 403
        assert refused.json()["code"] == "FORBIDDEN"

    def test_tokens_are_still_checked_first(self, client):
        r = client.post(f"/api/account/{ACCOUNT}/messaging/consumer/conversation/send?v=3", json={})
        assert r.status_code == 401
        assert r.json()["body"]["errorCode"] == 40105


@pytest.mark.parametrize(
    ("grants_spec", "message"),
    [
        ({"Async Messaging": True}, "not a compoundFeatureID"),
        ({"Common.Async_Messaging": "off"}, "true or false"),
        (["Common.Async_Messaging"], "must be a mapping"),
    ],
)
def test_a_bad_seed_grant_is_refused_whole(client, grants_spec, message):
    r = client.post("/_mockcc/reset", json=quiet_seed(feature_grants=grants_spec))
    assert r.status_code == 400
    assert message in r.json()["mockcc"]["explanation"]


def test_the_journal_keeps_no_password_and_no_bearer(client):
    answer = login(client)
    call = client.get("/_mockcc/journal", params={"service": "agentvep"}).json()["calls"][-1]
    assert "mockcc-admin" not in call["request_body"]
    assert answer["bearer"] not in call["response_body"]
    assert answer["csrf"] not in call["response_body"]
    assert '"bearer":"<redacted>"' in call["response_body"].replace(" ", "")


def test_the_control_plane_state_shows_the_grants(client):
    client.post("/_mockcc/reset", json=quiet_seed(feature_grants={"Common.Async_Messaging": False}))
    account = client.get("/_mockcc/state").json()["accounts"][0]
    assert account["feature_grants"] == {"Common.Async_Messaging": False}
