#!/usr/bin/env python3
"""Seeds the fuzzed account with one of everything and writes schemathesis' configuration.

`scripts/schemathesis.sh` runs it against a fresh server: every `{id}` of the OpenAPI document
then names a real resource of the account (a conversation, a contact and its note, a message,
an inbox, a label, ...), so the generated requests reach the handlers' logic and the response
schemas are checked against real payloads, not only against 404s.

Usage: schemathesis_seed.py BASE_URL ACCOUNT_ID TOKEN CONFIG_PATH
"""

import http.server
import json
import sys
import threading
import time
import urllib.error
import urllib.request

base, account_id, token, config_path = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
account = f"{base}/api/v1/accounts/{account_id}"


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("api_access_token", token)
    request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        sys.exit(f"seed: {method} {url} answered {error.code}: {error.read().decode()}")


def post(path, body):
    return call("POST", f"{account}{path}", body)


def get(path):
    return call("GET", f"{account}{path}")


inbox = post("/inboxes", {"name": "Fuzz API", "channel": {"type": "api"}})
created = post("/contacts", {"name": "Ana Souza", "email": "ana@example.com", "inbox_id": inbox["id"]})
contact = created["payload"]["contact"]
source_id = created["payload"]["contact_inbox"]["source_id"]
note = post(f"/contacts/{contact['id']}/notes", {"content": "Cliente desde 2020"})
# An invitation is pending until accepted and a pending member is not assignable, so the active
# agent comes from `atende create-user --password` (the caller runs it); this one stays invited.
post("/agents", {"name": "Carla Dias", "email": "carla@example.com", "role": "agent"})
agent = next(a for a in call("GET", f"{account}/agents") if a["email"] == "bruno@example.com")
label = post("/labels", {"title": "pedido", "description": "Pedidos", "color": "#1f93ff"})
team = post("/teams", {"name": "Suporte", "description": "Primeiro nível"})
post(f"/teams/{team['id']}/team_members", {"user_ids": [agent["id"]]})
post("/inbox_members", {"inbox_id": inbox["id"], "user_ids": [agent["id"]]})
canned = post("/canned_responses", {"short_code": "oi", "content": "Olá {{ contact.first_name }}!"})
role = post(
    "/custom_roles",
    {"name": "Leitura", "description": "Só lê", "permissions": ["conversation_participating_manage"]},
)
attribute = post(
    "/custom_attribute_definitions",
    {
        "attribute_display_name": "Plano",
        "attribute_key": "plano",
        "attribute_display_type": "list",
        "attribute_model": "conversation_attribute",
        "attribute_values": ["básico", "premium"],
    },
)
post(
    "/custom_attribute_definitions",
    {
        "attribute_display_name": "Nascimento",
        "attribute_key": "nascimento",
        "attribute_display_type": "date",
        "attribute_model": "contact_attribute",
    },
)
macro = post(
    "/macros",
    {
        "name": "Resolver",
        "visibility": "global",
        "actions": [{"action_name": "add_label", "action_params": [label["title"]]}],
    },
)
rule = post(
    "/automation_rules",
    {
        "name": "Etiquetar pedidos",
        "description": "",
        "event_name": "message_created",
        "conditions": [
            {"attribute_key": "content", "filter_operator": "contains", "values": ["pedido"], "query_operator": None}
        ],
        "actions": [{"action_name": "add_label", "action_params": [label["title"]]}],
        "active": True,
    },
)
# The webhook's receiver answers every delivery with a redirect, which a webhook never follows:
# the delivery fails for good at once (the server runs with ATENDE_OUTBOUND_ALLOW=127.0.0.1/32),
# and the delivery log and its resend get a real, failed delivery.
class Redirect(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.send_response(301)
        self.send_header("location", "http://127.0.0.1:9/elsewhere")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
webhook = post(
    "/webhooks",
    {"url": f"http://127.0.0.1:{receiver.server_port}/atende", "subscriptions": ["message_created"]},
)
conversation = post("/conversations", {"source_id": source_id, "inbox_id": inbox["id"]})
display_id = conversation["id"]
message = post(f"/conversations/{display_id}/messages", {"content": "Meu pedido 999 não chegou", "message_type": "incoming"})
post(f"/conversations/{display_id}/messages", {"content": "Vamos verificar", "message_type": "outgoing"})
post(f"/conversations/{display_id}/labels", {"labels": [label["title"]]})

delivery = None
for _ in range(60):
    deliveries = get(f"/webhooks/{webhook['payload']['webhook']['id']}/deliveries")["payload"]
    if deliveries and deliveries[0]["state"] == "failed":
        delivery = deliveries[0]["id"]
        break
    time.sleep(0.5)
receiver.shutdown()
if delivery is None:
    sys.exit("seed: the webhook logged no failed delivery within 30 s")

# `{id}` means a different resource on each path; the patterns do not overlap.
ids = [
    (r"^/api/v1/accounts/\{account_id\}/agents/\{id\}", {"id": agent["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/automation_rules/\{id\}", {"id": rule["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/canned_responses/\{id\}", {"id": canned["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/contacts/\{id\}", {"id": contact["id"], "note_id": note["id"]}),
    (r"^/public/api/v1/inboxes/", {"inbox_identifier": inbox["inbox_identifier"], "contact_identifier": source_id, "id": display_id}),
    (r"^/api/v1/accounts/\{account_id\}/conversations/\{id\}", {"id": display_id, "message_id": message["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/custom_attribute_definitions/\{id\}", {"id": attribute["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/custom_roles/\{id\}", {"id": role["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/inbox_members/\{id\}", {"id": inbox["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/inboxes/\{id\}", {"id": inbox["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/labels/\{id\}", {"id": label["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/macros/\{id\}", {"id": macro["payload"]["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/teams/\{id\}", {"id": team["id"]}),
    (r"^/api/v1/accounts/\{account_id\}/webhooks/\{id\}", {"id": webhook["payload"]["webhook"]["id"], "delivery": delivery}),
]

# Ids inside bodies: real ones most of the time, generated ones otherwise.
dictionaries = {
    "inbox_ids": [inbox["id"]],
    "contact_ids": [contact["id"]],
    "agent_ids": [agent["id"]],
    "team_ids": [team["id"]],
    "conversation_ids": [display_id],
    "custom_role_ids": [role["id"]],
    "webhook_urls": [f"http://127.0.0.1:{receiver.server_port}/atende"],
}
bindings = {
    "inbox_id": "inbox_ids",
    "contact_id": "contact_ids",
    "assignee_id": "agent_ids",
    "team_id": "team_ids",
    "user_ids[*]": "agent_ids",
    "conversation_ids[*]": "conversation_ids",
    "ids[*]": "conversation_ids",
    "custom_role_id": "custom_role_ids",
    "url": "webhook_urls",
}

lines = ["[parameters]", f'"path.account_id" = {account_id}']
for field, dictionary in bindings.items():
    lines.append(f'"body.{field}" = {{ dictionary = "{dictionary}", probability = 0.8 }}')
lines.append("")
for name, values in dictionaries.items():
    lines.append(f"[dictionaries.{name}]")
    lines.append(f"values = {json.dumps(values)}")
    lines.append("")
for pattern, values in ids:
    lines.append("[[operations]]")
    lines.append(f"include-path-regex = {json.dumps(pattern)}")
    lines.append("parameters = { " + ", ".join(f'"path.{k}" = {json.dumps(v)}' for k, v in values.items()) + " }")
    lines.append("")
with open(config_path, "w") as config:
    config.write("\n".join(lines))
print(f"seeded account {account_id}: conversation {display_id}, contact {contact['id']}, inbox {inbox['id']}")
