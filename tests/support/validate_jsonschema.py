#!/usr/bin/env python3
"""The Python side of `meshlens bench validate`: the same files, parsed with PyYAML (C loader when
available, dates kept as strings as meshlens does) and validated with `jsonschema` against the same
vendored ODCS schema, one after the other. Prints the median round in milliseconds.

Usage: validate_jsonschema.py FILE_LIST SCHEMA [ROUNDS]
"""
import json
import statistics
import sys
import time

import jsonschema
import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NoDates(Loader):
    """YAML 1.2 core: `2024-01-02` stays a string (PyYAML would make it a date, which JSON Schema rejects)."""


NoDates.yaml_implicit_resolvers = {
    key: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in Loader.yaml_implicit_resolvers.items()
}


def main():
    files = [line for line in open(sys.argv[1]).read().splitlines() if line]
    schema = json.load(open(sys.argv[2]))
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 11
    validator = jsonschema.validators.validator_for(schema)(schema)
    times, invalid = [], 0
    for _ in range(rounds):
        started = time.perf_counter()
        invalid = 0
        for path in files:
            with open(path, encoding="utf-8") as f:
                doc = yaml.load(f, Loader=NoDates)
            if not validator.is_valid(doc):
                invalid += 1
        times.append((time.perf_counter() - started) * 1000)
    print(json.dumps({"files": len(files), "first_round_ms": times[0],
                      "median_round_ms": statistics.median(times[1:] or times), "invalid": invalid,
                      "jsonschema": __import__("importlib.metadata").metadata.version("jsonschema"),
                      "libyaml": Loader is not yaml.SafeLoader}))


if __name__ == "__main__":
    main()
