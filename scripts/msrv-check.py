#!/usr/bin/env python3
"""The declared Rust version (`rust-version` of the workspace) is at least what every locked
dependency asks for: read from `cargo metadata --locked`, without another toolchain.

    python3 scripts/msrv-check.py
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def version(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def main():
    manifest = (ROOT / "Cargo.toml").read_text(encoding="utf-8")
    declared = re.search(r'^rust-version\s*=\s*"([^"]+)"', manifest, re.M)
    if not declared:
        sys.exit("Cargo.toml: no workspace rust-version")
    declared = declared.group(1)
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    used = {node["id"] for node in meta["resolve"]["nodes"]}
    too_new = [
        (p["name"], p["version"], p["rust_version"])
        for p in meta["packages"]
        if p["id"] in used and p.get("rust_version") and version(p["rust_version"]) > version(declared)
    ]
    if too_new:
        for name, v, rv in sorted(too_new):
            print(f"{name} {v} needs Rust {rv}", file=sys.stderr)
        sys.exit(f"the workspace declares rust-version {declared}, lower than its locked dependencies need")
    members = [p for p in meta["packages"] if p["id"] in meta["workspace_members"]]
    wrong = [p["name"] for p in members if p.get("rust_version") != declared]
    if wrong:
        sys.exit(f"members that do not declare rust-version {declared}: {', '.join(wrong)}")
    print(f"rust-version {declared}: every locked dependency and every member agree")


if __name__ == "__main__":
    main()
