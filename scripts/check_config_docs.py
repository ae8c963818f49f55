#!/usr/bin/env python3
"""Every key the configuration loader accepts is documented: in docs/configuration.md (the table) and in
man/syncwindow.yaml.5. The keys are read from the loader's own lists (`mapping(allowed: [...])`, the auth
methods' keys, the window keys), so a key added to the code without its documentation fails `make test`."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
sources = "\n".join(p.read_text() for p in sorted((root / "Sources/SyncwindowConfig").glob("*.swift")))

keys = set()
lists = re.findall(r"allowed:\s*\[([^\]]*)\]", sources)
lists += re.findall(r"windowKeys[^=]*=\s*\[([^\]]*)\]", sources)
lists += re.findall(r'"(?:aksk|password|token|metadata)":\s*\[([^\]]*)\]', sources)
for text in lists:
    keys.update(re.findall(r'"([a-z_]+)"', text))
if len(keys) < 30:
    sys.exit(f"check_config_docs: found only {len(keys)} keys in Sources/SyncwindowConfig; has the loader changed shape?")

docs = (root / "docs/configuration.md").read_text()
manual = (root / "man/syncwindow.yaml.5").read_text().replace("\\-", "-")
missing = []
for key in sorted(keys):
    word = re.compile(r"(?<![a-z_])" + re.escape(key) + r"(?![a-z_])")
    in_docs = any(word.search(cell) for cell in re.findall(r"`([^`]*)`", docs))
    if not in_docs:
        missing.append(f"docs/configuration.md: no `{key}`")
    if not word.search(manual):
        missing.append(f"man/syncwindow.yaml.5: no {key}")
if missing:
    print("\n".join(missing), file=sys.stderr)
    sys.exit(1)
print(f"check_config_docs: {len(keys)} configuration keys, each documented in docs/configuration.md and syncwindow.yaml(5)")
