#!/usr/bin/env python3
"""Golden `Sign` vectors, computed from the spec's templates and the wiki's example requests,
without the code under test: for every signed method with an example request, and for each
version of its API that has a template of its own (`version:` on the sign or a variant), the template's
names are replaced by the values the example sends (percent-decoded form fields, or JSON values
as written), empty slots and names it does not send stay empty, `signSecretKey` becomes the
tests' secret, and the input is hashed with SHA-256 (signing rules: spec/README.md, «Sign»).

    python3 scripts/sign-vectors.py          # writes tests/golden/sign.tsv
    python3 scripts/sign-vectors.py --check  # fails when the file differs from what it would write
"""
import hashlib
import json
import pathlib
import sys
import urllib.parse

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "sign.tsv"
SECRET = "s3cr3t"
HEADER = (
    "# method\tversion (- for every version)\tSign input (secret s3cr3t)\tsha256 of the input\n"
    "# Written by scripts/sign-vectors.py from the spec's templates and the example requests; do not edit.\n"
)


def request_values(path):
    """Name -> value as sent, from an example request file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".form":
        return dict(urllib.parse.parse_qsl(text.strip(), keep_blank_values=True))
    # JSON: numbers keep the text they are written with (50.00 stays 50.00).
    data = json.loads(text, parse_float=str, parse_int=str)
    return {k: ("true" if v is True else "false" if v is False else "" if v is None else str(v)) for k, v in data.items()}


def sign_input(template, absent, values):
    lower = {k.lower(): v for k, v in values.items()}
    slots = []
    for name in template.split("::"):
        if name == "signSecretKey":
            slots.append(SECRET)
        elif name == "" or name in absent:
            slots.append("")
        else:
            slots.append(lower.get(name.lower(), ""))
    return "::".join(slots)


def templates(method, sign):
    """(version, template) of the sign and of its variants tagged with a version; the main
    template untagged is the method's version's (`-`: every version without one of its own)."""
    out = [(sign.get("version", method.get("version", "-")), sign["template"])]
    out += [(v["version"], v["template"]) for v in sign.get("variants", []) if "version" in v]
    return out


def rows():
    out = []
    for spec in sorted((ROOT / "spec").glob("*.yaml")):
        doc = yaml.safe_load(spec.read_text(encoding="utf-8"))
        for method in doc.get("methods", []):
            sign = method.get("sign")
            if not sign:
                continue
            for example in method.get("examples", []):
                if "request" not in example:
                    continue
                values = request_values(ROOT / "spec" / "examples" / example["request"])
                for version, template in templates(method, sign):
                    text = sign_input(template, set(sign.get("absent", [])), values)
                    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                    out.append(f"{method['name']}\t{version}\t{text}\t{digest}\n")
                break
    return out


def main():
    text = HEADER + "".join(rows())
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT.relative_to(ROOT)} is out of date: run `python3 scripts/sign-vectors.py`")
        print(f"{OUT.relative_to(ROOT)} is up to date ({text.count(chr(10)) - 2} vectors)")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
