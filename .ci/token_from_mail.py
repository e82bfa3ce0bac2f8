"""Prints the token of the newest werkmatch link mailed to an address (a folder of .eml files)."""
import email
import email.policy
import pathlib
import re
import sys

folder, recipient = pathlib.Path(sys.argv[1]), sys.argv[2]
found = []
for path in folder.glob("*.eml"):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if recipient not in str(message.get("To", "")):
        continue
    body = message.get_body(preferencelist=("plain",))
    match = re.search(r"token=([A-Za-z0-9_-]+)", body.get_content() if body else "")
    if match:
        found.append((path.stat().st_mtime, match.group(1)))
if not found:
    sys.exit(1)
print(max(found)[1])
