#!/usr/bin/env python3
"""Every module a target imports is declared in Package.swift, and nothing declared is unused.

Reads `swift package dump-package` (JSON on stdin or run it) and the `import` lines of each
target's sources. Exits 1 naming the target and the module, so CI keeps the graph honest.
"""
import glob
import json
import re
import subprocess
import sys

SYSTEM = {"Foundation", "FoundationNetworking", "FoundationEssentials", "Testing", "Dispatch", "Glibc", "Musl",
          "Darwin", "XCTest", "Synchronization"}


def main() -> int:
    package = json.loads(subprocess.run(["swift", "package", "dump-package"], check=True, capture_output=True,
                                        text=True).stdout)
    problems = []
    for target in package["targets"]:
        root = target.get("path") or ("Tests/" if target["type"] == "test" else "Sources/") + target["name"]
        declared = set()
        for dependency in target["dependencies"]:
            for kind in ("byName", "product", "target"):
                if kind in dependency:
                    declared.add(dependency[kind][0])
        imported = set()
        for path in glob.glob(root + "/**/*.swift", recursive=True):
            with open(path) as source:
                for line in source:
                    match = re.match(r"^\s*(?:@testable\s+|@_spi\(\w+\)\s+)?import\s+(\w+)", line)
                    if match:
                        imported.add(match.group(1))
        for module in sorted(imported - declared - SYSTEM):
            problems.append(f"{target['name']}: imports {module} but Package.swift does not declare it")
        for module in sorted(declared - imported):
            problems.append(f"{target['name']}: declares {module} but never imports it")
    for problem in problems:
        print(problem)
    if not problems:
        print(f"imports: {len(package['targets'])} targets, every import declared, nothing unused")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
