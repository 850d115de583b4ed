"""The account's agent users: who can log in (agentVep) and take conversations over the brand socket.

Every account has its ``admin`` (the login the mock always had) plus the seed's ``agent_users``; the
default seed adds one bot user. A user's ``userId`` is 10 digits derived from account and login name
and its participant id (``pid``: the ``originatorId`` of what it publishes, the SDK's
``config.userPid``) a UUID derived the same way, so both are the same on every run [INFERRED: LivePerson
publishes neither format's rule]. ``availability`` is what SetAgentState last set (initially the seed's).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field

ADMIN_USER = "admin"
ADMIN_PASSWORD = "mockcc-admin"  # the mock's own documented test login
AVAILABILITY = ("ONLINE", "AWAY", "BACK_SOON", "OFFLINE", "OCCUPIED")
DEFAULT_MAX_CONVERSATIONS = 100


def user_id(account_id: str, login_name: str) -> str:
    """A 10-digit user id like LivePerson's (``"3705342610"``), the same on every run."""
    digest = int(hashlib.sha256(f"{account_id}\x00{login_name}".encode()).hexdigest(), 16)
    return str(1_000_000_000 + digest % 9_000_000_000)


def participant_id(account_id: str, login_name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mockcc:agent:{account_id}:{login_name}"))


@dataclass(slots=True)
class AgentUser:
    account_id: str
    login_name: str
    password: str
    is_admin: bool = False
    skills: list[str] = field(default_factory=list)
    max_conversations: int = DEFAULT_MAX_CONVERSATIONS
    availability: str = "OFFLINE"
    #: The application login's four values (appKey, secret, accessToken, accessTokenSecret), when seeded.
    app_key: dict[str, str] | None = None
    user_id: str = ""
    pid: str = ""

    def __post_init__(self) -> None:
        self.user_id = user_id(self.account_id, self.login_name)
        self.pid = participant_id(self.account_id, self.login_name)

    @property
    def full_id(self) -> str:
        """``<acc>.<userId>``: how the SDK names agents (agentIds, agentUserId, ParticipantsChange userId)."""
        return f"{self.account_id}.{self.user_id}"

    def takes(self, skill_id: str) -> bool:
        """Whether a ring of this skill may reach the user (no skills listed: every skill)."""
        return not self.skills or skill_id in self.skills or skill_id == "-1"


def admin(account_id: str) -> AgentUser:
    return AgentUser(account_id, ADMIN_USER, ADMIN_PASSWORD, is_admin=True)
