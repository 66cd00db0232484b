"""A protocol-level Asterisk Manager Interface server on 127.0.0.1 for the tests.

It speaks the AMI wire protocol as Asterisk 18+ does: the banner `Asterisk Call Manager/5.0.2\\r\\n`, actions and
responses as `Key: Value\\r\\n` lines ended by an empty line, `Action: Login` answered `Response: Success` or
`Response: Error` (wrong secret), `Ping` answered `Ping: Pong`, and after a successful login the scripted events,
each a block of `Key: Value\\r\\n` lines ended by `\\r\\n`. Raw strings in the script are written as they are
(garbage lines). Every new login plays the whole script again, as a PBX replaying its events would.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
import ssl
import tempfile
from pathlib import Path
from typing import Any

BANNER = b"Asterisk Call Manager/5.0.2\r\n"


def tls_material() -> tuple[ssl.SSLContext, str]:
    """A throwaway CA and a certificate for 127.0.0.1 signed by it: (the server's TLS context, the CA in PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def cert(subject: str, key: Any, issuer: str, issuer_key: Any, *, ca: bool) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
            )
        else:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = cert("Test PBX CA", ca_key, "Test PBX CA", ca_key, ca=True)
    key = ec.generate_private_key(ec.SECP256R1())
    server_cert = cert("127.0.0.1", key, "Test PBX CA", ca_key, ca=False)
    pem = serialization.Encoding.PEM
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder) / "cert.pem", Path(folder) / "key.pem"
        cert_file.write_bytes(server_cert.public_bytes(pem))
        key_file.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
    return context, ca_cert.public_bytes(pem).decode()


def block(headers: dict[str, Any]) -> bytes:
    return "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode() + b"\r\n"


class AmiServer:
    def __init__(
        self,
        *,
        username: str,
        secret: str,
        script: list[dict[str, Any] | bytes] | None = None,
        port: int = 0,
        answer_pings: bool = True,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.tls = tls
        self.answer_pings = answer_pings
        self.username = username
        self.secret = secret
        self.script = list(script or [])
        self.logins_ok = 0
        self.logins_failed = 0
        self.events_sent = 0
        self.actions: list[dict[str, str]] = []
        self.port = port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> AmiServer:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", self.port, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.drop_clients()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    @property
    def open_connections(self) -> int:
        return len(self._writers)

    async def broadcast(self, items: list[dict[str, Any] | bytes]) -> None:
        """Write events to every logged-in connection now (the benchmark starts its clock here)."""
        for writer in list(self._writers):
            for item in items:
                writer.write(item if isinstance(item, bytes) else block(item))
                self.events_sent += 1
                if writer.transport.get_write_buffer_size() > 1 << 20:
                    await writer.drain()
            await writer.drain()

    def drop_clients(self) -> None:
        """Close every open connection, as a PBX restart or a network cut would."""
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            writer.write(BANNER)
            await writer.drain()
            while True:
                action = await self._read_action(reader)
                if action is None:
                    return
                self.actions.append(action)
                await self._answer(action, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _read_action(self, reader: asyncio.StreamReader) -> dict[str, str] | None:
        headers: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if not line:
                return None
            text = line.decode("utf-8", "replace").rstrip("\r\n")
            if not text:
                if headers:
                    return headers
                continue
            key, _sep, value = text.partition(":")
            headers[key.strip().lower()] = value.strip()

    async def _answer(self, action: dict[str, str], writer: asyncio.StreamWriter) -> None:
        name = action.get("action", "").lower()
        action_id = {"ActionID": action["actionid"]} if "actionid" in action else {}
        if name == "login":
            if action.get("username") == self.username and action.get("secret") == self.secret:
                self.logins_ok += 1
                writer.write(
                    block({"Response": "Success", **action_id, "Message": "Authentication accepted"})
                )
                writer.write(
                    block({"Event": "FullyBooted", "Privilege": "system,all", "Status": "Fully Booted"})
                )
                await writer.drain()
                for item in self.script:
                    writer.write(item if isinstance(item, bytes) else block(item))
                    await writer.drain()
                    self.events_sent += 1
            else:
                self.logins_failed += 1
                writer.write(block({"Response": "Error", **action_id, "Message": "Authentication failed"}))
        elif name == "ping":
            if not self.answer_pings:
                return  # a PBX that hangs: the TCP connection stays open, nothing answers
            writer.write(block({"Response": "Success", **action_id, "Ping": "Pong", "Timestamp": "0.0"}))
        elif name == "logoff":
            writer.write(block({"Response": "Goodbye", **action_id, "Message": "Thanks for all the fish."}))
            await writer.drain()
            writer.close()
            return
        else:
            writer.write(block({"Response": "Error", **action_id, "Message": "Invalid/unknown command"}))
        await writer.drain()
