"""Mastodon.py (Debian's python3-mastodon) against Coopol, issue 15: Web
Push, link preview cards and v1 filters. masto.test.mjs gives, through the
environment, alice's and carol's tokens (from the real OAuth flow) and
the id of alice's status that has a card.

Push: Mastodon.py generates a P-256 key and an auth secret and sets the
subscription of alice's token to a push service of our own on loopback;
carol mentions alice; the receiver gets the request and opens it as a
browser would (aes128gcm, RFC 8188/8291) with `cryptography` (Mastodon.py
1.8's own decrypt_push only knows the older aesgcm encoding and needs
http_ece, which Debian does not package)."""
import http.server
import json
import os
import sys
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from mastodon import Mastodon

base = os.environ["COOPOL_BASE"]
alice = Mastodon(api_base_url=base, access_token=os.environ["COOPOL_TOKEN"], version_check_mode="none")
carol = Mastodon(api_base_url=base, access_token=os.environ["COOPOL_TOKEN_CAROL"], version_check_mode="none")


def fail(*what):
    print(*what)
    sys.exit(1)


# Cards: the status entity's card, and Mastodon.py's status_card().
status_id = os.environ["COOPOL_CARD_STATUS"]
card = alice.status(status_id)["card"]
if not card or card["title"] != "Marché de Villeneuve : on tracte samedi" or card["provider_name"] != "La Gazette locale":
    fail("card", card)
if alice.status_card(status_id)["title"] != card["title"]:
    fail("status_card", alice.status_card(status_id))
print("cards ok")

# Filters v1 (a view over filters v2): Mastodon.py's filter_create and
# filters() speak v1.
made = alice.filter_create("manifestation", ["home", "thread"], whole_word=True)
listed = [f for f in alice.filters() if f["id"] == made["id"]]
if made["phrase"] != "manifestation" or not listed or sorted(listed[0]["context"]) != ["home", "thread"] or listed[0]["irreversible"]:
    fail("filters v1", made, alice.filters())
alice.filter_delete(made["id"])
if any(f["id"] == made["id"] for f in alice.filters()):
    fail("filter not deleted", alice.filters())
print("filters v1 ok")

# Push.
received = []


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((self.path, dict(self.headers), body))
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
endpoint = "http://127.0.0.1:%d/push/mastodon-py" % server.server_address[1]

priv, pub = alice.push_subscription_generate_keys()
sub = alice.push_subscription_set(endpoint, pub, mention_events=True, favourite_events=False, policy="all")
got = alice.push_subscription()
if got["endpoint"] != endpoint or got["id"] != sub["id"] or not got["alerts"]["mention"] or got["alerts"]["favourite"]:
    fail("subscription", sub, got)

mention = carol.status_post("@alice Mastodon.py te notifie")
deadline = time.time() + 30
while not received and time.time() < deadline:
    time.sleep(0.2)
server.shutdown()
if not received:
    fail("no push received")
path, headers, body = received[0]
if path != "/push/mastodon-py" or headers.get("Content-Encoding") != "aes128gcm":
    fail("request", path, headers)


def hkdf(ikm, salt, info, length):
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


salt, idlen = body[:16], body[20]
server_key = body[21:21 + idlen]
private_key = ec.derive_private_key(priv["privkey"], ec.SECP256R1())
shared = private_key.exchange(ec.ECDH(), ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), server_key))
ikm = hkdf(shared, priv["auth"], b"WebPush: info\x00" + pub["pubkey"] + server_key, 32)
cek = hkdf(ikm, salt, b"Content-Encoding: aes128gcm\x00", 16)
nonce = hkdf(ikm, salt, b"Content-Encoding: nonce\x00", 12)
plain = AESGCM(cek).decrypt(nonce, body[21 + idlen:], None).rstrip(b"\x00")
if not plain.endswith(b"\x02"):
    fail("no record delimiter", plain)
payload = json.loads(plain[:-1])
notification = [n for n in alice.notifications(types=["mention"]) if n["status"] and n["status"]["id"] == mention["id"]]
if (payload["notification_type"] != "mention" or payload["title"] != "carol mentioned you"
        or "Mastodon.py te notifie" not in payload["body"] or payload["access_token"] != ""
        or not notification or str(notification[0]["id"]) != payload["notification_id"]):
    fail("payload", payload, notification)
alice.push_subscription_delete()
print("push ok")
