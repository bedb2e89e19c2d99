"""Times the Markdown renderer on the pathological inputs of tests/conditions/test_markdown.py,
in CPU seconds, and prints the slowest. With --renderer FILE it loads another renderer module
(for example an older release's: `git show <commit>:conditions/markdown.py > /tmp/old.py`).

    .venv/bin/python bench/markdown_worst.py 10000 100000
    .venv/bin/python bench/markdown_worst.py --renderer /tmp/old.py 10000 20000
"""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "diseasemaps.settings")


def load_renderer(path):
    if path is None:
        from conditions.markdown import render

        return render
    spec = importlib.util.spec_from_file_location("renderer_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.render


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lengths", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--renderer", help="a Python file defining render(text)")
    args = parser.parse_args()
    import django

    django.setup()
    from tests.conditions.test_markdown import PATHOLOGICAL

    render = load_renderer(args.renderer)
    worst = (0.0, "", 0)
    for length in args.lengths:
        for name, unit in PATHOLOGICAL.items():
            text = (unit * length)[:length]
            start = time.process_time()
            render(text)
            took = time.process_time() - start
            print(f"{length:>7,}  {name:<28} {took:8.3f} s")
            worst = max(worst, (took, name, length))
    print(f"slowest: {worst[1]} at {worst[2]:,} characters, {worst[0]:.3f} s")


if __name__ == "__main__":
    main()
