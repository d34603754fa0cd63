"""The command line's pieces; ``python -m gdviz`` (``gdviz.__main__``) wires them."""
