#!/usr/bin/env python3
"""Check what CloudFormation would check at deploy time but the linters miss: the
dependencies between the resources of template.yaml, after the SAM transform, have no
cycle. (cfn-lint does not follow Fn::Sub inside an HTTP API's generated OpenAPI Body,
so a function whose environment names the CloudFront distribution in front of that API
lints clean and fails to deploy with "Circular dependency between resources".)

    python template-graph.py template.yaml    (the project's venv: samtranslator, cfn-lint)

Prints the cycle and exits 1 if there is one.
"""
import os
import re
import sys

from cfnlint.decode import decode_str
from samtranslator.translator.transform import transform

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")


class NoManagedPolicies:
    def load(self):
        return {}


def references(node, names):
    """Logical ids that node refers to (Ref, Fn::GetAtt, Fn::Sub ${X} / ${X.Attr})."""
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str) and value in names:
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value[0] if isinstance(value, list) else str(value).split(".")[0]
                if target in names:
                    found.add(target)
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for name in re.findall(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}", text):
                    if name in names:
                        found.add(name)
                if isinstance(value, list):
                    found |= references(value[1], names)
                continue
            found |= references(value, names)
    elif isinstance(node, list):
        for item in node:
            found |= references(item, names)
    return found


def main(path):
    text = open(path, encoding="utf-8").read()
    # The transform wants S3 code locations; sam build/deploy put them there.
    text = re.sub(r"CodeUri: \S+", "CodeUri: s3://bucket/key", text)
    template, matches = decode_str(text)
    if matches:
        sys.exit(f"{path}: {matches}")
    out = transform(template, {}, NoManagedPolicies())
    resources = out["Resources"]
    names = set(resources)
    edges = {}
    for name, res in resources.items():
        deps = references(res.get("Properties", {}), names)
        depends_on = res.get("DependsOn", [])
        deps |= set([depends_on] if isinstance(depends_on, str) else depends_on)
        edges[name] = deps
    # Depth-first search for a back edge.
    state = {}
    stack = []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for dep in sorted(edges[node]):
            if state.get(dep) == "open":
                cycle = stack[stack.index(dep):] + [dep]
                sys.exit(f"{path}: circular dependency: {' -> '.join(cycle)}")
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    print(f"{path}: {len(resources)} resources after the SAM transform, no circular dependency")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
