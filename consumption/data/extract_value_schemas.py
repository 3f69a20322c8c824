#!/usr/bin/env python3
"""Writes identity_value_schemas.json: for each identity attribute value type, the properties
(in the schema's order, each with its JSON type or constant) and the required ones, as the
official runtime's request schemas (`packages/runtime/src/useCases/common/Schemas.ts` of
@nmshd/runtime 7.0.0) state them. Usage: extract_value_schemas.py path/to/Schemas.ts"""
import json
import sys

IDENTITY_VALUE_TYPES = [
    "Affiliation", "BirthDate", "BirthName", "BirthPlace", "Citizenship", "CommunicationLanguage",
    "DeliveryBoxAddress", "DisplayName", "EMailAddress", "FaxNumber", "GivenName",
    "HonorificPrefix", "HonorificSuffix", "IdentityFileReference", "JobTitle", "MiddleName",
    "Nationality", "PhoneNumber", "PostOfficeBoxAddress", "Pseudonym", "Sex", "StreetAddress",
    "Surname", "Website", "SchematizedXML",
]


def schema(source, name):
    start = source.index(f"export const {name}: any = ") + len(f"export const {name}: any = ")
    end = source.find("\nexport const", start)
    return json.loads(source[start:end if end >= 0 else len(source)].strip().rstrip(";"))


def main():
    source = open(sys.argv[1], encoding="utf-8").read()
    out = {}
    for name in IDENTITY_VALUE_TYPES:
        definition = schema(source, name)["definitions"][name]
        assert definition.get("additionalProperties") is False, name
        properties = []
        for prop, rule in definition["properties"].items():
            unknown = set(rule) - {"type", "const"}
            assert not unknown, (name, prop, unknown)
            properties.append([prop, {"const": rule["const"]} if "const" in rule else rule["type"]])
        out[name] = {"properties": properties, "required": definition["required"]}
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
