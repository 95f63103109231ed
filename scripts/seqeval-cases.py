"""
Extracts the parametrized cases of seqeval's own scheme tests into JSON, for
test/seqeval.test.ts (no Python at test time):

    /usr/bin/python3 scripts/seqeval-cases.py /path/to/seqeval/tests/test_scheme.py \
        > test/fixtures/seqeval/scheme-cases.json

Only the literal tables are read (with ast); seqeval itself is not imported.
The fixture in the repository came from chakki-works/seqeval at cd01b52.
"""
import ast
import json
import sys

WANTED = ('_start_inside_end', '_tokens', '_tokens_without_tag', 'test_token_tag', 'test_token_prefix', 'test_valid_prefix', 'test_invalid_prefix')


def literal(node):
    """Python literals, with Prefix.X and scheme class names (IOB2) as strings."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal(e) for e in node.elts]
    return ast.literal_eval(node)


def main(path):
    tree = ast.parse(open(path, encoding='utf-8').read())
    out = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or not fn.name.endswith(WANTED):
            continue
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and getattr(dec.func, 'attr', '') == 'parametrize':
                out[fn.name] = {'params': [p.strip() for p in literal(dec.args[0]).split(',')], 'cases': literal(dec.args[1])}
    json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write('\n')


main(sys.argv[1])
