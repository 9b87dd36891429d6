"""Convert Sigma rules with the sigma_certutil API and print each target's query.

    python examples/convert_rules.py [RULE.yml ...]

With no rule, the bundled certutil rule is converted. A rule a target cannot express is
reported on stderr and the others go on.
"""

from __future__ import annotations

import sys

from sigma_certutil import TARGETS, CertutilError, convert, load_bundled_rule, load_rule


def main(paths: list[str]) -> int:
    status = 0
    rules = [load_rule(path) for path in paths] if paths else [load_bundled_rule()]
    for rule in rules:
        print(f"# {rule.title}")
        for target in TARGETS.values():
            try:
                query = convert(rule, target.id)
            except CertutilError as error:
                print(error, file=sys.stderr)
                status = 1
                continue
            print(f"## {target.id} ({target.data})\n{query}\n")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
