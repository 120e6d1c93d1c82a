"""The command-line tools, one module each with main(argv=None) -> exit code: the console
scripts of analysis/pyproject.toml (shortrun-summary, shortrun-make-figures, shortrun-plot-*),
the checkout wrappers analysis/<tool>.py, and `python3 -m shortrun_analysis.tools.<tool>`."""
