"""Real mail servers for the email tests, on 127.0.0.1: an aiosmtpd relay that captures what Awn sends, and a
Dovecot IMAP server started from a config written to a temporary directory."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
SUPPORT_ADDRESS = "support@school.test"
PARENT = "parent.sara@example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Captured:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.raw)
        assert isinstance(parsed, EmailMessage)
        return parsed

    def text(self) -> str:
        body = self.message.get_body(preferencelist=("plain",))
        return body.get_content() if body is not None else ""

    def html(self) -> str:
        body = self.message.get_body(preferencelist=("html",))
        return body.get_content() if body is not None else ""


@dataclass
class _RelayHandler:
    captured: list[Captured] = field(default_factory=list)
    refuse: list[str] = field(
        default_factory=list
    )  # answers to the next DATA commands, e.g. "451 4.3.0 busy"
    on_capture: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse.pop(0)
        item = Captured(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or b"")
        self.captured.append(item)
        if self.on_capture is not None:
            self.on_capture(item)
        return "250 2.0.0 queued"


class SmtpRelay:
    """The outgoing relay an inbox points its SMTP settings at; `captured` holds each mail as received."""

    def __init__(self) -> None:
        self.handler = _RelayHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def captured(self) -> list[Captured]:
        return self.handler.captured

    def __enter__(self) -> SmtpRelay:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class Dovecot:
    """A private Dovecot instance: IMAP on 127.0.0.1:<free port>, plaintext auth, users from a passwd-file,
    maildirs under a temporary directory. Started as a subprocess, stopped on exit."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self.port = free_port()
        # Not pytest's tmp_path: as root, Dovecot's login processes run as an unprivileged user and must reach
        # the socket directory, so the tree is world-traversable.
        self.root = Path(tempfile.mkdtemp(prefix="awn-dovecot-"))
        self.process: subprocess.Popen[bytes] | None = None

    def _write_config(self) -> Path:
        root = self.root
        os.chmod(root, 0o755)  # noqa: S103 - login processes run as another user (see __init__)
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        me = pwd.getpwuid(os.getuid())
        if os.getuid() == 0:
            internal, login = "dovecot", "dovenull"
            mail_user = pwd.getpwnam("dovecot")
            for sub in ("mail", "home"):
                os.chown(root / sub, mail_user.pw_uid, mail_user.pw_gid)
            auth_user = "root"
        else:
            internal = login = auth_user = me.pw_name
            mail_user = me
        internal_group = "dovecot" if os.getuid() == 0 else grp.getgrgid(me.pw_gid).gr_name
        (root / "passwd").write_text(
            "".join(f"{user}:{{PLAIN}}{password}::::\n" for user, password in self.users.items())
        )
        config = f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{root}/mail/%u
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {auth_user}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
  default_fields = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={root}/home/%u
}}
"""
        path = root / "dovecot.conf"
        path.write_text(config)
        return path

    def __enter__(self) -> Dovecot:
        config = self._write_config()
        self.process = subprocess.Popen(  # noqa: S603 - our own config, fixed binary
            [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited: {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def mail(
    body: str = "السلام عليكم، لم تظهر نتيجة ابنتي في نظام نور",
    *,
    subject: str = "استفسار عن النتائج",
    sender: str = f"سارة القحطاني <{PARENT}>",
    to: str = SUPPORT_ADDRESS,
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    html: str | None = None,
) -> EmailMessage:
    """A parent's mail as a mail client writes it (UTF-8, encoded headers, MIME parts)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    if body:
        message.set_content(body)
    if html is not None:
        if body:
            message.add_alternative(html, subtype="html")
        else:
            message.set_content(html, subtype="html")
    for filename, content, mime in attachments or []:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


def send(port: int, message: EmailMessage, *, to: list[str] | None = None) -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.send_message(message, to_addrs=to)
